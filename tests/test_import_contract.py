"""The import contract: what each layer may load, checked once for every plain command.

Plain commands (init, users, due, rules, export, import, backup, audit, purge, report-form,
report-register, attention-sheet, dropout) run from cron and
over SSH on old PCs: they must never load textual, rich or the screens, nor pypinyin (0.35 s and
~65 MB: search keys are stored when a name is saved) unless the command stores names. One subprocess
runs every one of them on a copy of the demo school and then looks at ``sys.modules`` — the one check
that replaced five copies spread over the command tests. The static layering (models below everything,
no cycles) is ``test_import_graph.py``'s.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (argv, expected exit code): every plain command, run as the demo school's admin or head.
PLAIN_COMMANDS = [
    (["init"], 0),
    (["users"], 0),
    (["--user", "xiaozhang", "due", "--date", "2026-11-27"], 0),
    (["rules"], 0),
    (["--user", "xiaozhang", "export", "--month", "2026-11", "-o", "{tmp}/hb.xlsx"], 0),
    (["backup", "-o", "{tmp}/backup.db"], 0),
    (["--user", "admin", "audit", "--since", "2026-11-01"], 0),
    (["--user", "admin", "purge", "--dry-run"], 0),
    (["--user", "admin", "export", "--month", "2026-13"], 2),  # the error path too
    (["--user", "xiaozhang", "report-register", "--date", "2026-11-27", "-o", "{tmp}/register.xlsx"], 0),
    (["--user", "xiaozhang", "report-form", "1", "-o", "{tmp}/report.xlsx"], 0),
    (["--user", "xinli", "attention-sheet", "--month", "2026-11", "-o", "{tmp}/attention.xlsx"], 0),
    (["--user", "xiaozhang", "dropout", "--month", "2026-11", "-o", "{tmp}/dropout.xlsx"], 0),
    (["--user", "banzhuren", "dropout", "--report", "2", "-o", "{tmp}/dropout-report.txt"], 0),
    # commands that may load pypinyin (they store names) come last: sys.modules only grows
    (["--user", "admin", "import", "{tmp}/roster.csv", "--dry-run"], 0),
]
UI_MODULES = ("textual", "rich", "screens", "tui.app")
PINYIN_COMMANDS = ("import",)  # subcommands that may compute search keys, hence load pypinyin


def may_load_pinyin(argv: list[str]) -> bool:
    return any(a in PINYIN_COMMANDS for a in argv)


def test_commands_that_may_load_pinyin_run_last():
    """Otherwise a command after them could load pypinyin unseen."""
    allowed = [may_load_pinyin(argv) for argv, _ in PLAIN_COMMANDS]
    assert allowed == sorted(allowed), "PLAIN_COMMANDS: put the commands of PINYIN_COMMANDS after all the others"


def test_plain_commands_never_load_the_ui(tmp_path):
    db = tmp_path / "school.db"
    shutil.copyfile(ROOT / "sample.db", db)
    db.chmod(0o600)
    tmp_path.chmod(0o700)
    (tmp_path / "roster.csv").write_text("姓名,性别,出生日期,班级\n测试生,男,2016-05-01,三年级2班\n",
                                          encoding="utf-8")
    code = textwrap.dedent(f"""
        import contextlib, io, sys
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
                failures.append(f"{{argv[2:]}}: exit {{rc}}, expected {{expected}}: {{err.getvalue().strip()}}")
            loaded = sorted(m for m in sys.modules
                            if any(m == u or m.startswith(u + ".") for u in {UI_MODULES!r}))
            if loaded:
                failures.append(f"{{argv[2:]}} loaded {{loaded[:5]}}")
                break
            if "pypinyin" in sys.modules and not any(a in {PINYIN_COMMANDS!r} for a in argv):
                failures.append(f"{{argv[2:]}} loaded pypinyin")
                break
        print("\\n".join(failures))
        sys.exit(1 if failures else 0)
    """)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=tmp_path, stdin=subprocess.DEVNULL)
    assert res.returncode == 0, res.stdout + res.stderr
    assert (tmp_path / "hb.xlsx").stat().st_size > 0 and (tmp_path / "backup.db").stat().st_size > 0
