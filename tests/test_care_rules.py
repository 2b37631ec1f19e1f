"""An admin edits the duty rules; bad rules are refused and nothing changes."""
import json
import os
import shutil
from pathlib import Path

import pytest

from models.care_rules import update_rule
from models.duties import RuleError
from models.entities import AuditLog, CareRule
from models.scope import system_viewer
from tests.cli_inprocess import run_cli

pytestmark = pytest.mark.both_backends  # the model layer runs on SQLite and on PostgreSQL

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "kwargs, expect",
    [
        (dict(interval_days=10), ("每10天", None)),
        (dict(rrule="FREQ=WEEKLY;BYDAY=FR"), ("按规则 FREQ=WEEKLY;BYDAY=FR", None)),
        (dict(per_term=True), ("每学期一次", None)),
        (dict(rrule="FREQ=FOO"), (None, "无效")),
        (dict(rrule="FREQ=HOURLY"), (None, "太频繁")),
        (dict(interval_days=0), (None, "间隔天数")),
        (dict(contact_kind="聊天"), (None, "记录类别")),
    ],
)
def test_update_rule(db_path, kwargs, expect):
    from models.care_rules import describe

    text, error = expect
    before = CareRule.get(CareRule.name == "每周谈心")
    if error:
        with pytest.raises(RuleError, match=error):
            update_rule("每周谈心", viewer=system_viewer(), **kwargs)
        after = CareRule.get(CareRule.name == "每周谈心")
        assert (after.interval_days, after.rrule, after.per_term) == (before.interval_days, before.rrule, before.per_term)
        assert AuditLog.select().count() == 0
    else:
        rule = update_rule("每周谈心", viewer=system_viewer(), **kwargs)
        assert describe(CareRule.get_by_id(rule.id)) == text
        log = AuditLog.get(AuditLog.table == "care_rule")
        assert json.loads(log.old) and json.loads(log.new)


def test_unknown_rule(db_path):
    with pytest.raises(RuleError, match="没有这条规则"):
        update_rule("每日谈心", viewer=system_viewer(), interval_days=1)


def test_rules_command_needs_an_admin(tmp_path):
    db = tmp_path / "s.db"
    shutil.copyfile(ROOT / "sample.db", db)
    env = {**os.environ, "GUANAI_DB": ""}

    def run(*args):  # guanai in this process (tests/cli_inprocess.py)
        return run_cli("--db", str(db), *args, env=env)

    listed = run("rules")
    assert listed.returncode == 0 and "每周谈心\t谈心\t每7天" in listed.stdout
    refused = run("--user", "laoshi", "rules", "每周谈心", "--every", "10")
    assert refused.returncode == 2 and "管理员" in refused.stderr
    ok = run("--user", "admin", "rules", "每周谈心", "--every", "10")
    assert ok.returncode == 0 and "每周谈心\t谈心\t每10天" in ok.stdout
    bad = run("--user", "admin", "rules", "心理辅导", "--rrule", "FREQ=FOO")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "name, kwargs, expect",
    [
        ("亲情书信", dict(contact_kind="亲情书信", interval_days=30), ("每30天", None)),
        ("爱心妈妈走访", dict(contact_kind="家访", rrule="FREQ=MONTHLY;BYMONTHDAY=-1", helper_kind="爱心妈妈"),
         ("按规则 FREQ=MONTHLY;BYMONTHDAY=-1", None)),
        ("监护人培训", dict(contact_kind="监护人座谈", per_term=True), ("每学期一次", None)),
        ("每周谈心", dict(contact_kind="谈心", interval_days=7), (None, "已有这条规则")),
        ("写信", dict(contact_kind="写信", interval_days=30), (None, "记录类别")),
        ("亲情书信", dict(contact_kind="亲情书信"), (None, "间隔天数")),
        ("亲情书信", dict(contact_kind="亲情书信", interval_days=30, helper_kind="党员干部"), (None, "结对类型")),
        ("", dict(contact_kind="亲情书信", interval_days=30), (None, "名称")),
    ],
)
def test_add_rule(db_path, name, kwargs, expect):
    from models import duties
    from models.care_rules import add_rule, describe

    text, error = expect
    before = CareRule.select().count()
    if error:
        with pytest.raises(RuleError, match=error):
            add_rule(name, viewer=system_viewer(), **kwargs)
        assert CareRule.select().count() == before and AuditLog.select().count() == 0
        return
    rule = add_rule(name, viewer=system_viewer(), **kwargs)
    assert describe(CareRule.get_by_id(rule.id)) == text
    assert [r.name for r in duties.care_rules()][-1] == name  # after the plan's five, used by the duties
    log = AuditLog.get(AuditLog.table == "care_rule")
    assert log.action == "create" and json.loads(log.new)["name"] == name


def test_rules_add_command(tmp_path):
    db = tmp_path / "s.db"
    shutil.copyfile(ROOT / "sample.db", db)
    os.chmod(db, 0o600)
    env = {**os.environ, "GUANAI_DB": ""}

    def run(*args):  # guanai in this process (tests/cli_inprocess.py)
        return run_cli("--db", str(db), *args, env=env)

    refused = run("--user", "laoshi", "rules", "add", "亲情书信", "--every", "30")
    assert refused.returncode == 2 and "管理员" in refused.stderr
    ok = run("--user", "admin", "rules", "add", "亲情书信", "--every", "30")
    assert ok.returncode == 0 and "亲情书信\t亲情书信\t每30天\t全部留守儿童" in ok.stdout, ok.stderr
    mama = run("--user", "admin", "rules", "add", "爱心妈妈走访", "--kind", "家访", "--helper", "爱心妈妈",
               "--rrule", "FREQ=MONTHLY;BYMONTHDAY=-1")
    assert mama.returncode == 0 and "爱心妈妈走访\t家访\t按规则 FREQ=MONTHLY;BYMONTHDAY=-1\t全部留守儿童, 由爱心妈妈" in mama.stdout
    for args, fragment in ((("rules", "add", "亲情书信", "--every", "30"), "已有这条规则"),
                           (("rules", "add", "新规则"), "名称和频率"),
                           (("rules", "每周谈心", "--kind", "谈心"), "只用于新增规则")):
        bad = run("--user", "admin", *args)
        assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and fragment in bad.stderr, bad.stderr
    due = run("--user", "admin", "due", "--date", "2026-11-27")
    assert "亲情书信" in due.stdout  # the new rule makes duties at once
