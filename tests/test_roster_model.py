import datetime as dt

import pytest

from models import roster
from models.entities import Child
from models.scope import system_viewer

pytestmark = pytest.mark.both_backends  # the model layer runs on SQLite and on PostgreSQL

ALL = system_viewer()  # the whole database: these tests are not about scope (tests/test_scope.py is)


@pytest.mark.parametrize(
    "query, first, absent",
    [
        ("zxm", "张小明", "王芳"),
        ("ZXM", "张小明", "王芳"),
        ("zx", "张小明", "刘强"),
        ("zhangxiao", "张小明", "王芳"),
        ("wangfang", "王芳", "张小明"),
        ("张小", "张小明", "王芳"),
        ("芳", "王芳", "张小明"),
        ("L1234", "张小明", "王芳"),
        ("77788", "张小明", "王芳"),  # a fragment of the father's phone
        ("912345", "张小明", "王芳"),  # a fragment of the guardian's phone
        ("x m", "张小明", "王芳"),  # spaces are ignored
    ],
)
def test_search_finds_by_pinyin_characters_numbers(tiny_school, query, first, absent):
    rows = roster.roster_rows(tiny_school["school"].id, viewer=ALL)
    found = roster.search(rows, query)
    names = [r.name for r in found]
    assert names and names[0] == first
    assert absent not in names


def test_search_ranks_exact_initials_first(tiny_school):
    rows = roster.roster_rows(tiny_school["school"].id, viewer=ALL)
    assert [r.name for r in roster.search(rows, "zxm")] == ["张小明"]
    assert {r.name for r in roster.search(rows, "z")} == {"张小明", "张丽华"}
    # exact initials beat a prefix of the full pinyin: "wf" is 王芳's initials
    assert [r.name for r in roster.search(rows, "wf")][0] == "王芳"


def test_search_nothing_found(tiny_school):
    rows = roster.roster_rows(tiny_school["school"].id, viewer=ALL)
    assert roster.search(rows, "qqq") == []
    assert roster.search(rows, "") == rows


def test_rows_carry_helper_and_last_reached_talk(tiny_school):
    rows = {r.name: r for r in roster.roster_rows(tiny_school["school"].id, viewer=ALL)}
    assert rows["张小明"].helper == "李老师"
    # the unanswered attempt on 11-25 does not count as a talk
    assert rows["张小明"].last_talk == dt.date(2026, 11, 20)
    assert rows["王芳"].last_talk is None
    assert rows["张丽华"].flags == "困"
    assert rows["王芳"].flags == "重"


def test_filters_and_filing_rate(tiny_school):
    rows = roster.roster_rows(tiny_school["school"].id, viewer=ALL)
    # 身份证号 is a required 档案 field (建档率 as the inspector counts it): without it 张小明 is not complete
    assert {r.name: r.complete for r in rows}["张小明"] is False
    Child.update(id_number="510104201503021236").where(Child.id == tiny_school["kids"]["张小明"].id).execute()
    rows = roster.roster_rows(tiny_school["school"].id, viewer=ALL)
    current = roster.filter_rows(rows)
    assert {r.name for r in current} == {"张小明", "张丽华", "王芳"}  # 在读 and 留守 only
    everyone = roster.filter_rows(rows, status=None, left_behind_only=False)
    assert len(everyone) == 5
    c2 = tiny_school["classes"][1].id
    assert {r.name for r in roster.filter_rows(rows, classroom_id=c2)} == {"王芳"}
    assert {r.name for r in roster.filter_rows(rows, flag="特困")} == {"张丽华"}
    assert {r.name for r in roster.filter_rows(rows, flag="档案不全")} == {"王芳", "张丽华"}  # no phone; no 学籍号
    # 王芳 lacks a guardian phone and 学籍号, 张丽华 a 学籍号: 1 of 3 complete
    assert roster.filing_rate(current) == pytest.approx(1 / 3)
    assert roster.filing_rate([]) is None


@pytest.mark.parametrize(
    "value, masked",
    [
        ("510104201503021234", "51***************4"),
        ("11010519491231002X", "11***************X"),
        ("", ""),
        (None, ""),
        ("1234", "****"),
        ("123456", "******"),  # too short to keep any of it
        ("110105491231002", "11************2"),  # a 15-digit first-generation number
        (" 510104201503021234 ", "51***************4"),
    ],
)
def test_mask_id(value, masked):
    assert roster.mask_id(value) == masked


def test_sort_keys_cover_every_row(tiny_school):
    rows = roster.roster_rows(tiny_school["school"].id, viewer=ALL)
    for key, fn in roster.SORT_KEYS.items():
        assert len(sorted(rows, key=fn)) == len(rows), key


@pytest.mark.parametrize(
    "value, masked",
    [
        ("G510104201503021234", "G51***************4"),
        ("g510104201503021234", "g51***************4"),
        ("L123456789012345678", "L12***************8"),  # a temporary number is usually made from the ID
        ("J123456789012345678", "J123456789012345678"),  # the national 学籍 number is not an ID
        ("", ""),
        (None, ""),
    ],
)
def test_mask_student_no(value, masked):
    assert roster.mask_student_no(value) == masked
