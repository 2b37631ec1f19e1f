"""Terminals that draw East Asian ambiguous characters (─ │ ▊ · … —) two cells wide: the app asks
the terminal, and there writes one-cell stand-ins so the screen keeps its shape (tui/ambiwidth.py)."""
from __future__ import annotations

import os
import pty
import re
import select
import shutil
import sys
import threading
import time
import unicodedata
from pathlib import Path

import pytest
from rich.cells import cell_len

from tui import ambiwidth

ROOT = Path(__file__).resolve().parent.parent
GUANAI = str(Path(sys.executable).with_name("guanai"))


@pytest.mark.parametrize("text, expected", [
    ("╭──╮", "+--+"),
    ("│ok│", "|ok|"),
    ("├┼┤┌┘", "+++++"),
    ("▊▔▁▎▅", "     "),
    ("留守儿童 · 416 人", "留守儿童 . 416 人"),
    ("今天聊了…", "今天聊了~"),  # a cut note must not look finished
    ("帮扶 —", "帮扶 -"),
    ("“好”", '"好"'),
    ("①②⑩", "12#"),
    ("⭘ ●", "o o"),
    ("→", ">"),
    ("张小明，你好。", "张小明，你好。"),  # wide already: left alone
    ("Zoë αβ Я", "Zoë αβ Я"),  # letters are data: left alone
])
def test_stand_ins(text, expected):
    assert ambiwidth.narrow(text) == expected


def test_every_stand_in_is_one_narrow_cell():
    for code, stand_in in ambiwidth.translation().items():
        assert cell_len(chr(code)) == 1, hex(code)  # Textual counted the original as one cell
        assert len(stand_in) == 1 and cell_len(stand_in) == 1, hex(code)
        assert unicodedata.east_asian_width(stand_in) in ("Na", "N"), hex(code)


class FakeTerminal:
    """The terminal side of a pty: answers cursor-position requests as a narrow or wide terminal
    (or not at all) and keeps everything the program wrote."""

    def __init__(self, master: int, wide: bool | None) -> None:
        self.master, self.wide, self.output = master, wide, b""
        self.column = 1
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stop:
            if not select.select([self.master], [], [], 0.05)[0]:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self.output += data
            for piece in re.split(rb"(\x1b\[6n)", data):
                if piece == b"\x1b[6n":
                    if self.wide is not None:
                        os.write(self.master, f"\x1b[1;{self.column}R".encode())
                    continue
                for ch in piece.decode("utf-8", "replace"):
                    if ch == "\r":
                        self.column = 1
                    elif ch.isprintable():
                        wide = unicodedata.east_asian_width(ch) in ("W", "F") or (
                            self.wide and unicodedata.east_asian_width(ch) == "A")
                        self.column += 2 if wide else 1

    def close(self) -> None:
        """Stop once the program has been quiet for a moment (its last write read)."""
        quiet_since, seen = time.monotonic(), len(self.output)
        while time.monotonic() - quiet_since < 0.2:
            time.sleep(0.05)
            if len(self.output) != seen:
                quiet_since, seen = time.monotonic(), len(self.output)
        self.stop = True
        self.thread.join(timeout=2)


@pytest.mark.parametrize("wide, expected", [(False, False), (True, True), (None, None)])
def test_probe_asks_the_terminal(wide, expected):
    master, slave = pty.openpty()
    term = FakeTerminal(master, wide)
    try:
        assert ambiwidth.probe(slave, slave, timeout=0.3) is expected
    finally:
        term.close()
        os.close(slave)
        os.close(master)
    assert term.output.endswith(b"\r\x1b[K")  # the probe erased what it printed


def test_setting_overrides_the_question():
    assert ambiwidth.ambiguous_is_wide({"GUANAI_AMBIWIDTH": "wide"}) is True
    assert ambiwidth.ambiguous_is_wide({"GUANAI_AMBIWIDTH": "narrow", "TERM": "xterm"}) is False
    assert ambiwidth.ambiguous_is_wide({"TERM": "dumb"}) is False


@pytest.mark.parametrize("wide", [True, False])
def test_the_real_app_in_a_wide_and_a_narrow_terminal(wide, tmp_path):
    """The real `guanai` on a pty whose terminal draws ambiguous characters wide (or not): in the
    wide one, nothing it writes after the probe is ambiguous; in the narrow one its borders stay."""
    db = tmp_path / "school.db"
    shutil.copyfile(ROOT / "sample.db", db)
    pid, master = pty.fork()
    if pid == 0:  # the child: guanai on the pty, 80x24
        env = {**os.environ, "GUANAI_DB": "", "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
        env.pop("GUANAI_AMBIWIDTH", None)
        os.execve(GUANAI, [GUANAI, "--db", str(db), "--user", "xiaozhang"], env)
    import fcntl
    import struct
    import termios

    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    term = FakeTerminal(master, wide)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "建档率".encode() not in term.output:
            time.sleep(0.1)
        os.write(master, b"?")  # the help page: a bordered dialog
        time.sleep(1.5)
        text = term.output.decode("utf-8", "replace")
        assert "建档率" in text
    finally:
        os.write(master, b"\x1b")
        time.sleep(0.3)
        os.write(master, b"q")
        term.close()
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        os.close(master)
    after_probe = text.split("\r\x1b[K", 1)[1]
    ambiguous = {ch for ch in after_probe if ord(ch) in ambiwidth.translation()}
    if wide:
        assert not ambiguous, sorted(ambiguous)
    else:
        assert ambiguous & {"─", "│"} or ambiguous & {"▊", "▔", "▁"} or "·" in ambiguous


def test_keys_typed_ahead_are_not_read_away():
    """A teacher who types before the app is up: the probe does not ask (it would read the keys)."""
    import termios
    import tty

    master, slave = pty.openpty()
    term = FakeTerminal(master, wide=False)  # would answer, had it been asked
    try:
        os.write(master, b"/zxm")  # typed ahead, no Enter
        time.sleep(0.1)
        assert ambiwidth.probe(slave, slave, timeout=0.3) is None
        assert b"\x1b[6n" not in term.output
        tty.setraw(slave, termios.TCSANOW)
        assert os.read(slave, 16) == b"/zxm"  # still there for the app
    finally:
        term.close()
        os.close(slave)
        os.close(master)
