"""Who may see and change which child: roles and scope, enforced in the model layer.

Every query over children takes a ``Viewer`` (built once per session from the staff row)
and adds ``child_condition(viewer)``; every write path calls ``require_child`` first and
raises ``ForbiddenError`` (a Chinese message for the user) when the viewer reaches outside
their scope. Screens only pass ``app.viewer`` along; hiding a key is never the protection.

Who sees what (least privilege: PIPL, 未成年人保护法)
    admin, head        the whole school (their own school).
    class_teacher      the children of their classes (``Classroom.head_teacher``) plus the
                       children they are actively paired with (``Pairing.staff``, ``ended_on``
                       empty), in any class. Whoever is a class's 班主任 (``head_teacher``) counts
                       as its class teacher, whatever the role on their staff row.
    teacher, volunteer (爱心妈妈), counselor
                       only the children they are actively paired with.
    county, township   (县, 乡镇 officers: ``Staff.area`` names the county or township) every child of the
                       schools of their area (``area_school_ids``), read-only and masked: every write
                       predicate below refuses them, they never unmask, never read a 心理辅导 note or a
                       强制报告 (counts only, ``models/county.py``), and see neither 需要关注 labels nor the
                       absences. ``school_viewer`` narrows one to a school of the area (the drill-down).
    no staff           nothing: a session whose login matched no active staff member sees empty
                       lists and an explanation. Exception (``bootstrap``): a brand-new database
                       with no active staff login at all (nobody could sign in yet) is set up by
                       whoever opens it, who sees the whole school until the first login exists.

Who may change what
    record or correct a contact (谈心记录)   anyone who sees the child.
    edit the 档案, pair (结对), consent, archive, see a number in full (unmask)
                                          admin, head, and the class teacher of the child's class.
    create a child                        admin, head; a class teacher only into their class.
    export the whole school, purge        admin and head (export); admin only (purge).
    bus routes (校车)                      everyone signed in sees them; the admin edits them;
                                          their riders are the children the viewer sees.
    export unmasked numbers (--unmask)    admin only (``require_unmask_export``, checked by the exporter).
    staff logins, the audit log, retention years
                                          admin only (``require_admin``).
    the duty rules (CareRule)             admin and head (``require_rule_editor``).

Every such decision is a named predicate here (``may_…`` answers, ``require_…`` raises
``ForbiddenError``); the model and export functions call them themselves, so a caller cannot skip
them, and screens only ask them whether to show a key. ``tests/test_scope.py`` walks the code for
role comparisons anywhere else.

心理辅导 notes
    That a 心理辅导 contact happened is seen by everyone who sees the child; its content (and
    effect, follow-up, change history) only by a counselor and by the staff member who wrote
    it; others read ``COUNSELLING_HIDDEN``.

No textual here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import peewee as pw

from models.entities import Child, Classroom, Pairing, School, Staff
from models.errors import UserError

ADMIN = "admin"
HEAD = "head"
VOLUNTEER = "volunteer"
COUNTY = "county"
TOWNSHIP = "township"
AREA_ROLES = (COUNTY, TOWNSHIP)  # 县, 乡镇: over the schools of an area, read-only
AREA_READ_ONLY = "县、乡镇账号只能查看 (只读), 不能修改学校的数据"
WHOLE_SCHOOL_ROLES = (ADMIN, HEAD)
# The roles whose day starts on 待办 (their own children's duties); the head and the admin start
# on the whole roster.
TEACHING_ROLES = ("class_teacher", "teacher", "counselor", VOLUNTEER)
COUNSELLING = "心理辅导"
COUNSELLING_HIDDEN = "(心理辅导内容仅心理咨询室教师可见)"
FORBIDDEN = "你没有权限查看/修改这个孩子的档案"
NOBODY_EXPLANATION = ("没有找到与你对应的教职工账号, 所以看不到任何孩子的档案。"
                      "请用 guanai --user 登录名 启动, 或请管理员添加账号 (guanai users add)")

# Roles that are not staff roles: the trusted whole-school viewer of plain commands and tests,
# and the set-up session of a database without any staff login.
SYSTEM = "system"
BOOTSTRAP = "bootstrap"

ACTION_WORDS = {
    "read": "查看", "contact": "记录谈心", "edit": "修改档案", "pairing": "调整结对", "unmask": "查看完整号码",
    "consent": "登记监护人同意", "archive": "归档",
}


class ForbiddenError(UserError):
    """A read or write outside the viewer's scope; ``str()`` is the message for the user."""

    def __init__(self, message: str = FORBIDDEN) -> None:
        super().__init__(message)


@dataclass(frozen=True)
class Viewer:
    """Who is working: built once per session (``viewer_for``) and passed to every query."""

    staff_id: int | None
    role: str  # a staff role, or SYSTEM / BOOTSTRAP, or "" for nobody
    school_id: int | None
    class_ids: frozenset[int] = field(default_factory=frozenset)
    name: str = ""
    area: str = ""  # the county or township of a 县/乡镇 officer (``is_area_viewer``)

    @property
    def whole_school(self) -> bool:
        return self.role in (*WHOLE_SCHOOL_ROLES, SYSTEM, BOOTSTRAP)

    @property
    def nobody(self) -> bool:
        return not self.role

    @property
    def is_area(self) -> bool:
        return self.role in AREA_ROLES

    @property
    def is_counselor(self) -> bool:
        return self.role == "counselor"

    @property
    def label(self) -> str:
        from models.rules import STAFF_ROLES

        if self.nobody:
            return "无账号"
        if self.role in (SYSTEM, BOOTSTRAP):
            return "全校"
        return STAFF_ROLES.get(self.role, self.role)

    def explanation(self) -> str | None:
        """Why the lists are empty, for a session without a staff account; None otherwise."""
        return NOBODY_EXPLANATION if self.nobody else None


