"""校车: the school's bus routes (校车及驾驶员信息登记表) and who rides them (乘车学生基本信息登记表).

A route is the school's, not a child's: every signed-in staff member sees the routes, only the
admin adds, changes or deletes them (``scope.require_bus_routes``). The riders are child data:
counted and listed only among the children the viewer sees (``scope.child_condition``).

Rules (``validate_route``): a name and a plate (loose: any spelling with a letter or a digit,
贵J·15510 or 贵J15510) are required, the name unique in the school; 核载人数 is a whole number
1-99 and never under the route's current riders (a bus is not booked over its seats); the
driver's phone goes through ``validation.validate_phone``; 驾驶证号码 is the driver's 身份证号
(that is what a Chinese licence number is) and is checked like one; 准驾车型 is a licence class
(A1, B1, A1A2 …). One-line text only, within its column.

A route with riders still at school is not deleted: the admin would lose, silently, which bus
each of those children takes. She moves them first (in their 档案), or edits the route instead
(a new bus or driver is an edit). Children who have left school and still point at the route
lose the link in the same transaction, each with an audit row.

A save compares the row with what the form loaded (``expected``): a route changed or deleted
by someone else meanwhile is refused, never overwritten. No textual here.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import peewee as pw

from models import audit
from models import db as dbmod
from models.coerce import as_date
from models.entities import BusRoute, Child, Classroom
from models.errors import UserError
from models.masking import mask_id, mask_phone
from models.sanitize import clean_text
from models.scope import Viewer, child_condition, require_bus_routes
from models.validation import Invalid, check_lengths, validate_id_number, validate_name, validate_phone

FIELDS = ("name", "direction", "plate", "capacity", "driver", "driver_phone", "driver_license", "license_class")
LABELS = {
    "name": "路线名称", "direction": "方向/站点", "plate": "校车牌号", "capacity": "核载人数",
    "driver": "驾驶员姓名", "driver_phone": "联系电话", "driver_license": "驾驶证号码", "license_class": "准驾车型",
}
MAX_CAPACITY = 99  # the largest school bus seats 56; three digits is a typo
LICENSE_CLASS = re.compile(r"(?:[ABC][1-6]|[DEFMNP])+")
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}  # full-width letters and digits typed with an IME
TABLE = "bus_route"


class BusError(UserError):
    """Refused: not allowed, gone, changed meanwhile, or riders still on the route."""


class RouteInvalid(BusError):
    """Bad input: ``errors`` maps each field to its Chinese message (shown next to the field)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{LABELS.get(k, k)}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(slots=True)
class RouteRow:
    id: int
    name: str
    direction: str
    plate: str
    capacity: int | None
    driver: str
    driver_phone: str
    driver_license: str
    license_class: str
    riders: int  # riders at school on the day, among the children the viewer sees

    @property
    def over_capacity(self) -> bool:
        return self.capacity is not None and self.riders > self.capacity

    def values(self) -> dict:
        """The stored fields, as a form loads them (and ``expected`` compares them)."""
        return {f: getattr(self, f) for f in FIELDS}


@dataclass(slots=True)
class RiderRow:
    route_id: int
    child_id: int
    name: str
    sex: str
    birth_date: dt.date | None
    age: int | None
    class_name: str
    address: str
    guardian: str  # 姓名 (关系)
    guardian_phone: str  # masked unless asked
    left_behind_type: str  # 留守类型, empty for a child who is not left behind


# --------------------------------------------------------------------------- reading


def _riding(on: dt.date | None) -> pw.Expression:
    """At school on the day (still 在读, or left only after it) and not archived: a child who has
    left keeps the link in the database, but rides no bus."""
    enrolled = Child.status == "在读"
    if on is not None:
        enrolled = enrolled | (Child.status_date > on)
    return enrolled & Child.archived_at.is_null()


