"""Pick one of many by pinyin: type initials (zjm), full pinyin or characters, arrows, enter.

Generic over the items it is given (helpers, children, board rows): each needs the
attributes ``roster.search`` ranks (name, name_pinyin, name_initials, student_no,
phones, id_number, class_name, guardian_name) and a line to show, made by ``render``.
With ``new_name`` the typed text itself can be chosen (a community helper's name).
"""
from __future__ import annotations

from typing import Any, Callable

from textual import work
from textual.binding import Binding
from textual.content import Content
from textual.widgets.option_list import Option

from tui.widgets.search_picker import SearchPicker
from tui.widgets.text import clean

NEW_ID = "__new__"


class NewName(str):
    """The picker's answer when the typed text is a new name."""


class PickerScreen(SearchPicker):
    """Dismissed with the chosen item, a ``NewName``, or None (esc)."""

    ID = "pp"
    PLACEHOLDER = "如 zjm"
    MAX_SHOWN = 60
    BINDINGS = [
        Binding("pagedown", "page_down", show=False),
        Binding("pageup", "page_up", show=False),
    ]
    DEFAULT_CSS = """
    PickerScreen { align: center middle; }
    #pp-box { width: 64; max-width: 100%; height: 20; max-height: 100%; border: round $primary;
              padding: 0 1; background: $surface; }
    #pp-title { height: 1; text-style: bold; }
    #pp-hint { height: 1; color: $text-muted; }
    #pp-query { height: 1; border: none; padding: 0 1; background: $boost; }
    #pp-query:focus { background: $primary 30%; }
    #pp-list { height: 1fr; border: none; padding: 0; }
    """

    def __init__(self, items: list, render: Callable[[Any], Content | str], *, title: str,
                 hint: str = "拼音首字母、全拼或汉字, 回车选定, esc 取消", new_name: bool = False,
                 needs_pinyin: Callable[[list], None] | None = None) -> None:
        super().__init__(items, title=title, hint=hint)
        self.render_item = render
        self.new_name = new_name
        self.needs_pinyin = needs_pinyin
        self.offer_new = ""

    def mounted(self) -> None:
        if self.needs_pinyin is not None:
            self._add_pinyin()

    @work(thread=True, exit_on_error=False)
    def _add_pinyin(self) -> None:
        """Community helpers' pinyin keys are made here, off the UI thread; the list then refills."""
        assert self.needs_pinyin is not None
        self.needs_pinyin(self.items)
        self.app.call_from_thread(self._refill)

    def _refill(self) -> None:
        if self.is_mounted:
            self.refill()

    def prompt(self, item) -> Content | str:
        return self.render_item(item)

    def extra_options(self, query: str) -> list[Option]:
        """A typed name (not letters, not one shown) offered as a new helper."""
        q = query.strip()
        self.offer_new = ""
        if self.new_name and q and not (q.isascii() and q.isalpha()) and all(
                clean(i.name) != clean(q) for i in self.shown):
            self.offer_new = clean(q)
        if not self.offer_new:
            return []
        return [Option(Content.assemble(("新帮扶人: ", "bold"), self.offer_new), id=NEW_ID)]

    def choose_extra(self, option_id: str) -> None:
        if option_id == NEW_ID:
            self.dismiss(NewName(self.offer_new))