def system_viewer(school_id: int | None = None) -> Viewer:
    """The whole school (or every school), for trusted callers only: a plain command that has
    already checked the user's role, internal follow-ups of a checked write, and tests."""
    return Viewer(staff_id=None, role=SYSTEM, school_id=school_id)


def nobody(school_id: int | None = None) -> Viewer:
    return Viewer(staff_id=None, role="", school_id=school_id)


def has_any_login() -> bool:
    """Whether anybody could sign in: an active staff member with a login."""
    return Staff.select().where(Staff.login.is_null(False) & (Staff.active == True)).exists()  # noqa: E712


def bootstrap_open() -> bool:
    """A database nobody can sign in to yet: its first admin login is made without one."""
    return not has_any_login()


def viewer_for(staff: Staff | int | None, *, school_id: int | None = None) -> Viewer:
    """The viewer of a session: from the staff row (its role and school, the classes it heads),
    or for no staff the bootstrap viewer of a database without logins, else nobody."""
    if isinstance(staff, int):
        staff = Staff.get_or_none(Staff.id == staff)
    if staff is None or not staff.active:
        if staff is None and not has_any_login():
            return Viewer(staff_id=None, role=BOOTSTRAP, school_id=school_id)
        return nobody(school_id)
    if staff.role in AREA_ROLES:
        # no school, no classes: the area's schools (``area_school_ids``), whatever row keeps it
        return Viewer(staff_id=staff.id, role=staff.role, school_id=None, name=staff.name,
                      area=(staff.area or "").strip())
    classes = frozenset(cid for (cid,) in Classroom.select(Classroom.id)
                        .where(Classroom.head_teacher == staff.id).tuples())
    return Viewer(staff_id=staff.id, role=staff.role, school_id=staff.school_id, class_ids=classes,
                  name=staff.name)


# --------------------------------------------------------------------------- 县/乡镇 (area viewers)


def is_area_viewer(viewer: Viewer) -> bool:
    """A 县 or 乡镇 officer: the schools of an area, read-only, masked."""
    if not isinstance(viewer, Viewer):
        raise TypeError("is_area_viewer needs a scope.Viewer")
    return viewer.is_area and viewer.staff_id is not None


def is_read_only(viewer: Viewer) -> bool:
    """A viewer who may change nothing anywhere (a 县/乡镇 officer, over the area or drilled into one
    school): the screens do not offer their write keys (new, edit, talk, import, absence, unmask,
    consent ...) at all; the writes themselves still refuse by the checks below."""
    if not isinstance(viewer, Viewer):
        raise TypeError("is_read_only needs a scope.Viewer")
    return viewer.is_area


def area_schools(viewer: Viewer) -> pw.SelectQuery:
    """The ids of the schools an area viewer covers (a subquery; none for anyone else)."""
    s = School.alias("scope_school")
    if not is_area_viewer(viewer) or not viewer.area:
        return s.select(s.id).where(pw.SQL("1 = 0"))
    return s.select(s.id).where(area_column(viewer.role, s) == viewer.area)


def area_school_ids(viewer: Viewer) -> list[int]:
    """The schools an area viewer covers, by id (one query); [] for anyone else."""
    return sorted(sid for (sid,) in area_schools(viewer).tuples())


def sees_area_dashboard(viewer: Viewer) -> bool:
    """The 县/乡镇 dashboard (``models/county.py``): an area viewer over its whole area (not narrowed
    to one school), or the trusted SYSTEM viewer over every school."""
    return (is_area_viewer(viewer) and viewer.school_id is None) or viewer.role == SYSTEM


def covers_county(viewer: Viewer) -> bool:
    """A 县 officer: its report pack may sum the whole county (``report_school_ids(county=True)``)."""
    return is_area_viewer(viewer) and viewer.role == COUNTY


def school_viewer(viewer: Viewer, school_id: int) -> Viewer:
    """The area viewer narrowed to one school of its area (the drill-down: that school's summary and
    its roster, masked and read-only as ever); ``ForbiddenError`` for a school outside the area."""
    if not is_area_viewer(viewer):
        raise ForbiddenError("只有县、乡镇账号可以查看辖区内的学校")
    if school_id not in area_school_ids(viewer):
        raise ForbiddenError("这所学校不在你的辖区内")
    return Viewer(staff_id=viewer.staff_id, role=viewer.role, school_id=school_id, name=viewer.name,
                  area=viewer.area)


REPORT_SCOPE_FORBIDDEN = "只有校长、管理员和县、乡镇账号可以生成报表"


def _school_named(school) -> list[int]:
    """The ids of the school named by ``school`` (an id, its digits, or its exact name)."""
    if isinstance(school, int) or (isinstance(school, str) and school.strip().isdigit()):
        return [sid for (sid,) in School.select(School.id).where(School.id == int(school)).tuples()]
    name = str(school).strip()
    return [sid for (sid,) in School.select(School.id).where(School.name == name).order_by(School.id).tuples()]


