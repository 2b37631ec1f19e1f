"""A child's 档案: validation of the form, duplicate checks, saving with history, the detail view.

The form hands over raw strings (and bools and lists); ``validate_child`` turns them into
values for the ``Child`` model plus a message in Chinese per bad field. ``save_child``
writes the child, its parents and one ``AuditLog`` row in a single transaction;
``create_children`` writes the same rows for thousands of new children at once (an import).
No textual here.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any, Callable

import peewee as pw

from models import audit
from models import conflicts
from models import db as dbmod
from models import child_fields, rules
from models import privacy, protection, scope
from models.coerce import as_date as _date, jsonable
from models.entities import (
    AuditLog, BusRoute, Child, Classroom, Contact, Grandparent, Pairing, Parent, Staff, join_multi, split_multi,
)
from models.pinyin import pinyin_keys
from models.roster import missing_fields
from models.errors import UserError
from models.sanitize import clean_text, first_refused_in_line
from models.validation import (
    Invalid, check_id_agrees, id_birth_date, id_sex, validate_date, validate_id_number,
    validate_name, validate_phone, validate_student_no,
)

# Field labels in the words of the national registration form (FORMS.md): the one registry's.
FIELD_LABELS: dict[str, str] = child_fields.LABELS

PARENT_FIELDS = ("name", "phone", "work_province", "work_city", "home_visits", "away",
                 "birth_date", "id_number", "away_since", "deceased")
PARENT_FIELD_LABELS = {
    "name": "姓名", "phone": "电话", "work_province": "务工省份", "work_city": "务工城市",
    "home_visits": "回家频率", "away": "在外务工", "birth_date": "出生日期", "id_number": "身份证号",
    "away_since": "外出时间", "deceased": "已故",
}
PARENT_DATES = ("birth_date", "away_since")
# 祖父、祖母、外祖父、外祖母 as on the national form; form ids grandfather_name ... (migration 0010)
GRANDPARENT_FIELDS = ("name", "birth_date", "deceased")
GRANDPARENT_KEYS = {"祖父": "grandfather", "祖母": "grandmother", "外祖父": "mgrandfather", "外祖母": "mgrandmother"}
# Error keys and form ids of the parents' fields: father_phone, mother_name ...
PARENT_KEYS = {"父亲": "father", "母亲": "mother"}

CHOICES: dict[str, tuple[str, ...]] = {f.name: f.choices for f in child_fields.FIELDS if f.kind == child_fields.CHOICE}
MULTI_CHOICES: dict[str, tuple[str, ...]] = {f.name: f.choices for f in child_fields.FIELDS
                                             if f.kind == child_fields.MULTI}
BOOL_FIELDS = child_fields.of_kind(child_fields.BOOL)
# Single-line free texts and their longest length (the model's column sizes).
TEXT_LIMITS = {f.name: f.max_length for f in child_fields.FIELDS if f.kind == child_fields.TEXT}
NOTES_LIMIT = 2000
PARENT_TEXT_LIMITS = {"work_province": 20, "work_city": 30, "home_visits": 30}
REQUIRED_CHOICES = {f.name: f.required for f in child_fields.FIELDS if f.required and f.kind == child_fields.CHOICE}
AGE_RANGE = (2, 18)
FK_FIELDS = child_fields.of_kind(child_fields.LINK)

# Every Child column the form edits, in the order of the national form.
CHILD_FIELDS: tuple[str, ...] = tuple(child_fields.BY_NAME)

NEW_CHILD_DEFAULTS: dict[str, Any] = {f.name: f.new_default for f in child_fields.FIELDS if f.new_default is not None}


class SaveError(UserError):
    """The save could not happen (a concurrent change, a deleted row); the message is for the user."""


# --- small helpers -----------------------------------------------------------------

def _s(value: Any) -> str:
    return "" if value is None else str(value)


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y", "是", "on")
    return bool(value)


def _as_id(value: Any) -> int | None:
    if value in (None, "", False):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _single_line(value: Any, label: str, limit: int) -> str:
    text = _s(value).strip()
    bad = first_refused_in_line(text)  # what cannot be seen, breaks search or moves a terminal's cursor
    if bad:
        pos, ch = bad
        what = "换行" if ch in "\r\n" else ("制表符" if ch == "\t" else f"不可见字符 U+{ord(ch):04X}")
        raise Invalid(f"{label}第{pos}位含{what}，请删除")
    if len(text) > limit:
        raise Invalid(f"{label}不能超过{limit}个字，现在是{len(text)}个")
    return text


def age_on(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def class_label(name: str | None) -> str:
    return name or "未分班"


# --- validation --------------------------------------------------------------------

def validate_child(
    data: dict, *, child_id: int | None = None, today: dt.date | None = None,
    lookup: ChildLookup | None = None,
) -> tuple[dict, dict[str, str]]:
    """Raw form values -> (clean values for ``Child``, {field: message in Chinese}).

    The clean dict holds every field of ``CHILD_FIELDS`` plus ``parents`` (a list of
    dicts with ``relation`` and ``PARENT_FIELDS``); it is meaningful only when there
    are no errors. Parents' errors use keys like ``father_phone``. ``lookup`` answers the
    questions to the database (a number taken, a class that exists): by default one query
    each; the importer passes a ``PreloadedLookup`` for its thousands of rows.
    """
    today = today or dt.date.today()
    lookup = lookup or _ASK_EACH_TIME
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}

    def run(field: str, fn) -> None:
        try:
            clean[field] = fn()
        except Invalid as exc:
            errors[field] = str(exc)

    # 姓名 (required)
    run("name", lambda: validate_name(_s(data.get("name"))))

    # Choice fields
    for field, allowed in CHOICES.items():
        value = _s(data.get(field)).strip()
        if not value:
            if field in REQUIRED_CHOICES:
                errors[field] = REQUIRED_CHOICES[field]
            else:
                clean[field] = ""
        elif value not in allowed:
            errors[field] = f"{FIELD_LABELS[field]}只能是：{'、'.join(allowed)}"
        else:
            clean[field] = value

    # 出生日期 (required, not in the future, a plausible school age)
    raw_birth = data.get("birth_date")
    try:
        birth = validate_date(raw_birth if isinstance(raw_birth, dt.date) else _s(raw_birth),
                              field="出生日期", today=today)
        age = age_on(birth, today)
        low, high = AGE_RANGE
        # Records of children who left school stay valid as they grow up.
        if age < low or (age > high and clean.get("status", "在读") == "在读"):
            raise Invalid(f"按出生日期 {birth.isoformat()} 算孩子{age}岁，应在{low}到{high}岁之间，请核对")
        clean["birth_date"] = birth
    except Invalid as exc:
        errors["birth_date"] = str(exc)

    # 身份证号 (optional, unique, agrees with birth date and sex)
    id_raw = _s(data.get("id_number")).strip()
    if not id_raw:
        clean["id_number"] = None
    else:
        try:
            id18 = validate_id_number(id_raw, today=today)
            other = lookup.other_child("id_number", id18, child_id)
            if other:
                raise Invalid(f"身份证号已登记给 {other}，请核对")
            check_id_agrees(id18, clean.get("birth_date"), clean.get("sex") or None)
            clean["id_number"] = id18
        except Invalid as exc:
            errors["id_number"] = str(exc)

    # 学籍号 (optional, unique)
    sn_raw = _s(data.get("student_no")).strip()
    if not sn_raw:
        clean["student_no"] = None
    else:
        try:
            sn = validate_student_no(sn_raw, today=today)
            other = lookup.other_child("student_no", sn, child_id)
            if other:
                raise Invalid(f"学籍号已登记给 {other}，请核对")
            clean["student_no"] = sn
        except Invalid as exc:
            errors["student_no"] = str(exc)

    # 委托监护人
    g_name = _s(data.get("guardian_name")).strip()
    if g_name:
        run("guardian_name", lambda: validate_name(g_name))
    else:
        clean["guardian_name"] = ""
    g_phone = _s(data.get("guardian_phone")).strip()
    if g_phone:
        run("guardian_phone", lambda: validate_phone(g_phone))
    else:
        clean["guardian_phone"] = ""
    g_id = _s(data.get("guardian_id_number")).strip()
    if g_id:
        run("guardian_id_number", lambda: validate_id_number(g_id, today=today))
    else:
        clean["guardian_id_number"] = ""

    # Free texts
    for field, limit in TEXT_LIMITS.items():
        run(field, lambda f=field, n=limit: _single_line(data.get(f), FIELD_LABELS[f], n))
    notes = clean_text(_s(data.get("notes")), multiline=True).strip()
    if len(notes) > NOTES_LIMIT:
        errors["notes"] = f"备注不能超过{NOTES_LIMIT}个字，现在是{len(notes)}个"
    else:
        clean["notes"] = notes

    # The registration form asks for the kind when 身体情况 is 残疾 or 患病.
    if clean.get("health") == "残疾" and "disability" in clean and not clean["disability"]:
        errors["disability"] = "身体情况为残疾时请填写残疾类别及等级"
    if clean.get("health") == "患病" and "illness" in clean and not clean["illness"]:
        errors["illness"] = "身体情况为患病时请填写患病类型"

    # Booleans
    for field in BOOL_FIELDS:
        clean[field] = _as_bool(data.get(field))

    # Multi choices, stored 、-joined in the vocabulary's order
    for field, allowed in MULTI_CHOICES.items():
        raw = data.get(field) or []
        chosen = split_multi(raw) if isinstance(raw, str) else [_s(v).strip() for v in raw]
        unknown = [v for v in chosen if v and v not in allowed]
        if unknown:
            errors[field] = f"{FIELD_LABELS[field]}中没有“{unknown[0]}”这一项"
        else:
            clean[field] = join_multi(v for v in allowed if v in chosen)

    # 在校状态: anything but 在读 needs the date it happened
    status_raw = data.get("status_date")
    status_text = _s(status_raw).strip() if not isinstance(status_raw, dt.date) else status_raw
    if clean.get("status", "在读") == "在读":
        clean["status_date"] = None
    elif not status_text:
        errors["status_date"] = f"状态为{clean.get('status')}时请填写离校日期"
    else:
        try:
            clean["status_date"] = validate_date(status_text, field="离校日期", today=today)
        except Invalid as exc:
            errors["status_date"] = str(exc)

    # 班级 and 校车
    for field, model, message in (("classroom", Classroom, "没有这个班级，请重新选择"),
                                  ("bus_route", BusRoute, "没有这条校车路线，请重新选择")):
        raw_id = data.get(field)
        ref = _as_id(raw_id)
        if raw_id in (None, ""):
            clean[field] = None
        elif ref is None or not lookup.exists(model, ref):
            errors[field] = message
        else:
            clean[field] = ref

    # 父亲、母亲
    parents: list[dict] = []
    raw_parents = {p.get("relation"): p for p in (data.get("parents") or []) if isinstance(p, dict)}
    for relation, key in PARENT_KEYS.items():
        raw = raw_parents.get(relation)
        if raw is None:
            continue
        p: dict[str, Any] = {"relation": relation}
        name = _s(raw.get("name")).strip()
        try:
            p["name"] = validate_name(name) if name else ""
        except Invalid as exc:
            errors[f"{key}_name"] = f"{relation}{exc}"
        phone = _s(raw.get("phone")).strip()
        try:
            p["phone"] = validate_phone(phone) if phone else ""
        except Invalid as exc:
            errors[f"{key}_phone"] = f"{relation}{exc}"
        for field, limit in PARENT_TEXT_LIMITS.items():
            try:
                p[field] = _single_line(raw.get(field), relation + PARENT_FIELD_LABELS[field], limit)
            except Invalid as exc:
                errors[f"{key}_{field}"] = str(exc)
        p["away"] = _as_bool(raw.get("away"))
        # the national form's other parent columns; a caller without them (an import) leaves them as stored
        for field in PARENT_DATES:
            if field in raw:
                text = _s(raw.get(field)).strip()
                try:
                    p[field] = validate_date(text, field=relation + PARENT_FIELD_LABELS[field], today=today) if text else None
                except Invalid as exc:
                    errors[f"{key}_{field}"] = str(exc)
        if "id_number" in raw:
            text = _s(raw.get("id_number")).strip()
            try:
                p["id_number"] = validate_id_number(text, today=today) if text else ""
            except Invalid as exc:
                errors[f"{key}_id_number"] = f"{relation}{exc}"
        if "deceased" in raw:
            p["deceased"] = _as_bool(raw.get("deceased"))
            if p["deceased"]:
                p["away"] = False  # a dead parent is "—": neither away nor home
        parents.append(p)
    clean["parents"] = parents

    # 祖辈: only when the caller gives them (the form does; an import leaves them as stored)
    if isinstance(data.get("grandparents"), list):
        elders: list[dict] = []
        raw_elders = {g.get("relation"): g for g in data["grandparents"] if isinstance(g, dict)}
        for relation, key in GRANDPARENT_KEYS.items():
            raw = raw_elders.get(relation)
            if raw is None:
                continue
            g: dict[str, Any] = {"relation": relation, "deceased": _as_bool(raw.get("deceased"))}
            name = _s(raw.get("name")).strip()
            try:
                g["name"] = validate_name(name) if name else ""
            except Invalid as exc:
                errors[f"{key}_name"] = f"{relation}{exc}"
            birth = _s(raw.get("birth_date")).strip()
            try:
                g["birth_date"] = validate_date(birth, field=relation + "出生日期", today=today) if birth else None
            except Invalid as exc:
                errors[f"{key}_birth_date"] = str(exc)
            elders.append(g)
        clean["grandparents"] = elders
    return clean, errors


HIDDEN_CHILD = "另一份档案 (不在你的查看范围内)"


def _other_child(condition, child_id: int | None, viewer=None) -> str | None:
    """'张小明 (三年级2班)' of another child matching ``condition``, or None; ``HIDDEN_CHILD`` for
    one the ``viewer`` may not see (that the number is taken is said, whose it is is not)."""
    q = (Child.select(Child.id, Child.name, Classroom.name.alias("class_name"))
         .join(Classroom, pw.JOIN.LEFT_OUTER, on=(Child.classroom == Classroom.id))
         .where(condition))
    if child_id is not None:
        q = q.where(Child.id != child_id)
    row = q.dicts().first()
    if row is None:
        return None
    if viewer is not None and not scope.can_see(viewer, row["id"]):
        return HIDDEN_CHILD
    return f"{row['name']} ({class_label(row['class_name'])})"


UNIQUE_NUMBERS = ("id_number", "student_no")  # unique over every school


class ChildLookup:
    """What ``validate_child`` asks the database, one query per question: right for a form,
    which checks one child. With a ``viewer`` a child outside her scope is never named."""

    def __init__(self, viewer=None) -> None:
        self.viewer = viewer

    def other_child(self, field: str, value: str, child_id: int | None) -> str | None:
        """'张小明 (三年级2班)' of another child whose ``field`` (a ``UNIQUE_NUMBERS``) is ``value``."""
        return _other_child(getattr(Child, field) == value, child_id, self.viewer)

    def exists(self, model: type[pw.Model], ref: int) -> bool:
        return model.select().where(model.id == ref).exists()


class PreloadedLookup(ChildLookup):
    """The same answers for thousands of rows (an import) from three queries up front: the
    numbers already taken and the ids of classes and bus routes. The database is asked again
    only about a number that is taken, for the message naming its child.

    A snapshot: what someone saves afterwards is caught when the rows are written
    (``create_children`` and ``save_child`` refuse a number taken meanwhile)."""

    def __init__(self, viewer=None) -> None:
        super().__init__(viewer)
        self.taken: dict[str, set[str]] = {f: set() for f in UNIQUE_NUMBERS}
        for numbers in Child.select(*(getattr(Child, f) for f in UNIQUE_NUMBERS)).tuples():
            for f, value in zip(UNIQUE_NUMBERS, numbers):
                if value:
                    self.taken[f].add(value)
        self.ids: dict[type[pw.Model], set[int]] = {
            model: {i for (i,) in model.select(model.id).tuples()} for model in (Classroom, BusRoute)}

    def other_child(self, field: str, value: str, child_id: int | None) -> str | None:
        if value not in self.taken[field]:
            return None
        return super().other_child(field, value, child_id)

    def exists(self, model: type[pw.Model], ref: int) -> bool:
        return ref in self.ids[model]


_ASK_EACH_TIME = ChildLookup()


def fill_from_id(id_number: str, *, today: dt.date | None = None) -> tuple[dt.date, str] | None:
    """The birth date and sex a valid 身份证号 encodes, or None when it is not valid yet."""
    try:
        id18 = validate_id_number(id_number, today=today)
        return id_birth_date(id18), id_sex(id18)
    except Invalid:
        return None


# --- duplicates --------------------------------------------------------------------

def find_duplicates(values: dict, *, viewer, exclude_id: int | None = None) -> list[dict]:
    """Children who are probably the same as ``values`` (clean values of validate_child).

    Same 身份证号, or same 姓名 and 出生日期, or the same (non-empty) 监护人电话.
    One entry per child: id, name, class_name, reason ('、'-joined when several). A child the
    ``viewer`` may not see is listed as ``HIDDEN_CHILD`` without class: typing a whole ID number in
    the form must not tell a teacher whose it is.
    """
    id_number = values.get("id_number") or None
    name = values.get("name") or ""
    birth = values.get("birth_date")
    phone = values.get("guardian_phone") or ""
    checks = []
    if id_number:
        checks.append((Child.id_number == id_number, "身份证号相同", lambda r: r["id_number"] == id_number))
    if name and birth:
        checks.append(((Child.name == name) & (Child.birth_date == birth), "姓名和出生日期相同",
                       lambda r: r["name"] == name and _date(r["birth_date"]) == birth))
    if phone:
        checks.append((Child.guardian_phone == phone, "监护人电话相同", lambda r: r["guardian_phone"] == phone))
    found = _matching_children(checks, exclude_id=exclude_id)
    visible = scope.visible_child_ids(viewer) if found else None  # None: the viewer sees them all
    for d in found:
        if visible is not None and d["id"] not in visible:
            d.update(name=HIDDEN_CHILD, class_name="")
    return found


def find_same_child(values: dict, *, school_id: int | None = None,
                    exclude_id: int | None = None) -> list[dict]:
    """Existing children who *are* this child: same 身份证号, same 学籍号, or same 姓名 and 出生日期
    (in ``school_id`` when given; the two numbers are unique everywhere).

    Unlike ``find_duplicates`` a shared guardian phone (brothers and sisters) is no match:
    the importer skips or merges a row on these. One entry per child, as in ``find_duplicates``.
    """
    id_number = values.get("id_number") or None
    student_no = values.get("student_no") or None
    name = values.get("name") or ""
    birth = values.get("birth_date")
    checks = []
    if id_number:
        checks.append((Child.id_number == id_number, "身份证号相同", lambda r: r["id_number"] == id_number))
    if student_no:
        checks.append((Child.student_no == student_no, "学籍号相同", lambda r: r["student_no"] == student_no))
    if name and birth:
        same = (Child.name == name) & (Child.birth_date == birth)
        checks.append((same if school_id is None else same & (Child.school == school_id), "姓名和出生日期相同",
                       lambda r: r["name"] == name and _date(r["birth_date"]) == birth))
    return _matching_children(checks, exclude_id=exclude_id)


def _matching_children(checks: list, *, exclude_id: int | None) -> list[dict]:
    """One query for children meeting any (condition, reason, test) check; each with its reasons."""
    if not checks:
        return []
    cond = checks[0][0]
    for c, _, _ in checks[1:]:
        cond = cond | c
    q = (Child.select(Child.id, Child.name, Child.birth_date, Child.id_number, Child.student_no,
                      Child.guardian_phone, Classroom.name.alias("class_name"))
         .join(Classroom, pw.JOIN.LEFT_OUTER, on=(Child.classroom == Classroom.id))
         .where(cond).order_by(Child.id))
    if exclude_id is not None:
        q = q.where(Child.id != exclude_id)
    found = []
    for row in q.dicts():
        reasons = [reason for _, reason, test in checks if test(row)]
        if reasons:
            found.append({"id": row["id"], "name": row["name"], "class_name": class_label(row["class_name"]),
                          "reason": "、".join(reasons)})
    return found


def child_changes(values: dict, child_id: int) -> dict[str, tuple[Any, Any]]:
    """What ``save_child(values, child_id=...)`` would change: {key: (old, new)} with the keys of
    the change history ('guardian_phone', '父亲.work_city'; ``change_label`` names them)."""
    child = Child.get_by_id(child_id)
    changes: dict[str, tuple[Any, Any]] = {}
    for f in CHILD_FIELDS:
        if f in values:
            before = _current_value(child, f)
            if not _same(before, values[f]):
                changes[f] = (before, values[f])
    existing = {p.relation: p for p in Parent.select().where(Parent.child == child_id)}
    p_old, p_new = _parent_changes(existing, values.get("parents") or [])
    for key, new in p_new.items():
        changes[key] = (p_old.get(key), new)
    return changes


# --- saving ------------------------------------------------------------------------

def _plain(d: dict) -> dict:
    """Values as the change history stores them (dates as text, ids of related rows)."""
    return {k: jsonable(v) for k, v in d.items()}


def _current_value(child: Child, field: str) -> Any:
    if field in FK_FIELDS:
        return getattr(child, f"{field}_id")
    value = getattr(child, field)
    if field in ("birth_date", "status_date"):
        return _date(value)
    return value


def _same(a: Any, b: Any) -> bool:
    if a in (None, "") and b in (None, ""):
        return True
    return a == b


def save_child(values: dict, *, child_id: int | None, school_id: int, staff_id: int | None, viewer: scope.Viewer,
               expected_updated_at: dt.datetime | None = None) -> int:
    """Create or update a child and its parents from clean values; one audit row per real change.

    ``ForbiddenError`` first, nothing written, unless the viewer may: create a child in that class
    (admin, head, its class teacher), or edit this child (admin, head, class teacher of its class).

    All or nothing. Returns the child's id. Raises ``SaveError`` when the row is gone or a
    unique value was taken by someone else meanwhile. With ``expected_updated_at`` (the
    version the form loaded, ``child_version``) an update over a newer version raises
    ``conflicts.ConflictError`` carrying that version (``load_form_values`` shape) instead.
    """
    if child_id is None:
        scope.require_new_child(viewer, school_id, values.get("classroom"))
    else:
        scope.require_child(viewer, child_id, "edit")
    fields = {f: values[f] for f in CHILD_FIELDS if f in values}
    parents = values.get("parents") or []
    elders = values.get("grandparents")  # None: not given, left as stored
    now = dt.datetime.now().replace(microsecond=0)
    try:
        with dbmod.write():
            if child_id is None:
                child = _create(fields, school_id, staff_id, now)
                new_log = _created_log(fields)
                new_log.update(_save_parents(child.id, parents, {}, now.date()))
                new_log.update(_save_grandparents(child.id, elders)[1])
                audit.record("create", "child", child.id, staff_id=staff_id, at=now, new=_plain(new_log))
                return child.id
            q = Child.select().where(Child.id == child_id)
            if getattr(dbmod.current(), "for_update", False):
                q = q.for_update()  # PostgreSQL: the version check and the write see one row
            child = q.first()
            if child is None:
                raise SaveError("这份档案已被删除，无法保存")
            if expected_updated_at is not None and not conflicts.same_version(child.updated_at, expected_updated_at):
                by = Staff.get_or_none(Staff.id == child.updated_by_id) if child.updated_by_id else None
                name = by.name if by else ""
                raise conflicts.ConflictError(conflicts.message("档案", name, child.updated_at),
                                              current=load_form_values(child_id), updated_at=child.updated_at,
                                              updated_by=name)
            old_log: dict[str, Any] = {}
            new_log = {}
            for f, v in fields.items():
                before = _current_value(child, f)
                if not _same(before, v):
                    old_log[f], new_log[f] = before, v
            existing = {p.relation: p for p in Parent.select().where(Parent.child == child_id)}
            p_old, p_new = _parent_changes(existing, parents)
            g_old, g_new = _save_grandparents(child.id, elders)
            p_old.update(g_old)
            p_new.update(g_new)
            if not new_log and not p_new:
                return child.id
            for f in new_log:
                setattr(child, f, fields[f])
            if "name" in new_log:
                child.name_pinyin, child.name_initials = pinyin_keys(fields["name"])
            child.updated_at = conflicts.next_stamp(child.updated_at, now)
            child.updated_by = staff_id
            child.save()
            if new_log.get("status") in rules.LEFT_SCHOOL:  # left school: its pairings end that day
                from models.pairings import end_pairings_for_child  # lazy: only a child leaving school needs it

                end_pairings_for_child(child.id, child.status, _date(child.status_date) or now.date(),
                                       staff_id=staff_id)
            _save_parents(child.id, parents, existing, now.date())
            old_log.update(p_old)
            new_log.update(p_new)
            audit.record("update", "child", child.id, staff_id=staff_id, at=now, old=_plain(old_log),
                         new=_plain(new_log))
            return child.id
    except pw.IntegrityError as exc:
        msg = str(exc)
        for field in UNIQUE_NUMBERS:
            if field in msg:
                raise SaveError(TAKEN_MEANWHILE[field]) from None
        raise SaveError(f"保存失败：{msg}") from None


# A unique number another save took after the form (or the import's check) looked.
TAKEN_MEANWHILE = {
    "id_number": "身份证号刚被登记给另一个孩子，请核对",
    "student_no": "学籍号刚被登记给另一个孩子，请核对",
}


def _create(fields: dict, school_id: int, staff_id: int | None, now: dt.datetime) -> Child:
    return Child.create(**_child_row(fields, school_id, staff_id, now))


def _child_row(fields: dict, school_id: int, staff_id: int | None, now: dt.datetime) -> dict:
    """A new child's columns: the form's fields, its pinyin keys and who created it when."""
    pinyin, initials = pinyin_keys(fields["name"])
    return dict(school=school_id, name_pinyin=pinyin, name_initials=initials,
                created_at=now, updated_at=now, updated_by=staff_id, **fields)


def _created_log(fields: dict) -> dict:
    """What the audit row of a created child records of its fields: the filled-in ones."""
    return {f: v for f, v in fields.items() if not _same(v, None) and v is not False}


def _parent_has_data(p: dict) -> bool:
    return any(p.get(f) for f in PARENT_FIELDS if f != "away")


def _parent_changes(existing: dict[str, Parent], parents: list[dict]) -> tuple[dict, dict]:
    old, new = {}, {}
    for p in parents:
        row = existing.get(p["relation"])
        if row is None:
            if _parent_has_data(p):
                new.update({f"{p['relation']}.{f}": p[f] for f in PARENT_FIELDS if _parent_logged(f, p.get(f))})
            continue
        for f in PARENT_FIELDS:
            if f in p and not _same(getattr(row, f), p[f]):
                old[f"{p['relation']}.{f}"] = getattr(row, f)
                new[f"{p['relation']}.{f}"] = p[f]
    return old, new


def _new_parent(child_id: int, p: dict, today: dt.date) -> tuple[dict, dict] | None:
    """A parent not stored yet: its columns and what the audit row records of it (None when
    the form left the parent empty)."""
    if not _parent_has_data(p):
        return None
    data = {f: p[f] for f in PARENT_FIELDS if f in p}
    row = dict(child=child_id, relation=p["relation"], returned_on=None if data.get("away", True) else today, **data)
    return row, {f"{p['relation']}.{f}": v for f, v in data.items() if _parent_logged(f, v)}


def _save_grandparents(child_id: int, elders: list[dict] | None) -> tuple[dict, dict]:
    """Upsert the 祖辈 the form gave (an empty one is deleted); returns the audit's old and new values
    (keys like 祖父.name)."""
    if elders is None:
        return {}, {}
    existing = {g.relation: g for g in Grandparent.select().where(Grandparent.child == child_id)}
    old, new = {}, {}
    for g in elders:
        data = {f: g.get(f) for f in GRANDPARENT_FIELDS}
        row = existing.get(g["relation"])
        empty = not data["name"] and data["birth_date"] is None and not data["deceased"]
        before = {f: getattr(row, f) for f in GRANDPARENT_FIELDS} if row else {"name": "", "birth_date": None,
                                                                            "deceased": False}
        for f in GRANDPARENT_FIELDS:
            if not _same(before[f], data[f]):
                if row is not None:
                    old[f"{g['relation']}.{f}"] = before[f]
                new[f"{g['relation']}.{f}"] = data[f]
        if row is None and not empty:
            Grandparent.create(child=child_id, relation=g["relation"], **data)
        elif row is not None and empty:
            row.delete_instance()
        elif row is not None and any(not _same(before[f], data[f]) for f in GRANDPARENT_FIELDS):
            for f, v in data.items():
                setattr(row, f, v)
            row.save()
    return old, new


def _parent_logged(field: str, value: Any) -> bool:
    """What a new parent's audit row records: the filled-in fields (``away`` always, as before)."""
    return value not in ("", None) and not (field == "deceased" and value is False)


