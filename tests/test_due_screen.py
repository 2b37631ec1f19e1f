"""待办 at 80x24, key by key, and the list screens' one base (tui/list_screen.py): another
teacher's change arrives as DataChanged (the watcher is called directly, never waited for), a
burst is one reload, the cursor stays on its record, and no list reads in its constructor."""
from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest

from models import contacts, scope
from models import db as dbmod
from models.entities import Staff
from screens.audit_log import AuditLogScreen
from screens.child_detail import ChildDetailScreen
from screens.due import DueScreen
from screens.roster import RosterScreen
from screens.talk_entry import TalkEntryScreen
from screens.talk_log import TalkLogScreen
from screens.text_page import TextPageScreen
from screens.users import UsersScreen
import tui.app
from tui.app import GuanaiApp
from tui.context import Session
from tui.list_screen import DataChanged

pytestmark = pytest.mark.both_backends  # PostgreSQL takes the thread-worker path

DAY = dt.date(2026, 11, 27)  # tiny_school that day: 3 overdue and 1 due today of 李老师's class, 7 in all


class DueApp(GuanaiApp):
    """The app with 待办's clock fixed to DAY (the '0' key still lands on it)."""

    MODES = {**GuanaiApp.MODES, "due": lambda: DueScreen(today=DAY)}
    CSS_PATH = str(Path(tui.app.__file__).with_name("styles.tcss"))  # else relative to this file


def app_for(tiny_school, who=0, role="head"):  # the head sees the whole school; "mine" is her class
    school, staff = tiny_school["school"], tiny_school["staff"][who]
    Staff.update(role=role).where(Staff.id == staff.id).execute()
    return DueApp(Session(target=tiny_school["path"], school_id=school.id, staff_id=staff.id,
                          staff_name=staff.name, school_name=school.name))


def in_other_connection(fn):
    """``fn`` on a connection of its own, as another teacher's process would write."""
    errors = []

    def run():
        try:
            with dbmod.current().connection_context():
                fn()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    t = threading.Thread(target=run)
    t.start()
    t.join(30)
    assert not errors, errors


def record_talk(tiny_school, child, kind="谈心"):
    viewer = scope.system_viewer(tiny_school["school"].id)
    in_other_connection(lambda: contacts.create_contacts(
        {"kind": kind, "at": dt.datetime(2026, 11, 27, 8), "content": "另一位老师记的"},
        [tiny_school["kids"][child].id], staff_id=tiny_school["staff"][1].id, viewer=viewer))


