"""Live updates between processes, and saving over someone else's change (both versions shown)."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from textual.widgets import Input, Static, TextArea

from models import children, conflicts, contacts, drafts, live, scope
from models import db as dbmod
from models.entities import Child, Contact
from screens.child_form import ChildFormScreen
from screens.conflict import ConflictScreen
from screens.talk_entry import TalkEntryScreen
from tui.app import GuanaiApp
from tui.context import Session

pytestmark = pytest.mark.both_backends  # the model layer runs on SQLite and on PostgreSQL

ROOT = Path(__file__).resolve().parent.parent


def in_other_connection(fn):
    """Run ``fn`` on a connection of its own (another thread), as another user's process would."""
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


# --- the watcher, both backends -----------------------------------------------------------

def test_watcher_sees_other_connections_changes_but_not_drafts(small_school):
    kid, t1 = small_school["kids"]["张小明"], small_school["staff"][0]
    watcher = live.ChangeWatcher()
    assert watcher.changed() is False
    viewer = scope.system_viewer(small_school["school"].id)
    in_other_connection(lambda: drafts.save_draft(t1.id, "talk", f"child:{kid.id}", {"form": {"content": "正在输入"}},
                                                  viewer=viewer))
    assert watcher.changed() is False, "a draft being typed is no reason to refresh anyone's list"
    in_other_connection(lambda: contacts.create_contacts(
        {"kind": "谈心", "at": dt.datetime(2026, 11, 27, 9), "content": "新的谈话"}, [kid.id], staff_id=t1.id,
        viewer=viewer))
    assert watcher.changed() is True
    assert watcher.changed() is False  # once per change
    values = children.load_form_values(kid.id)
    clean, errors = children.validate_child({**values, "address": "石门村9组"}, child_id=kid.id)
    assert not errors
    in_other_connection(lambda: children.save_child(clean, child_id=kid.id, school_id=small_school["school"].id,
                                                    staff_id=t1.id, viewer=viewer))
    assert watcher.changed() is True  # an edit of an existing row: its audit row moves the fingerprint


def test_watcher_polls_cheaply(db_path, backend):
    watcher = live.ChangeWatcher()
    assert not any(watcher.changed() for _ in range(200))
    if backend == "sqlite":
        assert watcher.fingerprints == 0, "unchanged data_version: no query beyond the pragma"
        assert watcher.interval == 1.0
    else:  # no data_version on PostgreSQL: the fingerprint itself is the poll, every 2 s
        assert watcher.fingerprints == 200
        assert watcher.interval == 2.0


# --- the app refreshes when another process writes -----------------------------------------

WRITER = """
import sys, datetime as dt
sys.path.insert(0, {root!r})
from models import db as dbmod, children, contacts, scope
from models.entities import Child
dbmod.open_database({path!r})
viewer = scope.system_viewer({school})
kind = sys.argv[1]
if kind == "child":
    values, errors = children.validate_child({{"name": "新来的", "sex": "女", "birth_date": "2016-03-02",
        "status": "在读", "left_behind_type": "父母均外出", "classroom": {room}}})
    assert not errors, errors
    children.save_child(values, child_id=None, school_id={school}, staff_id=None, viewer=viewer)
else:
    contacts.create_contacts({{"kind": "家访", "at": dt.datetime(2026, 11, 27, 16), "content": "另一位老师的家访"}},
                             [{kid}], staff_id=None, viewer=viewer)
"""


