"""Two processes write one SQLite file at once while a third is killed in the middle of a write:
no committed row is lost, the killed transaction leaves nothing, and the file stays sound."""
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from models import db as dbmod
from models.entities import Child, Classroom, School

ROOT = Path(__file__).resolve().parent.parent

WRITER = """
import sys, time, datetime as dt
sys.path.insert(0, {root!r})
from models import db as dbmod
from models.entities import Contact
dbmod.open_database({path!r})
name, seconds, rows, pause_in, pause_between = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
end = time.monotonic() + seconds
i = 0
while time.monotonic() < end:
    with dbmod.write():
        for j in range(rows):
            Contact.create(child={kid}, kind="谈心", at=dt.datetime(2026, 11, 27, 9), content=f"{{name}}-{{i}}-{{j}}")
            if pause_in:
                time.sleep(pause_in)  # the slow writer holds the write lock: killed in here
    print(i, time.monotonic(), flush=True)  # reported only after the commit returned
    i += 1
    time.sleep(pause_between)
"""


def test_killed_writer_loses_nothing_committed(tmp_path):
    path = str(tmp_path / "school.db")
    dbmod.open_database(path)
    from models import schema

    schema.migrate()
    school = School.create(name="测试小学")
    room = Classroom.create(school=school, grade=1, number=1, name="一年级1班")
    kid = Child.create(school=school, classroom=room, name="张小明")
    dbmod.current().close()

    code = WRITER.format(root=str(ROOT), path=path, kid=kid.id)

    def start(*args):
        return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    a = start("a", 3, 3, 0, 0.005)
    b = start("b", 3, 3, 0, 0.005)
    victim = start("c", 60, 40, 0.002, 0.03)  # ~0.1 s per transaction, most of it holding the lock
    first = {name: proc.stdout.readline() for name, proc in (("a", a), ("b", b), ("c", victim))}
    for name, proc in (("a", a), ("b", b), ("c", victim)):
        assert first[name], (name, proc.wait(timeout=30), proc.stderr.read())
    time.sleep(0.8)  # all three writing at once
    victim.send_signal(signal.SIGKILL)  # like a dropped SSH session's process, or a power cut for it
    killed_at = time.monotonic()
    victim_out, _ = victim.communicate(timeout=30)
    victim_out = first["c"] + victim_out

    def committed(out):
        pairs = [line.split() for line in out.splitlines()]
        return [int(i) for i, _ in pairs], [float(t) for _, t in pairs]

    results, times = {}, {}
    for name, proc in (("a", a), ("b", b)):
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results[name], times[name] = committed(first[name] + out)
    results["c"], _ = committed(victim_out)
    assert victim.returncode == -signal.SIGKILL
    assert results["c"], "the victim committed something before it was killed"
    for name in ("a", "b"):  # both kept writing before and after the kill, and were not stopped by it
        assert len(results[name]) > 20, results[name]
        assert min(times[name]) < killed_at - 0.5 and max(times[name]) > killed_at + 0.5, (name, killed_at, min(times[name]), max(times[name]))

    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        counts = {}
        for content, in con.execute("SELECT content FROM contact"):
            name, i, _ = content.split("-")
            counts[(name, int(i))] = counts.get((name, int(i)), 0) + 1
    finally:
        con.close()
    for name, size in (("a", 3), ("b", 3), ("c", 40)):
        for i in results[name]:
            assert counts.get((name, i)) == size, f"committed transaction {name}-{i} lost rows"
    last = results["c"][-1]
    # the transaction under way at the kill: all of it (committed, not yet reported) or none of it
    assert counts.get(("c", last + 1), 0) in (0, 40)
    assert not [k for k in counts if k[0] == "c" and k[1] > last + 1]
    assert all(n in (3, 40) for n in counts.values()), "no transaction is half there"
