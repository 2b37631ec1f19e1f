"""Version 5: PIN lockout on ``staff`` and where an audit row came from on ``audit_log``.

- ``staff.failed_pins``: wrong PINs in a row (reset by a right one or by an admin);
- ``staff.locked_until``: no login before this time (5 wrong PINs lock for 15 minutes);
- ``audit_log.source``: the SSH client address ($SSH_CLIENT / $SSH_CONNECTION) or ``local``.

Plain ``ALTER TABLE … ADD COLUMN`` with a SQL default on both SQLite and PostgreSQL: the NOT NULL
columns get their default in the DDL, so no table is rebuilt and existing rows keep every value.
(Numbered 0005 on purpose: 0004 belongs to another change; the runner applies whatever is pending.)
"""
from peewee import SQL, CharField, DateTimeField, IntegerField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("staff", "failed_pins",
                            IntegerField(default=0, constraints=[SQL("DEFAULT 0")]), allow_not_null=True),
        migrator.add_column("staff", "locked_until", DateTimeField(null=True)),
        migrator.add_column("audit_log", "source",
                            CharField(max_length=100, default="", constraints=[SQL("DEFAULT ''")]),
                            allow_not_null=True),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("audit_log", "source"),
        migrator.drop_column("staff", "locked_until"),
        migrator.drop_column("staff", "failed_pins"),
    )