def report_school_ids(viewer: Viewer, school=None, county: bool = False) -> list[int]:
    """The schools a report (the report pack) may cover, by id, for the viewer.

    head, admin    their own school (``school`` may only name it; not ``county``);
    SYSTEM         every school, or the named one;
    county         every school of the county, or the named one if it is inside;
    township       the schools of the township (or the named one inside); not ``county``;
    anyone else    ``ForbiddenError``. ``school`` is a school's name or id."""
    if not isinstance(viewer, Viewer):
        raise TypeError("report_school_ids needs a scope.Viewer")
    named = _school_named(school) if school not in (None, "") else None
    if viewer.role == SYSTEM:
        allowed = ([viewer.school_id] if viewer.school_id is not None else
                   [sid for (sid,) in School.select(School.id).order_by(School.id).tuples()])
        if named is None:
            return allowed
        hits = [sid for sid in named if sid in allowed]
        if not hits:
            raise UserError(f"没有这个学校: {school}")
        return hits[:1]
    if is_area_viewer(viewer):
        if county and viewer.role != COUNTY:
            raise ForbiddenError("乡镇账号只能汇总本乡镇的学校, 不能汇总全县")
        allowed = area_school_ids(viewer)
        if viewer.school_id is not None:
            allowed = [sid for sid in allowed if sid == viewer.school_id]
    elif viewer.staff_id is not None and viewer.role in WHOLE_SCHOOL_ROLES and viewer.school_id is not None:
        if county:
            raise ForbiddenError("全县汇总只限县级账号")
        allowed = [viewer.school_id]
    else:
        raise ForbiddenError(REPORT_SCOPE_FORBIDDEN)
    if named is None:
        return allowed
    hits = [sid for sid in named if sid in allowed]
    if not hits:
        raise ForbiddenError("这所学校不在你可以生成报表的范围内")
    return hits[:1]


# --------------------------------------------------------------------------- reading


def paired_children(staff_id: int) -> pw.SelectQuery:
    """The ids of the children the staff member is actively paired with (a subquery)."""
    p = Pairing.alias("scope_pairing")
    return p.select(p.child).where((p.staff == staff_id) & p.ended_on.is_null())


def child_condition(viewer: Viewer, child=Child) -> pw.Expression:
    """A condition over ``Child`` (or an alias of it): the children the viewer may see."""
    if not isinstance(viewer, Viewer):
        raise TypeError("child_condition needs a scope.Viewer")
    if viewer.whole_school:
        return child.school == viewer.school_id if viewer.school_id is not None else pw.SQL("1 = 1")
    if viewer.nobody or viewer.staff_id is None:
        return pw.SQL("1 = 0")
    if viewer.is_area:
        cond = child.school.in_(area_schools(viewer))
        return (child.school == viewer.school_id) & cond if viewer.school_id is not None else cond
    cond = child.id.in_(paired_children(viewer.staff_id))
    if viewer.role == "counselor":
        # the 心理咨询室 counsels the 重点帮扶对象 monthly (the 心理辅导 duty): she sees them all
        cond = (child.key_target == True) | cond  # noqa: E712
    if viewer.class_ids:
        cond = child.classroom.in_(sorted(viewer.class_ids)) | cond
    if viewer.school_id is not None:
        cond = (child.school == viewer.school_id) & cond
    return cond


def visible_child_ids(viewer: Viewer) -> set[int] | None:
    """The ids the viewer may see, or None for a whole-school viewer (no filter needed in memory)."""
    if viewer.whole_school and viewer.school_id is None:
        return None
    return {cid for (cid,) in Child.select(Child.id).where(child_condition(viewer)).tuples()}


def can_see(viewer: Viewer, child_id: int) -> bool:
    return Child.select().where((Child.id == child_id) & child_condition(viewer)).exists()


def _may_manage(viewer: Viewer, school_id: int | None, classroom_id: int | None) -> bool:
    """Edit the 档案, pair, consent, archive: admin, head, the class teacher of the child's class."""
    if viewer.is_area:
        return False
    if viewer.role in (SYSTEM, BOOTSTRAP):
        return viewer.school_id is None or viewer.school_id == school_id
    if viewer.staff_id is None or viewer.school_id != school_id:
        return False
    if viewer.role in WHOLE_SCHOOL_ROLES:
        return True
    return classroom_id is not None and classroom_id in viewer.class_ids


def may_match_numbers(viewer: Viewer, school_id: int | None, classroom_id: int | None) -> bool:
    """Whether a search may match the child's whole numbers (身份证号, phones, G/L-form 学籍号):
    only for whoever may unmask them anyway (admin, head, the class teacher; the trusted SYSTEM
    viewer). For anyone else a match would tell, digit by digit, what the masked number hides."""
    return _may_manage(viewer, school_id, classroom_id)


def require_child(viewer: Viewer, child_id: int, action: str = "read") -> None:
    """Raise ``ForbiddenError`` unless the viewer may do ``action`` with the child.

    ``read`` and ``contact``: the child is in the viewer's scope. ``edit``, ``pairing``,
    ``consent``, ``archive``: admin, head, or the class teacher of the child's class.
    ``unmask``: the same, and only a signed-in staff member (the look is audited). A child that
    does not exist passes: the caller reports it as missing in its own words."""
    if action not in ACTION_WORDS:
        raise ValueError(f"unknown action {action!r}")
    if not isinstance(viewer, Viewer):
        raise TypeError("require_child needs a scope.Viewer")
    row = Child.select(Child.school, Child.classroom).where(Child.id == child_id).tuples().first()
    if row is None:
        return
    school_id, classroom_id = row
    if viewer.is_area and action != "read":
        raise ForbiddenError(f"{AREA_READ_ONLY}: {ACTION_WORDS[action]}")
    if action in ("read", "contact"):
        if viewer.whole_school and viewer.school_id in (None, school_id):
            return
        if not can_see(viewer, child_id):
            raise ForbiddenError()
        return
    if action == "unmask" and viewer.staff_id is None:
        raise ForbiddenError("查看完整号码需要以教职工身份登录 (会记入审计日志)")
    if not _may_manage(viewer, school_id, classroom_id):
        raise ForbiddenError(f"{FORBIDDEN}: {ACTION_WORDS[action]}只限管理员、校长和本班班主任")