def _save_parents(child_id: int, parents: list[dict], existing: dict[str, Parent], today: dt.date) -> dict:
    """Upsert the parents; returns the new values logged for a created child."""
    logged: dict[str, Any] = {}
    for p in parents:
        data = {f: p[f] for f in PARENT_FIELDS if f in p}
        row = existing.get(p["relation"])
        if row is None:
            new = _new_parent(child_id, p, today)
            if new is not None:
                Parent.create(**new[0])
                logged.update(new[1])
            continue
        changed = {f: v for f, v in data.items() if not _same(getattr(row, f), v)}
        if not changed:
            continue
        if "away" in changed:
            row.returned_on = None if changed["away"] else today
        for f, v in changed.items():
            setattr(row, f, v)
        row.save()
    return logged


# --- saving many new children (an import) ------------------------------------------

# Children per chunk, and parents per INSERT (11 values each: far below SQLite's 32,766 bound
# variables). A refusal nobody foresaw redoes at most one chunk row by row.
BULK_ROWS = 500


def create_children(rows: list[dict], *, school_id: int, staff_id: int | None, viewer: scope.Viewer,
                    progress: Callable[[int, int], None] | None = None) -> list[int | Exception]:
    """Create many new children from clean values, each exactly as ``save_child`` would: the same
    child row, parents and ``create`` audit row, only written in bulk (thousands of ``save_child``
    calls spend their time building SQL in Python, not in the database).

    One result per row, in order: the new child's id, or what refused that row alone —
    ``ForbiddenError`` (not the viewer's class, checked once per class) or ``SaveError`` (its
    身份证号 or 学籍号 was taken meanwhile, by another child or an earlier row). All the rows
    that succeed are written together or not at all (a transaction, or the caller's).
    """
    results: list[int | Exception | None] = _scope_refusals(rows, viewer, school_id)
    todo = [i for i, r in enumerate(results) if r is None]
    if not todo:
        return results
    now = dt.datetime.now().replace(microsecond=0)
    with dbmod.write():
        insert_child = _RowInsert(Child)
        for start in range(0, len(todo), BULK_ROWS):
            chunk = todo[start:start + BULK_ROWS]
            created = _create_chunk([rows[i] for i in chunk], insert_child, school_id=school_id, staff_id=staff_id,
                                    viewer=viewer, now=now)
            for i, result in zip(chunk, created):
                results[i] = result
            if progress:
                progress(len(rows) - len(todo) + start + len(chunk), len(rows))
    return results


