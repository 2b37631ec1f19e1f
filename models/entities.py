"""The Peewee models: the whole data model of the care plan.

Field names follow the national registration form (FORMS.md) and the seed's terms.
Multi-valued choices (income sources, aid, concerns) are stored as text joined
with ``、`` — the way the paper form lists them — and read back with ``split_multi``.
A schema change is never made here alone: add a numbered file in
``models/migrations/`` too (``tests/test_migrations.py`` checks they agree).
"""
from __future__ import annotations

import datetime as _dt

import peewee as pw

from models.db import database_proxy
from models.provenance import client_source, os_account

MULTI_SEP = "、"


def split_multi(value: str | None) -> list[str]:
    return [v for v in (value or "").split(MULTI_SEP) if v]


def join_multi(values) -> str:
    return MULTI_SEP.join(v for v in values if v)


def _now() -> _dt.datetime:
    return _dt.datetime.now().replace(microsecond=0)


class BaseModel(pw.Model):
    class Meta:
        database = database_proxy
        legacy_table_names = False


class School(BaseModel):
    name = pw.CharField(max_length=100)
    county = pw.CharField(max_length=100, default="")
    township = pw.CharField(max_length=100, default="")


class Staff(BaseModel):
    school = pw.ForeignKeyField(School, backref="staff", on_delete="CASCADE")
    name = pw.CharField(max_length=50)
    name_pinyin = pw.CharField(max_length=200, default="")
    name_initials = pw.CharField(max_length=50, default="")
    sex = pw.CharField(max_length=2, default="")
    role = pw.CharField(max_length=20, default="teacher")  # see rules.STAFF_ROLES
    subject = pw.CharField(max_length=50, default="")
    phone = pw.CharField(max_length=20, default="")
    login = pw.CharField(max_length=50, null=True, unique=True)
    pin_hash = pw.CharField(max_length=200, default="")  # models/auth.py: scrypt with a salt
    active = pw.BooleanField(default=True)
    left_on = pw.DateField(null=True)
    failed_pins = pw.IntegerField(default=0)  # wrong PINs in a row (migration 0005)
    locked_until = pw.DateTimeField(null=True)  # no login before this time (migration 0005)
    # 县/乡镇 officers (roles county, township): the county or township name (School.county /
    # School.township) whose schools they oversee; their ``school`` is only where the row is kept
    area = pw.CharField(max_length=100, default="")  # migration 0015


class BusRoute(BaseModel):
    school = pw.ForeignKeyField(School, backref="bus_routes", on_delete="CASCADE")
    name = pw.CharField(max_length=50)
    direction = pw.CharField(max_length=100, default="")
    plate = pw.CharField(max_length=20, default="")
    capacity = pw.IntegerField(null=True)
    driver = pw.CharField(max_length=50, default="")
    driver_phone = pw.CharField(max_length=20, default="")
    driver_license = pw.CharField(max_length=30, default="")
    license_class = pw.CharField(max_length=10, default="")


class Classroom(BaseModel):
    school = pw.ForeignKeyField(School, backref="classrooms", on_delete="CASCADE")
    grade = pw.IntegerField()
    number = pw.IntegerField()
    name = pw.CharField(max_length=30)
    head_teacher = pw.ForeignKeyField(Staff, null=True, backref="head_of", on_delete="SET NULL")

    class Meta:
        indexes = ((("school", "grade", "number"), True),)


class TeachingAssignment(BaseModel):
    """Which staff teach in which class: the pairing suggestions start from it."""

    staff = pw.ForeignKeyField(Staff, backref="teaching", on_delete="CASCADE")
    classroom = pw.ForeignKeyField(Classroom, backref="teachers", on_delete="CASCADE")
    subject = pw.CharField(max_length=30, default="")

    class Meta:
        indexes = ((("staff", "classroom", "subject"), True),)


