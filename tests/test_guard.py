"""A database locked by a long writer, or a dropped PostgreSQL connection: one clear message,
nothing half-written, the app and the teacher's typing still there (models/db.write, tui/guard)."""
from __future__ import annotations

import re
import sqlite3

import psycopg2
import pytest
import peewee
from textual.widgets import Static, TextArea

from models import contacts, drafts
from models import db as dbmod
from models.entities import Contact, Draft
from models.scope import system_viewer
from screens.talk_entry import TalkEntryScreen
from tests.test_roster_screen import make_app
from tests.test_talk_entry import open_talk_for

pytestmark = pytest.mark.both_backends

ALL = system_viewer()


class LongWriter:
    """Another connection holding what a save needs: SQLite's write lock, or on PostgreSQL an
    exclusive lock on the contact table (an import or a purge in another terminal)."""

    def __init__(self, target: str) -> None:
        self.target = target
        if dbmod.is_url(target):
            self.con = psycopg2.connect(target)
            self.con.cursor().execute("LOCK TABLE contact IN EXCLUSIVE MODE")
        else:
            self.con = sqlite3.connect(target, isolation_level=None)
            self.con.execute("BEGIN IMMEDIATE")

    def finish(self) -> None:
        self.con.rollback() if dbmod.is_url(self.target) else self.con.execute("ROLLBACK")
        self.con.close()


