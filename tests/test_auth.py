"""PINs (scrypt with a salt), lockout after five wrong PINs, user administration — SQLite and PostgreSQL.

The clock is injected (``now=``): no test sleeps fifteen minutes.
"""
import datetime as dt
import json

import pytest

from models import audit, auth, users
from models.entities import AuditLog, Classroom, Staff, TeachingAssignment

pytestmark = pytest.mark.both_backends  # the model layer runs on SQLite and on PostgreSQL

T0 = dt.datetime(2026, 11, 28, 9, 0, 0)


# --- hashing (no database) ---------------------------------------------------------------

def test_hash_round_trip_and_salt():
    h1, h2 = auth.hash_pin("2468"), auth.hash_pin("2468")
    assert h1 != h2, "a random salt makes every hash different"
    assert h1.startswith("scrypt$16384$8$1$")
    # the PIN in clear is in no field (a 4-digit PIN turns up by chance in 1 of ~700 random hex
    # strings, so a substring test of the whole value failed now and then: a 12-digit one cannot)
    assert "2468" not in h1.split("$")
    long_pin = "135792468024"
    assert long_pin not in auth.hash_pin(long_pin)
    assert auth.check_pin(h1, "2468") and auth.check_pin(h2, "2468")
    assert not auth.check_pin(h1, "2469")
    assert not auth.check_pin(h1, "")
    assert auth.check_pin(auth.hash_pin("2468", salt=b"x" * 16), "2468")


@pytest.mark.parametrize("stored", ["", "plain", "scrypt$1$2$3", "md5$16384$8$1$00$00",
                                    "scrypt$16384$8$1$zz$zz", "scrypt$99999999$8$1$00$00"])
def test_malformed_stored_hash_never_matches(stored):
    assert auth.check_pin(stored, "2468") is False


def test_check_pin_uses_a_constant_time_compare(monkeypatch):
    calls = []
    real = auth.hmac.compare_digest
    monkeypatch.setattr(auth.hmac, "compare_digest", lambda a, b: calls.append(1) or real(a, b))
    auth.check_pin(auth.hash_pin("2468"), "1357")
    assert calls == [1]


@pytest.mark.parametrize("pin, message", [("", "请输入"), ("12a4", "数字"), ("123", "4 到 12"),
                                          ("1" * 13, "4 到 12"), ("0000", "同一个"), ("１２３４", "数字")])
def test_bad_pins_are_refused(pin, message):
    with pytest.raises(auth.PinError, match=message):
        auth.validate_pin(pin)


# --- logging in --------------------------------------------------------------------------

def _audit(action=None):
    q = AuditLog.select().order_by(AuditLog.id)
    if action:
        q = q.where(AuditLog.action == action)
    return list(q)


def test_right_pin_logs_in_and_is_audited_with_ssh_address(small_school, monkeypatch):
    t1 = small_school["staff"][0]
    auth.set_pin(t1.id, "2468", by_staff_id=small_school["admin"].id, now=T0)
    monkeypatch.setenv("SSH_CLIENT", "10.20.30.40 52144 22")
    staff = auth.verify(t1.id, "2468", now=T0, context="guanai")
    assert staff.id == t1.id
    row = _audit("login")[-1]
    assert row.staff_id == t1.id and row.source == "10.20.30.40" and row.at == T0
    assert json.loads(row.new)["for"] == "guanai"
    pin_row = _audit("pin")[-1]
    assert "2468" not in pin_row.new and "scrypt" not in pin_row.new


def test_wrong_pins_lock_for_15_minutes_then_open(small_school):
    t1 = small_school["staff"][0]
    auth.set_pin(t1.id, "2468", by_staff_id=None)
    for i in range(1, 5):
        with pytest.raises(auth.WrongPin) as info:
            auth.verify(t1.id, "1111", now=T0 + dt.timedelta(seconds=i))
        assert info.value.remaining == 5 - i
        assert Staff.get_by_id(t1.id).failed_pins == i
    with pytest.raises(auth.LockedOut) as info:  # the fifth wrong PIN locks
        auth.verify(t1.id, "1111", now=T0 + dt.timedelta(seconds=5))
    until = T0 + dt.timedelta(seconds=5, minutes=15)
    assert info.value.until == until
    # while locked even the right PIN is refused, and that try is logged too
    with pytest.raises(auth.LockedOut):
        auth.verify(t1.id, "2468", now=until - dt.timedelta(seconds=1))
    assert auth.locked_until(Staff.get_by_id(t1.id), now=until - dt.timedelta(seconds=1)) == until
    # after the time runs out the right PIN works and clears the count
    staff = auth.verify(t1.id, "2468", now=until)
    assert staff.failed_pins == 0 and Staff.get_by_id(t1.id).locked_until is None
    actions = [r.action for r in _audit() if r.table == "staff" and r.row_id == t1.id]
    assert actions == ["pin", *["login_fail"] * 5, "locked", "login"]
    fifth = json.loads(_audit("login_fail")[-1].new)
    assert fifth["failed"] == 5 and fifth["locked_until"] == until.isoformat()


