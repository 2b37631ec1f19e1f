"""工作手册检查: the monthly handbook workbook, read back with openpyxl.

``october`` builds October 2026 by hand; every number asserted below is worked out in the
comments from those rows, not from the code under test.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from models import duties, handbook
from models.entities import (
    Attendance, AuditLog, Classroom, Contact, Event, Pairing, Parent, School, Staff,
)
from tests.conftest import add_child
from tui import export
from tui.export import cells, streaming
from models.scope import system_viewer

pytestmark = pytest.mark.both_backends  # the model layer runs on SQLite and on PostgreSQL

ALL = system_viewer()  # the whole database: these tests are not about scope (tests/test_scope.py is)

GUANAI = str(Path(sys.executable).with_name("guanai"))
TODAY = dt.date(2026, 11, 28)
ID_A = "510722201605010018"
SNO_A = "G" + ID_A
PHONE_A = "13912345678"
FATHER_PHONE = "13577778888"
FORMULAS = ("=SUM(A1:A2)", "+86 爸爸在广东", "-再约时间", "@班主任 跟进")


def at(month: int, day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0)


def build_october() -> dict:
    """Two classes; the numbers of October 2026 (as of 10-31) are worked out in the tests."""
    s = School.create(name="测试小学", county="云岭县")
    li = Staff.create(school=s, name="李老师", role="class_teacher", sex="女", login="lilaoshi")
    zhao = Staff.create(school=s, name="赵老师", role="teacher", sex="男", login="zhaolaoshi")
    mama = Staff.create(school=s, name="王妈妈", role="volunteer", sex="女", login="wangmama")
    admin = Staff.create(school=s, name="管理员", role="admin", login="admin")
    head = Staff.create(school=s, name="潘校长", role="head", login="xiaozhang")
    c32 = Classroom.create(school=s, grade=3, number=2, name="三年级2班", head_teacher=li)
    c51 = Classroom.create(school=s, grade=5, number=1, name="五年级1班", head_teacher=zhao)

    a = add_child(s, c32, "张小明", student_no=SNO_A, id_number=ID_A, guardian_phone=PHONE_A)
    b = add_child(s, c32, "张丽华", sex="女", left_behind_type="父亲外出", hardship=True, talent="书法",
                  key_target=True, student_no="L123456789", id_number="510104201605010028")
    c = add_child(s, c51, "王芳", sex="女", guardian_phone="", student_no="L000000003")  # 档案 incomplete: no guardian phone
    add_child(s, c51, "刘强", left_behind_type="", guardian_name="")  # not left behind
    add_child(s, c51, "陈刚", status="转出", status_date=dt.date(2026, 10, 8))  # left before month end
    f = add_child(s, c32, "李四", left_behind_type="母亲外出", student_no="L000000006")  # both parents home since 10-20
    Parent.create(child=a, relation="父亲", name="张大山", phone=FATHER_PHONE, work_province="广东省",
                  work_city="东莞市")
    Parent.create(child=f, relation="父亲", name="李大", away=False, returned_on=dt.date(2026, 10, 20))
    Parent.create(child=f, relation="母亲", name="刘二", away=False, returned_on=dt.date(2026, 10, 20))

    Pairing.create(child=a, kind="帮扶教师", staff=li, started_on=dt.date(2026, 9, 1), plan_content="每周面批作业")
    Pairing.create(child=a, kind="爱心妈妈", staff=mama, started_on=dt.date(2026, 10, 16))
    Pairing.create(child=a, kind="学习帮手", buddy=b, started_on=dt.date(2026, 9, 1))
    Pairing.create(child=b, kind="党员干部", helper_name="村支书", started_on=dt.date(2026, 9, 1))
    Pairing.create(child=b, kind="帮扶教师", staff=zhao, started_on=dt.date(2026, 9, 1),
                   ended_on=dt.date(2026, 10, 10))  # ended: not in the sheet
    Pairing.create(child=c, kind="帮扶教师", staff=zhao, started_on=dt.date(2026, 9, 1))

    def contact(child, when, kind="谈心", by=li, reached=True, **kw):
        return Contact.create(child=child, staff=by, kind=kind, at=when, reached=reached,
                              content=kw.pop("content", f"{kind}记录"), **kw)

    # A: 谈心 by 李老师 on four Mondays, one with a formula-like content, one with a control character
    contact(a, at(10, 5), content=FORMULAS[0], callee="", effect=FORMULAS[2], follow_up=FORMULAS[3],
            follow_up_due=dt.date(2026, 11, 2), mood="开心")
    contact(a, at(10, 12), content="谈学习\x07计划")
    contact(a, at(10, 19))
    contact(a, at(10, 26))
    contact(a, at(10, 10), by=mama)  # before the 爱心妈妈 pairing began: not hers yet
    contact(a, at(10, 20), by=mama)
    contact(a, at(10, 10, 19), kind="家长电话", callee=FORMULAS[1], minutes=12)
    contact(a, at(10, 20, 19), kind="家长电话", reached=False, content="")  # unanswered
    contact(a, at(10, 28, 16), kind="家访", effect="奶奶很感谢", place="石门村3组")
    contact(b, at(10, 15), kind="心理辅导", by=mama)
    contact(a, at(9, 30))  # September and November: not in October's handbook
    contact(a, at(11, 2))

    ev = Event.create(school=s, title="监护人座谈会", kind="会议", start_date=dt.date(2026, 10, 23))
    Attendance.create(event=ev, child=a, on_date=dt.date(2026, 10, 23))
    Attendance.create(event=ev, child=b, on_date=dt.date(2026, 10, 23))
    weekly = Event.create(school=s, title="兴趣小组", kind="活动", start_date=dt.date(2026, 10, 5),
                          rrule="FREQ=WEEKLY;BYDAY=MO;UNTIL=20261026")
    Event.create(school=s, title="兴趣小组", kind="活动", start_date=dt.date(2026, 10, 12), series=weekly,
                 occurrence=dt.date(2026, 10, 12), cancelled=True)
    Event.create(school=s, title="兴趣小组 (改周二)", kind="活动", start_date=dt.date(2026, 10, 20), series=weekly,
                 occurrence=dt.date(2026, 10, 19))
    Attendance.create(event=weekly, child=a, on_date=dt.date(2026, 10, 5))
    return {"school": s, "staff": {"li": li, "zhao": zhao, "mama": mama, "admin": admin, "head": head},
            "classes": {"c32": c32, "c51": c51}, "kids": {"a": a, "b": b, "c": c, "f": f}}


@pytest.fixture
def october(db_path):
    data = build_october()
    data["path"] = db_path
    return data


def scope_of(data, class_name=None, month="2026-10"):
    return handbook.make_scope(data["school"].id, month, viewer=ALL, class_name=class_name, today=TODAY)


def run_process(*args, cwd=None):
    """A real ``guanai`` process, as a teacher's shell starts it."""
    env = {**os.environ, "GUANAI_DB": ""}
    return subprocess.run([GUANAI, *args], capture_output=True, text=True, env=env, timeout=90, cwd=cwd)


