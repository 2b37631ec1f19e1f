"""How dates and times are shown and parsed in the calendar's fields."""
from __future__ import annotations

import datetime as dt
import unicodedata

from models.calendar.lunar import WEEKDAYS


_AMBIGUOUS = {"“": '"', "”": '"', "‘": "'", "’": "'", "…": "...", "—": "-", "–": "-", "·": ".",
              "→": "->", "←": "<-", "○": "o", "●": "*", "■": "#", "□": "#", "★": "*", "☆": "*",
              "×": "x", "÷": "/", "°": "度", "±": "+-", "§": "S", "№": "No."}


def grid_safe(text: str) -> str:
    """Text for a fixed-width grid: East-Asian *ambiguous* glyphs (“ ” … · ①) are one cell to Rich
    but two in many Chinese terminals, so they are replaced by plain ASCII (or dropped)."""
    out = []
    for ch in text:
        if ch in _AMBIGUOUS:
            out.append(_AMBIGUOUS[ch])
        elif unicodedata.east_asian_width(ch) == "A" and ord(ch) > 0x7F:
            continue
        else:
            out.append(ch)
    return "".join(out)


def weekday_name(day: dt.date) -> str:
    return "周" + WEEKDAYS[day.weekday()]
