"""活动签到: who took part in an occurrence, kept against the series and the original date."""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from models import db as dbmod
from models import scope
from models.entities import Attendance, Event
from models.calendar.occurrences import _d
from models.calendar.saving import _acting, _audit, _require_event


def attendance(event_id: int, on_date: dt.date) -> set[int]:
    """The children who took part in an occurrence."""
    return {cid for (cid,) in Attendance.select(Attendance.child)
            .where((Attendance.event == event_id) & (Attendance.on_date == on_date)).tuples()}


def set_attendance(event_id: int, on_date: dt.date, child_ids: Iterable[int], *, viewer: scope.Viewer,
                   staff_id: int | None = None) -> tuple[int, int]:
    """Make exactly ``child_ids`` the participants of an occurrence; returns (added, removed).

    Only children the viewer sees are added or removed (``ForbiddenError`` otherwise, nothing
    written): the others' attendance is kept as it is. Only who ``scope.may_mark_attendance``."""
    wanted = {int(c) for c in child_ids}
    staff_id = _acting(viewer, staff_id)
    with dbmod.write():
        _require_event(viewer, "attendance", event_id)
        Event.get_by_id(event_id)
        have = attendance(event_id, on_date)
        add, drop = wanted - have, have - wanted
        visible = scope.visible_child_ids(viewer)
        if visible is not None and (add | drop) - visible:
            raise scope.ForbiddenError()
        if drop:
            Attendance.delete().where((Attendance.event == event_id) & (Attendance.on_date == on_date)
                                      & Attendance.child.in_(sorted(drop))).execute()
        if add:
            Attendance.insert_many([{"event": event_id, "child": c, "on_date": on_date} for c in sorted(add)]).execute()
        if add or drop:
            _audit(staff_id, event_id, "update", {"attendance": on_date, "removed": sorted(drop)},
                   {"attendance": on_date, "added": sorted(add)})
    return len(add), len(drop)


def events_attended(child_id: int) -> list[dict]:
    """The events a child took part in, newest first: date, title, kind (a moved or renamed single
    date of a series shows its own date and title)."""
    rows = list(Attendance.select(Attendance.on_date, Event.id, Event.title, Event.kind)
                .join(Event, on=(Attendance.event == Event.id))
                .where(Attendance.child == child_id).tuples())
    if not rows:
        return []
    exc = {}
    ids = sorted({r[1] for r in rows})
    for x in Event.select().where(Event.series.in_(ids)):
        exc[(x.series_id, _d(x.occurrence))] = x
    out = []
    for on_date, eid, title, kind in rows:
        day = _d(on_date)
        x = exc.get((eid, day))
        if x is not None and not x.cancelled:
            out.append({"date": _d(x.start_date), "title": x.title, "kind": x.kind, "event_id": eid})
        else:
            out.append({"date": day, "title": title, "kind": kind, "event_id": eid})
    out.sort(key=lambda r: (r["date"], r["title"]), reverse=True)
    return out
