"""Issue 14, rule by rule: header shape, the 学籍 and teachers' vocabularies, household members,
values (names, IDs, phones, work places, classes), ID recovery from the 全国学籍号, same name and
birth date with another ID, several sheets (the command line too), footers, and .xls files."""
from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path

import pytest

from models.entities import Child, Classroom
from models.scope import system_viewer
from models.validation import id_check_char
from tests import real_files as rf
from tests.cli_inprocess import run_cli  # the command-line checks: guanai in this process
from tui import importer
from tui.importer import DUPLICATE, ERROR, NEW, plan, read_table, run_import

pytestmark = pytest.mark.both_backends

TODAY = dt.date(2026, 11, 28)
ALL = system_viewer()


def ident(born: str, seq: str, area: str = "522623") -> str:
    body = area + born + seq
    return body + id_check_char(body)


def write(path: Path, rows, encoding="utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def planned(tiny_school, path, **kw):
    return plan(read_table(str(path)), school_id=tiny_school["school"].id, viewer=ALL, today=TODAY, **kw)


# --- the header ----------------------------------------------------------------------------

@pytest.mark.parametrize("row, shaped", [
    (["序号", "姓名", "性别", "出生日期", "身份证号"], True),
    (["姓名", "出生日期（如2016-03-05）", "联系电话(11位)"], True),  # hints in brackets are no data
    (["", "", "姓名", "联系电话", "务工地"], True),  # the lower row of a merged group header
    (["四年级名单", "班主任罗老师"], False),  # no column word
    (["学生信息", "", "家庭成员1"], True),  # the group row above a two-row header
    (["1", "王菊", "女", "住校", "父亲", "监护人"], False),  # a pupil whose cells read like column names
    (["王菊", "女", "四年级1班", "住校", "父亲"], False),  # no number at all: the sex and the class
    (["王菊", "522623201601010021", "住校", "父亲", "监护人"], False),
    (["填报单位: 城关小学", "填报时间: 2016年9月"], False),
    (["施秉县2016年农村留守儿童摸底排查花名册"], False),
    ([], False),
])
def test_a_header_row_is_judged_by_its_whole_shape(row, shaped):
    assert importer.header_shaped(row) is shaped


@pytest.mark.parametrize("rows, header_rows, keys", [
    ([["名单"], ["姓名", "性别", "住校", "关系"], ["王菊", "女", "住校", "父亲"]], (2, 2),
     ["name", "sex", "boarding", "guardian_relation"]),
    # the first pupil's row is not a second header row, though 父亲 and 住校 are column names
    ([["姓名", "身份证号", "住校", "父亲"], ["王菊", ident("20160101", "002"), "住校", "父亲"]], (1, 1),
     ["name", "id_number", "boarding", "father.name"]),
    # a CSV of a merged group: 父亲 in the first cell of its group only
    ([["姓名", "父亲", "", "监护人", ""], ["", "姓名", "联系电话", "姓名", "联系电话"]], (1, 2),
     ["name", "father.name", "father.phone", "guardian_name", "guardian_phone"]),
    ([["成员1姓名", "姓名", "成员1关系", "家庭成员2联系电话"], ["张三", "张小明", "父亲", "13800001111"]], (1, 1),
     ["member1.name", "name", "member1.relation", "member2.phone"]),
])
def test_header_found_and_rows_named(rows, header_rows, keys):
    first, last, headers, mapping = importer.find_header(rows)
    assert (first + 1, last + 1) == header_rows
    assert mapping[:len(keys)] == keys


def test_the_report_says_which_rows_are_the_header_and_a_chosen_row_is_used(tiny_school, tmp_path):
    rows = [["说明", "姓名", "性别"], ["学生姓名", "性别", "出生日期", "关系"], ["王菊", "女", "2016-01-01", "奶奶"]]
    path = write(tmp_path / "a.csv", rows)
    report = planned(tiny_school, path)
    assert report.header_rows == (1, 1)
    report = run_import(str(path), school_id=tiny_school["school"].id, staff_id=None, viewer=ALL, today=TODAY,
                        dry_run=True, header_row=2)
    assert report.header_rows == (2, 2) and report.count(NEW) == 1
    assert "表头在第2行" in importer.format_report(report)[0]


# --- vocabularies ----------------------------------------------------------------------------

@pytest.mark.parametrize("field, word, value", [
    ("left_behind_type", "双亲留守", "父母均外出"), ("left_behind_type", "父母外出", "父母均外出"),
    ("left_behind_type", "父母均在外务工", "父母均外出"), ("left_behind_type", "双亲留守儿童", "父母均外出"),
    ("health", "健康或良好", "健康"), ("health", "一般或较弱", "健康"), ("health", "有慢性病", "患病"),
    ("health", "残疾", "残疾"),
    *[("guardian_relation", w, "祖父母") for w in ("奶奶", "爷爷", "婆孙", "祖孙", "祖父", "祖母")],
    *[("guardian_relation", w, "外祖父母") for w in ("外公", "外婆", "外祖母")],
    *[("guardian_relation", w, "亲戚") for w in ("伯侄", "伯伯", "姑姑", "舅舅", "其他亲属")],
    *[("guardian_relation", w, "父亲") for w in ("父亲", "父子", "爸爸")],
    *[("guardian_relation", w, "母亲") for w in ("母亲", "母子", "妈妈")],
])
def test_vocabularies(field, word, value):
    assert importer.normalise_choice(field, word) == value


@pytest.mark.parametrize("cell, categories", [
    ("家庭贫困、残障", ["贫困", "残疾"]), ("建档立卡户/监护不当", ["贫困", "监护缺失或不当"]),
    ("特困户", ["贫困"]), ("低保家庭", ["贫困"]), ("残疾儿童", ["残疾"]), ("孤儿 事实无人抚养", ["孤儿", "事实无人抚养"]),
    ("无", []), ("留守户", ["留守户"]),  # not a category with 户 taken off either: the validator names it
])
def test_difficulty_words_as_schools_write_them(cell, categories):
    assert importer.normalise_multi("difficulty", cell) == categories


@pytest.mark.parametrize("word, reading", [
    ("非留守儿童", importer.NOT_LEFT_BEHIND), ("否", importer.NOT_LEFT_BEHIND),
    ("单亲留守儿童", "按父母外出情况判断"), ("单亲", "按父母外出情况判断"), ("√", "按父母外出情况判断"),
    ("是", "按父母外出情况判断"), ("双亲留守儿童", "父母均外出"), ("父亲外出", "父亲外出"),
    ("随便写的", "(无法识别: 该行会报错)"),
])
def test_left_behind_words_as_the_screen_shows_them(word, reading):
    assert importer.value_reading("is_left_behind", word) == reading


@pytest.mark.parametrize("header, key", [
    ("监护情况", "guardianship_grade"), ("监护类型", "guardianship_type"), ("就读方式", "boarding"),
    ("是否留守儿童", "is_left_behind"), ("全国学籍号", "student_no"), ("户口性质", importer.IGNORED),
    ("成员1是否监护人", "member1.guardian"), ("家庭成员2工作单位", "member2.work"), ("成员3身份证件号", "member3.id_number"),
])
def test_xueji_headers(header, key):
    assert importer.header_key(header) == key


def test_a_parent_is_a_valid_guardian_in_the_model():
    from models import rules
    from models.children import validate_child

    for relation in ("父亲", "母亲"):
        assert relation in rules.GUARDIAN_RELATIONS
        _, errors = validate_child({"name": "王菊", "sex": "女", "status": "在读", "guardian_relation": relation})
        assert "guardian_relation" not in errors


# --- values ----------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, name", [("王 菊", "王菊"), ("罗\u3000婷", "罗婷"), (" 李  小红 ", "李小红"),
                                       ("阿依古丽·买买提", "阿依古丽·买买提"), ("Anna  Li", "Anna Li")])
