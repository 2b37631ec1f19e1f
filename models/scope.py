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

心理辅导 notes
    That a 心理辅导 contact happened is seen by everyone who sees the child; its content (and
    effect, follow-up, change history) only by a counselor and by the staff member who wrote
    it; others read ``COUNSELLING_HIDDEN``.

No textual here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import peewee as pw

from models.entities import Child, Classroom, Pairing, Staff

WHOLE_SCHOOL_ROLES = ("admin", "head")
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


class ForbiddenError(Exception):
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

    @property
    def whole_school(self) -> bool:
        return self.role in (*WHOLE_SCHOOL_ROLES, SYSTEM, BOOTSTRAP)

    @property
    def nobody(self) -> bool:
        return not self.role

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


def viewer_for(staff: Staff | int | None, *, school_id: int | None = None) -> Viewer:
    """The viewer of a session: from the staff row (its role and school, the classes it heads),
    or for no staff the bootstrap viewer of a database without logins, else nobody."""
    if isinstance(staff, int):
        staff = Staff.get_or_none(Staff.id == staff)
    if staff is None or not staff.active:
        if staff is None and not has_any_login():
            return Viewer(staff_id=None, role=BOOTSTRAP, school_id=school_id)
        return nobody(school_id)
    classes = frozenset(cid for (cid,) in Classroom.select(Classroom.id)
                        .where(Classroom.head_teacher == staff.id).tuples())
    return Viewer(staff_id=staff.id, role=staff.role, school_id=staff.school_id, class_ids=classes,
                  name=staff.name)


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
    if viewer.role in (SYSTEM, BOOTSTRAP):
        return viewer.school_id is None or viewer.school_id == school_id
    if viewer.staff_id is None or viewer.school_id != school_id:
        return False
    if viewer.role in WHOLE_SCHOOL_ROLES:
        return True
    return classroom_id is not None and classroom_id in viewer.class_ids


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
    if viewer.role in WHOLE_SCHOOL_ROLES + (SYSTEM, BOOTSTRAP):
        if viewer.school_id is None or viewer.school_id == school_id:
            return
    elif viewer.school_id == school_id and classroom_id is not None and classroom_id in viewer.class_ids:
        return
    raise ForbiddenError("你没有权限在这个班级新建孩子的档案")


def may_pair(viewer: Viewer) -> bool:
    """Whether the viewer changes pairings at all (the board shows its keys only then)."""
    return viewer.whole_school or bool(viewer.class_ids)


def require_role(viewer: Viewer, roles: tuple[str, ...], message: str) -> None:
    """Raise ``ForbiddenError(message)`` unless the viewer has one of ``roles`` (SYSTEM and
    BOOTSTRAP count as admin and head)."""
    allowed = viewer.role in roles or (viewer.role in (SYSTEM, BOOTSTRAP) and any(r in WHOLE_SCHOOL_ROLES for r in roles))
    if not allowed:
        raise ForbiddenError(message)


def require_whole_school(viewer: Viewer, what: str = "查看全校的数据") -> None:
    require_role(viewer, WHOLE_SCHOOL_ROLES, f"只有管理员和校长可以{what}")


# --------------------------------------------------------------------------- 心理辅导


def sees_counselling(viewer: Viewer, author_id: int | None = None) -> bool:
    """Whether the viewer reads a 心理辅导 note's content: a counselor, or the one who wrote it."""
    return viewer.is_counselor or (viewer.staff_id is not None and author_id == viewer.staff_id)


def contact_text(viewer: Viewer, kind: str, author_id: int | None, text: str | None) -> str:
    """A contact's content (or effect, follow-up) as the viewer may read it."""
    if kind == COUNSELLING and not sees_counselling(viewer, author_id):
        return COUNSELLING_HIDDEN if text else ""
    return text or ""


def hides(viewer: Viewer, kind: str, author_id: int | None) -> bool:
    return kind == COUNSELLING and not sees_counselling(viewer, author_id)
