"""Roles and scope (models/scope.py): every role × every protected action, at the model layer,
on SQLite and on a real PostgreSQL server (the ``any_db`` fixture).

The school: class A (三年级2班, 班主任 李老师) with 小明 (帮扶教师 赵老师, 爱心妈妈 王妈妈) and 小红
(帮扶教师 the counselor 雷老师, who has a 心理辅导 note on 小红 by another counselor); class B with
小刚 (nobody's); an archived pupil who left in 2020 (purgeable). Each role acts on its "own" child
(the one it may see: 小红 for the counselor, 小明 for the others) and on 小刚.

Each write runs in a transaction that is rolled back, so the actions do not disturb each other.
"""
from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from models import audit, care_rules, children, contacts, db as dbmod, duties, handbook, pairings, privacy, roster
from models import dropout, protection, users
from models import calendar as cal
from models import scope as access
from models.calendar import birthdays
from models import attention
from models.contacts import LogFilter
from models.entities import AuditLog, Child, Classroom, Contact, Pairing, School, Staff
from models.scope import COUNSELLING_HIDDEN, ForbiddenError
from tests.conftest import add_child

pytestmark = pytest.mark.both_backends  # the model layer runs on SQLite and on PostgreSQL

TODAY = dt.date(2026, 11, 20)
ROLES = ("admin", "head", "class_teacher", "teacher", "counselor", "volunteer", "nobody", "county", "township")


@pytest.fixture
def world(any_db, tmp_path):
    s = School.create(name="测试小学", county="云岭县", township="城关镇")
    staff = {
        "admin": Staff.create(school=s, name="管理员", role="admin", login="admin"),
        "head": Staff.create(school=s, name="潘校长", role="head", login="xiaozhang"),
        "class_teacher": Staff.create(school=s, name="李老师", role="class_teacher", sex="女", login="banzhuren"),
        "teacher": Staff.create(school=s, name="赵老师", role="teacher", login="laoshi"),
        "counselor": Staff.create(school=s, name="雷老师", role="counselor", sex="女", login="xinli"),
        "volunteer": Staff.create(school=s, name="王妈妈", role="volunteer", sex="女", login="aixinmama"),
    }
    # the 县 and 乡镇 officers over the school (their rows are kept under it; their area decides)
    staff["county"] = Staff.create(school=s, name="县教育局", role="county", login="xian", area="云岭县")
    staff["township"] = Staff.create(school=s, name="镇中心校", role="township", login="zhen", area="城关镇")
    other_counselor = Staff.create(school=s, name="田老师", role="counselor", login="tianfang")
    other_teacher = Staff.create(school=s, name="周老师", role="class_teacher", login="zhou")
    room_a = Classroom.create(school=s, grade=3, number=2, name="三年级2班", head_teacher=staff["class_teacher"])
    room_b = Classroom.create(school=s, grade=5, number=1, name="五年级1班", head_teacher=other_teacher)
    x = add_child(s, room_a, "张小明", id_number="510722201605010015", birth_date=dt.date(2016, 5, 1),
                  guardian_phone="13812345678")
    y = add_child(s, room_a, "李小红", sex="女", birth_date=dt.date(2016, 11, 21))
    z = add_child(s, room_b, "王小刚", birth_date=dt.date(2015, 11, 22))
    old = add_child(s, room_b, "陈旧", status="毕业", status_date=dt.date(2020, 7, 1),
                    archived_at=dt.datetime(2020, 9, 1))
    for kid, kind, who in ((x, "帮扶教师", "teacher"), (x, "爱心妈妈", "volunteer"), (y, "帮扶教师", "counselor")):
        Pairing.create(child=kid, kind=kind, staff=staff[who], started_on=dt.date(2026, 9, 1))
    for kid in (x, y, z):
        Contact.create(child=kid, staff=other_teacher, kind="谈心", at=dt.datetime(2026, 11, 2, 9), content="谈学习")
    note = Contact.create(child=y, staff=other_counselor, kind="心理辅导", at=dt.datetime(2026, 11, 3, 10),
                          content="父母离异, 很难过", effect="平静下来", follow_up="下周再谈")
    viewers = {role: access.viewer_for(st) for role, st in staff.items()}
    viewers["nobody"] = access.viewer_for(None, school_id=s.id)
    out = tmp_path / "out"  # the exports' folder (the SQLite file is in tmp_path)
    out.mkdir()
    return {"school": s, "staff": staff, "viewers": viewers, "rooms": (room_a, room_b),
            "kids": {"x": x, "y": y, "z": z, "old": old}, "note": note, "target": any_db, "tmp": out}


class _Rollback(Exception):
    pass


def attempt(fn):
    """True when allowed (the change rolled back), False on ForbiddenError; other results as returned."""
    box = []
    try:
        with dbmod.write():
            box.append(fn())
            raise _Rollback
    except _Rollback:
        pass
    except ForbiddenError:
        return False
    result = box[0]
    return True if result is None else result


def own(w, role):
    return w["kids"]["y"] if role == "counselor" else w["kids"]["x"]


# --------------------------------------------------------------------------- the actions


