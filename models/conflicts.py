"""Optimistic concurrency: a form remembers the ``updated_at`` it loaded; saving over a newer
version raises ``ConflictError`` with the other version instead of overwriting it silently.

The comparison happens inside the save's write transaction (SQLite holds the write lock from
its first statement; PostgreSQL reads the row ``FOR UPDATE``), and every save moves
``updated_at`` strictly forward (``next_stamp``), so two saves in the same second are still
told apart. The helpers compare three versions of a form — what it loaded (base), what the
user typed (mine), what is stored now (theirs) — for the screen that lets the user choose.
No textual here.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from models.errors import UserError


class ConflictError(UserError):
    """Someone saved this record after the form loaded it; ``current`` is their version
    (in the shape the form loads), ``updated_at`` its version stamp."""

    def __init__(self, message: str, *, current: dict, updated_at: dt.datetime | None, updated_by: str = "") -> None:
        super().__init__(message)
        self.current = current
        self.updated_at = updated_at
        self.updated_by = updated_by


def as_datetime(value: Any) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value


def same_version(stored: Any, expected: Any) -> bool:
    return as_datetime(stored) == as_datetime(expected)


def next_stamp(previous: Any, now: dt.datetime) -> dt.datetime:
    """``now`` (whole seconds), or one second after ``previous`` when that is not earlier:
    the version always moves, even for two saves within one second."""
    now = now.replace(microsecond=0)
    prev = as_datetime(previous)
    if prev is not None and now <= prev:
        return prev.replace(microsecond=0) + dt.timedelta(seconds=1)
    return now


def message(what: str, updated_by: str, updated_at: Any) -> str:
    at = as_datetime(updated_at)
    who = updated_by or "其他人"
    when = f"在 {at:%m-%d %H:%M:%S} " if at else ""
    return f"{who}{when}修改了这份{what} (在你打开之后)"


def _same(a: Any, b: Any) -> bool:
    if a in (None, "", [], ()) and b in (None, "", [], ()):
        return True
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return list(a) == list(b)
    return a == b


@dataclass(slots=True)
class ConflictRow:
    key: str
    label: str
    mine: Any
    theirs: Any
    who: str  # 我 / 对方 / 双方: who changed it since the form was opened


def changed_keys(base: dict, other: dict, keys: Iterable[str]) -> list[str]:
    return [k for k in keys if not _same(base.get(k), other.get(k))]


def conflict_rows(base: dict, mine: dict, theirs: dict, keys: Iterable[str],
                  label: Callable[[str], str] = str) -> list[ConflictRow]:
    """The fields where my version and theirs differ, with who changed each."""
    rows = []
    for k in keys:
        if _same(mine.get(k), theirs.get(k)):
            continue
        me = not _same(base.get(k), mine.get(k))
        they = not _same(base.get(k), theirs.get(k))
        who = "双方" if me and they else ("我" if me else "对方")
        rows.append(ConflictRow(key=k, label=label(k), mine=mine.get(k), theirs=theirs.get(k), who=who))
    return rows


def keep_mine(base: dict, mine: dict, theirs: dict, keys: Iterable[str]) -> dict:
    """Their version with my changes on top: what I changed wins, what only they changed stays."""
    merged = dict(theirs)
    for k in changed_keys(base, mine, keys):
        merged[k] = mine.get(k)
    return merged
