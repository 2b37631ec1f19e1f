"""Duties and the due list: what each left-behind child is owed, by when, and what is open.

This module is the one definition of *due* and *overdue*; the due-list screen, ``guanai due``
and the handbook export all ask it. Everything is by date (the time of day never matters).

Terms
    One term model for the app (``models.terms``): a term runs from the school's 开学 to its 放假 as
    set in the 行事历 (else the suggested dates). Days between terms (寒假, 暑假) belong to no term:
    no duties are open then (a due list dated in a holiday is empty). Every term starts every clock
    afresh, and a deadline after the term's last day is not open in it.

Who has duties on a day (``is subject``)
    A child with a 留守类型 (``left_behind_type`` not empty) who is 在读 that day — a child who
    left (转出/毕业/辍学) has none from its ``status_date`` on (none at all without a date) — and
    whose parents are not both home: some Parent row is away that day (``away`` true, or came
    home only after that day: ``returned_on`` later than it). A child with no Parent rows counts
    as away. A rule for 重点帮扶对象 (``applies_to='key_target'``) applies only to key targets.
    A rule with a ``helper_kind`` (爱心妈妈, 帮扶教师) applies only to a child with an active
    pairing of that kind on that day (started on or before it, not ended on or before it, with an
    active staff member), and only contacts by that pairing's staff member meet it.

What meets a duty
    A Contact of the rule's ``contact_kind`` that was reached (``reached`` true; an unanswered
    call is logged but never meets a duty), on or before the day, by the right person when the
    rule names a helper kind. Only contacts inside the current *duty period* count: the period
    starts on the term's first day, or for a helper rule on the pairing's start if that is later.

The due date (``due_date``)
    - interval rule (``interval_days``): the date of the last qualifying contact in the period,
      or else the period's start, plus ``interval_days``. A talk 7 days ago is due today; 8 days
      ago is 1 day overdue.
    - RRULE rule (``rrule``, RFC 5545 via dateutil, its DTSTART defaults to the term's first
      day): the occurrences are deadlines. A contact meets the first occurrence on or after it;
      the duty is due at the next occurrence after that one. With no contact in the period it is
      due at the first occurrence on or after the period's start. ``FREQ=MONTHLY;BYMONTHDAY=-1``
      therefore means "once in each calendar month, by its last day".
    - per-term rule (``per_term``): due on the term's last day, unless met within the period.
    A due date after the term's last day is not open in this term (the next term restarts it).
    ``days_overdue`` is ``(day - due).days`` when positive, else 0.

Open duties and their status
    逾期 (overdue: due before the day), 今天 (due that day), 本周 (due within the next
    ``horizon_days``, 6 by default). Later ones are not open.

Speed: ``open_duties`` runs four statements whatever the number of children: the rules; the
subject children, with one correlated "latest qualifying contact" column per plain rule kind;
the active pairings, with one such column per helper rule; the open follow-ups. Each column walks
the (child, kind, at, staff) index backwards from the day and stops at the first match, and only
over the current term, so a weekly talk costs an index step or two per child and old terms cost
nothing. (A GROUP BY ... MAX(at) per child, staff and kind over the term was measured again with
that index, issue 20: 1.8 s against 0.03 s for the walks on a school of 20,000 — it reads every
contact of those kinds.) The follow-ups of a large part of the database's children are one pass
over migration 0019's partial index of the contacts with a 跟进日期, of a few children an index range
each; the walks and the follow-ups' "author back since" read only indexes (0019 put ``reached`` in them). Everything else is done in memory, in
one loop per child with each rule's plan made once; nothing is queried per child.
``bench/compare_duties.py`` checks a change of speed here against the list as it was (the module
at a git revision).
"""
from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import gc
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter, itemgetter
from typing import Iterable

import peewee as pw

from models import db as dbmod
from models import terms
from models.coerce import as_date as _as_date  # SQLite MAX() returns the stored text
from models.entities import CareRule, Child, Classroom, Contact, Pairing, Parent, Staff
from models.errors import UserError
from models.left_behind import left_behind_on  # noqa: F401 - the one condition, also asked for here
from models.rules import CONTACT_KINDS
from models.scope import Viewer, attention_visible, child_condition, may_see_attention
from models.validation import Invalid, check_day_in_range, check_lengths

AUTUMN = terms.AUTUMN
SPRING = terms.SPRING

OVERDUE = "逾期"
TODAY = "今天"
THIS_WEEK = "本周"
LATER = "以后"
STATUSES = (OVERDUE, TODAY, THIS_WEEK)

DEFAULT_HORIZON = 6
APPLIES_TO = {"all": "全部留守儿童", "key_target": "重点帮扶对象",
              "attention_red": "红色关注的孩子", "attention_yellow": "黄色关注的孩子"}
# 需要关注 (models/attention.py): the level a confirmation gives a child, for the rules above
ATTENTION_LEVELS = {"attention_red": "红", "attention_yellow": "黄"}
REVIEW = "关注复查"
REVIEW_RULE_ID = -(10 ** 9)  # the review duty's rule id: no rule (nor a follow-up, -contact id) has it