def read_roster(w, v, role):
    return {r.name for r in roster.roster_rows(w["school"].id, viewer=v)}


def read_talk_log(w, v, role):
    return {r.child_name for r in contacts.log_rows(w["school"].id, LogFilter(), viewer=v)[0]}


def read_due_list(w, v, role):
    return {d.child_name for d in duties.open_duties(TODAY, viewer=v, school_id=w["school"].id)}


def read_board(w, v, role):
    board = pairings.load_board(w["school"].id, "帮扶教师", viewer=v)
    return {c.name for c, _ in board.children()}


def read_birthdays(w, v, role):
    return {b.name for b in birthdays(w["school"].id, TODAY, TODAY + dt.timedelta(days=3), viewer=v)}


def read_detail_own(w, v, role):
    return attempt(lambda: children.child_detail(own(w, role).id, viewer=v) and None)


def read_detail_other(w, v, role):
    return attempt(lambda: children.child_detail(w["kids"]["z"].id, viewer=v) and None)


def read_counselling_note(w, v, role):
    """'content', 'hidden' (the note is listed, its text is not) or False (the child is out of scope)."""
    def look():
        rows = contacts.log_rows(w["school"].id, LogFilter(kind="心理辅导"), viewer=v)[0]
        detail = children.child_detail(w["kids"]["y"].id, viewer=v)
        shown = {r.first_line for r in rows} | {c["summary"] for c in detail["contacts"] if c["kind"] == "心理辅导"}
        assert len(shown) == 1, shown
        return "hidden" if shown == {COUNSELLING_HIDDEN} else "content" if shown == {"父母离异, 很难过"} else shown
    return attempt(look)


def save_child(w, v, role):
    kid = own(w, role)
    values, errors = children.validate_child(dict(children.load_form_values(kid.id), address="新地址"),
                                             child_id=kid.id, today=TODAY)
    assert not errors
    return attempt(lambda: children.save_child(values, child_id=kid.id, school_id=w["school"].id,
                                               staff_id=v.staff_id, viewer=v) and None)


def create_contact_own(w, v, role):
    values = {"kind": "谈心", "at": dt.datetime(2026, 11, 19, 10), "content": "新的谈话"}
    return attempt(lambda: contacts.create_contacts(values, [own(w, role).id], staff_id=v.staff_id, viewer=v)
                   and None)


def create_contact_other(w, v, role):
    values = {"kind": "谈心", "at": dt.datetime(2026, 11, 19, 10), "content": "新的谈话"}
    return attempt(lambda: contacts.create_contacts(values, [w["kids"]["z"].id], staff_id=v.staff_id, viewer=v)
                   and None)


def update_contact_own(w, v, role):
    c = Contact.get((Contact.child == own(w, role).id) & (Contact.kind == "谈心"))
    return attempt(lambda: contacts.update_contact(c.id, {"content": "改过的"}, staff_id=v.staff_id, viewer=v))


def update_counselling_note(w, v, role):
    return attempt(lambda: contacts.update_contact(w["note"].id, {"content": "改过的"}, staff_id=v.staff_id,
                                                   viewer=v))


def change_pairing(w, v, role):
    kid = w["kids"]["x"]
    return attempt(lambda: pairings.assign(w["school"].id, kid.id, "学习帮手", ("child", w["kids"]["y"].id),
                                           viewer=v, staff_id=v.staff_id, today=TODAY) and None)


def export_whole_school(w, v, role):
    # no class named: the whole school for admin and head; a class teacher gets her own class, not the school
    return attempt(lambda: None if handbook.make_scope(w["school"].id, "2026-11", viewer=v,
                                                       today=TODAY).class_name == "" else False)


def export_own_class(w, v, role):
    return attempt(lambda: handbook.make_scope(w["school"].id, "2026-11", viewer=v, class_name="三年级2班",
                                               today=TODAY) and None)


def unmask(w, v, role):
    kid = w["kids"]["x"]

    def look():
        full = privacy.reveal_numbers(kid.id, viewer=v)
        assert full["id_number"] == "510722201605010015" and full["guardian_phone"] == "13812345678"
        row = AuditLog.select().where(AuditLog.action == "unmask").order_by(AuditLog.id.desc()).get()
        assert (row.table, row.row_id, row.staff_id) == ("child", kid.id, v.staff_id)
        fields = json.loads(row.new)["fields"]
        assert {"id_number", "guardian_phone"} <= set(fields)
        assert "13812345678" not in row.new and "510722201605010015" not in row.new  # which fields, not values
    return attempt(look)


def purge(w, v, role):
    def run():
        result = privacy.purge(viewer=v, today=TODAY, vacuum=False)
        assert result.children == 1 and not Child.select().where(Child.id == w["kids"]["old"].id).exists()
        row = AuditLog.get(AuditLog.action == "purge")
        assert row.staff_id == v.staff_id and "陈旧" not in row.new and json.loads(row.new)["children"] == 1
    return attempt(run)


