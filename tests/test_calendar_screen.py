"""行事历 at 80x24, driven by the keyboard: month navigation, event entry, bad input, one-date
changes, the day agenda, attendance and the term plan."""
import datetime as dt

from rich.cells import cell_len
from textual.widgets import Input, OptionList, Static

from models import calendar as cal
from models.entities import Attendance, Event
from models.scope import system_viewer
from screens.attendance import AttendanceScreen
from screens.calendar import CalendarScreen
from screens.event_actions import ChoiceScreen
from tui.widgets.checklist import CheckList
from tui.widgets.month_grid import MonthGrid
from screens.day_agenda import DayAgendaScreen
from screens.event_form import EventFormScreen
from screens.term_plan import TermPlanScreen
from tests.test_roster_screen import make_app

ALL = system_viewer()  # setting up events directly; the screens run as the head

D = dt.date
TODAY = D(2026, 11, 28)


def grid_text(screen) -> list[str]:
    grid = screen.query_one(MonthGrid)
    return [grid.render_line(y).text for y in range(grid.size.height)]


def cell(screen, day: dt.date) -> list[str]:
    """The 3 lines of a day's cell, as drawn."""
    grid = screen.query_one(MonthGrid)
    cw = grid.cell_width
    for row, week in enumerate(grid.weeks):
        if day in week:
            col = week.index(day)
            return [grid.render_line(1 + row * 3 + i).crop(col * cw, (col + 1) * cw).text for i in range(3)]
    raise AssertionError(f"{day} not shown")


def static(screen, selector) -> str:
    return str(screen.query_one(selector, Static).content)


async def open_calendar(app, pilot, today=TODAY):
    await app.push_screen(CalendarScreen(today=today))
    await pilot.pause()
    return app.screen


async def test_key_4_opens_the_calendar(tiny_school):
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        assert isinstance(app.screen, CalendarScreen)
        assert f"{dt.date.today().year}年{dt.date.today().month}月" in static(app.screen, "#cal-title")


async def test_month_navigation_with_lunar_days_and_festivals(tiny_school):
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_calendar(app, pilot)
        assert static(screen, "#cal-title").startswith("2026年11月")
        assert "农历丙午马年" in static(screen, "#cal-title")
        assert screen.query_one(MonthGrid).cell_width == 11
        lines = grid_text(screen)
        assert lines[0].split() == ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
        assert all(cell_len(line) == 77 for line in lines)
        assert cell(screen, TODAY)[0].startswith(" 28今") and cell(screen, TODAY)[1].strip() == "二十"
        assert cell(screen, D(2026, 11, 9))[1].strip() == "十月"  # 初一 shows the month
        assert "农历十月二十" in static(screen, "#cal-status")

        await pilot.press("pageup")
        assert static(screen, "#cal-title").startswith("2026年10月")
        assert cell(screen, D(2026, 10, 1))[1].strip() == "国庆"
        assert cell(screen, D(2026, 10, 18))[1].strip() == "重阳"
        assert screen.selected == D(2026, 10, 28)
        await pilot.press("pagedown", "pagedown")
        assert static(screen, "#cal-title").startswith("2026年12月")
        assert cell(screen, D(2026, 12, 22))[1].strip() == "冬至"
        await pilot.press("home")
        assert screen.selected == TODAY
        await pilot.press("right", "down")
        assert screen.selected == D(2026, 12, 6)
        assert static(screen, "#cal-title").startswith("2026年12月")
        await pilot.press("up", "left", "left")
        assert screen.selected == D(2026, 11, 27)
        for _ in range(3):
            await pilot.press("pagedown")
        assert static(screen, "#cal-title").startswith("2027年2月")
        assert cell(screen, D(2027, 2, 6))[1].strip() == "春节"
        assert cell(screen, D(2027, 2, 5))[1].strip() == "除夕"


async def test_the_edge_of_the_lunar_range_is_a_message(tiny_school):
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_calendar(app, pilot, today=D(2100, 12, 15))
        await pilot.press("pagedown")
        assert screen.selected == D(2100, 12, 15)
        assert any("农历支持范围" in str(n.message) for n in app._notifications)


