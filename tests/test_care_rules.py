"""An admin edits the duty rules; bad rules are refused and nothing changes."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from models.care_rules import update_rule
from models.duties import RuleError
from models.entities import AuditLog, CareRule

pytestmark = pytest.mark.both_backends  # the model layer runs on SQLite and on PostgreSQL

ROOT = Path(__file__).resolve().parent.parent
GUANAI = str(Path(sys.executable).with_name("guanai"))


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
            update_rule("每周谈心", staff_id=None, **kwargs)
        after = CareRule.get(CareRule.name == "每周谈心")
        assert (after.interval_days, after.rrule, after.per_term) == (before.interval_days, before.rrule, before.per_term)
        assert AuditLog.select().count() == 0
    else:
        rule = update_rule("每周谈心", staff_id=None, **kwargs)
        assert describe(CareRule.get_by_id(rule.id)) == text
        log = AuditLog.get(AuditLog.table == "care_rule")
        assert json.loads(log.old) and json.loads(log.new)


def test_unknown_rule(db_path):
    with pytest.raises(RuleError, match="没有这条规则"):
        update_rule("每日谈心", staff_id=None, interval_days=1)


def test_rules_command_needs_an_admin(tmp_path):
    db = tmp_path / "s.db"
    shutil.copyfile(ROOT / "sample.db", db)
    env = {**os.environ, "GUANAI_DB": ""}

    def run(*args):
        return subprocess.run([GUANAI, "--db", str(db), *args], capture_output=True, text=True, env=env, timeout=60)

    listed = run("rules")
    assert listed.returncode == 0 and "每周谈心\t谈心\t每7天" in listed.stdout
    refused = run("--user", "laoshi", "rules", "每周谈心", "--every", "10")
    assert refused.returncode == 2 and "管理员" in refused.stderr
    ok = run("--user", "admin", "rules", "每周谈心", "--every", "10")
    assert ok.returncode == 0 and "每周谈心\t谈心\t每10天" in ok.stdout
    bad = run("--user", "admin", "rules", "心理辅导", "--rrule", "FREQ=FOO")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
