"""Terminals that draw East Asian *ambiguous* characters two cells wide.

Box drawing (borders), block elements (scroll bars, input edges), · … — “ ” ① and the like are
one cell to Textual and Rich, and one cell in most terminals — but two in a Windows console in a
Chinese locale, in PuTTY or Xshell with "CJK ambiguous characters are wide", or in a VTE terminal
set to wide. There each border pushes the rest of its line one cell to the right and every later
update lands in the wrong place: the screen falls apart.

So before the app starts we ask the terminal: print such a character and request the cursor
position (``ESC [6n``, which every xterm-like terminal answers; Vim's ``ambiwidth`` check does the
same). A terminal that moved two cells gets a driver whose output has every ambiguous character
replaced by a one-cell look-alike (``─`` → ``-``, ``│`` → ``|``, corners → ``+``, ``…`` → ``~``,
partial blocks → space). Textual's layout already counted them as one cell, so nothing moves.

``GUANAI_AMBIWIDTH=wide|narrow`` skips the question (``auto``, the default, asks). No textual at
import: the driver class is made on demand.
"""
from __future__ import annotations

import os
import re
import select
import unicodedata
from functools import lru_cache

PROBE = "\u2500\u00b7"  # a box-drawing line and a middle dot: the two kinds the screens use most
ANSWER = re.compile(rb"\x1b\[(\d+);(\d+)R")

_EXPLICIT = {
    # "…" becomes "~", not ".": a note cut short must not look finished
    "\u00b7": ".", "\u2026": "~", "\u2014": "-", "\u2013": "-", "\u2015": "-", "\u2018": "'", "\u2019": "'",
    "\u201c": '"', "\u201d": '"', "\u00d7": "x", "\u00f7": "/", "\u00b0": "o", "\u00b1": "+", "\u00a7": "S",
    "\u203b": "*", "\u2030": "%", "\u2032": "'", "\u2033": '"', "\u2190": "<", "\u2191": "^", "\u2192": ">",
    "\u2193": "v", "\u2194": "-", "\u21d2": ">", "\u2605": "*", "\u2606": "*", "\u2b58": "o", "\u2588": "#",
    "\u00a1": "!", "\u00bf": "?", "\u00ae": "R", "\u00b2": "2", "\u00b3": "3", "\u00b9": "1", "\u00bc": "/",
    "\u00bd": "/", "\u00be": "/", "\u221a": "v", "\u221e": "8", "\u2264": "<", "\u2265": ">", "\u2260": "#",
}


def _look_alike(ch: str) -> str | None:
    """A one-cell stand-in for an ambiguous character, or None to leave it (letters)."""
    if ch in _EXPLICIT:
        return _EXPLICIT[ch]
    code = ord(ch)
    name = unicodedata.name(ch, "")
    if 0x2500 <= code <= 0x257F:  # box drawing: corners and junctions "+", lines "-" and "|"
        if " AND " in name or "ARC" in name or "DIAGONAL" in name:
            return "+"
        if "HORIZONTAL" in name or "LEFT" in name or "RIGHT" in name:
            return "-"
        return "|"
    if 0x2580 <= code <= 0x259F:  # block elements: scroll bar ends, input edges, shades
        return " "
    if 0x2460 <= code <= 0x24FF:  # circled and parenthesised numbers and letters
        digit = unicodedata.digit(ch, None)
        return str(digit) if digit is not None else "#"
    if "CIRCLE" in name or "BULLET" in name:
        return "o"
    if "TRIANGLE" in name or "POINTER" in name:
        for word, arrow in (("RIGHT", ">"), ("LEFT", "<"), ("UP", "^"), ("DOWN", "v")):
            if word in name:
                return arrow
        return "^"
    category = unicodedata.category(ch)
    if category.startswith("L") or category.startswith("M"):
        return None  # Greek, Cyrillic, accented letters: data, left as they are
    return "?" if category == "Co" else "*"


@lru_cache(maxsize=1)
def translation() -> dict[int, str]:
    """``str.translate`` table: every ambiguous character below U+10000 with a stand-in."""
    table: dict[int, str] = {}
    for code in range(0xA1, 0x10000):
        ch = chr(code)
        if unicodedata.east_asian_width(ch) != "A" or unicodedata.combining(ch):
            continue
        if 0xFE00 <= code <= 0xFE0F:  # variation selectors draw nothing
            continue
        stand_in = _look_alike(ch)
        if stand_in is not None:
            table[code] = stand_in
    return table


