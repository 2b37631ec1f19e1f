"""``apply`` and ``run_import``: the good rows saved in one transaction, all or none."""
from __future__ import annotations

import datetime as dt
import os
from typing import Callable

from models import audit
from models import db as dbmod
from models import scope
from models.children import SaveError
from models.children import create_children
from models.children import save_child
from models.scope import ForbiddenError
from models.scope import Viewer
from tui.importer.fields import Progress
from tui.importer.planning import ImportReport, RowResult, plan
from tui.importer.reading import ERROR, NEW, UPDATE, read_table
from tui.importer.report import write_report_csv


def apply(report: ImportReport, *, school_id: int, staff_id: int | None, viewer: Viewer,
          progress: Progress | None = None) -> ImportReport:
    """Save every row planned as new or update, in one transaction: all of them or none.

    A row the database refuses meanwhile (someone saved the same 身份证号 a moment ago) is
    marked as an error; so is a row outside the viewer's scope (a class teacher imports into
    their own class). Only admin, head and class teachers import (``ForbiddenError``).
    Anything unexpected rolls the whole import back and is raised.
    """
    scope.require_import(viewer, any_class=True)
    new = [r for r in report.rows if r.outcome == NEW]
    updates = [r for r in report.rows if r.outcome == UPDATE]
    total = len(new) + len(updates)
    report.dry_run = False
    if not total:  # nothing new: the database is already as the file says
        report.applied = True
        return report

    def tell(done: int) -> None:
        if progress:
            progress(done, total, "导入")

    with dbmod.write():
        _create_new(new, school_id=school_id, staff_id=staff_id, viewer=viewer, tell=tell)
        _save_updates(updates, school_id=school_id, staff_id=staff_id, viewer=viewer,
                      tell=lambda done: tell(len(new) + done))
        c = report.counts
        audit.record("import", "import", 0, staff_id=staff_id,
                     new={"file": os.path.basename(report.path),
                          "sheet": "、".join(p.sheet for p in report.sheets if not p.skipped) or report.sheet, **c})
    report.applied = True
    report.dry_run = False
    return report


def _create_new(rows: list[RowResult], *, school_id: int, staff_id: int | None, viewer: Viewer,
                tell: Callable[[int], None]) -> None:
    """The new children, in bulk (``save_child`` per row spends its time building SQL)."""
    results = create_children([r.values for r in rows], school_id=school_id, staff_id=staff_id, viewer=viewer,
                              progress=lambda done, _: tell(done))
    for r, result in zip(rows, results):
        if isinstance(result, Exception):
            _refused(r, result)
        else:
            r.child_id = result


def _save_updates(rows: list[RowResult], *, school_id: int, staff_id: int | None, viewer: Viewer,
                  tell: Callable[[int], None]) -> None:
    """Changes to existing children, one ``save_child`` each (its change history per child)."""
    step = max(1, len(rows) // 100)
    for i, r in enumerate(rows, 1):
        try:
            save_child(r.values, child_id=r.child_id, school_id=school_id, staff_id=staff_id, viewer=viewer)
        except (SaveError, ForbiddenError) as exc:
            _refused(r, exc)
        if i % step == 0 or i == len(rows):
            tell(i)


def _refused(r: RowResult, exc: Exception) -> None:
    """The database or the scope refused this row: an error of its own, the others still go in."""
    r.outcome = ERROR
    r.problems.append(("", str(exc)))


def run_import(path: str, *, school_id: int, staff_id: int | None, viewer: Viewer, sheet: str | None = None,
               class_name: str | None = None, update: bool = False, dry_run: bool = False,
               today: dt.date | None = None, progress: Progress | None = None,
               header_row: int | None = None) -> ImportReport:
    """Read, check and (unless ``dry_run``) save; the report CSV is written next to the file.

    ``ForbiddenError`` before the file is read when the viewer does not import at all (teachers,
    volunteers, counselors: a dry run too); each row is then checked against its class (``plan``)."""
    scope.require_import(viewer, any_class=True)
    table = read_table(path, sheet=sheet, header_row=header_row)
    report = plan(table, school_id=school_id, viewer=viewer, class_name=class_name, update=update, today=today,
                  progress=progress)
    report.dry_run = dry_run
    if not dry_run and not report.nothing_importable:
        apply(report, school_id=school_id, staff_id=staff_id, viewer=viewer, progress=progress)
    write_report_csv(report)
    return report
