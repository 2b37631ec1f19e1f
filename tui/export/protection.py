"""强制报告 on paper: the one-page 报告单 of one report (A4 portrait at 100 %) and the term's
强制报告登记台账 (A4 landscape). Rows from ``models.protection``, which checks who may see them
(reporter, head, counselor; the register head and counselor only) and audits the look; the file is
written like the handbook (a private temporary file renamed into place in the same transaction as
its audit row), the audit row naming the report and the file, never the facts. No textual."""
from __future__ import annotations

import datetime as dt
import os
from typing import IO

from models import audit, protection, rules, scope
from models.entities import Report, School
from tui.export.cells import Formats, write_cell
from tui.export.layout import one_sheet_workbook, page_setup, plain_title_rows, set_widths
from tui.export.measure import LINE_PT, MAX_ROW_PT, merged_lines
from tui.export.publish import publish
from tui.export.paths import check_target
from tui.export.table import Form

FORM_WIDTHS = (15, 27, 13, 27)  # label, value, label, value: A4 portrait at 100 %
FORM_SIGN = "报告人签字: __________    校长签字: __________    日期: ______年____月____日"
# times as 月-日 时:分 (the register is one term's): a full date and time does not fit a column that
# leaves room for the 处置结果, and LibreOffice prints ### for a number wider than its cell
REGISTER_COLS = (("序号", 4.5, "int"), ("发现时间", 11, "daytime"), ("儿童", 7, "center"), ("班级", 8, "center"),
                 ("情形", 14, "wrap"), ("报告途径", 10, "wrap"), ("报警时间", 11, "daytime"), ("接警单位/回执号", 13, "wrap"),
                 ("校长确认", 11, "daytime"), ("已告知", 11, "wrap"), ("处置结果", 16, "wrap"), ("报告人", 7, "center"))
# the 报告单's long texts, in printed lines at most, so that the form stays one A4 page at 100 %
FORM_LINES = {"事实": 16, "判断": 6, "处置结果": 6}


def _when(t: dt.datetime | None):
    return t if t is not None else ""


def write_report_form(target: IO[bytes], view: protection.ReportView, *, school_name: str, printed_by: str = "",
                      now: dt.datetime | None = None) -> None:
    """The 报告单 of ``view`` on one A4 portrait page: every statutory situation with a tick for those
    found, facts and opinion in their own rows, the path with the police's time, unit and receipt,
    the head's confirmation, who was told, the outcome, and the signature line."""
    now = (now or dt.datetime.now()).replace(microsecond=0)
    wb = one_sheet_workbook(target, "强制报告单", printed_by)
    fmt = Formats(wb)
    ws = wb.add_worksheet("报告单")
    set_widths(ws, FORM_WIDTHS)
    page_setup(ws, widths=list(FORM_WIDTHS), landscape=False, header_row=None)
    form = Form(ws, FORM_WIDTHS, fmt)
    plain_title_rows(ws, len(form.widths), fmt, "侵害未成年人案件强制报告单",
                     f"学校: {school_name}    编号: {view.id}    打印: {now:%Y-%m-%d %H:%M}"
                     + (f" {printed_by}" if printed_by else ""))
    label = fmt.header

    def pair(l1: str, v1, k1: str, l2: str, v2, k2: str) -> None:
        ws.write_string(form.r, 0, l1, label)
        ws.write_string(form.r, 2, l2, label)
        ws.set_row(form.r, 30 if "\n" in l1 + l2 else 20)  # a two-line label
        write_cell(ws, form.r, 1, v1, k1, fmt)
        write_cell(ws, form.r, 3, v2, k2, fmt)
        form.skip()

    def wide(l1: str, text: str, min_lines: int = 1) -> None:
        """A label and a text over the three other columns; a text longer than the page allows
        (``FORM_LINES``) is whole in the cell, printed up to that height with a note to read on."""
        px = sum(FORM_WIDTHS[1:]) * 7 + 15
        lines = max(min_lines, merged_lines(text or " ", px))
        cap = FORM_LINES.get(l1.split("\n")[0])
        if cap and lines > cap:
            text, lines = f"(全文较长, 打印只显示开头; 全文见关爱系统报告单 #{view.id})\n{text}", cap
        ws.write_string(form.r, 0, l1, label)
        form.merged(text or "", fmt.kinds["wrap"], min(MAX_ROW_PT, 6 + lines * LINE_PT), first=1)

    pair("儿童姓名", view.child_name, "center", "班级", view.class_name, "center")
    pair("发现时间", _when(view.found_at), "datetime", "报告人", view.reporter, "center")
    ticks = "    ".join(("[√] " if s in view.situations else "[  ] ") + s for s in rules.REPORT_SITUATIONS)
    wide("发现的情形\n(可疑即报)", ticks, 3)
    wide("事实\n(看到、听到的)", view.facts, 6)
    wide("判断\n(报告人的看法)", view.opinion, 3)
    ws.write_string(form.r, 0, "报告途径", label)
    paths = "    ".join(("[√] " if key == view.path else "[  ] ") + text for key, text in rules.REPORT_PATHS.items())
    form.merged(paths, fmt.kinds["wrap"], 20, first=1)
    pair("报警时间", _when(view.police_at), "datetime", "接警单位", view.police_unit, "wrap")
    pair("回执号", view.receipt_no, "code", "状态", view.state, "center")
    pair("校长确认", view.confirmed_by, "center", "确认时间", _when(view.confirmed_at), "datetime")
    pair("已告知民政/\n村儿童主任", view.notified, "wrap", "告知时间", _when(view.notified_at), "datetime")
    wide("处置结果", view.outcome, 3)
    pair("结案时间", _when(view.closed_at), "datetime", "", "", "text")
    form.skip()
    form.merged(FORM_SIGN, fmt.sign, 24, first=0)
    form.merged("本报告单含报告人身份, 仅限报告人、校长和心理咨询室教师查阅, 请妥善保管。", fmt.note, 16, first=0)
    wb.close()


