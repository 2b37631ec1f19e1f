"""控辍保学 (models/dropout.py): the absence log, the more-than-3-school-days rule (table-driven:
weekends, holidays, a present day between), the case's duties in 待办, the 劝返 log and its 书面报告,
the return that closes the case, the head's 辍学 and the monthly sheet; on both backends."""
from __future__ import annotations

import datetime as dt

import pytest

from models import audit, dropout, duties, scope, settings
from models.entities import Absence, AuditLog, Child, Contact, DropoutAttempt, DropoutCase, Staff
from models.validation import Invalid

pytestmark = pytest.mark.both_backends

TODAY = dt.date(2026, 11, 27)  # a Friday of the autumn term (the suggested dates: no settings)


def D(text: str) -> dt.date:
    return dt.date.fromisoformat(f"2026-{text}" if len(text) == 5 else text)


@pytest.fixture
def school(tiny_school):
    w = tiny_school
    w["teacher"] = scope.viewer_for(w["staff"][0])  # 李老师, 班主任 of 三年级2班 (张小明, 张丽华)
    w["head"] = scope.viewer_for(Staff.create(school=w["school"], name="潘校长", role="head", login="xiaozhang"))
    w["kid"] = w["kids"]["张小明"].id
    return w


def mark(w, days, reason="无故缺课", child=None):
    """Mark each (first, last) range or single day absent, on its last day (as a teacher would); the last result."""
    result = None
    for item in days:
        first, last = item if isinstance(item, tuple) else (item, None)
        result = dropout.mark_absent(child or w["kid"], D(first), D(last) if last else None, reason=reason,
                                     viewer=w["teacher"], today=min(D(last or first), TODAY))
    return result


RULE_CASES = [
    # (why, absent days or ranges, the case's first absent day or None)
    ("four school days in a row", ["11-16", "11-17", "11-18", "11-19"], "11-16"),
    ("three are not more than three", ["11-16", "11-17", "11-18"], None),
    ("across a weekend", ["11-19", "11-20", "11-23", "11-24"], "11-19"),
    ("across the 国庆 holiday", ["09-29", "09-30", "10-08", "10-09"], "09-29"),
    ("a present day between breaks the run", ["11-16", "11-17", "11-19", "11-20"], None),
    ("a range over a weekend marks its school days", [("11-19", "11-24")], "11-19"),
    ("two runs: the later one long enough", ["11-09", "11-10", "11-16", "11-17", "11-18", "11-19"], "11-16"),
]


