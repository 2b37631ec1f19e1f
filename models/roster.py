"""The roster (名册): one row per child with what the list shows, search and 建档率.

The screen asks for all rows of a school once (one statement, never one query per child)
and filters in memory while the teacher types: 8,000 left-behind children of a 20,000-pupil
school are searched in about 10 ms a keystroke (the pinyin keys are stored columns).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import peewee as pw

from models import child_fields
from models.entities import Child, Classroom, Contact, Pairing, Parent, Staff
from models.left_behind import left_behind_on
from models.coerce import as_date
from models.masking import mask_id, mask_phone, mask_student_no  # noqa: F401 (re-exported for the screens)
from models.scope import Viewer, attention_visible, child_condition, may_match_numbers, may_see_attention


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
    parents_home: bool = False  # a 留守类型, but the parents came home: no longer left behind
    attention: str = ""  # 需要关注 level 红/黄, only for a viewer who may see it (scope.attention_visible)

    @property
    def left_behind(self) -> bool:
        return bool(self.left_behind_type) and not self.parents_home

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def flags(self) -> str:
        return flags_text(self.hardship, self.talent, self.disability, self.key_target) + self.attention

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


def missing_fields(values: dict) -> list[str]:
    """The labels of the required 档案 fields that are empty."""
    return [label for name, label in child_fields.FILING_FIELDS.items() if values.get(name) in (None, "")]


def roster_rows(school_id: int, *, viewer: "Viewer", today: dt.date | None = None) -> list[RosterRow]:
    """Every child of the school the viewer may see (``models.scope``), sorted by class then pinyin;
    an archived child (left school, ``archived_at``) is not listed.

    One statement: the children with their class, and three correlated columns — the parents'
    phones, the current 帮扶教师 (none when that teacher has left), the last reached 谈心 (which walks the (child, at) index
    backwards and stops at the first match). Rows are read raw, without peewee's per-value
    conversion: 1,000 children in about 10 ms.

    The numbers (身份证号, 学籍号, phones) of a child the viewer may not unmask
    (``scope.may_match_numbers``) are masked in the row itself, so ``search`` matches only the
    digits the screen shows for that child.
    """
    db = Child._meta.database
    sqlite = isinstance(db.obj if isinstance(db, pw.DatabaseProxy) else db, pw.SqliteDatabase)
    p = Parent.alias("p")
    join_phones = pw.fn.group_concat(p.phone, " ") if sqlite else pw.fn.string_agg(p.phone, " ")
    phones = p.select(join_phones).where((p.child == Child.id) & (p.phone != ""))
    pr, st = Pairing.alias("pr"), Staff.alias("st")
    helper = (pr.select(pw.fn.COALESCE(pw.fn.NULLIF(st.name, ""), pr.helper_name))
              .join(st, pw.JOIN.LEFT_OUTER, on=(pr.staff == st.id))
              .where((pr.child == Child.id) & (pr.kind == "帮扶教师") & pr.ended_on.is_null()
                     & (st.id.is_null() | (st.active == True)))  # noqa: E712 (a helper who left needs replacing)
              .order_by(pr.id.desc()).limit(1))
    ct = Contact.alias("ct")
    last_talk = (ct.select(ct.at)
                 .where((ct.child == Child.id) & (ct.kind == "谈心") & (ct.reached == True))  # noqa: E712
                 .order_by(ct.at.desc()).limit(1))
    q = (
        Child.select(
            Child.id, Child.name, Child.name_pinyin, Child.name_initials, Child.sex, Child.student_no,
            Child.id_number, Child.classroom, Child.ethnicity, Child.birth_date, Child.hukou_place,
            Child.address, Child.left_behind_type, Child.guardian_name, Child.guardian_relation,
            Child.guardian_phone, Child.guardianship_type, Child.hardship, Child.talent, Child.disability,
            Child.key_target, Child.status, Child.attention_level,
            Classroom.name, Classroom.grade, Classroom.number, phones, helper, last_talk,
            pw.Case(None, [(left_behind_on(today or dt.date.today()), 1)], 0),
        )
        .join(Classroom, pw.JOIN.LEFT_OUTER, on=(Child.classroom == Classroom.id))
        .where((Child.school == school_id) & Child.archived_at.is_null() & child_condition(viewer))
        .order_by(Classroom.grade, Classroom.number, Child.name_pinyin, Child.id)
    )
    rows: list[RosterRow] = []
    required = list(child_fields.FILING_FIELDS)
    labels = may_see_attention(viewer)
    for (cid, name, pinyin, initials, sex, student_no, id_number, room_id, ethnicity, birth, hukou, address,
         lb_type, g_name, g_relation, g_phone, g_type, hardship, talent, disability, key_target, status, level,
         class_name, grade, number, parent_phones, helper_name, last, lb_now) in db.execute(q).fetchall():
        missing: list[str] = []
        parents_home = bool(lb_type) and not lb_now
        if lb_type and not parents_home:
            values = {"student_no": student_no, "name": name, "id_number": id_number, "sex": sex,
                      "ethnicity": ethnicity,
                      "birth_date": birth, "classroom": room_id, "hukou_place": hukou, "address": address,
                      "left_behind_type": lb_type, "guardian_name": g_name, "guardian_relation": g_relation,
                      "guardian_phone": g_phone, "guardianship_type": g_type}
            missing = [child_fields.FILING_FIELDS[f] for f in required if values[f] in (None, "")]
        g_phone = g_phone or ""
        phones = (g_phone + " " + (parent_phones or "")).strip()
        if not may_match_numbers(viewer, school_id, room_id):
            id_number, student_no, g_phone = mask_id(id_number), mask_student_no(student_no), mask_phone(g_phone)
            phones = " ".join(mask_phone(p) for p in phones.split())
        rows.append(RosterRow(
            id=cid, name=name, name_pinyin=pinyin or "", name_initials=initials or "", sex=sex or "",
            student_no=student_no or "", id_number=id_number or "", classroom_id=room_id,
            class_name=class_name or "", class_order=(grade or 99, number or 99),
            left_behind_type=lb_type or "", guardian_name=g_name or "", guardian_relation=g_relation or "",
            guardian_phone=g_phone, hardship=bool(hardship), talent=talent or "", disability=disability or "",
            key_target=bool(key_target), status=status or "", missing=missing, helper=helper_name or "",
            last_talk=as_date(last), phones=phones, parents_home=parents_home,
            attention=level if level and labels and attention_visible(viewer, school_id, room_id) else "",
        ))
    return rows


def search(rows: list[RosterRow], query: str) -> list[RosterRow]:
    """Filter by pinyin initials (zxm), full pinyin, characters, 学籍号 or a phone fragment.

    Digits match the whole numbers only of the children whose numbers the viewer may unmask
    (admin, head, the class teacher): ``roster_rows`` built the rows for that viewer and masked
    the others' numbers, so for them only the shown digits (``51…8``, ``138****5678``) match.
    Limiting rather than auditing each search: a typed search answers at every keystroke, so
    an audit row per digit would flood the log and still give the answer away; a limited search
    tells nobody more than their own screen shows, and the full number stays behind the audited
    ``u`` (显示完整号码) of those who may see it.

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