def read_audit_counselling(w, v, role):
    """What the audit log shows of a 心理辅导 note's change: 'content' or 'hidden'."""
    def look():
        contacts.update_contact(w["note"].id, {"content": "新写的辅导记录", "effect": "好些了"},
                                staff_id=None, viewer=w["viewers"]["counselor"])
        rows = [e for e in audit.entries(table="contact", viewer=v) if e.row_id == w["note"].id]
        lines = " ".join(audit.format_line(e) for e in rows)
        assert len(rows) == 1 and "content" in rows[0].new
        found = [e.id for e in audit.entries(text="新写的", viewer=v)]  # no probing by hidden words
        if "新写的辅导记录" in lines and "父母离异" in lines and "好些了" in lines and found:
            return "content"
        assert "新写的" not in lines and "父母离异" not in lines and "好些了" not in lines and not found
        assert COUNSELLING_HIDDEN in lines
        return "hidden"
    return attempt(look)


def _school_event(w, **extra) -> int:
    """A school-wide series the admin created (organiser 政教处 unless given)."""
    values = {"title": "升旗仪式", "kind": "活动", "start_date": dt.date(2026, 11, 2), "organiser": "政教处",
              "rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=10", **extra}
    return cal.create_event(values, school_id=w["school"].id, viewer=w["viewers"]["admin"])


def create_event(w, v, role):
    return attempt(lambda: cal.create_event({"title": "家长会", "kind": "会议", "start_date": TODAY},
                                            school_id=w["school"].id, viewer=v) and None)


def edit_school_event(w, v, role):
    def run():
        sid = _school_event(w)
        cal.update_series(sid, {"title": "改过的", "kind": "活动", "start_date": dt.date(2026, 11, 2),
                                "organiser": "政教处", "rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=10"}, viewer=v)
    return attempt(run)


def delete_school_series(w, v, role):
    return attempt(lambda: cal.delete_event(_school_event(w), viewer=v))


def delete_school_date(w, v, role):
    return attempt(lambda: cal.cancel_occurrence(_school_event(w), dt.date(2026, 11, 9), viewer=v))


def edit_school_date(w, v, role):
    def run():
        cal.save_occurrence(_school_event(w), dt.date(2026, 11, 9), {"title": "改到操场", "kind": "活动",
                            "start_date": dt.date(2026, 11, 9), "place": "操场"}, viewer=v)
    return attempt(run)


def change_organised_series(w, v, role):
    """The admin put the viewer down as organiser: edit one date, delete one date, delete all."""
    def run():
        sid = _school_event(w, organiser=v.name or "无名")
        cal.save_occurrence(sid, dt.date(2026, 11, 9), {"title": "改", "kind": "活动",
                            "start_date": dt.date(2026, 11, 9), "organiser": v.name}, viewer=v)
        cal.cancel_occurrence(sid, dt.date(2026, 11, 16), viewer=v)
        cal.delete_event(sid, viewer=v)
    return attempt(run)


def change_created_event(w, v, role):
    """An event the viewer created (written here as the system, naming the viewer as creator)."""
    def run():
        eid = cal.create_event({"title": "兴趣小组", "kind": "活动", "start_date": TODAY},
                               school_id=w["school"].id, viewer=access.system_viewer(), staff_id=v.staff_id)
        cal.update_series(eid, {"title": "兴趣小组活动", "kind": "活动", "start_date": TODAY}, viewer=v)
        cal.delete_event(eid, viewer=v)
    return attempt(run)


def mark_attendance_school_event(w, v, role):
    return attempt(lambda: cal.set_attendance(_school_event(w), dt.date(2026, 11, 9), [own(w, role).id], viewer=v)
                   and None)


def write_term_plan(w, v, role):
    def run():
        term = cal.default_term(cal.AUTUMN, 2026)
        items = [i for i in cal.plan_items(term, school_id=w["school"].id) if i.day.month == 10][:2]
        assert items
        cal.write_plan(items, school_id=w["school"].id, viewer=v)
    return attempt(run)


def export_unmasked(w, v, role):
    """The exporter itself refuses whole numbers to anyone but the admin (no CLI or checkbox asked)."""
    from tui import export

    def run():
        scope = dataclasses.replace(handbook.make_scope(w["school"].id, "2026-11", viewer=access.system_viewer(),
                                                        class_name="三年级2班", today=TODAY), viewer=v)
        path = w["tmp"] / f"{role}.xlsx"
        export.export_handbook(scope, str(path), unmask=True, staff_id=v.staff_id)
        assert path.exists()
    return attempt(run)


def edit_rule(w, v, role):
    return attempt(lambda: care_rules.update_rule("每周谈心", viewer=v, interval_days=10) and None)


def set_retention(w, v, role):
    return attempt(lambda: privacy.set_retention_years(w["school"].id, 5, viewer=v))


def manage_logins(w, v, role):
    """users.* take the acting staff row; its role is judged by scope.is_admin all the same."""
    try:
        return attempt(lambda: users.reset_pin("zhou", None, by=w["staff"].get(role)) and None)
    except users.UserError:
        return False


REPORT = {"situations": ["家庭暴力"], "found_at": "2026-11-19 09:00", "facts": "手臂上有淤青", "path": "学校"}


