"""Version 3: a ``setting`` table, a school's settings as key and text value.

The first settings are the pairing board's maximum loads (``pairing.max_load.<kind>``);
``models/settings.py`` gives their defaults, so a fresh table is simply empty. The model
is a frozen copy on purpose, as in 0001: later changes to models/entities.py never
change what this step creates.
"""
from peewee import *


def up(migrator, db):
    class School(Model):
        class Meta:
            database = db
            table_name = 'school'

    class Staff(Model):
        class Meta:
            database = db
            table_name = 'staff'

    class Setting(Model):
        school = ForeignKeyField(School, null=True, on_delete='CASCADE')
        key = CharField(max_length=100)
        value = TextField(default='')
        updated_at = DateTimeField()
        updated_by = ForeignKeyField(Staff, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'setting'
            indexes = ((('school', 'key'), True),)
    db.create_tables([Setting])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('setting'))
