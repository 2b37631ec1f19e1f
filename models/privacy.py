"""Privacy of the children's data: masked numbers, the audited look at a full number, the
guardian's consent, archiving a child who left school, and purging it after the retention period.

Masking
    身份证号 (the child's, the guardian's, the parents'), G/L-form 学籍号 and phone numbers are
    masked on every screen (``51***************8``, ``138****5678``; ``models.masking`` says why). ``reveal_numbers`` shows
    one child's in full — only for admin, head and the class teacher of the child's class — and
    writes an AuditLog row (action ``unmask``, table ``child``, the row id, which fields). So does
    opening the edit form, which shows them in full (``children.open_form``).

Consent (监护人同意)
    Per child: who gave it (name, relation), on which day, what it covers (scope text), who
    recorded it. Withdrawing sets ``withdrawn_at``; nothing is deleted. Recorded and withdrawn by
    admin, head, or the class teacher of the child's class; both are in the audit log.

Archive and purge
    A child who left school (转出, 毕业, 辍学) can be archived: ``archived_at`` is set and the child
    leaves every list (roster, talk log, pairing board, pickers). After the retention period (the
    school setting ``privacy.retention_years``, 3 years after the leaving date by default) an admin
    purges archived children: the child and its contacts, pairings (also as someone's 学习帮手),
    parents, attendance, consents and drafts are deleted in one transaction, then the database is
    compacted (``VACUUM``) so the deleted pages are gone from the file. The audit log gets one
    ``purge`` row with counts only — no name, no number, no id.

No textual here.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import peewee as pw

from models import audit, rules, scope, settings
from models import db as dbmod
from models.entities import (
    Absence, Attendance, AttentionDecision, Child, Classroom, Consent, Contact, Draft, DropoutAttempt,
    DropoutCase, Intervention, Pairing, Parent, Report, Staff,
)
from models.errors import UserError
from models.masking import mask_id, mask_phone, mask_value
from models.sanitize import clean_text
from models.validation import Invalid, validate_date, validate_name
from models.coerce import as_date as _date, as_datetime as _datetime

RETENTION_KEY = "privacy.retention_years"
DEFAULT_RETENTION_YEARS = 3
SCOPE_LIMIT = 500
NUMBER_LABELS = {
    "id_number": "身份证号", "student_no": "学籍号", "guardian_phone": "监护人电话",
    "guardian_id_number": "监护人身份证号", "父亲.phone": "父亲电话", "母亲.phone": "母亲电话",
    "父亲.id_number": "父亲身份证号", "母亲.id_number": "母亲身份证号",
}


class PrivacyError(UserError, ValueError):
    """Bad input for consent, archive or purge; the message is for the user."""


# --------------------------------------------------------------------------- masking


def mask_detail(child: dict, parents: list[dict], history: list[dict]) -> None:
    """Mask, in place, the numbers of ``children.child_detail``'s child, parents and history."""
    for f in ("id_number", "guardian_id_number"):
        child[f] = mask_id(child.get(f)) if child.get(f) else child.get(f)
    if child.get("student_no"):
        child["student_no"] = mask_value("student_no", child["student_no"])
    if child.get("guardian_phone"):
        child["guardian_phone"] = mask_phone(child["guardian_phone"])
    for p in parents:
        if p.get("phone"):
            p["phone"] = mask_phone(p["phone"])
        if p.get("id_number"):
            p["id_number"] = mask_id(p["id_number"])
    for h in history:
        for ch in h.get("changes", ()):
            for side in ("old", "new"):
                if ch.get(side) not in (None, "", "空"):
                    ch[side] = mask_value(ch["field"], ch[side])


def number_fields(values: dict) -> list[str]:
    """The non-empty number fields of ``children.load_form_values`` output (what a form shows)."""
    out = [f for f in ("id_number", "student_no", "guardian_phone", "guardian_id_number") if values.get(f)]
    for p in values.get("parents") or ():
        for f in ("phone", "id_number"):
            if p.get(f):
                out.append(f"{p['relation']}.{f}")
    return out


def log_unmask(child_id: int, *, viewer: scope.Viewer, fields: list[str], via: str = "档案") -> None:
    """One audit row: who saw which of the child's numbers in full, from where (no values)."""
    if not fields:
        return
    with dbmod.write():
        audit.record("unmask", "child", child_id, staff_id=viewer.staff_id, new={"fields": fields, "via": via})


