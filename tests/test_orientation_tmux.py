"""Issue 16 in a real terminal (tmux, 80x24, TERM=xterm and xterm-256color): on every section the
top line names the section and the login, the strip under it lists 0-5, and 1 lands on the roster."""
import shutil
import sys
import uuid
from pathlib import Path

import pytest

from tests.tmuxterm import tmux, wait_for

ROOT = Path(__file__).resolve().parent.parent
GUANAI = str(Path(sys.executable).with_name("guanai"))
STRIP = "0 待办  1 名册  2 结对  3 谈心  4 行事历  5 手册"
SECTIONS = [("0", "待办"), ("1", "名册"), ("2", "结对"), ("3", "谈心"), ("4", "行事历"), ("5", "手册")]


@pytest.fixture
def session_name():
    assert shutil.which("tmux"), "tmux is required (apt-get install tmux)"
    name = f"guanai-orient-{uuid.uuid4().hex[:8]}"
    yield name
    tmux("kill-session", "-t", name)


def oriented(section: str, login: str):
    def check(text: str) -> bool:
        lines = text.splitlines()
        return (len(lines) >= 2 and lines[0].strip().startswith(section) and lines[0].rstrip().endswith(login)
                and STRIP in lines[1])
    return check


@pytest.mark.parametrize("term,width,login,args", [
    ("xterm", "narrow", "周金敏 班主任", "--db {db} --user zhoujinmin"),
    ("xterm", "wide", "周金敏 班主任", "--db {db} --user zhoujinmin"),  # the title line has no ambiguous glyph
    ("xterm-256color", "narrow", "潘平 校长", "--db {db} --user xiaozhang"),
])
def test_every_section_shows_its_name_the_login_and_the_strip(session_name, tmp_path, term, width, login, args):
    db = tmp_path / "school.db"
    shutil.copyfile(ROOT / "sample.db", db)
    cmd = f"env GUANAI_DB= GUANAI_AMBIWIDTH={width} TERM={term} {GUANAI} {args.format(db=db)}"
    assert tmux("new-session", "-d", "-s", session_name, "-x", "80", "-y", "24", cmd).returncode == 0
    first = "待办" if "班主任" in login else "名册"  # teachers start on their due list
    wait_for(session_name, oriented(first, login), timeout=60)
    for key, section in SECTIONS:
        tmux("send-keys", "-t", session_name, key)
        text = wait_for(session_name, oriented(section, login), timeout=30)
        assert all(len(line) <= 80 for line in text.splitlines())
    # a child page opened from the roster says so; 4 then 1 comes back to the roster itself
    tmux("send-keys", "-t", session_name, "1")
    wait_for(session_name, lambda t: "建档率" in t and oriented("名册", login)(t), timeout=30)
    tmux("send-keys", "-t", session_name, "Down")
    tmux("send-keys", "-t", session_name, "Enter")
    wait_for(session_name, lambda t: "基本信息" in t and t.splitlines()[0].strip().startswith("名册 > "), timeout=30)
    tmux("send-keys", "-t", session_name, "4")
    wait_for(session_name, oriented("行事历", login), timeout=30)
    tmux("send-keys", "-t", session_name, "1")
    wait_for(session_name, lambda t: "建档率" in t and "基本信息" not in t and oriented("名册", login)(t), timeout=30)


# tmux's flags: mouse_all_flag is any-motion tracking (?1003h), mouse_any_flag any mouse mode at all
@pytest.mark.parametrize("mouse,flags", [("", "0 1"), ("off", "0 0"), ("motion", "1 1")])
def test_no_any_motion_mouse_tracking_unless_asked(session_name, mouse, flags):
    """Any-motion reports keep PuTTY/Xshell from selecting text: clicks only by default."""
    cmd = f"env GUANAI_DB= GUANAI_MOUSE={mouse} TERM=xterm {GUANAI} --demo"
    assert tmux("new-session", "-d", "-s", session_name, "-x", "80", "-y", "24", cmd).returncode == 0
    wait_for(session_name, lambda t: "建档率" in t, timeout=60)
    shown = tmux("display-message", "-p", "-t", session_name, "#{mouse_all_flag} #{mouse_any_flag}").stdout
    assert shown.strip() == flags


def test_the_login_prompt_says_what_to_type(session_name, tmp_path):
    db = tmp_path / "school.db"
    shutil.copyfile(ROOT / "sample.db", db)
    cmd = f"env GUANAI_DB= USER=nobody-here LOGNAME=nobody-here TERM=xterm {GUANAI} --db {db}"
    assert tmux("new-session", "-d", "-s", session_name, "-x", "80", "-y", "24", cmd).returncode == 0
    wait_for(session_name, lambda t: "登录名 (管理员给你的拼音登录名" in t and "回车退出" in t, timeout=60)
    tmux("send-keys", "-t", session_name, "-l", "zhoujinmin")
    tmux("send-keys", "-t", session_name, "Enter")
    wait_for(session_name, oriented("待办", "周金敏 班主任"), timeout=60)
