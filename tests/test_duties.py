"""Duty computation over hand-built histories: the one definition of due and overdue."""
from __future__ import annotations

import datetime as dt

import pytest

from models import db as dbmod
from models import duties
from models.duties import LATER, OVERDUE, THIS_WEEK, TODAY
from models.entities import CareRule, Child, Classroom, Contact, Pairing, Parent, School, Staff
from models.scope import system_viewer
from tests.conftest import add_child

pytestmark = pytest.mark.both_backends  # the model layer runs on SQLite and on PostgreSQL

ALL = system_viewer()  # the whole database: these tests are about the rules, not about scope

D = dt.date
WED = D(2026, 11, 18)  # a Wednesday in the 秋季学期 (2026-09-01 .. 2027-01-31)
TERM_START = D(2026, 9, 1)


@pytest.fixture
def school(db_path):
    """One class; a head teacher, an 爱心妈妈, a 帮扶教师 and a counsellor."""
    s = School.create(name="测试小学")
    staff = {
        "head": Staff.create(school=s, name="李老师", role="class_teacher", login="li"),
        "mama": Staff.create(school=s, name="王老师", role="teacher", login="wang"),
        "helper": Staff.create(school=s, name="赵老师", role="teacher", login="zhao"),
        "counselor": Staff.create(school=s, name="孙老师", role="counselor", login="sun"),
    }
    room = Classroom.create(school=s, grade=3, number=2, name="三年级2班", head_teacher=staff["head"])
    return {"school": s, "room": room, **staff}


def kid(school, name="张小明", parents=("away",), room=None, **kw) -> Child:
    """A left-behind child; ``parents``: one entry per Parent row, 'away' or a return date."""
    child = add_child(school["school"], room or school["room"], name, **kw)
    for relation, state in zip(("父亲", "母亲"), parents):
        if state == "away":
            Parent.create(child=child, relation=relation, away=True)
        else:
            Parent.create(child=child, relation=relation, away=False, returned_on=state)
    return child


def contact(child, kind="谈心", on=WED, by=None, reached=True, hour=10):
    at = dt.datetime.combine(on, dt.time(hour, 0)) if isinstance(on, dt.date) else on
    return Contact.create(child=child, staff=by, kind=kind, at=at, reached=reached)


def pair(child, kind, staff, started=TERM_START, ended=None):
    return Pairing.create(child=child, kind=kind, staff=staff, started_on=started, ended_on=ended)


def due_of(child, on, rule, horizon=duties.DEFAULT_HORIZON):
    """(due, days_overdue, status) of one rule for one child, or None when it is not open."""
    found = [d for d in duties.open_duties(on, child_id=child.id, horizon_days=horizon, viewer=ALL) if d.rule_name == rule]
    assert len(found) <= 1
    return (found[0].due, found[0].days_overdue, found[0].status) if found else None


def ago(n, on=WED):
    return on - dt.timedelta(days=n)


# --------------------------------------------------------------------------- the rules themselves


def test_default_rules_are_seeded_by_the_migration(db_path):
    rules = {r.name: r for r in duties.care_rules()}
    assert list(rules) == ["每周谈心", "家长电话", "爱心妈妈谈心", "家访", "心理辅导",
                           "红色关注心理辅导", "黄色关注家长电话"]  # the last two by 0013 (需要关注)
    assert [rules[n].applies_to for n in list(rules)[-2:]] == ["attention_red", "attention_yellow"]
    assert (rules["每周谈心"].contact_kind, rules["每周谈心"].interval_days) == ("谈心", 7)
    assert (rules["家长电话"].contact_kind, rules["家长电话"].interval_days) == ("家长电话", 14)
    assert (rules["爱心妈妈谈心"].helper_kind, rules["爱心妈妈谈心"].interval_days) == ("爱心妈妈", 7)
    assert rules["家访"].per_term and rules["家访"].helper_kind == "帮扶教师"
    assert rules["心理辅导"].applies_to == "key_target" and rules["心理辅导"].rrule.startswith("FREQ=MONTHLY")
    assert all(duties.check_rule(r) is None for r in rules.values())


