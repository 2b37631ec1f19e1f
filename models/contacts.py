"""The talk log (谈心记录): validate, save and list contacts.

A contact is saved whole or not at all: the form's text lives in a Draft until the
teacher saves, and the save writes every child of a group talk in one transaction.
Edits keep the old text in the audit log, so the handbook's record is never lost.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass

import peewee as pw

from models import audit, conflicts
from models import db as dbmod
from models import rules
from models import scope
from models.coerce import jsonable
from models.audit import CONTACT_FACT_KEYS
from models.entities import AuditLog, Child, Classroom, Contact, Parent, Staff, join_multi, split_multi
from models.sanitize import clean_text
from models.validation import Invalid, validate_date

CONTENT_LIMIT = 5000
_MONTH_DAY = re.compile(r"\d{1,2}-\d{1,2}")
FEEDBACK_KINDS = ("家访", "监护人座谈")  # their paper forms have 家长反馈 where a talk has 交谈后效果
HOME_VISIT = "家访"
TUTORING = "学业辅导"
# The 家访手记's own columns, in the paper's order (孩子表现 is the visit's content): filled for a 家访 only.
VISIT_FIELDS = {"family_members": "家庭成员情况", "living_conditions": "生活环境", "education_needs": "教育需求"}
# The 谈心记录单's tutoring variant, in the paper's order around 帮教措施 (a 学业辅导's content):
# 学生存在问题 before it, 帮教资料 after it; filled for a 学业辅导 only.
TUTORING_FIELDS = {"problems": "学生存在问题", "materials": "帮教资料"}
# A kind's own columns (other kinds share the 谈心记录单's): refused with the reason on another kind.
KIND_FIELDS = {HOME_VISIT: VISIT_FIELDS, TUTORING: TUTORING_FIELDS}
VISIT_FIELD_LIMIT = 1000  # each of a kind's own columns
FUTURE_SLACK = dt.timedelta(days=1)


def parse_when(value: str, *, now: dt.datetime) -> dt.datetime:
    """'2026-11-28 10:30', '2026-11-28', '11-28 10:30' or '10:30' (today)."""
    s = (value or "").strip().replace("：", ":")
    if not s:
        raise Invalid("请填写时间")
    date_part, _, time_part = s.partition(" ")
    if ":" in date_part and not time_part:
        date_part, time_part = now.date().isoformat(), date_part
    if len(date_part) <= 5 and "-" in date_part:  # 11-28: this year
        date_part = f"{now.year}-{date_part}"
    day = validate_date(date_part, field="时间", allow_future=True)
    hour, minute = 0, 0
    if time_part:
        try:
            h, m = time_part.strip().split(":")[:2]
            hour, minute = int(h), int(m)
            dt.time(hour, minute)
        except ValueError:
            raise Invalid("时间格式应为 2026-11-28 10:30") from None
    return dt.datetime(day.year, day.month, day.day, hour, minute)


@dataclass
class ContactForm:
    """What the talk form holds, as typed."""

    kind: str = "谈心"
    when: str = ""
    minutes: str = ""
    reached: bool = True
    place: str = ""
    callee: str = ""
    content: str = ""
    effect: str = ""  # 交谈后效果 (谈心记录单)
    parent_feedback: str = ""  # 家长反馈 (家访手记)
    family_members: str = ""  # 家庭成员情况 (家访手记)
    living_conditions: str = ""  # 生活环境 (家访手记)
    education_needs: str = ""  # 教育需求 (家访手记)
    problems: str = ""  # 学生存在问题 (谈心记录单·辅导)
    materials: str = ""  # 帮教资料 (谈心记录单·辅导)
    mood: str = ""
    concerns: tuple[str, ...] = ()
    follow_up: str = ""
    follow_up_due: str = ""

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        d["concerns"] = list(self.concerns)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "ContactForm":
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        known["concerns"] = tuple(known.get("concerns") or ())
        return cls(**known)


def validate_contact(form: ContactForm, child_ids: list[int], *, now: dt.datetime | None = None
                     ) -> tuple[dict, dict[str, str]]:
    """Return (values for Contact, errors by field name)."""
    now = now or dt.datetime.now()
    errors: dict[str, str] = {}
    values: dict = {}
    if form.kind not in rules.CONTACT_KINDS:
        errors["kind"] = f"类别应为: {'、'.join(rules.CONTACT_KINDS)}"
    values["kind"] = form.kind
    try:
        when = parse_when(form.when, now=now)
        if when > now + FUTURE_SLACK:
            raise Invalid("时间不能晚于明天, 请检查日期")
        if when.year < 2000:
            raise Invalid("时间太早, 请检查年份")
        values["at"] = when
    except Invalid as exc:
        errors["when"] = str(exc)
    minutes = form.minutes.strip()
    if minutes:
        if not (minutes.isascii() and minutes.isdigit()):
            errors["minutes"] = "时长应为整数分钟, 如 15"
        elif not 0 < int(minutes) <= 600:
            errors["minutes"] = "时长应在 1 到 600 分钟之间"
        else:
            values["minutes"] = int(minutes)
    else:
        values["minutes"] = None
    content = clean_text(form.content, multiline=True).strip("\n ")
    if not content and form.reached:
        errors["content"] = "请填写谈话内容"
    elif len(content) > CONTENT_LIMIT:
        errors["content"] = f"内容不能超过 {CONTENT_LIMIT} 字 (现在 {len(content)} 字)"
    values["content"] = content
    values["reached"] = bool(form.reached)
    if form.mood and form.mood not in rules.MOODS:
        errors["mood"] = f"情绪应为: {'、'.join(rules.MOODS)}"
    values["mood"] = form.mood
    bad = [c for c in form.concerns if c not in rules.CONCERNS]
    if bad:
        errors["concerns"] = f"关注方面只能是: {'、'.join(rules.CONCERNS)}"
    values["concerns"] = join_multi(c for c in rules.CONCERNS if c in form.concerns)
    values["place"] = clean_text(form.place, multiline=False).strip()[:100]
    values["callee"] = clean_text(form.callee, multiline=False).strip()[:50]
    for name, label in (("effect", "交谈后效果"), ("parent_feedback", "家长反馈")):
        text = clean_text(getattr(form, name), multiline=True).strip()
        if len(text) > CONTENT_LIMIT:
            errors[name] = f"{label}不能超过 {CONTENT_LIMIT} 字 (现在 {len(text)} 字)"
        values[name] = text
    for owner, fields in KIND_FIELDS.items():
        filled = []
        for name, label in fields.items():
            text = clean_text(getattr(form, name), multiline=True).strip()
            if len(text) > VISIT_FIELD_LIMIT:
                errors[name] = f"{label}不能超过 {VISIT_FIELD_LIMIT} 字 (现在 {len(text)} 字)"
            if text:
                filled.append((name, label))
            values[name] = text
        if filled and form.kind != owner:  # the other kinds' paper forms have no such column
            labels = "、".join(label for _, label in filled)
            errors.setdefault(filled[0][0], f"{labels}只用于{owner}: F2 改回{owner}, 或清空")
    values["follow_up"] = clean_text(form.follow_up, multiline=True).strip()
    if form.follow_up_due.strip():
        try:
            due_text = form.follow_up_due.strip()
            if _MONTH_DAY.fullmatch(due_text):  # 12-06, as the field's hint shows: the next such day
                base = (values["at"] if "at" in values else now).date()
                month, day = (int(x) for x in due_text.split("-"))
                year = base.year + 1 if (month, day) < (base.month, base.day) else base.year  # 01-05 after December
                due_text = f"{year}-{month:02d}-{day:02d}"
            due = validate_date(due_text, field="跟进日期", allow_future=True)
            if "at" in values and due < values["at"].date():
                raise Invalid("跟进日期不能早于谈话日期")
            values["follow_up_due"] = due
        except Invalid as exc:
            errors["follow_up_due"] = str(exc)
    else:
        values["follow_up_due"] = None
    if not child_ids:
        errors["child"] = "请选择孩子"
    else:
        when_date = values["at"].date() if "at" in values else now.date()
        for child in Child.select(Child.name, Child.status, Child.status_date).where(Child.id.in_(child_ids)):
            if child.status in rules.LEFT_SCHOOL and (child.status_date is None or child.status_date <= when_date):
                errors["child"] = f"{child.name} 已{child.status}, 不能再记录谈话"
    return values, errors


def create_contacts(values: dict, child_ids: list[int], *, staff_id: int | None, viewer: scope.Viewer,
                    now: dt.datetime | None = None) -> list[int]:
    """One Contact per child, sharing a group key for a group talk; all or nothing.

    ``ForbiddenError`` (nothing written) when one of the children is outside the viewer's scope."""
    scope.require_children(viewer, child_ids, "contact")
    stamp = (now or dt.datetime.now()).replace(microsecond=0)
    group = uuid.uuid4().hex[:12] if len(child_ids) > 1 else ""
    ids = []
    with dbmod.write():
        for child_id in child_ids:
            c = Contact.create(child=child_id, staff=staff_id, group_key=group, created_at=stamp,
                               updated_at=stamp, **values)
            ids.append(c.id)
            # who recorded what kind of contact with whom, when; the note itself stays in the log
            audit.record("create", "contact", c.id, staff_id=staff_id,
                         new={"child": child_id, "kind": values.get("kind"), "at": values.get("at")})
    return ids


