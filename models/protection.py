"""强制报告 (mandatory reports) and 监护干预 (guardianship interventions): the model layer.

Since 2020 teachers must report suspected harm to a child (《关于建立侵害未成年人案件强制报告制度的
意见(试行)》; 未成年人保护法 2021) at once, suspicion included. The talk log is where a teacher first
hears of it, so a talk, call or visit leads here: ``should_offer`` says when to ask, a report keeps
the facts apart from the reporter's opinion, and shows how the police learnt of it — the teacher
reported (path 公安: time, 接警单位, receipt number) or told the head, and the school reports
(path 学校). The head confirms every report; an unconfirmed one is overdue a day after it was filed
(``models.duties``). Who sees a report is ``models.scope`` (reporter, head, counselor); every look
at one is written to the audit log, without the facts themselves.

A 监护干预 follows a guardianship problem (监护类型 无人监护, 监护情况评估 差): what the village
儿童主任 was told, the guardian's response, and a re-check 7 days on, a duty until it is done.
No textual here.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import peewee as pw

from models import audit, conflicts, rules, scope
from models import db as dbmod
from models.coerce import as_date
from models.contacts import parse_when
from models.entities import Child, Classroom, Contact, Intervention, Report, Staff, join_multi, split_multi
from models.sanitize import clean_text, first_refused_in_line
from models.validation import Invalid, check_lengths, validate_date

TEXT_LIMIT = 5000
CONFIRM_HOURS = 24
REPORT_LABELS = {"situations": "情形", "found_at": "发现时间", "facts": "事实", "opinion": "判断", "path": "报告途径",
                 "police_at": "报警时间", "police_unit": "接警单位", "receipt_no": "回执号", "notified": "已告知",
                 "notified_at": "告知时间", "outcome": "处置结果"}
# What a report's audit rows may name: that a report was filed, changed, confirmed, looked at —
# never the facts, the opinion or the outcome (the audit log is the admin's to read).
AUDIT_FIELDS = frozenset({"child", "situations", "path", "contact", "confirmed_at", "closed_at", "fields"})


# --------------------------------------------------------------------------- signs in a talk


def signs_in(*texts: str | None) -> list[str]:
    """The sign words (``rules.REPORT_SIGNS``) in the texts, in the list's order; a sign found only
    inside one of its everyday compounds (打电话, 打工, 伤心 …) does not count."""
    text = "\n".join(t for t in texts if t)
    found = []
    for word, harmless in rules.REPORT_SIGNS.items():
        if word not in text:
            continue
        rest = text
        for compound in sorted(harmless, key=len, reverse=True):
            rest = rest.replace(compound, "\0")
        if word in rest:
            found.append(word)
    return found


def should_offer(concerns, *texts: str | None) -> bool:
    """Whether saving this talk should ask 是否填写强制报告: the 安全 concern is ticked, or the
    text has a sign of harm."""
    ticked = split_multi(concerns) if isinstance(concerns, str) else list(concerns or ())
    return "安全" in ticked or bool(signs_in(*texts))


def offer_reason(concerns, *texts: str | None) -> str:
    """Why the report is offered, in the teacher's words (shown in the question)."""
    ticked = split_multi(concerns) if isinstance(concerns, str) else list(concerns or ())
    parts = ["勾选了安全"] if "安全" in ticked else []
    words = signs_in(*texts)
    if words:
        parts.append("提到了 " + "、".join(words))
    return ", ".join(parts)


# --------------------------------------------------------------------------- validation


def _when(text, *, now: dt.datetime, field: str) -> dt.datetime | None:
    if isinstance(text, dt.datetime):
        return text
    if not (text or "").strip():
        return None
    try:
        value = parse_when(str(text), now=now)
    except Invalid as exc:
        raise Invalid(str(exc).replace("时间", field, 1)) from None
    if value > now + dt.timedelta(hours=1):
        raise Invalid(f"{field}不能晚于现在")
    return value


