"""The print layout of every sheet: A4 at 100 % (never fit-to-page: it shrank tables to 57–93 %),
landscape when the columns are wider than portrait, columns narrowed to A4's width (``fit_columns``),
the title rows (``head``) wrapped when wider than the table, and the footer: the sheet's name and
第 &P 页 共 &N 页 with the first page number left automatic, so a workbook printed at once is numbered
as one document (see ``page_setup``)."""
from __future__ import annotations

import math
from typing import IO, Iterable

from models.handbook import Scope
from tui.export.cells import Col, Formats, clean
from tui.export.measure import LINE_PT, TITLE_LINE_PT, merged_lines

A4 = 9
FOOTER = "&L&A&C第 &P 页 共 &N 页"  # &A: the sheet's name, so a page of the printed stack says what it is
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


def set_widths(ws, widths: Iterable[float]) -> None:
    """The sheet's column widths, first: ``page_setup`` and ``head`` read them back."""
    for i, w in enumerate(widths):
        ws.set_column(i, i, w)


def page_setup(ws, *, landscape: bool, header_row: int | None, widths: Iterable[float] | None = None) -> None:
    """The print setup of every sheet: A4 at 100 %, landscape when asked or when the columns are wider
    than portrait. No fit-to-page: LibreOffice shrank the tables to 57–93 % with it (and printed a
    blank page); the widths are made to fit instead. The first page number is left automatic (no
    ``set_start_page``): LibreOffice and Excel then number a workbook printed at once as one document
    (第 1 … 第 N 页 共 N 页, checked with LibreOffice in tests/test_export_print.py), and one sheet
    printed alone from 1; fixed start pages would be wrong for the one sheet and wherever a program
    breaks pages a little differently. Call it after ``set_column``: it reads the sheet's widths
    (``widths``, when given, are the same ones and only checked). ``header_row``: the last row
    repeated on every page and frozen on screen; None repeats the two title rows only."""
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
    else:
        ws.repeat_rows(0, 1)


def head(ws, scope: Scope, title: str, ncols: int | Iterable[float], fmt: Formats) -> None:
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


def one_sheet_workbook(target: IO[bytes], title: str, author: str):
    """The workbook of a one-sheet print (报告单, 登记台账, 月报, 预警与干预): user text never becomes a
    formula, a number or a link; the document title and author say what and who."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(target, {"strings_to_formulas": False, "strings_to_numbers": False,
                                      "strings_to_urls": False, "default_date_format": "yyyy-mm-dd",
                                      "in_memory": True})
    wb.set_properties({"title": title, "author": author, "comments": "关爱 guanai"})
    return wb


def plain_title_rows(ws, ncols: int, fmt: Formats, title: str, line: str) -> None:
    """Rows 0 and 1 of a one-sheet print: its title and who/what/when, merged over the table."""
    ws.set_row(0, 28)
    ws.merge_range(0, 0, 0, ncols - 1, "", fmt.title)
    ws.write_string(0, 0, clean(title), fmt.title)
    ws.merge_range(1, 0, 1, ncols - 1, "", fmt.scope)
    ws.write_string(1, 0, clean(line), fmt.scope)
