"""``guanai report-form`` and ``guanai report-register``: the 报告单 on one A4 portrait page at 100 %
and the term's 强制报告登记台账, for the reporter, the head and the counselor only; a refusal is one
line, exit 2, and no file. Also the 发现—报告—处置 counts of the handbook's summary."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from models import protection
from models import scope as access
from models.entities import AuditLog, Classroom, Contact, School, Staff
from tests.cli_inprocess import run_cli
from tests.conftest import add_child

pytestmark = pytest.mark.both_backends

GUANAI = str(Path(sys.executable).with_name("guanai"))
FACTS = "孩子说奶奶最近经常打他; 左臂有两处淤青, 他不敢回家"


def run_process(*args):
    """A real ``guanai`` process: the file's mode as the OS leaves it, the exit as a shell sees it."""
    return subprocess.run([GUANAI, *args], capture_output=True, text=True, env={**os.environ, "GUANAI_DB": ""},
                          timeout=60)


def run(*args, cwd=None):
    """The same command in this process (tests/cli_inprocess.py): exit code, output, files, log."""
    return run_cli(*args, env={**os.environ, "GUANAI_DB": ""}, cwd=cwd)


@pytest.fixture
def reported(db_path):
    s = School.create(name="测试小学")
    li = Staff.create(school=s, name="李老师", role="class_teacher", login="lilaoshi")
    Staff.create(school=s, name="潘校长", role="head", login="xiaozhang")
    Staff.create(school=s, name="管理员", role="admin", login="admin")
    Staff.create(school=s, name="雷老师", role="counselor", login="xinli")
    room = Classroom.create(school=s, grade=3, number=2, name="三年级2班", head_teacher=li)
    kid = add_child(s, room, "张小明")
    talk = Contact.create(child=kid, staff=li, kind="谈心", at=dt.datetime(2026, 11, 16, 10), content=FACTS)
    rid = protection.create_report(
        {"situations": ["家庭暴力", "非正常损伤"], "found_at": "2026-11-16 10:30", "facts": FACTS,
         "opinion": "疑似家庭暴力", "path": "公安", "police_at": "2026-11-16 11:00", "police_unit": "青山派出所",
         "receipt_no": "QS-2026-117", "outcome": "=HYPERLINK(\"x\")"},
        kid.id, viewer=access.viewer_for(li), contact_id=talk.id, now=dt.datetime(2026, 11, 16, 11, 5))
    return {"db": db_path, "id": rid, "school": s}


