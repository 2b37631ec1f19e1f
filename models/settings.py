"""A school's settings: text values by key, with defaults kept here in the code.

A setting that was never changed has no row; ``get`` returns its default. ``put`` writes
one row per school and key (and an audit row), so the history of a change is kept.
No textual here.
"""
from __future__ import annotations

import datetime as dt

from models import audit
from models import db as dbmod
from models.entities import Setting
from models.sanitize import clean_text


def get(school_id: int | None, key: str, default: str = "") -> str:
    row = (Setting.select(Setting.value)
           .where(_school_is(school_id) & (Setting.key == key)).tuples().first())
    return row[0] if row else default


def get_many(school_id: int | None, prefix: str) -> dict[str, str]:
    """Every stored setting of the school whose key starts with ``prefix``."""
    q = (Setting.select(Setting.key, Setting.value)
         .where(_school_is(school_id) & Setting.key.startswith(prefix)).tuples())
    return dict(q)


def put(school_id: int | None, key: str, value: str, *, staff_id: int | None = None) -> None:
    value = clean_text(value, multiline=True)  # never store a control character
    now = dt.datetime.now().replace(microsecond=0)
    with dbmod.write():
        row = Setting.get_or_none(_school_is(school_id) & (Setting.key == key))
        old = row.value if row else None
        if row is None:
            row = Setting.create(school=school_id, key=key, value=value, updated_at=now, updated_by=staff_id)
        elif row.value == value:
            return
        else:
            row.value, row.updated_at, row.updated_by = value, now, staff_id
            row.save()
        audit.record("create" if old is None else "update", "setting", row.id, staff_id=staff_id, at=now,
                     old={} if old is None else {key: old}, new={key: value})


def _school_is(school_id: int | None):
    return Setting.school.is_null() if school_id is None else (Setting.school == school_id)


AMBIWIDTH_KEY = "terminal.ambiwidth."  # + staff id: how this login's terminal draws · ─ …
AMBIWIDTH_CHOICES = ("wide", "narrow", "auto")  # chosen by her; "seen-wide"/"seen-narrow": last probe


def login_ambiwidth(school_id: int | None, staff_id: int | None) -> str:
    """The login's terminal setting (``wide``, ``narrow``, ``seen-…`` or '' for none): SSH does
    not pass GUANAI_AMBIWIDTH, so a teacher's choice (or the terminal's last answer) lives here."""
    if not staff_id:
        return ""
    return get(school_id, f"{AMBIWIDTH_KEY}{staff_id}")


def set_login_ambiwidth(school_id: int | None, staff_id: int, value: str) -> None:
    if value not in (*AMBIWIDTH_CHOICES, "seen-wide", "seen-narrow"):
        raise ValueError(value)
    put(school_id, f"{AMBIWIDTH_KEY}{staff_id}", "" if value == "auto" else value, staff_id=staff_id)
