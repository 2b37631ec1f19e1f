"""The 谈心记录单's tutoring variant (学业辅导): its own columns (学生存在问题, 帮教资料), migration 0018,
the talk entry at 80x24, and the handbook's 学业辅导记录 sheet."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from textual.widgets import Static, TextArea

from models import contacts, handbook, rules, schema
from models.contacts import ContactForm
from models.entities import Child, Classroom, Contact, School
from models.scope import system_viewer
from tests.test_handbook import at, build_october, col, data_rows, header
from tui import export
from tui.export import columns, layout
from tui.export.cells import Col

NOW = dt.datetime(2026, 11, 28, 16, 0)
LONG = "很" * (contacts.VISIT_FIELD_LIMIT + 1)
ALL = system_viewer()


@pytest.fixture
def kid(db_path):
    s = School.create(name="测试小学")
    room = Classroom.create(school=s, grade=3, number=2, name="三年级2班")
    return Child.create(school=s, classroom=room, name="张小明")


def test_the_kind_is_appended():
    """Existing kinds keep their pick-list numbers (ctrl+l 3 is still 家访)."""
    assert rules.CONTACT_KINDS[:7] == ("谈心", "家长电话", "家访", "亲情电话", "亲情书信", "心理辅导", "监护人座谈")
    assert rules.CONTACT_KINDS[7] == contacts.TUTORING == "学业辅导"
    assert set(contacts.TUTORING_FIELDS) == {"problems", "materials"}


@pytest.mark.parametrize("kind, fields, error_key, message", [
    # kind, the columns typed, which field gets the message (None: saved), what it says
    ("学业辅导", {"problems": "分数除法不会", "materials": "练习册第3页"}, None, ""),
    ("学业辅导", {}, None, ""),  # both may stay empty
    ("学业辅导", {"materials": " \n "}, None, ""),  # only blanks: empty
    ("谈心", {"problems": "不会"}, "problems", "学生存在问题只用于学业辅导"),
    ("家访", {"problems": "不会", "materials": "练习册"}, "problems", "学生存在问题、帮教资料只用于学业辅导"),
    ("心理辅导", {"materials": "x"}, "materials", "帮教资料只用于学业辅导"),
    ("学业辅导", {"family_members": "奶奶和他"}, "family_members", "家庭成员情况只用于家访"),  # and back
    ("学业辅导", {"problems": LONG}, "problems", f"学生存在问题不能超过 {contacts.VISIT_FIELD_LIMIT} 字"),
    ("学业辅导", {"materials": LONG}, "materials", f"帮教资料不能超过 {contacts.VISIT_FIELD_LIMIT} 字"),
])
def test_tutoring_columns_rules(kid, kind, fields, error_key, message):
    form = ContactForm(kind=kind, when="2026-11-28 15:00", content="讲了通分", **fields)
    values, errors = contacts.validate_contact(form, [kid.id], now=NOW)
    if error_key is None:
        assert errors == {}
        assert values["kind"] == kind and values["problems"] == fields.get("problems", "").strip()
        return
    assert list(errors) == [error_key] and errors[error_key].startswith(message)


@pytest.mark.parametrize("typed, stored", [
    ("分数\x1b[2J除法\x07", "分数[2J除法"),  # control characters never reach the database
    ("  练习册 \n", "练习册"),
    ("[b]错题本[/b]", "[b]错题本[/b]"),  # user text, kept as typed (shown literally)
    ("第一行\r\n第二行", "第一行\n第二行"),
])
def test_tutoring_columns_are_cleaned_like_every_note(kid, typed, stored):
    form = ContactForm(kind="学业辅导", when="2026-11-28 15:00", content="x", problems=typed, materials=typed)
    values, errors = contacts.validate_contact(form, [kid.id], now=NOW)
    assert errors == {} and values["problems"] == values["materials"] == stored


@pytest.mark.both_backends
def test_0018_adds_the_columns_and_goes_back_down(kid):
    """An old database's contacts read "" after the upgrade; down and up again keep every other column."""
    visit = Contact.create(child=kid, kind="家访", at=NOW, content="孩子表现", family_members="奶奶和他")
    since_18 = [n for n in schema.known_versions() if int(n[:4]) >= 18]
    schema._runner().down(target=since_18[0])
    assert schema.schema_version() == 17
    names = {c.name for c in Contact._meta.database.get_columns("contact")}
    assert not names & set(contacts.TUTORING_FIELDS) and "family_members" in names
    assert schema.migrate() == since_18
    again = Contact.get_by_id(visit.id)
    assert (again.content, again.family_members, again.problems, again.materials) == ("孩子表现", "奶奶和他", "", "")


# --------------------------------------------------------------------------- the talk entry