def update_contact(contact_id: int, values: dict, *, staff_id: int | None, viewer: scope.Viewer,
                   now: dt.datetime | None = None, expected_updated_at: dt.datetime | None = None) -> None:
    """Save an edit; the old values of every changed field go to the audit log.

    ``ForbiddenError`` when the child is outside the viewer's scope, or for a 心理辅导 note the
    viewer may not read (only a counselor or its author corrects one).

    With ``expected_updated_at`` (the version the form loaded, ``contact_version``) an edit of a
    newer version raises ``conflicts.ConflictError`` carrying that version as a ``ContactForm``
    dict, and nothing is written."""
    stamp = (now or dt.datetime.now()).replace(microsecond=0)
    with dbmod.write():
        q = Contact.select().where(Contact.id == contact_id)
        if getattr(dbmod.current(), "for_update", False):
            q = q.for_update()  # PostgreSQL: the version check and the write see one row
        c = q.first()
        if c is None:
            raise Invalid("这条记录已被删除，无法保存")
        _require_contact(viewer, c)
        if expected_updated_at is not None and not conflicts.same_version(c.updated_at, expected_updated_at):
            who = _last_editor(c)
            raise conflicts.ConflictError(conflicts.message("谈心记录", who, c.updated_at),
                                          current=form_from_contact(c).to_dict(), updated_at=c.updated_at,
                                          updated_by=who)
        old, new = {}, {}
        for field, value in values.items():
            before = getattr(c, field)
            if before != value:
                old[field], new[field] = jsonable(before), jsonable(value)
                setattr(c, field, value)
        if not new:
            return
        c.updated_at = conflicts.next_stamp(c.updated_at, stamp)
        c.save()
        audit.record("update", "contact", contact_id, staff_id=staff_id, at=stamp, old=old, new=new)


