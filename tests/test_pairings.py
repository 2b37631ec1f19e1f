"""结对帮扶 rules: one active pairing per child and kind, history kept, refusals, suggestions."""
from __future__ import annotations

import datetime as dt

import pytest

from models import children, pairings, settings
from models.entities import (
    AuditLog, Child, Classroom, Contact, Pairing, Parent, School, Setting, Staff, TeachingAssignment,
)
from models.pairings import UNPAIRED, OverLoad, PairingError
from models.roster import roster_rows
from models.scope import system_viewer

ALL = system_viewer()  # the whole database: these tests are not about scope (tests/test_scope.py is)
from tests.conftest import add_child

pytestmark = pytest.mark.both_backends  # the model layer runs on SQLite and on PostgreSQL

TODAY = dt.date(2026, 11, 28)


@pytest.fixture
def school(tiny_school):
    """tiny_school plus a female subject teacher of 三年级2班, an inactive teacher and a
    classmate buddy; 张小明 has 李老师 as 帮扶教师 (from the fixture)."""
    s = tiny_school
    c1, c2 = s["classes"]
    s["math"] = Staff.create(school=s["school"], name="孙老师", name_pinyin="sunlaoshi", name_initials="sls",
                             role="teacher", sex="女", subject="数学")
    TeachingAssignment.create(staff=s["math"], classroom=c1, subject="数学")
    s["gone"] = Staff.create(school=s["school"], name="钱老师", name_pinyin="qianlaoshi", name_initials="qls",
                             role="teacher", sex="女", active=False, left_on=dt.date(2026, 10, 31))
    s["mate"] = add_child(s["school"], c1, "周小红", sex="女", left_behind_type="")
    other = School.create(name="别的小学")
    s["other_staff"] = Staff.create(school=other, name="外校老师", role="teacher", sex="女")
    oc = Classroom.create(school=other, grade=3, number=1, name="三年级1班")
    s["other_child"] = add_child(other, oc, "外校生", student_no=None)
    for st in s["staff"]:
        st.name_pinyin, st.name_initials = {"李老师": ("lilaoshi", "lls"), "赵老师": ("zhaolaoshi", "zls")}[st.name]
        st.save()
    return s


def active(child, kind="帮扶教师"):
    return list(Pairing.select().where((Pairing.child == child.id) & (Pairing.kind == kind)
                                       & Pairing.ended_on.is_null()))


# --------------------------------------------------------------------------- one active pairing


def test_the_database_itself_refuses_a_second_active_pairing(school):
    """The partial unique index (0007): whatever path writes, one active pairing per child and kind."""
    import peewee as pw

    from models import db as dbmod

    kid, t2 = school["kids"]["张小明"], school["staff"][1]
    with pytest.raises(pw.IntegrityError):
        with dbmod.current().atomic():
            Pairing.create(child=kid.id, kind="帮扶教师", staff=t2.id, started_on=TODAY)
    Pairing.create(child=kid.id, kind="帮扶教师", staff=t2.id, started_on=dt.date(2026, 9, 1),
                   ended_on=dt.date(2026, 10, 1))  # ended ones are history: any number of them
    assert len(active(kid)) == 1


