"""Database connection: one proxy, chosen at run time from a path or a peewee db_url.

SQLite is the default for a single school: WAL so readers never block the writer,
foreign keys on, a long busy timeout so two teachers saving at once wait rather
than fail, synchronous FULL so a power cut on an old school PC loses nothing that
was reported saved, and write transactions that take the write lock up front
(BEGIN IMMEDIATE) so they never deadlock half-way through.
"""
from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import stat
from urllib.parse import urlparse

import peewee

from models.errors import UserError
from models.fileaccess import exposure

database_proxy = peewee.DatabaseProxy()

def _lock_wait() -> int:
    try:
        return max(1, int(os.environ.get("GUANAI_LOCK_WAIT", "15")))
    except ValueError:
        return 15


# How long a save waits for another user's write to finish (SQLite's busy_timeout, PostgreSQL's
# lock_timeout) before it gives up with DatabaseBusy; GUANAI_LOCK_WAIT (seconds) changes it.
LOCK_WAIT_SECONDS = _lock_wait()

SQLITE_PRAGMAS = (
    ("journal_mode", "wal"),
    ("foreign_keys", 1),
    ("busy_timeout", LOCK_WAIT_SECONDS * 1000),
    ("synchronous", 2),
    ("cache_size", -16000),
)


class DatabaseError(UserError):
    """A database that cannot be opened or used; the message is for the user."""


def is_url(target: str) -> bool:
    return "://" in target


def open_database(target: str, *, create: bool = True, init: bool = False) -> peewee.Database:
    """Open a SQLite file path or a db_url and bind the proxy to it.

    With ``create=False`` a missing SQLite file is an error instead of being made; an existing
    empty file is opened (as a new database) only with ``init`` (``guanai init``).
    """
    if is_url(target):
        scheme = urlparse(target).scheme
        if scheme.startswith("sqlite"):
            path = target.split("://", 1)[1]
            path = path[1:] if path.startswith("/") else path
            return open_database(path or ":memory:", create=create, init=init)
        try:
            # imported here: playhouse.db_url pulls in psycopg2 and the SQLite extensions (20 ms
            # of every start-up that a SQLite file never needs)
            from playhouse.db_url import connect as url_connect

            db = url_connect(target)
        except Exception as exc:  # unknown scheme, bad port …
            raise DatabaseError(f"无法识别的数据库地址: {target} ({exc})") from None
        if isinstance(db, peewee.PostgresqlDatabase):
            # wait for a row another teacher is saving as long as SQLite would, then say so (the
            # server's default is to wait for ever, with the terminal frozen)
            options = db.connect_params.get("options", "")
            db.connect_params["options"] = f"{options} -c lock_timeout={LOCK_WAIT_SECONDS * 1000}".strip()
        try:
            db.connect(reuse_if_open=True)
        except Exception as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DatabaseError(f"无法连接数据库 {_redact(target)}: {first}") from None
    else:
        db = _open_sqlite(target, create=create, init=init)
    database_proxy.initialize(db)
    return db


