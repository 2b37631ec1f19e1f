"""A numbered pick list: one key per choice instead of pressing a cycling key six times
(监护人座谈 was F2 x6), and no F-keys, which laptops only give with Fn.

One choice: the digit (or arrows and Enter) picks it. Several (``multi``): digits toggle,
Enter confirms. Esc leaves everything as it was (dismissed with None). A ``SearchPicker``
without the search box: at most nine choices, the list itself has the focus."""
from __future__ import annotations

from textual.events import Key
from textual.widgets import OptionList

from tui.widgets.search_picker import SearchPicker
from tui.widgets.text import clean


class PickListScreen(SearchPicker):
    """Dismissed with the chosen string, or (``multi``) the tuple of checked ones, or None."""

    ID = "pick"
    SEARCH = False
    KEEP_PLACE = True  # a toggle redraws the lines and leaves the cursor where it was
    DEFAULT_CSS = """
    PickListScreen { align: center middle; }
    #pick-box { width: 36; max-width: 100%; height: auto; max-height: 100%; border: round $primary;
                padding: 0 1; background: $surface; }
    #pick-list { height: auto; max-height: 12; border: none; }
    """

    def __init__(self, title: str, choices: tuple[str, ...] | list[str], *, current: object = None,
                 multi: bool = False) -> None:
        super().__init__(list(enumerate(clean(c) for c in choices))[:9], title=title,  # one digit each
                         hint="数字键勾选/取消, 回车确定, esc 取消" if multi else "按数字键或回车选定, esc 取消")
        self.multi = multi
        self.checked = set(current or ()) if multi else set()
        self.current = current

    @property
    def choices(self) -> list[str]:
        return [choice for _, choice in self.items]

    def mounted(self) -> None:
        if not self.multi and self.current in self.choices:
            self.query_one(OptionList).highlighted = self.choices.index(self.current)

    def prompt(self, item: tuple[int, str]) -> str:
        i, choice = item
        if self.multi:
            return f"{i + 1} [{'*' if choice in self.checked else ' '}] {choice}"
        return f"{i + 1} {choice}"

    def answer(self, item: tuple[int, str]) -> object:
        """Enter on a line: that choice, or (``multi``) every checked one, in the list's order."""
        return tuple(c for c in self.choices if c in self.checked) if self.multi else item[1]

    def on_key(self, event: Key) -> None:
        if event.character and event.character.isdigit() and event.character != "0":
            index = int(event.character) - 1
            if index < len(self.choices):
                event.stop()
                self._digit(index)

    def _digit(self, index: int) -> None:
        choice = self.choices[index]
        if not self.multi:
            self.dismiss(choice)
            return
        self.checked ^= {choice}
        self.query_one(OptionList).highlighted = index
        self.refill()
