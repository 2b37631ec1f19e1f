"""The 家访手记's own columns (家庭成员情况, 生活环境, 教育需求): the rules of the model and migration 0011."""
from __future__ import annotations

import datetime as dt

import pytest

from models import contacts, schema
from models.contacts import ContactForm
from models.entities import Child, Classroom, Contact, School
from models.scope import system_viewer

NOW = dt.datetime(2026, 11, 28, 16, 0)
LONG = "很" * (contacts.VISIT_FIELD_LIMIT + 1)


@pytest.fixture
def kid(db_path):
    s = School.create(name="测试小学")
    room = Classroom.create(school=s, grade=3, number=2, name="三年级2班")
    return Child.create(school=s, classroom=room, name="张小明")


@pytest.mark.parametrize("kind, fields, error_key, message", [
    # kind, the visit columns typed, which field gets the message (None: saved), what it says
    ("家访", {"family_members": "奶奶和他", "living_conditions": "砖房", "education_needs": "数学"}, None, ""),
    ("家访", {}, None, ""),  # all three may stay empty
    ("谈心", {}, None, ""),
    ("谈心", {"living_conditions": "砖房"}, "living_conditions", "生活环境只用于家访"),
    ("亲情电话", {"family_members": "五口人", "education_needs": "作业"}, "family_members",
     "家庭成员情况、教育需求只用于家访"),
    ("监护人座谈", {"education_needs": "x"}, "education_needs", "教育需求只用于家访"),
    ("家访", {"family_members": LONG}, "family_members", f"家庭成员情况不能超过 {contacts.VISIT_FIELD_LIMIT} 字"),
    ("家访", {"education_needs": "  \n "}, None, ""),  # only blanks: empty
])
def test_visit_columns_rules(kid, kind, fields, error_key, message):
    form = ContactForm(kind=kind, when="2026-11-28 15:00", content="在家写作业", **fields)
    values, errors = contacts.validate_contact(form, [kid.id], now=NOW)
    if error_key is None:
        assert errors == {}
        return
    assert list(errors) == [error_key] and errors[error_key].startswith(message)


@pytest.mark.parametrize("typed, stored", [
    ("奶奶\x1b[2J和他\x07", "奶奶[2J和他"),  # control characters never reach the database
    ("  两层砖房 \n", "两层砖房"),
    ("[b]书桌[/b]", "[b]书桌[/b]"),  # user text, kept as typed (shown literally)
    ("第一行\r\n第二行", "第一行\n第二行"),
])
def test_visit_columns_are_cleaned_like_every_note(kid, typed, stored):
    form = ContactForm(kind="家访", when="2026-11-28 15:00", content="x", living_conditions=typed)
    values, errors = contacts.validate_contact(form, [kid.id], now=NOW)
    assert errors == {} and values["living_conditions"] == stored


def test_an_edit_keeps_them_and_logs_the_old_text(kid):
    form = ContactForm(kind="家访", when="2026-11-28 15:00", content="x", family_members="奶奶和他")
    values, _ = contacts.validate_contact(form, [kid.id], now=NOW)
    (cid,) = contacts.create_contacts(values, [kid.id], staff_id=None, viewer=system_viewer())
    _, loaded, _ = contacts.contact_for_edit(cid, viewer=system_viewer())
    assert loaded.family_members == "奶奶和他"
    loaded.family_members = "奶奶、爷爷和他"
    values, _ = contacts.validate_contact(loaded, [kid.id], now=NOW)
    contacts.update_contact(cid, values, staff_id=None, viewer=system_viewer())
    history = contacts.contact_history(cid, viewer=system_viewer())
    assert [h["action"] for h in history] == ["update", "create"], history
    change = history[0]
    assert (change["old"], change["new"]) == ({"family_members": "奶奶和他"}, {"family_members": "奶奶、爷爷和他"})


@pytest.mark.both_backends
def test_0011_adds_the_columns_to_existing_visits_and_goes_back_down(kid):
    """An old database's visits read "" after the upgrade; down and up again keep every other column."""
    visit = Contact.create(child=kid, kind="家访", at=NOW, content="孩子表现", parent_feedback="感谢")
    since_11 = [n for n in schema.known_versions() if int(n[:4]) >= 11]
    schema._runner().down(target=since_11[0])
    assert schema.schema_version() == 10
    columns = {c.name for c in Contact._meta.database.get_columns("contact")}
    assert not columns & set(contacts.VISIT_FIELDS)
    assert schema.migrate() == since_11
    again = Contact.get_by_id(visit.id)
    assert (again.content, again.parent_feedback, again.family_members, again.living_conditions,
            again.education_needs) == ("孩子表现", "感谢", "", "", "")
