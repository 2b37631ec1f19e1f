"""The one picker every "choose one of these" dialog is built on: a title, a hint, a search box, a
list; type to narrow it, arrows to move, enter to choose, esc to leave with None.

Matching is ``models.roster.search`` by default: pinyin initials (zjm), full pinyin or characters
(the keys ``models.pinyin`` made), best matches first, over items with the attributes it ranks.
A picker of something else (classes by their numbers) gives its own ``match``; a short fixed list
(``SEARCH = False``) has no search box and the list itself has the focus. Nothing to choose (no
item matches) leaves the list empty and enter does nothing, so the typed text stays to be changed.

The configurations (child, pairing, class, numbered pick list) are subclasses that say what the
items are, how one reads on its line and what choosing it answers.
"""
from __future__ import annotations

from typing import Any

from rich.cells import cell_len, set_cell_size
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from models import roster
from tui.widgets.fields import Input
from tui.widgets.guard import DatabaseGuard
from tui.widgets.text import clean, content

CUT = "~"  # marks a cut: one narrow cell everywhere (… is ambiguous-width), and a cut list never looks whole


def pad(text: str, cells: int) -> str:
    """``text`` filled with spaces to ``cells`` terminal cells (a CJK character is two); never cut."""
    return text + " " * max(0, cells - cell_len(text))


def _cut(text: str, width: int) -> str:
    return set_cell_size(text, width - 1).rstrip() + CUT if width > 1 else set_cell_size(text, width)


def cell(value: object, width: int) -> str:
    """Cleaned text cut (with ``~``) or padded to exactly ``width`` terminal cells (CJK are 2 wide)."""
    text = clean(value)
    return set_cell_size(text if cell_len(text) <= width else _cut(text, width), width)


def fit(value: object, width: int) -> str:
    """Cleaned text cut to at most ``width`` cells, ending in ``~`` when cut; not padded."""
    text = clean(value)
    return text if cell_len(text) <= width else _cut(text, width)


class SearchPicker(DatabaseGuard, ModalScreen[Any]):
    """Dismissed with ``answer(item)`` of the chosen item, or None (esc).

    A subclass sets ``ID`` (the prefix of its widgets' ids: ``{ID}-box``, ``-title``, ``-hint``,
    ``-query``, ``-list``, which its CSS and tests name), ``PLACEHOLDER``, ``MAX_SHOWN`` and
    ``prompt``; ``match``, ``answer`` and ``extra_options`` when the defaults do not fit.
    """

    ID = "picker"
    SEARCH = True
    PLACEHOLDER = ""
    MAX_SHOWN: int | None = None  # a long list is cut: typing narrows it
    KEEP_PLACE = False  # a refill keeps the highlighted line (a list whose lines change in place)
    BINDINGS = [
        Binding("escape", "cancel", "取消"),
        Binding("down", "down", "下一个", show=False),
        Binding("up", "up", "上一个", show=False),
    ]

    def __init__(self, items: list, *, title: str, hint: str) -> None:
        super().__init__()
        self.items = items
        self.title_text = title
        self.hint = hint
        self.shown: list = []

    def compose(self) -> ComposeResult:
        with Vertical(id=f"{self.ID}-box"):
            yield Label(content(self.title_text, one_line=True), id=f"{self.ID}-title")  # the hint on its own line
            yield Label(content(self.hint, one_line=True), id=f"{self.ID}-hint")
            if self.SEARCH:
                yield Input(placeholder=self.PLACEHOLDER, id=f"{self.ID}-query")
            yield OptionList(id=f"{self.ID}-list")

    def on_mount(self) -> None:
        self.refill()
        self.mounted()
        (self.query_one(Input) if self.SEARCH else self.query_one(OptionList)).focus()

    def mounted(self) -> None:
        """A subclass's set-up once the list is filled (Textual calls every class's ``on_mount``,
        so subclasses extend this instead)."""

    # -- what a subclass says -----------------------------------------------------------------
    def match(self, items: list, query: str) -> list:
        """The items the query finds, best first (pinyin initials, full pinyin, characters)."""
        return roster.search(items, query)

    def prompt(self, item) -> Content | str:
        """The item's line in the list (a str is user text: cleaned, never markup)."""
        return str(item)

    def answer(self, item) -> Any:
        """What the picker is dismissed with when ``item`` is chosen."""
        return item

    def extra_options(self, query: str) -> list[Option]:
        """Lines above the items (ids not numbers), chosen through ``choose_extra``."""
        return []

    def choose_extra(self, option_id: str) -> None:
        """An extra line was chosen."""

    # -- the list -----------------------------------------------------------------------------
    @property
    def query_text(self) -> str:
        return self.query_one(Input).value if self.SEARCH else ""

    def search(self, query: str) -> list:
        found = self.match(self.items, query) if query.strip() else list(self.items)
        return found if self.MAX_SHOWN is None else found[:self.MAX_SHOWN]

    def refill(self) -> None:
        """Show the items the search box's text finds (all when it is empty)."""
        query = self.query_text
        self.shown = self.search(query)
        options = self.query_one(OptionList)
        keep = options.highlighted if self.KEEP_PLACE else None
        options.clear_options()
        options.add_options(self.extra_options(query))
        options.add_options(Option(self._line(item), id=str(i)) for i, item in enumerate(self.shown))
        if options.option_count:
            options.highlighted = min(keep or 0, options.option_count - 1)

    def _line(self, item) -> Content:
        made = self.prompt(item)
        return made if isinstance(made, Content) else content(made, one_line=True)

    def choose(self, option_id: str | None) -> None:
        if option_id is None:
            return
        if option_id.isdigit():
            self.dismiss(self.answer(self.shown[int(option_id)]))
        else:
            self.choose_extra(option_id)

    @on(Input.Changed)
    def _changed(self) -> None:
        self.refill()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.choose(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.choose(event.option.id)

    # -- keys -----------------------------------------------------------------------------------
    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_page_down(self) -> None:
        self.query_one(OptionList).action_page_down()

    def action_page_up(self) -> None:
        self.query_one(OptionList).action_page_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
