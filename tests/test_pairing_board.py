"""The pairing board (2) at 80x24, driven by the keyboard as a teacher would."""
from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import DataTable, OptionList, Static

from models import pairings
from models.entities import Child, Pairing, Staff
from models.scope import system_viewer
from tui.widgets.virtual_table import VirtualTable

ALL = system_viewer()  # the whole database: these tests are not about scope (tests/test_scope.py is)
from screens.confirm import ConfirmScreen
from screens.pairing_board import PairingBoardScreen
from screens.pairing_detail import PairingDetailScreen
from tui.widgets.pairing_picker import PickerScreen
from screens.talk_entry import TalkEntryScreen
from tests.test_roster_screen import make_app


@pytest.fixture
def school(tiny_school):
    for st, (full, initials) in zip(tiny_school["staff"], (("lilaoshi", "lls"), ("zhaolaoshi", "zls"))):
        st.name_pinyin, st.name_initials = full, initials
        st.save()
    return tiny_school


async def open_board(pilot, app) -> PairingBoardScreen:
    await pilot.press("2")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, PairingBoardScreen)
    return screen


def unpaired_names(screen):
    return [c.name for c in screen.board.unpaired.children]


def group_names(screen, name):
    g = next(g for g in screen.board.groups if g.name == name)
    return [c.name for c in g.children]


def active_helper(child, kind="帮扶教师"):
    p = Pairing.get_or_none((Pairing.child == child.id) & (Pairing.kind == kind) & Pairing.ended_on.is_null())
    return None if p is None else (p.staff.name if p.staff_id else p.buddy.name if p.buddy_id else p.helper_name)


async def go_to_group(pilot, screen, name):
    """Highlight a helper on the left by walking down the list, as a teacher would."""
    helpers = screen.query_one("#pb-helpers", OptionList)
    helpers.focus()
    target = next(i for i, g in enumerate(screen.board.groups) if g.name == name)
    await pilot.press("home", *["down"] * target)
    await pilot.pause()
    assert screen.group.name == name


async def test_board_shows_unpaired_first_and_helpers_with_load(school):
    app = make_app(school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_board(pilot, app)
        status = str(screen.query_one("#pb-status", Static).content)
        assert "帮扶教师" in status and "未结对 2" in status and "已结对 1" in status
        helpers = screen.query_one("#pb-helpers", OptionList)
        prompts = [str(helpers.get_option_at_index(i).prompt) for i in range(helpers.option_count)]
        assert prompts[0].startswith("未结对") and prompts[0].rstrip().endswith("2")
        assert any(p.startswith("李老师") and p.rstrip().endswith("1/15") for p in prompts)
        assert unpaired_names(screen) == ["王芳", "张丽华"]
        table = screen.query_one("#pb-table", VirtualTable)
        assert [str(c) for c in table.get_row_at(0)][:5] == ["王芳", "5年1班", "重", "赵老师", "班主任"]
        await go_to_group(pilot, screen, "李老师")
        assert [str(c) for c in table.get_row_at(0)][:5] == ["张小明", "3年2班", "", "09-01", "11-20"]
        await pilot.press("k")  # next kind
        assert screen.kind == "爱心妈妈" and len(unpaired_names(screen)) == 3


async def test_assign_with_pinyin_picker(school):
    app = make_app(school)
    kid = school["kids"]["张丽华"]
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_board(pilot, app)
        await pilot.press("right", "down")  # into the children, to 张丽华
        assert screen.current_child().name == "张丽华"
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, PickerScreen)
        await pilot.press("z", "l", "s", "enter")  # 赵老师
        await pilot.pause()
        assert app.screen is screen
        assert active_helper(kid) == "赵老师"
        assert unpaired_names(screen) == ["王芳"]
        assert group_names(screen, "赵老师") == ["张丽华"]