def report_filed_by(filer):
    """The viewer opens a 强制报告 on 小明 that ``filer`` (the class teacher or his 帮扶 teacher) filed."""
    def action(w, v, role):
        def look():
            rid = protection.create_report(REPORT, w["kids"]["x"].id, viewer=w["viewers"][filer])
            view = protection.report_detail(rid, viewer=v)
            assert view.reporter == w["staff"][filer].name
            listed = [r.id for r in protection.report_rows(w["school"].id, viewer=v)]
            assert listed == [rid]
        return attempt(look)
    action.__name__ = f"read_report_filed_by_{filer}"
    return action


def file_report_own(w, v, role):
    return attempt(lambda: protection.create_report(REPORT, own(w, role).id, viewer=v) and None)


def file_report_other(w, v, role):
    return attempt(lambda: protection.create_report(REPORT, w["kids"]["z"].id, viewer=v) and None)


def confirm_report(w, v, role):
    def run():
        rid = protection.create_report(REPORT, w["kids"]["x"].id, viewer=w["viewers"]["class_teacher"])
        protection.confirm_report(rid, viewer=v)
    return attempt(run)


def report_register(w, v, role):
    def run():
        protection.register_rows(w["school"].id, dt.date(2026, 9, 1), dt.date(2027, 1, 31), viewer=v)
    return attempt(run)


def record_intervention_own(w, v, role):
    return attempt(lambda: protection.create_intervention({"reason": "监护情况差", "director": "王主任"},
                                                          own(w, role).id, viewer=v, today=TODAY) and None)


def protection_on_child_page(w, v, role):
    """小明's page (children.child_detail): how many of his 强制报告 (one filed by the class teacher,
    one by his 帮扶 teacher) and 监护干预 it lists — reports for their reporter and the head (the counselor,
    who sees every report, does not see 小明)."""
    def run():
        x = w["kids"]["x"].id
        for filer in ("class_teacher", "teacher"):
            protection.create_report(REPORT, x, viewer=w["viewers"][filer])
        protection.create_intervention({"reason": "监护情况差", "director": "王主任"}, x,
                                       viewer=w["viewers"]["class_teacher"], today=TODAY)
        d = children.child_detail(x, viewer=v)
        return len(d["reports"]), len(d["interventions"])
    return attempt(run)


def predicate(name, *args):
    """A scope predicate as a matrix row; ``"A"``/``"B"`` stand for the two classes' ids."""
    def action(w, v, role):
        ids = {"A": w["rooms"][0].id, "B": w["rooms"][1].id, "S": w["school"].id}
        result = getattr(access, name)(v, *(ids.get(a, a) for a in args))
        if isinstance(result, bool) or result is None:
            return result
        return {ids["A"]: "A", ids["B"]: "B"}.get(result, result)  # a class id
    action.__name__ = "_".join([name, *map(str, args)])
    return action


def search_digits(query):
    def action(w, v, role):
        return {r.name for r in roster.search(roster.roster_rows(w["school"].id, viewer=v), query)}
    action.__name__ = f"search_digits_{query}"
    return action


def _flag_everyone(w):
    """Every child of the world has a 需要关注 reason (监护情况评估 差), 小明 confirmed 红 with a review."""
    Child.update(guardianship_grade="差").execute()
    Child.update(attention_level="红", attention_review_on=TODAY + dt.timedelta(days=3), key_target=True).where(
        Child.id == w["kids"]["x"].id).execute()


def read_attention_list(w, v, role):
    def run():
        _flag_everyone(w)
        return {f.name for f in attention.attention_list(TODAY, viewer=v, school_id=w["school"].id)}
    return attempt(run)


def confirm_attention_other(w, v, role):
    """Confirm 王小刚 (class B, nobody's): the school's roles and the counselor, not 小明's class teacher."""
    return attempt(lambda: attention.confirm(w["kids"]["z"].id, viewer=v, level="黄", on_date=TODAY,
                                             review_on=TODAY + dt.timedelta(days=14)) and None)


def dismiss_attention_own(w, v, role):
    return attempt(lambda: attention.dismiss(w["kids"]["x"].id, viewer=v, reason="误报", on_date=TODAY) and None)


def attention_labels_in_due_list(w, v, role):
    """The level's cadence duty and the review duty show only to who may see the label."""
    def run():
        _flag_everyone(w)
        return {d.rule_name for d in duties.open_duties(TODAY, viewer=v, school_id=w["school"].id, horizon_days=None)
                if d.rule_name in ("红色关注心理辅导", duties.REVIEW)}
    return attempt(run)


def attention_mark_in_roster(w, v, role):
    def run():
        _flag_everyone(w)
        return {r.name for r in roster.roster_rows(w["school"].id, viewer=v) if "红" in r.flags}
    return attempt(run)


def attention_on_child_page(w, v, role):
    """小明's page (children.child_detail) carries his level only for who may see labels."""
    def run():
        _flag_everyone(w)
        return children.child_detail(w["kids"]["x"].id, viewer=v)["child"]["attention_level"]
    return attempt(run)


def tune_attention_rule(w, v, role):
    return attempt(lambda: attention.update_attention_rule("情绪低落", viewer=v, threshold=4) and None)


