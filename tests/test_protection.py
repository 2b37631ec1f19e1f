"""强制报告 and 监护干预 (models/protection.py): signs in a talk, the report's rules, its duties,
its audit trail and who learns the reporter's name. Who may see and confirm is also in the
role × action matrix (tests/test_scope.py)."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from models import audit, duties, protection
from models import scope as access
from models.entities import AuditLog, Classroom, Contact, Report, School, Staff
from models.validation import Invalid
from tests.conftest import add_child

pytestmark = pytest.mark.both_backends

NOW = dt.datetime(2026, 11, 20, 10, 0)
TALK = "说奶奶最近经常打他，手臂上有淤青，他不敢回家"


@pytest.mark.parametrize("text, signs", [
    (TALK, ["打", "淤青", "不敢回家"]),
    ("今天给妈妈打电话了, 很开心", []),
    ("放学后打扫教室, 周末和同学打球", []),
    ("爸爸在广东打工, 过年才回来", []),
    ("他说想妈妈, 有点伤心", []),
    ("他被高年级同学打了", ["打"]),
    ("上体育课摔伤了膝盖", ["伤"]),
    ("手上有伤, 说是摔的; 又说伤心", ["伤"]),  # a real sign beside a harmless compound still counts
    ("打电话没人接, 后来打了他一巴掌", ["打"]),
    ("父母离家后他一个人住, 常常挨饿", ["一个人住", "挨饿"]),
    ("家长失联两个月了", ["失联"]),
    ("", []),
])
def test_signs_in_a_talk(text, signs):
    assert protection.signs_in(text) == signs


@pytest.mark.parametrize("concerns, text, offered", [
    ("安全", "今天谈学习", True),
    (("学业", "安全"), "", True),
    ("学业、心理", "打篮球时不开心", False),
    ("", TALK, True),
    ("", "打电话给奶奶", False),
])
def test_when_a_report_is_offered(concerns, text, offered):
    assert protection.should_offer(concerns, text) is offered


GOOD = {"situations": ["家庭暴力", "非正常损伤"], "found_at": "2026-11-20 09:30", "facts": TALK,
        "opinion": "疑似家庭暴力", "path": "学校"}


@pytest.mark.parametrize("change, field, message", [
    ({"situations": []}, "situations", "请至少勾选一种法定情形"),
    ({"situations": ["吵架"]}, "situations", "情形只能是"),
    ({"found_at": ""}, "found_at", "请填写发现时间"),
    ({"found_at": "2026-11-22 09:00"}, "found_at", "发现时间不能晚于现在"),
    ({"found_at": "明天"}, "found_at", "发现时间"),
    ({"facts": "  "}, "facts", "请写下看到、听到的事实"),
    ({"path": "电话"}, "path", "报告途径应为"),
    ({"path": "公安"}, "police_at", "请填写报警时间"),
    ({"path": "公安", "police_at": "2026-11-20 10:00"}, "police_unit", "请填写接警单位"),
    ({"path": "公安", "police_at": "2026-11-20 08:00", "police_unit": "青山派出所"}, "police_at", "不能早于发现时间"),
    ({"police_unit": "青山\x1b派出所"}, "police_unit", "第 3 个字符不能用"),
    ({"receipt_no": "x" * 51}, "facts", "回执号"),
    ({"closed": True}, "outcome", "结案前请填写处置结果"),
])
def test_a_bad_report_says_what_is_wrong(change, field, message):
    _, errors = protection.validate_report({**GOOD, **change}, now=NOW)
    assert field in errors and message in errors[field], errors


def test_a_good_report_is_clean():
    values, errors = protection.validate_report({**GOOD, "path": "公安", "police_at": "2026-11-20 09:50",
                                                 "police_unit": "青山派出所", "receipt_no": "A-17"}, now=NOW)
    assert errors == {}
    assert values["situations"] == "非正常损伤、家庭暴力"  # the statute's order
    assert values["found_at"] == dt.datetime(2026, 11, 20, 9, 30) and values["closed_at"] is None


@pytest.fixture
def school(any_db):
    s = School.create(name="测试小学")
    staff = {role: Staff.create(school=s, name=name, role=role, login=login) for role, name, login in (
        ("admin", "管理员", "admin"), ("head", "潘校长", "xiaozhang"), ("class_teacher", "李老师", "banzhuren"),
        ("counselor", "雷老师", "xinli"))}
    room = Classroom.create(school=s, grade=3, number=2, name="三年级2班", head_teacher=staff["class_teacher"])
    kid = add_child(s, room, "张小明")
    talk = Contact.create(child=kid, staff=staff["class_teacher"], kind="谈心", at=NOW, content=TALK, concerns="安全")
    viewers = {role: access.viewer_for(st) for role, st in staff.items()}
    return {"school": s, "staff": staff, "kid": kid, "talk": talk, "viewers": viewers}


def test_a_report_from_a_talk_starts_with_its_words_and_time(school):
    """The teacher's own talk: its text and time; another child's talk or a 心理辅导 note the viewer
    may not read: nothing (the facts are then typed)."""
    teacher, kid = school["viewers"]["class_teacher"], school["kid"].id
    assert protection.draft_from_contact(school["talk"].id, kid, viewer=teacher) == {
        "found_at": "2026-11-20 10:00", "facts": TALK}
    assert protection.draft_from_contact(None, kid, viewer=teacher) == {}
    other = add_child(school["school"], Classroom.get(), "王芳")
    elsewhere = Contact.create(child=other, staff=school["staff"]["class_teacher"], kind="谈心", at=NOW, content="别的孩子")
    assert protection.draft_from_contact(elsewhere.id, kid, viewer=teacher) == {}  # not this child's talk
    note = Contact.create(child=kid, staff=school["staff"]["counselor"], kind="心理辅导", at=NOW, content="只给咨询老师看")
    assert protection.draft_from_contact(note.id, kid, viewer=teacher) == {}
    assert protection.draft_from_contact(note.id, kid, viewer=school["viewers"]["head"]) == {}


def _file(w, now=NOW) -> int:
    return protection.create_report(GOOD, w["kid"].id, viewer=w["viewers"]["class_teacher"],
                                    contact_id=w["talk"].id, now=now)


def test_filing_confirming_and_closing(school):
    w = school
    rid = _file(w)
    r = Report.get_by_id(rid)
    assert (r.reporter_id, r.contact_id, r.school_id) == (w["staff"]["class_teacher"].id, w["talk"].id, w["school"].id)
    assert protection.unconfirmed_count(w["school"].id, viewer=w["viewers"]["head"]) == 1
    assert protection.unconfirmed_count(w["school"].id, viewer=w["viewers"]["admin"]) == 1  # a count only
    assert protection.unconfirmed_count(w["school"].id, viewer=w["viewers"]["class_teacher"]) == 0  # no banner
    with pytest.raises(access.ForbiddenError, match="只有校长可以确认"):
        protection.confirm_report(rid, viewer=w["viewers"]["class_teacher"])
    protection.confirm_report(rid, viewer=w["viewers"]["head"], now=NOW + dt.timedelta(hours=2))
    assert protection.unconfirmed_count(w["school"].id, viewer=w["viewers"]["head"]) == 0
    view = protection.report_detail(rid, viewer=w["viewers"]["head"])
    assert (view.state, view.reporter, view.confirmed_by) == ("处置中", "李老师", "潘校长")
    values = {**view.form_values(), "notified": "石门村儿童主任 王主任", "notified_at": "2026-11-20 11:00",
              "outcome": "派出所出警, 奶奶受到训诫", "closed": True}
    protection.update_report(rid, values, viewer=w["viewers"]["class_teacher"], now=NOW + dt.timedelta(hours=3))
    view = protection.report_detail(rid, viewer=w["viewers"]["counselor"])
    assert view.state == "已结案" and view.closed_at == NOW + dt.timedelta(hours=3)
    assert protection.counts(w["school"].id, dt.date(2026, 9, 1), dt.date(2027, 1, 31)) == {
        "发现": 1, "报告": 1, "处置": 1}


def test_a_bad_report_writes_nothing(school):
    with pytest.raises(Invalid, match="事实"):
        protection.create_report({**GOOD, "facts": ""}, school["kid"].id, viewer=school["viewers"]["class_teacher"])
    assert not Report.select().exists() and not AuditLog.select().where(AuditLog.table == "report").exists()


def test_the_audit_log_has_no_facts_and_hides_the_reporter_from_the_admin(school):
    w = school
    rid = _file(w)
    protection.report_detail(rid, viewer=w["viewers"]["counselor"])
    rows = list(AuditLog.select().where(AuditLog.table == "report").order_by(AuditLog.id))
    assert [r.action for r in rows] == ["create", "view"]
    assert all("奶奶" not in r.new and "疑似" not in r.new for r in rows)
    seen_by_admin = [e for e in audit.entries(table="report", viewer=w["viewers"]["admin"])]
    assert {e.staff_name for e in seen_by_admin} == {audit.REPORTER_HIDDEN} and not any(e.login for e in seen_by_admin)
    assert list(audit.entries(table="report", login="banzhuren", viewer=w["viewers"]["admin"])) == []
    seen_by_head = [e.login for e in audit.entries(table="report", viewer=w["viewers"]["head"])]
    assert seen_by_head == ["banzhuren", "xinli"]


def test_an_unconfirmed_report_is_due_for_the_head_and_overdue_after_a_day(school):
    w = school
    _file(w)
    head = w["viewers"]["head"]

    def report_duties(day, viewer=head):
        return [(d.child_name, d.status) for d in duties.open_duties(day, viewer=viewer, school_id=w["school"].id,
                                                                      kind=duties.REPORT_DUTY)]
    assert report_duties(dt.date(2026, 11, 21)) == [("张小明", duties.TODAY)]
    assert report_duties(dt.date(2026, 11, 22)) == [("张小明", duties.OVERDUE)]
    assert report_duties(dt.date(2027, 2, 10)) == [("张小明", duties.OVERDUE)]  # holidays do not pause it
    assert report_duties(dt.date(2026, 11, 22), w["viewers"]["class_teacher"]) == []  # the head's duty
    everything = duties.open_duties(dt.date(2026, 11, 22), viewer=head, school_id=w["school"].id)
    assert everything[0].rule_name == duties.REPORT_DUTY  # hers, and most overdue: first
    protection.confirm_report(Report.get().id, viewer=head)
    assert report_duties(dt.date(2026, 11, 22)) == []


def test_a_guardianship_intervention_has_a_seven_day_recheck(school):
    w = school
    kid, teacher = w["kid"], w["viewers"]["class_teacher"]
    kid.guardianship_grade = "差"
    kid.save()
    assert protection.guardianship_problem(kid.id) == "监护情况差"
    with pytest.raises(Invalid, match="村儿童主任"):
        protection.create_intervention({"director": " "}, kid.id, viewer=teacher, today=dt.date(2026, 11, 20))
    iid = protection.create_intervention({"director": "王主任", "note": "奶奶年迈, 管不住孩子",
                                          "guardian_response": "答应让姑姑常来"}, kid.id, viewer=teacher,
                                         today=dt.date(2026, 11, 20))

    def rechecks(day):
        return [(d.status, d.due, d.mine) for d in duties.open_duties(
            day, viewer=teacher, school_id=w["school"].id, staff_id=teacher.staff_id, kind=duties.RECHECK_DUTY)]
    assert rechecks(dt.date(2026, 11, 20)) == []  # due in 7 days: beyond this week's horizon
    assert rechecks(dt.date(2026, 11, 27)) == [(duties.TODAY, dt.date(2026, 11, 27), True)]
    assert rechecks(dt.date(2026, 11, 30)) == [(duties.OVERDUE, dt.date(2026, 11, 27), True)]
    Contact.create(child=kid, staff=w["staff"]["class_teacher"], kind="家长电话", at=dt.datetime(2026, 11, 28, 9),
                   reached=False, content="")
    assert len(rechecks(dt.date(2026, 11, 30))) == 1  # an unanswered call is no re-check
    Contact.create(child=kid, staff=w["staff"]["class_teacher"], kind="家访", at=dt.datetime(2026, 11, 29, 9),
                   content="姑姑每天来做饭")
    assert rechecks(dt.date(2026, 11, 30)) == []
    assert protection.interventions_of_child(kid.id, viewer=teacher)[0].id == iid


def test_purge_takes_the_reports_and_blanks_their_audit(school):
    """A purged child's reports and 监护干预 go with it; their audit rows keep no situation."""
    from models import privacy
    from models.entities import Child, Intervention

    w = school
    rid = _file(w)
    iid = protection.create_intervention({"reason": "无人监护", "director": "王主任"}, w["kid"].id,
                                         viewer=w["viewers"]["class_teacher"], today=dt.date(2026, 11, 20))
    Child.update(status="转出", status_date=dt.date(2020, 7, 1), archived_at=dt.datetime(2020, 9, 1)).where(
        Child.id == w["kid"].id).execute()
    privacy.purge(viewer=w["viewers"]["admin"], today=dt.date(2026, 11, 20), child_ids=[w["kid"].id], vacuum=False)
    assert not Report.select().exists() and not Intervention.select().exists()
    for table, row_id, word in (("report", rid, "家庭暴力"), ("intervention", iid, "无人监护")):
        logged = AuditLog.get((AuditLog.table == table) & (AuditLog.row_id == row_id) & (AuditLog.action == "create"))
        assert word not in logged.new


