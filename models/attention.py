"""需要关注: the early-warning list — children whose records already show a warning sign, each with
its reasons in plain words and dates, and the teacher's decision on them.

Rules (``AttentionRule`` rows, seeded by migration 0013, tuned by an admin with ``guanai rules``):
each has a kind computed here, a threshold (``threshold``: how many) and a window in days.
    mood               the last N reached 谈心 (within the window) all 低落 or 焦虑 (the talk's mood)
    safety             N contacts with the 安全 concern within the window (ending today)
    unanswered         the last N 家长电话/亲情电话 (within the window) all unanswered
    no_parent_contact  a left-behind child without a reached 家长电话/亲情电话 for the window's days
    guardianship       监护情况评估 差
    overdue            N duties overdue by the window's days or more (``models.duties``)
A 心理辅导 contact never counts: its content, mood and concerns are the counselor's
(``models.scope.contact_text``), and a reason is shown to a class teacher.

The list (``attention_list``): the children the viewer may label (``scope.attention_condition``)
with at least one reason newer than their last dismissal, and every confirmed child (红/黄) until
it is dismissed. It takes a fixed number of queries whatever the number of children.

Decisions (``confirm``, ``dismiss``), both audited and never changed afterwards: a confirmation sets
the level, the review date and 重点帮扶对象 (the roster's 重; the monthly 心理辅导 and the counselor's
view follow); the level's duty rules (``CareRule.applies_to`` ``attention_red``/``attention_yellow``)
and, on the review date, a 关注复查 duty follow in 待办. A dismissal (with its reason) ends a
confirmation, and hides the reasons it saw until one of them has a newer date.

No textual here.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import peewee as pw

from models import audit, duties, scope
from models import db as dbmod
from models.coerce import as_date, as_datetime
from models.entities import AttentionDecision, AttentionRule, AuditLog, Child, Classroom, Contact, Staff
from models.errors import UserError
from models.sanitize import clean_text, first_refused_in_line
from models.validation import Invalid, check_day_in_range

RULE_KINDS = {
    "mood": "连续N次谈心情绪低落或焦虑",
    "safety": "N次提到安全问题",
    "unanswered": "家长电话连续N次未接通",
    "no_parent_contact": "很久没有接通父母的电话",
    "guardianship": "监护情况评估为差",
    "overdue": "N项事项逾期",
}
LOW_MOODS = ("低落", "焦虑")
SAFETY = "安全"
PARENT_CALLS = ("家长电话", "亲情电话")
LEVELS = ("红", "黄")
CONFIRM = "confirm"
DISMISS = "dismiss"
DECISION_WORDS = {CONFIRM: "确认", DISMISS: "排除"}
REASON_MAX = 200
MAX_THRESHOLD = 20
MAX_WINDOW = 366


class AttentionError(UserError, ValueError):
    """A decision or a rule change that cannot be made; the message is for the user."""


# --------------------------------------------------------------------------- rules


def attention_rules(*, active_only: bool = True) -> list[AttentionRule]:
    q = AttentionRule.select().order_by(AttentionRule.sort_order, AttentionRule.id)
    if active_only:
        q = q.where(AttentionRule.active == True)  # noqa: E712
    return list(q)


def describe_rule(rule) -> str:
    """The rule in the teacher's words, with its threshold and window."""
    n, days = rule.threshold, rule.window_days
    return {
        "mood": f"连续{n}次谈心情绪低落或焦虑 ({days}天内)",
        "safety": f"{days}天内{n}次提到安全问题",
        "unanswered": f"家长电话/亲情电话连续{n}次未接通 ({days}天内)",
        "no_parent_contact": f"{days}天没有接通父母的电话",
        "guardianship": "监护情况评估为差",
        "overdue": f"{n}项以上事项逾期{days}天以上",
    }.get(rule.kind, rule.kind)


