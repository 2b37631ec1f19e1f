"""Roster import: real-world files built here (GBK/UTF-8 CSVs, an xlsx with a title row and a merged
header), validation per row, duplicates, --update, dry runs, the report, and bad input."""
from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from models import audit, children
from models import db as dbmod
from models.children import save_child
from models.entities import AuditLog, Child, Parent, Staff
from models.validation import id_check_char
from tui import importer
from tui.importer import (
    DUPLICATE, ERROR, NEW, UPDATE, ImportFileError, header_key, normalise_choice, parse_class, plan,
    read_table, run_import, split_work_place,
)
from models.scope import system_viewer
from tests.conftest import add_child

pytestmark = pytest.mark.both_backends  # the model layer runs on SQLite and on PostgreSQL

ALL = system_viewer()  # the whole database: these tests are not about scope (tests/test_scope.py is)

GUANAI = str(Path(sys.executable).with_name("guanai"))
TODAY = dt.date(2026, 11, 28)


def ident(area: str, born: str, seq: str) -> str:
    body = area + born + seq
    return body + id_check_char(body)


ID_HONG = ident("522623", "20160305", "002")
ID_GANG = ident("522623", "20150708", "003")
ID_MEI = ident("522623", "20170101", "004")
ID_LEI = ident("522623", "20151111", "005")

HEADER = ["序号", "学生姓名", "性别", "民族", "出生日期", "公民身份证号码", "年级班级", "家庭住址", "留守类型",
          "委托监护人姓名", "与儿童关系", "联系电话", "父亲外出务工地点", "母亲务工地"]
GOOD_ROWS = [
    ["1", "李小红", "女", "汉", "2016-03-05", ID_HONG, "三年级2班", "石门村3组", "父母双方外出", "李大爷", "爷爷",
     "13800001111", "广东省东莞市", "浙江义乌"],
    ["2", "赵小刚", "", "苗", "", ID_GANG, "3年2班", "石门村5组", "母亲外出", "赵外婆", "外婆", "13800003333", "",
     "福建厦门"],
    ["3", "孙小美", "女", "汉族", "2017年1月1日", ID_MEI, "五(1)班", "花果山", "父亲外出", "孙爷爷", "祖父",
     "138-0000-5555", "上海市浦东新区", ""],
]


def write_csv(path: Path, rows, encoding="utf-8", title=True):
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        if title:
            w.writerow(["云岭县测试小学留守儿童花名册（2026年秋季）"])
        w.writerows(rows)
    return path


def school_id(tiny_school):
    return tiny_school["school"].id


HEAD = "xiaozhang"


def head(tiny_school) -> str:
    """A head (校长) who imports for the whole school: the command runs as a staff member (models/scope.py)."""
    Staff.get_or_create(login=HEAD, defaults={"school": tiny_school["school"], "name": "潘校长", "role": "head"})
    return HEAD


def run_process(*args, cwd=None):
    """A real ``guanai`` process, as a teacher's shell starts it."""
    env = {**os.environ, "GUANAI_DB": ""}
    return subprocess.run([GUANAI, *args], capture_output=True, text=True, env=env, timeout=120, cwd=cwd)


def run(*args, cwd=None):
    """The same command in this process (tests/cli_inprocess.py): exit code, output, files, log."""
    from tests.cli_inprocess import run_cli

    return run_cli(*args, env={**os.environ, "GUANAI_DB": ""}, cwd=cwd)


def assert_exit_2(res, fragment):
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert fragment in lines[0], lines[0]


# --- the pieces ----------------------------------------------------------------------------

@pytest.mark.parametrize("header, key", [
    ("姓名", "name"), ("学生姓名", "name"), ("儿童姓名", "name"), ("身份证号", "id_number"),
    ("身份证号码", "id_number"), ("公民身份证号码", "id_number"), ("身份证号（18位）", "id_number"),
    ("监护人", "guardian_name"), ("委托监护人姓名", "guardian_name"), ("联系电话", "guardian_phone"),
    ("监护人电话", "guardian_phone"), ("班级", "classroom"), ("年级班级", "classroom"),
    ("父亲务工地", "father.work_place"), ("父亲外出务工地点", "father.work_place"),
    ("母亲\n当前务工地点", "mother.work_place"), ("父亲姓名", "father.name"), ("母亲联系电话", "mother.phone"),
    ("出生\n日期", "birth_date"), ("*性别", "sex"), ("与被监护人关系", "guardian_relation"),
    ("是否学校寄宿", "boarding"), ("留守类型", "left_behind_type"), ("学籍号", "student_no"),
    ("监护类型", "guardianship_type"), ("序号", importer.IGNORED), ("爱好特长说明书", None), ("", None),
])
def test_header_synonyms(header, key):
    assert header_key(header) == key


@pytest.mark.parametrize("field, word, value", [
    ("left_behind_type", "父母双方外出", "父母均外出"), ("left_behind_type", "父母均外出", "父母均外出"),
    ("left_behind_type", "双留守", "父母均外出"), ("left_behind_type", "父亲外出务工", "父亲外出"),
    ("left_behind_type", "父母一方外出、另一方无监护能力", "一方外出另一方无监护能力"),
    ("guardian_relation", "爷爷", "祖父母"), ("guardian_relation", "外婆", "外祖父母"),
    ("guardian_relation", "姑姑", "亲戚"), ("sex", "男性", "男"), ("guardianship_type", "较好", "监护情况较好"),
    ("status", "在校", "在读"), ("left_behind_type", "奇怪的类型", "奇怪的类型"),
])
def test_normalisation_tables(field, word, value):
    assert normalise_choice(field, word) == value


def test_normalisation_tables_only_give_the_forms_words():
    from models import rules

    vocab = {"sex": rules.SEXES, "left_behind_type": rules.LEFT_BEHIND_TYPES, "status": rules.STATUSES,
             "guardian_relation": rules.GUARDIAN_RELATIONS, "guardianship_type": rules.GUARDIANSHIP_TYPES,
             "guardianship_grade": rules.GUARDIANSHIP_GRADES, "health": rules.HEALTH_STATES,
             "schooling": rules.SCHOOLING, "guardian_education": rules.EDUCATION_LEVELS}
    assert set(vocab) == set(importer.CHOICE_TABLES)
    for field, table in importer.CHOICE_TABLES.items():
        assert set(table.values()) <= set(vocab[field]), field
    assert set(importer.INCOME_WORDS.values()) <= set(rules.INCOME_SOURCES)
    assert set(importer.AID_WORDS.values()) <= set(rules.AID_KINDS)


@pytest.mark.parametrize("place, expected", [
    ("广东省东莞市", ("广东省", "东莞市")), ("广东东莞", ("广东省", "东莞市")), ("东莞", ("广东省", "东莞市")),
    ("浙江省义乌市", ("浙江省", "义乌市")), ("上海市浦东新区", ("上海市", "浦东新区")),
    ("新疆乌鲁木齐市", ("新疆维吾尔自治区", "乌鲁木齐市")), ("广西南宁", ("广西壮族自治区", "南宁市")),
    ("湖南省湘西土家族苗族自治州吉首市", ("湖南省", "湘西土家族苗族自治州")), ("外省", ("", "外省")),
])
def test_work_place_split(place, expected):
    assert split_work_place(place) == expected


