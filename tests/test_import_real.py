"""Issue 14: the files schools really have import whole — the 学籍 system's export (one class, a
whole school; xlsx and the GBK CSV), the 摸底排查 花名册 (two-row merged header; xlsx and CSV) and a
teacher's workbook of several sheets. Every pupil the generator made is compared with what was
stored: name, sex, birth date, class, 留守类型, guardian name and phone, the parents' names and
whether each is away."""
from __future__ import annotations

import datetime as dt

import pytest

from models.entities import Child, Classroom, Parent, School
from models.scope import system_viewer
from tests import real_files as rf
from tui import importer
from tui.importer import ERROR, NEW, run_import

pytestmark = pytest.mark.both_backends

TODAY = dt.date(2026, 11, 28)
ALL = system_viewer()


@pytest.fixture
def school(db_path):
    s = School.create(name="城关第一小学", county="施秉县")
    return s


def add_classes(school, pupils):
    for grade, number in rf.classes_of(pupils):
        Classroom.get_or_create(school=school, grade=grade, number=number,
                                defaults={"name": f"{rf.GRADE_CN[grade - 1]}年级{number}班"})


def do_import(path, school, **kw):
    return run_import(str(path), school_id=school.id, staff_id=None, viewer=ALL, today=TODAY, **kw)


def assert_stored(pupils, school):
    """Every pupil in, every key field as the generator made it."""
    stored = {c.name: c for c in Child.select().where(Child.school == school)}
    classes = {c.id: c.name for c in Classroom.select()}
    parents: dict[int, dict[str, Parent]] = {}
    for p in Parent.select():
        parents.setdefault(p.child_id, {})[p.relation] = p
    assert len(stored) == len(pupils)
    for p in pupils:
        c = stored[p.name]
        got = (c.sex, c.birth_date if isinstance(c.birth_date, dt.date) else dt.date.fromisoformat(str(c.birth_date)[:10]),
               classes.get(c.classroom_id), c.left_behind_type, c.guardian_name, c.guardian_phone, c.guardian_relation)
        want = (p.sex, p.birth, p.class_name, p.left_behind_type, p.guardian_name, p.guardian_phone, p.guardian_relation)
        assert got == want, p.name
        mine = parents.get(c.id, {})
        for relation, parent in (("父亲", p.father), ("母亲", p.mother)):
            row = mine.get(relation)
            assert row is not None and row.name == parent.name, (p.name, relation)
            assert bool(row.away) == parent.away, (p.name, relation)


def assert_all_in(report, pupils):
    problems = [(r.row, r.problems) for r in report.rows if r.outcome == ERROR]
    assert problems == []
    assert report.count(NEW) == len(pupils)


@pytest.mark.parametrize("n, provincial, kind", [
    (45, False, "xlsx"), (45, True, "csv"), (45, False, "csv"), (787, False, "xlsx"),
])
def test_xueji_export_imports_every_pupil(school, tmp_path, n, provincial, kind):
    classes = [(4, 1)] if n <= 45 else rf.school_classes(18)
    pupils = rf.make_pupils(7 + n, n, classes)
    add_classes(school, pupils)
    rows = rf.xueji_rows(pupils, seed=n, provincial=provincial)
    assert len(rows[0]) == 65
    path = tmp_path / f"学生信息.{kind}"
    if kind == "xlsx":
        rf.write_xlsx(path, {"学生信息": rows})
    else:
        rf.write_csv(path, rows)
    report = do_import(path, school)
    assert_all_in(report, pupils)
    assert_stored(pupils, school)


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_mopai_roster_with_merged_two_row_header(school, tmp_path, kind):
    pupils = rf.make_pupils(30, 30, [(3, 1), (3, 2), (4, 1)])
    add_classes(school, pupils)
    rows, merges = rf.mopai_rows(pupils, seed=3)
    path = tmp_path / f"摸底排查花名册.{kind}"
    if kind == "xlsx":
        rf.write_xlsx(path, {"花名册": rows}, {"花名册": merges})
    else:
        rf.write_csv(path, rows)
    report = do_import(path, school)
    assert_all_in(report, pupils)
    assert_stored(pupils, school)
    assert report.header_rows == (3, 4)
    if kind == "csv":  # the blank 班级 cells below a filled one were filled, and the report says so
        assert any("班级" in n and "上面" in n for n in report.notes)


def test_teacher_workbook_of_several_sheets(school, tmp_path):
    sheets, pupils = rf.teacher_book(11, per_grade=14)
    add_classes(school, pupils)
    path = tmp_path / "留守儿童名单.xlsx"
    rf.write_xlsx(path, sheets)
    report = do_import(path, school)
    assert_all_in(report, pupils)
    assert_stored(pupils, school)
    by_sheet = {s.sheet: s for s in report.sheets}
    assert by_sheet["四年级"].read == 14 and by_sheet["五年级"].read == 14
    assert "没有内容" in by_sheet["Sheet3"].skipped
    assert "表头" in by_sheet["说明"].skipped
    lines = "\n".join(importer.format_report(report))
    for title in ("四年级", "五年级", "Sheet3", "说明"):
        assert f"工作表 “{title}”" in lines
    # the ID Excel cut was recovered from the 全国学籍号, and the report says so
    cut = pupils[1]
    assert Child.get(Child.name == cut.name).id_number == cut.id_number
    assert any("全国学籍号" in w for r in report.rows for w in r.warnings)


def test_refusals_are_the_rows_true_problems_in_plain_words(school, tmp_path):
    """Two pupils of a 学籍 export are wrong (a mistyped ID, a class the school does not have):
    exactly they are refused, each with its reason; every other pupil is in."""
    pupils = rf.make_pupils(21, 20, [(4, 1)])
    add_classes(school, pupils)
    rows = rf.xueji_rows(pupils, seed=2)
    header = rows[0]
    id_col, class_col = header.index("身份证件号"), header.index("班级")
    bad_id = rows[4][id_col]
    rows[4][id_col] = bad_id[:-1] + ("0" if bad_id[-1] != "0" else "1")
    rows[4][header.index("全国学籍号")] = ""
    rows[9][class_col] = "(7)班"
    path = rf.write_csv(tmp_path / "学生信息.csv", rows)
    report = do_import(path, school)
    refused = {r.row: r.problems for r in report.rows if r.outcome == ERROR}
    assert set(refused) == {5, 10}
    assert any("校验" in reason for _, reason in refused[5]), refused[5]
    assert any("没有这个班级" in reason and "四年级1班" in reason for _, reason in refused[10]), refused[10]
    assert report.count(NEW) == 18
    assert_stored([p for i, p in enumerate(pupils) if i not in (3, 8)], school)