def update_attention_rule(name: str, *, viewer: scope.Viewer, threshold: int | None = None,
                          window_days: int | None = None, active: bool | None = None) -> AttentionRule:
    """Change one early-warning rule (admin and head: ``scope.require_rule_editor``), audited."""
    scope.require_rule_editor(viewer)
    rule = AttentionRule.get_or_none(AttentionRule.name == name)
    if rule is None:
        raise AttentionError(f"没有这条规则: {name}")
    if threshold is not None and not 1 <= threshold <= MAX_THRESHOLD:
        raise AttentionError(f"次数应在 1 到 {MAX_THRESHOLD} 之间")
    if window_days is not None and not 1 <= window_days <= MAX_WINDOW:
        raise AttentionError(f"天数应在 1 到 {MAX_WINDOW} 之间")
    before = {"threshold": rule.threshold, "window_days": rule.window_days, "active": rule.active}
    if threshold is not None:
        rule.threshold = threshold
    if window_days is not None:
        rule.window_days = window_days
    if active is not None:
        rule.active = active
    after = {f: getattr(rule, f) for f in before}
    changed = {f for f in before if before[f] != after[f]}
    if changed:
        with dbmod.write():
            rule.save()
            audit.record("update", "attention_rule", rule.id, staff_id=viewer.staff_id,
                         old={f: before[f] for f in changed}, new={f: after[f] for f in changed})
    return rule


# --------------------------------------------------------------------------- reasons


@dataclass(frozen=True)
class Reason:
    rule: str  # the rule's name (情绪低落 …)
    text: str  # plain words with dates: "11-02、11-16、11-30 连续3次谈心情绪低落"
    newest: dt.date  # the reason's newest date: a dismissal on or after it hides it


@dataclass
class Flagged:
    """A child on the list: its reasons, and its state (confirmed level and review date)."""

    child_id: int
    name: str
    class_name: str
    classroom_id: int | None
    reasons: list[Reason] = field(default_factory=list)
    level: str = ""
    review_on: dt.date | None = None
    decided_on: dt.date | None = None  # the last decision's day
    decided_by: str = ""

    @property
    def reason_text(self) -> str:
        return "; ".join(r.text for r in self.reasons)


def _md(day: dt.date) -> str:
    return day.strftime("%m-%d")


def _dates(days) -> str:
    return "、".join(_md(d) for d in sorted(days))


def _mood_words(moods) -> str:
    seen = set(moods)
    found = [m for m in LOW_MOODS if m in seen]
    return "情绪" + "或".join(found)


def _scope_children(on_date: dt.date, viewer: scope.Viewer, school_id: int | None, child_ids=None) -> pw.Expression:
    cond = (scope.attention_condition(viewer) & Child.archived_at.is_null()
            & ((Child.status == "在读") | (Child.status_date > on_date)))
    if school_id is not None:
        cond &= Child.school == school_id
    if child_ids is not None:
        cond &= Child.id.in_(sorted(child_ids))
    return cond