def test_two_teachers_pairing_one_child_at_once(school, backend):
    """The second of two simultaneous pairings gets a message, not a second active pairing.

    On SQLite the other writer waits for the write lock; on PostgreSQL both pass the check under
    READ COMMITTED and the index refuses the second insert. The other teacher's pairing is made
    in another connection exactly between this one's check and its insert."""
    import threading

    from models import db as dbmod

    s = school
    kid = s["kids"]["张丽华"]
    original = pairings._helper_load
    done = []

    def other_teacher():
        dbmod.current().connect(reuse_if_open=True)
        try:
            pairings.assign(s["school"].id, kid.id, "帮扶教师", ("staff", s["staff"][1].id), today=TODAY,
                            viewer=ALL)
            done.append("paired")
        except Exception as exc:  # noqa: BLE001 - reported below
            done.append(exc)
        finally:
            dbmod.current().close()

    def race(*args, **kwargs):
        pairings._helper_load = original
        worker = threading.Thread(target=other_teacher)
        worker.start()
        worker.join(timeout=1.0 if backend == "sqlite" else 10)
        return original(*args, **kwargs)

    pairings._helper_load = race
    try:
        if backend == "sqlite":  # the other teacher waits for the lock, then finds the child paired
            pairings.assign(s["school"].id, kid.id, "帮扶教师", ("staff", s["math"].id), today=TODAY, viewer=ALL)
            assert active(kid)[0].staff_id == s["math"].id
        else:
            with pytest.raises(PairingError, match="刚刚已由别人结对了帮扶教师"):
                pairings.assign(s["school"].id, kid.id, "帮扶教师", ("staff", s["math"].id), today=TODAY,
                                viewer=ALL)
            assert done == ["paired"]
    finally:
        pairings._helper_load = original
        for t in threading.enumerate():
            if t is not threading.current_thread() and t.name.startswith("Thread"):
                t.join(timeout=20)
    assert len(active(kid)) == 1
    if backend == "sqlite":
        assert len(done) == 1 and isinstance(done[0], PairingError)


def test_one_active_pairing_per_child_and_kind(school):
    s = school
    kid = s["kids"]["张小明"]
    t1, t2 = s["staff"]
    with pytest.raises(PairingError, match="已有帮扶教师李老师.*m 更换"):
        pairings.assign(s["school"].id, kid.id, "帮扶教师", ("staff", t2.id), today=TODAY, viewer=ALL)
    with pytest.raises(PairingError, match="已经是李老师"):
        pairings.assign(s["school"].id, kid.id, "帮扶教师", ("staff", t1.id), today=TODAY, viewer=ALL)
    # another kind is another pairing
    pairings.assign(s["school"].id, kid.id, "爱心妈妈", ("staff", s["math"].id), today=TODAY, viewer=ALL)
    assert len(active(kid)) == 1 and len(active(kid, "爱心妈妈")) == 1


def test_end_keeps_the_history(school):
    s = school
    kid = s["kids"]["张小明"]
    (p,) = active(kid)
    with pytest.raises(PairingError, match="请填写结束原因"):
        pairings.end_pairing(p.id, "  ", on_date=TODAY, viewer=ALL)
    pairings.end_pairing(p.id, "教师调动", on_date=TODAY, staff_id=s["staff"][0].id, viewer=ALL)
    p = Pairing.get_by_id(p.id)
    assert (p.ended_on, p.end_reason) == (TODAY, "教师调动")
    assert Pairing.select().where(Pairing.child == kid.id).count() == 1  # nothing deleted
    with pytest.raises(PairingError, match="已经结束"):
        pairings.end_pairing(p.id, "again", on_date=TODAY, viewer=ALL)
    board = pairings.load_board(s["school"].id, "帮扶教师", viewer=ALL)
    assert kid.id in [c.child_id for c in board.unpaired.children]
    log = AuditLog.get((AuditLog.table == "pairing") & (AuditLog.row_id == p.id))
    assert "教师调动" in log.new


def test_move_ends_the_old_and_starts_a_new_one(school):
    s = school
    kid = s["kids"]["张小明"]
    t1, t2 = s["staff"]
    (old,) = active(kid)
    Pairing.update(plan_time="每周三", plan_content="辅导数学", plan_results="进步了").where(Pairing.id == old.id).execute()
    new_id = pairings.move(s["school"].id, old.id, ("staff", t2.id), today=TODAY, viewer=ALL)
    old = Pairing.get_by_id(old.id)
    new = Pairing.get_by_id(new_id)
    assert old.ended_on == TODAY and old.end_reason == "改由赵老师帮扶"
    assert (new.staff_id, new.started_on, new.ended_on) == (t2.id, TODAY, None)
    assert (new.plan_time, new.plan_content, new.plan_results) == ("每周三", "辅导数学", "")
    assert [p.id for p in active(kid)] == [new_id]
    detail = pairings.pairing_detail(new_id, viewer=ALL)
    assert [h["helper"] for h in detail["history"]] == ["赵老师", "李老师"]
    # the roster's 帮扶 column and the child's detail follow
    assert next(r for r in roster_rows(s["school"].id, viewer=ALL) if r.id == kid.id).helper == "赵老师"
    assert [p["helper"] for p in children.child_detail(kid.id, viewer=ALL)["pairings"]] == ["赵老师"]
    with pytest.raises(PairingError, match="已经结束"):
        pairings.move(s["school"].id, old.id, ("staff", t1.id), today=TODAY, viewer=ALL)


