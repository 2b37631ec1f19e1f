"""校车: the route rules (table-driven), who sees and edits routes and riders, the admin screen at
80x24, and the 校车 sheet of the handbook read back with openpyxl."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from models import audit, bus, handbook, scope
from models.entities import AuditLog, BusRoute, Child, Classroom, Pairing, School, Staff
from models.scope import ForbiddenError, system_viewer
from tests.conftest import add_child
from tui import export

LICENCE = "522739196908265696"  # a valid 身份证号 (the driver's licence number is his ID)
GOOD = {"name": "5号线 新寨村", "direction": "青山镇—新寨村", "plate": "贵J·15510", "capacity": "35",
        "driver": "苏德刚", "driver_phone": "15217654159", "driver_license": LICENCE, "license_class": "A1"}


def school_with_routes():
    """Two classes, a route each way; riders in both classes, one who left, one not left behind."""
    s = School.create(name="测试小学", county="云岭县")
    admin = Staff.create(school=s, name="管理员", role="admin", login="admin")
    head = Staff.create(school=s, name="潘校长", role="head", login="xiaozhang")
    li = Staff.create(school=s, name="李老师", role="class_teacher", login="lilaoshi")
    zhao = Staff.create(school=s, name="赵老师", role="teacher", login="zhaolaoshi")
    mama = Staff.create(school=s, name="王妈妈", role="volunteer", login="wangmama")
    c1 = Classroom.create(school=s, grade=3, number=2, name="三年级2班", head_teacher=li)
    c2 = Classroom.create(school=s, grade=5, number=1, name="五年级1班")
    east = BusRoute.create(school=s, name="1号线 石门村", plate="贵J·15510", capacity=3, driver="苏德刚",
                           driver_phone="15217654159", driver_license=LICENCE, license_class="A1")
    west = BusRoute.create(school=s, name="2号线 白岩村", plate="贵J·45147", capacity=30)
    kids = {
        "张小明": add_child(s, c1, "张小明", bus_route=east, guardian_phone="13912345678"),
        "张丽华": add_child(s, c1, "张丽华", sex="女", bus_route=east, left_behind_type=""),
        "王芳": add_child(s, c2, "王芳", sex="女", bus_route=east),
        "刘强": add_child(s, c2, "刘强", bus_route=west),
        "陈刚": add_child(s, c2, "陈刚", bus_route=west, status="转出", status_date=dt.date(2026, 10, 8)),
        "周杰": add_child(s, c2, "周杰"),
    }
    Pairing.create(child=kids["刘强"], kind="帮扶教师", staff=zhao, started_on=dt.date(2026, 9, 1))
    staff = {"admin": admin, "head": head, "class_teacher": li, "teacher": zhao, "volunteer": mama}
    return {"school": s, "staff": staff, "east": east, "west": west, "kids": kids, "classes": [c1, c2]}


def viewer(w, role):
    return scope.viewer_for(w["staff"][role])


# --------------------------------------------------------------------------- rules

@pytest.mark.parametrize("field, typed, expected", [
    # (field, what is typed, the stored value — or "!" and a part of the message next to the field)
    ("name", "", "!请填写路线名称"),
    ("name", "  3号线 高坡村 ", "3号线 高坡村"),
    ("name", "3号线\x1b[2J高坡", "3号线[2J高坡"),  # no control character is stored
    ("name", "2号线 白岩村", "!已有名为"),
    ("name", "线" * 51, "!路线名称太长"),
    ("direction", "", ""),
    ("direction", "站" * 101, "!方向/站点太长"),
    ("plate", "", "!请填写校车牌号"),
    ("plate", "贵 j 15510", "贵J15510"),  # loose: spaces go, letters upper-case
    ("plate", "贵Ｊ·１５５１０", "贵J·15510"),  # full-width letters and digits from an IME
    ("plate", "贵州", "!应含字母或数字"),
    ("plate", "A" * 21, "!校车牌号太长"),
    ("capacity", "", "!请填写核载人数"),
    ("capacity", "35", 35),
    ("capacity", "３５", 35),
    ("capacity", "0", "!1 到 99"),
    ("capacity", "100", "!1 到 99"),
    ("capacity", "3.5", "!应为整数"),
    ("capacity", "-3", "!应为整数"),
    ("driver", "", ""),
    ("driver", "苏德刚", "苏德刚"),
    ("driver", "苏德刚2", "!姓名中不能有字符"),
    ("driver_phone", "", ""),
    ("driver_phone", "152 1765 4159", "15217654159"),
    ("driver_phone", "0851-86661234", "0851-86661234"),
    ("driver_phone", "1521765415", "!应为11位"),
    ("driver_license", "", ""),
    ("driver_license", LICENCE, LICENCE),
    ("driver_license", LICENCE[:-1] + "7", "!驾驶证号码即驾驶员的身份证号"),
    ("license_class", "", ""),
    ("license_class", "a1", "A1"),
    ("license_class", "A1A2", "A1A2"),
    ("license_class", "校车", "!准驾车型"),
    ("license_class", "Z9", "!准驾车型"),
])
@pytest.mark.both_backends
def test_route_rules(db_path, field, typed, expected):
    w = school_with_routes()
    values, errors = bus.validate_route({**GOOD, field: typed}, school_id=w["school"].id)
    if isinstance(expected, str) and expected.startswith("!"):
        assert expected[1:] in errors.get(field, ""), errors
    else:
        assert field not in errors, errors
        assert values[field] == expected


@pytest.mark.parametrize("capacity, riders, ok", [("3", 3, True), ("2", 3, False), ("35", 0, True)])
def test_seats_never_under_the_riders(db_path, capacity, riders, ok):
    w = school_with_routes()
    _, errors = bus.validate_route({**GOOD, "capacity": capacity}, school_id=w["school"].id, route_id=w["east"].id,
                                   riders=riders)
    assert ("capacity" not in errors) is ok
    if not ok:
        assert "不能少于 3" in errors["capacity"]


# --------------------------------------------------------------------------- who

@pytest.mark.parametrize("role, sees, edits, riders_east", [
    ("admin", True, True, 3),  # 张小明 张丽华 王芳 (陈刚 left school)
    ("head", True, False, 3),
    ("class_teacher", True, False, 2),  # her class: 张小明 张丽华
    ("teacher", True, False, 0),  # only 刘强, paired with him, rides the west route
    ("volunteer", True, False, 0),
])
@pytest.mark.both_backends
def test_scope_per_role(db_path, role, sees, edits, riders_east):
    w = school_with_routes()
    v = viewer(w, role)
    sid = w["school"].id
    assert scope.may_view_bus_routes(v, sid) is sees
    assert scope.may_edit_bus_routes(v, sid) is edits
    routes = {r.name: r for r in bus.list_routes(viewer=v, school_id=sid)}
    assert routes["1号线 石门村"].riders == riders_east
    assert routes["1号线 石门村"].driver_phone == "15217654159"  # the route is not child data
    names = {k.name for k in bus.rider_rows(viewer=v, school_id=sid)}
    assert names == {k.name for k in bus.rider_rows(viewer=system_viewer(sid), school_id=sid)
                     if scope.can_see(v, k.child_id)}
    if not edits:
        with pytest.raises(ForbiddenError):
            bus.create_route(GOOD, viewer=v, school_id=sid)
        with pytest.raises(ForbiddenError):
            bus.update_route(w["west"].id, {**GOOD, "name": "x"}, viewer=v, school_id=sid)
        with pytest.raises(ForbiddenError):
            bus.delete_route(w["west"].id, viewer=v, school_id=sid)
    assert BusRoute.select().count() == 2


@pytest.mark.both_backends
def test_nobody_and_another_school_see_no_routes(db_path):
    w = school_with_routes()
    other = School.create(name="别的小学")
    stranger = Staff.create(school=other, name="外校管理员", role="admin", login="other")
    for v in (scope.nobody(w["school"].id), scope.viewer_for(stranger)):
        assert not scope.may_view_bus_routes(v, w["school"].id)
        with pytest.raises(ForbiddenError):
            bus.list_routes(viewer=v, school_id=w["school"].id)
        with pytest.raises(ForbiddenError):
            bus.rider_rows(viewer=v, school_id=w["school"].id)
    with pytest.raises(ForbiddenError):
        bus.create_route(GOOD, viewer=scope.viewer_for(stranger), school_id=w["school"].id)


# --------------------------------------------------------------------------- writes

@pytest.mark.both_backends
def test_create_edit_delete_are_audited(db_path):
    w = school_with_routes()
    admin = viewer(w, "admin")
    sid = w["school"].id
    rid = bus.create_route({**GOOD, "name": "3号线 高坡村"}, viewer=admin, school_id=sid)
    route = BusRoute.get_by_id(rid)
    assert (route.plate, route.capacity, route.driver_phone) == ("贵J·15510", 35, "15217654159")
    expected = bus.get_route(rid, viewer=admin, school_id=sid).values()
    changed = bus.update_route(rid, {**GOOD, "name": "3号线 高坡村", "capacity": "33", "driver": "王勇"},
                               viewer=admin, school_id=sid, expected=expected)
    assert changed == {"capacity": 33, "driver": "王勇"}
    assert bus.update_route(rid, {**GOOD, "name": "3号线 高坡村", "capacity": "33", "driver": "王勇"},
                            viewer=admin, school_id=sid) == {}  # nothing changed, nothing logged
    plan = bus.delete_plan(rid, viewer=admin, school_id=sid)
    assert plan.allowed and plan.left == 0
    bus.delete_route(rid, viewer=admin, school_id=sid)
    assert not BusRoute.select().where(BusRoute.id == rid).exists()
    rows = [(e.action, e.new, e.old) for e in audit.entries(table="bus_route") if e.row_id == rid]
    assert [a for a, _, _ in rows] == ["create", "update", "delete"]
    assert rows[1][2] == {"capacity": 35, "driver": "苏德刚"} and rows[1][1] == {"capacity": 33, "driver": "王勇"}
    assert AuditLog.select().where(AuditLog.staff == w["staff"]["admin"].id).count() == 3
    shown = audit.describe(next(e for e in audit.entries(table="bus_route") if e.action == "create"))
    assert LICENCE not in shown and "52***************6" in shown  # the licence is an ID number: masked
    assert "15217654159" not in shown


@pytest.mark.both_backends
def test_a_route_with_riders_at_school_is_not_deleted(db_path):
    w = school_with_routes()
    admin = viewer(w, "admin")
    sid = w["school"].id
    plan = bus.delete_plan(w["east"].id, viewer=admin, school_id=sid)
    assert not plan.allowed and len(plan.riders) == 3
    assert "还有 3 名在读学生" in plan.refusal() and "不能删除" in plan.refusal()
    with pytest.raises(bus.BusError, match="不能删除"):
        bus.delete_route(w["east"].id, viewer=admin, school_id=sid)
    assert BusRoute.select().where(BusRoute.id == w["east"].id).exists()
    # the west route: 刘强 rides it; once he is moved, only 陈刚 (left school) points at it
    Child.update(bus_route=None).where(Child.id == w["kids"]["刘强"].id).execute()
    plan = bus.delete_plan(w["west"].id, viewer=admin, school_id=sid)
    assert plan.allowed and plan.left == 1 and "1 名已离校学生" in plan.question()
    bus.delete_route(w["west"].id, viewer=admin, school_id=sid)
    assert Child.get_by_id(w["kids"]["陈刚"].id).bus_route_id is None
    row = next(e for e in audit.entries(table="child") if e.row_id == w["kids"]["陈刚"].id)
    assert (row.old, row.new) == ({"bus_route": w["west"].id}, {"bus_route": None})


@pytest.mark.both_backends
def test_a_route_changed_meanwhile_is_not_overwritten(db_path):
    w = school_with_routes()
    admin = viewer(w, "admin")
    sid = w["school"].id
    opened = bus.get_route(w["west"].id, viewer=admin, school_id=sid).values()
    BusRoute.update(driver="王勇").where(BusRoute.id == w["west"].id).execute()  # another admin saved
    with pytest.raises(bus.BusError, match="驾驶员姓名"):
        bus.update_route(w["west"].id, {**GOOD, "name": "2号线 白岩村"}, viewer=admin, school_id=sid, expected=opened)
    assert BusRoute.get_by_id(w["west"].id).plate == "贵J·45147"
    BusRoute.delete().where(BusRoute.id == w["west"].id).execute()
    with pytest.raises(bus.BusError, match="已被别人删除"):
        bus.update_route(w["west"].id, GOOD, viewer=admin, school_id=sid, expected=opened)


@pytest.mark.both_backends
def test_bad_input_writes_nothing(db_path):
    w = school_with_routes()
    admin = viewer(w, "admin")
    before = (BusRoute.select().count(), AuditLog.select().count())
    with pytest.raises(bus.RouteInvalid) as caught:
        bus.create_route({**GOOD, "plate": "", "capacity": "abc"}, viewer=admin, school_id=w["school"].id)
    assert set(caught.value.errors) == {"plate", "capacity"}
    with pytest.raises(bus.RouteInvalid) as caught:  # 3 ride the east route: 2 seats are too few
        bus.update_route(w["east"].id, {**GOOD, "capacity": "2"}, viewer=admin, school_id=w["school"].id)
    assert set(caught.value.errors) == {"capacity"}
    assert (BusRoute.select().count(), AuditLog.select().count()) == before
    assert BusRoute.get_by_id(w["east"].id).capacity == 3


@pytest.mark.both_backends
def test_rider_rows_are_the_form_s_columns(db_path):
    w = school_with_routes()
    sid = w["school"].id
    rows = bus.rider_rows(viewer=system_viewer(sid), school_id=sid, route_id=w["east"].id, on=dt.date(2026, 11, 30))
    assert [k.name for k in rows] == ["张丽华", "张小明", "王芳"]  # class, then pinyin
    ming = rows[1]
    assert (ming.sex, ming.age, ming.class_name, ming.address) == ("男", 10, "三年级2班", "石门村3组")
    assert (ming.guardian, ming.guardian_phone) == ("王秀英 (祖父母)", "139****5678")
    assert rows[0].left_behind_type == ""  # 张丽华 is not left behind, and rides all the same
    full = bus.rider_rows(viewer=system_viewer(sid), school_id=sid, route_id=w["east"].id, mask=False)
    assert full[1].guardian_phone == "13912345678"
    # 陈刚 left on 10-08: he rode the west route in September, not in November
    sept = bus.rider_rows(viewer=system_viewer(sid), school_id=sid, route_id=w["west"].id, on=dt.date(2026, 9, 30))
    assert {k.name for k in sept} == {"刘强", "陈刚"}


# --------------------------------------------------------------------------- the workbook

def _bus_sheet(path):
    ws = openpyxl.load_workbook(path)["校车"]
    return ws, [[c.value for c in row] for row in ws.iter_rows()]


@pytest.mark.both_backends
def test_the_bus_sheet_of_the_handbook(db_path, tmp_path):
    w = school_with_routes()
    sid = w["school"].id
    today = dt.date(2026, 11, 28)
    whole = handbook.make_scope(sid, "2026-11", viewer=viewer(w, "admin"), today=today)
    path = str(tmp_path / "school.xlsx")
    result = export.export_handbook(whole, path)
    assert result.rows["校车"] == 4
    assert openpyxl.load_workbook(path).sheetnames == list(export.SHEETS)
    ws, cells = _bus_sheet(path)
    assert "校车及乘车学生登记表" in cells[0][0]
    head = cells.index(["序号", "路线名称", "方向/站点", "校车牌号", "核载人数", "乘车人数", "驾驶员姓名", "联系电话",
                        "驾驶证号码", "准驾车型"])
    east = cells[head + 1]
    assert east[1:] == ["1号线 石门村", None, "贵J·15510", 3, 3, "苏德刚", "15217654159", "52***************6", "A1"]
    assert cells[head + 2][1] == "2号线 白岩村" and cells[head + 2][5] == 1
    rider_heads = [i for i, row in enumerate(cells) if row[:2] == ["序号", "姓名"]]
    assert len(rider_heads) == 2  # one table per route with riders
    assert "校车牌号: 贵J·15510" in cells[rider_heads[0] - 1][0]
    first = cells[rider_heads[0] + 1]
    assert first[1] == "张丽华" and first[9] == "非留守"
    ming = cells[rider_heads[0] + 2]
    assert ming[1:4] == ["张小明", "石门村3组", "三年级2班"] and ming[8] == "139****5678"
    assert ws.cell(rider_heads[0] + 3, 9).number_format == "@"  # phones as text
    assert ws.cell(head + 2, 9).number_format == "@"
    assert "陈刚" not in {row[1] for row in cells}  # left school in October
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "landscape"
    assert "&P" in (ws.oddFooter.center.text or "")

    unmasked = str(tmp_path / "unmasked.xlsx")
    export.export_handbook(whole, unmasked, unmask=True)
    _, cells = _bus_sheet(unmasked)
    assert LICENCE in {c for row in cells for c in row}
    assert "13912345678" in {c for row in cells for c in row}

    # her class's handbook: her riders only, the routes all listed, counted in her class
    mine = handbook.make_scope(sid, "2026-11", viewer=viewer(w, "class_teacher"), today=today)
    path = str(tmp_path / "class.xlsx")
    assert export.export_handbook(mine, path).rows["校车"] == 2
    _, cells = _bus_sheet(path)
    names = {row[1] for row in cells}
    assert {"张小明", "张丽华"} <= names and not names & {"王芳", "刘强"}
    head = next(i for i, row in enumerate(cells) if row[1] == "路线名称")
    assert [cells[head + 1][5], cells[head + 2][5]] == [2, 0]


@pytest.mark.both_backends
def test_the_bus_sheet_without_routes_says_so(db_path, tmp_path):
    s = School.create(name="测试小学")
    Staff.create(school=s, name="管理员", role="admin", login="admin")
    sc = handbook.make_scope(s.id, "2026-11", viewer=system_viewer(s.id), today=dt.date(2026, 11, 28))
    path = str(tmp_path / "none.xlsx")
    assert export.export_handbook(sc, path).rows["校车"] == 0
    _, cells = _bus_sheet(path)
    flat = {c for row in cells for c in row}
    assert "本校没有登记校车路线" in flat and "没有在读学生乘坐校车" in flat


# --------------------------------------------------------------------------- the screen

def make_app(w, role="admin"):
    from tui.app import GuanaiApp
    from tui.context import Session

    staff = w["staff"][role]
    s = w["school"]
    return GuanaiApp(Session(target=w["path"], school_id=s.id, staff_id=staff.id, staff_name=staff.name,
                             school_name=s.name))


def screen_text(screen) -> str:
    from textual.widgets import Static

    return "\n".join(str(w.content) for w in screen.query(Static))


async def test_only_the_admin_opens_the_bus_routes(db_path):
    from screens.bus_routes import BusRoutesScreen
    from tui.palette import commands_for

    w = school_with_routes()
    w["path"] = db_path
    app = make_app(w, "head")
    async with app.run_test(size=(80, 24)) as pilot:
        assert "校车路线" not in [c.title for c in commands_for(app, app.screen)]
        app.action_bus_routes()
        await pilot.pause()
        assert not isinstance(app.screen, BusRoutesScreen)


async def test_the_bus_routes_screen_at_80x24(db_path):
    from textual.widgets import DataTable

    from screens.bus_routes import BusRoutesScreen, RouteFormScreen
    from screens.confirm import ConfirmScreen
    from tui.widgets.fields import Input
    from tui.palette import commands_for

    w = school_with_routes()
    w["path"] = db_path
    BusRoute.update(name="[b]3号线[/b] [red]高坡").where(BusRoute.id == w["west"].id).execute()  # markup is text
    app = make_app(w)
    async with app.run_test(size=(80, 24)) as pilot:
        assert "校车路线" in [c.title for c in commands_for(app, app.screen)]
        app.action_bus_routes()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BusRoutesScreen)
        assert [r.riders for r in screen.rows] == [3, 1]
        assert "张小明" in screen_text(screen) and "3/3 人 已满" in screen_text(screen)
        assert "校车路线 2 条 · 在读乘车学生 4 人" in screen_text(screen)
        BusRoute.update(capacity=40).where(BusRoute.id == w["east"].id).execute()  # another admin's save
        assert app.refresh_screen_data()
        await pilot.pause()
        assert "3/40 人" in screen_text(screen)
        BusRoute.update(capacity=3).where(BusRoute.id == w["east"].id).execute()
        app.refresh_screen_data()
        await pilot.pause()

        # d on a route children ride: refused with the reason, nothing asked, nothing deleted
        await pilot.press("d")
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("不能删除" in n.message for n in app._notifications)

        # n: a new route; bad input shows next to its fields and saves nothing
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, RouteFormScreen)
        assert form.focused is form.query_one("#bus-name", Input)
        await pilot.press(*"4号线", "tab", "tab", *"贵州", "tab", *"120")
        assert form.query_one("#bus-capacity", Input).value == "120"
        await pilot.press("ctrl+s")
        assert app.screen is form
        assert "应含字母或数字" in str(form.query_one("#bus-err-plate").content)
        assert "1 到 99" in str(form.query_one("#bus-err-capacity").content)
        assert str(form.query_one("#bus-err-name").content) == ""
        assert form.focused is form.query_one("#bus-plate", Input)
        assert BusRoute.select().count() == 2
        form.query_one("#bus-plate", Input).value = "贵J·12345"
        await pilot.press("tab", "end", "backspace", "x")  # a letter is not typed into 核载人数
        assert form.query_one("#bus-capacity", Input).value == "12"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        new = BusRoute.get(BusRoute.name == "4号线")
        assert (new.plate, new.capacity) == ("贵J·12345", 12)
        assert screen.selected().name == "4号线"  # the cursor on the new route

        # e: edit the west route; esc with a change asks first
        table = screen.query_one(DataTable)
        table.move_cursor(row=next(i for i, r in enumerate(screen.rows) if r.id == w["west"].id))
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, RouteFormScreen)
        assert form.query_one("#bus-name", Input).value == "[b]3号线[/b] [red]高坡"
        await pilot.press("tab", *"白岩")
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # keep editing
        assert app.screen is form
        form.query_one("#bus-driver", Input).value = "王勇"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        west = BusRoute.get_by_id(w["west"].id)
        assert (west.driver, west.direction) == ("王勇", "白岩")

        # esc on an unchanged form closes it without a question
        await pilot.press("e")
        assert isinstance(app.screen, RouteFormScreen)
        await pilot.press("escape")
        assert app.screen is screen

        # d on the new route (no riders): asks, then deletes
        table.move_cursor(row=next(i for i, r in enumerate(screen.rows) if r.name == "4号线"))
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert not BusRoute.select().where(BusRoute.name == "4号线").exists()
        assert {r.name for r in screen.rows} == {"1号线 石门村", "[b]3号线[/b] [red]高坡"}
    actions = [(e.action, e.table) for e in audit.entries(table="bus_route")]
    assert actions == [("create", "bus_route"), ("update", "bus_route"), ("delete", "bus_route")]