def short_lock_wait(backend, monkeypatch, target, ms=300):
    """Every connection — the app's and each save worker's own (``screens.saving``) — gives up
    after ``ms`` instead of 15 s: as GUANAI_LOCK_WAIT does, which is read once at import."""
    monkeypatch.setattr(dbmod, "LOCK_WAIT_SECONDS", max(1, ms // 1000))
    monkeypatch.setattr(dbmod, "SQLITE_PRAGMAS",
                        tuple((k, ms if k == "busy_timeout" else v) for k, v in dbmod.SQLITE_PRAGMAS))
    dbmod.current().close()
    db = dbmod.open_database(target)
    if backend != "sqlite":
        db.close()
        db.connect_params["options"] = re.sub(r"lock_timeout=\d+", f"lock_timeout={ms}", db.connect_params["options"])
        db.connect()


def talk(kid_id):
    return contacts.create_contacts({"kind": "谈心", "at": __import__("datetime").datetime(2026, 11, 20, 9),
                                     "content": "谈学习"}, [kid_id], staff_id=None, viewer=ALL)


def test_a_long_writer_makes_a_save_fail_whole_with_a_message(tiny_school, backend, monkeypatch):
    kid = tiny_school["kids"]["王芳"]
    short_lock_wait(backend, monkeypatch, tiny_school["path"])
    before = Contact.select().count()
    writer = LongWriter(tiny_school["path"])
    try:
        with pytest.raises(dbmod.DatabaseBusy, match="数据库正被别人占用"):
            talk(kid.id)
    finally:
        writer.finish()
    assert Contact.select().count() == before  # nothing half-written
    talk(kid.id)  # and the next try, with the writer gone, saves
    assert Contact.select().count() == before + 1


def test_the_default_wait_is_fifteen_seconds_on_both(tiny_school, backend):
    if backend == "sqlite":
        assert dbmod.current().execute_sql("PRAGMA busy_timeout").fetchone()[0] == 15000
    else:
        assert dbmod.current().execute_sql("SHOW lock_timeout").fetchone()[0] == "15s"


def area_text(screen) -> str:
    return screen.query_one("#talk-content", TextArea).text


def save_line(screen) -> str:
    return str(screen.query_one("#err-content", Static).content)


async def saved(app, pilot):
    """Let the save worker finish and its outcome reach the screen (no sleeping)."""
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_the_app_keeps_the_typed_talk_when_the_database_is_busy(tiny_school, backend, monkeypatch):
    """The save gives up after the lock wait; what was typed before and during it stays, in the
    form and in the draft, and the same key saves it once the other writer is done."""
    app = make_app(tiny_school)
    kid = tiny_school["kids"]["王芳"]
    short_lock_wait(backend, monkeypatch, tiny_school["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_talk_for(pilot, app, "wf")
        await pilot.press(*"long day")
        writer = LongWriter(tiny_school["path"])
        try:
            await pilot.press("ctrl+s", *" more")
            await saved(app, pilot)
            assert app.is_running and app.screen is screen  # still there, with the text
            assert area_text(screen) == "long day more"
            assert "数据库正被别人占用" in save_line(screen)
            assert any("数据库正被别人占用" in n.message for n in app._notifications)
            assert Contact.select().where(Contact.child == kid.id).count() == 0
        finally:
            writer.finish()
        screen._flush_draft()
        screen.writer.flush()
        data, _ = drafts.load_draft(app.staff_id, "talk", f"child:{kid.id}", viewer=ALL)
        assert data["form"]["content"] == "long day more"
        await pilot.press("ctrl+s")  # the same key again, once the other writer is done
        await saved(app, pilot)
        assert not isinstance(app.screen, TalkEntryScreen)
    assert Contact.get(Contact.child == kid.id).content == "long day more"
    assert Draft.select().count() == 0


async def test_typing_goes_on_while_a_save_waits_for_the_lock(tiny_school, backend, monkeypatch):
    """A save waiting for another user's write runs in a worker: keys keep landing in the text,
    a second ctrl+s does nothing, and what was typed meanwhile stays to be saved next."""
    app = make_app(tiny_school)
    kid = tiny_school["kids"]["王芳"]
    short_lock_wait(backend, monkeypatch, tiny_school["path"], ms=30_000)  # released long before
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_talk_for(pilot, app, "wf")
        await pilot.press(*"long day")
        writer = LongWriter(tiny_school["path"])
        try:
            await pilot.press("ctrl+s")
            assert screen.saving and save_line(screen) == "正在保存…"
            await pilot.press(*" and more", "ctrl+s", "escape")  # typing lands; ctrl+s, esc wait
            assert area_text(screen) == "long day and more"
            assert app.screen is screen and screen.saving
            assert len([w for w in app.workers if w.name == "background-save"]) == 1
        finally:
            writer.finish()
        await saved(app, pilot)
        first = Contact.get(Contact.child == kid.id)
        assert first.content == "long day"  # what ctrl+s saved; the rest is still in the form
        assert app.screen is screen and screen.contact_id == first.id
        assert area_text(screen) == "long day and more"
        assert "保存时输入的内容还没有保存" in save_line(screen)
        await pilot.press("ctrl+s")
        await saved(app, pilot)
        assert not isinstance(app.screen, TalkEntryScreen)
    assert [c.content for c in Contact.select().where(Contact.child == kid.id)] == ["long day and more"]
    assert Draft.select().count() == 0


async def test_a_full_disk_keeps_the_typed_talk_in_the_form_and_the_draft(tiny_school, backend, monkeypatch):
    """The database refuses the talk for want of space: one message next to the form naming it,
    the text in the form and in its draft, and the same key saves once there is room."""
    app = make_app(tiny_school)
    kid = tiny_school["kids"]["王芳"]
    database = dbmod.current()
    real = type(database).execute_sql
    message = ("database or disk is full" if backend == "sqlite"
               else 'could not extend file "base/16384/16500": No space left on device')

    def full(self, sql, params=None, *args, **kwargs):
        if sql.lstrip().upper().startswith("INSERT") and '"contact"' in sql:
            raise peewee.OperationalError(message)
        return real(self, sql, params, *args, **kwargs)

    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_talk_for(pilot, app, "wf")
        await pilot.press(*"no room")
        monkeypatch.setattr(type(database), "execute_sql", full)
        await pilot.press("ctrl+s")
        await saved(app, pilot)
        assert app.screen is screen and area_text(screen) == "no room"
        assert save_line(screen).startswith("磁盘已满")
        assert any(n.message.startswith("磁盘已满") for n in app._notifications)
        screen._flush_draft()
        screen.writer.flush()
        data, _ = drafts.load_draft(app.staff_id, "talk", f"child:{kid.id}", viewer=ALL)
        assert data["form"]["content"] == "no room"
        assert Contact.select().where(Contact.child == kid.id).count() == 0
        monkeypatch.undo()  # room again
        await pilot.press("ctrl+s")
        await saved(app, pilot)
        assert not isinstance(app.screen, TalkEntryScreen)
    assert Contact.get(Contact.child == kid.id).content == "no room"
    assert Draft.select().count() == 0


async def test_a_dropped_postgresql_connection_says_so_then_reconnects(pg_server):
    """Not per backend: a SQLite file has no server connection to lose. The server ends the
    app's connection while a talk is being typed (a restart, a cut cable): ctrl+s says so and
    keeps the text; the next ctrl+s reconnects and saves."""
    import uuid

    from models.entities import Classroom, School, Staff
    from tests.conftest import add_child

    name = f"gone_{uuid.uuid4().hex[:8]}"
    target = pg_server.create_database(name, template=pg_server.migrated_template())
    dbmod.open_database(target)
    try:
        school = School.create(name="测试小学")
        t1 = Staff.create(school=school, name="李老师", role="class_teacher", login="lilaoshi")
        room = Classroom.create(school=school, grade=3, number=2, name="三年级2班", head_teacher=t1)
        kid = add_child(school, room, "王芳")
        app = make_app({"school": school, "staff": [t1], "path": target})
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_talk_for(pilot, app, "wf")
            await pilot.press(*"cut off")
            pid = dbmod.current().execute_sql("SELECT pg_backend_pid()").fetchone()[0]
            admin = psycopg2.connect(pg_server.url("postgres"))
            admin.autocommit = True
            admin.cursor().execute("SELECT pg_terminate_backend(%s)", (pid,))
            admin.close()
            await pilot.press("ctrl+s")
            await saved(app, pilot)
            assert app.is_running and app.screen is screen
            assert screen.query_one(TextArea).text == "cut off"
            assert any("连接断开" in n.message for n in app._notifications)
            await pilot.press("ctrl+s")
            await saved(app, pilot)
            assert not isinstance(app.screen, TalkEntryScreen)
        assert Contact.get(Contact.child == kid.id).content == "cut off"
    finally:
        dbmod.current().close()
        pg_server.drop_database(name)


def test_the_import_command_says_busy_in_one_line_and_imports_nothing(tiny_school, backend, tmp_path):
    import os
    import subprocess

    from models.entities import Child
    from tests.test_import import GOOD_ROWS, GUANAI, HEADER, head, write_csv

    login = head(tiny_school)
    path = write_csv(tmp_path / "名册.csv", [HEADER, *GOOD_ROWS])
    before = Child.select().count()
    writer = LongWriter(tiny_school["path"])
    if backend == "postgresql":
        writer.con.cursor().execute("LOCK TABLE child IN EXCLUSIVE MODE")
    try:
        res = subprocess.run([GUANAI, "--db", tiny_school["path"], "--user", login, "import", str(path)],
                             capture_output=True, text=True, timeout=120,
                             env={**os.environ, "GUANAI_DB": "", "GUANAI_LOCK_WAIT": "1"})
    finally:
        writer.finish()
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert res.stderr.count("\n") == 1 and "数据库正被别人占用" in res.stderr, res.stderr
    assert Child.select().count() == before
