"""A database file with damaged pages: every command says so in one line (exit 2), writes nothing."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUANAI = str(Path(sys.executable).with_name("guanai"))


@pytest.fixture(scope="module")
def damaged(tmp_path_factory):
    """The demo school with a fixed stretch of garbage over every seventh page past the 20th."""
    folder = tmp_path_factory.mktemp("damaged")
    path = folder / "school.db"
    shutil.copyfile(ROOT / "sample.db", path)
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        for offset in range(4096 * 20, size, 4096 * 7):
            fh.seek(offset + 100)
            fh.write(bytes(range(256)) * 2)
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
