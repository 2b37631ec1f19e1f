"""Version 7: at most one active pairing per child and kind, enforced by the database.

``models/pairings.py`` checks the rule inside its write transaction. On SQLite that is enough
(a write transaction takes the lock first), but on PostgreSQL two teachers pairing the same
child at the same moment both pass the check under READ COMMITTED. A partial unique index
``(child_id, kind) WHERE ended_on IS NULL`` (both SQLite and PostgreSQL have them) makes the
second insert fail; ``pairings`` turns that into the usual message.

Such a race before this version could have left two active pairings: all but the newest are
ended on the day the newest began, with a reason, before the index is built. The model is a
frozen copy on purpose, as in 0001.
"""
from peewee import *


def up(migrator, db):
    class Pairing(Model):
        child = IntegerField(column_name='child_id')
        kind = CharField(max_length=10)
        started_on = DateField()
        ended_on = DateField(null=True)
        end_reason = CharField(max_length=100, default='')

        class Meta:
            database = db
            table_name = 'pairing'

    active = (Pairing.select(Pairing.id, Pairing.child, Pairing.kind, Pairing.started_on)
              .where(Pairing.ended_on.is_null()).order_by(Pairing.child, Pairing.kind, Pairing.id.desc()))
    newest = {}
    for p in active:
        key = (p.child, p.kind)
        if key not in newest:
            newest[key] = p
            continue
        ended = max(newest[key].started_on, p.started_on) if p.started_on else newest[key].started_on
        (Pairing.update(ended_on=ended, end_reason='重复结对, 升级时结束')
         .where(Pairing.id == p.id).execute())
    db.execute_sql('CREATE UNIQUE INDEX "pairing_one_active" ON "pairing" ("child_id", "kind") '
                   'WHERE "ended_on" IS NULL')


def down(migrator, db):
    db.execute_sql('DROP INDEX IF EXISTS "pairing_one_active"')
