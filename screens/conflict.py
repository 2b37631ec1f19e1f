"""Someone else saved this record after you opened it: both versions, field by field, and a choice.

``m`` keeps my changes (on top of theirs: what only they changed stays theirs), ``t`` takes
their version into the form, ``esc`` goes back to the form. Dismissed with "mine", "theirs"
or None. The values are user text: shown as Content, never as markup.
"""
from __future__ import annotations

from typing import Any, Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from models.conflicts import ConflictRow
from tui.widgets.text import content
from tui.widgets.guard import DatabaseGuard

WHO = {"我": "你改的", "对方": "对方改的", "双方": "双方都改了"}


def show_value(value: Any) -> str:
    if value is None or value == "" or value == [] or value == ():
        return "(空)"
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return str(value)


class ConflictScreen(DatabaseGuard, ModalScreen[str | None]):
    BINDINGS = [
        Binding("m", "choose('mine')", "保留我的修改", priority=True),
        Binding("t", "choose('theirs')", "采用对方的版本", priority=True),
        Binding("escape", "choose(None)", "返回编辑", priority=True),
    ]
    DEFAULT_CSS = """
    ConflictScreen { align: center middle; }
    #conflict-box { width: 78; max-width: 100%; height: auto; max-height: 100%; border: round $error;
                    padding: 0 1; background: $surface; }
    #conflict-rows { height: auto; max-height: 16; }
    .conflict-field { height: auto; margin-top: 1; }
    """

    def __init__(self, message: str, rows: list[ConflictRow], *,
                 show: Callable[[ConflictRow, Any], str] | None = None) -> None:
        super().__init__()
        self.message = message
        self.rows = rows
        self.show = show or (lambda row, value: show_value(value))

    def compose(self) -> ComposeResult:
        with Vertical(id="conflict-box"):
            yield Static(content(f"{self.message}。两个版本不同的地方:", one_line=True), id="conflict-head")
            with VerticalScroll(id="conflict-rows"):
                if not self.rows:
                    yield Static(content("(内容相同)"), classes="conflict-field")
                for row in self.rows:
                    text = (f"【{row.label}】 {WHO.get(row.who, row.who)}\n"
                            f"  我的: {self.show(row, row.mine)}\n"
                            f"  对方: {self.show(row, row.theirs)}")
                    yield Static(content(text), classes="conflict-field")
            yield Static(content("m 保留我的修改 (对方改的其他内容保留)   t 采用对方的版本   esc 返回编辑", one_line=True),
                         id="conflict-keys")

    def action_choose(self, choice: str | None) -> None:
        self.dismiss(choice)
