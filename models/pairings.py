"""结对帮扶: the pairing board, its rules and its suggestions. No textual here.

Kinds and who helps
    帮扶教师 and 爱心妈妈 are staff members of the child's school; a 学习帮手 (小老师,
    手拉手) is another pupil of the same school who is 在读; a 党员干部 (一帮一) is a
    community person known by name only.

Rules (enforced by ``assign``, ``move`` and ``end_pairing``, each one transaction)
    - A pairing is active while ``ended_on`` is empty. A child has at most one active
      pairing per kind; a second one is refused (``move`` replaces it instead).
    - Nothing is deleted: ending a pairing sets ``ended_on`` and ``end_reason``; a move
      ends the old pairing and starts a new one. Every change writes an AuditLog row.
    - Refused with a message: an inactive (停用) staff member or a staff member of another
      school, the child as their own buddy, a buddy of another school or one who left,
      a child who left school.
    - A helper at or above the kind's maximum load (a school setting, ``max_load``) raises
      ``OverLoad``; the screen asks and calls again with ``allow_over=True``.
    - A child whose helper became inactive (or whose buddy left school) needs a new helper:
      the board lists it under 未结对, and ``assign`` ends the stale pairing on the way.
    - A child who leaves school (转出/毕业/辍学) ends every active pairing on that date, as
      the cared-for child and as someone's buddy (``end_pairings_for_child``).

The board (``load_board``) is a fixed handful of set-based queries per kind, never one per
row: children, active pairings, staff, the last contact per (child, staff), teaching
assignments, settings.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterable, Union

import peewee as pw

from models import audit
from models import db as dbmod
from models import rules, scope, settings
from models.coerce import as_date as _date, jsonable
from models.duties import left_behind_on
from models.entities import (
    Child, Classroom, Contact, Pairing, Staff, TeachingAssignment,
)
from models.pinyin import pinyin_keys  # pypinyin itself loads on the first call
from models.roster import flags_text
from models.errors import UserError
from models.sanitize import clean_text
from models.validation import code_point, find_bad_char

KINDS: tuple[str, ...] = rules.PAIRING_KINDS
STAFF_KINDS = ("帮扶教师", "爱心妈妈")
BUDDY_KIND = "学习帮手"
NAMED_KIND = "党员干部"

# The most children one helper takes, per kind, until the school changes it. A rural
# school with 40 % left-behind pupils gives each class teacher a dozen or so.
DEFAULT_MAX_LOAD = {"帮扶教师": 15, "爱心妈妈": 10, "学习帮手": 2, "党员干部": 6}
MAX_LOAD_KEY = "pairing.max_load."
MAX_LOAD_LIMIT = 999

REASON_MAX = 100
PLAN_TIME_MAX = 200
PLAN_TEXT_MAX = 2000
HELPER_NAME_MAX = 50

# ("staff", id) | ("child", id) | ("name", text) | ("unpaired", 0)
HelperKey = tuple[str, Union[int, str]]
UNPAIRED: HelperKey = ("unpaired", 0)


class PairingError(UserError):
    """A refused change; the message is for the user."""


class OverLoad(PairingError):
    """The helper already has ``load`` children of the kind, the maximum is ``max_load``."""

    def __init__(self, helper: str, load: int, max_load: int) -> None:
        self.helper, self.load, self.max_load = helper, load, max_load
        super().__init__(f"{helper}已有{load}个孩子 (上限{max_load})")


def helper_type(kind: str) -> str:
    if kind in STAFF_KINDS:
        return "staff"
    if kind == BUDDY_KIND:
        return "child"
    if kind == NAMED_KIND:
        return "name"
    raise PairingError(f"没有这种结对: {kind}")


# --------------------------------------------------------------------------- settings


def max_loads(school_id: int) -> dict[str, int]:
    stored = settings.get_many(school_id, MAX_LOAD_KEY)
    out = {}
    for kind in KINDS:
        try:
            out[kind] = int(stored.get(MAX_LOAD_KEY + kind, DEFAULT_MAX_LOAD[kind]))
        except ValueError:
            out[kind] = DEFAULT_MAX_LOAD[kind]
    return out


def max_load(school_id: int, kind: str) -> int:
    return max_loads(school_id)[kind]


def set_max_load(school_id: int, kind: str, value: Any, *, viewer: scope.Viewer, staff_id: int | None = None) -> int:
    """Store the kind's maximum load; PairingError for anything but a whole number 1..999,
    ``ForbiddenError`` unless admin or head (a school setting)."""
    scope.require_whole_school(viewer, "修改结对上限")
    helper_type(kind)
    text = str(value or "").strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_LOAD_LIMIT:
        raise PairingError(f"上限应为 1 到 {MAX_LOAD_LIMIT} 之间的整数")
    settings.put(school_id, MAX_LOAD_KEY + kind, str(int(text)), staff_id=staff_id)
    return int(text)


# --------------------------------------------------------------------------- the board


@dataclass(slots=True)
class Suggestion:
    helper: HelperKey
    label: str
    reason: str


@dataclass(slots=True)
class BoardChild:
    """One child on the board, under its helper or under 未结对."""

    child_id: int
    name: str
    name_pinyin: str
    name_initials: str
    sex: str
    student_no: str
    class_name: str
    class_order: tuple[int, int]
    classroom_id: int | None
    flags: str
    status: str
    left_behind: bool
    key_target: bool
    pairing_id: int | None = None
    started_on: dt.date | None = None
    last_contact: dt.date | None = None
    has_plan: bool = False
    note: str = ""
    suggestion: Suggestion | None = None
    address: str = ""
    parents_home: bool = False  # a 留守类型, but the parents came home: not left behind any more
    # roster.search() reads these too
    phones: str = ""
    id_number: str = ""
    guardian_name: str = ""


@dataclass
class HelperGroup:
    key: HelperKey
    name: str
    name_pinyin: str = ""
    name_initials: str = ""
    detail: str = ""
    active: bool = True
    load: int = 0
    max_load: int = 0
    children: list[BoardChild] = field(default_factory=list)

    @property
    def over(self) -> bool:
        return self.key != UNPAIRED and self.load > self.max_load

    @property
    def full(self) -> bool:
        return self.key != UNPAIRED and self.load >= self.max_load


@dataclass
class Board:
    kind: str
    max_load: int
    groups: list[HelperGroup]
    subjects: int  # left-behind children 在读: who must be paired
    school_id: int = 0
    contacts_read: set = field(default_factory=set)  # helper keys whose children's last_contact is in

    @property
    def unpaired(self) -> HelperGroup:
        return self.groups[0]

    @property
    def paired(self) -> int:
        return self.subjects - len(self.unpaired.children)

    def group(self, key: HelperKey) -> HelperGroup | None:
        return next((g for g in self.groups if g.key == key), None)

    def find_child(self, child_id: int) -> tuple[int, int] | None:
        """(group index, row index) of the child: its own helper first, else 未结对."""
        for gi, g in enumerate(self.groups):
            for ri, c in enumerate(g.children):
                if c.child_id == child_id:
                    return gi, ri
        return None

    def children(self) -> list[tuple[BoardChild, HelperGroup]]:
        return [(c, g) for g in self.groups for c in g.children]


ROLE_LABELS = {**rules.STAFF_ROLES, "class_teacher": "班主任", "teacher": "任课"}


@dataclass
class _SchoolData:
    kids: dict[int, BoardChild]
    staff: dict[int, dict]
    class_staff: dict[int, list[tuple[int, str]]]  # classroom -> [(staff id, 班主任/subject)]
    staff_classes: dict[int, list[str]]  # staff -> class names


def _load_kids(school_id: int, only_for: str | None = None) -> dict[int, BoardChild]:
    """The school's children; with ``only_for`` (a kind whose helpers are not pupils) only those a
    board of that kind shows: the left-behind and whoever has an open pairing of the kind (8,300 of
    a school's 20,000: a 学习帮手 board needs every pupil, as a buddy)."""
    cond = (Child.school == school_id) & Child.archived_at.is_null()
    if only_for is not None:
        paired = Pairing.select(Pairing.child).where((Pairing.kind == only_for) & Pairing.ended_on.is_null())
        cond &= (Child.left_behind_type != "") | Child.id.in_(paired)
    # left behind today by the one condition the roster, the 登记表 and the duties count by: a child
    # whose parents came home is no longer one of the board's 留守在读, though a pairing may still run
    q = (Child.select(Child.id, Child.name, Child.name_pinyin, Child.name_initials, Child.sex, Child.student_no,
                      Child.classroom, Child.hardship, Child.talent, Child.disability, Child.key_target,
                      Child.status, Child.left_behind_type, pw.Case(None, [(left_behind_on(dt.date.today()), 1)], 0),
                      Child.address,
                      Classroom.name.alias("class_name"), Classroom.grade, Classroom.number)
         .join(Classroom, pw.JOIN.LEFT_OUTER, on=(Child.classroom == Classroom.id))
         .where(cond)
         .order_by(Classroom.grade, Classroom.number, Child.name_pinyin, Child.id))
    kids = {}
    # read raw, as the roster is: peewee's per-value conversion of 20,000 rows × 17 columns took
    # longer than the statement (every value here is a plain int, text or boolean flag)
    for (cid, name, pinyin, initials, sex, student_no, room_id, hardship, talent, disability, key_target, status,
         lb_type, left_behind, address, class_name, grade, number) in dbmod.current().execute(q).fetchall():
        kids[cid] = BoardChild(
            child_id=cid, name=name, name_pinyin=pinyin, name_initials=initials,
            sex=sex, student_no=student_no or "", class_name=class_name or "",
            class_order=(grade or 99, number or 99), classroom_id=room_id,
            flags=flags_text(hardship, talent, disability, key_target),
            status=status, left_behind=bool(left_behind), key_target=bool(key_target),
            address=address or "", parents_home=bool(lb_type) and not left_behind,
        )
    return kids


def _load_school(school_id: int, extra_staff: Iterable[int] = (), only_for: str | None = None) -> _SchoolData:
    kids = _load_kids(school_id, only_for)
    extra = set(extra_staff)
    cond = Staff.school == school_id
    if extra:
        cond = cond | Staff.id.in_(extra)
    # Raw rows, not peewee's dicts: a school of 20,000 has ~850 staff and ~3,000 teaching assignments,
    # and converting each row cost more than the reading (issue 20: the board's first frame).
    db = dbmod.current()
    columns = ("id", "school", "name", "name_pinyin", "name_initials", "sex", "role", "subject", "active")
    staff = {row[0]: dict(zip(columns, row))
             for row in db.execute(Staff.select(*(getattr(Staff, c) for c in columns)).where(cond)).fetchall()}
    rooms = db.execute(Classroom.select(Classroom.id, Classroom.name, Classroom.head_teacher)
                       .where(Classroom.school == school_id).order_by(Classroom.grade, Classroom.number)).fetchall()
    class_staff: dict[int, list[tuple[int, str]]] = {room_id: [] for room_id, _name, _head in rooms}
    staff_classes: dict[int, list[str]] = {}
    for room_id, name, head in rooms:
        if head:
            class_staff[room_id].append((head, "班主任"))
            staff_classes.setdefault(head, []).append(name)
    q = (TeachingAssignment.select(TeachingAssignment.staff, TeachingAssignment.classroom,
                                   TeachingAssignment.subject, Classroom.name)
         .join(Classroom).where(Classroom.school == school_id)
         .order_by(TeachingAssignment.id))
    for staff_id, room_id, subject, class_name in db.execute(q).fetchall():
        lst = class_staff.setdefault(room_id, [])
        if all(s != staff_id for s, _ in lst):
            lst.append((staff_id, subject or "任课"))
        names = staff_classes.setdefault(staff_id, [])
        if class_name not in names:
            names.append(class_name)
    return _SchoolData(kids, staff, class_staff, staff_classes)


def _staff_eligible(kind: str, s: dict) -> bool:
    if not s["active"]:
        return False
    if kind == "帮扶教师":
        return not scope.is_volunteer_role(s["role"])
    if kind == "爱心妈妈":
        return s["sex"] in ("女", "")
    return False


def compact_classes(names: list[str], most: int = 3) -> str:
    """1年1班 1年2班 1年3班 3年2班 -> 1年1-3班、3年2班: a teacher's classes fit a picker's column.
    At most ``most`` grades, then 等."""
    import re

    grades: dict[str, list[int]] = {}
    other: list[str] = []
    for name in names:
        m = re.fullmatch(r"(\d+)年(\d+)班", name)
        if m:
            grades.setdefault(m.group(1), []).append(int(m.group(2)))
        else:
            other.append(name)
    parts = []
    for grade, numbers in grades.items():
        numbers = sorted(set(numbers))
        runs: list[str] = []
        start = prev = numbers[0]
        for n in [*numbers[1:], None]:
            if n is not None and n == prev + 1:
                prev = n
                continue
            runs.append(str(start) if start == prev else f"{start}-{prev}")
            if n is not None:
                start = prev = n
        parts.append(f"{grade}年{','.join(runs)}班")
    parts += other
    return "、".join(parts[:most]) + ("等" if len(parts) > most else "")


def _staff_detail(s: dict, classes: list[str]) -> str:
    role = ROLE_LABELS.get(s["role"], s["role"])
    parts = [role]
    if s["subject"] and scope.teaches_subjects(s["role"]):
        parts.append(s["subject"])
    if classes:
        parts.append(compact_classes([rules.short_class(c) for c in classes]))
    if not s["active"]:
        parts.append("已停用")
    return " ".join(parts)


_PAIRING_COLUMNS = ("id", "child", "staff", "buddy", "helper_name", "started_on", "plan_time", "plan_content",
                    "plan_results")


def _active_pairings(school_id: int, kind: str) -> list[dict]:
    """The kind's open pairings of the school, read raw (``started_on`` as the backend gives it:
    callers read it through ``as_date``)."""
    q = (Pairing.select(*(getattr(Pairing, c) for c in _PAIRING_COLUMNS))
         .join(Child, on=(Pairing.child == Child.id))
         .where((Child.school == school_id) & (Pairing.kind == kind) & Pairing.ended_on.is_null())
         .order_by(Pairing.started_on, Pairing.id))
    return [dict(zip(_PAIRING_COLUMNS, row)) for row in dbmod.current().execute(q).fetchall()]


def _last_contacts(school_id: int, staff_ids: set[int],
                   child_ids: list[int] | None = None) -> dict[tuple[int, int], dt.date]:
    """The last reached contact of each (child, staff) pair, one GROUP BY (of ``child_ids`` only:
    a few index lookups on (child_id, at))."""
    if not staff_ids:
        return {}
    last = pw.fn.MAX(Contact.at)
    cond = (Child.school == school_id) & (Contact.reached == True) & Contact.staff.in_(list(staff_ids))  # noqa: E712
    if child_ids is not None:
        cond &= Contact.child.in_(child_ids)
    q = (Contact.select(Contact.child, Contact.staff, last.alias("last"))
         .join(Child, on=(Contact.child == Child.id))
         .where(cond)
         .group_by(Contact.child, Contact.staff).tuples())
    out = {}
    for child_id, staff_id, when in q:
        if when is not None:
            out[(child_id, staff_id)] = _date(when if not isinstance(when, str) else when[:10])
    return out


def load_board(school_id: int, kind: str, *, viewer: scope.Viewer, with_suggestions: bool = True,
               with_last_contacts: bool = True) -> Board:
    """The board of one kind: 未结对 first, then every helper with their children — the children
    the viewer may see (``models.scope``; archived ones never). A helper's load counts all their
    children of the kind; suggestions only for the children the viewer may pair. Without
    ``with_last_contacts`` each child's last contact with its helper is read when its group is
    shown (``fill_last_contacts``): one GROUP BY over the school's contacts was most of a large
    school's board (0.3 s of 0.8 for 20,000 pupils) and 未结对, shown first, has none."""
    return _build(school_id, kind, with_suggestions, viewer, with_last_contacts, narrow=True)[0]


def fill_last_contacts(board: Board, group: HelperGroup) -> None:
    """The last reached contact of each of ``group``'s children with its helper (a staff helper's
    group; once per group and board), one query."""
    if group.key[0] != "staff" or group.key in board.contacts_read:
        return
    board.contacts_read.add(group.key)
    if not group.children:
        return
    last = _last_contacts(board.school_id, {group.key[1]}, [c.child_id for c in group.children])
    for row in group.children:
        row.last_contact = last.get((row.child_id, group.key[1]))


def _visible(school_id: int, viewer: scope.Viewer) -> set[int] | None:
    """The ids of the school's children the viewer sees; None for all of them."""
    whole = scope.sees_whole(viewer, school_id)
    if whole is not None:
        return None if whole else set()
    return scope.visible_child_ids(viewer)


def _manages(viewer: scope.Viewer, classroom_id: int | None) -> bool:
    """Whether the viewer may pair a (visible) child of this class."""
    return scope.may_pair_class(viewer, classroom_id)


def _build(school_id: int, kind: str, with_suggestions: bool, viewer: scope.Viewer,
           with_last_contacts: bool = True, narrow: bool = False) -> tuple[Board, _SchoolData]:
    htype = helper_type(kind)
    visible = _visible(school_id, viewer)
    pairs = _active_pairings(school_id, kind)
    data = _load_school(school_id, extra_staff={p["staff"] for p in pairs if p["staff"]},
                        only_for=kind if narrow and htype != "child" else None)
    kids, staff = data.kids, data.staff
    limit = max_load(school_id, kind)
    last = (_last_contacts(school_id, {p["staff"] for p in pairs if p["staff"]})
            if htype == "staff" and with_last_contacts else {})

    unpaired = HelperGroup(UNPAIRED, "未结对")
    groups: dict[HelperKey, HelperGroup] = {}
    if htype == "staff":
        for sid, s in staff.items():
            if s["school"] == school_id and _staff_eligible(kind, s):
                groups[("staff", sid)] = _staff_group(s, data, limit)
    paired: set[int] = set()
    stale: dict[int, tuple[int, str]] = {}  # child -> (pairing id, note)
    hidden: list[dict] = []  # pairings of children the viewer does not see: loads only
    for p in pairs:
        kid = kids.get(p["child"])
        if kid is None:
            continue
        if visible is not None and kid.child_id not in visible:
            hidden.append(p)
            continue
        key, gone = _helper_key(p, htype, staff, kids)
        if key is None:
            continue
        if gone:
            stale[kid.child_id] = (p["id"], gone)
            continue
        g = groups.get(key)
        if g is None:
            g = groups[key] = _group_for(key, staff, kids, data, limit)
        row = _copy(kid)
        row.pairing_id = p["id"]
        row.started_on = _date(p["started_on"])
        row.has_plan = bool(p["plan_time"] or p["plan_content"] or p["plan_results"])
        if key[0] == "staff":
            row.last_contact = last.get((kid.child_id, key[1]))
        if kid.status != "在读":
            row.note = kid.status
        elif kid.parents_home:  # the pairing may end: said, so the board and the summary's counts agree
            row.note = "父母返乡"
        g.children.append(row)
        g.load += 1
        paired.add(kid.child_id)

    for p in hidden:  # the helper's true load, without naming children outside the scope
        key, gone = _helper_key(p, htype, staff, kids)
        if key is not None and not gone and key in groups:
            groups[key].load += 1
    subjects = [k for k in kids.values() if k.left_behind and k.status == "在读"
                and (visible is None or k.child_id in visible)]
    for k in sorted(subjects, key=lambda k: (not k.key_target, k.class_order, k.name_pinyin, k.child_id)):
        if k.child_id in paired:
            continue
        row = _copy(k)
        if k.child_id in stale:
            row.pairing_id, row.note = stale[k.child_id]
        unpaired.children.append(row)

    # by pinyin; community helpers (names only, no pinyin stored) by how many they help
    helpers = sorted(groups.values(), key=lambda g: (g.key[0] == "name", g.name_pinyin if g.key[0] != "name"
                                                     else -g.load, str(g.key[1])))
    board = Board(kind, limit, [unpaired, *helpers], len(subjects), school_id)
    if with_last_contacts:
        board.contacts_read.update(g.key for g in helpers)
    if with_suggestions and scope.may_pair(viewer):
        _suggest(board, data, school_id)
        for row in board.unpaired.children:
            if not _manages(viewer, row.classroom_id):
                row.suggestion = None
    return board, data


def _copy(k: BoardChild) -> BoardChild:
    return BoardChild(k.child_id, k.name, k.name_pinyin, k.name_initials, k.sex, k.student_no, k.class_name,
                      k.class_order, k.classroom_id, k.flags, k.status, k.left_behind, k.key_target,
                      address=k.address, parents_home=k.parents_home)


def _helper_key(p: dict, htype: str, staff: dict, kids: dict) -> tuple[HelperKey | None, str]:
    """The group a pairing belongs to, and a note when its helper is gone (stale pairing)."""
    if htype == "staff":
        s = staff.get(p["staff"]) if p["staff"] else None
        if s is None:
            return (("name", p["helper_name"]), "") if p["helper_name"] else (None, "")
        return ("staff", s["id"]), ("" if s["active"] else f"{s['name']}停用")
    if htype == "child":
        b = kids.get(p["buddy"]) if p["buddy"] else None
        if b is None:
            return (("name", p["helper_name"]), "") if p["helper_name"] else (None, "")
        return ("child", b.child_id), ("" if b.status == "在读" else f"{b.name}{b.status}")
    name = p["helper_name"] or ""
    if not name and p["staff"] and p["staff"] in staff:
        return ("staff", p["staff"]), ""
    return (("name", name), "") if name else (None, "")


def _staff_group(s: dict, data: _SchoolData, limit: int) -> HelperGroup:
    return HelperGroup(("staff", s["id"]), s["name"], s["name_pinyin"], s["name_initials"],
                       _staff_detail(s, data.staff_classes.get(s["id"], [])), bool(s["active"]), 0, limit)


def _group_for(key: HelperKey, staff: dict, kids: dict, data: _SchoolData, limit: int) -> HelperGroup:
    kind, ref = key
    if kind == "staff":
        return _staff_group(staff[ref], data, limit)
    if kind == "child":
        b = kids[ref]
        return HelperGroup(key, b.name, b.name_pinyin, b.name_initials,
                           f"{rules.short_class(b.class_name)} {b.sex}".strip(), True, 0, limit)
    return HelperGroup(key, str(ref), "", "", "社区", True, 0, limit)


def _village(address: str) -> str:
    i = address.find("村")
    return address[: i + 1] if i > 0 else ""


def _suggest(board: Board, data: _SchoolData, school_id: int) -> None:
    """Fill ``suggestion`` of every 未结对 child; loads grow as if each were accepted in turn."""
    kind, limit = board.kind, board.max_load
    load = {g.key: g.load for g in board.groups[1:]}
    staff, kids = data.staff, data.kids
    # a helper whose pairing with the child has ended is proposed again only as a last resort
    before: set[tuple[int, HelperKey]] = set()
    q = (Pairing.select(Pairing.child, Pairing.staff, Pairing.buddy, Pairing.helper_name)
         .join(Child, on=(Pairing.child == Child.id))
         .where((Child.school == school_id) & (Pairing.kind == kind) & Pairing.ended_on.is_null(False)).tuples())
    for child_id, staff_id, buddy_id, name in q:
        before.add((child_id, ("staff", staff_id) if staff_id else ("child", buddy_id) if buddy_id else ("name", name)))
    if kind in STAFF_KINDS:
        eligible = {sid for sid, s in staff.items() if s["school"] == school_id and _staff_eligible(kind, s)}
        teacher_of: dict[int, int] = {}
        if kind == "爱心妈妈":  # someone other than the child's own 帮扶教师, when possible
            teacher_of = {p["child"]: p["staff"] for p in _active_pairings(school_id, "帮扶教师") if p["staff"]}
        for row in board.unpaired.children:
            in_class = {sid: why for sid, why in data.class_staff.get(row.classroom_id, []) if sid in eligible}
            best = None
            # a rank starts (paired before?, not in the class?): a free helper of the child's class
            # new to the child beats everyone else, so the school's other staff (800 in a school of
            # 20,000) are ranked only when the class has none
            first = [sid for sid in in_class if (row.child_id, ("staff", sid)) not in before
                     and load.get(("staff", sid), 0) < limit]
            for sid in first or eligible:
                n = load.get(("staff", sid), 0)
                if n >= limit:
                    continue
                s = staff[sid]
                mine = sid == teacher_of.get(row.child_id)
                rank = ((row.child_id, ("staff", sid)) in before, sid not in in_class, mine,
                        in_class.get(sid) != "班主任", n, s["name_pinyin"], sid)
                if best is None or rank < best[0]:
                    best = (rank, sid)
            if best is None:
                continue
            sid = best[1]
            s = staff[sid]
            if sid in in_class:
                why = "班主任" if in_class[sid] == "班主任" else f"任课{in_class[sid]}" if kind == "帮扶教师" else "同班"
            else:
                why = "志愿者" if scope.is_volunteer_role(s["role"]) else "负荷低"
            row.suggestion = Suggestion(("staff", sid), s["name"], why[:4])
            load[("staff", sid)] = load.get(("staff", sid), 0) + 1
    elif kind == BUDDY_KIND:
        by_class: dict[int | None, list[BoardChild]] = {}
        for k in kids.values():
            if k.status == "在读":
                by_class.setdefault(k.classroom_id, []).append(k)
        for row in board.unpaired.children:
            best = None
            for m in by_class.get(row.classroom_id, []):
                if m.child_id == row.child_id or row.classroom_id is None:
                    continue
                n = load.get(("child", m.child_id), 0)
                if n >= limit:
                    continue
                rank = ((row.child_id, ("child", m.child_id)) in before, m.left_behind, m.sex != row.sex, n,
                        m.name_pinyin, m.child_id)
                if best is None or rank < best[0]:
                    best = (rank, m)
            if best is None:
                continue
            m = best[1]
            row.suggestion = Suggestion(("child", m.child_id), m.name, "同班同性" if m.sex == row.sex else "同班")
            load[("child", m.child_id)] = load.get(("child", m.child_id), 0) + 1
    else:  # 党员干部: a cadre who already helps children of the same village
        serves: dict[str, set[str]] = {}
        for g in board.groups[1:]:
            if g.key[0] == "name":
                for c in g.children:
                    v = _village(c.address)
                    if v:
                        serves.setdefault(v, set()).add(str(g.key[1]))
        for row in board.unpaired.children:
            names = serves.get(_village(row.address), set())
            best = min((((row.child_id, ("name", n)) in before, load.get(("name", n), 0), n) for n in names
                        if load.get(("name", n), 0) < limit), default=None)
            if best is None:
                continue
            row.suggestion = Suggestion(("name", best[2]), best[2], "同村")
            load[("name", best[2])] = best[1] + 1


# --------------------------------------------------------------------------- pickers


@dataclass(slots=True)
class Candidate:
    """A helper offered in the picker; shaped for ``roster.search`` (pinyin, characters)."""

    key: HelperKey
    name: str
    name_pinyin: str
    name_initials: str
    detail: str
    load: int
    max_load: int
    preferred: bool = False
    class_name: str = ""
    student_no: str = ""
    phones: str = ""
    id_number: str = ""
    guardian_name: str = ""


def candidates(school_id: int, kind: str, child_id: int | None = None, *, viewer: scope.Viewer) -> list[Candidate]:
    """Who may help a child in this kind, best first (the child's class, lower load); a 学习帮手
    among the pupils the viewer sees. ``ForbiddenError`` unless the viewer may pair the child."""
    htype = helper_type(kind)
    if child_id is not None:
        scope.require_child(viewer, child_id, "pairing")
    elif not scope.may_pair(viewer):
        raise scope.ForbiddenError("只有管理员、校长和班主任可以调整结对")
    board, data = _build(school_id, kind, False, viewer)
    data_kids = data.kids
    visible = _visible(school_id, viewer)
    child = data_kids.get(child_id) if child_id else None
    load = {g.key: g.load for g in board.groups[1:]}
    limit = board.max_load
    out: list[Candidate] = []
    if htype == "staff":
        in_class = {sid for sid, _ in data.class_staff.get(child.classroom_id, [])} if child else set()
        for sid, s in data.staff.items():
            if s["school"] != school_id or not _staff_eligible(kind, s):
                continue
            classes = data.staff_classes.get(sid, [])
            out.append(Candidate(("staff", sid), s["name"], s["name_pinyin"], s["name_initials"],
                                 _staff_detail(s, classes), load.get(("staff", sid), 0), limit,
                                 preferred=sid in in_class, class_name=" ".join(classes)))
    elif htype == "child":
        for k in data_kids.values():
            if k.status != "在读" or (child and k.child_id == child.child_id):
                continue
            if visible is not None and k.child_id not in visible:
                continue
            out.append(Candidate(("child", k.child_id), k.name, k.name_pinyin, k.name_initials,
                                 f"{rules.short_class(k.class_name)} {k.sex}".strip(), load.get(("child", k.child_id), 0),
                                 limit, preferred=bool(child) and k.classroom_id == child.classroom_id,
                                 class_name=k.class_name, student_no=k.student_no))
    else:
        names = {str(n) for (n,) in Pairing.select(Pairing.helper_name.distinct())
                 .join(Child, on=(Pairing.child == Child.id))
                 .where((Child.school == school_id) & (Pairing.kind == kind) & (Pairing.helper_name != ""))
                 .tuples()}
        village = _village(child.address) if child else ""
        for g in board.groups[1:]:
            if g.key[0] == "name":
                names.add(str(g.key[1]))
        near = {str(g.key[1]) for g in board.groups[1:] if g.key[0] == "name"
                and any(village and _village(c.address) == village for c in g.children)}
        for n in names:
            out.append(Candidate(("name", n), n, "", "", "社区", load.get(("name", n), 0), limit,
                                 preferred=n in near))
    out.sort(key=lambda c: (not c.preferred, c.load >= c.max_load, c.name_pinyin or c.name, str(c.key[1])))
    return out


def add_pinyin(cands: list[Candidate]) -> None:
    """Fill missing pinyin keys (names typed for community helpers). Slow on first use
    (pypinyin loads its dictionaries): call it from a worker thread."""
    for c in cands:
        if not c.name_pinyin:
            c.name_pinyin, c.name_initials = pinyin_keys(c.name)


# --------------------------------------------------------------------------- changes


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _log(pairing_id: int, action: str, old: dict, new: dict, staff_id: int | None) -> None:
    audit.record(action, "pairing", pairing_id, staff_id=staff_id, at=_now(),
                 old={k: jsonable(v) for k, v in old.items()}, new={k: jsonable(v) for k, v in new.items()})


def _one_line(value: str, *, what: str, empty: str, limit: int) -> str:
    """A short free-text field: spaces folded, no invisible characters, at most ``limit`` characters."""
    text = " ".join(str(value or "").split())
    if not text:
        raise PairingError(empty)
    bad = find_bad_char(text)
    if bad:
        raise PairingError(f"{what}中含不可见字符 {code_point(bad[1])}")
    if len(text) > limit:
        raise PairingError(f"{what}不能超过{limit}个字")
    return text


def check_helper_name(value: str) -> str:
    return _one_line(value, what="帮扶人姓名", empty="请填写帮扶人姓名", limit=HELPER_NAME_MAX)


def _check_reason(value: str) -> str:
    return _one_line(value, what="原因", empty="请填写结束原因", limit=REASON_MAX)


def _resolve_helper(school_id: int, kind: str, child: Child, helper: HelperKey) -> tuple[dict, str]:
    """Pairing columns for the helper and its display name; PairingError when refused."""
    htype = helper_type(kind)
    what, ref = helper
    if what != htype:
        raise PairingError({"staff": f"{kind}应为本校教职工", "child": "学习帮手应为本校学生",
                            "name": "党员干部请填写姓名"}[htype])
    if what == "staff":
        s = Staff.get_or_none(Staff.id == ref)
        if s is None or s.school_id != school_id:
            raise PairingError("这位教职工不是本校的, 不能结对")
        if not s.active:
            raise PairingError(f"{s.name}已停用, 不能结对")
        return {"staff": s.id, "buddy": None, "helper_name": ""}, s.name
    if what == "child":
        if ref == child.id:
            raise PairingError(f"{child.name}不能做自己的学习帮手")
        b = Child.get_or_none(Child.id == ref)
        if b is None or b.school_id != school_id:
            raise PairingError("学习帮手不是本校学生, 不能结对")
        if b.status != "在读":
            raise PairingError(f"{b.name}已{b.status}, 不能做学习帮手")
        return {"staff": None, "buddy": b.id, "helper_name": ""}, b.name
    name = check_helper_name(str(ref))
    return {"staff": None, "buddy": None, "helper_name": name}, name


def _helper_load(kind: str, cols: dict, school_id: int) -> int:
    q = Pairing.select().join(Child, on=(Pairing.child == Child.id)).where(
        (Pairing.kind == kind) & Pairing.ended_on.is_null() & (Child.school == school_id))
    if cols["staff"]:
        q = q.where(Pairing.staff == cols["staff"])
    elif cols["buddy"]:
        q = q.where(Pairing.buddy == cols["buddy"])
    else:
        q = q.where(Pairing.helper_name == cols["helper_name"], Pairing.staff.is_null(), Pairing.buddy.is_null())
    return q.count()


def _is_stale(p: Pairing) -> str:
    """Why an active pairing no longer helps (its helper left), or ''."""
    if p.staff_id:
        s = Staff.get_or_none(Staff.id == p.staff_id)
        if s is not None and not s.active:
            return f"原{p.kind}{s.name}已停用"
    if p.buddy_id:
        b = Child.get_or_none(Child.id == p.buddy_id)
        if b is not None and b.status != "在读":
            return f"学习帮手{b.name}已{b.status}"
    return ""


def _same_helper(p: Pairing, cols: dict) -> bool:
    return (p.staff_id, p.buddy_id, p.helper_name or "") == (cols["staff"], cols["buddy"], cols["helper_name"])


def helper_label(p: Pairing) -> str:
    if p.staff_id:
        return p.staff.name
    if p.buddy_id:
        return p.buddy.name
    return p.helper_name or ""


def _end(p: Pairing, on_date: dt.date, reason: str, staff_id: int | None) -> None:
    started = _date(p.started_on)
    p.ended_on = max(on_date, started) if started else on_date
    p.end_reason = reason[:REASON_MAX]
    p.save()
    _log(p.id, "update", {"ended_on": None, "end_reason": ""},
         {"ended_on": p.ended_on, "end_reason": p.end_reason}, staff_id)


def assign(school_id: int, child_id: int, kind: str, helper: HelperKey, *, viewer: scope.Viewer,
           staff_id: int | None = None, today: dt.date | None = None, allow_over: bool = False,
           plan: dict | None = None) -> int:
    """Pair a child with a helper from today; returns the new pairing's id.

    Refuses (PairingError) what the rules refuse; raises OverLoad when the helper is full
    and ``allow_over`` is false. A stale pairing of the kind (helper gone) is ended first.
    ``ForbiddenError`` unless admin, head or the class teacher of the child's class.
    """
    scope.require_child(viewer, child_id, "pairing")
    today = today or dt.date.today()
    with dbmod.write():
        child = Child.get_or_none(Child.id == child_id)
        if child is None or child.school_id != school_id:
            raise PairingError("没有这个孩子")
        if child.status != "在读":
            raise PairingError(f"{child.name}已{child.status}, 不能结对")
        cols, name = _resolve_helper(school_id, kind, child, helper)
        current = (Pairing.select().where((Pairing.child == child_id) & (Pairing.kind == kind)
                                          & Pairing.ended_on.is_null()).order_by(Pairing.id))
        for p in current:
            if _same_helper(p, cols):
                raise PairingError(f"{child.name}的{kind}已经是{name}")
            why = _is_stale(p)
            if not why:
                raise PairingError(f"{child.name}已有{kind}{helper_label(p)}, 要换人请按 m 更换")
            _end(p, today, why, staff_id)
        return _create(school_id, child, kind, cols, name, staff_id=staff_id, today=today,
                       allow_over=allow_over, plan=plan)


def _create(school_id: int, child: Child, kind: str, cols: dict, name: str, *, staff_id: int | None,
            today: dt.date, allow_over: bool, plan: dict | None) -> int:
    limit = max_load(school_id, kind)
    load = _helper_load(kind, cols, school_id)
    if load >= limit and not allow_over:
        raise OverLoad(name, load, limit)
    plan = plan or {}
    try:
        with dbmod.current().atomic():  # a savepoint: on PostgreSQL a failed insert spoils the transaction
            p = Pairing.create(child=child.id, kind=kind, started_on=today,
                               plan_time=clean_text(plan.get("plan_time", ""), multiline=False),
                               plan_content=clean_text(plan.get("plan_content", ""), multiline=True), **cols)
    except pw.IntegrityError:  # pairing_one_active (0007): another user paired the child a moment ago
        raise PairingError(f"{child.name}刚刚已由别人结对了{kind}, 请刷新后再看") from None
    _log(p.id, "create", {}, {"child": child.id, "kind": kind, "helper": name, "started_on": today,
                              **({"over_load": f"{load + 1}/{limit}"} if load >= limit else {})}, staff_id)
    return p.id


def move(school_id: int, pairing_id: int, helper: HelperKey, *, viewer: scope.Viewer, staff_id: int | None = None,
         today: dt.date | None = None, allow_over: bool = False, reason: str = "") -> int:
    """End an active pairing and pair the child with another helper; returns the new id.
    The plan's 帮扶时间 and 内容 go on; the 阶段性成果 stay with the old pairing."""
    today = today or dt.date.today()
    with dbmod.write():
        p = Pairing.get_or_none(Pairing.id == pairing_id)
        if p is None:
            raise PairingError("这个结对已不存在")
        scope.require_child(viewer, p.child_id, "pairing")
        if p.ended_on is not None:
            raise PairingError("这个结对已经结束")
        child = p.child
        if child.school_id != school_id:
            raise PairingError("没有这个孩子")
        if child.status != "在读":
            raise PairingError(f"{child.name}已{child.status}, 不能再结对")
        cols, name = _resolve_helper(school_id, p.kind, child, helper)
        if _same_helper(p, cols):
            raise PairingError(f"{child.name}的{p.kind}已经是{name}")
        _end(p, today, _check_reason(reason) if reason else f"改由{name}帮扶", staff_id)
        return _create(school_id, child, p.kind, cols, name, staff_id=staff_id, today=today,
                       allow_over=allow_over, plan={"plan_time": p.plan_time, "plan_content": p.plan_content})


def end_pairing(pairing_id: int, reason: str, *, viewer: scope.Viewer, staff_id: int | None = None,
                on_date: dt.date | None = None) -> None:
    """End a pairing with a reason; it stays in the history (nothing is deleted)."""
    text = _check_reason(reason)
    with dbmod.write():
        p = Pairing.get_or_none(Pairing.id == pairing_id)
        if p is None:
            raise PairingError("这个结对已不存在")
        scope.require_child(viewer, p.child_id, "pairing")
        if p.ended_on is not None:
            raise PairingError("这个结对已经结束")
        _end(p, on_date or dt.date.today(), text, staff_id)


def end_pairings_for_child(child_id: int, status: str, on_date: dt.date | None, *,
                           staff_id: int | None = None) -> int:
    """A child left school (转出/毕业/辍学): end its pairings, and those where it is
    someone's 学习帮手, on that date. Returns how many ended. Call inside the save."""
    on_date = on_date or dt.date.today()
    n = 0
    with dbmod.write():
        q = (Pairing.select().where(((Pairing.child == child_id) | (Pairing.buddy == child_id))
                                    & Pairing.ended_on.is_null()).order_by(Pairing.id))
        for p in q:
            reason = f"学生{status}" if p.child_id == child_id else f"学习帮手{status}"
            _end(p, on_date, reason, staff_id)
            n += 1
    return n


def accept_suggestions(school_id: int, kind: str, child_ids: Iterable[int] | None = None, *,
                       viewer: scope.Viewer, staff_id: int | None = None, today: dt.date | None = None) -> int:
    """Pair the 未结对 children (all the viewer may pair, or those in ``child_ids``) with their
    suggested helpers, in one transaction. Suggestions never exceed the maximum load."""
    if not scope.may_pair(viewer):
        raise scope.ForbiddenError("只有管理员、校长和班主任可以调整结对")
    wanted = None if child_ids is None else set(child_ids)
    if wanted:
        scope.require_children(viewer, sorted(wanted), "pairing")
    board = load_board(school_id, kind, viewer=viewer)
    n = 0
    with dbmod.write():
        for row in board.unpaired.children:
            if row.suggestion is None or (wanted is not None and row.child_id not in wanted):
                continue
            assign(school_id, row.child_id, kind, row.suggestion.helper, viewer=viewer, staff_id=staff_id,
                   today=today)
            n += 1
    return n


# --------------------------------------------------------------------------- one pairing


def update_plan(pairing_id: int, *, plan_time: str, plan_content: str, plan_results: str,
                viewer: scope.Viewer, staff_id: int | None = None) -> dict[str, str]:
    """Save the plan; returns {field: message} and saves nothing when something is wrong.

    ``ForbiddenError`` unless the viewer is the pairing's own helper or may pair the child."""
    row = Pairing.select(Pairing.child, Pairing.staff).where(Pairing.id == pairing_id).tuples().first()
    if row is not None and not (viewer.staff_id is not None and row[1] == viewer.staff_id):
        scope.require_child(viewer, row[0], "pairing")
    errors: dict[str, str] = {}
    values = {"plan_time": " ".join((plan_time or "").split()),
              "plan_content": (clean_text(plan_content, multiline=True) or "").strip(),
              "plan_results": (clean_text(plan_results, multiline=True) or "").strip()}
    if len(values["plan_time"]) > PLAN_TIME_MAX:
        errors["plan_time"] = f"帮扶时间不能超过{PLAN_TIME_MAX}个字"
    elif find_bad_char(values["plan_time"]):
        errors["plan_time"] = "帮扶时间中含不可见字符"
    for f, label in (("plan_content", "内容"), ("plan_results", "阶段性成果")):
        if len(values[f]) > PLAN_TEXT_MAX:
            errors[f] = f"{label}不能超过{PLAN_TEXT_MAX}个字, 现在是{len(values[f])}个"
    if errors:
        return errors
    with dbmod.write():
        p = Pairing.get_or_none(Pairing.id == pairing_id)
        if p is None:
            return {"plan_time": "这个结对已不存在"}
        old = {f: getattr(p, f) for f in values if getattr(p, f) != values[f]}
        if not old:
            return {}
        for f in old:
            setattr(p, f, values[f])
        p.save()
        _log(p.id, "update", old, {f: values[f] for f in old}, staff_id)
    return {}


def pairing_detail(pairing_id: int, *, viewer: scope.Viewer) -> dict:
    """A pairing, its child, its helper, the child's other pairings of the kind, and the
    contacts between the child and this helper during the pairing (newest first).
    ``ForbiddenError`` outside the viewer's scope; a 心理辅导 note's summary hidden as elsewhere."""
    row = Pairing.select(Pairing.child).where(Pairing.id == pairing_id).tuples().first()
    if row is not None:
        scope.require_child(viewer, row[0], "read")
    Buddy = Child.alias()
    p = (Pairing.select(Pairing, Staff.name.alias("staff_name"), Buddy.name.alias("buddy_name"))
         .join(Staff, pw.JOIN.LEFT_OUTER, on=(Pairing.staff == Staff.id))
         .switch(Pairing).join(Buddy, pw.JOIN.LEFT_OUTER, on=(Pairing.buddy == Buddy.id))
         .where(Pairing.id == pairing_id).dicts().first())
    if p is None:
        raise KeyError(pairing_id)
    child = (Child.select(Child.id, Child.name, Child.status, Classroom.name.alias("class_name"))
             .join(Classroom, pw.JOIN.LEFT_OUTER, on=(Child.classroom == Classroom.id))
             .where(Child.id == p["child"]).dicts().first())
    started, ended = _date(p["started_on"]), _date(p["ended_on"])
    history = []
    q = (Pairing.select(Pairing.id, Pairing.started_on, Pairing.ended_on, Pairing.end_reason, Pairing.helper_name,
                        Staff.name.alias("staff_name"), Buddy.name.alias("buddy_name"))
         .join(Staff, pw.JOIN.LEFT_OUTER, on=(Pairing.staff == Staff.id))
         .switch(Pairing).join(Buddy, pw.JOIN.LEFT_OUTER, on=(Pairing.buddy == Buddy.id))
         .where((Pairing.child == p["child"]) & (Pairing.kind == p["kind"]))
         .order_by(Pairing.started_on.desc(), Pairing.id.desc()).dicts())
    for h in q:
        history.append({"id": h["id"], "helper": h["staff_name"] or h["buddy_name"] or h["helper_name"] or "",
                        "started_on": _date(h["started_on"]), "ended_on": _date(h["ended_on"]),
                        "reason": h["end_reason"] or ""})
    contacts = []
    if p["staff"]:
        cq = (Contact.select(Contact.id, Contact.at, Contact.kind, Contact.reached, Contact.content)
              .where((Contact.child == p["child"]) & (Contact.staff == p["staff"])
                     & (Contact.at >= dt.datetime.combine(started or dt.date.min, dt.time()))))
        if ended:
            cq = cq.where(Contact.at < dt.datetime.combine(ended + dt.timedelta(days=1), dt.time()))
        for c in cq.order_by(Contact.at.desc(), Contact.id.desc()).limit(200).dicts():
            at = c["at"]
            if isinstance(at, str):
                at = dt.datetime.fromisoformat(at)
            first = next((line.strip() for line in (c["content"] or "").splitlines() if line.strip()), "")
            if scope.hides(viewer, c["kind"], p["staff"]):
                first = scope.COUNSELLING_HIDDEN
            contacts.append({"id": c["id"], "at": at, "kind": c["kind"], "reached": c["reached"], "summary": first})
    return {
        "id": p["id"], "kind": p["kind"], "child_id": p["child"], "child_name": child["name"] if child else "",
        "class_name": (child or {}).get("class_name") or "", "child_status": (child or {}).get("status", ""),
        "helper": p["staff_name"] or p["buddy_name"] or p["helper_name"] or "",
        "staff_id": p["staff"], "started_on": started, "ended_on": ended, "end_reason": p["end_reason"] or "",
        "plan_time": clean_text(p["plan_time"] or "", multiline=False),
        "plan_content": clean_text(p["plan_content"] or "", multiline=True),
        "plan_results": clean_text(p["plan_results"] or "", multiline=True), "history": history, "contacts": contacts,
    }
