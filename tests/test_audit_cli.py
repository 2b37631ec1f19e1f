"""`guanai users …`, `guanai audit`, the PIN asked before the app starts, and the append-only log."""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from models import audit, auth
from models import db as dbmod
from models.entities import AuditLog, AuditAppendOnly, Staff

pytestmark = pytest.mark.both_backends  # the model layer runs on SQLite and on PostgreSQL

ROOT = Path(__file__).resolve().parent.parent
GUANAI = str(Path(sys.executable).with_name("guanai"))


def _env(env=None):
    e = {**os.environ, "GUANAI_DB": "", **(env or {})}
    e.pop("SSH_CLIENT", None), e.pop("SSH_CONNECTION", None)
    e.update(env or {})
    return e


def run_process(*args, stdin="", env=None):
    """A real ``guanai`` process: the app's own start (the PIN asked before textual), a shell's view."""
    return subprocess.run([GUANAI, *args], input=stdin, capture_output=True, text=True, env=_env(env), timeout=60)


def run(*args, stdin="", env=None):
    """A subcommand in this process (tests/cli_inprocess.py): its exit code, lines, rows and log."""
    from tests.cli_inprocess import run_cli

    return run_cli(*args, stdin=stdin, env=_env(env))


def one_line_error(res, fragment):
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert fragment in lines[0], lines[0]


@pytest.fixture
def school(tmp_path):
    path = tmp_path / "school.db"
    shutil.copyfile(ROOT / "sample.db", path)
    assert run("--db", str(path), "init").returncode == 0  # to the current schema
    return path


def rows(path, sql, *params):
    con = sqlite3.connect(path)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def audit_rows(path, action=None):
    sql = 'SELECT action, staff_id, "table", row_id, new, source FROM audit_log'
    got = rows(path, sql + (" WHERE action = ?" if action else "") + " ORDER BY id", *([action] if action else []))
    return [dict(zip(("action", "staff_id", "table", "row_id", "new", "source"), r)) for r in got]


def set_pin(path, login, pin):
    dbmod.open_database(str(path))
    try:
        auth.set_pin(Staff.get(Staff.login == login).id, pin, by_staff_id=None)
    finally:
        dbmod.current().close()


# --- guanai users ------------------------------------------------------------------------

def test_users_lists_logins_names_roles_classes(school):
    res = run("--db", str(school), "users")
    assert res.returncode == 0, res.stderr
    lines = {line.split("\t")[0]: line.split("\t") for line in res.stdout.splitlines()}
    assert lines["banzhuren"][1:] == ["余静", "班主任", "三年级2班", "无PIN"]
    assert lines["admin"][2] == "管理员" and lines["xinli"][2] == "心理咨询室教师"
    assert all(len(fields) == 5 for fields in lines.values())


def test_users_add_deactivate_reset_pin_as_admin(school):
    res = run("--db", str(school), "--user", "admin", "users", "add", "wangli", "--name", "王丽",
              "--role", "teacher", "--class", "三年级2班", "--pin", stdin="1357\n")
    assert res.returncode == 0, res.stderr
    assert "已添加 wangli" in res.stdout
    (pin_hash, role), = rows(school, "SELECT pin_hash, role FROM staff WHERE login = 'wangli'")
    assert role == "teacher" and auth.check_pin(pin_hash, "1357")
    # the --user after the subcommand works as well
    res = run("--db", str(school), "users", "reset-pin", "wangli", "--user", "admin", stdin="8642\n")
    assert res.returncode == 0, res.stderr
    assert auth.check_pin(rows(school, "SELECT pin_hash FROM staff WHERE login = 'wangli'")[0][0], "8642")
    res = run("--db", str(school), "--user", "admin", "users", "deactivate", "wangli")
    assert res.returncode == 0, res.stderr
    assert rows(school, "SELECT active FROM staff WHERE login = 'wangli'") == [(0,)]
    one_line_error(run("--db", str(school), "--user", "wangli", "due"), "已停用")
    actions = [(r["action"], r["table"]) for r in audit_rows(school) if r["table"] == "staff"]
    assert ("create", "staff") in actions and ("pin", "staff") in actions and ("update", "staff") in actions


