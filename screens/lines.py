"""One-line texts of the calendar screens (month view, day agenda, event form, attendance, term
plan, checklists): user text cleaned and kept free of East-Asian ambiguous glyphs, which many
Chinese terminals draw two cells wide.

A leaf below every calendar screen, so none of them imports another to borrow a helper.
"""
from __future__ import annotations

from models import calendar as cal
from models.calendar import Occurrence
from tui.widgets.text import clean, content


def line(value: str, *, one_line: bool = True):
    """A one-line Static's content: user text cleaned, ambiguous-width glyphs replaced (a line that
    came out wider than the terminal would wrap in a Chinese terminal)."""
    return content(cal.grid_safe(clean(value)), one_line=True)


def occ_line(o: Occurrence) -> str:
    """One line about an occurrence, for lists (not the grid)."""
    parts = [o.time_text or "全天", f"[{o.kind}]", o.title]
    if o.day != o.end:
        parts.append(f"({o.day:%m-%d}至{o.end:%m-%d})")
    if o.place:
        parts.append(f"@{o.place}")
    if o.recurring:
        parts.append("(重复, 已改)" if o.modified else "(重复)")
    return " ".join(parts)
