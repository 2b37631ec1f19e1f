"""``guanai COMMAND …`` run inside the test process: ``tui.cli.main(argv)`` with its streams captured.

For the tests whose point is an exit code, a line on stdout or stderr, a row in the log and the
files written: a real ``guanai`` process costs some 0.13 s of CPU to start (Python, the app's
imports), hundreds of times a run. What ``main`` may change in the process is put back after
each call: the database the models are bound to (the test's own), the environment, the umask,
the working folder, the signal handlers, the standard streams and the garbage collector's switch.

Keep a real process (``subprocess``) for what depends on being one: the OS user, ``--as`` and
``$SSH_ORIGINAL_COMMAND`` forced logins, signals, a terminal, PIN prompts read from a TTY,
settings read once at import (``GUANAI_LOCK_WAIT``), and the checks that a plain command never
imports textual.
"""
from __future__ import annotations

import contextlib
import gc
import io
import os
import signal
import subprocess
import sys

from models import db as dbmod

_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGPIPE", "SIGQUIT")
                 if hasattr(signal, name))


def run_cli(*args: str, stdin: str = "", env: dict[str, str] | None = None,
            cwd: str | None = None) -> subprocess.CompletedProcess:
    """``guanai *args`` as ``subprocess.run(..., capture_output=True, text=True)`` reports it.

    ``env`` replaces the environment for the call (as subprocess's ``env=`` does)."""
    from tui import cli

    saved_env = dict(os.environ)
    saved_db = dbmod.database_proxy.obj
    saved_umask = os.umask(0o077)
    os.umask(saved_umask)
    saved_cwd = os.getcwd()
    saved_signals = {sig: signal.getsignal(sig) for sig in _SIGNALS}
    saved_streams = sys.stdin, sys.stdout, sys.stderr
    saved_argv = sys.argv
    gc_was_on = gc.isenabled()
    out, err = io.BytesIO(), io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8", errors="backslashreplace", write_through=True)
    stderr = io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace", write_through=True)
    code: int | str | None
    try:
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        if cwd is not None:
            os.chdir(cwd)
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8")
        sys.stdout, sys.stderr = stdout, stderr
        sys.argv = ["guanai", *args]
        try:
            code = cli.main(list(args))
        except SystemExit as exc:  # argparse, -h
            code = exc.code
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        sys.argv = saved_argv
        for sig, handler in saved_signals.items():
            if handler is not None:
                signal.signal(sig, handler)
        os.chdir(saved_cwd)
        os.umask(saved_umask)
        os.environ.clear()
        os.environ.update(saved_env)
        opened = dbmod.database_proxy.obj
        if opened is not None and opened is not saved_db:
            with contextlib.suppress(Exception):
                opened.close()
        if saved_db is not None:
            dbmod.database_proxy.initialize(saved_db)
        (gc.enable if gc_was_on else gc.disable)()
    if code is None:
        code = 0
    elif not isinstance(code, int):  # SystemExit("message"): printed to stderr, exit 1
        err.write(f"{code}\n".encode())
        code = 1
    return subprocess.CompletedProcess(["guanai", *args], code, out.getvalue().decode("utf-8"),
                                       err.getvalue().decode("utf-8"))