# The suggested dates (no 行事历 set): 秋季 from 1 Sept to the Friday a week or more before 春节
# (2027-02-06), 春季 from the Monday 13+ days after 春节 to July's second Friday; None in the holidays.
@pytest.mark.parametrize("day, expected", [
    (D(2026, 9, 1), ("秋季学期", D(2026, 9, 1), D(2027, 1, 29))),
    (D(2026, 12, 31), ("秋季学期", D(2026, 9, 1), D(2027, 1, 29))),
    (D(2027, 1, 29), ("秋季学期", D(2026, 9, 1), D(2027, 1, 29))),
    (D(2027, 1, 30), None),  # 寒假
    (D(2027, 2, 21), None),
    (D(2027, 2, 22), ("春季学期", D(2027, 2, 22), D(2027, 7, 9))),
    (D(2027, 7, 9), ("春季学期", D(2027, 2, 22), D(2027, 7, 9))),
    (D(2027, 7, 10), None),  # 暑假
    (D(2026, 8, 31), None),
])
def test_terms(school, day, expected):
    term = duties.term_for(day)
    assert (term and (term.name, term.start, term.end)) == expected
    assert term is None or day in term


def test_the_schools_own_term_dates_rule_the_duties(school):
    """The 行事历's 开学/放假 are the duty term: a term set to end on 01-22 has no duty on 01-25."""
    from models import settings, terms

    sid = school["school"].id
    settings.put(sid, terms.setting_key("秋季学期", 2026, "end"), "2027-01-22")
    settings.put(sid, terms.setting_key("春季学期", 2027, "start"), "2027-02-25")
    child = kid(school)
    assert duties.term_for(D(2027, 1, 22), school_id=sid).end == D(2027, 1, 22)
    assert duties.term_for(D(2027, 1, 25), school_id=sid) is None
    assert duties.open_duties(D(2027, 1, 25), child_id=child.id, viewer=ALL, school_id=sid) == []
    assert duties.open_duties(D(2027, 1, 22), child_id=child.id, viewer=ALL, school_id=sid)
    assert duties.term_for(D(2027, 2, 24), school_id=sid) is None
    assert duties.term_for(D(2027, 2, 25), school_id=sid).start == D(2027, 2, 25)


def test_no_term_and_no_duties_in_the_summer_holiday(school):
    child = kid(school)
    assert duties.term_for(D(2026, 8, 15)) is None
    assert duties.open_duties(D(2026, 8, 15), child_id=child.id, viewer=ALL) == []
    assert duties.open_duties(D(2026, 9, 1), child_id=child.id, horizon_days=None, viewer=ALL)


# --------------------------------------------------------------------------- weekly talk


@pytest.mark.parametrize("history, horizon, expected", [
    # (days before WED, kind, reached), horizon, (due, days overdue, status) or None
    ([(7, "谈心", True)], 6, (WED, 0, TODAY)),
    ([(8, "谈心", True)], 6, (ago(1), 1, OVERDUE)),
    ([(6, "谈心", True)], 6, (ago(-1), 0, THIS_WEEK)),
    ([(6, "谈心", True)], 0, None),  # due tomorrow: not open with no look-ahead
    ([(7, "谈心", True)], 0, (WED, 0, TODAY)),
    ([(1, "谈心", True)], 6, (ago(-6), 0, THIS_WEEK)),
    ([(0, "谈心", True)], 6, None),  # talked today: due in 7 days, beyond this week
    ([(10, "谈心", True), (3, "谈心", True)], 6, (ago(-4), 0, THIS_WEEK)),  # the last talk counts
    ([(9, "谈心", True), (2, "谈心", False)], 6, (ago(2), 2, OVERDUE)),  # an attempt meets nothing
    ([(9, "谈心", True), (2, "亲情电话", True)], 6, (ago(2), 2, OVERDUE)),  # another kind meets nothing
    ([(9, "谈心", True), (-1, "谈心", True)], 6, (ago(2), 2, OVERDUE)),  # tomorrow's talk does not count yet
    ([], 6, (D(2026, 9, 8), (WED - D(2026, 9, 8)).days, OVERDUE)),  # never: due a week into term
    ([(150, "谈心", True)], 6, (D(2026, 9, 8), (WED - D(2026, 9, 8)).days, OVERDUE)),  # last term's talk
])
def test_weekly_talk(school, history, horizon, expected):
    child = kid(school)
    for days, kind, reached in history:
        contact(child, kind, ago(days), by=school["head"], reached=reached)
    assert due_of(child, WED, "每周谈心", horizon) == expected


