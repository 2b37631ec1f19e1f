"""Stored text never drives a terminal: ``models.sanitize.clean_text``, its use at the model
write paths (on SQLite and PostgreSQL: a NUL must save cleaned, not crash) and migration 0008,
which cleans rows an older version stored."""
from __future__ import annotations

import datetime as dt

import pytest

from models import calendar, children, contacts, drafts, pairings, schema
from models import db as dbmod
from models.entities import Child, Contact, Event, Pairing
from models.sanitize import clean_text, first_refused_in_line
from models.scope import viewer_for

pytestmark = pytest.mark.both_backends

OSC52 = "\x1b]52;c;cm0gLXJmIH4=\x07"  # set the clipboard to "rm -rf ~"
OSC0 = "\x1b]0;PWNED-TITLE\x07"
CSI_CLEAR = "\x1b[2J\x1b[H"
HOSTILE = f"谈心{OSC52}内容{OSC0}第二{CSI_CLEAR}段\x00\x7f\x9b31m\u202e\u200b完"
HOSTILE_CLEAN = "谈心]52;c;cm0gLXJmIH4=内容]0;PWNED-TITLE第二[2J[H段31m完"


@pytest.mark.parametrize("value, multiline, expected", [
    ("王小明", False, "王小明"),
    ("a\x1b]52;c;QUJD\x07b", False, "a]52;c;QUJDb"),  # OSC 52 clipboard write: ESC and BEL go
    ("a\x1b]0;title\x07b", False, "a]0;titleb"),  # OSC 0 title change
    ("a\x1b[2Jb", True, "a[2Jb"),  # CSI 2J screen clear
    ("铃\x07声", True, "铃声"),  # BEL
    ("空\x00字", True, "空字"),  # NUL: PostgreSQL refuses it in text
    ("删\x7f除", False, "删除"),  # DEL
    ("c1\x9b2J", True, "c12J"),  # C1 CSI
    ("abc\u202edef", False, "abcdef"),  # bidi override
    ("ab\u2066c\u2069", False, "abc"),  # bidi isolate
    ("王\u200b芳\ufeff", False, "王芳"),  # zero-width space, BOM
    ("一\n二\t三", True, "一\n二\t三"),  # newlines and tabs kept in notes
    ("一\n二\t三", False, "一 二 三"),  # and become spaces in one-line fields
    ("一\r\n二\r三", True, "一\n二\n三"),  # Windows and old Mac line ends
    ("一\u2028二", True, "一\n二"),  # a line separator is a line break
    ("王\u3000芳 ｚｘｍ", False, "王\u3000芳 ｚｘｍ"),  # ideographic and full-width text kept
    ("𠀀𪚥 emoji 👍", True, "𠀀𪚥 emoji 👍"),  # CJK extension B and astral characters kept
    ("", True, ""),
    (None, True, None),
])
def test_clean_text(value, multiline, expected):
    assert clean_text(value, multiline=multiline) == expected


@pytest.mark.parametrize("value, expected", [
    ("平安村三组", None),
    ("王\u3000芳 村", None),  # spaces of any width are typed by IMEs: kept
    ("𠀀 👍", None),
    ("一\n二", (2, "\n")),  # a line break has no place in a one-line field
    ("一\t二", (2, "\t")),
    ("ab\x1b[2J", (3, "\x1b")),
    ("王\u200b芳", (2, "\u200b")),  # zero-width space (Cf)
    ("abc\u202edef", (4, "\u202e")),  # bidi override
    ("一\u2028二", (2, "\u2028")),  # line separator
    ("私\ue000用", (2, "\ue000")),  # private use
    ("未\U000e0000", (2, "\U000e0000")),  # unassigned
    ("", None),
])
def test_first_refused_in_line(value, expected):
    assert first_refused_in_line(value) == expected


def test_hostile_sample_cleans_as_expected():
    """The string the model tests store; spelled out once so the cases below stay short."""
    assert clean_text(HOSTILE, multiline=True) == HOSTILE_CLEAN


def _stored_clean(value: str) -> None:
    assert value == HOSTILE_CLEAN
    assert not any(ch in value for ch in "\x1b\x07\x00\x7f\x9b\u202e\u200b")


def test_talk_saves_cleaned(small_school):
    """Typed or pasted (a paste can hold ESC), the talk is stored clean; a NUL does not crash."""
    kid, t1 = small_school["kids"]["张小明"], small_school["staff"][0]
    form = contacts.ContactForm(when="2026-11-20 10:00", content=HOSTILE, follow_up=HOSTILE,
                                place="操场\x1b[2J", callee="\x00奶奶")
    values, errors = contacts.validate_contact(form, [kid.id], now=dt.datetime(2026, 11, 21))
    assert not errors
    (cid,) = contacts.create_contacts(values, [kid.id], staff_id=t1.id, viewer=viewer_for(t1))
    c = Contact.get_by_id(cid)
    _stored_clean(c.content)
    _stored_clean(c.follow_up)
    assert (c.place, c.callee) == ("操场[2J", "奶奶")


