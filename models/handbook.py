"""工作手册检查: the rows of the monthly handbook workbook, as plain functions. No textual, no xlsxwriter.

A handbook covers one month (``Scope``) of one class or of the whole school. Everything is
"as of" the month's last day, or today for the month in progress (``Scope.as_of``); a month
that has not begun is refused.

Who is in it
    The 基本情况登记表 lists the left-behind children (``left_behind_type`` set) who were 在读 on
    ``as_of`` (still 在读, or left only after that day) — for the month in progress that is
    exactly the roster's default list, so its 人数 and 建档率 (``roster.filing_rate`` over
    ``roster.missing_fields``) match the roster's header. The contact sheets list every contact
    of the month with a child of the class (or school), whatever the child's status.

Duties (the summary's 关爱事项 table) — every number comes from ``models.duties``
    对象: the children a rule applies to on ``as_of`` (``duties.subject_condition``, key targets
      for a key-target rule, an active pairing with an active staff member for a helper rule),
      the same children ``duties.open_duties`` walks.
    应完成: per child, the rule's deadlines that fall in the month when every deadline is met on
      the day (``duties.due_date`` chained from the child's duty period start); a per-term rule
      (家访) counts once per child for the term.
    已完成: per child, the reached contacts of the rule's kind in the month (by the paired staff
      member for a helper rule, from the pairing's start), at most 应完成; a per-term rule counts
      the children met in the term so far.
    逾期: the children whose duty is overdue on ``as_of`` (``duties.open_duties``, status 逾期).
    完成率: 已完成 / 应完成.
    For the month in progress both count up to today (``as_of``): 应完成 the deadlines that fell
      due by then ("截至 12-05"), not the whole month's.
    The 待办事项 sheet is ``duties.open_duties(as_of)`` for the class or school: the same lines
    ``guanai due --date <as_of> [--class NAME]`` prints.

Speed: each function is a fixed handful of set-based queries, never one per row; the row
functions are generators over server-side cursors (``.iterator()``), so a county of 20,000
children streams through the xlsx writer with flat memory.
"""
from __future__ import annotations

import calendar as _cal
import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterator

import peewee as pw

from models import duties, protection, rules, terms
from models.calendar import occurrences
from models.care_rules import describe
from models.entities import (
    Attendance, BusRoute, Child, Classroom, Contact, Grandparent, Pairing, Parent, School, Staff,
)
from models.errors import UserError
from models.masking import mask_id, mask_phone, mask_student_no
from models.duties import left_behind_on
from models.roster import filing_rate, missing_fields
from models.scope import COUNSELLING_HIDDEN, ForbiddenError, Viewer, child_condition, hides
from models.scope import may_export_handbook, own_class, school_head
from models.coerce import as_date as _date, as_datetime as _datetime

TALK_KINDS = ("谈心", "心理辅导")  # 谈心记录
PARENT_KINDS = ("家长电话", "亲情电话", "亲情书信", "监护人座谈")  # 家长联系记录
VISIT_KINDS = ("家访",)  # 家访记录
TUTORING_KINDS = ("学业辅导",)  # 学业辅导记录 (谈心记录单·辅导)
MAX_NAMES = 40  # participants named in one 活动记录 cell; more are counted


# RRULEs of the plan in words (others are shown as the rule text)
CADENCES = {
    "FREQ=MONTHLY;BYMONTHDAY=-1": "每月一次(月底前)",
    "FREQ=MONTHLY": "每月一次",
    "FREQ=WEEKLY": "每周一次",
    "FREQ=WEEKLY;INTERVAL=2": "每两周一次",
}


class HandbookError(UserError, ValueError):
    """Bad input for a handbook (a month that does not exist, an unknown class); the message is for the user."""


# --------------------------------------------------------------------------- scope