def test_time_of_day_does_not_matter(school):
    early, late = kid(school, "张一"), kid(school, "张二")
    contact(early, on=dt.datetime(2026, 11, 11, 0, 0, 0))
    contact(late, on=dt.datetime(2026, 11, 11, 23, 59, 59))
    assert due_of(early, WED, "每周谈心") == due_of(late, WED, "每周谈心") == (WED, 0, TODAY)


def test_weekly_boundaries_day_by_day(school):
    """A talk on Wednesday 11-11: open 本周 from Thursday, 今天 on the next Wednesday, then overdue."""
    child = kid(school)
    contact(child, on=D(2026, 11, 11))
    seen = {}
    for n in range(0, 10):
        day = D(2026, 11, 11) + dt.timedelta(days=n)
        seen[n] = due_of(child, day, "每周谈心")
    assert seen[0] is None
    assert all(seen[n] == (WED, 0, THIS_WEEK) for n in range(1, 7))
    assert seen[7] == (WED, 0, TODAY)
    assert seen[8] == (WED, 1, OVERDUE) and seen[9] == (WED, 2, OVERDUE)


# --------------------------------------------------------------------------- parent calls


@pytest.mark.parametrize("history, expected", [
    ([(14, True)], (WED, 0, TODAY)),
    ([(15, True)], (ago(1), 1, OVERDUE)),
    ([(15, True), (1, False)], (ago(1), 1, OVERDUE)),  # the unanswered call yesterday does not count
    ([(15, True), (1, False), (0, True)], None),  # reached today: due in 14 days
    ([(3, False), (2, False)], (D(2026, 9, 15), (WED - D(2026, 9, 15)).days, OVERDUE)),
    ([(9, True)], (ago(-5), 0, THIS_WEEK)),
])
def test_parent_call_attempted_vs_reached(school, history, expected):
    child = kid(school)
    for days, reached in history:
        contact(child, "家长电话", ago(days), by=school["head"], reached=reached)
    assert due_of(child, WED, "家长电话") == expected


def test_a_talk_does_not_meet_the_parent_call(school):
    child = kid(school)
    contact(child, "谈心", ago(1))
    contact(child, "亲情电话", ago(1))  # the child phoning home is not the teacher's call
    assert due_of(child, WED, "家长电话")[2] == OVERDUE


# --------------------------------------------------------------------------- who is subject


def test_child_who_leaves_mid_week(school):
    """转出 on Thursday 11-19: duties on Wednesday, none from Thursday on."""
    child = kid(school, status="转出", status_date=D(2026, 11, 19))
    contact(child, on=ago(8))
    assert due_of(child, WED, "每周谈心") == (ago(1), 1, OVERDUE)
    assert duties.open_duties(D(2026, 11, 19), child_id=child.id, viewer=ALL) == []
    assert duties.open_duties(D(2026, 11, 20), child_id=child.id, horizon_days=None, viewer=ALL) == []


@pytest.mark.parametrize("status", ["转出", "毕业", "辍学"])
def test_left_school_without_a_date_has_no_duties(school, status):
    child = kid(school, status=status)
    assert duties.open_duties(WED, child_id=child.id, horizon_days=None, viewer=ALL) == []