def require_children(viewer: Viewer, child_ids, action: str = "read") -> None:
    for cid in dict.fromkeys(child_ids):
        require_child(viewer, cid, action)


def require_new_child(viewer: Viewer, school_id: int, classroom_id: int | None) -> None:
    """Creating a child: admin, head; a class teacher only into one of their classes."""
    if viewer.is_area:
        raise ForbiddenError(AREA_READ_ONLY)
    if viewer.role in WHOLE_SCHOOL_ROLES + (SYSTEM, BOOTSTRAP):
        if viewer.school_id is None or viewer.school_id == school_id:
            return
    elif viewer.school_id == school_id and classroom_id is not None and classroom_id in viewer.class_ids:
        return
    raise ForbiddenError("你没有权限在这个班级新建孩子的档案")


def may_pair(viewer: Viewer) -> bool:
    """Whether the viewer changes pairings at all (the board shows its keys only then)."""
    if viewer.is_area:
        return False
    return viewer.whole_school or bool(viewer.class_ids)


def require_role(viewer: Viewer, roles: tuple[str, ...], message: str) -> None:
    """Raise ``ForbiddenError(message)`` unless the viewer has one of ``roles`` (SYSTEM and
    BOOTSTRAP count as admin and head)."""
    allowed = viewer.role in roles or (viewer.role in (SYSTEM, BOOTSTRAP) and any(r in WHOLE_SCHOOL_ROLES for r in roles))
    if not allowed:
        raise ForbiddenError(message)


def require_whole_school(viewer: Viewer, what: str = "查看全校的数据") -> None:
    require_role(viewer, WHOLE_SCHOOL_ROLES, f"只有管理员和校长可以{what}")


# --------------------------------------------------------------------------- 行事历 (events)
#
# The calendar is the school's plan: its events (家长会, 六一 activities, 心理讲座) concern
# everyone, so changing one is a school decision. An event records its school, an ``organiser``
# (a name, free text) and — in the audit log — who created it; it records no class. Hence:
#   create                 admin, head, class teacher, teacher, counselor; not a volunteer (爱心妈妈
#                          are community helpers, not school staff) and not nobody.
#   edit / delete an event, a whole series or one date of it
#                          admin and head: any event of their school; everyone else: only an event
#                          they created or that names them (their staff name) as its organiser.
#   mark attendance        whoever may edit the event, and any class teacher (the 班主任 takes the
#                          register of her class at a school event); only children the viewer sees
#                          are ever ticked or unticked (``calendar.set_attendance``).
#   the term plan          (学期计划: writing a term's school-wide events, the term dates) admin, head.

EVENT_CREATORS = ("admin", "head", "class_teacher", "teacher", "counselor")
EVENT_FORBIDDEN = {
    "create": "爱心妈妈和未登录的用户不能新建行事历活动",
    "edit": "只有管理员、校长和这项活动的组织者/创建者可以修改它",
    "delete": "只有管理员、校长和这项活动的组织者/创建者可以删除它",
    "attendance": "只有管理员、校长、班主任和这项活动的组织者/创建者可以登记参与",
}
TERM_PLAN_FORBIDDEN = "只有管理员和校长可以写入学期计划"


@dataclass(frozen=True)
class EventOwner:
    """What decides who may change an event: its school, who created it (the audit log's create
    row of the plain event or the series), and the organiser's name as typed."""

    school_id: int | None
    created_by: int | None
    organiser: str = ""


def _same_school(viewer: Viewer, school_id: int | None) -> bool:
    return viewer.school_id is None or viewer.school_id == school_id


def may_create_event(viewer: Viewer, school_id: int | None = None) -> bool:
    """Whether the viewer adds events to the school's calendar (the screens show ``n`` only then)."""
    if viewer.role in (SYSTEM, BOOTSTRAP):
        return _same_school(viewer, school_id) if school_id is not None else True
    if viewer.staff_id is None or viewer.role not in EVENT_CREATORS:
        return False
    return school_id is None or viewer.school_id == school_id


def may_change_event(viewer: Viewer, owner: EventOwner) -> bool:
    """Edit or delete the event (a whole series or one of its dates): admin and head of its
    school; anyone else only an event they created or that names them as organiser."""
    if viewer.is_area:
        return False
    if viewer.role in (SYSTEM, BOOTSTRAP):
        return _same_school(viewer, owner.school_id)
    if viewer.staff_id is None or viewer.school_id != owner.school_id:
        return False
    if viewer.role in WHOLE_SCHOOL_ROLES:
        return True
    if owner.created_by is not None and owner.created_by == viewer.staff_id:
        return True
    return bool(viewer.name) and (owner.organiser or "").strip() == viewer.name.strip()


def may_mark_attendance(viewer: Viewer, owner: EventOwner) -> bool:
    """Tick who took part: whoever may change the event, and any class teacher of the school."""
    if viewer.is_area:
        return False
    if may_change_event(viewer, owner):
        return True
    return viewer.staff_id is not None and viewer.school_id == owner.school_id and bool(viewer.class_ids)


def may_plan_term(viewer: Viewer) -> bool:
    """Write the term plan (school-wide events) and the term dates: admin and head."""
    return viewer.whole_school


def require_event(viewer: Viewer, action: str, owner: EventOwner | None = None, *,
                  school_id: int | None = None) -> None:
    """Raise ``ForbiddenError`` (a Chinese message) unless the viewer may ``action`` the event:
    ``create`` (give ``school_id``), ``edit``, ``delete``, ``attendance`` (give its ``owner``)."""
    if not isinstance(viewer, Viewer):
        raise TypeError("require_event needs a scope.Viewer")
    if action == "create":
        allowed = may_create_event(viewer, school_id)
    elif action in ("edit", "delete"):
        allowed = owner is not None and may_change_event(viewer, owner)
    elif action == "attendance":
        allowed = owner is not None and may_mark_attendance(viewer, owner)
    else:
        raise ValueError(f"unknown event action {action!r}")
    if not allowed:
        raise ForbiddenError(EVENT_FORBIDDEN[action])


