"""Backup and restore of a SQLite database, while others keep working.

``backup_to`` copies the open database with SQLite's online backup API in one step (a
consistent snapshot even while others write; a plain file copy could miss what is still in
the -wal file), checks the copy with ``PRAGMA integrity_check`` and only then renames it into
place, so a failure (a full or read-only disk) never leaves a half-written backup behind.
The copy is a single self-contained file (journal mode DELETE), mode 0600, made inside a private
folder beside the target and never renamed over an existing name or a planted link
(``models.files``: every file the app writes).

``restore_from`` checks that a file is a sound 关爱 database (its schema table, its integrity,
a schema version this program knows), keeps the current database as
``<db>.before-restore-<timestamp>`` (itself a verified backup), and copies the file in with the
backup API, so other users' open sessions simply see the restored data. No textual here.
"""
from __future__ import annotations

import datetime as dt
import errno
import os
import sqlite3
from dataclasses import dataclass, field

import peewee

from models import db as dbmod
from models import files, schema

SQLITE_HEADER = b"SQLite format 3\x00"


class BackupError(dbmod.DatabaseError):
    """The backup or restore could not be made; nothing was changed. The message is for the user."""


def _no_room(folder: str, needed: int) -> bool:
    """Is there too little space (or too small a file-size limit) for ``needed`` bytes?"""
    import resource

    try:
        st = os.statvfs(folder)
        if st.f_bavail * st.f_frsize < needed:
            return True
    except OSError:
        pass
    try:
        soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
        return soft != resource.RLIM_INFINITY and soft < needed
    except (OSError, ValueError):
        return False


def _why(exc: BaseException, where: str, needed: int = 0) -> str:
    """A disk problem in the words of a teacher (or the school's IT person)."""
    text = str(exc).lower()
    code = getattr(exc, "errno", None)
    folder = where if os.path.isdir(where) else os.path.dirname(where)
    if (code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) or "full" in text
            or ("i/o error" in text and needed and _no_room(folder, needed))):
        return f"{where}所在的磁盘已满 (或超过了文件大小限制), 请换一个位置或清理空间"
    if code == errno.EROFS or "read-only file system" in text or "readonly" in text:
        return f"{where}所在的磁盘是只读的, 请换一个可以写入的位置"
    if code in (errno.EACCES, errno.EPERM) or "unable to open" in text or "permission" in text:
        return f"没有权限写入{where}, 请换一个位置或检查目录权限"
    return f"写入{where}失败: {exc}"


def _check_target(path: str) -> str:
    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise BackupError(f"目录不存在: {folder}")
    if os.path.lexists(path):  # a link too, even a dangling one: never written through
        raise BackupError(f"文件已存在, 不会覆盖: {path}")
    if _read_only_fs(folder):
        raise BackupError(f"备份失败: {_why(OSError(errno.EROFS, 'read-only file system'), folder)}")
    if not os.access(folder, os.W_OK):
        raise BackupError(f"备份失败: {_why(PermissionError(errno.EACCES, 'permission'), folder)}")
    return path


def _read_only_fs(folder: str) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def integrity(con: sqlite3.Connection) -> str:
    """'ok', or the first problem ``PRAGMA integrity_check`` found."""
    rows = con.execute("PRAGMA integrity_check").fetchall()
    if rows == [("ok",)]:
        return "ok"
    found = " ".join(" ".join(str(r[0]).split()) for r in rows[:3])  # one line: it ends up on stderr
    return found[:200] + ("…" if len(found) > 200 else "")


def _copy_into(source: sqlite3.Connection, work: str, path: str) -> str:
    """A verified copy of ``source`` made inside the private folder ``work`` (``files.private_workdir``,
    where no planted link can be), mode 0600, fsynced; returns its path. ``path`` names the target
    in messages."""
    tmp = os.path.join(work, "copy.db")
    try:
        page_count = source.execute("PRAGMA page_count").fetchone()[0]
        needed = page_count * source.execute("PRAGMA page_size").fetchone()[0]
    except sqlite3.Error:
        needed = 0
    try:
        os.close(files.create_private(tmp))  # an empty file is an empty database: SQLite keeps its 0600
        dest = sqlite3.connect(tmp)
        try:
            source.backup(dest)  # all pages in one step: a consistent snapshot, never restarted
            dest.execute("PRAGMA journal_mode=DELETE")
            problem = integrity(dest)
        finally:
            dest.close()
        if problem != "ok":
            raise BackupError(f"备份副本校验未通过 (integrity_check: {problem}); 没有写入 {path}")
        files.make_private(tmp)
        files.fsync_path(tmp)
    except BackupError:
        raise
    except (OSError, sqlite3.Error) as exc:
        raise BackupError(f"备份失败: {_why(exc, path, needed)}; 没有留下不完整的文件") from None
    return tmp


def _copy_verified(source: sqlite3.Connection, path: str) -> None:
    """Backup ``source`` into a new ``path``: made and checked in a private folder beside it, then
    renamed into place; never over an existing name (a planted link included)."""
    try:
        with files.private_workdir(path) as work:
            tmp = _copy_into(source, work, path)
            try:
                files.publish(tmp, path)
            except FileExistsError:
                raise BackupError(f"文件已存在, 不会覆盖: {path}") from None
    except BackupError:
        raise
    except (OSError, sqlite3.Error) as exc:
        raise BackupError(f"备份失败: {_why(exc, path)}; 没有留下不完整的文件") from None


