"""Every kind of action the audit log promises leaves its row: who, when, from where, what.

Table-driven over the action kinds (create, update, delete, unmask, export, import, login,
failed login), each done through the real model or command function as a teacher's session
would, on SQLite and on PostgreSQL, from an SSH session (``SSH_CLIENT``)."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from models import audit, auth, calendar, children, contacts, handbook, privacy
from models.entities import AuditLog
from models.scope import viewer_for
from tests.test_import import HEADER, GOOD_ROWS, write_csv
from tui import export, importer

pytestmark = pytest.mark.both_backends

SSH = "10.20.30.40"
NOW = dt.datetime(2026, 11, 20, 9, 30)


def _create(w):
    ids = contacts.create_contacts({"kind": "谈心", "at": NOW, "content": "谈学习"}, [w["kid"].id],
                                   staff_id=w["admin"].id, viewer=w["v"])
    return "contact", ids[0], {"kind": "谈心"}


def _update(w):
    kid = w["kid"]
    values, errors = children.validate_child(dict(children.load_form_values(kid.id), address="石门村9组"),
                                             child_id=kid.id)
    assert not errors
    children.save_child(values, child_id=kid.id, school_id=w["school"].id, staff_id=w["admin"].id, viewer=w["v"])
    return "child", kid.id, {"address": "石门村9组"}


def _delete(w):
    event_id = calendar.create_event({"title": "家长会", "kind": "活动", "start_date": dt.date(2026, 12, 1)},
                                     school_id=w["school"].id, viewer=w["v"], staff_id=w["admin"].id)
    calendar.delete_event(event_id, viewer=w["v"], staff_id=w["admin"].id)
    return "event", event_id, {}


def _unmask(w):
    privacy.reveal_numbers(w["kid"].id, viewer=w["v"])
    return "child", w["kid"].id, {}


def _export(w):
    scope = handbook.make_scope(w["school"].id, "2026-11", viewer=w["v"], today=NOW.date())
    export.export_handbook(scope, str(w["tmp"] / "hb.xlsx"), staff_id=w["admin"].id)
    return "handbook", 0, {}


def _import(w):
    path = write_csv(w["tmp"] / "名册.csv", [HEADER, *GOOD_ROWS])
    importer.run_import(str(path), school_id=w["school"].id, staff_id=w["admin"].id, viewer=w["v"],
                        today=NOW.date())
    return "import", 0, {}


def _login(w):
    auth.verify(w["teacher"].id, "2468", now=NOW, context="tui")
    return "staff", w["teacher"].id, {"pin": True}


def _login_fail(w):
    with pytest.raises(auth.WrongPin):
        auth.verify(w["teacher"].id, "1357", now=NOW, context="tui")
    return "staff", w["teacher"].id, {}


def _login_unknown(w):
    auth.record_unknown_login("nosuchuser", now=NOW, context="tui")
    return "staff", 0, {"login": "nosuchuser"}


KINDS = [
    ("create", _create), ("update", _update), ("delete", _delete), ("unmask", _unmask),
    ("export", _export), ("import", _import), ("login", _login), ("login_fail", _login_fail),
    ("login_fail", _login_unknown),
]


@pytest.mark.parametrize("action, do", KINDS, ids=[f.__name__.strip("_") for _, f in KINDS])
def test_every_action_kind_is_audited(small_school, tmp_path, monkeypatch, action, do):
    w = {**small_school, "kid": small_school["kids"]["张小明"], "teacher": small_school["staff"][1],
         "v": viewer_for(small_school["admin"]), "tmp": tmp_path}
    auth.set_pin(w["teacher"].id, "2468", by_staff_id=w["admin"].id, now=NOW)
    monkeypatch.setenv("SSH_CLIENT", f"{SSH} 52144 22")
    before = AuditLog.select().count() and max(r.id for r in AuditLog.select(AuditLog.id))
    table, row_id, values = do(w)
    rows = list(AuditLog.select().where((AuditLog.id > before) & (AuditLog.action == action)
                                        & (AuditLog.table == table) & (AuditLog.row_id == row_id)))
    assert len(rows) == 1, [(r.action, r.table, r.row_id) for r in AuditLog.select().where(AuditLog.id > before)]
    row = rows[0]
    assert row.source == SSH
    acting = None if do is _login_unknown else (w["teacher"].id if action.startswith("login") else w["admin"].id)
    assert row.staff_id == acting
    assert row.at is not None
    new = json.loads(row.new)
    for key, value in values.items():
        assert new.get(key) == value, new
    if action == "unmask":  # the fields shown whole: this child has only a guardian's phone number
        assert new["fields"] == ["guardian_phone"]
    line = audit.format_line(next(e for e in audit.entries(action=action) if e.id == row.id))
    assert SSH in line and action in line  # what `guanai audit` prints for it
    assert "{" not in line.split("\t")[-1]  # values read as text, not as Python dicts
    if action == "export":
        assert "rows=汇总 1、" in line