def require_term_plan(viewer: Viewer) -> None:
    if not may_plan_term(viewer):
        raise ForbiddenError(TERM_PLAN_FORBIDDEN)


# --------------------------------------------------------------------------- 心理辅导


def sees_counselling(viewer: Viewer, author_id: int | None = None) -> bool:
    """Whether the viewer reads a 心理辅导 note's content: a counselor, or the one who wrote it."""
    if viewer.is_area:
        return False
    return viewer.is_counselor or (viewer.staff_id is not None and author_id == viewer.staff_id)


def contact_text(viewer: Viewer, kind: str, author_id: int | None, text: str | None) -> str:
    """A contact's content (or effect, follow-up) as the viewer may read it."""
    if kind == COUNSELLING and not sees_counselling(viewer, author_id):
        return COUNSELLING_HIDDEN if text else ""
    return text or ""


def hides(viewer: Viewer, kind: str, author_id: int | None) -> bool:
    return kind == COUNSELLING and not sees_counselling(viewer, author_id)


def sees_counselling_in_audit(viewer: Viewer | None) -> bool:
    """Whether the audit log shows a 心理辅导 contact's text (content, effect, follow-up, mood,
    concerns — old and new) to the viewer: a counselor only. The audit is read by the admin, who
    must see who changed which note when, but never what the child said; no viewer hides it."""
    return isinstance(viewer, Viewer) and viewer.is_counselor


# --------------------------------------------------------------------------- roster import

IMPORT_FORBIDDEN = "只有管理员、校长和班主任可以导入名册"


def may_import(viewer: Viewer) -> bool:
    """Whether the viewer imports rosters at all: admin and head (their school), a class teacher
    (into the classes they head). Others are refused before the file is even read, dry run too:
    a trial run reports on existing children."""
    if viewer.is_area:
        return False
    return viewer.whole_school or bool(viewer.class_ids)


def require_import(viewer: Viewer, school_id: int | None = None, classroom_id: int | None = None, *,
                   any_class: bool = False) -> None:
    """Raise ``ForbiddenError`` unless the viewer may import a child into ``classroom_id`` of
    ``school_id`` (admin and head: any class of their school, also none; a class teacher: only a
    class they head). ``any_class``: only whether the viewer imports at all (``may_import``)."""
    if not may_import(viewer):
        raise ForbiddenError(IMPORT_FORBIDDEN)
    if any_class:
        return
    if viewer.whole_school:
        if viewer.school_id is None or school_id is None or viewer.school_id == school_id:
            return
        raise ForbiddenError("不能导入到别的学校")
    if viewer.school_id == school_id and classroom_id is not None and classroom_id in viewer.class_ids:
        return
    raise ForbiddenError("班主任只能导入本班的孩子" + ("" if classroom_id is not None else ", 这一行没有班级"))


# --------------------------------------------------------------------------- administration
#
# The admin alone manages logins, reads the audit log, purges, sets the retention period and
# exports numbers unmasked: each is a power over every child and every colleague, so it needs a
# signed-in admin (the trusted SYSTEM viewer of tests and internal follow-ups counts as one; the
# BOOTSTRAP session of a database without logins does not — its only power is the first login).

ADMIN_FORBIDDEN = "只有管理员可以{what}"
UNMASK_EXPORT_FORBIDDEN = "只有管理员可以导出未遮盖的身份证号和电话 (会记入审计日志)"
RULES_FORBIDDEN = "只有管理员或校长可以修改规则"


def is_admin(viewer: Viewer) -> bool:
    """A signed-in admin (or the trusted SYSTEM viewer)."""
    if not isinstance(viewer, Viewer):
        raise TypeError("is_admin needs a scope.Viewer")
    return viewer.role == SYSTEM or (viewer.role == ADMIN and viewer.staff_id is not None)


def require_admin(viewer: Viewer, what: str = "做这件事") -> None:
    """Raise ``ForbiddenError`` ("只有管理员可以<what>") unless ``is_admin``."""
    if not is_admin(viewer):
        raise ForbiddenError(ADMIN_FORBIDDEN.format(what=what))


def may_unmask_export(viewer: Viewer) -> bool:
    """Whether an export may carry whole 身份证号 and phone numbers: a signed-in admin only (a
    workbook leaves the system; the look at a single child's numbers on screen is wider). The
    trusted SYSTEM viewer counts (tests, a command that checked its user); BOOTSTRAP does not."""
    return is_admin(viewer)


def require_unmask_export(viewer: Viewer) -> None:
    if not may_unmask_export(viewer):
        raise ForbiddenError(UNMASK_EXPORT_FORBIDDEN)


def may_edit_rules(viewer: Viewer) -> bool:
    """Change or add a duty rule (how often what is due): admin and head."""
    return viewer.role in WHOLE_SCHOOL_ROLES + (SYSTEM,) and (viewer.staff_id is not None or viewer.role == SYSTEM)


def require_rule_editor(viewer: Viewer) -> None:
    if not may_edit_rules(viewer):
        raise ForbiddenError(RULES_FORBIDDEN)


def starts_on_due_list(viewer: Viewer) -> bool:
    """Whether the session opens on 待办 (a teacher's own duties) rather than the roster."""
    return viewer.staff_id is not None and viewer.role in TEACHING_ROLES


# --------------------------------------------------------------------------- staff rows
#
# What a staff row's role means for the data, kept beside the viewer rules it feeds.


