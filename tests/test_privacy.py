"""Privacy (models/privacy.py): masked numbers, the guardian's consent, archiving and purging."""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from models import audit, children, contacts, drafts, pairings, privacy, roster, settings
from models import db as dbmod
from models.contacts import LogFilter
from models.entities import (
    Attendance, AuditLog, Child, Consent, Contact, Draft, Event, Pairing, Parent, School, Staff,
)
from models.privacy import PrivacyError
from models.scope import ForbiddenError, viewer_for
from tests.conftest import add_child

pytestmark = pytest.mark.both_backends  # the model layer runs on SQLite and on PostgreSQL

TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def school(any_db):
    s = School.create(name="测试小学")
    admin = Staff.create(school=s, name="管理员", role="admin", login="admin")
    head = Staff.create(school=s, name="潘校长", role="head", login="xiaozhang")
    li = Staff.create(school=s, name="李老师", role="class_teacher", login="banzhuren")
    zhao = Staff.create(school=s, name="赵老师", role="teacher", login="laoshi")
    from models.entities import Classroom

    room = Classroom.create(school=s, grade=3, number=2, name="三年级2班", head_teacher=li)
    kid = add_child(s, room, "张小明", guardian_phone="13812345678")
    gone = add_child(s, room, "陈离校", status="转出", status_date=dt.date(2022, 6, 30))
    recent = add_child(s, room, "刘刚走", status="毕业", status_date=dt.date(2026, 7, 1))
    Parent.create(child=gone, relation="父亲", name="陈大山", phone="13577778888")
    Pairing.create(child=gone, kind="帮扶教师", staff=li, started_on=dt.date(2021, 9, 1), ended_on=dt.date(2022, 6, 30))
    Pairing.create(child=kid, kind="学习帮手", buddy=gone, started_on=dt.date(2021, 9, 1), ended_on=dt.date(2022, 6, 30))
    Pairing.create(child=kid, kind="帮扶教师", staff=zhao, started_on=dt.date(2026, 9, 1))
    c = Contact.create(child=gone, staff=li, kind="谈心", at=dt.datetime(2022, 5, 2, 9), content="想念妈妈的秘密话")
    Draft.create(staff=li, form="talk", key=f"child:{gone.id}", data='{"form": {"content": "草稿"}}')
    Draft.create(staff=li, form="talk", key=f"contact:{c.id}", data="{}")
    e = Event.create(school=s, title="六一活动", start_date=dt.date(2022, 6, 1))
    Attendance.create(event=e, child=gone, on_date=dt.date(2022, 6, 1))
    v = {name: viewer_for(st) for name, st in (("admin", admin), ("head", head), ("li", li), ("zhao", zhao))}
    return {"school": s, "kid": kid, "gone": gone, "recent": recent, "v": v, "target": any_db, "room": room}


# --------------------------------------------------------------------------- masking


def test_detail_masks_numbers_and_history(school):
    v = school["v"]["li"]
    kid = school["kid"]
    values, errors = children.validate_child(dict(children.load_form_values(kid.id), guardian_phone="13900001111"),
                                             child_id=kid.id, today=TODAY)
    assert not errors
    children.save_child(values, child_id=kid.id, school_id=school["school"].id, staff_id=v.staff_id, viewer=v)
    d = children.child_detail(kid.id, viewer=v)
    assert d["child"]["guardian_phone"] == "139****1111"
    change = next(c for c in d["history"][0]["changes"] if c["field"] == "guardian_phone")
    assert (change["old"], change["new"]) == ("138****5678", "139****1111")
    assert not AuditLog.select().where(AuditLog.action == "unmask").exists()  # masked: no look logged


# --------------------------------------------------------------------------- consent


def test_consent_recorded_and_withdrawn_with_audit(school):
    v = school["v"]["li"]
    kid = school["kid"]
    cid = privacy.record_consent(kid.id, viewer=v, given_by="王秀英", relation="祖父母", given_on="2026-09-01",
                                 scope_text="建立关爱档案", today=TODAY)
    assert privacy.has_consent(kid.id)
    [row] = privacy.consents(kid.id, viewer=v)
    assert (row.given_by, row.relation, row.given_on, row.scope, row.recorded_by, row.active) == (
        "王秀英", "祖父母", dt.date(2026, 9, 1), "建立关爱档案", "李老师", True)
    assert children.child_detail(kid.id, viewer=v)["consents"][0].id == cid
    privacy.withdraw_consent(cid, viewer=v)
    assert not privacy.has_consent(kid.id)
    assert privacy.consents(kid.id, viewer=v)[0].withdrawn_at is not None  # kept, marked withdrawn
    with pytest.raises(PrivacyError, match="撤回"):
        privacy.withdraw_consent(cid, viewer=v)
    logged = [(a.table, a.action) for a in AuditLog.select().where(AuditLog.table == "consent").order_by(AuditLog.id)]
    assert logged == [("consent", "create"), ("consent", "update")]