def reveal_numbers(child_id: int, *, viewer: scope.Viewer) -> dict[str, str]:
    """The child's numbers in full, {key: value} with the keys of ``NUMBER_LABELS`` (empty ones
    left out). ``ForbiddenError`` unless admin, head or the class teacher of the child's class;
    KeyError when the child is gone. Audited (action ``unmask``) before anything is returned."""
    scope.require_child(viewer, child_id, "unmask")
    row = (Child.select(Child.id_number, Child.student_no, Child.guardian_phone, Child.guardian_id_number)
           .where(Child.id == child_id).dicts().first())
    if row is None:
        raise KeyError(child_id)
    out = {k: v for k, v in row.items() if v}
    for relation, phone, id_number in (Parent.select(Parent.relation, Parent.phone, Parent.id_number)
                                       .where(Parent.child == child_id).tuples()):
        if phone:
            out[f"{relation}.phone"] = phone
        if id_number:
            out[f"{relation}.id_number"] = id_number
    log_unmask(child_id, viewer=viewer, fields=list(out), via="档案")
    return out


# --------------------------------------------------------------------------- consent


@dataclass(slots=True)
class ConsentRow:
    id: int
    given_by: str
    relation: str
    given_on: dt.date
    scope: str
    recorded_by: str
    recorded_at: dt.datetime | None
    withdrawn_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


def consent_rows(child_id: int) -> list[ConsentRow]:
    """The child's consents, newest first (withdrawn ones too). Unchecked: ``child_detail`` reads
    it after its own scope check; others call ``consents``."""
    q = (Consent.select(Consent.id, Consent.given_by, Consent.relation, Consent.given_on, Consent.scope,
                        Staff.name, Consent.recorded_at, Consent.withdrawn_at)
         .join(Staff, pw.JOIN.LEFT_OUTER, on=(Consent.recorded_by == Staff.id))
         .where(Consent.child == child_id).order_by(Consent.given_on.desc(), Consent.id.desc()).tuples())
    return [ConsentRow(cid, by, rel or "", _date(on), text or "", who or "", _datetime(at), _datetime(w))
            for cid, by, rel, on, text, who, at, w in q]


def consents(child_id: int, *, viewer: scope.Viewer) -> list[ConsentRow]:
    scope.require_child(viewer, child_id, "read")
    return consent_rows(child_id)


def has_consent(child_id: int) -> bool:
    return Consent.select().where((Consent.child == child_id) & Consent.withdrawn_at.is_null()).exists()


def record_consent(child_id: int, *, viewer: scope.Viewer, given_by: str, relation: str = "",
                   given_on: dt.date | str | None = None, scope_text: str = "",
                   today: dt.date | None = None) -> int:
    """Record a guardian's consent; ``PrivacyError`` for bad input, ``ForbiddenError`` unless admin,
    head or the class teacher of the child's class. Audited. Returns the consent's id."""
    scope.require_child(viewer, child_id, "consent")
    if not Child.select().where(Child.id == child_id).exists():
        raise PrivacyError("这份档案已不存在")
    today = today or dt.date.today()
    try:
        name = validate_name((given_by or "").strip())
    except Invalid as exc:
        raise PrivacyError(f"同意人{exc}") from None
    relation = clean_text(relation or "", multiline=False).strip()
    if len(relation) > 10:
        raise PrivacyError("与儿童关系不能超过10个字")
    if given_on in (None, ""):
        on = today
    elif isinstance(given_on, dt.date):
        on = given_on
    else:
        try:
            on = validate_date(str(given_on), field="同意日期", today=today)
        except Invalid as exc:
            raise PrivacyError(str(exc)) from None
    if on > today:
        raise PrivacyError("同意日期不能晚于今天")
    text = clean_text(scope_text or "", multiline=True).strip()
    if len(text) > SCOPE_LIMIT:
        raise PrivacyError(f"同意范围不能超过{SCOPE_LIMIT}个字")
    now = dt.datetime.now().replace(microsecond=0)
    with dbmod.write():
        row = Consent.create(child=child_id, given_by=name, relation=relation, given_on=on, scope=text,
                             recorded_by=viewer.staff_id, recorded_at=now)
        audit.record("create", "consent", row.id, staff_id=viewer.staff_id, at=now,
                     new={"child": child_id, "relation": relation, "given_on": on, "scope": text})
    return row.id


