"""Staff logins: list them, and (admin only) add, deactivate and reset a PIN.

The same functions serve ``guanai users …`` and the admin screen. The acting staff
member is an argument (``by``) and must be an active admin, except for the very first
user of a new database (no active admin yet), so a school can start. Every change
writes an audit row; a PIN or its hash never reaches the log. No textual here.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from models import audit, auth, rules, scope
from models import db as dbmod
from models import errors
from models.entities import Classroom, School, Staff, TeachingAssignment
from models.pinyin import pinyin_keys  # pypinyin itself loads on the first call
from models.sanitize import clean_text
from models.validation import Invalid, check_lengths, validate_name

ADMIN = "admin"
LOGIN_RE = re.compile(r"[a-z][a-z0-9._-]{1,31}")


class UserError(errors.UserError, ValueError):
    """Refused: bad input or not allowed; the message is for the user (models.errors.UserError's
    kind, under the name the callers of this module have always caught)."""


@dataclass(slots=True)
class UserRow:
    id: int
    login: str
    name: str
    role: str
    role_label: str
    active: bool
    has_pin: bool
    locked_until: dt.datetime | None
    heads: list[str] = field(default_factory=list)  # classes whose 班主任 this is
    teaches: list[str] = field(default_factory=list)  # classes taught (任课)

    @property
    def classes(self) -> str:
        parts = list(self.heads) + [c for c in self.teaches if c not in self.heads]
        return "、".join(parts)

    @property
    def state(self) -> str:
        if not self.active:
            return "已停用"
        if self.locked_until is not None:
            return f"锁定至{self.locked_until:%H:%M}"
        return "有PIN" if self.has_pin else "无PIN"


def list_users(school_id: int | None = None, *, now: dt.datetime | None = None) -> list[UserRow]:
    """Every staff member (with or without a login): active first, then by role and pinyin."""
    cond = Staff.school == school_id if school_id is not None else (Staff.id > 0)
    heads: dict[int, list[str]] = {}
    for c in Classroom.select().order_by(Classroom.grade, Classroom.number):
        if c.head_teacher_id:
            heads.setdefault(c.head_teacher_id, []).append(c.name)
    teaches: dict[int, list[str]] = {}
    q = (TeachingAssignment.select(TeachingAssignment.staff, Classroom.name)
         .join(Classroom).order_by(Classroom.grade, Classroom.number).tuples())
    for staff_id, name in q:
        if name not in teaches.setdefault(staff_id, []):
            teaches[staff_id].append(name)
    role_order = {r: i for i, r in enumerate(rules.STAFF_ROLES)}
    rows = []
    for s in Staff.select().where(cond):
        rows.append(UserRow(id=s.id, login=s.login or "", name=s.name, role=s.role,
                            role_label=rules.STAFF_ROLES.get(s.role, s.role), active=s.active,
                            has_pin=bool(s.pin_hash), locked_until=auth.locked_until(s, now=now),
                            heads=heads.get(s.id, []), teaches=teaches.get(s.id, [])))
    rows.sort(key=lambda r: (not r.active, role_order.get(r.role, 99), r.login == "", r.login, r.name))
    return rows


def parse_role(text: str) -> str:
    """A role by its key (``class_teacher``) or its Chinese name (班主任)."""
    t = (text or "").strip()
    if t in rules.STAFF_ROLES:
        return t
    for key, label in rules.STAFF_ROLES.items():
        if t == label:
            return key
    if t == "爱心妈妈":
        return "volunteer"
    choices = ", ".join(f"{k} ({v})" for k, v in rules.STAFF_ROLES.items())
    raise UserError(f"没有这个角色: {text} (可用: {choices})")


def _role_key(text: str) -> str | None:
    try:
        return parse_role(text)
    except UserError:
        return None


def active_admins() -> int:
    return Staff.select().where(scope.admin_staff() & (Staff.active == True)).count()  # noqa: E712


def check_admin(by: Staff | None, *, bootstrap: bool = False, role: str | None = None) -> None:
    """Only an active admin may manage users. With ``bootstrap``, the very first login of a new
    database (``scope.bootstrap_open``: nobody could sign in yet) needs none, and must be an admin:
    otherwise whoever comes second (``users add evil --role admin``) would need no login either."""
    if by is None and bootstrap and scope.bootstrap_open():
        if not scope.is_admin_role(role or ""):
            raise UserError("新数据库的第一个账号必须是管理员: guanai users add LOGIN --name 姓名 --role admin")
        return
    if by is None or not scope.is_admin(scope.viewer_for(by)):
        raise UserError("只有管理员可以管理教职工账号 (用 --user 指定管理员的登录名)")


def find_login(login: str) -> Staff:
    staff = Staff.get_or_none(Staff.login == (login or "").strip())
    if staff is None:
        raise UserError(f"没有登录名为 {login} 的教职工 (guanai users 可列出全部登录名)")
    return staff


def validate_login(login: str) -> str:
    login = (login or "").strip()
    if not LOGIN_RE.fullmatch(login):
        raise UserError("登录名应为 2 到 32 个小写字母、数字、点、下划线或连字符, 以字母开头 (最好与系统用户名相同)")
    return login


def check_area(role: str, area: str | None, class_name: str | None = None) -> str:
    """The area of a new 县/乡镇 login (a county or township some school of the database names, so the
    officer sees at least one school); "" for every other role, which may not name one."""
    area = clean_text(area or "", multiline=False).strip()
    if not scope.is_area_role(role):
        if area:
            raise UserError("只有县、乡镇账号需要 --area (县名或乡镇名)")
        return ""
    if class_name:
        raise UserError("县、乡镇账号不带班级")
    if not area:
        raise UserError("县、乡镇账号要用 --area 指定所管的县名或乡镇名 (与学校登记的县/乡镇一致)")
    if not School.select().where(scope.area_schools_where(role, area)).exists():
        column = scope.area_column(role)
        known = sorted({n for (n,) in School.select(column).tuples() if n})
        raise UserError(f"没有学校登记在 {area}" + (f" (数据库中有: {'、'.join(known[:10])})" if known else ""))
    return area


def add_user(login: str, name: str, role: str, *, by: Staff | None, class_name: str | None = None,
             pin: str | None = None, school_id: int | None = None, phone: str = "", area: str | None = None) -> Staff:
    """A new staff login. ``class_name``: the class a 班主任 heads, or a class another role teaches;
    ``area``: the county or township of a 县/乡镇 officer (role county or township), whose row is
    kept under the acting admin's school but who sees the area's schools (``models/scope.py``)."""
    check_admin(by, bootstrap=True, role=_role_key(role))
    login = validate_login(login)
    phone = clean_text(phone or "", multiline=False).strip()  # never store a control character
    try:
        name = validate_name(name)
    except Invalid as exc:
        raise UserError(str(exc)) from None
    phone = (phone or "").strip()
    try:  # PostgreSQL refuses an over-long value mid-write; SQLite would store it
        check_lengths(Staff, {"login": login, "name": name, "phone": phone},
                      {"login": "登录名", "name": "姓名", "phone": "电话"})
    except Invalid as exc:
        raise UserError(str(exc)) from None
    role = parse_role(role)
    area = check_area(role, area, class_name)
    if Staff.select().where(Staff.login == login).exists():
        raise UserError(f"登录名 {login} 已被使用")
    try:
        hashed = auth.hash_pin(auth.validate_pin(pin)) if pin is not None else ""
    except auth.PinError as exc:
        raise UserError(str(exc)) from None
    if school_id is None:
        school = (School.get_by_id(by.school_id) if by is not None
                  else School.select().order_by(School.id).first())
        if school is None:
            raise UserError("数据库中还没有学校, 请先运行 guanai init")
        school_id = school.id
    room = None
    if class_name:
        room = Classroom.get_or_none((Classroom.school == school_id) & (Classroom.name == class_name.strip()))
        if room is None:
            raise UserError(f"没有这个班级: {class_name}")
        if scope.role_heads_class(role) and room.head_teacher_id:
            head = Staff.get_or_none(Staff.id == room.head_teacher_id)
            if head is not None and head.active:
                raise UserError(f"{room.name} 已有班主任 {head.name} ({head.login or '无登录名'}); 请先停用其账号")
    full, initials = pinyin_keys(name)
    with dbmod.write():
        if by is None:  # the first login: checked again under the write lock, two at once make one
            if not dbmod.is_sqlite():
                dbmod.current().execute_sql("LOCK TABLE staff IN SHARE ROW EXCLUSIVE MODE")
            check_admin(by, bootstrap=True, role=role)
        staff = Staff.create(school=school_id, name=name, name_pinyin=full, name_initials=initials, role=role,
                             login=login, pin_hash=hashed, phone=phone, active=True, area=area)
        new = {"login": login, "name": name, "role": role, "pin": bool(hashed)}
        if area:
            new["area"] = area
        if room is not None:
            if scope.role_heads_class(role):
                old_head = room.head_teacher_id
                Classroom.update(head_teacher=staff.id).where(Classroom.id == room.id).execute()
                audit.record("update", "classroom", room.id, staff_id=by.id if by else None,
                             old={"head_teacher": old_head}, new={"head_teacher": staff.id})
            else:
                TeachingAssignment.create(staff=staff, classroom=room, subject="")
            new["class"] = room.name
        audit.record("create", "staff", staff.id, staff_id=by.id if by else staff.id, new=new)
    return staff


def deactivate_user(login: str, *, by: Staff | None) -> Staff:
    """The login can no longer be used; the staff member's records and history stay."""
    check_admin(by)
    staff = find_login(login)
    if not staff.active:
        raise UserError(f"{login} 已经停用")
    if by is not None and staff.id == by.id:
        raise UserError("不能停用自己的账号")
    if scope.is_admin_role(staff.role) and active_admins() <= 1:
        raise UserError("这是最后一位管理员, 不能停用")
    with dbmod.write():
        Staff.update(active=False).where(Staff.id == staff.id).execute()
        audit.record("update", "staff", staff.id, staff_id=by.id if by else None,
                     old={"active": True}, new={"active": False})
    staff.active = False
    return staff


def reset_pin(login: str, pin: str | None, *, by: Staff | None) -> Staff:
    """A new PIN (``None`` removes it); also lifts a lockout."""
    check_admin(by)
    staff = find_login(login)
    try:
        auth.set_pin(staff.id, pin, by_staff_id=by.id if by else None)
    except auth.PinError as exc:
        raise UserError(str(exc)) from None
    return staff