@dataclass(frozen=True)
class Scope:
    school_id: int
    school_name: str
    county: str
    classroom_id: int | None
    class_name: str  # "" for the whole school
    teacher_label: str  # 班主任 (a class) / 校长 (the school)
    teacher: str
    year: int
    month: int
    as_of: dt.date
    viewer: Viewer  # whose handbook: only the children they may see are in it (models.scope)

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last(self) -> dt.date:
        return dt.date(self.year, self.month, _cal.monthrange(self.year, self.month)[1])

    @property
    def month_text(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def month_label(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def label(self) -> str:
        """The class, or the school for a whole-school handbook."""
        return self.class_name or self.school_name

    @property
    def in_progress(self) -> bool:
        return self.as_of < self.last

    @cached_property
    def term(self) -> terms.Term | None:
        """The school's term that has days in this month (None for a month of 寒假 or 暑假 only)."""
        found = terms.terms_overlapping(self.first, self.last, school_id=self.school_id)
        return found[0] if found else None

    @property
    def duty_day(self) -> dt.date:
        """The day duties are read at: ``as_of``, or the term's last day when the month runs past it."""
        term = self.term
        return term.end if term is not None and term.start <= self.as_of and self.as_of > term.end else self.as_of


_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


def parse_month(text: str | None, *, today: dt.date | None = None) -> tuple[int, int]:
    """'2026-11' -> (2026, 11); HandbookError with a message for anything else or a month to come."""
    today = today or dt.date.today()
    m = _MONTH.fullmatch((text or "").strip())
    if not m:
        raise HandbookError(f"月份格式应为 YYYY-MM (如 {today:%Y-%m}): {text}")
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        raise HandbookError(f"没有这个月份: {text} (月份应为 01 到 12)")
    if year < 2000:
        raise HandbookError(f"月份太早: {text}")
    if (year, month) > (today.year, today.month):
        raise HandbookError(f"{year}年{month}月还没有到, 不能导出")
    return year, month


def class_names(school_id: int) -> list[str]:
    return [n for (n,) in Classroom.select(Classroom.name).where(Classroom.school == school_id)
            .order_by(Classroom.grade, Classroom.number).tuples()]


def make_scope(school_id: int, month: str, *, viewer: Viewer, class_name: str | None = None,
               classroom_id: int | None = None, today: dt.date | None = None) -> Scope:
    """The handbook's scope: a month and a class (by name or id) or the whole school (neither).

    ``ForbiddenError``: the whole school is for admin and head only, a class for them and its
    class teacher (other roles have no handbook of their own)."""
    today = today or dt.date.today()
    year, mon = parse_month(month, today=today)
    school = School.get_or_none(School.id == school_id)
    if school is None:
        raise HandbookError("数据库中没有这所学校")
    room = None
    if class_name is not None and class_name.strip():
        room = Classroom.get_or_none((Classroom.school == school_id) & (Classroom.name == class_name.strip()))
        if room is None:
            names = class_names(school_id)
            shown = "、".join(names[:12]) + (f" 等 {len(names)} 个" if len(names) > 12 else "")
            raise HandbookError(f"没有这个班级: {class_name.strip()} (本校班级: {shown or '无'})")
    elif classroom_id is not None:
        room = Classroom.get_or_none((Classroom.school == school_id) & (Classroom.id == classroom_id))
        if room is None:
            raise HandbookError("没有这个班级")
    elif not may_export_handbook(viewer, None) and own_class(viewer, only=True) is not None:
        # a class teacher's handbook is her class's: no class named means the one she heads
        room = Classroom.get_or_none((Classroom.school == school_id) & (Classroom.id == own_class(viewer, only=True)))
    if room is None and not may_export_handbook(viewer, None):
        raise ForbiddenError("只有管理员和校长可以导出全校的工作手册"
                             + ("; 请选择你的班级" if own_class(viewer) is not None else ""))
    if room is not None and not may_export_handbook(viewer, room.id):
        raise ForbiddenError(f"你只能导出自己班级的工作手册, 不能导出{room.name}")
    if room is not None:
        head = Staff.get_or_none(Staff.id == room.head_teacher_id) if room.head_teacher_id else None
        label, teacher = "班主任", head.name if head else ""
    else:
        head = school_head(school_id)
        label, teacher = "校长", head.name if head else ""
    last = dt.date(year, mon, _cal.monthrange(year, mon)[1])
    return Scope(school_id=school.id, school_name=school.name, county=school.county or "",
                 classroom_id=room.id if room else None, class_name=room.name if room else "",
                 teacher_label=label, teacher=teacher, year=year, month=mon, as_of=min(last, today),
                 viewer=viewer)


def _scope_cond(scope: Scope) -> pw.Expression:
    cond = (Child.school == scope.school_id) & child_condition(scope.viewer)
    if scope.classroom_id is not None:
        cond &= Child.classroom == scope.classroom_id
    return cond


def _enrolled(on_date: dt.date) -> pw.Expression:
    """在读 on that day: still 在读, or left only after it (a leaver without a date has left)."""
    return (Child.status == "在读") | (Child.status_date > on_date)


def _bounds(lo: dt.date, hi: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[lo 00:00, the day after hi 00:00): a date range as datetimes for Contact.at."""
    return dt.datetime.combine(lo, dt.time()), dt.datetime.combine(hi + dt.timedelta(days=1), dt.time())


def age_on(birth: dt.date | None, day: dt.date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# --------------------------------------------------------------------------- 基本情况登记表


@dataclass(slots=True)
class RegRow:
    """One row of the registration sheet, in the national form's order (FORMS.md)."""

    id: int
    student_no: str
    name: str
    sex: str
    ethnicity: str
    birth_date: dt.date | None
    id_number: str
    class_name: str
    hukou_place: str
    address: str
    health: str
    schooling: str
    boarding: str
    left_behind_type: str
    father: str
    father_phone: str
    mother: str
    mother_phone: str
    guardian_name: str
    guardian_relation: str
    guardian_phone: str
    guardianship_type: str
    special: str  # 三特生: 特困、特长(…)、残障(…)
    key_target: str  # 是 / ""
    bus: str
    missing: list[str] = field(default_factory=list)
    # the family part of the national form (the second printed part)
    hukou_registered: str = ""
    grandparents: str = ""  # 祖父 姓名 出生日期, one per line; a dead one "—"
    father_detail: str = ""  # 姓名 / 出生日期 / 身份证号 / 务工地点 / 电话 / 外出时间, one per line
    mother_detail: str = ""
    both_away: str = ""  # 父母双方同时外出: 是 / 否
    one_away_other_unable: str = ""  # 父母一方外出、另一方无监护能力: 否, or 是 (which one is away)
    guardian_detail: str = ""  # 委托监护人 姓名 关系 电话 身份证号 居住地址, one per line
    guardianship_grade: str = ""
    income_sources: str = ""
    aid_received: str = ""
    hardship: bool = False
    talent: bool = False
    disability: bool = False
    is_key: bool = False

    @property
    def left_behind(self) -> bool:  # roster.filing_rate reads these two
        return bool(self.left_behind_type)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def missing_text(self) -> str:
        return "、".join(self.missing)


def _registration_query(scope: Scope):
    return (Child.select(
        Child.id, Child.student_no, Child.name, Child.sex, Child.ethnicity, Child.birth_date, Child.id_number,
        Child.classroom, Child.hukou_registered, Child.hukou_place, Child.address, Child.health, Child.illness,
        Child.disability, Child.boarding, Child.schooling, Child.left_behind_type, Child.guardian_name,
        Child.guardian_relation, Child.guardian_phone, Child.guardianship_type, Child.hardship, Child.talent,
        Child.key_target, Child.guardian_id_number, Child.guardian_address, Child.guardianship_grade,
        Child.income_sources, Child.aid_received,
        Classroom.name.alias("class_name"), BusRoute.name.alias("bus_name"))
        .join(Classroom, pw.JOIN.LEFT_OUTER, on=(Child.classroom == Classroom.id))
        .switch(Child).join(BusRoute, pw.JOIN.LEFT_OUTER, on=(Child.bus_route == BusRoute.id))
        .where(_scope_cond(scope) & left_behind_on(scope.as_of) & _enrolled(scope.as_of))
        .order_by(Classroom.grade, Classroom.number, Child.name_pinyin, Child.id))


@dataclass(slots=True)
class _ParentData:
    name: str
    phone: str
    work: str  # 务工地点 down to the city: 广东省东莞市
    away: bool  # away on as_of
    birth_date: dt.date | None
    id_number: str
    away_since: dt.date | None
    deceased: bool


def _parents(scope: Scope) -> dict[int, dict[str, _ParentData]]:
    q = (Parent.select(Parent.child, Parent.relation, Parent.name, Parent.phone, Parent.work_province,
                       Parent.work_city, Parent.away, Parent.returned_on, Parent.birth_date, Parent.id_number,
                       Parent.away_since, Parent.deceased)
         .join(Child, on=(Parent.child == Child.id))
         .where(_scope_cond(scope) & left_behind_on(scope.as_of) & _enrolled(scope.as_of)).tuples())
    out: dict[int, dict[str, _ParentData]] = defaultdict(dict)
    for (cid, relation, name, phone, province, city, away, returned, birth, id_number, since,
         deceased) in q.iterator():
        province, city = province or "", city or ""
        work = province if city in ("", province) else province + city  # 上海市, not 上海市上海市
        returned = _date(returned)
        away_then = bool(away) or (returned is not None and returned > scope.as_of)
        out[cid][relation] = _ParentData(name or "", phone or "", work, away_then and not deceased, _date(birth),
                                         id_number or "", _date(since), bool(deceased))
    return out


def _parent_cell(p: _ParentData | None, mask: bool) -> tuple[str, str]:
    if p is None:
        return "", ""
    if p.deceased:
        return f"{p.name} (已故)" if p.name else "—", ""
    where = p.work if p.away else "在家"
    text = " ".join(s for s in (p.name or "—", where) if s)
    return text, mask_phone(p.phone) if mask else p.phone


def _parent_detail(p: _ParentData | None, mask: bool) -> str:
    """The national form's parent columns in one cell: a dead parent is "—" (FORMS.md)."""
    if p is None:
        return ""
    if p.deceased:
        return f"—\n{p.name} 已故" if p.name else "—"
    lines = [p.name or "姓名未填",
             f"{p.birth_date:%Y-%m-%d}" if p.birth_date else "",
             (mask_id(p.id_number) if mask else p.id_number) if p.id_number else "",
             (p.work or "外出") if p.away else "在家",
             (mask_phone(p.phone) if mask else p.phone) if p.phone else "",
             f"{p.away_since:%Y-%m}起外出" if p.away and p.away_since else ""]
    return "\n".join(x for x in lines if x)


def _grandparents(scope: Scope) -> dict[int, str]:
    """祖父、祖母、外祖父、外祖母 per child: "祖父 张某 1950-03-02" per line, a dead one "祖父 —"."""
    order = {r: i for i, r in enumerate(rules.GRANDPARENT_RELATIONS)}
    q = (Grandparent.select(Grandparent.child, Grandparent.relation, Grandparent.name, Grandparent.birth_date,
                            Grandparent.deceased)
         .join(Child, on=(Grandparent.child == Child.id))
         .where(_scope_cond(scope) & left_behind_on(scope.as_of) & _enrolled(scope.as_of)).tuples())
    per: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for cid, relation, name, birth, deceased in q.iterator():
        birth = _date(birth)
        text = f"{relation} —" if deceased else " ".join(
            x for x in (relation, name or "", f"{birth:%Y-%m-%d}" if birth else "") if x)
        per[cid].append((order.get(relation, 9), text))
    return {cid: "\n".join(t for _, t in sorted(items)) for cid, items in per.items()}


def registration_rows(scope: Scope, *, mask: bool = True) -> Iterator[RegRow]:
    """The left-behind children of the class (or school) 在读 at ``scope.as_of``, class then pinyin.

    Two queries (children with class and bus; their parents). ``mask``: 身份证号, G-form
    学籍号 and phone numbers partly hidden."""
    parents = _parents(scope)
    elders = _grandparents(scope)
    for d in _registration_query(scope).dicts().iterator():
        values = dict(d)
        ps = parents.get(d["id"], {})
        fa, mo = ps.get("父亲"), ps.get("母亲")
        father, father_phone = _parent_cell(fa, mask)
        mother, mother_phone = _parent_cell(mo, mask)
        # a parent with no record counts as away when the 留守类型 says both are (as for the duties)
        both_type = d["left_behind_type"] == "父母均外出"
        both_away = all((p.away if p is not None else both_type) for p in (fa, mo))
        one_unable = ""
        if not both_away:
            unable = d["left_behind_type"] == "一方外出另一方无监护能力"
            for relation, p, other in (("父亲", fa, mo), ("母亲", mo, fa)):
                if p is not None and p.away and (unable or (other is not None and other.deceased)):
                    one_unable = f"是 ({relation}外出)"
        g_id = d["guardian_id_number"] or ""
        guardian_detail = "\n".join(x for x in (
            " ".join(x for x in (d["guardian_name"] or "", d["guardian_relation"] or "") if x),
            (mask_phone(d["guardian_phone"]) if mask else d["guardian_phone"]) if d["guardian_phone"] else "",
            (mask_id(g_id) if mask else g_id) if g_id else "", d["guardian_address"] or "") if x)
        health = d["health"] or ""
        detail = d["disability"] if health == "残疾" else d["illness"] if health == "患病" else ""
        special = "、".join(s for s in (
            "特困" if d["hardship"] else "",
            f"特长({d['talent']})" if d["talent"] else "",
            f"残障({d['disability']})" if d["disability"] else "",
        ) if s)
        id_number = d["id_number"] or ""
        student_no = d["student_no"] or ""
        yield RegRow(
            id=d["id"], student_no=mask_student_no(student_no) if mask else student_no, name=d["name"],
            sex=d["sex"] or "", ethnicity=d["ethnicity"] or "", birth_date=_date(d["birth_date"]),
            id_number=mask_id(id_number) if mask else id_number, class_name=d["class_name"] or "",
            hukou_place=d["hukou_place"] or ("" if d["hukou_registered"] else "未登记户口"),
            address=d["address"] or "", health=f"{health}({detail})" if detail else health,
            schooling=d["schooling"] or "", boarding="是" if d["boarding"] else "否",
            left_behind_type=d["left_behind_type"] or "", father=father, father_phone=father_phone,
            mother=mother, mother_phone=mother_phone, guardian_name=d["guardian_name"] or "",
            guardian_relation=d["guardian_relation"] or "",
            guardian_phone=mask_phone(d["guardian_phone"]) if mask else (d["guardian_phone"] or ""),
            guardianship_type=d["guardianship_type"] or "", special=special,
            key_target="是" if d["key_target"] else "", bus=d["bus_name"] or "",
            missing=missing_fields(values), hardship=bool(d["hardship"]), talent=bool(d["talent"]),
            disability=bool(d["disability"]), is_key=bool(d["key_target"]),
            hukou_registered="是" if d["hukou_registered"] else "否", grandparents=elders.get(d["id"], ""),
            father_detail=_parent_detail(fa, mask), mother_detail=_parent_detail(mo, mask),
            both_away="是" if both_away else "否", one_away_other_unable=one_unable or "否",
            guardian_detail=guardian_detail, guardianship_grade=d["guardianship_grade"] or "",
            income_sources=d["income_sources"] or "", aid_received=d["aid_received"] or "",
        )


# --------------------------------------------------------------------------- 结对帮扶表


@dataclass(slots=True)
class PairRow:
    child_name: str
    class_name: str
    kind: str
    helper: str
    started_on: dt.date | None
    plan_time: str
    plan_content: str
    plan_results: str
    contacts: int | None  # reached contacts by the helper with the child this month; None: not a staff helper


def _valid_helper(on_date: dt.date) -> pw.Expression:
    """The helper still helps on that day: a staff member who had not left, a buddy still 在读."""
    Buddy = Child.alias("buddy")
    staff_ok = Pairing.staff.is_null() | Pairing.staff.in_(
        Staff.select(Staff.id).where((Staff.active == True) | (Staff.left_on > on_date)))  # noqa: E712
    buddy_ok = Pairing.buddy.is_null() | Pairing.buddy.in_(
        Buddy.select(Buddy.id).where((Buddy.status == "在读") | (Buddy.status_date > on_date)))
    return staff_ok & buddy_ok


def _active_on(on_date: dt.date) -> pw.Expression:
    return (Pairing.started_on <= on_date) & (Pairing.ended_on.is_null() | (Pairing.ended_on > on_date))


def pairing_rows(scope: Scope) -> Iterator[PairRow]:
    """Each pairing of a child of the class (school) active at ``as_of``, with this month's contacts
    by its staff helper. Two queries."""
    Buddy = Child.alias("buddy")
    kind_order = pw.Case(Pairing.kind, [(k, i) for i, k in enumerate(rules.PAIRING_KINDS)], 99)
    q = (Pairing.select(Pairing.id, Pairing.child, Pairing.kind, Pairing.staff, Staff.name.alias("staff_name"),
                        Buddy.name.alias("buddy_name"), Pairing.helper_name, Pairing.started_on, Pairing.plan_time,
                        Pairing.plan_content, Pairing.plan_results, Child.name.alias("child_name"),
                        Classroom.name.alias("class_name"))
         .join(Child, on=(Pairing.child == Child.id))
         .join(Classroom, pw.JOIN.LEFT_OUTER, on=(Child.classroom == Classroom.id))
         .switch(Pairing).join(Staff, pw.JOIN.LEFT_OUTER, on=(Pairing.staff == Staff.id))
         .switch(Pairing).join(Buddy, pw.JOIN.LEFT_OUTER, on=(Pairing.buddy == Buddy.id))
         .where(_scope_cond(scope) & _active_on(scope.as_of) & _valid_helper(scope.as_of))
         .order_by(Classroom.grade, Classroom.number, Child.name_pinyin, Child.id, kind_order, Pairing.id))
    counts = _helper_contact_counts(scope)
    for d in q.dicts().iterator():
        helper = d["staff_name"] or d["buddy_name"] or d["helper_name"] or ""
        n = counts.get((d["child"], d["staff"]), 0) if d["staff"] else None
        yield PairRow(child_name=d["child_name"], class_name=d["class_name"] or "", kind=d["kind"], helper=helper,
                      started_on=_date(d["started_on"]), plan_time=d["plan_time"] or "",
                      plan_content=d["plan_content"] or "", plan_results=d["plan_results"] or "", contacts=n)


def _helper_contact_counts(scope: Scope) -> dict[tuple[int, int], int]:
    """Reached contacts of the month per (child, staff) for the children of the scope; one GROUP BY."""
    lo, hi = _bounds(scope.first, scope.last)
    q = (Contact.select(Contact.child, Contact.staff, pw.fn.COUNT(Contact.id))
         .join(Child, on=(Contact.child == Child.id))
         .where(_scope_cond(scope) & Contact.staff.is_null(False) & (Contact.reached == True)  # noqa: E712
                & (Contact.at >= lo) & (Contact.at < hi))
         .group_by(Contact.child, Contact.staff).tuples())
    return {(c, s): n for c, s, n in q}


# --------------------------------------------------------------------------- contacts


@dataclass(slots=True)
class ContactRow:
    id: int
    at: dt.datetime
    kind: str
    child_name: str
    class_name: str
    sex: str
    age: int | None
    staff_name: str
    place: str
    callee: str
    minutes: int | None
    reached: bool
    content: str
    effect: str
    parent_feedback: str
    family_members: str  # 家庭成员情况, 生活环境, 教育需求: the 家访手记's own columns
    living_conditions: str
    education_needs: str
    problems: str  # 学生存在问题, 帮教资料: the tutoring 谈心记录单's own columns
    materials: str
    mood: str
    concerns: str
    follow_up: str
    follow_up_due: dt.date | None
    guardian: str  # 姓名 (关系)
    guardian_phone: str
    address: str

    @property
    def follow_up_text(self) -> str:
        if self.follow_up_due and self.follow_up:
            return f"{self.follow_up} (于{self.follow_up_due:%m月%d日}前)"
        if self.follow_up_due:
            return f"于{self.follow_up_due:%m月%d日}前跟进"
        return self.follow_up


def contact_rows(scope: Scope, kinds: tuple[str, ...], *, mask: bool = True) -> Iterator[ContactRow]:
    """The month's contacts of these kinds with the children of the class (school), oldest first.

    One query, its rows read raw as tuples: a school of 20,000 has ~90,000 contacts a month, and
    peewee's per-value conversion into dicts cost more than the query. Dates come back as SQLite's
    text or PostgreSQL's objects; ``models.coerce`` makes both Python dates."""
    lo, hi = _bounds(scope.first, scope.last)
    q = (Contact.select(Contact.id, Contact.at, Contact.kind, Contact.place, Contact.callee, Contact.minutes,
                        Contact.reached, Contact.content, Contact.effect, Contact.parent_feedback,
                        Contact.family_members, Contact.living_conditions, Contact.education_needs,
                        Contact.problems, Contact.materials, Contact.mood,
                        Contact.concerns, Contact.follow_up, Contact.follow_up_due, Child.name, Child.sex,
                        Child.birth_date, Child.guardian_name, Child.guardian_relation, Child.guardian_phone,
                        Child.address,
                        Classroom.name, Staff.name, Contact.staff)
         .join(Child, on=(Contact.child == Child.id))
         .join(Classroom, pw.JOIN.LEFT_OUTER, on=(Child.classroom == Classroom.id))
         .switch(Contact).join(Staff, pw.JOIN.LEFT_OUTER, on=(Contact.staff == Staff.id))
         .where(_scope_cond(scope) & Contact.kind.in_(list(kinds)) & (Contact.at >= lo) & (Contact.at < hi))
         .order_by(Contact.at, Contact.id))
    for (cid, at, kind, place, callee, minutes, reached, content, effect, feedback, members, living, needs,
         problems, materials, mood, concerns, follow_up,
         follow_up_due, child_name, sex, birth_date, guardian, relation, guardian_phone, address, class_name,
         staff_name, author) in Contact._meta.database.execute(q):
        at = _datetime(at)
        if guardian and relation:
            guardian = f"{guardian} ({relation})"
        if hides(scope.viewer, kind, author):  # 心理辅导: that it happened, not what was said
            content, effect, feedback, follow_up = COUNSELLING_HIDDEN, "", "", ""
            members = living = needs = problems = materials = ""
        yield ContactRow(
            id=cid, at=at, kind=kind, child_name=child_name, class_name=class_name or "", sex=sex or "",
            age=age_on(_date(birth_date), at.date()), staff_name=staff_name or "", place=place or "",
            callee=callee or "", minutes=minutes, reached=bool(reached), content=content or "",
            effect=effect or "", parent_feedback=feedback or "", family_members=members or "",
            living_conditions=living or "", education_needs=needs or "", problems=problems or "",
            materials=materials or "", mood=mood or "", concerns=concerns or "",
            follow_up=follow_up or "",
            follow_up_due=_date(follow_up_due), guardian=guardian or "",
            guardian_phone=mask_phone(guardian_phone) if mask else (guardian_phone or ""), address=address or "",
        )


def contact_counts(scope: Scope) -> dict[str, int]:
    """All contacts of the month per kind (reached or not): the contact sheets' row counts."""
    lo, hi = _bounds(scope.first, scope.last)
    q = (Contact.select(Contact.kind, pw.fn.COUNT(Contact.id)).join(Child, on=(Contact.child == Child.id))
         .where(_scope_cond(scope) & (Contact.at >= lo) & (Contact.at < hi)).group_by(Contact.kind).tuples())
    return dict(q)


# --------------------------------------------------------------------------- 活动记录


@dataclass(slots=True)
class ActivityRow:
    day: dt.date
    end: dt.date | None  # a multi-day event's last day, else None
    time: dt.time | None
    title: str
    kind: str
    place: str
    organiser: str
    notes: str
    participants: int
    names: str


def activity_rows(scope: Scope) -> list[ActivityRow]:
    """The month's event occurrences up to ``as_of`` (cancelled ones left out, moved ones on their new day) with the
    children of the class (school) who took part. Occurrences come from ``models.calendar``."""
    occs = occurrences(scope.school_id, scope.first, scope.as_of)  # a date to come was not held yet
    if not occs:
        return []
    keys = {(o.root_id, o.attendance_date) for o in occs}
    days = [k[1] for k in keys]
    q = (Attendance.select(Attendance.event, Attendance.on_date, Child.name)
         .join(Child, on=(Attendance.child == Child.id))
         .where(_scope_cond(scope) & Attendance.event.in_(sorted({k[0] for k in keys}))
                & Attendance.on_date.between(min(days), max(days)))
         .order_by(Child.classroom, Child.name_pinyin, Child.id).tuples())
    names: dict[tuple[int, dt.date], list[str]] = defaultdict(list)
    for event_id, on_date, name in q.iterator():
        key = (event_id, _date(on_date))
        if key in keys:
            names[key].append(name)
    out = []
    for o in occs:
        who = names.get((o.root_id, o.attendance_date), [])
        shown = "、".join(who[:MAX_NAMES]) + (f" 等{len(who)}人" if len(who) > MAX_NAMES else "")
        out.append(ActivityRow(day=o.day, end=o.end if o.end != o.day else None, time=o.time, title=o.title,
                               kind=o.kind, place=o.place, organiser=o.organiser, notes=o.notes,
                               participants=len(who), names=shown))
    return out


# --------------------------------------------------------------------------- 待办事项


def open_duty_rows(scope: Scope) -> list[duties.Duty]:
    """The duties open at ``as_of`` (逾期, 今天, 本周): ``guanai due --date <as_of> [--class NAME]``."""
    return duties.open_duties(scope.duty_day, viewer=scope.viewer, school_id=scope.school_id,
                              classroom_id=scope.classroom_id)


# --------------------------------------------------------------------------- 汇总


@dataclass
class DutyLine:
    rule_name: str
    contact_kind: str
    cadence: str
    per_term: bool
    subjects: int  # children the rule applies to at as_of
    required: int
    done: int
    overdue: int

    @property
    def rate(self) -> float | None:
        return self.done / self.required if self.required else None


@dataclass
class PairingLine:
    kind: str
    paired: int
    subjects: int

    @property
    def rate(self) -> float | None:
        return self.paired / self.subjects if self.subjects else None


@dataclass
class Summary:
    scope: Scope
    children: int  # left-behind, 在读 at as_of: the registration sheet's rows
    by_type: dict[str, int]
    hardship: int
    talent: int
    disability: int
    key_target: int
    complete: int
    filing_rate: float | None  # 建档率
    pairing: list[PairingLine]
    duty_lines: list[DutyLine]
    weeks: list[tuple[dt.date, dt.date, int]]  # (first day, last day, reached 谈心)
    contacts: dict[str, int]  # all contacts of the month per kind
    pairings: int  # rows of the 结对帮扶表
    activity_list: list[ActivityRow] = field(default_factory=list)  # the 活动记录 sheet's rows
    duty_list: list[duties.Duty] = field(default_factory=list)  # the 待办事项 sheet's rows
    # the inspector's asks: the national definition, age bands, 监护类型, who started or stopped
    national: int = 0  # under 16, both parents away or one away and the other unable (FORMS.md)
    age_bands: dict[str, int] = field(default_factory=dict)
    guardianship: dict[str, int] = field(default_factory=dict)
    started: list[str] = field(default_factory=list)  # became left behind this month (a parent left)
    ended: list[str] = field(default_factory=list)  # no longer left behind: the parents came home
    # 强制报告 of the month, 发现—报告—处置 (models/protection.py): counts only, and only in the
    # whole school's handbook; a class's would tell its teacher that one of her children was reported
    protection: dict[str, int] | None = None

    @property
    def activities(self) -> int:
        return len(self.activity_list)

    @property
    def attendance(self) -> int:  # 参与人次 of the scope's children
        return sum(a.participants for a in self.activity_list)

    @property
    def open_duties(self) -> int:
        return len(self.duty_list)

    @property
    def talks(self) -> int:
        return sum(n for _, _, n in self.weeks)


def summary(scope: Scope) -> Summary:
    """The numbers of the 汇总 sheet; a fixed number of queries whatever the size of the school."""
    reg = list(registration_rows(scope))
    by_type = Counter(r.left_behind_type for r in reg)
    types = {t: by_type.get(t, 0) for t in rules.LEFT_BEHIND_TYPES}
    for t, n in by_type.items():  # a type outside the vocabulary (an old import) still counts
        types.setdefault(t, n)
    rate = filing_rate(reg)
    reg_ids = {r.id for r in reg}
    pairing = _pairing_lines(scope, reg_ids)
    npairs = (Pairing.select(pw.fn.COUNT(Pairing.id)).join(Child, on=(Pairing.child == Child.id))
              .where(_scope_cond(scope) & _active_on(scope.as_of) & _valid_helper(scope.as_of)).scalar() or 0)
    acts = activity_rows(scope)
    open_rows = open_duty_rows(scope)
    return Summary(
        scope=scope, children=len(reg), by_type=types,
        hardship=sum(r.hardship for r in reg), talent=sum(r.talent for r in reg),
        disability=sum(r.disability for r in reg), key_target=sum(r.is_key for r in reg),
        complete=sum(1 for r in reg if r.complete), filing_rate=rate, pairing=pairing,
        duty_lines=duty_lines(scope, open_rows=open_rows), weeks=talks_per_week(scope),
        contacts=contact_counts(scope), pairings=npairs, activity_list=acts, duty_list=open_rows,
        national=sum(1 for r in reg if _national(r, scope.as_of)), age_bands=_age_bands(reg, scope.as_of),
        guardianship=_guardianship(reg), started=_started(scope), ended=_ended(scope),
        protection=None if scope.class_name else protection.counts(scope.school_id, scope.first, scope.last),
    )


AGE_BANDS = (("0–5岁", 0, 5), ("6–13岁", 6, 13), ("14–16岁", 14, 16), ("17岁及以上", 17, 200))


def _national(r: RegRow, as_of: dt.date) -> bool:
    """The 2016 national definition: under 16, both parents away, or one away and the other unable."""
    age = age_on(r.birth_date, as_of)
    return age is not None and age < 16 and (r.both_away == "是" or r.one_away_other_unable.startswith("是"))


def _age_bands(reg: list[RegRow], as_of: dt.date) -> dict[str, int]:
    """The summary table's bands 0–5, 6–13, 14–16 (FORMS.md), then older and no birth date."""
    out = {label: 0 for label, _, _ in AGE_BANDS}
    out["出生日期未填"] = 0
    for r in reg:
        age = age_on(r.birth_date, as_of)
        label = next((b for b, lo, hi in AGE_BANDS if age is not None and lo <= age <= hi), "出生日期未填")
        out[label] += 1
    return out


def _guardianship(reg: list[RegRow]) -> dict[str, int]:
    out = {t: 0 for t in rules.GUARDIANSHIP_TYPES}
    for r in reg:
        key = r.guardianship_type or "未填"
        out[key] = out.get(key, 0) + 1
    return out


def _names(cond: pw.Expression) -> list[str]:
    q = (Child.select(Child.name).join(Classroom, pw.JOIN.LEFT_OUTER, on=(Child.classroom == Classroom.id))
         .where(cond).order_by(Classroom.grade, Classroom.number, Child.name_pinyin, Child.id).tuples())
    return [n for (n,) in q]


def _ended(scope: Scope) -> list[str]:
    """Left behind on the day before the month, no longer on ``as_of``: the parents came home."""
    before = scope.first - dt.timedelta(days=1)
    return _names(_scope_cond(scope) & _enrolled(scope.as_of) & left_behind_on(before) & ~left_behind_on(scope.as_of))


def _started(scope: Scope) -> list[str]:
    """Left behind on ``as_of`` and a parent went away this month (``away_since``), or new to the roster."""
    lo, hi = _bounds(scope.first, scope.as_of)
    went = Child.id.in_(Parent.select(Parent.child).where(Parent.away_since.between(scope.first, scope.as_of)))
    new = (Child.created_at >= lo) & (Child.created_at < hi)
    return _names(_scope_cond(scope) & _enrolled(scope.as_of) & left_behind_on(scope.as_of) & (went | new))


def _pairing_lines(scope: Scope, subjects: set[int]) -> list[PairingLine]:
    """Per kind: how many of the registered children have an active pairing with a helper who still helps."""
    q = (Pairing.select(Pairing.child, Pairing.kind).join(Child, on=(Pairing.child == Child.id))
         .where(_scope_cond(scope) & left_behind_on(scope.as_of) & _enrolled(scope.as_of)
                & _active_on(scope.as_of) & _valid_helper(scope.as_of)).tuples())
    paired: dict[str, set[int]] = defaultdict(set)
    for cid, kind in q.iterator():
        if cid in subjects:
            paired[kind].add(cid)
    return [PairingLine(k, len(paired.get(k, ())), len(subjects)) for k in rules.PAIRING_KINDS]


def talks_per_week(scope: Scope) -> list[tuple[dt.date, dt.date, int]]:
    """Reached 谈心 per Monday-to-Sunday week of the month up to ``as_of`` (the first and last weeks cut
    at the month, the last one at today for the month in progress)."""
    lo, hi = _bounds(scope.first, scope.last)
    day = pw.fn.DATE(Contact.at)
    q = (Contact.select(day, pw.fn.COUNT(Contact.id)).join(Child, on=(Contact.child == Child.id))
         .where(_scope_cond(scope) & (Contact.kind == "谈心") & (Contact.reached == True)  # noqa: E712
                & (Contact.at >= lo) & (Contact.at < hi))
         .group_by(day).tuples())
    per_day = Counter()
    for d, n in q:
        per_day[_date(d)] += n
    weeks = []
    start = scope.first
    while start <= scope.as_of:  # the month in progress: the weeks up to today
        end = min(scope.as_of, start + dt.timedelta(days=6 - start.weekday()))
        weeks.append((start, end, sum(n for d, n in per_day.items() if start <= d <= end)))
        start = end + dt.timedelta(days=1)
    return weeks


def _ideal_deadlines(rule: duties.RuleSpec, period_start: dt.date, term: duties.Term,
                     lo: dt.date, hi: dt.date) -> int:
    """How many of the rule's deadlines fall in [lo, hi] when each is met on its day (``duties.due_date``)."""
    n, last = 0, None
    while True:
        due = duties.due_date(rule, last_met=last, period_start=period_start, term=term)
        if due is None or due > hi:
            return n
        if due >= lo:
            n += 1
        last = due


def duty_lines(scope: Scope, *, open_rows: list[duties.Duty] | None = None) -> list[DutyLine]:
    """Per active rule: children, required, done, overdue (see the module docstring)."""
    specs = [(duties.RuleSpec.of(r), CADENCES.get((r.rrule or "").strip().upper(), describe(r)) if not r.per_term
              else describe(r)) for r in duties.care_rules()]
    term = scope.term
    if term is None or not specs:  # August: the summer holiday has no duties
        return [DutyLine(r.name, r.contact_kind, cad, r.per_term, 0, 0, 0, 0) for r, cad in specs]
    for r, _ in specs:
        problem = duties.check_rule(r)
        if problem:
            raise HandbookError(f"规则「{r.name}」: {problem}")
    tallies = duty_tallies(_scope_cond(scope), first=scope.first, as_of=scope.as_of, term=term,
                           specs=[r for r, _ in specs]).get(scope.school_id, {})
    if open_rows is None:
        open_rows = open_duty_rows(scope)
    overdue = Counter(d.rule_id for d in open_rows if d.status == duties.OVERDUE)
    return [DutyLine(rule.name, rule.contact_kind, cadence, rule.per_term, *tallies.get(rule.id, (0, 0, 0)),
                     overdue.get(rule.id, 0)) for rule, cadence in specs]


def duty_tallies(where: pw.Expression, *, first: dt.date, as_of: dt.date, term: duties.Term,
                 specs: list) -> dict[int, dict[int, tuple[int, int, int]]]:
    """Per school and rule (``duties.RuleSpec``): (children, required, done) of the month ``first`` ..
    ``as_of`` for the children of ``where`` (a condition over Child: one school's scope, or the
    schools of a county for its dashboard, ``models/county.py``). A fixed handful of queries, whatever
    the number of schools (see the module docstring for what counts)."""
    cond = where & duties.subject_condition(as_of)
    rows = Child._meta.database.execute  # raw rows: tens of thousands on a county, no per-value conversion
    kids = {cid: (school, bool(key), level or "") for cid, school, key, level
            in rows(Child.select(Child.id, Child.school, Child.key_target, Child.attention_level).where(cond))}

    # Helper rules: the active pairings (with an active staff member) open_duties reads.
    helper_kinds = sorted({r.helper_kind for r in specs if r.helper_kind})
    helper_start: dict[tuple[int, str], dt.date] = {}
    if helper_kinds:
        q = (Pairing.select(Pairing.child, Pairing.kind, Pairing.started_on)
             .join(Staff, on=(Pairing.staff == Staff.id))
             .switch(Pairing).join(Child, on=(Pairing.child == Child.id))
             .where(cond & duties.active_pairing(as_of) & (Staff.active == True)  # noqa: E712
                    & Pairing.kind.in_(helper_kinds)))
        for cid, kind, started in rows(q):
            started = _date(started)
            key = (cid, kind)
            helper_start[key] = min(helper_start.get(key, started), started)

    # Reached contacts per child and kind: in the month, or in the term for a per-term rule.
    plain_kinds = sorted({r.contact_kind for r in specs if not r.helper_kind})
    month_lo, month_hi = _bounds(max(first, term.start), as_of)
    term_lo, _ = _bounds(term.start, as_of)
    per_term_kinds = {r.contact_kind for r in specs if r.per_term}
    plain_month: Counter = Counter()
    plain_term: set[tuple[int, str]] = set()
    if plain_kinds:
        q = (Contact.select(Contact.child, Contact.kind, pw.fn.SUM(pw.Case(None, [(Contact.at >= month_lo, 1)], 0)))
             .join(Child, on=(Contact.child == Child.id))
             .where(cond & Contact.kind.in_(plain_kinds) & (Contact.reached == True)  # noqa: E712
                    & (Contact.at >= (term_lo if plain_kinds and per_term_kinds & set(plain_kinds) else month_lo))
                    & (Contact.at < month_hi))
             .group_by(Contact.child, Contact.kind))
        for cid, kind, n in rows(q):
            plain_month[(cid, kind)] = int(n or 0)
            plain_term.add((cid, kind))
    helper_month: Counter = Counter()
    helper_term: set[tuple[int, str, str]] = set()
    helper_specs = [(r.helper_kind, r.contact_kind) for r in specs if r.helper_kind]
    if helper_specs:
        # each helper (child, kind, staff member) once, from their first active pairing's start; their
        # contacts counted by a short walk of the (child, kind, at, staff) index (migration 0017): a
        # contact has one author, so the helpers' counts add up without a DISTINCT over every contact
        q = (Pairing.select(Pairing.child, Pairing.kind, Pairing.staff, pw.fn.MIN(Pairing.started_on))
             .join(Staff, on=(Pairing.staff == Staff.id))
             .switch(Pairing).join(Child, on=(Pairing.child == Child.id))
             .where(cond & duties.active_pairing(as_of) & (Staff.active == True)  # noqa: E712
                    & Pairing.kind.in_(sorted({h for h, _ in helper_specs})))
             .group_by(Pairing.child, Pairing.kind, Pairing.staff))
        helpers = q.cte("helpers", materialized=True, columns=("child_id", "hk", "staff_id", "since"))
        h = helpers.c

        def walk(ck: str, lo: dt.datetime) -> pw.SelectQuery:
            hc = Contact.alias("hc")
            # ``staff + 0``: the author is checked in the (child, kind, at, staff, reached) index walk, never
            # used to pick the (staff, at) index instead — PostgreSQL's planner, estimating both at one
            # row, took the staff member's whole term of contacts per helper (0.7 s against 0.1 s
            # for the county's 13,000 helpers once migration 0019 widened the child index)
            return hc.select(pw.fn.COUNT(hc.id)).where(
                (hc.child == h.child_id) & (hc.kind == ck) & (hc.at >= lo) & (hc.at < month_hi)
                & ((hc.staff + 0) == h.staff_id) & (hc.reached == True) & (hc.at >= h.since))  # noqa: E712

        pairs = sorted(set(helper_specs))
        cols = []
        for hk, ck in pairs:  # the month's count, and whether the term has any (the first one found)
            cols += [pw.Case(None, [(h.hk == hk, walk(ck, month_lo))], None),
                     pw.Case(None, [(h.hk == hk, pw.fn.EXISTS(walk(ck, term_lo).select(pw.SQL("1"))))], None)]
        for cid, hk, *counts in rows(helpers.select_from(h.child_id, h.hk, *cols).with_cte(helpers)):
            for i, (spec_hk, ck) in enumerate(pairs):
                if spec_hk != hk or not counts[2 * i + 1]:
                    continue
                helper_month[(cid, hk, ck)] += int(counts[2 * i] or 0)
                helper_term.add((cid, hk, ck))

    out: dict[int, dict[int, tuple[int, int, int]]] = defaultdict(dict)
    cache: dict[tuple[int, dt.date], int] = {}
    for rule in specs:
        per_school: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
        for cid, (school, key_target, level) in kids.items():
            if not duties.rule_applies(rule.applies_to, key_target, level):
                continue
            if rule.helper_kind:
                started = helper_start.get((cid, rule.helper_kind))
                if started is None:
                    continue
                start = max(term.start, started)
                n_month = helper_month.get((cid, rule.helper_kind, rule.contact_kind), 0)
                met_term = (cid, rule.helper_kind, rule.contact_kind) in helper_term
            else:
                start = term.start
                n_month = plain_month.get((cid, rule.contact_kind), 0)
                met_term = (cid, rule.contact_kind) in plain_term
            tally = per_school[school]
            tally[0] += 1
            if rule.per_term:
                tally[1] += 1
                tally[2] += 1 if met_term else 0
                continue
            k = (rule.id, start)
            if k not in cache:
                cache[k] = _ideal_deadlines(rule, start, term, first, as_of)
            need = cache[k]
            tally[1] += need
            tally[2] += min(need, n_month)
        for school, (subjects, required, done) in per_school.items():
            out[school][rule.id] = (subjects, required, done)
    return out
