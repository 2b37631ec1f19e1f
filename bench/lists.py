"""Every list as fast as the roster (issue 20): the whole-school 待办, the talk log and the pairing
board, measured like the roster, in the same process and round, on the one-school set of 20,000
pupils (every child in one list).

One round is one TUI process of the head (``xiaozhang``, who starts on the roster) in a real
pseudo-terminal at 80x24. After the roster's first frame the keys go ``3`` (谈心), ``1`` (名册
again: the roster reloads, as any list shown again does), ``0`` then ``m`` (待办, then the whole
school: the head's own children are few), ``2`` (结对). For each list:

- **first frame after the section key**: from the write of the key to the first complete frame
  (``bench/term.py``: the chunk after which the text on screen no longer changes), the list's own
  status line on screen (``N 人``, ``共 N 条``, ``待办 · 全校``, ``结对帮扶 ·``). 待办's is the
  ``0`` frame plus the ``m`` frame: together they bring the whole school's list;
- **per cursor key**: the first five ``down`` keys from the top of the list (inside the visible
  rows; on the pairing board in its list of children, the right side, after ``right``), from the
  write of the key to the last byte written for it (until the output is quiet for 0.3 s), and
  those bytes.

Each list's figure is the median over the rounds; its ratio is the median of the per-round ratios
to the roster's figure of the same round (load from other processes falls on both alike).
"""
from __future__ import annotations

import re
import statistics

from bench.term import Terminal

LISTS = ("roster", "due", "talks", "pairing")
NAMES = {"roster": "名册", "due": "待办 (全校)", "talks": "谈心记录", "pairing": "结对"}
TARGET = 1.3  # × the roster's same-run figure
CURSOR_KEYS = 5


def _bare(text: str) -> str:
    """The text without spaces: the screen model (bench/term.py) leaves a stray space beside a wide
    character here and there on lines Textual updates in parts."""
    return text.replace(" ", "")


def _title(text: str, section: str) -> bool:
    return _bare(text.split("\n", 1)[0]).startswith(section)


def ready_roster(count: int | None):
    pat = re.compile(rf"(?<![0-9,]){count} 人") if count is not None else re.compile(r"\d 人")

    def ready(text: str) -> bool:
        return _title(text, "名册") and bool(pat.search(text)) and "搜索" in _bare(text.split("\n")[-1])

    return ready


def ready_talks(text: str) -> bool:
    return _title(text, "谈心") and bool(re.search(r"共\d+条", _bare(text))) and "新记录" in _bare(text.split("\n")[-1])


def ready_due(scope: str):
    def ready(text: str) -> bool:
        return _title(text, "待办") and f"待办·{scope}" in _bare(text) and "记录" in _bare(text.split("\n")[-1])

    return ready


def ready_pairing(text: str) -> bool:
    return _title(text, "结对") and "结对帮扶·" in _bare(text) and "采纳" in _bare(text.split("\n")[-1])


def _frame(term: Terminal, key: str, ready, timeout: float = 60.0) -> float | None:
    """Seconds from the write of ``key`` to the first complete frame that ``ready`` accepts."""
    mark = term.mark()
    t_key = term.send(key)
    ok = term.wait_for(ready, timeout)
    term.settle(quiet=0.4, stable=1.0, timeout=30)
    stable = term.stable_since(mark)
    if not ok or stable is None or not ready(term.text):
        return None
    return stable[0] - t_key


def _cursor_keys(term: Terminal) -> tuple[list[float], list[int]]:
    """(seconds, bytes) of the first ``down`` keys from the top of the list: inside the visible rows."""
    times, sizes = [], []
    for _ in range(CURSOR_KEYS):
        mark = term.mark()
        t_key = term.send("down")
        term.settle(quiet=0.3, timeout=10)
        if len(term.chunks) > mark:
            times.append(term.chunks[-1].t - t_key)
            sizes.append(term.bytes_between(mark))
    return times, sizes


def one_round(argv: list[str], env: dict, cwd: str, roster_count: int | None, start_ready) -> dict:
    """One process: each list's first frame after its key, and its cursor keys."""
    out: dict = {}
    term = Terminal(argv, env=env, cwd=cwd)
    try:
        if not term.wait_for(start_ready, 120):
            return out
        term.settle(quiet=0.5, timeout=30)
        steps = (("talks", "3", ready_talks), ("roster", "1", ready_roster(roster_count)),
                 ("due", "0", ready_due("我的孩子")), ("due+m", "m", ready_due("全校")), ("pairing", "2", ready_pairing))
        for name, key, ready in steps:
            seconds = _frame(term, key, ready)
            if seconds is None:
                out[name] = None
                continue
            out[name] = seconds
            if name == "due":
                continue  # its cursor keys on the whole school's list, after m
            if name == "pairing":  # the list of children is the right side (the helpers are its index)
                term.send("right")
                term.settle(quiet=0.3, timeout=10)
            times, sizes = _cursor_keys(term)
            base = name.split("+")[0]
            out[f"{base}:keys"], out[f"{base}:bytes"] = times, sizes
        if out.get("due") is not None and out.get("due+m") is not None:
            out["due:0"], out["due:m"] = out["due"], out["due+m"]  # the two parts, for the log
            out["due"] += out.pop("due+m")
        else:
            out["due"] = None
    finally:
        term.close()
    return out


def figures(Figure) -> dict:
    f = {}
    for name in LISTS:
        target = "—" if name == "roster" else f"≤ {TARGET} × roster's"
        f[f"list_{name}"] = Figure(f"{NAMES[name]}: first frame after its section key, one school of 20,000 pupils",
                                   target, "s")
        f[f"list_{name}_key"] = Figure(f"{NAMES[name]}: cursor key to its last byte", target, "ms")
        f[f"list_{name}_bytes"] = Figure(f"{NAMES[name]}: bytes per cursor key", target, "B")
    return f


def measure(figs: dict, rounds: list[dict], log) -> None:
    """Fill the figures from the rounds (one_round's results)."""
    per_round = []
    for r in rounds:
        row = {}
        for name in LISTS:
            if r.get(name) is not None:
                row[f"list_{name}"] = r[name]
            if r.get(f"{name}:keys"):
                row[f"list_{name}_key"] = statistics.median(r[f"{name}:keys"]) * 1000
            if r.get(f"{name}:bytes"):
                row[f"list_{name}_bytes"] = statistics.median(r[f"{name}:bytes"])
        per_round.append(row)
        for key, value in row.items():
            figs[key].add(value)
    for name in LISTS:
        for suffix in ("", "_key", "_bytes"):
            fig = figs[f"list_{name}{suffix}"]
            ref = f"list_roster{suffix}"
            if name == "roster":
                continue
            ratios = [row[fig_key] / row[ref] for row in per_round
                      for fig_key in [f"list_{name}{suffix}"] if row.get(fig_key) is not None and row.get(ref)]
            if ratios:
                ratio = statistics.median(ratios)
                fig.ok = ratio <= TARGET
                fig.note = f"{ratio:.2f} × roster (median of {len(ratios)} rounds)"
            elif not fig.samples:
                fig.text = "not measured: the list did not show"
    log("  列表: " + ", ".join(f"{n} {statistics.median(figs['list_' + n].valid):.3f}s"
                              for n in LISTS if figs[f"list_{n}"].valid))
