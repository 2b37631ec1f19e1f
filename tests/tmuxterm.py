"""Driving the real `guanai` in a real terminal: a private tmux server (never the user's), its
screen as text, and waiting until the screen shows something."""
from __future__ import annotations

import subprocess
import time
import uuid

SOCKET = f"guanai-test-{uuid.uuid4().hex[:6]}"


def tmux(*args):
    """One tmux command on the private server. A session started just as the previous test's last
    session was killed can reach the server while it exits ("server exited unexpectedly"): tmux
    starts a new server for the next try."""
    for _ in range(5):
        done = subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True, timeout=20)
        if done.returncode == 0 or "server exited unexpectedly" not in done.stderr:
            return done
        time.sleep(0.1)
    return done


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
    raise AssertionError(f"timed out on {name}; screen was:\n{text}")
