"""The 县/乡镇 dashboard (models/county.py) and the area scope behind it (models/scope.py), on both
backends: which schools each viewer covers, the figures against the handbook summary of each school,
one query per figure whatever the number of schools, the audit rows; ``report_school_ids`` table-driven;
an officer's login (models/users.py); and the screen at 80x24 (screens/county.py)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from models import county, dropout, handbook, protection, scope, users
from models import db as dbmod
from models.entities import AuditLog, Classroom, Pairing, School, Staff
from models.errors import UserError
from models.scope import ForbiddenError
from tests.conftest import add_child

TODAY = dt.date(2026, 11, 20)  # a Friday of the autumn term
ID = "510722201605010015"


def _school(name, county_name, township, n_kids, id_number=""):
    s = School.create(name=name, county=county_name, township=township)
    head = Staff.create(school=s, name=f"{name[:2]}校长", role="head", login=f"head{s.id}")
    teacher = Staff.create(school=s, name=f"{name[:2]}老师", role="class_teacher", login=f"t{s.id}")
    room = Classroom.create(school=s, grade=3, number=1, name="三年级1班", head_teacher=teacher)
    kids = [add_child(s, room, f"{name[:2]}{i}号", **({"address": ""} if i == 0 else {"id_number": id_number} if i == 1 and id_number else {}))
            for i in range(n_kids)] if n_kids else []
    add_child(s, room, f"{name[:2]}在家", left_behind_type="")  # a pupil, not left behind
    Pairing.create(child=kids[-1], kind="帮扶教师", staff=teacher, started_on=dt.date(2026, 9, 1))
    return {"school": s, "head": head, "teacher": teacher, "kids": kids}


@pytest.fixture
def area(any_db):
    a = _school("青山镇中心小学", "云岭县", "青山镇", 3, ID)
    b = _school("龙场镇中心小学", "云岭县", "龙场镇", 2)
    c = _school("邻县小学", "别的县", "别的镇", 2)
    officer = Staff.create(school=a["school"], name="罗建国", role="county", login="xian", area="云岭县")
    township = Staff.create(school=a["school"], name="孙丽华", role="township", login="zhen", area="青山镇")
    protection.create_report({"situations": ["家庭暴力"], "found_at": "2026-11-19 09:00", "facts": "手臂上有淤青",
                              "path": "学校"}, a["kids"][1].id, viewer=scope.viewer_for(a["teacher"]))
    dropout.mark_absent(b["kids"][0].id, TODAY - dt.timedelta(days=3), TODAY, reason="无故缺课",
                        viewer=scope.system_viewer(b["school"].id), today=TODAY)
    return {"a": a, "b": b, "c": c, "county": scope.viewer_for(officer), "township": scope.viewer_for(township),
            "target": any_db}


pytestmark = pytest.mark.both_backends


def test_each_officer_sees_the_schools_of_its_area_with_the_handbook_summary_figures(area):
    board = county.dashboard(area["county"], today=TODAY)
    assert {r.name for r in board.rows} == {"青山镇中心小学", "龙场镇中心小学"}  # not 邻县小学
    assert [r.name for r in county.dashboard(area["township"], today=TODAY).rows] == ["青山镇中心小学"]
    rows = {r.school_id: r for r in board.rows}
    for key, reports, cases in (("a", 1, 0), ("b", 0, 1)):
        sid = area[key]["school"].id
        r = rows[sid]
        s = handbook.summary(handbook.make_scope(sid, "2026-11", viewer=scope.system_viewer(sid), today=TODAY))
        assert (r.pupils, r.left_behind) == (len(area[key]["kids"]) + 1, s.children)
        assert r.filing_rate == s.filing_rate and r.filing_rate < 1  # the child without an address
        assert (r.required, r.done) == (sum(d.required for d in s.duty_lines), sum(d.done for d in s.duty_lines))
        assert r.overdue == sum(d.overdue for d in s.duty_lines)  # the summary's 关爱事项 逾期, not all of 待办
        assert r.paired == 1 and (r.open_reports, r.open_cases) == (reports, cases)
    total = board.total
    assert (total.pupils, total.open_reports, total.open_cases) == (7, 1, 1) and board.duties_counted
    looks = AuditLog.select().where((AuditLog.action == "view") & (AuditLog.table == "county"))
    assert [(x.staff_id, x.row_id) for x in looks][:1] == [(area["county"].staff_id, 0)]


def test_each_school_counts_its_duties_in_its_own_term_as_its_summary_does(area):
    """完成率 and 逾期 per school in the school's own 开学/放假 (the 行事历's settings, read for all schools
    at once); 逾期 is the summary's 关爱事项 column: fewer than the 待办 list's overdue lines when a
    跟进 or a 控辍保学 check is overdue too (the totals line names it 关爱事项逾期)."""
    from models import duties, settings, terms
    from models.entities import Contact
    from screens.county import OVERDUE_LABEL, total_text

    a, b = area["a"], area["b"]
    settings.put(b["school"].id, terms.setting_key(terms.AUTUMN, 2026, "start"), "2026-11-02")
    Contact.create(child=a["kids"][0], staff=a["teacher"], kind="谈心", at=dt.datetime(2026, 11, 2, 10),
                   reached=True, follow_up="再谈", follow_up_due=dt.date(2026, 11, 10))
    board = county.dashboard(area["county"], today=TODAY)
    assert terms.terms_at(TODAY, [a["school"].id, b["school"].id]) == {
        a["school"].id: terms.term_at(TODAY, school_id=a["school"].id),
        b["school"].id: terms.Term(terms.AUTUMN, 2026, dt.date(2026, 11, 2), terms.default_term(terms.AUTUMN, 2026).end)}
    rows = {r.school_id: r for r in board.rows}
    waiting = {}
    for key in ("a", "b"):
        sid = area[key]["school"].id
        s = handbook.summary(handbook.make_scope(sid, "2026-11", viewer=scope.system_viewer(sid), today=TODAY))
        r = rows[sid]
        assert (r.required, r.done, r.overdue) == (sum(d.required for d in s.duty_lines),
                                                   sum(d.done for d in s.duty_lines),
                                                   sum(d.overdue for d in s.duty_lines)), key
        waiting[key] = sum(1 for d in s.duty_list if d.status == duties.OVERDUE)
    assert rows[a["school"].id].overdue > 0 and rows[b["school"].id].required < rows[a["school"].id].required
    assert waiting["a"] > rows[a["school"].id].overdue  # the 跟进 is overdue in 待办, not a 关爱事项
    assert f"{OVERDUE_LABEL} {board.total.overdue}" in total_text(board)


def test_one_query_per_figure_whatever_the_number_of_schools(area):
    counts = []
    db = dbmod.current()
    real = db.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        counts[-1] += 1
        return real(sql, params, *args, **kwargs)

    db.execute_sql = counting
    try:
        for who in ("township", "county"):  # one school, then two
            counts.append(0)
            county.dashboard(area[who], today=TODAY, audit_look=False)
    finally:
        del db.execute_sql
    assert counts[0] == counts[1] and counts[0] < 30, counts


def test_the_drill_down_narrows_to_one_school_of_the_area_and_is_audited(area):
    a, c = area["a"]["school"].id, area["c"]["school"].id
    narrowed = county.drill_down(area["county"], a)
    assert narrowed.school_id == a and scope.is_area_viewer(narrowed)
    assert AuditLog.select().where((AuditLog.table == "school") & (AuditLog.row_id == a)
                                   & (AuditLog.action == "view")).count() == 1
    assert county.school_summary(narrowed, today=TODAY).children == 3
    for viewer, school in ((area["county"], c), (area["township"], area["b"]["school"].id)):
        with pytest.raises(ForbiddenError, match="不在你的辖区内"):
            county.drill_down(viewer, school)
    with pytest.raises(ForbiddenError):
        county.dashboard(scope.viewer_for(area["a"]["head"]), today=TODAY)


@pytest.mark.parametrize("who, school, whole, expected", [
    ("head_a", None, False, ["a"]),
    ("head_a", "青山镇中心小学", False, ["a"]),
    ("head_a", "龙场镇中心小学", False, ForbiddenError),
    ("head_a", None, True, ForbiddenError),
    ("teacher_a", None, False, ForbiddenError),
    ("county", None, True, ["a", "b"]),
    ("county", None, False, ["a", "b"]),
    ("county", "龙场镇中心小学", False, ["b"]),
    ("county", "id:b", False, ["b"]),
    ("county", "邻县小学", False, ForbiddenError),
    ("township", None, False, ["a"]),
    ("township", "龙场镇中心小学", False, ForbiddenError),
    ("township", None, True, ForbiddenError),
    ("system", None, False, ["a", "b", "c"]),
    ("system", "邻县小学", False, ["c"]),
    ("system", "没有的学校", False, UserError),
])
def test_report_school_ids(area, who, school, whole, expected):
    viewers = {"head_a": scope.viewer_for(area["a"]["head"]), "teacher_a": scope.viewer_for(area["a"]["teacher"]),
               "county": area["county"], "township": area["township"], "system": scope.system_viewer()}
    if isinstance(school, str) and school.startswith("id:"):
        school = area[school[3:]]["school"].id
    if isinstance(expected, type):
        with pytest.raises(expected):
            scope.report_school_ids(viewers[who], school, county=whole)
        return
    assert scope.report_school_ids(viewers[who], school, county=whole) == sorted(
        area[k]["school"].id for k in expected)


def test_an_admin_adds_an_officer_over_an_area_of_the_database(area):
    admin = Staff.create(school=area["a"]["school"], name="管理员", role="admin", login="admin")
    staff = users.add_user("xiangzhen", "钱专干", "乡镇", by=admin, area="龙场镇")
    assert (staff.role, staff.area) == ("township", "龙场镇")
    assert scope.area_school_ids(scope.viewer_for(staff)) == [area["b"]["school"].id]
    for role, where, message in (("county", "", "--area"), ("county", "无此县", "没有学校登记在"),
                                 ("teacher", "云岭县", "只有县、乡镇账号")):
        with pytest.raises(users.UserError, match=message):
            users.add_user("other", "李四", role, by=admin, area=where)


# --------------------------------------------------------------------------- the screen


def keys_offered(screen) -> set[str]:
    """The keys the footer shows (check_action True, shown)."""
    return {key for key, active in screen.active_bindings.items() if active.binding.show and active.enabled}


def footer_text(screen) -> str:
    from textual.widgets import Footer

    return " ".join(str(getattr(item, "description", "")) for item in screen.query_one(Footer).query("*"))


@pytest.mark.sqlite_only
async def test_the_officer_starts_on_the_schools_drills_into_one_and_comes_back(area, monkeypatch):
    from textual.widgets import Static

    import tui.app
    from models.entities import Child
    from screens.child_detail import ChildDetailScreen
    from screens.county import CountyScreen, SchoolRosterScreen, SchoolScreen
    from tui.chrome import TitleBar
    from tui.app import GuanaiApp
    from tui.context import Session
    from tui.palette import commands_for
    from tui.widgets.virtual_table import VirtualTable

    class App(GuanaiApp):
        CSS_PATH = str(Path(tui.app.__file__).with_name("styles.tcss"))
        MODES = {**GuanaiApp.MODES, "county": lambda: CountyScreen(today=TODAY)}

    Child.update(difficulty="贫困、监护缺失或不当").where(Child.school == area["a"]["school"].id).execute()
    officer = Staff.get(Staff.login == "xian")
    app = App(Session(target=area["target"], school_id=area["a"]["school"].id, staff_id=officer.id, staff_name=officer.name,
                      school_name="云岭县"))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CountyScreen) and screen.board.duties_counted
        table = screen.query_one(VirtualTable)
        assert table.row_count == 2
        assert "合计 2 所  学生 7" in str(screen.query_one("#county-total", Static).content)
        await pilot.press("3")  # the sections are the schools' staff's: said, and nothing moves
        await pilot.pause()
        assert isinstance(app.screen, CountyScreen)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, SchoolScreen) and app.viewer.school_id == table.rows[0].school_id
        assert "建档率" in str(app.screen.query_one("#school-summary", Static).content)
        await pilot.press("1")
        await pilot.pause()
        assert isinstance(app.screen, SchoolRosterScreen)
        bar = app.screen.query_one(TitleBar)  # whose roster, and no section strip an officer cannot use
        assert bar.title_text().endswith("> 名册") and "0 待办" not in str(bar.render())
        shown = app.screen.shown
        assert {r.name for r in shown} == {"青山0号", "青山1号", "青山2号"}  # its school's, masked
        assert all(not r.id_number or "*" in r.id_number for r in shown)
        assert ID not in {r.id_number for r in shown} and any(r.id_number for r in shown)
        # read-only: no write key in the footer (nor the palette, which lists the same active bindings)
        assert not {"n", "e", "t", "i", "x"} & keys_offered(app.screen) and "slash" in keys_offered(app.screen)
        footer = footer_text(app.screen)
        assert "搜索" in footer and not {"修改", "新建", "谈心", "导入", "缺课"} & set(footer.split())
        await pilot.press("enter")  # the child's page, masked, no write key either
        await pilot.pause()
        assert isinstance(app.screen, ChildDetailScreen)
        assert not {"e", "t", "u", "c"} & keys_offered(app.screen) and "escape" in keys_offered(app.screen)
        offered = {c.title for c in commands_for(app, app.screen)}  # ctrl+p: none of the write commands either
        assert "帮助" in offered and not {"修改档案", "记录谈心", "新建档案", "登记缺课", "导入名册"} & offered
        # nor the sections, the cases or the reports of a school: they do not apply to an officer
        assert offered == {"帮助", "换配色", "字符宽度", "退出"}
        assert "困境类别" in str(app.screen.query_one("#detail-special", Static).content)
        assert "贫困、监护缺失或不当" in str(app.screen.query_one("#detail-special", Static).content)
        await pilot.press("e", "t", "u")  # not bound for the officer: nothing opens, nothing unmasked
        await pilot.pause()
        assert isinstance(app.screen, ChildDetailScreen) and "修改" not in footer_text(app.screen)
        assert ID not in str(app.screen.query_one("#detail-basic", Static).content)
        await pilot.press("escape", "escape", "escape")
        await pilot.pause()
        assert isinstance(app.screen, CountyScreen) and app.drilled is None and app.viewer.school_id is None


async def test_r_on_the_schools_writes_the_area_s_pack_and_asks_before_replacing_it(area, tmp_path, monkeypatch):
    import os
    import stat

    import tui.app
    from screens.confirm import ConfirmScreen
    from screens.county import CountyScreen
    from tui.app import GuanaiApp
    from tui.context import Session

    class App(GuanaiApp):
        CSS_PATH = str(Path(tui.app.__file__).with_name("styles.tcss"))
        MODES = {**GuanaiApp.MODES, "county": lambda: CountyScreen(today=TODAY)}

    monkeypatch.chdir(tmp_path)
    officer = Staff.get(Staff.login == "xian")
    app = App(Session(target=area["target"], school_id=area["a"]["school"].id, staff_id=officer.id, staff_name=officer.name,
                      school_name="云岭县"))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        written = [p for p in os.listdir(tmp_path) if p.endswith(".xlsx")]
        assert len(written) == 1 and "云岭县" in written[0]
        assert stat.S_IMODE(os.stat(tmp_path / written[0]).st_mode) == 0o600
        assert "上报报表已保存到" in str(app.screen.query_one("#county-status").content)
        await pilot.press("r")  # the same month again: asked first
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)


@pytest.mark.sqlite_only
def test_a_county_sample_has_its_two_officers(tmp_path):
    """``guanai sample`` of a county: the 县 officer over every school, the 乡镇 officer over the first
    township's (models/sample.py AREA_OFFICERS); a one-school sample has neither."""
    from models.sample import TOWNSHIPS, build_sample

    path = str(tmp_path / "county.db")
    build_sample(path, children=60, schools=len(TOWNSHIPS) + 1)
    dbmod.open_database(path)
    try:
        xian, zhen = (scope.viewer_for(Staff.get(Staff.login == login)) for login in ("xian", "zhen"))
        assert len(scope.area_school_ids(xian)) == School.select().count() == len(TOWNSHIPS) + 1
        assert [School.get_by_id(s).township for s in scope.area_school_ids(zhen)] == [TOWNSHIPS[0]] * 2
    finally:
        dbmod.current().close()
    import sqlite3

    demo = sqlite3.connect(f"file:{Path(__file__).parent.parent / 'sample.db'}?mode=ro", uri=True)
    assert demo.execute("SELECT COUNT(*) FROM staff WHERE role IN ('county', 'township')").fetchone() == (0,)
    demo.close()


@pytest.mark.parametrize("who, read_only", [
    ("county", True), ("township", True), ("county_drilled", True), ("head_a", False), ("teacher_a", False),
    ("system", False),
])
def test_is_read_only_is_the_area_officers_over_an_area_or_one_school(area, who, read_only):
    viewers = {"county": area["county"], "township": area["township"],
               "county_drilled": scope.school_viewer(area["county"], area["a"]["school"].id),
               "head_a": scope.viewer_for(area["a"]["head"]), "teacher_a": scope.viewer_for(area["a"]["teacher"]),
               "system": scope.system_viewer()}
    assert scope.is_read_only(viewers[who]) is read_only
