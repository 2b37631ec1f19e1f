"""A scrolling page of plain text in a box: esc closes."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.widgets.text import content
from tui.chrome import SectionKeys
from tui.widgets.guard import DatabaseGuard


class TextPageScreen(SectionKeys, DatabaseGuard, ModalScreen[None]):
    BINDINGS = [Binding("escape", "close", "关闭"), Binding("q", "close", "关闭", show=False),
                *SectionKeys.SECTION_BINDINGS]
    DEFAULT_CSS = """
    TextPageScreen { align: center middle; }
    #page-box { width: 76; max-width: 100%; height: auto; max-height: 100%; border: round $primary;
                padding: 0 1; background: $surface; }
    """

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self.title_text, self.body = title, body

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="page-box"):
            yield Static(content(f"{self.title_text}  (esc 关闭)\n\n{self.body}"))

    def action_close(self) -> None:
        self.dismiss(None)