class Child(BaseModel):
    school = pw.ForeignKeyField(School, backref="children", on_delete="CASCADE")
    classroom = pw.ForeignKeyField(Classroom, null=True, backref="children", on_delete="SET NULL")
    student_no = pw.CharField(max_length=20, null=True, unique=True)  # 学籍号
    name = pw.CharField(max_length=50)
    name_pinyin = pw.CharField(max_length=200, default="", index=True)
    name_initials = pw.CharField(max_length=50, default="", index=True)
    sex = pw.CharField(max_length=2, default="")
    ethnicity = pw.CharField(max_length=20, default="汉族")
    birth_date = pw.DateField(null=True)
    id_number = pw.CharField(max_length=18, null=True, unique=True)  # 公民身份证号码
    hukou_registered = pw.BooleanField(default=True)
    hukou_place = pw.CharField(max_length=200, default="")  # 户籍所在地
    address = pw.CharField(max_length=200, default="")  # 现居住地 / 家庭住址 (村组)
    boarding = pw.BooleanField(default=False)
    schooling = pw.CharField(max_length=10, default="小学")  # 就学情况
    left_behind_type = pw.CharField(max_length=30, default="")  # 留守类型
    guardian_name = pw.CharField(max_length=50, default="")  # 委托监护人
    guardian_relation = pw.CharField(max_length=10, default="")
    guardian_phone = pw.CharField(max_length=20, default="")
    guardian_id_number = pw.CharField(max_length=18, default="")
    guardian_education = pw.CharField(max_length=20, default="")
    guardian_address = pw.CharField(max_length=200, default="")
    guardianship_type = pw.CharField(max_length=30, default="")  # 监护类型
    guardianship_grade = pw.CharField(max_length=4, default="")  # 监护情况评估 较好/一般/差
    income_sources = pw.CharField(max_length=100, default="")  # 家庭收入来源, 、-joined
    aid_received = pw.CharField(max_length=100, default="")  # 享受救助情况, 、-joined
    health = pw.CharField(max_length=10, default="健康")  # 身体情况 健康/残疾/患病
    illness = pw.CharField(max_length=100, default="")  # 患病类型
    hardship = pw.BooleanField(default=False)  # 特困
    talent = pw.CharField(max_length=100, default="")  # 特长, empty when none
    disability = pw.CharField(max_length=100, default="")  # 残障: 残疾类别及等级, empty when none
    academic_group = pw.CharField(max_length=20, default="")  # 学业分组
    key_target = pw.BooleanField(default=False)  # 重点帮扶对象
    difficulty = pw.CharField(max_length=100, default="")  # 困境类别, 、-joined (migration 0016)
    personality = pw.CharField(max_length=200, default="")  # 性格特征
    hobbies = pw.CharField(max_length=200, default="")  # 兴趣爱好
    status = pw.CharField(max_length=4, default="在读", index=True)  # 在读/转出/毕业/辍学
    status_date = pw.DateField(null=True)
    bus_route = pw.ForeignKeyField(BusRoute, null=True, backref="riders", on_delete="SET NULL")
    notes = pw.TextField(default="")
    created_at = pw.DateTimeField(default=_now)
    updated_at = pw.DateTimeField(default=_now)
    updated_by = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    archived_at = pw.DateTimeField(null=True)  # left school and archived: hidden from lists (0006)
    # 需要关注 confirmed (models/attention.py, 0013): 红 / 黄 or "", and when to look again
    attention_level = pw.CharField(max_length=2, default="")
    attention_review_on = pw.DateField(null=True)
    attention_since = pw.DateField(null=True)  # confirmed on: the level's cadences count from here

    class Meta:
        indexes = ((("school", "classroom", "name_pinyin"), False),)


class Parent(BaseModel):
    """A father or mother; whether they are away now decides the child's 留守 duties."""

    child = pw.ForeignKeyField(Child, backref="parents", on_delete="CASCADE")
    relation = pw.CharField(max_length=4)  # 父亲 / 母亲
    name = pw.CharField(max_length=50, default="")
    birth_date = pw.DateField(null=True)
    id_number = pw.CharField(max_length=18, default="")
    phone = pw.CharField(max_length=20, default="")
    work_province = pw.CharField(max_length=20, default="")
    work_city = pw.CharField(max_length=30, default="")
    home_visits = pw.CharField(max_length=30, default="")  # how often home, e.g. 每年春节
    away = pw.BooleanField(default=True)
    returned_on = pw.DateField(null=True)
    away_since = pw.DateField(null=True)  # left to work away on this day (migration 0010)
    deceased = pw.BooleanField(default=False)  # "—" on the national form: neither away nor home (0010)

    class Meta:
        indexes = ((("child", "relation"), True),)


