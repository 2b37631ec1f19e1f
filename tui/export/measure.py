"""How much room text takes in a printed cell: widths in column units, wrapped lines, row heights, and a
text too long for one row cut into continuation pieces. Pure arithmetic (no xlsxwriter): LibreOffice
and WPS do not grow rows for wrapped text by themselves, so every height the workbook has is computed
here, after Excel's layout of 10 pt 宋体."""
from __future__ import annotations

from typing import Iterable

WRAPPED = ("text", "wrap", "center")  # the kinds whose cells wrap
LINE_PT = 14.0  # one line of 10 pt 宋体, with the leading LibreOffice and WPS use
MIN_ROW_PT = 16.0
MAX_ROW_PT = 409.0  # Excel's limit
TITLE_LINE_PT = 22.0  # one line of the 16 pt title
MAX_LINES = int((MAX_ROW_PT - 2) // LINE_PT) - 2  # lines a row holds surely (LibreOffice wraps words)
CONTINUED = "(续) "


def text_width(text: str) -> int:
    """Display width in column units: a CJK character is two, ASCII one. Counted from the UTF-8
    length (C speed): each 3-byte character adds one to its one."""
    return len(text) + (len(text.encode("utf-8")) - len(text)) // 2


def line_units(width: float) -> int:
    """Width units (a CJK character two, Latin one) on one line of a wrapped cell ``width`` wide, as Excel
    lays it out: a column is ``width * 7 + 5`` pixels (less the cell padding), a 10 pt character 6.7
    pixels a unit (宋体: CJK 13.4)."""
    return max(2, int(max(7.0, width * 7 + 2) / 6.7))


def wrapped_lines(part: str, cap: int) -> int:
    """Lines of one paragraph wrapped at ``cap`` units, character by character: a character is never
    split across lines, so a narrow column of 7 holds 3 CJK characters a line, not the 3.8 a plain
    ratio said (its header was cut). Pure CJK or pure Latin text is counted without the loop."""
    n = len(part)
    size = len(part.encode("utf-8"))
    if n + (size - n) // 2 <= cap:
        return 1
    if size == 3 * n:  # CJK (and full-width punctuation) only
        return -(-n // max(1, cap // 2))
    if size == n:  # ASCII only
        return -(-n // cap)
    lines, used = 1, 0
    for ch in part:
        w = 2 if ord(ch) > 0x7F else 1
        if used + w > cap:
            lines += 1
            used = 0
        used += w
    return lines


def line_count(text: str, width: float) -> int:
    """How many lines a wrapped cell of ``width`` column units needs for ``text`` (Excel; at 100 %
    LibreOffice's columns are a little wider, so never more)."""
    cap = line_units(width)
    return sum(wrapped_lines(part, cap) for part in text.split("\n"))


def merged_lines(text: str, px: float, font_pt: float = 10) -> int:
    """Lines ``text`` takes in a wrapped cell ``px`` pixels wide (merged columns) in a ``font_pt``
    font (``line_count``'s measure, scaled from 10 pt)."""
    cap = max(2, int(max(7.0, px - 6) / (6.7 * font_pt / 10)))
    return sum(wrapped_lines(part, cap) for part in text.split("\n"))


def split_to_rows(text: str, width: float, max_lines: int = MAX_LINES) -> list[str]:
    """A cell's text too long for one row (Excel's 409 pt) in pieces of at most ``max_lines``
    lines each, cut where ``line_count`` would wrap: the table continues it on following rows
    instead of printing a cell cut at the row's height."""
    cap = line_units(width)  # width units on one line
    lines: list[tuple[str, bool]] = []  # (line, ends its paragraph)
    for part in text.split("\n"):
        start, used = 0, 0
        for i, ch in enumerate(part):
            w = 2 if ord(ch) > 0x7F else 1
            if used + w > cap:
                lines.append((part[start:i], False))
                start, used = i, 0
            used += w
        lines.append((part[start:], True))
    pieces = []
    for k in range(0, len(lines), max_lines):
        chunk = lines[k:k + max_lines]
        text_k = "".join(line + ("\n" if ends and j < len(chunk) - 1 else "") for j, (line, ends) in enumerate(chunk))
        pieces.append(text_k if k == 0 else CONTINUED + text_k)
    return pieces


def row_height(cells: Iterable[tuple[str, float]]) -> float | None:
    """The height (points) a row of wrapped cells needs, or None when one line is enough: LibreOffice
    does not grow rows for wrapped text by itself, so every wrapped row gets its height written."""
    lines = max((line_count(t, w) for t, w in cells if t), default=1)
    if lines <= 1:
        return None
    return min(MAX_ROW_PT, lines * LINE_PT + 2)
