"""What the app's start loads (issue 20): the first frame should cost little more than a bare
Textual app's, so a SQLite start loads no PostgreSQL driver (peewee imports psycopg2 whenever it
is installed: ``models/drivers.py``) and no section but the first (tui/app.py's MODES factories,
the palette, help: each on first use). No timing here: ``bench/`` measures; this checks, in a
fresh process started through ``tui.cli.main`` as ``guanai`` is, which modules are loaded.

One subprocess runs the real start on a copy of the demo school in Textual's headless driver (an
auto-pilot given to ``App.run``), notes ``sys.modules`` once the roster shows, then presses each
section's key and notes which section module came with it. The warm-up ``tui/app.py`` runs after
the first frame (``WARM_MODULES``: 待办's modules) notes what was loaded when it began, and the keys
wait for it to end, so nothing here depends on timing.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# the modules only a later key needs: (key, module it loads)
SECTIONS = [("question_mark", "screens.help"), ("0", "screens.due"), ("3", "screens.talk_log"),
            ("2", "screens.pairing_board"), ("4", "screens.calendar"), ("5", "screens.handbook")]  # the board imports help
NOT_AT_START = ["psycopg2", "psycopg", "playhouse.db_url", "tui.palette", "textual.widgets._text_area",
                "pypinyin", "xlsxwriter", "openpyxl", *(m for _, m in SECTIONS)]
# what 待办's modules bring: not before the first frame (the roster asks models.left_behind), warmed after
WARMED_WITH_DUE = ["models.duties", "models.terms", "models.validation"]

SCRIPT = textwrap.dedent("""
    import json, sys
    import textual.app  # no peewee: the command line still decides how peewee is imported

    run = textual.app.App.run
    report = {}

    def headless_run(self, *args, **kwargs):
        import tui.app  # imported by now (tui.cli.main made the app)

        warm = tui.app._warm_modules

        def recording_warm(names):  # the warm-up after the first frame: what was loaded when it began
            report["before_warm"] = sorted(m for m in sys.modules if m in WATCHED or m.startswith("psycopg"))
            report["warmed"] = list(names)
            warm(names)

        tui.app._warm_modules = recording_warm

        async def pilot_keys(pilot):
            await pilot.pause()
            await self.workers.wait_for_complete()  # the warm-up (a thread), so what follows does not race it
            report["first_screen"] = type(self.screen).__name__
            report["at_start"] = sorted(m for m in sys.modules if m in WATCHED or m.startswith("psycopg"))
            report["gc_enabled"] = __import__("gc").isenabled()
            report["sections"] = {}
            for key, module in SECTIONS:
                before = module in sys.modules
                await pilot.press(key)
                await pilot.pause()
                report["sections"][key] = [before, module in sys.modules, type(self.screen).__name__]
                if key == "question_mark":
                    await pilot.press("escape")
            self.exit()

        kwargs.update(headless=True, size=(80, 24), auto_pilot=pilot_keys)
        return run(self, *args, **kwargs)

    textual.app.App.run = headless_run
    from tui.cli import main

    rc = main(["--db", DB, "--user", "xiaozhang"])
    print("REPORT" + json.dumps(report))
    sys.exit(rc)
""")


@pytest.fixture(scope="module")
def start_report(tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("startup")
    work.chmod(0o700)
    db = work / "school.db"
    shutil.copyfile(ROOT / "sample.db", db)
    db.chmod(0o600)
    code = (f"DB = {str(db)!r}\nWATCHED = {set(NOT_AT_START + WARMED_WITH_DUE)!r}\nSECTIONS = {SECTIONS!r}\n" + SCRIPT)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(work), "PYTHONPATH": str(ROOT), "LANG": "C.UTF-8"}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=work,
                         stdin=subprocess.DEVNULL, env=env)
    line = next((ln for ln in res.stdout.splitlines() if ln.startswith("REPORT")), None)
    assert res.returncode == 0 and line, res.stdout[-2000:] + res.stderr[-3000:]
    return json.loads(line[len("REPORT"):])


def test_psycopg2_is_installed_here():
    """Otherwise the next test would pass without proving anything (the test extra installs it)."""
    pytest.importorskip("psycopg2")


def test_a_sqlite_start_loads_no_postgres_driver_and_no_other_section(start_report):
    assert start_report["first_screen"] == "RosterScreen"  # the head starts on the roster
    assert start_report["before_warm"] == []  # at the first frame (on_ready)


def test_after_the_first_frame_only_the_warmed_modules_arrive(start_report):
    """tui/app.py imports 待办's modules in a thread once the first frame is out (WARM_MODULES),
    and nothing else of the watched list: no driver, no palette, no other section."""
    assert "screens.due" in start_report["warmed"]
    assert start_report["at_start"] == sorted((set(start_report["warmed"]) & set(NOT_AT_START)) | set(WARMED_WITH_DUE))


def test_each_section_module_comes_with_its_key(start_report):
    for key, (loaded_before, loaded_after, screen) in start_report["sections"].items():
        module = dict(SECTIONS)[key]
        if module in start_report["warmed"]:
            assert loaded_before, f"{key}: the warm-up did not load it"
        else:
            assert not loaded_before, f"{key}: loaded before its key"
        assert loaded_after, f"{key}: its module did not load ({screen})"


def test_the_collector_is_on_again_once_the_app_shows(start_report):
    """tui/cli.py turns the cyclic collector off for the start; the first frame turns it on."""
    assert start_report["gc_enabled"] is True


@pytest.mark.parametrize("target, kept_out", [
    ("school.db", True),
    ("sqlite:///school.db", True),
    ("SQLITE:////abs/school.db", True),
    (None, True),  # the default file in the user's data folder
    ("postgresql://guanai@localhost/school", False),
    ("postgres://guanai@db.example/school", False),
])
def test_drivers_kept_out_only_for_sqlite_targets(target, kept_out):
    code = textwrap.dedent(f"""
        import sys
        from models.drivers import import_peewee
        kept = import_peewee({target!r})
        import peewee
        print(kept, "psycopg2" in sys.modules, peewee.psycopg2 is None)
        import psycopg2  # still importable afterwards by whoever wants it
    """)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.split() == [str(kept_out), str(not kept_out), str(kept_out)]
