"""Writing events: create, change one occurrence or the whole series, delete; checked by role and audited."""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from models import db as dbmod
from models import audit, scope
from models.coerce import jsonable
from models.entities import Attendance, AuditLog, Event
from models.calendar.occurrences import _d
from models.calendar.recurrence import series_dates


def _audit(staff_id, row_id: int, action: str, old: dict, new: dict) -> None:
    audit.record(action, "event", row_id, staff_id=staff_id, old={k: jsonable(v) for k, v in old.items()},
                 new={k: jsonable(v) for k, v in new.items()})


EVENT_FIELDS = ("title", "kind", "start_date", "end_date", "start_time", "place", "organiser", "notes", "rrule")
TEXT_FIELDS = ("place", "organiser", "notes", "rrule")


def event_owners(root_ids: Iterable[int]) -> dict[int, scope.EventOwner]:
    """Who may change each plain event or series (``scope.may_change_event``): its school, its
    organiser and its creator — the staff of the newest audit ``create`` row of that id (the
    newest, because SQLite may give a deleted event's id to a new one). Two queries for a month."""
    ids = sorted({int(i) for i in root_ids})
    if not ids:
        return {}
    rows = list(Event.select(Event.id, Event.school, Event.organiser).where(Event.id.in_(ids)).tuples())
    creators: dict[int, int | None] = {}
    for row_id, staff_id in (AuditLog.select(AuditLog.row_id, AuditLog.staff)
                             .where((AuditLog.table == "event") & (AuditLog.action == "create")
                                    & AuditLog.row_id.in_(ids))
                             .order_by(AuditLog.id).tuples()):
        creators[row_id] = staff_id  # ascending: the newest create row wins
    return {eid: scope.EventOwner(school_id=school, created_by=creators.get(eid), organiser=organiser or "")
            for eid, school, organiser in rows}


def event_owner(event_id: int) -> scope.EventOwner | None:
    """``event_owners`` of one event; a single date of a series answers for its series."""
    row = Event.select(Event.id, Event.series).where(Event.id == event_id).tuples().first()
    if row is None:
        return None
    root = row[1] if row[1] is not None else row[0]
    return event_owners([root]).get(root)


def _require_event(viewer: scope.Viewer, action: str, event_id: int) -> None:
    """``ForbiddenError`` unless the viewer may ``action`` the event; a missing event passes (the
    caller's own lookup reports it)."""
    owner = event_owner(event_id)
    if owner is not None:
        scope.require_event(viewer, action, owner)


def _acting(viewer: scope.Viewer, staff_id: int | None) -> int | None:
    """Who the audit names: the signed-in viewer (whose ``create`` row makes them the event's
    creator, so no caller can name someone else), else the ``staff_id`` of a trusted caller."""
    return viewer.staff_id if viewer.staff_id is not None else staff_id


def create_event(values: dict, *, school_id: int, viewer: scope.Viewer, staff_id: int | None = None) -> int:
    """Add a plain event or a series (``ForbiddenError`` unless ``scope.may_create_event``)."""
    scope.require_event(viewer, "create", school_id=school_id)
    staff_id = _acting(viewer, staff_id)
    data = {f: values.get(f) for f in EVENT_FIELDS}
    for f in TEXT_FIELDS:
        data[f] = data[f] or ""
    with dbmod.write():
        e = Event.create(school=school_id, **data)
        _audit(staff_id, e.id, "create", {}, {k: v for k, v in data.items() if v not in (None, "")})
    return e.id


