"""A date or time printed as ### is a lost figure: every dated cell of every workbook guanai writes
is wider than its number format needs.

LibreOffice and Excel print a number (dates are numbers) that does not fit its cell as ###, where a
text would only be cut. The figures needed are the format's characters in Calibri/Carlito digits
(about one width unit each, measured: ``10-14 08:25`` needs 10.5) plus the cell's padding. Checked on
the demo school's workbooks as the commands write them, so a new sheet or a narrowed column is caught.
"""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from tui.cli import main

ROOT = Path(__file__).resolve().parent.parent
NEEDED = {"yyyy-mm-dd hh:mm": 16.5, "mm-dd hh:mm": 10.5, "yyyy-mm-dd": 10.5, "hh:mm": 5}

COMMANDS = [
    ["--user", "xiaozhang", "export", "--month", "2026-11", "-o", "{tmp}/hb.xlsx"],
    ["--user", "xiaozhang", "report-register", "--date", "2026-11-27", "-o", "{tmp}/register.xlsx"],
    ["--user", "xiaozhang", "report-form", "1", "-o", "{tmp}/report.xlsx"],
    ["--user", "xiaozhang", "dropout", "--month", "2026-11", "-o", "{tmp}/dropout.xlsx"],
    ["--user", "xinli", "attention-sheet", "--month", "2026-11", "-o", "{tmp}/attention.xlsx"],
]


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fit")
    tmp.chmod(0o700)
    db = tmp / "school.db"
    shutil.copyfile(ROOT / "sample.db", db)
    db.chmod(0o600)
    written = []
    for argv in COMMANDS:
        argv = ["--db", str(db)] + [a.replace("{tmp}", str(tmp)) for a in argv]
        assert main(argv) in (0, None), argv
        written.append(Path(argv[-1]))
    return written


def merged_width(ws, cell) -> float:
    """A cell merged across columns has all their widths."""
    cols = [cell.column]
    for rng in ws.merged_cells.ranges:
        if cell.coordinate in rng:
            cols = range(rng.min_col, rng.max_col + 1)
    return sum((ws.column_dimensions[get_column_letter(c)].width or 8.43) for c in cols)


def test_every_dated_cell_is_wide_enough(workbooks):
    too_narrow = []
    for path in workbooks:
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, (dt.date, dt.datetime, dt.time)) and cell.number_format in NEEDED:
                        width = merged_width(ws, cell)
                        if width < NEEDED[cell.number_format]:
                            too_narrow.append(f"{path.name} {ws.title}!{cell.coordinate} "
                                              f"{cell.number_format} in {width}")
    assert too_narrow == []
