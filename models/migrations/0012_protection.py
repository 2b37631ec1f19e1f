"""Version 12: the 强制报告 (mandatory report) workflow (issue 18).

- ``report``: a 报告单 — child, the talk it came from, the statutory situations ticked, when found,
  facts apart from opinion, reporter, path (公安 / 学校) with the police's time, unit and receipt, the
  head's confirmation, who at 民政 or the village was told, outcome, closed;
- ``intervention``: a 监护干预 — a guardianship problem told to the village 儿童主任, the guardian's
  response, a 7-day re-check.

Two new tables on both backends; nothing existing changes. The models are frozen copies, as in
0001, 0006 and 0010. (0013 is the early-warning list, written at the same time.)
"""
from peewee import CharField, DateField, DateTimeField, ForeignKeyField, Model, TextField


def up(migrator, db):
    class School(Model):
        class Meta:
            database = db
            table_name = 'school'

    class Staff(Model):
        class Meta:
            database = db
            table_name = 'staff'

    class Child(Model):
        class Meta:
            database = db
            table_name = 'child'

    class Contact(Model):
        class Meta:
            database = db
            table_name = 'contact'

    class Report(Model):
        school = ForeignKeyField(School, on_delete='CASCADE')
        child = ForeignKeyField(Child, on_delete='CASCADE')
        contact = ForeignKeyField(Contact, null=True, on_delete='SET NULL')
        situations = CharField(max_length=200)
        found_at = DateTimeField()
        facts = TextField(default='')
        opinion = TextField(default='')
        reporter = ForeignKeyField(Staff, null=True, on_delete='SET NULL')
        path = CharField(max_length=4, default='')
        police_at = DateTimeField(null=True)
        police_unit = CharField(max_length=100, default='')
        receipt_no = CharField(max_length=50, default='')
        confirmed_by = ForeignKeyField(Staff, null=True, on_delete='SET NULL')
        confirmed_at = DateTimeField(null=True)
        notified = CharField(max_length=100, default='')
        notified_at = DateTimeField(null=True)
        outcome = TextField(default='')
        closed_at = DateTimeField(null=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'report'
            indexes = ((('school', 'confirmed_at'), False), (('child', 'found_at'), False))

    class Intervention(Model):
        child = ForeignKeyField(Child, on_delete='CASCADE')
        report = ForeignKeyField(Report, null=True, on_delete='SET NULL')
        reason = CharField(max_length=50)
        director = CharField(max_length=50, default='')
        noted_on = DateField()
        note = TextField(default='')
        guardian_response = TextField(default='')
        recheck_due = DateField()
        rechecked_on = DateField(null=True)
        recheck_note = TextField(default='')
        staff = ForeignKeyField(Staff, null=True, on_delete='SET NULL')
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'intervention'
            indexes = ((('child', 'recheck_due'), False),)

    db.create_tables([Report, Intervention])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("intervention"), migrator.drop_table("report"))
