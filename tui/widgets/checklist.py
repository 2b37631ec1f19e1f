"""A list to tick lines in: ``[x]`` / ``[ ]`` in plain ASCII, space or enter toggles.

Textual's SelectionList draws its boxes with half-block glyphs, which are East-Asian ambiguous
(two cells wide in many Chinese terminals) and tell ticked from unticked by colour alone; this
one reads the same in 16 colours, in monochrome and in any CJK terminal.
"""
from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from models.calendar import grid_safe
from tui.widgets.text import clean, content


class CheckList(OptionList):
    BINDINGS = [Binding("space", "toggle", "勾选", show=False)]

    class Changed(Message):
        """The ticks changed (by the user)."""

        def __init__(self, checklist: "CheckList") -> None:
            super().__init__()
            self.checklist = checklist

        @property
        def control(self) -> "CheckList":
            return self.checklist

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: list[tuple[Any, str]] = []
        self.checked: set = set()

    def set_items(self, items: list[tuple[Any, str]], checked: set) -> None:
        """Show ``items`` (value, label); ``checked`` is kept by reference and changed in place."""
        self.items = items
        self.checked = checked
        keep = self.highlighted
        self.clear_options()
        self.add_options([Option(self._prompt(v, label)) for v, label in items])
        if items:
            self.highlighted = min(keep or 0, len(items) - 1)

    def _prompt(self, value, label: str):
        """One line, user text cleaned and its ambiguous-width glyphs replaced (the calendar's rule:
        ``models.calendar.grid_safe``), so a tick never shifts in a CJK terminal."""
        return content(grid_safe(clean(("[x] " if value in self.checked else "[ ] ") + label)), one_line=True)

    @property
    def selected(self) -> list:
        return [v for v, _ in self.items if v in self.checked]

    def action_toggle(self) -> None:
        i = self.highlighted
        if i is None or i >= len(self.items):
            return
        value, label = self.items[i]
        if value in self.checked:
            self.checked.discard(value)
        else:
            self.checked.add(value)
        self.replace_option_prompt_at_index(i, self._prompt(value, label))
        self.post_message(self.Changed(self))

    def _on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_toggle()
