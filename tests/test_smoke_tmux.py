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

from tests.tmuxterm import screen, tmux, wait_for

ROOT = Path(__file__).resolve().parent.parent
GUANAI = str(Path(sys.executable).with_name("guanai"))


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
    # one burst, as a fast typist or an SSH packet delivers it: the letters must reach the search box
    tmux("send-keys", "-t", session_name, "-l", "/" + initials)
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


def test_talk_cut_off_by_a_killed_terminal_comes_back(session_name, tmp_path):
    """Find a child due a weekly talk, type half a note, kill -9 the app, reopen: the text is back;
    save it and the child's weekly talk leaves `guanai due`."""
    db = tmp_path / "school.db"
    shutil.copyfile(ROOT / "sample.db", db)
    env = {**__import__("os").environ, "GUANAI_DB": ""}
    due = subprocess.run([GUANAI, "--db", str(db), "--user", "xiaozhang", "due", "--date", "2026-11-28", "--kind", "每周谈心"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert due.returncode == 0, due.stderr
    con = sqlite3.connect(db)
    unique = {n for (n,) in con.execute(
        "SELECT name FROM child WHERE name_initials IN "
        "(SELECT name_initials FROM child GROUP BY name_initials HAVING count(*) = 1)")}
    name = next(line.split("\t")[0] for line in due.stdout.splitlines() if line.split("\t")[0] in unique)
    initials = con.execute("SELECT name_initials FROM child WHERE name = ?", (name,)).fetchone()[0]
    con.close()
    cmd = f"env GUANAI_DB= TERM=xterm-256color {GUANAI} --db {db} --user xiaozhang"

    def open_talk():
        assert tmux("new-session", "-d", "-s", session_name, "-x", "80", "-y", "24", cmd).returncode == 0
        wait_for(session_name, lambda t: "建档率" in t)
        tmux("send-keys", "-t", session_name, "/")
        time.sleep(0.3)
        tmux("send-keys", "-t", session_name, "-l", initials)
        wait_for(session_name, lambda t: " 1 人" in t)
        tmux("send-keys", "-t", session_name, "Enter")
        time.sleep(0.3)
        tmux("send-keys", "-t", session_name, "t")
        return wait_for(session_name, lambda t: "新记录" in t and name in t)

    open_talk()
    tmux("send-keys", "-t", session_name, "-l", "今天谈了期中考试")
    wait_for(session_name, lambda t: "今天谈了期中考试" in t)
    time.sleep(1.5)  # the draft is at most about a second behind the keyboard
    pid = tmux("display-message", "-p", "-t", session_name, "#{pane_pid}").stdout.strip()
    subprocess.run(["kill", "-9", pid], check=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and tmux("has-session", "-t", session_name).returncode == 0:
        time.sleep(0.1)
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM contact WHERE content LIKE '今天谈了期中考试%'").fetchone()[0] == 0
    con.close()

    text = open_talk()
    assert "今天谈了期中考试" in text  # the draft came back in the form
    tmux("send-keys", "-t", session_name, "-l", "，他很努力")
    time.sleep(0.3)
    tmux("send-keys", "-t", session_name, "C-s")
    wait_for(session_name, lambda t: "建档率" in t)
    tmux("send-keys", "-t", session_name, "q")
    time.sleep(0.5)
    con = sqlite3.connect(db)
    assert con.execute("SELECT content FROM contact WHERE content LIKE '今天谈了期中考试%'").fetchall() == [
        ("今天谈了期中考试，他很努力",)]
    assert con.execute("SELECT count(*) FROM draft").fetchone()[0] == 0
    con.close()
    today = __import__("datetime").date.today().isoformat()
    after = subprocess.run([GUANAI, "--db", str(db), "--user", "xiaozhang", "due", "--date", today, "--kind", "每周谈心"],
                           capture_output=True, text=True, env=env, timeout=60)
    assert after.returncode == 0
    assert name not in [line.split("\t")[0] for line in after.stdout.splitlines()]
