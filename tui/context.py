"""Where the data is and who is working: shared by the TUI and the plain commands.

No textual here: ``guanai due`` or ``guanai backup`` from cron must start fast.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from models import db as dbmod
from models import schema
from models.entities import School, Staff
from models.errors import UserError
from models.scope import is_area_role

ENV_DB = "GUANAI_DB"


class UsageError(UserError):
    """Bad input on the command line: one line on stderr, exit code 2."""


@dataclass
class Session:
    target: str
    school_id: int
    staff_id: int | None
    staff_name: str
    school_name: str
    demo_dir: str | None = None
    files_dir: str | None = None  # a forced (SSH) login reads and writes files only here: files_folder()

    @property
    def viewer(self):
        """Who is working, for every query (``models.scope.Viewer``): built from the staff row once
        per signed-in staff member (the role and classes in the database): the session's only
        identity, every role decision asks ``models.scope`` about it."""
        from models import scope

        cached = self.__dict__.get("_viewer")
        if cached is None or cached.staff_id != self.staff_id:
            cached = self.__dict__["_viewer"] = scope.viewer_for(self.staff_id, school_id=self.school_id)
        return cached

    def close(self) -> None:
        try:
            dbmod.current().close()
        except dbmod.DatabaseError:
            pass
        if self.demo_dir:
            shutil.rmtree(self.demo_dir, ignore_errors=True)


def default_db_path() -> str:
    from platformdirs import user_data_dir

    return os.path.join(user_data_dir("guanai", appauthor=False), "guanai.db")


def resolve_target(db_arg: str | None) -> tuple[str, bool]:
    """The database to open, and whether it is the default file we may create."""
    if db_arg:
        return db_arg, False
    env = os.environ.get(ENV_DB)
    if env:
        return env, False
    path = default_db_path()
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)  # the children's records: owner only
    return path, True


def sqlite_file(target: str) -> str | None:
    """The absolute path of a SQLite target (a path or ``sqlite:///``), None for a server URL."""
    if dbmod.is_url(target):
        if not target.startswith("sqlite"):
            return None
        path = target.split("://", 1)[1]
        target = path[1:] if path.startswith("/") else path
    return os.path.abspath(os.path.expanduser(target))


def sample_db_path() -> Path:
    """The committed demo school: next to the source tree, or installed under share/guanai."""
    candidates = [
        Path(__file__).resolve().parent.parent / "sample.db",
        Path(sysconfig.get_path("data")) / "share" / "guanai" / "sample.db",
    ]
    for p in candidates:
        if p.is_file():
            return p
    raise UsageError("找不到演示学校 sample.db, 请重新安装关爱")


def open_db(target: str, *, create: bool, upgrade: bool = True, init: bool = False) -> None:
    """Open and bring the schema up to date; refuse a newer or foreign database (and, but for
    ``init``, an empty file)."""
    dbmod.open_database(target, create=create, init=init)
    try:
        schema.check_not_newer()
        if upgrade:
            schema.migrate()
        elif not schema.has_schema():
            raise dbmod.DatabaseError(f"数据库还没有建立结构, 请先运行 guanai --db {target} init")
    except dbmod.DatabaseError:
        dbmod.current().close()
        raise


def files_folder(target: str, login: str) -> str:
    """The one folder a forced login (``guanai --as``) reads imports from and writes exports to:
    ``files/<login>`` beside the SQLite database (in the service account's home for PostgreSQL),
    owner-only. Elsewhere the service account's files — the database itself, its authorized_keys —
    would be one ``保存到`` path away from a teacher."""
    base = os.path.dirname(sqlite_file(target) or "") if sqlite_file(target) else os.path.expanduser("~")
    folder = os.path.join(base, "files", login)
    for part in (os.path.join(base, "files"), folder):
        try:
            os.mkdir(part, 0o700)
        except FileExistsError:
            pass
        if os.path.islink(part) or not os.path.isdir(part):
            raise UsageError(f"文件夹不可用 (不是目录或是链接): {part}")
    return folder


def within(folder: str, path: str) -> str:
    """``path`` resolved, if it lies inside ``folder`` (links followed), else UsageError."""
    real, root = os.path.realpath(os.path.expanduser(path)), os.path.realpath(folder)
    if real != root and not real.startswith(root + os.sep):
        raise UsageError(f"通过 SSH 使用时, 文件只能放在 {folder}")
    return real


def open_session(db_arg: str | None, *, demo: bool = False, user: str | None = None,
                 forced: bool = False) -> Session:
    demo_dir = None
    if demo:
        sweep_stale_demos()
        demo_dir = tempfile.mkdtemp(prefix=DEMO_PREFIX)
        Path(demo_dir, "pid").write_text(str(os.getpid()))
        target = os.path.join(demo_dir, "demo.db")
        with dbmod.private_files():  # the copy is owner-only, whatever the umask
            shutil.copyfile(sample_db_path(), target)
        create = False
    else:
        target, create = resolve_target(db_arg)
    try:
        open_db(target, create=create)
        if demo_dir:  # its history ends on a fixed day: brought up to this week (the copy only)
            from models import demo_shift

            demo_shift.bring_up_to_date(dbmod.current(), dt.date.today())
        school = ensure_school()
        staff = find_staff(user, demo=demo, audit_context="guanai")
    except Exception:
        if demo_dir:
            shutil.rmtree(demo_dir, ignore_errors=True)
        raise
    return Session(
        target=target, school_id=school.id,
        # a 县/乡镇 officer works over an area, not the school the staff row is kept under
        school_name=(staff.area or school.name) if staff is not None and is_area_role(staff.role) else school.name,
        staff_id=staff.id if staff else None, staff_name=staff.name if staff else "",
        demo_dir=demo_dir,
        files_dir=files_folder(target, staff.login) if forced and staff is not None else None,
    )


DEMO_PREFIX = "guanai-demo-"


def sweep_stale_demos() -> None:
    """Remove demo copies left by sessions that died (a closed terminal sends SIGHUP, and
    the process ends before it can clean up): any whose recorded process is gone. Only real
    folders of this OS account: the temporary folder is shared, and a name there proves nothing."""
    uid = os.getuid() if hasattr(os, "getuid") else None
    for folder in Path(tempfile.gettempdir()).glob(f"{DEMO_PREFIX}*"):
        try:
            info = folder.lstat()
        except OSError:
            continue
        if folder.is_symlink() or not folder.is_dir() or (uid is not None and info.st_uid != uid):
            continue
        try:
            pid = int((folder / "pid").read_text())
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (OSError, ValueError):
            # no pid file (an older version) or not ours to signal: leave it unless a day old
            try:
                if time.time() - folder.stat().st_mtime > 86400:
                    shutil.rmtree(folder, ignore_errors=True)
            except OSError:
                pass


def ensure_school() -> School:
    """A new database gets one school, renamed later by the admin."""
    school = School.select().order_by(School.id).first()
    if school is None:
        with dbmod.write():
            school = School.create(name="本校")
    return school


DEMO_USER = "xiaozhang"


def find_staff(login: str | None, *, demo: bool = False, audit_context: str | None = None) -> Staff | None:
    """The --user login, else the OS user's login, else (demo) the head; None when unknown.

    With ``audit_context`` (a login for the app or an admin command) an unknown or deactivated
    login is written to the audit log as a failed login."""
    if login:
        staff = Staff.get_or_none(Staff.login == login)
        if staff is None or not staff.active:
            if audit_context is not None:
                from models import auth

                if staff is None:
                    auth.record_unknown_login(login, context=audit_context)
                else:
                    try:
                        auth.verify(staff.id, None, context=audit_context)  # logs the refusal
                    except auth.AuthError:
                        pass
        if staff is None:
            raise UsageError(f"没有登录名为 {login} 的教职工 (guanai users 可列出全部登录名)")
        if not staff.active:
            raise UsageError(f"教职工 {login} 已停用")
        return staff
    from models.audit import os_name

    os_user = os_name()
    staff = Staff.get_or_none((Staff.login == os_user) & (Staff.active == True)) if os_user else None  # noqa: E712
    if staff is None and demo:
        staff = Staff.get_or_none(Staff.login == DEMO_USER)
    return staff