def _scope_refusals(rows: list[dict], viewer: scope.Viewer, school_id: int) -> list[scope.ForbiddenError | None]:
    """``save_child``'s scope check of a new child, asked once per class."""
    refused: dict[Any, scope.ForbiddenError | None] = {}
    for values in rows:
        classroom = values.get("classroom")
        if classroom not in refused:
            refused[classroom] = _forbidden(viewer, school_id, classroom)
    return [refused[values.get("classroom")] for values in rows]


def _create_chunk(rows: list[dict], insert_child: _RowInsert, *, school_id: int, staff_id: int | None,
                  viewer: scope.Viewer, now: dt.datetime) -> list[int | SaveError]:
    """A row whose number is taken is refused; the others go in together, or, when the database
    refuses something nobody foresaw, one by one through ``save_child`` (its savepoint per row)."""
    results: list[int | SaveError | None] = [SaveError(TAKEN_MEANWHILE[f]) if f else None
                                             for f in _taken_numbers(rows)]
    ready = [i for i, r in enumerate(results) if r is None]
    try:
        with dbmod.write():  # a savepoint: a refusal undoes only this chunk
            ids = _create_many([rows[i] for i in ready], insert_child, school_id, staff_id, now)
    except pw.IntegrityError:  # e.g. a number someone saved on PostgreSQL after _taken_numbers looked
        ids = [_create_one(rows[i], school_id, staff_id, viewer) for i in ready]
    for i, result in zip(ready, ids):
        results[i] = result
    return results