def test_lock_that_ran_out_gives_five_fresh_tries(small_school):
    t1 = small_school["staff"][0]
    auth.set_pin(t1.id, "2468", by_staff_id=None)
    for i in range(5):
        with pytest.raises(auth.AuthError):
            auth.verify(t1.id, "1111", now=T0)
    later = T0 + dt.timedelta(minutes=16)
    with pytest.raises(auth.WrongPin) as info:
        auth.verify(t1.id, "1111", now=later)
    assert info.value.remaining == 4


def test_a_right_pin_resets_the_count(small_school):
    t1 = small_school["staff"][0]
    auth.set_pin(t1.id, "2468", by_staff_id=None)
    for _ in range(4):
        with pytest.raises(auth.WrongPin):
            auth.verify(t1.id, "1111", now=T0)
    auth.verify(t1.id, "2468", now=T0)
    with pytest.raises(auth.WrongPin) as info:
        auth.verify(t1.id, "1111", now=T0)
    assert info.value.remaining == 4


def test_admin_reset_lifts_the_lock(small_school):
    t1, admin = small_school["staff"][0], small_school["admin"]
    auth.set_pin(t1.id, "2468", by_staff_id=None)
    for _ in range(5):
        with pytest.raises(auth.AuthError):
            auth.verify(t1.id, "1111", now=T0)
    users.reset_pin("lilaoshi", "8642", by=admin)
    assert auth.verify(t1.id, "8642", now=T0 + dt.timedelta(minutes=1)).id == t1.id


def test_no_pin_logs_in_without_one_and_inactive_is_refused(small_school):
    t2 = small_school["staff"][1]
    assert auth.verify(t2.id, None, now=T0).id == t2.id
    assert json.loads(_audit("login")[-1].new)["pin"] is False
    Staff.update(active=False).where(Staff.id == t2.id).execute()
    with pytest.raises(auth.AuthError, match="停用"):
        auth.verify(t2.id, None, now=T0)
    assert json.loads(_audit("login_fail")[-1].new)["reason"] == "inactive"


def test_unknown_login_is_audited(small_school, monkeypatch):
    monkeypatch.setenv("SSH_CONNECTION", "192.168.1.9 40000 192.168.1.1 22")
    monkeypatch.delenv("SSH_CLIENT", raising=False)
    auth.record_unknown_login("root", now=T0, context="guanai")
    row = _audit("login_fail")[-1]
    assert row.staff_id is None and row.source == "192.168.1.9"
    assert json.loads(row.new) == {"reason": "unknown_login", "login": "root", "for": "guanai"}


@pytest.mark.parametrize("env, source", [
    ({}, "local"),
    ({"SSH_CLIENT": "10.0.0.5 52144 22"}, "10.0.0.5"),
    ({"SSH_CONNECTION": "fe80::1%eth0 5 fe80::2 22"}, "fe80::1%eth0"),
    ({"SSH_CLIENT": "\x1b[31mevil 1 2"}, "local"),
])
def test_client_source(env, source):
    assert audit.client_source(env) == source


# --- user administration ----------------------------------------------------------------

def test_add_user_as_admin_with_class_and_pin(small_school):
    admin = small_school["admin"]
    Classroom.update(head_teacher=None).where(Classroom.id == small_school["classes"][0].id).execute()
    staff = users.add_user("wangli", "王丽", "班主任", by=admin, class_name="三年级2班", pin="1357")
    assert staff.role == "class_teacher" and staff.name_initials == "wl"
    assert Classroom.get_by_id(small_school["classes"][0].id).head_teacher_id == staff.id
    assert auth.check_pin(Staff.get_by_id(staff.id).pin_hash, "1357")
    created = _audit("create")[-1]
    assert created.table == "staff" and created.staff_id == admin.id
    assert json.loads(created.new) == {"login": "wangli", "name": "王丽", "role": "class_teacher", "pin": True,
                                       "class": "三年级2班"}
    teacher = users.add_user("sunli", "孙丽", "teacher", by=admin, class_name="三年级2班")
    assert TeachingAssignment.select().where(TeachingAssignment.staff == teacher.id).count() == 1
    row = next(u for u in users.list_users() if u.login == "wangli")
    assert row.classes == "三年级2班" and row.state == "有PIN"