@pytest.mark.parametrize("name, expected", [
    ("三年级2班", (3, 2)), ("3年2班", (3, 2)), ("三(2)班", (3, 2)), ("三（2）班", (3, 2)), ("三年级二班", (3, 2)),
    ("3.2班", (3, 2)), ("3-2", (3, 2)), ("初一3班", (7, 3)), ("六年级十二班", (6, 12)), ("三班", None),
    ("", None),
])
def test_class_names(name, expected):
    assert parse_class(name) == expected


def test_number_cells_damaged_by_excel():
    assert importer.number_text(13800001111.0, "电话") == "13800001111"
    assert importer.number_text("13800001111.0", "电话") == "13800001111"
    assert importer.number_text('="510722201001011234"', "身份证号") == "510722201001011234"
    for damaged in (5.10722201001011e17, "5.10722E+17", "5.10722201001011E+17", "510722201001011234.0"):
        with pytest.raises(importer.Damaged, match="存成了数字"):
            importer.number_text(damaged, "身份证号")


# --- CSV files -----------------------------------------------------------------------------

@pytest.mark.parametrize("encoding, label", [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 (带BOM)"),
                                             ("gbk", "GBK/GB18030"), ("utf-16", "UTF-16")])
def test_csv_encodings_with_title_row(tiny_school, tmp_path, encoding, label):
    path = write_csv(tmp_path / "名册.csv", [HEADER, *GOOD_ROWS], encoding=encoding)
    table = read_table(str(path))
    assert table.encoding == label
    assert table.header_row == 2
    assert table.mapping[:3] == [importer.IGNORED, "name", "sex"]
    report = run_import(str(path), school_id=school_id(tiny_school), staff_id=None, today=TODAY, viewer=ALL)
    assert report.counts == {"read": 3, "imported": 3, "updated": 0, "duplicates": 0, "rejected": 0}, \
        [r.problems for r in report.rows]
    hong = Child.get(Child.id_number == ID_HONG)
    assert (hong.name, hong.sex, hong.ethnicity, hong.left_behind_type) == ("李小红", "女", "汉族", "父母均外出")
    assert (hong.guardian_relation, hong.name_initials, hong.classroom.name) == ("祖父母", "lxh", "三年级2班")
    parents = {p.relation: (p.work_province, p.work_city, p.away) for p in Parent.select().where(Parent.child == hong)}
    assert parents == {"父亲": ("广东省", "东莞市", True), "母亲": ("浙江省", "义乌市", True)}
    gang = Child.get(Child.id_number == ID_GANG)  # 性别 and 出生日期 from the ID number
    assert (gang.sex, gang.birth_date, gang.classroom.name) == ("男", dt.date(2015, 7, 8), "三年级2班")
    mei = Child.get(Child.id_number == ID_MEI)
    assert (mei.classroom.name, mei.guardian_phone, mei.birth_date) == ("五年级1班", "13800005555", dt.date(2017, 1, 1))
    # 母亲外出: the father listed in the file is at home
    assert {p.relation: p.away for p in Parent.select().where(Parent.child == gang)} == {"母亲": True}


def test_tab_separated_text_even_named_xls(tiny_school, tmp_path):
    path = tmp_path / "学籍系统导出.xls"  # what some systems export: GBK text with tabs
    path.write_bytes("\r\n".join("\t".join(r) for r in [HEADER, GOOD_ROWS[0]]).encode("gbk"))
    report = run_import(str(path), school_id=school_id(tiny_school), staff_id=None, today=TODAY, viewer=ALL)
    assert report.count(NEW) == 1


def test_mixed_good_and_bad_rows(tiny_school, tmp_path):
    bad = [
        ["4", "王[b]强[/b]", "男", "汉", "2016-05-06", ident("522623", "20160506", "007"), "三年级2班", "", "父亲外出",
         "王奶奶", "奶奶", "13800002222", "", ""],
        ["5", "钱\x1b[31m多", "男", "汉", "2016-01-01", "", "三年级2班", "", "", "", "", "", "", ""],
        ["6", "周一", "男", "汉", "2016-01-01", ID_LEI, "三年级2班", "", "", "", "", "", "", ""],  # ID says 2015-11-11
        ["7", "吴二", "男", "汉", "2016-02-02", "", "五年级9班", "", "", "", "", "", "", ""],
        ["8", "郑三", "男", "汉", "2016-02-03", "", "三年级2班", "", "", "", "", "12345", "", ""],
        ["9", "", "男", "汉", "2016-02-03", "", "三年级2班", "", "", "", "", "", "", ""],
        ["10", "冯四", "男", "汉", "2016年2月", "", "三年级2班", "", "", "", "", "", "", ""],
        ["11", "陈五", "男", "汉", "2016-02-03", "", "三年级2班", "", "外星", "", "", "", "", ""],
    ]
    path = write_csv(tmp_path / "mixed.csv", [HEADER, GOOD_ROWS[0], *bad, GOOD_ROWS[1]], encoding="gbk")
    before = Child.select().count()
    report = run_import(str(path), school_id=school_id(tiny_school), staff_id=tiny_school["staff"][0].id, today=TODAY, viewer=ALL)
    c = report.counts
    assert (c["read"], c["imported"], c["rejected"]) == (10, 2, 8)
    assert Child.select().count() == before + 2
    problems = {r.row: r.problems for r in report.rows if r.outcome == ERROR}
    assert problems[4] == [("学生姓名(B列)", "姓名中不能有字符 “[”")]
    assert problems[5] == [("学生姓名(B列)", "姓名中不能有字符 “[”")]  # the ESC itself is dropped on reading
    assert problems[6][0][0] == "公民身份证号码(F列)" and "不一致" in problems[6][0][1]
    assert problems[7] == [("年级班级(G列)", "没有这个班级: “五年级9班” (本校的班级: 三年级2班、五年级1班)")]
    assert problems[8][0][0] == "联系电话(L列)"
    assert problems[9] == [("学生姓名(B列)", "没有姓名")]
    assert "只写了年月" in problems[10][0][1]
    assert problems[11][0][0] == "留守类型(I列)" and "父母均外出" in problems[11][0][1]
    lines = importer.format_report(report)
    assert "第4行 王[b]强[/b] 学生姓名(B列): 姓名中不能有字符 “[”" in lines
    assert not any("\x1b" in line for line in lines)
    assert lines[-2] == "读取 10 行: 导入 2, 更新 0, 重复跳过 0, 有错误 8"
    created = AuditLog.select().where((AuditLog.table == "child") & (AuditLog.action == "create")).count()
    assert created == 2
    assert AuditLog.get(AuditLog.table == "import").staff_id == tiny_school["staff"][0].id