def validate_report(values: dict, *, now: dt.datetime | None = None) -> tuple[dict, dict[str, str]]:
    """(clean values for ``Report``, errors by field). ``values``: situations (a list), found_at,
    facts, opinion, path (``rules.REPORT_PATHS`` key or ""), police_at, police_unit, receipt_no,
    notified, notified_at, outcome, closed (bool)."""
    now = (now or dt.datetime.now()).replace(microsecond=0)
    out: dict = {}
    errors: dict[str, str] = {}
    ticked = list(values.get("situations") or ())
    bad = [s for s in ticked if s not in rules.REPORT_SITUATIONS]
    if bad or not ticked:
        errors["situations"] = "请至少勾选一种法定情形" if not bad else f"情形只能是: {'、'.join(rules.REPORT_SITUATIONS)}"
    out["situations"] = join_multi(s for s in rules.REPORT_SITUATIONS if s in ticked)
    for name, label, required in (("found_at", "发现时间", True), ("police_at", "报警时间", False),
                                  ("notified_at", "告知时间", False)):
        try:
            out[name] = _when(values.get(name), now=now, field=label)
            if required and out[name] is None:
                raise Invalid(f"请填写{label}")
        except Invalid as exc:
            errors[name] = str(exc)
    for name in ("facts", "opinion", "outcome"):
        text = clean_text(values.get(name) or "", multiline=True).strip()
        if len(text) > TEXT_LIMIT:
            errors[name] = f"{REPORT_LABELS[name]}不能超过 {TEXT_LIMIT} 字 (现在 {len(text)} 字)"
        out[name] = text
    if not out["facts"]:
        errors["facts"] = "请写下看到、听到的事实 (判断另写)"
    for name in ("police_unit", "receipt_no", "notified"):
        text = (values.get(name) or "").strip()
        refused = first_refused_in_line(text)
        if refused:
            errors[name] = f"{REPORT_LABELS[name]}第 {refused[0]} 个字符不能用"
        out[name] = text
    path = values.get("path") or ""
    if path and path not in rules.REPORT_PATHS:
        errors["path"] = f"报告途径应为: {'、'.join(rules.REPORT_PATHS)}"
    out["path"] = path
    if path == "公安":
        if out.get("police_at") is None and "police_at" not in errors:
            errors["police_at"] = "已向公安报告: 请填写报警时间"
        if not out["police_unit"]:
            errors["police_unit"] = "已向公安报告: 请填写接警单位"
    if out.get("found_at") and out.get("police_at") and out["police_at"] < out["found_at"]:
        errors["police_at"] = "报警时间不能早于发现时间"
    if values.get("closed"):
        if not out["outcome"]:
            errors["outcome"] = "结案前请填写处置结果"
        out["closed_at"] = values.get("closed_at") or now
    else:
        out["closed_at"] = None
    if not errors:
        try:
            check_lengths(Report, out, REPORT_LABELS)
        except Invalid as exc:
            errors["facts"] = str(exc)
    return out, errors


def _checked(values: dict, now: dt.datetime | None) -> dict:
    clean, errors = validate_report(values, now=now)
    if errors:
        raise Invalid(next(iter(errors.values())))
    return clean


# --------------------------------------------------------------------------- writing


def draft_from_contact(contact_id: int | None, child_id: int, *, viewer: scope.Viewer) -> dict:
    """A new report's starting values from the talk, call or visit that led to it: its time as the
    time found and its text as the facts (what the child said, written down minutes ago: typing it
    twice in the middle of a disclosure is how words get lost). Empty when there is no such contact
    of this child, or the viewer may not read its text (a 心理辅导 note of someone else)."""
    if contact_id is None:
        return {}
    scope.require_child(viewer, child_id, "contact")
    row = (Contact.select(Contact.at, Contact.kind, Contact.staff, Contact.content)
           .where((Contact.id == contact_id) & (Contact.child == child_id)).first())
    if row is None or scope.hides(viewer, row.kind, row.staff_id):
        return {}
    return {"found_at": f"{_as_dt(row.at):%Y-%m-%d %H:%M}", "facts": row.content or ""}