def test_parents_who_return(school):
    """Both parents home since Monday 11-16: duties until Sunday, none from Monday."""
    child = kid(school, parents=(D(2026, 11, 16), D(2026, 11, 16)))
    assert due_of(child, D(2026, 11, 15), "每周谈心")[2] == OVERDUE
    assert duties.open_duties(D(2026, 11, 16), child_id=child.id, viewer=ALL) == []
    assert duties.open_duties(WED, child_id=child.id, horizon_days=None, viewer=ALL) == []


@pytest.mark.parametrize("parents, subject", [
    (("away",), True),
    (("away", "away"), True),
    ((D(2026, 11, 16), "away"), True),  # the mother is still away
    ((D(2026, 11, 16), D(2026, 11, 20)), True),  # the mother comes home only on Friday
    ((D(2026, 11, 16),), False),  # the only parent on file is home
    ((None, None), False),  # home, return date unknown
    ((), True),  # no parents on file: treated as away
])
def test_parents_home_or_away(school, parents, subject):
    child = kid(school, parents=parents)
    assert bool(duties.open_duties(WED, child_id=child.id, viewer=ALL)) is subject


def test_not_left_behind_has_no_duties(school):
    child = kid(school, left_behind_type="")
    assert duties.open_duties(WED, child_id=child.id, horizon_days=None, viewer=ALL) == []


# --------------------------------------------------------------------------- 爱心妈妈 and 帮扶教师


def test_love_mother_talk_must_be_by_her(school):
    child = kid(school)
    pair(child, "爱心妈妈", school["mama"])
    contact(child, on=ago(2), by=school["head"])  # the head teacher's talk
    assert due_of(child, WED, "每周谈心") == (ago(-5), 0, THIS_WEEK)
    mama_due = due_of(child, WED, "爱心妈妈谈心")
    assert mama_due and mama_due[2] == OVERDUE and mama_due[0] == D(2026, 9, 8)
    contact(child, on=ago(1), by=school["mama"])  # her own talk meets both duties
    assert due_of(child, WED, "爱心妈妈谈心") == (ago(-6), 0, THIS_WEEK)
    assert due_of(child, WED, "每周谈心") == (ago(-6), 0, THIS_WEEK)
    helper = [d for d in duties.open_duties(WED, child_id=child.id, viewer=ALL) if d.rule_name == "爱心妈妈谈心"][0].helper
    assert helper == "王老师"


def test_love_mother_attempt_does_not_count(school):
    child = kid(school)
    pair(child, "爱心妈妈", school["mama"])
    contact(child, on=ago(8), by=school["mama"])
    contact(child, on=ago(1), by=school["mama"], reached=False)
    assert due_of(child, WED, "爱心妈妈谈心") == (ago(1), 1, OVERDUE)


def test_love_mother_duty_needs_an_active_pairing(school):
    unpaired = kid(school, "张一")
    ended = kid(school, "张二")
    pair(ended, "爱心妈妈", school["mama"], ended=D(2026, 11, 1))
    future = kid(school, "张三")
    pair(future, "爱心妈妈", school["mama"], started=D(2026, 12, 1))
    for child in (unpaired, ended, future):
        assert due_of(child, WED, "爱心妈妈谈心", horizon=None) is None
        assert due_of(child, WED, "每周谈心") is not None
    # before it ended, the pairing made the duty
    assert due_of(ended, D(2026, 10, 20), "爱心妈妈谈心")[2] == OVERDUE


def test_love_mother_paired_mid_term_starts_the_clock(school):
    child = kid(school)
    pair(child, "爱心妈妈", school["mama"], started=D(2026, 11, 10))
    assert due_of(child, WED, "爱心妈妈谈心") == (D(2026, 11, 17), 1, OVERDUE)
    # a talk by her before the pairing began does not count
    contact(child, on=D(2026, 11, 9), by=school["mama"])
    assert due_of(child, WED, "爱心妈妈谈心") == (D(2026, 11, 17), 1, OVERDUE)


