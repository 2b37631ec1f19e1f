"""The report pack (models/report_pack.py): the two definitions of a 留守儿童 rule by rule, the pack of
the sample school against its roster, the changes between two snapshots, and both backends once."""
from __future__ import annotations

import datetime as dt

import pytest

from models import dropout, report_pack, scope
from models import db as dbmod
from models.duties import left_behind_on
from models.entities import Child, Classroom, Parent, School, Staff
from tests.conftest import add_child, copy_private

NOV = report_pack.Period("2026年11月", "2026-11", dt.date(2026, 11, 1), dt.date(2026, 11, 30))
LONG_AGO = dt.date(2024, 2, 20)
F, M = "父亲", "母亲"

# (what, the child's fields, the parents as (relation, fields), 民政口径, 教育统计口径); the period ends 2026-11-30.
RULES = [
    ("both away long", {}, [(F, {}), (M, {})], True, True),
    ("both away 5 months", {}, [(F, {"away_since": dt.date(2026, 6, 1)}), (M, {"away_since": dt.date(2026, 6, 1)})],
     True, False),
    ("one away exactly 6 months", {}, [(F, {"away_since": dt.date(2026, 5, 30)}), (M, {"away": False})], False, True),
    ("one away a day short of 6 months", {}, [(F, {"away_since": dt.date(2026, 5, 31)}), (M, {"away": False})],
     False, False),
    ("one away, the other deceased", {}, [(F, {}), (M, {"away": False, "deceased": True})], True, True),
    ("one away, the other 无监护能力 (留守类型)", {"left_behind_type": "一方外出另一方无监护能力"},
     [(F, {}), (M, {"away": False})], True, True),
    ("one away, the other 服刑 (监护类型 父或母无监护能力)", {"guardianship_type": "父或母无监护能力"},
     [(F, {}), (M, {"away": False})], True, True),
    ("one away, the other at home and able", {}, [(F, {}), (M, {"away": False})], False, True),
    ("one away, 外出时间 missing", {}, [(F, {"away_since": None}), (M, {"away": False})], False, False),
    ("both away, 外出时间 missing", {}, [(F, {"away_since": None}), (M, {"away_since": None})], True, False),
    ("exactly 16 on the last day", {"birth_date": dt.date(2010, 11, 30)}, [(F, {}), (M, {})], False, True),
    ("16 the day after", {"birth_date": dt.date(2010, 12, 1)}, [(F, {}), (M, {})], True, True),
    ("no birth date", {"birth_date": None}, [(F, {}), (M, {})], False, True),
    ("came home before the period's end", {}, [(F, {"away": False, "returned_on": dt.date(2026, 10, 1)}), (M, {})],
     False, True),
    ("came home after the period's end", {}, [(F, {"away": False, "returned_on": dt.date(2026, 12, 3)}), (M, {})],
     True, True),
    ("left after the period's end", {}, [(F, {"away_since": dt.date(2026, 12, 2)}), (M, {"away_since": dt.date(2026, 12, 2)})],
     False, False),
    ("a deceased parent is not away", {}, [(F, {"deceased": True}), (M, {"away": False})], False, False),
    # a school's own list names the 留守类型 and no parents: the type says who is away, not since when
    ("no parent recorded, 父母均外出", {}, [], True, False),
    ("no parent recorded, 父亲外出", {"left_behind_type": "父亲外出"}, [], False, False),
    ("no parent recorded, 一方外出另一方无监护能力", {"left_behind_type": "一方外出另一方无监护能力"}, [], True, False),
    ("no parent recorded, not left behind", {"left_behind_type": ""}, [], False, False),
]


def _school(name="测试小学", county="云岭县"):
    school = School.create(name=name, county=county)
    head = Staff.create(school=school, name="潘校长", role="head", login=f"head{school.id}")
    room = Classroom.create(school=school, grade=3, number=2, name="三年级2班")
    return school, head, room


def _add(school, room, name, child_kw, parents):
    kid = add_child(school, room, name, **child_kw)
    for relation, kw in parents:
        Parent.create(child=kid, relation=relation, **{"away": True, "away_since": LONG_AGO, **kw})
    return kid


def _flags(school_id):
    q = report_pack.facts_query([school_id], NOV).alias("f")
    return {cid: (bool(mz), bool(jy)) for cid, mz, jy in Child.select(q.c.cid, q.c.mz, q.c.jy).from_(q).tuples()}