def mark_absent(key):
    """Mark a child absent on TODAY (a Friday of the term): 小明 is everyone's own but the counselor's."""
    def action(w, v, role):
        kid = own(w, role) if key == "own" else w["kids"]["z"]
        return attempt(lambda: dropout.mark_absent(kid.id, TODAY, reason="无故缺课", viewer=v, today=TODAY) and None)
    action.__name__ = f"mark_absent_{key}"
    return action


def _open_cases(w):
    """A 辍学风险 case for each of 小明, 小红 and 小刚 (four school days absent up to TODAY)."""
    system = access.system_viewer(w["school"].id)
    return {name: dropout.mark_absent(w["kids"][name].id, TODAY - dt.timedelta(days=3), TODAY, reason="无故缺课",
                                      viewer=system, today=TODAY).opened for name in ("x", "y", "z")}


def read_dropout_cases(w, v, role):
    def run():
        _open_cases(w)
        return {c.child_name for c in dropout.cases(viewer=v, school_id=w["school"].id)}
    return attempt(run)


def dropout_duties_in_due_list(w, v, role):
    def run():
        _open_cases(w)
        return {d.child_name for d in duties.open_duties(TODAY, viewer=v, kind=dropout.VERIFY_DUTY)}
    return attempt(run)


def log_attempt_own(w, v, role):
    def run():
        case = _open_cases(w)["y" if role == "counselor" else "x"]
        dropout.add_attempt(case, {"method": "家访", "outcome": "无效", "cadre": "王村长"}, viewer=v, today=TODAY)
    return attempt(run)


def confirm_dropout_own(w, v, role):
    return attempt(lambda: dropout.confirm_dropout(_open_cases(w)["x"], viewer=v, today=TODAY))


def dropout_sheet_school(w, v, role):
    return attempt(lambda: dropout.monthly_sheet(2026, 11, viewer=v, school_id=w["school"].id) and None)