def test_float_damaged_id_column(tiny_school, tmp_path):
    rows = [HEADER, GOOD_ROWS[0][:5] + ["5.22623E+17"] + GOOD_ROWS[0][6:],
            GOOD_ROWS[1][:5] + [ID_GANG[:15] + "000"] + GOOD_ROWS[1][6:], GOOD_ROWS[2]]
    path = write_csv(tmp_path / "float.csv", rows, encoding="gbk")
    report = run_import(str(path), school_id=school_id(tiny_school), staff_id=None, today=TODAY, viewer=ALL)
    assert report.counts["imported"] == 1 and report.counts["rejected"] == 2
    errs = {r.row: r.problems for r in report.rows if r.outcome == ERROR}
    assert errs[3][0][0] == "公民身份证号码(F列)" and "存成了数字 (5.22623E+17)" in errs[3][0][1]
    assert errs[4][0][0] == "性别(C列)" and errs[4][0][1] == "请填写性别"
    assert [c for c, _ in errs[4]] == ["性别(C列)", "出生日期(E列)", "公民身份证号码(F列)"]
    assert "末尾是000" in errs[4][2][1]


def test_dry_run_writes_nothing_and_reports_the_same(tiny_school, tmp_path):
    path = write_csv(tmp_path / "名册.csv", [HEADER, *GOOD_ROWS, GOOD_ROWS[0]], encoding="gbk")
    kids, logs = Child.select().count(), AuditLog.select().count()
    dry = run_import(str(path), school_id=school_id(tiny_school), staff_id=None, dry_run=True, today=TODAY, viewer=ALL)
    assert (Child.select().count(), AuditLog.select().count()) == (kids, logs)
    assert dry.counts == {"read": 4, "imported": 3, "updated": 0, "duplicates": 1, "rejected": 0}
    assert "将导入 3" in dry.summary() and "试导入" in importer.format_report(dry)[-2]
    real = run_import(str(path), school_id=school_id(tiny_school), staff_id=None, today=TODAY, viewer=ALL)
    assert real.counts == dry.counts
    assert [(r.row, r.outcome) for r in real.rows] == [(r.row, r.outcome) for r in dry.rows]
    assert Child.select().count() == kids + 3
    assert [r.note for r in real.rows if r.outcome == DUPLICATE] == ["与第3行是同一个孩子 (身份证号相同)"]


def test_second_run_adds_nothing(tiny_school, tmp_path):
    path = write_csv(tmp_path / "名册.csv", [HEADER, *GOOD_ROWS], encoding="gbk")
    first = run_import(str(path), school_id=school_id(tiny_school), staff_id=None, today=TODAY, viewer=ALL)
    assert first.count(NEW) == 3
    kids, logs = Child.select().count(), AuditLog.select().count()
    second = run_import(str(path), school_id=school_id(tiny_school), staff_id=None, today=TODAY, viewer=ALL)
    assert second.counts == {"read": 3, "imported": 0, "updated": 0, "duplicates": 3, "rejected": 0}
    assert not second.nothing_importable
    assert (Child.select().count(), AuditLog.select().count()) == (kids, logs)
    third = run_import(str(path), school_id=school_id(tiny_school), staff_id=None, update=True, today=TODAY, viewer=ALL)
    assert third.counts["duplicates"] == 3 and third.count(UPDATE) == 0  # nothing changed: nothing to update
    assert "没有变化" in third.rows[0].note


def test_existing_child_skipped_or_merged_with_update(tiny_school, tmp_path):
    ming = tiny_school["kids"]["张小明"]
    header = ["姓名", "学籍号", "出生日期", "监护人电话", "父亲务工地", "特长"]
    rows = [header, ["张小明", "L123456789012345678", "2016-05-01", "13911112222", "浙江省宁波市", ""],
            ["张丽华", "", "2016-05-01", "", "", "唱歌"]]  # same name + birth date
    path = write_csv(tmp_path / "update.csv", rows, title=False)
    skipped = run_import(str(path), school_id=school_id(tiny_school), staff_id=None, today=TODAY, viewer=ALL)
    assert skipped.counts["duplicates"] == 2 and skipped.counts["updated"] == 0
    assert "学籍号相同" in skipped.rows[0].note and "姓名和出生日期相同" in skipped.rows[1].note
    staff = tiny_school["staff"][0]
    merged = run_import(str(path), school_id=school_id(tiny_school), staff_id=staff.id, update=True, today=TODAY, viewer=ALL)
    assert merged.counts["updated"] == 2, [r.problems for r in merged.rows]
    assert merged.rows[0].changes == ["监护人电话 139****5678 → 139****2222", "父亲务工省份 广东省 → 浙江省",
                                      "父亲务工城市 东莞市 → 宁波市"]
    ming = Child.get_by_id(ming.id)
    assert ming.guardian_phone == "13911112222" and ming.guardian_name == "王秀英"  # empty cells erase nothing
    assert Parent.get(Parent.child == ming).work_city == "宁波市"
    assert Child.get_by_id(tiny_school["kids"]["张丽华"].id).talent == "唱歌"
    log = AuditLog.select().where((AuditLog.row_id == ming.id) & (AuditLog.action == "update")).get()
    assert '"guardian_phone": "13911112222"' in log.new and log.staff_id == staff.id
    again = run_import(str(path), school_id=school_id(tiny_school), staff_id=None, update=True, today=TODAY, viewer=ALL)
    assert again.counts["updated"] == 0 and again.counts["duplicates"] == 2


def test_class_option_for_files_without_a_class_column(tiny_school, tmp_path):
    path = write_csv(tmp_path / "class.csv", [["姓名", "性别", "出生日期"], ["新同学", "男", "2016-09-01"]], title=False)
    sid = school_id(tiny_school)
    table = read_table(str(path))
    report = plan(table, school_id=sid, viewer=ALL, today=TODAY)
    assert any("没有班级列" in n for n in report.notes)
    with pytest.raises(ImportFileError, match="没有这个班级: 九年级1班"):
        plan(table, school_id=sid, viewer=ALL, class_name="九年级1班", today=TODAY)
    run_import(str(path), school_id=sid, staff_id=None, class_name="三(2)班", today=TODAY, viewer=ALL)
    assert Child.get(Child.name == "新同学").classroom.name == "三年级2班"
    assert importer.suggest_class(table, sid) is None
    named = write_csv(tmp_path / "五(1)班名单.csv", [["姓名", "性别"], ["甲", "男"]], title=False)
    assert importer.suggest_class(read_table(str(named)), sid) == tiny_school["classes"][1].id


def test_class_banner_rows_head_the_rows_below(tiny_school, tmp_path):
    rows = [["姓名", "性别", "出生日期"], ["三年级2班", "", ""], ["甲一", "男", "2016-09-01"],
            ["五年级一班", "五年级一班", "五年级一班"], ["乙二", "女", "2016-10-01"]]
    path = write_csv(tmp_path / "sections.csv", rows, title=False)
    report = run_import(str(path), school_id=school_id(tiny_school), staff_id=None, today=TODAY, viewer=ALL)
    assert report.counts["read"] == 2 and report.counts["imported"] == 2
    assert Child.get(Child.name == "甲一").classroom.name == "三年级2班"
    assert Child.get(Child.name == "乙二").classroom.name == "五年级1班"


