"""行事历 model: lunar dates and festivals, recurrence with single-date changes, the term plan,
attendance, birthdays and reminders."""
import datetime as dt

import pytest

from models import calendar as cal
from models.entities import Attendance, AuditLog, Event
from models.scope import Viewer, system_viewer

pytestmark = pytest.mark.both_backends  # the model layer runs on SQLite and on PostgreSQL

ALL = system_viewer()  # the whole database: these tests are not about scope (tests/test_scope.py is)

D = dt.date


# --------------------------------------------------------------------------- lunar and festivals


@pytest.mark.parametrize("year, name, expected", [
    (2026, "春节", D(2026, 2, 17)),
    (2026, "端午节", D(2026, 6, 19)),
    (2026, "中秋节", D(2026, 9, 25)),
    (2026, "重阳节", D(2026, 10, 18)),
    (2026, "元宵节", D(2026, 3, 3)),
    (2026, "除夕", D(2026, 2, 16)),
    (2027, "春节", D(2027, 2, 6)),
    (2027, "中秋节", D(2027, 9, 15)),
    (2025, "春节", D(2025, 1, 29)),
    (2025, "端午节", D(2025, 5, 31)),
    (2025, "中秋节", D(2025, 10, 6)),
    (2024, "春节", D(2024, 2, 10)),
    (2030, "春节", D(2030, 2, 3)),
    # solar terms: 清明 and 冬至 move by a day between years
    (2026, "清明", D(2026, 4, 5)),
    (2025, "清明", D(2025, 4, 4)),
    (2026, "冬至", D(2026, 12, 22)),
    (2024, "冬至", D(2024, 12, 21)),
    # fixed official days
    (2026, "国庆", D(2026, 10, 1)),
    (2026, "教师节", D(2026, 9, 10)),
    (2026, "三八妇女节", D(2026, 3, 8)),
    (2026, "建军节", D(2026, 8, 1)),
])
def test_festival_dates(year, name, expected):
    assert cal.festival_date(year, name) == expected


def test_day_cells_show_festival_else_solar_term_else_lunar_day():
    assert cal.day_info(D(2026, 10, 1)).label == "国庆"
    assert cal.day_info(D(2026, 10, 18)).label == "重阳"
    assert cal.day_info(D(2026, 4, 5)).label == "清明"
    assert cal.day_info(D(2026, 2, 4)).label == "立春"  # a plain solar term
    nov28 = cal.day_info(D(2026, 11, 28))
    assert nov28.lunar_text == "农历十月二十" and nov28.label == "二十"
    # 初一 shows the month's name, a leap month too (2025 had a 闰六月)
    assert cal.day_info(D(2026, 12, 9)).label == "冬月"
    assert cal.day_info(D(2025, 7, 25)).label == "闰六月"
    assert cal.day_info(D(2026, 3, 1)).ganzhi_year == "丙午" and cal.day_info(D(2026, 3, 1)).zodiac == "马"
    # two festivals on one day: both short labels
    assert cal.day_info(D(2020, 10, 1)).festivals == ("国庆", "中秋")


def test_out_of_lunar_range_is_refused_with_a_message():
    with pytest.raises(cal.CalendarError, match="农历支持范围"):
        cal.day_info(D(1899, 12, 31))
    with pytest.raises(cal.CalendarError, match="农历支持范围"):
        cal.month_days(2101, 1)
    with pytest.raises(cal.CalendarError, match="农历支持范围"):
        cal.parse_day("2150-01-01", field="日期")


def test_month_grid_is_monday_first():
    weeks = cal.month_grid(2026, 11)
    assert weeks[0][:6] == [None] * 6 and weeks[0][6] == D(2026, 11, 1)  # 1 Nov 2026 is a Sunday
    assert len(weeks) == 6 and weeks[-1][0] == D(2026, 11, 30)
    assert len(cal.month_grid(2027, 2)) == 4  # February 2027 starts on a Monday
    assert cal.add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)


def test_grid_safe_replaces_ambiguous_width_glyphs():
    assert cal.grid_safe("检查班主任“留守儿童”工作手册") == '检查班主任"留守儿童"工作手册'
    assert cal.grid_safe("A·B…①") == "A.B..."


def test_lunar_library_is_not_imported_by_the_model_module():
    import subprocess
    import sys

    code = "import models.calendar, sys; print('lunar_python' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- events and recurrence


