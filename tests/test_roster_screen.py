"""The roster at 80x24 driven by the keyboard, as a teacher would."""
import pytest
from textual.widgets import Input, Static

from models.entities import Child, Staff
from screens.roster import RosterScreen
from tui.app import GuanaiApp
from tui.context import Session
from tui.widgets.virtual_table import VirtualTable


def make_app(tiny_school):
    school = tiny_school["school"]
    staff = tiny_school["staff"][0]
    Staff.update(role="head").where(Staff.id == staff.id).execute()  # sees the whole school (models/scope.py)
    return GuanaiApp(Session(target=tiny_school["path"], school_id=school.id, staff_id=staff.id,
                             staff_name=staff.name, school_name=school.name))


def table_names(screen):
    return [r.name for r in screen.shown]


def status_text(screen):
    return str(screen.query_one("#roster-status", Static).content)


async def test_roster_shows_left_behind_children_with_filing_rate(tiny_school):
    # 建档率 needs 身份证号 too (models/roster.py): only 张小明's file is complete
    Child.update(id_number="510104201503021236").where(Child.id == tiny_school["kids"]["张小明"].id).execute()
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, RosterScreen)
        assert set(table_names(screen)) == {"张小明", "张丽华", "王芳"}
        assert screen.query_one(VirtualTable).row_count == 3
        assert "3 人" in status_text(screen)
        assert "建档率 33.3%" in status_text(screen)
        await pilot.press("a")  # all pupils, not only the left-behind
        assert "刘强" in table_names(screen)


async def test_search_by_initials_then_enter_moves_to_first_match(tiny_school):
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press("w", "f")
        assert table_names(screen) == ["王芳"]
        await pilot.press("enter")
        assert isinstance(app.focused, VirtualTable)
        assert screen.selected_id() == tiny_school["kids"]["王芳"].id
        await pilot.press("escape")  # clears the search, keeps the child selected
        assert len(table_names(screen)) == 3
        assert screen.selected_id() == tiny_school["kids"]["王芳"].id


async def test_search_with_no_match_explains(tiny_school):
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", "q", "q", "q")
        empty = app.screen.query_one("#roster-empty", Static)
        assert empty.display and "没有找到" in str(empty.content)
        assert app.is_running  # "q" typed into the search box does not quit


async def test_keys_quit_and_help(tiny_school):
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        assert isinstance(app.screen, RosterScreen)
        await pilot.press("2")  # 结对, then back to the roster with 1
        assert type(app.screen).__name__ == "PairingBoardScreen"
        await pilot.press("1")
        assert isinstance(app.screen, RosterScreen)
        await pilot.press("q")
    assert not app.is_running


async def test_filter_dialog_by_class(tiny_school):
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.press("f")
        dialog = app.screen
        from textual.widgets import Select
        dialog.query_one("#f-class", Select).value = tiny_school["classes"][1].id
        await pilot.press("ctrl+s")
        assert app.screen is screen
        assert table_names(screen) == ["王芳"]
        assert "五年级1班" in status_text(screen)


@pytest.mark.parametrize("note_name", ["[b]王[/b]", "[/", "\x1b[31m红"])
async def test_markup_and_escapes_in_stored_text_show_literally(tiny_school, note_name):
    """Stored text bypassing validation (an old import, say) must not restyle or crash the screen."""
    kid = tiny_school["kids"]["王芳"]
    Child.update(guardian_name=note_name).where(Child.id == kid.id).execute()
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(VirtualTable)
        cells = [str(c) for c in table.get_row(str(kid.id))]
        assert any(note_name.replace("\x1b", "") in c for c in cells)
        assert all("\x1b" not in c for c in cells)


async def test_notifications_show_user_text_literally(tiny_school):
    """Every notify (screens pass names, logins and errors in f-strings) is plain text: a '[' in a
    name is never markup, an action in it never runs."""
    app = make_app(tiny_school)
    name = "[b]张[/b] [@click=app.quit]小明[/]"
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.notify(f"已停用 {name}")
        app.notify(f"已添加 {name}", title=name)
        await pilot.pause()
        assert app.is_running
        assert [n.message for n in app._notifications] == [f"已停用 {name}", f"已添加 {name}"]
        assert all(not n.markup for n in app._notifications)
