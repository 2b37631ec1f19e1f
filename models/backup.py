"""A consistent copy of a live SQLite database, taken while others keep working."""
from __future__ import annotations

import os
import sqlite3

import peewee

from models import db as dbmod


def backup_to(path: str) -> None:
    """Copy the open database to a new file with SQLite's online backup API.

    The copy is written beside the target and renamed into place, so a failure
    never leaves a half-written backup behind.
    """
    db = dbmod.current()
    if not isinstance(db, peewee.SqliteDatabase):
        raise dbmod.DatabaseError("PostgreSQL 数据库请用 pg_dump 备份")
    tmp = path + ".part"
    try:
        dest = sqlite3.connect(tmp)
        try:
            db.connection().backup(dest, pages=1024)
            dest.execute("PRAGMA journal_mode=DELETE")
        finally:
            dest.close()
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