def form(**kw):
    base = dict(title="主题班会", kind="活动", date="2026-11-02", repeat="不重复")
    base.update(kw)
    return cal.EventForm(**base)


def test_weekly_series_expands_and_single_changes_apply(tiny_school):
    school = tiny_school["school"].id
    values, errors = cal.validate_event(form(repeat="每周", until="2026-12-28", time="7:50"))
    assert not errors
    assert values["rrule"] == "FREQ=WEEKLY;BYDAY=MO;UNTIL=20261228"
    sid = cal.create_event(values, school_id=school, viewer=ALL)
    days = [o.day for o in cal.occurrences(school, D(2026, 11, 1), D(2026, 12, 31))]
    assert days == [D(2026, 11, 2) + dt.timedelta(weeks=i) for i in range(9)]

    # move one date (to Tuesday) and retitle it; cancel another
    one = cal.form_from_occurrence(cal.day_occurrences(school, D(2026, 11, 16))[0])
    one.date, one.title = "2026-11-17", "主题班会 (防火)"
    v, errs = cal.validate_event(one, occurrence=True)
    assert not errs and v["rrule"] == ""
    cal.save_occurrence(sid, D(2026, 11, 16), v, viewer=ALL)
    cal.cancel_occurrence(sid, D(2026, 11, 23), viewer=ALL)
    occs = cal.occurrences(school, D(2026, 11, 1), D(2026, 12, 31))
    days = [o.day for o in occs]
    assert D(2026, 11, 16) not in days and D(2026, 11, 23) not in days
    moved = [o for o in occs if o.day == D(2026, 11, 17)]
    assert len(moved) == 1 and moved[0].modified and moved[0].title == "主题班会 (防火)"
    assert moved[0].root_id == sid and moved[0].occurrence == D(2026, 11, 16)
    assert len(days) == 8

    # edit the whole series: a new place for all, the single changes stay
    series = Event.get_by_id(sid)
    f = cal.form_from_event(series)
    assert f.repeat == "每周" and f.until == "2026-12-28" and f.time == "07:50"
    f.place = "学校操场"
    v, errs = cal.validate_event(f)
    assert not errs
    assert cal.update_series(sid, v, viewer=ALL) == 0
    occs = cal.occurrences(school, D(2026, 11, 1), D(2026, 12, 31))
    assert {o.place for o in occs if not o.modified} == {"学校操场"}
    assert len(occs) == 8

    # every two weeks from the same start: the changes on dates the rule drops are removed
    f.repeat = "每两周"
    v, errs = cal.validate_event(f)
    assert v["rrule"] == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;UNTIL=20261228"
    assert cal.update_series(sid, v, viewer=ALL) == 1  # 11-23 (cancelled) is no longer a date of the series; 11-16 is
    days = [o.day for o in cal.occurrences(school, D(2026, 11, 1), D(2026, 12, 31))]
    assert days == [D(2026, 11, 2), D(2026, 11, 17), D(2026, 11, 30), D(2026, 12, 14), D(2026, 12, 28)]
    assert AuditLog.select().where(AuditLog.table == "event").count() >= 4

    cal.delete_event(sid, viewer=ALL)
    assert cal.occurrences(school, D(2026, 11, 1), D(2026, 12, 31)) == []
    assert Event.select().count() == 0  # the single-date rows went with the series


def test_first_monday_of_each_month_and_count(tiny_school):
    school = tiny_school["school"].id
    values, errors = cal.validate_event(form(date="2026-09-07", repeat="每月第几个周几", until="5次"))
    assert not errors and values["rrule"] == "FREQ=MONTHLY;BYDAY=1MO;COUNT=5"
    cal.create_event(values, school_id=school, viewer=ALL)
    days = [o.day for o in cal.occurrences(school, D(2026, 9, 1), D(2027, 6, 30))]
    assert days == [D(2026, 9, 7), D(2026, 10, 5), D(2026, 11, 2), D(2026, 12, 7), D(2027, 1, 4)]


def test_multi_day_event_shows_on_each_day(tiny_school):
    school = tiny_school["school"].id
    values, errors = cal.validate_event(form(title="期中检查", date="2026-11-11", end_date="11-13"))
    assert not errors and values["end_date"] == D(2026, 11, 13)
    cal.create_event(values, school_id=school, viewer=ALL)
    days = cal.by_day(cal.occurrences(school, D(2026, 11, 12), D(2026, 11, 30)), D(2026, 11, 12), D(2026, 11, 30))
    assert sorted(days) == [D(2026, 11, 12), D(2026, 11, 13)]