def test_names_lose_padding(raw, name):
    assert importer.person_name(raw) == name


@pytest.mark.parametrize("text, parsed", [("401班", (4, 1)), ("四1班", (4, 1)), ("4.1班", (4, 1)),
                                          ("四年级一班", (4, 1)), ("四年级(1)班", (4, 1)), ("612班", (6, 12)),
                                          ("41班", None)])
def test_class_spellings(text, parsed):
    assert importer.parse_class(text) == parsed


@pytest.mark.parametrize("work, address, home, expected", [
    ("东莞市长安镇电子厂", "", "贵州省", (True, "广东省东莞市")),
    ("", "浙江省温州市鹿城区", "贵州省", (True, "浙江省温州市")),
    ("务农", "贵州省黔东南州施秉县", "贵州省", (False, "")),
    ("在家", "", "", (False, "")),
    ("已故", "", "贵州省", (False, "")),
    ("贵阳市某公司", "", "贵州省", (False, "")),  # in the home province: not away
    ("", "", "贵州省", (False, "")),
])
def test_whether_a_household_member_is_away(work, address, home, expected):
    assert importer.values._away_from(work, address, home) == expected


@pytest.mark.parametrize("cell, parents", [
    ("温州市", {"work_city": "温州市", "work_province": "浙江省", "away": True}),
    ("务农", {"away": False}), ("在家", {"away": False}), ("本地", {"away": False}), ("离异", {"away": False}),
    ("已故", {"away": False}), ("不详", {"away": False}),
])
def test_a_work_place_column_says_away_or_not(tiny_school, tmp_path, cell, parents):
    rows = [["姓名", "性别", "出生日期", "留守类型", "父亲姓名", "父亲务工地"],
            ["王菊", "女", "2016-01-01", "其他", "王大山", cell]]
    report = planned(tiny_school, write(tmp_path / "a.csv", rows))
    (row,) = report.rows
    assert row.outcome == NEW, row.problems
    father = next(p for p in row.values["parents"] if p["relation"] == "父亲")
    assert {k: father[k] for k in parents} == parents
    assert ("父亲已故" in (row.values["notes"] or "")) is (cell == "已故")


