"""``guanai due``: the due list as plain text, for cron. One line per open duty, exit 0."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from models.entities import Classroom, Contact, Pairing, Parent, School, Staff
from tests.conftest import add_child

pytestmark = pytest.mark.both_backends  # the same command on a SQLite file and on PostgreSQL

GUANAI = str(Path(sys.executable).with_name("guanai"))


def run(*args):
    env = {**os.environ, "GUANAI_DB": ""}
    return subprocess.run([GUANAI, *args], capture_output=True, text=True, env=env, timeout=60)


def assert_one_line_error(res, fragment):
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert fragment in lines[0]
    assert res.stdout == ""


@pytest.fixture
def school_db(db_path):
    """Two classes on Wednesday 2026-11-18; see the expected lines in the tests."""
    s = School.create(name="测试小学")
    li = Staff.create(school=s, name="李老师", role="class_teacher", login="lilaoshi")
    zhao = Staff.create(school=s, name="赵老师", role="class_teacher", login="zhaolaoshi")
    wang = Staff.create(school=s, name="王老师", role="teacher", login="wanglaoshi")
    Staff.create(school=s, name="潘校长", role="head", login="xiaozhang")  # sees the whole school
    c32 = Classroom.create(school=s, grade=3, number=2, name="三年级2班", head_teacher=li)
    c51 = Classroom.create(school=s, grade=5, number=1, name="五年级1班", head_teacher=zhao)

    def talk(child, day, by=li, kind="谈心", reached=True):
        Contact.create(child=child, staff=by, kind=kind, at=dt.datetime.combine(day, dt.time(9)), reached=reached)

    a = add_child(s, c32, "张小明")  # talked 11-11: due today
    talk(a, dt.date(2026, 11, 11))
    talk(a, dt.date(2026, 11, 10), kind="家长电话")  # reached: due 11-24, this week
    b = add_child(s, c32, "张丽华", sex="女")  # talked 11-09: 2 days overdue, and an 爱心妈妈
    talk(b, dt.date(2026, 11, 9))
    talk(b, dt.date(2026, 11, 16), kind="家长电话")
    talk(b, dt.date(2026, 11, 17), kind="家长电话", reached=False)
    Pairing.create(child=b, kind="爱心妈妈", staff=wang, started_on=dt.date(2026, 11, 1))
    talk(b, dt.date(2026, 11, 12), by=wang)  # meets her duty until 11-19 (and the weekly talk)
    c = add_child(s, c51, "王芳", sex="女")  # talked today, called yesterday: nothing open
    talk(c, dt.date(2026, 11, 18), by=zhao)
    talk(c, dt.date(2026, 11, 17), by=zhao, kind="家长电话")
    d = add_child(s, c51, "刘强\t[b]", status="转出", status_date=dt.date(2026, 11, 18))  # left today
    e = add_child(s, c51, "陈刚")  # parents home since 11-16
    for rel in ("父亲", "母亲"):
        Parent.create(child=e, relation=rel, away=False, returned_on=dt.date(2026, 11, 16))
    f = add_child(s, c51, "周\x07红\n")  # control characters never break a line
    talk(f, dt.date(2026, 11, 4), by=zhao)
    talk(f, dt.date(2026, 11, 15), by=zhao, kind="家长电话")
    return db_path


def lines(res):
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    return [ln.split("\t") for ln in res.stdout.splitlines()]


def test_due_talks_one_line_each(school_db):
    res = run("--user", "xiaozhang", "due", "--db", school_db, "--date", "2026-11-18", "--kind", "谈心")
    assert lines(res) == [
        ["周红", "五年级1班", "每周谈心", "谈心", "2026-11-11", "7"],
        ["张小明", "三年级2班", "每周谈心", "谈心", "2026-11-18", "0"],
        ["张丽华", "三年级2班", "每周谈心", "谈心", "2026-11-19", "0"],
        ["张丽华", "三年级2班", "爱心妈妈谈心", "谈心", "2026-11-19", "0"],
    ]


def test_due_all_kinds_and_the_next_day(school_db):
    res = run("--user", "xiaozhang", "--db", school_db, "due", "--date", "2026-11-18")
    got = lines(res)
    assert all(len(row) == 6 for row in got)
    assert ["张小明", "三年级2班", "家长电话", "家长电话", "2026-11-24", "0"] in got
    assert ["张丽华", "三年级2班", "家长电话", "家长电话", "2026-11-30", "0"] not in got  # beyond this week
    assert not any(row[0] in ("王芳", "陈刚") or row[0].startswith("刘强") for row in got)
    # the day after: 张小明 is 1 day overdue
    got = lines(run("--user", "xiaozhang", "--db", school_db, "due", "--date", "2026-11-19", "--kind", "每周谈心"))
    assert ["张小明", "三年级2班", "每周谈心", "谈心", "2026-11-18", "1"] in got


def test_due_before_the_child_left(school_db):
    got = lines(run("--user", "xiaozhang", "due", "--db", school_db, "--date", "2026-11-17", "--kind", "谈心"))
    assert ["刘强 [b]", "五年级1班", "每周谈心", "谈心", "2026-09-08", "70"] in got
    assert not any(row[0] == "陈刚" for row in got)  # parents home since 11-16
    got = lines(run("--user", "xiaozhang", "due", "--db", school_db, "--date", "2026-11-15", "--kind", "谈心"))
    assert ["陈刚", "五年级1班", "每周谈心", "谈心", "2026-09-08", "68"] in got


def test_due_by_class(school_db):
    got = lines(run("--user", "xiaozhang", "due", "--db", school_db, "--date", "2026-11-18", "--class", "三年级2班"))
    assert got and {row[1] for row in got} == {"三年级2班"}


def test_due_mine_first(school_db):
    got = lines(run("--user", "zhaolaoshi", "due", "--db", school_db, "--date", "2026-11-18", "--kind", "谈心"))
    assert got[0][0] == "周红"
    got = lines(run("--user", "lilaoshi", "due", "--db", school_db, "--date", "2026-11-18", "--kind", "谈心"))
    assert [row[0] for row in got] == ["张小明", "张丽华", "张丽华"]  # a class teacher: their class only
    got = lines(run("--user", "wanglaoshi", "due", "--db", school_db, "--date", "2026-11-18", "--kind", "谈心"))
    assert [row[0] for row in got] == ["张丽华", "张丽华"]  # a teacher: the children paired with them


def test_due_without_a_staff_member_is_refused(school_db, tmp_path):
    assert_one_line_error(run("due", "--db", school_db, "--date", "2026-11-18"), "--user")
    assert_one_line_error(run("--user", "nobody", "due", "--db", school_db, "--date", "2026-11-18"), "nobody")
    # a database being set up, without any active staff login yet: its whole school (no 爱心妈妈 left)
    Staff.update(active=False).execute()
    got = lines(run("due", "--db", school_db, "--date", "2026-11-18", "--kind", "谈心"))
    assert [row[0] for row in got] == ["周红", "张小明", "张丽华"]


def test_nothing_due_prints_nothing(school_db):
    res = run("--user", "xiaozhang", "due", "--db", school_db, "--date", "2026-08-10")  # summer holiday
    assert res.returncode == 0 and res.stdout == "" and res.stderr == ""
    res = run("--user", "xiaozhang", "due", "--db", school_db, "--date", "2026-11-18", "--kind", "亲情书信")
    assert res.returncode == 0 and res.stdout == ""


@pytest.mark.parametrize("args, fragment", [
    (["--date", "2026-13-01"], "没有这一天"),
    (["--date", "18.11.2026"], "YYYY-MM-DD"),
    (["--date", "20261118"], "YYYY-MM-DD"),
    (["--kind", "聊天"], "没有这一类"),
    (["--class", "九年级9班"], "没有这个班级"),
    (["--frobnicate"], "参数错误"),
])
def test_bad_input_is_one_line_exit_2(school_db, args, fragment):
    assert_one_line_error(run("due", "--db", school_db, *args), fragment)


def test_bad_date_does_not_create_a_database(tmp_path):
    path = tmp_path / "none.db"
    assert_one_line_error(run("due", "--db", str(path), "--date", "tomorrow"), "YYYY-MM-DD")
    assert not path.exists()