def _require_contact(viewer: scope.Viewer, c: Contact) -> None:
    scope.require_child(viewer, c.child_id, "contact")
    if scope.hides(viewer, c.kind, c.staff_id):
        raise scope.ForbiddenError(scope.COUNSELLING_HIDDEN[1:-1] + ", 也只有他们可以修改")


def contact_for_edit(contact_id: int, *, viewer: scope.Viewer) -> tuple[int, "ContactForm", dt.datetime]:
    """(child id, form, version) of an entry to correct; KeyError when it is gone, ``ForbiddenError``
    outside the viewer's scope or for a 心理辅导 note the viewer may not read."""
    c = Contact.get_or_none(Contact.id == contact_id)
    if c is None:
        raise KeyError(contact_id)
    _require_contact(viewer, c)
    return c.child_id, form_from_contact(c), conflicts.as_datetime(c.updated_at)


def contact_version(contact_id: int) -> dt.datetime | None:
    """The stored ``updated_at``: what the talk form remembers to detect a concurrent edit."""
    row = Contact.select(Contact.updated_at).where(Contact.id == contact_id).first()
    return conflicts.as_datetime(row.updated_at) if row else None


def _last_editor(c: Contact) -> str:
    """Who saved this contact last: the newest audit row's author, else its recorder."""
    row = (AuditLog.select(Staff.name).join(Staff, on=(AuditLog.staff == Staff.id))
           .where((AuditLog.table == "contact") & (AuditLog.row_id == c.id))
           .order_by(AuditLog.at.desc(), AuditLog.id.desc()).tuples().first())
    if row:
        return row[0]
    staff = Staff.get_or_none(Staff.id == c.staff_id) if c.staff_id else None
    return staff.name if staff else ""