@pytest.mark.parametrize("kwargs, message", [
    (dict(login="Wang Li", name="王丽", role="teacher"), "登录名"),
    (dict(login="lilaoshi", name="王丽", role="teacher"), "已被使用"),
    (dict(login="wangli", name="王丽", role="boss"), "没有这个角色"),
    (dict(login="wangli", name="[b]王", role="teacher"), "姓名"),
    (dict(login="wangli", name="王丽", role="teacher", class_name="九年级9班"), "没有这个班级"),
    (dict(login="wangli", name="王丽", role="class_teacher", class_name="三年级2班"), "已有班主任"),
    (dict(login="wangli", name="王丽", role="teacher", pin="12"), "4 到 12"),
])
def test_add_user_bad_input(small_school, kwargs, message):
    before = Staff.select().count()
    with pytest.raises(users.UserError, match=message):
        users.add_user(by=small_school["admin"], **kwargs)
    assert Staff.select().count() == before


def test_only_an_admin_manages_users(small_school):
    t1, t2 = small_school["staff"]
    with pytest.raises(users.UserError, match="只有管理员"):
        users.add_user("wangli", "王丽", "teacher", by=t1)
    with pytest.raises(users.UserError, match="只有管理员"):
        users.deactivate_user("zhaolaoshi", by=t1)
    with pytest.raises(users.UserError, match="只有管理员"):
        users.reset_pin("zhaolaoshi", "1357", by=t2)
    with pytest.raises(users.UserError, match="只有管理员"):
        users.reset_pin("zhaolaoshi", "1357", by=None)


def test_first_user_of_a_new_school_needs_no_admin(small_school):
    # teachers who can sign in but no admin: not a new school, nobody may add without a login
    Staff.update(active=False).where(Staff.role == "admin").execute()
    with pytest.raises(users.UserError, match="只有管理员"):
        users.add_user("boss", "校管理员", "admin", by=None)
    # nobody can sign in at all: the first login needs none, and must be an admin
    Staff.update(active=False).execute()
    with pytest.raises(users.UserError, match="必须是管理员"):
        users.add_user("boss", "王校长", "head", by=None)
    staff = users.add_user("boss", "校管理员", "admin", by=None)
    assert staff.role == "admin"
    with pytest.raises(users.UserError, match="只有管理员"):  # now there is one
        users.add_user("other", "王丽", "admin", by=None)


def test_deactivate(small_school):
    admin = small_school["admin"]
    users.deactivate_user("zhaolaoshi", by=admin)
    assert not Staff.get(Staff.login == "zhaolaoshi").active
    row = _audit("update")[-1]
    assert (row.table, json.loads(row.old), json.loads(row.new)) == ("staff", {"active": True}, {"active": False})
    with pytest.raises(users.UserError, match="已经停用"):
        users.deactivate_user("zhaolaoshi", by=admin)
    with pytest.raises(users.UserError, match="自己"):
        users.deactivate_user("admin", by=admin)
    other = users.add_user("admin2", "副管理员", "admin", by=admin)
    users.deactivate_user("admin", by=other)
    with pytest.raises(users.UserError, match="只有管理员"):  # a deactivated admin cannot act any more
        users.deactivate_user("admin2", by=Staff.get_by_id(admin.id))
    with pytest.raises(users.UserError, match="自己"):  # and the last admin cannot leave
        users.deactivate_user("admin2", by=other)
    assert "停用" in next(u.state for u in users.list_users() if u.login == "zhaolaoshi")


def test_reset_pin_and_clear(small_school):
    admin = small_school["admin"]
    users.reset_pin("lilaoshi", "1357", by=admin)
    assert auth.check_pin(Staff.get(Staff.login == "lilaoshi").pin_hash, "1357")
    users.reset_pin("lilaoshi", None, by=admin)
    assert Staff.get(Staff.login == "lilaoshi").pin_hash == ""
    with pytest.raises(users.UserError, match="没有登录名"):
        users.reset_pin("nobody", "1357", by=admin)