def is_admin_role(role: str) -> bool:
    """The role of an admin login (the last active one cannot be deactivated; a new database's
    first login must have it)."""
    return role == ADMIN


def admin_staff() -> pw.Expression:
    """A condition over ``Staff``: admin logins."""
    return Staff.role == ADMIN


def role_heads_class(role: str) -> bool:
    """A login made with a class and this role becomes that class's 班主任 (``head_teacher``,
    hence its ``class_ids``); any other role teaches the class."""
    return role == "class_teacher"


def is_area_role(role: str) -> bool:
    """A 县 or 乡镇 officer's row: it names an area (``Staff.area``), heads and teaches no class."""
    return role in AREA_ROLES


def area_schools_where(role: str, area: str) -> pw.Expression:
    """A condition over ``School``: the schools of the area a 县/乡镇 login of ``role`` would cover."""
    return area_column(role) == area


def area_column(role: str, school=School) -> pw.Field:
    """The ``School`` (or alias) column a 县/乡镇 login's area names: ``county`` or ``township``."""
    return school.county if role == COUNTY else school.township


def is_volunteer_role(role: str) -> bool:
    """A community 爱心妈妈, not school staff: never a 帮扶教师, and said so in a suggestion."""
    return role == VOLUNTEER


def teaches_subjects(role: str) -> bool:
    """A 任课教师 or 班主任 row: its subject is named beside it (a counselor's or 爱心妈妈's is not)."""
    return role in ("teacher", "class_teacher")


def school_head(school_id: int) -> Staff | None:
    """The school's active head (the name the whole-school handbook is signed with)."""
    return (Staff.select().where((Staff.school == school_id) & (Staff.role == HEAD) & (Staff.active == True))  # noqa: E712
            .order_by(Staff.id).first())


# --------------------------------------------------------------------------- classes of a viewer


def own_class(viewer: Viewer, *, only: bool = False) -> int | None:
    """The class a class teacher works in by default (a new child, the handbook, an import without
    a class): the lowest class she heads — with ``only``, just when she heads exactly one. None for
    the whole-school roles, who pick a class or none."""
    if viewer.whole_school or not viewer.class_ids or (only and len(viewer.class_ids) != 1):
        return None
    return min(viewer.class_ids)


def may_create_children(viewer: Viewer) -> bool:
    """Whether the viewer creates children at all (admin, head; a class teacher into her class)."""
    if viewer.is_area:
        return False
    return viewer.whole_school or bool(viewer.class_ids)


def may_import_into(viewer: Viewer, classroom_id: int | None) -> bool:
    """Whether an import may put rows into this class (a class teacher: only one she heads)."""
    if viewer.is_area:
        return False
    return viewer.whole_school or (classroom_id is not None and classroom_id in viewer.class_ids)


def may_pair_class(viewer: Viewer, classroom_id: int | None) -> bool:
    """Whether the viewer may pair a child of this class (admin, head; its class teacher)."""
    if viewer.is_area:
        return False
    return viewer.whole_school or (classroom_id is not None and classroom_id in viewer.class_ids)


def sees_whole(viewer: Viewer, school_id: int | None) -> bool | None:
    """True when the viewer sees every child of the school, False when a whole-school viewer of
    another school sees none of it, None when it depends on the child (``child_condition``)."""
    if viewer.whole_school:
        return viewer.school_id in (None, school_id)
    return None


def may_export_handbook(viewer: Viewer, classroom_id: int | None) -> bool:
    """The month's handbook of a class (or, ``None``, of the whole school): the whole school for
    admin and head; a class for them and its class teacher; other roles have none of their own."""
    if classroom_id is None:
        return viewer.whole_school
    return viewer.whole_school or classroom_id in viewer.class_ids


# --------------------------------------------------------------------------- 需要关注 (early warning)
#
# The early-warning list labels a child (连续情绪低落, 父母失联, 红/黄): a label follows a child, so it
# is shown only to those who act on it, and never where a volunteer or a plain teacher looks.
#   see the list, a child's reasons, level and review, decide (confirm/dismiss)
#                                  admin, head (their school); the counselor (the whole school: she
#                                  screens it, and a child she confirms becomes a 重点帮扶对象 she
#                                  sees anyway); a class teacher for the children of the classes she
#                                  heads. Not a 任课教师, an 爱心妈妈, nobody.
#   tune the rules                 admin and head (``may_edit_rules``).
# The roster's level mark (红/黄), the attention duties (their cadences and the review) and the
# monthly 预警与干预 sheet follow the same predicate.

ATTENTION_FORBIDDEN = "只有班主任 (本班)、心理咨询室教师、校长和管理员可以查看需要关注名单"


def may_see_attention(viewer: Viewer) -> bool:
    """Whether the viewer sees the 需要关注 list and its labels at all."""
    if viewer.is_area:
        return False
    if viewer.whole_school:
        return True
    return viewer.staff_id is not None and (viewer.is_counselor or bool(viewer.class_ids))


def attention_condition(viewer: Viewer, child=Child) -> pw.Expression:
    """A condition over ``Child``: the children whose 需要关注 labels the viewer sees."""
    if not isinstance(viewer, Viewer):
        raise TypeError("attention_condition needs a scope.Viewer")
    if not may_see_attention(viewer):
        return pw.SQL("1 = 0")
    if viewer.whole_school or viewer.is_counselor:
        return child.school == viewer.school_id if viewer.school_id is not None else pw.SQL("1 = 1")
    cond = child.classroom.in_(sorted(viewer.class_ids))
    return (child.school == viewer.school_id) & cond if viewer.school_id is not None else cond


