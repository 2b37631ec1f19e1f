"""guanai report: the pack as a workbook (six A4 sheets, IDs as text, written 0600, audited, a snapshot
kept); bad input and a role that may not have it are one line on stderr, exit 2, no file."""
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
from models.entities import AuditLog, Classroom, Parent, ReportSnapshot, School, Staff
from tests.cli_inprocess import run_cli
from tests.conftest import add_child

GUANAI = str(Path(sys.executable).with_name("guanai"))
ID = "510722201605010015"
SHEETS = ["汇总", "年龄段", "监护类型", "困境儿童", "控辍保学", "本期变动清单"]


def run(*args, cwd=None):
    return subprocess.run([GUANAI, *args], capture_output=True, text=True, env={**os.environ, "GUANAI_DB": ""},
                          timeout=60, cwd=cwd)


@pytest.fixture
def school(db_path):
    s = School.create(name="测试小学", county="云岭县", township="青山镇")
    li = Staff.create(school=s, name="李老师", role="class_teacher", login="lilaoshi")
    Staff.create(school=s, name="潘校长", role="head", login="xiaozhang")
    room = Classroom.create(school=s, grade=3, number=2, name="三年级2班", head_teacher=li)
    kid = add_child(s, room, "=张小明", id_number=ID, difficulty="贫困")
    for relation in ("父亲", "母亲"):
        Parent.create(child=kid, relation=relation, away=True, away_since=dt.date(2025, 3, 1))
    dropout.mark_absent(kid.id, dt.date(2026, 11, 16), dt.date(2026, 11, 19), reason="无故缺课",
                        viewer=access.viewer_for(li), today=dt.date(2026, 11, 19))
    return db_path


def test_the_pack_workbook(school, tmp_path):
    out = tmp_path / "pack.xlsx"
    res = run("--db", school, "--user", "xiaozhang", "report", "--month", "2026-11", "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[0] == f"已导出: {out}" and "民政口径 1 人, 教育统计口径 1 人" in res.stdout
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    wb = load_workbook(out)
    assert wb.sheetnames == SHEETS
    for ws in wb.worksheets:
        assert ws.page_setup.paperSize == 9 and ws.print_title_rows  # A4, title rows repeated
    summary = [[c.value for c in row] for row in wb["汇总"].iter_rows()]
    assert summary[2][:4] == ["序号", "学校", "在册学生", "民政口径\n留守儿童"]
    assert summary[3][:4] == [1, "测试小学", 1, 1]
    cases = wb["控辍保学"]
    header = [c.value for c in cases[3]]
    assert header[:5] == ["序号", "姓名", "性别", "班级", "身份证号"]
    number = cases.cell(4, 5)
    assert isinstance(number.value, str) and number.value.startswith("51") and "*" in number.value and ID not in number.value
    assert number.number_format == "@"  # an ID is text, never a number
    assert cases.cell(4, 2).value == "=张小明" and cases.cell(4, 2).data_type == "s"  # user text, not a formula
    changes = [[c.value for c in row] for row in wb["本期变动清单"].iter_rows(min_row=4)]
    assert changes[0][1:5] == ["三年级2班", "=张小明", "新增", "民政口径留守; 教育统计口径留守; 困境: 贫困; 控辍保学: 劝返中"]
    assert "首次生成" in wb["本期变动清单"].cell(2, 1).value
    from tui.context import open_db

    open_db(school, create=False)
    assert ReportSnapshot.select().count() == 1
    assert AuditLog.select().where((AuditLog.table == "report_snapshot") & (AuditLog.action == "export")).count() == 1


@pytest.mark.parametrize("args, message", [
    (("--month", "2026-13"), "没有这个月份"),
    (("--month", "2999-01"), "还没有到"),
    (("--term", "秋天"), "学期应写作"),
    (("--month", "2026-11", "--county"), "全县汇总只限县级账号"),
    (("--month", "2026-11", "--user", "lilaoshi"), "只有校长、管理员和县、乡镇账号可以生成报表"),
])
def test_refusals_are_one_line_and_write_nothing(school, tmp_path, args, message):
    user = () if "--user" in args else ("--user", "xiaozhang")
    out = tmp_path / "out"
    out.mkdir()
    res = run_cli("--db", school, *user, "report", *args, "-o", str(out) + "/", cwd=out,
                  env={**os.environ, "GUANAI_DB": ""})  # in this process (tests/cli_inprocess.py)
    assert res.returncode == 2 and res.stdout == ""
    assert len(res.stderr.strip().splitlines()) == 1 and message in res.stderr, res.stderr
    assert list(out.iterdir()) == []


async def test_the_handbook_screen_exports_the_pack(school, tmp_path, monkeypatch):
    """手册 (5), r: the month's pack of the head's school, into the folder; a class teacher has no such key."""
    from textual.widgets import Static

    from screens.handbook import HandbookScreen
    from tui.app import GuanaiApp
    from tui.context import Session

    monkeypatch.chdir(tmp_path)
    s = School.get()
    for login, has_key in (("lilaoshi", False), ("xiaozhang", True)):
        staff = Staff.get(Staff.login == login)
        app = GuanaiApp(Session(target=school, school_id=s.id, staff_id=staff.id, staff_name=staff.name,
                                school_name=s.name))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("5")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, HandbookScreen)
            assert screen.check_action("export_pack", ()) is has_key
            await pilot.press("m", *"2026-11", "enter")
            await app.workers.wait_for_complete()
            await pilot.press("r")
            await app.workers.wait_for_complete()
            await pilot.pause()
            target = tmp_path / "留守儿童统计报表_测试小学_2026-11.xlsx"
            assert target.exists() is has_key
            if has_key:
                said = str(screen.query_one("#hb-result", Static).content).replace("\n", "")
                assert "上报报表已保存到" in said and "民政口径 1 人" in said
                assert oct(target.stat().st_mode & 0o777) == "0o600"
    assert load_workbook(target).sheetnames == SHEETS