def compute_reasons(on_date: dt.date, *, viewer: scope.Viewer, school_id: int | None = None,
                    child_ids=None, rules: list | None = None) -> tuple[dict[int, list[Reason]], dict[int, tuple]]:
    """Every active rule over the viewer's children on ``on_date``: {child id: reasons} and the
    children read ({id: (name, class name, classroom id, pinyin, grade, number, level, review)}).
    A fixed number of queries: the children, the left-behind ones, the contacts of the longest
    window, the last reached parent call per child, and the open duties when the overdue rule is on."""
    scope.require_attention(viewer)
    try:
        on_date = check_day_in_range(on_date)
    except Invalid as exc:
        raise AttentionError(str(exc)) from None
    rules = attention_rules() if rules is None else rules
    cond = _scope_children(on_date, viewer, school_id, child_ids)
    rows = (Child.select(Child.id, Child.name, Classroom.name, Child.classroom, Child.name_pinyin, Classroom.grade,
                         Classroom.number, Child.attention_level, Child.attention_review_on,
                         Child.guardianship_grade, Child.created_at)
            .join(Classroom, pw.JOIN.LEFT_OUTER, on=(Child.classroom == Classroom.id)).where(cond).tuples())
    children: dict[int, tuple] = {}
    grade_bad: dict[int, dt.date] = {}
    for cid, name, room, room_id, pinyin, grade, number, level, review, g_grade, created in rows:
        children[cid] = (name, room or "", room_id, pinyin or "", grade, number, level or "", as_date(review))
        if g_grade == "差":
            grade_bad[cid] = (as_datetime(created) or dt.datetime.combine(on_date, dt.time())).date()
    reasons: dict[int, list[Reason]] = defaultdict(list)
    if not children or not rules:
        return reasons, children
    ids = Child.select(Child.id).where(cond)
    hi = dt.datetime.combine(on_date + dt.timedelta(days=1), dt.time())
    by_kind = {r.kind: r for r in rules}

    contact_rules = [r for r in rules if r.kind in ("mood", "safety", "unanswered")]
    if contact_rules:
        lo = dt.datetime.combine(on_date - dt.timedelta(days=max(r.window_days for r in contact_rules)), dt.time())
        q = (Contact.select(Contact.child, Contact.at, Contact.kind, Contact.reached, Contact.mood, Contact.concerns)
             .where(Contact.child.in_(ids) & (Contact.at >= lo) & (Contact.at < hi)
                    & (Contact.kind != scope.COUNSELLING)
                    & ((Contact.kind == "谈心") | Contact.kind.in_(PARENT_CALLS) | Contact.concerns.contains(SAFETY)))
             .order_by(Contact.child, Contact.at.desc()))
        per_child: dict[int, list] = defaultdict(list)
        # raw rows (a term's talks of a school: thousands), converted here as duties.py does
        for cid, at, kind, reached, mood, concerns in Contact._meta.database.execute(q).fetchall():
            per_child[cid].append((as_datetime(at), kind, bool(reached), mood or "", concerns or ""))
        for cid, contacts in per_child.items():
            for rule in contact_rules:
                since = on_date - dt.timedelta(days=rule.window_days)
                recent = [c for c in contacts if c[0].date() >= since]
                reason = _contact_reason(rule, recent)
                if reason is not None:
                    reasons[cid].append(reason)

    rule = by_kind.get("no_parent_contact")
    if rule is not None:
        subjects = {cid for (cid,) in Child.select(Child.id).where(cond & duties.subject_condition(on_date)).tuples()}
        last = dict(Contact.select(Contact.child, pw.fn.MAX(Contact.at))
                    .where(Contact.child.in_(ids) & Contact.kind.in_(PARENT_CALLS) & (Contact.reached == True)  # noqa: E712
                           & (Contact.at < hi))
                    .group_by(Contact.child).tuples())
        for cid in subjects:
            when = as_datetime(last.get(cid))
            day = when.date() if when else None
            if day is not None and (on_date - day).days < rule.window_days:
                continue
            if day is None:
                text = "没有接通过父母的电话 (家长电话、亲情电话)"
                newest = on_date - dt.timedelta(days=rule.window_days)
            else:
                text = f"{(on_date - day).days}天没有接通父母的电话 (上次 {_md(day)})"
                newest = day + dt.timedelta(days=rule.window_days)
            reasons[cid].append(Reason(rule.name, text, newest))

    rule = by_kind.get("guardianship")
    if rule is not None:
        # the day the assessment was last written (its audit row), else the record's creation: a later
        # edit of another field of the record does not bring a dismissed assessment back
        assessed = dict(AuditLog.select(AuditLog.row_id, pw.fn.MAX(AuditLog.at))
                        .where((AuditLog.table == "child") & AuditLog.row_id.in_(ids)
                               & AuditLog.new.contains('"guardianship_grade"') & (AuditLog.at < hi))
                        .group_by(AuditLog.row_id).tuples())
        for cid, day in grade_bad.items():
            when = as_datetime(assessed.get(cid))
            day = when.date() if when else day
            reasons[cid].append(Reason(rule.name, f"监护情况评估为差 ({_md(day)} 记录)", day))

    rule = by_kind.get("overdue")
    if rule is not None:
        late = defaultdict(list)
        found = duties.open_duties(on_date, viewer=scope.system_viewer(viewer.school_id), child_id=list(children),
                                   horizon_days=0)
        for d in found:
            if d.status == duties.OVERDUE and d.days_overdue >= rule.window_days:
                late[d.child_id].append(d)
        for cid, items in late.items():
            if len(items) < rule.threshold:
                continue
            items.sort(key=lambda d: d.due)
            listed = "、".join(f"{d.rule_name}({_md(d.due)})" for d in items[:3]) + ("…" if len(items) > 3 else "")
            newest = max(d.due for d in items) + dt.timedelta(days=rule.window_days)
            reasons[cid].append(Reason(rule.name, f"{len(items)}项事项逾期{rule.window_days}天以上: {listed}", newest))
    return reasons, children


