"""控辍保学 at 80x24: `x` then a digit in the roster marks a child absent (the fourth school day opens
a case), `t` on its 缺课核实 duty in 待办 opens the case page, `a` logs a 劝返, `r` records the return
(销号); the empty case list says how cases arise, and a volunteer has no `x`."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from textual.widgets import Static

import tui.app
from models import dropout, duties, scope
from models.entities import Absence, DropoutAttempt, DropoutCase, Pairing, Staff
from screens.absence import AbsenceScreen, ClassAbsenceScreen
from screens.due import DueScreen
from screens.dropout_case import AttemptScreen, CaseDayScreen, DropoutCaseScreen, DropoutListScreen
from screens.roster import RosterScreen
from tui.app import GuanaiApp
from tui.context import Session

DAY = dt.date(2026, 11, 26)  # a Thursday of the autumn term


class _FixedDate:
    """``dt`` for the screens with today fixed to DAY (the rest is the real module)."""

    timedelta = dt.timedelta
    datetime = dt.datetime

    class date(dt.date):
        @classmethod
        def today(cls):
            return DAY


class DropoutApp(GuanaiApp):
    MODES = {**GuanaiApp.MODES, "due": lambda: DueScreen(today=DAY)}
    CSS_PATH = str(Path(tui.app.__file__).with_name("styles.tcss"))


def app_for(tiny_school, staff, monkeypatch):
    for module in ("screens.absence", "screens.dropout_case"):
        monkeypatch.setattr(f"{module}.dt", _FixedDate)
    school = tiny_school["school"]
    return DropoutApp(Session(target=tiny_school["path"], school_id=school.id, staff_id=staff.id,
                              staff_name=staff.name, school_name=school.name))


def screen_text(screen) -> str:
    return "\n".join(str(w.content) for w in screen.query(Static) if w.display)


async def test_mark_absent_in_two_keys_then_follow_the_case_to_its_return(tiny_school, monkeypatch):
    teacher = tiny_school["staff"][0]  # 李老师, 班主任 of 三年级2班
    kid = tiny_school["kids"]["张小明"]
    dropout.mark_absent(kid.id, DAY - dt.timedelta(days=3), DAY - dt.timedelta(days=1), reason="无故缺课",
                        viewer=scope.viewer_for(teacher), today=DAY - dt.timedelta(days=1))
    app = app_for(tiny_school, teacher, monkeypatch)
    notes = []
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        monkeypatch.setattr(app, "notify", lambda message, **kw: notes.append(message))
        await pilot.press("1")
        await pilot.pause()
        roster = app.screen
        assert isinstance(roster, RosterScreen)
        roster.select_child(kid.id)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, AbsenceScreen)
        assert "1 病假  2 事假  3 无故缺课  4 其他  0 出勤" in screen_text(app.screen)
        await pilot.press("3")
        await pilot.pause()
        assert isinstance(app.screen, RosterScreen)
        assert Absence.select().where(Absence.child == kid.id).count() == 4
        assert "已列为辍学风险" in notes[-1] and "11-26 无故缺课" in notes[-1]
        case = DropoutCase.get(DropoutCase.child == kid.id)

        await pilot.press("0")
        await pilot.pause()
        due = app.screen
        assert isinstance(due, DueScreen)
        row = next(i for i, d in enumerate(due.shown) if d.rule_name == dropout.VERIFY_DUTY)
        assert {d.rule_name for d in due.shown} >= set(duties.CASE_DUTIES)
        due.table.move_cursor(row=row)
        await pilot.press("t")
        await pilot.pause()
        page = app.screen
        assert isinstance(page, DropoutCaseScreen) and page.case_id == case.id
        text = screen_text(page)
        assert "缺课记录 (4 天)" in text and "还没有劝返记录" in text and "劝返中" in text

        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AttemptScreen)
        await pilot.press(*"家长答应下周一送回")
        await pilot.press("ctrl+s")  # no result chosen yet: said in the dialog, nothing written
        await pilot.pause()
        assert isinstance(app.screen, AttemptScreen) and DropoutAttempt.select().count() == 0
        assert "选择劝返结果" in screen_text(app.screen)
        await pilot.press("f3")  # 未选 -> 有效
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, DropoutCaseScreen)
        attempt = DropoutAttempt.get()
        assert (attempt.method, attempt.outcome, attempt.note, attempt.staff_id) == ("家访", "有效", "家长答应下周一送回",
                                                                                    teacher.id)
        assert "家访 有效  李老师" in screen_text(app.screen)

        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, CaseDayScreen)
        await pilot.press("enter")  # today
        await pilot.pause()
        assert isinstance(app.screen, DropoutCaseScreen)
        assert DropoutCase.get_by_id(case.id).closed_on == DAY
        assert "已返校" in screen_text(app.screen)
        assert not app.screen.check_action("attempt", ())  # a closed case takes no more attempts


async def test_a_bad_date_is_said_in_the_dialog_and_nothing_written(tiny_school, monkeypatch):
    app = app_for(tiny_school, tiny_school["staff"][0], monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        app.screen.select_child(tiny_school["kids"]["张小明"].id)
        await pilot.press("x", "d", "ctrl+u", *"11-21", "enter", "1")  # a Saturday
        await pilot.pause()
        assert isinstance(app.screen, AbsenceScreen)
        assert "不是上学日" in screen_text(app.screen)
        assert Absence.select().count() == 0
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, RosterScreen)


async def test_empty_case_list_says_how_cases_arise(tiny_school, monkeypatch):
    app = app_for(tiny_school, tiny_school["staff"][0], monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_dropout_cases()
        await pilot.pause()
        assert isinstance(app.screen, DropoutListScreen)
        text = screen_text(app.screen)
        assert "没有辍学风险案例" in text and "x" in text


async def test_a_volunteer_has_no_absence_key(tiny_school, monkeypatch):
    mama = Staff.create(school=tiny_school["school"], name="王妈妈", role="volunteer", login="aixinmama")
    Pairing.create(child=tiny_school["kids"]["张小明"], kind="爱心妈妈", staff=mama, started_on=dt.date(2026, 9, 1))
    app = app_for(tiny_school, mama, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        assert isinstance(app.screen, RosterScreen)
        assert app.screen.check_action("absent", ()) is False
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, RosterScreen) and Absence.select().count() == 0


async def test_class_register_space_toggles_and_digits_pick_the_reason(tiny_school, monkeypatch):
    teacher = tiny_school["staff"][0]
    kid = tiny_school["kids"]["张小明"]
    app = app_for(tiny_school, teacher, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        app.screen.select_child(kid.id)
        await pilot.press("X")
        await pilot.pause()
        register = app.screen
        assert isinstance(register, ClassAbsenceScreen)
        assert [r.name for r in register.rows] == ["张丽华", "张小明"]
        assert "三年级2班 11-26 考勤 · 2 人 · 缺课 0" in screen_text(register)
        register.table.move_cursor(row=1)
        await pilot.press("space")
        await pilot.pause()
        assert Absence.get(Absence.child == kid.id).reason == "无故缺课"
        assert "缺课 1" in screen_text(register) and register.selected().child_id == kid.id
        await pilot.press("2")
        await pilot.pause()
        assert Absence.get(Absence.child == kid.id).reason == "事假"
        await pilot.press("space")
        await pilot.pause()
        assert Absence.select().count() == 0 and "缺课 0" in screen_text(register)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, RosterScreen)


async def test_head_confirms_dropout_and_prints_the_written_report(tiny_school, monkeypatch, tmp_path):
    from models.entities import Child

    teacher = tiny_school["staff"][0]
    head = Staff.create(school=tiny_school["school"], name="潘校长", role="head", login="xiaozhang")
    kid = tiny_school["kids"]["张小明"]
    v = scope.viewer_for(teacher)
    case = dropout.mark_absent(kid.id, DAY - dt.timedelta(days=3), DAY, reason="无故缺课", viewer=v, today=DAY).opened
    for _ in range(3):
        dropout.add_attempt(case, {"method": "电话", "outcome": "无效"}, viewer=v, today=DAY)
    monkeypatch.chdir(tmp_path)
    app = app_for(tiny_school, head, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_dropout_cases()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        page = app.screen
        assert isinstance(page, DropoutCaseScreen) and "书面报告 (草稿, p 打印)" in screen_text(page)
        await pilot.press("c", "y")
        await pilot.pause()
        assert Child.get_by_id(kid.id).status == "辍学" and not page.check_action("confirm", ())
        await pilot.press("p")
        await pilot.pause()
        printed = list(tmp_path.glob("辍学书面报告_*.txt"))
        assert len(printed) == 1 and "3 次劝返无效" in printed[0].read_text(encoding="utf-8-sig")


async def test_the_childs_page_lists_its_case_and_opens_it(tiny_school, monkeypatch):
    from screens.child_detail import ChildDetailScreen

    teacher = tiny_school["staff"][0]
    kid = tiny_school["kids"]["张小明"]
    case = dropout.mark_absent(kid.id, DAY - dt.timedelta(days=3), DAY, reason="病假", viewer=scope.viewer_for(teacher),
                               today=DAY).opened
    app = app_for(tiny_school, teacher, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(ChildDetailScreen(kid.id))
        await pilot.pause()
        page = app.screen
        assert page.protection_items == [("dropout", case)]
        assert "控辍保学" in screen_text(page)
        await pilot.press("r", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DropoutCaseScreen) and app.screen.case_id == case
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is page
