"""The demo brought up to today: its copy's history moves by whole weeks, sample.db never changes."""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import peewee as pw
import pytest

from models import db as dbmod
from models import demo_shift
from models.coerce import as_date, as_datetime
from models.entities import Absence, AuditLog, Child, Contact, Event, Parent, Setting
from tests.conftest import copy_private

FRIDAY = dt.date(2026, 11, 27)  # the demo's last logged school day


@pytest.mark.parametrize("today, weeks", [
    (dt.date(2026, 11, 28), 0),  # the demo's own today
    (dt.date(2026, 12, 4), 0),  # within the week after: nothing moves
    (dt.date(2026, 12, 5), 1),  # a week on: the newest talk becomes 12-04, yesterday
    (dt.date(2026, 12, 6), 1),
    (dt.date(2026, 12, 12), 2),
    (dt.date(2027, 3, 1), 13),
    (dt.date(2026, 10, 1), 0),  # a clock behind the history moves nothing
])
def test_weeks_behind(today, weeks):
    assert demo_shift.weeks_behind(FRIDAY, today) == weeks
    newest = FRIDAY + dt.timedelta(weeks=weeks)
    assert newest.weekday() == FRIDAY.weekday()
    assert weeks == 0 or 0 < (today - newest).days <= 7


def _facts() -> dict:
    return {
        "talks": {i: as_datetime(a) for i, a in Contact.select(Contact.id, Contact.at).tuples()},
        "absences": {i: as_date(d) for i, d in Absence.select(Absence.id, Absence.day).tuples()},
        "births": dict(Child.select(Child.id, Child.birth_date).tuples()),
        "parents": dict(Parent.select(Parent.id, Parent.birth_date).tuples()),
        "audit": dict(AuditLog.select(AuditLog.id, AuditLog.at).tuples()),
        "settings": dict(Setting.select(Setting.key, Setting.value).tuples()),
        "events": {i: (as_date(d), r) for i, d, r in Event.select(Event.id, Event.start_date, Event.rrule).tuples()},
    }


def test_a_copy_of_the_demo_moves_its_records_not_its_facts(tmp_path):
    path = str(tmp_path / "demo.db")
    copy_private("sample.db", path)
    from tui.context import open_db

    open_db(path, create=False)
    try:
        before = _facts()
        assert demo_shift.bring_up_to_date(dbmod.current(), dt.date(2026, 12, 6)) == 7
        after = _facts()
    finally:
        dbmod.current().close()
    week = dt.timedelta(days=7)
    assert after["talks"] == {i: at + week for i, at in before["talks"].items()}
    # an absence per child and day (a unique index): moved whole, not refused half way
    assert after["absences"] == {i: d + week for i, d in before["absences"].items()} and after["absences"]
    assert after["births"] == before["births"] and after["parents"] == before["parents"]
    assert after["audit"] == before["audit"]  # append-only, even in a copy
    assert after["settings"] == before["settings"]  # the school's term dates
    assert after["events"] == before["events"]  # the 行事历: 宪法日 stays on 12-04


def test_the_demo_session_is_this_week_and_sample_db_is_untouched():
    from tui.context import open_session

    digest = hashlib.sha256(Path("sample.db").read_bytes()).hexdigest()
    session = open_session(None, demo=True, user="xiaozhang")
    try:
        newest = as_datetime(Contact.select(pw.fn.MAX(Contact.at)).scalar()).date()
        today = dt.date.today()
        assert newest == FRIDAY + dt.timedelta(weeks=demo_shift.weeks_behind(FRIDAY, today))
    finally:
        session.close()
    assert hashlib.sha256(Path("sample.db").read_bytes()).hexdigest() == digest