def run(*args, cwd=None):
    """The same command in this process (tests/cli_inprocess.py): exit code, output, files, log."""
    from tests.cli_inprocess import run_cli

    return run_cli(*args, env={**os.environ, "GUANAI_DB": ""}, cwd=cwd)


def assert_one_line_error(res, fragment):
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert fragment in lines[0], lines[0]
    assert res.stdout == ""


def data_rows(ws) -> list[tuple]:
    """The numbered rows under the header (row 3): 序号 is an int."""
    return [r for r in ws.iter_rows(min_row=4, values_only=True) if isinstance(r[0], int)]


def header(ws) -> list[str]:
    return [c.value for c in ws[3] if c.value is not None]


def col(ws, label: str) -> int:
    return header(ws).index(label)


def summary_rows(ws) -> list[tuple]:
    return [r for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)]


def summary_row(ws, first: str) -> tuple:
    return next(r for r in summary_rows(ws) if r[0] == first)


@pytest.fixture
def workbook(october, tmp_path):
    path = tmp_path / "hb.xlsx"
    result = export.export_handbook(scope_of(october), str(path), staff_id=october["staff"]["head"].id,
                                    staff_name="潘校长")
    assert result.path == str(path)
    return openpyxl.load_workbook(path), result


# --------------------------------------------------------------------------- the model's numbers