def _open_sqlite(path: str, *, create: bool, init: bool = False) -> peewee.SqliteDatabase:
    if path != ":memory:":
        path = os.path.abspath(os.path.expanduser(path))
        if os.path.isdir(path):
            raise DatabaseError(f"数据库路径是一个目录: {path}")
        if not os.path.exists(path):
            parent = os.path.dirname(path)
            if os.path.isdir(parent) and not os.access(parent, os.X_OK | os.R_OK):
                # not "does not exist": a colleague's account simply has no way in (README: server set-up)
                raise DatabaseError(f"没有权限访问数据库所在目录: {parent} (数据库只由服务账号读写; 请通过 SSH 登录使用)")
            if not os.path.isdir(parent):
                raise DatabaseError(f"数据库所在目录不存在: {parent}")
            if not create:
                raise DatabaseError(f"数据库文件不存在: {path} (新建请运行 guanai --db {path} init)")
        else:
            _check_regular(path, init=init)
        _check_private(path)
        if os.path.exists(path):
            _check_sqlite_header(path)
    db = peewee.SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=LOCK_WAIT_SECONDS, lock_type="IMMEDIATE")
    new_file = path != ":memory:" and not os.path.exists(path)
    try:
        # A new file (and so its -wal and -shm, which SQLite gives the database file's mode) is
        # readable by its owner only.
        with private_files() if new_file else _nothing():
            if new_file:
                create_private_file(path)
            db.connect(reuse_if_open=True)
            db.execute_sql("SELECT count(*) FROM sqlite_master").fetchone()
    except (peewee.DatabaseError, sqlite3.DatabaseError) as exc:
        db.close()
        mine = translate(exc)
        if isinstance(mine, (DiskFull, DiskIOError, DatabaseBusy)):  # a full disk is no damaged file
            raise mine from None
        raise DatabaseError(f"数据库文件已损坏或不是关爱的数据库: {path} ({exc})") from None
    except OSError as exc:  # the new file could not be made: a full disk, a read-only folder
        db.close()
        raise DatabaseError(f"无法新建数据库文件 {path}: {exc.strerror or exc}") from None
    return db


def _check_regular(path: str, *, init: bool) -> None:
    """A device (``--db /dev/null``), a pipe or an empty file is not a database. An empty file
    becomes a new, empty school only through ``guanai init``: otherwise a truncated file (a full
    disk, a bad copy) would silently open as a school without children."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise DatabaseError(f"无法读取数据库文件: {path} ({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise DatabaseError(f"数据库路径不是普通文件: {path}")
    if st.st_size == 0 and not init:
        raise DatabaseError(f"数据库文件是空的 (0 字节): {path}; 如要在这里新建学校, 请运行 guanai --db {path} init, "
                            "否则请用 guanai restore 从备份恢复")


def _check_private(path: str) -> None:
    """Refuse a database another OS user could read or write (``models/fileaccess.py``)."""
    why = exposure(path)
    if why is not None:
        raise DatabaseError(why)


@contextlib.contextmanager
def private_files():
    """Files created inside (a new database, its -wal and -shm) are owner-only: the process umask
    is narrowed for the moment (it is process-wide; callers create files from the main thread)."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def create_private_file(path: str) -> None:
    """Make an empty file (an empty file is an empty SQLite database), mode 0600, never through a
    planted link; SQLite gives the -wal and -shm it creates the same mode."""
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)
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


BUSY_MESSAGE = (f"数据库正被别人占用 (已等 {LOCK_WAIT_SECONDS} 秒, 可能在导入或备份): 这次没有保存任何内容; "
                "输入的内容还在, 请稍后再试")
GONE_MESSAGE = "与数据库的连接断开了: 这次没有保存任何内容; 已重新连接, 输入的内容还在, 请再试一次"


class DatabaseBusy(DatabaseError):
    """The write lock could not be had within LOCK_WAIT_SECONDS; nothing was written."""


class DatabaseGone(DatabaseError):
    """The connection to the database server broke; nothing was written, the next use reconnects."""


def _is_busy(exc: Exception) -> bool:
    text = str(exc).lower()
    return ("database is locked" in text or "database table is locked" in text or "lock timeout" in text
            or "could not obtain lock" in text)


def _is_gone(exc: Exception) -> bool:
    if isinstance(exc, peewee.InterfaceError):
        return True
    text = str(exc).lower()
    return any(s in text for s in ("server closed the connection", "connection already closed", "terminating connection",
                                   "could not connect", "connection refused", "no connection to the server"))


CORRUPT_MESSAGE = ("数据库文件已损坏 (database disk image is malformed): 这次没有保存任何内容; "
                   "请管理员用 guanai restore 从最近的备份恢复")


class DatabaseCorrupt(DatabaseError):
    """SQLite found a damaged page while reading or writing; nothing of this transaction was written."""


def _is_corrupt(exc: Exception) -> bool:
    text = str(exc).lower()
    return "malformed" in text or "file is not a database" in text or "database corrupt" in text


