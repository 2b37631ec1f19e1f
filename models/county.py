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
    逾期        the care rules' duties overdue today (``duties.open_duties`` status 逾期, rule by rule): the
                sum of the 逾期 column of the school's handbook summary (关爱事项), as its head reads it.
                The 待办 list holds more overdue items (跟进, 关注复查, 强制报告待确认, 缺课核实 …):
                those are not 关爱事项, and 强制报告 and 辍学风险 have their own columns here.
    强制报告    open reports (not closed): a count, never a child or a reporter.
    辍学风险    open 控辍保学 cases (``models.dropout``: not 销号).

Who: an area viewer (``scope.is_area_viewer``), or the trusted SYSTEM viewer over every school (the
benchmark, tests). Every look is written to the audit log: the dashboard (``county``, the area) and
each drill-down into a school (``school``, its id).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import peewee as pw

from models import audit, duties, handbook, roster, scope, terms
from models import db as dbmod
from models.child_fields import FILING_FIELDS
from models.entities import Child, Contact, DropoutCase, Pairing, Report, School, Staff
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
    counted: frozenset = frozenset()  # which of DUTY_PARTS are in

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


DUTY_PARTS = ("rate", "overdue")  # 完成率 (required, done) and 逾期: the two costly figures


def count_duties(board: Dashboard, viewer: Viewer, *, parts: tuple[str, ...] = DUTY_PARTS) -> Dashboard:
    """Fill 完成率 (``parts`` "rate") and 逾期 ("overdue") of the board's schools (``duty_counts``)."""
    if _school_ids(viewer) != board.school_ids:
        raise ForbiddenError(DASHBOARD_FORBIDDEN)
    for part in parts:
        apply_counts(board, part, duty_counts(viewer, board.as_of, part))
    return board


def apply_counts(board: Dashboard, part: str, counts: dict[int, tuple[int, ...]]) -> None:
    """Put one part's figures (``duty_counts``) into the board's rows; the board is complete (and
    ``duties_counted``) once both parts are in."""
    for r in board.rows:
        if part == "rate":
            r.required, r.done = counts.get(r.school_id, (0, 0))
        else:
            (r.overdue,) = counts.get(r.school_id, (0,))
    board.counted = board.counted | {part}
    board.duties_counted = board.counted >= set(DUTY_PARTS)


def duty_counts(viewer: Viewer, today: dt.date, part: str) -> dict[int, tuple[int, ...]]:
    """One of the duties' figures for the viewer's schools: "rate" (required, done), the month's duties up
    to today as the handbook summary tallies them (``handbook.duty_tallies``), or "overdue" (n,)
    (``overdue_counts``). Each school in its own term (``terms.terms_at``: its 开学/放假 from the 行事历, one
    query for all); one query set per figure per distinct term (a county's schools share one). Needs
    no board: the screen runs both parts beside the other figures, each in its own thread."""
    if part not in DUTY_PARTS:
        raise ValueError(f"unknown part {part!r}")
    ids = _school_ids(viewer)
    specs = [duties.RuleSpec.of(r) for r in duties.care_rules()]
    if not ids or not specs or any(duties.check_rule(r) for r in specs):
        return {}
    by_term: dict[terms.Term, list[int]] = defaultdict(list)
    for sid, term in terms.terms_at(today, ids).items():
        if term is not None:  # 寒假, 暑假: no duty falls due
            by_term[term].append(sid)
    if part == "overdue":
        return {sid: (n,) for sid, n in overdue_counts(by_term, today, specs).items()} if by_term else {}
    out = {}
    for term, group in by_term.items():
        tallies = handbook.duty_tallies(_in(group), first=today.replace(day=1), as_of=today, term=term, specs=specs)
        for sid, per_rule in tallies.items():
            out[sid] = (sum(req for _, req, _ in per_rule.values()), sum(done for _, _, done in per_rule.values()))
    return out


