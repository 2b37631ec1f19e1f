"""Has another user changed the data since we last looked? Polled by the app every second or two.

SQLite: ``PRAGMA data_version`` changes when any *other* connection commits; it costs no I/O.
Drafts are written about twice a second while someone types, so a changed ``data_version`` is
only a hint: the watcher then compares a fingerprint of what the list screens show — the
newest id of every table they read, and the row count of the small ones, all answered from
the primary-key b-trees — and reports a change only when that moved. Every edit of an
existing row writes an audit row, so the audit log's newest id covers updates and deletes.

PostgreSQL has no ``data_version``: the fingerprint itself is polled (a handful of index
lookups, well under a millisecond on a county server). No textual here.
"""
from __future__ import annotations

from models import db as dbmod

# Tables whose newest id says "rows were added"; audit_log covers updates and deletes.
MAX_ID_TABLES = ("audit_log", "child", "contact", "pairing", "event", "attendance", "staff", "parent")
# Small tables whose rows may go without an audit row: counted.
COUNT_TABLES = ("pairing", "attendance", "event", "classroom")


def _fingerprint_sql() -> str:
    parts = [f"(SELECT max(id) FROM {t})" for t in MAX_ID_TABLES]
    parts += [f"(SELECT count(*) FROM {t})" for t in COUNT_TABLES]
    return "SELECT " + ", ".join(parts)


FINGERPRINT_SQL = _fingerprint_sql()


def fingerprint() -> tuple:
    return tuple(dbmod.current().execute_sql(FINGERPRINT_SQL).fetchone())


class ChangeWatcher:
    """``changed()`` is True once after another connection changed what the lists show."""

    def __init__(self) -> None:
        self.sqlite = dbmod.is_sqlite()
        self.interval = 1.0 if self.sqlite else 2.0
        self._version = self._data_version() if self.sqlite else None
        self._print = fingerprint()
        self.polls = 0
        self.fingerprints = 0

    def _data_version(self) -> int:
        return dbmod.current().execute_sql("PRAGMA data_version").fetchone()[0]

    def changed(self) -> bool:
        self.polls += 1
        if self.sqlite:
            version = self._data_version()
            if version == self._version:
                return False
            self._version = version
        self.fingerprints += 1
        current = fingerprint()
        if current == self._print:
            return False
        self._print = current
        return True