def test_started_before_ended_never_inverts(school):
    kid = school["kids"]["张小明"]
    (p,) = active(kid)
    pairings.end_pairing(p.id, "录错了", on_date=dt.date(2026, 8, 1), viewer=ALL)
    assert Pairing.get_by_id(p.id).ended_on == p.started_on


# --------------------------------------------------------------------------- refusals


REFUSALS = [
    ("inactive helper", "帮扶教师", lambda s: ("staff", s["gone"].id), "钱老师已停用"),
    ("staff of another school", "爱心妈妈", lambda s: ("staff", s["other_staff"].id), "不是本校"),
    ("self as buddy", "学习帮手", lambda s: ("child", s["kids"]["张丽华"].id), "不能做自己的学习帮手"),
    ("buddy of another school", "学习帮手", lambda s: ("child", s["other_child"].id), "不是本校学生"),
    ("buddy who left", "学习帮手", lambda s: ("child", s["kids"]["陈刚"].id), "陈刚已转出"),
    ("staff as buddy", "学习帮手", lambda s: ("staff", s["staff"][0].id), "学习帮手应为本校学生"),
    ("child as teacher", "帮扶教师", lambda s: ("child", s["mate"].id), "帮扶教师应为本校教职工"),
    ("empty community name", "党员干部", lambda s: ("name", "   "), "请填写帮扶人姓名"),
    ("invisible char in name", "党员干部", lambda s: ("name", "王\u200b书记"), "不可见字符"),
    ("unknown kind", "班长", lambda s: ("staff", s["staff"][0].id), "没有这种结对"),
]


