"""Backups while others write, verified; a full or read-only target; restore with confirmation;
file modes of the database and its copies."""
import os
import resource
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from models import backup
from models import db as dbmod
from models import schema

ROOT = Path(__file__).resolve().parent.parent
GUANAI = str(Path(sys.executable).with_name("guanai"))


def run(*args, stdin="", **kw):
    env = {**os.environ, "GUANAI_DB": ""}
    return subprocess.run([GUANAI, *args], input=stdin, capture_output=True, text=True, env=env, timeout=120, **kw)


def run_in(*args):
    """Setting up (a schema, a backup to restore from) in this process (tests/cli_inprocess.py);
    the command a test is about keeps a real ``guanai`` process (file modes, limits, signals)."""
    from tests.cli_inprocess import run_cli

    return run_cli(*args, env={**os.environ, "GUANAI_DB": ""})


def one_line_error(res, fragment):
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert fragment in lines[0], lines[0]


def count(path, table):
    con = sqlite3.connect(path)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def check(path):
    con = sqlite3.connect(path)
    try:
        return (con.execute("PRAGMA integrity_check").fetchall(), con.execute("PRAGMA foreign_key_check").fetchall())
    finally:
        con.close()


@pytest.fixture
def school(tmp_path):
    path = tmp_path / "school.db"
    shutil.copyfile(ROOT / "sample.db", path)
    assert run_in("--db", str(path), "init").returncode == 0
    return path


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# --- backup ------------------------------------------------------------------------------

WRITER = """
import sys, time, datetime as dt
sys.path.insert(0, {root!r})
from models import db as dbmod
from models.entities import Contact
dbmod.open_database({path!r})
kid = Contact.select(Contact.child).first().child_id
end = time.monotonic() + float(sys.argv[1])
n = 0
while time.monotonic() < end:
    with dbmod.write():
        for j in range(5):
            Contact.create(child=kid, kind="谈心", at=dt.datetime(2026, 11, 27, 9), content=f"w-{{n}}-{{j}}")
    n += 1
print(n)
"""


def test_backup_while_another_process_writes(school, tmp_path):
    before = count(school, "contact")
    writer = subprocess.Popen([sys.executable, "-c", WRITER.format(root=str(ROOT), path=str(school)), "4"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    try:
        time.sleep(0.3)
        for i in range(4):
            out = tmp_path / f"b{i}.db"
            res = run("--db", str(school), "backup", "-o", str(out))
            assert res.returncode == 0, res.stderr
            assert "已校验" in res.stdout
            assert check(out) == ([("ok",)], [])
            n = count(out, "contact")
            assert (n - before) % 5 == 0, "a backup holds whole transactions only"
            seen.append(n)
            assert mode(out) == 0o600
    finally:
        out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    transactions = int(out)
    assert transactions > 10
    assert seen == sorted(seen) and seen[-1] > before, seen  # each copy later than the one before, all under way
    assert count(school, "contact") == before + 5 * transactions
    assert not [p for p in os.listdir(tmp_path) if ".part" in p]


def test_backup_copy_is_one_self_contained_file(school, tmp_path):
    out = tmp_path / "one.db"
    dbmod.open_database(str(school))
    try:
        assert backup.backup_to(str(out)) == str(out)
    finally:
        dbmod.current().close()
    con = sqlite3.connect(out)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    con.close()
    assert not [p for p in os.listdir(tmp_path) if p.startswith("one.db") and p != "one.db"]


def _limit_file_size(limit):
    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_backup_over_the_file_size_limit_leaves_nothing(school, tmp_path):
    """A file-size limit (any user can set one) fails SQLite's writes half-way."""
    out = tmp_path / "full" / "b.db"
    out.parent.mkdir()
    res = run("--db", str(school), "backup", "-o", str(out), preexec_fn=_limit_file_size(256 * 1024))
    one_line_error(res, "磁盘已满")
    assert os.listdir(out.parent) == []
    assert check(school) == ([("ok",)], [])


def test_backup_to_a_full_disk_leaves_nothing(school, tmp_path):
    """A real full disk: a 1 MB tmpfs (needs root; the sample school is 5 MB)."""
    full = tmp_path / "full"
    full.mkdir()
    if os.geteuid() != 0:
        pytest.skip("a real full disk needs a tmpfs mount (root); the file-size-limit test covers the rest")
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(full)], capture_output=True)
    if res.returncode != 0:
        pytest.skip(f"mounting a small tmpfs failed: {res.stderr!r}")
    try:
        one_line_error(run("--db", str(school), "backup", "-o", str(full / "b.db")), "磁盘已满")
        assert os.listdir(full) == []
    finally:
        subprocess.run(["umount", str(full)], capture_output=True)
    assert check(school) == ([("ok",)], [])


