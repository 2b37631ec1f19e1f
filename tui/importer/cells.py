"""A spreadsheet cell as text: numbers that are IDs, Excel date serials, damaged cells, column letters."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from models.sanitize import clean_text


_SCI = re.compile(r"[0-9]+(\.[0-9]+)?[eE]\+?[0-9]+")
_EXCEL_TEXT = re.compile(r'\s*="(.*)"\s*', re.S)


class Damaged(Exception):
    """A number Excel has stored as a float: its last digits are gone."""


def cell_text(value: Any) -> str:
    """A cell as the text a teacher sees in Excel."""
    if isinstance(value, str):  # most cells: the checks below in the order of their cost
        s = clean_text(value, multiline=True)
        if '="' in s:
            m = _EXCEL_TEXT.fullmatch(s)  # Excel's way of keeping digits as text in a CSV
            if m:
                s = m.group(1)
        if s.startswith("'"):
            s = s[1:]
        return s.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.6G}" if abs(value) >= 1e15 else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    # no control or format character (ESC sequences, BEL, bidi overrides, zero-width marks) gets in;
    # newlines and tabs stay (a note of several lines)
    s = clean_text(str(value), multiline=True)
    m = re.fullmatch(r'\s*="(.*)"\s*', s)  # Excel's way of keeping digits as text in a CSV
    if m:
        s = m.group(1)
    if s.startswith("'"):
        s = s[1:]
    return s.strip()


def number_text(value: Any, label: str) -> str:
    """An ID or phone number cell as text; a number Excel has rounded raises ``Damaged``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not value.is_integer():
            raise Damaged(_damaged(label, cell_text(value)))
        if abs(value) >= 1e15:
            raise Damaged(_damaged(label, f"{float(value):.6G}"))
        return str(int(value))
    s = cell_text(value)
    if _SCI.fullmatch(s):
        raise Damaged(_damaged(label, s))
    m = re.fullmatch(r"([0-9]+)\.0+", s)
    if m:
        if len(m.group(1)) > 15:
            raise Damaged(_damaged(label, s))
        s = m.group(1)
    return s


def _damaged(label: str, shown: str) -> str:
    return (f"{label}被 Excel 存成了数字 ({shown})，后几位已经丢失: 请把这一列设为“文本”格式，"
            f"重新填写正确的号码后再导入")


def _excel_serial(value: float) -> dt.date | None:
    if 1 <= value < 80000:
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
    return None


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    s = ""
    index += 1
    while index:
        index, r = divmod(index - 1, 26)
        s = chr(65 + r) + s
    return s
