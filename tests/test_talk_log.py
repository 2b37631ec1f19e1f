"""The talk log (3): newest first, search by pinyin, filter, open and edit with history."""
import datetime as dt

import pytest

from textual.widgets import Select, TextArea

from models import contacts
from models.contacts import LogFilter
from models.entities import Contact
from models.scope import system_viewer

ALL = system_viewer()  # the whole database: these tests are not about scope (tests/test_scope.py is)
from screens.talk_entry import TalkEntryScreen
from screens.talk_log import TalkLogScreen
from tests.conftest import add_child
from tests.test_roster_screen import make_app


def test_log_rows_newest_first_and_filters(tiny_school):
    school = tiny_school["school"].id
    wf = tiny_school["kids"]["王芳"]
    Contact.create(child=wf, staff=tiny_school["staff"][1], kind="家长电话", at=dt.datetime(2026, 11, 26, 16, 0),
                   content="妈妈说\n春节回家", mood="开心")
    rows, total = contacts.log_rows(school, LogFilter(), viewer=ALL)
    assert total == 3
    assert [r.at for r in rows] == sorted((r.at for r in rows), reverse=True)
    assert rows[0].first_line == "妈妈说"
    assert [r.child_name for r in contacts.log_rows(school, LogFilter(child_query="wf"), viewer=ALL)[0]] == ["王芳"]
    assert contacts.log_rows(school, LogFilter(child_query="zhangxiao"), viewer=ALL)[1] == 2
    assert contacts.log_rows(school, LogFilter(kind="家长电话"), viewer=ALL)[1] == 1
    assert contacts.log_rows(school, LogFilter(mood="开心"), viewer=ALL)[1] == 1
    assert contacts.log_rows(school, LogFilter(staff_id=tiny_school["staff"][0].id), viewer=ALL)[1] == 2
    assert contacts.log_rows(school, LogFilter(date_from=dt.date(2026, 11, 21), date_to=dt.date(2026, 11, 25)), viewer=ALL)[1] == 1
    assert contacts.log_rows(school, LogFilter(classroom_id=tiny_school["classes"][1].id), viewer=ALL)[1] == 1
    rows, total = contacts.log_rows(school, LogFilter(), limit=1, viewer=ALL)
    assert (len(rows), total) == (1, 3)


async def test_log_screen_search_open_edit_keeps_history(tiny_school):
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        screen = app.screen
        assert isinstance(screen, TalkLogScreen)
        assert len(screen.rows) == 2
        await pilot.press("slash", *"zxm", "enter")
        assert all(r.child_name == "张小明" for r in screen.rows)
        target = next(r for r in screen.rows if r.reached)
        screen.query_one("#log-table").move_cursor(row=screen.rows.index(target))
        await pilot.press("enter")
        await pilot.pause()
        entry = app.screen
        assert isinstance(entry, TalkEntryScreen)
        assert entry.query_one(TextArea).text == "谈学习"
        await pilot.press(*"+ok", "ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("enter", "f10")
        await pilot.pause()
        shown = str(app.screen.query_one("#history-box Static").content)
        assert "内容 原为: 谈学习" in shown and "内容 改为: 谈学习+ok" in shown
        await pilot.press("escape", "escape")
    c = Contact.get_by_id(target.id)
    assert c.content == "谈学习+ok"
    history = contacts.contact_history(c.id, viewer=ALL)
    assert history[0]["old"]["content"] == "谈学习" and history[0]["new"]["content"] == "谈学习+ok"


async def test_log_filter_dialog_refuses_reversed_dates(tiny_school):
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "f")
        dialog = app.screen
        dialog.query_one("#tlf-kind", Select).value = "谈心"
        dialog.query_one("#tlf-from").value = "2026-11-25"
        dialog.query_one("#tlf-to").value = "2026-11-01"
        await pilot.press("ctrl+s")
        assert app.screen is dialog
        assert "不能早于" in str(dialog.query_one("#tlf-err").content)
        dialog.query_one("#tlf-to").value = "2026-11-30"
        await pilot.press("ctrl+s")
        log = app.screen
        assert isinstance(log, TalkLogScreen)
        assert log.total == 1 and log.filter.kind == "谈心"


def test_a_child_who_left_cannot_get_new_talks(tiny_school):
    gone = tiny_school["kids"]["陈刚"]
    form = contacts.ContactForm(when="2026-11-27 10:00", content="x")
    _, errors = contacts.validate_contact(form, [gone.id], now=dt.datetime(2026, 11, 28, 9, 0))
    assert "已转出" in errors["child"]
    # before the day they left, a late entry is still accepted
    form.when = "2026-10-01 10:00"
    _, errors = contacts.validate_contact(form, [gone.id], now=dt.datetime(2026, 11, 28, 9, 0))
    assert "child" not in errors


def test_validate_contact_table(db_path):
    now = dt.datetime(2026, 11, 28, 9, 0)
    cases = [
        (dict(content="ok"), {}),
        (dict(content=""), {"content"}),
        (dict(content="", reached=False), {}),  # an unanswered call needs no content
        (dict(content="x", minutes="abc"), {"minutes"}),
        (dict(content="x", minutes="0"), {"minutes"}),
        (dict(content="x", when="2027-03-01 10:00"), {"when"}),
        (dict(content="x", when="昨天"), {"when"}),
        (dict(content="x", when="10:30"), {}),
        (dict(content="x", follow_up_due="2026-11-01"), {"follow_up_due"}),
        (dict(content="x" * (contacts.CONTENT_LIMIT + 1)), {"content"}),
        (dict(content="x", kind="聊天"), {"kind"}),
        (dict(content="x", mood="狂喜"), {"mood"}),
        (dict(content="[b]x[/b]\x1b[31m"), {}),  # stored as typed; display cleans it
    ]
    for kwargs, bad in cases:
        form = contacts.ContactForm(**{"when": "2026-11-28 08:30", **kwargs})
        values, errors = contacts.validate_contact(form, [1], now=now)
        assert set(errors) - {"child"} == set(bad), (kwargs, errors)


@pytest.mark.parametrize("typed, talk, due", [
    # the follow-up date as its hint shows it (12-06): the next such day from the talk
    ("12-06", "2026-11-28 08:30", dt.date(2026, 12, 6)),
    ("1-5", "2026-12-20 08:30", dt.date(2027, 1, 5)),  # after a December talk: next January
    ("11-28", "2026-11-28 08:30", dt.date(2026, 11, 28)),
    ("2026-12-06", "2026-11-28 08:30", dt.date(2026, 12, 6)),
    ("02-30", "2026-11-28 08:30", None),  # no such day: refused
])
def test_follow_up_date_as_its_hint_shows(db_path, typed, talk, due):
    form = contacts.ContactForm(when=talk, content="x", follow_up_due=typed)
    values, errors = contacts.validate_contact(form, [1], now=dt.datetime(2026, 12, 21, 9, 0))
    if due is None:
        assert "follow_up_due" in errors
    else:
        assert "follow_up_due" not in errors and values["follow_up_due"] == due
