"""The import report: counts and every row not imported, as text and as a CSV to fix and import again."""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from typing import Any
from typing import Callable

from models import files
from tui.importer.cells import column_letter
from tui.importer.fields import IGNORED, field_label
from tui.importer.planning import ImportReport, RowResult, SheetPart
from tui.importer.reading import DUPLICATE, ERROR, UPDATE


REPORT_SUFFIX = "-导入报告.csv"
REPORT_COLUMNS = ("导入行号", "导入结果", "出错的列", "原因或说明")


def _safe(value: Any) -> str:
    global _clean
    if _clean is None:
        from tui.widgets.text import clean as _clean  # plain Python, no textual (imported once, not per cell)
    return _clean(value)


_clean: Callable[[Any], str] | None = None


def _header_where(rows: tuple[int, int]) -> str:
    return f"表头在第{rows[0]}行" if rows[0] == rows[1] else f"表头在第{rows[0]}-{rows[1]}行 (两行合并)"


def describe_file(report: ImportReport) -> str:
    name = os.path.basename(report.path)
    if report.several_sheets:
        taken = [p for p in report.sheets if not p.skipped]
        return f"{name} (工作簿, {len(report.sheets)} 个工作表, 导入其中 {len(taken)} 个)"
    how = f"编码 {report.encoding}" if report.kind == "csv" else f"工作表 “{report.sheet}”"
    return f"{name} ({how}, {_header_where(report.header_rows)})"


def _columns_lines(headers: list[str], mapping: list[str | None], rows: list[RowResult]) -> list[str]:
    mapped = [f"{h or column_letter(i)}→{field_label(k)}" for i, (h, k) in enumerate(zip(headers, mapping))
              if k and k != IGNORED]
    unmapped = [h or f"{column_letter(i)}列" for i, (h, k) in enumerate(zip(headers, mapping))
                if (not k or k == IGNORED) and (h or any(i < len(r.cells) and r.cells[i] for r in rows))]
    lines = ["列: " + ", ".join(mapped)]
    if unmapped:
        lines.append("不导入的列: " + ", ".join(unmapped))
    return lines


def format_report(report: ImportReport, *, max_errors: int = 300, max_others: int = 20) -> list[str]:
    """The report as lines for the terminal: the file, each sheet with the rows taken as its header
    (or why it was skipped), the columns, every refused row, the rows to check, the counts."""
    lines = [_safe(f"文件: {describe_file(report)}")]
    several = report.several_sheets
    if several:
        for part in report.sheets:
            if part.skipped:
                lines.append(_safe(f"工作表 “{part.sheet}”: {part.skipped}, 跳过"))
                continue
            lines.append(_safe(f"工作表 “{part.sheet}”: {_header_where(part.header_rows)}, 读取 {part.read} 行"))
            mine = [r for r in report.rows if r.sheet == part.sheet]
            lines += [_safe("  " + line) for line in _columns_lines(part.headers, part.mapping, mine)]
    else:
        lines += [_safe(line) for line in _columns_lines(report.headers, report.mapping, report.rows)]
    for note in report.notes:
        lines.append(_safe("注意: " + note))
    errors = [r for r in report.rows if r.outcome == ERROR]
    for r in errors[:max_errors]:
        who = f" {r.name}" if r.name else ""
        for column, reason in r.problems:
            where = f" {column}" if column else ""
            lines.append(_safe(f"{r.where(several)}{who}{where}: {reason}"))
    if len(errors) > max_errors:
        lines.append(f"……另有 {len(errors) - max_errors} 行有错误, 见报告文件")
    checks = [r for r in report.rows if r.warnings and r.outcome != ERROR]
    for r in checks[:max_errors]:
        for warning in r.warnings:
            lines.append(_safe(f"{r.where(several)} {r.name}: {warning}"))
    if len(checks) > max_errors:
        lines.append(f"……另有 {len(checks) - max_errors} 行需要核对, 见报告文件")
    will = "" if report.applied else "将"
    updates = [r for r in report.rows if r.outcome == UPDATE]
    for r in updates[:max_others]:
        lines.append(_safe(f"{r.where(several)} {r.name}: {will}更新 " + "; ".join(r.changes)))
    if len(updates) > max_others:
        lines.append(f"……另有 {len(updates) - max_others} 行{will}更新, 见报告文件")
    dups = [r for r in report.rows if r.outcome == DUPLICATE]
    for r in dups[:max_others]:
        lines.append(_safe(f"{r.where(several)} {r.name}: 重复, 跳过 ({r.note})"))
    if len(dups) > max_others:
        lines.append(f"……另有 {len(dups) - max_others} 行重复, 见报告文件")
    tail = "" if report.applied else " (试导入, 数据库没有改动)" if report.dry_run else " (没有写入数据库)"
    lines.append(report.summary() + tail)
    if report.report_path:
        lines.append(_safe(f"报告: {report.report_path}"))
    if report.report_note:
        lines.append(_safe(report.report_note))
    return lines


