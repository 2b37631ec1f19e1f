"""Nobody acts as someone else: the forced login (--as), the first admin, the owner's unlock,
the OS account in every audit row, a restore that cannot be used to get in."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from models import audit

ROOT = Path(__file__).resolve().parent.parent
GUANAI = str(Path(sys.executable).with_name("guanai"))


def _env(env=None):
    e = {**os.environ, "GUANAI_DB": ""}
    for var in ("SSH_CLIENT", "SSH_CONNECTION", "SSH_ORIGINAL_COMMAND", "SUDO_USER"):
        e.pop(var, None)
    e.update(env or {})
    return e


def run(*args, stdin="", env=None):
    """A real ``guanai`` process: who it is (the OS account, --as, the SSH variables) is the point here."""
    return subprocess.run([GUANAI, *args], input=stdin, capture_output=True, text=True, env=_env(env), timeout=60)


def run_in(*args, stdin="", env=None):
    """A subcommand in this process (tests/cli_inprocess.py), where who runs it is not the point:
    setting up a database, the first admin, a restore by role."""
    from tests.cli_inprocess import run_cli

    return run_cli(*args, stdin=stdin, env=_env(env))


def one_line_error(res, fragment):
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    assert fragment in lines[0], lines[0]


@pytest.fixture
def school(tmp_path):
    path = tmp_path / "school.db"
    shutil.copyfile(ROOT / "sample.db", path)
    assert run_in("--db", str(path), "init").returncode == 0
    return str(path)


def rows(path, sql, *params):
    con = sqlite3.connect(path)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


# --- the forced command: guanai --as LOGIN ----------------------------------------------------

@pytest.mark.parametrize("asked, fragment", [
    ("due --user admin", "只能打开关爱"),
    ("--user admin due", "只能打开关爱"),
    ("due --db /tmp/other.db", "只能打开关爱"),
    ("due --db=/tmp/other.db", "只能打开关爱"),
    ("audit", "只能打开关爱"),
    ("users add evil --name 坏人 --role admin", "只能打开关爱"),
    ("export --month 2026-11", "只能打开关爱"),
    ("sh -c id", "只能打开关爱"),
    ("due 'unclosed", "无法理解"),
])
def test_forced_login_refuses_anything_but_the_app_and_due(school, asked, fragment):
    res = run("--db", school, "--as", "aixinmama", env={"SSH_ORIGINAL_COMMAND": asked})
    one_line_error(res, fragment)
    assert not rows(school, "SELECT 1 FROM staff WHERE login = 'evil'")


def test_forced_login_cannot_be_overridden_on_its_own_line(school):
    one_line_error(run("--db", school, "--as", "aixinmama", "--user", "admin", "due"), "不能再用 --user")
    one_line_error(run("--db", school, "--as", "aixinmama", "export", "--month", "2026-11", "--user", "admin"),
                   "不能再用 --user")
    one_line_error(run("--db", school, "--as", "nosuchlogin", "due"), "没有登录名为 nosuchlogin")


def test_forced_due_shows_only_the_forced_logins_children(school):
    """`ssh guanai@server due` through 爱心妈妈's key: her paired children, not the school's."""
    mine = run("--db", school, "--as", "aixinmama", env={"SSH_ORIGINAL_COMMAND": "guanai due --date 2026-11-27"})
    everyone = run("--db", school, "--user", "xiaozhang", "due", "--date", "2026-11-27")
    assert mine.returncode == 0 and everyone.returncode == 0, mine.stderr
    her = {line.split("\t")[0] for line in mine.stdout.splitlines()}
    school_wide = {line.split("\t")[0] for line in everyone.stdout.splitlines()}
    assert her and her < school_wide
    login = rows(school, "SELECT a.source, a.os_user, a.new FROM audit_log a JOIN staff s ON s.id = a.staff_id "
                         "WHERE s.login = 'aixinmama' AND a.action = 'login' ORDER BY a.id DESC LIMIT 1")
    assert login and json.loads(login[0][2])["for"] == "due" and login[0][1] == audit.os_name()


# --- the OS account in every audit row ------------------------------------------------------

def test_every_audit_row_names_the_os_account_and_the_ssh_client(school):
    env = {"SSH_CONNECTION": "10.0.0.5 52144 10.0.0.1 22", "SUDO_USER": "wangli"}
    assert run("--db", school, "--user", "xiaozhang", "due", env=env).returncode == 0
    (source, os_user), = rows(school, "SELECT source, os_user FROM audit_log ORDER BY id DESC LIMIT 1")
    assert source == "10.0.0.5"
    assert os_user == (audit.os_name() if audit.os_name() == "wangli" else f"{audit.os_name()} sudo:wangli")
    out = run("--db", school, "--user", "admin", "audit", "--action", "login").stdout
    assert f"\t{os_user}@10.0.0.5\t" in out.splitlines()[-2] + "\t"  # the login of the due above


def test_os_account_ignores_the_user_variable(monkeypatch):
    monkeypatch.setenv("USER", "admin")
    monkeypatch.setenv("LOGNAME", "admin")
    import pwd

    assert audit.os_name() == pwd.getpwuid(os.geteuid()).pw_name


# --- the first admin --------------------------------------------------------------------------

def test_only_the_first_login_needs_none_and_it_must_be_an_admin(tmp_path):
    db = str(tmp_path / "new.db")
    assert run_in("--db", db, "init").returncode == 0
    one_line_error(run_in("--db", db, "users", "add", "boss", "--name", "王校长", "--role", "head"), "必须是管理员")
    res = run_in("--db", db, "users", "add", "admin1", "--name", "李管理", "--role", "admin")
    assert res.returncode == 0, res.stderr
    one_line_error(run_in("--db", db, "users", "add", "evil", "--name", "坏人", "--role", "admin"), "管理员")
    assert [r[0] for r in rows(db, "SELECT login FROM staff WHERE login IS NOT NULL")] == ["admin1"]
    assert run_in("--db", db, "--user", "admin1", "users", "add", "boss", "--name", "王校长",
               "--role", "head").returncode == 0


# --- a lockout the owner lifts --------------------------------------------------------------

def test_the_file_owner_lifts_a_lockout_without_a_login(school):
    assert run("--db", school, "--user", "admin", "users", "reset-pin", "admin", stdin="2468\n").returncode == 0
    for _ in range(5):
        run("--db", school, "--user", "admin", "audit", stdin="1111\n")
    one_line_error(run("--db", school, "--user", "admin", "audit", stdin="2468\n"), "已锁定")
    res = run("--db", school, "users", "unlock", "admin")
    assert res.returncode == 0 and "所有者" in res.stdout, res.stderr
    assert run("--db", school, "--user", "admin", "audit", stdin="2468\n").returncode == 0
    (staff_id, os_user, old), = rows(school, "SELECT staff_id, os_user, old FROM audit_log WHERE action = 'update' "
                                             "AND \"table\" = 'staff' ORDER BY id DESC LIMIT 1")
    assert staff_id is None and os_user == audit.os_name() and json.loads(old)["failed_pins"] == 5
    # a forced login is never the owner, whatever account runs it
    one_line_error(run("--db", school, "--as", "aixinmama", "users", "unlock", "admin"), "不是管理员")


# --- restore -----------------------------------------------------------------------------------

def test_restore_of_a_backup_without_the_acting_admin_is_audited_by_name(school, tmp_path):
    other = str(tmp_path / "other.db")
    assert run_in("--db", other, "init").returncode == 0
    assert run_in("--db", other, "users", "add", "first", "--name", "别的管理员", "--role", "admin").returncode == 0
    backup = str(tmp_path / "backup.db")
    assert run_in("--db", other, "backup", "-o", backup).returncode == 0
    res = run_in("--db", school, "--user", "admin", "restore", backup, "--yes")
    assert res.returncode == 0, res.stderr
    (staff_id, new), = rows(school, "SELECT staff_id, new FROM audit_log WHERE action = 'restore'")
    assert staff_id is None and json.loads(new)["by"].startswith("admin(")


@pytest.mark.parametrize("login, allowed", [
    ("admin", True), ("xiaozhang", False), ("banzhuren", False), ("laoshi", False), ("xinli", False),
    ("aixinmama", False),
])
def test_restore_by_role(school, tmp_path, login, allowed):
    """Restoring replaces every record: the admin only, each try audited or refused before anything."""
    backup = str(tmp_path / "backup.db")
    assert run_in("--db", school, "backup", "-o", backup).returncode == 0
    before = rows(school, "SELECT count(*) FROM audit_log")[0][0]
    res = run_in("--db", school, "--user", login, "restore", backup, "--yes")
    if allowed:
        assert res.returncode == 0, res.stderr
        assert rows(school, "SELECT count(*) FROM audit_log WHERE action = 'restore'") == [(1,)]
    else:
        one_line_error(res, "不是管理员")
        assert not [p for p in os.listdir(tmp_path) if "before-restore" in p]
        assert rows(school, "SELECT count(*) FROM audit_log WHERE action = 'restore'") == [(0,)]
        assert rows(school, "SELECT count(*) FROM audit_log")[0][0] >= before
