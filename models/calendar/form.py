"""The event form's values, checked and turned into an event row."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from models import rules, terms
from models.entities import Event
from models.sanitize import clean_text, first_refused_in_line
from models.validation import Invalid, validate_date
from models.calendar.lunar import CalendarError, check_lunar_range
from models.calendar.occurrences import Occurrence, _d, _t
from models.calendar.recurrence import RRULE_PRESETS, _END_PART, check_series, detect_preset, parse_series, preset_rrule, split_rrule_end


@dataclass
class EventForm:
    """What the event form holds, as typed."""

    title: str = ""
    kind: str = "活动"
    date: str = ""
    end_date: str = ""
    time: str = ""
    place: str = ""
    organiser: str = ""
    notes: str = ""
    repeat: str = "不重复"  # one of RRULE_PRESETS
    rrule: str = ""  # the rule without its end (for 自定义, or as the preset made it)
    until: str = ""  # 2027-01-15 or 10次

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, d: dict) -> "EventForm":
        return cls(**{k: str(v) for k, v in d.items() if k in cls.__dataclass_fields__})


TITLE_LIMIT = 100
PLACE_LIMIT = 100
ORGANISER_LIMIT = 50
NOTES_LIMIT = 2000


def parse_day(text: str, *, field: str, today: dt.date | None = None) -> dt.date:
    """2026-11-30, 2026/11/30, 20261130, 2026年11月30日, or 11-30 (the year of ``today``)."""
    s = (text or "").strip().replace("／", "/").replace("－", "-")
    m = re.fullmatch(r"([0-9]{1,2})[-/.月]([0-9]{1,2})[日号]?", s)
    if m:
        year = (today or dt.date.today()).year
        s = f"{year}-{int(m.group(1)):02d}-{int(m.group(2)):02d}"
    try:
        day = validate_date(s, field=field, allow_future=True)
    except Invalid as exc:
        raise CalendarError(str(exc)) from None
    check_lunar_range(day)
    return day


def parse_time(text: str) -> dt.time | None:
    s = (text or "").strip().replace("：", ":")
    if not s:
        return None
    m = re.fullmatch(r"([0-9]{1,2})(?::([0-9]{2}))?", s)
    if not m:
        raise CalendarError("时间格式应为 14:30")
    try:
        return dt.time(int(m.group(1)), int(m.group(2) or 0))
    except ValueError:
        raise CalendarError(f"没有 {s} 这个时间") from None


def _one_line(text: str, label: str, limit: int, *, required: bool = False) -> str:
    s = (text or "").strip()
    if required and not s:
        raise CalendarError(f"请填写{label}")
    bad = first_refused_in_line(s)
    if bad:
        raise CalendarError(f"{label}第{bad[0]}位含不可见字符, 请删除")
    if len(s) > limit:
        raise CalendarError(f"{label}不能超过{limit}个字, 现在是{len(s)}个")
    return s


def build_rrule(form: EventForm, start: dt.date) -> str:
    """The stored RRULE: the preset's (or typed) rule plus the end from 截止."""
    base = (form.rrule or "").strip() if form.repeat == "自定义" else preset_rrule(form.repeat, start)
    if base.upper().startswith("RRULE:"):
        base = base[6:]
    base = base.strip().strip(";")
    if not base:
        return ""
    until = (form.until or "").strip()
    if not until:
        return base
    if _END_PART.search(base):
        raise CalendarError("重复规则里已有 UNTIL/COUNT, 截止请留空")
    m = re.fullmatch(r"([0-9]{1,3})\s*次?", until)
    if m:
        count = int(m.group(1))
        if count < 1:
            raise CalendarError("次数至少为 1")
        return f"{base};COUNT={count}"
    day = parse_day(until, field="截止日期", today=start)
    if day < start:
        raise CalendarError(f"截止日期 {day.isoformat()} 早于开始日期 {start.isoformat()}")
    return f"{base};UNTIL={day:%Y%m%d}"


