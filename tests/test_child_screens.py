"""The child's detail and form at 80x24, driven by the keyboard only."""
from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import Input, Select, Static

from models import db as dbmod
from models import schema
from models import drafts
from models.entities import AuditLog, BusRoute, Child, Classroom, Contact, Draft, Pairing, Parent, School, Staff
from models.scope import system_viewer
from models.pinyin import pinyin_keys
from models.roster import mask_id
from models.validation import id_check_char
from screens.child_detail import ChildDetailScreen
from screens.child_form import FIELDS, ChildFormScreen
from screens.confirm import ConfirmScreen
from screens.roster import RosterScreen
from tui.app import GuanaiApp
from tui.context import Session

BODY = "52010220160501001"
KID_ID = BODY + id_check_char(BODY)  # 2016-05-01, 男


@pytest.fixture
def care(tmp_path):
    path = str(tmp_path / "care.db")
    dbmod.open_database(path)
    schema.migrate()
    school = School.create(name="测试小学")
    teacher = Staff.create(school=school, name="李老师", role="class_teacher", login="li")
    room = Classroom.create(school=school, grade=3, number=2, name="三年级2班", head_teacher=teacher)
    bus = BusRoute.create(school=school, name="1号线", plate="贵A12345", driver="王师傅", driver_phone="13900000000")
    full, initials = pinyin_keys("张小明")
    kid = Child.create(
        school=school, classroom=room, name="张小明", name_pinyin=full, name_initials=initials, sex="男",
        birth_date=dt.date(2016, 5, 1), id_number=KID_ID, left_behind_type="父母均外出", guardian_name="王秀英",
        guardian_relation="祖父母", guardian_phone="13800000000", bus_route=bus,
        notes="[b]x[/b] [/] [link=http://x]y[/link]\n\x1b[31m红色\x07",
    )
    Parent.create(child=kid, relation="父亲", name="张大山", phone="13577778888", work_province="广东省",
                  work_city="东莞市")
    Pairing.create(child=kid, kind="帮扶教师", staff=teacher, started_on=dt.date(2026, 9, 1))
    Contact.create(child=kid, staff=teacher, kind="谈心", at=dt.datetime(2026, 11, 20, 10), content="谈学习\n第二行")
    yield {"path": path, "school": school, "teacher": teacher, "room": room, "kid": kid}
    dbmod.current().close()


def make_app(care) -> GuanaiApp:
    return GuanaiApp(Session(target=care["path"], school_id=care["school"].id, staff_id=care["teacher"].id,
                             staff_name=care["teacher"].name, school_name=care["school"].name))


def static_text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


def screen_text(screen) -> str:
    return "\n".join(str(w.content) for w in screen.query(Static))


async def type_text(pilot, text: str) -> None:
    await pilot.press(*text)


async def open_form(app, pilot, child_id: int | None) -> ChildFormScreen:
    app.push_screen(ChildFormScreen(child_id))
    await pilot.pause()
    await pilot.pause()
    assert isinstance(app.screen, ChildFormScreen)
    return app.screen


async def focus_field(pilot, screen: ChildFormScreen, key: str) -> None:
    screen.widget_for(key).focus()
    await pilot.pause()


# --- detail ------------------------------------------------------------------------

async def test_detail_masks_id_and_shows_user_text_literally(care):
    app = make_app(care)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(ChildDetailScreen(care["kid"].id))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ChildDetailScreen)
        basic = static_text(screen, "#detail-basic")
        assert mask_id(KID_ID) in basic and KID_ID not in screen_text(screen)
        personal = static_text(screen, "#detail-personal")
        assert "[b]x[/b] [/] [link=http://x]y[/link]" in personal
        assert "\x1b" not in personal and "\x07" not in personal and "红色" in personal
        assert "张大山" in static_text(screen, "#detail-parents")
        assert "广东省东莞市" in static_text(screen, "#detail-parents")
        assert "李老师" in static_text(screen, "#detail-special")
        assert "贵A12345" in static_text(screen, "#detail-bus")
        assert "谈学习" in static_text(screen, "#detail-contacts")
        assert "第二行" not in static_text(screen, "#detail-contacts")
        assert "学籍号" in static_text(screen, "#detail-missing")
        svg = app.export_screenshot()
        assert KID_ID not in svg and "\x1b" not in svg

        body = screen.query_one("#detail-body")
        assert app.focused is body
        await pilot.press("pagedown", "down", "down")
        assert body.scroll_y > 0
        await pilot.press("end")
        assert body.scroll_y == body.max_scroll_y
        await pilot.press("escape")
        assert not isinstance(app.screen, ChildDetailScreen)


