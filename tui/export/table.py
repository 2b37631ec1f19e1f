"""The two ways a sheet's body is written, both row by row in order (``constant_memory`` takes rows
only so): ``table``, a titled and numbered table of records with rows as tall as their text (a text
longer than one row can hold goes on in continuation rows), and ``Form``, a cursor for the sheets laid
out as a form on a fixed column grid (汇总, 校车): header rows, lines of typed cells, merged rows."""
from __future__ import annotations

import operator
from typing import Any, Callable, Iterable

from models.handbook import Scope
from tui.export.cells import CELL_LIMIT, Col, Formats, clean, typed_writer, write_cell
from tui.export.layout import fit_columns, head, page_setup, set_widths
from tui.export.measure import LINE_PT, MAX_LINES, MAX_ROW_PT, WRAPPED, line_count, row_height, split_to_rows


class Form:
    """The next row of a sheet written as a form under its two title rows, on the columns ``widths``."""

    def __init__(self, ws, widths: Iterable[float], fmt: Formats, row: int = 3) -> None:
        self.ws, self.widths, self.fmt, self.r = ws, list(widths), fmt, row

    def skip(self, rows: int = 1) -> None:
        self.r += rows

    def header(self, labels: Iterable[str], *, min_height: float | None = None) -> None:
        """A bold header row; taller when a long label wraps (受委托监护人监护能力不足)."""
        labels = list(labels)
        height = row_height((label, self.widths[i]) for i, label in enumerate(labels)) or min_height
        if height is not None:
            self.ws.set_row(self.r, height)
        for i, label in enumerate(labels):
            self.ws.write_string(self.r, i, label, self.fmt.header)
        self.r += 1

    def line(self, values: list[tuple[Any, str]]) -> None:
        """One row of cells, each (value, kind); as tall as its wrapped text needs."""
        height = row_height((v, self.widths[i]) for i, (v, _) in enumerate(values) if isinstance(v, str))
        if height is not None:
            self.ws.set_row(self.r, height)
        for i, (v, k) in enumerate(values):
            write_cell(self.ws, self.r, i, v, k, self.fmt)
        self.r += 1

    def merged(self, text: str, style, height: float | None = None, *, first: int = 0) -> None:
        """One cell over the columns from ``first`` to the last (a note, a section title, a signature line)."""
        if height is not None:
            self.ws.set_row(self.r, height)
        self.ws.merge_range(self.r, first, self.r, len(self.widths) - 1, "", style)
        self.ws.write_string(self.r, first, clean(text), style)
        self.r += 1


def table(ws, scope: Scope, title: str, cols: list[Col], rows: Iterable[Any], fmt: Formats, *,
          landscape: bool, tick: Callable[[int], None] | None = None, empty: str = "本月无记录",
          sign: str = "") -> int:
    """A titled, numbered table, then the ``sign`` line (a signature block) under it if any;
    returns the number of data rows."""
    if scope.class_name:  # one class: its name is in the title, the column would repeat it
        cols = [c for c in cols if c.get != "class_name"]
    cols, landscape = fit_columns([Col("序号", 4.5, "int", ""), *cols], landscape=landscape)
    set_widths(ws, (c.width for c in cols))
    head(ws, scope, title, len(cols), fmt)
    ws.set_row(2, row_height((c.label, c.width) for c in cols) or 20)
    for i, c in enumerate(cols):
        ws.write_string(2, i, c.label, fmt.header)
    page_setup(ws, landscape=landscape, header_row=2)
    n = 0
    r = 3
    # The inner loop runs for every cell of a county (millions): plain locals, no per-cell lookups;
    # each column's getter, format and non-text writer are picked here, once.
    body = [(i, c.get if callable(c.get) else operator.attrgetter(c.get), fmt.kinds[c.kind],
             typed_writer(ws, c.kind, fmt.kinds[c.kind]), c.width,
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
    end = Form(ws, (c.width for c in cols), fmt, r)
    if n == 0:
        end.merged(empty, fmt.empty)
    if sign:
        end.skip()
        end.merged(sign, fmt.sign, 30)
    return n