def _forbidden(viewer: scope.Viewer, school_id: int, classroom_id: Any) -> scope.ForbiddenError | None:
    try:
        scope.require_new_child(viewer, school_id, classroom_id)
    except scope.ForbiddenError as exc:
        return exc
    return None


def _taken_numbers(rows: list[dict]) -> list[str | None]:
    """Per row, which of its ``UNIQUE_NUMBERS`` another child already has (or an earlier row here):
    one query for the whole chunk."""
    wanted = {f: [v[f] for v in rows if v.get(f)] for f in UNIQUE_NUMBERS}
    cond = None
    for f, values in wanted.items():
        if values:
            c = getattr(Child, f).in_(values)
            cond = c if cond is None else cond | c
    taken: dict[str, set] = {f: set() for f in UNIQUE_NUMBERS}
    if cond is not None:
        for numbers in Child.select(*(getattr(Child, f) for f in UNIQUE_NUMBERS)).where(cond).tuples():
            for f, value in zip(UNIQUE_NUMBERS, numbers):
                taken[f].add(value)
    found: list[str | None] = []
    for values in rows:
        hit = next((f for f in UNIQUE_NUMBERS if values.get(f) and values[f] in taken[f]), None)
        if hit is None:  # this row will have them
            for f in UNIQUE_NUMBERS:
                if values.get(f):
                    taken[f].add(values[f])
        found.append(hit)
    return found


