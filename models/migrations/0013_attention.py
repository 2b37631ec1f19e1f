"""Version 13: the 需要关注 early-warning list (issue 18).

- ``attention_rule``: the early-warning rules as data an admin reads and tunes (``guanai rules``):
  a kind computed by ``models/attention.py``, a threshold and a window in days; seeded below;
- ``attention_decision``: a teacher's confirmation (level 红/黄, review date) or dismissal (reason)
  of a child on the list; the newest row is the child's state;
- ``child.attention_level`` / ``attention_review_on`` / ``attention_since``: the confirmed level, the
  review date and the day of the confirmation, read by the due list (tighter cadences counted from
  that day, the review duty) and the roster's mark;
- two duty rules (``care_rule``) for the confirmed children: 红 — a 心理辅导 every 7 days, 黄 — a
  家长电话 every 7 days (``applies_to`` ``attention_red`` / ``attention_yellow``).

New tables and nullable/defaulted columns on both backends, frozen model copies as in 0006; the
seeds are plain inserts that leave an existing row of the same name alone, as in 0002.
"""
from peewee import (SQL, BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, Model,
                    Table, TextField)

RULE_COLUMNS = ("name", "kind", "threshold", "window_days", "active", "sort_order")
DEFAULT_RULES = (
    # 连续 N 次谈心情绪低落或焦虑 (the last N reached 谈心 within the window)
    ("情绪低落", "mood", 3, 60, True, 10),
    # N 次谈心提到安全问题, within the window
    ("安全问题", "safety", 2, 14, True, 20),
    # 家长电话/亲情电话 unanswered N times in a row, within the window
    ("电话未接通", "unanswered", 3, 60, True, 30),
    # no reached call with either parent for the window's days
    ("父母失联", "no_parent_contact", 1, 30, True, 40),
    # 监护情况评估 差
    ("监护情况差", "guardianship", 1, 0, True, 50),
    # N duties overdue by the window's days or more
    ("事项逾期", "overdue", 3, 7, True, 60),
)

CARE_COLUMNS = ("name", "contact_kind", "interval_days", "rrule", "per_term", "applies_to", "helper_kind",
                "active", "sort_order")
CADENCE_RULES = (
    ("红色关注心理辅导", "心理辅导", 7, "", False, "attention_red", "", True, 60),
    ("黄色关注家长电话", "家长电话", 7, "", False, "attention_yellow", "", True, 70),
)


def up(migrator, db):
    class Staff(Model):
        class Meta:
            database = db
            table_name = 'staff'

    class Child(Model):
        class Meta:
            database = db
            table_name = 'child'

    class AttentionRule(Model):
        name = CharField(max_length=50, unique=True)
        kind = CharField(max_length=20)
        threshold = IntegerField(default=1)
        window_days = IntegerField(default=30)
        active = BooleanField(default=True)
        sort_order = IntegerField(default=0)

        class Meta:
            database = db
            table_name = 'attention_rule'

    class AttentionDecision(Model):
        child = ForeignKeyField(Child, on_delete='CASCADE')
        staff = ForeignKeyField(Staff, null=True, on_delete='SET NULL')
        decided_at = DateTimeField()
        decision = CharField(max_length=10)
        level = CharField(max_length=2, default='')
        review_on = DateField(null=True)
        reason = TextField(default='')
        reasons = TextField(default='')
        made_key_target = BooleanField(default=False)

        class Meta:
            database = db
            table_name = 'attention_decision'
            indexes = ((('child', 'decided_at'), False),)

    db.create_tables([AttentionRule, AttentionDecision])
    migrator.migrate(
        migrator.add_column("child", "attention_level",
                            CharField(max_length=2, default="", constraints=[SQL("DEFAULT ''")]), allow_not_null=True),
        migrator.add_column("child", "attention_review_on", DateField(null=True)),
        migrator.add_column("child", "attention_since", DateField(null=True)),
    )
    rule = Table("attention_rule", ("id",) + RULE_COLUMNS).bind(db)
    have = {name for (name,) in rule.select(rule.name).tuples()}
    rows = [dict(zip(RULE_COLUMNS, v)) for v in DEFAULT_RULES if v[0] not in have]
    if rows:
        rule.insert(rows).execute()
    care = Table("care_rule", ("id",) + CARE_COLUMNS).bind(db)
    have = {name for (name,) in care.select(care.name).tuples()}
    rows = [dict(zip(CARE_COLUMNS, v)) for v in CADENCE_RULES if v[0] not in have]
    if rows:
        care.insert(rows).execute()


def down(migrator, db):
    care = Table("care_rule", ("id",) + CARE_COLUMNS).bind(db)
    care.delete().where(care.name.in_([v[0] for v in CADENCE_RULES])).execute()
    migrator.migrate(
        migrator.drop_column("child", "attention_since"),
        migrator.drop_column("child", "attention_review_on"),
        migrator.drop_column("child", "attention_level"),
        migrator.drop_table("attention_decision"),
        migrator.drop_table("attention_rule"),
    )
