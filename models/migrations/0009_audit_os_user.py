"""Version 9: the OS account behind every audit row (``audit_log.os_user``).

On a school server every teacher works through one service account with a forced SSH command
(``guanai --as LOGIN``), and on a PC the teacher's own account: the staff login says who the app
believed, the SSH client address where from, and this column which OS account ran the process (with
``sudo:NAME`` when sudo started it), so an action is traceable even when a login was misused.
Plain ``ADD COLUMN`` with a SQL default on both backends, as in 0005; old rows read "".
(0008 is the control-character clean-up.)
"""
from peewee import SQL, CharField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("audit_log", "os_user",
                            CharField(max_length=64, default="", constraints=[SQL("DEFAULT ''")]),
                            allow_not_null=True),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column("audit_log", "os_user"))