def _create_one(values: dict, school_id: int, staff_id: int | None, viewer: scope.Viewer) -> int | SaveError:
    try:
        return save_child(values, child_id=None, school_id=school_id, staff_id=staff_id, viewer=viewer)
    except SaveError as exc:
        return exc


def _create_many(rows: list[dict], insert_child: _RowInsert, school_id: int, staff_id: int | None,
                 now: dt.datetime) -> list[int]:
    """``save_child``'s create, for many rows: the children one INSERT each (for their ids), their
    parents and audit rows in a few statements."""
    ids: list[int] = []
    parents: list[dict] = []
    logs: list[tuple[int, None, dict]] = []
    for values in rows:
        fields = {f: values[f] for f in CHILD_FIELDS if f in values}
        child_id = insert_child(_child_row(fields, school_id, staff_id, now))
        new_log = _created_log(fields)
        for p in values.get("parents") or []:
            new = _new_parent(child_id, p, now.date())
            if new is not None:
                parents.append(new[0])
                new_log.update(new[1])
        logs.append((child_id, None, _plain(new_log)))
        ids.append(child_id)
    columns = _columns(Parent)
    for start in range(0, len(parents), BULK_ROWS):
        Parent.insert_many(parents[start:start + BULK_ROWS], fields=columns).execute()
    audit.record_many("create", "child", logs, staff_id=staff_id, at=now)
    return ids


