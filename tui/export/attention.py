"""The counselor's monthly 预警与干预 sheet (需要关注): every decision of the month on the list —
confirmed (红/黄, review date) or dismissed (reason) — with the reasons it answered, the month's
reached contacts with the child (the 干预) and the child's level at month end; A4 landscape at
100 %. Rows from ``models.attention.monthly_sheet``, which checks who may see labels
(``models.scope.require_attention``); written like the handbook (a private temporary file renamed
into place with its audit row, the row naming the month and the file, never a child). No textual."""
from __future__ import annotations

import datetime as dt
from typing import IO

from models import attention, audit, scope
from models.entities import Classroom, School
from tui.export.cells import Formats
from tui.export.layout import one_sheet_workbook, page_setup, plain_title_rows, set_widths
from tui.export.publish import publish
from tui.export.paths import ExportError, check_target
from tui.export.table import Form

COLS = (("序号", 4.5, "int"), ("日期", 10, "date"), ("儿童", 7, "center"), ("班级", 8, "center"),
        ("决定", 5, "center"), ("级别", 5, "center"), ("复查日期", 10, "date"), ("预警原因", 28, "wrap"),
        ("说明/排除理由", 16, "wrap"), ("本月干预 (已接通的记录)", 14, "wrap"), ("决定人", 7, "center"),
        ("月末", 6, "center"))
SIGN = "心理咨询室教师: __________    校长签字: __________    日期: ______年____月____日"


def write_sheet(target: IO[bytes], rows: list[attention.SheetRow], *, school_name: str, scope_label: str,
                month_label: str, printed_by: str = "", now: dt.datetime | None = None) -> None:
    """One sheet: the month's decisions, oldest first, and the counts above them."""
    now = (now or dt.datetime.now()).replace(microsecond=0)
    wb = one_sheet_workbook(target, "预警与干预", printed_by)
    fmt = Formats(wb)
    ws = wb.add_worksheet("预警与干预")
    widths = [w for _, w, _ in COLS]
    set_widths(ws, widths)
    page_setup(ws, widths=widths, landscape=True, header_row=2)
    form = Form(ws, widths, fmt)
    confirmed = [r for r in rows if r.decision == attention.DECISION_WORDS[attention.CONFIRM]]
    counts = (f"确认 {len(confirmed)} (红 {sum(r.level == '红' for r in confirmed)} "
              f"黄 {sum(r.level == '黄' for r in confirmed)})  排除 {len(rows) - len(confirmed)}")
    plain_title_rows(ws, len(widths), fmt, f"{month_label} 留守儿童预警与干预记录表",
                     f"学校: {school_name}    范围: {scope_label}    {counts}    打印: {now:%Y-%m-%d %H:%M}"
                     + (f" {printed_by}" if printed_by else ""))
    form.r = 2
    form.header([label for label, _, _ in COLS])
    for i, r in enumerate(rows, 1):
        values = [i, r.day, r.child, r.class_name, r.decision, r.level, r.review_on or "", r.reasons.replace("\n", "; "),
                  r.note, r.contacts, r.by, r.now or "—"]
        form.line([(value, kind) for value, (_, _, kind) in zip(values, COLS)])
    if not rows:
        ws.merge_range(form.r, 0, form.r, len(widths) - 1, "", fmt.empty)
        ws.write_string(form.r, 0, "本月没有确认或排除需要关注的孩子", fmt.empty)
        form.skip()
    form.skip()
    form.merged("预警原因由关爱按规则从谈心记录、电话记录、监护情况评估和待办计算 (guanai rules 可查看规则); "
                "名单和本表只限班主任 (本班)、心理咨询室教师、校长和管理员查阅。", fmt.note, 30)
    form.merged(SIGN, fmt.sign, 24)
    wb.close()


def export_sheet(school_id: int, year: int, month: int, path: str, *, viewer: scope.Viewer,
                 class_name: str | None = None, force: bool = False, now: dt.datetime | None = None) -> str:
    """The month's 预警与干预 sheet of the children whose labels the viewer sees (a class teacher: her
    class; ``class_name`` narrows it) to ``path``; ``ForbiddenError`` before any file is touched."""
    scope.require_attention(viewer)
    rows = attention.monthly_sheet(year, month, viewer=viewer, school_id=school_id)
    label = "全校" if scope.sees_attention_of_school(viewer) else "本班"
    if class_name:
        room = Classroom.get_or_none((Classroom.school == school_id) & (Classroom.name == class_name))
        if room is None:
            raise ExportError(f"没有这个班级: {class_name}")
        rows, label = [r for r in rows if r.class_name == class_name], class_name
    school = School.get_by_id(school_id)
    path = check_target(path, force=force)
    publish(path, force=force,
            write=lambda fh: write_sheet(fh, rows, school_name=school.name, scope_label=label,
                                         month_label=f"{year}年{month}月", printed_by=viewer.name, now=now),
            record=lambda: audit.record("export", "attention", 0, staff_id=viewer.staff_id,
                                        new={"month": f"{year}-{month:02d}", "scope": label, "rows": len(rows),
                                             "file": path}))
    return path


def default_name(year: int, month: int) -> str:
    return f"预警与干预_{year}-{month:02d}.xlsx"