def backup_to(path: str) -> str:
    """Copy the open database to a new file; returns its absolute path."""
    db = dbmod.current()
    if not isinstance(db, peewee.SqliteDatabase):
        raise BackupError("PostgreSQL 数据库请用 pg_dump 备份")
    path = _check_target(path)
    _copy_verified(db.connection(), path)
    return path


# --- restore -----------------------------------------------------------------------

@dataclass
class BackupInfo:
    path: str
    versions: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    newest_change: dt.datetime | None = None
    size: int = 0


def _open_read_only(path: str) -> sqlite3.Connection:
    from urllib.parse import quote

    return sqlite3.connect(f"file:{quote(os.path.abspath(path))}?mode=ro", uri=True)


def inspect_backup(path: str) -> BackupInfo:
    """What is in a backup file; ``BackupError`` when it is not a sound 关爱 database."""
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        raise BackupError(f"找不到备份文件: {path}")
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise BackupError(f"无法读取备份文件: {path} ({exc.strerror})") from None
    if head != SQLITE_HEADER:
        raise BackupError(f"不是关爱的数据库文件: {path}")
    try:
        con = _open_read_only(path)
    except sqlite3.Error as exc:
        raise BackupError(f"无法打开备份文件: {path} ({exc})") from None
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if schema.HISTORY_TABLE not in tables or "child" not in tables:
            raise BackupError(f"不是关爱的数据库文件 (没有结构版本表): {path}")
        problem = integrity(con)
        if problem != "ok":
            raise BackupError(f"备份文件已损坏 (integrity_check: {problem}): {path}")
        versions = sorted(r[0] for r in con.execute(f"SELECT name FROM {schema.HISTORY_TABLE}"))
        unknown = sorted(set(versions) - set(schema.known_versions()))
        if unknown:
            raise BackupError(f"备份文件的结构版本比本程序新 ({unknown[-1]}), 请先升级关爱")
        counts = {}
        for table in ("school", "staff", "child", "contact", "pairing", "audit_log"):
            if table in tables:
                counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        newest = None
        if "audit_log" in tables:
            row = con.execute("SELECT max(at) FROM audit_log").fetchone()
            if row and row[0]:
                try:
                    newest = dt.datetime.fromisoformat(str(row[0]))
                except ValueError:
                    newest = None
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"备份文件已损坏或不是关爱的数据库: {path} ({exc})") from None
    finally:
        con.close()
    return BackupInfo(path=path, versions=versions, counts=counts, newest_change=newest, size=os.path.getsize(path))


def keep_path(target: str, now: dt.datetime | None = None) -> str:
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    path = f"{target}.before-restore-{stamp}"
    n = 2
    while any(os.path.lexists(path + suffix) for suffix in ("", "-wal", "-shm")):
        path = f"{target}.before-restore-{stamp}-{n}"
        n += 1
    return path


def restore_from(path: str, *, now: dt.datetime | None = None) -> str:
    """Replace the open SQLite database's content with the backup at ``path``.

    The current content is kept first as a verified ``<db>.before-restore-<timestamp>``
    (returned). Then the backup is copied in with the backup API under the write lock
    (others wait for it, then see the restored data), checked, and migrated to this
    program's schema version when it is older.
    """
    db = dbmod.current()
    if not isinstance(db, peewee.SqliteDatabase):
        raise BackupError("PostgreSQL 数据库请用 pg_restore 恢复")
    inspect_backup(path)
    target = db.database
    if os.path.abspath(path) == os.path.abspath(target):
        raise BackupError("不能用数据库文件自己恢复自己")
    kept = keep_path(target, now)
    _copy_verified(db.connection(), kept)
    src = _open_read_only(path)
    try:
        src.backup(db.connection())
    except sqlite3.Error as exc:
        raise BackupError(f"恢复失败: {_why(exc, target)}; 原来的数据库保存在 {kept}") from None
    finally:
        src.close()
    db.close()
    db.connect()  # a fresh connection: the pragmas (WAL …) apply to the restored file
    problem = integrity(db.connection())
    if problem != "ok":
        raise BackupError(f"恢复后的数据库校验未通过 ({problem}); 原来的数据库保存在 {kept}")
    schema.migrate()
    return kept


def replace_broken(target: str, path: str, *, now: dt.datetime | None = None) -> str:
    """Restore over a database file that cannot be opened at all (or is missing): the broken file
    (with its -wal and -shm) is moved aside as ``<db>.before-restore-<timestamp>``, and a verified
    copy of the backup is renamed into its place. Returns where the broken file went ("" if none)."""
    inspect_backup(path)
    target = os.path.abspath(target)
    kept = keep_path(target, now) if os.path.lexists(target) else ""
    src = _open_read_only(path)
    try:
        with files.private_workdir(target) as work:
            fresh = _copy_into(src, work, target)
            for suffix in ("", "-wal", "-shm"):
                if kept and os.path.lexists(target + suffix):
                    os.rename(target + suffix, kept + suffix)  # same folder; a name is moved, not followed
            files.publish(fresh, target, overwrite=True)
    except OSError as exc:
        raise BackupError(f"恢复失败: {_why(exc, target)}") from None
    finally:
        src.close()
    return kept
