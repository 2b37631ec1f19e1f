"""The app on a teacher's Windows PC (issue 20): nothing POSIX-only is needed to run it.

Windows has no termios, fcntl, tty, pty, pwd, grp or resource, and its ``os`` has no fchmod,
geteuid, fork or O_NOFOLLOW. One subprocess hides exactly those (an import hook and ``delattr``),
says ``os.name == "nt"`` the way the app's own checks read it (after the standard library modules and
the libraries that choose their flavour at import are loaded: they support Windows themselves), and
then runs every plain command of the import contract; the app (roster, talk log, search) runs in
Textual's headless driver with the same modules hidden. A module that
imports one of them at the top, or calls one without its guard, fails here by name.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.test_import_contract import PLAIN_COMMANDS

ROOT = Path(__file__).resolve().parent.parent

POSIX_ONLY_MODULES = ("termios", "fcntl", "tty", "pty", "pwd", "grp", "resource")
POSIX_ONLY_OS = ("fchmod", "fchown", "getuid", "geteuid", "getgid", "getegid", "fork", "setsid", "killpg",
                 "O_NOFOLLOW")

HARNESS = textwrap.dedent("""
    import importlib.abc, os, sys
    import pathlib, shutil, subprocess, tempfile, sqlite3, signal, getpass, uuid, logging, zipfile, asyncio  # noqa
    # the libraries run on Windows in their own right and pick their flavour by sys.platform at import
    import peewee, xlsxwriter, dateutil.rrule, platformdirs, rich.console, textual.app, textual.widgets  # noqa
    import textual.drivers.linux_driver  # noqa - Textual's own pick by sys.platform (WindowsDriver there)

    class WindowsHasNone(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {modules!r}:
                raise ModuleNotFoundError(f"No module named {{name!r}} (not on Windows)")
            return None

    sys.meta_path.insert(0, WindowsHasNone())
    for loaded in [m for m in sys.modules if m.split(".")[0] in {modules!r}]:
        del sys.modules[loaded]
    for name in {functions!r}:
        if hasattr(os, name):
            delattr(os, name)
""").format(modules=POSIX_ONLY_MODULES, functions=POSIX_ONLY_OS)
# pathlib reads os.name whenever a Path is made: a screen's Path() would ask for a WindowsPath that
# cannot exist here, so the app runs with the modules hidden but os.name left alone
SAYS_NT = 'os.name = "nt"\n'


def run_as_on_windows(code: str, cwd: Path, *, says_nt: bool = True) -> subprocess.CompletedProcess:
    script = HARNESS + (SAYS_NT if says_nt else "") + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=180, cwd=cwd, stdin=subprocess.DEVNULL, env={"PYTHONPATH": str(ROOT),
                                                                              "PATH": "/usr/bin:/bin",
                                                                              "USERNAME": "teacher"})


def demo_copy(tmp_path: Path) -> Path:
    db = tmp_path / "school.db"
    shutil.copyfile(ROOT / "sample.db", db)
    (tmp_path / "roster.csv").write_text("姓名,性别,出生日期,班级\n测试生,男,2016-05-01,三年级2班\n",
                                          encoding="utf-8")
    return db


def test_every_plain_command_runs_without_posix_only_modules(tmp_path):
    db = demo_copy(tmp_path)
    res = run_as_on_windows(f"""
        import contextlib, io
        from tui.cli import main
        failures = []
        for argv, expected in {PLAIN_COMMANDS!r}:
            argv = ["--db", {str(db)!r}] + [a.replace("{{tmp}}", {str(tmp_path)!r}) for a in argv]
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    rc = main(argv)
                except SystemExit as exc:
                    rc = exc.code
            if rc != expected:
                failures.append(f"{{argv[2:]}}: exit {{rc}}, expected {{expected}}: {{err.getvalue().strip()[-300:]}}")
        print("\\n".join(failures))
        sys.exit(1 if failures else 0)
    """, tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr[-3000:]
    assert (tmp_path / "hb.xlsx").stat().st_size > 0 and (tmp_path / "backup.db").stat().st_size > 0


def test_the_app_starts_and_answers_keys_without_posix_only_modules(tmp_path):
    db = demo_copy(tmp_path)
    res = run_as_on_windows(f"""
        import asyncio
        from models import db as dbmod
        from models.entities import School, Staff
        from tui.app import GuanaiApp
        from tui.context import Session

        dbmod.open_database({str(db)!r})
        head = Staff.get(Staff.login == "xiaozhang")
        school = School.get_by_id(head.school_id)

        async def main():
            app = GuanaiApp(Session(target={str(db)!r}, school_id=school.id, staff_id=head.id,
                                    staff_name=head.name, school_name=school.name))
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.press("3")
                await pilot.pause()
                await pilot.press("1", "slash", *"zxm")
                await pilot.pause()
                print(type(app.screen).__name__)

        asyncio.run(main())
    """, tmp_path, says_nt=False)
    assert res.returncode == 0, res.stdout + res.stderr[-3000:]
    assert res.stdout.strip().endswith("RosterScreen")