async def test_weekly_event_entered_once_shows_on_every_week(tiny_school):
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_calendar(app, pilot)
        await pilot.press("up", "up", "up", "left", "left", "left", "left", "left")  # Monday 11-02
        assert screen.selected == D(2026, 11, 2)
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, EventFormScreen)
        form.query_one("#ev-title", Input).value = "主题班会"
        await pilot.press("f3")  # 每周
        assert form.form.repeat == "每周"
        until = form.query_one("#ev-until", Input)
        assert until.value == "2027-01-29"  # a series ends with its term (放假) unless told otherwise
        assert "每周一" in static(form, "#ev-chips")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        ev = Event.get()
        assert ev.rrule == "FREQ=WEEKLY;BYDAY=MO;UNTIL=20270129"
        for day in (2, 9, 16, 23, 30):
            assert cell(screen, D(2026, 11, day))[0].rstrip().endswith("1项")
            assert cell(screen, D(2026, 11, day))[2].strip() == "主题班会"
        assert cell(screen, D(2026, 11, 3))[2].strip() == ""
        await pilot.press("pagedown")
        for day in (7, 14, 21, 28):
            assert cell(screen, D(2026, 12, day))[2].strip() == "主题班会"
        await pilot.press("pagedown", "pagedown")
        assert cell(screen, D(2027, 2, 1))[2].strip() == ""  # ended with the term


async def test_bad_input_shows_messages_and_saves_nothing(tiny_school):
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_calendar(app, pilot)
        await pilot.press("n")
        form = app.screen
        form.query_one("#ev-date", Input).value = "2026-11-28"
        form.query_one("#ev-end", Input).value = "2026-11-20"
        form.query_one("#ev-time", Input).value = "25:61"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, EventFormScreen)
        assert "请填写标题" in static(form, "#err-title")
        assert "早于开始日期" in static(form, "#err-date") and "没有 25:61" in static(form, "#err-date")
        assert app.focused.id == "ev-title"

        form.query_one("#ev-title", Input).value = "兴趣小组"
        form.query_one("#ev-end", Input).value = ""
        form.query_one("#ev-time", Input).value = "15:40"
        for _ in range(6):  # 不重复 -> … -> 自定义
            await pilot.press("f3")
        assert form.form.repeat == "自定义"
        form.query_one("#ev-rrule", Input).value = "FREQ=SOMETIMES"
        form.query_one("#ev-until", Input).value = ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "无效" in static(form, "#err-repeat")
        assert not form.query_one("#err-title", Static).display

        form.query_one("#ev-rrule", Input).value = "FREQ=WEEKLY;BYDAY=WE"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "必须有截止" in static(form, "#err-repeat")  # would expand forever
        assert Event.select().count() == 0

        await pilot.press("escape")  # changed: asks first
        assert type(app.screen).__name__ == "ConfirmScreen"
        await pilot.press("y")
        assert isinstance(app.screen, CalendarScreen)
        assert Event.select().count() == 0


async def test_user_text_is_not_markup_and_ambiguous_glyphs_stay_out_of_the_grid(tiny_school):
    school = tiny_school["school"].id
    cal.create_event({"title": "[b]“家长”会[/b]", "kind": "会议", "start_date": D(2026, 11, 20)}, school_id=school,
                     viewer=ALL)
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_calendar(app, pilot)
        assert cell(screen, D(2026, 11, 20))[2] == " [b]家长会["  # no quotes in the grid: no room, and ambiguous
        await pilot.press("left", "left", "left", "left", "left", "left", "left", "left", "enter")
        agenda = app.screen
        assert isinstance(agenda, DayAgendaScreen)
        assert '[b]"家长"会[/b]' in str(agenda.query_one(OptionList).get_option_at_index(0).prompt)


