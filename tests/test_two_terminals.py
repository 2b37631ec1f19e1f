"""Two teachers in two real terminals (tmux, 80x24) on one database — a SQLite file, and a
PostgreSQL database loaded with ``guanai --db URL sample`` — each see only their own children,
see each other's new talks within seconds, cannot overwrite each other's edits unknowingly, and
every look at a full ID number is in the audit log."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from models import db as dbmod
from models.entities import AuditLog, Child, Classroom, Contact, Pairing, Staff
from tests.tmuxterm import tmux, wait_for

ROOT = Path(__file__).resolve().parent.parent
GUANAI = str(Path(sys.executable).with_name("guanai"))
ENV = {**os.environ, "GUANAI_DB": ""}


def keys(name, *ks, pause=0.15):
    for k in ks:
        tmux("send-keys", "-t", name, k)
        time.sleep(pause)


def type_text(name, text):
    tmux("send-keys", "-t", name, "-l", text)


@pytest.fixture(params=["sqlite", "postgresql"])
def school(request, tmp_path):
    """The demo school on each backend: sample.db copied, or ``guanai --db URL sample``."""
    assert shutil.which("tmux"), "tmux is required (apt-get install tmux)"
    if request.param == "sqlite":
        target = str(tmp_path / "school.db")
        shutil.copyfile(ROOT / "sample.db", target)
    else:
        server = request.getfixturevalue("pg_server")
        name = f"two_{uuid.uuid4().hex[:8]}"
        target = server.create_database(name)
        res = subprocess.run([GUANAI, "--db", target, "sample"], capture_output=True, text=True, env=ENV,
                             timeout=300)
        assert res.returncode == 0, res.stderr
        assert "演示学校已载入" in res.stdout and "child 1000" in res.stdout
        assert not any(part.endswith(" 0") for part in res.stdout.strip().split(", "))  # only what was added
    dbmod.open_database(target)
    sessions = []
    yield target, sessions
    for s in sessions:
        tmux("kill-session", "-t", s)
    dbmod.current().close()
    if request.param == "postgresql":
        request.getfixturevalue("pg_server").drop_database(name)


def start(target, sessions, login):
    name = f"{login}-{uuid.uuid4().hex[:6]}"
    cmd = f"env GUANAI_DB= TERM=xterm-256color {GUANAI} --db {target} --user {login}"
    assert tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "24", cmd).returncode == 0
    sessions.append(name)
    wait_for(name, lambda t: "逾期" in t or "建档率" in t)  # the first screen: the due list or the roster
    return name


def search_roster(name, pinyin):
    keys(name, "1")
    wait_for(name, lambda t: "建档率" in t)
    keys(name, "/")
    type_text(name, pinyin)
    time.sleep(0.5)


def unique_pinyin(child):
    """The child's full pinyin if no other child of the school has it."""
    same = Child.select().where(Child.name_pinyin == child.name_pinyin).count()
    return child.name_pinyin if same == 1 else None


def test_two_teachers_on_one_database(school):
    target, sessions = school
    banzhuren = Staff.get(Staff.login == "banzhuren")  # 班主任 of 三年级2班
    mama = Staff.get(Staff.login == "aixinmama")  # an 爱心妈妈: only the children paired with her
    room = Classroom.get(Classroom.head_teacher == banzhuren.id)
    in_class = list(Child.select().where((Child.classroom == room.id) & (Child.status == "在读")
                                         & (Child.left_behind_type != "")).order_by(Child.id))
    hers = {p.child_id for p in Pairing.select().where((Pairing.staff == mama.id) & Pairing.ended_on.is_null())}
    shared = next(c for c in in_class if c.id in hers and unique_pinyin(c))
    not_hers = next(c for c in in_class if c.id not in hers and unique_pinyin(c))

    a = start(target, sessions, "banzhuren")
    b = start(target, sessions, "aixinmama")

    # each sees only their own children: the class's child that is not hers is not in her roster
    search_roster(a, not_hers.name_pinyin)
    wait_for(a, lambda t: not_hers.name in t and " 1 人" in t)
    search_roster(b, not_hers.name_pinyin)
    text = wait_for(b, lambda t: " 0 人" in t)
    assert not_hers.name not in text
    keys(b, "Escape")
    search_roster(b, shared.name_pinyin)
    wait_for(b, lambda t: shared.name in t and " 1 人" in t)

    # the class teacher watches the talk log while the 爱心妈妈 records a talk with their child
    keys(a, "Escape", "3")
    wait_for(a, lambda t: "显示最新" in t)
    note = f"两个终端的测试{uuid.uuid4().hex[:4]}"
    keys(b, "Enter", "t")
    wait_for(b, lambda t: "新记录" in t and shared.name in t)
    type_text(b, note)
    wait_for(b, lambda t: note in t)
    keys(b, "C-s")
    saved = time.monotonic()
    wait_for(b, lambda t: "建档率" in t)
    row = f"{shared.name}"
    text = wait_for(a, lambda t: any(row in line and mama.name in line and "两个终端" in line
                                     for line in t.splitlines()), timeout=15)
    seen_after = time.monotonic() - saved
    assert Contact.select().where(Contact.content == note).count() == 1
    print(f"[{'postgresql' if '://' in target else 'sqlite'}] the other terminal showed the new talk {seen_after:.1f} s after ctrl+s")

    # the class teacher and the head edit the same record; the one who saves second is shown both
    c = start(target, sessions, "xiaozhang")
    for who in (a, c):
        if who == a:
            keys(a, "1")
            wait_for(a, lambda t: "建档率" in t)
            keys(a, "/")
            type_text(a, shared.name_pinyin)
            time.sleep(0.5)
        else:
            search_roster(c, shared.name_pinyin)
        wait_for(who, lambda t: shared.name in t and " 1 人" in t)
        keys(who, "Enter", "Enter")
        wait_for(who, lambda t: "基本信息" in t)
        keys(who, "e")
        text = wait_for(who, lambda t: "修改档案" in t)
        assert shared.id_number in text  # the form shows the whole number: a logged look
        keys(who, *["Tab"] * 7)  # to 现居住地
    keys(c, "End")
    type_text(c, "12号")
    keys(a, "End")
    type_text(a, "(奶奶家)")
    time.sleep(0.3)
    keys(c, "C-s")
    wait_for(c, lambda t: "基本信息" in t and "12号" in t)
    keys(a, "C-s")
    text = wait_for(a, lambda t: "在你打开之后" in t)
    assert Staff.get(Staff.login == "xiaozhang").name in text and "(奶奶家)" in text and "12号" in text
    assert Child.get_by_id(shared.id).address.endswith("12号")  # nothing overwritten yet
    keys(a, "m")  # keep mine: a deliberate choice, after seeing theirs
    wait_for(a, lambda t: "基本信息" in t)
    assert Child.get_by_id(shared.id).address.endswith("(奶奶家)")

    # every look at the full ID number is in the audit log, with who looked
    looks = {(r.staff_id, r.row_id) for r in AuditLog.select().where(AuditLog.action == "unmask")}
    head = Staff.get(Staff.login == "xiaozhang")
    assert {(banzhuren.id, shared.id), (head.id, shared.id)} <= looks
    assert not any(r[0] == mama.id for r in looks)  # the 爱心妈妈 never saw a whole number
    for s in (a, b, c):
        keys(s, "Escape", "Escape", "q")
