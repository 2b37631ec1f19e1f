"""A numbered pick list: one key per choice instead of pressing a cycling key six times
(监护人座谈 was F2 x6), and no F-keys, which laptops only give with Fn.

One choice: the digit (or arrows and Enter) picks it. Several (``multi``): digits toggle,
Enter confirms. Esc leaves everything as it was (dismissed with None)."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from tui.guard import DatabaseGuard
from tui.text import clean, content


class PickListScreen(DatabaseGuard, ModalScreen[object]):
    """Dismissed with the chosen string, or (``multi``) the tuple of checked ones, or None."""

    BINDINGS = [Binding("escape", "cancel", "取消")]
    DEFAULT_CSS = """
    PickListScreen { align: center middle; }
    #pick-box { width: 36; max-width: 100%; height: auto; max-height: 100%; border: round $primary;
                padding: 0 1; background: $surface; }
    #pick-list { height: auto; max-height: 12; border: none; }
    """

    def __init__(self, title: str, choices: tuple[str, ...] | list[str], *, current: object = None,
                 multi: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.choices = [clean(c) for c in choices][:9]  # one digit each
        self.multi = multi
        self.checked = set(current or ()) if multi else set()
        self.current = current

    def compose(self) -> ComposeResult:
        hint = "数字键勾选/取消, 回车确定, esc 取消" if self.multi else "按数字键或回车选定, esc 取消"
        with Vertical(id="pick-box"):
            yield Label(content(self.title_text, one_line=True))
            yield Label(hint, markup=False)
            yield OptionList(id="pick-list")

    def on_mount(self) -> None:
        self._fill()
        options = self.query_one(OptionList)
        if not self.multi and self.current in self.choices:
            options.highlighted = self.choices.index(self.current)
        options.focus()

    def _line(self, i: int, choice: str) -> str:
        if self.multi:
            return f"{i + 1} [{'*' if choice in self.checked else ' '}] {choice}"
        return f"{i + 1} {choice}"

    def _fill(self) -> None:
        options = self.query_one(OptionList)
        keep = options.highlighted
        options.clear_options()
        options.add_options(Option(content(self._line(i, c), one_line=True)) for i, c in enumerate(self.choices))
        options.highlighted = keep if keep is not None else 0

    def _result(self):
        return tuple(c for c in self.choices if c in self.checked) if self.multi else None

    def on_key(self, event: Key) -> None:
        if event.character and event.character.isdigit() and event.character != "0":
            index = int(event.character) - 1
            if index < len(self.choices):
                event.stop()
                self._choose(index)

    def _choose(self, index: int) -> None:
        choice = self.choices[index]
        if not self.multi:
            self.dismiss(choice)
            return
        self.checked ^= {choice}
        self.query_one(OptionList).highlighted = index
        self._fill()

    @on(OptionList.OptionSelected, "#pick-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if self.multi:
            self.dismiss(self._result())
        else:
            self.dismiss(self.choices[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)
