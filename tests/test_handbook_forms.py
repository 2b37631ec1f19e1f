"""Issue 15: every column of the paper forms in the workbook, and numbers that agree or say why not.

Built on ``tests/test_handbook.py``'s hand-made October (two classes, 2026); each expected number is
worked out in the comments from those rows, not from the code under test.
"""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from models import handbook, schema
from models import db as dbmod
from models.entities import Contact, Event, Grandparent, Parent
from models.scope import ForbiddenError, system_viewer, viewer_for
from tests.test_handbook import at, build_october, col, data_rows, header
from tui import export
from tui.export import columns, measure

pytestmark = pytest.mark.both_backends

ALL = system_viewer()


@pytest.fixture
def october(db_path):
    return build_october()


# 每周谈心 deadlines chain from the term's start (09-01) every 7 days: in November 11-03, 11-10, 11-17,
# 11-24. Three children are its subjects all month (张小明 张丽华 王芳), so 应完成 = 3 x the deadlines
# that fell due by the day the handbook is made.
@pytest.mark.parametrize("today, deadlines", [
    (dt.date(2026, 11, 2), 0),
    (dt.date(2026, 11, 3), 1),
    (dt.date(2026, 11, 10), 2),
    (dt.date(2026, 11, 24), 4),
    (dt.date(2026, 12, 5), 4),  # November is over: the whole month
])
def test_month_in_progress_counts_deadlines_up_to_today(october, today, deadlines):
    scope = handbook.make_scope(october["school"].id, "2026-11", viewer=ALL, today=today)
    weekly = next(d for d in handbook.duty_lines(scope) if d.rule_name == "每周谈心")
    assert (weekly.subjects, weekly.required) == (3, 3 * deadlines)
    assert scope.in_progress == (today < dt.date(2026, 11, 30))
    assert handbook.talks_per_week(scope)[-1][1] == min(today, dt.date(2026, 11, 30))


@pytest.mark.parametrize("today, listed", [
    (dt.date(2026, 11, 19), ["期中家长会"]),  # the 11-20 activity has not been held yet
    (dt.date(2026, 11, 20), ["期中家长会", "冬季安全讲座"]),
])
def test_activities_to_come_are_not_listed_as_held(october, today, listed):
    s = october["school"]
    Event.create(school=s, title="期中家长会", kind="会议", start_date=dt.date(2026, 11, 6))
    Event.create(school=s, title="冬季安全讲座", kind="讲座", start_date=dt.date(2026, 11, 20))
    scope = handbook.make_scope(s.id, "2026-11", viewer=ALL, today=today)
    assert [a.title for a in handbook.activity_rows(scope)] == listed


def test_a_class_teacher_s_handbook_is_her_class_without_naming_it(october):
    li, head = october["staff"]["li"], october["staff"]["head"]
    scope = handbook.make_scope(october["school"].id, "2026-10", viewer=viewer_for(li), today=dt.date(2026, 11, 28))
    assert scope.class_name == "三年级2班"
    whole = handbook.make_scope(october["school"].id, "2026-10", viewer=viewer_for(head), today=dt.date(2026, 11, 28))
    assert whole.class_name == ""  # the head's is the school's
    with pytest.raises(ForbiddenError):  # a teacher who heads no class has no handbook of her own
        handbook.make_scope(october["school"].id, "2026-10", viewer=viewer_for(october["staff"]["mama"]),
                            today=dt.date(2026, 11, 28))


@pytest.mark.parametrize("parents, both_away, one_unable, in_form", [
    # (父亲 away/home/dead, 母亲 …) on 10-31 -> 父母双方同时外出, 一方外出另一方无监护能力, listed at all
    (("away", "away"), "是", "否", True),
    (("away", "dead"), "否", "是 (父亲外出)", True),
    (("home", "away"), "否", "否", True),
    (("home", "home"), "否", "否", False),  # the parents' return ended 留守
    (("dead", "home"), "否", "否", False),
])
def test_registration_family_columns(october, tmp_path, parents, both_away, one_unable, in_form):
    kid = october["kids"]["b"]  # 张丽华, 父亲外出, no parent rows yet
    for relation, state in zip(("父亲", "母亲"), parents):
        Parent.create(child=kid, relation=relation, name=relation[0] + "某", birth_date=dt.date(1988, 2, 3),
                      id_number="510722198802030012", away=state == "away", deceased=state == "dead",
                      work_province="浙江省", work_city="温州市", away_since=dt.date(2024, 2, 20),
                      returned_on=dt.date(2026, 10, 1) if state == "home" else None)
    Grandparent.create(child=kid, relation="外祖母", name="钱奶奶", birth_date=dt.date(1955, 1, 2))
    Grandparent.create(child=kid, relation="祖父", deceased=True)
    scope = handbook.make_scope(october["school"].id, "2026-10", viewer=ALL, today=dt.date(2026, 11, 28))
    rows = {r.name: r for r in handbook.registration_rows(scope)}
    assert ("张丽华" in rows) == in_form
    if not in_form:
        return
    r = rows["张丽华"]
    assert (r.both_away, r.one_away_other_unable) == (both_away, one_unable)
    assert r.grandparents == "祖父 —\n外祖母 钱奶奶 1955-01-02"
    if parents[0] == "away":
        assert r.father_detail == "父某\n1988-02-03\n51***************2\n浙江省温州市\n2024-02起外出"
    if parents[1] == "dead":
        assert r.mother_detail == "—\n母某 已故"