async def test_detail_survives_markup_in_a_name_that_bypassed_validation(care):
    kid = Child.create(school=care["school"], classroom=care["room"], name="[b]王[/b]\x1b[2J", sex="女", notes="[/",
                       address="[red]村")
    app = make_app(care)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(ChildDetailScreen(kid.id))
        await pilot.pause()
        assert "[b]王[/b]" in static_text(app.screen, "#detail-title")
        assert "[red]村" in static_text(app.screen, "#detail-basic")
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ChildFormScreen)
        assert app.screen.query_one("#f-name", Input).value.startswith("[b]王")


# --- form: edit --------------------------------------------------------------------

async def test_roster_detail_edit_save(care):
    kid = care["kid"]
    app = make_app(care)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")  # a class teacher opens on 待办 (models.scope.starts_on_due_list)
        roster = app.screen
        assert isinstance(roster, RosterScreen)
        roster.select_child(kid.id)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChildDetailScreen)
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ChildFormScreen)
        assert form.query_one("#f-id_number", Input).value == KID_ID  # unmasked only here
        await focus_field(pilot, form, "address")
        await type_text(pilot, "王家村3组")
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()  # the save runs in a worker (screens/saving.py)
        await pilot.pause()
        assert isinstance(app.screen, ChildDetailScreen)
        assert Child.get_by_id(kid.id).address == "王家村3组"
        assert "王家村3组" in static_text(app.screen, "#detail-basic")
        assert "现居住地: 空 -> 王家村3组" in static_text(app.screen, "#detail-history")
        log = AuditLog.get(AuditLog.action == "update")
        assert log.staff_id == care["teacher"].id and "王家村3组" in log.new
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, RosterScreen)


async def test_invalid_id_shows_message_next_to_field_and_saves_nothing(care):
    kid = care["kid"]
    app = make_app(care)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, kid.id)
        await focus_field(pilot, form, "address")
        await type_text(pilot, "新地址")
        await focus_field(pilot, form, "id_number")
        form.query_one("#f-id_number", Input).value = ""
        await type_text(pilot, "52010220160501002X")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        error = form.query_one("#e-id_number", Static)
        assert error.display and "身份证号码" in str(error.content)
        assert app.focused is form.query_one("#f-id_number")
        assert form.error_line("name") is None
        assert any("有 1 处需要修改" in n.message for n in app._notifications)
        field = form.widget_for("id_number")
        assert field.region.y < 24 and field.region.bottom > 0  # scrolled into view
        # the error line is right under its field, in the field column
        assert (error.region.x, error.region.y) == (field.region.x, field.region.bottom)
        child = Child.get_by_id(kid.id)
        assert child.id_number == KID_ID and child.address == ""
        assert AuditLog.select().where(AuditLog.action != "unmask").count() == 0  # opening the form: unmask only


async def test_name_with_markup_is_refused(care):
    app = make_app(care)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, care["kid"].id)
        form.query_one("#f-name", Input).value = ""
        await type_text(pilot, "[b]王")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "不能有字符" in str(form.query_one("#e-name", Static).content)
        assert Child.get_by_id(care["kid"].id).name == "张小明"


async def test_error_shows_on_blur_and_clears_when_fixed(care):
    app = make_app(care)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, care["kid"].id)
        await focus_field(pilot, form, "guardian_phone")
        form.query_one("#f-guardian_phone", Input).value = ""
        await type_text(pilot, "12345")
        await pilot.press("tab")
        await pilot.pause()
        error = form.query_one("#e-guardian_phone", Static)
        assert error.display and "11位" in str(error.content)
        await focus_field(pilot, form, "guardian_phone")
        form.query_one("#f-guardian_phone", Input).value = ""
        await type_text(pilot, "13812345678")
        await pilot.press("tab")
        await pilot.pause()
        assert not error.display


# --- form: new ---------------------------------------------------------------------

