"""Schema versions: a fresh database is made by the same numbered migrations that
upgrade an old one (``models/migrations/NNNN_*.py``, run by playhouse.migrations)."""
from __future__ import annotations

import glob
import os
import re

from models import db as dbmod

MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")
HISTORY_TABLE = "schema_migration"


class SchemaError(dbmod.DatabaseError):
    """The database's schema is newer than this program, or otherwise unusable."""


def _runner():
    # imported only when a migration has to run: playhouse.migrations brings playhouse.migrate
    # and the PostgreSQL extensions, ~10 ms of every start-up that finds the schema current
    from playhouse.migrations import Runner

    return Runner(dbmod.current(), MIGRATIONS_DIR, table_name=HISTORY_TABLE)


def known_versions() -> list[str]:
    """The migrations this program knows, in order (no database needed): the file names, sorted
    by their number, as playhouse.migrations' ``Migration.load_directory`` finds them."""
    names = [os.path.basename(p)[:-3] for p in glob.glob(os.path.join(MIGRATIONS_DIR, "[0-9]*.py"))]
    return [name for _, name in sorted((int(re.match(r"\d+", n).group()), n) for n in names)]


def latest_version() -> int:
    """The number of the newest migration this program knows (numbers may have gaps)."""
    return max((int(n.split("_", 1)[0]) for n in known_versions()), default=0)


def applied_versions() -> list[str]:
    """The names in the history table (the one ``Runner.applied`` reads), without the Runner."""
    db = dbmod.current()
    if not db.table_exists(HISTORY_TABLE):
        return []
    return sorted(name for (name,) in db.execute_sql(f'SELECT name FROM "{HISTORY_TABLE}"'))


def schema_version() -> int:
    """The number of the newest applied migration (0 for an empty database)."""
    names = applied_versions()
    return max((int(n.split("_", 1)[0]) for n in names), default=0)


def check_not_newer() -> None:
    unknown = sorted(set(applied_versions()) - set(known_versions()))
    if unknown:
        raise SchemaError(
            f"数据库的结构版本比本程序新 ({unknown[-1]}), 请先升级关爱再打开它")


def pending() -> list[str]:
    applied = set(applied_versions())
    return [n for n in known_versions() if n not in applied]


def migrate() -> list[str]:
    """Apply every pending migration in order; returns the names applied."""
    check_not_newer()
    db = dbmod.current()
    if not pending():
        return []
    # Outside any transaction: each migration runs in its own.
    return _runner().up()


def has_schema() -> bool:
    return bool(applied_versions())
