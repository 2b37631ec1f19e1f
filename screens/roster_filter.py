"""The roster's filter dialog: class, mark, status, and left-behind children or all pupils."""
from __future__ import annotations

from typing import NamedTuple

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Select

from models import rules
from models.roster import FLAG_FILTERS
from tui.widgets.guard import DatabaseGuard
from tui.widgets.text import content


class RosterFilter(NamedTuple):
    classroom_id: int | None
    flag: str | None
    status: str | None
    left_behind_only: bool


ALL = "__all__"


class RosterFilterScreen(DatabaseGuard, ModalScreen[RosterFilter | None]):
    BINDINGS = [
        Binding("ctrl+s", "apply", "确定"),
        Binding("escape", "cancel", "取消"),
    ]

    def __init__(self, current: RosterFilter, classrooms: list[tuple[int, str]]) -> None:
        super().__init__()
        self.current = current
        self.classroom_options = classrooms

    def compose(self) -> ComposeResult:
        c = self.current
        with Vertical(id="filter-box"):
            yield Label("筛选名册  (回车选择, tab 下一项, ctrl+s 确定, esc 取消)")
            yield Label("班级")
            yield Select([("全部班级", ALL),
                          *((content(name, one_line=True), cid) for cid, name in self.classroom_options)],
                         value=c.classroom_id if c.classroom_id is not None else ALL, allow_blank=False, id="f-class")
            yield Label("标记")
            yield Select([("全部", ALL), *((f, f) for f in FLAG_FILTERS)], value=c.flag or ALL,
                         allow_blank=False, id="f-flag")
            yield Label("学籍状态")
            yield Select([("全部", ALL), *((s, s) for s in rules.STATUSES)], value=c.status or ALL,
                         allow_blank=False, id="f-status")
            yield Label("范围")
            yield Select([("只看留守儿童", True), ("全部学生", False)], value=c.left_behind_only,
                         allow_blank=False, id="f-scope")

    def on_mount(self) -> None:
        self.query_one("#f-class").focus()

    def _value(self, selector: str):
        v = self.query_one(selector, Select).value
        return None if v == ALL else v

    def action_apply(self) -> None:
        self.dismiss(RosterFilter(self._value("#f-class"), self._value("#f-flag"), self._value("#f-status"),
                                  bool(self.query_one("#f-scope", Select).value)))

    def action_cancel(self) -> None:
        self.dismiss(None)