@pytest.mark.parametrize("what, child_kw, parents, mz, jy", RULES, ids=[r[0] for r in RULES])
def test_each_definition_rule(db_path, what, child_kw, parents, mz, jy):
    school, _, room = _school()
    kid = _add(school, room, "张小明", child_kw, parents)
    assert _flags(school.id)[kid.id] == (mz, jy), what


@pytest.mark.both_backends
def test_the_rules_and_the_county_on_both_backends(db_path):
    """Every rule's child in one school, a second school with one child: the figures as the table says,
    grouped by school (one row each, and the total), on SQLite and PostgreSQL."""
    school, head, room = _school()
    for i, (_, child_kw, parents, _, _) in enumerate(RULES):
        _add(school, room, f"学生{i}", {**child_kw, "difficulty": "贫困、残疾" if i % 3 == 0 else ""}, parents)
    other, _, room2 = _school("二小", county="云岭县")
    _add(other, room2, "李四", {"difficulty": "孤儿"}, [(F, {}), (M, {"deceased": True, "away": False})])
    pack = report_pack.build(NOV, viewer=scope.viewer_for(head))
    c = pack.schools[0]
    assert [s.school for s in pack.schools] == ["测试小学"] and not pack.county
    assert (c.on_roll, c.mz, c.jy) == (len(RULES), sum(r[3] for r in RULES), sum(r[4] for r in RULES))
    assert c.both_defs == sum(r[3] and r[4] for r in RULES) and c.mz_only == sum(r[3] and not r[4] for r in RULES)
    # away without 外出时间, not long away by another parent: two with parents, three by their type alone
    assert c.undated == 5
    assert c.mz_both + c.mz_one == c.mz and c.mz_one == 4
    assert c.bands["6-13岁"][0] + c.bands.get("14-16岁", (0, 0))[0] == c.mz
    assert c.bands["14-16岁"] == (1, 2) and c.bands[report_pack.NO_BIRTH] == (0, 1)
    assert sum(v[1] for v in c.guardianship.values()) == c.jy
    assert c.difficulty["贫困"] == c.difficulty["残疾"] == c.difficult == len(range(0, len(RULES), 3))
    county = report_pack.build(NOV, viewer=scope.system_viewer(), county=True)
    assert [s.school for s in county.schools] == ["测试小学", "二小"] and county.county
    assert (county.total.mz, county.total.difficulty["孤儿"], county.total.on_roll) == (c.mz + 1, 1, len(RULES) + 1)
    with pytest.raises(scope.ForbiddenError):
        report_pack.build(NOV, viewer=scope.viewer_for(head), county=True)


def test_the_sample_school_agrees_with_its_roster(tmp_path):
    """The pack of the demo school, figure by figure, against the same rules counted child by child."""
    from tui.context import open_db

    path = str(tmp_path / "sample.db")
    copy_private("sample.db", path)
    open_db(path, create=False)
    try:
        head = scope.viewer_for(Staff.get(Staff.login == "xiaozhang"))
        pack = report_pack.build(NOV, viewer=head)
        c = pack.total
        cutoff, end = dt.date(2026, 5, 30), NOV.last
        roll = [k for k in Child.select() if k.status in ("在读", "辍学") and k.archived_at is None]
        parents = {}
        for p in Parent.select():
            parents.setdefault(p.child_id, []).append(p)

        def away(p):
            return (p.away or (p.returned_on and p.returned_on > end)) and not p.deceased and (
                p.away_since is None or p.away_since <= end)

        jy = {k.id for k in roll if any(away(p) and p.away_since and p.away_since <= cutoff
                                        for p in parents.get(k.id, []))}
        mz = set()
        for k in roll:
            ps = parents.get(k.id, [])
            n = sum(bool(away(p)) for p in ps)
            unable = (any(p.deceased for p in ps) or k.left_behind_type == "一方外出另一方无监护能力"
                      or k.guardianship_type == "父或母无监护能力")
            if k.birth_date and k.birth_date > dt.date(2010, 11, 30) and (n >= 2 or (n == 1 and unable)):
                mz.add(k.id)
        assert (c.on_roll, c.mz, c.jy, c.both_defs) == (len(roll), len(mz), len(jy), len(mz & jy))
        assert c.mz > 200 and c.jy > c.mz  # the sample's parents mostly left long ago: 教育统计 counts more
        roster = {cid for (cid,) in Child.select(Child.id).where(left_behind_on(end)).tuples()}
        assert mz | jy <= roster  # the pack never counts a child the roster does not show as 留守
        for d in (0, 1):
            assert sum(v[d] for v in c.bands.values()) == (c.mz, c.jy)[d]
            assert sum(v[d] for v in c.guardianship.values()) == (c.mz, c.jy)[d]
        for category, n in c.difficulty.items():
            assert n == sum(category in k.difficulty.split("、") for k in roll), category
        assert c.difficult == sum(bool(k.difficulty) for k in roll) > 0
        sheet = dropout.monthly_sheet(2026, 11, viewer=head, school_id=pack.school_ids[0])
        assert [r.case_id for r in pack.cases] == [r.case_id for r in sheet.rows] and c.cases == len(sheet.rows)
        assert pack.first_report and len(pack.changes) == len(pack.facts) >= len(mz | jy)
    finally:
        dbmod.current().close()


