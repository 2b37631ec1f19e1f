"""Pick one of many by pinyin: type initials (zjm), full pinyin or characters, arrows, enter.

Generic over the items it is given (helpers, children, board rows): each needs the
attributes ``roster.search`` ranks (name, name_pinyin, name_initials, student_no,
phones, id_number, class_name, guardian_name) and a line to show, made by ``render``.
With ``new_name`` the typed text itself can be chosen (a community helper's name).
"""
from __future__ import annotations

from typing import Any, Callable

from rich.cells import cell_len, set_cell_size
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from models import roster
from tui.fields import Input
from tui.text import clean, content
from tui.guard import DatabaseGuard

MAX_SHOWN = 60
NEW_ID = "__new__"


class NewName(str):
    """The picker's answer when the typed text is a new name."""


CUT = "~"  # marks a cut: one narrow cell everywhere (… is ambiguous-width), and a cut list never looks whole


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


class PickerScreen(DatabaseGuard, ModalScreen[Any]):
    """Dismissed with the chosen item, a ``NewName``, or None (esc)."""

    BINDINGS = [
        Binding("escape", "cancel", "取消"),
        Binding("down", "down", "下一个", show=False),
        Binding("up", "up", "上一个", show=False),
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
        super().__init__()
        self.items = items
        self.render_item = render
        self.title_text = title
        self.hint = hint
        self.new_name = new_name
        self.needs_pinyin = needs_pinyin
        self.shown: list = []
        self.offer_new = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="pp-box"):
            yield Label(content(self.title_text, one_line=True), id="pp-title")
            yield Label(content(self.hint, one_line=True), id="pp-hint")
            yield Input(placeholder="如 zjm", id="pp-query")
            yield OptionList(id="pp-list")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()
        if self.needs_pinyin is not None:
            self._add_pinyin()

    @work(thread=True, exit_on_error=False)
    def _add_pinyin(self) -> None:
        assert self.needs_pinyin is not None
        self.needs_pinyin(self.items)
        self.app.call_from_thread(self._refill)

    def _refill(self) -> None:
        if self.is_mounted:
            self._fill(self.query_one(Input).value)

    def _fill(self, query: str) -> None:
        q = query.strip()
        self.shown = roster.search(self.items, q)[:MAX_SHOWN] if q else self.items[:MAX_SHOWN]
        self.offer_new = ""
        if self.new_name and q and not (q.isascii() and q.isalpha()) and all(
                clean(i.name) != clean(q) for i in self.shown):
            self.offer_new = clean(q)
        options = self.query_one(OptionList)
        options.clear_options()
        if self.offer_new:
            options.add_option(Option(Content.assemble(("新帮扶人: ", "bold"), self.offer_new), id=NEW_ID))
        options.add_options(Option(self._prompt(item), id=str(i)) for i, item in enumerate(self.shown))
        if options.option_count:
            options.highlighted = 0

    def _prompt(self, item) -> Content:
        made = self.render_item(item)
        return made if isinstance(made, Content) else content(made, one_line=True)

    def _choose(self, option_id: str | None) -> None:
        if option_id is None:
            return
        if option_id == NEW_ID:
            self.dismiss(NewName(self.offer_new))
        else:
            self.dismiss(self.shown[int(option_id)])

    @on(Input.Changed, "#pp-query")
    def _changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#pp-query")
    def _submitted(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self._choose(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected, "#pp-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option.id)

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