def rule_applies(applies_to: str, key_target: bool, attention_level: str) -> bool:
    """Whether a rule's ``applies_to`` covers a child: everyone, the 重点帮扶对象, or the children
    confirmed on the 需要关注 list at that level (红/黄)."""
    if applies_to == "key_target":
        return bool(key_target)
    if applies_to in ATTENTION_LEVELS:
        return (attention_level or "") == ATTENTION_LEVELS[applies_to]
    return True
HELPER_KINDS = ("爱心妈妈", "帮扶教师")


class RuleError(UserError, ValueError):
    """A CareRule that cannot be computed (bad RRULE, no frequency), or a day outside the app's
    date range; the message is for the user."""


def _checked_day(day: dt.date) -> dt.date:
    """The day, if inside the app's date range: the term and "day after" arithmetic below stays
    far from the calendar's ends (``models.validation.check_day_in_range``)."""
    try:
        return check_day_in_range(day)
    except Invalid as exc:
        raise RuleError(f"{exc}: {day.isoformat()}") from None


# --------------------------------------------------------------------------- terms


Term = terms.Term


def term_for(day: dt.date, *, school_id: int | None = None) -> Term | None:
    """The school's term that ``day`` falls in; None in 寒假 and 暑假."""
    return terms.term_at(day, school_id=school_id)


# --------------------------------------------------------------------------- rules


def care_rules(*, active_only: bool = True) -> list[CareRule]:
    """The duty rules in display order."""
    q = CareRule.select().order_by(CareRule.sort_order, CareRule.id)
    if active_only:
        q = q.where(CareRule.active == True)  # noqa: E712
    return list(q)


# The RRULE subset the app accepts: one RRULE line, by date (no time of day), no DTSTART, EXRULE,
# EXDATE or RDATE (the start is the term's first day or the event's date). dateutil loops for ever
# on INTERVAL=0 and on an EXRULE that removes every date, and fails half-way through a due list
# on INTERVAL=-1 or BYEASTER=99999, so those are refused here, once, before anything is stored.
RRULE_MAX_LEN = CareRule.rrule.max_length  # Event.rrule has the same length
_FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_PARTS = ("FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "BYWEEKNO",
          "BYYEARDAY", "WKST")
_NUMBER_LIMITS = {"INTERVAL": 1000, "COUNT": 10000}
_UNTIL = re.compile(r"\d{8}(T\d{6}Z?)?")


def rrule_text(text: str) -> str:
    """RRULE text checked against the subset above and normalised (upper case, no ``RRULE:``);
    RuleError with a Chinese message naming what is wrong. The message never repeats a control
    character, so a CLI error stays one line."""
    text = (text or "").strip()
    if not text:
        raise RuleError("重复规则 (RRULE) 为空")
    if len(text) > RRULE_MAX_LEN:
        raise RuleError(f"重复规则 (RRULE) 太长: {len(text)} 个字符, 最多 {RRULE_MAX_LEN} 个")
    if any(not ch.isprintable() for ch in text):
        raise RuleError("重复规则 (RRULE) 只能写一行, 不能有换行或控制字符")
    body = text[6:] if text.upper().startswith("RRULE:") else text
    parts: dict[str, str] = {}
    for item in body.split(";"):
        if not item.strip():
            continue
        name, eq, value = item.partition("=")
        name, value = name.strip().upper(), value.strip().upper()
        if not eq or name not in _PARTS:
            raise RuleError(f"重复规则 (RRULE) 无效: {text} (不支持「{name or item.strip()}」; "
                            f"可用: {', '.join(_PARTS)})")
        if name in parts:
            raise RuleError(f"重复规则 (RRULE) 无效: {text} ({name} 出现了两次)")
        if name in _NUMBER_LIMITS and not (value.isdigit() and 1 <= int(value) <= _NUMBER_LIMITS[name]):
            raise RuleError(f"重复规则 (RRULE) 无效: {text} ({name} 应为 1 到 {_NUMBER_LIMITS[name]} 的整数)")
        if name == "UNTIL" and not _UNTIL.fullmatch(value):
            raise RuleError(f"重复规则 (RRULE) 无效: {text} (UNTIL 应写成 YYYYMMDD, 如 20270131)")
        parts[name] = value
    freq = parts.get("FREQ")
    if freq in ("HOURLY", "MINUTELY", "SECONDLY"):
        raise RuleError(f"重复规则太频繁, 最多按天: {text}")
    if freq not in _FREQS:
        raise RuleError(f"重复规则 (RRULE) 无效: {text} (FREQ 应为 {' / '.join(_FREQS)})")
    return ";".join(f"{k}={v}" for k, v in parts.items())


def parse_rrule(text: str, dtstart: dt.date | None = None):
    """A dateutil rule set from RRULE text (the subset ``rrule_text`` accepts); RuleError with a
    Chinese message when it is not valid. Day-based only: duties are by date."""
    from dateutil.rrule import rrulestr

    clean = rrule_text(text)
    start = dt.datetime.combine(dtstart or dt.date(2000, 1, 1), dt.time())
    try:
        return rrulestr(clean, dtstart=start, forceset=True)
    except (ValueError, TypeError, AttributeError, IndexError, OverflowError) as exc:
        raise RuleError(f"重复规则 (RRULE) 无效: {text.strip()} ({exc})") from None