def test_love_mother_who_left_the_school(school):
    child = kid(school)
    pair(child, "爱心妈妈", school["mama"])
    Staff.update(active=False).where(Staff.id == school["mama"].id).execute()
    assert due_of(child, WED, "爱心妈妈谈心", horizon=None) is None


@pytest.mark.parametrize("visits, on, expected", [
    ([], WED, None),  # due on the term's last day: not open yet
    ([], D(2027, 1, 25), (D(2027, 1, 29), 0, THIS_WEEK)),  # the term ends on Friday 01-29
    ([], D(2027, 1, 29), (D(2027, 1, 29), 0, TODAY)),
    ([], D(2027, 1, 31), None),  # 寒假: no duties
    ([(D(2026, 10, 10), "helper")], D(2027, 1, 25), None),  # visited this term
    ([(D(2026, 10, 10), "head")], D(2027, 1, 25), (D(2027, 1, 29), 0, THIS_WEEK)),  # not the 帮扶教师
    ([(D(2026, 5, 10), "helper")], D(2027, 1, 25), (D(2027, 1, 29), 0, THIS_WEEK)),  # last term's visit
    ([(D(2026, 10, 10), "helper")], D(2027, 7, 5), (D(2027, 7, 9), 0, THIS_WEEK)),  # a new term
])
def test_home_visit_once_per_term(school, visits, on, expected):
    child = kid(school)
    pair(child, "帮扶教师", school["helper"], started=D(2026, 3, 1))
    for day, who in visits:
        contact(child, "家访", day, by=school[who])
    assert due_of(child, on, "家访") == expected
    everything = duties.duties_for_child(child.id, WED, viewer=ALL)
    if not visits or visits[0][1] == "head" or visits[0][0] < TERM_START:
        assert [d.due for d in everything if d.rule_name == "家访"] == [D(2027, 1, 29)]


def test_home_visit_only_with_a_helper_teacher(school):
    child = kid(school)
    assert due_of(child, D(2027, 1, 29), "家访") is None


# --------------------------------------------------------------------------- 心理辅导 (monthly RRULE)


@pytest.mark.parametrize("key_target, sessions, on, expected", [
    (False, [], WED, None),  # only for 重点帮扶对象
    (True, [], WED, (D(2026, 9, 30), (WED - D(2026, 9, 30)).days, OVERDUE)),
    (True, [D(2026, 10, 12)], WED, None),  # October met: November's is due 11-30, not this week
    (True, [D(2026, 10, 12)], D(2026, 11, 24), (D(2026, 11, 30), 0, THIS_WEEK)),
    (True, [D(2026, 10, 12)], D(2026, 12, 1), (D(2026, 11, 30), 1, OVERDUE)),
    (True, [D(2026, 10, 31)], D(2026, 11, 30), (D(2026, 11, 30), 0, TODAY)),  # last day of October
    (True, [D(2026, 11, 2)], D(2026, 11, 30), None),  # November met: due 12-31
    (True, [D(2026, 9, 20), D(2026, 11, 2)], D(2026, 12, 26), (D(2026, 12, 31), 0, THIS_WEEK)),
])
def test_monthly_counselling_for_key_targets(school, key_target, sessions, on, expected):
    child = kid(school, key_target=key_target)
    for day in sessions:
        contact(child, "心理辅导", day, by=school["counselor"])
    assert due_of(child, on, "心理辅导") == expected


def test_term_end_restarts_the_clocks(school):
    child = kid(school)
    contact(child, on=D(2027, 1, 20))
    assert due_of(child, D(2027, 1, 25), "每周谈心") == (D(2027, 1, 27), 0, THIS_WEEK)
    contact(child, on=D(2027, 1, 23))
    assert due_of(child, D(2027, 1, 25), "每周谈心") is None  # 01-30 is after the term (放假 01-29)
    assert due_of(child, D(2027, 2, 10), "每周谈心") is None  # 寒假
    assert due_of(child, D(2027, 2, 24), "每周谈心") == (D(2027, 3, 1), 0, THIS_WEEK)  # spring: from 开学 02-22


