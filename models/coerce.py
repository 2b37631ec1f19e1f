"""Values read back from SQL or written to JSON, in one shape whatever the backend.

SQLite aggregates (MAX, correlated subqueries) and raw selects return the stored text,
PostgreSQL returns date/datetime objects; both become Python dates here. The change history
and the audit log store values as JSON, where a date, time or datetime is its ISO text.
Every model module uses these; there is no private copy. A leaf: standard library only.
"""
from __future__ import annotations

import datetime as dt
from typing import Any


def as_date(value) -> dt.date | None:
    """A date from a date, a datetime (its day) or ISO text (its first ten characters); ``None``
    and an empty string are ``None``."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def as_datetime(value) -> dt.datetime | None:
    """A datetime from a datetime, a date (its midnight) or ISO text; ``None`` and ``""`` are ``None``."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    return dt.datetime.fromisoformat(str(value))


def jsonable(value: Any) -> Any:
    """A value as JSON can hold it: dates, times and datetimes as ISO text, anything else as it is."""
    if isinstance(value, (dt.date, dt.time, dt.datetime)):
        return value.isoformat()
    return value
