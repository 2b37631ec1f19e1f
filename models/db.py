"""Database connection: one proxy, chosen at run time from a path or a peewee db_url.

SQLite is the default for a single school: WAL so readers never block the writer,
foreign keys on, a long busy timeout so two teachers saving at once wait rather
than fail, synchronous FULL so a power cut on an old school PC loses nothing that
was reported saved, and write transactions that take the write lock up front
(BEGIN IMMEDIATE) so they never deadlock half-way through.
"""
from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from urllib.parse import urlparse

import peewee

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
            # imported here: playhouse.db_url pulls in psycopg2 and the SQLite extensions (20 ms
            # of every start-up that a SQLite file never needs)
            from playhouse.db_url import connect as url_connect

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
    new_file = path != ":memory:" and not os.path.exists(path)
    try:
        # A new file (and so its -wal and -shm, which SQLite gives the database file's mode) is
        # readable by its owner only, or by the group too in a group-shared (setgid) folder.
        with private_files(os.path.dirname(path)) if new_file else _nothing():
            if new_file:
                create_private_file(path)
            db.connect(reuse_if_open=True)
            db.execute_sql("SELECT count(*) FROM sqlite_master").fetchone()
    except (peewee.DatabaseError, sqlite3.DatabaseError) as exc:
        db.close()
        raise DatabaseError(f"数据库文件已损坏或不是关爱的数据库: {path} ({exc})") from None
    return db


def shared_folder(folder: str) -> bool:
    """A folder with the setgid bit: files made in it belong to its group (a school's teachers)."""
    try:
        return bool(os.stat(folder or ".").st_mode & stat.S_ISGID)
    except OSError:
        return False


def file_mode_for(folder: str) -> int:
    """0600, or 0660 in a group-shared (setgid) folder."""
    return 0o660 if shared_folder(folder) else 0o600


@contextlib.contextmanager
def private_files(folder: str):
    """Files created inside get ``file_mode_for(folder)``: the process umask is narrowed for the
    moment (the umask is process-wide; the callers create files from the main thread)."""
    mask = 0o007 if shared_folder(folder) else 0o077
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def create_private_file(path: str) -> None:
    """Make an empty file (an empty file is an empty SQLite database) with exactly
    ``file_mode_for`` its folder; SQLite gives the -wal and -shm it creates the same mode."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        os.fchmod(fd, file_mode_for(os.path.dirname(path)))
    finally:
        os.close(fd)


@contextlib.contextmanager
def _nothing():
    yield


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
