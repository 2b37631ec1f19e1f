"""Version 18: the 谈心记录单's tutoring variant (学业辅导), issue 15's last missing columns.

The paper has 辅导时间 (the contact's ``at``), 辅导地点 (``place``), 辅导学生 (the child), 学生存在问题,
帮教措施 (a 学业辅导's ``content``) and 帮教资料: two text columns on ``contact``, ``problems`` and
``materials``, filled for a 学业辅导 only. Plain ``ADD COLUMN`` with SQL defaults, as in 0011, on both
backends; old rows read "".
"""
from peewee import SQL, TextField

COLUMNS = ("problems", "materials")


def up(migrator, db):
    migrator.migrate(*(
        migrator.add_column("contact", name, TextField(default="", constraints=[SQL("DEFAULT ''")]),
                            allow_not_null=True)
        for name in COLUMNS))


def down(migrator, db):
    migrator.migrate(*(migrator.drop_column("contact", name) for name in reversed(COLUMNS)))