@pytest.mark.parametrize("kw, fragment", [
    ({"given_by": ""}, "同意人"),
    ({"given_by": "王秀英", "given_on": "2027-01-01"}, "日期"),
    ({"given_by": "王秀英", "scope_text": "x" * 501}, "500"),
])
def test_consent_bad_input(school, kw, fragment):
    with pytest.raises(PrivacyError, match=fragment):
        privacy.record_consent(school["kid"].id, viewer=school["v"]["li"], today=TODAY, **kw)
    assert Consent.select().count() == 0


def test_consent_only_by_those_who_keep_the_record(school):
    with pytest.raises(ForbiddenError):
        privacy.record_consent(school["kid"].id, viewer=school["v"]["zhao"], given_by="王秀英", today=TODAY)
    cid = privacy.record_consent(school["kid"].id, viewer=school["v"]["head"], given_by="王秀英", today=TODAY)
    with pytest.raises(ForbiddenError):
        privacy.withdraw_consent(cid, viewer=school["v"]["zhao"])


# --------------------------------------------------------------------------- archive


def test_archive_hides_a_child_who_left_from_every_list(school):
    v = school["v"]["li"]
    gone, kid = school["gone"], school["kid"]
    with pytest.raises(PrivacyError, match="离校"):
        privacy.archive_child(kid.id, viewer=v)  # still 在读
    with pytest.raises(ForbiddenError):
        privacy.archive_child(gone.id, viewer=school["v"]["zhao"])
    privacy.archive_child(gone.id, viewer=v)
    with pytest.raises(PrivacyError, match="已经归档"):
        privacy.archive_child(gone.id, viewer=v)
    sid = school["school"].id
    assert gone.id not in {r.id for r in roster.roster_rows(sid, viewer=v)}
    assert "陈离校" not in {r.child_name for r in contacts.log_rows(sid, LogFilter(), viewer=v)[0]}
    board = pairings.load_board(sid, "帮扶教师", viewer=v)
    assert "陈离校" not in {c.name for c, _ in board.children()}
    assert children.child_detail(gone.id, viewer=v)["child"]["archived_at"] is not None  # still readable
    privacy.unarchive_child(gone.id, viewer=v)
    assert gone.id in {r.id for r in roster.roster_rows(sid, viewer=v)}


# --------------------------------------------------------------------------- purge


def test_purge_after_the_retention_period_deletes_everything_then_vacuums(school):
    admin = school["v"]["admin"]
    gone, recent = school["gone"], school["recent"]
    # what the audit log holds about the child before the purge: an edit, a talk, a look at the ID
    values, errors = children.validate_child(dict(children.load_form_values(gone.id), address="秘密村9组"),
                                             child_id=gone.id, today=TODAY)
    assert not errors
    children.save_child(values, child_id=gone.id, school_id=school["school"].id, staff_id=admin.staff_id,
                        viewer=admin)
    talk = Contact.get(Contact.child == gone.id)
    audit.record("create", "contact", talk.id, staff_id=admin.staff_id, new={"content": talk.content})
    audit.record("unmask", "child", gone.id, staff_id=admin.staff_id, new={"field": "id_number"})
    kept = audit.record("update", "child", school["kid"].id, staff_id=admin.staff_id,
                        old={"address": "石门村3组"}, new={"address": "石门村4组"})
    about_gone = AuditLog.select().where(((AuditLog.table == "child") & (AuditLog.row_id == gone.id))
                                         | ((AuditLog.table == "contact") & (AuditLog.row_id == talk.id)))
    assert about_gone.count() == 3 and "秘密村9组" in "".join(r.new for r in about_gone)
    for kid in (gone, recent):
        privacy.archive_child(kid.id, viewer=admin)
    assert [c.name for c in privacy.purge_candidates(viewer=admin, today=TODAY)] == ["陈离校"]  # 2022: > 3 years
    settings.put(school["school"].id, privacy.RETENTION_KEY, "5")
    assert privacy.purge_candidates(viewer=admin, today=TODAY) == []
    settings.put(school["school"].id, privacy.RETENTION_KEY, "3")
    for who in ("head", "li", "zhao"):
        with pytest.raises(ForbiddenError):
            privacy.purge(viewer=school["v"][who], today=TODAY)
    with pytest.raises(PrivacyError):
        privacy.purge(viewer=admin, today=TODAY, child_ids=[recent.id])  # not yet past the period
    result = privacy.purge(viewer=admin, today=TODAY)
    assert (result.children, result.contacts, result.parents, result.attendance, result.drafts) == (1, 1, 1, 1, 2)
    assert result.pairings == 2  # its own, and where it was someone's 学习帮手
    assert result.vacuumed
    assert not Child.select().where(Child.id == gone.id).exists()
    for model, cond in ((Contact, Contact.child == gone.id), (Parent, Parent.child == gone.id),
                        (Pairing, (Pairing.child == gone.id) | (Pairing.buddy == gone.id)),
                        (Attendance, Attendance.child == gone.id), (Draft, Draft.key.startswith("c"))):
        assert not model.select().where(cond).exists()
    assert Child.select().where(Child.id == recent.id).exists()
    row = AuditLog.get(AuditLog.action == "purge")
    assert row.staff_id == admin.staff_id and row.table == "child" and row.row_id == 0
    assert json.loads(row.new)["children"] == 1 and "陈" not in row.new and str(gone.id) not in row.old
    # the audit rows stay (who, when, which row) but their values about the child are blanked
    assert result.audit_redacted >= 4  # the edit, the talk, the look, and archiving it
    redacted = list(about_gone.clone())  # a fresh query: peewee caches the first run
    assert len(redacted) >= 4 and {r.action for r in redacted} >= {"update", "create", "unmask"}
    for r in redacted:
        assert r.old == "{}" and json.loads(r.new) == {audit.REDACTED_KEY: TODAY.isoformat()}
        assert r.staff_id == admin.staff_id
    shown = [audit.describe(e) for e in audit.entries(table="child") if e.row_id == gone.id]
    assert shown and all(line == f"内容已随档案删除 ({TODAY.isoformat()})" for line in shown)
    assert not list(audit.entries(text="秘密村9组")) and not list(audit.entries(text="想念妈妈"))
    assert AuditLog.get_by_id(kept.id).new == kept.new  # other children's rows are untouched
    if not dbmod.is_url(school["target"]):  # SQLite: the deleted text is gone from the file itself
        dbmod.current().close()
        data = b"".join(Path(school["target"] + suffix).read_bytes() for suffix in ("", "-wal")
                        if Path(school["target"] + suffix).exists())
        for secret in ("想念妈妈的秘密话", "陈离校", "秘密村9组"):
            assert secret.encode() not in data, secret
        dbmod.open_database(school["target"])


