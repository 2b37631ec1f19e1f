"""Database connection: one proxy, chosen at run time from a path or a peewee db_url.

SQLite is the default for a single school: WAL so readers never block the writer,
foreign keys on, a long busy timeout so two teachers saving at once wait rather
than fail, synchronous FULL so a power cut on an old school PC loses nothing that
was reported saved, and write transactions that take the write lock up front
(BEGIN IMMEDIATE) so they never deadlock half-way through.
"""
from __future__ import annotations

import os
import sqlite3
from urllib.parse import urlparse

import peewee
from playhouse.db_url import connect as url_connect

database_proxy = peewee.DatabaseProxy()

SQLITE_PRAGMAS = (
    ("journal_mode", "wal"),
    ("foreign_keys", 1),
    ("busy_timeout", 15000),
    ("synchronous", 2),
    ("cache_size", -16000),
)


class DatabaseError(Exception):
    """A database that cannot be opened or used; the message is for the user."""


def is_url(target: str) -> bool:
    return "://" in target


def open_database(target: str, *, create: bool = True) -> peewee.Database:
    """Open a SQLite file path or a db_url and bind the proxy to it.

    With ``create=False`` a missing SQLite file is an error instead of being made.
    """
    if is_url(target):
        scheme = urlparse(target).scheme
        if scheme.startswith("sqlite"):
            path = target.split("://", 1)[1]
            path = path[1:] if path.startswith("/") else path
            return open_database(path or ":memory:", create=create)
        try:
            db = url_connect(target)
        except Exception as exc:  # unknown scheme, bad port …
            raise DatabaseError(f"无法识别的数据库地址: {target} ({exc})") from None
        try:
            db.connect(reuse_if_open=True)
        except Exception as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DatabaseError(f"无法连接数据库 {_redact(target)}: {first}") from None
    else:
        db = _open_sqlite(target, create=create)
    database_proxy.initialize(db)
    return db


def _open_sqlite(path: str, *, create: bool) -> peewee.SqliteDatabase:
    if path != ":memory:":
        path = os.path.abspath(os.path.expanduser(path))
        if os.path.isdir(path):
            raise DatabaseError(f"数据库路径是一个目录: {path}")
        if not os.path.exists(path):
            parent = os.path.dirname(path)
            if not os.path.isdir(parent):
                raise DatabaseError(f"数据库所在目录不存在: {parent}")
            if not create:
                raise DatabaseError(f"数据库文件不存在: {path} (新建请运行 guanai --db {path} init)")
        else:
            _check_sqlite_header(path)
    db = peewee.SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=15, lock_type="IMMEDIATE")
    try:
        db.connect(reuse_if_open=True)
        db.execute_sql("SELECT count(*) FROM sqlite_master").fetchone()
    except (peewee.DatabaseError, sqlite3.DatabaseError) as exc:
        db.close()
        raise DatabaseError(f"数据库文件已损坏或不是关爱的数据库: {path} ({exc})") from None
    return db


def _check_sqlite_header(path: str) -> None:
    """Refuse a file that is not SQLite before SQLite touches (and WAL-converts) it."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise DatabaseError(f"无法读取数据库文件: {path} ({exc.strerror})") from None
    if head and head != b"SQLite format 3\x00":
        raise DatabaseError(f"数据库文件已损坏或不是关爱的数据库: {path}")


def _redact(url: str) -> str:
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@")
    return url


def current() -> peewee.Database:
    db = database_proxy.obj
    if db is None:
        raise DatabaseError("数据库尚未打开")
    return db


def is_sqlite() -> bool:
    return isinstance(current(), peewee.SqliteDatabase)


def write():
    """A write transaction; on SQLite it holds the write lock from its first statement
    (the database is opened with ``lock_type="IMMEDIATE"``). Nested calls are savepoints."""
    return current().atomic()