def validate_event(form: EventForm, *, today: dt.date | None = None,
                   occurrence: bool = False) -> tuple[dict, dict[str, str]]:
    """Raw form -> (values for ``Event``, {field: message}). ``occurrence``: editing one date of a
    series (no recurrence of its own)."""
    values: dict = {}
    errors: dict[str, str] = {}

    def run(name, fn):
        try:
            values[name] = fn()
        except CalendarError as exc:
            errors[name] = str(exc)

    run("title", lambda: _one_line(form.title, "标题", TITLE_LIMIT, required=True))
    if form.kind not in rules.EVENT_KINDS:
        errors["kind"] = f"类别只能是: {'、'.join(rules.EVENT_KINDS)}"
    else:
        values["kind"] = form.kind
    run("start_date", lambda: parse_day(form.date, field="日期", today=today))
    start = values.get("start_date")
    if (form.end_date or "").strip():
        try:
            end = parse_day(form.end_date, field="结束日期", today=start or today)
            if start and end < start:
                raise CalendarError(f"结束日期 {end.isoformat()} 早于开始日期 {start.isoformat()}")
            if start and (end - start).days > 366:
                raise CalendarError("一项活动最长一年, 长期的事请用重复")
            values["end_date"] = end if not start or end != start else None
        except CalendarError as exc:
            errors["end_date"] = str(exc)
    else:
        values["end_date"] = None
    run("start_time", lambda: parse_time(form.time))
    run("place", lambda: _one_line(form.place, "地点", PLACE_LIMIT))
    run("organiser", lambda: _one_line(form.organiser, "组织者", ORGANISER_LIMIT))
    notes = (clean_text(form.notes, multiline=True) or "").strip()
    if len(notes) > NOTES_LIMIT:
        errors["notes"] = f"备注不能超过{NOTES_LIMIT}个字, 现在是{len(notes)}个"
    else:
        values["notes"] = notes
    values["rrule"] = ""
    if occurrence or form.repeat == "不重复":
        return values, errors
    if form.repeat not in RRULE_PRESETS:
        errors["rrule"] = "请选择重复方式"
        return values, errors
    if start is None:
        return values, errors
    if form.repeat == "自定义" and not (form.rrule or "").strip():
        errors["rrule"] = "请填写重复规则, 如 FREQ=WEEKLY;BYDAY=MO"
        return values, errors
    if values.get("end_date"):
        errors["end_date"] = "重复的活动每次只有一天, 请清空结束日期"
    try:
        text = build_rrule(form, start)
    except CalendarError as exc:
        errors["until"] = str(exc)
        return values, errors
    try:
        parse_series(text, start)
    except CalendarError as exc:
        errors["rrule"] = str(exc)
        return values, errors
    try:
        check_series(text, start)
    except CalendarError as exc:
        errors["until"] = str(exc)
        return values, errors
    values["rrule"] = text
    return values, errors


def _clean_form(form: EventForm) -> EventForm:
    """The stored texts without control characters: a row stored before migration 0008 (or behind
    its back) reaches no widget raw, and the form's "changed?" check compares like with like."""
    for name in ("title", "place", "organiser"):
        setattr(form, name, clean_text(getattr(form, name), multiline=False))
    form.notes = clean_text(form.notes, multiline=True)
    return form


def form_from_event(event: Event) -> EventForm:
    start = _d(event.start_date)
    preset = detect_preset(event.rrule or "", start)
    base, end = split_rrule_end(event.rrule or "")
    return _clean_form(EventForm(
        title=event.title, kind=event.kind, date=start.isoformat(),
        end_date=_d(event.end_date).isoformat() if event.end_date else "",
        time=_t(event.start_time).strftime("%H:%M") if event.start_time else "",
        place=event.place or "", organiser=event.organiser or "", notes=event.notes or "",
        repeat=preset, rrule=base if preset == "自定义" else "", until=end,
    ))


def form_from_occurrence(occ: Occurrence) -> EventForm:
    return _clean_form(EventForm(
        title=occ.title, kind=occ.kind, date=occ.day.isoformat(), time=occ.time_text, place=occ.place,
        organiser=occ.organiser, notes=occ.notes,
    ))


def default_until(start: dt.date, *, school_id: int | None = None) -> str:
    """A new series ends with the term of its start (its 放假 day as the school set it), or with
    the next term when it starts in a holiday."""
    term = terms.saved_term(*terms.planning_term(start), school_id=school_id)
    if term.end < start:
        other = terms.AUTUMN if term.name == terms.SPRING else terms.SPRING
        term = terms.saved_term(other, start.year, school_id=school_id)
    return term.end.isoformat()
