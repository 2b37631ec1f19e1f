"""Version 1 of the schema: every table of the data model.

Generated with `python -m playhouse.migrations sqlite:////tmp/x.db initial -d models/migrations
models.entities:ALL_MODELS` and frozen: the models here are copies on purpose, so later
changes to models/entities.py never change what this step creates. Python-side defaults
(timestamps) live in the application models, not in the DDL.
"""
from peewee import *
import datetime


def up(migrator, db):
    class School(Model):
        name = CharField(max_length=100)
        county = CharField(max_length=100, default='')
        township = CharField(max_length=100, default='')
        class Meta:
            database = db
            table_name = 'school'
    db.create_tables([School])

    class Event(Model):
        school = ForeignKeyField(School, on_delete='CASCADE')
        title = CharField(max_length=100)
        kind = CharField(max_length=10, default='活动')
        start_date = DateField(index=True)
        end_date = DateField(null=True)
        start_time = TimeField(null=True)
        place = CharField(max_length=100, default='')
        organiser = CharField(max_length=50, default='')
        notes = TextField(default='')
        rrule = CharField(max_length=300, default='')
        series = ForeignKeyField('self', null=True, on_delete='CASCADE')
        occurrence = DateField(null=True)
        cancelled = BooleanField(default=False)
        class Meta:
            database = db
            table_name = 'event'
    db.create_tables([Event])

    class Staff(Model):
        school = ForeignKeyField(School, on_delete='CASCADE')
        name = CharField(max_length=50)
        name_pinyin = CharField(max_length=200, default='')
        name_initials = CharField(max_length=50, default='')
        sex = CharField(max_length=2, default='')
        role = CharField(max_length=20, default='teacher')
        subject = CharField(max_length=50, default='')
        phone = CharField(max_length=20, default='')
        login = CharField(unique=True, null=True, max_length=50)
        pin_hash = CharField(max_length=200, default='')
        active = BooleanField(default=True)
        left_on = DateField(null=True)
        class Meta:
            database = db
            table_name = 'staff'
    db.create_tables([Staff])

    class Classroom(Model):
        school = ForeignKeyField(School, on_delete='CASCADE')
        grade = IntegerField()
        number = IntegerField()
        name = CharField(max_length=30)
        head_teacher = ForeignKeyField(Staff, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'classroom'
            indexes = ((('school', 'grade', 'number'), True),)
    db.create_tables([Classroom])

    class BusRoute(Model):
        school = ForeignKeyField(School, on_delete='CASCADE')
        name = CharField(max_length=50)
        direction = CharField(max_length=100, default='')
        plate = CharField(max_length=20, default='')
        capacity = IntegerField(null=True)
        driver = CharField(max_length=50, default='')
        driver_phone = CharField(max_length=20, default='')
        driver_license = CharField(max_length=30, default='')
        license_class = CharField(max_length=10, default='')
        class Meta:
            database = db
            table_name = 'bus_route'
    db.create_tables([BusRoute])

    class Child(Model):
        school = ForeignKeyField(School, on_delete='CASCADE')
        classroom = ForeignKeyField(Classroom, null=True, on_delete='SET NULL')
        student_no = CharField(unique=True, null=True, max_length=20)
        name = CharField(max_length=50)
        name_pinyin = CharField(index=True, max_length=200, default='')
        name_initials = CharField(index=True, max_length=50, default='')
        sex = CharField(max_length=2, default='')
        ethnicity = CharField(max_length=20, default='汉族')
        birth_date = DateField(null=True)
        id_number = CharField(unique=True, null=True, max_length=18)
        hukou_registered = BooleanField(default=True)
        hukou_place = CharField(max_length=200, default='')
        address = CharField(max_length=200, default='')
        boarding = BooleanField(default=False)
        schooling = CharField(max_length=10, default='小学')
        left_behind_type = CharField(max_length=30, default='')
        guardian_name = CharField(max_length=50, default='')
        guardian_relation = CharField(max_length=10, default='')
        guardian_phone = CharField(max_length=20, default='')
        guardian_id_number = CharField(max_length=18, default='')
        guardian_education = CharField(max_length=20, default='')
        guardian_address = CharField(max_length=200, default='')
        guardianship_type = CharField(max_length=30, default='')
        guardianship_grade = CharField(max_length=4, default='')
        income_sources = CharField(max_length=100, default='')
        aid_received = CharField(max_length=100, default='')
        health = CharField(max_length=10, default='健康')
        illness = CharField(max_length=100, default='')
        hardship = BooleanField(default=False)
        talent = CharField(max_length=100, default='')
        disability = CharField(max_length=100, default='')
        academic_group = CharField(max_length=20, default='')
        key_target = BooleanField(default=False)
        personality = CharField(max_length=200, default='')
        hobbies = CharField(max_length=200, default='')
        status = CharField(index=True, max_length=4, default='在读')
        status_date = DateField(null=True)
        bus_route = ForeignKeyField(BusRoute, null=True, on_delete='SET NULL')
        notes = TextField(default='')
        created_at = DateTimeField()
        updated_at = DateTimeField()
        updated_by = ForeignKeyField(Staff, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'child'
            indexes = ((('school', 'classroom', 'name_pinyin'), False),)
    db.create_tables([Child])

    class Attendance(Model):
        event = ForeignKeyField(Event, on_delete='CASCADE')
        child = ForeignKeyField(Child, on_delete='CASCADE')
        on_date = DateField()
        class Meta:
            database = db
            table_name = 'attendance'
            indexes = ((('event', 'child', 'on_date'), True),)
    db.create_tables([Attendance])

    class AuditLog(Model):
        at = DateTimeField(index=True)
        staff = ForeignKeyField(Staff, null=True, on_delete='SET NULL')
        table = CharField(max_length=30)
        row_id = IntegerField()
        action = CharField(max_length=10)
        old = TextField(default='')
        new = TextField(default='')
        class Meta:
            database = db
            table_name = 'audit_log'
            indexes = ((('table', 'row_id'), False),)
    db.create_tables([AuditLog])

    class CareRule(Model):
        name = CharField(unique=True, max_length=50)
        contact_kind = CharField(max_length=10)
        interval_days = IntegerField(null=True)
        rrule = CharField(max_length=300, default='')
        per_term = BooleanField(default=False)
        applies_to = CharField(max_length=20, default='all')
        helper_kind = CharField(max_length=10, default='')
        active = BooleanField(default=True)
        sort_order = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'care_rule'
    db.create_tables([CareRule])

    class Contact(Model):
        child = ForeignKeyField(Child, on_delete='CASCADE')
        staff = ForeignKeyField(Staff, null=True, on_delete='SET NULL')
        kind = CharField(max_length=10)
        at = DateTimeField()
        minutes = IntegerField(null=True)
        reached = BooleanField(default=True)
        place = CharField(max_length=100, default='')
        callee = CharField(max_length=50, default='')
        content = TextField(default='')
        effect = TextField(default='')
        mood = CharField(max_length=10, default='')
        concerns = CharField(max_length=50, default='')
        follow_up = TextField(default='')
        follow_up_due = DateField(null=True)
        group_key = CharField(max_length=40, default='')
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'contact'
            indexes = ((('child', 'at'), False), (('staff', 'at'), False), (('at',), False))
    db.create_tables([Contact])

    class Draft(Model):
        staff = ForeignKeyField(Staff, null=True, on_delete='CASCADE')
        form = CharField(max_length=30)
        key = CharField(max_length=50)
        data = TextField(default='{}')
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'draft'
            indexes = ((('staff', 'form', 'key'), True),)
    db.create_tables([Draft])

    class Pairing(Model):
        child = ForeignKeyField(Child, on_delete='CASCADE')
        kind = CharField(max_length=10)
        staff = ForeignKeyField(Staff, null=True, on_delete='CASCADE')
        buddy = ForeignKeyField(Child, null=True, on_delete='CASCADE')
        helper_name = CharField(max_length=50, default='')
        started_on = DateField(default=datetime.date.today)
        ended_on = DateField(null=True)
        end_reason = CharField(max_length=100, default='')
        plan_time = CharField(max_length=200, default='')
        plan_content = TextField(default='')
        plan_results = TextField(default='')
        class Meta:
            database = db
            table_name = 'pairing'
            indexes = ((('child', 'kind', 'ended_on'), False), (('staff', 'ended_on'), False))
    db.create_tables([Pairing])

    class Parent(Model):
        child = ForeignKeyField(Child, on_delete='CASCADE')
        relation = CharField(max_length=4)
        name = CharField(max_length=50, default='')
        birth_date = DateField(null=True)
        id_number = CharField(max_length=18, default='')
        phone = CharField(max_length=20, default='')
        work_province = CharField(max_length=20, default='')
        work_city = CharField(max_length=30, default='')
        home_visits = CharField(max_length=30, default='')
        away = BooleanField(default=True)
        returned_on = DateField(null=True)
        class Meta:
            database = db
            table_name = 'parent'
            indexes = ((('child', 'relation'), True),)
    db.create_tables([Parent])

    class TeachingAssignment(Model):
        staff = ForeignKeyField(Staff, on_delete='CASCADE')
        classroom = ForeignKeyField(Classroom, on_delete='CASCADE')
        subject = CharField(max_length=30, default='')
        class Meta:
            database = db
            table_name = 'teaching_assignment'
            indexes = ((('staff', 'classroom', 'subject'), True),)
    db.create_tables([TeachingAssignment])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('teaching_assignment'))
    migrator.migrate(migrator.drop_table('parent'))
    migrator.migrate(migrator.drop_table('pairing'))
    migrator.migrate(migrator.drop_table('draft'))
    migrator.migrate(migrator.drop_table('contact'))
    migrator.migrate(migrator.drop_table('care_rule'))
    migrator.migrate(migrator.drop_table('audit_log'))
    migrator.migrate(migrator.drop_table('attendance'))
    migrator.migrate(migrator.drop_table('child'))
    migrator.migrate(migrator.drop_table('bus_route'))
    migrator.migrate(migrator.drop_table('classroom'))
    migrator.migrate(migrator.drop_table('staff'))
    migrator.migrate(migrator.drop_table('event'))
    migrator.migrate(migrator.drop_table('school'))
