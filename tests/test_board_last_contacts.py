"""The pairing board reads each helper's last contacts when the group is shown (issue 20: one
GROUP BY over a 20,000-pupil school's contacts was a third of the board's time). On the demo
school, a board read that way and filled group by group is the board read whole, for every kind
and row: the same groups, children, suggestions and last contacts; and the board, which reads only
the children it can show, is the one made from every child."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from models import db as dbmod
from models import pairings
from models.entities import Staff
from models.scope import viewer_for

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def head(tmp_path_factory):
    work = tmp_path_factory.mktemp("board")
    work.chmod(0o700)
    db = work / "s.db"
    shutil.copyfile(ROOT / "sample.db", db)
    db.chmod(0o600)
    dbmod.open_database(str(db), create=False)
    staff = Staff.get(Staff.login == "xiaozhang")
    yield staff.school_id, viewer_for(staff.id, school_id=staff.school_id)
    dbmod.current().close()


def rows(board: pairings.Board) -> list[tuple]:
    return [(g.key, g.load, c.child_id, c.last_contact, c.suggestion, c.started_on, c.note)
            for g in board.groups for c in g.children]


@pytest.mark.parametrize("kind", pairings.KINDS)
def test_a_board_filled_group_by_group_is_the_board_read_whole(head, kind):
    school_id, viewer = head
    whole = pairings.load_board(school_id, kind, viewer=viewer)
    lazy = pairings.load_board(school_id, kind, viewer=viewer, with_last_contacts=False)
    staff_groups = [g for g in lazy.groups if g.key[0] == "staff" and g.children]
    if kind == "帮扶教师":
        assert staff_groups and any(c.last_contact for g in whole.groups for c in g.children)
    assert all(c.last_contact is None for g in staff_groups for c in g.children)
    for g in lazy.groups:
        pairings.fill_last_contacts(lazy, g)
    assert rows(lazy) == rows(whole)
    # the board reads only the children it can show (the left-behind, the paired): the same board
    every_child, _ = pairings._build(school_id, kind, True, viewer)
    assert rows(every_child) == rows(whole) and every_child.subjects == whole.subjects
