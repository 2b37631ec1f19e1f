"""Inputs that used to end in a traceback: each now gives one Chinese line on stderr and exit 2,
with nothing written, on SQLite and on PostgreSQL (which, unlike SQLite, enforces VARCHAR lengths).

The commands run in-process through ``tui.cli.main`` against the test database."""
from __future__ import annotations

import datetime as dt
import errno
import sqlite3

import peewee as pw
import pytest

from models import db as dbmod
from models.entities import AuditLog, CareRule, Classroom, Contact, School, Staff
from tests.conftest import add_child
from tui import cli

pytestmark = pytest.mark.both_backends


@pytest.fixture
def school(db_path, monkeypatch):
    """An admin without a PIN (a personal machine), a class teacher, one child with a talk."""
    monkeypatch.delenv("GUANAI_DB", raising=False)
    s = School.create(name="测试小学")
    Staff.create(school=s, name="管理员", role="admin", login="admin")
    li = Staff.create(school=s, name="李老师", role="class_teacher", login="lilaoshi")
    room = Classroom.create(school=s, grade=3, number=2, name="三年级2班", head_teacher=li)
    child = add_child(s, room, "张小明")
    Contact.create(child=child, staff=li, kind="谈心", at=dt.datetime(2026, 11, 11, 9))
    return db_path


def run(capsys, target, *argv):
    """``guanai --db TARGET ARGV…`` in-process: (exit code, stdout, stderr)."""
    try:
        code = cli.main(["--db", target, *argv])
    except SystemExit as exc:  # argparse refusals
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_refused(result, fragment):
    code, out, err = result
    assert code == 2, (out, err)
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert fragment in lines[0], lines[0]


# Dates near the calendar's ends: date arithmetic (term ends, "the day after") overflowed.
DATE_CASES = [
    (("--user", "admin", "due", "--date", "9999-12-31"), "不能晚于2999年"),
    (("--user", "admin", "due", "--date", "0001-01-01"), "不能早于1900年"),
    (("--user", "admin", "due", "--date", "1899-12-31"), "不能早于1900年"),
    (("--user", "admin", "due", "--date", "3000-01-01"), "不能晚于2999年"),
    (("--user", "admin", "audit", "--until", "9999-12-31"), "不能晚于2999年"),
    (("--user", "admin", "audit", "--since", "0001-01-01"), "不能早于1900年"),
]


@pytest.mark.parametrize("argv,fragment", DATE_CASES, ids=[" ".join(a[2:]) for a, _ in DATE_CASES])
def test_dates_outside_the_calendar_are_refused(school, capsys, argv, fragment):
    assert_refused(run(capsys, school, *argv), fragment)


@pytest.mark.parametrize("argv", [
    ("--user", "admin", "due", "--date", "1900-01-01"),
    ("--user", "admin", "due", "--date", "2999-12-31"),
    ("--user", "admin", "audit", "--since", "1900-01-01", "--until", "2999-12-31"),
], ids=["due first day", "due last day", "audit whole range"])
def test_the_ends_of_the_range_still_work(school, capsys, argv):
    code, out, err = run(capsys, school, *argv)
    assert code == 0, err
    assert err == ""