def test_child_notes_save_cleaned(small_school):
    kid, admin = small_school["kids"]["张小明"], small_school["admin"]
    values, errors = children.validate_child(dict(children.load_form_values(kid.id), notes=HOSTILE),
                                             child_id=kid.id)
    assert not errors
    children.save_child(values, child_id=kid.id, school_id=small_school["school"].id, staff_id=admin.id,
                        viewer=viewer_for(admin))
    _stored_clean(Child.get_by_id(kid.id).notes)


def test_child_one_line_field_with_escape_is_refused_with_a_message(small_school):
    kid = small_school["kids"]["张小明"]
    _, errors = children.validate_child(dict(children.load_form_values(kid.id), address="石门村\x1b]0;x\x07"),
                                        child_id=kid.id)
    assert "不可见字符 U+001B" in errors["address"]


def test_pairing_plan_saves_cleaned(small_school):
    kid, admin, t1 = small_school["kids"]["张小明"], small_school["admin"], small_school["staff"][0]
    pid = pairings.assign(small_school["school"].id, kid.id, "帮扶教师", ("staff", t1.id),
                          viewer=viewer_for(admin), staff_id=admin.id,
                          plan={"plan_time": "每周三\x1b[2J", "plan_content": HOSTILE})
    p = Pairing.get_by_id(pid)
    assert p.plan_time == "每周三[2J"
    _stored_clean(p.plan_content)
    errors = pairings.update_plan(pid, plan_time="每周三", plan_content=HOSTILE, plan_results=HOSTILE,
                                  viewer=viewer_for(admin), staff_id=admin.id)
    assert errors == {}
    p = Pairing.get_by_id(pid)
    _stored_clean(p.plan_content)
    _stored_clean(p.plan_results)


def test_event_notes_save_cleaned(small_school):
    admin = small_school["admin"]
    form = calendar.EventForm(title="家长会", date="2026-12-01", notes=HOSTILE)
    values, errors = calendar.validate_event(form, today=dt.date(2026, 11, 20))
    assert not errors
    eid = calendar.create_event(values, school_id=small_school["school"].id, viewer=viewer_for(admin))
    _stored_clean(Event.get_by_id(eid).notes)


def test_event_title_with_escape_is_refused(small_school):
    form = calendar.EventForm(title="家长会\x1b]0;x\x07", date="2026-12-01")
    _, errors = calendar.validate_event(form, today=dt.date(2026, 11, 20))
    assert "标题" in errors["title"]


def test_draft_is_stored_and_loaded_clean(small_school):
    """What is typed goes into a draft before any save: it is stored clean, and a draft an older
    version stored raw comes back clean."""
    kid, t1 = small_school["kids"]["张小明"], small_school["staff"][0]
    v = viewer_for(t1)
    key = f"child:{kid.id}"
    drafts.save_draft(t1.id, "talk", key, {"content": HOSTILE, "concerns": ["学业\x07"]}, viewer=v)
    data, _ = drafts.load_draft(t1.id, "talk", key, viewer=v)
    _stored_clean(data["content"])
    assert data["concerns"] == ["学业"]
    from models.entities import Draft

    raw = '{"content": "a\\u001b]52;c;eA==\\u0007b"}'  # JSON-escaped ESC, as an old version wrote it
    Draft.update(data=raw).where(Draft.key == key).execute()
    data, _ = drafts.load_draft(t1.id, "talk", key, viewer=v)
    assert data["content"] == "a]52;c;eA==b"