@pytest.mark.parametrize("kw, field, message", [
    (dict(title=""), "title", "请填写标题"),
    (dict(date="2026-02-30"), "start_date", "不存在"),
    (dict(date="明天"), "start_date", "格式"),
    (dict(end_date="2026-11-01"), "end_date", "早于开始日期"),
    (dict(time="25:00"), "start_time", "没有 25:00"),
    (dict(time="下午"), "start_time", "14:30"),
    (dict(kind="聚餐"), "kind", "类别只能是"),
    (dict(repeat="每周", until=""), "until", "必须有截止"),
    (dict(repeat="每周", until="2026-10-01"), "until", "早于开始日期"),
    (dict(repeat="每周", until="2040-01-01"), "until", "最长"),
    (dict(repeat="自定义", rrule="FREQ=SOMETIMES"), "rrule", "无效"),
    (dict(repeat="自定义", rrule="FREQ=HOURLY;COUNT=3"), "rrule", "太频繁"),
    (dict(repeat="自定义", rrule="FREQ=WEEKLY;BYDAY=MO;UNTIL=20261231", until="2026-12-01"), "until", "已有 UNTIL"),
    (dict(repeat="自定义", rrule="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", until="2030-01-01"), "until", "一次也不会"),
    (dict(repeat="每周", until="2026-12-01", end_date="2026-11-03"), "end_date", "每次只有一天"),
    (dict(title="第一行\x1b[31m"), "title", "不可见字符"),
    (dict(date="1890-01-01"), "start_date", "不能早于"),
])
def test_bad_input_gets_a_message_next_to_its_field(db_path, kw, field, message):
    values, errors = cal.validate_event(form(**kw))
    assert field in errors, errors
    assert message in errors[field]


def test_custom_rrule_with_its_own_end_is_kept(db_path):
    values, errors = cal.validate_event(form(repeat="自定义", rrule="RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4"))
    assert not errors and values["rrule"] == "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4"
    f = cal.EventForm(**{**form().to_dict(), "repeat": "自定义", "rrule": "FREQ=WEEKLY;BYDAY=MO,WE", "until": "4次"})
    assert cal.validate_event(f)[0]["rrule"] == values["rrule"]
    assert cal.split_rrule_end("FREQ=WEEKLY;UNTIL=20270118") == ("FREQ=WEEKLY", "2027-01-18")


def test_nothing_half_written_on_bad_input(tiny_school):
    values, errors = cal.validate_event(form(repeat="每周", until=""))
    assert errors
    assert Event.select().count() == 0


# --------------------------------------------------------------------------- attendance


def test_attendance_by_occurrence_and_on_the_child_detail(tiny_school):
    from models.children import child_detail

    school = tiny_school["school"].id
    kids = tiny_school["kids"]
    values, _ = cal.validate_event(form(title="留守儿童之家开放", date="2026-11-04", repeat="每周", until="2026-11-25"))
    sid = cal.create_event(values, school_id=school, viewer=ALL)
    plain, _ = cal.validate_event(form(title="重阳节活动", date="2026-10-16"))
    pid = cal.create_event(plain, school_id=school, viewer=ALL)

    assert cal.set_attendance(sid, D(2026, 11, 11), [kids["张小明"].id, kids["王芳"].id], viewer=ALL) == (2, 0)
    assert cal.set_attendance(sid, D(2026, 11, 11), [kids["王芳"].id, kids["张丽华"].id], viewer=ALL) == (1, 1)
    assert cal.attendance(sid, D(2026, 11, 11)) == {kids["王芳"].id, kids["张丽华"].id}
    cal.set_attendance(sid, D(2026, 11, 18), [kids["王芳"].id], viewer=ALL)
    cal.set_attendance(pid, D(2026, 10, 16), [kids["王芳"].id], viewer=ALL)

    # moving the 11-18 date keeps who took part, under its new date and title
    occ = cal.day_occurrences(school, D(2026, 11, 18))[0]
    f = cal.form_from_occurrence(occ)
    f.date, f.title = "2026-11-19", "留守儿童之家开放 (周四)"
    cal.save_occurrence(sid, D(2026, 11, 18), cal.validate_event(f, occurrence=True)[0], viewer=ALL)
    attended = child_detail(kids["王芳"].id, viewer=ALL)["events"]
    assert [(e["date"], e["title"]) for e in attended] == [
        (D(2026, 11, 19), "留守儿童之家开放 (周四)"), (D(2026, 11, 11), "留守儿童之家开放"), (D(2026, 10, 16), "重阳节活动")]

    # cancelling one date drops its attendance; deleting the series drops the rest
    cal.cancel_occurrence(sid, D(2026, 11, 11), viewer=ALL)
    assert cal.attendance(sid, D(2026, 11, 11)) == set()
    cal.delete_event(sid, viewer=ALL)
    assert [e["title"] for e in child_detail(kids["王芳"].id, viewer=ALL)["events"]] == ["重阳节活动"]
    assert Attendance.select().count() == 1