class Grandparent(BaseModel):
    """祖父、祖母、外祖父、外祖母 as on the national form: name and birth date (migration 0010)."""

    child = pw.ForeignKeyField(Child, backref="grandparents", on_delete="CASCADE")
    relation = pw.CharField(max_length=4)  # rules.GRANDPARENT_RELATIONS
    name = pw.CharField(max_length=50, default="")
    birth_date = pw.DateField(null=True)
    deceased = pw.BooleanField(default=False)

    class Meta:
        indexes = ((("child", "relation"), True),)


class Pairing(BaseModel):
    """A child with a helper: a staff member, another child (学习帮手), or a named person."""

    child = pw.ForeignKeyField(Child, backref="pairings", on_delete="CASCADE")
    kind = pw.CharField(max_length=10)  # 帮扶教师 / 爱心妈妈 / 学习帮手 / 党员干部
    staff = pw.ForeignKeyField(Staff, null=True, backref="pairings", on_delete="CASCADE")
    buddy = pw.ForeignKeyField(Child, null=True, backref="buddy_of", on_delete="CASCADE")
    helper_name = pw.CharField(max_length=50, default="")
    started_on = pw.DateField(default=_dt.date.today)
    ended_on = pw.DateField(null=True)
    end_reason = pw.CharField(max_length=100, default="")
    plan_time = pw.CharField(max_length=200, default="")  # 帮扶时间
    plan_content = pw.TextField(default="")  # 内容
    plan_results = pw.TextField(default="")  # 阶段性成果

    class Meta:
        indexes = ((("child", "kind", "ended_on"), False), (("staff", "ended_on"), False))


# one active pairing per child and kind, by the database itself (migration 0007)
Pairing.add_index(Pairing.child, Pairing.kind, unique=True, where=Pairing.ended_on.is_null(),
                  name="pairing_one_active")


class Contact(BaseModel):
    """One entry of the talk log: a talk, a call, a visit, a letter."""

    # no index of its own: (child, at) and (child, kind, at, staff) below lead with it (migration 0017)
    child = pw.ForeignKeyField(Child, backref="contacts", on_delete="CASCADE", index=False)
    # no index of its own either: (staff, at) below leads with it (migration 0019)
    staff = pw.ForeignKeyField(Staff, null=True, backref="contacts", on_delete="SET NULL", index=False)
    kind = pw.CharField(max_length=10)  # see rules.CONTACT_KINDS
    at = pw.DateTimeField()
    minutes = pw.IntegerField(null=True)
    reached = pw.BooleanField(default=True)
    place = pw.CharField(max_length=100, default="")
    callee = pw.CharField(max_length=50, default="")  # 亲情电话 / 家长电话: who was called
    content = pw.TextField(default="")
    effect = pw.TextField(default="")  # 交谈后效果
    parent_feedback = pw.TextField(default="")  # 家长反馈 (家访手记), migration 0010
    family_members = pw.TextField(default="")  # 家庭成员情况 (家访手记), migration 0011
    living_conditions = pw.TextField(default="")  # 生活环境 (家访手记), 0011
    education_needs = pw.TextField(default="")  # 教育需求 (家访手记), 0011
    problems = pw.TextField(default="")  # 学生存在问题 (谈心记录单·辅导), migration 0018
    materials = pw.TextField(default="")  # 帮教资料 (谈心记录单·辅导), 0018
    mood = pw.CharField(max_length=10, default="")
    concerns = pw.CharField(max_length=50, default="")  # 学业、心理、安全、健康、生活
    follow_up = pw.TextField(default="")
    follow_up_due = pw.DateField(null=True)
    group_key = pw.CharField(max_length=40, default="")  # same value for a group talk
    created_at = pw.DateTimeField(default=_now)
    updated_at = pw.DateTimeField(default=_now)

    class Meta:
        # (child, kind, at, staff): a child's last contact of one kind (by one helper), migration 0017;
        # reached in both walks' indexes and the follow-ups' partial index below, migration 0019
        indexes = ((("child", "at", "reached", "staff"), False), (("staff", "at"), False), (("at",), False),
                   (("child", "kind", "at", "staff", "reached"), False))


# the open follow-ups (models/duties.py): the few contacts with a 跟进日期, by time (migration 0019)
Contact.add_index(Contact.at, Contact.child, Contact.staff, Contact.kind, Contact.follow_up_due,
                  where=Contact.follow_up_due.is_null(False), name="contact_follow_up")