def test_summary_numbers_of_a_hand_built_month(october):
    s = handbook.summary(scope_of(october))
    # Registered on 10-31: 张小明 张丽华 王芳 (刘强 is not left behind, 陈刚 left on 10-08, 李四's parents
    # came home on 10-20: the return ended his 留守 status, as for the duties).
    assert s.children == 3
    assert s.by_type == {"父母均外出": 2, "父亲外出": 1, "母亲外出": 0, "一方外出另一方无监护能力": 0, "其他": 0}
    assert (s.hardship, s.talent, s.disability, s.key_target) == (1, 1, 0, 1)
    assert s.complete == 2 and s.filing_rate == 2 / 3  # 王芳 has no guardian phone
    assert {p.kind: (p.paired, p.subjects) for p in s.pairing} == {
        "帮扶教师": (2, 3), "爱心妈妈": (1, 3), "学习帮手": (1, 3), "党员干部": (1, 3)}
    lines = {d.rule_name: (d.subjects, d.required, d.done, d.overdue) for d in s.duty_lines}
    # Duty subjects on 10-31: 张小明 张丽华 王芳 (李四's parents are home).
    # 每周谈心: deadlines 10-06 13 20 27 each -> 12; 张小明 talked 6 times (capped at 4);
    #   overdue: 张丽华 and 王芳 (never talked this term); 张小明 is due 11-02.
    assert lines["每周谈心"] == (3, 12, 4, 2)
    # 家长电话: deadlines 10-13 10-27 -> 6; one reached call (the 10-20 one was unanswered);
    #   all three overdue (张小明's last call 10-10 -> due 10-24).
    assert lines["家长电话"] == (3, 6, 1, 3)
    # 爱心妈妈谈心: only 张小明, paired 10-16: deadlines 10-23 10-30; her 10-20 talk counts, the 10-10 one
    #   does not; due 10-27 -> overdue.
    assert lines["爱心妈妈谈心"] == (1, 2, 1, 1)
    # 家访 (per term, by the 帮扶教师): 张小明 (李老师, visited 10-28) and 王芳 (赵老师, not yet).
    assert lines["家访"] == (2, 2, 1, 0)
    # 心理辅导 (key targets, by month end): 张丽华, met on 10-15.
    assert lines["心理辅导"] == (1, 1, 1, 0)
    # Activities: 10-05, 10-20 (moved from 10-19), 10-23, 10-26; 10-12 was cancelled. 3 attendances.
    assert s.activities == 4 and s.attendance == 3
    assert [(w[0].day, w[1].day, w[2]) for w in s.weeks] == [(1, 4, 0), (5, 11, 2), (12, 18, 1), (19, 25, 2),
                                                           (26, 31, 1)]
    assert s.contacts == {"谈心": 6, "家长电话": 2, "家访": 1, "心理辅导": 1}
    assert s.pairings == 5
    # Open on 10-31 (overdue or due within a week): exactly `guanai due --date 2026-10-31`.
    assert s.open_duties == len(duties.open_duties(dt.date(2026, 10, 31), school_id=october["school"].id, viewer=ALL)) == 7


def test_the_screen_preview_keeps_its_figures_in_columns_whatever_the_rule_names(october):
    """An admin names the rules: 红色关注心理辅导 (16 cells) pushed its figures a column right, and a
    long name must not push them out of the box (76 cells) — it is cut, ending in ~."""
    import dataclasses

    from rich.cells import cell_len

    from screens.handbook import preview_text

    s = handbook.summary(handbook.make_scope(october["school"].id, "2026-10", viewer=ALL))
    line = s.duty_lines[0]
    names = ["谈心", "红色关注心理辅导", "给爸爸妈妈写一封信并寄出" * 3]
    lines = [dataclasses.replace(line, rule_name=n) for n in names]
    text = preview_text(dataclasses.replace(s, duty_lines=lines))
    rows = text.splitlines()
    header = next(r for r in rows if r.startswith("事项"))
    body = [r for r in rows if any(r.startswith(n[:4]) for n in names)]
    assert len(body) == 3 and all(cell_len(r) == cell_len(header) <= 76 for r in body)
    assert body[2].split()[0].endswith("~")


def test_duty_numbers_agree_with_the_due_list(october):
    """逾期人数 is the due list's 逾期 count per rule on the month's last day, class by class."""
    for room in october["classes"].values():
        s = handbook.summary(scope_of(october, room.name))
        due = duties.open_duties(dt.date(2026, 10, 31), classroom_id=room.id, viewer=ALL)
        for line in s.duty_lines:
            assert line.overdue == sum(1 for d in due if d.rule_name == line.rule_name and d.status == "逾期")


def test_class_scope_and_month_in_progress(october):
    s = handbook.summary(scope_of(october, "三年级2班"))
    assert s.scope.teacher == "李老师" and s.scope.teacher_label == "班主任"
    assert s.children == 2  # 张小明 张丽华 (李四's parents came home on 10-20)
    september = handbook.summary(scope_of(october, "三年级2班", month="2026-09"))
    assert september.children == 3  # on 09-30 李四's parents were still away
    november = scope_of(october, month="2026-11")
    assert november.as_of == TODAY and november.in_progress  # the month in progress: as of today
    with pytest.raises(handbook.HandbookError, match="还没有到"):
        scope_of(october, month="2026-12")
    with pytest.raises(handbook.HandbookError, match="没有这个班级"):
        scope_of(october, "九年级9班")
    august = handbook.summary(scope_of(october, month="2026-08"))
    assert all(d.required == 0 and d.overdue == 0 for d in august.duty_lines)  # summer holiday