# --------------------------------------------------------------------------- birthdays and reminders


def test_birthdays_and_reminders(tiny_school):
    school = tiny_school["school"].id
    kids = tiny_school["kids"]
    kids["王芳"].birth_date = D(2016, 9, 20)
    kids["王芳"].save()
    kids["刘强"].birth_date = D(2016, 9, 21)  # not left behind: not listed
    kids["刘强"].save()
    kids["张丽华"].birth_date = D(2016, 2, 29)
    kids["张丽华"].save()
    values, _ = cal.validate_event(form(title="结对帮扶工作会", date="2026-09-15", time="16:00"))
    cal.create_event(values, school_id=school, viewer=ALL)

    b = cal.birthdays(school, D(2026, 9, 14), D(2026, 9, 22), viewer=ALL)
    assert [(x.name, x.day, x.age) for x in b] == [("王芳", D(2026, 9, 20), 10)]
    assert [x.day for x in cal.birthdays(school, D(2027, 2, 27), D(2027, 3, 1), viewer=ALL)] == [D(2027, 2, 28)]

    r = cal.reminders(school, D(2026, 9, 14), viewer=ALL)
    kinds = [(x.day, x.kind) for x in r]
    assert (D(2026, 9, 15), "活动") in kinds and (D(2026, 9, 20), "生日") in kinds
    letters = [x for x in r if x.kind == "书信"]  # 中秋 is on 09-25: write home now
    assert len(letters) == 1 and "中秋节" in letters[0].text
    assert not [x for x in cal.reminders(school, D(2026, 8, 1), viewer=ALL) if x.kind == "书信"]
    spring = [x for x in cal.reminders(school, D(2027, 1, 25), viewer=ALL) if x.kind == "书信"]
    assert spring and "春节" in spring[0].text
    assert ("节日" in {x.kind for x in cal.reminders(school, D(2026, 9, 28), viewer=ALL)})  # 国庆 on 10-01


# --------------------------------------------------------------------------- the term plan


def test_spring_plan_from_the_seed_is_reviewed_before_writing(tiny_school):
    school = tiny_school["school"].id
    term = cal.default_term(cal.SPRING, 2026)
    assert (term.start, term.end) == (D(2026, 3, 2), D(2026, 7, 10))
    items = cal.plan_items(term, school_id=school)
    assert Event.select().count() == 0  # a proposal only
    titles = {i.title: i for i in items}
    june = [i for i in items if i.day.month == 6]
    assert {"检查班主任“留守儿童”工作手册", "“留守儿童”工作整理评比"} <= {i.title for i in june}
    assert titles["端午节：给远方的父母写一封亲情书信"].day == D(2026, 6, 19)
    assert titles["三八妇女节：关爱女孩活动"].day == D(2026, 3, 6)  # 3-8 is a Sunday: the Friday before
    assert titles["升旗仪式暨主题班会"].rrule == "FREQ=WEEKLY;BYDAY=MO;UNTIL=20260710"
    # nothing in 2月 before 开学: those items move to the first school days
    assert min(i.day for i in items) == D(2026, 3, 2)
    assert {i.day.month for i in items} == {3, 4, 5, 6, 7, 8}
    assert all(i.day.weekday() < 5 for i in items)

    ids = cal.write_plan([i for i in items if i.day.month == 6], school_id=school, viewer=ALL)
    assert len(ids) == len(june)
    again = cal.plan_items(term, school_id=school)
    assert [i.title for i in again if i.exists] == [i.title for i in june]
    june_days = cal.by_day(cal.occurrences(school, D(2026, 6, 1), D(2026, 6, 30)), D(2026, 6, 1), D(2026, 6, 30))
    assert "检查班主任“留守儿童”工作手册" in {o.title for o in june_days[D(2026, 6, 24)]}