def create_report(values: dict, child_id: int, *, viewer: scope.Viewer, contact_id: int | None = None,
                  now: dt.datetime | None = None) -> int:
    """File a report on the child (anyone who may record a talk with it); all or nothing.
    The filer is the reporter; the audit row names the child and the situations, not the facts."""
    scope.require_child(viewer, child_id, "contact")
    now = (now or dt.datetime.now()).replace(microsecond=0)
    clean = _checked(values, now)
    child = Child.get_or_none(Child.id == child_id)
    if child is None:
        raise Invalid("这个孩子的档案已不存在")
    if contact_id is not None and not Contact.select().where(
            (Contact.id == contact_id) & (Contact.child == child_id)).exists():
        contact_id = None  # a talk of another child (or gone) is no source of this report
    with dbmod.write():
        r = Report.create(school=child.school_id, child=child_id, contact=contact_id, reporter=viewer.staff_id,
                          created_at=now, updated_at=now, **clean)
        audit.record("create", "report", r.id, staff_id=viewer.staff_id, at=now,
                     new={"child": child_id, "situations": clean["situations"], "path": clean["path"],
                          "contact": contact_id})
    return r.id


def _report_for(report_id: int, viewer: scope.Viewer) -> Report:
    r = Report.get_or_none(Report.id == report_id)
    if r is None:
        raise Invalid("这份报告已不存在")
    scope.require_report(viewer, r.school_id, r.reporter_id)
    return r


def update_report(report_id: int, values: dict, *, viewer: scope.Viewer, now: dt.datetime | None = None,
                  expected_updated_at: dt.datetime | None = None) -> None:
    """Correct or complete a report (the police's receipt, who was told, the outcome, closing it):
    whoever may see it. The audit row names the changed fields only. With ``expected_updated_at``
    (the version the form showed) a report saved by someone else meanwhile is refused, nothing
    written: the form holds every field, so saving it would silently undo the other's changes."""
    now = (now or dt.datetime.now()).replace(microsecond=0)
    with dbmod.write():
        r = _report_for(report_id, viewer)
        if expected_updated_at is not None and not conflicts.same_version(r.updated_at, expected_updated_at):
            raise Invalid("这份报告在你打开之后已被别人修改; 请记下你的修改, 关闭后重新打开再改 (没有保存)")
        if values.get("closed") and r.closed_at is not None:
            values = {**values, "closed_at": r.closed_at}
        clean = _checked(values, now)
        changed = [k for k, v in clean.items() if getattr(r, k) != v]
        if not changed:
            return
        for k in changed:
            setattr(r, k, clean[k])
        r.updated_at = conflicts.next_stamp(r.updated_at, now)
        r.save()
        new = {"fields": [REPORT_LABELS.get(k, k) for k in changed]}
        if "closed_at" in changed:
            new["closed_at"] = clean["closed_at"]
        audit.record("update", "report", report_id, staff_id=viewer.staff_id, at=now, new=new)


def confirm_report(report_id: int, *, viewer: scope.Viewer, now: dt.datetime | None = None) -> None:
    """The head confirms: the school knows of the report (and reports it, on path 学校)."""
    scope.require_confirm_report(viewer)
    now = (now or dt.datetime.now()).replace(microsecond=0)
    with dbmod.write():
        r = _report_for(report_id, viewer)
        if r.confirmed_at is not None:
            return
        r.confirmed_at, r.confirmed_by = now, viewer.staff_id  # not a new version: no form field changed
        r.save()
        audit.record("confirm", "report", report_id, staff_id=viewer.staff_id, at=now, new={"confirmed_at": now})


# --------------------------------------------------------------------------- reading


@dataclass
class ReportView:
    id: int
    child_id: int
    child_name: str
    class_name: str
    situations: list[str]
    found_at: dt.datetime
    facts: str
    opinion: str
    reporter: str
    path: str
    police_at: dt.datetime | None
    police_unit: str
    receipt_no: str
    confirmed_by: str
    confirmed_at: dt.datetime | None
    notified: str
    notified_at: dt.datetime | None
    outcome: str
    closed_at: dt.datetime | None
    created_at: dt.datetime
    contact_id: int | None = None
    updated_at: dt.datetime | None = None  # the version a form saves over (``update_report``)

    @property
    def state(self) -> str:
        """结案 / 待校长确认 / 处置中."""
        if self.closed_at is not None:
            return "已结案"
        return "待校长确认" if self.confirmed_at is None else "处置中"

    @property
    def path_label(self) -> str:
        return rules.REPORT_PATHS.get(self.path, "尚未报告")

    def form_values(self) -> dict:
        """The values a form edits (``validate_report``'s input)."""
        def fmt(t):
            return f"{t:%Y-%m-%d %H:%M}" if t else ""
        return {"situations": list(self.situations), "found_at": fmt(self.found_at), "facts": self.facts,
                "opinion": self.opinion, "path": self.path, "police_at": fmt(self.police_at),
                "police_unit": self.police_unit, "receipt_no": self.receipt_no, "notified": self.notified,
                "notified_at": fmt(self.notified_at), "outcome": self.outcome, "closed": self.closed_at is not None}