def sees_attention_of_school(viewer: Viewer) -> bool:
    """Whether the viewer's 需要关注 labels cover the whole school (admin, head, counselor), not only
    the classes she heads (the 预警与干预 sheet says 全校 or 本班)."""
    return may_see_attention(viewer) and (viewer.whole_school or viewer.is_counselor)


def attention_visible(viewer: Viewer, school_id: int | None, classroom_id: int | None) -> bool:
    """``attention_condition`` for one child already read (its school and class), in memory: the
    due list and the roster decide per row without another query."""
    if not may_see_attention(viewer):
        return False
    if viewer.school_id is not None and school_id is not None and viewer.school_id != school_id:
        return False
    return viewer.whole_school or viewer.is_counselor or classroom_id in viewer.class_ids


def sees_attention_of(viewer: Viewer, child_id: int) -> bool:
    return may_see_attention(viewer) and Child.select().where(
        (Child.id == child_id) & attention_condition(viewer)).exists()


def require_attention(viewer: Viewer, child_id: int | None = None) -> None:
    """Raise ``ForbiddenError`` unless the viewer sees (and decides on) the child's 需要关注 labels;
    without a child, whether she sees the list at all."""
    if not isinstance(viewer, Viewer):
        raise TypeError("require_attention needs a scope.Viewer")
    if not may_see_attention(viewer):
        raise ForbiddenError(ATTENTION_FORBIDDEN)
    if child_id is not None and not sees_attention_of(viewer, child_id):
        raise ForbiddenError(ATTENTION_FORBIDDEN)


# --------------------------------------------------------------------------- 校车 (bus routes)
#
# A route (its plate, capacity, driver and the driver's phone) is the school's, not a child's: every
# signed-in staff member of the school sees the routes (a teacher calls the driver about a child on
# the bus; the child's page shows them too). Who rides a route is child data: the riders listed
# and counted for a viewer are the children ``child_condition`` lets them see. Adding, changing
# and deleting routes is school administration, like staff logins: the admin's (``is_admin``).

BUS_VIEW_FORBIDDEN = "没有登录的用户不能查看校车路线"
BUS_EDIT_FORBIDDEN = "只有管理员可以新增、修改或删除校车路线"


def may_view_bus_routes(viewer: Viewer, school_id: int | None = None) -> bool:
    """See the school's routes and drivers: any signed-in staff member of that school (not a 县/乡镇
    officer: a route, its driver and his phone are the school's own business)."""
    if viewer.is_area:
        return False
    if viewer.role in (SYSTEM, BOOTSTRAP):
        return school_id is None or _same_school(viewer, school_id)
    if viewer.nobody or viewer.staff_id is None:
        return False
    return school_id is None or viewer.school_id == school_id


def may_edit_bus_routes(viewer: Viewer, school_id: int | None = None) -> bool:
    """Add, change or delete a route of the school: a signed-in admin of that school (or the
    trusted SYSTEM viewer); the BOOTSTRAP session of a database without logins does not."""
    if not is_admin(viewer):
        return False
    return school_id is None or _same_school(viewer, school_id)


def require_bus_routes(viewer: Viewer, action: str, school_id: int | None = None) -> None:
    """Raise ``ForbiddenError`` unless the viewer may ``view`` or ``edit`` the school's routes."""
    if not isinstance(viewer, Viewer):
        raise TypeError("require_bus_routes needs a scope.Viewer")
    if action == "view":
        if not may_view_bus_routes(viewer, school_id):
            raise ForbiddenError(BUS_VIEW_FORBIDDEN)
    elif action == "edit":
        if not may_edit_bus_routes(viewer, school_id):
            raise ForbiddenError(BUS_EDIT_FORBIDDEN)
    else:
        raise ValueError(f"unknown bus route action {action!r}")


# --------------------------------------------------------------------------- 强制报告 (mandatory reports)
#
# A report names a child and, by its reporter, a colleague who may fear the family: the law asks
# that the reporter be protected. So a report is seen by three people only: whoever filed it, the
# head (who confirms it and answers for the school's report) and the counselor (who follows the
# child up). Not the admin (who keeps the system, not the children: the banner gives her a count
# only) and not the class teacher unless she filed it. Anyone who may record a talk with the child
# files a report about it. Each look is written to the audit log (``models.protection``).
#   see a report, its reporter     reporter, head, counselor (the trusted SYSTEM viewer too); the
#                                  child's page lists the same, and nothing at all for anyone else
#   file a report                  anyone who sees the child (``require_child(..., "contact")``)
#   confirm a report               the head
#   the open-report banner         head (with the children) and admin (a count only: her page names
#                                  the head who confirms, ``report_confirmer_condition``)
#   the term's 台账 (register)      head and counselor
#   监护干预 (guardianship)         anyone who sees the child records and reads them

REPORT_FORBIDDEN = "强制报告只有报告人、校长和心理咨询室教师可以查看"
REPORT_CONFIRM_FORBIDDEN = "只有校长可以确认强制报告"
REPORT_REGISTER_FORBIDDEN = "强制报告登记台账只有校长和心理咨询室教师可以导出"


def _report_school(viewer: Viewer, school_id: int | None) -> bool:
    return viewer.school_id is None or school_id is None or viewer.school_id == school_id


def sees_all_reports(viewer: Viewer) -> bool:
    """Every report of the school: the head and the counselor (and the trusted SYSTEM viewer)."""
    return viewer.role == SYSTEM or (viewer.staff_id is not None and viewer.role in (HEAD, "counselor"))