@pytest.mark.parametrize("args, fragment", [
    (["--user", "laoshi", "users", "add", "x1", "--name", "王丽", "--role", "teacher"], "不是管理员"),
    (["--user", "banzhuren", "users", "deactivate", "laoshi"], "不是管理员"),
    (["--user", "xiaozhang", "users", "reset-pin", "laoshi"], "不是管理员"),
    (["users", "reset-pin", "laoshi"], "需要管理员身份"),  # the OS user (root, or whoever runs the tests) is no staff
    (["--user", "nobody", "users", "deactivate", "laoshi"], "nobody"),
    (["--user", "admin", "users", "add", "Bad Login", "--name", "王丽", "--role", "teacher"], "登录名"),
    (["--user", "admin", "users", "add", "wangli", "--name", "王丽", "--role", "boss"], "没有这个角色"),
    (["--user", "admin", "users", "add", "wangli", "--name", "王丽", "--role", "teacher", "--class", "九年级9班"],
     "没有这个班级"),
    (["--user", "admin", "users", "deactivate", "admin"], "自己"),
    (["--user", "admin", "users", "deactivate", "nobody"], "没有登录名"),
    (["--user", "admin", "users", "add", "wangli", "--name", "王丽"], "参数错误"),
])
def test_users_refusals_write_nothing(school, args, fragment):
    before = rows(school, "SELECT id, login, active, pin_hash FROM staff ORDER BY id")
    one_line_error(run("--db", str(school), *args, stdin="1357\n"), fragment)
    assert rows(school, "SELECT id, login, active, pin_hash FROM staff ORDER BY id") == before


def test_admin_commands_ask_the_admins_pin(school):
    set_pin(school, "admin", "2468")
    res = run("--db", str(school), "--user", "admin", "users", "deactivate", "laoshi", stdin="1111\n")
    one_line_error(res, "PIN 不对")
    assert rows(school, "SELECT active FROM staff WHERE login = 'laoshi'") == [(1,)]
    assert rows(school, "SELECT failed_pins FROM staff WHERE login = 'admin'") == [(1,)]
    # the admin's PIN first, then the new PIN
    res = run("--db", str(school), "--user", "admin", "users", "reset-pin", "laoshi", stdin="2468\n5791\n")
    assert res.returncode == 0, res.stderr
    assert rows(school, "SELECT failed_pins FROM staff WHERE login = 'admin'") == [(0,)]
    fail, ok = audit_rows(school, "login_fail")[-1], audit_rows(school, "login")[-1]
    assert json.loads(fail["new"])["for"] == "users deactivate" and json.loads(ok["new"])["for"] == "users reset-pin"


def test_first_admin_of_a_new_database(tmp_path):
    path = tmp_path / "new.db"
    assert run("--db", str(path), "init").returncode == 0
    res = run("--db", str(path), "users", "add", "boss", "--name", "李校", "--role", "admin")
    assert res.returncode == 0, res.stderr
    one_line_error(run("--db", str(path), "users", "add", "boss2", "--name", "王校", "--role", "admin"),
                   "需要管理员身份")


# --- the PIN before the app starts ----------------------------------------------------------

def test_wrong_pin_stops_before_the_app_and_is_audited(school):
    set_pin(school, "banzhuren", "2468")
    started = time.monotonic()
    res = run_process("--db", str(school), "--user", "banzhuren", stdin="1111\n", env={"SSH_CLIENT": "10.9.8.7 50000 22"})
    one_line_error(res, "PIN 不对")
    assert time.monotonic() - started < 10
    row = audit_rows(school, "login_fail")[-1]
    assert row["source"] == "10.9.8.7" and json.loads(row["new"])["for"] == "guanai"
    for _ in range(4):
        run_process("--db", str(school), "--user", "banzhuren", stdin="1111\n")
    one_line_error(run_process("--db", str(school), "--user", "banzhuren", stdin="2468\n"), "已锁定")
    assert audit_rows(school, "locked")
    one_line_error(run_process("--db", str(school), "--user", "nobody", env={"SSH_CONNECTION": "10.1.1.1 1 10.1.1.2 22"}),
                   "nobody")
    unknown = audit_rows(school, "login_fail")[-1]
    assert unknown["staff_id"] is None and unknown["source"] == "10.1.1.1"
    assert json.loads(unknown["new"])["login"] == "nobody"