def _age(birth: dt.date | None, day: dt.date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def list_routes(*, viewer: Viewer, school_id: int, classroom_id: int | None = None,
                on: dt.date | None = None) -> list[RouteRow]:
    """The school's routes by name, each with its riders at school (in ``classroom_id`` if given)
    among the children the viewer sees: one query."""
    require_bus_routes(viewer, "view", school_id)
    ride = (Child.bus_route == BusRoute.id) & _riding(on) & child_condition(viewer)
    if classroom_id is not None:
        ride &= Child.classroom == classroom_id
    q = (BusRoute.select(BusRoute, pw.fn.COUNT(Child.id).alias("riders"))
         .join(Child, pw.JOIN.LEFT_OUTER, on=ride)
         .where(BusRoute.school == school_id)
         .group_by(BusRoute.id)
         .order_by(BusRoute.name, BusRoute.id))
    return [RouteRow(id=r.id, name=r.name, direction=r.direction or "", plate=r.plate or "", capacity=r.capacity,
                     driver=r.driver or "", driver_phone=r.driver_phone or "", driver_license=r.driver_license or "",
                     license_class=r.license_class or "", riders=r.riders or 0) for r in q]


def get_route(route_id: int, *, viewer: Viewer, school_id: int) -> RouteRow:
    """One route with its riders (as ``list_routes``); BusError when it is gone."""
    for r in list_routes(viewer=viewer, school_id=school_id):
        if r.id == route_id:
            return r
    raise BusError("这条校车路线已被删除")


def rider_rows(*, viewer: Viewer, school_id: int, route_id: int | None = None, classroom_id: int | None = None,
               on: dt.date | None = None, mask: bool = True) -> list[RiderRow]:
    """The 乘车学生基本信息登记表: the riders of one route (or of every route, route by route) at school
    on ``on`` (today), among the children the viewer sees, class then pinyin; one query. ``mask``:
    the guardian's phone as every export shows it (138****5678). There is no 上车地点 column: the
    database records which route a child takes, not where she gets on."""
    require_bus_routes(viewer, "view", school_id)
    day = on or dt.date.today()
    cond = (Child.school == school_id) & Child.bus_route.is_null(False) & _riding(on) & child_condition(viewer)
    if route_id is not None:
        cond &= Child.bus_route == route_id
    if classroom_id is not None:
        cond &= Child.classroom == classroom_id
    q = (Child.select(Child.id, Child.bus_route, Child.name, Child.sex, Child.birth_date, Child.address,
                      Child.guardian_name, Child.guardian_relation, Child.guardian_phone, Child.left_behind_type,
                      Classroom.name.alias("class_name"))
         .join(BusRoute, on=(Child.bus_route == BusRoute.id))
         .switch(Child).join(Classroom, pw.JOIN.LEFT_OUTER, on=(Child.classroom == Classroom.id))
         .where(cond)
         .order_by(BusRoute.name, BusRoute.id, Classroom.grade, Classroom.number, Child.name_pinyin, Child.id))
    out = []
    for d in q.dicts():
        birth = as_date(d["birth_date"])
        relation = d["guardian_relation"] or ""
        guardian = (d["guardian_name"] or "") + (f" ({relation})" if relation and d["guardian_name"] else "")
        phone = d["guardian_phone"] or ""
        out.append(RiderRow(route_id=d["bus_route"], child_id=d["id"], name=d["name"], sex=d["sex"] or "",
                            birth_date=birth, age=_age(birth, day), class_name=d["class_name"] or "",
                            address=d["address"] or "", guardian=guardian,
                            guardian_phone=mask_phone(phone) if mask else phone,
                            left_behind_type=d["left_behind_type"] or ""))
    return out


def masked_license(value: str) -> str:
    """驾驶证号码 is the driver's 身份证号: masked like one wherever numbers are masked."""
    return mask_id(value)


# --------------------------------------------------------------------------- validation


def _line(value) -> str:
    """One line of user text: no control character (models.sanitize), no edge spaces."""
    return clean_text("" if value is None else str(value), multiline=False).strip()


def validate_route(values: dict, *, school_id: int, route_id: int | None = None,
                   riders: int = 0) -> tuple[dict, dict[str, str]]:
    """(clean values, {field: Chinese message}) for a route's form input; nothing is written.
    ``riders``: the route's riders at school now (核载人数 may not go under it)."""
    out: dict = {}
    errors: dict[str, str] = {}
    name = _line(values.get("name"))
    if not name:
        errors["name"] = "请填写路线名称, 如 1号线 青山镇—石门村"
    out["name"] = name
    out["direction"] = _line(values.get("direction"))

    plate = re.sub(r"\s+", "", _line(values.get("plate")).translate(_FOLD)).upper()
    if not plate:
        errors["plate"] = "请填写校车牌号, 如 贵J·15510"
    elif not any(ch.isascii() and ch.isalnum() for ch in plate):
        errors["plate"] = "校车牌号应含字母或数字, 如 贵J·15510"
    out["plate"] = plate

    raw = _line(values.get("capacity")).translate(_FOLD)
    out["capacity"] = None
    if not raw:
        errors["capacity"] = "请填写核载人数 (行驶证上的核定载人数)"
    elif not (raw.isascii() and raw.isdigit()):
        errors["capacity"] = f"核载人数应为整数, 如 35, 不能是“{raw}”"
    else:
        capacity = int(raw)
        if not 1 <= capacity <= MAX_CAPACITY:
            errors["capacity"] = f"核载人数应在 1 到 {MAX_CAPACITY} 之间"
        elif capacity < riders:
            errors["capacity"] = f"现有 {riders} 名在读学生乘坐这条路线, 核载人数不能少于 {riders} (不能超员)"
        out["capacity"] = capacity

    driver = _line(values.get("driver"))
    if driver:
        try:
            driver = validate_name(driver)
        except Invalid as exc:
            errors["driver"] = str(exc)
    out["driver"] = driver

    phone = _line(values.get("driver_phone"))
    if phone:
        try:
            phone = validate_phone(phone)
        except Invalid as exc:
            errors["driver_phone"] = str(exc)
    out["driver_phone"] = phone

    licence = _line(values.get("driver_license"))
    if licence:
        try:
            licence = validate_id_number(licence)
        except Invalid as exc:
            errors["driver_license"] = f"驾驶证号码即驾驶员的身份证号: {exc}"
    out["driver_license"] = licence

    klass = re.sub(r"\s+", "", _line(values.get("license_class")).translate(_FOLD)).upper()
    if klass and not LICENSE_CLASS.fullmatch(klass):
        errors["license_class"] = "准驾车型应为驾驶证上的代号, 如 A1、B1 或 A1A2"
    out["license_class"] = klass

    for f in FIELDS:  # PostgreSQL refuses an over-long value mid-write; SQLite would store it
        if f not in errors and isinstance(out[f], str):
            try:
                check_lengths(BusRoute, {f: out[f]}, LABELS)
            except Invalid as exc:
                errors[f] = str(exc)
    if "name" not in errors and _name_taken(school_id, name, route_id):
        errors["name"] = f"本校已有名为“{name}”的路线"
    return out, errors


def _name_taken(school_id: int, name: str, route_id: int | None) -> bool:
    q = BusRoute.select().where((BusRoute.school == school_id) & (BusRoute.name == name))
    if route_id is not None:
        q = q.where(BusRoute.id != route_id)
    return q.exists()


def _riders_at_school(route_id: int) -> pw.SelectQuery:
    """Every child at school on the route, whoever looks: seats and deletion are about the bus."""
    return Child.select(Child.id, Child.name).where((Child.bus_route == route_id) & _riding(None))


# --------------------------------------------------------------------------- writing


def create_route(values: dict, *, viewer: Viewer, school_id: int) -> int:
    """A new route from form input; RouteInvalid (per field) or ForbiddenError; returns its id."""
    require_bus_routes(viewer, "edit", school_id)
    clean, errors = validate_route(values, school_id=school_id)
    if errors:
        raise RouteInvalid(errors)
    with dbmod.write():
        if _name_taken(school_id, clean["name"], None):  # again under the write lock
            raise RouteInvalid({"name": f"本校已有名为“{clean['name']}”的路线"})
        route = BusRoute.create(school=school_id, **clean)
        audit.record("create", TABLE, route.id, staff_id=viewer.staff_id, new=clean)
    return route.id


def _stored(route: BusRoute) -> dict:
    return {f: getattr(route, f) if f == "capacity" else (getattr(route, f) or "") for f in FIELDS}


def _check_unchanged(route: BusRoute | None, expected: dict | None) -> BusRoute:
    if route is None:
        raise BusError("这条校车路线已被别人删除")
    if expected is not None:
        now = _stored(route)
        changed = [LABELS[f] for f in FIELDS if f in expected and expected[f] != now[f]]
        if changed:
            raise BusError(f"这条路线在你打开之后被别人修改了 ({'、'.join(changed)}): "
                           "这次没有保存, 请关闭后重新打开再改")
    return route


def update_route(route_id: int, values: dict, *, viewer: Viewer, school_id: int,
                 expected: dict | None = None) -> dict:
    """Save form input over the route; ``expected``: the stored values the form was opened with
    (a route changed meanwhile is refused). Returns the changed fields' new values ({} if none)."""
    require_bus_routes(viewer, "edit", school_id)
    with dbmod.write():
        route = _check_unchanged(BusRoute.get_or_none((BusRoute.id == route_id) & (BusRoute.school == school_id)),
                                 expected)
        clean, errors = validate_route(values, school_id=school_id, route_id=route_id,
                                       riders=_riders_at_school(route_id).count())
        if errors:
            raise RouteInvalid(errors)
        old = _stored(route)
        changed = {f: v for f, v in clean.items() if v != old[f]}
        if changed:
            BusRoute.update(**changed).where(BusRoute.id == route_id).execute()
            audit.record("update", TABLE, route_id, staff_id=viewer.staff_id,
                         old={f: old[f] for f in changed}, new=changed)
    return changed


@dataclass(slots=True)
class DeletePlan:
    """What deleting a route would do: refused while ``riders`` (names of children at school on
    it) is not empty; ``left``: children who have left school and still point at it."""

    route_id: int
    name: str
    riders: list[str]
    left: int

    @property
    def allowed(self) -> bool:
        return not self.riders

    def refusal(self) -> str:
        shown = "、".join(self.riders[:3]) + (" 等" if len(self.riders) > 3 else "")
        return (f"“{self.name}”还有 {len(self.riders)} 名在读学生乘坐 ({shown}), 不能删除: "
                "请先在他们的档案中改选校车; 换车或换驾驶员请按 e 修改这条路线")

    def question(self) -> str:
        extra = f" {self.left} 名已离校学生档案中的这条路线将一并清空 (记入审计日志)。" if self.left else ""
        return f"删除校车路线“{self.name}”吗? 没有在读学生乘坐它。{extra}删除后不能恢复。"


def delete_plan(route_id: int, *, viewer: Viewer, school_id: int) -> DeletePlan:
    """What ``delete_route`` would do, for the confirmation (or the refusal) shown first."""
    require_bus_routes(viewer, "edit", school_id)
    route = _check_unchanged(BusRoute.get_or_none((BusRoute.id == route_id) & (BusRoute.school == school_id)), None)
    riders = [name for _, name in _riders_at_school(route_id).order_by(Child.name_pinyin).tuples()]
    left = Child.select().where((Child.bus_route == route_id) & ~_riding(None)).count()
    return DeletePlan(route_id=route_id, name=route.name, riders=riders, left=left)


def delete_route(route_id: int, *, viewer: Viewer, school_id: int) -> DeletePlan:
    """Delete the route (after the user confirmed ``delete_plan``'s question). Checked again in the
    transaction: BusError with the refusal when a child at school rides it by then."""
    require_bus_routes(viewer, "edit", school_id)
    with dbmod.write():
        plan = delete_plan(route_id, viewer=viewer, school_id=school_id)
        if not plan.allowed:
            raise BusError(plan.refusal())
        route = BusRoute.get_by_id(route_id)
        left = [cid for (cid,) in Child.select(Child.id).where(Child.bus_route == route_id).tuples()]
        if left:
            Child.update(bus_route=None).where(Child.id.in_(left)).execute()
            audit.record_many("update", "child", [(cid, {"bus_route": route_id}, {"bus_route": None}) for cid in left],
                              staff_id=viewer.staff_id)
        old = _stored(route)
        BusRoute.delete().where(BusRoute.id == route_id).execute()
        audit.record("delete", TABLE, route_id, staff_id=viewer.staff_id, old=old)
    return plan