# A cell starting with one of these is a formula (or DDE command) to Excel, WPS and LibreOffice:
# OWASP's CSV-injection list, with the full-width forms a Chinese IME types.
FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")
_LONG_DIGITS = re.compile(r"[0-9]{12,}[0-9Xx]?")


def _csv_cell(value: str) -> str:
    """Keep Excel from turning long digit strings into floats and text into formulas: a cell that
    starts (after any blanks) like a formula gets a leading ``'``, which shows it as text and which
    ``cell_text`` drops when the report is imported again."""
    if not value:
        return value
    if value[0].isdigit() and _LONG_DIGITS.fullmatch(value):
        return f'="{value}"'  # our own constant, digits only: the only formula-like cell written
    if value.lstrip(" \u3000")[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def report_rows(report: ImportReport) -> list[list[str]]:
    """The report CSV: a summary line, then one line per row with its outcome and original cells."""
    when = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    mode = "" if report.applied else " (试导入, 数据库没有改动)" if report.dry_run else " (没有写入数据库)"
    head = [f"关爱导入报告 {os.path.basename(report.path)} {when}: {report.summary()}{mode}"]
    out = [head]
    several = report.several_sheets
    parts = [p for p in report.sheets if not p.skipped] or [SheetPart(report.sheet, headers=report.headers)]
    for part in parts:  # each sheet's rows under its own header (a workbook's sheets differ)
        # a report imported again: its old bookkeeping columns make way for the new ones
        keep = [i for i, h in enumerate(part.headers) if h not in REPORT_COLUMNS]
        out.append([*REPORT_COLUMNS, *(_safe(part.headers[i]) for i in keep)])
        for r in report.rows:
            if several and r.sheet != part.sheet:
                continue
            outcome = r.outcome if report.applied or r.outcome in (DUPLICATE, ERROR) else f"将{r.outcome}"
            columns = "; ".join(c for c, _ in r.problems if c)
            reasons = "; ".join(reason for _, reason in r.problems) or "; ".join(filter(None, [r.note, *r.warnings]))
            cells = [_safe(r.cells[i]) if i < len(r.cells) else "" for i in keep]
            while cells and not cells[-1]:
                cells.pop()
            number = f"{r.sheet}:{r.row}" if several else str(r.row)
            out.append([number, outcome, _safe(columns), _safe(reasons), *cells])
    # every cell, the header's and the file's own included, is data: never a formula
    return [[_csv_cell(cell) for cell in row] for row in out]


def write_report_csv(report: ImportReport, *, cwd: str | None = None) -> str:
    """Write the report next to the input (UTF-8 with BOM, so Excel opens it); when that folder
    cannot be written, into the current folder. Returns the path ('' when neither worked)."""
    stem = os.path.splitext(os.path.basename(report.path))[0]
    folders = [os.path.dirname(report.path), os.path.abspath(cwd or os.getcwd())]
    rows = report_rows(report)
    last_error = ""
    for n, folder in enumerate(folders):
        target = os.path.join(folder, stem + REPORT_SUFFIX)
        if os.path.abspath(target) == os.path.abspath(report.path):
            target = os.path.join(folder, stem + "-2" + REPORT_SUFFIX)
        try:
            # a private temporary file renamed over the old report: a link planted at the report's
            # name (pointing at someone's .bashrc) is replaced, never written through
            with files.write_atomic(target, overwrite=True) as raw:
                fh = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                csv.writer(fh).writerows(rows)
                fh.flush()
                fh.detach()
        except OSError as exc:
            last_error = exc.strerror or str(exc)
            continue
        report.report_path = target
        if n > 0:
            report.report_note = f"输入文件所在的文件夹不能写入 ({os.path.dirname(report.path)}), 报告写到了当前文件夹"
        return target
    report.report_note = f"报告文件无法写入 ({last_error})"
    return ""