# --------------------------------------------------------------------------- rules are data


def test_rules_edited_by_an_admin(school):
    child = kid(school)
    contact(child, on=ago(4))
    CareRule.update(interval_days=3).where(CareRule.name == "每周谈心").execute()
    assert due_of(child, WED, "每周谈心") == (ago(1), 1, OVERDUE)
    CareRule.update(interval_days=None, rrule="FREQ=WEEKLY;BYDAY=FR").where(CareRule.name == "每周谈心").execute()
    # Friday deadlines: the talk on Saturday 11-14 meets the week ending Friday 11-20; next is 11-27
    assert due_of(child, WED, "每周谈心") is None
    assert due_of(child, WED, "每周谈心", horizon=None) == (D(2026, 11, 27), 0, LATER)
    contact(child, on=D(2026, 11, 5))
    Contact.delete().where(Contact.at > dt.datetime(2026, 11, 10)).execute()
    assert due_of(child, WED, "每周谈心") == (D(2026, 11, 13), 5, OVERDUE)  # met 11-06, missed 11-13
    CareRule.update(active=False).where(CareRule.name == "每周谈心").execute()
    assert due_of(child, WED, "每周谈心") is None
    CareRule.create(name="亲情书信", contact_kind="亲情书信", interval_days=30, sort_order=60)
    assert due_of(child, WED, "亲情书信")[2] == OVERDUE


@pytest.mark.parametrize("fields, fragment", [
    (dict(rrule="FREQ=SOMETIMES"), "无效"),
    (dict(rrule="FREQ=HOURLY"), "太频繁"),
    (dict(interval_days=0), "间隔天数"),
    (dict(applies_to="role"), "适用对象"),
    (dict(helper_kind="学习帮手"), "结对类型"),
])
def test_bad_rules_are_reported(school, fields, fragment):
    values = dict(name="试验", contact_kind="谈心", interval_days=7, rrule="", per_term=False,
                  applies_to="all", helper_kind="")
    values.update(fields)
    rule = CareRule(**values)
    assert fragment in duties.check_rule(rule)
    rule.save()
    kid(school)
    with pytest.raises(duties.RuleError, match="试验"):
        duties.open_duties(WED, viewer=ALL)


# --------------------------------------------------------------------------- the list


def test_order_mine_first_then_most_overdue(school):
    other_room = Classroom.create(school=school["school"], grade=1, number=1, name="一年级1班",
                                  head_teacher=school["helper"])
    a = kid(school, "张一")  # 李老师's class, talked 8 days ago: 1 day overdue
    b = kid(school, "王二", room=other_room)  # 赵老师's class, never: most overdue
    c = kid(school, "刘三")  # 李老师's class, never
    d = kid(school, "陈四", room=other_room)  # 赵老师's class, but 李老师 is the 爱心妈妈
    pair(d, "爱心妈妈", school["head"])
    contact(a, on=ago(8))
    for x in (b, d):
        contact(x, on=ago(3))
    rows = duties.open_duties(WED, kind="每周谈心", viewer=ALL)
    # most overdue first, then class (一年级 before 三年级), then pinyin
    assert [r.child_name for r in rows] == ["刘三", "张一", "陈四", "王二"]
    mine = duties.open_duties(WED, kind="每周谈心", staff_id=school["head"].id, viewer=ALL)
    assert [(r.child_name, r.mine) for r in mine] == [
        ("刘三", True), ("张一", True), ("陈四", True), ("王二", False)]
    only = duties.open_duties(WED, kind="每周谈心", staff_id=school["head"].id, only_mine=True, viewer=ALL)
    assert {r.child_name for r in only} == {"刘三", "张一", "陈四"}
    # 待办's 我的孩子 is the head of the whole list (screens/due.py reads it so, by bisection)
    whole = duties.open_duties(WED, staff_id=school["head"].id, viewer=ALL)
    assert duties.mine_first(whole) == [d for d in whole if d.mine] == duties.open_duties(
        WED, staff_id=school["head"].id, only_mine=True, viewer=ALL)
    assert duties.mine_first(duties.open_duties(WED, viewer=ALL)) == []  # nobody asking: nothing is mine
    by_class = duties.open_duties(WED, kind="每周谈心", classroom_id=other_room.id, viewer=ALL)
    assert {r.child_name for r in by_class} == {"王二", "陈四"}