def _as_dt(value) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def _views(cond: pw.Expression) -> list[ReportView]:
    """Reports matching ``cond`` (already limited to the viewer's), newest found first."""
    reporter, confirmer = Staff.alias("reporter"), Staff.alias("confirmer")
    q = (Report.select(Report.id, Report.child, Child.name, Classroom.name, Report.situations, Report.found_at,
                       Report.facts, Report.opinion, reporter.name, Report.path, Report.police_at,
                       Report.police_unit, Report.receipt_no, confirmer.name, Report.confirmed_at, Report.notified,
                       Report.notified_at, Report.outcome, Report.closed_at, Report.created_at, Report.contact,
                       Report.updated_at)
         .join(Child, on=(Report.child == Child.id))
         .join(Classroom, pw.JOIN.LEFT_OUTER, on=(Child.classroom == Classroom.id))
         .switch(Report).join(reporter, pw.JOIN.LEFT_OUTER, on=(Report.reporter == reporter.id))
         .switch(Report).join(confirmer, pw.JOIN.LEFT_OUTER, on=(Report.confirmed_by == confirmer.id))
         .where(cond).order_by(Report.found_at.desc(), Report.id.desc()))
    out = []
    for (rid, cid, cname, room, situations, found, facts, opinion, rep, path, police_at, unit, receipt, conf,
         conf_at, notified, notified_at, outcome, closed, created, contact, updated) in q.tuples():
        out.append(ReportView(
            id=rid, child_id=cid, child_name=cname, class_name=room or "", situations=split_multi(situations),
            found_at=_as_dt(found), facts=facts, opinion=opinion, reporter=rep or "", path=path,
            police_at=_as_dt(police_at), police_unit=unit, receipt_no=receipt, confirmed_by=conf or "",
            confirmed_at=_as_dt(conf_at), notified=notified, notified_at=_as_dt(notified_at), outcome=outcome,
            closed_at=_as_dt(closed), created_at=_as_dt(created), contact_id=contact, updated_at=_as_dt(updated)))
    return out


def report_detail(report_id: int, *, viewer: scope.Viewer) -> ReportView:
    """One report, for its reporter, the head or the counselor; the look is audited."""
    r = _report_for(report_id, viewer)
    view = _views(Report.id == r.id)[0]
    audit.record("view", "report", report_id, staff_id=viewer.staff_id, new={"child": view.child_id})
    return view


def report_rows(school_id: int | None, *, viewer: scope.Viewer, open_only: bool = False,
                audited: bool = True) -> list[ReportView]:
    """The reports the viewer may see (the reporter her own; the head and counselor all), newest
    first; ``open_only``: not yet closed. The list is a look too: one audit row names them.
    ``audited=False`` for a list re-read because another user changed the data (an audit row per
    reload would itself be such a change, and two open lists would read each other for ever)."""
    cond = scope.report_condition(viewer, Report)
    if school_id is not None:
        cond &= Report.school == school_id
    if open_only:
        cond &= Report.closed_at.is_null()
    views = _views(cond)
    if audited and not viewer.nobody:
        audit.record("view", "report", 0, staff_id=viewer.staff_id, new={"reports": [v.id for v in views]})
    return views


def unconfirmed_count(school_id: int | None, *, viewer: scope.Viewer) -> int:
    """How many reports wait for the head's confirmation: the banner of the head and the admin
    (a count, no child; 0 for anyone else, who sees no banner)."""
    if not scope.sees_report_banner(viewer):
        return 0
    cond = Report.confirmed_at.is_null() & Report.closed_at.is_null()
    if school_id is not None:
        cond &= Report.school == school_id
    return Report.select().where(cond).count()


