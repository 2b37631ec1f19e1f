"""``python -m bench``: every figure of issue 9, each the median of several runs, with its target.

The TUI figures come from a real pseudo-terminal (bench/term.py) at 80x24, TERM=xterm-256color
and no COLORTERM (as over SSH): time from process start to the first complete frame, the bytes
written for it and for single keys, and the process's peak RSS (VmHWM). The baseline (a bare
Textual app, bench/baseline_app.py) is timed in the same run, its runs interleaved with the
roster's so that load from other processes falls on both alike. The plain commands are timed as
whole processes (wall time; peak RSS from wait4's rusage).

Options: ``--quick`` (fewer runs), ``--only NAME[,NAME]`` (startup, keys, search, lists, due, export, county,
import, textual, report; its rows then replace theirs in bench/RESULTS.md's table, the others stay),
``--no-write`` (do not touch bench/RESULTS.md).
"""
from __future__ import annotations

import argparse
import ast
import datetime as dt
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

from bench import datasets
from bench.term import Terminal

ROOT = datasets.ROOT
RESULTS = os.path.join(ROOT, "bench", "RESULTS.md")
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
MONTH = "2026-11"
DUE_DATE = "2026-11-28"
IMPORT_ROWS = 5000
USER = "xiaozhang"  # the demo school's head: starts on the roster
FOOTER = "搜索"  # in the roster's footer and the baseline's (/ 搜索): q 退出 is on the section strip now


def compiled_env(env: dict) -> dict:
    """Run from compiled bytecode, as an installed copy does (pip compiles every module): an
    environment with PYTHONDONTWRITEBYTECODE (this machine's has it) made the app compile some 45
    modules on every start (~85 ms), which the baseline, one file, never does. The .pyc files go
    to bench/.cache/pycache, not into the source tree; the warm-up runs write them."""
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = os.path.join(datasets.CACHE, "pycache")
    return env


