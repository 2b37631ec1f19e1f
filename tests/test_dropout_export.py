"""guanai dropout: the monthly 控辍保学 sheet (the paper 月报's columns, IDs masked unless an admin's
--unmask, written privately and audited) and a case's 书面报告 draft; refusals are one line, exit 2, no file."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from models import dropout
from models import scope as access
from models.entities import AuditLog, Classroom, School, Staff
from tests.cli_inprocess import run_cli
from tests.conftest import add_child

pytestmark = pytest.mark.both_backends

GUANAI = str(Path(sys.executable).with_name("guanai"))
ID = "510722201605010015"


def run_process(*args):
    """A real ``guanai`` process: the file's mode as the OS leaves it, the exit as a shell sees it."""
    return subprocess.run([GUANAI, *args], capture_output=True, text=True, env={**os.environ, "GUANAI_DB": ""},
                          timeout=60)


def run(*args):
    """The same command in this process (tests/cli_inprocess.py): exit code, output, files, log."""
    return run_cli(*args, env={**os.environ, "GUANAI_DB": ""})


@pytest.fixture
def cases(db_path):
    s = School.create(name="测试小学", township="青山镇")
    li = Staff.create(school=s, name="李老师", role="class_teacher", login="lilaoshi")
    Staff.create(school=s, name="潘校长", role="head", login="xiaozhang")
    Staff.create(school=s, name="管理员", role="admin", login="admin")
    Staff.create(school=s, name="赵老师", role="teacher", login="zhaolaoshi")
    room = Classroom.create(school=s, grade=3, number=2, name="三年级2班", head_teacher=li)
    kid = add_child(s, room, "=张小明", id_number=ID)
    v = access.viewer_for(li)
    case = dropout.mark_absent(kid.id, dt.date(2026, 11, 16), dt.date(2026, 11, 19), reason="无故缺课", viewer=v,
                               today=dt.date(2026, 11, 19)).opened
    for day in (20, 23, 24):
        dropout.add_attempt(case, {"day": dt.date(2026, 11, day), "method": "家访", "outcome": "无效", "cadre": "王村长"},
                            viewer=v, today=dt.date(2026, 11, 24))
    return {"db": db_path, "case": case}


def cells(path):
    ws = load_workbook(path).active
    return ws, [[c.value for c in row] for row in ws.iter_rows()]


def test_the_month_sheet_has_the_paper_columns_masked(cases, tmp_path):
    out = tmp_path / "m.xlsx"
    res = run_process("--db", cases["db"], "--user", "xiaozhang", "dropout", "--month", "2026-11", "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == f"已导出: {out}" and oct(out.stat().st_mode & 0o777) == "0o600"
    ws, rows = cells(out)
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert rows[2][:10] == ["序号", "姓名", "性别", "班级", "身份证号", "辍学/缺课起始日期", "原因", "劝返次数",
                            "劝返责任人", "状态"]
    line = rows[3]
    assert line[1] == "=张小明"  # user text, never a formula
    assert line[4] == "51***************5" and ID not in str(rows)
    assert line[6:8] == ["无故缺课", 3] and "李老师" in line[8] and "王村长" in line[8] and line[9] == "书面报告"
    assert any(r[0] == "三年级2班: 月末在案 1 人, 本月新增 1 人, 本月返校 0 人, 本月劝返 3 次" for r in rows)  # by class
    row = AuditLog.select().where((AuditLog.table == "dropout_case") & (AuditLog.action == "export")).get()
    assert "2026-11" in row.new and "张小明" not in row.new


def test_admin_unmasks_and_the_head_may_not(cases, tmp_path):
    res = run("--db", cases["db"], "--user", "admin", "dropout", "--month", "2026-11", "--unmask",
              "-o", str(tmp_path / "a.xlsx"))
    assert res.returncode == 0, res.stderr
    assert ID in str(cells(tmp_path / "a.xlsx")[1])
    res = run("--db", cases["db"], "--user", "xiaozhang", "dropout", "--month", "2026-11", "--unmask",
              "-o", str(tmp_path / "h.xlsx"))
    assert res.returncode == 2 and not (tmp_path / "h.xlsx").exists()


def test_the_written_report_draft(cases, tmp_path):
    out = tmp_path / "r.txt"
    res = run("--db", cases["db"], "--user", "lilaoshi", "dropout", "--report", str(cases["case"]), "-o", str(out))
    assert res.returncode == 0, res.stderr
    text = out.read_text(encoding="utf-8-sig")
    assert "青山镇人民政府" in text and "2026年11月16日" in text and "3 次劝返无效" in text and ID not in text


@pytest.mark.parametrize("argv, message", [
    (["--user", "zhaolaoshi", "dropout", "--month", "2026-11"], "控辍保学月报"),
    (["--user", "lilaoshi", "dropout", "--month", "2026-11"], "控辍保学月报"),  # her class needs --class
    (["--user", "xiaozhang", "dropout", "--month", "2026-13"], "月"),
    (["--user", "xiaozhang", "dropout", "--report", "x"], "案例编号应为数字"),
    (["--user", "xiaozhang", "dropout", "--report", "999"], "已不存在"),
    (["--user", "xiaozhang", "dropout", "--month", "2026-11", "--class", "九年级9班"], "没有这个班级"),
])
def test_refusals_are_one_line_and_no_file(cases, tmp_path, argv, message):
    folder = tmp_path / "out"
    folder.mkdir()
    res = run("--db", cases["db"], *argv, "-o", str(folder / "x.xlsx"))
    assert res.returncode == 2 and message in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert list(folder.iterdir()) == []


def test_the_class_teacher_exports_her_class(cases, tmp_path):
    out = tmp_path / "c.xlsx"
    res = run("--db", cases["db"], "--user", "lilaoshi", "dropout", "--month", "2026-11", "--class", "三年级2班",
              "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert cells(out)[1][3][1] == "=张小明"


@pytest.mark.parametrize("user, value, code, out", [
    ("xiaozhang", "", 0, "劝返无效 3 次后写书面报告"),
    ("xiaozhang", "2", 0, "劝返无效 2 次后写书面报告"),
    ("lilaoshi", "2", 2, "只有管理员或校长可以修改规则"),
    ("admin", "0", 2, "1 到 10"),
    ("admin", "x", 2, "1 到 10"),
])
def test_the_failed_attempts_setting(cases, user, value, code, out):
    res = run("--db", cases["db"], "--user", user, "dropout", "--attempts", *([value] if value else []))
    assert res.returncode == code and out in (res.stdout if code == 0 else res.stderr), res.stderr
    if code == 2:
        assert len(res.stderr.strip().splitlines()) == 1


def test_due_lists_the_case_duties(cases):
    res = run("--db", cases["db"], "--user", "lilaoshi", "due", "--date", "2026-11-20", "--kind", "缺课核实")
    assert res.returncode == 0, res.stderr
    assert res.stdout.split("\t")[:5] == ["=张小明", "三年级2班", "缺课核实", "家长电话", "2026-11-19"]


def test_output_may_be_a_folder(cases, tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    res = run("--db", cases["db"], "--user", "xiaozhang", "dropout", "--month", "2026-11", "-o", str(folder))
    assert res.returncode == 0, res.stderr
    res = run("--db", cases["db"], "--user", "xiaozhang", "dropout", "--report", str(cases["case"]), "-o", str(folder))
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["控辍保学月报_全校_2026-11.xlsx",
                                                       f"辍学书面报告_{cases['case']}.txt"]