async def test_change_one_date_of_a_series_then_delete_another(tiny_school):
    school = tiny_school["school"].id
    values, _ = cal.validate_event(cal.EventForm(title="升旗仪式", date="2026-11-02", repeat="每周", until="2026-11-30"))
    sid = cal.create_event(values, school_id=school, viewer=ALL)
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_calendar(app, pilot)
        screen.go(D(2026, 11, 16))
        await pilot.press("e")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("1")  # only this date
        form = app.screen
        assert isinstance(form, EventFormScreen) and form.mode == "occurrence"
        assert not form.query_one("#ev-repeat-row").display
        form.query_one("#ev-title", Input).value = "升旗仪式 (防火安全)"
        form.query_one("#ev-date", Input).value = "2026-11-17"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert cell(screen, D(2026, 11, 16))[2].strip() == ""
        assert cell(screen, D(2026, 11, 17))[2].strip() == "升旗仪式 ("
        assert cell(screen, D(2026, 11, 23))[2].strip() == "升旗仪式"

        screen.go(D(2026, 11, 23))
        await pilot.press("d", "1")  # only this date
        assert "这一次" in static(app.screen, "Static")
        await pilot.press("y")
        await pilot.pause()
        assert cell(screen, D(2026, 11, 23))[2].strip() == ""
        assert cell(screen, D(2026, 11, 30))[2].strip() == "升旗仪式"

        screen.go(D(2026, 11, 30))
        await pilot.press("e", "2")  # the whole series
        form = app.screen
        assert form.mode == "series" and form.form.until == "2026-11-30"
        form.query_one("#ev-place", Input).value = "学校操场"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert Event.get_by_id(sid).place == "学校操场"
        assert cell(screen, D(2026, 11, 17))[2].strip() == "升旗仪式 ("  # the one-date change stays

        await pilot.press("d", "2", "y")  # delete the whole series
        await pilot.pause()
        assert Event.select().count() == 0
        assert cell(screen, D(2026, 11, 17))[2].strip() == ""


async def test_day_agenda_and_attendance_by_pinyin(tiny_school):
    school = tiny_school["school"].id
    kids = tiny_school["kids"]
    kids["王芳"].birth_date = D(2016, 11, 28)
    kids["王芳"].save()
    cal.create_event({"title": "留守儿童之家开放", "kind": "活动", "start_date": TODAY, "place": "留守儿童之家"},
                     school_id=school, viewer=ALL)
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_calendar(app, pilot)
        await pilot.press("enter")
        agenda = app.screen
        assert isinstance(agenda, DayAgendaScreen)
        assert "今天" in static(agenda, "#ag-title")
        details = static(agenda, "#ag-text")
        assert "王芳" in details and "10岁" in details and "参与: 0 人" in details
        await pilot.press("a")
        att = app.screen
        assert isinstance(att, AttendanceScreen)
        await pilot.press("z", "x", "m", "enter", "space")
        assert att.chosen == {kids["张小明"].id}
        await pilot.press("slash")
        att.query_one(Input).value = ""
        await pilot.pause()
        await pilot.press("f2")  # 三年级2班 only
        assert {r.name for r in att.shown} == {"张小明", "张丽华"}
        await pilot.press("f4")  # tick everyone listed
        assert len(att.chosen) == 2
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, DayAgendaScreen)
        assert Attendance.select().count() == 2
        assert "参与: 2 人" in static(agenda, "#ag-text")
        await pilot.press("right")
        assert agenda.day == D(2026, 11, 29) and "没有活动" in static(agenda, "#ag-empty")
        await pilot.press("escape")
        assert isinstance(app.screen, CalendarScreen) and app.screen.selected == D(2026, 11, 29)


async def test_term_plan_is_reviewed_then_written(tiny_school):
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_calendar(app, pilot)
        screen.go(D(2026, 6, 1))
        await pilot.press("g")
        plan = app.screen
        assert isinstance(plan, TermPlanScreen)
        assert plan.term.name == cal.SPRING and plan.query_one("#tp-start", Input).value == "2026-03-02"
        total = len(plan.items)
        assert total == len(cal.SPRING_TEMPLATE)
        assert Event.select().count() == 0  # nothing written while reviewing
        sl = plan.query_one(CheckList)
        assert len(sl.selected) == total
        await pilot.press("space")  # untick the first
        assert len(sl.selected) == total - 1
        await pilot.press("ctrl+s")
        assert type(app.screen).__name__ == "ConfirmScreen"
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, CalendarScreen)
        assert Event.select().count() == total - 1
        assert cell(screen, D(2026, 6, 24))[2].strip() == '检查班主任'
        june = {o.title for o in cal.occurrences(tiny_school["school"].id, D(2026, 6, 1), D(2026, 6, 30))}
        assert "检查班主任“留守儿童”工作手册" in june

        # again: everything is already there, nothing is ticked
        await pilot.press("g")
        plan = app.screen
        assert len(plan.query_one(CheckList).selected) <= 1
        plan.query_one("#tp-end", Input).value = "2026-02-01"
        await pilot.press("ctrl+s")
        assert "晚于开学" in static(plan, "#tp-err")
        await pilot.press("escape")
        assert isinstance(app.screen, CalendarScreen)