async def test_new_child_duplicate_warning(care):
    app = make_app(care)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1", "n")  # from the roster: a class teacher opens on 待办
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ChildFormScreen)
        assert app.focused is form.query_one("#f-name")
        await type_text(pilot, "张小明")
        await pilot.press("tab", "enter", "down", "enter")  # 性别: open the choices, take 男
        await pilot.pause()
        assert form.query_one("#f-sex", Select).value == "男"
        await pilot.press("tab", "tab")  # 民族 (汉族 already), then 出生日期
        assert app.focused is form.query_one("#f-birth_date")
        await type_text(pilot, "2016-05-01")
        await pilot.press("ctrl+s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert "张小明 三年级2班 (姓名和出生日期相同)" in screen_text(dialog)
        await pilot.press("n")  # 返回修改
        await pilot.pause()
        assert app.screen is form
        assert Child.select().count() == 1
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")  # 仍然保存
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, RosterScreen)
        assert Child.select().count() == 2
        new = Child.select().order_by(Child.id.desc()).get()
        assert (new.name, new.sex, new.birth_date, new.name_initials) == ("张小明", "男", dt.date(2016, 5, 1), "zxm")
        assert AuditLog.get(AuditLog.row_id == new.id).action == "create"


async def test_id_number_fills_birth_date_and_sex(care):
    app = make_app(care)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, None)
        await type_text(pilot, "王芳")
        await focus_field(pilot, form, "id_number")
        body = "52010220170815002"
        await type_text(pilot, body + id_check_char(body))
        await pilot.pause()
        assert form.query_one("#f-birth_date", Input).value == "2017-08-15"
        assert form.query_one("#f-sex", Select).value == "女"
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert Child.get(Child.name == "王芳").birth_date == dt.date(2017, 8, 15)


async def test_escape_asks_before_dropping_changes(care):
    kid = care["kid"]
    app = make_app(care)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")  # the form is opened over the roster (a class teacher opens on 待办)
        form = await open_form(app, pilot, kid.id)
        await pilot.press("escape")  # nothing changed: leaves at once
        await pilot.pause()
        assert isinstance(app.screen, RosterScreen)

        form = await open_form(app, pilot, kid.id)
        await focus_field(pilot, form, "hobbies")
        await type_text(pilot, "画画")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "放弃未保存的修改吗?" in screen_text(app.screen)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is form and form.query_one("#f-hobbies", Input).value == "画画"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, RosterScreen)
        assert Child.get_by_id(kid.id).hobbies == ""
        assert AuditLog.select().where(AuditLog.action != "unmask").count() == 0  # opening the form: unmask only


async def test_q_in_the_form_does_not_quit(care):
    app = make_app(care)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, care["kid"].id)
        await focus_field(pilot, form, "boarding")
        await pilot.press("q", "1")
        await pilot.pause()
        assert app.screen is form and app.is_running


async def test_every_field_reachable_by_tab_and_visible(care):
    app = make_app(care)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, care["kid"].id)
        # Tab follows the national form's order through every field (and every tick of a multi choice).
        keys = list(dict.fromkeys(k for k in map(form.key_of, form.focus_chain) if k))
        assert keys == [f.key for f in FIELDS]
        assert all(form.key_of(w) for w in form.focus_chain)  # nothing else takes a tab stop

        def visible() -> bool:
            region = app.focused.region
            return 0 < region.y < 23  # between the header and the footer

        assert form.key_of(app.focused) == "name" and visible()

        def current_labels() -> list[str]:  # the focused field's label is shown reversed
            return [f.key for f in FIELDS if form.label_for(f.key).has_class("current")]

        assert current_labels() == ["name"]
        await pilot.press("shift+tab")  # wraps round to the last field, scrolled into view
        assert form.key_of(app.focused) == "notes" and visible()
        await pilot.press("shift+tab")
        assert form.key_of(app.focused) == "hobbies" and visible() and current_labels() == ["hobbies"]
        await pilot.press("tab", "tab")
        assert form.key_of(app.focused) == "name" and visible()
        for _ in range(14):
            await pilot.press("tab")
        assert form.key_of(app.focused) == "classroom" and visible() and current_labels() == ["classroom"]
        await pilot.press("enter")  # the choices open: the label stays marked
        assert app.focused is not form.widget_for("classroom") and current_labels() == ["classroom"]