def narrow(text: str) -> str:
    """``text`` with every ambiguous character replaced by its one-cell stand-in."""
    return text.translate(translation())


PROBE_SECONDS = 1.0  # an SSH round trip from a village can take 0.4 s; a terminal that answers never waits this


def probe(fd_in: int, fd_out: int, *, timeout: float = PROBE_SECONDS) -> bool | None:
    """Does this terminal draw ambiguous characters two cells wide? None when it does not say.

    Prints PROBE at the start of the line with a cursor-position request after each character,
    reads the answers, then erases the line. POSIX terminals only."""
    try:
        import termios
        import tty
    except ImportError:  # Windows: no termios; the console host answers differently
        return None
    if not (os.isatty(fd_in) and os.isatty(fd_out)):
        return None
    saved = termios.tcgetattr(fd_in)
    try:
        tty.setraw(fd_in, termios.TCSANOW)  # raw: keys typed ahead (no Enter yet) become readable
        if select.select([fd_in], [], [], 0)[0]:
            return None  # keys typed ahead are waiting: asking now would read them away
        request = "\r" + "".join(f"{ch}\x1b[6n" for ch in PROBE)
        os.write(fd_out, request.encode("utf-8"))
        answers, other = _read_answers(fd_in, len(PROBE), timeout)
        os.write(fd_out, b"\r\x1b[K")
        _give_back(fd_in, other)
    finally:
        termios.tcsetattr(fd_in, termios.TCSADRAIN, saved)
    if len(answers) < len(PROBE):
        return None
    columns = [col for _, col in answers]
    # after one character the cursor is in column 2 (narrow) or 3 (wide); after two, 3 or more
    return columns[0] > 2 or columns[-1] > 1 + len(PROBE)


def _read_answers(fd: int, count: int, timeout: float) -> tuple[list[tuple[int, int]], bytes]:
    """The cursor positions reported, and any other bytes that came meanwhile (keys)."""
    import time

    deadline = time.monotonic() + timeout
    data = b""
    while len(ANSWER.findall(data)) < count:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            break
        chunk = os.read(fd, 256)
        if not chunk:
            break
        data += chunk
    return [(int(r), int(c)) for r, c in ANSWER.findall(data)], ANSWER.sub(b"", data)


def _give_back(fd: int, keys: bytes) -> None:
    """Keys typed during the question go back into the terminal's input for the app (TIOCSTI;
    where the kernel forbids it they are lost — a few milliseconds' worth)."""
    if not keys:
        return
    import fcntl
    import termios

    try:
        for byte in keys:
            fcntl.ioctl(fd, termios.TIOCSTI, bytes([byte]))
    except OSError:
        pass


def ambiguous_is_wide(environ: dict | None = None, *, fd_in: int = 0, fd_out: int = 1,
                      login_setting: str = "") -> bool:
    """``GUANAI_AMBIWIDTH`` (wide / narrow), else the login's own choice, else ask the terminal
    (``resolve``)."""
    return resolve(environ, fd_in=fd_in, fd_out=fd_out, login_setting=login_setting)[0]


def resolve(environ: dict | None = None, *, fd_in: int = 0, fd_out: int = 1,
            login_setting: str = "") -> tuple[bool, bool | None]:
    """(wide?, the terminal's answer or None when it was not asked or did not say).

    Order: ``GUANAI_AMBIWIDTH``; the login's choice (``wide``/``narrow``, kept in the database
    because SSH does not pass the variable); the terminal's answer; when it does not answer in
    time, what it said last time for this login (``seen-wide``/``seen-narrow``); else narrow."""
    env = os.environ if environ is None else environ
    setting = (env.get("GUANAI_AMBIWIDTH") or "auto").strip().lower()
    if setting in ("wide", "2"):
        return True, None
    if setting in ("narrow", "1"):
        return False, None
    if login_setting in ("wide", "narrow"):
        return login_setting == "wide", None
    if env.get("TERM", "") in ("", "dumb"):
        return False, None
    answer = probe(fd_in, fd_out)
    if answer is None:
        return login_setting == "seen-wide", None
    return answer, answer


def narrow_driver(base: type) -> type:
    """A subclass of Textual driver ``base`` that writes every ambiguous character as its stand-in."""
    table = translation()

    class NarrowAmbiguousDriver(base):  # type: ignore[misc, valid-type]
        def write(self, data: str) -> None:
            super().write(data.translate(table))

    NarrowAmbiguousDriver.__name__ = f"NarrowAmbiguous{base.__name__}"
    return NarrowAmbiguousDriver
