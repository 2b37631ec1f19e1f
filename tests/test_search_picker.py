"""The pickers are configurations of one ``SearchPicker`` (tui/widgets/search_picker.py): each keeps
its keys and answers — typing narrows the list, arrows move, enter chooses, esc answers None, and
enter with nothing found leaves the picker open with the typed text."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from textual.app import App
from textual.widgets import OptionList

from models.pinyin import pinyin_keys
from tests.test_roster_screen import make_app
from tui.widgets.child_picker import ChildPickerScreen
from tui.widgets.class_picker import ClassPickerScreen
from tui.widgets.fields import Input
from tui.widgets.pairing_picker import NewName, PickerScreen
from tui.widgets.pick_list import PickListScreen
from tui.widgets.search_picker import SearchPicker

OPEN = object()  # the picker is still there: nothing was answered


def person(name: str) -> SimpleNamespace:
    """An item ``roster.search`` can rank, as the pairing board's helpers are."""
    full, initials = pinyin_keys(name)
    return SimpleNamespace(name=name, name_pinyin=full, name_initials=initials, student_no="", phones="",
                           id_number="", class_name="", guardian_name="")


PEOPLE = [person("张小明"), person("张晓梅"), person("李华")]
CLASSES = [("全校", "all"), ("一年级1班", 11), ("三年级2班", 32), ("三年级3班", 33)]
KINDS = ("谈心", "家长电话", "家访")


class Host(App):
    """A bare app that opens one picker and keeps what it is dismissed with."""

    def __init__(self, make) -> None:
        super().__init__()
        self.make = make
        self.answers: list = []

    def on_mount(self) -> None:
        self.push_screen(self.make(), self.answers.append)


async def run_steps(app, pilot, steps: list[str]) -> None:
    """``=text`` puts text in the search box (CJK cannot be pressed); anything else is a key."""
    for step in steps:
        if step.startswith("="):
            app.screen.query_one(Input).value = step[1:]
        else:
            await pilot.press(step)
        await pilot.pause()


@pytest.mark.parametrize("make, steps, expected", [
    # the pairing board's picker: pinyin initials, full pinyin, characters; a new name
    (lambda: PickerScreen(PEOPLE, lambda p: p.name, title="选择"), ["z", "x", "m", "enter"], PEOPLE[0]),
    (lambda: PickerScreen(PEOPLE, lambda p: p.name, title="选择"), ["z", "x", "m", "down", "enter"], PEOPLE[1]),
    (lambda: PickerScreen(PEOPLE, lambda p: p.name, title="选择"), ["=李", "enter"], PEOPLE[2]),
    (lambda: PickerScreen(PEOPLE, lambda p: p.name, title="选择"), ["pagedown", "enter"], PEOPLE[2]),
    (lambda: PickerScreen(PEOPLE, lambda p: p.name, title="选择"), ["q", "q", "enter"], OPEN),
    (lambda: PickerScreen(PEOPLE, lambda p: p.name, title="选择"), ["escape"], None),
    (lambda: PickerScreen(PEOPLE, lambda p: p.name, title="选择", new_name=True), ["=郭老师", "enter"],
     NewName("郭老师")),
    (lambda: PickerScreen(PEOPLE, lambda p: p.name, title="选择", new_name=True), ["=李华", "enter"], PEOPLE[2]),
    # classes by their numbers, the caller's value answered
    (lambda: ClassPickerScreen(CLASSES), ["3", "2", "enter"], 32),
    (lambda: ClassPickerScreen(CLASSES), ["3", "down", "enter"], 33),
    (lambda: ClassPickerScreen(CLASSES), ["enter"], "all"),
    (lambda: ClassPickerScreen(CLASSES), ["9", "enter"], OPEN),
    (lambda: ClassPickerScreen(CLASSES), ["escape"], None),
    # the numbered list: a digit picks, or toggles with multi; enter confirms
    (lambda: PickListScreen("方式", KINDS), ["2"], "家长电话"),
    (lambda: PickListScreen("方式", KINDS, current="家访"), ["enter"], "家访"),
    (lambda: PickListScreen("方式", KINDS), ["down", "enter"], "家长电话"),
    (lambda: PickListScreen("方式", KINDS), ["9"], OPEN),
    (lambda: PickListScreen("关注", KINDS, multi=True), ["1", "3", "enter"], ("谈心", "家访")),
    (lambda: PickListScreen("关注", KINDS, current=("家访",), multi=True), ["3", "2", "enter"], ("家长电话",)),
    (lambda: PickListScreen("关注", KINDS, current=("家访",), multi=True), ["1", "escape"], None),
])
async def test_picker_keys_and_answers(make, steps, expected):
    app = Host(make)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SearchPicker)
        await run_steps(app, pilot, steps)
        if expected is OPEN:
            assert app.answers == [] and isinstance(app.screen, SearchPicker)
        else:
            assert app.answers == [expected]
            assert type(app.answers[0]) is type(expected)  # a NewName, not a plain str


@pytest.mark.parametrize("steps, expected", [
    (["z", "x", "m", "enter"], "张小明"),
    (["z", "l", "h", "enter"], "张丽华"),
    (["=王", "enter"], "王芳"),
    (["x", "x", "x", "enter"], OPEN),
    (["escape"], None),
])
async def test_the_child_picker_answers_the_child_id(tiny_school, steps, expected):
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        answers: list = []
        app.push_screen(ChildPickerScreen(tiny_school["school"].id), answers.append)
        await pilot.pause()
        assert app.screen.query_one(OptionList).option_count > 0
        await run_steps(app, pilot, steps)
        if expected is OPEN:
            assert answers == [] and isinstance(app.screen, ChildPickerScreen)
        else:
            assert answers == [None if expected is None else tiny_school["kids"][expected].id]


async def test_a_multi_pick_list_shows_its_ticks_and_keeps_the_cursor():
    app = Host(lambda: PickListScreen("关注", KINDS, current=("家访",), multi=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        lines = lambda: [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]  # noqa: E731
        assert lines() == ["1 [ ] 谈心", "2 [ ] 家长电话", "3 [*] 家访"]
        await pilot.press("2")
        await pilot.pause()
        assert lines() == ["1 [ ] 谈心", "2 [*] 家长电话", "3 [*] 家访"]
        assert options.highlighted == 1 and app.answers == []