def withdraw_consent(consent_id: int, *, viewer: scope.Viewer, now: dt.datetime | None = None) -> None:
    """Mark a consent withdrawn (kept, with who and when); ``PrivacyError`` when it is gone or
    already withdrawn. Audited."""
    row = Consent.get_or_none(Consent.id == consent_id)
    if row is None:
        raise PrivacyError("没有这条同意记录")
    scope.require_child(viewer, row.child_id, "consent")
    if row.withdrawn_at is not None:
        raise PrivacyError(f"这条同意已于 {_datetime(row.withdrawn_at):%Y-%m-%d} 撤回")
    now = (now or dt.datetime.now()).replace(microsecond=0)
    with dbmod.write():
        (Consent.update(withdrawn_at=now, withdrawn_by=viewer.staff_id)
         .where((Consent.id == consent_id) & Consent.withdrawn_at.is_null()).execute())
        audit.record("update", "consent", consent_id, staff_id=viewer.staff_id, at=now,
                     old={"withdrawn_at": None}, new={"withdrawn_at": now, "child": row.child_id})


# --------------------------------------------------------------------------- archive


def archive_child(child_id: int, *, viewer: scope.Viewer, now: dt.datetime | None = None) -> None:
    """Archive a child who left school: hidden from every list from now on. ``PrivacyError`` for a
    child still 在读 or already archived; ``ForbiddenError`` unless admin, head or its class teacher."""
    scope.require_child(viewer, child_id, "archive")
    child = Child.get_or_none(Child.id == child_id)
    if child is None:
        raise PrivacyError("这份档案已不存在")
    if child.status not in rules.LEFT_SCHOOL:
        raise PrivacyError("只有已离校 (转出、毕业、辍学) 的孩子可以归档")
    if child.archived_at is not None:
        raise PrivacyError("这份档案已经归档")
    now = (now or dt.datetime.now()).replace(microsecond=0)
    with dbmod.write():
        Child.update(archived_at=now).where(Child.id == child_id).execute()
        audit.record("update", "child", child_id, staff_id=viewer.staff_id, at=now,
                     old={"archived_at": None}, new={"archived_at": now})


def unarchive_child(child_id: int, *, viewer: scope.Viewer) -> None:
    scope.require_child(viewer, child_id, "archive")
    child = Child.get_or_none(Child.id == child_id)
    if child is None or child.archived_at is None:
        raise PrivacyError("这份档案没有归档")
    with dbmod.write():
        Child.update(archived_at=None).where(Child.id == child_id).execute()
        audit.record("update", "child", child_id, staff_id=viewer.staff_id,
                     old={"archived_at": child.archived_at}, new={"archived_at": None})


# --------------------------------------------------------------------------- purge


def retention_years(school_id: int | None) -> int:
    try:
        years = int(settings.get(school_id, RETENTION_KEY, str(DEFAULT_RETENTION_YEARS)))
    except ValueError:
        return DEFAULT_RETENTION_YEARS
    return years if 1 <= years <= 30 else DEFAULT_RETENTION_YEARS


def set_retention_years(school_id: int | None, years: int, *, viewer: scope.Viewer) -> None:
    scope.require_admin(viewer, "修改档案保存年限")
    if not 1 <= int(years) <= 30:
        raise PrivacyError("保存年限应在 1 到 30 年之间")
    settings.put(school_id, RETENTION_KEY, str(int(years)), staff_id=viewer.staff_id)


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 Feb
        return day.replace(year=day.year + years, day=28)


@dataclass(slots=True)
class PurgeCandidate:
    child_id: int
    name: str
    class_name: str
    status: str
    left_on: dt.date | None
    archived_at: dt.datetime | None
    purge_from: dt.date  # the first day it may be purged


def require_admin(viewer: scope.Viewer) -> None:
    """Purging is for a signed-in admin: it deletes and is audited under her name."""
    if viewer.staff_id is None:
        raise scope.ForbiddenError("只有管理员可以彻底删除档案")
    scope.require_admin(viewer, "彻底删除档案")


def purge_candidates(*, viewer: scope.Viewer, today: dt.date | None = None) -> list[PurgeCandidate]:
    """Archived children whose retention period has ended (admin only), oldest first."""
    require_admin(viewer)
    today = today or dt.date.today()
    q = (Child.select(Child.id, Child.name, Classroom.name, Child.status, Child.status_date, Child.archived_at,
                      Child.school)
         .join(Classroom, pw.JOIN.LEFT_OUTER, on=(Child.classroom == Classroom.id))
         .where(Child.archived_at.is_null(False) & scope.child_condition(viewer))
         .order_by(Child.status_date, Child.id).tuples())
    years: dict[int, int] = {}
    out = []
    for cid, name, class_name, status, left, archived, school_id in q:
        if school_id not in years:
            years[school_id] = retention_years(school_id)
        left, archived = _date(left), _datetime(archived)
        start = left or (archived.date() if archived else today)
        purge_from = _years_after(start, years[school_id])
        if purge_from <= today:
            out.append(PurgeCandidate(cid, name, class_name or "", status or "", left, archived, purge_from))
    return out


