"""需要关注 at 80x24 (screens/attention.py): `0` `g` opens it for a class teacher, `c` confirms with a
level and a review date, `d` dismisses with a reason, the empty list says why, and a volunteer
neither sees the key nor gets the list."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from textual.widgets import Static

import tui.app
from models import duties
from models.entities import AttentionDecision, Child, Contact, Pairing, Staff
from screens.attention import AttentionScreen, ConfirmAttentionScreen, DismissAttentionScreen
from screens.due import DueScreen
from tui.app import GuanaiApp
from tui.context import Session
from tui.widgets.pick_list import PickListScreen

DAY = dt.date(2026, 11, 27)


class AttentionApp(GuanaiApp):
    """待办 and 需要关注 with the clock fixed to DAY."""

    MODES = {**GuanaiApp.MODES, "due": lambda: DueScreen(today=DAY)}
    CSS_PATH = str(Path(tui.app.__file__).with_name("styles.tcss"))


def app_for(tiny_school, staff):
    school = tiny_school["school"]
    app = AttentionApp(Session(target=tiny_school["path"], school_id=school.id, staff_id=staff.id,
                               staff_name=staff.name, school_name=school.name))
    app.tiny_school = tiny_school
    return app


def parents_called(tiny_school):
    """A reached call home last week for the class: no 父母失联 to crowd the list."""
    for name in ("张小明", "张丽华"):
        Contact.create(child=tiny_school["kids"][name], staff=tiny_school["staff"][0], kind="家长电话",
                       at=dt.datetime(2026, 11, 20, 19), content="通话")


def low_moods(tiny_school, name="张小明"):
    for day, mood in ((21, "低落"), (24, "焦虑"), (26, "低落")):
        Contact.create(child=tiny_school["kids"][name], staff=tiny_school["staff"][0], kind="谈心",
                       at=dt.datetime(2026, 11, day, 10), content="不说话", mood=mood)


def screen_text(screen) -> str:
    return "\n".join(str(w.content) for w in screen.query(Static) if w.display)


async def open_attention(app, pilot, monkeypatch) -> AttentionScreen:
    parents_called(app.tiny_school)
    monkeypatch.setattr("screens.attention.dt", _FixedDate)
    await pilot.press("0")
    await pilot.pause()
    await pilot.press("g")
    await pilot.pause()
    assert isinstance(app.screen, AttentionScreen)
    return app.screen


class _FixedDate:
    """``dt`` for screens/attention.py with today fixed to DAY (the rest is the real module)."""

    timedelta = dt.timedelta
    datetime = dt.datetime

    class date(dt.date):
        @classmethod
        def today(cls):
            return DAY


async def test_confirm_then_dismiss(tiny_school, monkeypatch):
    low_moods(tiny_school)
    teacher = tiny_school["staff"][0]  # 李老师, 班主任 of 三年级2班
    kid = tiny_school["kids"]["张小明"]
    app = app_for(tiny_school, teacher)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_attention(app, pilot, monkeypatch)
        assert [f.name for f in screen.table.rows] == ["张小明"]
        text = screen_text(screen)
        assert "11-21、11-24、11-26 连续3次谈心情绪低落或焦虑" in text and "需要关注 · 1 人" in text
        assert "需要关注" in app.screen.query_one("TitleBar").title_text()

        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, PickListScreen)
        await pilot.press("1")  # 红
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmAttentionScreen)
        assert dialog.query_one("#att-review").value == "12-04"  # 红: a week
        await pilot.press("ctrl+u", *"13-40", "enter")  # a date that does not exist: said, nothing written
        await pilot.pause()
        assert app.screen is dialog and "复查日期" in screen_text(dialog)
        assert not AttentionDecision.select().exists()
        await pilot.press("ctrl+u", *"12-11", "enter")
        await pilot.pause()
        assert app.screen is screen
        row = Child.get_by_id(kid.id)
        assert (row.attention_level, row.attention_review_on, row.key_target) == ("红", dt.date(2026, 12, 11), True)
        assert screen.table.rows[0].level == "红" and "12-11" in screen_text(screen)

        await pilot.press("escape")  # back to 待办: as a 重点帮扶对象 his monthly 心理辅导 is due
        await pilot.pause()
        assert isinstance(app.screen, DueScreen)
        assert ("张小明", "心理辅导") in [(d.child_name, d.rule_name) for d in app.screen.table.rows]
        red = [d for d in duties.open_duties(DAY, viewer=app.viewer, child_id=kid.id, horizon_days=None)
               if d.rule_name == "红色关注心理辅导"]
        assert [d.due for d in red] == [DAY + dt.timedelta(days=7)]  # weekly from the confirmation

        await pilot.press("g")
        await pilot.pause()
        screen = app.screen
        await pilot.press("d")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, DismissAttentionScreen)
        await pilot.press("enter")  # no reason: refused
        await pilot.pause()
        assert app.screen is dialog and "请写明排除的理由" in screen_text(dialog)
        await pilot.press(*"家访后好转", "enter")
        await pilot.pause()
        assert app.screen is screen and screen.table.rows == []
        assert "没有预警信号" in screen_text(screen)
        row = Child.get_by_id(kid.id)
        assert (row.attention_level, row.key_target) == ("", False)
        assert [d.decision for d in AttentionDecision.select().order_by(AttentionDecision.id)] == ["confirm", "dismiss"]


async def test_empty_list_says_why(tiny_school, monkeypatch):
    app = app_for(tiny_school, tiny_school["staff"][0])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_attention(app, pilot, monkeypatch)
        assert screen.table.row_count == 0
        text = screen_text(screen)
        assert "没有预警信号" in text and "guanai rules" in text


async def test_a_volunteer_has_neither_key_nor_list(tiny_school, monkeypatch):
    low_moods(tiny_school)
    mama = Staff.create(school=tiny_school["school"], name="王妈妈", role="volunteer", login="aixinmama")
    Pairing.create(child=tiny_school["kids"]["张小明"], kind="爱心妈妈", staff=mama, started_on=dt.date(2026, 9, 1))
    Child.update(attention_level="红", attention_review_on=DAY).where(
        Child.id == tiny_school["kids"]["张小明"].id).execute()
    app = app_for(tiny_school, mama)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("0")
        await pilot.pause()
        due = app.screen
        assert isinstance(due, DueScreen)
        assert due.check_action("attention", ()) is False
        names = {d.rule_name for d in due.table.rows}
        assert names and not names & {"红色关注心理辅导", duties.REVIEW}  # her child's label is not hers
        await pilot.press("g")
        await pilot.pause()
        assert app.screen is due
        app.action_command_palette()
        await pilot.pause()
        await pilot.press(*"xygz")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, AttentionScreen)


async def test_x_writes_the_months_sheet(tiny_school, monkeypatch, tmp_path):
    low_moods(tiny_school)
    app = app_for(tiny_school, tiny_school["staff"][0])
    app.session.files_dir = str(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_attention(app, pilot, monkeypatch)
        await pilot.press("x")
        await pilot.pause()
        assert (tmp_path / "预警与干预_2026-11.xlsx").exists()
        await pilot.press("x")  # again: asks before overwriting
        await pilot.pause()
        from screens.confirm import ConfirmScreen
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")


async def test_t_on_a_review_duty_opens_the_list(tiny_school, monkeypatch):
    """关注复查 is met by a decision, not a contact: t leads to 需要关注."""
    low_moods(tiny_school)
    kid = tiny_school["kids"]["张小明"]
    Child.update(attention_level="黄", attention_review_on=DAY, attention_since=dt.date(2026, 11, 13),
                 key_target=True).where(Child.id == kid.id).execute()
    app = app_for(tiny_school, tiny_school["staff"][0])
    monkeypatch.setattr("screens.attention.dt", _FixedDate)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("0")
        await pilot.pause()
        due = app.screen
        rows = [d.rule_name for d in due.table.rows]
        due.table.move_cursor(row=rows.index(duties.REVIEW))
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, AttentionScreen)
        assert app.screen.table.rows[0].name == "张小明" and app.screen.table.rows[0].level == "黄"


@pytest.mark.parametrize("who,shown", [("class_teacher", True), ("volunteer", False)])
async def test_the_child_page_shows_the_level_only_to_who_may_see_it(tiny_school, who, shown):
    from screens.child_detail import ChildDetailScreen

    kid = tiny_school["kids"]["张小明"]
    Child.update(attention_level="红", attention_review_on=dt.date(2026, 12, 4), key_target=True).where(
        Child.id == kid.id).execute()
    staff = tiny_school["staff"][0]
    if who == "volunteer":
        staff = Staff.create(school=tiny_school["school"], name="王妈妈", role="volunteer", login="aixinmama")
        Pairing.create(child=kid, kind="爱心妈妈", staff=staff, started_on=dt.date(2026, 9, 1))
    app = app_for(tiny_school, staff)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(ChildDetailScreen(kid.id))
        await pilot.pause()
        special = str(app.screen.query_one("#detail-special", Static).content)
        assert "重点帮扶对象" in special
        assert ("红色关注, 2026-12-04 复查" in special) is shown


async def test_names_and_reasons_are_text_not_markup(tiny_school, monkeypatch):
    Child.update(name="[/b]王[red]小明").where(Child.id == tiny_school["kids"]["张小明"].id).execute()
    low_moods(tiny_school)
    app = app_for(tiny_school, tiny_school["staff"][0])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_attention(app, pilot, monkeypatch)
        assert "[/b]王[red]小明" in screen_text(screen)  # the detail line under the table, literally
        await pilot.press("d")
        await pilot.pause()
        assert "[/b]王[red]小明" in screen_text(app.screen)
