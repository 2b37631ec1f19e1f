"""Version 16: the report pack that goes upward (issue 19).

- ``child.difficulty``: 困境类别, several may apply (贫困, 残疾, 重病, 监护缺失或不当, 孤儿, 事实无人抚养,
  其他), 、-joined as the other multi-valued fields; old rows read "";
- ``report_snapshot``: each run of the report pack (``models/report_pack.py``) keeps the per-child facts
  it counted (as JSON), so the next run of the same scope lists what changed (本期变动清单).

A plain ``ADD COLUMN`` with an SQL default (as in 0010) and one new table, frozen model copies as in 0014.
(0015 is another change of the same time.)
"""
from peewee import SQL, CharField, DateField, DateTimeField, ForeignKeyField, Model, TextField


def up(migrator, db):
    class School(Model):
        class Meta:
            database = db
            table_name = 'school'

    class Staff(Model):
        class Meta:
            database = db
            table_name = 'staff'

    class ReportSnapshot(Model):
        scope_key = CharField(max_length=200)
        school = ForeignKeyField(School, null=True, on_delete='CASCADE')
        period = CharField(max_length=30)
        period_end = DateField()
        created_at = DateTimeField()
        created_by = ForeignKeyField(Staff, null=True, on_delete='SET NULL')
        facts = TextField(default='[]')

        class Meta:
            database = db
            table_name = 'report_snapshot'
            indexes = ((('scope_key', 'period_end'), False),)

    migrator.migrate(
        migrator.add_column("child", "difficulty",
                            CharField(max_length=100, default="", constraints=[SQL("DEFAULT ''")]),
                            allow_not_null=True),
    )
    db.create_tables([ReportSnapshot])


def down(migrator, db):
    migrator.migrate(
        migrator.drop_table("report_snapshot"),
        migrator.drop_column("child", "difficulty"),
    )
