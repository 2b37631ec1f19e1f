"""What goes into a cell and how it looks: user text made safe for a cell (``clean``), a table's
column (``Col``: label, width, kind, getter), the workbook's formats per kind, and the typed writers.

User text is always written with ``write_string`` (a note starting with ``=`` stays text); 学籍号,
身份证号 and phone numbers are ``code`` cells with the text number format ``@``; dates and times
are real Excel dates (``write_datetime``)."""
from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable

CELL_LIMIT = 32767
FONT = "宋体"


def clean(value: Any) -> str:
    """User text for a cell: no control or format characters (newlines kept), within Excel's limit."""
    s = "" if value is None else str(value)
    if s.isprintable() or s.replace("\n", "").replace("\u3000", "").isprintable():
        return s[:CELL_LIMIT]  # the usual case, also for notes of several lines or with 全角 spaces
    out = []
    for ch in s:
        if ch == "\n":
            out.append(ch)
        elif ch == "\t":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") and ch not in "\u200d":
            continue
        else:
            out.append(ch)
    return "".join(out)[:CELL_LIMIT]


def yes(v: bool) -> str:
    return "是" if v else "否"


@dataclass(frozen=True)
class Col:
    label: str
    width: float
    kind: str = "text"  # text | code | date | datetime | time | int | wrap | center | percent
    get: Callable[[Any], Any] | str = ""


class Formats:
    """The workbook's formats, made once per workbook: the title rows', the header's, and one per cell kind."""

    def __init__(self, wb) -> None:
        base = {"font_name": FONT, "font_size": 10, "valign": "top"}
        cell = {**base, "border": 1}
        self.title = wb.add_format({**base, "bold": True, "font_size": 16, "align": "center", "valign": "vcenter",
                                    "text_wrap": True})
        self.scope = wb.add_format({**base, "font_size": 10, "valign": "vcenter", "text_wrap": True})
        self.header = wb.add_format({**cell, "bold": True, "align": "center", "valign": "vcenter", "text_wrap": True,
                                     "bg_color": "#D9E1F2"})
        self.section = wb.add_format({**base, "bold": True, "font_size": 12, "valign": "vcenter"})
        self.note = wb.add_format({**base, "font_size": 9, "text_wrap": True, "font_color": "#404040"})
        self.sign = wb.add_format({**base, "font_size": 12, "valign": "vcenter"})
        self.empty = wb.add_format({**cell, "align": "center", "font_color": "#606060"})
        self.kinds = {
            "text": wb.add_format({**cell, "text_wrap": True}),
            "wrap": wb.add_format({**cell, "text_wrap": True}),
            "center": wb.add_format({**cell, "align": "center", "text_wrap": True}),
            "code": wb.add_format({**cell, "num_format": "@"}),
            "date": wb.add_format({**cell, "num_format": "yyyy-mm-dd", "align": "center"}),
            "datetime": wb.add_format({**cell, "num_format": "yyyy-mm-dd hh:mm", "align": "center"}),
            "daytime": wb.add_format({**cell, "num_format": "mm-dd hh:mm", "align": "center"}),
            "time": wb.add_format({**cell, "num_format": "hh:mm", "align": "center"}),
            "int": wb.add_format({**cell, "align": "center"}),
            "percent": wb.add_format({**cell, "num_format": "0.0%", "align": "center"}),
            "bold_int": wb.add_format({**cell, "align": "center", "bold": True}),
        }


def typed_writer(ws, kind: str, f) -> Callable[[int, int, Any], None]:
    """How a column of ``kind`` writes a value that is not a string (a date, a number), picked once
    per column so that the per-cell loop does no kind tests. Anything unexpected is written as text."""
    def as_text(row: int, col: int, value: Any) -> None:  # never a formula or a number
        ws.write_string(row, col, clean(value), f)

    def as_date(row: int, col: int, value: Any) -> None:
        if kind == "date" and isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, (dt.date, dt.time)):
            ws.write_datetime(row, col, value, f)
        else:
            as_text(row, col, value)

    def as_number(row: int, col: int, value: Any) -> None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            ws.write_number(row, col, value, f)
        else:
            as_text(row, col, value)

    if kind in ("date", "datetime", "daytime", "time"):
        return as_date
    if kind in ("int", "percent", "bold_int"):
        return as_number
    return as_text


def write_cell(ws, row: int, col: int, value: Any, kind: str, fmt: Formats) -> None:
    """One cell of ``kind`` (the forms' few cells; tables pick their writers once per column)."""
    f = fmt.kinds[kind]
    if value is None or value == "":
        ws.write_blank(row, col, None, f)
    else:
        typed_writer(ws, kind, f)(row, col, value)
