"""The 县 dashboard's figure (issue 19): 学校一览 on PostgreSQL, 20,000 children in 50 schools.

A throwaway server started as the tests start theirs (tests/pgserver.py), the county set loaded by
``guanai --db URL sample --children 20000`` (which ends with ANALYZE, as autovacuum would), then the
real TUI in a pseudo-terminal at 80x24 logged in as the 县 officer ``xian``. The headline figure is
the full board: every column in, 完成率 and 逾期 too (each counted in a thread of its own beside the
board), target 1 s from the process start; the first frame is the moment the schools are listed with
their totals (``合计 50 所``). Runnable alone: ``python -m bench.county [RUNS] [URL]``.
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time

from bench import datasets
from bench.term import Terminal

OFFICER = "xian"  # models/sample.py AREA_OFFICERS
SCHOOLS = 50
WAITING = "计算中"  # screens/county.py: the totals line until the duties are counted


def listed(text: str) -> bool:
    """The dashboard is on screen: the schools' lines, the totals, the footer."""
    lines = text.split("\n")
    return f"合计 {SCHOOLS} 所" in text and "上报报表" in lines[-1]


def complete(text: str) -> bool:
    return listed(text) and WAITING not in text


def measure(runs: int, log=print, *, url: str | None = None) -> dict[str, list[float]]:
    """First frame and full board, seconds from process start, ``runs`` times (a new server unless ``url``)."""
    from bench.run import guanai, tui_env
    from tests.pgserver import PgServer

    server = None
    if url is None:
        server = PgServer()
        server.start()
        url = server.create_database("bench_county")
        log(f"  载入县级数据到 PostgreSQL ({datasets.COUNTY_CHILDREN} 名学生) ...")
        t = time.perf_counter()
        subprocess.run(guanai("--db", url, "sample", "--children", str(datasets.COUNTY_CHILDREN)),
                       cwd=datasets.ROOT, check=True, capture_output=True, timeout=1800)
        log(f"  完成, {time.perf_counter() - t:.1f} 秒")
    out: dict[str, list[float]] = {"first": [], "full": []}
    try:
        for _ in range(runs):
            term = Terminal(guanai("--db", url, "--user", OFFICER), env=tui_env(), cwd=datasets.ROOT)
            try:
                if not term.wait_for(listed, 60):
                    raise RuntimeError("the dashboard never showed: " + term.text[-200:])
                out["first"].append(term.chunks[-1].t - term.t_start)  # the chunk that drew it
                if term.wait_for(complete, 60):
                    out["full"].append(term.chunks[-1].t - term.t_start)
            finally:
                term.close()
    finally:
        if server is not None:
            server.stop()
    return out


def main(argv: list[str]) -> int:
    runs = int(argv[0]) if argv else 3
    url = argv[1] if len(argv) > 1 else None
    got = measure(runs, url=url)
    full = (f"{statistics.median(got['full']):.3f} s (n={len(got['full'])}, target <= 1 s)" if got["full"]
            else "never complete")
    print(f"county dashboard on PostgreSQL, 20,000 children / 50 schools, every column in: {full}; "
          f"first frame (schools and totals): {statistics.median(got['first']):.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