def test_the_report_form_is_one_a4_portrait_page(reported, tmp_path):
    out = tmp_path / "form.xlsx"
    res = run_process("--db", reported["db"], "--user", "lilaoshi", "report-form", str(reported["id"]), "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == f"已导出: {out}"
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    ws = load_workbook(out).active
    assert ws.title == "报告单"
    assert (ws.page_setup.paperSize, ws.page_setup.orientation) == (9, "portrait") and ws.page_setup.scale in (None, 100)
    assert not ws.sheet_properties.pageSetUpPr or not ws.sheet_properties.pageSetUpPr.fitToPage
    cells = {c.value for row in ws.iter_rows() for c in row if c.value is not None}
    text = " ".join(str(c) for c in cells)
    assert "侵害未成年人案件强制报告单" in text and "张小明" in cells and FACTS in cells and "疑似家庭暴力" in cells
    assert "[√] 家庭暴力" in text and "[√] 非正常损伤" in text and "[  ] 欺凌" in text
    assert "[√] 已向公安报告" in text and "青山派出所" in cells and "QS-2026-117" in cells
    assert '=HYPERLINK("x")' in cells  # user text is never a formula
    height = sum((ws.row_dimensions[r].height or 15) for r in range(1, ws.max_row + 1))
    assert height < 760  # A4 portrait less the margins, in points: one page
    rows = [r for r in AuditLog.select().where((AuditLog.table == "report") & (AuditLog.action == "export"))]
    assert len(rows) == 1 and FACTS not in rows[0].new


@pytest.mark.parametrize("user, message", [
    ("admin", "强制报告只有报告人、校长和心理咨询室教师可以查看"),
    ("nobody-here", "没有登录名为 nobody-here 的教职工"),
])
def test_who_may_not_print_it_gets_one_line_and_no_file(reported, tmp_path, user, message):
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "form.xlsx"
    res = run("--db", reported["db"], "--user", user, "report-form", str(reported["id"]), "-o", str(out))
    assert res.returncode == 2 and res.stdout == ""
    assert len(res.stderr.strip().splitlines()) == 1 and message in res.stderr
    assert list(folder.iterdir()) == []  # no file, no temporary one


@pytest.mark.parametrize("argv, message", [
    (["report-form", "x1"], "报告单编号应为数字"),
    (["report-form", "999"], "这份报告已不存在"),
    (["report-register", "--date", "2026-13-01"], "没有这一天"),
])
def test_bad_input_is_one_line(reported, tmp_path, argv, message):
    res = run("--db", reported["db"], "--user", "xiaozhang", *argv, "-o", str(tmp_path / "x.xlsx"))
    assert res.returncode == 2 and message in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_the_register_lists_the_term(reported, tmp_path):
    out = tmp_path / "register.xlsx"
    res = run("--db", reported["db"], "--user", "xinli", "report-register", "--date", "2026-12-01", "-o", str(out))
    assert res.returncode == 0, res.stderr
    ws = load_workbook(out).active
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.scale in (None, 100)
    assert "2026-2027学年秋季学期 强制报告登记台账" in ws.cell(1, 1).value
    row = [c.value for c in ws[4]]
    assert row[0] == 1 and row[2] == "张小明" and row[4] == "非正常损伤、家庭暴力" and row[11] == "李老师"
    assert row[7] == "青山派出所; QS-2026-117"
    res = run("--db", reported["db"], "--user", "lilaoshi", "report-register", "-o", str(tmp_path / "no.xlsx"))
    assert res.returncode == 2 and "强制报告登记台账只有校长和心理咨询室教师可以导出" in res.stderr


@pytest.mark.parametrize("output, made", [  # -o as `guanai export` takes it: a file, or a folder
    ("{tmp}/out", "out/{default}"),  # an existing folder: the default name in it
    ("{tmp}/out/", "out/{default}"),
    ("{tmp}/out/mine.xlsx", "out/mine.xlsx"),
    ("", "cwd/{default}"),  # no -o: the working folder
])
@pytest.mark.parametrize("argv, user, default", [
    (["report-form", "{id}"], "lilaoshi", "强制报告单_{id}.xlsx"),
    (["report-register", "--date", "2026-12-01"], "xinli", "强制报告登记台账_{term}.xlsx"),
])
def test_o_takes_a_file_or_a_folder(reported, tmp_path, argv, user, default, output, made):
    from models import terms

    for folder in ("out", "cwd"):
        (tmp_path / folder).mkdir()
    term = terms.term_at(dt.date(2026, 12, 1), school_id=reported["school"].id).label
    default = default.format(id=reported["id"], term=term)
    argv = [a.format(id=reported["id"]) for a in argv] + (["-o", output.format(tmp=tmp_path)] if output else [])
    res = run("--db", reported["db"], "--user", user, *argv, cwd=tmp_path / "cwd")
    assert res.returncode == 0, res.stderr
    path = tmp_path / made.format(default=default)
    assert res.stdout.strip() == f"已导出: {path}"
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.xlsx")) == [path.relative_to(tmp_path)]


@pytest.mark.parametrize("argv", [["report-form", "{id}"], ["report-register", "--date", "2026-12-01"]])
def test_o_a_folder_that_is_not_there_is_one_line(reported, tmp_path, argv):
    argv = [a.format(id=reported["id"]) for a in argv]
    res = run("--db", reported["db"], "--user", "xiaozhang", *argv, "-o", f"{tmp_path}/nowhere/")
    assert res.returncode == 2 and res.stdout == "" and "目录不存在" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and not (tmp_path / "nowhere").exists()


def test_the_handbook_summary_counts_found_reported_handled(reported):
    from models import handbook

    head = access.viewer_for(Staff.get(Staff.login == "xiaozhang"))
    s = handbook.summary(handbook.make_scope(reported["school"].id, "2026-11", viewer=head,
                                             today=dt.date(2026, 11, 30)))
    assert s.protection == {"发现": 1, "报告": 1, "处置": 0}
    teacher = access.viewer_for(Staff.get(Staff.login == "lilaoshi"))
    s = handbook.summary(handbook.make_scope(reported["school"].id, "2026-11", viewer=teacher,
                                             class_name="三年级2班", today=dt.date(2026, 11, 30)))
    assert s.protection is None  # a class's handbook does not tell that one of its children was reported
