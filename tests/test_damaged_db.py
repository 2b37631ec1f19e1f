"""A database file with damaged pages: every command says so in one line (exit 2), writes nothing."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUANAI = str(Path(sys.executable).with_name("guanai"))


@pytest.fixture(scope="module")
def damaged(tmp_path_factory):
    """The demo school with garbage over the root page of every table but the migrations' (so the
    file opens and its schema version is read, and then any query of the data meets a bad page)."""
    folder = tmp_path_factory.mktemp("damaged")
    path = folder / "school.db"
    shutil.copyfile(ROOT / "sample.db", path)
    con = sqlite3.connect(path)
    page = con.execute("PRAGMA page_size").fetchone()[0]
    roots = [r for (r,) in con.execute("SELECT rootpage FROM sqlite_master WHERE type = 'table' "
                                       "AND name NOT IN ('schema_migration') AND rootpage > 1")]
    con.close()
    with open(path, "r+b") as fh:
        for root in roots:
            fh.seek((root - 1) * page + 8)  # past the b-tree page header's first bytes
            fh.write(bytes(range(256)) * ((page - 16) // 256))
    return str(path)


@pytest.mark.parametrize("args", [
    ["--user", "xiaozhang", "due"],
    ["--user", "admin", "audit"],
    ["--user", "xiaozhang", "rules"],
    ["--user", "xiaozhang", "export", "--month", "2026-11", "-o", "{folder}"],
    ["backup", "-o", "{folder}/copy.db"],
])
def test_every_command_says_damaged_in_one_line(damaged, args):
    folder = os.path.dirname(damaged)
    before = sorted(os.listdir(folder))
    args = [a.replace("{folder}", folder) for a in args]
    res = subprocess.run([GUANAI, "--db", damaged, *args], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "GUANAI_DB": ""})
    assert res.returncode == 2, res.stdout
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    assert "损坏" in lines[0] or "校验未通过" in lines[0]
    after = sorted(n for n in os.listdir(folder) if not n.endswith(("-wal", "-shm")))
    assert after == [n for n in before if not n.endswith(("-wal", "-shm"))]  # no export, no copy