# --------------------------------------------------------------------------- the workbook


def test_sheets_headers_and_row_counts(workbook, october):
    wb, result = workbook
    assert wb.sheetnames == list(export.SHEETS)
    assert all(len(n) <= 31 for n in wb.sheetnames)
    reg = wb["基本情况登记表"]
    assert header(reg)[:6] == ["序号", "姓名", "性别", "民族", "出生日期", "公民身份证号码"]
    for label in ("是否登记户口", "户籍所在地", "现居住地", "是否学校寄宿", "就学情况", "班级", "留守类型"):
        assert label in header(reg)
    assert [r[col(reg, "姓名")] for r in data_rows(reg)] == ["张丽华", "张小明", "王芳"]
    family = wb["登记表(家庭)"]
    for label in ("监护类型", "监护情况评估", "家庭收入来源", "享受救助情况", "父母双方同时外出"):
        assert label in header(family)
    assert [r[col(family, "姓名")] for r in data_rows(family)] == ["张丽华", "张小明", "王芳"]
    assert not {"档案缺项", "乘车", "三特生"} & set(header(reg) + header(family))  # the school's own columns
    assert len(data_rows(wb["结对帮扶表"])) == 5
    assert header(wb["谈心记录"])[:3] == ["序号", "时间", "学生姓名"]
    assert len(data_rows(wb["谈心记录"])) == Contact.select().where(
        Contact.kind.in_(["谈心", "心理辅导"]) & Contact.at.between(at(10, 1, 0), at(10, 31, 23))).count() == 7
    assert len(data_rows(wb["家长联系记录"])) == 2
    assert len(data_rows(wb["家访记录"])) == 1
    assert len(data_rows(wb["活动记录"])) == 4
    assert len(data_rows(wb["待办事项"])) == 7
    assert result.rows == {"汇总": 1, "基本情况登记表": 3, "登记表(家庭)": 3, "结对帮扶表": 5, "谈心记录": 7, "学业辅导记录": 0,
                           "家长联系记录": 2, "家访记录": 1, "活动记录": 4, "待办事项": 7, "校车": 0}
    for name in wb.sheetnames:
        ws = wb[name]
        assert "测试小学" in ws["A2"].value and "2026年10月" in ws["A2"].value  # school/class/month line
        assert "2026年10月" in ws["A1"].value  # title


def test_dates_are_real_dates_and_pairings_count_contacts(workbook):
    wb, _ = workbook
    talks = wb["谈心记录"]
    first = data_rows(talks)[0]
    assert first[col(talks, "时间")] == dt.datetime(2026, 10, 5, 9, 0)
    assert talks.cell(row=4, column=col(talks, "时间") + 1).is_date
    reg = wb["基本情况登记表"]
    assert reg.cell(row=4, column=col(reg, "出生日期") + 1).is_date
    pairs = {(r[1], r[3]): r for r in data_rows(wb["结对帮扶表"])}
    ws = wb["结对帮扶表"]
    # 李老师 with 张小明 in October: 4 talks, 1 reached call, 1 visit; 王妈妈: 2 talks.
    assert pairs[("张小明", "帮扶教师")][col(ws, "本月联系次数")] == 6
    assert pairs[("张小明", "爱心妈妈")][col(ws, "本月联系次数")] == 2
    assert pairs[("张小明", "学习帮手")][col(ws, "帮扶人")] == "张丽华"
    assert pairs[("张丽华", "党员干部")][col(ws, "帮扶人")] == "村支书"
    acts = wb["活动记录"]
    assert [(r[col(acts, "日期")].day, r[col(acts, "参与学生人数")]) for r in data_rows(acts)] == [
        (5, 1), (20, 0), (23, 2), (26, 0)]


