"""控辍保学 on paper: the school's monthly 控辍保学 sheet (the paper 月报's columns: 序号, 姓名, 性别,
班级, 身份证号, 辍学/缺课起始日期, 原因, 劝返次数, 劝返责任人, 状态, then 返校日期; below, the counts
by class) and a case's 书面报告 draft as a text file. Rows from ``models.dropout``, which checks who
may have them (``models.scope``); 身份证号 masked unless ``unmask`` (admin only, as the handbook).
Written like the handbook: a private temporary file renamed into place with its audit row, the row
naming the month or the case and the file, never a child. No textual."""
from __future__ import annotations

import datetime as dt
from typing import IO

from models import audit, dropout, scope
from models.entities import Classroom, School
from models.masking import mask_id
from tui.export.cells import Formats
from tui.export.layout import one_sheet_workbook, page_setup, plain_title_rows, set_widths
from tui.export.publish import publish
from tui.export.paths import ExportError, check_target, safe_part
from tui.export.table import Form

COLS = (("序号", 4.5, "int"), ("姓名", 7, "center"), ("性别", 4.5, "center"), ("班级", 9, "center"),
        ("身份证号", 19, "text"), ("辍学/缺课起始日期", 11, "date"), ("原因", 8, "center"), ("劝返次数", 7.5, "int"),
        ("劝返责任人", 26, "wrap"), ("状态", 8, "center"), ("返校日期", 10, "date"))
SIGN = "填表人: __________    校长签字: __________    (学校盖章)    日期: ______年____月____日"


def write_sheet(target: IO[bytes], sheet: dropout.MonthSheet, *, school_name: str, scope_label: str,
                month_label: str, unmask: bool = False, printed_by: str = "", now: dt.datetime | None = None) -> None:
    """One A4 landscape sheet: the cases of the month, then the counts by class."""
    now = (now or dt.datetime.now()).replace(microsecond=0)
    wb = one_sheet_workbook(target, "控辍保学月报", printed_by)
    fmt = Formats(wb)
    ws = wb.add_worksheet("控辍保学月报")
    widths = [w for _, w, _ in COLS]
    set_widths(ws, widths)
    page_setup(ws, widths=widths, landscape=True, header_row=2)
    form = Form(ws, widths, fmt)
    open_now = sum(r.status != dropout.CLOSED for r in sheet.rows)
    plain_title_rows(ws, len(widths), fmt, f"{month_label} 控辍保学工作月报表",
                     f"学校: {school_name}    范围: {scope_label}    在案 {len(sheet.rows)} 人, 月末未返校 "
                     f"{open_now} 人    打印: {now:%Y-%m-%d %H:%M}" + (f" {printed_by}" if printed_by else ""))
    form.r = 2
    form.header([label for label, _, _ in COLS])
    for i, r in enumerate(sheet.rows, 1):
        number = r.id_number if unmask else mask_id(r.id_number)
        values = [i, r.child_name, r.sex, r.class_name, number or "", r.first_absent, r.reason, r.attempts,
                  r.responsible, r.status, r.closed_on or ""]
        form.line([(value, kind) for value, (_, _, kind) in zip(values, COLS)])
    if not sheet.rows:
        ws.merge_range(form.r, 0, form.r, len(widths) - 1, "", fmt.empty)
        ws.write_string(form.r, 0, "本月没有辍学风险 (连续缺课超过 3 个上学日) 的学生", fmt.empty)
        form.skip()
    form.skip()
    if sheet.classes:  # by class, one line each: the month's counts
        form.merged("分班统计", fmt.header, 20)
        for k in sheet.classes:
            form.merged(f"{k.class_name}: 月末在案 {k.open_at_end} 人, 本月新增 {k.opened} 人, 本月返校 {k.closed} 人, "
                        f"本月劝返 {k.attempts} 次", fmt.note, 18)
        form.skip()
    form.merged("连续缺课超过 3 个上学日 (周末、节假日和寒暑假不计) 即列为辍学风险, 由关爱按缺课登记计算; "
                "劝返无效达到规定次数的, 向乡镇人民政府书面报告; 学生返校即销号。", fmt.note, 30)
    form.merged(SIGN, fmt.sign, 24)
    wb.close()


def _write(path: str, force: bool, body, audit_row: dict, table: str, row_id: int, viewer: scope.Viewer,
           suffix: str = ".xlsx") -> str:
    path = check_target(path, force=force, suffix=suffix)
    publish(path, force=force, write=body,
            record=lambda: audit.record("export", table, row_id, staff_id=viewer.staff_id,
                                        new={**audit_row, "file": path}))
    return path


def export_sheet(school_id: int, year: int, month: int, path: str, *, viewer: scope.Viewer,
                 class_name: str | None = None, unmask: bool = False, force: bool = False,
                 now: dt.datetime | None = None) -> str:
    """The month's 控辍保学 sheet of the school (admin, head) or of a class (also its 班主任) to
    ``path``; ``ForbiddenError`` before any file is touched."""
    if unmask:
        scope.require_unmask_export(viewer)
    room = None
    if class_name:
        room = Classroom.get_or_none((Classroom.school == school_id) & (Classroom.name == class_name))
        if room is None:
            raise ExportError(f"没有这个班级: {class_name}")
    sheet = dropout.monthly_sheet(year, month, viewer=viewer, school_id=school_id,
                                  classroom_id=room.id if room else None)
    label = class_name or "全校"
    school = School.get_by_id(school_id)
    return _write(path, force, lambda f: write_sheet(f, sheet, school_name=school.name, scope_label=label,
                                                     month_label=f"{year}年{month}月", unmask=unmask,
                                                     printed_by=viewer.name, now=now),
                  {"month": f"{year}-{month:02d}", "scope": label, "rows": len(sheet.rows), "unmask": unmask},
                  "dropout_case", 0, viewer)


def export_report(case_id: int, path: str, *, viewer: scope.Viewer, force: bool = False,
                  today: dt.date | None = None) -> str:
    """A case's 书面报告 draft as a UTF-8 text file (with a BOM, so Notepad and WPS open it) to print
    and sign; whoever follows the case (``ForbiddenError`` otherwise, before any file)."""
    text = dropout.report_text(case_id, viewer=viewer, today=today)
    body = ("\ufeff" + text.replace("\n", "\r\n") + "\r\n").encode("utf-8")
    return _write(path, force, lambda f: f.write(body), {"report": case_id}, "dropout_case", case_id, viewer,
                  suffix=".txt")


def default_name(year: int, month: int, class_name: str | None = None) -> str:
    return f"控辍保学月报_{safe_part(class_name or '', '全校')}_{year}-{month:02d}.xlsx"


def default_report_name(case_id: int) -> str:
    return f"辍学书面报告_{case_id}.txt"