async def settle(app, pilot):
    """Let a reload finish: the worker (PostgreSQL), then the messages it posted."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def status(screen) -> str:
    return str(screen.query_one("#due-status").render())


def listed(screen) -> list[tuple[str, str]]:
    return [(d.child_name, d.rule_name) for d in screen.table.rows]


async def open_due(app, pilot) -> DueScreen:
    await pilot.press("0")
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, DueScreen)
    return screen


async def test_m_switches_between_my_children_and_the_whole_school(tiny_school):
    app = app_for(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_due(app, pilot)
        assert screen.table.has_focus
        assert "11月27日 待办 · 我的孩子 · 逾期 3 · 今天 1" in status(screen)
        assert {name for name, _ in listed(screen)} == {"张小明", "张丽华"}
        reads = screen.reloads
        await pilot.press("m")
        assert screen.reloads == reads, "m filters the duties already read"
        assert "全校" in status(screen) and screen.table.row_count == 7
        assert ("王芳", "心理辅导") in listed(screen)
        await pilot.press("m")
        assert "我的孩子" in status(screen) and screen.table.row_count == 4


KIND_STEPS = [  # k from 全部, on 李老师's own children: (kind shown, rows, empty message shown)
    ("谈心", 2, False),
    ("家长电话", 2, False),
    ("心理辅导", 0, True),  # only 王芳's, not hers: the empty list says to press m
    (None, 4, False),
]


async def test_k_walks_the_kinds_and_back_to_all(tiny_school):
    app = app_for(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_due(app, pilot)
        await pilot.press("end")
        for kind, rows, empty in KIND_STEPS:
            before = screen.selected()
            await pilot.press("k")
            keys = [(d.child_id, d.rule_id) for d in screen.table.rows]
            # the same duty when the kind lists it, else the top (not the old line)
            assert screen.table.cursor_row == (keys.index(before) if before in keys else 0), kind
            assert screen.kind == kind
            assert screen.table.row_count == rows, kind
            assert (f"类别:{kind}" in status(screen)) == (kind is not None)
            assert screen.query_one("#due-empty").display == empty
            if empty:
                assert "按 m 查看全校" in str(screen.query_one("#due-empty").render())
            assert all(d.contact_kind == kind for d in screen.table.rows) or kind is None


async def test_t_opens_the_talk_for_the_selected_duty_with_its_kind(tiny_school):
    app = app_for(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_due(app, pilot)
        await pilot.press("down")
        duty = screen.table.rows[1]
        await pilot.press("t")
        await pilot.pause()
        entry = app.screen
        assert isinstance(entry, TalkEntryScreen)
        assert entry.main_child == duty.child_id and entry.form.kind == duty.contact_kind
        await pilot.press("escape")  # nothing typed: closes without asking
        await settle(app, pilot)
        assert app.screen is screen and screen.table.cursor_row == 1, "back on the same duty"


async def test_enter_opens_the_childs_record_and_r_the_reminders(tiny_school):
    app = app_for(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_due(app, pilot)
        await pilot.press("end")
        duty = screen.table.rows[-1]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChildDetailScreen) and app.screen.child_id == duty.child_id
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen and screen.selected() == (duty.child_id, duty.rule_id)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, TextPageScreen) and "近7天" in app.screen.title_text
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_a_contact_recorded_elsewhere_takes_its_duty_off_and_keeps_the_cursor(tiny_school):
    app = app_for(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_due(app, pilot)
        await pilot.press("m")  # the whole school: 张丽华's two, 张小明's two, then 王芳's three
        assert listed(screen)[0] == ("张丽华", "每周谈心")
        screen.table.move_cursor(row=listed(screen).index(("王芳", "每周谈心")))
        line = screen.table.cursor_row
        record_talk(tiny_school, "张丽华")  # another teacher meets the first duty, above the cursor
        app.check_for_changes()  # what the app's poll runs every second or two
        await settle(app, pilot)
        assert screen.table.row_count == 6 and ("张丽华", "每周谈心") not in listed(screen)
        assert listed(screen)[screen.table.cursor_row] == ("王芳", "每周谈心"), "the cursor stays on its duty"
        assert screen.table.cursor_row == line - 1
        record_talk(tiny_school, "王芳")  # now the selected duty itself is met
        app.check_for_changes()
        await settle(app, pilot)
        assert ("王芳", "每周谈心") not in listed(screen)
        assert screen.table.cursor_row == line - 1, "the next duty comes under the cursor"
        assert listed(screen)[screen.table.cursor_row] == ("王芳", "家长电话")
        assert screen.background_loads == (0 if dbmod.is_sqlite() else 2)


async def test_a_burst_of_changes_is_one_reload_and_a_form_gets_none(tiny_school):
    app = app_for(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_due(app, pilot)
        before = screen.reloads
        assert all(app.refresh_screen_data() for _ in range(3))  # three polls before the screen ran
        await settle(app, pilot)
        assert screen.reloads == before + 1
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TalkEntryScreen)
        assert app.refresh_screen_data() is False, "a form is never told to reload"


def test_datachanged_replaces_a_waiting_one():
    assert DataChanged().can_replace(DataChanged())


LIST_SCREENS = [DueScreen, TalkLogScreen, UsersScreen, AuditLogScreen, RosterScreen]


@pytest.mark.parametrize("screen_class", LIST_SCREENS, ids=lambda c: c.__name__)
async def test_no_list_reads_the_database_in_its_constructor(tiny_school, monkeypatch, screen_class):
    app = app_for(tiny_school, role="admin")
    async with app.run_test(size=(80, 24)) as pilot:
        db = dbmod.current()
        statements = []
        real = type(db).execute_sql
        monkeypatch.setattr(type(db), "execute_sql", lambda self, sql, *a, **k: (statements.append(sql),
                                                                                  real(self, sql, *a, **k))[1])
        screen = screen_class()
        assert statements == [], statements
        app.push_screen(screen)
        await settle(app, pilot)
        assert statements, "the first load is on mount"
        assert screen.loaded and screen.table.has_focus


async def test_the_child_form_logs_its_look_at_full_numbers_when_shown_not_when_made(tiny_school, monkeypatch):
    from models.entities import AuditLog
    from screens.child_form import ChildFormScreen

    app = app_for(tiny_school, role="admin")
    async with app.run_test(size=(80, 24)) as pilot:
        unmasks = AuditLog.select().where(AuditLog.action == "unmask").count
        before = unmasks()
        db = dbmod.current()
        statements = []
        real = type(db).execute_sql
        monkeypatch.setattr(type(db), "execute_sql", lambda self, sql, *a, **k: (statements.append(sql),
                                                                                  real(self, sql, *a, **k))[1])
        form = ChildFormScreen(tiny_school["kids"]["张小明"].id)
        assert statements == [] and unmasks() == before
        app.push_screen(form)
        await settle(app, pilot)
        assert unmasks() == before + 1 and form.initial["name"] == "张小明" and form.version is not None


async def test_the_pairing_board_follows_another_teachers_pairing(tiny_school):
    """The board takes DataChanged too; on PostgreSQL it reads the board in a thread worker."""
    from models import pairings

    app = app_for(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await settle(app, pilot)
        board = app.screen
        unpaired = len(board.board.unpaired.children)
        assert unpaired >= 1
        child = board.board.unpaired.children[0]
        teacher = tiny_school["staff"][1]
        viewer = scope.system_viewer(tiny_school["school"].id)
        in_other_connection(lambda: pairings.assign(tiny_school["school"].id, child.child_id, board.kind,
                                                    ("staff", teacher.id), viewer=viewer))
        app.check_for_changes()
        await settle(app, pilot)
        assert len(board.board.unpaired.children) == unpaired - 1
        assert f"未结对 {unpaired - 1}" in str(board.query_one("#pb-status").render())


@pytest.mark.sqlite_only  # the collector's pause is the inline (SQLite) load's
async def test_the_collector_stays_paused_until_the_list_is_painted(tiny_school):
    """A list's reload holds the cyclic collector until the list is on the terminal (issue 20,
    tui/collector.py). A section switch holds updates (App.delay_update), so the first refresh
    after the load paints nothing: turning the collector on then let its collection run before
    the frame."""
    import gc

    from tui.collector import paint_pending

    app = app_for(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_due(app, pilot)
        try:
            assert gc.isenabled()  # on again after 待办's first showing
            app._begin_batch()  # updates held, as switch_mode holds them
            screen.reload()
            await pilot.pause()
            assert paint_pending(screen)
            assert not gc.isenabled(), "turned on before the list was painted"
            app._end_batch()
            screen.refresh()
            for _ in range(50):  # its poll (every 20 ms) sees the paint done
                if gc.isenabled():
                    break
                await pilot.pause(0.02)
            assert not paint_pending(screen) and gc.isenabled()
        finally:
            if app._batch_count:
                app._end_batch()
            gc.enable()


@pytest.mark.sqlite_only
async def test_the_collector_is_on_again_after_its_longest_wait_painted_or_not(tiny_school, monkeypatch):
    """Should the paint never come (updates held on and on), the collector is not left off."""
    import gc

    import tui.collector

    monkeypatch.setattr(tui.collector, "LONGEST_SECONDS", 0.05)
    app = app_for(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_due(app, pilot)
        try:
            app._begin_batch()  # held, and never let go during the wait
            screen.reload()
            for _ in range(50):
                if gc.isenabled():
                    break
                await pilot.pause(0.02)
            assert gc.isenabled() and tui.collector.paint_pending(screen)
        finally:
            app._end_batch()
            gc.enable()


async def test_a_section_that_cannot_be_shown_leaves_the_collector_on(tiny_school):
    """switch_mode holds the collector until the section is painted; a mode that does not exist
    raises, and the collector is on again (not left off for the rest of the session)."""
    import gc

    from textual.app import UnknownModeError

    app = app_for(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert gc.isenabled()
        with pytest.raises(UnknownModeError):
            app.switch_mode("no-such-section")
        assert gc.isenabled()