def test_ids_and_phones_are_masked_text(workbook):
    wb, _ = workbook
    reg = wb["基本情况登记表"]
    row = next(r for r in data_rows(reg) if r[col(reg, "姓名")] == "张小明")
    assert row[col(reg, "公民身份证号码")] == "51***************8"
    family = wb["登记表(家庭)"]
    frow = next(r for r in data_rows(family) if r[col(family, "姓名")] == "张小明")
    father = frow[[h for h in header(family)].index(next(h for h in header(family) if h.startswith("父亲")))]
    assert father.split("\n") == ["张大山", "广东省东莞市", "135****8888"]
    guardian = frow[header(family).index(next(h for h in header(family) if h.startswith("委托监护人")))]
    assert "139****5678" in guardian.split("\n")
    r = 4 + [x[col(reg, "姓名")] for x in data_rows(reg)].index("张小明")
    cell = reg.cell(row=r, column=col(reg, "公民身份证号码") + 1)
    assert cell.number_format == "@" and cell.data_type == "s"
    visits = wb["家访记录"]
    cell = visits.cell(row=4, column=header(visits).index("监护人信息 (姓名 关系、联系方式)") + 1)
    assert cell.value.split("\n")[-1] == "139****5678" and cell.data_type == "s"
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for v in row:
                assert not (isinstance(v, str) and (ID_A in v or PHONE_A in v or FATHER_PHONE in v))


def test_unmasked_export_keeps_numbers_as_text(october, tmp_path):
    path = tmp_path / "full.xlsx"
    export.export_handbook(scope_of(october), str(path), unmask=True, staff_id=october["staff"]["admin"].id)
    reg = openpyxl.load_workbook(path)["基本情况登记表"]
    row = next(r for r in data_rows(reg) if r[col(reg, "姓名")] == "张小明")
    assert row[col(reg, "公民身份证号码")] == ID_A  # 18 digits, not 5.10722E+17
    r = 4 + [x[col(reg, "姓名")] for x in data_rows(reg)].index("张小明")
    assert reg.cell(row=r, column=col(reg, "公民身份证号码") + 1).data_type == "s"


