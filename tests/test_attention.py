"""需要关注 (models/attention.py): each rule's hits and plain-words reasons, the list, confirm and
dismiss with their effects (重点, cadences, the review duty, audit), rule tuning, and the fixed
number of queries — on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest

from models import attention, duties, scope
from models.entities import AttentionDecision, AttentionRule, AuditLog, Child, Classroom, Contact, Parent, School, Staff
from tests.conftest import add_child

pytestmark = pytest.mark.both_backends

TODAY = dt.date(2026, 11, 30)


@pytest.fixture
def school(db_path):
    s = School.create(name="测试小学", county="云岭县")
    teacher = Staff.create(school=s, name="李老师", role="class_teacher", login="banzhuren")
    other = Staff.create(school=s, name="周老师", role="class_teacher", login="zhou")
    counselor = Staff.create(school=s, name="雷老师", role="counselor", login="xinli")
    room = Classroom.create(school=s, grade=3, number=2, name="三年级2班", head_teacher=teacher)
    room_b = Classroom.create(school=s, grade=5, number=1, name="五年级1班", head_teacher=other)
    kid = add_child(s, room, "张小明")
    Parent.create(child=kid, relation="父亲", name="张大山", phone="13577778888", work_province="广东省")
    calm = add_child(s, room, "李小红")
    Parent.create(child=calm, relation="母亲", name="刘芳", phone="13577770000", work_province="浙江省")
    Contact.create(child=calm, staff=teacher, kind="家长电话", at=dt.datetime(2026, 11, 25, 19))
    far = add_child(s, room_b, "王小刚")
    Contact.create(child=far, staff=other, kind="家长电话", at=dt.datetime(2026, 11, 25, 19))
    return {"school": s, "teacher": teacher, "counselor": counselor, "room": room, "kid": kid, "calm": calm,
            "far": far, "viewer": scope.viewer_for(teacher)}


def talk(child, staff, day, **kw):
    values = dict(child=child, staff=staff, kind="谈心", at=dt.datetime(2026, 11, day, 10), content="聊天")
    values.update(kw)
    return Contact.create(**values)


def reasons_of(w, child="kid", day=TODAY):
    found, _ = attention.compute_reasons(day, viewer=scope.system_viewer(w["school"].id))
    return {r.rule: r.text for r in found.get(w[child].id, ())}


def _mood(w):
    for day, mood in ((2, "低落"), (16, "焦虑"), (28, "低落")):
        talk(w["kid"], w["teacher"], day, mood=mood)


def _mood_broken(w):
    for day, mood in ((2, "低落"), (16, "平静"), (28, "低落")):
        talk(w["kid"], w["teacher"], day, mood=mood)


def _mood_in_counselling(w):  # the counselor's notes are hers: never a reason
    for day in (2, 16, 28):
        talk(w["kid"], w["counselor"], day, kind="心理辅导", mood="低落")


def _safety(w):
    talk(w["kid"], w["teacher"], 20, concerns="安全")
    talk(w["kid"], w["teacher"], 27, concerns="心理、安全")


def _safety_far_apart(w):
    talk(w["kid"], w["teacher"], 2, concerns="安全")
    talk(w["kid"], w["teacher"], 27, concerns="安全")


def _unanswered(w):
    talk(w["kid"], w["teacher"], 1, kind="家长电话")  # reached, then three in a row unanswered
    for day in (10, 17, 24):
        talk(w["kid"], w["teacher"], day, kind="家长电话", reached=False)


def _unanswered_then_reached(w):
    for day in (10, 17):
        talk(w["kid"], w["teacher"], day, kind="家长电话", reached=False)
    talk(w["kid"], w["teacher"], 24, kind="亲情电话")


def _recent_call(w):
    talk(w["kid"], w["teacher"], 20, kind="亲情电话")


def _old_call(w):
    Contact.create(child=w["kid"], staff=w["teacher"], kind="家长电话", at=dt.datetime(2026, 10, 12, 19))


def _parents_home(w):
    Parent.update(away=False, returned_on=dt.date(2026, 9, 1)).where(Parent.child == w["kid"]).execute()


def _guardianship(w):
    """Assessed 差 on 11-18 through the record's save (its audit row dates it; a later edit of another
    field does not)."""
    from models import audit
    Child.update(guardianship_grade="差").where(Child.id == w["kid"].id).execute()
    audit.record("update", "child", w["kid"].id, staff_id=w["teacher"].id, at=dt.datetime(2026, 11, 18, 9),
                 old={"guardianship_grade": "一般"}, new={"guardianship_grade": "差"})
    audit.record("update", "child", w["kid"].id, staff_id=w["teacher"].id, at=dt.datetime(2026, 11, 25, 9),
                 old={"guardian_phone": "13800000000"}, new={"guardian_phone": "13800000001"})


RULE_CASES = [  # (history, rule that fires with its text, or None: nothing but 父母失联)
    (_mood, "情绪低落", "11-02、11-16、11-28 连续3次谈心情绪低落或焦虑"),
    (_mood_broken, "情绪低落", None),
    (_mood_in_counselling, "情绪低落", None),
    (_safety, "安全问题", "11-20、11-27 14天内2次谈到安全问题"),
    (_safety_far_apart, "安全问题", None),
    (_unanswered, "电话未接通", "11-10、11-17、11-24 家长电话连续3次未接通"),
    (_unanswered_then_reached, "电话未接通", None),
    (lambda w: None, "父母失联", "没有接通过父母的电话 (家长电话、亲情电话)"),
    (_old_call, "父母失联", "49天没有接通父母的电话 (上次 10-12)"),
    (_recent_call, "父母失联", None),
    (_parents_home, "父母失联", None),
    (_guardianship, "监护情况差", "监护情况评估为差 (11-18 记录)"),
]


@pytest.mark.parametrize("history,rule,text", RULE_CASES, ids=[f"{c[1]}-{i}" for i, c in enumerate(RULE_CASES)])
def test_each_rule_and_its_reason(school, history, rule, text):
    history(school)
    got = reasons_of(school)
    assert got.get(rule) == text
    assert reasons_of(school, "calm") == {}  # a reached call last week, no talks: nothing


def test_overdue_duties_pile_up(school):
    """No 谈心 and no 家长电话 all term: the duties are weeks overdue (each term starts the clocks)."""
    AttentionRule.update(threshold=2).where(AttentionRule.kind == "overdue").execute()
    text = reasons_of(school)["事项逾期"]
    assert text.startswith("2项事项逾期7天以上: ") and "每周谈心(09-08)" in text and "家长电话(09-15)" in text


def test_rules_are_tuned_and_audited(school):
    _mood(school)
    head = Staff.create(school=school["school"], name="潘校长", role="head", login="xiaozhang")
    with pytest.raises(scope.ForbiddenError):
        attention.update_attention_rule("情绪低落", viewer=school["viewer"], threshold=4)
    for bad in ({"threshold": 0}, {"window_days": 400}):
        with pytest.raises(attention.AttentionError):
            attention.update_attention_rule("情绪低落", viewer=scope.viewer_for(head), **bad)
    attention.update_attention_rule("情绪低落", viewer=scope.viewer_for(head), threshold=4)
    assert "情绪低落" not in reasons_of(school)  # three low talks no longer reach four
    row = AuditLog.get(AuditLog.table == "attention_rule")
    assert row.staff_id == head.id and '"threshold": 4' in row.new
    attention.update_attention_rule("情绪低落", viewer=scope.viewer_for(head), threshold=2, window_days=20)
    assert reasons_of(school)["情绪低落"] == "11-16、11-28 连续2次谈心情绪低落或焦虑"
    attention.update_attention_rule("情绪低落", viewer=scope.viewer_for(head), active=False)
    assert "情绪低落" not in reasons_of(school)


def test_confirm_marks_tightens_and_schedules_a_review(school):
    _mood(school)
    v, kid = school["viewer"], school["kid"]
    listed = attention.attention_list(TODAY, viewer=v)
    assert [f.name for f in listed] == ["张小明", "李小红"][:len(listed)] and listed[0].level == ""
    before = {d.rule_name for d in duties.open_duties(TODAY, viewer=v, child_id=kid.id, horizon_days=None)}
    assert "红色关注心理辅导" not in before and duties.REVIEW not in before
    attention.confirm(kid.id, viewer=v, level="红", review_on=dt.date(2026, 12, 14), on_date=TODAY)
    kid = Child.get_by_id(kid.id)
    assert (kid.attention_level, kid.attention_review_on, kid.key_target) == ("红", dt.date(2026, 12, 14), True)
    after = {d.rule_name: d for d in duties.open_duties(TODAY, viewer=v, child_id=kid.id, horizon_days=None)}
    assert {"红色关注心理辅导", "心理辅导", duties.REVIEW} <= set(after)  # 红: weekly; 重点: the monthly one
    assert after[duties.REVIEW].due == dt.date(2026, 12, 14)
    assert after["红色关注心理辅导"].due == TODAY + dt.timedelta(days=7)  # counted from the confirmation
    assert kid.attention_since == TODAY
    row = AttentionDecision.get(AttentionDecision.child == kid.id)
    assert row.decision == "confirm" and "连续3次谈心" in row.reasons
    assert AuditLog.select().where((AuditLog.table == "attention_decision") & (AuditLog.row_id == row.id)).exists()
    first = attention.attention_list(TODAY, viewer=v)[0]
    assert (first.name, first.level, first.review_on) == ("张小明", "红", dt.date(2026, 12, 14))
    # the counselor now sees him (重点帮扶对象) and his cadence duty; a volunteer paired with him sees neither label
    counselor = scope.viewer_for(school["counselor"])
    assert "红色关注心理辅导" in {d.rule_name for d in duties.open_duties(TODAY, viewer=counselor, horizon_days=None)}
    mama = Staff.create(school=school["school"], name="王妈妈", role="volunteer", login="aixinmama")
    from models.entities import Pairing
    Pairing.create(child=kid, kind="爱心妈妈", staff=mama, started_on=dt.date(2026, 9, 1))
    seen = {d.rule_name for d in duties.open_duties(TODAY, viewer=scope.viewer_for(mama), horizon_days=None)}
    assert seen and not seen & {"红色关注心理辅导", "黄色关注家长电话", duties.REVIEW}


def test_dismiss_hides_until_a_newer_date_and_ends_a_confirmation(school):
    _mood(school)
    v, kid = school["viewer"], school["kid"]
    attention.confirm(kid.id, viewer=v, level="黄", review_on=dt.date(2026, 12, 14), on_date=TODAY)
    with pytest.raises(attention.AttentionError, match="理由"):
        attention.dismiss(kid.id, viewer=v, reason="  ", on_date=TODAY)
    with pytest.raises(attention.AttentionError, match="U\\+001B"):
        attention.dismiss(kid.id, viewer=v, reason="好了\x1b[2J", on_date=TODAY)
    assert AttentionDecision.select().count() == 1  # nothing half-written
    attention.dismiss(kid.id, viewer=v, reason="家访后情况好转", on_date=TODAY)
    kid = Child.get_by_id(kid.id)
    assert (kid.attention_level, kid.attention_review_on, kid.key_target) == ("", None, False)
    names = [f.name for f in attention.attention_list(TODAY, viewer=v)]
    assert "张小明" not in names
    Contact.create(child=kid, staff=school["teacher"], kind="谈心", at=dt.datetime(2026, 12, 1, 10), mood="低落")
    later = attention.attention_list(dt.date(2026, 12, 2), viewer=v)  # a fourth low talk: a newer date
    assert later[0].name == "张小明" and "11-16、11-28、12-01" in later[0].reason_text


@pytest.mark.parametrize("level,review,message", [
    ("绿", dt.date(2026, 12, 14), "关注级别"),
    ("红", TODAY, "今天之后"),
    ("红", dt.date(2028, 1, 1), "一年之内"),
])
def test_bad_confirmations_are_refused(school, level, review, message):
    with pytest.raises(attention.AttentionError, match=message):
        attention.confirm(school["kid"].id, viewer=school["viewer"], level=level, review_on=review, on_date=TODAY)
    assert not AttentionDecision.select().exists() and Child.get_by_id(school["kid"].id).attention_level == ""


@pytest.mark.parametrize("text,expected", [
    ("12-20", dt.date(2026, 12, 20)), ("01-05", dt.date(2027, 1, 5)), ("2027-02-01", dt.date(2027, 2, 1)),
])
def test_review_dates_as_typed(text, expected):
    assert attention.parse_review_date(text, TODAY) == expected


@pytest.mark.parametrize("text", ["", "13-01", "明天", "2026/12/01"])
def test_bad_review_dates(text):
    with pytest.raises(attention.AttentionError, match="复查日期"):
        attention.parse_review_date(text, TODAY)


def test_scope_of_the_list(school):
    """A class teacher: her class; the counselor: the school; others: refused."""
    _guardianship(school)
    Child.update(guardianship_grade="差").where(Child.id == school["far"].id).execute()
    assert {f.name for f in attention.attention_list(TODAY, viewer=school["viewer"])} == {"张小明", "李小红"} - {"李小红"}
    counselor = scope.viewer_for(school["counselor"])
    assert {f.name for f in attention.attention_list(TODAY, viewer=counselor)} == {"张小明", "王小刚"}
    teacher = Staff.create(school=school["school"], name="赵老师", role="teacher", login="laoshi")
    with pytest.raises(scope.ForbiddenError, match="需要关注"):
        attention.attention_list(TODAY, viewer=scope.viewer_for(teacher))
    with pytest.raises(scope.ForbiddenError):
        attention.confirm(school["far"].id, viewer=school["viewer"], level="红", review_on=dt.date(2026, 12, 9),
                          on_date=TODAY)


def test_a_fixed_number_of_queries(school, monkeypatch):
    """Ten more children with histories (every rule firing) cost no more statements than one."""
    from models import db as dbmod

    db = dbmod.current()
    real = db.execute_sql

    def statements():
        calls = []

        def counting(sql, params=None, *a, **kw):
            calls.append(sql)
            return real(sql, params, *a, **kw)
        monkeypatch.setattr(db, "execute_sql", counting)
        found = attention.attention_list(TODAY, viewer=school["viewer"])
        monkeypatch.setattr(db, "execute_sql", real)
        return len(calls), len(found)

    _mood(school)
    few, listed_few = statements()
    for i in range(10):
        kid = add_child(school["school"], school["room"], f"孩子{i}", guardianship_grade="差")
        for day in (3, 10, 17):
            talk(kid, school["teacher"], day, mood="焦虑", concerns="安全")
            talk(kid, school["teacher"], day, kind="家长电话", reached=False)
    many, listed_many = statements()
    assert few == many <= 15 and listed_many == listed_few + 10


def test_the_monthly_sheet(school):
    _mood(school)
    v = school["viewer"]
    talk(school["kid"], school["teacher"], 29, kind="家长电话")
    attention.confirm(school["kid"].id, viewer=v, level="红", review_on=dt.date(2026, 12, 14), on_date=TODAY)
    rows = attention.monthly_sheet(TODAY.year, TODAY.month, viewer=v)
    assert len(rows) == 1 and rows[0].decision == "确认" and rows[0].level == "红" and rows[0].by == "李老师"
    assert rows[0].contacts == "家长电话 1、谈心 3" and "连续3次" in rows[0].reasons
    assert attention.monthly_sheet(2026, 10, viewer=v) == []


def test_purge_takes_the_decisions_and_blanks_their_audit(school):
    """A purged child's decisions go with it, and their audit rows keep no reason text."""
    from models import privacy

    _mood(school)
    kid = school["kid"]
    row = attention.confirm(kid.id, viewer=school["viewer"], level="黄", review_on=dt.date(2026, 12, 14),
                            on_date=TODAY)
    Child.update(status="转出", status_date=dt.date(2020, 7, 1), archived_at=dt.datetime(2020, 9, 1)).where(
        Child.id == kid.id).execute()
    admin = Staff.create(school=school["school"], name="管理员", role="admin", login="admin")
    privacy.purge(viewer=scope.viewer_for(admin), today=TODAY, child_ids=[kid.id])
    assert not AttentionDecision.select().where(AttentionDecision.id == row.id).exists()
    logged = AuditLog.get((AuditLog.table == "attention_decision") & (AuditLog.row_id == row.id))
    assert "情绪" not in logged.new