@lru_cache(maxsize=256)
def _ever_happens(text: str) -> bool:
    """Whether the rule has any date at all (from 2000-01-01). A rule that never happens (30 February)
    sends dateutil walking to the year 9999 on every due list; it is refused once instead."""
    rset = parse_rrule(text)
    try:
        return rset.after(dt.datetime(2000, 1, 1), inc=True) is not None
    except (ValueError, OverflowError):
        return False


def check_rule(rule) -> str | None:
    """Why a rule (a CareRule or anything with its fields) cannot be used, or None when it can."""
    if not getattr(rule, "name", ""):
        return "规则名称不能为空"
    if not getattr(rule, "contact_kind", ""):
        return "请选择记录类别"
    if rule.applies_to not in APPLIES_TO:
        return f"适用对象应为 {' / '.join(APPLIES_TO)}"
    if rule.helper_kind and rule.helper_kind not in HELPER_KINDS:
        return f"结对类型应为 {' / '.join(HELPER_KINDS)} 或留空"
    try:
        check_lengths(CareRule, {"name": rule.name, "contact_kind": rule.contact_kind},
                      {"name": "规则名称", "contact_kind": "记录类别"})
    except Invalid as exc:
        return str(exc)
    if rule.per_term:
        return None
    if (rule.rrule or "").strip():
        try:
            if not _ever_happens(rule.rrule.strip()):
                return f"按这个重复规则一次也不会发生: {rule.rrule.strip()}"
        except RuleError as exc:
            return str(exc)
        return None
    if rule.interval_days is None or rule.interval_days < 1:
        return "请填写间隔天数 (1 天以上)、重复规则 (RRULE) 或每学期一次"
    return None


@lru_cache(maxsize=256)
def _occurrences(text: str, start: dt.date, end: dt.date) -> tuple[dt.date, ...]:
    rset = parse_rrule(text, start)
    hits = rset.between(dt.datetime.combine(start, dt.time()),
                        dt.datetime.combine(end, dt.time(23, 59, 59)), inc=True)
    return tuple(sorted({h.date() for h in hits}))


def occurrences(rule, term: Term) -> tuple[dt.date, ...]:
    """The rule's RRULE deadlines inside the term (its DTSTART defaults to the term's start)."""
    return _occurrences(rule.rrule.strip(), term.start, term.end)


def due_date(rule, *, last_met: dt.date | None, period_start: dt.date, term: Term) -> dt.date | None:
    """When the duty falls due (see the module docstring); None when it is not due in this term.

    ``last_met``: the date of the last qualifying contact on or before the day asked about (an
    earlier one than ``period_start`` is ignored); ``period_start``: the first day of the child's
    duty period in ``term``.
    """
    met = last_met if last_met is not None and last_met >= period_start else None
    if rule.per_term:
        return None if met is not None else term.end
    if (rule.rrule or "").strip():
        occ = occurrences(rule, term)
        i = bisect.bisect_left(occ, period_start) if met is None else bisect.bisect_left(occ, met) + 1
        due = occ[i] if i < len(occ) else None
    elif rule.interval_days:
        due = (met or period_start) + dt.timedelta(days=rule.interval_days)
    else:
        raise RuleError(f"规则「{rule.name}」没有频率 (间隔天数、RRULE 或每学期一次)")
    if due is None or due > term.end:
        return None
    return due


def status_of(due: dt.date, on_date: dt.date, horizon_days: int = DEFAULT_HORIZON) -> str:
    if due < on_date:
        return OVERDUE
    if due == on_date:
        return TODAY
    if (due - on_date).days <= horizon_days:
        return THIS_WEEK
    return LATER


@dataclass(frozen=True)
class RuleSpec:
    """A plain snapshot of a CareRule (cheap attribute access in the per-child loop)."""

    id: int
    name: str
    contact_kind: str
    interval_days: int | None
    rrule: str
    per_term: bool
    applies_to: str
    helper_kind: str
    sort_order: int

    @classmethod
    def of(cls, rule) -> "RuleSpec":
        return cls(rule.id, rule.name, rule.contact_kind, rule.interval_days, rule.rrule or "",
                   bool(rule.per_term), rule.applies_to, rule.helper_kind or "", rule.sort_order or 0)


# --------------------------------------------------------------------------- duties


@dataclass
class Duty:
    child_id: int
    child_name: str
    class_name: str
    classroom_id: int | None
    rule_id: int
    rule_name: str
    contact_kind: str
    due: dt.date
    days_overdue: int
    status: str  # 逾期 / 今天 / 本周 (以后 only with a longer horizon)
    last_met: dt.date | None  # last qualifying contact in the current duty period
    helper: str = ""  # for a helper rule: whose contact counts (names, 、-joined)
    mine: bool = False  # the asking staff member is the class's head teacher or a paired helper


def _ids(value) -> list[int] | None:
    if value is None:
        return None
    if isinstance(value, int):
        return [value]
    return [int(v) for v in value]


def _child_scope(school_id, classroom_ids, child_ids):
    cond = Child.left_behind_type != ""
    if school_id is not None:
        cond &= Child.school == school_id
    if classroom_ids is not None:
        cond &= Child.classroom.in_(classroom_ids)
    if child_ids is not None:
        cond &= Child.id.in_(child_ids)
    return cond


def subject_condition(on_date: dt.date) -> pw.Expression:
    """SQL condition on Child: enrolled and left behind on that day (the rules above)."""
    enrolled = (Child.status == "在读") | (Child.status_date > on_date)
    return enrolled & left_behind_on(on_date)