def test_user_text_never_becomes_a_formula(workbook, tmp_path):
    wb, result = workbook
    values = {v for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)}
    for text in FORMULAS:
        assert any(v == text or v.startswith(text) for v in values), text
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    assert "谈学习计划" in values  # the control character is dropped, the text kept
    with zipfile.ZipFile(result.path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert b"<f>" not in z.read(name), name


def test_print_settings(workbook):
    wb, _ = workbook
    portrait = {"汇总", "待办事项"}
    for ws in wb.worksheets:
        ps = ws.page_setup
        assert ps.paperSize == 9, ws.title  # A4
        assert ps.orientation == ("portrait" if ws.title in portrait else "landscape"), ws.title
        fit = ws.sheet_properties.pageSetUpPr
        assert (fit is None or not fit.fitToPage) and ps.scale in (None, 100), ws.title  # 100 % (test_export_print)
        footer = ws.oddFooter.center.text
        assert "&P" in footer and "&N" in footer, ws.title
        if ws.title in ("汇总", "校车"):  # laid out by hand: the title rows repeat, its tables' headers vary
            assert ws.print_title_rows == "$1:$2"
            continue
        assert ws.print_title_rows == "$1:$3", ws.title  # title, scope and header on every page
        assert ws.freeze_panes == "A4", ws.title
        head = ws["B3"]
        assert head.font.bold and head.border.bottom.style, ws.title
        assert all(ws.column_dimensions[c].width > 2 for c in "ABC"), ws.title


def test_summary_sheet(workbook):
    wb, _ = workbook
    ws = wb["汇总"]
    assert summary_row(ws, "合计")[1] == 3
    assert summary_row(ws, "父母均外出")[1] == 2
    assert summary_row(ws, "特困")[:6] == ("特困", "特长", "残障", "重点帮扶对象", "档案齐全", "建档率")
    rows = summary_rows(ws)
    i = rows.index(summary_row(ws, "特困"))
    assert rows[i + 1][:6] == (1, 1, 0, 1, 2, pytest.approx(2 / 3))
    assert summary_row(ws, "帮扶教师")[1:4] == (2, 3, pytest.approx(2 / 3))
    assert summary_row(ws, "每周谈心")[3:8] == (3, 12, 4, 2, pytest.approx(4 / 12))
    assert summary_row(ws, "家访 (本学期)")[3:8] == (2, 2, 1, 0, 0.5)
    assert any("班主任签字" in str(r[0]) or "填表人签字" in str(r[0]) for r in rows)
    assert ws._charts, "the talks-per-week chart"
    weekly = [r for r in rows if isinstance(r[0], str) and "~" in r[0]]
    assert [r[1] for r in weekly] == [0, 2, 1, 2, 1]


def test_every_export_is_audited(workbook, october):
    _, result = workbook
    log = AuditLog.get(AuditLog.action == "export")
    assert log.staff_id == october["staff"]["head"].id and log.table == "handbook"
    new = json.loads(log.new)
    assert new["month"] == "2026-10" and new["class"] == "全校" and new["file"] == result.path
    assert new["unmask"] is False and new["rows"]["谈心记录"] == 7


def test_failure_leaves_nothing_behind(october, tmp_path, monkeypatch):
    def boom(*a, **kw):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(handbook, "contact_rows", boom)
    with pytest.raises(RuntimeError):
        export.export_handbook(scope_of(october), str(tmp_path / "x.xlsx"))
    assert set(os.listdir(tmp_path)) <= {"test.db", "test.db-wal", "test.db-shm"}  # no .xlsx, no .part
    assert not AuditLog.select().where(AuditLog.action == "export").exists()


# --------------------------------------------------------------------------- the streamed row writer

# Text that xlsxwriter escapes, marks xml:space="preserve", or writes raw, beside plain text.
ODD_TEXT = ["", "张小明", " ", "前面有空格", " 前", "后 ", "\u3000全角空格", "两行\n文字", "结尾换行\n", "制表\t符",
            "a & b", "b < c", "c > d", '"引号"', "<r>像富文本</r>", "_x0041_ 像转义", "x_xy", "响铃\x07", "\x00",
            "回车\r", "垂直\x0b制表", "换页\x0c符", "单元\x1f分隔", "非字符\ufffe",
            "\uffff", "=SUM(A1:A2)", "😀 表情", "\u2028分隔", "\u00a0不间断", "1e5"]


def xlsx_parts(path) -> dict[str, bytes]:
    """Every part of an xlsx file but its creation time."""
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def test_streamed_rows_are_xlsxwriter_s_own_xml(tmp_path):
    """tui.export.streaming.sheet_class writes a row's cells itself: the bytes must be xlsxwriter's, for every kind
    of cell and every text it escapes (the quick path takes the plain ones, xlsxwriter the rest)."""
    import xlsxwriter
    from xlsxwriter.worksheet import Worksheet

    def write(path, sheet_class) -> None:
        wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                             "strings_to_numbers": False, "strings_to_urls": False})
        box = wb.add_format({"border": 1, "text_wrap": True})
        day = wb.add_format({"border": 1, "num_format": "yyyy-mm-dd hh:mm"})
        bold = wb.add_format({"bold": True})
        ws = wb.add_worksheet("表", worksheet_class=sheet_class)
        ws.set_column(0, 0, 20)
        for r, text in enumerate(ODD_TEXT):
            if r % 3 == 0:
                ws.set_row(r, 30)
            ws.write_string(r, 0, text, box)
            ws.write_string(r, 1, text)  # no format
            ws.write_number(r, 2, r * 1.5 - 7, box)
            ws.write_number(r, 3, 10 ** r, box)
            ws.write_datetime(r, 4, dt.datetime(2026, 10, 5, 8, 30) + dt.timedelta(days=r, minutes=r), day)
            ws.write_datetime(r, 5, dt.date(1900, 1, 1) + dt.timedelta(days=30 * r), day)
            ws.write_blank(r, 6, None, box)
            ws.write_formula(r, 7, f"=C{r + 1}*2", box)
            ws.write_boolean(r, 8, r % 2 == 0, box)
            ws.write_rich_string(r, 9, "普通", bold, "加粗", box)
        ws.set_row(len(ODD_TEXT) + 2, 20)  # a row with a height and no cells
        ws.write_string(len(ODD_TEXT) + 4, 2, "最后一行", box)
        ws.write_string(len(ODD_TEXT) + 4, 70, "很宽", box)  # past the quick path's 64 columns
        wb.close()

    write(tmp_path / "stock.xlsx", Worksheet)
    write(tmp_path / "streamed.xlsx", streaming.sheet_class())
    assert xlsx_parts(tmp_path / "streamed.xlsx") == xlsx_parts(tmp_path / "stock.xlsx")


def test_handbook_is_the_same_with_xlsxwriter_s_own_row_writer(october, tmp_path, monkeypatch):
    """The whole workbook, byte for byte, with the quick row writer and with xlsxwriter's."""
    from xlsxwriter.worksheet import Worksheet

    Contact.create(child=october["kids"]["a"], staff=october["staff"]["li"], kind="谈心", at=at(10, 30),
                   reached=True, content=" 前后空格 & <尖括号>\n第二行 ", effect="_x0041_", mood="\u3000")
    now = dt.datetime(2026, 11, 1, 8, 0)
    export.write_workbook(str(tmp_path / "streamed.xlsx"), scope_of(october), now=now)
    monkeypatch.setattr(streaming, "sheet_class", lambda: Worksheet)
    export.write_workbook(str(tmp_path / "stock.xlsx"), scope_of(october), now=now)
    assert xlsx_parts(tmp_path / "streamed.xlsx") == xlsx_parts(tmp_path / "stock.xlsx")


