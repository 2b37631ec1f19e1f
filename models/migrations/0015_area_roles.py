"""Version 15: the 县 and 乡镇 officers (roles ``county`` and ``township``, issue 19).

Such an officer oversees every school of a county or a township, not one school: ``staff.area``
names it (the ``school.county`` or ``school.township`` it matches, by the role). ``staff.school``
stays as it is (not null): the officer's row is kept under one school of the database, which
gives it nothing (``models/scope.py`` reads the area for these roles, never the school).

A plain ``ADD COLUMN`` with an SQL default, as in 0011, on both backends; old rows read "".
"""
from peewee import SQL, CharField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("staff", "area", CharField(max_length=100, default="", constraints=[SQL("DEFAULT ''")]),
                            allow_not_null=True))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("staff", "area"))