def test_ids_with_spaces_and_phones_with_two_numbers(tiny_school, tmp_path):
    number = ident("20160305", "002")
    rows = [["姓名", "身份证号", "监护人", "联系电话"],
            ["王菊", f"{number[:6]} {number[6:14]} {number[14:]}", "王奶奶", "13800001111/13900002222"]]
    (row,) = planned(tiny_school, write(tmp_path / "a.csv", rows)).rows
    assert row.outcome == NEW, row.problems
    assert row.values["id_number"] == number and row.values["guardian_phone"] == "13800001111"
    assert "13900002222" in row.values["notes"]


# --- the 全国学籍号 recovers a cut ID ----------------------------------------------------------

@pytest.mark.parametrize("shown, student_no, recovered", [
    ("5.22623E+17", "G" + ident("20160305", "002"), True),
    (5.226232016030500e17, "G" + ident("20160305", "002"), True),
    ("5.11111E+17", "G" + ident("20160305", "002"), False),  # another number's digits
    ("5.22623E+17", "L" + "1" * 18, False),  # a temporary number holds no ID
    ("5.22623E+17", "G522623201603050000", False),  # no valid ID inside
    ("5.22623E+16", "G" + ident("20160305", "002"), False),  # not 18 digits
])
def test_id_recovered_from_the_student_number(shown, student_no, recovered):
    got = importer.values._id_from_student_no(student_no, shown, today=TODAY)
    assert (got == student_no[1:]) is recovered


def test_a_cut_id_without_a_student_number_is_refused_in_plain_words(tiny_school, tmp_path):
    rows = [["姓名", "身份证号", "全国学籍号"], ["王菊", "5.22623E+17", ""], ["李红", "5.22623E+17", "G" + ident("20160305", "002")]]
    report = planned(tiny_school, write(tmp_path / "a.csv", rows))
    refused, recovered = report.rows
    assert refused.outcome == ERROR and "被 Excel 存成了数字" in refused.problems[0][1]
    assert recovered.outcome == NEW and recovered.values["id_number"] == ident("20160305", "002")
    assert any("全国学籍号" in w for w in recovered.warnings)
    assert any("全国学籍号" in line for line in importer.format_report(report))


# --- same name and birth date, another ID --------------------------------------------------------