def _columns(model: type[pw.Model]) -> list[pw.Field]:
    """Every column but the id: a missing value gets the field's default, as ``Model.create`` does."""
    return [f for f in model._meta.sorted_fields if f is not model._meta.primary_key]


class _RowInsert:
    """One row's INSERT … RETURNING id, built by peewee once and run for each row with that row's
    values (converted by each field's ``db_value``, defaults filled in as ``Model.create`` does).

    One statement per row, because the ids must be matched to the rows without relying on the
    order of a multi-row RETURNING, which neither SQLite nor PostgreSQL promises."""

    def __init__(self, model: type[pw.Model]) -> None:
        self.fields = _columns(model)
        query = model.insert_many([[None] * len(self.fields)], fields=self.fields).returning(model._meta.primary_key)
        self.sql, _ = query.sql()

    def __call__(self, row: dict) -> int:
        params = [f.db_value(row[f.name] if f.name in row else _default(f)) for f in self.fields]
        return dbmod.current().execute_sql(self.sql, params).fetchone()[0]


def _default(field: pw.Field) -> Any:
    return field.default() if callable(field.default) else field.default


# --- reading -----------------------------------------------------------------------

def child_version(child_id: int) -> dt.datetime | None:
    """The stored ``updated_at``: what a form remembers to detect a concurrent change."""
    row = Child.select(Child.updated_at).where(Child.id == child_id).first()
    return conflicts.as_datetime(row.updated_at) if row else None