FULL_MESSAGE = ("磁盘已满 (或超过了文件大小限制): 这次没有保存任何内容; "
                "输入的内容还在, 请清理磁盘空间后再试")
DISK_IO_MESSAGE = ("读写数据库文件时出错 (disk I/O error): 这次没有保存任何内容; "
                   "输入的内容还在, 请检查磁盘后再试")


class DiskFull(DatabaseError):
    """The disk (or the file-size limit) had no room for the write; SQLite or the server rolled
    the transaction back, so nothing of it was written."""


class DiskIOError(DatabaseError):
    """SQLite could not read or write its files for another reason; nothing was written."""


_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_FULL_TEXTS = ("database or disk is full", "disk is full", "no space left", "file too large", "disk quota",
               "could not extend file", "could not write to file")


def _chain(exc: BaseException):
    """The exception and the ones it was raised from or while handling: SQLite rolls back by
    itself on a full disk, and peewee's own ROLLBACK then fails ("no transaction is active"),
    hiding the real cause in ``__context__``."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen and len(seen) < 10:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _is_io_error(exc: BaseException) -> bool:
    return "disk i/o error" in str(exc).lower()


def _no_room() -> bool:
    """Is the SQLite database's disk (nearly) full, or a file of it at the file-size limit? SQLite
    reports a write refused with EFBIG only as "disk I/O error"."""
    import resource

    db = database_proxy.obj
    path = getattr(db, "database", None)
    if not isinstance(db, peewee.SqliteDatabase) or not path or path == ":memory:":
        return False
    try:
        st = os.statvfs(os.path.dirname(os.path.abspath(path)))
        if st.f_bavail * st.f_frsize < 1024 * 1024:
            return True
    except OSError:
        pass
    try:
        soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    except (OSError, ValueError):
        return False
    if soft == resource.RLIM_INFINITY:
        return False
    for name in (path, path + "-wal", path + "-journal"):
        try:
            if os.path.getsize(name) + 64 * 1024 > soft:
                return True
        except OSError:
            continue
    return False


def _is_full(exc: BaseException) -> bool:
    for e in _chain(exc):
        if getattr(e, "errno", None) in _FULL_ERRNOS or getattr(e, "pgcode", None) == "53100":
            return True
        text = str(e).lower()
        if any(t in text for t in _FULL_TEXTS):
            return True
    return False


def translate(exc: Exception) -> Exception | None:
    """Our own error for a peewee error a user can meet (a lock held too long, a dropped
    connection, a damaged file, a full disk), else None. A dropped connection is closed here so
    that the next query reconnects."""
    if isinstance(exc, (peewee.DatabaseError, sqlite3.DatabaseError)):
        if _is_full(exc):
            return DiskFull(FULL_MESSAGE)
        if any(_is_io_error(e) for e in _chain(exc)):
            return DiskFull(FULL_MESSAGE) if _no_room() else DiskIOError(DISK_IO_MESSAGE)
    if isinstance(exc, (peewee.DatabaseError, sqlite3.DatabaseError)) and _is_corrupt(exc):
        return DatabaseCorrupt(CORRUPT_MESSAGE)
    if isinstance(exc, (peewee.OperationalError, peewee.InterfaceError)):
        if _is_busy(exc):
            return DatabaseBusy(BUSY_MESSAGE)
        if _is_gone(exc):
            try:
                current().close()
            except Exception:  # noqa: BLE001 - a broken connection may refuse even to close
                pass
            return DatabaseGone(GONE_MESSAGE)
    return None


@contextlib.contextmanager
def write():
    """A write transaction; on SQLite it holds the write lock from its first statement
    (the database is opened with ``lock_type="IMMEDIATE"``). Nested calls are savepoints.

    All or nothing: a lock that cannot be had in LOCK_WAIT_SECONDS raises ``DatabaseBusy`` and a
    dropped connection ``DatabaseGone``, after the rollback, so screens show one clear message."""
    try:
        with current().atomic() as txn:
            yield txn
    except (peewee.DatabaseError, peewee.InterfaceError) as exc:
        mine = translate(exc)
        if mine is None:
            raise
        raise mine from exc