# Texts longer than their column: PostgreSQL failed mid-write with a traceback, SQLite stored them.
# Each is refused before anything is written, with the same message on both backends.
LONG_RRULE = "FREQ=MONTHLY;BYMONTHDAY=" + ",".join(["1"] * 988) + ";"  # 2000 characters, valid otherwise
USERS_ADD = ("--user", "admin", "users", "add")
WRITE_CASES = [
    ((*USERS_ADD, "bob", "--name", "王五", "--role", "teacher", "--phone", "1" * 40), "电话太长"),
    ((*USERS_ADD, "bob", "--name", "王" * 60, "--role", "teacher"), "姓名不能超过50个字"),
    ((*USERS_ADD, "b" * 60, "--name", "王五", "--role", "teacher"), "登录名应为"),
    (("--user", "admin", "rules", "每周谈心", "--rrule", LONG_RRULE), "太长: 2000 个字符, 最多 300 个"),
    # RRULE texts dateutil loops on for ever, or fails on half-way through a due list
    (("--user", "admin", "rules", "每周谈心", "--rrule", "FREQ=DAILY;INTERVAL=0"), "INTERVAL 应为 1 到 1000"),
    (("--user", "admin", "rules", "每周谈心", "--rrule", "FREQ=DAILY;INTERVAL=-1"), "INTERVAL 应为 1 到 1000"),
    (("--user", "admin", "rules", "每周谈心", "--rrule", "FREQ=YEARLY;BYEASTER=99999"), "不支持「BYEASTER」"),
    (("--user", "admin", "rules", "每周谈心", "--rrule", "FREQ=DAILY\nEXRULE:FREQ=DAILY"), "只能写一行"),
    (("--user", "admin", "rules", "每周谈心", "--rrule", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"), "一次也不会发生"),
    (("--user", "admin", "rules", "每周谈心", "--rrule", "FREQ=WEEKLY;UNTIL=2027"), "UNTIL 应写成 YYYYMMDD"),
]


@pytest.mark.parametrize("argv,fragment", WRITE_CASES, ids=[f"{a[2]} {a[-1][:24]!r}" for a, _ in WRITE_CASES])
def test_bad_writes_are_refused_before_writing(school, capsys, argv, fragment):
    staff_before = list(Staff.select().order_by(Staff.id).dicts())
    rule_before = CareRule.get(CareRule.name == "每周谈心").__data__
    assert_refused(run(capsys, school, *argv), fragment)
    assert list(Staff.select().order_by(Staff.id).dicts()) == staff_before
    assert CareRule.get(CareRule.name == "每周谈心").__data__ == rule_before


def test_the_longest_accepted_values_are_stored(school, capsys):
    """The limits are the columns' own: the longest value that fits is stored on both backends."""
    code, _, err = run(capsys, school, *USERS_ADD, "b" * 32, "--name", "王" * 50, "--role", "teacher",
                       "--phone", "1" * 20)
    assert code == 0, err
    assert Staff.get(Staff.login == "b" * 32).phone == "1" * 20
    rrule = "FREQ=MONTHLY;BYMONTHDAY=" + ",".join(["-1"] * 92) + ";"
    assert len(rrule) == 300
    code, _, err = run(capsys, school, "--user", "admin", "rules", "每周谈心", "--rrule", rrule)
    assert code == 0, err
    assert CareRule.get(CareRule.name == "每周谈心").rrule == rrule


@pytest.mark.parametrize("rrule", ["FREQ=DAILY;INTERVAL=0", "FREQ=YEARLY;BYEASTER=99999", "FREQ=DAILY;BYHOUR=25",
                                   "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"])
def test_a_bad_rule_already_stored_stops_the_due_list_with_one_line(school, capsys, rrule):
    """A rule written before these checks (or by hand) neither hangs nor crashes ``guanai due``."""
    CareRule.update(rrule=rrule, interval_days=None).where(CareRule.name == "每周谈心").execute()
    assert_refused(run(capsys, school, "--user", "admin", "due", "--date", "2026-11-18"), "每周谈心")


def test_a_nul_character_in_a_talk_is_dropped_on_every_write_path(school):
    """PostgreSQL refuses a string holding NUL ("A string literal cannot contain NUL"): a pasted
    NUL reached it as a traceback. The talk, its edit and its draft are stored without it."""
    from models import contacts, drafts, scope

    teacher = Staff.get(Staff.login == "lilaoshi")
    viewer = scope.viewer_for(teacher)
    child_id = Contact.get().child_id
    form = contacts.ContactForm(kind="谈心", when="2026-11-18 10:00", content="谈\x00学习", place="教\x00室",
                                follow_up="下周\x00再谈", reached=True)
    values, errors = contacts.validate_contact(form, [child_id], now=dt.datetime(2026, 11, 18, 12))
    assert errors == {}
    (cid,) = contacts.create_contacts(values, [child_id], staff_id=teacher.id, viewer=viewer)
    stored = Contact.get_by_id(cid)
    assert (stored.content, stored.place, stored.follow_up) == ("谈学习", "教室", "下周再谈")

    form.content = "改\x00过"
    values, errors = contacts.validate_contact(form, [child_id], now=dt.datetime(2026, 11, 18, 12))
    contacts.update_contact(cid, values, staff_id=teacher.id, viewer=viewer)
    assert Contact.get_by_id(cid).content == "改过"

    drafts.save_draft(teacher.id, "talk", f"child:{child_id}", {"content": "草\x00稿"}, viewer=viewer)
    data, _ = drafts.load_draft(teacher.id, "talk", f"child:{child_id}", viewer=viewer)
    assert data == {"content": "草稿"}


# --------------------------------------------------------------------------- a full disk

# Runs ``guanai ARGV…`` in a child process whose file-size limit drops to nothing when the
# command's own work starts (after the sign-in): every file write then fails with EFBIG, as on a
# full disk (Python ignores SIGXFSZ, so the write returns the error instead of killing us).
FULL_DISK_DRIVER = """
import importlib, resource, sys
from tui import cli
module, name = sys.argv[1].rsplit(".", 1)
mod = importlib.import_module(module)
real = getattr(mod, name)
def full(*args, **kwargs):
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, resource.RLIM_INFINITY))
    return real(*args, **kwargs)
setattr(mod, name, full)
sys.exit(cli.main(sys.argv[2:]))
"""


def run_on_full_disk(where, target, *argv, cwd):
    import os
    import subprocess
    import sys

    env = {**os.environ, "GUANAI_DB": ""}
    return subprocess.run([sys.executable, "-c", FULL_DISK_DRIVER, where, "--db", target, *argv], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=120)


def snapshot(path):
    """Every table's rows, through a plain sqlite3 connection (but the audit rows of sign-ins,
    which happen before the disk fills)."""
    import sqlite3

    con = sqlite3.connect(path)
    try:
        tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        where = {"audit_log": " WHERE action != 'login'"}
        return {t: con.execute(f'SELECT * FROM "{t}"{where.get(t, "")} ORDER BY rowid').fetchall() for t in tables}
    finally:
        con.close()


FULL_DISK_CASES = [
    ("models.users.add_user", ("--user", "admin", "users", "add", "bob", "--name", "王五", "--role", "teacher")),
    ("models.care_rules.update_rule", ("--user", "admin", "rules", "每周谈心", "--every", "8")),
    ("tui.importer.run_import", ("--user", "admin", "import", "{csv}")),
    ("models.backup.backup_to", ("backup", "-o", "{out}/backup.db")),
]


@pytest.mark.sqlite_only
@pytest.mark.parametrize("where,argv", FULL_DISK_CASES, ids=[a[2] if a[0] == "--user" else a[0] for _, a in FULL_DISK_CASES])
def test_a_full_disk_is_one_line_and_nothing_written(school, tmp_path, where, argv):
    from tests.test_import import GOOD_ROWS, HEADER, write_csv

    dbmod.current().close()
    out = tmp_path / "out"
    out.mkdir(mode=0o700)
    csv_path = write_csv(out / "名册.csv", [HEADER, GOOD_ROWS[0]])
    before = snapshot(school)
    argv = [a.format(csv=csv_path, out=out) for a in argv]
    res = run_on_full_disk(where, school, *argv, cwd=out)
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "磁盘已满" in lines[0], res.stderr
    assert sorted(p.name for p in out.iterdir()) == ["名册.csv"]  # no report, no partial backup
    after = snapshot(school)
    assert after == before


def _raised_while_handling(first: Exception, second: Exception) -> Exception:
    """``second`` as Python chains it when raised while ``first`` is handled (peewee's ROLLBACK
    failing after SQLite already rolled back on a full disk)."""
    try:
        try:
            raise first
        except Exception:
            raise second
    except Exception as exc:
        return exc


@pytest.mark.parametrize("error,expected", [
    (pw.OperationalError("database or disk is full"), dbmod.DiskFull),
    (sqlite3.OperationalError("database or disk is full"), dbmod.DiskFull),
    (pw.OperationalError('could not extend file "base/16384/16500": No space left on device'), dbmod.DiskFull),
    (_raised_while_handling(pw.OperationalError("disk I/O error"),
                            pw.OperationalError("cannot rollback - no transaction is active")), dbmod.DiskIOError),
    (_raised_while_handling(OSError(errno.EFBIG, "File too large"), pw.OperationalError("disk I/O error")), dbmod.DiskFull),
    (_raised_while_handling(OSError(errno.ENOSPC, "No space left on device"), pw.OperationalError("x")), dbmod.DiskFull),
    (pw.OperationalError("database is locked"), dbmod.DatabaseBusy),
    (pw.OperationalError("no such table: child"), None),
], ids=["sqlite full", "raw sqlite3", "postgresql full", "io error hidden by rollback", "EFBIG", "ENOSPC", "busy",
        "a bug stays a bug"])
def test_translate_names_a_full_disk(school, error, expected):
    """Any error in the chain counts; a disk I/O error with room on the disk is not "full"."""
    got = dbmod.translate(error)
    if expected is None:
        assert got is None
        return
    assert type(got) is expected
    if expected is dbmod.DiskFull:
        assert str(got).startswith("磁盘已满") and "没有保存任何内容" in str(got)


def test_a_full_disk_on_the_server_is_one_line_and_nothing_written(school, capsys, monkeypatch):
    """The database refuses the INSERT for want of space (SQLITE_FULL, PostgreSQL's "could not
    extend file"): the command stops with one line and the transaction leaves nothing behind."""
    database = dbmod.current()
    real = type(database).execute_sql
    message = ("database or disk is full" if dbmod.is_sqlite()
               else 'could not extend file "base/16384/16500": No space left on device')

    def execute_sql(self, sql, params=None, *args, **kwargs):
        if sql.lstrip().upper().startswith("INSERT") and '"staff"' in sql:
            raise pw.OperationalError(message)
        return real(self, sql, params, *args, **kwargs)

    monkeypatch.setattr(type(database), "execute_sql", execute_sql)
    before = Staff.select().count()
    assert_refused(run(capsys, school, *USERS_ADD, "bob", "--name", "王五", "--role", "teacher"), "磁盘已满")
    monkeypatch.undo()
    assert Staff.select().count() == before
    assert not AuditLog.select().where(AuditLog.action == "create").exists()