def active_pairing(on_date: dt.date) -> pw.Expression:
    """A pairing with a staff helper that runs on that day: the pairings helper duties (爱心妈妈) follow.
    Public because the handbook's 关爱事项 counts (``models.handbook``) must walk the same ones."""
    return ((Pairing.staff.is_null(False)) & (Pairing.started_on <= on_date)
            & (Pairing.ended_on.is_null() | (Pairing.ended_on > on_date)))


def _last_contact(contact_kind: str, child_col, staff_col, lo: dt.datetime, hi: dt.datetime, *,
                  only_if=None):
    """A correlated column: the time of the last reached contact of this kind in [lo, hi) with the
    outer query's child (and staff member, when ``staff_col`` is given). ``only_if`` guards it
    with CASE, so rows a rule cannot apply to never walk their contacts."""
    ct = Contact.alias("ct")
    cond = ((ct.child == child_col) & (ct.kind == contact_kind) & (ct.reached == True)  # noqa: E712
            & (ct.at >= lo) & (ct.at < hi))
    if staff_col is not None:
        # "+ 0" keeps the planner on the (child, at) index rather than walking all of a
        # staff member's contacts through (staff, at); it works the same on PostgreSQL.
        cond &= (ct.staff + 0) == staff_col
    latest = ct.select(ct.at).where(cond).order_by(ct.at.desc()).limit(1)
    if only_if is None:
        return latest
    return pw.Case(None, [(only_if, latest)], None)