def overdue_counts(by_term: dict, today: dt.date, specs: list) -> dict[int, int]:
    """逾期 per school: the care rules' duties overdue today (``duties.open_duties`` status 逾期, rule by
    rule) — what the handbook summary's 关爱事项 table sums, as the school's head sees it (需要关注 cadences
    included). Not the 跟进, 关注复查, 强制报告 and 控辍保学 items of the 待办 list: those have columns or
    lists of their own. One query: the last reached contact per child and kind (and per paired helper), a
    step down the (child, kind, at, staff) index each (migration 0017), the children read once
    (MATERIALIZED), then each rule's deadline test as SQL over them (``duties.due_date``):

        not met since the duty period began:  overdue when the period began on or before A
        met on day m (m >= the period start):  overdue when m <= B
        interval rules: A = B = today - interval - 1; RRULE rules: A = the last deadline before today,
        B = the one before it (a contact covers the next deadline on or after it); per-term: never (due
        on the term's last day, and today is in the term).

    ``by_term``: the schools (ids) of each term, as ``duty_counts`` groups them."""
    lo = dt.datetime.combine(min(t.start for t in by_term), dt.time())
    hi = dt.datetime.combine(today + dt.timedelta(days=1), dt.time())
    plain_kinds = sorted({r.contact_kind for r in specs if not r.helper_kind and not r.per_term})
    helper_keys = sorted({(r.helper_kind, r.contact_kind) for r in specs if r.helper_kind and not r.per_term})
    ids = sorted(sid for group in by_term.values() for sid in group)
    key_only = {ck: all(r.applies_to == "key_target" for r in specs if not r.helper_kind and r.contact_kind == ck)
                for ck in plain_kinds}

    def latest(ck: str, child, staff=None) -> pw.Node:
        """The last reached contact of kind ``ck`` with the child (by ``staff``) in [lo, hi): a short walk
        of the (child, kind, at, staff) index (migration 0017)."""
        lc = Contact.alias("od_contact")
        cond = (lc.child == child) & (lc.kind == ck) & (lc.reached == True) & (lc.at >= lo) & (lc.at < hi)  # noqa: E712
        if staff is not None:
            cond &= lc.staff == staff
        return lc.select(pw.fn.MAX(lc.at)).where(cond)

    # the children the duties are of (``duties.subject_condition``), each with its last contact per plain
    # kind: computed once (MATERIALIZED), however many rules read them
    kid_cols = [Child.id.alias("id"), Child.school.alias("school"), Child.key_target.alias("key_target"),
                Child.attention_level.alias("attention_level"), Child.attention_review_on.alias("attention_review_on"),
                Child.attention_since.alias("attention_since")]
    for i, ck in enumerate(plain_kinds):
        walk = latest(ck, Child.id)
        kid_cols.append((pw.Case(None, [(Child.key_target == True, walk)], None) if key_only[ck]  # noqa: E712
                         else walk).alias(f"p{i}"))
    kids = (Child.select(*kid_cols).where(_in(ids) & duties.subject_condition(today))
            .cte("od_kids", materialized=True))
    c = kids.c
    last: dict = {ck: c[f"p{i}"] for i, ck in enumerate(plain_kinds)}
    started: dict[str, pw.Node] = {}
    helper = None
    if helper_keys:
        hp, hs = Pairing.alias("od_pairing"), Staff.alias("od_staff")
        hkinds = sorted({hk for hk, _ in helper_keys})
        cols = [pw.fn.MIN(pw.Case(None, [(hp.kind == hk, hp.started_on)], None)).alias(f"s{i}")
                for i, hk in enumerate(hkinds)]
        cols += [pw.fn.MAX(pw.Case(None, [(hp.kind == hk, latest(ck, hp.child, hp.staff))], None)).alias(f"h{j}")
                 for j, (hk, ck) in enumerate(helper_keys)]
        helper = (hp.select(hp.child.alias("cid"), *cols)
                  .join(hs, on=(hp.staff == hs.id))
                  .where(hp.kind.in_(hkinds) & hp.staff.is_null(False) & (hp.started_on <= today)
                         & (hp.ended_on.is_null() | (hp.ended_on > today)) & (hs.active == True)  # noqa: E712
                         & hp.child.in_(kids.select(kids.c.id)))
                  .group_by(hp.child).alias("od_helper"))
        started.update({hk: helper.c[f"s{i}"] for i, hk in enumerate(hkinds)})
        last.update({key: helper.c[f"h{j}"] for j, key in enumerate(helper_keys)})

    labelled = (c.attention_level != "") | c.attention_review_on.is_null(False)
    since_counts = labelled & c.attention_since.is_null(False)  # a confirmed child's tighter cadences

    def rule_flag(rule, term: terms.Term) -> pw.Node | None:
        if rule.per_term:
            return None
        if (rule.rrule or "").strip():
            before = [d for d in duties.occurrences(rule, term) if d < today]
            a = before[-1] if before else None
            b = before[-2] if len(before) > 1 else None
        else:
            a = b = today - dt.timedelta(days=rule.interval_days + 1)
        if a is None or a < term.start:
            return None  # no deadline has passed in the term yet
        applies = pw.SQL("1 = 1")
        if rule.applies_to == "key_target":
            applies = c.key_target == True  # noqa: E712
        elif rule.applies_to in duties.ATTENTION_LEVELS:
            applies = c.attention_level == duties.ATTENTION_LEVELS[rule.applies_to]
        term_lo = dt.datetime.combine(term.start, dt.time())
        if rule.helper_kind:
            first = started[rule.helper_kind]
            at = last[(rule.helper_kind, rule.contact_kind)]
            applies &= first.is_null(False)
            met = at.is_null(False) & (at >= term_lo) & (at >= first)
            begun = first <= a
        else:
            at = last[rule.contact_kind]
            met = at.is_null(False) & (at >= term_lo)
            begun = pw.SQL("1 = 1")
            if rule.applies_to != "all":
                met &= ~since_counts | (at >= c.attention_since)
                begun = ~since_counts | (c.attention_since <= a)
        late = (met & (at < dt.datetime.combine(b + dt.timedelta(days=1), dt.time()))) if b is not None \
            else pw.SQL("1 = 0")
        return pw.Case(None, [(applies & ((~met & begun) | late), 1)], 0)

    branches = []
    for term, group in by_term.items():
        flags = [f for f in (rule_flag(r, term) for r in specs) if f is not None]
        if flags:
            total = flags[0]
            for f in flags[1:]:
                total = total + f
            branches.append((c.school.in_(sorted(group)), total))
    if not branches:
        return {}
    q = kids.select_from(c.school, pw.fn.SUM(pw.Case(None, branches, 0)))
    if helper is not None:
        q = q.join(helper, pw.JOIN.LEFT_OUTER, on=(helper.c.cid == c.id))
    q = q.group_by(c.school).with_cte(kids)
    return {sid: int(n or 0) for sid, n in q.tuples()}


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