class CareRule(BaseModel):
    """What is due how often and for whom; seeded from the plan, editable by an admin."""

    name = pw.CharField(max_length=50, unique=True)
    contact_kind = pw.CharField(max_length=10)
    interval_days = pw.IntegerField(null=True)
    rrule = pw.CharField(max_length=300, default="")  # RFC 5545, read by dateutil
    per_term = pw.BooleanField(default=False)
    applies_to = pw.CharField(max_length=20, default="all")  # all / key_target
    helper_kind = pw.CharField(max_length=10, default="")  # contact must be by this pairing kind
    active = pw.BooleanField(default=True)
    sort_order = pw.IntegerField(default=0)


class Event(BaseModel):
    school = pw.ForeignKeyField(School, backref="events", on_delete="CASCADE")
    title = pw.CharField(max_length=100)
    kind = pw.CharField(max_length=10, default="活动")  # 活动/会议/讲座/培训/检查/节日活动
    start_date = pw.DateField(index=True)
    end_date = pw.DateField(null=True)
    start_time = pw.TimeField(null=True)
    place = pw.CharField(max_length=100, default="")
    organiser = pw.CharField(max_length=50, default="")
    notes = pw.TextField(default="")
    rrule = pw.CharField(max_length=300, default="")
    series = pw.ForeignKeyField("self", null=True, backref="exceptions", on_delete="CASCADE")
    occurrence = pw.DateField(null=True)  # the series date this row replaces
    cancelled = pw.BooleanField(default=False)


class Attendance(BaseModel):
    event = pw.ForeignKeyField(Event, backref="attendance", on_delete="CASCADE")
    child = pw.ForeignKeyField(Child, backref="attendance", on_delete="CASCADE")
    on_date = pw.DateField()

    class Meta:
        indexes = ((("event", "child", "on_date"), True),)


class AuditLog(BaseModel):
    """Who changed which row when, from where: old and new values as JSON of the changed fields.

    Append-only from the app: ``save`` of an existing row, ``update``, ``delete`` and
    ``delete_instance`` refuse (models/audit.py reads and writes it)."""

    at = pw.DateTimeField(default=_now, index=True)
    staff = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    table = pw.CharField(max_length=30)
    row_id = pw.IntegerField()
    action = pw.CharField(max_length=10)  # create / update / delete / login / login_fail / export …
    old = pw.TextField(default="")
    new = pw.TextField(default="")
    source = pw.CharField(max_length=100, default=client_source)  # SSH client address or "local" (0005)
    os_user = pw.CharField(max_length=64, default=os_account)  # the OS account that ran guanai (0009)

    class Meta:
        indexes = ((("table", "row_id"), False),)

    def save(self, *args, **kwargs):
        if self._pk is not None and not kwargs.get("force_insert"):
            raise AuditAppendOnly("审计日志只能追加, 不能修改")
        return super().save(*args, **kwargs)

    def delete_instance(self, *args, **kwargs):
        raise AuditAppendOnly("审计日志只能追加, 不能删除")

    @classmethod
    def update(cls, *args, **kwargs):
        raise AuditAppendOnly("审计日志只能追加, 不能修改")

    @classmethod
    def delete(cls):
        raise AuditAppendOnly("审计日志只能追加, 不能删除")

    @classmethod
    def replace(cls, *args, **kwargs):
        raise AuditAppendOnly("审计日志只能追加, 不能替换")


class AuditAppendOnly(Exception):
    """A code path tried to change or remove an audit row."""


class Draft(BaseModel):
    """Form text written as it is typed, so a dropped SSH session loses nothing."""

    staff = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="CASCADE")
    form = pw.CharField(max_length=30)
    key = pw.CharField(max_length=50)
    data = pw.TextField(default="{}")
    updated_at = pw.DateTimeField(default=_now)

    class Meta:
        indexes = ((("staff", "form", "key"), True),)


class Setting(BaseModel):
    """A school's setting as key and text value (e.g. the most children a 帮扶教师 takes);
    ``models/settings.py`` reads and writes them with their defaults. Added by migration 0003."""

    school = pw.ForeignKeyField(School, null=True, backref="settings", on_delete="CASCADE")
    key = pw.CharField(max_length=100)
    value = pw.TextField(default="")
    updated_at = pw.DateTimeField(default=_now)
    updated_by = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        indexes = ((("school", "key"), True),)


