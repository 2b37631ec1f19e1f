"""Version 17: an index on contact (child_id, kind, at, staff_id) (issue 19, the county dashboard).

The due list's "last contact of this kind" and the handbook's helper tallies walk a child's contacts of
one kind by time, and for a helper rule by its staff member: on a county of 20,000 children the walk
over (child_id, at) read every kind of a child's contacts to find one; with the kind next to the child
it is one step (``models/county.py overdue_counts``, ``models/handbook.py duty_tallies``).

The foreign key's own index on contact (child_id) goes: (child_id, at) and the new one both lead with
the child, so every lookup by child (and a child's deletion, ON DELETE CASCADE) still has an index,
and the demo's sample.db stays about its size. Indexes only: nothing is rewritten, ``down`` undoes it.
"""

COLUMNS = ("child_id", "kind", "at", "staff_id")


def up(migrator, db):
    migrator.migrate(migrator.add_index("contact", COLUMNS, False),
                     migrator.drop_index("contact", "contact_child_id"))


def down(migrator, db):
    migrator.migrate(migrator.drop_index("contact", "contact_child_id_kind_at_staff_id"),
                     migrator.add_index("contact", ("child_id",), False))