@contextlib.contextmanager
def _no_collection():
    """The cyclic collector paused while a due list is built: a school's is ~100,000 new objects (rows,
    duties, keys), all kept, so the collections they set off free nothing and scan whatever else the
    process holds (a 20,000-pupil school's roster in the app): 0.1 s of a 0.45 s list. Only who paused it
    starts it again (another thread's list may be running)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _day_reader():
    """``_as_date`` for one read's raw values, with the day of a stored text parsed once (a school's
    due list parses tens of thousands of "last contact" values, of a few hundred days)."""
    days: dict[str, dt.date] = {}

    def day_of(value):
        if value is None:
            return None
        if value.__class__ is str:
            key = value[:10]
            day = days.get(key)
            if day is None:
                day = days[key] = _as_date(key)
            return day
        return _as_date(value)
    return day_of


def _day_bounds(term: Term, on_date: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return (dt.datetime.combine(term.start, dt.time()),
            dt.datetime.combine(on_date + dt.timedelta(days=1), dt.time()))


def open_duties(on_date: dt.date, *, viewer: Viewer, school_id: int | None = None, kind: str | None = None,
                classroom_id: int | Iterable[int] | None = None, staff_id: int | None = None,
                child_id: int | Iterable[int] | None = None, only_mine: bool = False,
                horizon_days: int | None = DEFAULT_HORIZON) -> list[Duty]:
    """The duties open on ``on_date`` (``_care_duties``, below), with the child-protection duties
    (``_protection_duties``: an unconfirmed 强制报告, a 监护干预's re-check) among them — those
    are open in the holidays too."""
    if isinstance(on_date, dt.datetime):
        on_date = on_date.date()
    on_date = _checked_day(on_date)
    with _no_collection():
        care = [] if kind in (REPORT_DUTY, RECHECK_DUTY, *CASE_DUTIES) else _care_duties(
            on_date, viewer=viewer, school_id=school_id, kind=kind, classroom_id=classroom_id, staff_id=staff_id,
            child_id=child_id, only_mine=only_mine, horizon_days=horizon_days)
    if kind not in (None, REPORT_DUTY, RECHECK_DUTY, *CASE_DUTIES):
        return care
    urgent = _protection_duties(
        on_date, viewer=viewer, school_id=school_id, classroom_id=_ids(classroom_id), child_id=_ids(child_id),
        staff_id=staff_id, only_mine=only_mine, kind=kind,
        limit=None if horizon_days is None else on_date + dt.timedelta(days=horizon_days),
        horizon_days=DEFAULT_HORIZON if horizon_days is None else horizon_days)
    cases = _dropout_duties(on_date, viewer=viewer, school_id=school_id, classroom_id=_ids(classroom_id),
                            child_id=_ids(child_id), staff_id=staff_id, only_mine=only_mine, kind=kind,
                            limit=None if horizon_days is None else on_date + dt.timedelta(days=horizon_days),
                            horizon_days=DEFAULT_HORIZON if horizon_days is None else horizon_days)
    # The order of a stable sort by (mine, due) of urgent + cases + care: the care duties are in that
    # order already (then class, name, rule), so the few others are put in where they belong, each
    # before the care duties of its (mine, due) (sorting 25,000 again was 10 ms of a school of 20,000).
    others = sorted(urgent + cases, key=_mine_then_due)
    for duty in reversed(others):
        bisect.insort_left(care, duty, key=_mine_then_due)
    return care


def _mine_then_due(d: "Duty") -> tuple[bool, dt.date]:
    return not d.mine, d.due


def _care_duties(on_date: dt.date, *, viewer: Viewer, school_id: int | None = None, kind: str | None = None,
                 classroom_id: int | Iterable[int] | None = None, staff_id: int | None = None,
                 child_id: int | Iterable[int] | None = None, only_mine: bool = False,
                 horizon_days: int | None = DEFAULT_HORIZON) -> list[Duty]:
    """The duties open on ``on_date``: overdue, due that day, or due within ``horizon_days``.

    Only for the children ``viewer`` may see (``models.scope``); ``staff_id``/``mine`` below
    orders within that scope.

    ``kind`` is a contact kind (谈心 matches 每周谈心 and 爱心妈妈谈心) or a rule name.
    ``staff_id`` marks the asking teacher's own children (``mine``) and puts them first;
    ``horizon_days=None`` lists every duty of the term, however far ahead.
    Sorted: mine first, then most overdue / soonest due, then class, then name.
    """
    if isinstance(on_date, dt.datetime):
        on_date = on_date.date()
    on_date = _checked_day(on_date)
    term = term_for(on_date, school_id=school_id if school_id is not None else viewer.school_id)
    if term is None:
        return []
    rules = [RuleSpec.of(r) for r in care_rules() if kind is None or kind in (r.contact_kind, r.name)]
    if not rules and kind not in (FOLLOW_UP, REVIEW, *CONTACT_KINDS):
        return []
    for r in rules:
        problem = check_rule(r)
        if problem:
            raise RuleError(f"规则「{r.name}」: {problem}")
    scope = _child_scope(school_id, _ids(classroom_id), _ids(child_id)) & child_condition(viewer)
    lo, hi = _day_bounds(term, on_date)

    # The last qualifying contact is read with correlated "latest row" subqueries: each walks
    # the (child, at) index backwards from the day and stops at the first match, so a weekly
    # talk costs an index step or two per child. Plain rules are columns of the children query;
    # helper rules are columns of the pairings query (a walk per pairing, by its staff member).
    db = Child._meta.database
    plain = sorted({r.contact_kind for r in rules if not r.helper_kind})
    key_only = {ck: all(r.applies_to == "key_target" for r in rules if not r.helper_kind and r.contact_kind == ck)
                for ck in plain}
    query = (Child.select(Child.id, Child.name, Child.name_pinyin, Child.key_target, Child.classroom,
                          Classroom.name, Classroom.grade, Classroom.number, Classroom.head_teacher,
                          Child.school, Child.attention_level, Child.attention_review_on, Child.attention_since,
                          _top_child_id(),
                          *[_last_contact(ck, Child.id, None, lo, hi, only_if=Child.key_target if key_only[ck] else None)
                            for ck in plain])
             .join(Classroom, pw.JOIN.LEFT_OUTER, on=(Child.classroom == Classroom.id))
             .where(scope & subject_condition(on_date)))
    # Raw rows (no per-value conversion): dates are parsed by _as_date, flags read as truthy.
    children = db.execute(query).fetchall()
    if not children:
        return []

    # a quarter or more of the database's children (a whole school of a one-school database): the
    # pairings and the follow-ups below are read another way than for a few
    many = len(children) * 4 >= (children[0][13] or 0)

    # Active pairings with an active staff member: helper rules, helper names and "mine". The children
    # are those of the scope, subjects or not (the subject condition again cost more than the few
    # others' rows): only the subjects' are looked up below.
    helper_keys = sorted({(r.helper_kind, r.contact_kind) for r in rules if r.helper_kind})
    helper_kinds = {hk for hk, _ck in helper_keys}
    paired_with_me: set[int] = set()  # the children the asking staff member is paired with
    helper_last: dict[tuple[int, str, str], dt.date] = {}
    groups: dict[tuple[int, str], list] = {}  # (child, helper kind): [earliest start, {helper name: None}]
    columns = (Pairing.child, Pairing.kind, Pairing.staff, Staff.name, Pairing.started_on,
               *[_last_contact(ck, Pairing.child, Pairing.staff, lo, hi, only_if=(Pairing.kind == hk))
                 for hk, ck in helper_keys])
    pairs = scope & active_pairing(on_date) & (Staff.active == True)  # noqa: E712
    if many and dbmod.is_sqlite():
        # SQLite would walk the children by school and each one's pairings through the index (46 ms
        # on a school of 20,000); reading the pairing table through is half that. CROSS JOIN is how
        # SQLite is told the order; it takes no ON, so the joins are conditions.
        query = (Pairing.select(*columns).join(Child, pw.JOIN.CROSS).join(Staff, pw.JOIN.CROSS)
                 .where(pairs & (Pairing.child == Child.id) & (Pairing.staff == Staff.id)))
    else:
        query = (Pairing.select(*columns)
                 .join(Staff, on=(Pairing.staff == Staff.id))
                 .switch(Pairing).join(Child, on=(Pairing.child == Child.id))
                 .where(pairs))
    day_of = _day_reader()
    for cid, pkind, sid, sname, started, *lasts in db.execute(query).fetchall():
        if sid == staff_id:
            paired_with_me.add(cid)
        if pkind not in helper_kinds:
            continue
        started = day_of(started)
        group = groups.get((cid, pkind))
        if group is None:
            groups[(cid, pkind)] = [started, {sname: None}]
        else:
            if started < group[0]:
                group[0] = started
            group[1][sname] = None
        for (hk, ck), at in zip(helper_keys, lasts):
            if at is not None:
                day = day_of(at)
                if helper_last.get((cid, hk, ck), dt.date.min) < day:
                    helper_last[(cid, hk, ck)] = day
    # per child and helper kind: the duty period's start (the earliest pairing's) and the helpers' names
    helper_of: dict[tuple[int, str], tuple[dt.date, str]] = {
        key: (max(term.start, first), "、".join(names)) for key, (first, names) in groups.items()}

    out: list[tuple[tuple, Duty]] = []
    limit = None if horizon_days is None else on_date + dt.timedelta(days=horizon_days)
    horizon = DEFAULT_HORIZON if horizon_days is None else horizon_days
    sees_labels = may_see_attention(viewer)
    # Per due date (a few dozen distinct ones): its days overdue and status.
    verdicts: dict[dt.date, tuple[int, str]] = {}

    def verdict(due: dt.date) -> tuple[int, str]:
        found = verdicts.get(due)
        if found is None:
            found = verdicts[due] = (max(0, (on_date - due).days), status_of(due, on_date, horizon))
        return found

    # Per rule, once: where its last contact is read, and its step when it is a plain interval.
    plan = [(rule, rule.helper_kind, None if rule.helper_kind else plain.index(rule.contact_kind),
             dt.timedelta(days=rule.interval_days) if (not rule.per_term and not rule.rrule.strip()
                                                       and rule.interval_days) else None)
            for rule in rules]
    plans: dict[tuple[bool, str], list] = {}  # the plan's rules that apply, per (重点, 关注 level seen)
    # The children's order (class, then name) as a rank: the sort keys below are short tuples.
    rank = {row[0]: i for i, row in enumerate(sorted(
        children, key=lambda r: (r[6] if r[6] is not None else 99, r[7] or 0, r[5] or "", r[2] or "", r[1], r[0])))}
    term_start, term_end = term.start, term.end
    for (cid, name, pinyin, key_target, room_id, room_name, grade, number, head_id, school, level, review, since, _top,
         *lasts) in children:
        mine = staff_id is not None and (staff_id == head_id or cid in paired_with_me)
        if only_mine and not mine:
            continue
        order = rank[cid]
        room = room_name or ""
        # a 需要关注 label (its cadences, its review) only where the viewer may see it (models/scope.py)
        labelled = bool(level or review) and sees_labels and attention_visible(viewer, school, room_id)
        if labelled and review is not None and (kind is None or kind in (REVIEW, "谈心")):
            review = day_of(review)
            if limit is None or review <= limit:
                overdue, status = verdict(review)
                out.append(((not mine, review, order, -1, REVIEW_RULE_ID), Duty(
                    cid, name, room, room_id, REVIEW_RULE_ID, REVIEW, "谈心", review, overdue, status, None, "", mine)))
        level_seen = (level or "") if labelled else ""
        applying = plans.get((bool(key_target), level_seen))
        if applying is None:
            applying = plans[(bool(key_target), level_seen)] = [
                p for p in plan if rule_applies(p[0].applies_to, key_target, level_seen)]
        for rule, helper_kind, at, step in applying:
            if helper_kind:
                found = helper_of.get((cid, helper_kind))
                if found is None:
                    continue
                start, helper = found
                last = helper_last.get((cid, helper_kind, rule.contact_kind))
            else:
                start, helper = term_start, ""
                if labelled and since is not None and rule.applies_to != "all":
                    # a confirmed child's tighter cadences (and 重点's) count from the confirmation
                    start = max(start, day_of(since))
                last = lasts[at]
                if last is not None:
                    last = day_of(last)
            met = last if last is not None and last >= start else None
            if step is not None:  # due_date's interval case, inline (most duties)
                due = (met or start) + step
                if due > term_end:
                    continue
            else:
                due = due_date(rule, last_met=last, period_start=start, term=term)
                if due is None:
                    continue
            if limit is not None and due > limit:
                continue
            overdue, status = verdicts.get(due) or verdict(due)
            out.append(((not mine, due, order, rule.sort_order, rule.id), Duty(
                cid, name, room, room_id, rule.id, rule.name, rule.contact_kind, due, overdue, status, met, helper,
                mine)))
    if kind is None or kind == FOLLOW_UP or kind in CONTACT_KINDS:
        rooms = {cid: (name, pinyin, room_id, room_name, grade, number, head_id)
                 for cid, name, pinyin, _k, room_id, room_name, grade, number, head_id, *_ in children}
        for duty in _follow_ups(rooms, many, on_date, lo, hi, limit, horizon_days, staff_id,
                                None if kind in (None, FOLLOW_UP) else kind):
            if only_mine and not duty.mine:
                continue
            out.append(((not duty.mine, duty.due, rank[duty.child_id], 10 ** 6, -duty.rule_id), duty))
    out.sort(key=itemgetter(0))
    return [d for _, d in out]


FOLLOW_UP = "跟进"


def _follow_ups(rooms: dict, many: bool, on_date: dt.date, lo: dt.datetime, hi: dt.datetime, limit: dt.date | None,
                horizon_days: int | None, staff_id: int | None, kind: str | None):
    """A talk's follow-up date (跟进日期) as a duty of whoever wrote it: open from the talk (this term)
    until that staff member records another reached contact with the child after it; due on the
    date written. ``rule_id`` is the talk's id, negated (no rule has it)."""
    if not rooms:
        return
    later = Contact.alias("later")
    met = later.select(later.id).where(
        (later.child == Contact.child) & (later.at > Contact.at) & (later.at < hi) & (later.reached == True)  # noqa: E712
        & ((later.staff == Contact.staff) | Contact.staff.is_null()))
    db = Child._meta.database
    if many:
        # a quarter or more of the database's children: one pass over the contacts with a follow-up date
        # (migration 0019's partial index, which holds every column read here; on SQLite "+at" keeps the
        # planner off the (at) index, whose range fetches the term's rows in random order: 0.016 s rather
        # than 0.12-0.15 s on a school of 20,000), the others' dropped below
        at = pw.NodeList((pw.SQL("+"), Contact.at), glue="") if dbmod.is_sqlite() else Contact.at
        which = (at >= lo) & (at < hi)
    else:  # a few: each child's own contacts of the term, through the (child, at) index
        which = Contact.child.in_(sorted(rooms)) & (Contact.at >= lo) & (Contact.at < hi)
    q = (Contact.select(Contact.id, Contact.child, Contact.kind, Contact.follow_up_due, Contact.staff, Staff.name)
         .join(Staff, pw.JOIN.LEFT_OUTER, on=(Contact.staff == Staff.id))
         .where(which & Contact.follow_up_due.is_null(False) & ~pw.fn.EXISTS(met)))
    if kind is not None:
        q = q.where(Contact.kind == kind)
    for cid_contact, cid, ckind, due, author, author_name in db.execute(q).fetchall():
        if cid not in rooms:
            continue
        due = _as_date(due)
        if limit is not None and due > limit:
            continue
        name, pinyin, room_id, room_name, grade, number, head_id = rooms[cid]
        mine = staff_id is not None and staff_id in (author, head_id)
        yield Duty(
            child_id=cid, child_name=name, class_name=room_name or "", classroom_id=room_id,
            rule_id=-cid_contact, rule_name=FOLLOW_UP, contact_kind=ckind, due=due,
            days_overdue=max(0, (on_date - due).days),
            status=status_of(due, on_date, DEFAULT_HORIZON if horizon_days is None else horizon_days),
            last_met=None, helper=author_name or "", mine=mine,
        )


def _top_child_id():
    """A column of the children query: the highest child id, which stands for the number of children
    in the database (deleted rows only make it larger), read once with the children (no statement
    more): ``_follow_ups`` reads a large part of them another way than a few."""
    top = Child.alias("top")
    return top.select(pw.fn.MAX(top.id))


REPORT_DUTY = "强制报告待确认"
RECHECK_DUTY = "监护干预复查"
RECHECK_KINDS = ("家访", "家长电话", "监护人座谈")  # a reached one of these after the note is the re-check
PROTECTION_RULE_BASE = 2 * 10 ** 9  # these duties' rule ids: -(base + 2 * row id) (+1 for a re-check)


def _protection_duties(on_date: dt.date, *, viewer: Viewer, school_id, classroom_id, child_id, staff_id,
                       only_mine: bool, limit: dt.date | None, kind: str | None, horizon_days: int) -> list[Duty]:
    """The head's unconfirmed 强制报告 (due the day after it was filed, so overdue once 24 h have
    surely passed; only for whoever confirms reports, ``scope.may_confirm_report``) and each
    监护干预's re-check (due 7 days after the village was told, for whoever sees the child; met by
    ``rechecked_on`` or a reached 家访, 家长电话 or 监护人座谈 from the day of the note on)."""
    from models.entities import Intervention, Report
    from models.scope import may_confirm_report, report_condition

    where = pw.SQL("1 = 1")
    if school_id is not None:
        where &= Child.school == school_id
    if classroom_id is not None:
        where &= Child.classroom.in_(classroom_id)
    if child_id is not None:
        where &= Child.id.in_(child_id)
    child_cols = (Child.id, Child.name, Child.classroom, Classroom.name)
    found = []
    if kind in (None, REPORT_DUTY) and may_confirm_report(viewer):
        q = (Report.select(Report.id, Report.created_at, *child_cols)
             .join(Child, on=(Report.child == Child.id))
             .join(Classroom, pw.JOIN.LEFT_OUTER, on=(Child.classroom == Classroom.id))
             .where(where & report_condition(viewer, Report) & Report.confirmed_at.is_null()
                    & Report.closed_at.is_null()))
        for rid, created, *rest in q.tuples():
            found.append((REPORT_DUTY, "强制报告", -(PROTECTION_RULE_BASE + 2 * rid),
                          _as_date(created) + dt.timedelta(days=1), True, rest))
    if kind in (None, RECHECK_DUTY):
        later = Contact.alias("recheck")
        met = later.select(later.id).where(
            (later.child == Intervention.child) & later.kind.in_(RECHECK_KINDS) & (later.reached == True)  # noqa: E712
            & (later.at >= Intervention.noted_on)
            & (later.at < dt.datetime.combine(on_date + dt.timedelta(days=1), dt.time())))
        q = (Intervention.select(Intervention.id, Intervention.recheck_due, Intervention.staff, Classroom.head_teacher,
                                 *child_cols)
             .join(Child, on=(Intervention.child == Child.id))
             .join(Classroom, pw.JOIN.LEFT_OUTER, on=(Child.classroom == Classroom.id))
             .where(where & child_condition(viewer) & Intervention.rechecked_on.is_null() & ~pw.fn.EXISTS(met)))
        for iid, due, author, head_id, *rest in q.tuples():
            found.append((RECHECK_DUTY, "家访", -(PROTECTION_RULE_BASE + 2 * iid + 1), _as_date(due),
                          staff_id is not None and staff_id in (author, head_id), rest))
    out = []
    for name, contact_kind, rule_id, due, mine, (cid, cname, room_id, room) in found:
        if (limit is not None and due > limit) or (only_mine and not mine):
            continue
        out.append(Duty(child_id=cid, child_name=cname, class_name=room or "", classroom_id=room_id, rule_id=rule_id,
                        rule_name=name, contact_kind=contact_kind, due=due, days_overdue=max(0, (on_date - due).days),
                        status=status_of(due, on_date, horizon_days), last_met=None, mine=mine))
    return out


CASE_DUTIES = ("缺课核实", "劝返家访")  # models.dropout's VERIFY_DUTY, VISIT_DUTY
DROPOUT_RULE_BASE = 3 * 10 ** 9  # these duties' rule ids: -(base + 2 * case id) (+1 for the visit)


def case_of_duty(rule_id: int) -> int:
    """The 辍学风险 case of a 缺课核实 or 劝返家访 duty, from its rule id."""
    return (-rule_id - DROPOUT_RULE_BASE) // 2


def _dropout_duties(on_date: dt.date, *, viewer: Viewer, school_id, classroom_id, child_id, staff_id,
                    only_mine: bool, limit: dt.date | None, kind: str | None, horizon_days: int) -> list[Duty]:
    """控辍保学: an open 辍学风险 case's 缺课核实 and 劝返家访 (``models.dropout.case_duties``), open in
    the holidays too, the class teacher's own."""
    if kind not in (None, *CASE_DUTIES):
        return []
    from models.dropout import VISIT_DUTY, case_duties

    where = pw.SQL("1 = 1")
    if school_id is not None:
        where &= Child.school == school_id
    if classroom_id is not None:
        where &= Child.classroom.in_(classroom_id)
    if child_id is not None:
        where &= Child.id.in_(child_id)
    out = []
    for d in case_duties(on_date, viewer=viewer, where=where, staff_id=staff_id, kind=kind):
        if (limit is not None and d.due > limit) or (only_mine and not d.mine):
            continue
        out.append(Duty(child_id=d.child_id, child_name=d.child_name, class_name=d.class_name,
                        classroom_id=d.classroom_id, rule_id=-(DROPOUT_RULE_BASE + 2 * d.case_id + (d.name == VISIT_DUTY)),
                        rule_name=d.name, contact_kind=d.contact_kind, due=d.due,
                        days_overdue=max(0, (on_date - d.due).days), status=status_of(d.due, on_date, horizon_days),
                        last_met=None, mine=d.mine))
    return out


def count_by_status(duties: Iterable[Duty]) -> dict[str, int]:
    """How many duties per status (逾期 / 今天 / 本周), for a panel header (counted in C: a whole
    school's 25,000 duties took 6 ms counted one by one)."""
    counts = dict.fromkeys(STATUSES, 0)
    for status, n in Counter(map(attrgetter("status"), duties)).items():
        counts[status] = counts.get(status, 0) + n
    return counts


def mine_first(duties: list[Duty]) -> list[Duty]:
    """The asking staff member's own duties of a list ``open_duties`` made: they come first, so
    they are the list's head (found by bisection, not by reading every duty)."""
    return duties[:bisect.bisect_left(duties, True, key=_not_mine)]


def _not_mine(d: Duty) -> bool:
    return not d.mine


def duties_for_child(child_id: int, on_date: dt.date, *, viewer: Viewer, staff_id: int | None = None) -> list[Duty]:
    """Every duty of one child in the current term, open or not yet (for the child's page)."""
    return open_duties(on_date, viewer=viewer, child_id=child_id, staff_id=staff_id, horizon_days=None)


def last_met(child_id: int, rule: CareRule, on_date: dt.date | None = None) -> dt.date | None:
    """The date of the child's last contact that meets ``rule`` on or before ``on_date`` (any term).

    For a helper rule only contacts by a staff member paired with the child in that kind (on
    ``on_date``) count."""
    on_date = _checked_day(on_date or dt.date.today())
    hi = dt.datetime.combine(on_date + dt.timedelta(days=1), dt.time())
    q = (Contact.select(pw.fn.MAX(Contact.at))
         .where((Contact.child == child_id) & (Contact.kind == rule.contact_kind)
                & (Contact.reached == True) & (Contact.at < hi)))  # noqa: E712
    if rule.helper_kind:
        q = q.join(Pairing, on=((Pairing.child == Contact.child) & (Pairing.staff == Contact.staff))).where(
            (Pairing.kind == rule.helper_kind) & active_pairing(on_date))
    return _as_date(q.scalar())


def known_kinds() -> list[str]:
    """What ``--kind`` accepts: the contact kinds, the names of the active rules and 跟进."""
    rules = care_rules()
    return list(dict.fromkeys([*CONTACT_KINDS, *(r.contact_kind for r in rules), *(r.name for r in rules),
                               FOLLOW_UP, REVIEW, REPORT_DUTY, RECHECK_DUTY, *CASE_DUTIES]))