WHOLE = {"张小明", "李小红", "王小刚"}
LABELS = {"红色关注心理辅导", duties.REVIEW}
ACTIONS = {  # action: expected per role, in ROLES order
    read_roster: (WHOLE, WHOLE, {"张小明", "李小红"}, {"张小明"}, {"李小红"}, {"张小明"}, set()),
    read_talk_log: (WHOLE, WHOLE, {"张小明", "李小红"}, {"张小明"}, {"李小红"}, {"张小明"}, set()),
    read_due_list: (WHOLE, WHOLE, {"张小明", "李小红"}, {"张小明"}, {"李小红"}, {"张小明"}, set()),
    read_board: (WHOLE, WHOLE, {"张小明", "李小红"}, {"张小明"}, {"李小红"}, {"张小明"}, set()),
    read_birthdays: ({"李小红", "王小刚"}, {"李小红", "王小刚"}, {"李小红"}, set(), {"李小红"}, set(), set()),
    read_detail_own: (True, True, True, True, True, True, False),
    read_detail_other: (True, True, False, False, False, False, False),
    read_counselling_note: ("hidden", "hidden", "hidden", False, "content", False, False),
    save_child: (True, True, True, False, False, False, False),
    create_contact_own: (True, True, True, True, True, True, False),
    create_contact_other: (True, True, False, False, False, False, False),
    update_contact_own: (True, True, True, True, True, True, False),
    update_counselling_note: (False, False, False, False, True, False, False),
    change_pairing: (True, True, True, False, False, False, False),
    export_whole_school: (True, True, False, False, False, False, False),
    export_own_class: (True, True, True, False, False, False, False),
    unmask: (True, True, True, False, False, False, False),
    purge: (True, False, False, False, False, False, False),
    read_audit_counselling: ("hidden", "hidden", "hidden", "hidden", "content", "hidden", "hidden"),
    create_event: (True, True, True, True, True, False, False),
    edit_school_event: (True, True, False, False, False, False, False),
    delete_school_series: (True, True, False, False, False, False, False),
    delete_school_date: (True, True, False, False, False, False, False),
    edit_school_date: (True, True, False, False, False, False, False),
    change_organised_series: (True, True, True, True, True, True, False),
    change_created_event: (True, True, True, True, True, True, False),
    mark_attendance_school_event: (True, True, True, False, False, False, False),
    write_term_plan: (True, True, False, False, False, False, False),
    # 小明's 身份证号 510722201605010015 and guardian phone 13812345678: whole-number digits match
    # only for who may unmask them; the digits every screen shows (phone's last four) for all who see him
    search_digits("20160501"): ({"张小明"}, {"张小明"}, {"张小明"}, set(), set(), set(), set()),
    search_digits("13812345678"): ({"张小明"}, {"张小明"}, {"张小明"}, set(), set(), set(), set()),
    search_digits("2345"): ({"张小明"}, {"张小明"}, {"张小明"}, set(), set(), set(), set()),
    search_digits("5678"): ({"张小明"}, {"张小明"}, {"张小明"}, {"张小明"}, set(), {"张小明"}, set()),
    # the administration and class predicates, and the model/export functions that call them
    export_unmasked: (True, False, False, False, False, False, False),
    edit_rule: (True, True, False, False, False, False, False),
    set_retention: (True, False, False, False, False, False, False),
    manage_logins: (True, False, False, False, False, False, False),
    predicate("is_admin"): (True, False, False, False, False, False, False),
    predicate("may_unmask_export"): (True, False, False, False, False, False, False),
    predicate("may_edit_rules"): (True, True, False, False, False, False, False),
    predicate("starts_on_due_list"): (False, False, True, True, True, True, False),
    predicate("may_create_children"): (True, True, True, False, False, False, False),
    predicate("own_class"): (None, None, "A", None, None, None, None),
    predicate("may_import_into", "A"): (True, True, True, False, False, False, False),
    predicate("may_import_into", "B"): (True, True, False, False, False, False, False),
    predicate("may_pair_class", "A"): (True, True, True, False, False, False, False),
    predicate("may_pair_class", "B"): (True, True, False, False, False, False, False),
    predicate("may_export_handbook", None): (True, True, False, False, False, False, False),
    predicate("may_export_handbook", "A"): (True, True, True, False, False, False, False),
    predicate("may_export_handbook", "B"): (True, True, False, False, False, False, False),
    # 需要关注: the class teacher her class, the counselor and the school's roles the school; labels
    # (the list, the level's duties, the roster's 红) never reach a 任课教师 or an 爱心妈妈
    read_attention_list: (WHOLE, WHOLE, {"张小明", "李小红"}, False, WHOLE, False, False),
    confirm_attention_other: (True, True, False, False, True, False, False),
    dismiss_attention_own: (True, True, True, False, True, False, False),
    attention_labels_in_due_list: (LABELS, LABELS, LABELS, set(), LABELS, set(), set()),
    attention_mark_in_roster: ({"张小明"}, {"张小明"}, {"张小明"}, set(), {"张小明"}, set(), set()),
    attention_on_child_page: ("红", "红", "红", "", "红", "", False),
    tune_attention_rule: (True, True, False, False, False, False, False),
    predicate("may_see_attention"): (True, True, True, False, True, False, False),
    predicate("sees_whole", "S"): (True, True, None, None, None, None, None),
    # 强制报告: the reporter, the head and the counselor see a report (and who filed it); not the
    # admin, not the class teacher unless she filed it; the head confirms; anyone who sees a child files
    report_filed_by("class_teacher"): (False, True, True, False, True, False, False),
    report_filed_by("teacher"): (False, True, False, True, True, False, False),
    file_report_own: (True, True, True, True, True, True, False),
    file_report_other: (True, True, False, False, False, False, False),
    confirm_report: (False, True, False, False, False, False, False),
    report_register: (False, True, False, False, True, False, False),
    record_intervention_own: (True, True, True, True, True, True, False),
    protection_on_child_page: ((0, 1), (2, 1), (1, 1), (1, 1), False, (0, 1), False),
    predicate("sees_report_banner"): (True, True, False, False, False, False, False),
    predicate("banner_names_children"): (False, True, False, False, False, False, False),
    # 控辍保学: whoever sees a child marks its absences and follows its case, never a volunteer; the head
    # confirms 辍学; the monthly sheet goes as the handbook (the school for admin and head, a class for its 班主任)
    mark_absent("own"): (True, True, True, True, True, False, False),
    mark_absent("other"): (True, True, False, False, False, False, False),
    read_dropout_cases: (WHOLE, WHOLE, {"张小明", "李小红"}, {"张小明"}, {"李小红"}, set(), set()),
    dropout_duties_in_due_list: (WHOLE, WHOLE, {"张小明", "李小红"}, {"张小明"}, {"李小红"}, set(), set()),
    log_attempt_own: (True, True, True, True, True, False, False),
    confirm_dropout_own: (False, True, False, False, False, False, False),
    dropout_sheet_school: (True, True, False, False, False, False, False),
    predicate("may_mark_absence"): (True, True, True, True, True, False, False),
    predicate("may_export_dropout", "A"): (True, True, True, False, False, False, False),
    predicate("may_export_dropout", "B"): (True, True, False, False, False, False, False),
}


# 县 and 乡镇 (the same for both): every child of the area's schools, read-only, masked (the digits every
# screen shows only), no 心理辅导 text, no report, no 需要关注 label, no absence; every write refused
AREA = {  # the actions whose answer is not False (refused)
    "read_roster": WHOLE, "read_talk_log": WHOLE, "read_due_list": WHOLE, "read_board": WHOLE,
    "read_birthdays": {"李小红", "王小刚"}, "read_detail_own": True, "read_detail_other": True,
    "read_counselling_note": "hidden", "read_audit_counselling": "hidden",
    "search_digits_20160501": set(), "search_digits_13812345678": set(), "search_digits_2345": set(),
    "search_digits_5678": {"张小明"}, "own_class": None, "sees_whole_S": None,
    "attention_labels_in_due_list": set(), "attention_mark_in_roster": set(), "attention_on_child_page": "",
    "protection_on_child_page": (0, 1), "read_dropout_cases": set(), "dropout_duties_in_due_list": set(),
}
ACTIONS = {fn: row + (AREA.get(fn.__name__, False),) * 2 for fn, row in ACTIONS.items()}


