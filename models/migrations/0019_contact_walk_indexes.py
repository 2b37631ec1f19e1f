"""Version 19: the due list's contact walks read only indexes (issue 20, 待办 of a whole school).

The due list (``models.duties.open_duties``) walks contacts three ways, and each walk read the table
row of every contact it stepped over to check ``reached`` (and the author), on a school of 20,000
children / 278,000 contacts:

- a child's (or a helper's) last reached contact of one kind: (child_id, kind, at, staff_id) gains
  ``reached`` at its end;
- a follow-up's "has its author been back since": the contacts of the child after the talk, any kind,
  by (child_id, at), gains ``reached, staff_id``; the old index goes (the new one leads the same way);
- the open follow-ups themselves: a partial index of the few contacts with a 跟进日期, by time, with
  what the list reads (0.055 s → 0.016 s for the follow-ups with the index above).

The foreign key's own index on contact (staff_id) goes, as 0017's (child_id) went: (staff_id, at) leads
with the staff member, so every lookup by staff (and SET NULL when one is deleted) still has an index,
and the demo's sample.db stays about its size.

Indexes only, the same on SQLite and PostgreSQL: nothing is rewritten, ``down`` undoes it.
"""
from peewee import SQL

CHILD_AT = ("child_id", "at", "reached", "staff_id")
CHILD_KIND = ("child_id", "kind", "at", "staff_id", "reached")
FOLLOW_UP = ("at", "child_id", "staff_id", "kind", "follow_up_due")
FOLLOW_UP_NAME = "contact_follow_up"


def up(migrator, db):
    migrator.migrate(migrator.add_index("contact", CHILD_AT, False),
                     migrator.drop_index("contact", "contact_child_id_at"),
                     migrator.add_index("contact", CHILD_KIND, False),
                     migrator.drop_index("contact", "contact_child_id_kind_at_staff_id"),
                     migrator.add_index("contact", FOLLOW_UP, False, where=SQL("follow_up_due IS NOT NULL"),
                                        name=FOLLOW_UP_NAME),
                     migrator.drop_index("contact", "contact_staff_id"))


def down(migrator, db):
    migrator.migrate(migrator.add_index("contact", ("staff_id",), False),
                     migrator.drop_index("contact", FOLLOW_UP_NAME),
                     migrator.add_index("contact", ("child_id", "kind", "at", "staff_id"), False),
                     migrator.drop_index("contact", "contact_child_id_kind_at_staff_id_reached"),
                     migrator.add_index("contact", ("child_id", "at"), False),
                     migrator.drop_index("contact", "contact_child_id_at_reached_staff_id"))