@pytest.mark.parametrize("why,days,first", RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_more_than_three_consecutive_school_days_open_a_case(school, why, days, first):
    mark(school, days)
    case = DropoutCase.get_or_none(DropoutCase.child == school["kid"])
    assert (case and case.first_absent.isoformat()[5:]) == (first or None), why


@pytest.mark.parametrize("day,message", [
    ("11-21", "不是上学日"),  # a Saturday
    ("10-05", "不是上学日"),  # 国庆
    ("2026-08-10", "不是上学日"),  # 暑假
    ("12-01", "今天"),  # after today
])
def test_a_day_without_school_or_in_the_future_is_refused_and_nothing_written(school, day, message):
    with pytest.raises(Invalid, match=message):
        mark(school, [day])
    assert Absence.select().count() == 0 and not AuditLog.select().where(AuditLog.table == "absence").exists()


def test_marking_is_idempotent_and_present_removes_it(school):
    mark(school, ["11-16"])
    again = mark(school, ["11-16"])
    assert again.days == [] and Absence.select().count() == 1
    assert AuditLog.select().where(AuditLog.table == "absence").count() == 1
    changed = mark(school, ["11-16"], reason="病假")
    assert changed.days == [D("11-16")] and Absence.get().reason == "病假"
    dropout.mark_present(school["kid"], D("11-16"), viewer=school["teacher"], today=TODAY)
    assert Absence.select().count() == 0
    assert [a.action for a in AuditLog.select().where(AuditLog.table == "absence").order_by(AuditLog.id)] == [
        "create", "update", "delete"]
    nothing = dropout.mark_present(school["kid"], D("11-16"), viewer=school["teacher"], today=TODAY)
    assert nothing.days == [] and AuditLog.select().where(AuditLog.table == "absence").count() == 3


def test_bad_reason_is_refused(school):
    with pytest.raises(Invalid, match="缺课原因"):
        dropout.mark_absent(school["kid"], TODAY, reason="逃学", viewer=school["teacher"], today=TODAY)


def case_duties(w, day, viewer=None):
    return {(d.rule_name, d.due, d.mine) for d in duties.open_duties(
        day, viewer=viewer or w["teacher"], staff_id=(viewer or w["teacher"]).staff_id, horizon_days=None)
        if d.rule_name in duties.CASE_DUTIES}


def test_a_case_puts_verify_today_and_the_class_teachers_visit_in_the_due_list(school):
    opened = D("11-26")  # marked on the day of the fourth absence: the case opens that day
    result = dropout.mark_absent(school["kid"], D("11-23"), opened, reason="无故缺课", viewer=school["teacher"],
                                 today=opened)
    assert result.opened and DropoutCase.get_by_id(result.opened).opened_on == opened
    assert case_duties(school, opened) == {(dropout.VERIFY_DUTY, opened, True),
                                           (dropout.VISIT_DUTY, opened + dt.timedelta(days=3), True)}
    # the head sees them too (not as her own), and `guanai due --kind 缺课核实` narrows to one
    assert {n for n, _, mine in case_duties(school, opened, school["head"]) if not mine} == set(duties.CASE_DUTIES)
    assert [d.rule_name for d in duties.open_duties(opened, viewer=school["teacher"], kind=dropout.VERIFY_DUTY)] == [
        dropout.VERIFY_DUTY]
    dropout.verify_case(result.opened, "电话核实: 在家, 不愿上学", viewer=school["teacher"], today=TODAY)
    assert {n for n, _, _ in case_duties(school, TODAY)} == {dropout.VISIT_DUTY}
    Contact.create(child=school["kid"], staff=school["staff"][0], kind="家访", at=dt.datetime(2026, 11, 27, 16))
    assert case_duties(school, TODAY) == set()


def test_attempts_lead_to_the_written_report_after_n_failures_and_return_closes_the_case(school):
    case_id = mark(school, [("11-16", "11-19")]).opened
    for i, (day, how, outcome) in enumerate([("11-20", "家访", "无效"), ("11-23", "电话", "有效"),
                                              ("11-24", "约谈", "无效")]):
        dropout.add_attempt(case_id, {"day": D(day), "method": how, "outcome": outcome, "cadre": "王村长"},
                            viewer=school["teacher"], today=TODAY)
    assert DropoutCase.get_by_id(case_id).reported_on is None  # two 无效 of three
    dropout.add_attempt(case_id, {"day": D("11-25"), "method": "家访", "outcome": "无效", "note": "家长外出"},
                        viewer=school["teacher"], today=TODAY)
    case = dropout.case_detail(case_id, viewer=school["teacher"])
    assert case.reported_on == D("11-25") and case.status == dropout.REPORTED and case.failed == 3
    text = dropout.report_text(case_id, viewer=school["teacher"], today=TODAY)
    assert "张小明" in text and "2026年11月16日" in text and "村干部 王村长" in text and "3 次劝返无效" in text
    assert "510722" not in text  # the ID number is masked in the draft
    dropout.confirm_dropout(case_id, viewer=school["head"], today=TODAY)
    child = Child.get_by_id(school["kid"])
    assert (child.status, child.status_date) == ("辍学", D("11-16"))
    mark(school, ["11-26"])  # still away: logged, no second case
    assert DropoutCase.select().count() == 1
    dropout.mark_present(school["kid"], D("11-27"), viewer=school["teacher"], today=TODAY)
    case = dropout.case_detail(case_id, viewer=school["teacher"])
    assert case.closed_on == D("11-27") and case.status == dropout.CLOSED
    child = Child.get_by_id(school["kid"])
    assert (child.status, child.status_date) == ("在读", None)
    with pytest.raises(Invalid, match="已返校"):
        dropout.add_attempt(case_id, {"method": "电话", "outcome": "无效"}, viewer=school["teacher"], today=TODAY)


def test_the_failures_needed_are_a_school_setting(school):
    settings.put(school["school"].id, dropout.FAILED_SETTING, "1")
    case_id = mark(school, [("11-16", "11-19")]).opened
    dropout.add_attempt(case_id, {"day": D("11-20"), "method": "电话", "outcome": "无效"}, viewer=school["teacher"],
                        today=TODAY)
    assert DropoutCase.get_by_id(case_id).reported_on == D("11-20")


def test_explicit_return_closes_and_a_new_run_opens_a_new_case(school):
    case_id = mark(school, [("11-09", "11-12")]).opened
    dropout.record_return(case_id, D("11-16"), viewer=school["teacher"], today=TODAY)
    assert DropoutCase.get_by_id(case_id).closed_on == D("11-16")
    assert mark(school, ["11-13"]).opened is None  # before the return: the old run does not count again
    again = mark(school, [("11-17", "11-20")])
    assert again.opened and again.opened != case_id


@pytest.mark.parametrize("values,message", [
    ({"method": "写信", "outcome": "无效"}, "劝返方式"),
    ({"method": "电话", "outcome": "还行"}, "劝返结果"),
    ({"method": "电话", "outcome": "无效", "day": dt.date(2026, 11, 1)}, "劝返日期"),
    ({"method": "电话", "outcome": "无效", "cadre": "王\x1b[2J"}, "村干部姓名"),
    ({"method": "电话", "outcome": "无效", "staff_id": None}, "劝返人"),
])
def test_bad_attempts_are_refused_and_nothing_written(school, values, message):
    case_id = mark(school, [("11-16", "11-19")]).opened
    with pytest.raises(Invalid, match=message):
        dropout.add_attempt(case_id, values, viewer=school["teacher"], today=TODAY)
    assert DropoutAttempt.select().count() == 0


def test_monthly_sheet_rows_and_class_counts(school):
    closed = mark(school, [("10-26", "10-29")]).opened
    dropout.add_attempt(closed, {"day": D("10-30"), "method": "家访", "outcome": "有效"}, viewer=school["teacher"],
                        today=TODAY)
    dropout.record_return(closed, D("11-02"), viewer=school["teacher"], today=TODAY)
    other = school["kids"]["张丽华"].id
    open_case = mark(school, [("11-16", "11-19")], reason="事假", child=other).opened
    dropout.add_attempt(open_case, {"day": D("11-20"), "method": "电话", "outcome": "无效"}, viewer=school["teacher"],
                        today=TODAY)
    nov = dropout.monthly_sheet(2026, 11, viewer=school["head"], school_id=school["school"].id)
    assert [(r.child_name, r.status, r.attempts, r.reason) for r in nov.rows] == [
        ("张小明", dropout.CLOSED, 1, "无故缺课"), ("张丽华", dropout.OPEN, 1, "事假")]
    assert [(c.class_name, c.open_at_end, c.opened, c.closed, c.attempts) for c in nov.classes] == [
        ("三年级2班", 1, 1, 1, 1)]
    oct_ = dropout.monthly_sheet(2026, 10, viewer=school["head"], school_id=school["school"].id)
    assert [(r.child_name, r.status) for r in oct_.rows] == [("张小明", dropout.OPEN)]
    assert "李老师" in oct_.rows[0].responsible
    with pytest.raises(scope.ForbiddenError):
        dropout.monthly_sheet(2026, 11, viewer=school["teacher"], school_id=school["school"].id)
    mine = dropout.monthly_sheet(2026, 11, viewer=school["teacher"], classroom_id=school["classes"][0].id)
    assert len(mine.rows) == 2


def test_volunteers_neither_mark_nor_see_cases(school):
    mama = Staff.create(school=school["school"], name="王妈妈", role="volunteer", login="aixinmama")
    from models.entities import Pairing

    Pairing.create(child=school["kid"], kind="爱心妈妈", staff=mama, started_on=dt.date(2026, 9, 1))
    v = scope.viewer_for(mama)
    mark(school, [("11-16", "11-19")])
    with pytest.raises(scope.ForbiddenError, match="爱心妈妈"):
        dropout.mark_absent(school["kid"], TODAY, reason="病假", viewer=v, today=TODAY)
    assert dropout.cases(viewer=v) == [] and case_duties(school, TODAY, v) == set()
    with pytest.raises(scope.ForbiddenError):
        dropout.class_register(school["classes"][0].id, TODAY, viewer=v)
    register = dropout.class_register(school["classes"][0].id, D("11-19"), viewer=school["teacher"])
    assert [(r.name, r.reason, r.case) for r in register] == [("张丽华", "", ""),
                                                               ("张小明", "无故缺课", dropout.OPEN)]
    assert audit  # the module is used by the audit rows checked above


def test_one_open_case_per_child_by_the_database(school):
    """Two teachers marking the fourth day at once (PostgreSQL, READ COMMITTED): the index refuses a
    second open case; a closed one does not count."""
    import peewee as pw

    case_id = mark(school, [("11-16", "11-19")]).opened
    kw = dict(school=school["school"].id, child=school["kid"], first_absent=D("11-16"), opened_on=D("11-19"))
    from models import db as dbmod

    with pytest.raises(pw.IntegrityError), dbmod.write():
        DropoutCase.create(**kw)
    DropoutCase.update(closed_on=D("11-20")).where(DropoutCase.id == case_id).execute()
    assert DropoutCase.create(**kw).id != case_id