@pytest.fixture
def read_only_dir(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)], capture_output=True)
    if res.returncode != 0:
        pytest.skip(f"as root a read-only folder needs a read-only mount, which failed: {res.stderr!r}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)


def test_backup_to_a_read_only_place(school, read_only_dir):
    one_line_error(run("--db", str(school), "backup", "-o", str(read_only_dir / "b.db")), "只读" if os.geteuid() == 0
                   else "权限")
    assert os.listdir(read_only_dir) == []


def test_backup_of_postgres_is_refused_with_advice(pg_server):
    url = pg_server.create_database(f"b_{uuid.uuid4().hex[:8]}")
    assert run("--db", url, "init").returncode == 0
    one_line_error(run("--db", url, "backup", "-o", "/tmp/never.db"), "pg_dump")


# --- file modes -------------------------------------------------------------------------------

def test_new_database_and_its_wal_are_private(tmp_path):
    path = tmp_path / "new.db"
    assert run("--db", str(path), "init").returncode == 0
    assert mode(path) == 0o600
    con = sqlite3.connect(path)  # the -wal and -shm exist while a connection is open
    con.execute("SELECT 1 FROM school").fetchall()
    for suffix in ("-wal", "-shm"):
        assert mode(str(path) + suffix) == 0o600, suffix
    con.close()


def test_files_stay_owner_only_in_a_setgid_folder(tmp_path):
    """The old group-shared set-up (2770) no longer widens anything: one OS account reads the data."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o2770)
    path = shared / "school.db"
    dbmod.open_database(str(path))
    try:
        schema.migrate()
        for suffix in ("", "-wal", "-shm"):
            assert mode(str(path) + suffix) == 0o600, suffix
        backup.backup_to(str(shared / "copy.db"))
        assert mode(shared / "copy.db") == 0o600
    finally:
        dbmod.current().close()


# --- restore ------------------------------------------------------------------------------------

def add_staff(path, login):
    res = run("--db", str(path), "--user", "admin", "users", "add", login, "--name", "王丽", "--role", "teacher")
    assert res.returncode == 0, res.stderr


def staff_logins(path):
    con = sqlite3.connect(path)
    try:
        return {r[0] for r in con.execute("SELECT login FROM staff WHERE login IS NOT NULL")}
    finally:
        con.close()


def test_restore_keeps_the_current_database_and_restores(school, tmp_path):
    saved = tmp_path / "saved.db"
    assert run_in("--db", str(school), "backup", "-o", str(saved)).returncode == 0
    add_staff(school, "later")
    reader = sqlite3.connect(school)  # another user's open connection
    assert "later" in {r[0] for r in reader.execute("SELECT login FROM staff")}
    res = run("--db", str(school), "--user", "admin", "restore", str(saved), "--yes")
    assert res.returncode == 0, res.stderr
    assert "学生 1000 人" in res.stdout
    kept = [p for p in os.listdir(tmp_path) if p.startswith("school.db.before-restore-") and p[-4:] not in ("-wal", "-shm")]
    assert len(kept) == 1
    assert "later" in staff_logins(tmp_path / kept[0]), "the replaced database is kept whole"
    assert mode(tmp_path / kept[0]) == 0o600
    assert "later" not in staff_logins(school)
    assert "later" not in {r[0] for r in reader.execute("SELECT login FROM staff")}, "open connections see it"
    reader.close()
    assert check(school) == ([("ok",)], [])
    con = sqlite3.connect(school)
    (new,), = con.execute("SELECT new FROM audit_log WHERE action = 'restore'").fetchall()
    con.close()
    assert str(saved) in new


def test_restore_needs_confirmation(school, tmp_path):
    saved = tmp_path / "saved.db"
    assert run_in("--db", str(school), "backup", "-o", str(saved)).returncode == 0
    add_staff(school, "later")
    one_line_error(run("--db", str(school), "--user", "admin", "restore", str(saved)), "--yes")
    one_line_error(run("--db", str(school), "--user", "laoshi", "restore", str(saved), "--yes"), "不是管理员")
    assert "later" in staff_logins(school)
    assert not [p for p in os.listdir(tmp_path) if "before-restore" in p]


def tmux(socket, *args):
    return subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True, timeout=20)


def test_restore_asks_in_a_terminal(school, tmp_path):
    assert shutil.which("tmux"), "tmux is required (apt-get install tmux)"
    saved = tmp_path / "saved.db"
    assert run_in("--db", str(school), "backup", "-o", str(saved)).returncode == 0
    add_staff(school, "later")
    socket = f"guanai-restore-{uuid.uuid4().hex[:6]}"
    try:
        for answer, restored in (("no", False), ("yes", True)):
            log = tmp_path / f"{answer}.log"
            cmd = (f"env GUANAI_DB= {GUANAI} --db {school} --user admin restore {saved}; "
                   f"echo rc=$? > {log}")
            tmux(socket, "new-session", "-d", "-s", answer, "-x", "80", "-y", "24", cmd)
            deadline = time.monotonic() + 20
            while "输入 yes 确认" not in tmux(socket, "capture-pane", "-p", "-t", answer).stdout:
                assert time.monotonic() < deadline, tmux(socket, "capture-pane", "-p", "-t", answer).stdout
                time.sleep(0.1)
            tmux(socket, "send-keys", "-t", answer, answer, "Enter")
            while not log.exists() or not log.read_text().strip():
                assert time.monotonic() < deadline
                time.sleep(0.1)
            assert log.read_text().strip() == ("rc=0" if restored else "rc=2")
            assert ("later" in staff_logins(school)) is not restored
    finally:
        tmux(socket, "kill-server")


def test_restore_refuses_what_is_not_a_sound_guanai_database(school, tmp_path):
    before = staff_logins(school)
    text = tmp_path / "notes.txt"
    text.write_text("hello" * 100)
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    broken = tmp_path / "broken.db"
    assert run_in("--db", str(school), "backup", "-o", str(broken)).returncode == 0
    data = bytearray(broken.read_bytes())
    for offset in range(4096 * 3, len(data) - 4096, 4096 * 7):  # damage b-tree pages, keep the header
        data[offset:offset + 64] = b"\xff" * 64
    broken.write_bytes(bytes(data))
    newer = tmp_path / "newer.db"
    assert run_in("--db", str(school), "backup", "-o", str(newer)).returncode == 0
    con = sqlite3.connect(newer)
    con.execute("INSERT INTO schema_migration (name, applied) VALUES ('0999_future', '2030-01-01')")
    con.commit()
    con.close()
    for path, fragment in ((tmp_path / "missing.db", "找不到"), (text, "不是关爱"), (other, "不是关爱"),
                           (broken, "损坏"), (newer, "比本程序新")):
        one_line_error(run("--db", str(school), "--user", "admin", "restore", str(path), "--yes"), fragment)
    assert staff_logins(school) == before
    assert not [p for p in os.listdir(tmp_path) if "before-restore" in p]


def test_restore_over_a_database_that_cannot_be_opened(school, tmp_path):
    saved = tmp_path / "saved.db"
    assert run_in("--db", str(school), "backup", "-o", str(saved)).returncode == 0
    for suffix in ("-wal", "-shm"):
        if os.path.exists(str(school) + suffix):
            os.remove(str(school) + suffix)
    school.write_bytes(b"garbage" * 1000)
    res = run("--db", str(school), "restore", str(saved), "--yes")
    assert res.returncode == 0, res.stderr
    assert check(school) == ([("ok",)], [])
    assert count(school, "child") == 1000
    kept = [p for p in os.listdir(tmp_path) if p.startswith("school.db.before-restore-")]
    assert (tmp_path / kept[0]).read_bytes() == b"garbage" * 1000
