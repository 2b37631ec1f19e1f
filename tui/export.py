"""The handbook workbook (工作手册检查) as a print-ready xlsx file. xlsxwriter; no textual.

The rows come from ``models.handbook``; this module only lays them out. Rules kept here:
- User text is always written with ``write_string`` (a note starting with ``=`` stays text), after
  dropping control characters (they would make the XML invalid) and cutting at Excel's cell limit;
  the workbook is also opened with ``strings_to_formulas``/``_numbers``/``_urls`` off.
- 学籍号, 身份证号 and phone numbers are text cells with the text number format ``@``.
- Dates and times are real Excel dates (``write_datetime``).
- Every sheet: a title row, the school/class/month row, a bold bordered header row; the three
  are repeated on every printed page and frozen on screen; A4 at 100 % (never fit-to-page: it
  shrank tables to 57–93 %), landscape when the columns are wider than portrait, columns narrowed
  to A4's width (``fit_columns``), a title wider than the table wrapped; footer: the sheet's name
  and 第 &P 页 共 &N 页 with the first page number left automatic, so a workbook printed at once
  is numbered as one document (see ``_page``).
- ``constant_memory``: rows stream to disk as they are written, so memory stays flat; each row is
  serialised in one string by ``_sheet_class`` (the same XML as xlsxwriter's, in a fraction of the time).
- The file is written to a private temporary file beside the target (``models.files``: O_EXCL and
  O_NOFOLLOW, mode 0600, an unpredictable name) and renamed at the end, in the same transaction as
  its AuditLog row: no half-written file is ever left, a planted link is never written through, and
  every export is logged.
"""
from __future__ import annotations

import datetime as dt
import functools
import math
import operator
import os
import re
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from typing import IO, Any, Callable, Iterable

from models import audit, bus, child_fields
from models import db as dbmod
from models import files
from models import handbook
from models.errors import UserError
from models.handbook import Scope
from models.scope import require_unmask_export

Progress = Callable[[str, float], None]

SHEETS = ("汇总", "基本情况登记表", "登记表(家庭)", "结对帮扶表", "谈心记录", "家长联系记录", "家访记录", "活动记录", "待办事项",
          "校车")
CELL_LIMIT = 32767
FONT = "宋体"
FOOTER = "&L&A&C第 &P 页 共 &N 页"  # &A: the sheet's name, so a page of the printed stack says what it is
A4 = 9
_BAD_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


class ExportError(UserError):
    """The workbook cannot be written where asked (exists, no such folder, not writable); for the user."""


@dataclass
class ExportResult:
    path: str
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


# --------------------------------------------------------------------------- file names


def default_filename(scope: Scope) -> str:
    """留守儿童工作手册_<班级或学校>_<YYYY-MM>.xlsx, safe on Windows and USB sticks."""
    label = _BAD_NAME.sub("", scope.label).strip().strip(".") or "学校"
    return f"留守儿童工作手册_{label}_{scope.month_text}.xlsx"


def resolve_path(scope: Scope, output: str | None, *, cwd: str | None = None) -> str:
    """The absolute target: ``output`` (a file, or a folder for the default name), else the default
    name in ``cwd`` (the working folder)."""
    base = cwd or os.getcwd()
    if not output:
        return os.path.join(base, default_filename(scope))
    path = os.path.abspath(os.path.join(base, os.path.expanduser(output)))
    if os.path.isdir(path):
        return os.path.join(path, default_filename(scope))
    return path


def check_target(path: str, *, force: bool) -> str:
    """Refuse a target that cannot be written, before any work; returns the absolute path."""
    path = os.path.abspath(path)
    if not path.lower().endswith(".xlsx"):
        raise ExportError(f"输出文件应以 .xlsx 结尾: {path}")
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise ExportError(f"目录不存在: {folder}")
    if os.path.isdir(path):
        raise ExportError(f"这是一个目录, 不是文件: {path}")
    if os.path.lexists(path) and not force:
        raise ExportError(f"文件已存在: {path} (要覆盖请加 --force)")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"没有权限写入目录: {folder}")
    return path


# --------------------------------------------------------------------------- cell values


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


WRAPPED = ("text", "wrap", "center")  # the kinds whose cells wrap
LINE_PT = 14.0  # one line of 10 pt 宋体, with the leading LibreOffice and WPS use
MIN_ROW_PT = 16.0
MAX_ROW_PT = 409.0  # Excel's limit


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