@pytest.mark.parametrize("role", ROLES)
def test_role_action_matrix(world, role):
    v = world["viewers"][role]
    got = {fn.__name__: fn(world, v, role) for fn in ACTIONS}
    expected = {fn.__name__: row[ROLES.index(role)] for fn, row in ACTIONS.items()}
    assert got == expected
    assert not AuditLog.select().where(AuditLog.action.in_(["unmask", "purge", "export"])).exists()  # all rolled back


def test_forbidden_message_is_chinese_and_nothing_is_written(world):
    v = world["viewers"]["teacher"]
    before = Contact.select().count()
    with pytest.raises(ForbiddenError, match="你没有权限查看/修改这个孩子的档案"):
        contacts.create_contacts({"kind": "谈心", "at": dt.datetime(2026, 11, 19, 10), "content": "x"},
                                 [world["kids"]["x"].id, world["kids"]["z"].id], staff_id=v.staff_id, viewer=v)
    assert Contact.select().count() == before  # a group talk is all or nothing


def test_viewers(world):
    vs = world["viewers"]
    assert vs["admin"].whole_school and vs["head"].whole_school
    assert vs["class_teacher"].class_ids == {world["rooms"][0].id}
    assert vs["nobody"].nobody and vs["nobody"].explanation()
    assert access.viewer_for(None, school_id=world["school"].id).role == "" and access.has_any_login()
    Staff.update(active=False).execute()  # a database being set up: nobody could sign in
    assert access.viewer_for(None, school_id=world["school"].id).role == access.BOOTSTRAP


def test_a_pairing_that_ends_takes_the_child_out_of_scope(world):
    v = world["viewers"]["teacher"]
    p = Pairing.get((Pairing.staff == world["staff"]["teacher"].id))
    pairings.end_pairing(p.id, "教师调动", viewer=world["viewers"]["head"], on_date=TODAY)
    assert roster.roster_rows(world["school"].id, viewer=v) == []
    with pytest.raises(ForbiddenError):
        children.child_detail(world["kids"]["x"].id, viewer=v)


def test_drafts_follow_the_scope(world):
    from models import drafts

    v = world["viewers"]["volunteer"]
    drafts.save_draft(v.staff_id, "talk", f"child:{world['kids']['x'].id}", {"form": {}}, viewer=v)
    with pytest.raises(ForbiddenError):
        drafts.save_draft(v.staff_id, "talk", f"child:{world['kids']['z'].id}", {"form": {}}, viewer=v)
    with pytest.raises(ForbiddenError):
        drafts.load_draft(v.staff_id, "talk", f"contact:{world['note'].id}", viewer=world["viewers"]["class_teacher"])


def test_opening_the_edit_form_is_an_audited_look(world):
    v = world["viewers"]["class_teacher"]
    values = children.open_form(world["kids"]["x"].id, viewer=v)
    assert values["id_number"] == "510722201605010015"
    row = AuditLog.get(AuditLog.action == "unmask")
    assert row.row_id == world["kids"]["x"].id and json.loads(row.new)["via"] == "修改表单"
    with pytest.raises(ForbiddenError):
        children.open_form(world["kids"]["x"].id, viewer=world["viewers"]["teacher"])
    assert children.open_form(None, viewer=v)["classroom"] == world["rooms"][0].id  # new: in their class


def test_the_handbook_hides_counselling_content(world):
    scope = handbook.make_scope(world["school"].id, "2026-11", viewer=world["viewers"]["head"], today=TODAY)
    rows = list(handbook.contact_rows(scope, ("心理辅导",)))
    assert [(r.child_name, r.content, r.follow_up) for r in rows] == [("李小红", COUNSELLING_HIDDEN, "")]
    scope = handbook.make_scope(world["school"].id, "2026-11", viewer=world["viewers"]["class_teacher"],
                                class_name="三年级2班", today=TODAY)
    assert {r.name for r in handbook.registration_rows(scope)} == {"张小明", "李小红"}
    with pytest.raises(ForbiddenError, match="自己班级"):
        handbook.make_scope(world["school"].id, "2026-11", viewer=world["viewers"]["class_teacher"],
                            class_name="五年级1班", today=TODAY)


def test_audit_record_names_the_unmasked_fields_only(world):
    v = world["viewers"]["head"]
    privacy.reveal_numbers(world["kids"]["x"].id, viewer=v)
    e = [e for e in audit.entries(action="unmask")]
    assert len(e) == 1 and "13812345678" not in audit.format_line(e[0])


async def test_a_session_without_a_staff_member_sees_nothing_but_why(tiny_school):
    from screens.roster import RosterScreen
    from tui.app import GuanaiApp
    from tui.context import Session

    school = tiny_school["school"]
    app = GuanaiApp(Session(target=tiny_school["path"], school_id=school.id, staff_id=None, staff_name="",
                            school_name=school.name))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, RosterScreen) and app.screen.rows == []
        assert any("没有找到与你对应的教职工账号" in n.message for n in app._notifications)