def _contact_reason(rule, recent: list) -> Reason | None:
    """One contact rule over a child's contacts in its window (newest first)."""
    n = rule.threshold
    if rule.kind == "mood":
        talks = [c for c in recent if c[1] == "谈心" and c[2]][:n]
        if len(talks) == n and all(c[3] in LOW_MOODS for c in talks):
            days = [c[0].date() for c in talks]
            return Reason(rule.name, f"{_dates(days)} 连续{n}次谈心{_mood_words(c[3] for c in talks)}", max(days))
    elif rule.kind == "safety":
        hits = [c for c in recent if SAFETY in c[4].split("、")]
        if len(hits) >= n:
            days = [c[0].date() for c in hits]
            return Reason(rule.name, f"{_dates(days)} {rule.window_days}天内{len(hits)}次谈到安全问题", max(days))
    elif rule.kind == "unanswered":
        calls = [c for c in recent if c[1] in PARENT_CALLS][:n]
        if len(calls) == n and not any(c[2] for c in calls):
            days = [c[0].date() for c in calls]
            kinds = "、".join(dict.fromkeys(c[1] for c in reversed(calls)))
            return Reason(rule.name, f"{_dates(days)} {kinds}连续{n}次未接通", max(days))
    return None


def _last_decisions(child_ids) -> dict[int, tuple]:
    """Per child, its newest decision (decision, level, review, day, staff name) and its newest
    dismissal's day: one query over the decisions of the children asked about."""
    out: dict[int, dict] = {}
    q = (AttentionDecision.select(AttentionDecision.child, AttentionDecision.decision, AttentionDecision.decided_at,
                                  Staff.name)
         .join(Staff, pw.JOIN.LEFT_OUTER, on=(AttentionDecision.staff == Staff.id))
         .where(AttentionDecision.child.in_(child_ids))
         .order_by(AttentionDecision.child, AttentionDecision.decided_at.desc(), AttentionDecision.id.desc()).tuples())
    for cid, decision, at, who in q:
        item = out.setdefault(cid, {"last": None, "dismissed": None})
        day = as_datetime(at).date()
        if item["last"] is None:
            item["last"] = (decision, day, who or "")
        if decision == DISMISS and item["dismissed"] is None:
            item["dismissed"] = day
    return out


def attention_list(on_date: dt.date, *, viewer: scope.Viewer, school_id: int | None = None) -> list[Flagged]:
    """The 需要关注 list on ``on_date``: confirmed children first (红, then 黄), then the others with
    reasons not dismissed since their newest date, the most pressing rule first (the rules' order:
    a low mood before a guardianship assessment kept on file); within each, by class and name."""
    rules = attention_rules()
    rank = {r.name: i for i, r in enumerate(rules)}
    reasons, children = compute_reasons(on_date, viewer=viewer, school_id=school_id, rules=rules)
    candidates = set(reasons) | {cid for cid, c in children.items() if c[6]}
    if not candidates:
        return []
    cond = _scope_children(on_date, viewer, school_id)
    decisions = _last_decisions(Child.select(Child.id).where(cond))
    out = []
    for cid in candidates:
        name, room, room_id, pinyin, grade, number, level, review = children[cid]
        info = decisions.get(cid, {"last": None, "dismissed": None})
        dismissed = info["dismissed"]
        shown = sorted((r for r in reasons.get(cid, ()) if dismissed is None or r.newest > dismissed),
                       key=lambda r: rank.get(r.rule, len(rank)))
        if not shown and not level:
            continue
        last = info["last"]
        out.append((
            (LEVELS.index(level) if level in LEVELS else len(LEVELS),
             rank.get(shown[0].rule, len(rank)) if shown and not level else 0,
             grade if grade is not None else 99, number or 0, pinyin, name, cid),
            Flagged(cid, name, room, room_id, shown, level, review, last[1] if last else None, last[2] if last else "")))
    out.sort(key=lambda kv: kv[0])
    return [f for _, f in out]


# --------------------------------------------------------------------------- decisions


