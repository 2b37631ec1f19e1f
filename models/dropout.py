"""控辍保学 (dropout prevention): the absence log, the 辍学风险 case and its 劝返, the monthly sheet.

A teacher marks a child absent for a day (or a range) with a reason (``rules.ABSENCE_REASONS``); one
row per child and school day, so marking twice changes nothing, and marking present again removes it.
School days are the school's term days (``models.terms``: 寒假 and 暑假 are not) from Monday to
Friday, without the statutory holidays (元旦, 清明, 劳动节, 端午, 中秋, 国庆).

The rule: absent on more than 3 consecutive school days (``rules.DROPOUT_MIN_DAYS``; a school day
without an absence in between breaks the run, a weekend or a holiday does not) opens a case, with
two duties in 待办 (``models.duties``): 缺课核实 (verify where the child is, due the day it opened)
and 劝返家访 (the class teacher's home visit, due ``rules.DROPOUT_VISIT_DAYS`` later; met by a
reached 家访 or a 劝返 by 家访). Each 劝返 attempt is logged (when, the staff member and/or a 村干部 by
name, 家访/电话/约谈, 有效/无效); after N attempts 无效 (the setting ``dropout.failed_attempts``, 3)
the case has a 书面报告 for the township, its text built from the case. The child's return — a
present day from the case's opening on, or an explicit 返校 with its date — closes the case
(动态销号). The head may confirm 辍学: the child's status follows (辍学 from the first absent day,
在读 again on its return); its pairings stay, since the 劝返 goes on.

Who may do what is ``models.scope`` (``require_absence``, ``require_confirm_dropout``,
``require_dropout_sheet``); every change is in the audit log. No textual here.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import peewee as pw

from models import audit, rules, scope, settings, terms
from models import db as dbmod
from models.coerce import as_date
from models.conflicts import next_stamp
from models.entities import Absence, Child, Classroom, Contact, DropoutAttempt, DropoutCase, School, Staff
from models.masking import mask_id
from models.sanitize import clean_text, first_refused_in_line
from models.validation import Invalid, validate_date

OPEN = "劝返中"
REPORTED = "书面报告"
CLOSED = "已返校"
VERIFY_DUTY = "缺课核实"
VISIT_DUTY = "劝返家访"
FAILED_SETTING = "dropout.failed_attempts"
MAX_RANGE_DAYS = 62  # one range at a time: about a month of school days
NOTE_LIMIT = 2000


class DropoutError(Invalid):
    """Bad input for an absence or a case; the message is for the user."""


# --------------------------------------------------------------------------- school days


def statutory_holidays(year: int) -> frozenset[dt.date]:
    """元旦, 清明, 劳动节 (5 days), 端午, 中秋, 国庆 (7 days) of a year: no school (the lunar ones only
    within the lunar library's range)."""
    days = {dt.date(year, 1, 1)}
    days.update(dt.date(year, 5, d) for d in range(1, 6))
    days.update(dt.date(year, 10, d) for d in range(1, 8))
    try:
        from models.calendar.lunar import festival_date

        days.update(festival_date(year, name) for name in ("清明", "端午节", "中秋节"))
    except Exception:  # outside 1900-2100 the fixed-date holidays stand alone
        pass
    return frozenset(days)


def school_days(first: dt.date, last: dt.date, *, school_id: int | None) -> list[dt.date]:
    """The school days in [first, last], in order (one query: the school's term dates)."""
    found = []
    for term in terms.terms_overlapping(first, last, school_id=school_id):
        day, end = max(first, term.start), min(last, term.end)
        holidays: dict[int, frozenset] = {}
        while day <= end:
            if day.weekday() < 5:
                if day.year not in holidays:
                    holidays[day.year] = statutory_holidays(day.year)
                if day not in holidays[day.year]:
                    found.append(day)
            day += dt.timedelta(days=1)
    return sorted(set(found))


def is_school_day(day: dt.date, *, school_id: int | None) -> bool:
    return bool(school_days(day, day, school_id=school_id))


def absence_run(absent: list[dt.date], days: list[dt.date], min_days: int = rules.DROPOUT_MIN_DAYS
                ) -> list[dt.date] | None:
    """The first run of at least ``min_days`` consecutive school days (``days``, in order) that are all
    in ``absent``; None when there is none. Absences on other days do not count or break a run."""
    marked = set(absent)
    run: list[dt.date] = []
    for day in days:
        if day in marked:
            run.append(day)
            if len(run) >= min_days:
                # the whole run: it goes on while the following school days are absent too
                rest = days[days.index(day) + 1:]
                for later in rest:
                    if later not in marked:
                        break
                    run.append(later)
                return run
        else:
            run = []
    return None


def failed_attempts_needed(school_id: int | None) -> int:
    """N: 劝返 attempts marked 无效 before a 书面报告 (the school setting, else 3)."""
    try:
        value = int(settings.get(school_id, FAILED_SETTING, str(rules.DROPOUT_FAILED_ATTEMPTS)))
    except ValueError:
        value = rules.DROPOUT_FAILED_ATTEMPTS
    return max(1, value)


def set_failed_attempts(school_id: int | None, value, *, viewer: scope.Viewer) -> int:
    """Change N (劝返 无效 before a 书面报告, 1-10): a rule of the school, so the admin's and the
    head's (``scope.require_rule_editor``); audited as a setting. Cases already reported stay so."""
    scope.require_rule_editor(viewer)
    try:
        n = int(str(value).strip())
    except ValueError:
        raise DropoutError(f"劝返次数应为 1 到 10 的整数: {value}") from None
    if not 1 <= n <= 10:
        raise DropoutError(f"劝返次数应为 1 到 10 的整数: {value}")
    settings.put(school_id, FAILED_SETTING, str(n), staff_id=viewer.staff_id)
    return n


# --------------------------------------------------------------------------- marking absences


@dataclass
class MarkResult:
    days: list[dt.date]  # the school days now marked (new or with a changed reason)
    skipped: int  # days of the range that are no school days
    opened: int | None = None  # the case the marks opened
    closed: int | None = None  # the case a present day closed


def _day(value, *, field: str, today: dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = (value or "").strip()
    if len(text) in (4, 5) and "-" in text:  # 12-06: this year
        text = f"{today.year}-{text}"
    return validate_date(text, field=field, allow_future=True, today=today)


def _child(child_id: int) -> Child:
    child = Child.get_or_none(Child.id == child_id)
    if child is None:
        raise DropoutError("这个孩子的档案已不存在")
    return child


def _open_case(child_id: int) -> DropoutCase | None:
    return (DropoutCase.select().where((DropoutCase.child == child_id) & DropoutCase.closed_on.is_null())
            .order_by(DropoutCase.id.desc()).first())


def mark_absent(child_id: int, first, last=None, *, reason: str, viewer: scope.Viewer,
                today: dt.date | None = None) -> MarkResult:
    """Mark the child absent on each school day of [first, last] (``last`` empty: one day) with the
    reason; a day already marked keeps its row (the reason is updated). Then the rule: a run long
    enough opens a case. All or nothing, audited."""
    scope.require_absence(viewer, child_id)
    today = today or dt.date.today()
    if reason not in rules.ABSENCE_REASONS:
        raise DropoutError(f"缺课原因只能是: {'、'.join(rules.ABSENCE_REASONS)}")
    start = _day(first, field="缺课日期", today=today)
    end = _day(last, field="结束日期", today=today) if last not in (None, "") else start
    if end < start:
        raise DropoutError("结束日期不能早于开始日期")
    if end > today:
        raise DropoutError("缺课只能登记到今天为止")
    if (end - start).days > MAX_RANGE_DAYS:
        raise DropoutError(f"一次最多登记 {MAX_RANGE_DAYS} 天, 请分段登记")
    child = _child(child_id)
    if child.status in ("转出", "毕业"):
        raise DropoutError(f"{child.name}已{child.status}, 不再登记缺课")
    days = school_days(start, end, school_id=child.school_id)
    if not days:
        raise DropoutError(f"{start:%m-%d}" + (f" 至 {end:%m-%d}" if end != start else "")
                           + " 不是上学日 (周末、节假日或寒暑假)")
    skipped = (end - start).days + 1 - len(days)
    now = dt.datetime.now().replace(microsecond=0)
    with dbmod.write():
        have = {as_date(d): (i, r) for i, d, r in Absence.select(Absence.id, Absence.day, Absence.reason)
                .where((Absence.child == child_id) & Absence.day.between(start, end)).tuples()}
        changed, log = [], []
        for day in days:
            if day in have:
                row_id, old = have[day]
                if old != reason:
                    Absence.update(reason=reason, staff=viewer.staff_id).where(Absence.id == row_id).execute()
                    log.append((row_id, {"reason": old}, {"reason": reason}))
                    changed.append(day)
                continue
            try:
                with dbmod.write():  # a savepoint: another teacher may mark the same day this moment
                    row = Absence.create(child=child_id, day=day, reason=reason, staff=viewer.staff_id,
                                         created_at=now)
            except pw.IntegrityError:  # the (child, day) index: marked meanwhile, one row it is
                continue
            log.append((row.id, None, {"child": child_id, "day": day.isoformat(), "reason": reason}))
            changed.append(day)
        for row_id, old, new in log:
            audit.record("update" if old else "create", "absence", row_id, staff_id=viewer.staff_id, at=now,
                         old=old, new=new)
        opened = _apply_rule(child, today=today, staff_id=viewer.staff_id, now=now)
    return MarkResult(days=changed, skipped=skipped, opened=opened)


def _apply_rule(child: Child, *, today: dt.date, staff_id: int | None, now: dt.datetime) -> int | None:
    """Open a case when the child's absences since its last case closed hold a long enough run."""
    if _open_case(child.id) is not None:
        return None
    last_closed = (DropoutCase.select(pw.fn.MAX(DropoutCase.closed_on))
                   .where(DropoutCase.child == child.id).scalar())
    q = Absence.select(Absence.day, Absence.reason).where(Absence.child == child.id)
    if last_closed is not None:
        q = q.where(Absence.day > as_date(last_closed))
    marks = {as_date(d): r for d, r in q.tuples()}
    if len(marks) < rules.DROPOUT_MIN_DAYS:
        return None
    run = absence_run(sorted(marks), school_days(min(marks), max(marks), school_id=child.school_id))
    if run is None:
        return None
    counts = Counter(marks[d] for d in run)
    # the most frequent reason; on a tie the one that worries most (无故缺课 first)
    reason = max(counts, key=lambda r: (counts[r], _worry(r)))
    try:
        with dbmod.write():  # a savepoint: on PostgreSQL a failed insert must not end the whole transaction
            case = DropoutCase.create(school=child.school_id, child=child.id, first_absent=run[0],
                                      opened_on=max(today, run[rules.DROPOUT_MIN_DAYS - 1]), reason=reason,
                                      created_at=now)
    except pw.IntegrityError:  # dropout_case_one_open: another teacher's mark opened it a moment ago
        return None
    audit.record("create", "dropout_case", case.id, staff_id=staff_id, at=now,
                 new={"child": child.id, "first_absent": run[0].isoformat(), "days": len(run), "reason": reason})
    return case.id


def _worry(reason: str) -> int:
    """How much a reason worries (无故缺课 most, 病假 least): ties in a run go to the worrying one."""
    order = ("病假", "事假", "其他", "无故缺课")
    return order.index(reason) if reason in order else 0


def mark_present(child_id: int, day, *, viewer: scope.Viewer, today: dt.date | None = None) -> MarkResult:
    """The child is at school on ``day``: its absence that day (if any) goes; a school day from its
    open case's opening on closes the case (返校, 动态销号). Nothing to change: nothing written."""
    scope.require_absence(viewer, child_id)
    today = today or dt.date.today()
    day = _day(day, field="日期", today=today)
    if day > today:
        raise DropoutError("出勤只能登记到今天为止")
    child = _child(child_id)
    now = dt.datetime.now().replace(microsecond=0)
    closed = None
    with dbmod.write():
        row = Absence.get_or_none((Absence.child == child_id) & (Absence.day == day))
        if row is not None:
            audit.record("delete", "absence", row.id, staff_id=viewer.staff_id, at=now,
                         old={"child": child_id, "day": day.isoformat(), "reason": row.reason})
            row.delete_instance()
        case = _open_case(child_id)
        if case is not None and day >= as_date(case.opened_on) and is_school_day(day, school_id=child.school_id):
            _close(case, child, day, staff_id=viewer.staff_id, now=now)
            closed = case.id
    return MarkResult(days=[day] if row is not None else [], skipped=0, closed=closed)


def _close(case: DropoutCase, child: Child, day: dt.date, *, staff_id: int | None, now: dt.datetime) -> None:
    case.closed_on = day
    case.save()
    audit.record("close", "dropout_case", case.id, staff_id=staff_id, at=now,
                 new={"child": child.id, "closed_on": day.isoformat()})
    if child.status == "辍学":  # the confirmed 辍学 follows the case: back at school
        _set_status(child, "在读", None, staff_id=staff_id, now=now)


def _set_status(child: Child, status: str, day: dt.date | None, *, staff_id: int | None, now: dt.datetime) -> None:
    before = as_date(child.status_date)
    old = {"status": child.status, "status_date": before.isoformat() if before else None}
    # a newer stamp than the record's: a child form opened before this change reports a conflict
    Child.update(status=status, status_date=day, updated_at=next_stamp(child.updated_at, now),
                 updated_by=staff_id).where(Child.id == child.id).execute()
    audit.record("update", "child", child.id, staff_id=staff_id, at=now, old=old,
                 new={"status": status, "status_date": day.isoformat() if day else None})


def absences_on(day: dt.date, *, viewer: scope.Viewer, classroom_id: int | None = None) -> dict[int, str]:
    """The reasons of the children absent on ``day`` whom the viewer follows (one query)."""
    q = (Absence.select(Absence.child, Absence.reason).join(Child, on=(Absence.child == Child.id))
         .where((Absence.day == day) & scope.dropout_condition(viewer)))
    if classroom_id is not None:
        q = q.where(Child.classroom == classroom_id)
    return dict(q.tuples())


@dataclass
class RegisterRow:
    """One child of a class register (全班考勤): its absence reason that day ("" when present) and
    the state of its open 辍学风险 case ("" when none)."""
    child_id: int
    name: str
    reason: str
    case: str


def class_register(classroom_id: int, day: dt.date, *, viewer: scope.Viewer) -> list[RegisterRow]:
    """The children of a class the viewer may mark (at school or 辍学, not archived), by name, with
    their absence on ``day`` and open case; three queries."""
    if not scope.may_mark_absence(viewer):
        raise scope.ForbiddenError(scope.ABSENCE_FORBIDDEN)
    kids = list(Child.select(Child.id, Child.name).where(
        (Child.classroom == classroom_id) & Child.status.in_(("在读", "辍学")) & Child.archived_at.is_null()
        & scope.dropout_condition(viewer)).order_by(Child.name_pinyin, Child.id).tuples())
    absent = absences_on(day, viewer=viewer, classroom_id=classroom_id)
    cases = {cid: (OPEN if reported is None else REPORTED) for cid, reported in DropoutCase.select(
        DropoutCase.child, DropoutCase.reported_on).where(
        DropoutCase.child.in_([k for k, _ in kids]) & DropoutCase.closed_on.is_null()).tuples()} if kids else {}
    return [RegisterRow(cid, name, absent.get(cid, ""), cases.get(cid, "")) for cid, name in kids]


# --------------------------------------------------------------------------- the case


def _case_for(case_id: int, viewer: scope.Viewer) -> tuple[DropoutCase, Child]:
    case = DropoutCase.get_or_none(DropoutCase.id == case_id)
    if case is None:
        raise DropoutError("这个辍学风险案例已不存在")
    scope.require_absence(viewer, case.child_id)
    return case, _child(case.child_id)


def verify_case(case_id: int, note: str = "", *, viewer: scope.Viewer, day=None,
                today: dt.date | None = None) -> None:
    """核实: the school found out where the child is and why (the 缺课核实 duty is met)."""
    today = today or dt.date.today()
    day = _day(day, field="核实日期", today=today) if day else today
    note = clean_text(note or "", multiline=True).strip()
    if len(note) > NOTE_LIMIT:
        raise DropoutError(f"核实情况不能超过 {NOTE_LIMIT} 字")
    now = dt.datetime.now().replace(microsecond=0)
    with dbmod.write():
        case, _ = _case_for(case_id, viewer)
        if day < as_date(case.first_absent) or day > today:
            raise DropoutError("核实日期不能早于缺课开始的那天, 也不能晚于今天")
        case.verified_on, case.verify_note = day, note
        case.save()
        audit.record("verify", "dropout_case", case.id, staff_id=viewer.staff_id, at=now,
                     new={"verified_on": day.isoformat()})


def add_attempt(case_id: int, values: dict, *, viewer: scope.Viewer, today: dt.date | None = None) -> int:
    """Log one 劝返 attempt (``values``: day, method, outcome, cadre, note; the staff member is the
    viewer unless ``staff_id`` is given, or none when only a 村干部 went). The Nth 无效 attempt
    (``failed_attempts_needed``) marks the case for its 书面报告. Returns the attempt's id."""
    today = today or dt.date.today()
    day = _day(values.get("day") or today, field="劝返日期", today=today)
    method, outcome = values.get("method") or "", values.get("outcome") or ""
    if method not in rules.PERSUADE_METHODS:
        raise DropoutError(f"劝返方式只能是: {'、'.join(rules.PERSUADE_METHODS)}")
    if outcome not in rules.PERSUADE_OUTCOMES:
        raise DropoutError(f"劝返结果只能是: {'、'.join(rules.PERSUADE_OUTCOMES)}")
    cadre = (values.get("cadre") or "").strip()
    refused = first_refused_in_line(cadre)
    if refused:
        raise DropoutError(f"村干部姓名第 {refused[0]} 个字符不能用")
    if len(cadre) > 50:
        raise DropoutError("村干部姓名不能超过 50 字")
    note = clean_text(values.get("note") or "", multiline=True).strip()
    if len(note) > NOTE_LIMIT:
        raise DropoutError(f"情况说明不能超过 {NOTE_LIMIT} 字 (现在 {len(note)} 字)")
    staff_id = values["staff_id"] if "staff_id" in values else viewer.staff_id
    if staff_id is None and not cadre:
        raise DropoutError("请写明劝返人: 教师或村干部")
    now = dt.datetime.now().replace(microsecond=0)
    with dbmod.write():
        case, child = _case_for(case_id, viewer)
        if case.closed_on is not None:
            raise DropoutError("这个孩子已返校, 案例已销号")
        if day < as_date(case.first_absent) or day > today:
            raise DropoutError("劝返日期不能早于缺课开始的那天, 也不能晚于今天")
        row = DropoutAttempt.create(case=case.id, day=day, staff=staff_id, cadre=cadre, method=method,
                                    outcome=outcome, note=note, created_at=now)
        audit.record("create", "dropout_attempt", row.id, staff_id=viewer.staff_id, at=now,
                     new={"case": case.id, "day": day.isoformat(), "method": method, "outcome": outcome,
                          "cadre": cadre})
        failed = (DropoutAttempt.select().where((DropoutAttempt.case == case.id)
                                                & (DropoutAttempt.outcome == "无效")).count())
        if case.reported_on is None and failed >= failed_attempts_needed(child.school_id):
            case.reported_on = day
            case.save()
            audit.record("report", "dropout_case", case.id, staff_id=viewer.staff_id, at=now,
                         new={"reported_on": day.isoformat(), "failed": failed})
    return row.id


def record_return(case_id: int, day=None, *, viewer: scope.Viewer, today: dt.date | None = None) -> None:
    """返校: the child is back at school on ``day`` (today by default): its absence that day goes and
    the case closes (动态销号); a confirmed 辍学 becomes 在读 again."""
    today = today or dt.date.today()
    day = _day(day, field="返校日期", today=today) if day else today
    now = dt.datetime.now().replace(microsecond=0)
    with dbmod.write():
        case, child = _case_for(case_id, viewer)
        if case.closed_on is not None:
            raise DropoutError(f"已于 {as_date(case.closed_on):%m-%d} 返校销号")
        if day <= as_date(case.first_absent) or day > today:
            raise DropoutError("返校日期应晚于缺课开始的那天, 且不晚于今天")
        row = Absence.get_or_none((Absence.child == child.id) & (Absence.day == day))
        if row is not None:
            audit.record("delete", "absence", row.id, staff_id=viewer.staff_id, at=now,
                         old={"child": child.id, "day": day.isoformat(), "reason": row.reason})
            row.delete_instance()
        _close(case, child, day, staff_id=viewer.staff_id, now=now)


def confirm_dropout(case_id: int, *, viewer: scope.Viewer, today: dt.date | None = None) -> None:
    """The head confirms the case as 辍学: the child's status is 辍学 from its first absent day (its
    pairings stay: the 劝返 goes on)."""
    scope.require_confirm_dropout(viewer)
    today = today or dt.date.today()
    now = dt.datetime.now().replace(microsecond=0)
    with dbmod.write():
        case, child = _case_for(case_id, viewer)
        if case.closed_on is not None:
            raise DropoutError("这个孩子已返校, 不能确认辍学")
        if case.confirmed_on is not None:
            return
        case.confirmed_on = today
        case.save()
        audit.record("confirm", "dropout_case", case.id, staff_id=viewer.staff_id, at=now,
                     new={"confirmed_on": today.isoformat()})
        if child.status != "辍学":
            _set_status(child, "辍学", as_date(case.first_absent), staff_id=viewer.staff_id, now=now)


# --------------------------------------------------------------------------- reading


@dataclass
class AttemptView:
    id: int
    day: dt.date
    staff: str
    cadre: str
    method: str
    outcome: str
    note: str

    @property
    def who(self) -> str:
        return "、".join(x for x in (self.staff, f"村干部 {self.cadre}" if self.cadre else "") if x)


@dataclass
class CaseView:
    id: int
    child_id: int
    child_name: str
    sex: str
    class_name: str
    classroom_id: int | None
    id_number: str
    address: str
    head_teacher: str
    first_absent: dt.date
    opened_on: dt.date
    reason: str
    verified_on: dt.date | None
    verify_note: str
    reported_on: dt.date | None
    confirmed_on: dt.date | None
    closed_on: dt.date | None
    attempts: list[AttemptView] = field(default_factory=list)
    absences: list[tuple[dt.date, str]] = field(default_factory=list)
    class_order: tuple[int, int] = (99, 99)  # (grade, number): classes in the school's order

    def status_on(self, day: dt.date) -> str:
        if self.closed_on is not None and self.closed_on <= day:
            return CLOSED
        if self.reported_on is not None and self.reported_on <= day:
            return REPORTED
        return OPEN

    @property
    def status(self) -> str:
        return CLOSED if self.closed_on else REPORTED if self.reported_on else OPEN

    @property
    def failed(self) -> int:
        return sum(a.outcome == "无效" for a in self.attempts)


def _case_rows(where: pw.Expression, viewer: scope.Viewer) -> list[CaseView]:
    """Cases (with their attempts) matching ``where`` among the children the viewer follows: three queries."""
    Head = Staff.alias("head")
    q = (DropoutCase.select(DropoutCase, Child.name.alias("child_name"), Child.sex, Child.classroom.alias("room_id"),
                            Classroom.name.alias("class_name"), Classroom.grade, Classroom.number, Child.id_number,
                            Child.address, Head.name.alias("head_name"))
         .join(Child, on=(DropoutCase.child == Child.id))
         .join(Classroom, pw.JOIN.LEFT_OUTER, on=(Child.classroom == Classroom.id))
         .join(Head, pw.JOIN.LEFT_OUTER, on=(Classroom.head_teacher == Head.id))
         .where(where & scope.dropout_condition(viewer))
         .order_by(DropoutCase.closed_on.is_null(False), Classroom.grade, Classroom.number, Child.name_pinyin,
                   DropoutCase.id))
    out: dict[int, CaseView] = {}
    for c in q.objects():
        out[c.id] = CaseView(
            id=c.id, child_id=c.child_id, child_name=c.child_name, sex=c.sex or "", class_name=c.class_name or "",
            classroom_id=c.room_id, id_number=c.id_number or "", address=c.address or "",
            head_teacher=c.head_name or "", class_order=(c.grade or 99, c.number or 99), first_absent=as_date(c.first_absent),
            opened_on=as_date(c.opened_on), reason=c.reason, verified_on=as_date(c.verified_on),
            verify_note=c.verify_note, reported_on=as_date(c.reported_on), confirmed_on=as_date(c.confirmed_on),
            closed_on=as_date(c.closed_on))
    if out:
        q = (DropoutAttempt.select(DropoutAttempt, Staff.name.alias("staff_name")).join(Staff, pw.JOIN.LEFT_OUTER,
                                                                    on=(DropoutAttempt.staff == Staff.id))
             .where(DropoutAttempt.case.in_(list(out))).order_by(DropoutAttempt.day, DropoutAttempt.id))
        for a in q.objects():
            out[a.case_id].attempts.append(AttemptView(a.id, as_date(a.day), a.staff_name or "", a.cadre,
                                                       a.method, a.outcome, a.note))
    return list(out.values())


def cases(*, viewer: scope.Viewer, school_id: int | None = None, open_only: bool = False) -> list[CaseView]:
    """The cases the viewer follows, open ones first (by class and name), then the closed."""
    where = pw.SQL("1 = 1")
    if school_id is not None:
        where &= DropoutCase.school == school_id
    if open_only:
        where &= DropoutCase.closed_on.is_null()
    return _case_rows(where, viewer)


def case_detail(case_id: int, *, viewer: scope.Viewer) -> CaseView:
    """One case with its attempts and the absences of its run (from the first absent day to its
    closing, else to today); ``ForbiddenError`` outside the viewer's scope."""
    _case_for(case_id, viewer)
    found = _case_rows(DropoutCase.id == case_id, viewer)
    if not found:
        raise scope.ForbiddenError()
    case = found[0]
    q = Absence.select(Absence.day, Absence.reason).where(
        (Absence.child == case.child_id) & (Absence.day >= case.first_absent))
    if case.closed_on:
        q = q.where(Absence.day <= case.closed_on)
    case.absences = [(as_date(d), r) for d, r in q.order_by(Absence.day).tuples()]
    return case


def child_cases(child_id: int, *, viewer: scope.Viewer) -> list[CaseView]:
    """The child's cases, open first, for its page; none for a viewer who does not follow cases."""
    if not scope.may_mark_absence(viewer):
        return []
    return _case_rows(DropoutCase.child == child_id, viewer)


def report_text(case_id: int, *, viewer: scope.Viewer, today: dt.date | None = None) -> str:
    """The 书面报告 draft for the township, built from the case: the child, the dates, every attempt."""
    today = today or dt.date.today()
    c = case_detail(case_id, viewer=viewer)
    school = School.get_by_id(DropoutCase.get_by_id(case_id).school_id)
    addressee = f"{school.township}人民政府" if school.township else "乡镇人民政府"
    days = len(c.absences)
    lines = [f"关于{c.child_name}同学辍学情况的书面报告", "", f"{addressee}、教育管理部门:", ""]
    lines.append(
        f"    我校{c.class_name}学生{c.child_name} ({c.sex or '性别未填'}, 身份证号 {mask_id(c.id_number) or '未填'}"
        + (f", 家住{c.address}" if c.address else "") + f") 自 {c.first_absent:%Y年%m月%d日} 起连续缺课"
        + f" (登记缺课 {days} 个上学日, 主要原因: {c.reason}), 学校于 {c.opened_on:%Y年%m月%d日} 列为辍学风险"
        + (f", {c.verified_on:%m月%d日} 核实: {(c.verify_note or '已核实').rstrip('。.')}" if c.verified_on else "") + "。")
    lines.append(f"    班主任{c.head_teacher or ''}及学校先后 {len(c.attempts)} 次劝返:" if c.attempts
                 else "    学校尚未开展劝返。")
    for i, a in enumerate(c.attempts, 1):
        lines.append(f"    {i}. {a.day:%Y年%m月%d日} {a.method} ({a.who or '—'}): {a.outcome}"
                     + (f"。{a.note}" if a.note else ""))
    lines += ["", f"    经 {c.failed} 次劝返无效, 根据《义务教育法》和控辍保学工作要求, 特此报告, "
                  "请依法督促其父母或其他监护人送其返校就读。", "",
              f"{school.name:>40}", f"{today:%Y年%m月%d日}".rjust(40)]
    return "\n".join(lines)


# --------------------------------------------------------------------------- the monthly sheet


@dataclass
class SheetRow:
    """One line of the monthly 控辍保学 sheet (a paper 月报's columns)."""
    case_id: int
    child_name: str
    sex: str
    class_name: str
    id_number: str  # as stored: the exporter masks it
    first_absent: dt.date
    reason: str
    attempts: int
    responsible: str
    status: str
    closed_on: dt.date | None


@dataclass
class ClassRow:
    class_name: str
    open_at_end: int = 0
    opened: int = 0
    closed: int = 0
    attempts: int = 0


@dataclass
class MonthSheet:
    rows: list[SheetRow]
    classes: list[ClassRow]


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def monthly_sheet(year: int, month: int, *, viewer: scope.Viewer, school_id: int | None = None,
                  classroom_id: int | None = None) -> MonthSheet:
    """The month's 控辍保学 rows: each case open at some time in the month (opened by its end, not
    closed before its start) with its state at month end, and by class: open at month end, opened,
    closed (返校) and 劝返 attempts in the month. ``ForbiddenError`` for who may not have the sheet."""
    scope.require_dropout_sheet(viewer, classroom_id)
    first, last = month_bounds(year, month)
    where = (DropoutCase.opened_on <= last) & (DropoutCase.closed_on.is_null() | (DropoutCase.closed_on >= first))
    if school_id is not None:
        where &= DropoutCase.school == school_id
    if classroom_id is not None:
        where &= Child.classroom == classroom_id
    found = _case_rows(where, viewer)
    rows, by_class = [], {}
    for c in sorted(found, key=lambda c: (c.class_order, c.class_name, c.first_absent, c.id)):
        done = [a for a in c.attempts if a.day <= last]
        people = list(dict.fromkeys([c.head_teacher] + [a.staff for a in done] + [f"村干部{a.cadre}" for a in done
                                                                                 if a.cadre]))
        rows.append(SheetRow(c.id, c.child_name, c.sex, c.class_name, c.id_number, c.first_absent, c.reason,
                             len(done), "、".join(p for p in people if p), c.status_on(last),
                             c.closed_on if c.closed_on and c.closed_on <= last else None))
        k = by_class.setdefault(c.class_name, ClassRow(c.class_name))
        k.open_at_end += c.closed_on is None or c.closed_on > last
        k.opened += first <= c.opened_on <= last
        k.closed += c.closed_on is not None and first <= c.closed_on <= last
        k.attempts += sum(first <= a.day <= last for a in c.attempts)
    return MonthSheet(rows=rows, classes=list(by_class.values()))  # in the rows' (the school's) class order


# --------------------------------------------------------------------------- duties


@dataclass
class CaseDuty:
    """A case's duty for ``models.duties`` (which makes a ``Duty`` of it)."""
    name: str
    contact_kind: str
    case_id: int
    due: dt.date
    mine: bool
    child_id: int
    child_name: str
    classroom_id: int | None
    class_name: str


def case_duties(on_date: dt.date, *, viewer: scope.Viewer, where: pw.Expression, staff_id: int | None,
                kind: str | None = None) -> list[CaseDuty]:
    """The open cases' 缺课核实 (due the day the case opened, until verified) and 劝返家访 (due
    ``DROPOUT_VISIT_DAYS`` later, until a reached 家访 or a 劝返 by 家访 from the opening on); both
    are the class teacher's (``mine``). One query; ``where`` narrows ``Child``."""
    if kind not in (None, VERIFY_DUTY, VISIT_DUTY) or not scope.may_mark_absence(viewer):
        return []
    hi = dt.datetime.combine(on_date + dt.timedelta(days=1), dt.time())
    visit = Contact.alias("case_visit")
    visited = visit.select(visit.id).where(
        (visit.child == DropoutCase.child) & (visit.kind == "家访") & (visit.reached == True)  # noqa: E712
        & (visit.at >= DropoutCase.opened_on) & (visit.at < hi))
    tried = DropoutAttempt.alias("case_try")
    tried_q = tried.select(tried.id).where((tried.case == DropoutCase.id) & (tried.method == "家访")
                                           & (tried.day <= on_date))
    q = (DropoutCase.select(DropoutCase.id, DropoutCase.opened_on, DropoutCase.verified_on,
                            pw.fn.EXISTS(visited).alias("visited"), pw.fn.EXISTS(tried_q).alias("tried"),
                            Classroom.head_teacher, Child.id, Child.name, Child.classroom, Classroom.name)
         .join(Child, on=(DropoutCase.child == Child.id))
         .join(Classroom, pw.JOIN.LEFT_OUTER, on=(Child.classroom == Classroom.id))
         .where(where & DropoutCase.closed_on.is_null() & (DropoutCase.opened_on <= on_date)
                & scope.dropout_condition(viewer)))
    out = []
    for cid, opened, verified, was_visited, was_tried, head_id, child_id, name, room_id, room in q.tuples():
        opened = as_date(opened)
        mine = staff_id is not None and staff_id == head_id
        base = dict(case_id=cid, mine=mine, child_id=child_id, child_name=name, classroom_id=room_id,
                    class_name=room or "")
        if verified is None and kind in (None, VERIFY_DUTY):
            out.append(CaseDuty(VERIFY_DUTY, "家长电话", due=opened, **base))
        if not (was_visited or was_tried) and kind in (None, VISIT_DUTY):
            out.append(CaseDuty(VISIT_DUTY, "家访", due=opened + dt.timedelta(days=rules.DROPOUT_VISIT_DAYS), **base))
    return out