def update_series(event_id: int, values: dict, *, viewer: scope.Viewer, staff_id: int | None = None) -> int:
    """Save the event (or the whole series); returns how many single-date changes no longer apply
    (and were removed). ``ForbiddenError`` unless ``scope.may_change_event``."""
    dropped = 0
    staff_id = _acting(viewer, staff_id)
    with dbmod.write():
        _require_event(viewer, "edit", event_id)
        e = Event.get_by_id(event_id)
        old, new = {}, {}
        for f in EVENT_FIELDS:
            v = values.get(f)
            if f in TEXT_FIELDS:
                v = v or ""
            before = getattr(e, f)
            if f in ("start_date", "end_date"):
                before = _d(before)
            if before != v:
                old[f], new[f] = before, v
                setattr(e, f, v)
        if not new:
            return 0
        e.save()
        if "rrule" in new or "start_date" in new:
            keep = set()
            exc = list(Event.select().where(Event.series == e.id))
            if e.rrule and exc:
                occ_dates = [_d(x.occurrence) for x in exc]
                keep = set(series_dates(e.rrule, _d(e.start_date), min(occ_dates), max(occ_dates)))
            for x in exc:
                if _d(x.occurrence) not in keep:
                    x.delete_instance()
                    dropped += 1
        _audit(staff_id, e.id, "update", old, new)
    return dropped


def save_occurrence(series_id: int, occurrence: dt.date, values: dict, *, viewer: scope.Viewer,
                    staff_id: int | None = None) -> int:
    """Change one date of a series (an exception row); returns the exception's id.
    ``ForbiddenError`` unless the viewer may change the series."""
    staff_id = _acting(viewer, staff_id)
    data = {f: values.get(f) for f in EVENT_FIELDS}
    for f in TEXT_FIELDS:
        data[f] = data[f] or ""
    data["end_date"] = None
    with dbmod.write():
        _require_event(viewer, "edit", series_id)
        root = Event.get_by_id(series_id)
        row = Event.get_or_none((Event.series == series_id) & (Event.occurrence == occurrence))
        if row is None:
            row = Event.create(school=root.school_id, series=series_id, occurrence=occurrence, cancelled=False, **data)
            _audit(staff_id, row.id, "create", {}, {"series": series_id, "occurrence": occurrence, **data})
        else:
            for f, v in data.items():
                setattr(row, f, v)
            row.cancelled = False
            row.save()
            _audit(staff_id, row.id, "update", {}, data)
    return row.id


def cancel_occurrence(series_id: int, occurrence: dt.date, *, viewer: scope.Viewer,
                      staff_id: int | None = None) -> None:
    """Delete one date of a series: it stays in the series as cancelled; its attendance goes.
    ``ForbiddenError`` unless the viewer may change the series."""
    staff_id = _acting(viewer, staff_id)
    with dbmod.write():
        _require_event(viewer, "delete", series_id)
        root = Event.get_by_id(series_id)
        row = Event.get_or_none((Event.series == series_id) & (Event.occurrence == occurrence))
        if row is None:
            row = Event.create(school=root.school_id, series=series_id, occurrence=occurrence, cancelled=True,
                               title=root.title, kind=root.kind, start_date=occurrence, start_time=root.start_time,
                               place=root.place, organiser=root.organiser, notes=root.notes, rrule="")
        else:
            row.cancelled = True
            row.save()
        Attendance.delete().where((Attendance.event == series_id) & (Attendance.on_date == occurrence)).execute()
        _audit(staff_id, row.id, "delete", {"occurrence": occurrence}, {"cancelled": True})


def delete_event(event_id: int, *, viewer: scope.Viewer, staff_id: int | None = None) -> None:
    """Delete an event or a whole series, with its single-date changes and attendance.
    ``ForbiddenError`` unless the viewer may change it."""
    staff_id = _acting(viewer, staff_id)
    with dbmod.write():
        _require_event(viewer, "delete", event_id)
        e = Event.get_by_id(event_id)
        old = {f: getattr(e, f) for f in EVENT_FIELDS}
        e.delete_instance(recursive=True, delete_nullable=True)
        _audit(staff_id, event_id, "delete", old, {})


def attendance_count(event_id: int, on_date: dt.date | None = None) -> int:
    q = Attendance.select().where(Attendance.event == event_id)
    if on_date is not None:
        q = q.where(Attendance.on_date == on_date)
    return q.count()