def test_a_report_changed_meanwhile_is_not_overwritten(school):
    w = school
    rid = _file(w)
    mine = protection.report_detail(rid, viewer=w["viewers"]["class_teacher"])
    theirs = protection.report_detail(rid, viewer=w["viewers"]["head"])
    protection.confirm_report(rid, viewer=w["viewers"]["head"])  # no form field: not a new version
    protection.update_report(rid, {**theirs.form_values(), "receipt_no": "QS-1"}, viewer=w["viewers"]["head"],
                             expected_updated_at=theirs.updated_at, now=NOW + dt.timedelta(hours=1))
    with pytest.raises(Invalid, match="已被别人修改"):
        protection.update_report(rid, {**mine.form_values(), "outcome": "已家访"},
                                 viewer=w["viewers"]["class_teacher"], expected_updated_at=mine.updated_at)
    after = protection.report_detail(rid, viewer=w["viewers"]["head"])
    assert (after.receipt_no, after.outcome) == ("QS-1", "")


def test_the_child_page_lists_reports_in_a_fixed_number_of_queries_and_audits_the_look(school):
    """children.child_detail carries the reports the viewer may see and the interventions: no query
    per row, one audit row naming the reports listed (none when there is nothing to list)."""
    from models import children
    from models import db as dbmod

    w, kid = school, school["kid"].id
    head = w["viewers"]["head"]  # every report of the school, and the child

    def detail(viewer):
        queries, db = [], dbmod.current()
        original = db.execute_sql
        db.execute_sql = lambda sql, *a, **k: queries.append(sql) or original(sql, *a, **k)
        try:
            d = children.child_detail(kid, viewer=viewer)
        finally:
            del db.execute_sql
        return d, len(queries)

    looks = AuditLog.select().where((AuditLog.table == "report") & (AuditLog.action == "view"))
    empty, base = detail(head)
    assert (empty["reports"], empty["interventions"], looks.count()) == ([], [], 0)
    rids = [_file(w, NOW + dt.timedelta(minutes=k)) for k in range(3)]
    protection.create_intervention({"reason": "监护情况差", "director": "王主任"}, kid,
                                   viewer=w["viewers"]["class_teacher"], today=dt.date(2026, 11, 20))
    full, n = detail(head)
    assert n == base + 1  # the audit row of the look, whatever the number of rows
    assert [r.id for r in full["reports"]] == rids[::-1] and [i.reason for i in full["interventions"]] == ["监护情况差"]
    assert full["interventions"][0].staff == "李老师" and full["interventions"][0].state == "11-27 复查"
    assert [json.loads(r.new)["reports"] for r in looks] == [rids[::-1]]
    admin_view, _ = detail(w["viewers"]["admin"])  # the admin: the interventions, no report, no audited look
    assert admin_view["reports"] == [] and len(admin_view["interventions"]) == 1 and looks.count() == 1


def test_the_admin_is_told_who_confirms(school):
    w = school
    assert protection.confirmers(w["school"].id) == ["潘校长"]
    Staff.update(active=False).where(Staff.role == "head").execute()
    assert protection.confirmers(w["school"].id) == []
    assert protection.confirmers(School.create(name="别的学校").id) == []