def test_the_monthly_sheet_on_paper(school, tmp_path):
    """The 预警与干预 workbook: a row per decision with its reasons and the month's contacts; a role
    that may not see labels is refused before any file is written; the export is audited."""
    import openpyxl

    from tui.export.attention import export_sheet

    _mood(school)
    v = school["viewer"]
    attention.confirm(school["kid"].id, viewer=v, level="红", review_on=dt.date(2026, 12, 14), on_date=TODAY)
    path = export_sheet(school["school"].id, 2026, 11, str(tmp_path / "sheet.xlsx"), viewer=v)
    ws = openpyxl.load_workbook(path).active
    assert "2026年11月 留守儿童预警与干预记录表" in ws.cell(1, 1).value and "确认 1 (红 1 黄 0)" in ws.cell(2, 1).value
    row = [c.value for c in ws[4]]
    assert row[2:6] == ["张小明", "三年级2班", "确认", "红"] and "连续3次谈心" in row[7] and row[9] == "谈心 3"
    assert AuditLog.select().where((AuditLog.table == "attention") & (AuditLog.action == "export")).count() == 1
    teacher = Staff.create(school=school["school"], name="赵老师", role="teacher", login="laoshi")
    with pytest.raises(scope.ForbiddenError):
        export_sheet(school["school"].id, 2026, 11, str(tmp_path / "no.xlsx"), viewer=scope.viewer_for(teacher))
    assert not (tmp_path / "no.xlsx").exists()