def write_register(target: IO[bytes], views: list[protection.ReportView], *, school_name: str, term_label: str,
                   printed_by: str = "", now: dt.datetime | None = None) -> None:
    """强制报告登记台账: one row per report of the term, oldest first (A4 landscape at 100 %)."""
    now = (now or dt.datetime.now()).replace(microsecond=0)
    wb = one_sheet_workbook(target, "强制报告登记台账", printed_by)
    fmt = Formats(wb)
    ws = wb.add_worksheet("强制报告登记台账")
    widths = [w for _, w, _ in REGISTER_COLS]
    set_widths(ws, widths)
    page_setup(ws, widths=widths, landscape=True, header_row=2)
    form = Form(ws, widths, fmt)
    plain_title_rows(ws, len(form.widths), fmt, f"{term_label} 强制报告登记台账",
                     f"学校: {school_name}    共 {len(views)} 份    打印: {now:%Y-%m-%d %H:%M}"
                     + (f" {printed_by}" if printed_by else ""))
    form.r = 2
    form.header([label for label, _, _ in REGISTER_COLS])
    for i, v in enumerate(views, 1):
        police = "; ".join(p for p in (v.police_unit, v.receipt_no) if p)
        told = " ".join(p for p in (v.notified, f"{v.notified_at:%m-%d %H:%M}" if v.notified_at else "") if p)
        values = [i, v.found_at, v.child_name, v.class_name, "、".join(v.situations), v.path_label,
                  _when(v.police_at), police, _when(v.confirmed_at), told,
                  v.outcome + (f" (已结案 {v.closed_at:%m-%d})" if v.closed_at else ""), v.reporter]
        form.line([(value, kind) for value, (_, _, kind) in zip(values, REGISTER_COLS)])
    if not views:
        ws.merge_range(form.r, 0, form.r, len(widths) - 1, "", fmt.empty)
        ws.write_string(form.r, 0, "本学期没有强制报告", fmt.empty)
        form.skip()
    form.skip()
    form.merged("填表人: __________    校长签字: __________    日期: ______年____月____日", fmt.sign, 24)
    wb.close()


def _publish(path: str, force: bool, write, audit_row: dict, row_id: int, staff_id: int | None) -> str:
    path = check_target(path, force=force)
    publish(path, force=force, write=write,
            record=lambda: audit.record("export", "report", row_id, staff_id=staff_id, new={**audit_row, "file": path}))
    return path


def export_report_form(report_id: int, path: str, *, viewer: scope.Viewer, force: bool = False,
                       now: dt.datetime | None = None) -> str:
    """Print one 报告单 to ``path`` (.xlsx): its reporter, the head or the counselor (``ForbiddenError``
    for anyone else, before any file is touched)."""
    view = protection.report_detail(report_id, viewer=viewer)
    school = School.get_by_id(Report.get_by_id(report_id).school_id)
    return _publish(path, force, lambda fh: write_report_form(fh, view, school_name=school.name,
                                                              printed_by=viewer.name, now=now),
                    {"form": report_id}, report_id, viewer.staff_id)


def export_register(school_id: int, lo: dt.date, hi: dt.date, term_label: str, path: str, *, viewer: scope.Viewer,
                    force: bool = False, now: dt.datetime | None = None) -> str:
    """The 强制报告登记台账 of [lo, hi] to ``path``: the head and the counselor only."""
    views = protection.register_rows(school_id, lo, hi, viewer=viewer)
    school = School.get_by_id(school_id)
    return _publish(path, force, lambda fh: write_register(fh, views, school_name=school.name, term_label=term_label,
                                                           printed_by=viewer.name, now=now),
                    {"register": term_label, "reports": len(views)}, 0, viewer.staff_id)


def default_form_name(report_id: int) -> str:
    return os.path.join(os.getcwd(), f"强制报告单_{report_id}.xlsx")