def _checked_reason(text: str | None, *, required: bool) -> str:
    """A one-line reason: a control character is refused where it is (never silently dropped)."""
    bad = first_refused_in_line(text or "")
    if bad is not None:
        raise AttentionError(f"理由的第 {bad[0]} 个字符 (U+{ord(bad[1]):04X}) 不能写在一行文字里")
    text = (clean_text(text or "", multiline=False) or "").strip()
    if required and not text:
        raise AttentionError("请写明排除的理由")
    if len(text) > REASON_MAX:
        raise AttentionError(f"理由太长: {len(text)} 个字, 最多 {REASON_MAX} 个")
    return text


def _decided_at(on_date: dt.date | None) -> dt.datetime:
    """Now, or (a test, a back-dated entry) that day at the current time."""
    now = dt.datetime.now().replace(microsecond=0)
    return now if on_date is None else dt.datetime.combine(on_date, now.time())


def _current_reasons(child_id: int, on_date: dt.date, viewer: scope.Viewer) -> str:
    found, _ = compute_reasons(on_date, viewer=viewer, child_ids=[child_id])
    return "\n".join(r.text for r in found.get(child_id, ()))


def confirm(child_id: int, *, viewer: scope.Viewer, level: str, review_on: dt.date, note: str = "",
            on_date: dt.date | None = None) -> AttentionDecision:
    """Confirm a child on the list at level 红 or 黄 with a review date (after today, within a
    year): the child becomes a 重点帮扶对象 with the level's cadences; audited."""
    scope.require_attention(viewer, child_id)
    today = on_date or dt.date.today()
    if level not in LEVELS:
        raise AttentionError(f"关注级别应为 {' / '.join(LEVELS)}")
    if not isinstance(review_on, dt.date) or isinstance(review_on, dt.datetime):
        raise AttentionError("请填写复查日期")
    if review_on <= today:
        raise AttentionError("复查日期应在今天之后")
    if review_on > today + dt.timedelta(days=MAX_WINDOW):
        raise AttentionError("复查日期最多在一年之内")
    note = _checked_reason(note, required=False)
    reasons = _current_reasons(child_id, today, viewer)
    with dbmod.write():
        child = Child.get_by_id(child_id)
        made_key = not child.key_target
        before = {"attention_level": child.attention_level, "attention_review_on": child.attention_review_on,
                  "attention_since": child.attention_since, "key_target": child.key_target}
        since = child.attention_since if child.attention_level and child.attention_since else today
        Child.update(attention_level=level, attention_review_on=review_on, attention_since=since,
                     key_target=True).where(Child.id == child_id).execute()
        row = AttentionDecision.create(child=child_id, staff=viewer.staff_id, decided_at=_decided_at(on_date),
                                       decision=CONFIRM, level=level,
                                       review_on=review_on, reason=note, reasons=reasons, made_key_target=made_key)
        after = {"attention_level": level, "attention_review_on": review_on, "attention_since": since,
                 "key_target": True}
        audit.record("create", "attention_decision", row.id, staff_id=viewer.staff_id,
                     new={"child": child_id, "decision": CONFIRM, "level": level, "review_on": review_on,
                          "reason": note, "reasons": reasons})
        changed = {k for k in before if before[k] != after[k]}
        if changed:
            audit.record("update", "child", child_id, staff_id=viewer.staff_id,
                         old={k: before[k] for k in changed}, new={k: after[k] for k in changed})
    return row


def dismiss(child_id: int, *, viewer: scope.Viewer, reason: str, on_date: dt.date | None = None) -> AttentionDecision:
    """Dismiss a child from the list, with a reason: its current reasons are hidden until one has a
    newer date; a confirmation ends (level and review cleared, 重点 withdrawn if it set it); audited."""
    scope.require_attention(viewer, child_id)
    today = on_date or dt.date.today()
    reason = _checked_reason(reason, required=True)
    reasons = _current_reasons(child_id, today, viewer)
    with dbmod.write():
        child = Child.get_by_id(child_id)
        before = {"attention_level": child.attention_level, "attention_review_on": child.attention_review_on,
                  "attention_since": child.attention_since, "key_target": child.key_target}
        after = dict(before, attention_level="", attention_review_on=None, attention_since=None)
        if child.attention_level:
            last_confirm = (AttentionDecision.select(AttentionDecision.made_key_target)
                            .where((AttentionDecision.child == child_id) & (AttentionDecision.decision == CONFIRM))
                            .order_by(AttentionDecision.decided_at.desc(), AttentionDecision.id.desc()).first())
            if last_confirm is not None and last_confirm.made_key_target:
                after["key_target"] = False
        changed = {k for k in before if before[k] != after[k]}
        if changed:
            Child.update(**{k: after[k] for k in changed}).where(Child.id == child_id).execute()
        row = AttentionDecision.create(child=child_id, staff=viewer.staff_id, decided_at=_decided_at(on_date),
                                       decision=DISMISS, reason=reason,
                                       reasons=reasons)
        audit.record("create", "attention_decision", row.id, staff_id=viewer.staff_id,
                     new={"child": child_id, "decision": DISMISS, "reason": reason, "reasons": reasons})
        if changed:
            audit.record("update", "child", child_id, staff_id=viewer.staff_id,
                         old={k: before[k] for k in changed}, new={k: after[k] for k in changed})
    return row


