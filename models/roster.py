"""The roster (名册): one row per child with what the list shows, search and 建档率.

The screen asks for all rows of a school once (a handful of set-based queries, never
one per child) and filters in memory while the teacher types: a few thousand rows
filter in well under a millisecond per keystroke.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import peewee as pw

from models import rules
from models.entities import Child, Classroom, Contact, Pairing, Parent, Staff


@dataclass(slots=True)
class RosterRow:
    id: int
    name: str
    name_pinyin: str
    name_initials: str
    sex: str
    student_no: str
    id_number: str
    classroom_id: int | None
    class_name: str
    class_order: tuple[int, int]
    left_behind_type: str
    guardian_name: str
    guardian_relation: str
    guardian_phone: str
    hardship: bool
    talent: str
    disability: str
    key_target: bool
    status: str
    missing: list[str] = field(default_factory=list)
    helper: str = ""
    last_talk: dt.date | None = None
    phones: str = ""

    @property
    def left_behind(self) -> bool:
        return bool(self.left_behind_type)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def flags(self) -> str:
        return flags_text(self.hardship, self.talent, self.disability, self.key_target)

    @property
    def id_masked(self) -> str:
        return mask_id(self.id_number)


def flags_text(hardship: bool, talent: str, disability: str, key_target: bool) -> str:
    """The 三特生 and 重点 marks as one short word: 困 (特困) 长 (特长) 残 (残障) 重 (重点)."""
    return "".join(
        mark for mark, on in (("困", hardship), ("长", bool(talent)), ("残", bool(disability)), ("重", key_target)) if on
    )


FLAG_FILTERS = {
    "特困": lambda r: r.hardship,
    "特长": lambda r: bool(r.talent),
    "残障": lambda r: bool(r.disability),
    "重点": lambda r: r.key_target,
    "档案不全": lambda r: not r.complete,
}


def mask_id(id_number: str | None) -> str:
    """5101**********123X: enough to tell two children apart, not enough to misuse."""
    if not id_number:
        return ""
    if len(id_number) <= 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def mask_student_no(student_no: str | None) -> str:
    """A G-form 学籍号 is 'G' + the 身份证号, and the temporary L-form is usually made from it
    too, so both are masked the same way; a J-form national number is shown."""
    if not student_no:
        return ""
    if student_no[:1].upper() in ("G", "L") and len(student_no) == 19:
        return student_no[0] + mask_id(student_no[1:])
    return student_no


def missing_fields(values: dict) -> list[str]:
    """The labels of the required 档案 fields that are empty."""
    return [label for name, label in rules.REQUIRED_FIELDS.items() if values.get(name) in (None, "")]


def roster_rows(school_id: int, *, today: dt.date | None = None) -> list[RosterRow]:
    """Every child of the school, sorted by class then pinyin."""
    q = (
        Child.select(
            Child.id, Child.name, Child.name_pinyin, Child.name_initials, Child.sex, Child.student_no,
            Child.id_number, Child.classroom, Child.ethnicity, Child.birth_date, Child.hukou_place,
            Child.address, Child.left_behind_type, Child.guardian_name, Child.guardian_relation,
            Child.guardian_phone, Child.guardianship_type, Child.hardship, Child.talent, Child.disability,
            Child.key_target, Child.status,
            Classroom.name.alias("class_name"), Classroom.grade, Classroom.number,
        )
        .join(Classroom, pw.JOIN.LEFT_OUTER, on=(Child.classroom == Classroom.id))
        .where(Child.school == school_id)
        .order_by(Classroom.grade, Classroom.number, Child.name_pinyin, Child.id)
        .dicts()
    )
    rows: list[RosterRow] = []
    for d in q:
        values = dict(d)
        values["classroom"] = d["classroom"]
        rows.append(RosterRow(
            id=d["id"], name=d["name"], name_pinyin=d["name_pinyin"], name_initials=d["name_initials"],
            sex=d["sex"], student_no=d["student_no"] or "", id_number=d["id_number"] or "",
            classroom_id=d["classroom"], class_name=d["class_name"] or "",
            class_order=(d["grade"] or 99, d["number"] or 99),
            left_behind_type=d["left_behind_type"], guardian_name=d["guardian_name"],
            guardian_relation=d["guardian_relation"], guardian_phone=d["guardian_phone"],
            hardship=d["hardship"], talent=d["talent"], disability=d["disability"],
            key_target=d["key_target"], status=d["status"],
            missing=missing_fields(values) if d["left_behind_type"] else [],
        ))
    by_id = {r.id: r for r in rows}
    _attach_phones(school_id, by_id)
    _attach_helpers(school_id, by_id)
    _attach_last_talks(school_id, by_id)
    return rows


def _attach_phones(school_id: int, by_id: dict[int, RosterRow]) -> None:
    q = (Parent.select(Parent.child, Parent.phone).join(Child)
         .where((Child.school == school_id) & (Parent.phone != "")).tuples())
    for child_id, phone in q:
        row = by_id.get(child_id)
        if row is not None:
            row.phones += " " + phone
    for row in by_id.values():
        row.phones = (row.guardian_phone + row.phones).strip()


def _attach_helpers(school_id: int, by_id: dict[int, RosterRow]) -> None:
    q = (Pairing.select(Pairing.child, Staff.name, Staff.active, Pairing.helper_name)
         .join(Staff, pw.JOIN.LEFT_OUTER, on=(Pairing.staff == Staff.id))
         .switch(Pairing).join(Child, on=(Pairing.child == Child.id))
         .where((Child.school == school_id) & (Pairing.kind == "帮扶教师") & Pairing.ended_on.is_null())
         .tuples())
    for child_id, staff_name, staff_active, helper_name in q:
        row = by_id.get(child_id)
        if row is not None and (staff_name is None or staff_active):  # a helper who left needs replacing
            row.helper = staff_name or helper_name or ""


def _attach_last_talks(school_id: int, by_id: dict[int, RosterRow]) -> None:
    last = pw.fn.MAX(Contact.at)
    q = (Contact.select(Contact.child, last.alias("last"))
         .join(Child, on=(Contact.child == Child.id))
         .where((Child.school == school_id) & (Contact.kind == "谈心") & (Contact.reached == True))  # noqa: E712
         .group_by(Contact.child).tuples())
    for child_id, when in q:
        row = by_id.get(child_id)
        if row is not None and when is not None:
            if isinstance(when, str):  # SQLite MAX() returns the stored text
                when = dt.datetime.fromisoformat(when)
            row.last_talk = when.date() if isinstance(when, dt.datetime) else when


def search(rows: list[RosterRow], query: str) -> list[RosterRow]:
    """Filter by pinyin initials (zxm), full pinyin, characters, 学籍号 or a phone fragment.

    Best matches first: initials equal to the query, then initials/pinyin starting with it,
    then anything containing it; the roster order is kept within each group.
    """
    q = "".join(query.split()).lower()
    if not q:
        return rows
    ranked: list[tuple[int, int, RosterRow]] = []
    for i, r in enumerate(rows):
        rank = _rank(r, q)
        if rank is not None:
            ranked.append((rank, i, r))
    ranked.sort(key=lambda t: (t[0], t[1]))
    return [r for _, _, r in ranked]


def _rank(r: RosterRow, q: str) -> int | None:
    if q.isascii() and q.isalpha():
        if r.name_initials == q or r.name_pinyin == q:
            return 0
        if r.name_initials.startswith(q) or r.name_pinyin.startswith(q):
            return 1
        if q in r.name_pinyin or (len(q) >= 2 and q in r.name_initials):
            return 2
        if r.student_no and q in r.student_no.lower():
            return 3
        return None
    if q.isascii() and q.replace("-", "").isalnum():
        if q in r.student_no.lower():
            return 1
        if len(q) >= 3 and q in r.phones:
            return 2
        if q in r.id_number.lower() and len(q) >= 4:
            return 3
        return None
    if q == r.name:
        return 0
    if r.name.startswith(q):
        return 1
    if q in r.name:
        return 2
    if q in r.class_name or q in r.guardian_name:
        return 3
    return None


def filter_rows(rows: list[RosterRow], *, classroom_id: int | None = None, flag: str | None = None,
                status: str | None = "在读", left_behind_only: bool = True) -> list[RosterRow]:
    test = FLAG_FILTERS.get(flag) if flag else None
    return [
        r for r in rows
        if (classroom_id is None or r.classroom_id == classroom_id)
        and (status is None or r.status == status)
        and (not left_behind_only or r.left_behind)
        and (test is None or test(r))
    ]


def filing_rate(rows: list[RosterRow]) -> float | None:
    """建档率: the share of left-behind children in ``rows`` whose 档案 has every required field."""
    counted = [r for r in rows if r.left_behind]
    if not counted:
        return None
    return sum(1 for r in counted if r.complete) / len(counted)


SORT_KEYS = {
    "name": lambda r: (r.name_pinyin, r.id),
    "class": lambda r: (r.class_order, r.name_pinyin, r.id),
    "type": lambda r: (r.left_behind_type, r.class_order, r.name_pinyin),
    "guardian": lambda r: (r.guardian_name, r.class_order),
    "flags": lambda r: (-len(r.flags), r.flags, r.class_order, r.name_pinyin),
    "helper": lambda r: (r.helper == "", r.helper, r.class_order, r.name_pinyin),
    "last_talk": lambda r: (r.last_talk is not None, r.last_talk or dt.date.min, r.class_order),
}


def classrooms(school_id: int) -> list[tuple[int, str]]:
    return list(Classroom.select(Classroom.id, Classroom.name).where(Classroom.school == school_id)
                .order_by(Classroom.grade, Classroom.number).tuples())