def test_clean_keeps_lines_and_wide_spaces_and_drops_control_characters():
    assert cells.clean("第一行\n第二行\u3000完") == "第一行\n第二行\u3000完"
    assert cells.clean("a\tb\x07c\u202ed\u200de") == "a bcd\u200de"
    assert cells.clean(None) == "" and cells.clean(12) == "12"
    assert len(cells.clean("长" * 40000)) == cells.CELL_LIMIT


def test_default_file_name(october):
    assert export.default_filename(scope_of(october, "三年级2班")) == "留守儿童工作手册_三年级2班_2026-10.xlsx"
    assert export.default_filename(scope_of(october)) == "留守儿童工作手册_测试小学_2026-10.xlsx"


# --------------------------------------------------------------------------- the command


def files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_cli_export_class_with_default_name(october, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    res = run_process("--db", october["path"], "export", "--month", "2026-10", "--class", "三年级2班", "--user", "lilaoshi",
              cwd=out)
    assert res.returncode == 0, res.stderr
    assert files(out) == {"留守儿童工作手册_三年级2班_2026-10.xlsx"}
    assert "已导出" in res.stdout and "留守儿童 2 人" in res.stdout  # 李四's parents came home
    wb = openpyxl.load_workbook(out / "留守儿童工作手册_三年级2班_2026-10.xlsx")
    assert len(data_rows(wb["基本情况登记表"])) == 2
    assert any("班主任签字" in str(r[0]) for r in summary_rows(wb["汇总"]))
    assert "李老师" in wb["汇总"]["A2"].value
    # the sheet matches `guanai due` for the month's last day
    due = run("--db", october["path"], "--user", "lilaoshi", "due", "--date", "2026-10-31", "--class", "三年级2班")
    assert len(due.stdout.splitlines()) == len(data_rows(wb["待办事项"]))


def test_cli_bad_input_exits_2_and_writes_nothing(october, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    db = october["path"]
    target = out / "hb.xlsx"
    assert_one_line_error(run("--db", db, "export", "--month", "2026-13", "-o", str(target)), "2026-13")
    assert_one_line_error(run("--db", db, "export", "--month", "11/2026", "-o", str(target)), "YYYY-MM")
    assert_one_line_error(run("--db", db, "--user", "xiaozhang", "export", "--month", "2026-10", "--class", "九年级9班", "-o", str(target)),
                          "九年级9班")
    assert_one_line_error(run("--db", db, "--user", "xiaozhang", "export", "--month", "2026-10", "-o", str(tmp_path / "nope" / "x.xlsx")),
                          "目录不存在")
    (out / "a-file").write_text("x")
    assert_one_line_error(run("--db", db, "--user", "xiaozhang", "export", "--month", "2026-10", "-o", str(out / "a-file" / "x.xlsx")),
                          "目录不存在")
    if sys.platform.startswith("linux"):  # a folder nobody can create files in, even root
        assert_one_line_error(run("--db", db, "--user", "xiaozhang", "export", "--month", "2026-10", "-o", "/proc/hb.xlsx"), "/proc")
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            assert_one_line_error(run("--db", db, "--user", "xiaozhang", "export", "--month", "2026-10", "-o", str(locked / "x.xlsx")),
                                  "权限")
            assert files(locked) == set()
        finally:
            locked.chmod(0o700)
    assert_one_line_error(run("--db", db, "export", "--month", "2026-10", "--unmask", "--user", "lilaoshi",
                              "-o", str(target)), "管理员")
    assert files(out) == {"a-file"}
    assert not AuditLog.select().where(AuditLog.action == "export").exists()


def test_cli_existing_file_needs_force(october, tmp_path):
    target = tmp_path / "hb.xlsx"
    target.write_bytes(b"old")
    res = run("--db", october["path"], "--user", "xiaozhang", "export", "--month", "2026-10", "-o", str(target))
    assert_one_line_error(res, "--force")
    assert target.read_bytes() == b"old"
    res = run("--db", october["path"], "--user", "xiaozhang", "export", "--month", "2026-10", "-o", str(target), "--force")
    assert res.returncode == 0, res.stderr
    assert openpyxl.load_workbook(target).sheetnames[0] == "汇总"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_cli_unmask_for_admin_only_and_audited(october, tmp_path):
    target = tmp_path / "full.xlsx"
    res = run("--db", october["path"], "--user", "admin", "export", "--month", "2026-10", "--unmask", "-o",
              str(target))
    assert res.returncode == 0, res.stderr
    reg = openpyxl.load_workbook(target)["基本情况登记表"]
    assert ID_A in [r[col(reg, "公民身份证号码")] for r in data_rows(reg)]
    log = AuditLog.get(AuditLog.action == "export")
    assert log.staff_id == october["staff"]["admin"].id and json.loads(log.new)["unmask"] is True


# --------------------------------------------------------------------------- the screen


async def test_handbook_screen_exports_a_chosen_month(october, tmp_path, monkeypatch):
    from textual.widgets import Input, Select, Static

    from screens.handbook import HandbookScreen
    from tui.app import GuanaiApp
    from tui.context import Session

    monkeypatch.chdir(tmp_path)
    li = october["staff"]["li"]
    app = GuanaiApp(Session(target=october["path"], school_id=october["school"].id, staff_id=li.id,
                            staff_name=li.name, school_name="测试小学"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HandbookScreen)
        assert screen.query_one("#hb-class", Select).value == october["classes"]["c32"].id  # their own class
        await pilot.press("m")
        assert isinstance(app.focused, Input)
        await pilot.press(*"2026-10", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        preview = str(screen.query_one("#hb-preview", Static).content)
        assert "2026年10月" in preview and "留守儿童 2 人" in preview and "每周谈心" in preview
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        target = tmp_path / "留守儿童工作手册_三年级2班_2026-10.xlsx"
        assert target.exists()
        assert screen.last_result is not None and screen.last_result.path == str(target)
        assert str(target) in str(screen.query_one("#hb-result", Static).content).replace("\n", "")
        # again: the file exists, so the screen asks before overwriting; n keeps it
        before = target.stat().st_mtime_ns
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "覆盖" in str(app.screen.query_one(Static).content)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is screen and target.stat().st_mtime_ns == before
    assert openpyxl.load_workbook(target).sheetnames == list(export.SHEETS)
    assert AuditLog.select().where(AuditLog.action == "export").count() == 1


async def test_handbook_screen_unmask_for_the_admin(october, tmp_path, monkeypatch):
    from textual.widgets import Checkbox

    from tui.app import GuanaiApp
    from tui.context import Session

    monkeypatch.chdir(tmp_path)
    admin = october["staff"]["admin"]
    app = GuanaiApp(Session(target=october["path"], school_id=october["school"].id, staff_id=admin.id,
                            staff_name=admin.name, school_name="测试小学"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5", "m", *"2026-10", "enter")
        app.screen.query_one("#hb-unmask", Checkbox).value = True
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
    reg = openpyxl.load_workbook(tmp_path / "留守儿童工作手册_测试小学_2026-10.xlsx")["基本情况登记表"]
    assert ID_A in [r[col(reg, "公民身份证号码")] for r in data_rows(reg)]
    log = AuditLog.get(AuditLog.action == "export")
    assert log.staff_id == admin.id and json.loads(log.new)["unmask"] is True
    assert oct(os.stat(tmp_path / "留守儿童工作手册_测试小学_2026-10.xlsx").st_mode & 0o777) == "0o600"


async def test_handbook_screen_shows_a_bad_month(october, tmp_path, monkeypatch):
    from textual.widgets import Static

    from tui.app import GuanaiApp
    from tui.context import Session

    monkeypatch.chdir(tmp_path)
    head = october["staff"]["head"]
    app = GuanaiApp(Session(target=october["path"], school_id=october["school"].id, staff_id=head.id,
                            staff_name=head.name, school_name="测试小学"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        assert not app.screen.query("#hb-unmask")  # only an admin may unmask
        await pilot.press("m", *"2026-13", "enter")
        await pilot.pause()
        screen = app.screen
        assert "没有这个月份" in str(screen.query_one("#hb-preview", Static).content)
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "没有这个月份" in str(screen.query_one("#hb-result", Static).content)
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".xlsx"] == []


# --------------------------------------------------------------------------- PostgreSQL


def test_handbook_on_postgres(pg_server, tmp_path):
    from models import db as dbmod
    from models import schema

    url = pg_server.create_database("handbook_test")
    dbmod.open_database(url)
    try:
        schema.migrate()
        data = build_october()
        s = handbook.summary(scope_of(data))
        assert {d.rule_name: (d.subjects, d.required, d.done, d.overdue) for d in s.duty_lines}["每周谈心"] == (
            3, 12, 4, 2)
        assert [w[2] for w in s.weeks] == [0, 2, 1, 2, 1]
        result = export.export_handbook(scope_of(data), str(tmp_path / "pg.xlsx"))
        assert result.rows["谈心记录"] == 7 and result.rows["结对帮扶表"] == 5
    finally:
        dbmod.current().close()