@dataclass
class PurgeResult:
    children: int = 0
    contacts: int = 0
    pairings: int = 0
    parents: int = 0
    attendance: int = 0
    consents: int = 0
    drafts: int = 0
    audit_redacted: int = 0  # audit rows about them whose values were blanked
    vacuumed: bool = False


def purge(*, viewer: scope.Viewer, today: dt.date | None = None, child_ids=None,
          vacuum: bool = True) -> PurgeResult:
    """Really delete the archived children whose retention period has ended (or those of
    ``child_ids`` among them), with everything about them, in one transaction; then ``VACUUM``.

    Admin only (``ForbiddenError``). The caller asks for confirmation first (``purge_candidates``
    lists what will go). The values in the audit rows about the deleted records are blanked
    (``audit.redact_purged``); one audit row (``purge``) with the counts and no personal data."""
    require_admin(viewer)
    due = {c.child_id for c in purge_candidates(viewer=viewer, today=today)}
    if child_ids is not None:
        wanted = set(child_ids)
        if wanted - due:
            raise PrivacyError("只能删除已归档且超过保存年限的档案")
        due = wanted
    result = PurgeResult()
    if not due:
        return result
    ids = sorted(due)
    today = today or dt.date.today()
    with dbmod.write():
        contact_ids = [c for (c,) in Contact.select(Contact.id).where(Contact.child.in_(ids)).tuples()]
        deleted = {"child": ids, "contact": contact_ids}
        for model, cond in ((Pairing, Pairing.child.in_(ids) | Pairing.buddy.in_(ids)),
                            (Parent, Parent.child.in_(ids)), (Attendance, Attendance.child.in_(ids)),
                            (Consent, Consent.child.in_(ids)),
                            (Report, Report.child.in_(ids)),  # 强制报告: their audit rows name the child
                            (Intervention, Intervention.child.in_(ids)),
                            (AttentionDecision, AttentionDecision.child.in_(ids)),
                            (Absence, Absence.child.in_(ids)), (DropoutCase, DropoutCase.child.in_(ids)),
                            (DropoutAttempt, DropoutAttempt.case.in_(
                                DropoutCase.select(DropoutCase.id).where(DropoutCase.child.in_(ids))))):
            deleted[model._meta.table_name] = [r for (r,) in model.select(model.id).where(cond).tuples()]  # cascade
        keys = [f"child:{i}" for i in ids] + [f"contact:{c}" for c in contact_ids]
        for chunk in _chunks(keys):
            result.drafts += Draft.delete().where(Draft.key.in_(chunk)).execute()
        result.contacts = Contact.delete().where(Contact.child.in_(ids)).execute()
        result.pairings = Pairing.delete().where(Pairing.child.in_(ids) | Pairing.buddy.in_(ids)).execute()
        result.parents = Parent.delete().where(Parent.child.in_(ids)).execute()
        result.attendance = Attendance.delete().where(Attendance.child.in_(ids)).execute()
        result.consents = Consent.delete().where(Consent.child.in_(ids)).execute()
        result.children = Child.delete().where(Child.id.in_(ids)).execute()
        result.audit_redacted = audit.redact_purged(deleted, on=today)
        audit.record("purge", "child", 0, staff_id=viewer.staff_id,
                     new={"children": result.children, "contacts": result.contacts, "pairings": result.pairings,
                          "parents": result.parents, "attendance": result.attendance, "consents": result.consents,
                          "drafts": result.drafts, "audit_redacted": result.audit_redacted})
    if vacuum:
        result.vacuumed = compact()
    return result


def _chunks(items: list, size: int = 500):
    for i in range(0, len(items), size):
        yield items[i:i + size]


PURGED_TABLES = ("child", "contact", "pairing", "parent", "attendance", "consent", "draft", "audit_log")


def compact() -> bool:
    """Rewrite the database without the deleted rows' pages: SQLite ``VACUUM`` then a WAL checkpoint
    that truncates the log (the old pages lived there too); PostgreSQL ``VACUUM`` of the tables
    purged. False when it could not run now (another connection in a transaction): the rows are
    deleted all the same, the space is reclaimed by the next purge or ``VACUUM``."""
    db = dbmod.current()
    try:
        if isinstance(db, pw.SqliteDatabase):
            db.execute_sql("VACUUM")
            db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            db.execute_sql("VACUUM " + ", ".join(f'"{t}"' for t in PURGED_TABLES))
        return True
    except pw.DatabaseError:
        return False