async def test_a_tutoring_session_fills_its_columns_at_80x24_and_reloads(tiny_school):
    """ctrl+l 8 picks 学业辅导: its row shows (the 家访 row does not), the content is 帮教措施, F12 walks
    学生存在问题, 帮教资料, then 交谈后效果 (阶段性效果); saved, and an edit shows the same text."""
    from tests.test_roster_screen import make_app
    from tests.test_talk_entry import open_talk_for

    kid = tiny_school["kids"]["王芳"]
    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_talk_for(pilot, app, "wf")
        assert not screen.query_one("#tutor-row").display  # a 谈心 has no such columns
        await pilot.press("ctrl+l", "8")
        await pilot.pause()
        assert screen.form.kind == "学业辅导"
        assert screen.query_one("#tutor-row").display and not screen.query_one("#visit-row").display
        assert "帮教措施" in screen.query_one("#talk-content", TextArea).placeholder
        assert screen.query_one("#f-effect").placeholder == "阶段性效果"
        for selector in ("#f-problems", "#f-materials", "#f-effect", "#f-follow"):
            region = screen.query_one(selector).region
            assert region.width >= 8 and region.bottom <= 23, selector  # on screen above the footer
        assert screen.query_one("#talk-content").region.height >= 4
        await pilot.press(*"fractions drill")
        for field_id, text in (("f-problems", "cannot add fractions"), ("f-materials", "workbook p3"),
                               ("f-effect", "gets half right")):
            await pilot.press("f12")
            assert app.focused.id == field_id
            await pilot.press(*text)
        await pilot.press("f12", "f12")  # 家长反馈, then round again
        assert app.focused.id == "f-problems"
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, type(screen))
    c = Contact.get(Contact.child == kid.id)
    assert (c.kind, c.content, c.problems, c.materials, c.effect) == (
        "学业辅导", "fractions drill", "cannot add fractions", "workbook p3", "gets half right")

    app = make_app(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        from screens.talk_entry import TalkEntryScreen

        await pilot.pause()
        app.push_screen(TalkEntryScreen(contact_id=c.id))
        await pilot.pause()
        screen = app.screen
        assert screen.query_one("#tutor-row").display
        assert (screen.query_one("#f-problems").value, screen.query_one("#f-materials").value) == (
            "cannot add fractions", "workbook p3")
        await pilot.press("f2")  # 谈心 again: the row stays (it holds text) and the save says why not
        assert screen.form.kind == "谈心" and screen.query_one("#tutor-row").display
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen and app.focused.id == "f-problems"
        assert "只用于学业辅导" in str(screen.query_one("#err-row2", Static).content)
    assert Contact.get_by_id(c.id).kind == "学业辅导"


# --------------------------------------------------------------------------- the handbook


def test_the_sheet_fits_one_a4_landscape_page_at_100_percent():
    cols = [Col("序号", 4.5, "int", ""), *columns.TUTORING]
    out, landscape = layout.fit_columns(cols, landscape=True)
    assert landscape and [c.width for c in out] == [c.width for c in cols]  # nothing narrowed
    assert sum(c.width * 7 + 5 for c in cols) <= 1010


@pytest.mark.both_backends
def test_the_workbook_has_the_tutoring_sheet(db_path, tmp_path):
    """学业辅导记录 after 谈心记录, in the paper's order; the 汇总 and the preview count the sessions;
    they are not 谈心 (not on the 谈心记录 sheet)."""
    data = build_october()
    a, li = data["kids"]["a"], data["staff"]["li"]
    Contact.create(child=a, staff=li, kind="学业辅导", at=at(10, 14, 16), place="教室", content="讲通分, 每天五道题",
                   problems="分数加减不会", materials="=练习册 第3页", effect="对一半")
    talks = Contact.select().where(Contact.kind.in_(handbook.TALK_KINDS) & Contact.at.between(at(10, 1, 0), at(10, 31, 23)))
    path = tmp_path / "h.xlsx"
    scope = handbook.make_scope(data["school"].id, "2026-10", viewer=ALL, today=dt.date(2026, 11, 28))
    result = export.export_handbook(scope, str(path))
    wb = openpyxl.load_workbook(path)
    names = wb.sheetnames
    assert names.index("学业辅导记录") == names.index("谈心记录") + 1
    ws = wb["学业辅导记录"]
    assert "学业辅导记录 (谈心记录单·辅导)" in ws["A1"].value
    assert header(ws) == ["序号", "辅导时间", "辅导地点", "辅导学生", "班级", "辅导教师", "学生存在问题", "帮教措施",
                          "帮教资料", "效果", "跟进"]
    (row,) = data_rows(ws)
    assert row[1:] == (dt.datetime(2026, 10, 14, 16, 0), "教室", a.name, "三年级2班", li.name, "分数加减不会",
                       "讲通分, 每天五道题", "=练习册 第3页", "对一半", None)
    assert ws.cell(row=4, column=col(ws, "帮教资料") + 1).data_type == "s"  # text, never a formula
    assert result.rows["学业辅导记录"] == 1 and result.rows["谈心记录"] == talks.count() == 7
    five = [r for r in wb["汇总"].iter_rows(values_only=True) if r and "学业辅导" in r]
    (head,) = five
    rows = list(wb["汇总"].iter_rows(values_only=True))
    figures = rows[rows.index(head) + 1]
    assert figures[head.index("学业辅导")] == 1
    from screens.handbook import preview_text

    assert "学业辅导 1" in preview_text(handbook.summary(scope))