def test_same_name_and_birth_date_with_another_id_is_another_child(tiny_school, tmp_path):
    a, b = ident("20160305", "002"), ident("20160305", "004")
    rows = [["姓名", "身份证号", "出生日期"], ["王菊", a, "2016-03-05"], ["王菊", b, "2016-03-05"],
            ["王菊", a, "2016-03-05"], ["王菊", "", "2016-03-05"]]
    report = planned(tiny_school, write(tmp_path / "a.csv", rows))
    assert [r.outcome for r in report.rows] == [NEW, NEW, DUPLICATE, DUPLICATE]
    assert any("可能重复, 请核对" in w for w in report.rows[1].warnings)
    assert any("可能重复, 请核对" in line for line in importer.format_report(report))


@pytest.mark.parametrize("update", [False, True])
def test_an_existing_child_with_another_id_is_never_merged_or_updated(tiny_school, tmp_path, update):
    from tests.conftest import add_child

    c1 = tiny_school["classes"][0]
    old = add_child(tiny_school["school"], c1, "王菊", birth_date=dt.date(2016, 3, 5), id_number=ident("20160305", "002"),
                    guardian_phone="13800000000")
    rows = [["姓名", "身份证号", "出生日期", "监护人电话"], ["王菊", ident("20160305", "004"), "2016-03-05", "13911112222"]]
    report = planned(tiny_school, write(tmp_path / "a.csv", rows), update=update)
    (row,) = report.rows
    assert row.outcome == NEW and row.child_id is None
    assert any("可能重复, 请核对" in w and "三年级2班" in w for w in row.warnings)
    importer.apply(report, school_id=tiny_school["school"].id, staff_id=None, viewer=ALL)
    assert Child.get_by_id(old.id).guardian_phone == "13800000000"
    assert Child.select().where(Child.name == "王菊").count() == 2


# --- several sheets, footers, members, .xls ------------------------------------------------------

def test_footer_rows_are_skipped_not_refused(tiny_school, tmp_path):
    rows = [["姓名", "性别", "出生日期"], ["王菊", "女", "2016-01-01"], ["注: 出生日期按户口本填写"],
            ["填表人: 罗老师", "", "审核人: 潘校长"], ["合计", "", "1人"]]
    report = planned(tiny_school, write(tmp_path / "a.csv", rows))
    assert [r.name for r in report.rows] == ["王菊"]


def test_a_single_parent_left_behind_needs_to_know_which_parent(tiny_school, tmp_path):
    rows = [["姓名", "性别", "出生日期", "是否留守儿童", "父亲姓名", "父亲务工地", "母亲姓名", "母亲务工地"],
            ["王菊", "女", "2016-01-01", "单亲留守儿童", "王大山", "广东东莞", "李秀", "务农"],
            ["李红", "女", "2016-02-01", "单亲留守儿童", "李大山", "", "张秀", ""],
            ["赵刚", "男", "2016-03-01", "非留守儿童", "赵大山", "务农", "钱秀", "在家"]]
    report = planned(tiny_school, write(tmp_path / "a.csv", rows))
    one, unknown, home = report.rows
    assert one.outcome == NEW and one.values["left_behind_type"] == "父亲外出"
    assert unknown.outcome == ERROR and "看不出是父亲还是母亲外出" in unknown.problems[0][1]
    assert home.outcome == NEW and home.values["left_behind_type"] == ""


def test_member_blocks_by_relation_not_position(tiny_school, tmp_path):
    pupils = rf.make_pupils(5, 6, [(3, 2)])
    rows = rf.xueji_rows(pupils, seed=9)
    report = planned(tiny_school, write(tmp_path / "xj.csv", rows, encoding="gbk"))
    assert [r.outcome for r in report.rows] == [NEW] * 6, [r.problems for r in report.rows]
    for p, r in zip(pupils, report.rows):
        parents = {x["relation"]: x for x in r.values["parents"]}
        assert (parents["父亲"]["name"], parents["母亲"]["name"]) == (p.father.name, p.mother.name)
        assert (r.values["guardian_name"], r.values["guardian_relation"]) == (p.guardian_name, p.guardian_relation)
        assert r.values["guardian_id_number"] == p.guardian_id