# --- saving while the database is busy or full -----------------------------------------

async def test_the_form_keeps_taking_keys_while_a_save_waits_for_the_lock(care, monkeypatch):
    """Another user's write holds the database: the save waits in a worker, typing goes on, a
    second ctrl+s and esc wait, and the edits typed meanwhile stay for the next ctrl+s."""
    from tests.test_guard import LongWriter, short_lock_wait

    kid = care["kid"]
    short_lock_wait("sqlite", monkeypatch, care["path"], ms=30_000)  # released long before
    app = make_app(care)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, kid.id)
        await focus_field(pilot, form, "address")
        await type_text(pilot, "王家村")
        writer = LongWriter(care["path"])
        try:
            await pilot.press("ctrl+s")
            assert form.saving and static_text(form, "#form-hint") == "正在保存…"
            await pilot.press(*"3组", "ctrl+s", "escape")
            assert form.read("address") == "王家村3组"
            assert app.screen is form and form.saving
            assert len([w for w in app.workers if w.name == "background-save"]) == 1
        finally:
            writer.finish()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert Child.get_by_id(kid.id).address == "王家村"  # what the first ctrl+s saved
        assert app.screen is form and "保存时输入的修改还没有保存" in static_text(form, "#form-hint")
        await pilot.press("ctrl+s")  # saves over the version just saved: no conflict
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, ChildFormScreen)
    assert Child.get_by_id(kid.id).address == "王家村3组"
    assert Draft.select().count() == 0


async def test_a_full_disk_keeps_the_edits_in_the_form(care, monkeypatch):
    """The database refuses the change for want of space: the line above the form names it, the
    edits stay, nothing is written, and the same key saves once there is room."""
    import peewee

    kid = care["kid"]
    database = dbmod.current()
    real = type(database).execute_sql

    def full(self, sql, params=None, *args, **kwargs):
        if sql.lstrip().upper().startswith("UPDATE") and '"child"' in sql:
            raise peewee.OperationalError("database or disk is full")
        return real(self, sql, params, *args, **kwargs)

    app = make_app(care)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, kid.id)
        await focus_field(pilot, form, "address")
        await type_text(pilot, "王家村3组")
        monkeypatch.setattr(type(database), "execute_sql", full)
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is form and form.read("address") == "王家村3组"
        assert static_text(form, "#form-hint").startswith("磁盘已满")
        assert form.query_one("#form-hint").has_class("save-error")
        assert Child.get_by_id(kid.id).address != "王家村3组"
        assert not AuditLog.select().where((AuditLog.table == "child") & (AuditLog.action == "update")).exists()
        form._flush_draft()
        form.writer.flush()
        assert draft_values(care, f"record:{kid.id}")["address"] == "王家村3组"  # and in the draft
        monkeypatch.undo()  # room again
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, ChildFormScreen)
    assert Child.get_by_id(kid.id).address == "王家村3组"
    assert Draft.select().count() == 0


def draft_values(care, key: str) -> dict | None:
    found = drafts.load_draft(care["teacher"].id, "child", key, viewer=system_viewer())
    return found[0]["values"] if found else None


async def test_the_form_s_edits_come_back_after_the_session_is_lost(care):
    """The edits go to a draft as they are typed; a lost session (the app ends with the form
    open) brings them back the next time the same form is opened, and saving removes the draft."""
    kid = care["kid"]
    app = make_app(care)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, kid.id)
        await focus_field(pilot, form, "address")
        await type_text(pilot, "王家村3组")
    assert draft_values(care, f"record:{kid.id}")["address"] == "王家村3组"
    assert Child.get_by_id(kid.id).address != "王家村3组"
    app = make_app(care)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, kid.id)
        await pilot.pause()
        assert form.read("address") == "王家村3组"
        assert form.is_dirty()  # restored edits are unsaved edits: esc asks first
        assert any("未保存的修改" in n.message for n in app._notifications)
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, ChildFormScreen)
    assert Child.get_by_id(kid.id).address == "王家村3组"
    assert Draft.select().count() == 0


