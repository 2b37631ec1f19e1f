"""A yes/no question: y or enter for yes, n or esc for no; a ``strict`` one takes only y for yes
(a step that hands something over, where an enter pressed by habit must not answer it)."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.widgets.text import content
from tui.widgets.guard import DatabaseGuard


class ConfirmScreen(DatabaseGuard, ModalScreen[bool]):
    BINDINGS = [
        Binding("y", "answer(True)", "是", priority=True),
        Binding("enter", "enter", "是", show=False, priority=True),
        Binding("n", "answer(False)", "否", priority=True),
        Binding("escape", "answer(False)", "否", show=False, priority=True),
    ]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    #confirm-box { width: 60; max-width: 100%; height: auto; border: round $warning; padding: 0 1;
                   background: $surface; }
    """

    def __init__(self, question: str, *, yes: str = "是", no: str = "否", strict: bool = False) -> None:
        super().__init__()
        self.question, self.yes, self.no, self.strict = question, yes, no, strict

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(content(self.question))
            yield Static(content(f"y {self.yes}    n {self.no}", one_line=True))

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    def action_enter(self) -> None:
        if self.strict:
            self.notify(f"请按 y {self.yes}, 或 n {self.no}", timeout=3)
            return
        self.dismiss(True)
