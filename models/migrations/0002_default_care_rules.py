"""Version 2: the care plan's default duty rules (CareRule rows), editable later by an admin.

A data migration: plain inserts through peewee's Table API (parameters, no string SQL), so
it runs the same on SQLite and PostgreSQL and never depends on models/entities.py.
Rules whose name already exists are left alone (an admin may have made them by hand).
``models/duties.py`` reads these rows; FORMS.md lists the cadences they come from.
"""
from peewee import Table

COLUMNS = ("name", "contact_kind", "interval_days", "rrule", "per_term",
           "applies_to", "helper_kind", "active", "sort_order")

DEFAULT_RULES = (
    # 班主任 (or anyone) talks with each left-behind child every week.
    ("每周谈心", "谈心", 7, "", False, "all", "", True, 10),
    # A reached phone call with the parents every two weeks; an unanswered call does not count.
    ("家长电话", "家长电话", 14, "", False, "all", "", True, 20),
    # The child's own 爱心妈妈 talks with the child every week.
    ("爱心妈妈谈心", "谈心", 7, "", False, "all", "爱心妈妈", True, 30),
    # The 帮扶教师 visits the home once per term (due by the term's last day).
    ("家访", "家访", None, "", True, "all", "帮扶教师", True, 40),
    # 重点帮扶对象 see the counsellor every month, by the end of the month.
    ("心理辅导", "心理辅导", None, "FREQ=MONTHLY;BYMONTHDAY=-1", False, "key_target", "", True, 50),
)


def _table(db):
    return Table("care_rule", ("id",) + COLUMNS).bind(db)


def up(migrator, db):
    rule = _table(db)
    existing = {name for (name,) in rule.select(rule.name).tuples()}
    rows = [dict(zip(COLUMNS, values)) for values in DEFAULT_RULES if values[0] not in existing]
    if rows:
        rule.insert(rows).execute()


def down(migrator, db):
    rule = _table(db)
    rule.delete().where(rule.name.in_([values[0] for values in DEFAULT_RULES])).execute()
