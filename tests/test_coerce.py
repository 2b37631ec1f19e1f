"""models.coerce: the one reading of SQL values as dates and the one JSON shape of dates, whatever
the backend hands back (SQLite text, PostgreSQL objects)."""
from __future__ import annotations

import datetime as dt

import pytest

from models.coerce import as_date, as_datetime, jsonable

D = dt.date(2026, 12, 5)
T = dt.datetime(2026, 12, 5, 8, 30, 15)


@pytest.mark.parametrize("value, expected", [
    (None, None),
    ("", None),
    (D, D),
    (T, D),  # PostgreSQL's MAX over a timestamp
    ("2026-12-05", D),  # SQLite's stored text of a date
    ("2026-12-05 08:30:15", D),  # … of a datetime
    ("2026-12-05T08:30:15.123456", D),
])
def test_as_date(value, expected):
    result = as_date(value)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize("value", ["05.12.2026", "2026-13-01", "yesterday"])
def test_as_date_refuses_what_is_not_iso(value):
    with pytest.raises(ValueError):
        as_date(value)


@pytest.mark.parametrize("value, expected", [
    (None, None),
    ("", None),
    (T, T),
    (D, dt.datetime(2026, 12, 5)),
    ("2026-12-05 08:30:15", T),
    ("2026-12-05T08:30:15", T),
    ("2026-12-05", dt.datetime(2026, 12, 5)),
])
def test_as_datetime(value, expected):
    assert as_datetime(value) == expected


@pytest.mark.parametrize("value, expected", [
    (D, "2026-12-05"),
    (T, "2026-12-05T08:30:15"),
    (dt.time(8, 30), "08:30:00"),  # an event's start time in its audit row
    ("2026-12-05", "2026-12-05"),
    (None, None),
    (3, 3),
    (["a"], ["a"]),
])
def test_jsonable(value, expected):
    assert jsonable(value) == expected
