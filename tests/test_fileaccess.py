"""The database file is private to one OS account: guanai refuses a file anyone else could reach.

Judged by what the kernel allows (mode bits along the whole path, the group's members), so the
folders here are made under /tmp and opened up on purpose; pytest's own tmp_path is 0700 and
would hide every file inside from other users."""
from __future__ import annotations

import grp
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

from models import db as dbmod
from models import fileaccess

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to make OS users and groups")


@pytest.fixture
def open_dir():
    """A folder every user can enter (like /srv/guanai set up carelessly)."""
    folder = tempfile.mkdtemp(prefix="guanai-access-", dir="/tmp")
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def make_db(folder: str, mode: int = 0o600, name: str = "school.db") -> str:
    path = os.path.join(folder, name)
    dbmod.open_database(path)
    dbmod.current().execute_sql("CREATE TABLE t (x)")
    dbmod.current().close()
    os.chmod(path, mode)
    return path


@pytest.mark.parametrize("dir_mode, file_mode, refused", [
    (0o755, 0o600, False),   # owner-only file in an open folder: fine
    (0o755, 0o644, True),    # others read it
    (0o755, 0o606, True),    # others write it
    (0o700, 0o644, False),   # a readable file nobody else can get to
    (0o711, 0o644, True),    # x is enough to reach a file whose name is known
    (0o777, 0o600, True),    # others can replace the file or plant its -wal
    (0o1777, 0o600, True),   # sticky (like /tmp): they still can plant school.db-wal
    (0o755, 0o640, False),   # group read, but the file's group (root's) has no other member
])
def test_exposure_by_modes(open_dir, dir_mode, file_mode, refused):
    path = make_db(open_dir, file_mode)
    os.chmod(open_dir, dir_mode)
    why = fileaccess.exposure(path)
    assert (why is not None) == refused, why
    if refused:
        with pytest.raises(dbmod.DatabaseError) as err:
            dbmod.open_database(path, create=False)
        assert "\n" not in str(err.value) and "README" in str(err.value)
    else:
        dbmod.open_database(path, create=False)
        dbmod.current().close()


def test_a_readable_wal_is_refused_too(open_dir):
    path = make_db(open_dir)
    with open(path + "-wal", "wb"):
        pass
    os.chmod(path + "-wal", 0o644)
    assert "school.db-wal" in fileaccess.exposure(path)


def test_new_database_in_an_open_folder_is_refused(open_dir):
    os.chmod(open_dir, 0o777)
    with pytest.raises(dbmod.DatabaseError):
        dbmod.open_database(os.path.join(open_dir, "new.db"))
    assert not os.path.exists(os.path.join(open_dir, "new.db"))


@ROOT_ONLY
def test_group_bits_count_only_when_the_group_has_other_members(open_dir):
    """A group with a second member reads a 0640 file; a personal group does not."""
    tag = os.urandom(3).hex()
    shared, member = f"gashared{tag}", f"gamember{tag}"
    subprocess.run(["groupadd", shared], check=True)
    subprocess.run(["useradd", "-M", "-N", "-G", shared, member], check=True)
    try:
        gid = grp.getgrnam(shared).gr_gid
        path = make_db(open_dir, 0o640)
        os.chown(path, -1, gid)
        assert "的其他成员" in fileaccess.exposure(path)
        os.chmod(path, 0o600)
        assert fileaccess.exposure(path) is None
        # the folder itself group-writable (the old 2770 set-up): they could replace the file
        os.chown(open_dir, -1, gid)
        os.chmod(open_dir, 0o2770)
        assert "可以写入" in fileaccess.exposure(path)
    finally:
        subprocess.run(["userdel", member], check=False)
        subprocess.run(["groupdel", shared], check=False)


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True,
                          cwd=os.path.dirname(os.path.dirname(__file__)), timeout=60)


def test_commands_refuse_an_exposed_database_in_one_line(open_dir):
    path = make_db(open_dir, 0o644)
    res = cli("--db", path, "due")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "chmod 600" in res.stderr


@pytest.mark.parametrize("make, fragment", [
    (lambda d: "/dev/null", "不是普通文件"),
    (lambda d: open(os.path.join(d, "empty.db"), "wb").close() or os.path.join(d, "empty.db"), "是空的"),
])
def test_devices_and_empty_files_are_not_databases(tmp_path, make, fragment):
    path = make(str(tmp_path))
    res = cli("--db", path, "due")
    assert res.returncode == 2 and fragment in res.stderr and "Traceback" not in res.stderr
    if path != "/dev/null":
        assert os.path.getsize(path) == 0  # nothing was made of it


def test_init_makes_a_school_of_an_empty_file(tmp_path):
    path = tmp_path / "empty.db"
    path.touch(mode=0o600)
    res = cli("--db", str(path), "init")
    assert res.returncode == 0, res.stderr
    assert cli("--db", str(path), "users").returncode == 0


def test_owns(tmp_path):
    path = tmp_path / "f"
    path.touch()
    assert fileaccess.owns(str(path))
    assert not fileaccess.owns(str(tmp_path / "missing"))
    if os.geteuid() != 0:
        assert not fileaccess.owns("/etc/passwd")