# --------------------------------------------------------------------------- guanai purge


def run(*args, stdin=""):
    """guanai in this process (tests/cli_inprocess.py); stdin is a pipe, as ``subprocess`` gives it."""
    from tests.cli_inprocess import run_cli

    return run_cli(*args, stdin=stdin, env={**os.environ, "GUANAI_DB": ""})


def test_guanai_purge_dry_run_confirmation_and_admin_only(school):
    db = school["target"]
    privacy.archive_child(school["gone"].id, viewer=school["v"]["admin"])
    dbmod.current().close()
    res = run("--db", db, "--user", "xiaozhang", "purge", "--yes")
    assert res.returncode == 2 and "管理员" in res.stderr and res.stdout == ""
    res = run("--db", db, "--user", "admin", "purge", "--dry-run")
    assert res.returncode == 0, res.stderr
    assert "陈离校\t三年级2班\t转出\t2022-06-30" in res.stdout and "试运行" in res.stdout
    res = run("--db", db, "--user", "admin", "purge")  # no terminal, no --yes: refused
    assert res.returncode == 2 and "--yes" in res.stderr.strip().splitlines()[-1]
    dbmod.open_database(db)
    assert Child.select().where(Child.id == school["gone"].id).exists()
    dbmod.current().close()
    res = run("--db", db, "--user", "admin", "purge", "--yes")
    assert res.returncode == 0, res.stderr
    assert "已彻底删除 1 份档案" in res.stdout and "数据库已压缩" in res.stdout
    res = run("--db", db, "--user", "admin", "purge", "--yes")
    assert res.returncode == 0 and "没有" in res.stdout
    dbmod.open_database(db)
    assert not Child.select().where(Child.id == school["gone"].id).exists()


@pytest.mark.parametrize("body, sex", [
    ("51072220160501001", "男"),
    ("51072220160501002", "女"),
    ("11010519491231002", "女"),
    ("53262720190228137", "男"),
])
def test_a_masked_id_cannot_be_completed_from_what_the_page_shows(body, sex):
    """Beside the masked number the child's page shows the birth date (digits 7-14), the 户籍
    (≈ the region, digits 1-6) and the sex (the parity of digit 17). Whoever knows all that and
    reads the mask must still be left with many valid numbers — the old 4 + 4 mask left one."""
    from models.masking import mask_id
    from models.validation import id_check_char

    id_number = body + id_check_char(body)
    masked = mask_id(id_number)
    assert len(masked) == 18 and masked.count("*") == 15 and id_number[6:14] not in masked

    def fits(candidate: str) -> bool:
        return all(m == "*" or m == c for m, c in zip(masked, candidate))

    known = id_number[:14]  # region + birth date, as if read from the page
    parity = 1 if sex == "男" else 0
    candidates = [known + f"{seq:03d}" + id_check_char(known + f"{seq:03d}") for seq in range(1000)
                  if seq % 2 == parity]
    candidates = [c for c in candidates if fits(c)]
    assert id_number in candidates and len(candidates) >= 30
    old_mask = id_number[:4] + "*" * 10 + id_number[-4:]  # what the screens showed before
    assert sum(1 for c in candidates if c[:4] + "*" * 10 + c[-4:] == old_mask) == 1
