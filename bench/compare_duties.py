"""Old and new ``models.duties.open_duties`` side by side (issue 20): the due list was made faster,
and its results must not change. The old module is read from git (``--against REV``, by default
the commit before that work); this compares both on a database for several viewers (the head, a
class teacher, an 爱心妈妈/volunteer, the counselor, the whole database) and dates (in term, in a
holiday, today), and for a few filters (a kind, a class, only mine, the whole term).

    python -m bench.compare_duties [--against REV] bench/.cache/school-20000-*.db   (a copy: it opens the file)

A tool for whoever changes how fast the due list is computed, not for what counts as due: a change of
the rules themselves is expected to differ (the duties' own tests say what is due).
"""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
import types
from pathlib import Path

BEFORE = "71633d0"  # models/duties.py before issue 20's speed work
ROOT = Path(__file__).resolve().parent.parent


def old_module(rev: str = BEFORE) -> types.ModuleType:
    """``models/duties.py`` as it was at ``rev`` (from git), as a module of its own."""
    source = subprocess.run(["git", "show", f"{rev}:models/duties.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    module = types.ModuleType(f"duties_at_{rev}")
    sys.modules[module.__name__] = module  # its dataclasses look their module up
    exec(compile(source, f"{rev}:models/duties.py", "exec"), module.__dict__)
    return module


def viewers():
    """(label, viewer, staff_id) for a head, a class teacher, a volunteer, the counselor and the system."""
    from models.entities import Classroom, Staff
    from models.scope import system_viewer, viewer_for

    out = []
    for role in ("head", "class_teacher", "volunteer", "counselor"):
        q = Staff.select().where(Staff.role == role, Staff.active == True).order_by(Staff.id)  # noqa: E712
        if role == "class_teacher":
            q = q.join(Classroom, on=(Classroom.head_teacher == Staff.id))
        staff = q.first()
        if staff is not None:
            out.append((role, viewer_for(staff.id, school_id=staff.school_id), staff.id))
    out.append(("system", system_viewer(), None))
    return out


DATES = (("in term", dt.date(2026, 11, 18)), ("holiday", dt.date(2027, 2, 10)),
         ("summer", dt.date(2026, 8, 1)), ("today", dt.date.today()))


def cases():
    """(label, keyword arguments of open_duties) for every viewer, date and filter."""
    from models.entities import Classroom

    for who, viewer, staff_id in viewers():
        school = viewer.school_id
        room = Classroom.select(Classroom.id).where(Classroom.school == school).order_by(Classroom.id).scalar() \
            if school is not None else None
        for when, day in DATES:
            base = dict(on_date=day, viewer=viewer, school_id=school, staff_id=staff_id)
            yield f"{who} {when}", base
            if when == "in term":
                yield f"{who} {when} 谈心", {**base, "kind": "谈心"}
                yield f"{who} {when} 跟进", {**base, "kind": "跟进"}
                yield f"{who} {when} 家访 whole term", {**base, "kind": "家访", "horizon_days": None}
                yield f"{who} {when} mine", {**base, "only_mine": True}
                if room is not None:
                    yield f"{who} {when} class", {**base, "classroom_id": room}


def compare(old: types.ModuleType, log=print) -> list[str]:
    """Every case's difference (empty when old and new agree everywhere)."""
    from models import duties as new

    problems = []
    for label, kw in cases():
        t0 = time.perf_counter()
        a = old.open_duties(**kw)
        t1 = time.perf_counter()
        b = new.open_duties(**kw)
        t2 = time.perf_counter()
        same = [vars(d) for d in a] == [vars(d) for d in b]
        log(f"{label:40} {len(a):6} duties  old {t1 - t0:.3f} s  new {t2 - t1:.3f} s  {'same' if same else 'DIFFERENT'}")
        if not same:
            problems.append(label)
    return problems


def main(argv: list[str]) -> int:
    from models import db as dbmod

    rev = BEFORE
    if argv[:1] == ["--against"]:
        rev, argv = argv[1], argv[2:]
    old = old_module(rev)
    dbmod.open_database(argv[0], create=False)
    problems = compare(old)
    print("identical" if not problems else f"DIFFERENT: {problems}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