def tui_env() -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TEXTUAL", "GUANAI", "COLORTERM", "COLUMNS", "LINES", "PYTHONPROFILE"))}
    env.update(TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8")
    return compiled_env(env)


def guanai(*args: str) -> list[str]:
    return [sys.executable, "-m", "tui.cli", *args]


# --------------------------------------------------------------------------- results


class Figure:
    def __init__(self, name: str, target: str, unit: str = "", *, limit: float | None = None,
                 note: str = ""):
        self.name, self.target, self.unit, self.limit, self.note = name, target, unit, limit, note
        self.samples: list[float] = []
        self.cpu: list[float] = []  # start-up figures: CPU time and run-queue wait to the same frame
        self.wait: list[float] = []
        self.value: float | None = None
        self.text: str | None = None  # a value that is not a number (pass/fail, not available)
        self.ok: bool | None = None

    def add(self, value: float | None) -> None:
        if value is not None:
            self.samples.append(value)

    @property
    def valid(self) -> list[float]:
        return [v for v in self.samples if v == v]  # not NaN (a run that failed)

    def finish(self) -> None:
        if self.text is None and self.valid:
            self.value = statistics.median(self.valid)
        if self.ok is None and self.value is not None and self.limit is not None:
            self.ok = self.value <= self.limit

    def shown(self) -> str:
        if self.text is not None:
            return self.text
        if self.value is None:
            return "not measured"
        v = self.value
        if self.unit == "s":
            s = f"{v:.3f} s" if v < 10 else f"{v:.1f} s"
        elif self.unit == "ms":
            s = f"{v:.0f} ms" if v >= 10 else f"{v:.1f} ms"
        elif self.unit == "B":
            s = f"{v:,.0f} B" if v < 10_000 else f"{v / 1024:.1f} KiB"
        elif self.unit == "MB":
            s = f"{v:.1f} MB"
        else:
            s = f"{v:g}{self.unit}"
        if len(self.valid) > 1:
            s += f" (n={len(self.valid)})"
        return s

    def verdict(self) -> str:
        if self.ok is None:
            return "—"
        return "pass" if self.ok else "short"


# --------------------------------------------------------------------------- the TUI


def roster_expected(db: str) -> int | None:
    """How many children the roster lists at start (left-behind, 在读, the head's school)."""
    return expected_matches(db, [""])[""]


def _shows_count(n: int | None, *, footer: bool = True):
    """The roster is on screen with ``n`` children listed (its status line says "n 人")."""
    pat = re.compile(rf"(?<![0-9,]){n} 人") if n is not None else None

    def ready(text: str) -> bool:
        lines = text.split("\n")
        return (not footer or FOOTER in lines[-1]) and (pat is None or bool(pat.search(text)))

    return ready


def baseline_ready(text: str) -> bool:
    lines = text.split("\n")
    return FOOTER in lines[-1] and "罗浩嘉" in text  # the baseline's 19th row: the table is full


def start_tui(argv: list[str], ready, *, timeout: float = 90.0) -> tuple[Terminal, dict]:
    term = Terminal(argv, env=tui_env(), cwd=ROOT)
    ok = term.wait_for(ready, timeout)
    term.settle(quiet=0.5, timeout=30)
    stable = term.stable_since(0)
    out = {"ok": ok and stable is not None}
    if stable is not None:
        t, i = stable
        out["first_frame_s"] = t - term.t_start
        out["first_frame_bytes"] = term.bytes_between(0, i + 1)
        out["first_frame_cpu"] = term.chunks[i].cpu
        out["first_frame_wait"] = term.chunks[i].wait
    return term, out


def key_bytes(term: Terminal) -> dict:
    """Bytes for cursor moves inside the view, one-line scrolls and page downs (DataTable focused).
    A move that changes no text on screen is a cursor move; the first that does is a scroll."""
    moves, scrolls, pages = [], [], []
    for _ in range(80):
        before = term.text
        m = term.mark()
        term.send("down")
        term.settle(quiet=0.3, timeout=10)
        size = term.bytes_between(m)
        if term.text == before:
            moves.append(size)
        else:
            scrolls.append(size)
            if len(scrolls) >= 3:
                break
    for _ in range(3):
        m = term.mark()
        term.send("pagedown")
        term.settle(quiet=0.3, timeout=10)
        pages.append(term.bytes_between(m))
    return {"move": moves, "scroll": scrolls, "page": pages}


def measure_startup(figs: dict, data: dict, runs: int, log) -> None:
    baseline = [sys.executable, os.path.join(ROOT, "bench", "baseline_app.py")]
    sample_argv = guanai("--db", data["sample"], "--user", USER)
    county_argv = guanai("--db", data["county"], "--user", USER)
    school_argv = guanai("--db", data["big_school"], "--user", USER)
    want = {k: roster_expected(data[k]) for k in ("sample", "county", "big_school")}
    # one warm-up of each (page cache, .pyc), not counted
    for argv, ready in ((baseline, baseline_ready), (sample_argv, _shows_count(want["sample"])),
                        (county_argv, _shows_count(want["county"]))):
        term, _ = start_tui(argv, ready)
        term.close()
    for k in range(runs):
        for key, argv, ready in (("baseline", baseline, baseline_ready),
                                 ("sample", sample_argv, _shows_count(want["sample"])),
                                 ("county", county_argv, _shows_count(want["county"]))):
            term, out = start_tui(argv, ready)
            try:
                if not out["ok"]:
                    log(f"  ! {key}: 首屏未在时限内出现")
                    figs[f"first_{key}"].add(float("nan"))  # keeps the rounds paired
                    figs[f"first_{key}"].cpu.append(float("nan"))
                    figs[f"first_{key}"].wait.append(float("nan"))
                    continue
                figs[f"first_{key}"].add(out["first_frame_s"])
                figs[f"first_{key}"].cpu.append(out.get("first_frame_cpu", 0.0))
                figs[f"first_{key}"].wait.append(out.get("first_frame_wait", 0.0))
                if key == "sample":
                    figs["bytes_first"].add(out["first_frame_bytes"])
                if key in ("sample", "county") and k < 2:
                    kb = key_bytes(term)
                    if key == "sample":
                        for v in kb["move"][:5]:
                            figs["bytes_move"].add(v)
                        for v in kb["scroll"]:
                            figs["bytes_scroll"].add(v)
                        for v in kb["page"]:
                            figs["bytes_page"].add(v)
                if key in ("sample", "county"):
                    rss = term.peak_rss_kb()
                    if rss:
                        figs[f"rss_{key}"].add(rss / 1024)
            finally:
                term.close()
        log(f"  启动 第{k + 1}/{runs}轮: " + ", ".join(
            f"{n} {figs['first_' + n].samples[-1]:.3f}s" for n in ("baseline", "sample", "county")
            if figs["first_" + n].samples))
    # the 20,000-pupil school's first frame (for the record; the search is measured on it)
    for _ in range(max(1, runs // 2)):
        term, out = start_tui(school_argv, _shows_count(want["big_school"]), timeout=120)
        if out["ok"]:
            figs["first_big"].add(out["first_frame_s"])
            figs["first_big"].cpu.append(out.get("first_frame_cpu", 0.0))
            figs["first_big"].wait.append(out.get("first_frame_wait", 0.0))
            rss = term.peak_rss_kb()
            if rss:
                figs["rss_big"].add(rss / 1024)
        term.close()


SEARCHES = ("zxm", "wang", "lhy", "chen", "ysh", "li")


EXPECTED = """
import inspect, sys
from models import db, roster
from models.entities import Staff
db.open_database(sys.argv[1], create=False)
staff = Staff.get(Staff.login == sys.argv[2])
kw = {}
if "viewer" in inspect.signature(roster.roster_rows).parameters:  # who may see which child
    from models.scope import viewer_for
    kw["viewer"] = viewer_for(staff)
rows = roster.filter_rows(roster.roster_rows(staff.school_id, **kw))
for q in sys.argv[3:]:
    print(repr(q), len(roster.search(rows, q)))
"""


def expected_matches(db: str, queries: list[str]) -> dict[str, int]:
    """The roster's own answers (models.roster), so each keystroke is timed to the right list."""
    out = subprocess.run([sys.executable, "-c", EXPECTED, db, USER, *queries], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    found = {}
    for line in out.stdout.splitlines():
        q, n = line.rsplit(" ", 1)
        found[ast.literal_eval(q)] = int(n)
    if not found:
        raise RuntimeError(f"cannot compute the roster's expected rows: {out.stderr.strip()[-300:]}")
    return found


def measure_search(figs: dict, data: dict, log) -> None:
    db = data["big_school"]
    counts = expected_matches(db, ["", *(q[:n] for q in SEARCHES for n in range(1, len(q) + 1))])
    want = counts[""]
    term, out = start_tui(guanai("--db", db, "--user", USER), _shows_count(want), timeout=120)
    try:
        if not out["ok"]:
            figs["search"].text = "not measured: the roster did not show"
            return
        term.send("/")
        term.settle(quiet=0.4, stable=1.0, timeout=10)
        for query in SEARCHES:
            for n in range(1, len(query) + 1):
                count = counts.get(query[:n])
                m = term.mark()
                t_key = term.send(query[n - 1])
                ok = term.wait_for(_shows_count(count, footer=False), 30)
                term.settle(quiet=0.3, stable=0.8, timeout=30)
                stable = term.stable_since(m)
                if ok and stable is not None:
                    figs["search"].add((stable[0] - t_key) * 1000)
                else:
                    log(f"  ! 搜索 {query[:n]!r}: 列表未更新到 {count} 人")
            term.send("escape")  # clear: the list of all children again
            term.wait_for(_shows_count(want), 30)
            term.settle(quiet=0.3, stable=0.8, timeout=30)
            term.send("/")
            term.settle(quiet=0.3, stable=0.8, timeout=10)
        log(f"  搜索: {len(figs['search'].samples)} 次按键, 中位数 {statistics.median(figs['search'].samples):.0f} ms"
            if figs["search"].samples else "  搜索: 无结果")
    finally:
        term.close(quit_keys="ctrl+q")


def measure_lists(figs: dict, data: dict, rounds: int, log) -> None:
    """待办 (whole school), 谈心记录 and 结对 against the roster, same process and round (bench/lists.py)."""
    from bench import lists

    db = data["big_school"]
    count = roster_expected(db)
    results = []
    for k in range(rounds):
        got = lists.one_round(guanai("--db", db, "--user", USER), tui_env(), ROOT, count,
                              _shows_count(count))
        results.append(got)
        log(f"  列表 第{k + 1}/{rounds}轮: " + ", ".join(
            f"{n} {got[n]:.3f}s" if got.get(n) is not None else f"{n} —" for n in lists.LISTS)
            + (f" (待办: 0 {got['due:0']:.3f}s + m {got['due:m']:.3f}s)" if "due:0" in got else ""))
    lists.measure(figs, results, log)


# --------------------------------------------------------------------------- plain commands


def run_process(argv: list[str], *, cwd: str = ROOT, timeout: float = 300) -> tuple[float, float, int, str]:
    """(wall seconds, peak RSS MB, exit code, stderr) of one whole process."""
    env = compiled_env({k: v for k, v in os.environ.items() if not k.startswith(("GUANAI", "TEXTUAL"))})
    t = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, proc.returncode, err


def command_exists(name: str) -> bool:
    from tui.cli import build_parser

    parser = build_parser()
    for action in parser._subparsers._group_actions:  # noqa: SLF001 (argparse has no public API for it)
        if name in getattr(action, "choices", {}):
            return True
    return False


def measure_due(figs: dict, data: dict, runs: int, log) -> None:
    """The head's due list: of 20,000 children (the one-school set: every child in one list), and
    of one school inside the county database (how a county server is used)."""
    for key, db in (("due", data["big_school"]), ("due_county", data["county"])):
        for _ in range(runs):
            wall, rss, rc, err = run_process(guanai("--db", db, "--user", USER, "due", "--date", DUE_DATE))
            if rc != 0:
                figs[key].text = f"error (exit {rc}): {err.strip()[:80]}"
                break
            figs[key].add(wall)
            if key == "due":
                figs["due_rss"].add(rss)
        if figs[key].samples:
            log(f"  guanai due ({key}): {statistics.median(figs[key].samples):.2f} s")


def _first_class(db: str) -> str:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute("SELECT c.name FROM classroom c JOIN staff s ON s.id = c.head_teacher_id "
                           "WHERE s.login = 'banzhuren'").fetchone()[0]
    finally:
        con.close()


def measure_export(figs: dict, data: dict, runs: int, log) -> None:
    if not command_exists("export"):
        for key in ("export_class", "export_school", "export_county", "export_rss"):
            figs[key].text = "not available: `guanai export` does not exist yet"
        return
    out_dir = tempfile.mkdtemp(prefix="guanai-bench-")
    try:
        jobs = (
            ("export_class", data["county"], ["--class", _first_class(data["county"])], runs),
            ("export_school", data["county"], [], max(1, runs - 2)),
            ("export_county", data["big_school"], [], max(1, runs - 2)),
        )
        for key, db, extra, n in jobs:
            for k in range(n):
                out = os.path.join(out_dir, f"{key}-{k}.xlsx")
                wall, rss, rc, err = run_process(
                    guanai("--db", db, "--user", USER, "export", "--month", MONTH, *extra, "-o", out, "--force"),
                    timeout=600)
                if rc != 0:
                    figs[key].text = f"error (exit {rc}): {err.strip()[:80]}"
                    break
                figs[key].add(wall)
                figs["export_rss"].add(rss)
            if figs[key].samples:
                log(f"  guanai export {key}: {statistics.median(figs[key].samples):.2f} s")
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)


def import_file(data: dict) -> str:
    """5,000 children of the county's other schools as a school's Excel roster (made once)."""
    path = os.path.join(datasets.CACHE, f"import-{IMPORT_ROWS}-{os.path.basename(data['county'])}.xlsx")
    if os.path.exists(path):
        return path
    import xlsxwriter

    con = sqlite3.connect(f"file:{data['county']}?mode=ro", uri=True)
    rows = con.execute(
        "SELECT c.name, c.sex, c.ethnicity, c.birth_date, c.id_number, r.name, c.hukou_place, c.address, "
        "c.left_behind_type, c.guardian_name, c.guardian_relation, c.guardian_phone, c.guardianship_type, "
        "(SELECT p.work_province || p.work_city FROM parent p WHERE p.child_id = c.id AND p.relation = '父亲'), "
        "(SELECT p.work_province || p.work_city FROM parent p WHERE p.child_id = c.id AND p.relation = '母亲') "
        "FROM child c JOIN classroom r ON r.id = c.classroom_id WHERE c.school_id > 1 AND c.id_number IS NOT NULL "
        "ORDER BY c.id LIMIT ?", (IMPORT_ROWS,)).fetchall()
    con.close()
    tmp = path + ".tmp.xlsx"
    wb = xlsxwriter.Workbook(tmp)
    ws = wb.add_worksheet("名册")
    text = wb.add_format({"num_format": "@"})
    header = ("姓名", "性别", "民族", "出生日期", "身份证号", "班级", "户籍所在地", "家庭住址", "留守类型",
              "委托监护人", "与儿童关系", "监护人电话", "监护类型", "父亲务工地", "母亲务工地")
    ws.write_row(0, 0, header)
    for i, r in enumerate(rows, start=1):
        for j, v in enumerate(r):
            ws.write_string(i, j, "" if v is None else str(v), text)
    wb.close()
    os.replace(tmp, path)
    return path


def measure_import(figs: dict, data: dict, runs: int, log) -> None:
    if not command_exists("import"):
        figs["import"].text = "not available: `guanai import` does not exist yet"
        return
    source = import_file(data)
    work = tempfile.mkdtemp(prefix="guanai-bench-")
    try:
        for k in range(runs):
            db = os.path.join(work, f"import-{k}.db")
            shutil.copyfile(data["sample"], db)
            xlsx = os.path.join(work, f"roster-{k}.xlsx")
            shutil.copyfile(source, xlsx)
            wall, rss, rc, err = run_process(guanai("--db", db, "--user", USER, "import", xlsx), timeout=600)
            if rc != 0:
                figs["import"].text = f"error (exit {rc}): {err.strip()[:80]}"
                return
            figs["import"].add(wall)
            figs["import_rss"].add(rss)
            con = sqlite3.connect(db)
            added = con.execute("SELECT count(*) FROM child").fetchone()[0] - 1000
            con.close()
            if k == 0:
                log(f"  guanai import: {added} 名学生导入")
        log(f"  guanai import {IMPORT_ROWS} 行: {statistics.median(figs['import'].samples):.2f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def xueji_file() -> str:
    """A 5,000-row export of the 学籍 system (65 columns, household member blocks, 是否留守儿童
    as 单亲/双亲留守儿童) over the sample school's 18 classes, made once by tests/real_files.py."""
    import hashlib

    with open(os.path.join(ROOT, "tests", "real_files.py"), "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()[:10]
    path = os.path.join(datasets.CACHE, f"import-xueji-{IMPORT_ROWS}-{digest}.xlsx")
    if os.path.exists(path):
        return path
    from tests import real_files

    pupils = real_files.make_pupils(14, IMPORT_ROWS, real_files.school_classes(18))
    tmp = path + ".tmp.xlsx"
    real_files.write_xlsx(tmp, {"学生信息": real_files.xueji_rows(pupils, seed=14)})
    os.replace(tmp, path)
    return path


def measure_import_xueji(figs: dict, data: dict, runs: int, log) -> None:
    """`guanai import` of the 学籍 export into a copy of the sample school (whole process)."""
    if not command_exists("import"):
        figs["import_xueji"].text = "not available: `guanai import` does not exist yet"
        return
    source = xueji_file()
    work = tempfile.mkdtemp(prefix="guanai-bench-")
    try:
        for k in range(runs):
            db = os.path.join(work, f"xueji-{k}.db")
            shutil.copyfile(data["sample"], db)
            xlsx = os.path.join(work, f"xueji-{k}.xlsx")
            shutil.copyfile(source, xlsx)
            wall, rss, rc, err = run_process(guanai("--db", db, "--user", USER, "import", xlsx), timeout=600)
            if rc != 0:
                figs["import_xueji"].text = f"error (exit {rc}): {err.strip()[:80]}"
                return
            figs["import_xueji"].add(wall)
            con = sqlite3.connect(db)
            added = con.execute("SELECT count(*) FROM child").fetchone()[0] - 1000
            con.close()
            if k == 0:
                log(f"  guanai import 学籍: {added} 名学生导入")
        log(f"  guanai import 学籍 {IMPORT_ROWS} 行: {statistics.median(figs['import_xueji'].samples):.2f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


CHECK = """
import sys
from tui.cli import main
try:
    rc = main(sys.argv[1:])
finally:
    bad = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
    sys.stderr.write("\\nTEXTUAL-MODULES:" + ",".join(bad[:3]) + "\\n")
"""


def measure_no_textual(figs: dict, data: dict, log) -> None:
    work = tempfile.mkdtemp(prefix="guanai-bench-")
    try:
        db = os.path.join(work, "check.db")
        shutil.copyfile(data["sample"], db)
        who = ["--db", db, "--user", USER]
        commands = {
            "due": [*who, "due", "--date", DUE_DATE],
            "backup": [*who, "backup", "-o", os.path.join(work, "backup.db")],
        }
        if command_exists("export"):
            commands["export"] = [*who, "export", "--month", MONTH, "--class", "三年级2班",
                                  "-o", os.path.join(work, "x.xlsx")]
        if command_exists("import"):
            xlsx = os.path.join(work, "roster.xlsx")
            shutil.copyfile(import_file(data), xlsx)
            commands["import"] = [*who, "import", "--dry-run", xlsx]
        bad, missing = [], [c for c in ("export", "due", "import", "backup") if c not in commands]
        for name, args in commands.items():
            proc = subprocess.run([sys.executable, "-c", CHECK, *args], cwd=ROOT, capture_output=True, text=True,
                                  timeout=300)
            found = re.search(r"TEXTUAL-MODULES:(.*)", proc.stderr)
            if found is None:
                bad.append(f"{name}: did not run ({proc.stderr.strip()[-80:]})")
            elif found.group(1).strip():
                bad.append(f"{name}: {found.group(1).strip()}")
        fig = figs["no_textual"]
        if bad:
            fig.text, fig.ok = "imports textual: " + "; ".join(bad), False
        else:
            fig.text = "none imports textual" + (f" ({', '.join(missing)} not available yet)" if missing else "")
            fig.ok = True
        log(f"  textual 检查: {fig.text}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --------------------------------------------------------------------------- report


REPORT_USER = "xian"  # the county set's 县 officer (models/sample.py AREA_OFFICERS)


def measure_report_pg(figs: dict, data: dict, runs: int, log) -> None:
    """The county report pack on PostgreSQL: ``guanai report --month --county`` by the 县 officer over the
    county set (20,000 children in 50 schools, loaded by ``guanai --db URL sample --children 20000``) in a
    throwaway server started as the tests start theirs (tests/pgserver.py); whole processes."""
    key = "report_county_pg"
    if not command_exists("report"):
        figs[key].text = "not available: `guanai report` does not exist yet"
        return
    from tests.pgserver import PgServer

    server = PgServer()
    try:
        server.start()
    except Exception as exc:  # noqa: BLE001 - no server binaries: the figure says so
        figs[key].text = f"no PostgreSQL server: {str(exc)[:80]}"
        return
    out_dir = tempfile.mkdtemp(prefix="guanai-bench-")
    try:
        url = server.create_database("bench_report")
        log(f"  载入县级数据到 PostgreSQL ({datasets.COUNTY_CHILDREN} 名学生) ...")
        t = time.perf_counter()
        subprocess.run(guanai("--db", url, "sample", "--children", str(datasets.COUNTY_CHILDREN)), cwd=ROOT,
                       check=True, capture_output=True, timeout=1800)
        log(f"  完成, {time.perf_counter() - t:.1f} 秒")
        for k in range(runs):
            out = os.path.join(out_dir, f"pack-{k}.xlsx")
            wall, rss, rc, err = run_process(guanai("--db", url, "--user", REPORT_USER, "report", "--month", MONTH,
                                                    "--county", "-o", out), timeout=600)
            if rc != 0:
                figs[key].text = f"error (exit {rc}): {err.strip()[:80]}"
                break
            figs[key].add(wall)
            figs["report_rss"].add(rss)
        if figs[key].samples:
            log(f"  guanai report --county (PostgreSQL): {statistics.median(figs[key].samples):.2f} s")
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
        server.stop()


def measure_county_pg(figs: dict, runs: int, log) -> None:
    """The 县 officer's 学校一览 on PostgreSQL (bench/county.py: its own server and county set)."""
    from bench import county

    try:
        got = county.measure(runs, log)
    except Exception as exc:  # noqa: BLE001 - no server binaries, a failed start: the figure says so
        figs["county_full_pg"].text = f"not measured: {str(exc)[:80]}"
        return
    for value in got["first"]:
        figs["county_first_pg"].add(value)
    for value in got["full"]:
        figs["county_full_pg"].add(value)


def figures() -> dict[str, Figure]:
    f = {}
    f["first_baseline"] = Figure("first frame, bare Textual baseline (header + table + footer)", "—", "s")
    f["first_sample"] = Figure("roster first frame, sample school (1,000 pupils)", "≤ 1.1 × baseline", "s")
    f["first_county"] = Figure("roster first frame, county set (20,000 pupils, 50 schools)", "≤ 1.1 × baseline", "s")
    f["first_big"] = Figure("roster first frame, one school of 20,000 pupils", "—", "s")
    f["search"] = Figure("search keystroke to updated list, 20,000 children", "≤ 100 ms", "ms", limit=100)
    from bench import lists

    f.update(lists.figures(Figure))
    f["bytes_first"] = Figure("bytes, first frame (80×24, 256 colours)", "—", "B")
    f["bytes_move"] = Figure("bytes, cursor move inside the visible list", "≤ 1 KB", "B", limit=1024)
    f["bytes_scroll"] = Figure("bytes, one-line scroll", "≤ 4 KB", "B", limit=4096)
    f["bytes_page"] = Figure("bytes, page down", "≤ one full frame", "B")
    f["rss_sample"] = Figure("TUI peak RSS, sample school", "≤ 60 MB", "MB", limit=60)
    f["rss_county"] = Figure("TUI peak RSS, county set", "≤ 100 MB", "MB", limit=100)
    f["rss_big"] = Figure("TUI peak RSS, one school of 20,000 pupils", "—", "MB")
    f["due"] = Figure("`guanai due`, 20,000 children in one list (whole process)", "≤ 1 s", "s", limit=1.0)
    f["due_county"] = Figure("`guanai due`, one school in the county db (whole process)", "≤ 1 s", "s", limit=1.0)
    f["due_rss"] = Figure("`guanai due`, 20,000 children, peak RSS", "—", "MB")
    f["export_class"] = Figure("`guanai export --month`, one class (county db)", "≤ 1.5 s", "s", limit=1.5)
    f["export_school"] = Figure("`guanai export --month`, one school (county db)", "—", "s")
    f["export_county"] = Figure("`guanai export --month`, 20,000 children (one school of 20,000)", "≤ 15 s", "s",
                                limit=15)
    f["export_rss"] = Figure("`guanai export`, peak RSS (largest run)", "≤ 150 MB", "MB", limit=150)
    f["import"] = Figure(f"`guanai import`, {IMPORT_ROWS:,} rows (.xlsx)", "≤ 5 s", "s", limit=5)
    f["import_rss"] = Figure("`guanai import`, peak RSS", "—", "MB")
    f["import_xueji"] = Figure(f"`guanai import`, {IMPORT_ROWS:,}-row 学籍 export (65 columns, .xlsx)", "≤ 5 s", "s",
                               limit=5)
    f["report_county_pg"] = Figure("`guanai report --month --county`, county pack on PostgreSQL, 20,000 children "
                                   "in 50 schools (whole process)", "≤ 15 s", "s", limit=15)
    f["report_rss"] = Figure("`guanai report --county`, peak RSS", "—", "MB")
    f["county_full_pg"] = Figure("县 dashboard (学校一览) on screen, every column (完成率 and 逾期 in) on PostgreSQL, "
                                 "20,000 children / 50 schools", "≤ 1 s", "s", limit=1.0)
    f["county_first_pg"] = Figure("县 dashboard first frame (schools and totals, duties still counting), same set",
                                  "—", "s")
    f["no_textual"] = Figure("export, due, import, backup never import textual", "none does")
    return f


def finish(figs: dict) -> None:
    for fig in figs.values():
        fig.finish()
    # The ratios pair each run with the baseline (or sample) run of the same round, so that load
    # from other processes, which drifts over a minute, falls on both sides of each ratio.
    base, sample, county = figs["first_baseline"], figs["first_sample"], figs["first_county"]
    # CPU time to the same frame is shown beside it: it does not count the time other processes
    # held the CPUs, which on a shared machine is most of the spread between runs.
    for fig in (base, sample, county, figs["first_big"]):
        cpu = [c for c in fig.cpu if c == c and c > 0]
        wait = [w for w in fig.wait if w == w]
        if cpu:
            fig.note = f"CPU {statistics.median(cpu):.3f} s, waited for a CPU {statistics.median(wait):.3f} s"
    for fig, ref, limit, label in ((sample, base, 1.1, "baseline"), (county, base, 1.1, "baseline")):
        pairs = [a / b for a, b in zip(fig.samples, ref.samples) if a == a and b == b and b]
        cpu_pairs = [a / b for a, b in zip(fig.cpu, ref.cpu) if a == a and b == b and b]
        if pairs:
            ratio = statistics.median(pairs)
            fig.ok = ratio <= limit
            fig.note = (f"{ratio:.2f} × {label} (median of {len(pairs)} paired runs)"
                        + (f"; CPU time {statistics.median(cpu_pairs):.2f} × {label}" if cpu_pairs else "")
                        + (f"; {fig.note}" if fig.note else ""))
    full, page = figs["bytes_first"], figs["bytes_page"]
    if full.value and page.value is not None:
        page.ok = page.value <= full.value
        page.note = f"{page.value / full.value:.2f} × first frame"
    rss = figs["export_rss"]
    if rss.samples:
        rss.value = max(rss.samples)
        rss.ok = rss.value <= 150


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        from importlib.metadata import version

        textual = version("textual")
        peewee = version("peewee")
    except Exception:
        textual = peewee = "?"
    try:
        load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "textual": textual,
            "peewee": peewee, "sqlite": sqlite3.sqlite_version, "load": load,
            "system": f"{platform.system()} {platform.release()}"}


def table(figs: dict) -> list[str]:
    rows = [("figure", "value", "target", "result")]
    for fig in figs.values():
        value = fig.shown() + (f" — {fig.note}" if fig.note else "")
        rows.append((fig.name, value, fig.target, fig.verdict()))
    return rows


def render_text(rows) -> str:
    from unicodedata import east_asian_width

    def width(s: str) -> int:
        return sum(2 if east_asian_width(c) in "WF" else 1 for c in s)

    widths = [max(width(r[i]) for r in rows) for i in range(4)]
    out = []
    for n, r in enumerate(rows):
        out.append("  ".join(c + " " * (widths[i] - width(c)) for i, c in enumerate(r)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def render_md(rows, info: dict, started: dt.datetime, seconds: float, runs: int) -> str:
    lines = [
        BEGIN,
        f"Measured {started:%Y-%m-%d %H:%M} by `python -m bench` in {seconds:.0f} s "
        f"({runs} rounds of start-up runs, medians).",
        "",
        f"Machine: {info['cpu']}, {info['cores']} cores; {info['system']}; Python {info['python']}, "
        f"textual {info['textual']}, peewee {info['peewee']}, SQLite {info['sqlite']}; "
        f"load average at the end {info['load']} (the machine is shared: figures are noisy, hence medians).",
        "",
        "| figure | value | target | result |",
        "|---|---|---|---|",
    ]
    for r in rows[1:]:
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
    lines.append(END)
    return "\n".join(lines)


def write_results(md: str) -> None:
    old = ""
    if os.path.exists(RESULTS):
        with open(RESULTS, encoding="utf-8") as fh:
            old = fh.read()
    if BEGIN in old and END in old:
        new = old[: old.index(BEGIN)] + md + old[old.index(END) + len(END):]
    else:
        new = "# Benchmark results (issue 9)\n\n" + md + "\n" + (("\n" + old) if old else "")
    with open(RESULTS, "w", encoding="utf-8") as fh:
        fh.write(new)


def merge_results(rows, only: set[str], info: dict, started: dt.datetime) -> bool:
    """After an ``--only`` run: the measured rows replace theirs in bench/RESULTS.md's table (the others stay
    from the last full run) and one line says which parts were measured again, when and under what load.
    False when there is no table to merge into."""
    if not os.path.exists(RESULTS):
        return False
    with open(RESULTS, encoding="utf-8") as fh:
        old = fh.read()
    if BEGIN not in old or END not in old:
        return False
    head, block, tail = old[: old.index(BEGIN)], old[old.index(BEGIN): old.index(END)], old[old.index(END):]
    fresh = {r[0]: "| " + " | ".join(c.replace("|", "\\|") for c in r) + " |"
             for r in rows[1:] if not r[1].startswith("not measured")}
    parts = ",".join(sorted(only))
    note = (f"Re-measured with `--only {parts}` {started:%Y-%m-%d %H:%M} (load average at the end {info['load']}): "
            f"its rows below; the others are from the full run.")
    lines, noted = [], False
    for line in block.split("\n"):
        if line.startswith("| ") and not line.startswith("| figure |"):
            name = line[2:].split(" | ", 1)[0].replace("\\|", "|")
            line = fresh.get(name, line)
        elif line.startswith(f"Re-measured with `--only {parts}` "):
            line, noted = note, True
        lines.append(line)
    if not noted:  # after the machine line's paragraph
        at = next((i for i, line in enumerate(lines) if line.startswith("Machine:")), 1) + 1
        lines[at:at] = ["", note]
    with open(RESULTS, "w", encoding="utf-8") as fh:
        fh.write(head + "\n".join(lines) + tail)
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description="关爱 benchmark (issue 9)")
    ap.add_argument("--quick", action="store_true", help="fewer runs (a smoke test of the harness)")
    ap.add_argument("--only", help="comma-separated: startup,search,lists,due,export,import,xueji,textual,report,county")
    ap.add_argument("--no-write", action="store_true", help="do not update bench/RESULTS.md")
    args = ap.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    runs = 2 if args.quick else 11
    started = dt.datetime.now()
    t0 = time.perf_counter()

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    log("准备数据 ...")

    class Data(dict):  # each data set made on first use: ``--only`` makes only those its figures read
        def __missing__(self, name: str) -> str:
            self[name] = getattr(datasets, name)(log)
            return self[name]

    data = Data()
    figs = figures()
    steps = (
        ("startup", lambda: measure_startup(figs, data, runs, log)),
        ("search", lambda: measure_search(figs, data, log)),
        ("lists", lambda: measure_lists(figs, data, 2 if args.quick else 5, log)),
        ("due", lambda: measure_due(figs, data, 3 if args.quick else 7, log)),
        ("export", lambda: measure_export(figs, data, 3 if args.quick else 5, log)),
        ("import", lambda: measure_import(figs, data, 2 if args.quick else 3, log)),
        ("xueji", lambda: measure_import_xueji(figs, data, 2 if args.quick else 3, log)),
        ("textual", lambda: measure_no_textual(figs, data, log)),
        ("report", lambda: measure_report_pg(figs, data, 3 if args.quick else 5, log)),
        ("county", lambda: measure_county_pg(figs, 3 if args.quick else 5, log)),
    )
    for name, step in steps:
        if only and name not in only:
            continue
        log(f"测量: {name}")
        try:
            step()
        except Exception as exc:  # one broken measurement must not lose the others
            import traceback

            traceback.print_exc()
            log(f"  ! {name} 失败: {exc}")
    finish(figs)
    rows = table(figs)
    print(render_text(rows))
    seconds = time.perf_counter() - t0
    if not args.no_write and not only:
        write_results(render_md(rows, machine(), started, seconds, runs))
        log(f"已写入 {os.path.relpath(RESULTS, os.getcwd())}")
    elif not args.no_write and merge_results(rows, only, machine(), started):  # --only: its rows only
        log(f"已更新 {os.path.relpath(RESULTS, os.getcwd())} 中测过的行")
    log(f"用时 {seconds:.0f} 秒")
    return 0
