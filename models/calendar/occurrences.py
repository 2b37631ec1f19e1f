"""The occurrences of events in a date range: series expanded, exceptions applied."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable

import peewee as pw

from models.coerce import as_date as _d  # also the calendar modules' name for it
from models.entities import Event
from models.calendar.lunar import CalendarError
from models.calendar.recurrence import series_dates


@dataclass(frozen=True)
class Occurrence:
    """One appearance of an event on the calendar."""

    event_id: int  # the row holding this occurrence's data (an exception row, or the event)
    root_id: int  # the plain event or the series (attendance points here)
    day: dt.date
    end: dt.date
    title: str
    kind: str
    time: dt.time | None
    place: str
    organiser: str
    notes: str
    occurrence: dt.date | None = None  # the series date (for a series' occurrences)
    rrule: str = ""  # the series' rule
    modified: bool = False  # a changed single occurrence

    @property
    def recurring(self) -> bool:
        return self.occurrence is not None

    @property
    def attendance_date(self) -> dt.date:
        return self.occurrence or self.day

    def covers(self, day: dt.date) -> bool:
        return self.day <= day <= self.end

    @property
    def time_text(self) -> str:
        return self.time.strftime("%H:%M") if self.time else ""


def _t(value) -> dt.time | None:
    if value is None or isinstance(value, dt.time):
        return value
    text = str(value)
    return dt.time.fromisoformat(text[:8] if len(text) >= 8 else text)


def _occ(row: Event, day: dt.date, *, root_id: int, occurrence: dt.date | None, rrule: str = "",
         modified: bool = False) -> Occurrence:
    start = _d(row.start_date)
    end = _d(row.end_date) or start
    span = max(0, (end - start).days) if occurrence is None else 0
    return Occurrence(
        event_id=row.id, root_id=root_id, day=day, end=day + dt.timedelta(days=span), title=row.title,
        kind=row.kind, time=_t(row.start_time), place=row.place or "", organiser=row.organiser or "",
        notes=row.notes or "", occurrence=occurrence, rrule=rrule, modified=modified,
    )


def occurrences(school_id: int, lo: dt.date, hi: dt.date) -> list[Occurrence]:
    """Every event occurrence that touches [lo, hi], in date and time order.

    Three queries: plain events and series roots, and the exceptions in or for the window.
    """
    roots = list(Event.select().where(
        (Event.school == school_id) & Event.series.is_null() & (Event.start_date <= hi)
        & ((Event.rrule != "") | (pw.fn.COALESCE(Event.end_date, Event.start_date) >= lo))))
    out: list[Occurrence] = []
    series = {}
    for row in roots:
        if (row.rrule or "").strip():
            series[row.id] = row
        else:
            out.append(_occ(row, _d(row.start_date), root_id=row.id, occurrence=None))
    if series:
        exceptions = list(Event.select().where(
            (Event.school == school_id) & Event.series.is_null(False)
            & (Event.occurrence.between(lo, hi) | Event.start_date.between(lo, hi))))
    else:
        exceptions = list(Event.select().where(
            (Event.school == school_id) & Event.series.is_null(False) & Event.start_date.between(lo, hi)))
    replaced = {(e.series_id, _d(e.occurrence)) for e in exceptions}
    for row in series.values():
        try:
            dates = series_dates(row.rrule, _d(row.start_date), lo, hi)
        except CalendarError:
            continue  # a rule broken outside the app: the event still opens for editing
        for day in dates:
            if (row.id, day) not in replaced:
                out.append(_occ(row, day, root_id=row.id, occurrence=day, rrule=row.rrule))
    roots_rrule = {r.id: r.rrule for r in series.values()}
    for e in exceptions:
        day = _d(e.start_date)
        if e.cancelled or not lo <= day <= hi:
            continue
        out.append(_occ(e, day, root_id=e.series_id, occurrence=_d(e.occurrence),
                        rrule=roots_rrule.get(e.series_id, ""), modified=True))
    out.sort(key=lambda o: (o.day, o.time or dt.time.min, o.title, o.event_id))
    return [o for o in out if o.end >= lo]


def by_day(occs: Iterable[Occurrence], lo: dt.date, hi: dt.date) -> dict[dt.date, list[Occurrence]]:
    """Occurrences per day (a multi-day event appears on each of its days)."""
    days: dict[dt.date, list[Occurrence]] = {}
    for o in occs:
        d = max(o.day, lo)
        while d <= min(o.end, hi):
            days.setdefault(d, []).append(o)
            d += dt.timedelta(days=1)
    return days


def day_occurrences(school_id: int, day: dt.date) -> list[Occurrence]:
    return [o for o in occurrences(school_id, day, day) if o.covers(day)]
