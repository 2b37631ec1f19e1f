"""A real pseudo-terminal for the benchmark: spawn a program at 80x24 (TERM=xterm-256color),
record every byte it writes with a timestamp, feed them to a small screen model, send keys.

The screen model understands what Textual writes (cursor positioning, erase, SGR, private
modes, OSC), enough to read back the text on screen after every chunk. A *frame is complete*
when the text on screen has reached the state it then keeps (``stable_since``): the first
chunk after which nothing visible changes any more. Styles are ignored, so a blinking cursor
or a highlighted row never counts as a change of text.
"""
from __future__ import annotations

import codecs
import fcntl
import os
import pty
import select
import signal
import struct
import termios
import time
import unicodedata
from dataclasses import dataclass

COLS, ROWS = 80, 24

KEYS = {
    "up": "\x1b[A", "down": "\x1b[B", "right": "\x1b[C", "left": "\x1b[D",
    "pagedown": "\x1b[6~", "pageup": "\x1b[5~", "home": "\x1b[H", "end": "\x1b[F",
    "escape": "\x1b", "enter": "\r", "ctrl+q": "\x11", "backspace": "\x7f",
}


def char_width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


class Screen:
    """Just enough of a VT100/xterm to know which text is where."""

    def __init__(self, cols: int = COLS, rows: int = ROWS):
        self.cols, self.rows = cols, rows
        self.clear()
        self.state = "text"
        self.buf = ""
        self.replies: list[str] = []  # what a terminal answers (cursor position reports)

    def clear(self) -> None:
        self.cells = [[" "] * self.cols for _ in range(self.rows)]
        self.x = self.y = 0

    def text(self) -> str:
        return "\n".join("".join(line) for line in self.cells)

    def lines(self) -> list[str]:
        return ["".join(line) for line in self.cells]

    def feed(self, data: str) -> None:
        for ch in data:
            st = self.state
            if st == "text":
                if ch == "\x1b":
                    self.state, self.buf = "esc", ""
                elif ch >= " " and ch != "\x7f":
                    self.put(ch)
                elif ch == "\r":
                    self.x = 0
                elif ch == "\n":
                    self.linefeed()
                elif ch == "\b":
                    self.x = max(0, self.x - 1)
            elif st == "esc":
                if ch == "[":
                    self.state, self.buf = "csi", ""
                elif ch == "]":
                    self.state, self.buf = "osc", ""
                elif ch in "()*+#":
                    self.state = "esc1"  # one more byte (charset designation)
                else:
                    self.state = "text"  # ESC 7, ESC 8, ESC =, ESC > ...
            elif st == "esc1":
                self.state = "text"
            elif st == "csi":
                if "\x40" <= ch <= "\x7e":
                    self.csi(self.buf, ch)
                    self.state = "text"
                else:
                    self.buf += ch
            elif st == "osc":
                if ch == "\x07":
                    self.state = "text"
                elif ch == "\x1b":
                    self.state = "osc_esc"
            elif st == "osc_esc":
                self.state = "text" if ch == "\\" else "osc"

    def put(self, ch: str) -> None:
        w = char_width(ch)
        if w == 0:
            return
        if self.x + w > self.cols:  # Textual turns auto-wrap off: the last cell is overwritten
            self.x = self.cols - w
        row = self.cells[self.y]
        if self.x > 0 and row[self.x] == "":  # overwriting the right half of a wide char
            row[self.x - 1] = " "
        row[self.x] = ch
        if w == 2:
            row[self.x + 1] = ""
        elif self.x + 1 < self.cols and row[self.x + 1] == "":
            row[self.x + 1] = " "
        self.x += w
        if self.x >= self.cols:
            self.x = self.cols - 1

    def linefeed(self) -> None:
        if self.y == self.rows - 1:
            self.cells.pop(0)
            self.cells.append([" "] * self.cols)
        else:
            self.y += 1

    def csi(self, params: str, final: str) -> None:
        private = params[:1] in "?><="
        if private and params:
            body = params[1:]
        else:
            body = params
        try:
            nums = [int(p) if p else 0 for p in body.split(";")] if body else []
        except ValueError:
            nums = []
        n = nums[0] if nums else 0
        if final == "n" and not private and n == 6:  # where is the cursor? (tui/ambiwidth.py asks)
            self.replies.append(f"\x1b[{self.y + 1};{self.x + 1}R")
            return
        if final in "Hf" and not private:
            row = (nums[0] if len(nums) > 0 and nums[0] else 1) - 1
            col = (nums[1] if len(nums) > 1 and nums[1] else 1) - 1
            self.y = min(max(row, 0), self.rows - 1)
            self.x = min(max(col, 0), self.cols - 1)
        elif final == "J" and not private:
            if n == 2 or n == 3:
                self.cells = [[" "] * self.cols for _ in range(self.rows)]
            elif n == 0:
                self.cells[self.y][self.x:] = [" "] * (self.cols - self.x)
                for r in range(self.y + 1, self.rows):
                    self.cells[r] = [" "] * self.cols
        elif final == "K" and not private:
            row = self.cells[self.y]
            if n == 0:
                row[self.x:] = [" "] * (self.cols - self.x)
            elif n == 1:
                row[: self.x + 1] = [" "] * (self.x + 1)
            elif n == 2:
                self.cells[self.y] = [" "] * self.cols
        elif final == "A" and not private:
            self.y = max(0, self.y - max(n, 1))
        elif final == "B" and not private:
            self.y = min(self.rows - 1, self.y + max(n, 1))
        elif final == "C" and not private:
            self.x = min(self.cols - 1, self.x + max(n, 1))
        elif final == "D" and not private:
            self.x = max(0, self.x - max(n, 1))
        elif final == "G" and not private:
            self.x = min(max((n or 1) - 1, 0), self.cols - 1)
        elif final == "d" and not private:
            self.y = min(max((n or 1) - 1, 0), self.rows - 1)
        elif final in "hl" and private and ("1049" in body.split(";") or "47" in body.split(";")):
            self.cells = [[" "] * self.cols for _ in range(self.rows)]
            self.x = self.y = 0


