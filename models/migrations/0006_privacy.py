"""Version 6: privacy of minors' data — the guardian's consent, and archiving a child who left.

- ``consent``: per child, who gave consent (name, relation), when, what it covers (scope text),
  who recorded it; ``withdrawn_at``/``withdrawn_by`` when it is withdrawn (rows are kept);
- ``child.archived_at``: a child who left school and was archived is hidden from the lists; after
  the retention period an admin purges it (``models/privacy.py``, ``guanai purge``).

A plain ``ALTER TABLE … ADD COLUMN`` (nullable) and a new table on both SQLite and PostgreSQL;
no table is rebuilt. The model is a frozen copy on purpose, as in 0001.
"""
from peewee import *


def up(migrator, db):
    class Staff(Model):
        class Meta:
            database = db
            table_name = 'staff'

    class Child(Model):
        class Meta:
            database = db
            table_name = 'child'

    class Consent(Model):
        child = ForeignKeyField(Child, on_delete='CASCADE')
        given_by = CharField(max_length=50)
        relation = CharField(max_length=10, default='')
        given_on = DateField()
        scope = TextField(default='')
        recorded_by = ForeignKeyField(Staff, null=True, on_delete='SET NULL')
        recorded_at = DateTimeField()
        withdrawn_at = DateTimeField(null=True)
        withdrawn_by = ForeignKeyField(Staff, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'consent'
    db.create_tables([Consent])
    migrator.migrate(migrator.add_column("child", "archived_at", DateTimeField(null=True)))


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("child", "archived_at"),
        migrator.drop_table("consent"),
    )