def test_no_login_for_the_os_user_needs_user_when_not_in_a_terminal(school):
    one_line_error(run_process("--db", str(school)), "--user")


def tmux(socket, *args):
    return subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True, timeout=20)


def wait_screen(socket, name, predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = tmux(socket, "capture-pane", "-p", "-t", name).stdout
        if predicate(text):
            return text
        time.sleep(0.1)
    raise AssertionError(f"timed out; screen was:\n{text}")


def test_pin_prompt_in_a_real_terminal(school):
    """getpass in a terminal: nothing echoed, a wrong PIN asks again, the right one starts the app."""
    assert shutil.which("tmux"), "tmux is required (apt-get install tmux)"
    set_pin(school, "banzhuren", "2468")
    socket, name = f"guanai-pin-{uuid.uuid4().hex[:6]}", "pin"
    cmd = f"env GUANAI_DB= TERM=xterm-256color {GUANAI} --db {school} --user banzhuren"
    tmux(socket, "new-session", "-d", "-s", name, "-x", "80", "-y", "24", cmd)
    try:
        wait_screen(socket, name, lambda t: "的 PIN" in t)
        tmux(socket, "send-keys", "-t", name, "1111", "Enter")
        text = wait_screen(socket, name, lambda t: "PIN 不对" in t)
        assert "1111" not in text, "the PIN must not be echoed"
        tmux(socket, "send-keys", "-t", name, "2468", "Enter")
        wait_screen(socket, name, lambda t: "待办" in t)  # a class teacher starts on the due list
        tmux(socket, "send-keys", "-t", name, "q")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and tmux(socket, "has-session", "-t", name).returncode == 0:
            time.sleep(0.1)
    finally:
        tmux(socket, "kill-server")
    actions = [r["action"] for r in audit_rows(school) if r["action"].startswith("login")]
    assert actions[-2:] == ["login_fail", "login"]


# --- guanai audit ---------------------------------------------------------------------------

def test_audit_prints_one_line_per_row_with_filters_and_masks(school):
    dbmod.open_database(str(school))
    try:
        from models import children, scope

        from models.entities import Child, Classroom

        staff = Staff.get(Staff.login == "banzhuren")
        kid_id = (Child.select(Child.id).join(Classroom).where((Classroom.head_teacher == staff.id)
                  & Child.id_number.is_null(False)).order_by(Child.id).first().id)
        kid = children.load_form_values(kid_id)
        old_id = kid["id_number"]
        clean, errors = children.validate_child({**kid, "id_number": "", "guardian_phone": "13912345678"},
                                                child_id=kid_id)
        assert not errors, errors
        children.save_child(clean, child_id=kid_id, school_id=staff.school_id, staff_id=staff.id,
                            viewer=scope.viewer_for(staff))
    finally:
        dbmod.current().close()
    res = run("--db", str(school), "--user", "admin", "audit")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines and all(len(line.split("\t")) == 6 for line in lines)
    child_line = next(line for line in lines if f"\tchild#{kid_id}\t" in line)
    assert child_line.split("\t")[1] == "banzhuren(余静)" and child_line.split("\t")[2] == "update"
    assert "139****5678" in child_line and "13912345678" not in child_line
    assert old_id not in res.stdout and f"{old_id[:2]}***************{old_id[-1:]}" in child_line
    assert re.match(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\t", lines[0])
    only = run("--db", str(school), "--user", "admin", "audit", "--user", "banzhuren", "--table", "child")
    assert only.returncode == 0 and only.stdout.splitlines() == [child_line]
    since = run("--db", str(school), "--user", "admin", "audit", "--since", "2099-01-01")
    assert since.returncode == 0 and since.stdout == ""
    logins = run("--db", str(school), "--user", "admin", "audit", "--action", "login")
    assert all("\tlogin\t" in line for line in logins.stdout.splitlines()) and logins.stdout


@pytest.mark.parametrize("args, fragment", [
    (["--user", "laoshi", "audit"], "不是管理员"),
    (["audit"], "需要管理员身份"),
    (["--user", "admin", "audit", "--since", "2026-13-01"], "没有这一天"),
    (["--user", "admin", "audit", "--since", "yesterday"], "YYYY-MM-DD"),
    (["--user", "admin", "audit", "--user", "nobody"], "nobody"),
])
def test_audit_refusals(school, args, fragment):
    one_line_error(run("--db", str(school), *args), fragment)


def test_audit_never_shows_counselling_text_but_to_a_counselor(school):
    """The admin's `guanai audit` (and every reader without a counselor viewer) shows that a
    心理辅导 note was written and changed, by whom and when, never what it says; the same holds
    for a talk whose kind became 心理辅导, and a keyword search cannot find it either."""
    import datetime as dt

    from models import contacts, scope
    from models.entities import Child

    dbmod.open_database(str(school))
    try:
        counselor = Staff.get(Staff.login == "xinli")
        cv = scope.viewer_for(counselor)
        kid = Child.select().where(Child.key_target == True).order_by(Child.id).first()  # noqa: E712 (her scope)
        at = dt.datetime(2026, 11, 30, 10)
        note, talk, moved = (contacts.create_contacts(values, [kid.id], staff_id=counselor.id, viewer=cv)[0]
                             for values in ({"kind": "心理辅导", "at": at, "content": "想妈妈, 夜里哭"},
                                            {"kind": "谈心", "at": at, "content": "谈学习"},
                                            {"kind": "谈心", "at": at, "content": "说起父母吵架"}))
        contacts.update_contact(note, {"content": "想妈妈, 夜里常哭", "follow_up": "下周再谈"},
                                staff_id=counselor.id, viewer=cv)
        contacts.update_contact(talk, {"content": "谈学习和交友"}, staff_id=counselor.id, viewer=cv)
        contacts.update_contact(moved, {"kind": "心理辅导", "content": "说起父母吵架, 很难过"},
                                staff_id=counselor.id, viewer=cv)
        counselor_view = "\n".join(audit.format_line(e) for e in audit.entries(table="contact", viewer=cv))
        admin_view = scope.viewer_for(Staff.get(Staff.login == "admin"))
        assert not list(audit.entries(text="夜里", viewer=admin_view))
        assert not list(audit.entries(text="夜里"))  # no viewer: hidden too
        assert len(list(audit.entries(text="夜里", viewer=cv))) == 1
    finally:
        dbmod.current().close()
    res = run("--db", str(school), "--user", "admin", "audit", "--table", "contact")
    assert res.returncode == 0, res.stderr
    for secret in ("想妈妈", "夜里", "下周再谈", "父母吵架", "很难过"):
        assert secret not in res.stdout and secret in counselor_view, secret
    assert "谈学习和交友" in res.stdout  # an ordinary talk's change stays readable
    note_lines = [line for line in res.stdout.splitlines() if f"\tcontact#{note}\t" in line]
    assert len(note_lines) == 2 and all("心理辅导" in line or scope.COUNSELLING_HIDDEN in line for line in note_lines)
    assert scope.COUNSELLING_HIDDEN in note_lines[1] and "follow_up" in note_lines[1]


async def test_the_audit_screen_hides_counselling_text_and_finds_nothing_by_it(tiny_school):
    import datetime as dt

    from models import contacts, scope
    from screens.audit_log import AuditLogScreen
    from tests.test_admin_screens import make_app
    from textual.widgets import Input, Static

    kid = tiny_school["kids"]["王芳"]  # a key target: the counselor's scope
    counselor = Staff.create(school=tiny_school["school"], name="雷老师", role="counselor", login="xinli")
    cv = scope.viewer_for(counselor)
    note = contacts.create_contacts({"kind": "心理辅导", "at": dt.datetime(2026, 11, 30, 10), "content": "想妈妈"},
                                    [kid.id], staff_id=counselor.id, viewer=cv)[0]
    contacts.update_contact(note, {"content": "想妈妈, 夜里哭"}, staff_id=counselor.id, viewer=cv)
    app, _ = make_app(tiny_school)
    async with app.run_test(size=(100, 30)) as pilot:
        app.action_audit()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AuditLogScreen)
        shown = [audit.describe(e) for e in screen.rows if e.table == "contact" and e.row_id == note]
        assert len(shown) == 2 and all("想妈妈" not in d for d in shown) and scope.COUNSELLING_HIDDEN in shown[0]
        screen.query_one("#a-text", Input).value = "夜里"
        screen.query_one("#a-text", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert screen.rows == []
        assert "0 条" in str(screen.query_one("#audit-status", Static).content)


# --- append-only ------------------------------------------------------------------------------

def test_the_model_refuses_to_change_or_remove_audit_rows(tiny_school):
    row = audit.record("login", "staff", 1, staff_id=None)
    assert AuditLog.select().count() == 1
    row.new = "{}"
    for attempt in (row.save, row.delete_instance, lambda: AuditLog.update(new="x"),
                    lambda: AuditLog.delete(), lambda: AuditLog.replace(table="x", row_id=1, action="x")):
        with pytest.raises(AuditAppendOnly):
            attempt()
    assert AuditLog.select().count() == 1
    AuditLog.create(table="staff", row_id=1, action="login")  # appending is fine
    assert AuditLog.select().count() == 2


UPDATE_OR_DELETE = re.compile(
    r"AuditLog\s*\.\s*(update|delete|replace|insert_many|insert_from|truncate_table|drop_table)\b"
    r"|(UPDATE|DELETE\s+FROM|INSERT\s+OR\s+REPLACE\s+INTO|REPLACE\s+INTO)\s+[\"'`]?audit_log"
    r"|audit\w*\s*\.\s*(delete_instance|save)\s*\(",
    re.IGNORECASE)


APPEND_MANY = "# audit-append-many"


def sanctioned_append(path: Path, line: str) -> bool:
    """audit.record_many's bulk INSERT: marked, in models/audit.py only, and an insert_many, nothing else."""
    if path != ROOT / "models" / "audit.py" or not line.rstrip().endswith(APPEND_MANY) or "super(AuditLog" in line:
        return False
    found = list(UPDATE_OR_DELETE.finditer(line))
    return bool(found) and all((m.group(1) or "").lower() == "insert_many" for m in found)


def test_no_code_path_updates_or_deletes_audit_rows():
    offenders = []
    for folder in ("models", "tui", "screens"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if (UPDATE_OR_DELETE.search(line) or "super(AuditLog" in line) and "raise AuditAppendOnly" not in line \
                        and not line.rstrip().endswith("# audit-redaction") and not sanctioned_append(path, line):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_the_append_many_marker_lets_nothing_but_one_insert_through():
    """One line may append audit rows in bulk (audit.record_many); the marker excuses nothing else."""
    marked = [(p.relative_to(ROOT), line.strip()) for folder in ("models", "tui", "screens")
              for p in (ROOT / folder).rglob("*.py")
              for line in p.read_text(encoding="utf-8").splitlines() if APPEND_MANY in line]
    assert len(marked) == 1 and marked[0][0] == Path("models/audit.py"), marked
    assert "AuditLog.insert_many(" in marked[0][1]
    audit_py = ROOT / "models" / "audit.py"
    for line in ("AuditLog.update(new='x')  # audit-append-many", "AuditLog.delete().execute()  # audit-append-many",
                 "AuditLog.insert_many(rows); AuditLog.truncate_table()  # audit-append-many",
                 "super(AuditLog, AuditLog).update(new='x')  # audit-append-many"):
        assert not sanctioned_append(audit_py, line), line
    assert not sanctioned_append(ROOT / "models" / "children.py", "AuditLog.insert_many(rows).execute()  " + APPEND_MANY)
    assert sanctioned_append(audit_py, "AuditLog.insert_many(rows).execute()  " + APPEND_MANY)


def test_the_only_way_around_is_the_purges_redaction():
    """One line may update audit rows: audit.redact_purged, called only by privacy.purge."""
    sanctioned = [f"{p.relative_to(ROOT)}" for folder in ("models", "tui", "screens")
                  for p in (ROOT / folder).rglob("*.py")
                  if "# audit-redaction" in p.read_text(encoding="utf-8")]
    assert sanctioned == ["models/audit.py"]
    callers = [f"{p.relative_to(ROOT)}" for folder in ("models", "tui", "screens")
               for p in (ROOT / folder).rglob("*.py")
               if "redact_purged(" in p.read_text(encoding="utf-8") and p.name != "audit.py"]
    assert callers == ["models/privacy.py"]