def parse_review_date(text: str, today: dt.date) -> dt.date:
    """A review date typed as ``12-20`` (this year, or next when already past) or ``2026-12-20``."""
    text = (text or "").strip()
    try:
        if len(text) <= 5 and "-" in text:
            month, day = (int(p) for p in text.split("-"))
            found = dt.date(today.year, month, day)
            return found if found > today else dt.date(today.year + 1, month, day)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise AttentionError(f"复查日期应写成 12-20 或 2026-12-20: {text or '(空)'}") from None


# --------------------------------------------------------------------------- the monthly sheet


@dataclass(frozen=True)
class SheetRow:
    """One line of the counselor's monthly 预警与干预 sheet: a decision taken in the month, with the
    month's contacts with the child (the 干预) and the child's state at month end."""

    day: dt.date
    child: str
    class_name: str
    decision: str  # 确认 / 排除
    level: str
    review_on: dt.date | None
    reasons: str
    note: str
    by: str
    contacts: str  # the month's reached contacts by kind: "谈心 3、心理辅导 1"
    now: str  # the child's level at month end ("红", "黄" or "")


def monthly_sheet(year: int, month: int, *, viewer: scope.Viewer, school_id: int | None = None) -> list[SheetRow]:
    """The decisions of the month over the viewer's children (``scope.attention_condition``), oldest
    first, with each child's reached contacts of the month: three queries."""
    scope.require_attention(viewer)
    first = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    cond = scope.attention_condition(viewer)
    if school_id is not None:
        cond &= Child.school == school_id
    lo, hi = dt.datetime.combine(first, dt.time()), dt.datetime.combine(nxt, dt.time())
    q = (AttentionDecision.select(AttentionDecision.decided_at, AttentionDecision.child, Child.name, Classroom.name,
                                  AttentionDecision.decision, AttentionDecision.level, AttentionDecision.review_on,
                                  AttentionDecision.reasons, AttentionDecision.reason, Staff.name,
                                  Child.attention_level)
         .join(Child, on=(AttentionDecision.child == Child.id))
         .join(Classroom, pw.JOIN.LEFT_OUTER, on=(Child.classroom == Classroom.id))
         .switch(AttentionDecision).join(Staff, pw.JOIN.LEFT_OUTER, on=(AttentionDecision.staff == Staff.id))
         .where(cond & (AttentionDecision.decided_at >= lo) & (AttentionDecision.decided_at < hi))
         .order_by(AttentionDecision.decided_at, AttentionDecision.id).tuples())
    rows = list(q)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    ids = sorted({r[1] for r in rows})
    if ids:
        for cid, kind, n in (Contact.select(Contact.child, Contact.kind, pw.fn.COUNT(Contact.id))
                             .where(Contact.child.in_(ids) & (Contact.reached == True)  # noqa: E712
                                    & (Contact.at >= lo) & (Contact.at < hi))
                             .group_by(Contact.child, Contact.kind).tuples()):
            counts[cid][kind] = int(n)
    out = []
    for at, cid, name, room, decision, level, review, reasons, note, who, now in rows:
        made = "、".join(f"{k} {n}" for k, n in sorted(counts[cid].items()))
        out.append(SheetRow(as_datetime(at).date(), name, room or "", DECISION_WORDS.get(decision, decision),
                            level or "", as_date(review), reasons or "", note or "", who or "", made, now or ""))
    return out