async def test_suggestion_accepted_with_one_key_then_the_column(school):
    app = make_app(school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_board(pilot, app)
        await pilot.press("s")  # 王芳, suggested: her class teacher 赵老师
        await pilot.pause()
        assert active_helper(school["kids"]["王芳"]) == "赵老师"
        assert unpaired_names(screen) == ["张丽华"]
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert active_helper(school["kids"]["张丽华"]) == "李老师"
        # the 未结对 column is empty and says why
        assert unpaired_names(screen) == []
        empty = screen.query_one("#pb-empty", Static)
        assert empty.has_class("-shown") and "每个在读的留守儿童都有帮扶教师了" in str(empty.content)
        await pilot.pause()
        table = screen.query_one("#pb-table")  # the words take their rows, the table comes after
        assert empty.region.height >= 3 and table.region.y == empty.region.bottom
        assert "未结对 0" in str(screen.query_one("#pb-status", Static).content)


async def test_move_to_another_helper(school):
    app = make_app(school)
    kid = school["kids"]["张小明"]
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_board(pilot, app)
        await go_to_group(pilot, screen, "李老师")
        await pilot.press("right", "m")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        assert "李老师" not in [c.name for c in picker.items]  # not the current helper
        await pilot.press("z", "l", "s", "enter")
        await pilot.pause()
        assert active_helper(kid) == "赵老师"
        old = Pairing.get((Pairing.child == kid.id) & (Pairing.staff == school["staff"][0].id))
        assert old.ended_on == dt.date.today() and old.end_reason == "改由赵老师帮扶"
        assert group_names(screen, "李老师") == [] and group_names(screen, "赵老师") == ["张小明"]
        assert "还没有结对的孩子" in str(screen.query_one("#pb-empty", Static).content)
        await go_to_group(pilot, screen, "赵老师")  # children again: the words go, the table is under the line
        await pilot.pause()
        empty, head = screen.query_one("#pb-empty", Static), screen.query_one("#pb-head", Static)
        assert not empty.has_class("-shown") and empty.region.height == 0
        assert screen.query_one("#pb-table").region.y == head.region.bottom


async def test_end_then_pair_again(school):
    """The inspector's path: end a pairing, see the child under 未结对, a + pinyin + enter."""
    app = make_app(school)
    kid = school["kids"]["张小明"]
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_board(pilot, app)
        await go_to_group(pilot, screen, "李老师")
        await pilot.press("right", "d")
        await pilot.pause()
        await pilot.press("enter")  # no reason yet: refused, the dialog stays
        await pilot.pause()
        assert "请填写结束原因" in str(app.screen.query_one("#ask-error", Static).content)
        await pilot.press(*"jiaoshidiaodong", "enter")
        await pilot.pause()
        assert app.screen is screen
        old = Pairing.get(Pairing.child == kid.id)
        assert (old.ended_on, old.end_reason) == (dt.date.today(), "jiaoshidiaodong")
        assert "张小明" in unpaired_names(screen)
        await go_to_group(pilot, screen, "未结对")
        await pilot.press("right")
        while screen.current_child().name != "张小明":
            await pilot.press("down")
        await pilot.press("a", "l", "l", "s", "enter")
        await pilot.pause()
        assert active_helper(kid) == "李老师"
        assert "张小明" not in unpaired_names(screen)
        assert Pairing.select().where(Pairing.child == kid.id).count() == 2  # the history is kept


@pytest.mark.parametrize("answer,paired", [("y", True), ("n", False)])
async def test_over_the_maximum_asks(school, answer, paired):
    pairings.set_max_load(school["school"].id, "帮扶教师", "1", viewer=ALL)
    kid = school["kids"]["张丽华"]
    app = make_app(school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_board(pilot, app)
        await pilot.press("right", "down", "a")
        await pilot.pause()
        await pilot.press("l", "l", "s", "enter")  # 李老师 already has 张小明
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "李老师已有1个孩子 (上限1)" in app.screen.question
        await pilot.press(answer)
        await pilot.pause()
        assert app.screen is screen
        assert (active_helper(kid) == "李老师") is paired


def notifications(app) -> list[str]:
    return [n.message for n in app._notifications]


async def test_refusal_shows_a_message(school):
    app = make_app(school)
    zhao = school["staff"][1]
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_board(pilot, app)
        assert screen.current_child().suggestion.label == "赵老师"
        # 赵老师 leaves while the board is open: taking the stale suggestion is refused
        Staff.update(active=False).where(Staff.id == zhao.id).execute()
        await pilot.press("s")
        await pilot.pause()
        assert "赵老师已停用, 不能结对" in notifications(app)
        assert active_helper(school["kids"]["王芳"]) is None
        # and the picker no longer offers 赵老师
        await pilot.press("right", "a")
        await pilot.pause()
        assert "赵老师" not in [c.name for c in app.screen.items]


async def test_max_load_key(school):
    app = make_app(school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_board(pilot, app)
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("backspace", "backspace", "3", "enter")
        await pilot.pause()
        assert app.screen is screen
        assert screen.board.max_load == 3 == pairings.max_load(school["school"].id, "帮扶教师")
        assert "上限 3" in str(screen.query_one("#pb-status", Static).content)


async def test_open_the_pairing_edit_the_plan(school):
    app = make_app(school)
    kid = school["kids"]["张小明"]
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_board(pilot, app)
        await go_to_group(pilot, screen, "李老师")
        await pilot.press("enter", "enter")  # into the table, then open
        await pilot.pause()
        detail = app.screen
        assert isinstance(detail, PairingDetailScreen)
        assert "张小明" in str(detail.query_one("#pd-head", Static).content)
        assert detail.query_one("#pd-contacts", DataTable).row_count == 2
        await pilot.press(*"meizhousan", "tab")
        await pilot.press(*"fudao", "tab", *"jinbu", "ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        p = Pairing.get(Pairing.child == kid.id)
        assert (p.plan_time, p.plan_content, p.plan_results) == ("meizhousan", "fudao", "jinbu")
        assert str(screen.query_one("#pb-table", VirtualTable).get_row_at(0)[5]) == "有"


async def test_talk_from_the_board(school):
    app = make_app(school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_board(pilot, app)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TalkEntryScreen)
        assert app.screen.child_ids == [school["kids"]["王芳"].id]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_find_jumps_to_the_child(school):
    app = make_app(school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_board(pilot, app)
        await pilot.press("slash", "z", "x", "m", "enter")
        await pilot.pause()
        assert screen.group.name == "李老师" and screen.current_child().name == "张小明"


async def test_buddy_and_new_community_helper(school):
    app = make_app(school)
    kid = school["kids"]["王芳"]
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_board(pilot, app)
        await pilot.press("k", "k")
        assert screen.kind == "学习帮手"
        await pilot.press("a")
        await pilot.pause()
        assert "王芳" not in [c.name for c in app.screen.items]  # never herself
        await pilot.press("l", "q", "enter")  # 刘强, her classmate
        await pilot.pause()
        assert active_helper(kid, "学习帮手") == "刘强"
        await pilot.press("k")
        assert screen.kind == "党员干部"
        await pilot.press("a")
        await pilot.pause()
        app.screen.query_one("#pp-query").value = "郭丽芬(村支书)"
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert active_helper(kid, "党员干部") == "郭丽芬(村支书)"
        assert any(g.name == "郭丽芬(村支书)" for g in screen.board.groups)


@pytest.mark.parametrize("name", ["[b]王[/b]", "[/", "\x1b[31m红"])
async def test_markup_in_names_shows_literally(school, name):
    kid = school["kids"]["王芳"]
    Child.update(name=name).where(Child.id == kid.id).execute()
    app = make_app(school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_board(pilot, app)
        cells = [str(c) for c in screen.query_one("#pb-table", VirtualTable).get_row_at(0)]
        shown = cells[0].removesuffix("~")  # a cut name ends in ~ (screens/pairing_picker.py)
        assert cells[0] == name.replace("\x1b", "")[:8] or name.replace("\x1b", "").startswith(shown)
        await pilot.press("s")  # messages with the name do not crash either
        await pilot.pause()
        assert app.is_running
