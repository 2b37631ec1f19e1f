"""The benchmark's data sets, made once into bench/.cache/ (git-ignored) and reused.

- ``sample``: a copy of the committed sample.db (the demo school, 1,000 pupils).
- ``county``: ``guanai sample --children 20000 --months 12``: 50 schools, a year of contacts.
- ``big_school``: one school of 20,000 pupils (``build_sample(..., schools=1)``), for the search
  keystroke over 20,000 children.

A file's name carries a hash of the generator and the migrations, so a change to either makes
a new one (a change elsewhere does not: the schema is what the migrations make). Each is opened once by ``guanai --db FILE init`` so no timed run pays a migration.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(ROOT, "bench", ".cache")
GUANAI = [sys.executable, "-m", "tui.cli"]

COUNTY_CHILDREN = 20_000
COUNTY_MONTHS = 12


def _source_hash() -> str:
    h = hashlib.sha256()
    paths = [os.path.join(ROOT, "models", "sample.py")]  # the schema is the migrations
    mig = os.path.join(ROOT, "models", "migrations")
    paths += sorted(os.path.join(mig, f) for f in os.listdir(mig) if f.endswith(".py"))
    for p in paths:
        with open(p, "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()[:10]


def _init(path: str) -> None:
    """Bring the schema up to date once (pending migrations, WAL), outside any timed run."""
    subprocess.run([*GUANAI, "--db", path, "init"], cwd=ROOT, check=True, capture_output=True, timeout=600)


def _clean(prefix: str, keep: str) -> None:
    for name in os.listdir(CACHE):
        if name.startswith(prefix) and not name.startswith(os.path.basename(keep)):
            try:
                os.remove(os.path.join(CACHE, name))
            except OSError:
                pass


def _make_cache() -> None:
    """Owner-only, like the data of a real school: guanai refuses a database others could read."""
    os.makedirs(CACHE, mode=0o700, exist_ok=True)
    os.chmod(CACHE, 0o700)


def sample(log=print) -> str:
    _make_cache()
    src = os.path.join(ROOT, "sample.db")
    with open(src, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()[:10]
    path = os.path.join(CACHE, f"sample-{digest}-{_source_hash()}.db")
    if not os.path.exists(path):
        _clean("sample-", path)
        shutil.copyfile(src, path + ".tmp")
        _init(path + ".tmp")
        _finish(path)
    return path


def county(log=print) -> str:
    _make_cache()
    path = os.path.join(CACHE, f"county-{COUNTY_CHILDREN}-{COUNTY_MONTHS}-{_source_hash()}.db")
    if not os.path.exists(path):
        _clean("county-", path)
        _remove(path + ".tmp")
        log(f"生成县级数据 (一次, 缓存于 bench/.cache/): {COUNTY_CHILDREN} 名学生, {COUNTY_MONTHS} 个月 ...")
        t = time.perf_counter()
        subprocess.run([*GUANAI, "sample", "--children", str(COUNTY_CHILDREN), "--months", str(COUNTY_MONTHS),
                        "-o", path + ".tmp"], cwd=ROOT, check=True, capture_output=True, timeout=900)
        log(f"  完成, {time.perf_counter() - t:.1f} 秒")
        _init(path + ".tmp")
        _finish(path)
    return path


def big_school(log=print) -> str:
    _make_cache()
    path = os.path.join(CACHE, f"school-{COUNTY_CHILDREN}-{_source_hash()}.db")
    if not os.path.exists(path):
        _clean("school-", path)
        _remove(path + ".tmp")
        log(f"生成单校 {COUNTY_CHILDREN} 名学生的数据 (一次) ...")
        t = time.perf_counter()
        code = ("import sys; from models.sample import build_sample; "
                f"build_sample(sys.argv[1], children={COUNTY_CHILDREN}, schools=1)")
        subprocess.run([sys.executable, "-c", code, path + ".tmp"], cwd=ROOT, check=True, capture_output=True,
                       timeout=900)
        log(f"  完成, {time.perf_counter() - t:.1f} 秒")
        _init(path + ".tmp")
        _finish(path)
    return path


def work_copy(path: str) -> str:
    """A scratch copy (for commands that write: import)."""
    out = os.path.join(CACHE, "work-" + os.path.basename(path))
    _remove(out)
    shutil.copyfile(path, out)
    return out


def _finish(path: str) -> None:
    # a checkpoint leaves the whole database in the main file, then rename it into place
    import sqlite3

    con = sqlite3.connect(path + ".tmp")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()
    os.replace(path + ".tmp", path)


def _remove(path: str) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.remove(path + suffix)
        except OSError:
            pass