MAX_LINES = int((MAX_ROW_PT - 2) // LINE_PT) - 2  # lines a row holds surely (LibreOffice wraps words)
CONTINUED = "(续) "


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


@dataclass(frozen=True)
class Col:
    label: str
    width: float
    kind: str = "text"  # text | code | date | datetime | time | int | wrap | center | percent
    get: Callable[[Any], Any] | str = ""


class _Formats:
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


# Text xlsxwriter writes into a constant_memory row unchanged: no XML specials (&<>), no control
# characters it escapes as _xHHHH_, no non-characters, no space at either end (it would add
# xml:space="preserve"); text with "_x" (which it escapes too) is checked apart.
_PLAIN_TEXT = re.compile(r"(?!\s)[^&<>\x00-\x08\x0b-\x1f\ufffe\uffff]*(?<!\s)")


@functools.cache
def _sheet_class() -> type:
    """xlsxwriter's Worksheet with a quicker ``constant_memory`` row writer.

    xlsxwriter serialises each streamed cell through half a dozen calls (cell reference, style index,
    control-character escapes, whitespace check, attribute escapes, one file write): for a school of
    20,000 children that was most of the export's time. This writes a row's cells in one string, the
    very XML xlsxwriter writes, for the cells a handbook has (formatted text, numbers, dates, blanks);
    any other cell (no format, a formula, text that needs escaping) goes through xlsxwriter's own
    ``_write_cell``. tests/test_handbook.py checks the sheets are byte for byte xlsxwriter's.
    Built on first use: importing this module does not import xlsxwriter."""
    from xlsxwriter.utility import xl_col_to_name
    from xlsxwriter.worksheet import (
        CellBlankTuple, CellDatetimeTuple, CellNumberTuple, CellStringTuple, Worksheet,
    )

    letters = [xl_col_to_name(i) for i in range(64)]
    plain = _PLAIN_TEXT.fullmatch

    class StreamedSheet(Worksheet):
        def _write_single_row(self, current_row_num: int = 0) -> None:
            # Worksheet._write_single_row, with the cells of the row (self.table) written inline.
            row_num = self.previous_row
            cells = self.table.get(row_num)
            if not cells or max(cells) >= len(letters):
                super()._write_single_row(current_row_num)
                return
            self.previous_row = current_row_num
            self._write_row(row_num, None, self.row_info.get(row_num))
            ref = str(row_num + 1)
            parts: list[str] = []
            for col in sorted(cells):
                cell = cells[col]
                cls, fmt = cell.__class__, cell.format
                if fmt is not None:
                    head = f'<c r="{letters[col]}{ref}" s="{fmt._get_xf_index()}"'
                    if cls is CellStringTuple:
                        text = cell.string
                        if "_x" not in text and plain(text):
                            parts.append(f'{head} t="inlineStr"><is><t>{text}</t></is></c>')
                            continue
                    elif cls is CellNumberTuple or cls is CellDatetimeTuple:
                        parts.append(f"{head}><v>{cell.number:.16G}</v></c>")
                        continue
                    elif cls is CellBlankTuple:
                        parts.append(f"{head}/>")
                        continue
                self.fh.write("".join(parts))
                parts.clear()
                self._write_cell(row_num, col, cell)
            self.fh.write("".join(parts))
            self._xml_end_tag("row")
            self.table.clear()

    return StreamedSheet


def _typed_writer(ws, kind: str, f) -> Callable[[int, int, Any], None]:
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


def _write(ws, row: int, col: int, value: Any, kind: str, fmt: _Formats) -> None:
    """One cell of ``kind`` (the summary's few cells; tables use ``_table``'s loop)."""
    f = fmt.kinds[kind]
    if value is None or value == "":
        ws.write_blank(row, col, None, f)
    else:
        _typed_writer(ws, kind, f)(row, col, value)


MARGIN_SIDE_IN = 0.3
# LibreOffice measures a width unit by Calibri's (Carlito's) unhinted digit, about 7.44 pixels, where Excel
# rounds it to 7 (measured: widths 4.5, 10, 22, 50 are 39, 79, 168, 375 px there, 37, 75, 159, 355 in Excel).
LIBREOFFICE_WIDER = 7.44 / 7
# What columns may take in Excel's pixels (``column_px``) to print on one A4 width at 100 % in both:
# portrait 8.27 in, landscape 11.69 in, less the side margins, at 96 dpi, less LibreOffice's wider
# measure and 3 % for borders and rounding (LibreOffice split a 997 px table, 989 px fitted).
PRINTABLE_PX = {landscape: (inches - 2 * MARGIN_SIDE_IN) * 96 / LIBREOFFICE_WIDER * 0.97
                for landscape, inches in ((False, 8.27), (True, 11.69))}
MIN_WRAP_WIDTH = 6.0  # fit_columns narrows a wrapped column no further: three CJK characters a line


def column_px(width: float) -> int:
    """A column's printed width in pixels as Excel lays it out (Calibri 11's digit is 7 pixels, plus 5 of
    padding; xlsxwriter writes the width so); LibreOffice's is ``LIBREOFFICE_WIDER``, with Calibri or
    Carlito, and a third wider without either (DejaVu Sans: its wide tables then spill a page across)."""
    return int(width * 7 + 0.5) + 5 if width >= 1 else int(width * 12 + 0.5)


def table_px(widths: Iterable[float]) -> int:
    return sum(column_px(w) for w in widths)


def fits(widths: Iterable[float], *, landscape: bool) -> bool:
    """True when columns of these widths print on one A4 page's width at 100 %."""
    return table_px(widths) <= PRINTABLE_PX[landscape]


def sheet_px(ws) -> list[int]:
    """The pixel width of each of the sheet's columns up to its last set one, as xlsxwriter 3.3 keeps
    them (``col_info``; an unset column is Excel's default 64): the print setup and the title rows
    follow the widths the sheet has, whichever sheet it is."""
    last = max(ws.col_info, default=0)
    return [ws.col_info[c].width if c in ws.col_info and ws.col_info[c].width is not None else 64
            for c in range(last + 1)]


def fit_columns(cols: list[Col], *, landscape: bool = True) -> tuple[list[Col], bool]:
    """The table's columns and orientation: as given when they fit A4 at 100 %; else with the wrapped
    ones narrowed in proportion (never below ``MIN_WRAP_WIDTH``), and if portrait still cannot hold
    them, landscape. A column added later thus makes its neighbours wrap more (their rows grow, as
    ``row_height`` computes from these widths) instead of shrinking the print or spilling onto a
    second page across. ValueError when even landscape cannot hold them (a programming error)."""
    if fits((c.width for c in cols), landscape=landscape):
        return cols, landscape
    wrapped = [i for i, c in enumerate(cols) if c.kind in ("wrap", "text") and c.width > MIN_WRAP_WIDTH]
    fixed_px = table_px(c.width for i, c in enumerate(cols) if i not in wrapped)
    room = (PRINTABLE_PX[landscape] - fixed_px - 5 * len(wrapped)) / 7  # width units left for the wrapped columns
    total = sum(cols[i].width for i in wrapped)
    out = list(cols)
    if wrapped and room > 0:
        factor = room / total
        for i in wrapped:
            out[i] = Col(cols[i].label, max(MIN_WRAP_WIDTH, math.floor(cols[i].width * factor * 2) / 2),
                         cols[i].kind, cols[i].get)
    if fits((c.width for c in out), landscape=landscape):
        return out, landscape
    if not landscape:
        return fit_columns(cols, landscape=True)
    raise ValueError(f"columns too wide for A4 landscape at 100 %: {[c.label for c in cols]}")


def _page(ws, *, landscape: bool, header_row: int | None, widths: Iterable[float] | None = None) -> None:
    """The print setup of every sheet: A4 at 100 %, landscape when asked or when the columns are wider
    than portrait. No fit-to-page: LibreOffice shrank the tables to 57–93 % with it (and printed a
    blank page); the widths are made to fit instead. The first page number is left automatic (no
    ``set_start_page``): LibreOffice and Excel then number a workbook printed at once as one document
    (第 1 … 第 N 页 共 N 页, checked with LibreOffice in tests/test_export_print.py), and one sheet
    printed alone from 1; fixed start pages would be wrong for the one sheet and wherever a program
    breaks pages a little differently. Call it after ``set_column``: it reads the sheet's widths
    (``widths``, when given, are the same ones and only checked)."""
    px = sum(sheet_px(ws))
    if widths is not None and table_px(widths) != px:
        raise ValueError(f"widths {list(widths)} are not the sheet's columns: set_column first")
    landscape = landscape or px > PRINTABLE_PX[False]
    if px > PRINTABLE_PX[landscape]:
        raise ValueError(f"columns too wide for A4 at 100 %: {px} px")
    ws.set_paper(A4)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_print_scale(100)
    ws.set_margins(left=MARGIN_SIDE_IN, right=MARGIN_SIDE_IN, top=0.5, bottom=0.6)
    ws.center_horizontally()
    ws.set_footer(FOOTER)
    if header_row is not None:
        ws.repeat_rows(0, header_row)
        ws.freeze_panes(header_row + 1, 0)


TITLE_LINE_PT = 22.0  # one line of the 16 pt title


def merged_lines(text: str, px: float, font_pt: float = 10) -> int:
    """Lines ``text`` takes in a wrapped cell ``px`` pixels wide (merged columns) in a ``font_pt``
    font (``line_count``'s measure, scaled from 10 pt)."""
    cap = max(2, int(max(7.0, px - 6) / (6.7 * font_pt / 10)))
    return sum(wrapped_lines(part, cap) for part in text.split("\n"))


def _head(ws, scope: Scope, title: str, ncols: int | Iterable[float], fmt: _Formats, exported: str) -> None:
    """Rows 0 and 1: the sheet's title and who/what/when, merged over the table's width; either wraps,
    its row taller, when wider than the table (a portrait sheet's long title was cut at both edges).
    Call it after ``set_column``: the wrapping follows the sheet's widths. ``ncols``: the table's number
    of columns, or their widths."""
    if not isinstance(ncols, int):
        ncols = len(list(ncols))
    last = max(ncols - 1, 1)
    span = sum((sheet_px(ws) + [64, 64])[:last + 1])
    title = clean(f"{scope.label} {scope.month_label} 留守儿童{title}")
    ws.set_row(0, 28 + (merged_lines(title, span, 16) - 1) * TITLE_LINE_PT)
    ws.merge_range(0, 0, 0, last, "", fmt.title)
    ws.write_string(0, 0, title, fmt.title)
    parts = [f"学校: {scope.school_name}", f"班级: {scope.class_name or '全校'}", f"月份: {scope.month_label}"]
    if scope.teacher:
        parts.append(f"{scope.teacher_label}: {scope.teacher}")
    parts.append(f"统计截至: {scope.as_of:%Y-%m-%d}")
    line = clean("    ".join(parts))
    ws.set_row(1, 18 + (merged_lines(line, span) - 1) * LINE_PT)
    ws.merge_range(1, 0, 1, last, "", fmt.scope)
    ws.write_string(1, 0, line, fmt.scope)


def _table(ws, scope: Scope, title: str, cols: list[Col], rows: Iterable[Any], fmt: _Formats, exported: str, *,
           landscape: bool, tick: Callable[[int], None] | None = None, empty: str = "本月无记录",
           sign: str = "") -> int:
    """A titled, numbered table, then the ``sign`` line (a signature block) under it if any;
    returns the number of data rows."""
    if scope.class_name:  # one class: its name is in the title, the column would repeat it
        cols = [c for c in cols if c.get != "class_name"]
    cols, landscape = fit_columns([Col("序号", 4.5, "int", ""), *cols], landscape=landscape)
    for i, c in enumerate(cols):
        ws.set_column(i, i, c.width)
    _head(ws, scope, title, len(cols), fmt, exported)
    ws.set_row(2, row_height((c.label, c.width) for c in cols) or 20)
    for i, c in enumerate(cols):
        ws.write_string(2, i, c.label, fmt.header)
    _page(ws, landscape=landscape, header_row=2)
    n = 0
    r = 3
    # The inner loop runs for every cell of a county (millions): plain locals, no per-cell lookups;
    # each column's getter, format and non-text writer are picked here, once.
    body = [(i, c.get if callable(c.get) else operator.attrgetter(c.get), fmt.kinds[c.kind],
             _typed_writer(ws, c.kind, fmt.kinds[c.kind]), c.width,
             # the most characters that surely fit on one line, were they all CJK
             int((c.width * 7 + 2) / (6.7 * 2)) if c.kind in WRAPPED else None)
            for i, c in enumerate(cols[1:], start=1)]
    write_string, write_blank, write_number = ws.write_string, ws.write_blank, ws.write_number
    int_fmt = fmt.kinds["int"]
    for row in rows:
        n += 1
        lines = 1
        more: dict[int, list[str]] | None = None  # a cell too long for one row: its next pieces
        write_number(r, 0, n, int_fmt)
        for i, get, f, typed, width, fits in body:
            v = get(row)
            if v.__class__ is str:
                if not v:
                    write_blank(r, i, None, f)
                    continue
                if fits is not None and (len(v) > fits or "\n" in v):
                    count = line_count(v, width)
                    if count > MAX_LINES:
                        v, *rest = split_to_rows(clean(v), width)
                        more = more or {}
                        more[i] = rest
                        count = line_count(v, width)
                    lines = max(lines, count)
                write_string(r, i, v if v.isprintable() and len(v) <= CELL_LIMIT else clean(v), f)
            elif v is None or v == "":
                write_blank(r, i, None, f)
            else:
                typed(r, i, v)
        if lines > 1:  # the row's cells are still in memory: its height can follow them
            ws.set_row(r, min(MAX_ROW_PT, lines * LINE_PT + 2))
        r += 1
        if more:  # continuation rows: no 序号, the long cells go on, the others stay empty
            for k in range(max(len(p) for p in more.values())):
                write_blank(r, 0, None, int_fmt)
                cont = 1
                for i, _get, f, _typed, width, _fits in body:
                    piece = more.get(i, ())[k] if k < len(more.get(i, ())) else ""
                    if piece:
                        write_string(r, i, piece, f)
                        cont = max(cont, line_count(piece, width))
                    else:
                        write_blank(r, i, None, f)
                ws.set_row(r, min(MAX_ROW_PT, cont * LINE_PT + 2))
                r += 1
        if tick is not None and n % 500 == 0:
            tick(n)
    if n == 0:
        ws.merge_range(r, 0, r, len(cols) - 1, "", fmt.empty)
        ws.write_string(r, 0, empty, fmt.empty)
        r += 1
    if sign:
        r += 1
        ws.set_row(r, 30)
        ws.merge_range(r, 0, r, len(cols) - 1, "", fmt.sign)
        ws.write_string(r, 0, sign, fmt.sign)
    return n


# --------------------------------------------------------------------------- the sheets


def _yes(v: bool) -> str:
    return "是" if v else "否"


# The national 登记表 (FORMS.md) in two printed parts, each readable on A4 landscape at 100 %: the
# school's own columns (档案缺项, 乘车, 三特生) are on the screens, not on this official copy.
REGISTRATION = [  # 一、儿童
    Col("姓名", 7, "center", "name"),
    Col("性别", 3.5, "center", "sex"),
    Col("民族", 5, "center", "ethnicity"),
    Col("出生日期", 10.5, "date", "birth_date"),
    Col("公民身份证号码", 19.5, "code", "id_number"),
    Col("是否登记户口", 5, "center", "hukou_registered"),
    Col("户籍所在地", 13, "wrap", "hukou_place"),
    Col("现居住地", 13, "wrap", "address"),
    Col("身体情况 (残疾类别及等级 / 患病类型)", 10, "wrap", "health"),
    Col("是否学校寄宿", 5, "center", "boarding"),
    Col("就学情况", 5, "center", "schooling"),
    Col("班级", 9, "center", "class_name"),
    Col("留守类型", 9, "wrap", "left_behind_type"),
]

REGISTRATION_FAMILY = [  # 二、家庭与实际监护情况
    Col("姓名", 7, "center", "name"),
    Col("祖父、祖母、外祖父、外祖母 (姓名 出生日期)", 17, "wrap", "grandparents"),
    Col("父亲 (姓名、出生日期、身份证号、务工地点、电话、外出时间)", 17, "wrap", "father_detail"),
    Col("母亲 (同左)", 17, "wrap", "mother_detail"),
    Col("父母双方同时外出", 5.5, "center", "both_away"),
    Col("一方外出、另一方无监护能力", 7, "wrap", "one_away_other_unable"),
    Col("委托监护人 (姓名 关系、电话、身份证号、居住地址)", 17, "wrap", "guardian_detail"),
    Col("监护类型", 8, "wrap", "guardianship_type"),
    Col("监护情况评估", 5, "center", "guardianship_grade"),
    Col("家庭收入来源", 8.5, "wrap", "income_sources"),
    Col("享受救助情况", 8.5, "wrap", "aid_received"),
]

REGISTRATION_SIGN = "单位负责人: __________    复核人: __________    填表人: __________    填表日期: ______年____月____日"

PAIRINGS = [
    Col("姓名", 8, "center", "child_name"),
    Col("班级", 10, "center", "class_name"),
    Col("帮扶类型", 9, "center", "kind"),
    Col("帮扶人", 9, "center", "helper"),
    Col("结对日期", 11, "date", "started_on"),
    Col("帮扶时间", 14, "wrap", "plan_time"),
    Col("帮扶内容", 34, "wrap", "plan_content"),
    Col("阶段性成果", 26, "wrap", "plan_results"),
    Col("本月联系次数", 8, "int", lambda r: "—" if r.contacts is None else r.contacts),
]

# Widths: each table fits A4 landscape at 100 % (``fits``; ``fit_columns`` narrows the wrapped ones if not); the month is
# in every title, so a time is printed as 11-05 09:30.
TALKS = [
    Col("时间", 11, "daytime", "at"),
    Col("学生姓名", 7, "center", "child_name"),
    Col("班级", 9, "center", "class_name"),
    Col("性别", 3.5, "center", "sex"),
    Col("教师姓名", 7, "center", "staff_name"),
    Col("类别", 6.5, "center", "kind"),
    Col("地点", 7, "wrap", "place"),
    Col("交流谈心的内容", 34, "wrap", "content"),
    Col("交谈后效果", 14, "wrap", "effect"),
    Col("情绪", 4.5, "center", "mood"),
    Col("关注", 6, "wrap", "concerns"),
    Col("跟进", 13, "wrap", "follow_up_text"),
    Col("完成", 4, "center", lambda r: _yes(r.reached)),
]

LETTER_KINDS = ("亲情书信",)  # a letter is neither answered nor timed: those cells stay empty

PARENT_CONTACTS = [
    Col("时间", 11, "daytime", "at"),
    Col("学生姓名", 8, "center", "child_name"),
    Col("班级", 10, "center", "class_name"),
    Col("类别", 9, "center", "kind"),
    Col("联系对象", 9, "center", "callee"),
    Col("接通", 4, "center", lambda r: "" if r.kind in LETTER_KINDS else _yes(r.reached)),
    Col("时长(分)", 6, "int", lambda r: None if r.kind in LETTER_KINDS else r.minutes),
    Col("内容", 46, "wrap", "content"),
    Col("跟进", 16, "wrap", "follow_up_text"),
    Col("教师", 8, "center", "staff_name"),
]

# The 家访手记 in the paper's order; a 家访's content is its 孩子表现.
HOME_VISITS = [
    Col("家访时间", 11, "daytime", "at"),
    Col("家访教师", 6.5, "center", "staff_name"),
    Col("孩子姓名", 6.5, "center", "child_name"),
    Col("年龄", 3.5, "int", "age"),
    Col("所属班级", 9, "center", "class_name"),
    Col("监护人信息 (姓名 关系、联系方式)", 12, "wrap",
        lambda r: "\n".join(v for v in (r.guardian, r.guardian_phone) if v)),
    Col("家庭住址", 8.5, "wrap", "address"),
    Col("家庭成员情况", 10.5, "wrap", "family_members"),
    Col("生活环境", 10, "wrap", "living_conditions"),
    Col("孩子表现", 16.5, "wrap", "content"),
    Col("教育需求", 10, "wrap", "education_needs"),
    Col("家长反馈", 10.5, "wrap", "parent_feedback"),
    Col("后续计划", 10, "wrap", "follow_up_text"),
    Col("完成", 4, "center", lambda r: _yes(r.reached)),
]

ACTIVITIES = [
    Col("日期", 10.5, "date", "day"),
    Col("结束日期", 10.5, "date", "end"),
    Col("时间", 6, "time", "time"),
    Col("活动名称", 22, "wrap", "title"),
    Col("类别", 6, "center", "kind"),
    Col("地点", 10, "wrap", "place"),
    Col("组织者", 8, "wrap", "organiser"),
    Col("参与学生人数", 5, "int", "participants"),
    Col("参与学生", 32, "wrap", "names"),
    Col("备注", 16, "wrap", "notes"),
]

OPEN_DUTIES = [
    Col("状态", 6, "center", "status"),
    Col("姓名", 8, "center", "child_name"),
    Col("班级", 10, "center", "class_name"),
    Col("事项", 12, "center", "rule_name"),
    Col("类别", 8, "center", "contact_kind"),
    Col("到期日", 11, "date", "due"),
    Col("逾期天数", 6, "int", lambda d: d.days_overdue or ""),
    Col("上次完成", 11, "date", "last_met"),
    Col("帮扶/爱心妈妈", 14, "wrap", "helper"),
]


def _summary_sheet(wb, s: handbook.Summary, fmt: _Formats, exported: str) -> int:
    """The 汇总 sheet, written top to bottom (constant_memory needs rows in order)."""
    scope = s.scope
    ws = wb.add_worksheet("汇总", worksheet_class=_sheet_class())
    widths = (21, 10, 14, 9, 9, 9, 9, 9)  # portrait at 100 % (``fits``)
    for i, w in enumerate(widths):
        ws.set_column(i, i, w)
    ncols = len(widths)
    _head(ws, scope, "工作手册 · 月度汇总", ncols, fmt, exported)
    _page(ws, landscape=False, header_row=None)
    ws.repeat_rows(0, 1)
    r = 3

    def section(title: str) -> None:
        nonlocal r
        ws.set_row(r, 22)
        ws.write_string(r, 0, title, fmt.section)
        r += 1

    def header(labels: Iterable[str]) -> None:
        nonlocal r
        labels = list(labels)
        height = row_height((label, widths[i]) for i, label in enumerate(labels))
        if height is not None:  # a long label (受委托监护人监护能力不足) wraps: the row grows with it
            ws.set_row(r, height)
        for i, label in enumerate(labels):
            ws.write_string(r, i, label, fmt.header)
        r += 1

    def line(values: list[tuple[Any, str]]) -> None:
        nonlocal r
        height = row_height((v, widths[i]) for i, (v, _) in enumerate(values) if isinstance(v, str))
        if height is not None:
            ws.set_row(r, height)
        for i, (v, k) in enumerate(values):
            _write(ws, r, i, "—" if v is None and k == "percent" else v, k if v is not None else "center", fmt)
        r += 1

    def note(text: str) -> None:
        nonlocal r
        ws.set_row(r, max(MIN_ROW_PT, line_count(text, sum(widths) * 1.05) * (LINE_PT - 2) + 3))
        ws.merge_range(r, 0, r, ncols - 1, "", fmt.note)
        ws.write_string(r, 0, clean(text), fmt.note)
        r += 1

    section(f"一、留守儿童人数 (在读, 截至 {scope.as_of:%m月%d日})")
    header(["留守类型", "人数"])
    for t, n in s.by_type.items():
        line([(t, "text"), (n, "int")])
    line([("合计", "center"), (s.children, "bold_int")])
    r += 1

    section("二、三特生、重点帮扶对象与建档率")
    header(["特困", "特长", "残障", "重点帮扶对象", "档案齐全", "建档率"])
    line([(s.hardship, "int"), (s.talent, "int"), (s.disability, "int"), (s.key_target, "int"),
          (s.complete, "int"), (s.filing_rate, "percent")])
    note(f"建档率: 档案中{'、'.join(child_fields.FILING_FIELDS.values())}都已填写的留守儿童所占比例。")
    r += 1

    section("三、结对帮扶覆盖")
    header(["帮扶类型", "已结对", "留守儿童", "覆盖率"])
    for p in s.pairing:
        line([(p.kind, "center"), (p.paired, "int"), (p.subjects, "int"), (p.rate, "percent")])
    r += 1

    upto = f" (截至 {scope.as_of:%m-%d})" if scope.in_progress else ""
    section("四、关爱事项完成情况" + upto)
    header(["事项", "类别", "频率", "对象人数", "应完成", "已完成", "逾期人数", "完成率"])
    for d in s.duty_lines:
        line([(d.rule_name + (" (本学期)" if d.per_term else ""), "text"), (d.contact_kind, "center"),
              (d.cadence, "wrap"), (d.subjects, "int"), (d.required, "int"), (d.done, "int"), (d.overdue, "int"),
              (d.rate, "percent")])
    if scope.term is None:
        note("本月为假期 (寒假或暑假), 不计关爱事项。")
    else:
        t = scope.term
        due_by = f"本月截至 {scope.as_of:%m-%d} " if scope.in_progress else "本月"
        note(f"{t.school_year_label} {t.start:%Y-%m-%d} 开学, {t.end:%Y-%m-%d} 放假 (行事历), 假期不计。"
             f"应完成: {due_by}在学期内按规定频率到期的次数 (每学期一次的事项按本学期计); 已完成: 本月已完成的次数, "
             f"每人不超过应完成 (未接通的电话不算); 逾期人数: 截至 {scope.duty_day:%m月%d日} 逾期未完成的人数, "
             f"名单见「待办事项」。")
    r += 1

    section("五、活动与记录" + upto)
    header(["活动次数", "参与人次", "谈心记录 (含心理辅导、未完成)", "家长联系", "家访", "结对", "待办"])
    c = s.contacts
    line([(s.activities, "int"), (s.attendance, "int"), (sum(c.get(k, 0) for k in handbook.TALK_KINDS), "int"),
          (sum(c.get(k, 0) for k in handbook.PARENT_KINDS), "int"),
          (sum(c.get(k, 0) for k in handbook.VISIT_KINDS), "int"), (s.pairings, "int"), (s.open_duties, "int")])
    r += 1

    section("六、每周谈心次数 (已完成的谈心, 不含心理辅导)")
    header(["周", "谈心次数"])
    first = r
    for start, end, n in s.weeks:
        line([(f"{start:%m-%d}~{end:%m-%d}", "center"), (n, "int")])
    last = r - 1
    line([("合计 (已完成的谈心)", "center"), (s.talks, "bold_int")])
    chart = wb.add_chart({"type": "column"})
    chart.add_series({
        "name": "谈心次数",
        "categories": ["汇总", first, 0, last, 0],
        "values": ["汇总", first, 1, last, 1],
        "data_labels": {"value": True},
        "fill": {"color": "#4472C4"},
    })
    chart.set_title({"name": "每周谈心次数", "name_font": {"size": 11, "name": FONT}})
    chart.set_legend({"none": True})
    chart.set_x_axis({"num_font": {"name": FONT, "size": 9}})
    chart.set_y_axis({"min": 0, "major_gridlines": {"visible": True}, "num_font": {"size": 9}})
    chart.set_size({"width": 430, "height": 200})
    ws.insert_chart(first - 1, 2, chart, {"x_offset": 8, "y_offset": 0, "object_position": 2})
    r = max(r, first - 1 + 11) + 1  # leave the chart's rows free

    section("七、国家口径、年龄段与监护类型")
    header(["国家口径", "学校口径"])
    line([(s.national, "int"), (s.children, "int")])
    note("国家口径按 2016 年《农村留守儿童基本情况登记表》: 父母双方外出, 或一方外出、另一方无监护能力, "
         "且未满16周岁; 学校口径为名册中在读、有留守类型且父母尚未返乡的儿童。")
    header([*s.age_bands])
    line([(n, "int") for n in s.age_bands.values()])
    types = {t: n for t, n in s.guardianship.items()}
    header([*types])
    line([(n, "int") for n in types.values()])
    r += 1

    section("八、本月留守情况变化")
    for label, names in (("本月新增留守", s.started), ("本月不再留守 (父母返乡)", s.ended)):
        text = clean(f"{len(names)} 人: " + "、".join(names)) if names else "无"
        ws.set_row(r, row_height([(text, sum(widths[1:])), (label, widths[0])]) or MIN_ROW_PT)
        _write(ws, r, 0, label, "center", fmt)
        ws.merge_range(r, 1, r, ncols - 1, "", fmt.kinds["wrap"])
        ws.write_string(r, 1, text, fmt.kinds["wrap"])
        r += 1
    r += 1

    section("九、检查意见")
    ws.merge_range(r, 0, r + 3, ncols - 1, "", fmt.kinds["wrap"])  # a box for the head's remarks by hand
    r += 4
    r += 1
    ws.set_row(r, 30)
    who = "班主任签字" if scope.class_name else "填表人签字"
    ws.merge_range(r, 0, r, ncols - 1, "", fmt.sign)
    ws.write_string(r, 0, f"{who}: ____________  校长签字: ____________  检查人: ____________  "
                          f"日期: ____年__月__日", fmt.sign)
    r += 1
    note(f"导出: {exported}")
    return 1


# The 校车 sheet: two forms of FORMS.md on one column grid, so each reads at 100 % on A4 landscape.
# A column holds a route field in the first table and a rider field in the others, paired by width.
BUS_WIDTHS = (4.5, 14, 22, 11, 6, 6, 11, 13, 20, 10)
BUS_ROUTE_COLS = (("序号", "int"), ("路线名称", "wrap"), ("方向/站点", "wrap"), ("校车牌号", "code"), ("核载人数", "int"),
                  ("乘车人数", "int"), ("驾驶员姓名", "center"), ("联系电话", "code"), ("驾驶证号码", "code"),
                  ("准驾车型", "center"))
BUS_RIDER_COLS = (("序号", "int"), ("姓名", "center"), ("家庭住址", "wrap"), ("班级", "center"), ("性别", "center"),
                  ("年龄", "int"), ("出生日期", "date"), ("监护人", "wrap"), ("监护人电话", "code"), ("留守类型", "wrap"))
BUS_SIGN = "填表人: __________    审核人: __________    填表日期: ______年____月____日"


def _bus_sheet(wb, scope: Scope, fmt: _Formats, exported: str, *, mask: bool) -> int:
    """The 校车 sheet: the 校车及驾驶员信息登记表 (every route of the school, its riders counted in the
    handbook's class or school), then the 乘车学生基本信息登记表 of each route that has riders there.
    Rows in order (constant_memory). The driver's phone is the school's contact for the bus and is
    printed whole; 驾驶证号码 (the driver's 身份证号) and the guardians' phones are masked unless
    ``mask`` is off. The database has no 上车地点, so the form has no such column. Returns the riders."""
    ws = wb.add_worksheet("校车", worksheet_class=_sheet_class())
    widths = BUS_WIDTHS
    ncols = len(widths)
    for i, w in enumerate(widths):
        ws.set_column(i, i, w)
    _head(ws, scope, "校车及乘车学生登记表", list(widths), fmt, exported)
    _page(ws, widths=list(widths), landscape=True, header_row=None)
    ws.repeat_rows(0, 1)
    routes = bus.list_routes(viewer=scope.viewer, school_id=scope.school_id, classroom_id=scope.classroom_id,
                             on=scope.as_of)
    riders = bus.rider_rows(viewer=scope.viewer, school_id=scope.school_id, classroom_id=scope.classroom_id,
                            on=scope.as_of, mask=mask)
    r = 3

    def merged(text: str, style, height: float | None = None) -> None:
        nonlocal r
        ws.set_row(r, height or max(22, row_height([(text, sum(widths))]) or 0))
        ws.merge_range(r, 0, r, ncols - 1, "", style)
        ws.write_string(r, 0, clean(text), style)
        r += 1

    def line(values: list[tuple[Any, str]]) -> None:
        nonlocal r
        height = row_height((v, widths[i]) for i, (v, _) in enumerate(values) if isinstance(v, str))
        if height is not None:
            ws.set_row(r, height)
        for i, (v, k) in enumerate(values):
            _write(ws, r, i, v, k, fmt)
        r += 1

    def header(cols) -> None:
        nonlocal r
        ws.set_row(r, row_height((label, widths[i]) for i, (label, _) in enumerate(cols)) or 20)
        for i, (label, _) in enumerate(cols):
            ws.write_string(r, i, label, fmt.header)
        r += 1

    def empty(text: str) -> None:
        nonlocal r
        ws.merge_range(r, 0, r, ncols - 1, "", fmt.empty)
        ws.write_string(r, 0, text, fmt.empty)
        r += 1

    merged("一、校车及驾驶员信息登记表", fmt.section)
    header(BUS_ROUTE_COLS)
    for n, route in enumerate(routes, 1):
        licence = bus.masked_license(route.driver_license) if mask else route.driver_license
        line([(n, "int"), (route.name, "wrap"), (route.direction, "wrap"), (route.plate, "code"),
              (route.capacity, "int"), (route.riders, "int"), (route.driver, "center"), (route.driver_phone, "code"),
              (licence, "code"), (route.license_class, "center")])
    if not routes:
        empty("本校没有登记校车路线")
    r += 1
    merged("二、乘车学生基本信息登记表" + (f" ({scope.class_name})" if scope.class_name else ""), fmt.section)
    by_route: dict[int, list] = {}
    for k in riders:
        by_route.setdefault(k.route_id, []).append(k)
    for route in routes:
        mine = by_route.get(route.id)
        if not mine:
            continue
        seats = f"核载 {route.capacity} 人" if route.capacity is not None else "核载人数未填"
        merged("    ".join(x for x in (route.name, f"校车牌号: {route.plate}", f"驾驶员: {route.driver or '未填'}",
                                       seats, f"乘车 {len(mine)} 人") if x), fmt.scope)
        header(BUS_RIDER_COLS)
        for n, k in enumerate(mine, 1):
            line([(n, "int"), (k.name, "center"), (k.address, "wrap"), (k.class_name, "center"), (k.sex, "center"),
                  (k.age, "int"), (k.birth_date, "date"), (k.guardian, "wrap"), (k.guardian_phone, "code"),
                  (k.left_behind_type or "非留守", "wrap")])
        r += 1
    if not riders:
        empty("没有在读学生乘坐校车")
        r += 1
    merged(BUS_SIGN, fmt.sign, 30)
    return len(riders)


def write_workbook(target: str | IO[bytes], scope: Scope, *, unmask: bool = False, exported_by: str = "",
                   progress: Progress | None = None, now: dt.datetime | None = None,
                   tmpdir: str | None = None) -> dict[str, int]:
    """Write the eight sheets to ``target`` (a new file's path, or a binary file object); returns
    the data rows per sheet.

    Why a file object: xlsxwriter opens a path with ``open(path, "wb")``, which follows a link
    planted at that name. It also takes a file object (its ZipFile writes into it), so the file is
    always one ``models.files`` created itself (O_EXCL|O_NOFOLLOW, 0600, unpredictable name). Its
    scratch files (``constant_memory`` row data, the XML parts: children's data in plain text) go
    into ``tmpdir``, a private 0700 folder (``files.private_workdir``) removed afterwards whatever
    happens, instead of the shared system temp folder where an interrupted export left them.
    ``unmask`` by a viewer who may not (``scope.require_unmask_export``): ``ForbiddenError``."""
    if unmask:
        require_unmask_export(scope.viewer)
    if not hasattr(target, "write"):
        path = os.fspath(target)
        with files.write_atomic(path) as fh, files.private_workdir(path) as work:
            return write_workbook(fh, scope, unmask=unmask, exported_by=exported_by, progress=progress, now=now,
                                  tmpdir=work)
    if tmpdir is None:
        with files.private_workdir(os.path.join(tempfile.gettempdir(), "guanai-export")) as work:
            return write_workbook(target, scope, unmask=unmask, exported_by=exported_by, progress=progress,
                                  now=now, tmpdir=work)
    import xlsxwriter

    def report(message: str, fraction: float) -> None:
        if progress is not None:
            progress(message, min(1.0, max(0.0, fraction)))

    now = (now or dt.datetime.now()).replace(microsecond=0)
    exported = f"{now:%Y-%m-%d %H:%M}" + (f" {exported_by}" if exported_by else "")
    if unmask:
        exported += " (未遮盖身份证号和电话)"
    mask = not unmask
    report("统计汇总", 0.0)
    s = handbook.summary(scope)
    c = s.contacts
    sizes = {
        "基本情况登记表": s.children, "登记表(家庭)": s.children, "结对帮扶表": s.pairings,
        "谈心记录": sum(c.get(k, 0) for k in handbook.TALK_KINDS),
        "家长联系记录": sum(c.get(k, 0) for k in handbook.PARENT_KINDS),
        "家访记录": sum(c.get(k, 0) for k in handbook.VISIT_KINDS), "活动记录": s.activities,
        "待办事项": s.open_duties,
    }
    total = sum(sizes.values()) + 1
    done = 0

    wb = xlsxwriter.Workbook(target, {
        "tmpdir": tmpdir, "constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
        "strings_to_urls": False, "default_date_format": "yyyy-mm-dd",
    })
    wb.set_properties({"title": f"{scope.label} {scope.month_label} 留守儿童工作手册", "author": exported_by,
                       "company": scope.school_name, "comments": "关爱 guanai"})
    fmt = _Formats(wb)
    rows: dict[str, int] = {}
    # On an exception the workbook is dropped unclosed: nothing more is written to ``path``.
    rows["汇总"] = _summary_sheet(wb, s, fmt, exported)
    report("汇总", 1 / total)

    def sheet(name: str, cols: list[Col], data: Iterable[Any], landscape: bool, title: str | None = None,
              empty: str = "本月无记录", sign: str = "") -> None:
        nonlocal done
        report(name, (done + 1) / total)
        ws = wb.add_worksheet(name, worksheet_class=_sheet_class())
        base = done + 1

        def tick(n: int) -> None:
            report(f"{name} {n}/{sizes[name]}", (base + n) / total)

        rows[name] = _table(ws, scope, title or name, cols, data, fmt, exported, landscape=landscape, tick=tick,
                            empty=empty, sign=sign)
        done += sizes[name]

    sheet("基本情况登记表", REGISTRATION, handbook.registration_rows(scope, mask=mask), True,
          "基本情况登记表 (一) 儿童情况", empty="没有在读的留守儿童", sign=REGISTRATION_SIGN)
    sheet("登记表(家庭)", REGISTRATION_FAMILY, handbook.registration_rows(scope, mask=mask), True,
          "基本情况登记表 (二) 家庭与实际监护情况", empty="没有在读的留守儿童", sign=REGISTRATION_SIGN)
    sheet("结对帮扶表", PAIRINGS, handbook.pairing_rows(scope), True, empty="没有结对帮扶")
    sheet("谈心记录", TALKS, handbook.contact_rows(scope, handbook.TALK_KINDS, mask=mask), True, "谈心记录单")
    sheet("家长联系记录", PARENT_CONTACTS, handbook.contact_rows(scope, handbook.PARENT_KINDS, mask=mask), True,
          "家长联系记录 (电话、书信、座谈)")
    sheet("家访记录", HOME_VISITS, handbook.contact_rows(scope, handbook.VISIT_KINDS, mask=mask), True, "家访手记")
    sheet("活动记录", ACTIVITIES, s.activity_list, True, "活动记录", empty="本月无活动")
    sheet("待办事项", OPEN_DUTIES, s.duty_list, False,
          f"待办事项 (截至 {scope.duty_day:%m月%d日} 逾期、当天和一周内到期)", empty="没有逾期或一周内到期的事项")
    rows["校车"] = _bus_sheet(wb, scope, fmt, exported, mask=mask)
    report("保存文件", 0.99)
    wb.close()
    report("完成", 1.0)
    return rows


def export_handbook(scope: Scope, path: str, *, force: bool = False, unmask: bool = False,
                    staff_id: int | None = None, staff_name: str = "", progress: Progress | None = None,
                    now: dt.datetime | None = None) -> ExportResult:
    """Write the workbook to ``path`` through a temporary file beside it; log the export (AuditLog
    action 'export') in the same step as the rename. ExportError when the target cannot be written;
    ``ForbiddenError`` for ``unmask`` by a viewer who may not, before anything is touched."""
    if unmask:
        require_unmask_export(scope.viewer)
    started = time.perf_counter()
    path = check_target(path, force=force)
    try:
        with files.pending(path) as out, files.private_workdir(path) as work:
            rows = write_workbook(out.file, scope, unmask=unmask, exported_by=staff_name, progress=progress,
                                  now=now, tmpdir=work)
            with dbmod.write():
                audit.record("export", "handbook", scope.classroom_id or 0, staff_id=staff_id,
                             new={"month": scope.month_text, "class": scope.class_name or "全校",
                                  "file": path, "unmask": unmask, "rows": rows})
                try:
                    out.publish(overwrite=force)  # with --force a link at ``path`` is replaced, never followed
                except FileExistsError:  # the name appeared meanwhile (a file or a planted link)
                    raise ExportError(f"文件已存在: {path} (要覆盖请加 --force)") from None
    except ExportError:
        raise
    except OSError as exc:  # disk full, no permission, the folder removed meanwhile …
        from models.backup import _why

        raise ExportError(_why(exc, path)) from None
    return ExportResult(path=path, rows=rows, seconds=time.perf_counter() - started)