def open_form(child_id: int | None, *, viewer: scope.Viewer, classroom_id: int | None = None) -> dict:
    """``load_form_values`` for the child form, checked: a new child for those who may create one,
    an existing child's full record (its numbers unmasked) only for those who may edit it — and
    that look at the full numbers is written to the audit log (action ``unmask``)."""
    if child_id is None:
        if not scope.may_create_children(viewer):
            raise scope.ForbiddenError("只有管理员、校长和班主任可以新建孩子的档案")
        if classroom_id is None:  # a class teacher adds to their class
            classroom_id = scope.own_class(viewer)
        return load_form_values(None, classroom_id=classroom_id)
    scope.require_child(viewer, child_id, "edit")
    values = load_form_values(child_id)
    privacy.log_unmask(child_id, viewer=viewer, fields=privacy.number_fields(values), via="修改表单")
    return values


def load_form_values(child_id: int | None, *, classroom_id: int | None = None) -> dict:
    """The raw values the form starts with: strings, bools, lists, ids (None when empty).

    Unchecked and unmasked: screens call ``open_form``; the importer and ``save_child`` call
    this after their own ``models.scope`` check."""
    values: dict[str, Any] = {}
    if child_id is None:
        for f in CHILD_FIELDS:
            if f in BOOL_FIELDS:
                values[f] = bool(NEW_CHILD_DEFAULTS.get(f, False))
            elif f in MULTI_CHOICES:
                values[f] = []
            elif f in FK_FIELDS:
                values[f] = None
            else:
                values[f] = _s(NEW_CHILD_DEFAULTS.get(f, ""))
        values["classroom"] = classroom_id
        parents: dict[str, Parent] = {}
    else:
        child = Child.get_by_id(child_id)
        for f in CHILD_FIELDS:
            v = _current_value(child, f)
            if f in BOOL_FIELDS:
                values[f] = bool(v)
            elif f in MULTI_CHOICES:
                values[f] = split_multi(v)
            elif f in FK_FIELDS:
                values[f] = v
            elif isinstance(v, dt.date):
                values[f] = v.isoformat()
            else:  # a row stored before migration 0008 (or behind its back) reaches no widget raw
                values[f] = clean_text(_s(v), multiline=f == "notes")
        parents = {p.relation: p for p in Parent.select().where(Parent.child == child_id)}
    stored = ({g.relation: g for g in Grandparent.select().where(Grandparent.child == child_id)}
              if child_id is not None else {})
    values["grandparents"] = [
        {"relation": relation,
         "name": clean_text(stored[relation].name, multiline=False) if relation in stored else "",
         "birth_date": _s(stored[relation].birth_date) if relation in stored else "",
         "deceased": bool(stored[relation].deceased) if relation in stored else False}
        for relation in GRANDPARENT_KEYS]
    values["parents"] = []
    for relation in PARENT_KEYS:
        row = parents.get(relation)
        p = {"relation": relation}
        for f in PARENT_FIELDS:
            p[f] = ((bool(row.away) if row else True) if f == "away"
                    else bool(row.deceased) if f == "deceased" and row
                    else False if f == "deceased"
                    else clean_text(_s(getattr(row, f)), multiline=False) if row else "")
        values["parents"].append(p)
    return values


def child_detail(child_id: int, *, viewer: scope.Viewer) -> dict:
    """Everything the detail screen shows, in a fixed number of queries (none per row).

    ``ForbiddenError`` outside the viewer's scope; KeyError when the child is gone. 身份证号 and
    phone numbers come masked (``privacy.reveal_numbers`` shows them, audited); a 心理辅导 note's
    summary only for a counselor or its author."""
    scope.require_child(viewer, child_id, "read")
    Updater = Staff.alias()
    row = (Child.select(Child, Classroom.name.alias("class_name"),
                        BusRoute.name.alias("bus_name"), BusRoute.plate.alias("bus_plate"),
                        BusRoute.driver.alias("bus_driver"), BusRoute.driver_phone.alias("bus_driver_phone"),
                        BusRoute.direction.alias("bus_direction"), Updater.name.alias("updated_by_name"))
           .join(Classroom, pw.JOIN.LEFT_OUTER, on=(Child.classroom == Classroom.id))
           .switch(Child).join(BusRoute, pw.JOIN.LEFT_OUTER, on=(Child.bus_route == BusRoute.id))
           .switch(Child).join(Updater, pw.JOIN.LEFT_OUTER, on=(Child.updated_by == Updater.id))
           .where(Child.id == child_id).dicts().first())
    if row is None:
        raise KeyError(child_id)
    child = {f: row[f] for f in CHILD_FIELDS if f in row}
    for f in ("birth_date", "status_date"):
        child[f] = _date(child.get(f))
    child["id"] = row["id"]
    child["school"] = row["school"]
    # 需要关注: the level and review date only for whom scope lets see the label, else none at all
    labelled = scope.attention_visible(viewer, row["school"], row["classroom"])
    child["attention_level"] = row["attention_level"] if labelled else ""
    child["attention_review_on"] = _date(row["attention_review_on"]) if labelled else None
    for f in ("created_at", "updated_at", "archived_at"):
        child[f] = row[f]
    bus = None
    if row["bus_route"]:
        bus = {"name": row["bus_name"], "plate": row["bus_plate"], "driver": row["bus_driver"],
               "driver_phone": row["bus_driver_phone"], "direction": row["bus_direction"]}

    parents = sorted(
        (dict(p) for p in Parent.select().where(Parent.child == child_id).dicts()),
        key=lambda p: rules.PARENT_RELATIONS.index(p["relation"]) if p["relation"] in rules.PARENT_RELATIONS else 9,
    )
    # 祖父、祖母、外祖父、外祖母 in the form's order, one row each (None: nothing recorded)
    stored = {g["relation"]: g for g in Grandparent.select(Grandparent.relation, Grandparent.name,
                                                           Grandparent.birth_date, Grandparent.deceased)
              .where(Grandparent.child == child_id).dicts()}
    grandparents = [{"relation": r, "name": stored[r]["name"] or "", "birth_date": _date(stored[r]["birth_date"]),
                     "deceased": bool(stored[r]["deceased"])} if r in stored else None
                    for r in rules.GRANDPARENT_RELATIONS]
    for p in parents:
        for f in PARENT_DATES:
            p[f] = _date(p.get(f))

    Buddy = Child.alias()
    pairings = []
    q = (Pairing.select(Pairing.kind, Pairing.started_on, Pairing.helper_name,
                        Staff.name.alias("staff_name"), Staff.active.alias("staff_active"),
                        Buddy.name.alias("buddy_name"), Buddy.status.alias("buddy_status"))
         .join(Staff, pw.JOIN.LEFT_OUTER, on=(Pairing.staff == Staff.id))
         .switch(Pairing).join(Buddy, pw.JOIN.LEFT_OUTER, on=(Pairing.buddy == Buddy.id))
         .where((Pairing.child == child_id) & Pairing.ended_on.is_null())
         .order_by(Pairing.kind, Pairing.started_on).dicts())
    kind_order = {k: i for i, k in enumerate(rules.PAIRING_KINDS)}
    for p in q:
        # as the pairing board sees it (models.pairings): a helper who left no longer helps
        gone = ("已停用" if p["staff_name"] and not p["staff_active"]
                else f"已{p['buddy_status']}" if p["buddy_name"] and p["buddy_status"] not in (None, "在读") else "")
        pairings.append({"kind": p["kind"], "helper": p["staff_name"] or p["buddy_name"] or p["helper_name"] or "",
                         "since": _date(p["started_on"]), "gone": gone})
    pairings.sort(key=lambda p: (kind_order.get(p["kind"], 99), p["since"] or dt.date.min))

    contacts = []
    q = (Contact.select(Contact.at, Contact.kind, Contact.reached, Contact.content, Contact.staff,
                        Staff.name.alias("staff_name"))
         .join(Staff, pw.JOIN.LEFT_OUTER, on=(Contact.staff == Staff.id))
         .where(Contact.child == child_id).order_by(Contact.at.desc(), Contact.id.desc()).limit(10).dicts())
    for c in q:
        at = c["at"]
        if isinstance(at, str):
            at = dt.datetime.fromisoformat(at)
        first = next((line.strip() for line in (c["content"] or "").splitlines() if line.strip()), "")
        if scope.hides(viewer, c["kind"], c["staff"]):
            first = scope.COUNSELLING_HIDDEN
        contacts.append({"at": at, "kind": c["kind"], "reached": c["reached"], "staff": c["staff_name"] or "",
                         "summary": first})

    history = _history(child_id)
    # 强制报告 for the reporter, the head and the counselor only (nothing, not even a count, for others)
    reports, interventions = protection.child_page_rows(child_id, viewer=viewer)

    privacy.mask_detail(child, parents, history)
    from models.calendar import events_attended  # lazy: the calendar brings dateutil, ~20 ms of every start-up

    values = dict(child)
    values["classroom"] = row["classroom"]
    return {
        "child": child,
        "class_name": row["class_name"] or "",
        "bus": bus,
        "parents": parents,
        "grandparents": grandparents,
        "pairings": pairings,
        "contacts": contacts,
        "missing": missing_fields(values),
        "history": history,
        "events": events_attended(child_id),
        "consents": privacy.consent_rows(child_id),
        "reports": reports,
        "interventions": interventions,
        "updated_by_name": row["updated_by_name"] or "",
    }


