"""The admin's screens from the command palette: staff logins (add, deactivate, reset PIN) and the audit log."""
from textual.widgets import Input, Select, Static

from models import audit, auth
from models.entities import Staff
from screens.audit_log import AuditLogScreen
from screens.confirm import ConfirmScreen
from screens.users import PinScreen, UserFormScreen, UsersScreen
from tui.app import GuanaiApp
from tui.context import Session


def make_app(tiny_school, role="admin"):
    school = tiny_school["school"]
    admin = Staff.create(school=school, name="高管理", role=role, login="boss")
    return GuanaiApp(Session(target=tiny_school["path"], school_id=school.id, staff_id=admin.id,
                             staff_name=admin.name, school_name=school.name)), admin


def palette_titles(app):
    from tui.palette import commands_for

    return [c.title for c in commands_for(app, app.screen)]


async def test_only_an_admin_gets_the_admin_screens(tiny_school):
    app, _ = make_app(tiny_school, role="head")
    async with app.run_test(size=(80, 24)) as pilot:
        assert not [t for t in palette_titles(app) if "教职工账号" in t or "审计日志" in t]
        app.action_users()
        await pilot.pause()
        assert not isinstance(app.screen, UsersScreen)


async def test_add_reset_pin_and_deactivate_from_the_screen(tiny_school):
    app, admin = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        assert "教职工账号" in palette_titles(app) and "审计日志" in palette_titles(app)
        app.action_users()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, UsersScreen)
        assert {"lilaoshi", "zhaolaoshi", "boss"} <= {u.login for u in screen.rows}
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, UserFormScreen)
        form.query_one("#u-login", Input).value = "wangli"
        form.query_one("#u-name", Input).value = "王丽"
        form.query_one("#u-role", Select).value = "teacher"
        form.query_one("#u-pin", Input).value = "1357"
        form.query_one("#u-pin2", Input).value = "1358"
        await pilot.press("ctrl+s")
        assert "不一样" in str(form.query_one(".dialog-error", Static).content)
        form.query_one("#u-pin2", Input).value = "1357"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        wangli = Staff.get(Staff.login == "wangli")
        assert auth.check_pin(wangli.pin_hash, "1357")
        row = next(i for i, u in enumerate(screen.rows) if u.login == "wangli")
        screen.query_one("#users-table").move_cursor(row=row)
        await pilot.press("p")
        pin = app.screen
        assert isinstance(pin, PinScreen)
        pin.query_one("#p-pin", Input).value = "8642"
        pin.query_one("#p-pin2", Input).value = "8642"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert auth.check_pin(Staff.get_by_id(wangli.id).pin_hash, "8642")
        row = next(i for i, u in enumerate(screen.rows) if u.login == "wangli")
        screen.query_one("#users-table").move_cursor(row=row)
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert not Staff.get_by_id(wangli.id).active
        assert next(u for u in screen.rows if u.login == "wangli").state == "已停用"
    actions = [(e.action, e.table) for e in audit.entries() if e.login == "boss"]
    assert ("create", "staff") in actions and ("pin", "staff") in actions and ("update", "staff") in actions


async def test_audit_screen_lists_and_filters(tiny_school):
    app, admin = make_app(tiny_school)
    t1 = tiny_school["staff"][0]
    auth.verify(t1.id, None, context="guanai")
    auth.record_unknown_login("root")
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_audit()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AuditLogScreen)
        assert {e.action for e in screen.rows} >= {"login", "login_fail"}
        assert screen.rows[0].action == "login_fail"  # newest first
        await pilot.press("slash")
        await pilot.press("tab")  # to the login filter
        await pilot.press(*"lilaoshi", "enter")
        await pilot.pause()
        assert [e.login for e in screen.rows] == ["lilaoshi"]
        await pilot.press("enter")
        assert "审计记录" in "\n".join(str(w.content) for w in app.screen.query(Static))