def may_see_report(viewer: Viewer, school_id: int | None, reporter_id: int | None) -> bool:
    """One report (and who filed it): its reporter, the head, the counselor of its school."""
    if not isinstance(viewer, Viewer):
        raise TypeError("may_see_report needs a scope.Viewer")
    if viewer.is_area:
        return False  # the county sees counts only (models/county.py), never a report
    if not _report_school(viewer, school_id):
        return False
    if sees_all_reports(viewer):
        return True
    return viewer.staff_id is not None and reporter_id == viewer.staff_id


def require_report(viewer: Viewer, school_id: int | None, reporter_id: int | None) -> None:
    if not may_see_report(viewer, school_id, reporter_id):
        raise ForbiddenError(REPORT_FORBIDDEN)


def report_condition(viewer: Viewer, report) -> pw.Expression:
    """A condition over ``Report`` (or an alias): the reports the viewer may see."""
    if viewer.nobody or viewer.is_area:
        return pw.SQL("1 = 0")
    cond = pw.SQL("1 = 1") if sees_all_reports(viewer) else (
        report.reporter == viewer.staff_id if viewer.staff_id is not None else pw.SQL("1 = 0"))
    if viewer.school_id is not None:
        cond = (report.school == viewer.school_id) & cond
    return cond


def may_confirm_report(viewer: Viewer) -> bool:
    """Confirm a report (the school knows, and reports it when the teacher did not): the head."""
    return viewer.role == SYSTEM or (viewer.staff_id is not None and viewer.role == HEAD)


def require_confirm_report(viewer: Viewer) -> None:
    if not may_confirm_report(viewer):
        raise ForbiddenError(REPORT_CONFIRM_FORBIDDEN)


def report_confirmer_condition(staff=Staff) -> pw.Expression:
    """A condition over ``Staff``: who confirms reports (an active head), named to the admin, whose
    banner is a count she cannot act on."""
    return (staff.role == HEAD) & (staff.active == True)  # noqa: E712 (SQL)


def sees_report_banner(viewer: Viewer) -> bool:
    """The red banner of unconfirmed reports on every screen: the head and the admin."""
    return viewer.staff_id is not None and viewer.role in WHOLE_SCHOOL_ROLES


def banner_names_children(viewer: Viewer) -> bool:
    """Whether the banner leads to the reports themselves (the head) or only counts them (the admin)."""
    return may_confirm_report(viewer) and viewer.staff_id is not None


def may_export_report_register(viewer: Viewer) -> bool:
    """The term's 强制报告登记台账 lists every report and its reporter: head and counselor."""
    return sees_all_reports(viewer)


def require_report_register(viewer: Viewer) -> None:
    if not may_export_report_register(viewer):
        raise ForbiddenError(REPORT_REGISTER_FORBIDDEN)


# --------------------------------------------------------------------------- 控辍保学 (dropout prevention)
#
# Absences and 辍学风险 cases are about the children a viewer already sees; they are school work, so a
# volunteer (爱心妈妈, a community helper) neither marks absences nor follows cases.
#   mark a child absent / present     whoever sees the child (``child_condition``: a class teacher her
#                                     class, a teacher her paired children, admin and head the school),
#                                     not a volunteer, not nobody
#   see a case, verify it, log a 劝返, record the return
#                                     the same: whoever may mark the child's absences
#   confirm 辍学 (the child's status)  the head
#   the monthly 控辍保学 sheet         the whole school for admin and head; a class for its class teacher

ABSENCE_FORBIDDEN = "爱心妈妈和未登录的用户不能登记缺课或跟进辍学风险"
DROPOUT_CONFIRM_FORBIDDEN = "只有校长可以确认辍学"
DROPOUT_SHEET_FORBIDDEN = "控辍保学月报: 全校只限管理员和校长, 一个班限本班班主任"


def may_mark_absence(viewer: Viewer) -> bool:
    """Whether the viewer marks absences and follows 辍学风险 cases at all (of the children she sees)."""
    if viewer.is_area:
        return False  # counts only, on the county dashboard
    if viewer.role in (SYSTEM, BOOTSTRAP):
        return True
    return viewer.staff_id is not None and not viewer.nobody and not is_volunteer_role(viewer.role)


def dropout_condition(viewer: Viewer, child=Child) -> pw.Expression:
    """A condition over ``Child``: the children whose absences and cases the viewer sees."""
    if not isinstance(viewer, Viewer):
        raise TypeError("dropout_condition needs a scope.Viewer")
    return child_condition(viewer, child) if may_mark_absence(viewer) else pw.SQL("1 = 0")


def require_absence(viewer: Viewer, child_id: int) -> None:
    """Raise ``ForbiddenError`` unless the viewer marks this child's absences and follows its case."""
    if not isinstance(viewer, Viewer):
        raise TypeError("require_absence needs a scope.Viewer")
    if not may_mark_absence(viewer):
        raise ForbiddenError(ABSENCE_FORBIDDEN)
    require_child(viewer, child_id, "contact")


def may_confirm_dropout(viewer: Viewer) -> bool:
    """Confirm a case as 辍学 (the child's status follows): the head (the trusted SYSTEM viewer too)."""
    return viewer.role == SYSTEM or (viewer.staff_id is not None and viewer.role == HEAD)


def require_confirm_dropout(viewer: Viewer) -> None:
    if not may_confirm_dropout(viewer):
        raise ForbiddenError(DROPOUT_CONFIRM_FORBIDDEN)


def may_export_dropout(viewer: Viewer, classroom_id: int | None) -> bool:
    """The monthly 控辍保学 sheet of the school (``None``) or of a class: as the handbook."""
    return may_export_handbook(viewer, classroom_id)


def require_dropout_sheet(viewer: Viewer, classroom_id: int | None) -> None:
    if not may_export_dropout(viewer, classroom_id):
        raise ForbiddenError(DROPOUT_SHEET_FORBIDDEN)