class Consent(BaseModel):
    """A guardian's consent to keeping and using the child's data (PIPL: a child under 14 needs
    it), who gave it, when, for what; withdrawn, never deleted. Added by migration 0006."""

    child = pw.ForeignKeyField(Child, backref="consents", on_delete="CASCADE")
    given_by = pw.CharField(max_length=50)  # the guardian's name
    relation = pw.CharField(max_length=10, default="")  # 与儿童关系: 父亲 / 母亲 / 祖父母 …
    given_on = pw.DateField()
    scope = pw.TextField(default="")  # what it covers, in the guardian's words or the form's
    recorded_by = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    recorded_at = pw.DateTimeField(default=_now)
    withdrawn_at = pw.DateTimeField(null=True)
    withdrawn_by = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")


class Report(BaseModel):
    """强制报告 (报告单): a suspicion of harm to a child that staff must report (未成年人保护法,
    强制报告制度). Facts and opinion are kept apart; path 公安 (reported to the police directly)
    or 学校 (told the head, the school reports); the head confirms every report. Seen only by the
    reporter, the head and the counselor (``models.scope.report_condition``). Migration 0012."""

    school = pw.ForeignKeyField(School, backref="+", on_delete="CASCADE")
    child = pw.ForeignKeyField(Child, backref="reports", on_delete="CASCADE")
    contact = pw.ForeignKeyField(Contact, null=True, backref="+", on_delete="SET NULL")  # the talk it came from
    situations = pw.CharField(max_length=200)  # rules.REPORT_SITUATIONS, 、-joined
    found_at = pw.DateTimeField()
    facts = pw.TextField(default="")  # 事实: what was seen and said
    opinion = pw.TextField(default="")  # 判断: the reporter's assessment, apart from the facts
    reporter = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    path = pw.CharField(max_length=4, default="")  # rules.REPORT_PATHS: 公安 / 学校
    police_at = pw.DateTimeField(null=True)  # 报警时间
    police_unit = pw.CharField(max_length=100, default="")  # 接警单位
    receipt_no = pw.CharField(max_length=50, default="")  # 接警回执号
    confirmed_by = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    confirmed_at = pw.DateTimeField(null=True)
    notified = pw.CharField(max_length=100, default="")  # 民政 / 村儿童主任: who was told
    notified_at = pw.DateTimeField(null=True)
    outcome = pw.TextField(default="")  # 处置结果
    closed_at = pw.DateTimeField(null=True)
    created_at = pw.DateTimeField(default=_now)
    updated_at = pw.DateTimeField(default=_now)

    class Meta:
        indexes = ((("school", "confirmed_at"), False), (("child", "found_at"), False))


class Intervention(BaseModel):
    """监护干预: a guardianship problem (监护类型 无人监护, 监护情况评估 差) told to the village 儿童主任,
    the guardian's response, and a re-check 7 days on (a duty until it is done). Migration 0012."""

    child = pw.ForeignKeyField(Child, backref="interventions", on_delete="CASCADE")
    report = pw.ForeignKeyField(Report, null=True, backref="+", on_delete="SET NULL")
    reason = pw.CharField(max_length=50)  # 无人监护 / 监护情况差 …
    director = pw.CharField(max_length=50, default="")  # the village 儿童主任 told
    noted_on = pw.DateField()
    note = pw.TextField(default="")  # what the 儿童主任 was told
    guardian_response = pw.TextField(default="")
    recheck_due = pw.DateField()
    rechecked_on = pw.DateField(null=True)
    recheck_note = pw.TextField(default="")
    staff = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    created_at = pw.DateTimeField(default=_now)

    class Meta:
        indexes = ((("child", "recheck_due"), False),)


class AttentionRule(BaseModel):
    """需要关注: one early-warning rule (its kind is computed by ``models/attention.py``) with the
    threshold and window an admin tunes (``guanai rules``). Seeded by migration 0013."""

    name = pw.CharField(max_length=50, unique=True)
    kind = pw.CharField(max_length=20)  # attention.RULE_KINDS
    threshold = pw.IntegerField(default=1)
    window_days = pw.IntegerField(default=30)
    active = pw.BooleanField(default=True)
    sort_order = pw.IntegerField(default=0)


