"""Quick entry of a talk from the roster at 80x24, and drafts that survive a lost session."""
import datetime as dt

from textual.widgets import Static, TextArea

from models import drafts
from models.entities import Contact, Draft
from models.scope import system_viewer

ALL = system_viewer()  # the whole database: these tests are not about scope (tests/test_scope.py is)
from screens.roster import RosterScreen
from screens.talk_entry import TalkEntryScreen
from tests.test_roster_screen import make_app


async def open_talk_for(pilot, app, initials):
    await pilot.press("slash", *initials, "enter", "t")
    await pilot.pause()
    assert isinstance(app.screen, TalkEntryScreen)
    return app.screen


async def test_quick_entry_from_roster_saves_a_talk(tiny_school):
    app = make_app(tiny_school)
    kid = tiny_school["kids"]["王芳"]
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_talk_for(pilot, app, "wf")
        assert isinstance(app.focused, TextArea)  # the cursor is already in the content
        await pilot.press(*"talked about maths")
        await pilot.press("f3", "f4", "f5")  # mood: the first one; concerns 学业 and 心理
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()  # the save runs in a worker (screens/saving.py)
        await pilot.pause()
        assert isinstance(app.screen, RosterScreen)
        row = next(r for r in app.screen.shown if r.id == kid.id)
        assert row.last_talk == dt.date.today()
    c = Contact.get(Contact.child == kid.id)
    assert (c.kind, c.content, c.mood, c.concerns, c.reached) == ("谈心", "talked about maths", "开心", "学业、心理", True)
    assert c.staff_id == tiny_school["staff"][0].id
    assert Draft.select().count() == 0


async def test_empty_content_is_refused_with_a_message(tiny_school):
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_talk_for(pilot, app, "wf")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert "请填写谈话内容" in str(screen.query_one("#err-content", Static).content)
        screen.query_one("#f-minutes").value = "99999"[:3]
        screen.query_one("#f-when").value = "2031-01-01 10:00"
        await pilot.press("x", "ctrl+s")
        await pilot.pause()
        assert "不能晚于" in str(screen.query_one("#err-row1", Static).content)
    assert Contact.select().where(Contact.child == tiny_school["kids"]["王芳"].id).count() == 0


async def test_group_talk_adds_a_second_child(tiny_school):
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_talk_for(pilot, app, "wf")
        await pilot.press(*"group talk")
        await pilot.press("ctrl+g")
        await pilot.pause()
        await pilot.press(*"zlh", "enter")
        await pilot.pause()
        head = app.screen.query_one("#talk-head", Static)
        assert str(head.content).startswith("小组谈心 · 王芳")
        await pilot.press("ctrl+l", "8")  # 学业辅导: the heading names the kind
        await pilot.pause()
        assert str(head.content).startswith("小组学业辅导 · 王芳")
        await pilot.press("ctrl+l", "1")
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()  # the save runs in a worker (screens/saving.py)
        await pilot.pause()
    rows = list(Contact.select().where(Contact.content == "group talk"))
    assert {r.child_id for r in rows} == {tiny_school["kids"]["王芳"].id, tiny_school["kids"]["张丽华"].id}
    assert rows[0].group_key and rows[0].group_key == rows[1].group_key


async def test_draft_comes_back_after_the_session_is_lost(tiny_school):
    kid = tiny_school["kids"]["王芳"]
    staff_id = tiny_school["staff"][0].id
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_talk_for(pilot, app, "wf")
        await pilot.press(*"half a sentence", "f2")
        await pilot.pause()
        screen._flush_draft()  # what the half-second timer does, without waiting for it
        screen.writer.flush()
        saved = drafts.load_draft(staff_id, "talk", f"child:{kid.id}", viewer=ALL)
        assert saved and saved[0]["form"]["content"] == "half a sentence"
        assert saved[0]["form"]["kind"] == "家长电话"
    # the app ended without saving (the connection dropped): no contact, the draft stays
    assert Contact.select().where(Contact.child == kid.id).count() == 0
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_talk_for(pilot, app, "wf")
        assert screen.query_one(TextArea).text == "half a sentence"
        assert screen.form.kind == "家长电话"
        await pilot.press(*" more", "ctrl+s")
        await app.workers.wait_for_complete()  # the save runs in a worker (screens/saving.py)
        await pilot.pause()
    assert Contact.get(Contact.child == kid.id).content == "half a sentence more"
    assert Draft.select().count() == 0