def test_the_changes_since_the_previous_snapshot(db_path):
    school, head, room = _school()
    viewer = scope.viewer_for(head)
    stays = _add(school, room, "张小明", {}, [(F, {}), (M, {})])
    goes = _add(school, room, "王芳", {}, [(F, {}), (M, {})])
    changes = _add(school, room, "刘强", {}, [(F, {}), (M, {"away": False})])
    october = report_pack.month_period("2026-10", today=dt.date(2026, 12, 6))
    first = report_pack.build(october, viewer=viewer)
    assert first.first_report and {c.kind for c in first.changes} == {report_pack.NEW} and len(first.changes) == 3
    assert "首次" in report_pack.previous_label(first)
    with dbmod.write():
        report_pack.save_snapshot(first, staff_id=head.id)
    Parent.update(away=False, returned_on=dt.date(2026, 11, 10)).where(Parent.child == goes.id).execute()
    Child.update(difficulty="重病").where(Child.id == changes.id).execute()
    Parent.update(deceased=True, away=False).where((Parent.child == changes.id) & (Parent.relation == M)).execute()
    new = _add(school, room, "陈刚", {}, [(F, {}), (M, {})])
    for _ in range(2):  # a second run of the same month compares with October again, not with itself
        pack = report_pack.build(NOV, viewer=viewer)
        got = {(c.kind, c.child_id): c.what for c in pack.changes}
        assert set(got) == {(report_pack.NEW, new.id), (report_pack.EXITED, goes.id),
                            (report_pack.CHANGED, changes.id)}
        assert got[(report_pack.CHANGED, changes.id)] == "民政口径 否→是; 困境类别 无→重病"
        assert not pack.first_report and pack.previous[0] == "2026-10"
        with dbmod.write():
            report_pack.save_snapshot(pack, staff_id=head.id)
    assert stays.id not in {c.child_id for c in pack.changes}


@pytest.mark.parametrize("text, label, first, last", [
    ("2026-11", "2026年11月", dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
    ("2026年秋季学期", "2026年秋季学期", dt.date(2026, 9, 1), dt.date(2027, 1, 29)),
    ("2026秋", "2026年秋季学期", dt.date(2026, 9, 1), dt.date(2027, 1, 29)),
    ("2026春", "2026年春季学期", dt.date(2026, 3, 2), dt.date(2026, 7, 10)),
])
def test_periods(db_path, text, label, first, last):
    month = text if "-" in text else None
    p = report_pack.parse_period(month, None if month else text, today=dt.date(2026, 12, 6))
    assert (p.label, p.first, p.last) == (label, first, last)


@pytest.mark.parametrize("month, term", [("2026-13", None), ("2027-01", None), (None, "秋季"), (None, None),
                                         ("2026-11", "2026秋"), (None, "2027春")])
def test_bad_periods_are_refused(db_path, month, term):
    with pytest.raises(report_pack.ReportError):
        report_pack.parse_period(month, term, today=dt.date(2026, 12, 6))


@pytest.mark.parametrize("day, months, expected", [
    (dt.date(2026, 11, 30), 6, dt.date(2026, 5, 30)), (dt.date(2026, 8, 31), 6, dt.date(2026, 2, 28)),
    (dt.date(2027, 1, 29), 6, dt.date(2026, 7, 29)), (dt.date(2026, 3, 31), 1, dt.date(2026, 2, 28)),
])
def test_months_before(day, months, expected):
    assert report_pack.months_before(day, months) == expected


def test_ages_on_29_february():
    assert report_pack.years_before(dt.date(2028, 2, 29), 17) == dt.date(2011, 2, 28)