async def test_form_takes_the_national_form_s_family_columns(care):
    """A parent's 出生日期/身份证号/外出时间/已故 and the 祖辈 are typed in the form at 80x24 and saved."""
    from models.entities import Grandparent, Parent

    kid = care["kid"]
    app = make_app(care)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, kid.id)
        await focus_field(pilot, form, "father_birth_date")
        await type_text(pilot, "1985-03-02")
        await focus_field(pilot, form, "mgrandmother_name")
        await type_text(pilot, "钱奶奶")
        await focus_field(pilot, form, "grandfather_deceased")
        await pilot.press("space")
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, ChildFormScreen)
    father = Parent.get((Parent.child == kid.id) & (Parent.relation == "父亲"))
    assert father.birth_date.isoformat() == "1985-03-02"
    elders = {g.relation: (g.name, g.deceased) for g in Grandparent.select().where(Grandparent.child == kid.id)}
    assert elders == {"外祖母": ("钱奶奶", False), "祖父": ("", True)}


async def test_detail_shows_the_registration_form_s_family_fields_masked(care):
    """The 登记表's family part on the child's page: parents' 出生日期, 身份证号 (masked; whole only
    after u), 外出时间 and a dead parent; 祖父母、外祖父母 with 出生日期 ("—" when dead); the guardian's
    ID (masked) and address, 监护情况评估, 家庭收入来源, 享受救助情况. User text is never markup."""
    from models.entities import Grandparent

    kid = care["kid"]
    father_id = "510722198503020019"
    guardian_id = "522623196001010172"
    Parent.update(birth_date=dt.date(1985, 3, 2), id_number=father_id, away_since=dt.date(2024, 2, 20)).where(
        Parent.child == kid.id).execute()
    Parent.create(child=kid, relation="母亲", name="[b]李[/b]", deceased=True, away=False)
    Grandparent.create(child=kid, relation="外祖母", name="钱奶奶", birth_date=dt.date(1955, 1, 2))
    Grandparent.create(child=kid, relation="祖父", name="张老汉", deceased=True)
    Child.update(guardian_id_number=guardian_id, guardian_address="石门村3组", guardianship_grade="一般",
                 income_sources="打工收入、种养殖业", aid_received="低保").where(Child.id == kid.id).execute()
    app = make_app(care)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(ChildDetailScreen(kid.id))
        await pilot.pause()
        screen = app.screen
        parents = static_text(screen, "#detail-parents")
        assert "1985-03-02" in parents and "2024-02-20" in parents and mask_id(father_id) in parents
        assert "[b]李[/b]" in parents and "已故" in parents
        elders = static_text(screen, "#detail-grandparents").splitlines()
        assert [line.split()[0] for line in elders] == ["祖父", "祖母", "外祖父", "外祖母"]
        assert "— (张老汉 已故)" in elders[0] and "未填" in elders[1] and "钱奶奶  1955-01-02" in elders[3]
        guardian = static_text(screen, "#detail-guardian")
        assert mask_id(guardian_id) in guardian and "石门村3组" in guardian and "一般" in guardian
        family = static_text(screen, "#detail-family")
        assert "打工收入、种养殖业" in family and "低保" in family
        assert father_id not in screen_text(screen) and guardian_id not in screen_text(screen)
        await pilot.press("u")  # the class teacher may look (audited)
        await pilot.pause()
        assert father_id in static_text(screen, "#detail-parents")


def test_child_detail_takes_the_same_queries_however_many_relatives(care):
    """The page is a fixed number of queries: none per parent, grandparent, contact or pairing."""
    from models import children
    from models.entities import Grandparent

    db = dbmod.current()
    kid = care["kid"]
    bare = Child.create(school=care["school"], classroom=care["room"], name="李四", sex="男")

    def queries(child_id: int) -> int:
        count = 0
        real = db.execute_sql

        def counting(sql, params=None, *args, **kw):
            nonlocal count
            count += 1
            return real(sql, params, *args, **kw)

        db.execute_sql = counting
        try:
            children.child_detail(child_id, viewer=system_viewer())
        finally:
            del db.execute_sql
        return count

    Parent.create(child=kid, relation="母亲", name="李梅")
    for relation in ("祖父", "祖母", "外祖父", "外祖母"):
        Grandparent.create(child=kid, relation=relation, name=relation + "某")
    for day in range(1, 8):
        Contact.create(child=kid, staff=care["teacher"], kind="谈心", at=dt.datetime(2026, 11, day, 10), content="x")
    assert queries(kid.id) == queries(bare.id)