def confirmers(school_id: int | None) -> list[str]:
    """The names of who must confirm the school's reports (its head): what the admin's page says,
    since her banner counts reports she may not open. Names of staff only, no child."""
    cond = scope.report_confirmer_condition(Staff)
    if school_id is not None:
        cond &= Staff.school == school_id
    return [name for (name,) in Staff.select(Staff.name).where(cond).order_by(Staff.id).tuples()]


def reports_of_child(child_id: int, *, viewer: scope.Viewer) -> list[ReportView]:
    """The child's reports the viewer may see (none for most), for the child's page."""
    scope.require_child(viewer, child_id, "read")
    return _views((Report.child == child_id) & scope.report_condition(viewer, Report))


def child_page_rows(child_id: int, *, viewer: scope.Viewer) -> tuple[list[ReportView], list[InterventionView]]:
    """The child page's 强制报告 and 监护干预, for ``children.child_detail`` (which has checked that the
    viewer reads the child): the reports she may see (``scope.report_condition``: reporter, head,
    counselor) and the child's interventions (whoever sees the child), two queries whatever their
    number. Listing reports is a look: one audit row names them, only when there is one."""
    reports = _views((Report.child == child_id) & scope.report_condition(viewer, Report))
    if reports and not viewer.nobody:
        audit.record("view", "report", 0, staff_id=viewer.staff_id, new={"reports": [v.id for v in reports]})
    return reports, _intervention_views(Intervention.child == child_id)


def register_rows(school_id: int, lo: dt.date, hi: dt.date, *, viewer: scope.Viewer) -> list[ReportView]:
    """强制报告登记台账: every report found in [lo, hi] (a term), oldest first; head and counselor."""
    scope.require_report_register(viewer)
    cond = ((Report.school == school_id) & (Report.found_at >= dt.datetime.combine(lo, dt.time()))
            & (Report.found_at < dt.datetime.combine(hi + dt.timedelta(days=1), dt.time())))
    return list(reversed(_views(cond)))


def counts(school_id: int, lo: dt.date, hi: dt.date, *, classroom_ids=None) -> dict[str, int]:
    """发现—报告—处置 for the handbook summary: reports found in [lo, hi], those that reached the
    police (path 公安 with its time, or confirmed by the head on path 学校), those closed with an
    outcome. Counts only: no child, no reporter."""
    cond = ((Report.school == school_id) & (Report.found_at >= dt.datetime.combine(lo, dt.time()))
            & (Report.found_at < dt.datetime.combine(hi + dt.timedelta(days=1), dt.time())))
    if classroom_ids is not None:
        cond &= Report.child.in_(Child.select(Child.id).where(Child.classroom.in_(list(classroom_ids))))
    reported = (((Report.path == "公安") & Report.police_at.is_null(False))
                | ((Report.path == "学校") & Report.confirmed_at.is_null(False)))
    return {"发现": Report.select().where(cond).count(),
            "报告": Report.select().where(cond & reported).count(),
            "处置": Report.select().where(cond & Report.closed_at.is_null(False)).count()}


# --------------------------------------------------------------------------- 监护干预


def guardianship_problem(child_id: int) -> str | None:
    """The reason a 监护干预 is called for, or None: 监护类型 无人监护, or 监护情况评估 差."""
    row = Child.select(Child.guardianship_type, Child.guardianship_grade).where(Child.id == child_id).first()
    if row is None:
        return None
    if row.guardianship_type == "无人监护":
        return "无人监护"
    if row.guardianship_grade == "差":
        return "监护情况差"
    return None


INTERVENTION_LABELS = {"reason": "原因", "director": "村儿童主任", "noted_on": "告知日期", "note": "告知内容",
                       "guardian_response": "监护人回应", "recheck_note": "复查情况"}