def test_workbook_prints_the_new_columns(october, tmp_path):
    a = october["kids"]["a"]
    staff = october["staff"]["li"]
    Contact.create(child=a, staff=staff, kind="亲情书信", at=at(10, 21), reached=True, minutes=5,
                   callee="父亲 张大山", content="给爸爸写信")
    Contact.create(child=a, staff=staff, kind="亲情电话", at=at(10, 22), reached=True, minutes=8,
                   callee="母亲", content="通话")
    Contact.update(parent_feedback="希望多打电话").where(Contact.kind == "家访").execute()
    Contact.update(effect="情绪好转").where(Contact.at == at(10, 19)).execute()
    Contact.update(effect="奶奶放心了").where(Contact.kind == "家访").execute()
    Contact.update(effect="孩子很开心").where(Contact.kind == "亲情电话").execute()
    path = tmp_path / "h.xlsx"
    scope = handbook.make_scope(october["school"].id, "2026-10", viewer=ALL, today=dt.date(2026, 11, 28))
    export.export_handbook(scope, str(path))
    wb = openpyxl.load_workbook(path)
    visits = wb["家访记录"]
    assert [r[col(visits, "家长反馈")] for r in data_rows(visits)] == ["希望多打电话"]
    # not on the paper forms, but typed in the talk entry for every kind: printed, never dropped
    assert [r[col(visits, "交谈后效果")] for r in data_rows(visits)] == ["奶奶放心了"]
    assert [r[col(wb["家长联系记录"], "交谈后效果")] for r in data_rows(wb["家长联系记录"])
            if r[col(wb["家长联系记录"], "类别")] == "亲情电话"] == ["孩子很开心"]
    talks = wb["谈心记录"]
    assert "情绪好转" in [r[col(talks, "交谈后效果")] for r in data_rows(talks)]
    calls = {r[col(wb["家长联系记录"], "类别")]: r for r in data_rows(wb["家长联系记录"])}
    ws = wb["家长联系记录"]
    letter, call = calls["亲情书信"], calls["亲情电话"]
    assert (letter[col(ws, "联系对象")], letter[col(ws, "接通")], letter[col(ws, "时长(分)")]) == ("父亲 张大山", None, None)
    assert (call[col(ws, "联系对象")], call[col(ws, "接通")], call[col(ws, "时长(分)")]) == ("母亲", "是", 8)
    for name in ("基本情况登记表", "登记表(家庭)"):
        values = [c for row in wb[name].iter_rows(values_only=True) for c in row if isinstance(c, str)]
        assert any(v.startswith("单位负责人") and "复核人" in v and "填表人" in v for v in values), name
    summary = [c for row in wb["汇总"].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "合计 (已完成的谈心)" in summary and "谈心记录 (含心理辅导、未完成)" in summary


def test_in_progress_summary_says_as_of_when(october, tmp_path):
    path = tmp_path / "nov.xlsx"
    scope = handbook.make_scope(october["school"].id, "2026-11", viewer=ALL, today=dt.date(2026, 11, 10))
    export.export_handbook(scope, str(path))
    values = [c for row in openpyxl.load_workbook(path)["汇总"].iter_rows(values_only=True) for c in row
              if isinstance(c, str)]
    assert "四、关爱事项完成情况 (截至 11-10)" in values


@pytest.mark.sqlite_only
def test_0010_moves_a_home_visit_s_feedback_out_of_effect(db_path):
    """Before 0010 the workbook printed a 家访's ``effect`` as 家长反馈: the upgrade moves it."""
    data = build_october()
    talk = Contact.get(Contact.at == at(10, 5))  # a 谈心 with an effect
    since_10 = [n for n in schema.known_versions() if int(n[:4]) >= 10]
    schema._runner().down(target=since_10[0])
    assert schema.schema_version() == 9
    assert schema.migrate() == since_10
    visit = Contact.get(Contact.kind == "家访")
    assert (visit.effect, visit.parent_feedback) == ("", "奶奶很感谢")
    assert Contact.get_by_id(talk.id).effect == talk.effect  # a talk's 交谈后效果 stays
    assert data["kids"]["a"].id


def test_a_long_note_continues_on_following_rows(october, tmp_path):
    """A 5,000-character talk is not cut at the row's 409 pt: it goes on, marked (续), on rows of
    its own under it, each short enough to print whole."""
    note = "".join(f"第{i}句：孩子说起在外打工的妈妈，想她了。" for i in range(250))[:5000]
    Contact.update(content=note).where(Contact.at == at(10, 19)).execute()
    path = tmp_path / "long.xlsx"
    scope = handbook.make_scope(october["school"].id, "2026-10", viewer=ALL, today=dt.date(2026, 11, 28))
    export.export_handbook(scope, str(path))
    ws = openpyxl.load_workbook(path)["谈心记录"]
    c = col(ws, "交流谈心的内容")
    width = ws.column_dimensions[openpyxl.utils.get_column_letter(c + 1)].width
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    start = next(i for i, r in enumerate(rows) if isinstance(r[c], str) and r[c].startswith("第0句"))
    pieces = [rows[start][c]]
    for r in rows[start + 1:]:
        if r[0] is not None:  # the next numbered record
            break
        pieces.append(r[c])
    assert len(pieces) > 1 and all(p.startswith(measure.CONTINUED) for p in pieces[1:])
    joined = "".join(p.removeprefix(measure.CONTINUED) for p in pieces).replace("\n", "")
    assert joined == note
    assert all(measure.line_count(p, width) <= measure.MAX_LINES for p in pieces)
    assert len(data_rows(ws)) == 7  # continuation rows are not records
    for i in range(start, start + len(pieces)):
        assert ws.row_dimensions[i + 4].height <= measure.MAX_ROW_PT


@pytest.mark.parametrize("name", ["REGISTRATION", "REGISTRATION_FAMILY", "PAIRINGS", "TALKS", "PARENT_CONTACTS",
                                  "HOME_VISITS", "ACTIVITIES", "OPEN_DUTIES"])
def test_every_table_fits_a4_landscape_at_a_readable_scale(name):
    """A column of width w is w*7+5 pixels; A4 landscape within the margins holds ~1,000 pixels of
    columns at 90 % (LibreOffice measured: 903 px printed at 100 %, 1,040 at 89 %, 1,200 at 75 %)."""
    cols = getattr(columns, name)
    pixels = sum(c.width * 7 + 5 for c in cols) + 4.5 * 7 + 5  # with 序号
    assert pixels <= 1010, pixels


def test_inspector_s_numbers_on_the_summary(october, tmp_path):
    """On 10-31: 张小明 (父母均外出: his father away, no mother record), 张丽华 (父亲外出,
    mother home) and 王芳 (父母均外出) are left behind; all born 2016-05-01 (10 years old). 李四's
    parents came home on 10-20: he stopped being left behind this month."""
    kids = october["kids"]
    Parent.create(child=kids["b"], relation="父亲", name="张父", away=True, away_since=dt.date(2026, 10, 3))
    Parent.create(child=kids["b"], relation="母亲", name="张母", away=False)
    Parent.create(child=kids["c"], relation="父亲", name="王父", away=True)
    Parent.create(child=kids["c"], relation="母亲", name="王母", away=True)
    scope = handbook.make_scope(october["school"].id, "2026-10", viewer=ALL, today=dt.date(2026, 11, 28))
    s = handbook.summary(scope)
    # national: 张小明 (父母均外出: father away, no mother record) and 王芳 (both away); 张丽华's mother is home
    assert s.national == 2 and s.children == 3
    assert s.age_bands == {"0–5岁": 0, "6–13岁": 3, "14–16岁": 0, "17岁及以上": 0, "出生日期未填": 0}
    assert sum(s.guardianship.values()) == 3
    assert s.ended == ["李四"]
    assert s.started == ["张丽华"]  # her father went away on 10-03
    path = tmp_path / "s.xlsx"
    export.export_handbook(scope, str(path))
    values = [c for row in openpyxl.load_workbook(path)["汇总"].iter_rows(values_only=True) for c in row
              if isinstance(c, str)]
    assert "1 人: 李四" in values and "1 人: 张丽华" in values
    assert any("校长签字" in v for v in values) and "十、检查意见" in values
    assert "九、强制报告 (本月发现—报告—处置)" in values  # counts only, in the whole school's handbook


@pytest.mark.parametrize("day, later, status", [
    # 赵老师 wrote on 10-20 that 张丽华 needs a follow-up by 10-25
    (dt.date(2026, 10, 19), [], None),  # not written yet
    (dt.date(2026, 10, 24), [], "本周"),
    (dt.date(2026, 10, 25), [], "今天"),
    (dt.date(2026, 10, 27), [], "逾期"),
    (dt.date(2026, 10, 27), [("li", 10, 26)], "逾期"),  # another teacher's talk does not close hers
    (dt.date(2026, 10, 27), [("zhao", 10, 26)], None),  # her own later contact does
    (dt.date(2026, 10, 27), [("zhao", 10, 28)], "逾期"),  # (not yet on the 27th)
])
def test_follow_up_dates_are_duties(october, day, later, status):
    from models import duties

    b, staff = october["kids"]["b"], october["staff"]
    talk = Contact.create(child=b, staff=staff["zhao"], kind="谈心", at=at(10, 20), reached=True, content="成绩下降",
                          follow_up="问问数学老师", follow_up_due=dt.date(2026, 10, 25))
    for who, month, d in later:
        Contact.create(child=b, staff=staff[who], kind="家长电话", at=at(month, d), reached=True, content="通话")
    found = [d for d in duties.open_duties(day, viewer=ALL, school_id=october["school"].id)
             if d.rule_name == duties.FOLLOW_UP]
    assert [d.status for d in found] == ([status] if status else [])
    if found:
        d = found[0]
        assert (d.child_name, d.contact_kind, d.due, d.helper, d.rule_id) == (
            "张丽华", "谈心", dt.date(2026, 10, 25), "赵老师", -talk.id)
        assert d.mine is False and duties.open_duties(day, viewer=ALL, staff_id=staff["zhao"].id,
                                                      kind=duties.FOLLOW_UP)[0].mine is True


def test_home_visit_sheet_has_the_jiafang_shouji_columns_in_the_paper_s_order(october, tmp_path):
    """家访手记 (FORMS.md): 家访时间, 家访教师, 孩子姓名, 年龄, 所属班级, 监护人信息, 家庭住址, 家庭成员情况,
    生活环境, 孩子表现 (the visit's content), 教育需求, 家长反馈, 后续计划 — each filled from the entry.
    张小明 (born 2016-05-01) was visited on 10-28: 10 years old; his guardian's phone is masked."""
    Contact.update(content="在家主动写作业", family_members="奶奶和他两人", living_conditions="砖房, 有书桌",
                   education_needs="数学辅导", parent_feedback="希望多打电话", follow_up="下月再访",
                   ).where(Contact.kind == "家访").execute()
    path = tmp_path / "visit.xlsx"
    scope = handbook.make_scope(october["school"].id, "2026-10", viewer=ALL, today=dt.date(2026, 11, 28))
    export.export_handbook(scope, str(path))
    ws = openpyxl.load_workbook(path)["家访记录"]
    paper = ["家访时间", "家访教师", "孩子姓名", "年龄", "所属班级", "监护人信息", "家庭住址", "家庭成员情况",
             "生活环境", "孩子表现", "教育需求", "家长反馈", "后续计划"]
    labels = header(ws)[1:]  # after 序号
    assert [next(p for p in paper if h.startswith(p)) for h in labels[:len(paper)]] == paper
    (row,) = data_rows(ws)
    got = dict(zip(labels, row[1:]))
    assert (got["孩子姓名"], got["年龄"], got["家庭成员情况"], got["生活环境"], got["孩子表现"], got["教育需求"],
            got["家长反馈"], got["后续计划"]) == ("张小明", 10, "奶奶和他两人", "砖房, 有书桌", "在家主动写作业",
                                                "数学辅导", "希望多打电话", "下月再访")
    guardian = got[next(h for h in labels if h.startswith("监护人信息"))]
    assert guardian.split("\n")[-1] == "139****5678"


def test_a_counselling_note_s_home_visit_columns_are_hidden_like_its_text(october):
    """心理辅导 text is for the counselor and its author only: the 家访 columns of such a row too."""
    Contact.update(family_members="不该看到").where(Contact.kind == "心理辅导").execute()
    scope = handbook.make_scope(october["school"].id, "2026-10", viewer=viewer_for(october["staff"]["head"]),
                                today=dt.date(2026, 11, 28))
    (row,) = handbook.contact_rows(scope, ("心理辅导",))
    assert row.family_members == "" and row.content != "心理辅导记录"
