"""The report pack that goes upward (上报): a month's or a term's counts of a school, or of the
schools of a county, by both official definitions, with the changes since the previous report.

Two definitions of a 留守儿童, counted side by side (they differ, and the offices reconcile them):
    民政口径     under 16 at the period's end, and both parents away, or one away and the other
                unable to guard (deceased — "—" on the form —, or marked 无监护能力: 留守类型
                一方外出另一方无监护能力 or 监护类型 父或母无监护能力; 服刑 and the like are marked so);
    教育统计口径  one or both parents away for at least ``AWAY_MONTHS`` (6) months at the period's end,
                by the parent's 外出时间 (``Parent.away_since``); a parent away without that date is not
                counted (the 汇总 says how many such children there are, to be completed).
With no parent recorded at all, the child's 留守类型 says who is away (父母均外出: both; another
type: one) and no 外出时间 is known.
A parent is away when marked 在外务工, not deceased, and gone by the period's end. Ages are at the
period's end (16 on that day is no longer under 16). The children counted are those on the roll
(在读, and 辍学 still followed by 控辍保学), not archived.

Figures: 汇总 (both definitions), 年龄段 (0-5, 6-13, 14-16, as the registration form's summary table),
监护类型 (the form's five), 困境儿童 by category (a child counts in each of its 困境类别; the distinct
children too), the 控辍保学 sheet (``models.dropout.monthly_sheet``, month by month over a term) and
本期变动清单: the children counted (留守 by either definition, 困境, or a 控辍保学 case) compared with the
snapshot of the previous report of the same scope (the newest whose period ends earlier): new, exited,
changed. Each pack's facts are stored (``save_snapshot``) for the next one to compare with.

One query per figure over the whole set (a per-child subquery, grouped by school and the figure's key),
never one per child: a county of 20,000 children in 50 schools is the same queries. Who may have which
schools is ``models.scope.report_school_ids``. No textual, no xlsxwriter.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field

import peewee as pw
from dateutil.relativedelta import relativedelta

from models import dropout, handbook, scope, terms
from models.child_fields import DIFFICULTY_CATEGORIES
from models.entities import (MULTI_SEP, Child, Classroom, DropoutAttempt, DropoutCase, Parent, ReportSnapshot,
                             School)
from models.errors import UserError
from models.rules import GUARDIANSHIP_TYPES

AWAY_MONTHS = 6  # 教育统计口径: away this many months or more
AGE_LIMIT = 16  # 民政口径: under 16
BOTH_AWAY = "父母均外出"  # 留守类型 of a child both of whose parents are away
UNABLE_LEFT_BEHIND = "一方外出另一方无监护能力"  # 留守类型 marking the parent at home as unable
UNABLE_GUARDIANSHIP = "父或母无监护能力"  # 监护类型 marking the same
ON_ROLL = ("在读", "辍学")
AGE_BANDS = ("0-5岁", "6-13岁", "14-16岁")
OLDER, NO_BIRTH = "17岁及以上", "出生日期未填"
BANDS = (*AGE_BANDS, OLDER, NO_BIRTH)
NO_TYPE = "未填"
DEFINITIONS = ("民政口径", "教育统计口径")
NEW, EXITED, CHANGED = "新增", "退出", "变更"


class ReportError(UserError, ValueError):
    """A period or a scope that cannot be reported (message for the user)."""


# --------------------------------------------------------------------------- the period


@dataclass(frozen=True)
class Period:
    label: str  # 2026年11月 / 2026年秋季学期
    key: str  # 2026-11 / 2026年秋季学期: what the snapshot keeps
    first: dt.date
    last: dt.date

    @property
    def months(self) -> list[tuple[int, int]]:
        out, y, m = [], self.first.year, self.first.month
        while (y, m) <= (self.last.year, self.last.month):
            out.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


def month_period(text: str, *, today: dt.date | None = None) -> Period:
    """'2026-11' as a period; ``ReportError`` for a bad or future month."""
    try:
        year, month = handbook.parse_month(text, today=today)
    except handbook.HandbookError as exc:
        raise ReportError(str(exc)) from None
    first, last = dropout.month_bounds(year, month)
    return Period(f"{year}年{month}月", f"{year:04d}-{month:02d}", first, last)


_TERM = re.compile(r"\s*(\d{4})\s*年?\s*(春|秋)(?:季)?(?:学期)?\s*")


def term_period(text: str, *, school_id: int | None = None, today: dt.date | None = None) -> Period:
    """'2026年秋季学期' (or 2026秋, 2026秋季) as the school's term (``models.terms``, the one term model);
    one not begun yet is refused (a term under way counts to its last day, ages at that day)."""
    m = _TERM.fullmatch(text or "")
    if not m:
        raise ReportError(f"学期应写作 如 2026年秋季学期 或 2026秋: {text}")
    name = terms.SPRING if m.group(2) == "春" else terms.AUTUMN
    term = terms.saved_term(name, int(m.group(1)), school_id=school_id)
    if term.start > (today or dt.date.today()):
        raise ReportError(f"{term.label}还没有开始 ({term.start:%Y-%m-%d} 开学), 不能生成报表")
    return Period(term.label, term.label, term.start, term.end)


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier (29 February: the 28th), as an age is counted."""
    return day - relativedelta(years=years)


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` earlier, clamped to that month's last day (31 May - 3 months: 28 Feb)."""
    return day - relativedelta(months=months)


# --------------------------------------------------------------------------- the per-child facts


def _flag(cond) -> pw.Case:
    return pw.Case(None, [(cond, 1)], 0)


def facts_query(school_ids: list[int], period: Period) -> pw.SelectQuery:
    """One row per child on the roll of the schools: the facts every figure groups (a subquery)."""
    end = period.last
    # away on the period's last day: marked away, or home only after it (as ``duties.left_behind_on``)
    gone = ((Parent.away == True) | (Parent.returned_on > end)) & (Parent.deceased == False)  # noqa: E712
    par = (Parent.select(Parent.child.alias("pc"),
                         pw.fn.SUM(_flag(gone & (Parent.away_since.is_null() | (Parent.away_since <= end))))
                         .alias("away_n"),
                         pw.fn.SUM(_flag(gone & (Parent.away_since <= months_before(end, AWAY_MONTHS))))
                         .alias("long_n"),
                         pw.fn.SUM(_flag(gone & Parent.away_since.is_null())).alias("undated_n"),
                         pw.fn.SUM(_flag(Parent.deceased == True)).alias("dead_n"))  # noqa: E712
           .group_by(Parent.child).alias("par"))
    # No parent recorded (most schools' own lists): the 留守类型 is the only word on who is away, as
    # the roster counts such a child (``duties.left_behind_on``); when they left is not known, so
    # they are 外出时间未填 for 教育统计口径, never long away.
    typed_away = pw.Case(pw.fn.COALESCE(Child.left_behind_type, ""), [(BOTH_AWAY, 2), ("", 0)], 1)
    no_parents = par.c.pc.is_null()
    away_n = pw.Case(None, [(no_parents, typed_away)], par.c.away_n)
    undated_n = pw.Case(None, [(no_parents, typed_away)], par.c.undated_n)
    under = Child.birth_date.is_null(False) & (Child.birth_date > years_before(end, AGE_LIMIT))
    unable = ((pw.fn.COALESCE(par.c.dead_n, 0) >= 1) | (Child.left_behind_type == UNABLE_LEFT_BEHIND)
              | (Child.guardianship_type == UNABLE_GUARDIANSHIP))
    both = away_n >= 2
    band = pw.Case(None, [
        (Child.birth_date.is_null(), NO_BIRTH),
        (Child.birth_date > years_before(end, 6), AGE_BANDS[0]),
        (Child.birth_date > years_before(end, 14), AGE_BANDS[1]),
        (Child.birth_date > years_before(end, 17), AGE_BANDS[2]),
    ], OLDER)
    return (Child.select(Child.id.alias("cid"), Child.school.alias("sid"), Child.name.alias("name"),
                         Classroom.name.alias("class_name"), pw.fn.COALESCE(Classroom.grade, 99).alias("grade"),
                         pw.fn.COALESCE(Classroom.number, 99).alias("number"),
                         _flag(under & both).alias("mz_both"),
                         _flag(under & (away_n == 1) & unable).alias("mz_one"),
                         _flag(under & (both | ((away_n == 1) & unable))).alias("mz"),
                         _flag(pw.fn.COALESCE(par.c.long_n, 0) >= 1).alias("jy"),
                         _flag((undated_n >= 1)
                               & (pw.fn.COALESCE(par.c.long_n, 0) == 0)).alias("undated"),
                         band.alias("band"),
                         pw.fn.COALESCE(Child.guardianship_type, "").alias("gtype"),
                         pw.fn.COALESCE(Child.difficulty, "").alias("difficulty"))
            .join(Classroom, pw.JOIN.LEFT_OUTER, on=(Child.classroom == Classroom.id))
            .join(par, pw.JOIN.LEFT_OUTER, on=(par.c.pc == Child.id))
            .where(Child.school.in_(school_ids) & Child.status.in_(ON_ROLL) & Child.archived_at.is_null()))


def _grouped(school_ids: list[int], period: Period, keys: list[str], values: list[tuple[str, object]]):
    """SELECT sid, keys…, values… FROM (facts) GROUP BY sid, keys…: one query."""
    f = facts_query(school_ids, period).alias("f")
    cols = [f.c.sid, *(getattr(f.c, k) for k in keys)]
    exprs = [v(f) if callable(v) else v for _, v in values]
    q = (Child.select(*cols, *exprs).from_(f).group_by(*cols))
    return [tuple(int(x or 0) if i > len(keys) else x for i, x in enumerate(row)) for row in q.tuples()]


# --------------------------------------------------------------------------- the pack


@dataclass
class SchoolCounts:
    school_id: int
    school: str
    on_roll: int = 0
    mz: int = 0  # 民政口径
    mz_both: int = 0  # of which both parents away
    mz_one: int = 0  # of which one away, the other unable
    jy: int = 0  # 教育统计口径
    both_defs: int = 0
    mz_only: int = 0
    jy_only: int = 0
    undated: int = 0  # away without 外出时间, so not in 教育统计口径
    bands: dict[str, tuple[int, int]] = field(default_factory=dict)  # band -> (民政, 教育统计)
    guardianship: dict[str, tuple[int, int]] = field(default_factory=dict)  # 监护类型 -> (民政, 教育统计)
    difficulty: dict[str, int] = field(default_factory=dict)  # 困境类别 -> children
    difficult: int = 0  # distinct children in difficulty
    difficult_left_behind: int = 0  # of which 留守 by either definition
    cases: int = 0  # 控辍保学: cases open at some time in the period
    cases_open: int = 0  # still open at its end
    cases_opened: int = 0
    cases_closed: int = 0
    attempts: int = 0


@dataclass
class Change:
    kind: str  # NEW / EXITED / CHANGED
    child_id: int
    school: str
    class_name: str
    name: str
    what: str
    facts: dict


@dataclass
class Pack:
    period: Period
    school_ids: list[int]
    county: bool
    label: str  # the school's name, or 全县 (N 所学校)
    scope_key: str
    schools: list[SchoolCounts]
    total: SchoolCounts
    cases: list[dropout.SheetRow]  # a one-school pack's 控辍保学 lines
    case_schools: dict[int, str]  # case id -> school name
    changes: list[Change]
    previous: tuple[str, dt.datetime] | None  # the compared snapshot's period and time; None: the first
    facts: list[dict]  # what ``save_snapshot`` keeps

    @property
    def first_report(self) -> bool:
        return self.previous is None


def scope_key(school_ids: list[int], county: bool) -> str:
    if not county and len(school_ids) == 1:
        return f"school:{school_ids[0]}"
    ids = ",".join(str(i) for i in sorted(school_ids))
    return f"schools:{len(school_ids)}:{hashlib.sha1(ids.encode()).hexdigest()[:16]}"


def parse_period(month: str | None = None, term: str | None = None, *, school_id: int | None = None,
                 today: dt.date | None = None) -> Period:
    if bool(month) == bool(term):
        raise ReportError("请给出 --month YYYY-MM 或 --term 学期 (二者选一)")
    return month_period(month, today=today) if month else term_period(term, school_id=school_id, today=today)


def build(period: Period, *, viewer: scope.Viewer, school=None, county: bool = False) -> Pack:
    """The pack of the schools the viewer may report on (``scope.report_school_ids``: a head her school,
    a county officer the county's, ``ForbiddenError`` otherwise). Reads only; ``save_snapshot`` keeps it."""
    ids = scope.report_school_ids(viewer, school, county)
    if not ids:
        raise ReportError("没有可以汇总的学校")
    names = dict(School.select(School.id, School.name).where(School.id.in_(ids)).tuples())
    counts = {sid: SchoolCounts(sid, names.get(sid, "")) for sid in ids}
    _summary(ids, period, counts)
    _bands(ids, period, counts)
    _guardianship(ids, period, counts)
    _difficulty(ids, period, counts)
    _dropout_counts(ids, period, counts)
    one = len(ids) == 1 and not county
    cases, case_schools, case_state = _cases(ids, period, names, lines=one)
    schools = [counts[sid] for sid in ids]
    total = _total(schools)
    key = scope_key(ids, county)
    facts = _child_facts(ids, period, names, case_state)
    prev = (ReportSnapshot.select().where((ReportSnapshot.scope_key == key) & (ReportSnapshot.period_end < period.last))
            .order_by(ReportSnapshot.period_end.desc(), ReportSnapshot.id.desc()).first())
    changes = diff(json.loads(prev.facts) if prev else None, facts)
    label = names[ids[0]] if one else (f"全县 ({len(ids)} 所学校)" if county else f"{len(ids)} 所学校")
    return Pack(period, ids, county, label, key, schools, total, cases, case_schools, changes,
                (prev.period, prev.created_at) if prev else None, facts)


def _summary(ids, period, counts) -> None:
    rows = _grouped(ids, period, [], [
        ("on_roll", pw.fn.COUNT(pw.SQL("*"))),
        ("mz", lambda f: pw.fn.SUM(f.c.mz)), ("mz_both", lambda f: pw.fn.SUM(f.c.mz_both)),
        ("mz_one", lambda f: pw.fn.SUM(f.c.mz_one)), ("jy", lambda f: pw.fn.SUM(f.c.jy)),
        ("both_defs", lambda f: pw.fn.SUM(f.c.mz * f.c.jy)),
        ("undated", lambda f: pw.fn.SUM(f.c.undated))])
    for sid, on_roll, mz, mz_both, mz_one, jy, both, undated in rows:
        c = counts[sid]
        c.on_roll, c.mz, c.mz_both, c.mz_one, c.jy, c.both_defs, c.undated = (
            on_roll, mz, mz_both, mz_one, jy, both, undated)
        c.mz_only, c.jy_only = mz - both, jy - both


def _bands(ids, period, counts) -> None:
    for sid, band, mz, jy in _grouped(ids, period, ["band"], [("mz", lambda f: pw.fn.SUM(f.c.mz)),
                                                              ("jy", lambda f: pw.fn.SUM(f.c.jy))]):
        counts[sid].bands[band] = (mz, jy)


def _guardianship(ids, period, counts) -> None:
    for sid, gtype, mz, jy in _grouped(ids, period, ["gtype"], [("mz", lambda f: pw.fn.SUM(f.c.mz)),
                                                                ("jy", lambda f: pw.fn.SUM(f.c.jy))]):
        key = gtype if gtype in GUARDIANSHIP_TYPES else NO_TYPE
        old = counts[sid].guardianship.get(key, (0, 0))
        counts[sid].guardianship[key] = (old[0] + mz, old[1] + jy)


def _difficulty(ids, period, counts) -> None:
    def has(category):
        return lambda f: pw.fn.SUM(_flag(pw.Value(MULTI_SEP).concat(f.c.difficulty).concat(MULTI_SEP)
                                         .contains(f"{MULTI_SEP}{category}{MULTI_SEP}")))

    values = [(c, has(c)) for c in DIFFICULTY_CATEGORIES]
    values.append(("all", lambda f: pw.fn.SUM(_flag(f.c.difficulty != ""))))
    values.append(("lb", lambda f: pw.fn.SUM(_flag((f.c.difficulty != "") & ((f.c.mz + f.c.jy) > 0)))))
    for sid, *found in _grouped(ids, period, [], values):
        c = counts[sid]
        c.difficulty = dict(zip(DIFFICULTY_CATEGORIES, found))
        c.difficult, c.difficult_left_behind = found[-2], found[-1]


def _dropout_counts(ids, period, counts) -> None:
    """控辍保学 by school, as the monthly sheet counts a month (here over the whole period): two queries."""
    first, last = period.first, period.last
    d = DropoutCase
    rows = (d.select(d.school, pw.fn.COUNT(d.id),
                     pw.fn.SUM(_flag(d.closed_on.is_null() | (d.closed_on > last))),
                     pw.fn.SUM(_flag(d.opened_on >= first)),
                     pw.fn.SUM(_flag(d.closed_on.is_null(False) & (d.closed_on <= last))))
            .where(d.school.in_(ids) & (d.opened_on <= last) & (d.closed_on.is_null() | (d.closed_on >= first)))
            .group_by(d.school).tuples())
    for sid, n, still, opened, closed in rows:
        c = counts[sid]
        c.cases, c.cases_open, c.cases_opened, c.cases_closed = int(n), int(still or 0), int(opened or 0), int(closed or 0)
    tries = (DropoutAttempt.select(d.school, pw.fn.COUNT(DropoutAttempt.id)).join(d)
             .where(d.school.in_(ids) & (DropoutAttempt.day >= first) & (DropoutAttempt.day <= last))
             .group_by(d.school).tuples())
    for sid, n in tries:
        counts[sid].attempts = int(n)


def _cases(ids, period, names, *, lines: bool):
    """The 控辍保学 lines (``dropout.monthly_sheet``, month by month: a case's state at the period's end,
    its attempts by then), and each case's school and state. ``report_school_ids`` has said the viewer
    may have these schools, so the sheet is read as a trusted caller, narrowed to them."""
    merged: dict[int, dropout.SheetRow] = {}
    trusted = scope.system_viewer(ids[0] if len(ids) == 1 else None)
    for year, month in period.months:
        sheet = dropout.monthly_sheet(year, month, viewer=trusted, school_id=ids[0] if len(ids) == 1 else None)
        for row in sheet.rows:
            merged[row.case_id] = row  # the later month's state wins
    where = dict(DropoutCase.select(DropoutCase.id, DropoutCase.school).where(DropoutCase.id.in_(list(merged)))
                 .tuples()) if merged else {}
    kept = {cid: r for cid, r in merged.items() if where.get(cid) in names}
    child_of = dict(DropoutCase.select(DropoutCase.id, DropoutCase.child).where(DropoutCase.id.in_(list(kept)))
                    .tuples()) if kept else {}
    state = {child_of[cid]: r.status for cid, r in kept.items() if r.status != dropout.CLOSED}
    rows = sorted(kept.values(), key=lambda r: (r.status == dropout.CLOSED, r.first_absent, r.case_id)) if lines else []
    return rows, {cid: names[where[cid]] for cid in kept}, state


def _total(schools: list[SchoolCounts]) -> SchoolCounts:
    t = SchoolCounts(0, "合计")
    for c in schools:
        for name in ("on_roll", "mz", "mz_both", "mz_one", "jy", "both_defs", "mz_only", "jy_only", "undated",
                     "difficult", "difficult_left_behind", "cases", "cases_open", "cases_opened", "cases_closed",
                     "attempts"):
            setattr(t, name, getattr(t, name) + getattr(c, name))
        for attr in ("bands", "guardianship"):
            mine = getattr(t, attr)
            for k, (a, b) in getattr(c, attr).items():
                old = mine.get(k, (0, 0))
                mine[k] = (old[0] + a, old[1] + b)
        for k, n in c.difficulty.items():
            t.difficulty[k] = t.difficulty.get(k, 0) + n
    return t


# --------------------------------------------------------------------------- 本期变动清单


def _child_facts(ids, period, names, case_state: dict[int, str]) -> list[dict]:
    """The children counted (留守 by either definition, 困境, or an open 控辍保学 case): one query."""
    f = facts_query(ids, period).alias("f")
    cond = (f.c.mz == 1) | (f.c.jy == 1) | (f.c.difficulty != "")
    if case_state:
        cond |= f.c.cid.in_(sorted(case_state))
    q = (Child.select(f.c.cid, f.c.sid, f.c.name, f.c.class_name, f.c.mz, f.c.jy, f.c.difficulty).from_(f)
         .where(cond).order_by(f.c.sid, f.c.grade, f.c.number, f.c.cid))
    return [{"id": cid, "school": names.get(sid, ""), "class": room or "", "name": name, "mz": bool(mz),
             "jy": bool(jy), "difficulty": diff or "", "dropout": case_state.get(cid, "")}
            for cid, sid, name, room, mz, jy, diff in q.tuples()]


_COMPARED = (("school", "学校"), ("class", "班级"), ("name", "姓名"), ("mz", "民政口径"), ("jy", "教育统计口径"),
             ("difficulty", "困境类别"), ("dropout", "控辍保学"))


def _shown(value) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return value or "无"


def diff(before: list[dict] | None, now: list[dict]) -> list[Change]:
    """New (counted now, not before), exited (counted before, not now) and changed children; with no
    previous snapshot, every child is new."""
    old = {f["id"]: f for f in before or []}
    out = []  # in the order of the facts (school, class as the school orders them), the exited last
    for f in now:
        was = old.pop(f["id"], None)
        if was is None:
            out.append(Change(NEW, f["id"], f["school"], f["class"], f["name"], _why(f), f))
            continue
        what = [f"{label} {_shown(was.get(k))}→{_shown(f.get(k))}" for k, label in _COMPARED
                if was.get(k) != f.get(k)]
        if what:
            out.append(Change(CHANGED, f["id"], f["school"], f["class"], f["name"], "; ".join(what), f))
    for f in old.values():
        out.append(Change(EXITED, f["id"], f["school"], f["class"], f["name"], "不再计入 (回流、离校或情况变化)", f))
    order = {NEW: 0, CHANGED: 1, EXITED: 2}
    return sorted(out, key=lambda c: order[c.kind])  # stable: each kind keeps the class order


def _why(f: dict) -> str:
    parts = [label for k, label in (("mz", "民政口径留守"), ("jy", "教育统计口径留守")) if f.get(k)]
    if f.get("difficulty"):
        parts.append("困境: " + f["difficulty"])
    if f.get("dropout"):
        parts.append("控辍保学: " + f["dropout"])
    return "; ".join(parts)


def save_snapshot(pack: Pack, *, staff_id: int | None) -> int:
    """Keep the pack's facts for the next report of the same scope (call inside ``db.write()``)."""
    row = ReportSnapshot.create(scope_key=pack.scope_key, school=pack.school_ids[0] if len(pack.school_ids) == 1
                                and not pack.county else None, period=pack.period.key, period_end=pack.period.last,
                                created_by=staff_id, facts=json.dumps(pack.facts, ensure_ascii=False))
    return row.id


def previous_label(pack: Pack) -> str:
    if pack.previous is None:
        return "首次生成本范围的报表: 没有上次的报表可对比, 全部列为新增"
    period, at = pack.previous
    when = f"{at:%Y-%m-%d %H:%M}" if isinstance(at, dt.datetime) else str(at)[:16]
    return f"对比上次报表: {period} (生成于 {when}), 只列出变动的儿童"