def _history(child_id: int) -> list[dict]:
    q = (AuditLog.select(AuditLog.id, AuditLog.at, AuditLog.action, AuditLog.old, AuditLog.new,
                         Staff.name.alias("staff_name"))
         .join(Staff, pw.JOIN.LEFT_OUTER, on=(AuditLog.staff == Staff.id))
         .where((AuditLog.table == "child") & (AuditLog.row_id == child_id))
         .order_by(AuditLog.at.desc(), AuditLog.id.desc()).dicts())
    entries = []
    fk_ids: dict[str, set[int]] = {"classroom": set(), "bus_route": set()}
    for r in q:
        old, new = _loads(r["old"]), _loads(r["new"])
        for f in fk_ids:
            for d in (old, new):
                if isinstance(d.get(f), int):
                    fk_ids[f].add(d[f])
        entries.append((r, old, new))
    names = {"classroom": {}, "bus_route": {}}
    if fk_ids["classroom"]:
        names["classroom"] = dict(Classroom.select(Classroom.id, Classroom.name)
                                  .where(Classroom.id.in_(fk_ids["classroom"])).tuples())
    if fk_ids["bus_route"]:
        names["bus_route"] = dict(BusRoute.select(BusRoute.id, BusRoute.name)
                                  .where(BusRoute.id.in_(fk_ids["bus_route"])).tuples())
    history = []
    for r, old, new in entries:
        at = r["at"]
        if isinstance(at, str):
            at = dt.datetime.fromisoformat(at)
        changes = []
        seen: list[str] = []
        if r["action"] == "unmask":  # a look at the full numbers (the edit form, u): nothing changed
            seen = [change_label(str(f)) for f in new.get("fields", []) if isinstance(f, str)]
        elif r["action"] != "create":
            for key in list(dict.fromkeys([*new, *old])):
                changes.append({"field": key, "label": change_label(key),
                                "old": display_value(key, old.get(key), names),
                                "new": display_value(key, new.get(key), names)})
        history.append({"at": at, "who": r["staff_name"] or "", "action": r["action"], "changes": changes,
                        "fields": len(new), "seen": seen, "via": str(new.get("via", "")) if seen else ""})
    return history


def _loads(text: str) -> dict:
    try:
        d = json.loads(text or "{}")
    except ValueError:
        return {}
    return d if isinstance(d, dict) else {}


def change_label(key: str) -> str:
    if "." in key:
        relation, field = key.split(".", 1)
        return relation + PARENT_FIELD_LABELS.get(field, field)
    return FIELD_LABELS.get(key, key)


def display_value(key: str, value: Any, names: dict | None = None) -> str:
    """How a stored value reads in the history: 是/否, names for ids, 空 for nothing."""
    field = key.split(".", 1)[-1]
    if value is None or value == "":
        return "空"
    if isinstance(value, bool):
        return "是" if value else "否"
    if field in FK_FIELDS and names is not None:
        return str(names.get(field, {}).get(value, f"#{value}"))
    return str(value)


def bus_routes(school_id: int) -> list[tuple[int, str]]:
    """(id, '1号线 贵A12345') for the form's 校车 choice."""
    q = (BusRoute.select(BusRoute.id, BusRoute.name, BusRoute.plate)
         .where(BusRoute.school == school_id).order_by(BusRoute.name, BusRoute.id).tuples())
    return [(rid, f"{name} {plate}".strip()) for rid, name, plate in q]