async def test_escape_with_text_asks_then_discards_the_draft(tiny_school):
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_talk_for(pilot, app, "wf")
        await pilot.press(*"abc")
        await pilot.pause()
        screen._flush_draft()  # what the half-second timer does, without waiting for it
        screen.writer.flush()
        assert Draft.select().count() == 1
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfirmScreen"
        await pilot.press("n")
        assert app.screen is screen
        await pilot.press("escape", "y")
        await pilot.pause()
        assert isinstance(app.screen, RosterScreen)
    assert Draft.select().count() == 0
    assert Contact.select().where(Contact.content == "abc").count() == 0


async def test_a_new_talk_is_in_the_audit_log(tiny_school):
    from models.entities import AuditLog

    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_talk_for(pilot, app, "wf")
        await pilot.press(*"audited", "ctrl+s")
        await app.workers.wait_for_complete()  # the save runs in a worker (screens/saving.py)
        await pilot.pause()
    c = Contact.get(Contact.content == "audited")
    row = AuditLog.get((AuditLog.table == "contact") & (AuditLog.row_id == c.id))
    assert row.action == "create" and "audited" not in row.new and "谈心" in row.new


async def test_f11_f12_fill_callee_effect_and_parent_feedback_at_80x24(tiny_school):
    """The paper forms' other columns, one key each: F11 通话对象 (again: the next of the child's
    parents and 监护人), F12 交谈后效果 — or 家长反馈 first for a 家访 — and all three are saved."""
    kid = tiny_school["kids"]["张小明"]
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_talk_for(pilot, app, "zxm")
        for selector in ("#f-callee", "#f-effect", "#f-feedback"):
            region = screen.query_one(selector).region
            assert region.width >= 8 and region.bottom <= 23, selector  # on screen above the footer
        await pilot.press(*"asked about school", "f2")  # kind: 家长电话
        await pilot.press("f11")
        assert app.focused.id == "f-callee"
        await pilot.press("f11")  # the first of the child's people
        assert screen.query_one("#f-callee").value == "父亲 张大山"
        await pilot.press("f12")
        assert app.focused.id == "f-effect"
        await pilot.press(*"calmer")
        await pilot.press("f12")
        assert app.focused.id == "f-feedback"
        await pilot.press(*"thanks", "ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
    c = Contact.get((Contact.child == kid.id) & (Contact.content == "asked about school"))
    assert (c.kind, c.callee, c.effect, c.parent_feedback) == ("家长电话", "父亲 张大山", "calmer", "thanks")


async def test_a_home_visit_fills_every_column_of_the_jiafang_shouji_at_80x24(tiny_school):
    """家访手记: F12 walks its columns in the paper's order (家庭成员情况, 生活环境, 教育需求, 家长反馈),
    then 交谈后效果; the content is 孩子表现; the row is on screen at 80x24 and everything is saved."""
    kid = tiny_school["kids"]["王芳"]
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_talk_for(pilot, app, "wf")
        assert not screen.query_one("#visit-row").display  # a 谈心 has no such columns
        await pilot.press("f2", "f2")  # 家长电话, 家访
        assert screen.form.kind == "家访"
        await pilot.pause()
        assert screen.query_one("#visit-row").display
        assert "孩子表现" in screen.query_one("#talk-content", TextArea).placeholder
        for selector in ("#f-family", "#f-living", "#f-needs", "#f-feedback", "#f-follow"):
            region = screen.query_one(selector).region
            assert region.width >= 8 and region.bottom <= 23, selector  # on screen above the footer
        assert screen.query_one("#talk-content").region.height >= 4
        await pilot.press(*"does homework")
        typed = {"f-family": "grandma and him", "f-living": "old but tidy", "f-needs": "maths help",
                 "f-feedback": "thanks", "f-effect": "calmer"}
        for field_id, text in typed.items():
            await pilot.press("f12")
            assert app.focused.id == field_id
            await pilot.press(*text)
        await pilot.press("f12")
        assert app.focused.id == "f-family"  # round again
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
    c = Contact.get(Contact.child == kid.id)
    assert (c.kind, c.content, c.family_members, c.living_conditions, c.education_needs, c.parent_feedback,
            c.effect) == ("家访", "does homework", "grandma and him", "old but tidy", "maths help", "thanks", "calmer")


async def test_home_visit_columns_stay_in_the_draft_and_are_refused_on_another_kind(tiny_school):
    """The draft keeps them; a kind changed away from 家访 keeps the row (nothing typed is hidden) and
    saving says why it cannot, until the kind is 家访 again."""
    kid = tiny_school["kids"]["王芳"]
    staff_id = tiny_school["staff"][0].id
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_talk_for(pilot, app, "wf")
        await pilot.press("f2", "f2", *"visited", "f12", *"five people", "f12", *"brick house")
        await pilot.pause()
        screen._flush_draft()  # what the half-second timer does, without waiting for it
        screen.writer.flush()
    saved = drafts.load_draft(staff_id, "talk", f"child:{kid.id}", viewer=ALL)[0]["form"]
    assert (saved["kind"], saved["family_members"], saved["living_conditions"]) == ("家访", "five people", "brick house")
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_talk_for(pilot, app, "wf")
        assert screen.query_one("#f-family").value == "five people"
        await pilot.press("f2")  # 亲情电话: the row stays, it holds text
        assert screen.form.kind == "亲情电话" and screen.query_one("#visit-row").display
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert "只用于家访" in str(screen.query_one("#err-row2", Static).content)
        assert app.focused.id == "f-family"
        assert Contact.select().where(Contact.child == kid.id).count() == 0
        await pilot.press("ctrl+l", "3")  # back to 家访 from the numbered list
        await pilot.pause()
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
    c = Contact.get(Contact.child == kid.id)
    assert (c.kind, c.family_members, c.living_conditions) == ("家访", "five people", "brick house")
    assert Draft.select().count() == 0


async def test_keys_typed_ahead_after_f12_land_in_the_next_column(tiny_school):
    """Over SSH (or from an IME) a key that moves to another field and the text after it can arrive in
    one read: the text belongs to the field the key moved to, so the move happens before the next key
    is handled (Textual's ``focus()`` waits for the queue and the text went into the previous field)."""
    from textual import events

    kid = tiny_school["kids"]["王芳"]
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_talk_for(pilot, app, "wf")
        await pilot.press("f2", "f2")  # 家访
        await pilot.pause()
        burst = ["a", "f12", "b", "f12", "c", "f12", "d", "f12", "e", "f12", "f", "f11", "g"]
        for key in burst:  # one read: every key queued before the first is handled
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await pilot.pause()
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
    c = Contact.get(Contact.child == kid.id)
    assert (c.content, c.family_members, c.living_conditions, c.education_needs, c.parent_feedback, c.effect,
            c.callee) == ("a", "b", "c", "d", "e", "f", "g")


async def test_text_typed_ahead_after_tab_lands_in_the_next_field(tiny_school):
    """The same for tab and shift+tab: 12 typed right after shift+tab from 通话对象 is the minutes."""
    from textual import events

    kid = tiny_school["kids"]["王芳"]
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_talk_for(pilot, app, "wf")
        await pilot.press(*"call")
        for key in ["f11", "x", "shift+tab", "1", "2", "tab", "tab", "y"]:
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await pilot.pause()
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
    c = Contact.get(Contact.child == kid.id)
    assert (c.callee, c.minutes, c.place) == ("x", 12, "y")