def form_from_contact(c: Contact) -> ContactForm:
    return ContactForm(
        kind=c.kind, when=c.at.strftime("%Y-%m-%d %H:%M"), minutes=str(c.minutes or ""), reached=c.reached,
        place=clean_text(c.place, multiline=False), callee=clean_text(c.callee, multiline=False),
        content=clean_text(c.content, multiline=True), effect=clean_text(c.effect, multiline=True),
        parent_feedback=clean_text(c.parent_feedback, multiline=True),
        family_members=clean_text(c.family_members, multiline=True),
        living_conditions=clean_text(c.living_conditions, multiline=True),
        education_needs=clean_text(c.education_needs, multiline=True),
        problems=clean_text(c.problems, multiline=True), materials=clean_text(c.materials, multiline=True),
        mood=c.mood, concerns=tuple(split_multi(c.concerns)),
        follow_up=clean_text(c.follow_up, multiline=True), follow_up_due=c.follow_up_due.isoformat() if c.follow_up_due else "",
    )


def contact_history(contact_id: int, *, viewer: scope.Viewer) -> list[dict]:
    """The entry's changes, newest first (a 心理辅导 note's only for those who may read it)."""
    c = Contact.get_or_none(Contact.id == contact_id)
    if c is None:
        return []
    _require_contact(viewer, c)
    q = (AuditLog.select(AuditLog, Staff.name.alias("staff_name"))
         .join(Staff, pw.JOIN.LEFT_OUTER, on=(AuditLog.staff == Staff.id))
         .where((AuditLog.table == "contact") & (AuditLog.row_id == contact_id))
         .order_by(AuditLog.at.desc(), AuditLog.id.desc()).dicts())
    rows = [dict(r, old=json.loads(r["old"] or "{}"), new=json.loads(r["new"] or "{}")) for r in q]
    # An entry that was ever 心理辅导 keeps its counselling text hidden in the history, even after its
    # kind was changed to 谈心: the old versions were written as counselling notes.
    ever = c.kind == scope.COUNSELLING or any(scope.COUNSELLING in (r["old"].get("kind"), r["new"].get("kind"))
                                              for r in rows)
    if ever and not scope.sees_counselling(viewer, c.staff_id):
        def blank(d: dict) -> dict:
            return {k: v if k in CONTACT_FACT_KEYS or v in (None, "", [], {}) else scope.COUNSELLING_HIDDEN
                    for k, v in d.items()}

        rows = [dict(r, old=blank(r["old"]), new=blank(r["new"])) for r in rows]
    return rows


@dataclass(slots=True)
class LogRow:
    id: int
    at: dt.datetime
    child_id: int
    child_name: str
    class_name: str
    kind: str
    staff_name: str
    mood: str
    reached: bool
    first_line: str


@dataclass
class LogFilter:
    child_query: str = ""
    classroom_id: int | None = None
    kind: str | None = None
    staff_id: int | None = None
    mood: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _callee_prefix(callee: str | None) -> str:
    """A call's 通话对象 ahead of its first line in the log: 「→父亲 张大」."""
    callee = clean_text(callee or "", multiline=False).strip()
    return f"→{callee}: " if callee else ""