def test_every_roster_sheet_on_the_command_line(tiny_school, tmp_path):
    pupils = rf.teacher_pupils(4, per_grade=3, grades=(3, 5))
    for p in pupils:  # the school's own classes: 三年级2班 and 五年级1班
        p.number = 2 if p.grade == 3 else 1
    path = rf.write_xlsx(tmp_path / "名单.xlsx", {
        "三年级": rf.teacher_rows([p for p in pupils if p.grade == 3], seed=1, cut_id=False),
        "空表": [], "说明": [["本表由班主任填写"]],
        "五年级": rf.teacher_rows([p for p in pupils if p.grade == 5], seed=2, cut_id=False)})
    from models.entities import Staff

    Staff.create(login="xiaozhang", school=tiny_school["school"], name="潘校长", role="head")
    env = {**os.environ, "GUANAI_DB": ""}
    res = run_cli("--db", tiny_school["path"], "--user", "xiaozhang", "import", str(path), "--dry-run", env=env)
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "工作表 “三年级”: 表头在第2行, 读取 3 行" in out and "工作表 “五年级”: 表头在第2行, 读取 3 行" in out
    assert "工作表 “空表”: 没有内容, 跳过" in out and "工作表 “说明”: 前30行找不到表头" in out
    assert "将导入 6," in out and "有错误 0" in out


def test_old_xls_files_are_read(tiny_school, tmp_path):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    ws = book.add_sheet("名册")
    rows = [["姓名", "性别", "出生日期", "身份证号", "班级"],
            ["王菊", "女", dt.date(2016, 3, 5), ident("20160305", "002"), "三年级2班"]]
    date = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            ws.write(r, c, v, date) if isinstance(v, dt.date) else ws.write(r, c, v)
    path = tmp_path / "名册.xls"
    book.save(str(path))
    report = planned(tiny_school, path)
    assert report.kind == "xls"
    (row,) = report.rows
    assert row.outcome == NEW and row.values["birth_date"] == dt.date(2016, 3, 5)
    assert Classroom.get_by_id(row.values["classroom"]).name == "三年级2班"


@pytest.mark.parametrize("args, fragment", [
    (["--header-row", "2"], "指定表头行时请同时指定工作表 (--sheet)"),
    (["--header-row", "99", "--sheet", "三年级"], "表头行 99 不在表中"),
    (["--sheet", "四年级"], "工作簿中没有工作表 “四年级”"),
])
def test_header_row_and_sheet_on_the_command_line(tiny_school, tmp_path, args, fragment):
    from models.entities import Staff

    Staff.create(login="xiaozhang", school=tiny_school["school"], name="潘校长", role="head")
    pupils = rf.make_pupils(2, 2, [(3, 2)])
    path = rf.write_xlsx(tmp_path / "名单.xlsx", {"三年级": rf.teacher_rows(pupils, seed=1), "空表": []})
    env = {**os.environ, "GUANAI_DB": ""}
    res = run_cli("--db", tiny_school["path"], "--user", "xiaozhang", "import", str(path), "--dry-run", *args, env=env)
    assert res.returncode == 2 and res.stdout == ""
    (line,) = res.stderr.strip().splitlines()
    assert fragment in line


def test_header_row_chosen_on_the_command_line(tiny_school, tmp_path):
    from models.entities import Staff

    Staff.create(login="xiaozhang", school=tiny_school["school"], name="潘校长", role="head")
    rows = [["说明", "姓名", "性别"], ["学生姓名", "性别", "出生日期", "班级"], ["王菊", "女", "2016-01-01", "三年级2班"]]
    path = write(tmp_path / "a.csv", rows)
    env = {**os.environ, "GUANAI_DB": ""}
    res = run_cli("--db", tiny_school["path"], "--user", "xiaozhang", "import", str(path), "--header-row", "2", env=env)
    assert res.returncode == 0, res.stderr
    assert "表头在第2行" in res.stdout and "导入 1," in res.stdout
    assert Child.get(Child.name == "王菊").classroom_id == tiny_school["classes"][0].id