def test_autumn_plan_and_term_settings(tiny_school):
    school = tiny_school["school"].id
    term = cal.saved_term(cal.AUTUMN, 2026, school_id=school)
    assert term.start == D(2026, 9, 1) and term.end == D(2027, 1, 29)  # before 春节 2027-02-06
    items = cal.plan_items(term)
    days = {i.title: i.day for i in items}
    assert days["中秋节“月圆寄相思”亲情活动"] == D(2026, 9, 25)
    assert days["国庆节爱国主义教育：“我和我的祖国”"] == D(2026, 9, 30)
    assert days["重阳节“孝老爱亲”活动"] == D(2026, 10, 16)  # 10-18 is a Sunday
    assert max(days.values()) <= term.end

    shorter = cal.TermDates(cal.AUTUMN, 2026, D(2026, 9, 1), D(2027, 1, 15))
    cal.save_term(shorter, school_id=school, viewer=ALL)
    assert cal.saved_term(cal.AUTUMN, 2026, school_id=school) == shorter
    assert max(i.day for i in cal.plan_items(shorter)) == D(2027, 1, 15)
    # a new series ends with the term as the school set it; one started in a holiday, with the next term
    assert cal.default_until(D(2026, 11, 2), school_id=school) == "2027-01-15"
    assert cal.default_until(D(2026, 7, 20), school_id=school) == "2027-01-15"
    assert cal.default_until(D(2026, 5, 6), school_id=school) == "2026-07-10"
    with pytest.raises(cal.CalendarError, match="晚于开学"):
        cal.check_term(cal.TermDates(cal.AUTUMN, 2026, D(2026, 9, 1), D(2026, 8, 1)))


def test_who_may_change_an_event_follows_its_creator_and_organiser(tiny_school):
    """The creator is the newest audit ``create`` row of the id: an id SQLite gives again to a new
    event does not hand it to the creator of the deleted one."""
    from models.scope import ForbiddenError, viewer_for

    li, zhao = (viewer_for(s) for s in tiny_school["staff"])  # two teachers heading a class each
    school = tiny_school["school"].id
    values = {"title": "兴趣小组", "kind": "活动", "start_date": D(2026, 12, 1)}
    first = cal.create_event(values, school_id=school, viewer=li)
    assert cal.event_owner(first).created_by == li.staff_id
    cal.delete_event(first, viewer=li)
    second = cal.create_event(values, school_id=school, viewer=zhao)
    with pytest.raises(ForbiddenError, match="组织者/创建者"):
        cal.delete_event(second, viewer=li)
    assert cal.event_owner(second).created_by == zhao.staff_id
    organised = cal.create_event({**values, "organiser": "李老师"}, school_id=school, viewer=zhao)
    cal.update_series(organised, {**values, "organiser": "李老师", "place": "操场"}, viewer=li)  # names her
    assert Event.get_by_id(organised).place == "操场"
    with pytest.raises(ForbiddenError):  # a stranger to the school
        cal.delete_event(organised, viewer=Viewer(staff_id=999, role="head", school_id=school + 1))


def test_warm_computes_ahead_what_the_first_reminders_read(tiny_school):
    """The app's warm-up (after the first frame) computes the lunar days and the suggested terms that
    the first 待办 reads (its 近7天 line, the term it counts in); the list then finds them made: no
    lunar_python computation of its own."""
    from models import duties, terms
    from models.calendar import lunar

    school = tiny_school["school"].id
    today = D(2026, 9, 14)  # 中秋 (09-25) within the letters' lead: the window reaches a festival
    lunar.day_info.cache_clear()
    terms.spring_festival.cache_clear()
    cal.warm(today)
    days, festivals = lunar.day_info.cache_info().misses, terms.spring_festival.cache_info().misses
    assert days == 7 + lunar.LETTER_LEAD_DAYS and festivals >= 2
    assert any(r.kind == "书信" for r in cal.reminders(school, today, viewer=ALL))
    assert duties.term_for(today, school_id=school) is not None
    assert lunar.day_info.cache_info().misses == days  # every day the line read: made ahead
    assert terms.spring_festival.cache_info().misses == festivals  # and every 春节 the terms needed
