"""Driving the real `guanai` in a real terminal: a private tmux server (never the user's), its
screen as text, and waiting until the screen shows something."""
from __future__ import annotations

import subprocess
import time
import uuid

SOCKET = f"guanai-test-{uuid.uuid4().hex[:6]}"


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
    raise AssertionError(f"timed out on {name}; screen was:\n{text}")
