"""The 县/乡镇 dashboard: one row per school of an area viewer's county or township. No textual here.

Each figure is one query over all the area's schools (``GROUP BY school``, or one pass over the rows of
one query), never one per school, so 50 schools cost what one does:

    学生        pupils 在读 today (the roster's default list, archived children never are).
    留守        left-behind children 在读 today (``duties.subject_condition``): the rows of the handbook's
                登记表 and the roster's header.
    建档率      ``roster.filing_rate`` over those rows (``roster.missing_fields``): the handbook summary's.
    结对率      of them, the children with an active 帮扶教师 or 爱心妈妈 pairing whose helper still helps
                (the handbook's 结对帮扶 counts: ``_active_on``, ``_valid_helper``).
    完成率      the month's duties up to today, done / required, summed over the rules
                (``handbook.duty_tallies``: the summary's 关爱事项 table, per school).
    逾期        the duties overdue today (``duties.open_duties``, status 逾期), per school.
    强制报告    open reports (not closed): a count, never a child or a reporter.
    辍学风险    open 控辍保学 cases (``models.dropout``: not 销号).

Who: an area viewer (``scope.is_area_viewer``), or the trusted SYSTEM viewer over every school (the
benchmark, tests). Every look is written to the audit log: the dashboard (``county``, the area) and
each drill-down into a school (``school``, its id).
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import peewee as pw

from models import audit, duties, handbook, roster, scope, terms
from models import db as dbmod
from models.child_fields import FILING_FIELDS
from models.entities import Child, Classroom, DropoutCase, Pairing, Report, School
from models.scope import ForbiddenError, Viewer

DASHBOARD_FORBIDDEN = "只有县、乡镇账号可以查看辖区学校一览"
PAIRED_KINDS = ("帮扶教师", "爱心妈妈")


@dataclass
class SchoolFigures:
    school_id: int
    name: str
    township: str
    pupils: int = 0
    left_behind: int = 0
    complete: int = 0  # 档案 with every required field, of the left-behind
    paired: int = 0  # left-behind with an active 帮扶教师 or 爱心妈妈
    required: int = 0  # the month's duties due up to today
    done: int = 0
    overdue: int = 0
    open_reports: int = 0
    open_cases: int = 0

    @property
    def filing_rate(self) -> float | None:
        return self.complete / self.left_behind if self.left_behind else None

    @property
    def pairing_rate(self) -> float | None:
        return self.paired / self.left_behind if self.left_behind else None

    @property
    def duty_rate(self) -> float | None:
        return self.done / self.required if self.required else None


FIGURES = ("pupils", "left_behind", "complete", "paired", "required", "done", "overdue", "open_reports",
           "open_cases")


@dataclass
class Dashboard:
    area: str  # 云岭县 / 青山镇, or 全部学校 for the SYSTEM viewer
    as_of: dt.date
    rows: list[SchoolFigures]
    school_ids: list[int] = field(default_factory=list)
    duties_counted: bool = False  # 完成率 and 逾期 filled (``count_duties``: the slow two)

    @property
    def total(self) -> SchoolFigures:
        total = SchoolFigures(0, "合计", "")
        for r in self.rows:
            for name in FIGURES:
                setattr(total, name, getattr(total, name) + getattr(r, name))
        return total


def _school_ids(viewer: Viewer) -> list[int]:
    if not isinstance(viewer, Viewer):
        raise TypeError("the dashboard needs a scope.Viewer")
    if not scope.sees_area_dashboard(viewer):
        raise ForbiddenError(DASHBOARD_FORBIDDEN)
    return scope.area_school_ids(viewer) if scope.is_area_viewer(viewer) else scope.report_school_ids(viewer)


def _in(ids: list[int]) -> pw.Expression:
    return Child.school.in_(ids)


def _enrolled(today: dt.date) -> pw.Expression:
    return (Child.status == "在读") | (Child.status_date > today)


def dashboard(viewer: Viewer, *, today: dt.date | None = None, audit_look: bool = True,
              duties_too: bool = True) -> Dashboard:
    """The rows of the viewer's schools (by township, then name); audited. ``duties_too=False`` leaves
    完成率 and 逾期 (most of the cost) to ``count_duties``: the screen shows the rest first."""
    today = today or dt.date.today()
    ids = _school_ids(viewer)
    rows = {sid: SchoolFigures(sid, name, township) for sid, name, township in
            School.select(School.id, School.name, School.township).where(School.id.in_(ids)).tuples()}
    if rows:
        _fill(rows, ids, today)
    ordered = sorted(rows.values(), key=lambda r: (r.township, r.name, r.school_id))
    board = Dashboard(area=viewer.area or "全部学校", as_of=today, rows=ordered, school_ids=ids)
    if duties_too:
        count_duties(board, viewer)
    if audit_look:
        with dbmod.write():
            audit.record("view", "county", None, staff_id=viewer.staff_id,
                         new={"area": board.area, "schools": len(ordered)})
    return board


def _fill(rows: dict[int, SchoolFigures], ids: list[int], today: dt.date) -> None:
    where = _in(ids)
    # 学生: 在读 today
    for sid, n in (Child.select(Child.school, pw.fn.COUNT(Child.id)).where(where & _enrolled(today))
                   .group_by(Child.school).tuples()):
        rows[sid].pupils = n
    # 留守 and 建档率: the 登记表's rows, their required fields checked as the roster does
    names = list(FILING_FIELDS)
    columns = [getattr(Child, n) for n in names]
    for values in (Child.select(Child.school, *columns).where(where & duties.subject_condition(today))
                   .tuples().iterator()):
        r = rows[values[0]]
        r.left_behind += 1
        if not roster.missing_fields(dict(zip(names, values[1:]))):
            r.complete += 1
    # 结对率: left-behind children with an active 帮扶教师 or 爱心妈妈 whose helper still helps
    for sid, n in (Pairing.select(Child.school, pw.fn.COUNT(pw.fn.DISTINCT(Child.id)))
                   .join(Child, on=(Pairing.child == Child.id))
                   .where(where & duties.subject_condition(today) & Pairing.kind.in_(PAIRED_KINDS)
                          & handbook._active_on(today) & handbook._valid_helper(today))  # noqa: SLF001 (the same rule)
                   .group_by(Child.school).tuples()):
        rows[sid].paired = n
    # 强制报告 (counts only) and 辍学风险 cases still open
    for sid, n in (Report.select(Report.school, pw.fn.COUNT(Report.id))
                   .where(Report.school.in_(ids) & Report.closed_at.is_null()).group_by(Report.school).tuples()):
        rows[sid].open_reports = n
    for sid, n in (DropoutCase.select(DropoutCase.school, pw.fn.COUNT(DropoutCase.id))
                   .where(DropoutCase.school.in_(ids) & DropoutCase.closed_on.is_null())
                   .group_by(DropoutCase.school).tuples()):
        rows[sid].open_cases = n


def count_duties(board: Dashboard, viewer: Viewer) -> Dashboard:
    """Fill 完成率 and 逾期 of the board's schools (two figures, a fixed handful of queries)."""
    if _school_ids(viewer) != board.school_ids:
        raise ForbiddenError(DASHBOARD_FORBIDDEN)
    rows = {r.school_id: r for r in board.rows}
    today, where = board.as_of, _in(board.school_ids)
    # 完成率: the month's duties up to today, as the handbook summary tallies them
    specs = [duties.RuleSpec.of(r) for r in duties.care_rules()]
    term = duties.term_for(today)
    if term is not None and specs and not any(duties.check_rule(r) for r in specs):
        tallies = handbook.duty_tallies(where, first=today.replace(day=1), as_of=today, term=term, specs=specs)
        for sid, per_rule in tallies.items():
            rows[sid].required = sum(req for _, req, _ in per_rule.values())
            rows[sid].done = sum(done for _, _, done in per_rule.values())
    # 逾期: today's overdue duties of the area's children
    overdue = Counter(d.classroom_id for d in duties.open_duties(today, viewer=viewer, horizon_days=0)
                      if d.status == duties.OVERDUE)
    if overdue:
        room_school = dict(Classroom.select(Classroom.id, Classroom.school)
                           .where(Classroom.id.in_([c for c in overdue if c is not None])).tuples())
        for room, n in overdue.items():
            sid = room_school.get(room)
            if sid in rows:
                rows[sid].overdue += n
    board.duties_counted = True
    return board