def test_kind_filter_by_contact_kind_or_rule_name(school):
    child = kid(school, key_target=True)
    pair(child, "爱心妈妈", school["mama"])
    assert {d.rule_name for d in duties.open_duties(WED, kind="谈心", viewer=ALL)} == {"每周谈心", "爱心妈妈谈心"}
    assert {d.rule_name for d in duties.open_duties(WED, kind="爱心妈妈谈心", viewer=ALL)} == {"爱心妈妈谈心"}
    assert {d.rule_name for d in duties.open_duties(WED, viewer=ALL)} == {"每周谈心", "家长电话", "爱心妈妈谈心", "心理辅导"}
    assert duties.open_duties(WED, kind="亲情书信", viewer=ALL) == []
    assert duties.count_by_status(duties.open_duties(WED, viewer=ALL)) == {OVERDUE: 4, TODAY: 0, THIS_WEEK: 0}


def test_school_filter(school):
    kid(school)
    other = School.create(name="别的学校")
    room = Classroom.create(school=other, grade=1, number=1, name="一年级1班")
    add_child(other, room, "李四")
    assert {d.child_name for d in duties.open_duties(WED, school_id=school["school"].id, viewer=ALL)} == {"张小明"}
    assert {d.child_name for d in duties.open_duties(WED, viewer=ALL)} == {"张小明", "李四"}


def test_last_met_helper(school):
    child = kid(school)
    pair(child, "爱心妈妈", school["mama"])
    contact(child, on=D(2026, 5, 1), by=school["mama"])
    contact(child, on=ago(2), by=school["head"])
    contact(child, on=ago(1), by=school["head"], reached=False)
    rules = {r.name: r for r in duties.care_rules()}
    assert duties.last_met(child.id, rules["每周谈心"], WED) == ago(2)
    assert duties.last_met(child.id, rules["爱心妈妈谈心"], WED) == D(2026, 5, 1)
    assert duties.last_met(child.id, rules["家访"], WED) is None
    row = [d for d in duties.open_duties(WED, child_id=child.id, viewer=ALL) if d.rule_name == "爱心妈妈谈心"][0]
    assert row.last_met is None  # nothing by her this term


def test_constant_number_of_queries(school, monkeypatch):
    """Set-based: the query count does not grow with the number of children."""
    db = dbmod.current()
    calls = []
    real = db.execute_sql

    def counting(sql, params=None, *a, **kw):
        calls.append(sql)
        return real(sql, params, *a, **kw)

    def count_for(n):
        for i in range(n):
            c = kid(school, f"学生{i}", key_target=bool(i % 2))
            pair(c, "爱心妈妈", school["mama"])
            pair(c, "帮扶教师", school["helper"])
            contact(c, on=ago(i % 10), by=school["mama"])
            contact(c, "家长电话", on=ago(i % 20), reached=bool(i % 3))
        calls.clear()
        monkeypatch.setattr(db, "execute_sql", counting)
        rows = duties.open_duties(WED, staff_id=school["head"].id, viewer=ALL)
        monkeypatch.setattr(db, "execute_sql", real)
        return len(calls), rows

    few, rows_few = count_for(2)
    many, rows_many = count_for(40)
    assert few == many <= 8  # 8: the 控辍保学 cases' duties are one query more (models/dropout.py)
    assert len(rows_many) > len(rows_few)


# --------------------------------------------------------------------------- the migration and PostgreSQL


