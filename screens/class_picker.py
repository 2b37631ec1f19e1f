"""Pick a class by typing its numbers: ``32`` finds 三年级2班 (a school has 6-30 classes, and a
dropdown walked with arrow keys took a 校长 13 keys to reach the last one)."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from tui.fields import Input
from tui.guard import DatabaseGuard
from tui.text import clean, content

GRADE_DIGITS = {ch: str(i) for i, ch in enumerate("一二三四五六七八九", start=1)}


def class_key(name: str) -> str:
    """三年级2班 -> 三年级2班 with its grade as a digit too (``3年级2班``): what a query matches."""
    return "".join(GRADE_DIGITS.get(ch, ch) for ch in name)


def matches(name: str, query: str) -> bool:
    """Every typed character, in order, somewhere in the name or its digit form (``32``, ``3年2``,
    ``三年级``); spaces ignored."""
    wanted = [ch for ch in query.strip() if not ch.isspace()]
    for haystack in (class_key(name), name):
        at = 0
        for ch in wanted:
            at = haystack.find(ch, at)
            if at < 0:
                break
            at += 1
        else:
            return True
    return False


class ClassPickerScreen(DatabaseGuard, ModalScreen[object]):
    """Dismissed with the chosen value (a class id, or the caller's whole-school value), or None."""

    BINDINGS = [
        Binding("escape", "cancel", "取消"),
        Binding("down", "down", "下一个", show=False),
        Binding("up", "up", "上一个", show=False),
    ]
    DEFAULT_CSS = """
    ClassPickerScreen { align: center middle; }
    #class-picker-box { width: 40; max-width: 100%; height: 18; max-height: 100%; border: round $primary;
                        padding: 0 1; background: $surface; }
    #class-picker-query { height: 1; border: none; background: $boost; }
    #class-picker-list { height: 1fr; border: none; }
    """

    def __init__(self, choices: list[tuple[str, object]], *, title: str = "选择班级") -> None:
        super().__init__()
        self.choices = [(clean(label), value) for label, value in choices]
        self.title_text = title
        self.shown: list[tuple[str, object]] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="class-picker-box"):
            yield Label(content(self.title_text, one_line=True))
            yield Label("输入数字, 如 32 = 三年级2班; 回车选定", markup=False)
            yield Input(placeholder="如 32", id="class-picker-query")
            yield OptionList(id="class-picker-list")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, query: str) -> None:
        self.shown = [c for c in self.choices if matches(c[0], query)] if query.strip() else list(self.choices)
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(Option(content(label, one_line=True)) for label, _ in self.shown)
        if self.shown:
            options.highlighted = 0

    @on(Input.Changed, "#class-picker-query")
    def _changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#class-picker-query")
    def _submitted(self) -> None:
        highlighted = self.query_one(OptionList).highlighted
        if self.shown and highlighted is not None:
            self.dismiss(self.shown[highlighted][1])

    @on(OptionList.OptionSelected, "#class-picker-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.shown[event.option_index][1])

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