def test_the_most_pressing_signal_comes_first(school):
    """Undecided children by their first rule (a low mood before an assessment on file), then class."""
    _guardianship(school)  # 张小明, 三年级2班
    for day, mood in ((2, "低落"), (16, "焦虑"), (28, "低落")):  # 王小刚, 五年级1班
        talk(school["far"], school["teacher"], day, mood=mood)
    counselor = scope.viewer_for(school["counselor"])
    listed = attention.attention_list(TODAY, viewer=counselor)
    assert [f.name for f in listed] == ["王小刚", "张小明"]
    assert [r.rule for r in listed[0].reasons] == ["情绪低落"]


CLI_CASES = [  # (argv after --db, exit code, text expected in stdout or stderr)
    (("rules",), 0, "情绪低落\t需要关注\t连续3次谈心情绪低落或焦虑 (60天内)"),
    (("--user", "admin", "rules", "情绪低落", "--times", "4", "--days", "30"), 0,
     "情绪低落\t需要关注\t连续4次谈心情绪低落或焦虑 (30天内)"),
    (("--user", "admin", "rules", "父母失联", "--disable"), 0, "父母失联\t需要关注\t30天没有接通父母的电话\t(已停用)"),
    (("--user", "banzhuren", "rules", "情绪低落", "--times", "4"), 2, "只有管理员或校长"),
    (("--user", "admin", "rules", "情绪低落", "--times", "0"), 2, "次数应在 1 到 20 之间"),
    (("--user", "admin", "rules", "情绪低落", "--every", "3"), 2, "只能改 --times"),
    (("--user", "admin", "rules", "每周谈心", "--days", "3"), 2, "只用于需要关注的规则"),
    (("--user", "admin", "rules", "情绪低落"), 2, "需要一项修改"),
    (("--user", "xinli", "attention-sheet", "--month", "2026-13"), 2, "没有这个月份"),
    (("--user", "laoshi", "attention-sheet", "--month", "2026-11"), 2, "只有班主任"),
]


@pytest.mark.parametrize("argv,code,text", CLI_CASES, ids=[" ".join(c[0]) for c in CLI_CASES])
def test_the_commands(tmp_path, argv, code, text):
    import os
    import shutil
    from pathlib import Path

    from tests.cli_inprocess import run_cli  # guanai in this process

    root = Path(__file__).resolve().parent.parent
    db = tmp_path / "s.db"
    shutil.copyfile(root / "sample.db", db)
    db.chmod(0o600)
    tmp_path.chmod(0o700)
    done = run_cli("--db", str(db), *argv, cwd=str(tmp_path), env={**os.environ, "GUANAI_DB": ""})
    assert done.returncode == code, done.stderr
    assert text in (done.stdout if code == 0 else done.stderr)
    if code == 2:
        assert len(done.stderr.strip().splitlines()) == 1 and not list(tmp_path.glob("*.xlsx"))