def test_default_rules_migration_down_and_up(db_path):
    from playhouse.migrations import Runner

    from models import schema

    runner = Runner(dbmod.current(), schema.MIGRATIONS_DIR, table_name=schema.HISTORY_TABLE)
    CareRule.create(name="亲情书信", contact_kind="亲情书信", interval_days=30)
    reverted = runner.down(target="0002_default_care_rules")  # and any later ones
    assert reverted[-1] == "0002_default_care_rules"
    assert [r.name for r in duties.care_rules()] == ["亲情书信"]  # an admin's own rule stays
    CareRule.create(name="每周谈心", contact_kind="谈心", interval_days=5)  # made by hand meanwhile
    assert schema.migrate() == list(reversed(reverted))
    rules = {r.name: r for r in duties.care_rules()}
    assert len(rules) == 8 and rules["每周谈心"].interval_days == 5  # not overwritten (5 + 2 of 0013 + the admin's)


def test_duties_on_postgres(pg_server):
    url = pg_server.create_database("duties_test")
    dbmod.open_database(url)
    try:
        from models import schema

        schema.migrate()
        s = School.create(name="县一小")
        staff = {"head": Staff.create(school=s, name="李老师", login="li"),
                 "mama": Staff.create(school=s, name="王老师", login="wang"),
                 "helper": Staff.create(school=s, name="赵老师", login="zhao")}
        room = Classroom.create(school=s, grade=1, number=1, name="一年级1班", head_teacher=staff["head"])
        school = {"school": s, "room": room, **staff}
        a = kid(school, "张小明", key_target=True)
        pair(a, "爱心妈妈", staff["mama"])
        contact(a, on=ago(8), by=staff["mama"])
        contact(a, on=ago(1), by=staff["head"])
        contact(a, "家长电话", on=ago(1), reached=False)
        contact(a, "心理辅导", on=D(2026, 10, 12))
        b = kid(school, "陈刚", parents=(D(2026, 11, 16), D(2026, 11, 16)))
        c = kid(school, "刘强", status="转出", status_date=D(2026, 11, 18))
        got = {(d.child_name, d.rule_name): (d.due, d.days_overdue) for d in duties.open_duties(WED, horizon_days=None, viewer=ALL)}
        assert got == {
            ("张小明", "每周谈心"): (ago(-6), 0),
            ("张小明", "爱心妈妈谈心"): (ago(1), 1),
            ("张小明", "家长电话"): (D(2026, 9, 15), 64),
            ("张小明", "心理辅导"): (D(2026, 11, 30), 0),
        }
        assert duties.last_met(a.id, duties.care_rules()[2], WED) == ago(8)
        assert duties.open_duties(D(2026, 11, 15), child_id=[b.id, c.id], viewer=ALL)
    finally:
        dbmod.current().close()


def _d(status: str, mine: bool = False) -> duties.Duty:
    return duties.Duty(1, "张小明", "三年级2班", 1, 1, "每周谈心", "谈心", WED, 0, status, None, "", mine)


@pytest.mark.parametrize("statuses, counted", [
    ([], {OVERDUE: 0, TODAY: 0, THIS_WEEK: 0}),
    ([TODAY, OVERDUE, OVERDUE], {OVERDUE: 2, TODAY: 1, THIS_WEEK: 0}),
    ([LATER, THIS_WEEK], {OVERDUE: 0, TODAY: 0, THIS_WEEK: 1, LATER: 1}),  # a longer horizon's 以后 after
])
def test_count_by_status(statuses, counted):
    got = duties.count_by_status([_d(s) for s in statuses])
    assert got == counted and list(got) == list(counted)  # the header's order too


@pytest.mark.parametrize("mine, head", [
    ([], 0), ([True, True, False], 2), ([False, False], 0), ([True], 1), ([True] * 5 + [False] * 50, 5)])
def test_mine_first_is_the_head_of_a_mine_first_list(mine, head):
    rows = [_d(OVERDUE, m) for m in mine]
    assert duties.mine_first(rows) == rows[:head]
