"""Stored text never drives a real terminal: rows written raw into the database file (as an
older version or someone with ``sqlite3`` would) hold OSC 52 clipboard writes, OSC 0/2 title
changes and a CSI 2J screen clear; the real ``guanai`` opens them in tmux at 80x24 on every
screen that shows or edits them, and the pty's output stream (``tmux pipe-pane``) never holds
the attacker's sequences. ``capture-pane`` shows rendered cells, not bytes: the stream does."""
import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.tmuxterm import tmux, wait_for

ROOT = Path(__file__).resolve().parent.parent
GUANAI = str(Path(sys.executable).with_name("guanai"))

# distinctive payloads, so the assertions match the attacker's bytes and not Textual's own output
CLIP = "\x1b]52;c;R1VBTkFJLVBXTi1DTElQ\x07"  # base64 of GUANAI-PWN-CLIP
TITLE0 = "\x1b]0;GUANAI-PWN-TITLE0\x07"
TITLE2 = "\x1b]2;GUANAI-PWN-TITLE2\x1b\\"
CLEAR = "\x1b[2JGUANAI-PWN-CLEAR"
PAYLOAD = f"可见{CLIP}文字{TITLE0}第二行\n{TITLE2}清屏{CLEAR}\x9b2J\x07完"
FORBIDDEN = ("\x1b]52", "\x1b]0;GUANAI", "\x1b]2;GUANAI", "\x1b[2JGUANAI", "\x9b2J")


@pytest.fixture
def session_name():
    assert shutil.which("tmux"), "tmux is required (apt-get install tmux)"
    name = f"guanai-esc-{uuid.uuid4().hex[:8]}"
    yield name
    tmux("kill-session", "-t", name)


def hostile_copy(tmp_path: Path) -> tuple[Path, str, str]:
    """A migrated copy of the sample school, then raw SQL: the child's notes and address, a talk
    of today and an event of today carry the payload. Returns (db, child name, its initials)."""
    db = tmp_path / "school.db"
    shutil.copyfile(ROOT / "sample.db", db)
    os.chmod(db, 0o600)
    env = {**os.environ, "GUANAI_DB": ""}
    init = subprocess.run([GUANAI, "--db", str(db), "init"], capture_output=True, text=True, env=env, timeout=60)
    assert init.returncode == 0, init.stderr
    con = sqlite3.connect(db)
    name, initials, child_id = con.execute(
        "SELECT name, name_initials, id FROM child WHERE left_behind_type != '' AND status = '在读' AND archived_at IS NULL "
        "AND name_initials IN "
        "(SELECT name_initials FROM child GROUP BY name_initials HAVING count(*) = 1) ORDER BY id LIMIT 1").fetchone()
    head = con.execute("SELECT id, school_id FROM staff WHERE login = 'xiaozhang'").fetchone()
    now = dt.datetime.now().replace(second=0, microsecond=0)
    today = now.date().isoformat()
    with con:
        con.execute("UPDATE child SET notes = ?, personality = ? WHERE id = ?", (PAYLOAD, "活泼" + CLIP, child_id))
        con.execute("INSERT INTO contact (child_id, staff_id, kind, at, minutes, reached, place, callee, content, effect, "
                    "mood, concerns, follow_up, group_key, created_at, updated_at) "
                    "VALUES (?, ?, '谈心', ?, 10, 1, ?, '', ?, '', '', '', ?, '', ?, ?)",
                    (child_id, head[0], now.isoformat(" "), "操场" + TITLE0, PAYLOAD, "跟进" + CLEAR,
                     now.isoformat(" "), now.isoformat(" ")))
        # the only event of today, so the calendar's edit key opens its form straight away
        con.execute("DELETE FROM event WHERE rrule != '' OR start_date = ? OR series_id IS NOT NULL", (today,))
        con.execute("DELETE FROM attendance WHERE event_id NOT IN (SELECT id FROM event)")
        con.execute("INSERT INTO event (school_id, title, kind, start_date, place, organiser, notes, rrule, cancelled) "
                    "VALUES (?, ?, '活动', ?, ?, '', ?, '', 0)",
                    (head[1], "家长会" + TITLE2, today, "礼堂" + CLIP, PAYLOAD))
    con.close()
    return db, name, initials


def test_stored_escape_sequences_never_reach_the_pty(session_name, tmp_path):
    db, name, initials = hostile_copy(tmp_path)
    stream = tmp_path / "pty.out"
    stream.touch()
    cmd = f"env GUANAI_DB= TERM=xterm-256color {GUANAI} --db {db} --user xiaozhang"
    # the app waits for one Enter so the recording starts before its first byte
    assert tmux("new-session", "-d", "-s", session_name, "-x", "80", "-y", "24",
                f"sh -c 'read _; exec {cmd}'").returncode == 0
    assert tmux("pipe-pane", "-o", "-t", session_name, f"cat >> {stream}").returncode == 0
    tmux("send-keys", "-t", session_name, "Enter")

    def keys(*k):
        tmux("send-keys", "-t", session_name, *k)

    def wait(predicate):  # generous: two cores shared with other test runs
        return wait_for(session_name, predicate, timeout=60)

    try:
        wait(lambda t: "建档率" in t)
        # the roster, its search, the child's page
        keys("/")
        time.sleep(0.3)
        keys("-l", initials)
        wait(lambda t: " 1 人" in t)
        keys("Enter")
        time.sleep(0.3)
        keys("Enter")
        wait(lambda t: "基本信息" in t and name in t)
        keys("End")  # the latest talk and the notes are further down the page
        wait(lambda t: "修改记录" in t)
        keys("Home")
        wait(lambda t: "基本信息" in t)
        # the edit form: shift+tab from the first field wraps to the notes TextArea at the end
        keys("e")
        wait(lambda t: "修改档案" in t)
        keys("BTab")
        time.sleep(0.3)
        keys("BTab")
        wait(lambda t: "可见" in t)
        keys("Escape")
        wait(lambda t: "基本信息" in t)
        keys("Escape")
        wait(lambda t: "建档率" in t)
        # the talk log, then the newest talk opened for correction
        keys("3")
        wait(lambda t: name in t and "按孩子搜索" in t)  # the talk log, not the roster still on screen
        keys("Enter")
        wait(lambda t: "修改记录" in t and "可见" in t)
        keys("Escape")  # unchanged: closes without asking (the loaded text is what was shown)
        wait(lambda t: "修改记录" not in t)
        keys("Escape")
        time.sleep(0.3)
        # the calendar on today, today's agenda, the event's form
        keys("4")
        wait(lambda t: "家长会" in t)
        keys("Enter")
        wait(lambda t: "礼堂" in t)
        keys("Escape")
        time.sleep(0.3)
        keys("e")
        wait(lambda t: "修改活动" in t and "可见" in t)
        keys("Escape")
        wait(lambda t: "修改活动" not in t)
        keys("Escape")
        time.sleep(0.3)
    finally:
        keys("q")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and tmux("has-session", "-t", session_name).returncode == 0:
            time.sleep(0.1)
        out = stream.read_bytes().decode("utf-8", "replace")
        for seq in FORBIDDEN:  # judged even when a wrecked screen stopped the walk above
            assert seq not in out, f"{seq!r} reached the terminal"
    assert "可见" in out and "家长会" in out  # the recording holds the screens that showed the rows
