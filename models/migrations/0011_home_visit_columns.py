"""Version 11: the 家访手记 columns no user could fill (issue 15).

The paper 家访手记 has 家庭成员情况, 生活环境 and 教育需求 beside 孩子表现 (a 家访's ``content``),
家长反馈 (``parent_feedback``, 0010) and 后续计划 (``follow_up``): three text columns on ``contact``,
filled for a 家访 only. Plain ``ADD COLUMN`` with SQL defaults, as in 0009/0010, on both backends;
old rows read "".
"""
from peewee import SQL, TextField

COLUMNS = ("family_members", "living_conditions", "education_needs")


def up(migrator, db):
    migrator.migrate(*(
        migrator.add_column("contact", name, TextField(default="", constraints=[SQL("DEFAULT ''")]),
                            allow_not_null=True)
        for name in COLUMNS))


def down(migrator, db):
    migrator.migrate(*(migrator.drop_column("contact", name) for name in reversed(COLUMNS)))
