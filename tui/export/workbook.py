"""The whole workbook: ``write_workbook`` lays out every sheet in order into a file object, and
``export_handbook`` writes it to a private temporary file beside the target (``models.files``: O_EXCL
and O_NOFOLLOW, mode 0600, an unpredictable name), renamed at the end in the same transaction as its
AuditLog row: no half-written file is ever left, a planted link is never written through, and every
export is logged."""
from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from dataclasses import dataclass, field
from typing import IO, Any, Callable, Iterable

from models import audit, files, handbook
from models import db as dbmod
from models.handbook import Scope
from models.scope import require_unmask_export
from tui.export import columns
from tui.export.bus_sheet import write_bus_sheet
from tui.export.cells import Col, Formats
from tui.export.paths import ExportError, check_target
from tui.export.streaming import add_sheet
from tui.export.summary import records, write_summary
from tui.export.table import table

Progress = Callable[[str, float], None]

SHEETS = ("汇总", "基本情况登记表", "登记表(家庭)", "结对帮扶表", "谈心记录", "学业辅导记录", "家长联系记录", "家访记录",
          "活动记录", "待办事项", "校车")


@dataclass
class ExportResult:
    path: str
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def write_workbook(target: str | IO[bytes], scope: Scope, *, unmask: bool = False, exported_by: str = "",
                   progress: Progress | None = None, now: dt.datetime | None = None,
                   tmpdir: str | None = None) -> dict[str, int]:
    """Write the sheets (``SHEETS``) to ``target`` (a new file's path, or a binary file object); returns
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
    sizes = {
        "基本情况登记表": s.children, "登记表(家庭)": s.children, "结对帮扶表": s.pairings,
        "谈心记录": records(s, handbook.TALK_KINDS), "学业辅导记录": records(s, handbook.TUTORING_KINDS),
        "家长联系记录": records(s, handbook.PARENT_KINDS),
        "家访记录": records(s, handbook.VISIT_KINDS), "活动记录": s.activities, "待办事项": s.open_duties,
    }
    total = sum(sizes.values()) + 1
    done = 0

    wb = xlsxwriter.Workbook(target, {
        "tmpdir": tmpdir, "constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
        "strings_to_urls": False, "default_date_format": "yyyy-mm-dd",
    })
    wb.set_properties({"title": f"{scope.label} {scope.month_label} 留守儿童工作手册", "author": exported_by,
                       "company": scope.school_name, "comments": "关爱 guanai"})
    fmt = Formats(wb)
    rows: dict[str, int] = {}
    # On an exception the workbook is dropped unclosed: nothing more is written to ``path``.
    rows["汇总"] = write_summary(wb, s, fmt, exported)
    report("汇总", 1 / total)

    def sheet(name: str, cols: list[Col], data: Iterable[Any], landscape: bool, title: str | None = None,
              empty: str = "本月无记录", sign: str = "") -> None:
        nonlocal done
        report(name, (done + 1) / total)
        ws = add_sheet(wb, name)
        base = done + 1

        def tick(n: int) -> None:
            report(f"{name} {n}/{sizes[name]}", (base + n) / total)

        rows[name] = table(ws, scope, title or name, cols, data, fmt, landscape=landscape, tick=tick, empty=empty,
                           sign=sign)
        done += sizes[name]

    sheet("基本情况登记表", columns.REGISTRATION, handbook.registration_rows(scope, mask=mask), True,
          "基本情况登记表 (一) 儿童情况", empty="没有在读的留守儿童", sign=columns.REGISTRATION_SIGN)
    sheet("登记表(家庭)", columns.REGISTRATION_FAMILY, handbook.registration_rows(scope, mask=mask), True,
          "基本情况登记表 (二) 家庭与实际监护情况", empty="没有在读的留守儿童", sign=columns.REGISTRATION_SIGN)
    sheet("结对帮扶表", columns.PAIRINGS, handbook.pairing_rows(scope), True, empty="没有结对帮扶")
    sheet("谈心记录", columns.TALKS, handbook.contact_rows(scope, handbook.TALK_KINDS, mask=mask), True, "谈心记录单")
    sheet("学业辅导记录", columns.TUTORING, handbook.contact_rows(scope, handbook.TUTORING_KINDS, mask=mask), True,
          "学业辅导记录 (谈心记录单·辅导)")
    sheet("家长联系记录", columns.PARENT_CONTACTS, handbook.contact_rows(scope, handbook.PARENT_KINDS, mask=mask), True,
          "家长联系记录 (电话、书信、座谈)")
    sheet("家访记录", columns.HOME_VISITS, handbook.contact_rows(scope, handbook.VISIT_KINDS, mask=mask), True,
          "家访手记")
    sheet("活动记录", columns.ACTIVITIES, s.activity_list, True, "活动记录", empty="本月无活动")
    sheet("待办事项", columns.OPEN_DUTIES, s.duty_list, False,
          f"待办事项 (截至 {scope.duty_day:%m月%d日} 逾期、当天和一周内到期)", empty="没有逾期或一周内到期的事项")
    rows["校车"] = write_bus_sheet(wb, scope, fmt, mask=mask)
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