# --------------------------------------------------------------------------- the drill-down


def drill_down(viewer: Viewer, school_id: int) -> Viewer:
    """The area viewer narrowed to one of its schools (``scope.school_viewer``: that school's roster,
    masked and read-only), the look written to the audit log."""
    narrowed = scope.school_viewer(viewer, school_id)
    with dbmod.write():
        audit.record("view", "school", school_id, staff_id=viewer.staff_id, new={"area": viewer.area})
    return narrowed


def school_summary(viewer: Viewer, *, today: dt.date | None = None) -> handbook.Summary:
    """The handbook summary (汇总) of the month so far for the school a drilled-down area viewer
    (``drill_down``) looks at: the same numbers its head reads, the children masked and counted only."""
    today = today or dt.date.today()
    if not scope.is_area_viewer(viewer) or viewer.school_id is None:
        raise ForbiddenError("请先在学校一览中选择一所学校")
    school = School.get_by_id(viewer.school_id)
    head = scope.school_head(school.id)
    s = handbook.Scope(school_id=school.id, school_name=school.name, county=school.county or "",
                       classroom_id=None, class_name="", teacher_label="校长", teacher=head.name if head else "",
                       year=today.year, month=today.month, as_of=today, viewer=viewer)
    return handbook.summary(s)


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"  # ASCII: "—" is two cells in some terminals