@pytest.mark.parametrize("failing", ["bulk create", "update"])
def test_a_failure_while_saving_rolls_everything_back(tiny_school, tmp_path, monkeypatch, failing):
    """New rows are written in bulk, updates one by one: whichever fails, nothing stays."""
    header = ["姓名", "学籍号", "出生日期", "身份证号", "监护人电话", "父亲务工地"]
    rows = [header, ["张小明", "L123456789012345678", "2016-05-01", "", "13911112222", "浙江省宁波市"],
            *([g[1], "", g[4], g[5], g[11], g[12]] for g in GOOD_ROWS)]
    path = write_csv(tmp_path / "名册.csv", rows, title=False)
    report = plan(read_table(str(path)), school_id=school_id(tiny_school), viewer=ALL, update=True, today=TODAY)
    assert (report.count(NEW), report.count(UPDATE)) == (3, 1), [r.problems for r in report.rows]

    def boom(*args, **kw):
        raise RuntimeError("disk full")

    if failing == "bulk create":  # after the children and parents went in
        monkeypatch.setattr(audit, "record_many", boom)
    else:  # after the new rows went in
        monkeypatch.setattr(importer.applying, "save_child", boom)
    before = Child.select().count(), Parent.select().count(), AuditLog.select().count()
    with pytest.raises(RuntimeError):
        importer.apply(report, school_id=school_id(tiny_school), staff_id=None, viewer=ALL)
    assert (Child.select().count(), Parent.select().count(), AuditLog.select().count()) == before
    assert Child.get(Child.name == "张小明").guardian_phone == "13912345678"


# --- many rows: new children are written in bulk -------------------------------------------

MANY_HEADER = [*HEADER, "学籍号"]
GIVEN = "明红华伟芳军丽强静磊洋艳勇娟杰涛敏超秀霞平刚桂英"
PLACES = ["广东省东莞市", "浙江义乌", "", "上海市浦东新区", "", "在家", "福建厦门"]
KINDS = ["父母双方外出", "父亲外出", "母亲外出", "双留守", ""]


