"""The real `guanai --demo` in a real terminal (tmux, 80x24), driven as a teacher would."""
import hashlib
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUANAI = str(Path(sys.executable).with_name("guanai"))
SOCKET = f"guanai-test-{uuid.uuid4().hex[:6]}"  # a private tmux server: never touch the user's


def tmux(*args):
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True, timeout=20)


def screen(name):
    return tmux("capture-pane", "-p", "-t", name).stdout


def wait_for(name, predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = screen(name)
        if predicate(text):
            return text
        time.sleep(0.1)
    raise AssertionError(f"timed out; screen was:\n{text}")


@pytest.fixture
def session_name():
    assert shutil.which("tmux"), "tmux is required (apt-get install tmux)"
    name = f"guanai-smoke-{uuid.uuid4().hex[:8]}"
    yield name
    tmux("kill-session", "-t", name)


def a_child_with_unique_initials():
    con = sqlite3.connect(ROOT / "sample.db")
    row = con.execute(
        "SELECT name, name_initials FROM child WHERE left_behind_type != '' AND status = '在读' "
        "AND name_initials IN (SELECT name_initials FROM child GROUP BY name_initials HAVING count(*) = 1) "
        "ORDER BY id LIMIT 1").fetchone()
    con.close()
    return row


def test_demo_roster_search_open_quit(session_name):
    sample = ROOT / "sample.db"
    before = hashlib.sha256(sample.read_bytes()).hexdigest()
    name, initials = a_child_with_unique_initials()
    started = time.monotonic()
    res = tmux("new-session", "-d", "-s", session_name, "-x", "80", "-y", "24",
               f"env GUANAI_DB= TERM=xterm-256color {GUANAI} --demo")
    assert res.returncode == 0, res.stderr
    wait_for(session_name, lambda t: "建档率" in t and "姓名" in t)
    shown_after = time.monotonic() - started
    assert shown_after < 20  # generous: a loaded CI machine; bench/ measures real start-up
    tmux("send-keys", "-t", session_name, "/")
    time.sleep(0.3)
    tmux("send-keys", "-t", session_name, "-l", initials)
    text = wait_for(session_name, lambda t: name in t and " 1 人" in t)
    assert "建档率" in text
    tmux("send-keys", "-t", session_name, "Enter")  # to the first match
    time.sleep(0.3)
    tmux("send-keys", "-t", session_name, "Enter")  # open the record
    wait_for(session_name, lambda t: "基本信息" in t and name in t)
    tmux("send-keys", "-t", session_name, "Escape")
    wait_for(session_name, lambda t: "建档率" in t)
    tmux("send-keys", "-t", session_name, "q")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and tmux("has-session", "-t", session_name).returncode == 0:
        time.sleep(0.1)
    assert tmux("has-session", "-t", session_name).returncode != 0, "guanai did not quit on q"
    assert hashlib.sha256(sample.read_bytes()).hexdigest() == before
