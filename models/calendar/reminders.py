"""Birthdays, 亲情书信 days and the reminders of a day (with the duties that fall due on it)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import peewee as pw

from models import db as dbmod
from models import duties, scope, terms
from models.entities import Child, Classroom
from models.calendar.lunar import CalendarError, LETTER_FESTIVALS, LETTER_LEAD_DAYS, day_info
from models.calendar.occurrences import _d, occurrences


@dataclass(frozen=True)
class Birthday:
    day: dt.date  # this year's birthday
    child_id: int
    name: str
    class_name: str
    age: int


def birthdays(school_id: int, lo: dt.date, hi: dt.date, *, viewer: scope.Viewer) -> list[Birthday]:
    """Left-behind children (在读) the viewer sees whose birthday falls in [lo, hi] (29 Feb: 28 Feb
    in other years)."""
    q = (Child.select(Child.id, Child.name, Child.birth_date, Classroom.name)
         .join(Classroom, pw.JOIN.LEFT_OUTER, on=(Child.classroom == Classroom.id))
         .where((Child.school == school_id) & (Child.status == "在读") & (Child.left_behind_type != "")
                & Child.birth_date.is_null(False) & scope.child_condition(viewer)))
    # Only the birthdays whose month and day fall in the window are read: a school of 20,000 has
    # 8,000 left-behind children and a week's window a few hundred birthdays (reading them all and
    # dropping the others here was 15 ms of 待办's first showing, issue 20).
    days = _month_days(lo, hi)
    if days is not None:
        q = q.where(_month_day(Child.birth_date).in_(sorted(days)))
    out = []
    for cid, name, birth, class_name in Child._meta.database.execute(q).fetchall():
        birth = _d(birth)
        for year in range(lo.year, hi.year + 1):
            try:
                day = birth.replace(year=year)
            except ValueError:  # 29 Feb
                day = dt.date(year, 2, 28)
            if lo <= day <= hi and day > birth:
                out.append(Birthday(day, cid, name, class_name or "", year - birth.year))
    out.sort(key=lambda b: (b.day, b.class_name, b.name))
    return out


def _month_days(lo: dt.date, hi: dt.date) -> set[str] | None:
    """The "MM-DD" of every day in [lo, hi] (with 02-29 when 28 February is in it: a 29 February
    birthday falls on the 28th in other years); None for a window of a year or more (every day)."""
    if (hi - lo).days >= 365:
        return None
    out = set()
    d = lo
    while d <= hi:
        out.add(f"{d.month:02d}-{d.day:02d}")
        d += dt.timedelta(days=1)
    if "02-28" in out:
        out.add("02-29")
    return out


def _month_day(column) -> pw.Node:
    """A date column's "MM-DD": SQLite keeps a date as ISO text, PostgreSQL as a date."""
    if dbmod.is_sqlite():
        return pw.fn.substr(column, 6, 5)
    return pw.fn.to_char(column, "MM-DD")


@dataclass(frozen=True)
class Reminder:
    day: dt.date
    kind: str  # 活动 / 生日 / 书信 / 节日
    text: str


def reminders(school_id: int, start: dt.date, days: int = 7, *, viewer: scope.Viewer) -> list[Reminder]:
    """The next ``days`` days from ``start`` (inclusive): events, birthdays, festivals, and letters
    home before 中秋 and 春节 (from ``LETTER_LEAD_DAYS`` before the festival)."""
    hi = start + dt.timedelta(days=days - 1)
    out: list[Reminder] = []
    for o in occurrences(school_id, start, hi):
        if o.day >= start:
            when = f" {o.time_text}" if o.time else ""
            out.append(Reminder(o.day, "活动", f"{o.title}{when}"))
    for b in birthdays(school_id, start, hi, viewer=viewer):
        out.append(Reminder(b.day, "生日", f"{b.name} ({b.class_name}) {b.age}岁生日"))
    look = hi + dt.timedelta(days=LETTER_LEAD_DAYS)
    d = start
    while d <= look:
        try:
            info = day_info(d)
        except CalendarError:
            break
        if d <= hi:
            for name in info.festival_names:
                out.append(Reminder(d, "节日", name))
        for name in info.festival_names:
            if name in LETTER_FESTIVALS:
                out.append(Reminder(max(start, d - dt.timedelta(days=LETTER_LEAD_DAYS)), "书信",
                                    f"{d.month}月{d.day}日{name}: 爱心妈妈指导留守儿童给父母写亲情书信"))
        d += dt.timedelta(days=1)
    order = {"节日": 0, "书信": 1, "活动": 2, "生日": 3}
    out.sort(key=lambda r: (r.day, order.get(r.kind, 9)))
    return out


def warm(today: dt.date, days: int = 7) -> None:
    """What the first 近7天 line and due list compute of the lunar calendar, done ahead (the app's
    warm-up thread, after its first frame): the terms around ``today`` and the lunar days
    ``reminders`` reads (~1 ms a day; 40 ms of the first 待办 in all). Both are cached."""
    terms.warm(today)
    look = today + dt.timedelta(days=days - 1 + LETTER_LEAD_DAYS)
    d = today
    while d <= look:
        try:
            day_info(d)
        except CalendarError:
            return
        d += dt.timedelta(days=1)


def duties_on(day: dt.date, *, viewer: scope.Viewer, school_id: int, staff_id: int | None = None,
              today: dt.date | None = None):
    """The talk-log duties that fall due on ``day`` (as known today; a past day as it stood then)."""
    today = today or dt.date.today()
    if day <= today:
        found = duties.open_duties(day, viewer=viewer, school_id=school_id, staff_id=staff_id, horizon_days=0)
    else:
        term = duties.term_for(today, school_id=school_id)
        if term is None or day not in term:
            return []
        found = duties.open_duties(today, viewer=viewer, school_id=school_id, staff_id=staff_id,
                                   horizon_days=(day - today).days)
    return [d for d in found if d.due == day]
