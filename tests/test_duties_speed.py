"""The due list made faster (issue 20) lists the same duties: on the demo school, every case of
``bench/compare_duties.py`` (the head, a class teacher, an 爱心妈妈/volunteer, the counselor and
the whole database; in term, in the holidays, today; a kind, 跟进, a class, only mine, the whole
term) gives what ``tests/duties_reference.py`` — ``models/duties.py`` as it was — gives. The
bench's school of 20,000 is compared by ``python -m bench.compare_duties`` (too slow for here)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench import compare_duties
from models import db as dbmod

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    work = tmp_path_factory.mktemp("duties")
    work.chmod(0o700)
    db = work / "s.db"
    shutil.copyfile(ROOT / "sample.db", db)
    db.chmod(0o600)
    dbmod.open_database(str(db), create=False)
    yield
    dbmod.current().close()


def test_the_due_list_is_the_one_computed_before(demo):
    seen = []
    assert compare_duties.compare(log=seen.append) == []
    # the cases mean something: every viewer has duties in term, the filters too
    assert len(seen) >= 40
    assert all(" 0 duties" not in line for line in seen if "in term" in line and "mine" not in line
               and "跟进" not in line)