def _child_match(query: str):
    q = "".join(query.split()).lower()
    if q.isascii() and q.isalpha():
        return (Child.name_initials.startswith(q)) | (Child.name_pinyin.startswith(q)) | (Child.name_pinyin.contains(q))
    return Child.name.contains(query.strip())


def log_rows(school_id: int, flt: LogFilter, *, viewer: scope.Viewer, limit: int = 300) -> tuple[list[LogRow], int]:
    """Newest first, at most ``limit`` rows, and how many match in all: the contacts with the
    children the viewer may see (not archived); a 心理辅导 note's text only for a counselor or its
    author (``scope.COUNSELLING_HIDDEN`` for others)."""
    cond = (Child.school == school_id) & Child.archived_at.is_null() & scope.child_condition(viewer)
    if flt.child_query.strip():
        cond &= _child_match(flt.child_query)
    if flt.classroom_id is not None:
        cond &= Child.classroom == flt.classroom_id
    if flt.kind:
        cond &= Contact.kind == flt.kind
    if flt.staff_id is not None:
        cond &= Contact.staff == flt.staff_id
    if flt.mood:
        cond &= Contact.mood == flt.mood
    if flt.date_from:
        cond &= Contact.at >= dt.datetime.combine(flt.date_from, dt.time())
    if flt.date_to:
        cond &= Contact.at < dt.datetime.combine(flt.date_to + dt.timedelta(days=1), dt.time())
    base = (Contact.select().join(Child, on=(Contact.child == Child.id)).where(cond))
    total = base.count()
    q = (Contact.select(Contact.id, Contact.at, Contact.child, Child.name.alias("child_name"),
                        Classroom.name.alias("class_name"), Contact.kind, Staff.name.alias("staff_name"),
                        Contact.mood, Contact.reached, pw.fn.SUBSTR(Contact.content, 1, 80).alias("head"),
                        Contact.staff.alias("author"), Contact.callee)
         .join(Child, on=(Contact.child == Child.id))
         .join(Classroom, pw.JOIN.LEFT_OUTER, on=(Child.classroom == Classroom.id))
         .switch(Contact).join(Staff, pw.JOIN.LEFT_OUTER, on=(Contact.staff == Staff.id))
         .where(cond).order_by(Contact.at.desc(), Contact.id.desc()).limit(limit).dicts())
    rows = [
        LogRow(id=d["id"], at=d["at"], child_id=d["child"], child_name=d["child_name"],
               class_name=d["class_name"] or "", kind=d["kind"], staff_name=d["staff_name"] or "",
               mood=d["mood"], reached=d["reached"],
               first_line=(scope.COUNSELLING_HIDDEN if scope.hides(viewer, d["kind"], d["author"])
                           else _callee_prefix(d["callee"]) + (d["head"] or "").strip().split("\n", 1)[0]))
        for d in q
    ]
    return rows, total


def callee_choices(child_id: int) -> list[str]:
    """Whom a 亲情电话 or 家长电话 may call: the living parents and the 委托监护人, as "父亲 张大"."""
    out = []
    for relation, name in (Parent.select(Parent.relation, Parent.name)
                           .where((Parent.child == child_id) & (Parent.deceased == False))  # noqa: E712
                           .order_by(Parent.relation.desc()).tuples()):
        out.append(f"{relation} {name}".strip())
    child = Child.select(Child.guardian_name, Child.guardian_relation).where(Child.id == child_id).first()
    if child and child.guardian_name:
        text = f"{child.guardian_relation} {child.guardian_name}".strip()
        if text not in out:
            out.append(text)
    return [clean_text(t, multiline=False)[:50] for t in out]


def child_label(child_id: int) -> str:
    row = (Child.select(Child.name, Classroom.name.alias("class_name"))
           .join(Classroom, pw.JOIN.LEFT_OUTER, on=(Child.classroom == Classroom.id))
           .where(Child.id == child_id).dicts().first())
    if row is None:
        return ""
    return f"{row['name']} ({row['class_name']})" if row["class_name"] else row["name"]