@pytest.mark.parametrize("kind,helper,message", [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_refused_with_a_message(school, kind, helper, message):
    kid = school["kids"]["张丽华"]
    before = Pairing.select().count()
    with pytest.raises(PairingError, match=message):
        pairings.assign(school["school"].id, kid.id, kind, helper(school), today=TODAY, viewer=ALL)
    assert Pairing.select().count() == before


def test_a_child_who_left_cannot_be_paired(school):
    with pytest.raises(PairingError, match="陈刚已转出"):
        pairings.assign(school["school"].id, school["kids"]["陈刚"].id, "帮扶教师",
                        ("staff", school["staff"][1].id), today=TODAY, viewer=ALL)


def test_buddy_and_community_helper(school):
    s = school
    kid = s["kids"]["张丽华"]
    pairings.assign(s["school"].id, kid.id, "学习帮手", ("child", s["mate"].id), today=TODAY, viewer=ALL)
    pairings.assign(s["school"].id, kid.id, "党员干部", ("name", " 郭丽芬(村支书) "), today=TODAY, viewer=ALL)
    (b,) = active(kid, "学习帮手")
    (c,) = active(kid, "党员干部")
    assert b.buddy_id == s["mate"].id and c.helper_name == "郭丽芬(村支书)"
    board = pairings.load_board(s["school"].id, "党员干部", viewer=ALL)
    assert board.group(("name", "郭丽芬(村支书)")).load == 1


# --------------------------------------------------------------------------- maximum load


@pytest.mark.parametrize("value,ok", [("3", True), ("1", True), ("999", True), ("0", False), ("1000", False),
                                      ("abc", False), ("", False), ("-2", False), ("2.5", False)])
def test_max_load_setting(school, value, ok):
    sch = school["school"].id
    if ok:
        assert pairings.set_max_load(sch, "帮扶教师", value, viewer=ALL) == int(value)
        assert pairings.max_load(sch, "帮扶教师") == int(value)
        assert Setting.get(Setting.key == "pairing.max_load.帮扶教师").value == value
    else:
        with pytest.raises(PairingError, match="上限"):
            pairings.set_max_load(sch, "帮扶教师", value, viewer=ALL)
        assert pairings.max_load(sch, "帮扶教师") == pairings.DEFAULT_MAX_LOAD["帮扶教师"]
    assert pairings.max_load(sch, "爱心妈妈") == pairings.DEFAULT_MAX_LOAD["爱心妈妈"]


def test_settings_are_per_school_and_audited(school):
    settings.put(school["school"].id, "x", "1")
    settings.put(school["school"].id, "x", "2")
    assert settings.get(school["school"].id, "x") == "2"
    assert settings.get(None, "x", "default") == "default"
    assert AuditLog.select().where(AuditLog.table == "setting").count() == 2


def test_over_the_maximum_asks_first(school):
    s = school
    t1 = s["staff"][0]
    pairings.set_max_load(s["school"].id, "帮扶教师", "1", viewer=ALL)
    kid = s["kids"]["张丽华"]
    with pytest.raises(OverLoad) as info:
        pairings.assign(s["school"].id, kid.id, "帮扶教师", ("staff", t1.id), today=TODAY, viewer=ALL)
    assert (info.value.load, info.value.max_load) == (1, 1)
    assert "李老师已有1个孩子 (上限1)" in str(info.value)
    assert not active(kid)
    pairings.assign(s["school"].id, kid.id, "帮扶教师", ("staff", t1.id), today=TODAY, allow_over=True, viewer=ALL)
    board = pairings.load_board(s["school"].id, "帮扶教师", viewer=ALL)
    g = board.group(("staff", t1.id))
    assert (g.load, g.max_load, g.over) == (2, 1, True)


def test_a_move_over_the_maximum_changes_nothing_until_confirmed(school):
    s = school
    sch = s["school"].id
    t1, t2 = s["staff"]
    pairings.set_max_load(sch, "帮扶教师", "1", viewer=ALL)
    pairings.assign(sch, s["kids"]["王芳"].id, "帮扶教师", ("staff", t2.id), today=TODAY, viewer=ALL)
    (p,) = active(s["kids"]["张小明"])
    with pytest.raises(OverLoad):
        pairings.move(sch, p.id, ("staff", t2.id), today=TODAY, viewer=ALL)
    assert Pairing.get_by_id(p.id).ended_on is None  # the end was rolled back with the refusal
    pairings.move(sch, p.id, ("staff", t2.id), today=TODAY, allow_over=True, viewer=ALL)
    assert [x.staff_id for x in active(s["kids"]["张小明"])] == [t2.id]


# --------------------------------------------------------------------------- leaving


def _save_status(child, status, on):
    values = children.load_form_values(child.id)
    values.update(status=status, status_date=on.isoformat())
    clean, errors = children.validate_child(values, child_id=child.id, today=TODAY)
    assert not errors, errors
    children.save_child(clean, child_id=child.id, school_id=child.school_id, staff_id=None, viewer=ALL)


@pytest.mark.parametrize("status", ["转出", "毕业", "辍学"])
def test_leaving_school_ends_pairings_on_that_date(school, status):
    s = school
    kid, other = s["kids"]["张小明"], s["kids"]["张丽华"]
    pairings.assign(s["school"].id, kid.id, "爱心妈妈", ("staff", s["math"].id), today=dt.date(2026, 10, 1), viewer=ALL)
    pairings.assign(s["school"].id, other.id, "学习帮手", ("child", kid.id), today=dt.date(2026, 10, 1), viewer=ALL)
    left_on = dt.date(2026, 11, 20)
    _save_status(Child.get_by_id(kid.id), status, left_on)
    ended = list(Pairing.select().where((Pairing.child == kid.id) | (Pairing.buddy == kid.id)))
    assert len(ended) == 3
    assert all(p.ended_on == left_on for p in ended)
    assert sorted(p.end_reason for p in ended) == sorted([f"学生{status}", f"学生{status}", f"学习帮手{status}"])
    # the child it helped needs a new buddy now
    board = pairings.load_board(s["school"].id, "学习帮手", viewer=ALL)
    assert other.id in [c.child_id for c in board.unpaired.children]


def test_other_changes_leave_pairings_alone(school):
    kid = school["kids"]["张小明"]
    values = children.load_form_values(kid.id)
    values["notes"] = "换了座位"
    clean, errors = children.validate_child(values, child_id=kid.id, today=TODAY)
    children.save_child(clean, child_id=kid.id, school_id=kid.school_id, staff_id=None, viewer=ALL)
    assert len(active(kid)) == 1


def test_inactive_helpers_children_need_a_new_helper(school):
    s = school
    kid = s["kids"]["张丽华"]
    Pairing.create(child=kid, kind="帮扶教师", staff=s["gone"], started_on=dt.date(2026, 9, 1))
    board = pairings.load_board(s["school"].id, "帮扶教师", viewer=ALL)
    row = next(c for c in board.unpaired.children if c.child_id == kid.id)
    assert row.note == "钱老师停用" and row.pairing_id is not None
    assert board.group(("staff", s["gone"].id)) is None
    # assigning ends the stale pairing on the way
    pairings.assign(s["school"].id, kid.id, "帮扶教师", ("staff", s["staff"][0].id), today=TODAY, viewer=ALL)
    (p,) = active(kid)
    assert p.staff_id == s["staff"][0].id
    stale = Pairing.get((Pairing.child == kid.id) & (Pairing.staff == s["gone"].id))
    assert stale.ended_on == TODAY and "钱老师已停用" in stale.end_reason


# --------------------------------------------------------------------------- the board


def test_board_groups_and_last_contacts(school):
    s = school
    t1, t2 = s["staff"]
    board = pairings.load_board(s["school"].id, "帮扶教师", viewer=ALL)
    assert board.groups[0].key == UNPAIRED
    assert [c.name for c in board.unpaired.children] == ["王芳", "张丽华"]  # key target first
    assert board.subjects == 3 and board.paired == 1
    # every active non-volunteer staff member is a helper, even with no child yet
    assert {g.name for g in board.groups[1:]} == {"李老师", "赵老师", "孙老师"}
    g = board.group(("staff", t1.id))
    (row,) = g.children
    # the reached talk of 11-20 counts; the unanswered call of 11-25 does not
    assert (row.name, row.started_on, row.last_contact) == ("张小明", dt.date(2026, 9, 1), dt.date(2026, 11, 20))
    assert (g.load, g.max_load) == (1, pairings.DEFAULT_MAX_LOAD["帮扶教师"])
    mama = pairings.load_board(s["school"].id, "爱心妈妈", viewer=ALL)
    assert {g.name for g in mama.groups[1:]} == {"李老师", "孙老师"}  # female staff


def test_parents_home_leave_the_board_count_as_they_leave_the_roster(school):
    """A child whose parents came home is not among the board's 留守在读 (the roster, the 登记表 and
    the duties count by one condition, duties.left_behind_on); a pairing that still runs says why."""
    s = school
    kid = s["kids"]["张小明"]  # paired with 李老师 (the fixture)
    before = pairings.load_board(s["school"].id, "帮扶教师", viewer=ALL)
    assert Parent.update(away=False, returned_on=dt.date.today() - dt.timedelta(days=3)).where(
        Parent.child == kid.id).execute() >= 1  # every parent of his is home since three days
    board = pairings.load_board(s["school"].id, "帮扶教师", viewer=ALL)
    roster = [r for r in roster_rows(s["school"].id, viewer=ALL) if r.left_behind and r.status == "在读"]
    assert (board.subjects, board.paired) == (before.subjects - 1, before.paired - 1)
    assert board.subjects == len(roster)
    (row,) = [c for g in board.groups for c in g.children if c.child_id == kid.id]
    assert row.note == "父母返乡"
    # away again (a returned_on later than today): left behind, no note
    Parent.update(returned_on=dt.date.today() + dt.timedelta(days=30)).where(Parent.child == kid.id).execute()
    again = pairings.load_board(s["school"].id, "帮扶教师", viewer=ALL)
    assert (again.subjects, again.paired) == (before.subjects, before.paired)
    assert [c.note for g in again.groups for c in g.children if c.child_id == kid.id] == [""]


def test_last_contact_is_with_that_helper(school):
    s = school
    kid = s["kids"]["张小明"]
    Contact.create(child=kid, staff=s["staff"][1], kind="谈心", at=dt.datetime(2026, 11, 27, 9, 0))
    board = pairings.load_board(s["school"].id, "帮扶教师", viewer=ALL)
    (row,) = board.group(("staff", s["staff"][0].id)).children
    assert row.last_contact == dt.date(2026, 11, 20)


# --------------------------------------------------------------------------- suggestions


def _suggested(board):
    return {c.name: (c.suggestion.label, c.suggestion.reason) if c.suggestion else None
            for c in board.unpaired.children}


SUGGESTIONS = [
    # kind, max load, expected {child: (helper, reason)}
    ("帮扶教师", 15, {"张丽华": ("李老师", "班主任"), "王芳": ("赵老师", "班主任")}),
    # 李老师 is full: the class's subject teacher (TeachingAssignment) comes next
    ("帮扶教师", 1, {"张丽华": ("孙老师", "任课数学"), "王芳": ("赵老师", "班主任")}),
    # 爱心妈妈: women only (赵老师, 男, heads 王芳's class but is never proposed); the class
    # first, then the lowest load; someone other than the child's own 帮扶教师 when possible
    ("爱心妈妈", 10, {"王芳": ("李老师", "负荷低"), "张丽华": ("李老师", "班主任"), "张小明": ("孙老师", "同班")}),
    # a classmate who is not left-behind, same sex first
    ("学习帮手", 2, {"王芳": ("刘强", "同班"), "张丽华": ("周小红", "同班同性"), "张小明": ("周小红", "同班")}),
]


@pytest.mark.parametrize("kind,limit,expected", SUGGESTIONS)
def test_suggestions(school, kind, limit, expected):
    sch = school["school"].id
    pairings.set_max_load(sch, kind, str(limit), viewer=ALL)
    assert _suggested(pairings.load_board(sch, kind, viewer=ALL)) == expected


def test_suggestions_spread_the_load(school):
    s = school
    sch = s["school"].id
    c1 = s["classes"][0]
    for name in ("甲", "乙", "丙"):
        add_child(s["school"], c1, f"吴{name}")
    pairings.set_max_load(sch, "帮扶教师", "3", viewer=ALL)
    board = pairings.load_board(sch, "帮扶教师", viewer=ALL)
    got = [c.suggestion.label for c in board.unpaired.children if c.class_name == "三年级2班"]
    # 李老师 has 张小明: two more fill her to 3, the rest go to the class's math teacher
    assert sorted(got) == ["孙老师", "孙老师", "李老师", "李老师"]


def test_a_helper_who_just_stopped_is_not_proposed_again(school):
    s = school
    kid = s["kids"]["张小明"]
    (p,) = active(kid)
    pairings.end_pairing(p.id, "教师调动", on_date=TODAY, viewer=ALL)
    board = pairings.load_board(s["school"].id, "帮扶教师", viewer=ALL)
    assert _suggested(board)["张小明"] == ("孙老师", "任课数学")  # not 李老师 again


def test_accept_every_suggestion_empties_the_unpaired(school):
    sch = school["school"].id
    n = pairings.accept_suggestions(sch, "帮扶教师", today=TODAY, viewer=ALL)
    assert n == 2
    board = pairings.load_board(sch, "帮扶教师", viewer=ALL)
    assert board.unpaired.children == [] and board.paired == board.subjects == 3


def test_community_suggestion_by_village(school):
    s = school
    sch = s["school"].id
    pairings.assign(sch, s["kids"]["张小明"].id, "党员干部", ("name", "郭丽芬(村支书)"), today=TODAY, viewer=ALL)
    Child.update(address="青山村1组").where(Child.id == s["kids"]["王芳"].id).execute()
    board = pairings.load_board(sch, "党员干部", viewer=ALL)
    assert _suggested(board) == {"张丽华": ("郭丽芬(村支书)", "同村"), "王芳": None}  # fixture: 石门村3组


def test_candidates_put_the_class_first(school):
    s = school
    cands = pairings.candidates(s["school"].id, "帮扶教师", s["kids"]["张丽华"].id, viewer=ALL)
    names = [c.name for c in cands]
    assert names[:2] == ["李老师", "孙老师"] and "钱老师" not in names and "外校老师" not in names
    buddies = pairings.candidates(s["school"].id, "学习帮手", s["kids"]["张丽华"].id, viewer=ALL)
    assert "张丽华" not in [c.name for c in buddies] and "陈刚" not in [c.name for c in buddies]
    assert buddies[0].preferred


# --------------------------------------------------------------------------- the plan


def test_update_plan(school):
    (p,) = active(school["kids"]["张小明"])
    assert pairings.update_plan(p.id, plan_time=" 每周三 中午 ", plan_content="辅导数学\n", plan_results="", viewer=ALL) == {}
    p = Pairing.get_by_id(p.id)
    assert (p.plan_time, p.plan_content) == ("每周三 中午", "辅导数学")
    errors = pairings.update_plan(p.id, plan_time="x" * 201, plan_content="y" * 2001, plan_results="", viewer=ALL)
    assert set(errors) == {"plan_time", "plan_content"}
    assert Pairing.get_by_id(p.id).plan_time == "每周三 中午"
    detail = pairings.pairing_detail(p.id, viewer=ALL)
    assert [c["at"].date() for c in detail["contacts"]] == [dt.date(2026, 11, 25), dt.date(2026, 11, 20)]


# --------------------------------------------------------------------------- PostgreSQL


def test_board_and_changes_on_postgres(pg_server):
    from models import db as dbmod
    from models import schema

    url = pg_server.create_database("pairing_test")
    dbmod.open_database(url)
    try:
        schema.migrate()
        sch = School.create(name="县一小")
        t1 = Staff.create(school=sch, name="李老师", name_pinyin="lilaoshi", role="class_teacher", sex="女")
        t2 = Staff.create(school=sch, name="赵老师", name_pinyin="zhaolaoshi", role="teacher", sex="男")
        c = Classroom.create(school=sch, grade=1, number=1, name="一年级1班", head_teacher=t1)
        TeachingAssignment.create(staff=t2, classroom=c, subject="数学")
        a = add_child(sch, c, "张小明")
        b = add_child(sch, c, "王芳", sex="女", key_target=True)
        p = pairings.assign(sch.id, a.id, "帮扶教师", ("staff", t1.id), today=dt.date(2026, 9, 1), viewer=ALL)
        Contact.create(child=a, staff=t1, kind="谈心", at=dt.datetime(2026, 11, 2, 9, 30))
        pairings.set_max_load(sch.id, "帮扶教师", "1", viewer=ALL)
        board = pairings.load_board(sch.id, "帮扶教师", viewer=ALL)
        assert [c.name for c in board.unpaired.children] == ["王芳"]
        assert board.unpaired.children[0].suggestion.label == "赵老师"  # 李老师 is full
        assert board.group(("staff", t1.id)).children[0].last_contact == dt.date(2026, 11, 2)
        new = pairings.move(sch.id, p, ("staff", t2.id), today=TODAY, viewer=ALL)
        pairings.end_pairing(new, "结对调整", on_date=TODAY, viewer=ALL)
        assert pairings.accept_suggestions(sch.id, "帮扶教师", today=TODAY, viewer=ALL) == 2
        assert pairings.load_board(sch.id, "帮扶教师", viewer=ALL).unpaired.children == []
        assert Pairing.select().where(Pairing.child == a.id).count() == 3
    finally:
        dbmod.current().close()