def create_intervention(values: dict, child_id: int, *, viewer: scope.Viewer, today: dt.date | None = None,
                        report_id: int | None = None) -> int:
    """Record a 监护干预 (anyone who sees the child): told whom, what, the guardian's response; the
    re-check is due ``rules.INTERVENTION_RECHECK_DAYS`` after."""
    scope.require_child(viewer, child_id, "contact")
    today = today or dt.date.today()
    reason = values.get("reason") or guardianship_problem(child_id) or ""
    if reason not in rules.GUARDIANSHIP_PROBLEMS:
        raise Invalid(f"监护干预的原因应为: {'、'.join(rules.GUARDIANSHIP_PROBLEMS)}")
    director = clean_text(values.get("director") or "", multiline=False).strip()
    if not director:
        raise Invalid("请填写告知的村儿童主任")
    noted = values.get("noted_on") or today
    if not isinstance(noted, dt.date):
        noted = validate_date(str(noted), field="告知日期")
    clean = {"reason": reason, "director": director, "noted_on": noted,
             "note": clean_text(values.get("note") or "", multiline=True).strip(),
             "guardian_response": clean_text(values.get("guardian_response") or "", multiline=True).strip()}
    check_lengths(Intervention, clean, INTERVENTION_LABELS)
    with dbmod.write():
        row = Intervention.create(child=child_id, report=report_id, staff=viewer.staff_id,
                                  recheck_due=noted + dt.timedelta(days=rules.INTERVENTION_RECHECK_DAYS), **clean)
        audit.record("create", "intervention", row.id, staff_id=viewer.staff_id,
                     new={"child": child_id, "reason": reason, "recheck_due": row.recheck_due})
    return row.id


def recheck_intervention(intervention_id: int, note: str, *, viewer: scope.Viewer,
                         today: dt.date | None = None) -> None:
    """The 7-day re-check is done (its duty leaves the list)."""
    row = Intervention.get_or_none(Intervention.id == intervention_id)
    if row is None:
        raise Invalid("这条监护干预记录已不存在")
    scope.require_child(viewer, row.child_id, "contact")
    text = clean_text(note or "", multiline=True).strip()
    if not text:
        raise Invalid("请写下复查时看到的情况")
    with dbmod.write():
        row.rechecked_on, row.recheck_note = today or dt.date.today(), text
        row.save()
        audit.record("update", "intervention", intervention_id, staff_id=viewer.staff_id,
                     new={"rechecked_on": row.rechecked_on})


@dataclass
class InterventionView:
    id: int
    child_id: int
    reason: str
    director: str
    noted_on: dt.date
    note: str
    guardian_response: str
    recheck_due: dt.date
    rechecked_on: dt.date | None
    recheck_note: str
    staff: str  # who recorded it

    @property
    def state(self) -> str:
        return f"{self.rechecked_on:%m-%d} 已复查" if self.rechecked_on else f"{self.recheck_due:%m-%d} 复查"


def _intervention_views(cond: pw.Expression) -> list[InterventionView]:
    """Interventions matching ``cond``, newest first, with who recorded each (one query)."""
    q = (Intervention.select(Intervention.id, Intervention.child, Intervention.reason, Intervention.director,
                             Intervention.noted_on, Intervention.note, Intervention.guardian_response,
                             Intervention.recheck_due, Intervention.rechecked_on, Intervention.recheck_note,
                             Staff.name)
         .join(Staff, pw.JOIN.LEFT_OUTER, on=(Intervention.staff == Staff.id))
         .where(cond).order_by(Intervention.noted_on.desc(), Intervention.id.desc()))
    return [InterventionView(id=i, child_id=c, reason=reason, director=director, noted_on=as_date(noted), note=note,
                             guardian_response=response, recheck_due=as_date(due), rechecked_on=as_date(rechecked),
                             recheck_note=recheck_note or "", staff=staff or "")
            for i, c, reason, director, noted, note, response, due, rechecked, recheck_note, staff in q.tuples()]


def intervention_detail(intervention_id: int, *, viewer: scope.Viewer) -> InterventionView:
    """One 监护干预, for whoever sees its child (the child page's enter)."""
    views = _intervention_views(Intervention.id == intervention_id)
    if not views:
        raise Invalid("这条监护干预记录已不存在")
    scope.require_child(viewer, views[0].child_id, "read")
    return views[0]


def interventions_of_child(child_id: int, *, viewer: scope.Viewer) -> list[Intervention]:
    scope.require_child(viewer, child_id, "read")
    return list(Intervention.select().where(Intervention.child == child_id)
                .order_by(Intervention.noted_on.desc(), Intervention.id.desc()))
