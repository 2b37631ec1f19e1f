"""Pick a child by pinyin initials, full pinyin, characters or 学籍号: type, arrows, enter."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from models import roster
from tui.fields import Input
from tui.text import clean, content
from tui.guard import DatabaseGuard

MAX_SHOWN = 50
NAME_CELLS, CLASS_CELLS = 8, 10  # names and classes in columns, whatever their length


def pad(text: str, cells: int) -> str:
    """``text`` filled with spaces to ``cells`` terminal cells (a CJK character is two)."""
    from rich.cells import cell_len

    return text + " " * max(0, cells - cell_len(text))


class ChildPickerScreen(DatabaseGuard, ModalScreen[int | None]):
    BINDINGS = [
        Binding("escape", "cancel", "取消"),
        Binding("down", "down", "下一个", show=False),
        Binding("up", "up", "上一个", show=False),
    ]

    def __init__(self, school_id: int, *, title: str = "选择孩子", exclude: set[int] | None = None) -> None:
        super().__init__()
        self.school_id = school_id
        self.title_text = title
        self.exclude = exclude or set()
        self.rows = [r for r in roster.filter_rows(roster.roster_rows(school_id, viewer=self.app.viewer), left_behind_only=False)
                     if r.id not in self.exclude]
        self.shown: list[roster.RosterRow] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box"):
            yield Label(content(self.title_text, one_line=True))  # the hint on its own line: never cut off
            yield Label("输入拼音首字母、全拼或汉字; 上下键选, 回车选定, esc 取消", markup=False)
            yield Input(placeholder="如 zxm", id="picker-query")
            yield OptionList(id="picker-list")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, query: str) -> None:
        self.shown = roster.search(self.rows, query)[:MAX_SHOWN] if query else self.rows[:MAX_SHOWN]
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(
            Option(content(f"{pad(clean(r.name), NAME_CELLS)}  {pad(clean(r.class_name), CLASS_CELLS)}  "
                           f"{'留守' if r.left_behind else ''}", one_line=True), id=str(r.id))
            for r in self.shown
        )
        if self.shown:
            options.highlighted = 0

    @on(Input.Changed, "#picker-query")
    def _changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#picker-query")
    def _submitted(self) -> None:
        options = self.query_one(OptionList)
        if self.shown and options.highlighted is not None:
            self.dismiss(self.shown[options.highlighted].id)

    @on(OptionList.OptionSelected, "#picker-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id))

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