def write_from_another_process(tiny_school, kind):
    code = WRITER.format(root=str(ROOT), path=tiny_school["path"], room=tiny_school["classes"][0].id,
                         school=tiny_school["school"].id, kid=tiny_school["kids"]["张小明"].id)
    res = subprocess.run([sys.executable, "-c", code, kind], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr


def make_app(tiny_school, staff=None):
    school = tiny_school["school"]
    staff = staff or tiny_school["staff"][0]
    return GuanaiApp(Session(target=tiny_school["path"], school_id=school.id, staff_id=staff.id,
                             staff_name=staff.name, school_name=school.name))


async def poll_now(pilot, app, predicate=lambda: True):
    """What the app's once-a-second timer does, done now (no test waits on the clock): ask the
    watcher, let the screen reload (in a worker, where it uses one), then check ``predicate``."""
    app.check_for_changes()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert predicate(), "not refreshed after the watcher saw the change"


async def test_roster_and_talk_log_refresh_when_another_process_writes(tiny_school, backend):
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")  # a class teacher starts on 待办
        roster = app.screen
        assert "新来的" not in [r.name for r in roster.rows]
        assert app.watcher.interval == (1.0 if backend == "sqlite" else 2.0)  # the poll's period
        write_from_another_process(tiny_school, "child")
        await poll_now(pilot, app, lambda: "新来的" in [r.name for r in roster.rows])
        await pilot.press("3")  # the talk log
        log = app.screen
        before = log.total
        write_from_another_process(tiny_school, "contact")
        await poll_now(pilot, app, lambda: log.total == before + 1)
        assert log.rows[0].kind == "家访"
        assert app.data_refreshes >= 2
        for key, screen_name in (("0", "DueScreen"), ("2", "PairingBoardScreen"), ("4", "CalendarScreen")):
            await pilot.press(key)
            await pilot.pause()
            assert type(app.screen).__name__ == screen_name
            before = app.data_refreshes
            write_from_another_process(tiny_school, "contact")
            await poll_now(pilot, app, lambda: app.data_refreshes > before)


async def test_a_form_with_unsaved_input_is_not_refreshed(tiny_school):
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(ChildFormScreen(tiny_school["kids"]["张小明"].id))
        await pilot.pause()
        form = app.screen
        form.query_one("#f-address", Input).value = "我正在改"
        assert form.is_dirty()
        write_from_another_process(tiny_school, "contact")
        await poll_now(pilot, app)
        assert app.screen is form and form.query_one("#f-address", Input).value == "我正在改"
        assert app.refresh_screen_data() is False


# --- conflicts in the model, both backends ---------------------------------------------------

def V(school_id=None):
    return scope.system_viewer(school_id)


def _edit(child_id, **changes):
    values = children.load_form_values(child_id)
    values.update(changes)
    clean, errors = children.validate_child(values, child_id=child_id)
    assert not errors, errors
    return clean


def test_save_child_over_a_newer_version_raises_with_theirs(small_school):
    kid, t1, t2 = small_school["kids"]["张小明"], *small_school["staff"]
    school_id = small_school["school"].id
    loaded = children.child_version(kid.id)
    theirs = _edit(kid.id, address="石门村7组")
    mine = _edit(kid.id, address="石门村5组")
    children.save_child(theirs, child_id=kid.id, school_id=school_id, staff_id=t2.id, viewer=V(), expected_updated_at=loaded)
    with pytest.raises(conflicts.ConflictError) as info:
        children.save_child(mine, child_id=kid.id, school_id=school_id, staff_id=t1.id, viewer=V(), expected_updated_at=loaded)
    assert info.value.current["address"] == "石门村7组"
    assert info.value.updated_by == "赵老师" and "赵老师" in str(info.value)
    assert Child.get_by_id(kid.id).address == "石门村7组", "nothing overwritten"
    # choosing to keep mine: save against their version
    children.save_child(mine, child_id=kid.id, school_id=school_id, staff_id=t1.id, viewer=V(),
                        expected_updated_at=info.value.updated_at)
    assert Child.get_by_id(kid.id).address == "石门村5组"


def test_two_saves_in_one_second_are_still_two_versions(small_school):
    kid, t1 = small_school["kids"]["张小明"], small_school["staff"][0]
    school_id = small_school["school"].id
    v0 = children.child_version(kid.id)
    children.save_child(_edit(kid.id, address="一"), child_id=kid.id, school_id=school_id, staff_id=t1.id, viewer=V())
    children.save_child(_edit(kid.id, address="二"), child_id=kid.id, school_id=school_id, staff_id=t1.id, viewer=V())
    v2 = children.child_version(kid.id)
    assert v2 > v0
    v1 = v2 - dt.timedelta(seconds=1)
    with pytest.raises(conflicts.ConflictError):
        children.save_child(_edit(kid.id, address="三"), child_id=kid.id, school_id=school_id, staff_id=t1.id,
                            viewer=V(), expected_updated_at=v1)


def test_update_contact_over_a_newer_version_raises_with_theirs(small_school):
    kid, t1, t2 = small_school["kids"]["张小明"], *small_school["staff"]
    cid, = contacts.create_contacts({"kind": "谈心", "at": dt.datetime(2026, 11, 20, 10), "content": "原来的"},
                                    [kid.id], staff_id=t1.id, viewer=V())
    loaded = contacts.contact_version(cid)
    contacts.update_contact(cid, {"content": "对方改的", "mood": "低落"}, staff_id=t2.id, viewer=V(), expected_updated_at=loaded)
    with pytest.raises(conflicts.ConflictError) as info:
        contacts.update_contact(cid, {"content": "我改的"}, staff_id=t1.id, viewer=V(), expected_updated_at=loaded)
    assert info.value.current["content"] == "对方改的" and info.value.current["mood"] == "低落"
    assert info.value.updated_by == "赵老师"
    assert Contact.get_by_id(cid).content == "对方改的"


def test_merge_keeps_my_changes_and_their_others():
    base = {"a": "1", "b": "1", "c": "1"}
    mine = {"a": "mine", "b": "1", "c": "both-mine"}
    theirs = {"a": "1", "b": "theirs", "c": "both-theirs"}
    rows = conflicts.conflict_rows(base, mine, theirs, "abc")
    assert [(r.key, r.who) for r in rows] == [("a", "我"), ("b", "对方"), ("c", "双方")]
    assert conflicts.keep_mine(base, mine, theirs, "abc") == {"a": "mine", "b": "theirs", "c": "both-mine"}


# --- conflicts on screen -------------------------------------------------------------------

def _other_user_saves(tiny_school, **changes):
    kid = tiny_school["kids"]["张小明"]
    other = tiny_school["staff"][1]
    children.save_child(_edit(kid.id, **changes), child_id=kid.id, school_id=tiny_school["school"].id,
                        staff_id=other.id, viewer=V())


def conflict_text(screen) -> str:
    return "\n".join(str(w.content) for w in screen.query(Static))


@pytest.mark.parametrize("choice", ["m", "t"])
async def test_child_form_conflict_shows_both_versions_and_lets_me_choose(tiny_school, choice):
    kid = tiny_school["kids"]["张小明"]
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(ChildFormScreen(kid.id))
        await pilot.pause()
        form = app.screen
        form.query_one("#f-address", Input).value = "石门村5组"  # mine
        _other_user_saves(tiny_school, address="石门村7组", guardian_phone="13911112222")  # theirs, meanwhile
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConflictScreen)
        text = conflict_text(dialog)
        assert "赵老师" in text
        assert "【现居住地】 双方都改了" in text and "我的: 石门村5组" in text and "对方: 石门村7组" in text
        assert "【监护人电话】 对方改的" in text and "13911112222" in text
        await pilot.press(choice)
        await pilot.pause()
        saved = Child.get_by_id(kid.id)
        if choice == "m":  # my address wins, their phone stays
            assert app.screen is not form
            assert (saved.address, saved.guardian_phone) == ("石门村5组", "13911112222")
        else:  # their version in the form, nothing of mine saved, the form still open
            assert app.screen is form and not form.is_dirty()
            assert form.query_one("#f-address", Input).value == "石门村7组"
            assert (saved.address, saved.guardian_phone) == ("石门村7组", "13911112222")
            await pilot.press("escape")
            assert app.screen is not form


async def test_talk_entry_conflict_keep_mine(tiny_school):
    kid, t1, t2 = tiny_school["kids"]["张小明"], *tiny_school["staff"]
    cid = Contact.select().where(Contact.child == kid.id).order_by(Contact.id).first().id
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(TalkEntryScreen(contact_id=cid))
        await pilot.pause()
        entry = app.screen
        entry.query_one("#talk-content", TextArea).load_text("我补充的内容")
        contacts.update_contact(cid, {"content": "对方的内容", "mood": "低落"}, staff_id=t2.id, viewer=V())
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConflictScreen)
        text = conflict_text(dialog)
        assert "【内容】 双方都改了" in text and "我补充的内容" in text and "对方的内容" in text
        assert "【情绪】 对方改的" in text
        await pilot.press("m")
        await pilot.pause()
        c = Contact.get_by_id(cid)
        assert (c.content, c.mood) == ("我补充的内容", "低落")
        assert app.screen is not entry
        assert drafts.load_draft(t1.id, "talk", f"contact:{cid}", viewer=V()) is None
