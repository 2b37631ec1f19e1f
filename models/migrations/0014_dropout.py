"""Version 14: 控辍保学 (dropout prevention, issue 19).

- ``absence``: a child absent on one day with its reason, unique per child and day;
- ``dropout_case``: a 辍学风险 case opened by the absence rule, with its 核实, 书面报告, the head's
  辍学 confirmation and its closing on return (动态销号);
- ``dropout_attempt``: the 劝返 log of a case;
- at most one open case per child: a partial unique index, as 0007 for pairings (two teachers
  marking the fourth day at once on PostgreSQL would otherwise both open one).

New tables only, frozen model copies as in 0013.
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

    class Absence(Model):
        child = ForeignKeyField(Child, on_delete='CASCADE')
        day = DateField()
        reason = CharField(max_length=10)
        staff = ForeignKeyField(Staff, null=True, on_delete='SET NULL')
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'absence'
            indexes = ((('child', 'day'), True),)

    class DropoutCase(Model):
        school = ForeignKeyField(School, on_delete='CASCADE')
        child = ForeignKeyField(Child, on_delete='CASCADE')
        first_absent = DateField()
        opened_on = DateField(index=True)
        reason = CharField(max_length=10, default='')
        verified_on = DateField(null=True)
        verify_note = TextField(default='')
        reported_on = DateField(null=True)
        confirmed_on = DateField(null=True)
        closed_on = DateField(null=True, index=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'dropout_case'

    class DropoutAttempt(Model):
        case = ForeignKeyField(DropoutCase, on_delete='CASCADE')
        day = DateField()
        staff = ForeignKeyField(Staff, null=True, on_delete='SET NULL')
        cadre = CharField(max_length=50, default='')
        method = CharField(max_length=4)
        outcome = CharField(max_length=4)
        note = TextField(default='')
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'dropout_attempt'

    db.create_tables([Absence, DropoutCase, DropoutAttempt])
    db.execute_sql('CREATE UNIQUE INDEX "dropout_case_one_open" ON "dropout_case" ("child_id") '
                   'WHERE "closed_on" IS NULL')


def down(migrator, db):
    db.execute_sql('DROP INDEX IF EXISTS "dropout_case_one_open"')
    migrator.migrate(
        migrator.drop_table("dropout_attempt"),
        migrator.drop_table("dropout_case"),
        migrator.drop_table("absence"),
    )