class AttentionDecision(BaseModel):
    """A teacher's decision on a child of the 需要关注 list: confirm (with a level 红/黄 and a review
    date) or dismiss (with a reason). The newest row is the child's state; none is changed later."""

    child = pw.ForeignKeyField(Child, backref="attention_decisions", on_delete="CASCADE")
    staff = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    decided_at = pw.DateTimeField(default=_now)
    decision = pw.CharField(max_length=10)  # confirm / dismiss
    level = pw.CharField(max_length=2, default="")  # 红 / 黄 for a confirmation
    review_on = pw.DateField(null=True)
    reason = pw.TextField(default="")  # why dismissed (or a note on a confirmation)
    reasons = pw.TextField(default="")  # the list's reasons when decided, one per line
    made_key_target = pw.BooleanField(default=False)  # this confirmation set 重点帮扶对象

    class Meta:
        indexes = ((("child", "decided_at"), False),)


class Absence(BaseModel):
    """控辍保学: a child absent on one school day, with its reason (``rules.ABSENCE_REASONS``); one row
    per child and day, removed when the child is marked present again (migration 0014)."""

    child = pw.ForeignKeyField(Child, backref="absences", on_delete="CASCADE")
    day = pw.DateField()
    reason = pw.CharField(max_length=10)
    staff = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    created_at = pw.DateTimeField(default=_now)

    class Meta:
        indexes = ((("child", "day"), True),)


class DropoutCase(BaseModel):
    """控辍保学: a 辍学风险 case, opened by the absence rule (``models.dropout``), closed (动态销号) on
    the child's return; ``reported_on`` when the 劝返 failed often enough for a 书面报告 (0014)."""

    school = pw.ForeignKeyField(School, backref="+", on_delete="CASCADE")
    child = pw.ForeignKeyField(Child, backref="dropout_cases", on_delete="CASCADE")
    first_absent = pw.DateField()  # the first day of the run of absences
    opened_on = pw.DateField(index=True)
    reason = pw.CharField(max_length=10, default="")  # the run's most frequent absence reason
    verified_on = pw.DateField(null=True)  # 核实: the school checked where the child is
    verify_note = pw.TextField(default="")
    reported_on = pw.DateField(null=True)  # 书面报告 drafted for the township
    confirmed_on = pw.DateField(null=True)  # the head confirmed 辍学 (the child's status follows)
    closed_on = pw.DateField(null=True, index=True)  # 返校: 动态销号
    created_at = pw.DateTimeField(default=_now)


# one open 辍学风险 case per child, by the database itself (migration 0014): two teachers marking the
# fourth day at the same moment on PostgreSQL would otherwise both open one
DropoutCase.add_index(DropoutCase.child, unique=True, where=DropoutCase.closed_on.is_null(),
                      name="dropout_case_one_open")


class DropoutAttempt(BaseModel):
    """控辍保学: one 劝返 attempt on a case: when, who (a staff member and/or a 村干部 typed), how
    (``rules.PERSUADE_METHODS``), its outcome (有效/无效) and a note (0014)."""

    case = pw.ForeignKeyField(DropoutCase, backref="attempts", on_delete="CASCADE")
    day = pw.DateField()
    staff = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    cadre = pw.CharField(max_length=50, default="")  # 村干部, by name
    method = pw.CharField(max_length=4)
    outcome = pw.CharField(max_length=4)  # 有效 / 无效
    note = pw.TextField(default="")
    created_at = pw.DateTimeField(default=_now)


class ReportSnapshot(BaseModel):
    """The facts of one run of the report pack (``models/report_pack.py``), kept to compare the next
    run with (本期变动清单): its scope (one school, or the schools of a county), its period, who made it,
    and per counted child the facts compared — as JSON. Added by migration 0016."""

    scope_key = pw.CharField(max_length=200)  # e.g. school:3, or county:3,4,5 (the school ids covered)
    school = pw.ForeignKeyField(School, null=True, backref="+", on_delete="CASCADE")  # a one-school pack
    period = pw.CharField(max_length=30)  # 2026-11, or 2026年秋季学期
    period_end = pw.DateField()
    created_at = pw.DateTimeField(default=_now)
    created_by = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    facts = pw.TextField(default="[]")

    class Meta:
        indexes = ((("scope_key", "period_end"), False),)


ALL_MODELS: list[type[BaseModel]] = [
    School, Staff, BusRoute, Classroom, TeachingAssignment, Child, Parent, Grandparent, Pairing,
    Contact, CareRule, Event, Attendance, AuditLog, Draft, Setting, Consent, Report, Intervention,
    AttentionRule, AttentionDecision, Absence, DropoutCase, DropoutAttempt, ReportSnapshot,
]