@pytest.mark.parametrize("role", ROLES)
def test_history_of_a_note_that_was_counselling_stays_hidden(world, role):
    """A counselor re-files a 心理辅导 note as 谈心: the note's history still keeps the
    counselling text from everyone but a counselor (and its author)."""
    note, counselor = world["note"], world["staff"]["counselor"]
    contacts.update_contact(note.id, {"kind": "谈心", "content": "已转为一般谈心"}, staff_id=counselor.id,
                            viewer=world["viewers"]["counselor"])
    viewer = world["viewers"][role]
    try:
        history = contacts.contact_history(note.id, viewer=viewer)
    except ForbiddenError:
        # 小红 is not theirs to see at all; a 县/乡镇 officer reads no talk's history
        assert role in ("teacher", "volunteer", "nobody", "county", "township")
        return
    texts = json.dumps(history, ensure_ascii=False, default=str)
    if role == "counselor":
        assert "父母离异" in texts
    else:
        assert "父母离异" not in texts and COUNSELLING_HIDDEN in texts
    assert all(r["new"].get("kind") in (None, "谈心") for r in history)  # the facts stay readable


STAFF_ROLES = ("admin", "head", "class_teacher", "teacher", "counselor", "volunteer")


@pytest.mark.parametrize("predicate, expected", [  # what a staff row's role means, in STAFF_ROLES order
    (access.is_admin_role, (True, False, False, False, False, False)),
    (access.role_heads_class, (False, False, True, False, False, False)),
    (access.is_volunteer_role, (False, False, False, False, False, True)),
    (access.teaches_subjects, (False, False, True, True, False, False)),
])
def test_staff_role_predicates(predicate, expected):
    assert tuple(predicate(role) for role in STAFF_ROLES) == expected


def test_unmask_by_a_class_teacher_is_refused_by_the_exporter_itself(world):
    """The class teacher may export her class, masked; asking the export functions themselves for
    whole numbers (no CLI, no hidden checkbox in between) is refused before any file or row."""
    from io import BytesIO

    from tui import export

    v = world["viewers"]["class_teacher"]
    scope = handbook.make_scope(world["school"].id, "2026-11", viewer=v, class_name="三年级2班", today=TODAY)
    path = world["tmp"] / "full.xlsx"
    with pytest.raises(ForbiddenError, match="只有管理员可以导出未遮盖的身份证号和电话"):
        export.export_handbook(scope, str(path), unmask=True, staff_id=v.staff_id)
    with pytest.raises(ForbiddenError):
        export.write_workbook(BytesIO(), scope, unmask=True)
    assert not path.exists() and list(world["tmp"].iterdir()) == []
    assert not AuditLog.select().where(AuditLog.action == "export").exists()
    export.export_handbook(scope, str(path), staff_id=v.staff_id)  # masked: hers to export
    assert path.exists()


# --------------------------------------------------------------------------- policy in one place

ROOT = Path(__file__).resolve().parent.parent
ROLE_WORDS = {"admin", "head", "class_teacher", "teacher", "counselor", "volunteer", "county", "township"}
ROLE_ATTRS = {"role", "staff_role"}  # a staff row's, a viewer's or a session's role
SCOPE_PROPERTIES = {"whole_school", "class_ids", "is_counselor", "staff_role"}  # read only by scope.py
# models/sample.py builds the demo school: its volunteers skip more weeks, a simulation, no decision
EXEMPT = {"models/scope.py", "models/sample.py"}


def role_decisions(source: str) -> list[tuple[int, str]]:
    """Where code compares a role (``x.role == "admin"``, ``role in (...)``, ``== "head"``) or reads
    a viewer's scope properties itself: the decisions that belong in models/scope.py."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare) and all(isinstance(op, (ast.Eq, ast.NotEq, ast.In, ast.NotIn))
                                                 for op in node.ops):
            operands = [node.left, *node.comparators]
            if any((isinstance(o, ast.Attribute) and o.attr in ROLE_ATTRS)
                   or (isinstance(o, ast.Name) and o.id in ROLE_ATTRS)
                   or (isinstance(o, ast.Subscript) and isinstance(o.slice, ast.Constant) and o.slice.value == "role")
                   or (isinstance(o, ast.Constant) and o.value in ROLE_WORDS) for o in operands):
                found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Attribute) and node.attr in SCOPE_PROPERTIES:
            found.append((node.lineno, ast.unparse(node)))
    return found


@pytest.mark.parametrize("source, expected", [
    ('if staff.role != "admin": pass', 1),
    ("ok = session.staff_role in TEACHING_ROLES", 2),  # the comparison and the session's role
    ('cond = Staff.role == "head"', 1),
    ('x = s["role"] == "volunteer"', 1),
    ("if viewer.whole_school or cid in viewer.class_ids: pass", 2),
    ('if kind == "谈心" and role is None: pass', 0),
    ("if scope.may_export_handbook(viewer, cid): pass", 0),
])
def test_the_role_walk_finds_role_comparisons(source, expected):
    assert len(role_decisions(source)) == expected


def test_every_role_decision_is_in_scope_py():
    """models/, tui/ and screens/ ask models/scope.py; none compares a role itself."""
    found = []
    for package in ("models", "tui", "screens"):
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in EXEMPT or "/migrations/" in rel:
                continue
            found += [f"{rel}:{line}: {code}" for line, code in role_decisions(path.read_text(encoding="utf-8"))]
    assert found == []