def many_rows(n: int) -> list[list[str]]:
    """``n`` valid, different children: classes, parents (away, at home, none) and numbers vary."""
    rows = []
    for i in range(n):
        born = dt.date(2012, 1, 1) + dt.timedelta(days=(i * 7) % 3000)
        seq = f"{i % 1000:03d}"
        id_number = ident(f"52{i // 1000 % 10}623", born.strftime("%Y%m%d"), seq)
        sex = "男" if int(seq[-1]) % 2 else "女"
        name = "李王张刘陈杨"[i % 6] + GIVEN[i % len(GIVEN)] + GIVEN[(i // len(GIVEN)) % len(GIVEN)]
        student_no = f"L{i:018d}" if i % 3 else ""
        rows.append([str(i + 1), name, sex, "汉", born.isoformat(), id_number if i % 5 else "",
                     ["三年级2班", "五年级1班", ""][i % 3], f"石门村{i % 9}组", KINDS[i % len(KINDS)],
                     f"王{GIVEN[i % 7]}英" if i % 4 else "", "奶奶" if i % 4 else "", f"138{i:08d}" if i % 2 else "",
                     PLACES[i % len(PLACES)], PLACES[(i + 3) % len(PLACES)], student_no])
    return rows


def planned(tiny_school, tmp_path, n: int):
    path = write_csv(tmp_path / "全校名册.csv", [MANY_HEADER, *many_rows(n)])
    report = plan(read_table(str(path)), school_id=school_id(tiny_school), viewer=ALL, today=TODAY)
    assert report.count(NEW) == n, [(r.row, r.problems, r.note) for r in report.rows if r.outcome != NEW][:5]
    return report


def stored(child_id: int) -> dict:
    """A child as saved, without what differs between two saves of the same values (id, time)."""
    child = Child.select().where(Child.id == child_id).dicts().get()
    parents = sorted(({k: v for k, v in p.items() if k not in ("id", "child")}
                      for p in Parent.select().where(Parent.child == child_id).dicts()), key=lambda p: p["relation"])
    logs = list(AuditLog.select().where((AuditLog.table == "child") & (AuditLog.row_id == child_id)).dicts())
    assert child["created_at"] == child["updated_at"] and [log["at"] for log in logs] == [child["created_at"]]
    for k in ("id", "created_at", "updated_at"):
        child.pop(k)
    return {"child": child, "parents": parents,
            "audit": [(log["action"], log["staff"], log["old"], json.loads(log["new"]), log["source"]) for log in logs]}


class Undo(Exception):
    pass


def saved_one_by_one(rows, school: int, staff_id: int) -> dict[int, dict]:
    """What ``save_child`` stores for these rows (then rolled back): the bulk path must store the same."""
    expected = {}
    for r in rows:
        try:
            with dbmod.write():
                child_id = save_child(r.values, child_id=None, school_id=school, staff_id=staff_id, viewer=ALL)
                expected[r.row] = stored(child_id)
                raise Undo
        except Undo:
            pass
    return expected


def test_many_new_rows_are_stored_as_save_child_stores_them(tiny_school, tmp_path):
    staff = tiny_school["staff"][0]
    report = planned(tiny_school, tmp_path, 1200)  # crosses children.BULK_ROWS twice
    samples = [report.rows[i] for i in (0, 1, 2, 3, 4, 5, 499, 500, 501, 1000, 1199)]
    expected = saved_one_by_one(samples, school_id(tiny_school), staff.id)
    assert {len(e["parents"]) for e in expected.values()} == {0, 1, 2}
    assert {p["away"] for e in expected.values() for p in e["parents"]} == {True, False}
    before = Child.select().count(), Parent.select().count()
    importer.apply(report, school_id=school_id(tiny_school), staff_id=staff.id, viewer=ALL)
    assert report.counts["imported"] == 1200 and report.applied
    for r in samples:
        assert stored(r.child_id) == expected[r.row], r.row
    ids = [r.child_id for r in report.rows]
    assert len(set(ids)) == 1200 and Child.select().count() == before[0] + 1200
    parents = sum(1 for r in report.rows for p in r.values["parents"]
                  if any(p.get(f) for f in ("name", "phone", "work_province", "work_city", "home_visits")))
    assert parents > 600 and Parent.select().count() == before[1] + parents
    # every child has its own audit row: the ids were matched to the right rows
    logs = {log.row_id: json.loads(log.new) for log in
            AuditLog.select().where((AuditLog.table == "child") & (AuditLog.action == "create"))}
    by_id = {c.id: c for c in Child.select().where(Child.id.in_(ids))}
    for r in report.rows:
        child, log = by_id[r.child_id], logs[r.child_id]
        assert (child.name, child.id_number, child.student_no) == (r.values["name"], r.values["id_number"],
                                                                  r.values["student_no"])
        assert (log["name"], log.get("id_number"), log.get("student_no")) == (child.name, child.id_number,
                                                                               child.student_no)
        assert child.name_pinyin and child.name_initials and child.updated_by_id == staff.id
    for p in Parent.select().where(Parent.child.in_(ids)):
        assert logs[p.child_id].get(f"{p.relation}.work_city", "") == p.work_city
    assert AuditLog.select().where(AuditLog.table == "import").count() == 1


@pytest.mark.parametrize("how", ["saved meanwhile", "same 学籍号 meanwhile", "twice in the import",
                                 "not foreseen"])
def test_a_number_taken_refuses_only_its_row(tiny_school, tmp_path, monkeypatch, how):
    report = planned(tiny_school, tmp_path, 600)
    victim = report.rows[551]  # in the second chunk
    message = "身份证号刚被登记给另一个孩子，请核对"
    if how == "saved meanwhile":  # someone saves the number between the check and the import
        add_child(tiny_school["school"], None, "别人", id_number=victim.values["id_number"])
    elif how == "same 学籍号 meanwhile":
        victim = report.rows[550]
        add_child(tiny_school["school"], None, "别人", student_no=victim.values["student_no"])
        message = "学籍号刚被登记给另一个孩子，请核对"
    elif how == "twice in the import":  # only a report put together by hand can hold this
        victim.values["id_number"] = report.rows[521].values["id_number"]
    else:  # the database refuses what the check before the INSERTs did not see (PostgreSQL, a race)
        add_child(tiny_school["school"], None, "别人", id_number=victim.values["id_number"])
        monkeypatch.setattr(children, "_taken_numbers", lambda rows: [None] * len(rows))
    one_by_one = []
    real_save = children.save_child
    monkeypatch.setattr(children, "save_child", lambda values, **kw: one_by_one.append(1) or real_save(values, **kw))
    kids, logs = Child.select().count(), AuditLog.select().count()
    importer.apply(report, school_id=school_id(tiny_school), staff_id=None, viewer=ALL)
    # only the chunk the database refused is redone, row by row, by save_child
    assert len(one_by_one) == (100 if how == "not foreseen" else 0)
    assert report.counts["imported"] == 599 and report.counts["rejected"] == 1
    assert (victim.outcome, victim.problems, victim.child_id) == (ERROR, [("", message)], None)
    assert Child.select().count() == kids + 599
    assert AuditLog.select().count() == logs + 599 + 1  # and the import's own row
    assert not Child.select().where((Child.name == victim.name) & (Child.birth_date == victim.values["birth_date"])
                                    & (Child.school == school_id(tiny_school))).exists()
    assert {r.row for r in report.rows if r.outcome == NEW} == {r.row for r in report.rows} - {victim.row}


def test_a_class_teacher_imports_only_into_their_class(tiny_school, tmp_path):
    from models.scope import viewer_for

    report = planned(tiny_school, tmp_path, 30)
    teacher = viewer_for(tiny_school["staff"][0])  # 三年级2班's class teacher
    own = tiny_school["classes"][0].id
    importer.apply(report, school_id=school_id(tiny_school), staff_id=teacher.staff_id, viewer=teacher)
    mine = [r for r in report.rows if r.values["classroom"] == own]
    assert mine and all(r.outcome == NEW and r.child_id for r in mine)
    others = [r for r in report.rows if r.values["classroom"] != own]
    assert others and all(r.outcome == ERROR and "没有权限" in r.problems[0][1] for r in others)
    assert report.counts["imported"] == len(mine)


# --- xlsx ----------------------------------------------------------------------------------

def make_workbook(path: Path):
    from openpyxl import Workbook

    wb = Workbook()
    notes = wb.active
    notes.title = "说明"
    notes["A1"] = "本表由学校填写"
    ws = wb.create_sheet("名册")
    ws["A1"] = "云岭县测试小学 农村留守儿童基本情况登记表"
    ws.merge_cells("A1:J1")
    ws["A2"] = "填表日期: 2026年11月"
    # a two-row header: 姓名 etc. merged down, 父亲 and 委托监护人 merged across their fields
    for col, title in zip("ABCDE", ["姓名", "性别", "出生日期", "身份证号码", "班级"]):
        ws[f"{col}3"] = title
        ws.merge_cells(f"{col}3:{col}4")
    ws["F3"] = "父亲"
    ws.merge_cells("F3:G3")
    ws["F4"], ws["G4"] = "姓名", "外出务工地点"
    ws["H3"] = "委托监护人"
    ws.merge_cells("H3:J3")
    ws["H4"], ws["I4"], ws["J4"] = "姓名", "联系电话", "与被监护人关系"
    data = [
        ["李小红", "女", dt.datetime(2016, 3, 5), ID_HONG, "三年级2班", "李大山", "广东省东莞市", "李大爷", 13800001111, "爷爷"],
        ["赵小刚", "男", dt.datetime(2015, 7, 8), ID_GANG, None, "赵大海", "福建省厦门市", "赵外婆", "13800003333", "外婆"],
        ["孙小美", "女", dt.datetime(2017, 1, 1), float(ID_MEI), "五年级1班", "", "", "孙爷爷", 13800005555, "祖父"],
    ]
    for r, row in enumerate(data, start=5):
        for c, value in enumerate(row, start=1):
            ws.cell(r, c, value)
    ws.merge_cells("E5:E6")  # the class cell merged over both children of 三年级2班
    ws["M5"] = "已核对"  # a note right of the table
    ws["A9"] = "填表人: 张老师"
    wb.save(path)
    return path


def test_xlsx_with_title_rows_and_merged_two_row_header(tiny_school, tmp_path):
    path = make_workbook(tmp_path / "登记表.xlsx")
    table = read_table(str(path))
    assert table.sheet == "名册" and table.sheets == ["说明", "名册"]  # the first sheet has no header
    assert (table.header_first, table.header_row) == (2, 4)
    assert table.headers[5:8] == ["父亲姓名", "父亲外出务工地点", "委托监护人姓名"]
    assert table.mapping == ["name", "sex", "birth_date", "id_number", "classroom", "father.name",
                             "father.work_place", "guardian_name", "guardian_phone", "guardian_relation"]
    report = run_import(str(path), school_id=school_id(tiny_school), staff_id=None, today=TODAY, viewer=ALL)
    assert report.counts == {"read": 3, "imported": 2, "updated": 0, "duplicates": 0, "rejected": 1}
    assert report.notes[-1] == "有 1 行在表头右边没有列名的列里还有内容, 这些内容没有导入"
    bad = [r for r in report.rows if r.outcome == ERROR][0]
    assert bad.row == 7 and bad.problems[0][0] == "身份证号码(D列)" and "存成了数字 (5.22623E+17)" in bad.problems[0][1]
    gang = Child.get(Child.name == "赵小刚")
    assert gang.classroom.name == "三年级2班"  # from the merged class cell
    assert (gang.guardian_relation, gang.guardian_phone) == ("外祖父母", "13800003333")
    father = Parent.get(Parent.child == gang)
    assert (father.name, father.work_province, father.work_city) == ("赵大海", "福建省", "厦门市")
    hong = Child.get(Child.name == "李小红")
    assert hong.guardian_phone == "13800001111" and hong.birth_date == dt.date(2016, 3, 5)
    assert run_import(str(path), school_id=school_id(tiny_school), staff_id=None, sheet="名册",
                      today=TODAY, viewer=ALL).counts["duplicates"] == 2
    with pytest.raises(ImportFileError, match="找不到表头"):
        read_table(str(path), sheet="说明")
    with pytest.raises(ImportFileError, match="没有工作表 “花名册”"):
        read_table(str(path), sheet="花名册")


# --- the report file -----------------------------------------------------------------------

def test_report_csv_next_to_the_input_opens_in_excel(tiny_school, tmp_path):
    rows = [HEADER, GOOD_ROWS[0], ["2", "王[b]强", "男", "汉", "2016-05-06", "", "三年级2班", "", "", "", "", "+8613800002222",
                                   "", ""]]
    path = write_csv(tmp_path / "名册.csv", rows, encoding="gbk")
    report = run_import(str(path), school_id=school_id(tiny_school), staff_id=None, today=TODAY, viewer=ALL)
    out = tmp_path / "名册-导入报告.csv"
    assert report.report_path == str(out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert "读取 2 行: 导入 1, 更新 0, 重复跳过 0, 有错误 1" in lines[0][0]
    assert lines[1][:5] == ["导入行号", "导入结果", "出错的列", "原因或说明", "序号"]
    assert lines[2][:2] == ["3", "导入"] and lines[2][9] == f'="{ID_HONG}"'  # Excel keeps it as text
    assert lines[3][:4] == ["4", "错误", "学生姓名(B列)", "姓名中不能有字符 “[”"]
    assert lines[3][15] == "'+8613800002222"  # never a formula
    # the report itself can be fixed and imported again: its own columns are ignored
    table = read_table(str(out))
    assert table.header_row == 2 and table.mapping[:6] == [None, None, None, None, importer.IGNORED, "name"]
    assert table.rows[2][9] == f'="{ID_HONG}"' and importer.number_text(table.rows[2][9], "x") == ID_HONG
    again = run_import(str(out), school_id=school_id(tiny_school), staff_id=None, today=TODAY, viewer=ALL)
    assert again.counts["duplicates"] == 1 and again.counts["rejected"] == 1


FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"点我\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
            "\t=1+1", "\r=1+1", " =1+1", "＝1+1", "＋1"]


@pytest.mark.parametrize("where", ["header", "row"])
def test_report_cells_are_data_never_formulas(tiny_school, tmp_path, where):
    """OWASP CSV injection: a cell that starts like a formula (= + - @ tab CR, full-width forms too)
    is written with a leading ', header cells included (=HYPERLINK in a header was live in Excel)."""
    header = ["姓名", "性别", "出生日期", *(FORMULAS if where == "header" else [f"备用{i}" for i in range(len(FORMULAS))])]
    cells = FORMULAS if where == "row" else ["x"] * len(FORMULAS)
    path = write_csv(tmp_path / "名册.csv", [header, ["李小红", "女", "2016-03-05", *cells],
                                            ["王[b]强", "男", "2016-05-06", *cells]], title=False)
    report = run_import(str(path), school_id=school_id(tiny_school), staff_id=None, dry_run=True, today=TODAY,
                        viewer=ALL)
    lines = list(csv.reader((tmp_path / "名册-导入报告.csv").read_text(encoding="utf-8-sig").splitlines()))
    every = [cell for line in lines for cell in line]
    live = [c for c in every if c.lstrip(" \u3000")[:1] in importer.FORMULA_STARTS and not c.startswith('="')]
    assert live == []
    written = lines[1][7:] if where == "header" else lines[3][7:]
    assert all(c.startswith("'") for c in written), written
    assert "'=HYPERLINK(\"http://evil.example\",\"点我\")" in written
    assert report.counts["rejected"] == 1  # the report was really written with both rows


def test_control_characters_are_dropped_on_import(tiny_school, tmp_path):
    """ESC sequences (OSC 52, CSI 2J), BEL, bidi overrides and zero-width marks never reach the
    database from a file; newlines and tabs in a note stay."""
    rows = [["姓名", "性别", "出生日期", "家庭住址", "备注"],
            ["李\u202e小\u200b红\x07", "女", "2016-03-05", "石门村\x1b[2J3组",
             "第一行\n第二行\t完\x1b]52;c;ZWNobw==\x07"]]
    path = write_csv(tmp_path / "名册.csv", rows, title=False)
    report = run_import(str(path), school_id=school_id(tiny_school), staff_id=None, today=TODAY, viewer=ALL)
    assert report.counts["imported"] == 1, importer.format_report(report)
    child = Child.get_by_id(report.rows[0].child_id)
    assert child.name == "李小红"
    assert child.address == "石门村[2J3组"
    assert child.notes == "第一行\n第二行\t完]52;c;ZWNobw=="


def test_report_goes_to_the_current_folder_when_the_input_folder_is_read_only(tiny_school, tmp_path, monkeypatch):
    src = tmp_path / "readonly"
    src.mkdir()
    path = write_csv(src / "名册.csv", [HEADER, GOOD_ROWS[0]])
    here = tmp_path / "here"
    here.mkdir()
    real_open = os.open

    def guarded(file, flags, *a, **kw):  # root ignores a folder's mode: refuse creating files in it here
        if flags & os.O_CREAT and str(file).startswith(str(src)):
            raise PermissionError(13, "Permission denied")
        return real_open(file, flags, *a, **kw)

    monkeypatch.setattr(os, "open", guarded)
    monkeypatch.chdir(here)
    report = run_import(str(path), school_id=school_id(tiny_school), staff_id=None, dry_run=True, today=TODAY, viewer=ALL)
    assert report.report_path == str(here / "名册-导入报告.csv")
    assert "不能写入" in report.report_note
    assert any("报告写到了当前文件夹" in line for line in importer.format_report(report))


# --- bad input -----------------------------------------------------------------------------

def test_bad_files_are_refused_with_a_message(db_path, tmp_path):
    cases = {
        "empty.csv": (b"", "文件是空的"),
        "blank.csv": (b"\r\n ,,\r\n", "没有内容"),
        "noheader.csv": ("a,b,c\n1,2,3\n".encode(), "找不到表头"),
        "onlyheader.csv": ("姓名,性别\n".encode(), "下面没有数据"),
        "corrupt.xlsx": (b"PK\x03\x04" + b"garbage" * 100, "已损坏"),
        "notzip.xlsx": (b"this is not a workbook", "已损坏"),
        "old.xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ".xls"),
        "locked.xlsx": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "EncryptedPackage".encode("utf-16-le"),
                        "密码"),
        "binary.csv": (b"\x00\x01\x02\x03" * 50, "不是文本文件"),
        "photo.jpg": (b"\xff\xd8\xff\xe0", "只能导入"),
        "page.xls": ("<html><table><tr><td>姓名</td></tr></table></html>".encode(), "网页"),
    }
    for name, (data, fragment) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(ImportFileError, match=fragment.replace(".", r"\.")):
            table = read_table(str(path))
            plan(table, school_id=1, viewer=ALL)
    big = tmp_path / "big.csv"
    with open(big, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    with pytest.raises(ImportFileError, match=r"文件太大 \(50\.0 MB\)"):
        read_table(str(big))
    with pytest.raises(ImportFileError, match="找不到文件"):
        read_table(str(tmp_path / "missing.csv"))


def test_a_row_with_200_columns_is_rejected_alone(tiny_school, tmp_path):
    wide = GOOD_ROWS[1] + [f"x{i}" for i in range(200 - len(GOOD_ROWS[1]))]
    path = write_csv(tmp_path / "wide.csv", [HEADER, GOOD_ROWS[0], wide, GOOD_ROWS[2]])
    report = run_import(str(path), school_id=school_id(tiny_school), staff_id=None, today=TODAY, viewer=ALL)
    assert report.counts["imported"] == 2 and report.counts["rejected"] == 1
    assert "这一行有 200 列, 比表头多出 186 列" in report.rows[1].problems[0][1]


def test_cli_dry_run_real_run_and_second_run(tiny_school, tmp_path):
    head(tiny_school)
    path = write_csv(tmp_path / "名册.csv", [HEADER, *GOOD_ROWS, ["9", "钱\x1b[31m多", "男", "汉", "2016-01-01"]],
                     encoding="gbk")
    db = tiny_school["path"]
    kids = Child.select().count()
    res = run_process("--db", db, "--user", HEAD, "import", str(path), "--dry-run")
    assert res.returncode == 0, res.stderr
    assert "读取 4 行: 将导入 3, 将更新 0, 重复跳过 0, 有错误 1 (试导入, 数据库没有改动)" in res.stdout
    assert "姓名中不能有字符 “[”" in res.stdout and "\x1b" not in res.stdout
    assert Child.select().count() == kids
    res = run("--db", db, "--user", HEAD, "import", str(path))
    assert res.returncode == 0, res.stderr
    assert "读取 4 行: 导入 3, 更新 0, 重复跳过 0, 有错误 1" in res.stdout
    assert Child.select().count() == kids + 3
    res = run("--db", db, "--user", HEAD, "import", str(path))
    assert res.returncode == 0, res.stderr
    assert "导入 0, 更新 0, 重复跳过 3, 有错误 1" in res.stdout
    assert Child.select().count() == kids + 3
    assert (tmp_path / "名册-导入报告.csv").exists()


def test_cli_exit_2_when_nothing_can_be_imported(tiny_school, tmp_path):
    head(tiny_school)
    db = tiny_school["path"]
    kids = Child.select().count()
    bad = write_csv(tmp_path / "bad.csv", [HEADER, ["1", "[red]王", "男", "汉", "2016-01-01"],
                                           ["2", "张\x1b]0;pwned\x07", "男", "汉", "2016-01-01"]])
    res = run("--db", db, "--user", HEAD, "import", str(bad))
    assert_exit_2(res, "没有可以导入的行: 2 行有错误")
    assert "第3行 [red]王" in res.stdout and "\x1b" not in res.stdout
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert_exit_2(run("--db", db, "--user", HEAD, "import", str(empty)), "文件是空的")
    corrupt = tmp_path / "corrupt.xlsx"
    corrupt.write_bytes(b"PK\x03\x04broken")
    assert_exit_2(run("--db", db, "--user", HEAD, "import", str(corrupt)), "已损坏")
    big = tmp_path / "big.xlsx"
    with open(big, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    assert_exit_2(run("--db", db, "--user", HEAD, "import", str(big)), "文件太大")
    noheader = write_csv(tmp_path / "noheader.csv", [["a", "b"], ["1", "2"]])
    assert_exit_2(run("--db", db, "--user", HEAD, "import", str(noheader)), "找不到表头")
    assert_exit_2(run("--db", db, "--user", HEAD, "import", str(bad), "--class", "九年级9班"), "没有这个班级")
    assert Child.select().count() == kids


# --- the roster's 导入 (i) -------------------------------------------------------------------

@pytest.mark.parametrize("empty_school", [False, True])
async def test_roster_import_action_preview_fix_import(tiny_school, tmp_path, monkeypatch, empty_school):
    from textual.widgets import DataTable, Input

    from screens.import_screen import FieldPickerScreen, ImportScreen
    from screens.roster import RosterScreen
    from tui.app import GuanaiApp
    from tui.context import Session

    header = ["姓名", "性别", "出生日期", "班级", "看护人", "留守类型"]  # 看护人: not a known name
    rows = [header, ["新来的", "男", "2016-09-01", "三年级2班", "周奶奶", "父母均外出"],
            ["又来的", "女", "2016-10-01", "3年2班", "吴爷爷", "双留守"]]
    path = write_csv(tmp_path / "导入.csv", rows, encoding="gbk")
    monkeypatch.chdir(tmp_path)
    if empty_school:  # a new school's first import: the roster starts empty
        Child.delete().execute()
    school, staff = tiny_school["school"], tiny_school["staff"][0]
    app = GuanaiApp(Session(target=tiny_school["path"], school_id=school.id, staff_id=staff.id,
                            staff_name=staff.name, school_name=school.name))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")  # a class teacher starts on 待办
        assert isinstance(app.screen, RosterScreen)
        await pilot.press("i")
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        screen.query_one("#imp-path", Input).value = str(path)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.step == "preview"
        assert screen.mapping == ["name", "sex", "birth_date", "classroom", None, "left_behind_type"]
        grid = screen.query_one("#imp-columns", DataTable)
        assert grid.has_focus and grid.row_count == 6
        await pilot.press("down", "down", "down", "down", "enter")  # the 看护人 column
        await pilot.pause()
        assert isinstance(app.screen, FieldPickerScreen)
        await pilot.press(*"wtjhr", "enter")  # 委托监护人 by its pinyin initials
        await pilot.pause()
        assert app.screen is screen and screen.mapping[4] == "guardian_name"
        await pilot.press("d")  # a trial run first: nothing written
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.step == "done" and not screen.report.applied
        assert Child.select().where(Child.name == "新来的").count() == 0
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.report.applied and screen.report.counts["imported"] == 2
        assert "导入 2" in str(screen.query_one("#imp-summary").content)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, RosterScreen)
        names = [r.name for r in app.screen.shown]
        assert "新来的" in names and "又来的" in names
        assert Child.get(Child.name == "又来的").guardian_name == "吴爷爷"


# --- who may import (models/scope.py: require_import) ------------------------------------------

SECRETS = {"address": "秘密村9组", "notes": "家里有家暴线索", "guardian_phone": "13755556666",
           "guardian_id_number": ident("522623", "19600101", "017")}


@pytest.fixture
def roles(tiny_school):
    """One login per role; 王芳 (五年级1班, a 重点帮扶对象 the counselor sees) with values nobody outside
    her scope may read in a trial run."""
    school = tiny_school["school"]
    made = {"class_teacher": tiny_school["staff"][0]}  # 李老师, head teacher of 三年级2班 only
    for role in ("admin", "head", "teacher", "volunteer", "counselor"):
        made[role] = Staff.create(school=school, name=f"{role}老师", role=role, login=f"r_{role}")
    Child.update(**SECRETS).where(Child.id == tiny_school["kids"]["王芳"].id).execute()
    return made


@pytest.mark.parametrize("role, own_class, other_class, no_class", [
    ("admin", True, True, True),
    ("head", True, True, True),
    ("class_teacher", True, False, False),
    ("teacher", False, False, False),
    ("volunteer", False, False, False),
    ("counselor", False, False, False),
    ("nobody", False, False, False),
])
def test_import_rights_by_role(tiny_school, roles, role, own_class, other_class, no_class):
    from models import scope

    viewer = scope.nobody(tiny_school["school"].id) if role == "nobody" else scope.viewer_for(roles[role])
    sid = school_id(tiny_school)
    c1, c2 = (c.id for c in tiny_school["classes"])
    assert scope.may_import(viewer) == own_class

    def allowed(classroom_id):
        try:
            scope.require_import(viewer, sid, classroom_id)
        except scope.ForbiddenError:
            return False
        return True

    assert (allowed(c1), allowed(c2), allowed(None)) == (own_class, other_class, no_class)


ROLE_FILE = [["姓名", "性别", "出生日期", "监护人电话", "家庭住址", "备注", "班级"],
             ["王芳", "女", "2016-05-01", "13800009999", "新地址1组", "新备注", ""],  # an existing child of 五年级1班
             ["张小明", "男", "2016-05-01", "13800007777", "", "", ""],  # an existing child of 三年级2班
             ["新同学", "男", "2016-06-01", "", "", "", "五年级1班"],
             ["另一个", "女", "2016-07-01", "", "", "", ""]]


@pytest.mark.parametrize("role", ["admin", "head", "class_teacher", "teacher", "volunteer", "counselor"])
def test_dry_run_update_by_each_role_leaks_nothing(tiny_school, roles, tmp_path, role):
    """`guanai --user X import FILE --dry-run --update`: teachers, volunteers and counselors are
    refused before the file is read; a class teacher's run never prints a child of another class;
    nobody sees a whole ID or phone number."""
    path = write_csv(tmp_path / "probe.csv", ROLE_FILE, title=False)
    res = run("--db", tiny_school["path"], "--user", roles[role].login, "import", str(path), "--dry-run", "--update")
    out = res.stdout + res.stderr
    for secret in (SECRETS["guardian_phone"], SECRETS["guardian_id_number"], "13912345678", "5556666"):
        assert secret not in out
    if role in ("teacher", "volunteer", "counselor"):
        assert_exit_2(res, "只有管理员、校长和班主任可以导入名册")
        assert res.stdout == ""
        assert not (tmp_path / "probe-导入报告.csv").exists(), "refused before the file was read"
        return
    assert res.returncode == 0, res.stderr
    if role == "class_teacher":
        for hidden in (SECRETS["address"], SECRETS["notes"], "五年级1班", "6666"):
            assert hidden not in res.stdout, hidden
        assert "第2行 王芳: 已有这个孩子的档案 (姓名和出生日期相同), 不在你的查看范围内: 不能用导入更新它" in res.stdout
        assert "第4行 新同学 班级(G列): 班主任只能导入本班的孩子" in res.stdout
        assert "第3行 张小明: 将更新 监护人电话 139****5678 → 138****7777" in res.stdout  # her own class
        assert "读取 4 行: 将导入 1, 将更新 1, 重复跳过 0, 有错误 2" in res.stdout
    else:  # admin and head see the whole school: masked numbers, the rest as it is
        assert "监护人电话 137****6666 → 138****9999" in res.stdout
        assert "现居住地 秘密村9组 → 新地址1组" in res.stdout, res.stdout
        assert "读取 4 行: 将导入 2, 将更新 2, 重复跳过 0, 有错误 0" in res.stdout
    assert Child.select().where(Child.name.in_(["新同学", "另一个"])).count() == 0


def test_a_class_teacher_imports_rows_without_a_class_into_hers(tiny_school, roles, tmp_path):
    from models.scope import ForbiddenError, viewer_for

    teacher = viewer_for(roles["class_teacher"])
    path = write_csv(tmp_path / "名单.csv", [["姓名", "性别", "出生日期"], ["新同学", "男", "2016-06-01"]], title=False)
    report = run_import(str(path), school_id=school_id(tiny_school), staff_id=teacher.staff_id, viewer=teacher,
                        today=TODAY)
    assert report.counts["imported"] == 1, importer.format_report(report)
    assert Child.get(Child.name == "新同学").classroom_id == tiny_school["classes"][0].id
    with pytest.raises(ForbiddenError, match="班主任只能导入本班的孩子"):
        run_import(str(path), school_id=school_id(tiny_school), staff_id=teacher.staff_id, viewer=teacher,
                   class_name="五年级1班", today=TODAY)


def test_a_duplicate_outside_the_scope_is_not_named(tiny_school, roles, tmp_path):
    """A row matching a child the class teacher may not see is skipped without its name or class."""
    from models.scope import viewer_for

    teacher = viewer_for(roles["class_teacher"])
    path = write_csv(tmp_path / "名单.csv", [["姓名", "出生日期"], ["王芳", "2016-05-01"]], title=False)
    report = run_import(str(path), school_id=school_id(tiny_school), staff_id=teacher.staff_id, viewer=teacher,
                        dry_run=True, today=TODAY)
    assert report.rows[0].outcome == DUPLICATE
    assert report.rows[0].note == "已有档案: 另一份档案 (不在你的查看范围内) (姓名和出生日期相同)"
    assert "五年级1班" not in "\n".join(importer.format_report(report))


@pytest.mark.parametrize("role, offered", [("volunteer", False), ("teacher", False), ("head", True)])
async def test_roster_offers_import_only_to_who_may_import(tiny_school, roles, role, offered):
    from screens.import_screen import ImportScreen
    from screens.roster import RosterScreen
    from tui.app import GuanaiApp
    from tui.context import Session

    school, staff = tiny_school["school"], roles[role]
    app = GuanaiApp(Session(target=tiny_school["path"], school_id=school.id, staff_id=staff.id,
                            staff_name=staff.name, school_name=school.name))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        assert isinstance(app.screen, RosterScreen)
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, ImportScreen) == offered
        if not offered:
            assert any("只有管理员、校长和班主任可以导入名册" in str(n.message) for n in app._notifications)
