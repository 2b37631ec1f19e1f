"""Every sheet of the workbook is added here, with a quicker ``constant_memory`` row writer than
xlsxwriter's own (for a county's 20,000 children its per-cell calls were most of the export's time)."""
from __future__ import annotations

import functools
import re

# Text xlsxwriter writes into a constant_memory row unchanged: no XML specials (&<>), no control
# characters it escapes as _xHHHH_, no non-characters, no space at either end (it would add
# xml:space="preserve"); text with "_x" (which it escapes too) is checked apart.
_PLAIN_TEXT = re.compile(r"(?!\s)[^&<>\x00-\x08\x0b-\x1f\ufffe\uffff]*(?<!\s)")


@functools.cache
def sheet_class() -> type:
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


def add_sheet(wb, name: str):
    """A new sheet named ``name`` with the quick row writer: the one way the exporter adds a sheet (the
    tests swap ``sheet_class`` for xlsxwriter's own Worksheet here to compare the bytes)."""
    return wb.add_worksheet(name, worksheet_class=sheet_class())