# --------------------------------------------------------------------------- who may use which key


def app_as(tiny_school, staff):
    from tui.app import GuanaiApp
    from tui.context import Session

    school = tiny_school["school"]
    return GuanaiApp(Session(target=tiny_school["path"], school_id=school.id, staff_id=staff.id,
                             staff_name=staff.name, school_name=school.name))


def footer_keys(screen) -> set[str]:
    return {key for key, active in screen.active_bindings.items() if active.binding.show and active.enabled}


def notices(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def school_events(tiny_school):
    """A school-wide weekly series (the head's) and, on TODAY, one organised by 王妈妈."""
    from models.entities import Staff
    from models.scope import viewer_for

    school = tiny_school["school"]
    head = Staff.create(school=school, name="潘校长", role="head", login="xiaozhang")
    vol = Staff.create(school=school, name="王妈妈", role="volunteer", login="aixinmama")
    as_head = viewer_for(head)
    series = cal.create_event({"title": "升旗仪式", "kind": "活动", "start_date": TODAY, "organiser": "政教处",
                               "rrule": "FREQ=WEEKLY;COUNT=4"}, school_id=school.id, viewer=as_head)
    own = cal.create_event({"title": "爱心妈妈读书会", "kind": "活动", "start_date": TODAY, "organiser": "王妈妈"},
                           school_id=school.id, viewer=as_head)
    return vol, series, own


async def test_a_volunteer_gets_no_key_for_school_events_and_a_chinese_notice(tiny_school):
    from models.scope import EVENT_FORBIDDEN, TERM_PLAN_FORBIDDEN
    from screens.confirm import ConfirmScreen

    vol, series, own = school_events(tiny_school)
    app = app_as(tiny_school, vol)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_calendar(app, pilot)
        keys = footer_keys(screen)
        assert {"e", "d"} <= keys and not {"n", "g"} & keys  # TODAY holds the event she organises
        await pilot.press("n")
        await pilot.press("g")
        assert app.screen is screen and notices(app)[-2:] == [EVENT_FORBIDDEN["create"], TERM_PLAN_FORBIDDEN]
        await pilot.press("d")  # only her own event is offered: straight to the question
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert not Event.select().where(Event.id == own).exists() and Event.get_by_id(series)
        await pilot.press("down")  # a week later: only the school's series
        await pilot.pause()
        assert screen.selected == TODAY + dt.timedelta(days=7)
        await pilot.pause()
        assert not {"n", "e", "d"} & footer_keys(screen)
        for key in "eda":
            await pilot.press(key)
        assert app.screen is screen
        assert notices(app)[-3:] == [EVENT_FORBIDDEN["edit"], EVENT_FORBIDDEN["delete"], EVENT_FORBIDDEN["attendance"]]
        await pilot.press("enter")
        await pilot.pause()
        agenda = app.screen
        assert isinstance(agenda, DayAgendaScreen) and not {"n", "e", "d", "a"} & footer_keys(agenda)
        await pilot.press("enter")  # opening the event offers no form either
        assert app.screen is agenda and notices(app)[-1] == EVENT_FORBIDDEN["edit"]
    assert Event.get_by_id(series).title == "升旗仪式" and not Event.select().where(Event.series == series).exists()


async def test_a_class_teacher_takes_the_register_of_a_school_event_but_cannot_change_it(tiny_school):
    vol, series, own = school_events(tiny_school)
    teacher = tiny_school["staff"][0]  # 李老师, 班主任 of 三年级2班
    app = app_as(tiny_school, teacher)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_calendar(app, pilot)
        screen.go(TODAY + dt.timedelta(days=7))
        await pilot.press("enter")
        await pilot.pause()
        agenda = app.screen
        assert isinstance(agenda, DayAgendaScreen)
        keys = footer_keys(agenda)
        assert {"n", "a"} <= keys and not {"e", "d"} & keys
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AttendanceScreen)
