"""Version 10: the columns of the paper forms no user could fill (issue 15).

- ``contact.parent_feedback``: 家长反馈 of a 家访 (家访手记), apart from a talk's 交谈后效果 (``effect``);
  a 家访's ``effect`` so far held its 家长反馈 (the workbook printed it so) and is moved there;
- ``parent.away_since``: the day a parent left to work away (登记表: how long the child has been left
  behind), and ``parent.deceased``: a dead parent is "—" on the national form, neither away nor home;
- ``grandparent``: 祖父、祖母、外祖父、外祖母 with name and birth date (and deceased), as on the form.

Plain ``ADD COLUMN`` with SQL defaults (as in 0005/0009) and one new table, on both backends; old
rows read "" / NULL / false. The new table's model is a frozen copy, as in 0001 and 0006.
(0011 is another change of the same time.)
"""
from peewee import SQL, BooleanField, CharField, DateField, ForeignKeyField, Model, TextField


def up(migrator, db):
    class Child(Model):
        class Meta:
            database = db
            table_name = 'child'

    class Grandparent(Model):
        child = ForeignKeyField(Child, on_delete='CASCADE')
        relation = CharField(max_length=4)
        name = CharField(max_length=50, default='')
        birth_date = DateField(null=True)
        deceased = BooleanField(default=False)

        class Meta:
            database = db
            table_name = 'grandparent'
            indexes = ((('child', 'relation'), True),)

    migrator.migrate(
        migrator.add_column("contact", "parent_feedback",
                            TextField(default="", constraints=[SQL("DEFAULT ''")]), allow_not_null=True),
        migrator.add_column("parent", "away_since", DateField(null=True)),
        migrator.add_column("parent", "deceased",
                            BooleanField(default=False, constraints=[SQL("DEFAULT FALSE")]), allow_not_null=True),
    )
    db.create_tables([Grandparent])
    # Until now a 家访's 家长反馈 was typed into ``effect`` (the workbook printed it under 家长反馈): it moves.
    db.execute_sql("UPDATE contact SET parent_feedback = effect, effect = '' "
                   "WHERE kind = '家访' AND effect <> '' AND parent_feedback = ''")


def down(migrator, db):
    migrator.migrate(
        migrator.drop_table("grandparent"),
        migrator.drop_column("parent", "deceased"),
        migrator.drop_column("parent", "away_since"),
        migrator.drop_column("contact", "parent_feedback"),
    )
