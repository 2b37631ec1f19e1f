"""The handbook workbook (工作手册检查) as a print-ready xlsx file. xlsxwriter (imported on first use);
no textual. The rows come from ``models.handbook``; this package only lays them out, one job a module:

- ``paths``: the default file name, ``-o`` resolved, a target refused before any work (``ExportError``);
- ``cells``: user text made safe for a cell, the column type ``Col``, the formats, the typed writers;
- ``measure``: text widths, wrapped lines, row heights, a long text cut into continuation rows;
- ``streaming``: ``add_sheet``, every sheet with the quick ``constant_memory`` row writer;
- ``layout``: A4 at 100 %, columns fitted to the page, the print setup, the two title rows;
- ``table``: a numbered table of records, and ``Form``, the cursor of the sheets laid out as forms;
- ``columns``: the columns of the record tables; ``summary``: 汇总; ``bus_sheet``: 校车;
- ``workbook``: ``write_workbook`` (every sheet in order) and ``export_handbook`` (a private temporary
  file renamed into place in the same transaction as its audit row).

Rules kept throughout: user text is written with ``write_string`` after dropping control characters
and cutting at Excel's cell limit, the workbook opened with ``strings_to_formulas``/``_numbers``/
``_urls`` off; 学籍号, 身份证号 and phones are text cells (``@``); dates are real Excel dates; every
sheet has its title rows and header repeated on every printed page; ``constant_memory`` keeps memory
flat, so every sheet is written row by row in order.
"""
from tui.export.paths import ExportError, check_target, default_filename, resolve_path
from tui.export.workbook import SHEETS, ExportResult, Progress, export_handbook, write_workbook

__all__ = ["SHEETS", "ExportError", "ExportResult", "Progress", "check_target", "default_filename",
           "export_handbook", "resolve_path", "write_workbook"]