@dataclass
class Chunk:
    t: float  # time.perf_counter() when read
    size: int  # bytes
    text: str  # the screen's text after it
    cpu: float = 0.0  # the program's CPU time so far (s), from /proc/<pid>/schedstat
    wait: float = 0.0  # time it was runnable but waited for a CPU so far (s): other load


class Terminal:
    """A program running in a pseudo-terminal, with everything it wrote."""

    def __init__(self, argv: list[str], *, env: dict | None = None, cwd: str | None = None,
                 cols: int = COLS, rows: int = ROWS):
        self.cols, self.rows = cols, rows
        self.screen = Screen(cols, rows)
        self.chunks: list[Chunk] = []
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.eof = False
        self.status: int | None = None
        self.rusage = None
        self.t_start = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # the child: size the terminal before the program can ask
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
                if cwd:
                    os.chdir(cwd)
                os.execve(argv[0], argv, env if env is not None else os.environ)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd

    # ------------------------------------------------------------ reading

    def _read(self, timeout: float) -> bool:
        if self.eof:
            time.sleep(max(0.0, min(timeout, 0.05)))
            return False
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return False
        try:
            data = os.read(self.fd, 1 << 16)
        except OSError:
            data = b""
        if not data:
            self.eof = True
            return False
        now = time.perf_counter()
        cpu, wait = self.schedstat()
        self.screen.feed(self.decoder.decode(data))
        while self.screen.replies:  # answered at once, as a local terminal would
            os.write(self.fd, self.screen.replies.pop(0).encode())
        self.chunks.append(Chunk(now, len(data), self.screen.text(), cpu, wait))
        return True

    def schedstat(self) -> tuple[float, float]:
        """(CPU time, run-queue wait) of the program's main thread so far, in seconds. On a shared
        machine the wait is the part of the wall time that other processes took."""
        try:
            with open(f"/proc/{self.pid}/schedstat") as fh:
                run, wait, _ = fh.read().split()
            return int(run) / 1e9, int(wait) / 1e9
        except (OSError, ValueError):
            return 0.0, 0.0

    def wait_for(self, predicate, timeout: float) -> bool:
        """Read until ``predicate(screen_text)`` holds; False on timeout or end of output."""
        end = time.perf_counter() + timeout
        if self.chunks and predicate(self.chunks[-1].text):
            return True
        while time.perf_counter() < end and not self.eof:
            if self._read(end - time.perf_counter()) and predicate(self.chunks[-1].text):
                return True
        return False

    def settle(self, quiet: float = 0.4, timeout: float = 15.0, stable: float | None = None) -> None:
        """Read until nothing was written for ``quiet`` seconds (or, with ``stable``, until the
        text on screen has not changed for that long, for a screen with a blinking cursor)."""
        end = time.perf_counter() + timeout
        last = time.perf_counter()
        last_change = last
        text = self.chunks[-1].text if self.chunks else ""
        while time.perf_counter() < end and not self.eof:
            if self._read(min(quiet, end - time.perf_counter())):
                last = time.perf_counter()
                if self.chunks[-1].text != text:
                    text, last_change = self.chunks[-1].text, last
            now = time.perf_counter()
            if now - last >= quiet:
                return
            if stable is not None and now - last_change >= stable:
                return

    def mark(self) -> int:
        return len(self.chunks)

    def stable_since(self, mark: int = 0) -> tuple[float, int] | None:
        """(time, chunk index) of the first chunk after ``mark`` from which the text on screen
        stays as it is now; None when nothing was written after ``mark``."""
        if len(self.chunks) <= mark:
            return None
        final = self.chunks[-1].text
        i = len(self.chunks) - 1
        while i > mark and self.chunks[i - 1].text == final:
            i -= 1
        return self.chunks[i].t, i

    def bytes_between(self, start: int, end: int | None = None) -> int:
        return sum(c.size for c in self.chunks[start:end])

    @property
    def text(self) -> str:
        return self.chunks[-1].text if self.chunks else self.screen.text()

    # ------------------------------------------------------------ writing and ending

    def send(self, keys: str) -> float:
        """Write keys (raw text or a name from KEYS); returns when they were written."""
        data = KEYS.get(keys, keys).encode("utf-8")
        t = time.perf_counter()
        os.write(self.fd, data)
        return t

    def peak_rss_kb(self) -> int | None:
        """VmHWM of the running program (its peak resident set so far), in KiB."""
        try:
            with open(f"/proc/{self.pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except OSError:
            return None
        return None

    def close(self, quit_keys: str | None = "ctrl+q", timeout: float = 5.0) -> None:
        if self.status is None and quit_keys:
            try:
                self.send(quit_keys)
            except OSError:
                pass
        end = time.perf_counter() + timeout
        while self.status is None and time.perf_counter() < end:
            self._read(0.05)
            self._reap()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self.status is not None:
                break
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass
            end = time.perf_counter() + 2
            while self.status is None and time.perf_counter() < end:
                self._read(0.05)
                self._reap()
        try:
            os.close(self.fd)
        except OSError:
            pass

    def _reap(self) -> None:
        try:
            pid, status, usage = os.wait4(self.pid, os.WNOHANG)
        except ChildProcessError:
            self.status = -1
            return
        if pid:
            self.status, self.rusage = status, usage