def test_0008_cleans_rows_an_older_version_stored(small_school, backend):
    """Rows written raw before version 8 (here by SQL, as an older version or an attacker with the
    file would) are cleaned by the upgrade, in batches, on both backends; unique keys are left."""
    kid, t1 = small_school["kids"]["张小明"], small_school["staff"][0]
    since_8 = [n for n in schema.known_versions() if int(n[:4]) >= 8]
    schema._runner().down(target=since_8[0])  # rolls back 0008 and everything after it
    assert schema.schema_version() == 7
    db = dbmod.current()
    p = "?" if backend == "sqlite" else "%s"
    raw_content = "谈心" + OSC52 + "\r\n内容" + OSC0 + CSI_CLEAR + "\t完"
    if backend == "sqlite":
        raw_content += "\x00尾"  # PostgreSQL cannot hold a NUL at all
    for i in range(5):  # more rows than one batch below
        db.execute_sql(f'INSERT INTO "contact" ("child_id", "staff_id", "kind", "at", "reached", "place", "callee", '
                       f'"content", "effect", "mood", "concerns", "follow_up", "group_key", "created_at", "updated_at") '
                       f"VALUES ({', '.join([p] * 15)})",
                       (kid.id, t1.id, "谈心", dt.datetime(2026, 11, 20, 10, i), True, "操场\n一角", "",
                        raw_content if i % 2 else "平常的话", "", "", "", "", "", dt.datetime(2026, 11, 20),
                        dt.datetime(2026, 11, 20)))
    db.execute_sql(f'UPDATE "child" SET "notes" = {p}, "address" = {p} WHERE "id" = {p}',
                   ("备注" + OSC52, "石门村\u202e3组", kid.id))
    db.execute_sql(f'UPDATE "staff" SET "login" = {p} WHERE "id" = {p}', ("li\x07", t1.id))
    # a draft as json.dumps(ensure_ascii=False) wrote it: ESC escaped, a line separator raw
    db.execute_sql(f'INSERT INTO "draft" ("staff_id", "form", "key", "data", "updated_at") VALUES ({p}, {p}, {p}, {p}, {p})',
                   (t1.id, "talk", f"child:{kid.id}", '{"content": "一\u2028二\\u001b]0;x\\u0007三"}',
                    dt.datetime(2026, 11, 20)))
    contact_ids = [c.id for c in Contact.select(Contact.id).where(Contact.place == "操场\n一角")]
    assert len(contact_ids) == 5

    mig = __import__("importlib").import_module("models.migrations.0008_strip_control_characters")
    assert mig.clean_table(db, "contact", ("place",), (), batch=2) == 5  # batches of 2 (the upgrade: 1000)
    schema.migrate()
    expected = "谈心]52;c;cm0gLXJmIH4=\n内容]0;PWNED-TITLE[2J[H\t完" + ("尾" if backend == "sqlite" else "")
    rows = {c.id: c for c in Contact.select().where(Contact.id.in_(contact_ids))}
    assert sorted(c.content for c in rows.values()).count(expected) == 2
    assert all(c.place == "操场 一角" for c in rows.values())
    kid = Child.get_by_id(kid.id)
    assert (kid.notes, kid.address) == ("备注]52;c;cm0gLXJmIH4=", "石门村3组")
    from models.entities import Staff

    assert Staff.get_by_id(t1.id).login == "li\x07"  # a unique key is left alone (validated format)
    data, _ = drafts.load_draft(t1.id, "talk", f"child:{kid.id}", viewer=viewer_for(small_school["admin"]))
    assert data == {"content": "一\n二]0;x三"}  # still JSON, and clean


def test_forms_load_stored_text_clean(small_school):
    """A row stored raw (before 0008, or behind the application's back) reaches no form raw: the
    loaders return clean text, so the form's "changed?" check also compares like with like."""
    kid, admin, t1 = small_school["kids"]["张小明"], small_school["admin"], small_school["staff"][0]
    raw = "备注" + OSC52 + "\n第二行" + CSI_CLEAR
    clean = "备注]52;c;cm0gLXJmIH4=\n第二行[2J[H"
    Child.update(notes=raw, address="石门村" + OSC0).where(Child.id == kid.id).execute()
    values = children.load_form_values(kid.id)
    assert (values["notes"], values["address"]) == (clean, "石门村]0;PWNED-TITLE")
    c = Contact.create(child=kid, staff=t1, kind="谈心", at=dt.datetime(2026, 11, 20, 10, 0), content=raw,
                       place="操场" + OSC0, follow_up=raw)
    form = contacts.form_from_contact(c)
    assert (form.content, form.follow_up, form.place) == (clean, clean, "操场]0;PWNED-TITLE")
    e = Event.create(school=small_school["school"], title="家长会" + OSC0, start_date=dt.date(2026, 12, 1), notes=raw)
    ef = calendar.form_from_event(e)
    assert (ef.title, ef.notes) == ("家长会]0;PWNED-TITLE", clean)
    p = Pairing.create(child=kid, kind="爱心妈妈", staff=t1, plan_time="周三" + OSC0, plan_content=raw, plan_results=raw)
    d = pairings.pairing_detail(p.id, viewer=viewer_for(admin))
    assert (d["plan_time"], d["plan_content"], d["plan_results"]) == ("周三]0;PWNED-TITLE", clean, clean)


def test_a_command_error_quoting_text_never_drives_the_terminal(tmp_path):
    """``guanai``'s one-line error may quote what it was given or what is stored: cleaned."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    guanai = str(Path(sys.executable).with_name("guanai"))
    env = {**os.environ, "GUANAI_DB": ""}
    db = str(tmp_path / "school.db")
    assert subprocess.run([guanai, "--db", db, "init"], env=env, capture_output=True, timeout=60).returncode == 0
    res = subprocess.run([guanai, "--db", db, "--user", "evil" + OSC0, "due"], env=env, capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 2
    assert "evil]0;PWNED-TITLE" in res.stderr and "\x1b" not in res.stderr and "\x07" not in res.stderr
