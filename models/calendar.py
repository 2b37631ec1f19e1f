"""行事历: lunar dates and festivals, events with RRULE recurrence, the term plan, attendance, reminders.

No textual here. Lunar dates, festivals and solar terms come from ``lunar_python`` (6tail's
maintained calendar library), imported only when a lunar date is first asked for, so neither
``guanai`` start-up nor the plain commands pay for it.

Events (``models.entities.Event``)
    A *plain* event happens on ``start_date`` (through ``end_date`` when it spans several days).
    A *series* is an event with an RFC 5545 ``rrule`` (python-dateutil reads it, DTSTART is the
    event's ``start_date``); every series must end (UNTIL or COUNT), and its occurrences are
    one day each. An *exception* row (``series`` set, ``occurrence`` = the series date it
    replaces) either cancels that one occurrence (``cancelled``) or replaces it with its own
    fields — possibly on another day. Editing "the whole series" changes the series row;
    exceptions whose occurrence the new rule no longer produces are dropped.

Attendance (``Attendance``) always points at the series (or plain) event and the occurrence's
*original* date, so moving one occurrence or changing the series never loses who took part.

Who may create, change, delete and take attendance is ``models.scope``'s (``require_event``,
``may_change_event``); every write here takes the ``viewer`` and checks it itself.
"""
from __future__ import annotations

import calendar as _cal
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

import peewee as pw

from models import audit
from models import scope

from models import db as dbmod
from models import rules
from models import settings
from models import terms
from models.entities import Attendance, Child, Classroom, Event
from models.sanitize import clean_text

# --------------------------------------------------------------------------- lunar

LUNAR_MIN_YEAR = 1900
LUNAR_MAX_YEAR = 2100
WEEKDAYS = "一二三四五六日"

# Festivals the school's calendar shows: the library's name -> (short label for a day cell,
# full name for the agenda). Only the display is chosen here; every date comes from the library.
FESTIVALS: dict[str, tuple[str, str]] = {
    # solar (Gregorian) festivals
    "元旦节": ("元旦", "元旦"),
    "妇女节": ("妇女节", "三八妇女节"),
    "植树节": ("植树节", "植树节"),
    "劳动节": ("劳动节", "五一劳动节"),
    "青年节": ("青年节", "五四青年节"),
    "儿童节": ("儿童节", "六一儿童节"),
    "建党节": ("建党节", "七一建党节"),
    "建军节": ("建军节", "八一建军节"),
    "教师节": ("教师节", "教师节"),
    "国庆节": ("国庆", "十一国庆节"),
    "全国中小学生安全教育日": ("安全教育日", "全国中小学生安全教育日"),
    "母亲节": ("母亲节", "母亲节"),
    "父亲节": ("父亲节", "父亲节"),
    # lunar festivals
    "除夕": ("除夕", "除夕"),
    "春节": ("春节", "春节"),
    "元宵节": ("元宵", "元宵节"),
    "端午节": ("端午", "端午节"),
    "七夕节": ("七夕", "七夕节"),
    "中秋节": ("中秋", "中秋节"),
    "重阳节": ("重阳", "九九重阳节"),
    "腊八节": ("腊八", "腊八节"),
}
# Solar terms that are festivals in their own right (the others show as plain labels).
TERM_FESTIVALS = {"清明": ("清明", "清明节"), "冬至": ("冬至", "冬至")}
# 亲情书信: remind the teachers before these festivals that the children write home.
LETTER_FESTIVALS = ("中秋节", "春节")
LETTER_LEAD_DAYS = 14


class CalendarError(ValueError):
    """Bad input for the calendar (a date out of range, a broken rule); the message is for the user."""


@dataclass(frozen=True)
class DayInfo:
    day: dt.date
    lunar_month: str  # 正月, 闰六月, 冬月, 腊月
    lunar_day: str  # 初一, 十五, 廿九
    festivals: tuple[str, ...]  # short labels, e.g. ("国庆",)
    festival_names: tuple[str, ...]  # full names, e.g. ("十一国庆节",)
    solar_term: str  # 清明, 冬至, 立春 … or ""
    ganzhi_year: str = ""  # 丙午
    zodiac: str = ""  # 马

    @property
    def lunar_label(self) -> str:
        """初一 shows the month's name instead (the way wall calendars do)."""
        return self.lunar_month if self.lunar_day == "初一" else self.lunar_day

    @property
    def label(self) -> str:
        """What a day cell shows under the date: a festival, else a solar term, else the lunar day."""
        if self.festivals:
            return " ".join(self.festivals)
        if self.solar_term:
            return self.solar_term
        return self.lunar_label

    @property
    def lunar_text(self) -> str:
        """农历十月二十"""
        return f"农历{self.lunar_month}{self.lunar_day}"


def check_lunar_range(day: dt.date) -> None:
    if not LUNAR_MIN_YEAR <= day.year <= LUNAR_MAX_YEAR:
        raise CalendarError(f"{day.isoformat()} 超出农历支持范围 ({LUNAR_MIN_YEAR}–{LUNAR_MAX_YEAR} 年)")


@lru_cache(maxsize=4096)
def day_info(day: dt.date) -> DayInfo:
    """The lunar date, festivals and solar term of a day (``CalendarError`` outside 1900–2100)."""
    check_lunar_range(day)
    from lunar_python import Solar  # lazy: only the calendar needs it

    solar = Solar.fromYmd(day.year, day.month, day.day)
    lunar = solar.getLunar()
    names = [*solar.getFestivals(), *lunar.getFestivals()]
    term = lunar.getJieQi() or ""
    shown = [FESTIVALS[n] for n in dict.fromkeys(names) if n in FESTIVALS]
    if term in TERM_FESTIVALS:
        shown.append(TERM_FESTIVALS[term])
    month = lunar.getMonthInChinese() + "月"
    return DayInfo(
        day=day, lunar_month=month, lunar_day=lunar.getDayInChinese(),
        festivals=tuple(s for s, _ in shown), festival_names=tuple(f for _, f in shown),
        solar_term=term, ganzhi_year=lunar.getYearInGanZhi(), zodiac=lunar.getYearShengXiao(),
    )


def month_days(year: int, month: int) -> list[DayInfo]:
    first = dt.date(year, month, 1)
    check_lunar_range(first)
    n = _cal.monthrange(year, month)[1]
    return [day_info(first + dt.timedelta(days=i)) for i in range(n)]


def festival_full_name(name: str) -> str:
    """The full name of a festival given by the library's, the short or the full name."""
    for lib, (short, full) in {**FESTIVALS, **TERM_FESTIVALS}.items():
        if name in (lib, short, full):
            return full
    raise CalendarError(f"行事历里没有“{name}”这个节日")


@lru_cache(maxsize=256)
def festival_date(year: int, name: str) -> dt.date:
    """The date of a festival in a year: 春节, 中秋节, 国庆节, 清明, 冬至 … (any of its names)."""
    full = festival_full_name(name)
    start = dt.date(year, 1, 1)
    check_lunar_range(start)
    for i in range(366 if _cal.isleap(year) else 365):
        info = day_info(start + dt.timedelta(days=i))
        if full in info.festival_names:
            return info.day
    raise CalendarError(f"{year} 年没有“{name}”")


def month_grid(year: int, month: int) -> list[list[dt.date | None]]:
    """Weeks (Monday first) of a month; days of other months are None. Always 4–6 weeks."""
    weeks = _cal.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return [[d if d.month == month else None for d in week] for week in weeks]


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (clamped to the month's last day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, _cal.monthrange(year, month)[1]))


# --------------------------------------------------------------------------- display helpers

_AMBIGUOUS = {"“": '"', "”": '"', "‘": "'", "’": "'", "…": "...", "—": "-", "–": "-", "·": ".",
              "→": "->", "←": "<-", "○": "o", "●": "*", "■": "#", "□": "#", "★": "*", "☆": "*",
              "×": "x", "÷": "/", "°": "度", "±": "+-", "§": "S", "№": "No."}


def grid_safe(text: str) -> str:
    """Text for a fixed-width grid: East-Asian *ambiguous* glyphs (“ ” … · ①) are one cell to Rich
    but two in many Chinese terminals, so they are replaced by plain ASCII (or dropped)."""
    out = []
    for ch in text:
        if ch in _AMBIGUOUS:
            out.append(_AMBIGUOUS[ch])
        elif unicodedata.east_asian_width(ch) == "A" and ord(ch) > 0x7F:
            continue
        else:
            out.append(ch)
    return "".join(out)


def weekday_name(day: dt.date) -> str:
    return "周" + WEEKDAYS[day.weekday()]


# --------------------------------------------------------------------------- recurrence

RRULE_PRESETS = ("不重复", "每周", "每两周", "每月第几个周几", "每月最后工作日", "每学期", "自定义")
MAX_YEARS = 5
MAX_COUNT = 400
_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_END_PART = re.compile(r"(?:^|;)\s*(UNTIL|COUNT)\s*=\s*([^;]*)", re.I)


def preset_rrule(preset: str, start: dt.date) -> str:
    """The RRULE (without its end) a preset means for an event starting on ``start``."""
    wd = _BYDAY[start.weekday()]
    if preset == "每周":
        return f"FREQ=WEEKLY;BYDAY={wd}"
    if preset == "每两周":
        return f"FREQ=WEEKLY;INTERVAL=2;BYDAY={wd}"
    if preset == "每月第几个周几":
        n = (start.day - 1) // 7 + 1
        return f"FREQ=MONTHLY;BYDAY={-1 if n == 5 else n}{wd}"
    if preset == "每月最后工作日":
        return "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"
    if preset == "每学期":
        return "FREQ=MONTHLY;INTERVAL=6"
    return ""


def preset_label(preset: str, start: dt.date | None) -> str:
    """每周一, 每月第1个周一 … for the form."""
    if start is None:
        return preset
    wd = WEEKDAYS[start.weekday()]
    if preset == "每周":
        return f"每周{wd}"
    if preset == "每两周":
        return f"每两周的周{wd}"
    if preset == "每月第几个周几":
        n = (start.day - 1) // 7 + 1
        return f"每月最后一个周{wd}" if n == 5 else f"每月第{n}个周{wd}"
    if preset == "每学期":
        return "每学期一次 (每6个月)"
    return preset


def split_rrule_end(text: str) -> tuple[str, str]:
    """'FREQ=WEEKLY;UNTIL=20270118' -> ('FREQ=WEEKLY', '2027-01-18'); COUNT=10 -> '10次'."""
    text = (text or "").strip()
    end = ""
    parts = []
    for part in [p for p in text.split(";") if p.strip()]:
        key, _, value = part.partition("=")
        key = key.strip().upper()
        if key == "UNTIL":
            digits = re.sub(r"[^0-9]", "", value)[:8]
            end = f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}" if len(digits) == 8 else value.strip()
        elif key == "COUNT":
            end = f"{value.strip()}次"
        else:
            parts.append(part.strip())
    return ";".join(parts), end


def detect_preset(rrule_text: str, start: dt.date) -> str:
    base, _ = split_rrule_end(rrule_text)
    if not base:
        return "不重复"
    for p in RRULE_PRESETS[1:-1]:
        if preset_rrule(p, start).upper() == base.upper():
            return p
    return "自定义"


def parse_series(rrule_text: str, start: dt.date):
    """A dateutil rruleset for a series starting on ``start``; CalendarError with a message when invalid."""
    from models.duties import RuleError, parse_rrule

    text = (rrule_text or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if "\n" in text or "DTSTART" in text.upper():
        raise CalendarError("重复规则只写 RRULE 本身 (如 FREQ=WEEKLY;BYDAY=MO), 开始日期填在“日期”里")
    try:
        return parse_rrule(text, start)
    except RuleError as exc:
        raise CalendarError(str(exc)) from None


def series_dates(rrule_text: str, start: dt.date, lo: dt.date, hi: dt.date) -> list[dt.date]:
    """The series' dates within [lo, hi]."""
    return list(_series_dates(rrule_text.strip(), start, lo, hi))


@lru_cache(maxsize=512)
def _series_dates(rrule_text: str, start: dt.date, lo: dt.date, hi: dt.date) -> tuple[dt.date, ...]:
    if hi < start:
        return ()
    rset = parse_series(rrule_text, start)
    hits = rset.between(dt.datetime.combine(max(lo, start), dt.time()),
                        dt.datetime.combine(hi, dt.time(23, 59, 59)), inc=True)
    return tuple(sorted({h.date() for h in hits}))


def check_series(rrule_text: str, start: dt.date) -> dt.date:
    """Refuse a rule that never ends, runs too long or never happens; returns its last date."""
    rset = parse_series(rrule_text, start)
    ends = {m.group(1).upper() for m in _END_PART.finditer(rrule_text)}
    if not ends:
        raise CalendarError("重复必须有截止: 填截止日期 (如 2027-01-15) 或次数 (如 10次)")
    limit = dt.datetime.combine(add_months(start, 12 * MAX_YEARS), dt.time())
    last = None
    for n, occ in enumerate(rset, 1):
        if n > MAX_COUNT:
            raise CalendarError(f"重复次数太多 (最多 {MAX_COUNT} 次)")
        if occ > limit:
            raise CalendarError(f"重复最长 {MAX_YEARS} 年, 请把截止日期提前")
        last = occ.date()
    if last is None:
        raise CalendarError("按这个重复规则, 从开始日期到截止一次也不会发生")
    return last


# --------------------------------------------------------------------------- occurrences


@dataclass(frozen=True)
class Occurrence:
    """One appearance of an event on the calendar."""

    event_id: int  # the row holding this occurrence's data (an exception row, or the event)
    root_id: int  # the plain event or the series (attendance points here)
    day: dt.date
    end: dt.date
    title: str
    kind: str
    time: dt.time | None
    place: str
    organiser: str
    notes: str
    occurrence: dt.date | None = None  # the series date (for a series' occurrences)
    rrule: str = ""  # the series' rule
    modified: bool = False  # a changed single occurrence

    @property
    def recurring(self) -> bool:
        return self.occurrence is not None

    @property
    def attendance_date(self) -> dt.date:
        return self.occurrence or self.day

    def covers(self, day: dt.date) -> bool:
        return self.day <= day <= self.end

    @property
    def time_text(self) -> str:
        return self.time.strftime("%H:%M") if self.time else ""


def _d(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    return dt.date.fromisoformat(str(value)[:10])


def _t(value) -> dt.time | None:
    if value is None or isinstance(value, dt.time):
        return value
    text = str(value)
    return dt.time.fromisoformat(text[:8] if len(text) >= 8 else text)


def _occ(row: Event, day: dt.date, *, root_id: int, occurrence: dt.date | None, rrule: str = "",
         modified: bool = False) -> Occurrence:
    start = _d(row.start_date)
    end = _d(row.end_date) or start
    span = max(0, (end - start).days) if occurrence is None else 0
    return Occurrence(
        event_id=row.id, root_id=root_id, day=day, end=day + dt.timedelta(days=span), title=row.title,
        kind=row.kind, time=_t(row.start_time), place=row.place or "", organiser=row.organiser or "",
        notes=row.notes or "", occurrence=occurrence, rrule=rrule, modified=modified,
    )


def occurrences(school_id: int, lo: dt.date, hi: dt.date) -> list[Occurrence]:
    """Every event occurrence that touches [lo, hi], in date and time order.

    Three queries: plain events and series roots, and the exceptions in or for the window.
    """
    roots = list(Event.select().where(
        (Event.school == school_id) & Event.series.is_null() & (Event.start_date <= hi)
        & ((Event.rrule != "") | (pw.fn.COALESCE(Event.end_date, Event.start_date) >= lo))))
    out: list[Occurrence] = []
    series = {}
    for row in roots:
        if (row.rrule or "").strip():
            series[row.id] = row
        else:
            out.append(_occ(row, _d(row.start_date), root_id=row.id, occurrence=None))
    if series:
        exceptions = list(Event.select().where(
            (Event.school == school_id) & Event.series.is_null(False)
            & (Event.occurrence.between(lo, hi) | Event.start_date.between(lo, hi))))
    else:
        exceptions = list(Event.select().where(
            (Event.school == school_id) & Event.series.is_null(False) & Event.start_date.between(lo, hi)))
    replaced = {(e.series_id, _d(e.occurrence)) for e in exceptions}
    for row in series.values():
        try:
            dates = series_dates(row.rrule, _d(row.start_date), lo, hi)
        except CalendarError:
            continue  # a rule broken outside the app: the event still opens for editing
        for day in dates:
            if (row.id, day) not in replaced:
                out.append(_occ(row, day, root_id=row.id, occurrence=day, rrule=row.rrule))
    roots_rrule = {r.id: r.rrule for r in series.values()}
    for e in exceptions:
        day = _d(e.start_date)
        if e.cancelled or not lo <= day <= hi:
            continue
        out.append(_occ(e, day, root_id=e.series_id, occurrence=_d(e.occurrence),
                        rrule=roots_rrule.get(e.series_id, ""), modified=True))
    out.sort(key=lambda o: (o.day, o.time or dt.time.min, o.title, o.event_id))
    return [o for o in out if o.end >= lo]


def by_day(occs: Iterable[Occurrence], lo: dt.date, hi: dt.date) -> dict[dt.date, list[Occurrence]]:
    """Occurrences per day (a multi-day event appears on each of its days)."""
    days: dict[dt.date, list[Occurrence]] = {}
    for o in occs:
        d = max(o.day, lo)
        while d <= min(o.end, hi):
            days.setdefault(d, []).append(o)
            d += dt.timedelta(days=1)
    return days


def day_occurrences(school_id: int, day: dt.date) -> list[Occurrence]:
    return [o for o in occurrences(school_id, day, day) if o.covers(day)]


# --------------------------------------------------------------------------- the event form


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
    from models.validation import Invalid, validate_date

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
    for pos, ch in enumerate(s, 1):
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            raise CalendarError(f"{label}第{pos}位含不可见字符, 请删除")
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
    term = term_containing(start)
    term = saved_term(term.name, term.year, school_id=school_id)
    if term.end < start:
        term = saved_term(AUTUMN if term.name == SPRING else SPRING, start.year, school_id=school_id)
    return term.end.isoformat()


# --------------------------------------------------------------------------- saving


def _jsonable(v):
    if isinstance(v, (dt.date, dt.time, dt.datetime)):
        return v.isoformat()
    return v


def _audit(staff_id, row_id: int, action: str, old: dict, new: dict) -> None:
    audit.record(action, "event", row_id, staff_id=staff_id, old={k: _jsonable(v) for k, v in old.items()},
                 new={k: _jsonable(v) for k, v in new.items()})


EVENT_FIELDS = ("title", "kind", "start_date", "end_date", "start_time", "place", "organiser", "notes", "rrule")
TEXT_FIELDS = ("place", "organiser", "notes", "rrule")


def event_owners(root_ids: Iterable[int]) -> dict[int, scope.EventOwner]:
    """Who may change each plain event or series (``scope.may_change_event``): its school, its
    organiser and its creator — the staff of the newest audit ``create`` row of that id (the
    newest, because SQLite may give a deleted event's id to a new one). Two queries for a month."""
    from models.entities import AuditLog

    ids = sorted({int(i) for i in root_ids})
    if not ids:
        return {}
    rows = list(Event.select(Event.id, Event.school, Event.organiser).where(Event.id.in_(ids)).tuples())
    creators: dict[int, int | None] = {}
    for row_id, staff_id in (AuditLog.select(AuditLog.row_id, AuditLog.staff)
                             .where((AuditLog.table == "event") & (AuditLog.action == "create")
                                    & AuditLog.row_id.in_(ids))
                             .order_by(AuditLog.id).tuples()):
        creators[row_id] = staff_id  # ascending: the newest create row wins
    return {eid: scope.EventOwner(school_id=school, created_by=creators.get(eid), organiser=organiser or "")
            for eid, school, organiser in rows}


def event_owner(event_id: int) -> scope.EventOwner | None:
    """``event_owners`` of one event; a single date of a series answers for its series."""
    row = Event.select(Event.id, Event.series).where(Event.id == event_id).tuples().first()
    if row is None:
        return None
    root = row[1] if row[1] is not None else row[0]
    return event_owners([root]).get(root)


def _require_event(viewer: scope.Viewer, action: str, event_id: int) -> None:
    """``ForbiddenError`` unless the viewer may ``action`` the event; a missing event passes (the
    caller's own lookup reports it)."""
    owner = event_owner(event_id)
    if owner is not None:
        scope.require_event(viewer, action, owner)


def _acting(viewer: scope.Viewer, staff_id: int | None) -> int | None:
    """Who the audit names: the signed-in viewer (whose ``create`` row makes them the event's
    creator, so no caller can name someone else), else the ``staff_id`` of a trusted caller."""
    return viewer.staff_id if viewer.staff_id is not None else staff_id


def create_event(values: dict, *, school_id: int, viewer: scope.Viewer, staff_id: int | None = None) -> int:
    """Add a plain event or a series (``ForbiddenError`` unless ``scope.may_create_event``)."""
    scope.require_event(viewer, "create", school_id=school_id)
    staff_id = _acting(viewer, staff_id)
    data = {f: values.get(f) for f in EVENT_FIELDS}
    for f in TEXT_FIELDS:
        data[f] = data[f] or ""
    with dbmod.write():
        e = Event.create(school=school_id, **data)
        _audit(staff_id, e.id, "create", {}, {k: v for k, v in data.items() if v not in (None, "")})
    return e.id


def update_series(event_id: int, values: dict, *, viewer: scope.Viewer, staff_id: int | None = None) -> int:
    """Save the event (or the whole series); returns how many single-date changes no longer apply
    (and were removed). ``ForbiddenError`` unless ``scope.may_change_event``."""
    dropped = 0
    staff_id = _acting(viewer, staff_id)
    with dbmod.write():
        _require_event(viewer, "edit", event_id)
        e = Event.get_by_id(event_id)
        old, new = {}, {}
        for f in EVENT_FIELDS:
            v = values.get(f)
            if f in TEXT_FIELDS:
                v = v or ""
            before = getattr(e, f)
            if f in ("start_date", "end_date"):
                before = _d(before)
            if before != v:
                old[f], new[f] = before, v
                setattr(e, f, v)
        if not new:
            return 0
        e.save()
        if "rrule" in new or "start_date" in new:
            keep = set()
            exc = list(Event.select().where(Event.series == e.id))
            if e.rrule and exc:
                occ_dates = [_d(x.occurrence) for x in exc]
                keep = set(series_dates(e.rrule, _d(e.start_date), min(occ_dates), max(occ_dates)))
            for x in exc:
                if _d(x.occurrence) not in keep:
                    x.delete_instance()
                    dropped += 1
        _audit(staff_id, e.id, "update", old, new)
    return dropped


def save_occurrence(series_id: int, occurrence: dt.date, values: dict, *, viewer: scope.Viewer,
                    staff_id: int | None = None) -> int:
    """Change one date of a series (an exception row); returns the exception's id.
    ``ForbiddenError`` unless the viewer may change the series."""
    staff_id = _acting(viewer, staff_id)
    data = {f: values.get(f) for f in EVENT_FIELDS}
    for f in TEXT_FIELDS:
        data[f] = data[f] or ""
    data["end_date"] = None
    with dbmod.write():
        _require_event(viewer, "edit", series_id)
        root = Event.get_by_id(series_id)
        row = Event.get_or_none((Event.series == series_id) & (Event.occurrence == occurrence))
        if row is None:
            row = Event.create(school=root.school_id, series=series_id, occurrence=occurrence, cancelled=False, **data)
            _audit(staff_id, row.id, "create", {}, {"series": series_id, "occurrence": occurrence, **data})
        else:
            for f, v in data.items():
                setattr(row, f, v)
            row.cancelled = False
            row.save()
            _audit(staff_id, row.id, "update", {}, data)
    return row.id


def cancel_occurrence(series_id: int, occurrence: dt.date, *, viewer: scope.Viewer,
                      staff_id: int | None = None) -> None:
    """Delete one date of a series: it stays in the series as cancelled; its attendance goes.
    ``ForbiddenError`` unless the viewer may change the series."""
    staff_id = _acting(viewer, staff_id)
    with dbmod.write():
        _require_event(viewer, "delete", series_id)
        root = Event.get_by_id(series_id)
        row = Event.get_or_none((Event.series == series_id) & (Event.occurrence == occurrence))
        if row is None:
            row = Event.create(school=root.school_id, series=series_id, occurrence=occurrence, cancelled=True,
                               title=root.title, kind=root.kind, start_date=occurrence, start_time=root.start_time,
                               place=root.place, organiser=root.organiser, notes=root.notes, rrule="")
        else:
            row.cancelled = True
            row.save()
        Attendance.delete().where((Attendance.event == series_id) & (Attendance.on_date == occurrence)).execute()
        _audit(staff_id, row.id, "delete", {"occurrence": occurrence}, {"cancelled": True})


def delete_event(event_id: int, *, viewer: scope.Viewer, staff_id: int | None = None) -> None:
    """Delete an event or a whole series, with its single-date changes and attendance.
    ``ForbiddenError`` unless the viewer may change it."""
    staff_id = _acting(viewer, staff_id)
    with dbmod.write():
        _require_event(viewer, "delete", event_id)
        e = Event.get_by_id(event_id)
        old = {f: getattr(e, f) for f in EVENT_FIELDS}
        e.delete_instance(recursive=True, delete_nullable=True)
        _audit(staff_id, event_id, "delete", old, {})


def attendance_count(event_id: int, on_date: dt.date | None = None) -> int:
    q = Attendance.select().where(Attendance.event == event_id)
    if on_date is not None:
        q = q.where(Attendance.on_date == on_date)
    return q.count()


# --------------------------------------------------------------------------- attendance


def attendance(event_id: int, on_date: dt.date) -> set[int]:
    """The children who took part in an occurrence."""
    return {cid for (cid,) in Attendance.select(Attendance.child)
            .where((Attendance.event == event_id) & (Attendance.on_date == on_date)).tuples()}


def set_attendance(event_id: int, on_date: dt.date, child_ids: Iterable[int], *, viewer: scope.Viewer,
                   staff_id: int | None = None) -> tuple[int, int]:
    """Make exactly ``child_ids`` the participants of an occurrence; returns (added, removed).

    Only children the viewer sees are added or removed (``ForbiddenError`` otherwise, nothing
    written): the others' attendance is kept as it is. Only who ``scope.may_mark_attendance``."""
    wanted = {int(c) for c in child_ids}
    staff_id = _acting(viewer, staff_id)
    with dbmod.write():
        _require_event(viewer, "attendance", event_id)
        Event.get_by_id(event_id)
        have = attendance(event_id, on_date)
        add, drop = wanted - have, have - wanted
        visible = scope.visible_child_ids(viewer)
        if visible is not None and (add | drop) - visible:
            raise scope.ForbiddenError()
        if drop:
            Attendance.delete().where((Attendance.event == event_id) & (Attendance.on_date == on_date)
                                      & Attendance.child.in_(sorted(drop))).execute()
        if add:
            Attendance.insert_many([{"event": event_id, "child": c, "on_date": on_date} for c in sorted(add)]).execute()
        if add or drop:
            _audit(staff_id, event_id, "update", {"attendance": on_date, "removed": sorted(drop)},
                   {"attendance": on_date, "added": sorted(add)})
    return len(add), len(drop)


def events_attended(child_id: int) -> list[dict]:
    """The events a child took part in, newest first: date, title, kind (a moved or renamed single
    date of a series shows its own date and title)."""
    rows = list(Attendance.select(Attendance.on_date, Event.id, Event.title, Event.kind)
                .join(Event, on=(Attendance.event == Event.id))
                .where(Attendance.child == child_id).tuples())
    if not rows:
        return []
    exc = {}
    ids = sorted({r[1] for r in rows})
    for x in Event.select().where(Event.series.in_(ids)):
        exc[(x.series_id, _d(x.occurrence))] = x
    out = []
    for on_date, eid, title, kind in rows:
        day = _d(on_date)
        x = exc.get((eid, day))
        if x is not None and not x.cancelled:
            out.append({"date": _d(x.start_date), "title": x.title, "kind": x.kind, "event_id": eid})
        else:
            out.append({"date": day, "title": title, "kind": kind, "event_id": eid})
    out.sort(key=lambda r: (r["date"], r["title"]), reverse=True)
    return out


# --------------------------------------------------------------------------- birthdays, reminders


@dataclass(frozen=True)
class Birthday:
    day: dt.date  # this year's birthday
    child_id: int
    name: str
    class_name: str
    age: int


def birthdays(school_id: int, lo: dt.date, hi: dt.date, *, viewer: scope.Viewer) -> list[Birthday]:
    """Left-behind children (在读) the viewer sees whose birthday falls in [lo, hi] (29 Feb: 28 Feb
    in other years)."""
    q = (Child.select(Child.id, Child.name, Child.birth_date, Classroom.name)
         .join(Classroom, pw.JOIN.LEFT_OUTER, on=(Child.classroom == Classroom.id))
         .where((Child.school == school_id) & (Child.status == "在读") & (Child.left_behind_type != "")
                & Child.birth_date.is_null(False) & scope.child_condition(viewer)).tuples())
    out = []
    for cid, name, birth, class_name in q:
        birth = _d(birth)
        for year in range(lo.year, hi.year + 1):
            try:
                day = birth.replace(year=year)
            except ValueError:  # 29 Feb
                day = dt.date(year, 2, 28)
            if lo <= day <= hi and day > birth:
                out.append(Birthday(day, cid, name, class_name or "", year - birth.year))
    out.sort(key=lambda b: (b.day, b.class_name, b.name))
    return out


@dataclass(frozen=True)
class Reminder:
    day: dt.date
    kind: str  # 活动 / 生日 / 书信 / 节日
    text: str


def reminders(school_id: int, start: dt.date, days: int = 7, *, viewer: scope.Viewer) -> list[Reminder]:
    """The next ``days`` days from ``start`` (inclusive): events, birthdays, festivals, and letters
    home before 中秋 and 春节 (from ``LETTER_LEAD_DAYS`` before the festival)."""
    hi = start + dt.timedelta(days=days - 1)
    out: list[Reminder] = []
    for o in occurrences(school_id, start, hi):
        if o.day >= start:
            when = f" {o.time_text}" if o.time else ""
            out.append(Reminder(o.day, "活动", f"{o.title}{when}"))
    for b in birthdays(school_id, start, hi, viewer=viewer):
        out.append(Reminder(b.day, "生日", f"{b.name} ({b.class_name}) {b.age}岁生日"))
    look = hi + dt.timedelta(days=LETTER_LEAD_DAYS)
    d = start
    while d <= look:
        try:
            info = day_info(d)
        except CalendarError:
            break
        if d <= hi:
            for name in info.festival_names:
                out.append(Reminder(d, "节日", name))
        for name in info.festival_names:
            if name in LETTER_FESTIVALS:
                out.append(Reminder(max(start, d - dt.timedelta(days=LETTER_LEAD_DAYS)), "书信",
                                    f"{d.month}月{d.day}日{name}: 爱心妈妈指导留守儿童给父母写亲情书信"))
        d += dt.timedelta(days=1)
    order = {"节日": 0, "书信": 1, "活动": 2, "生日": 3}
    out.sort(key=lambda r: (r.day, order.get(r.kind, 9)))
    return out


def duties_on(day: dt.date, *, viewer: scope.Viewer, school_id: int, staff_id: int | None = None,
              today: dt.date | None = None):
    """The talk-log duties that fall due on ``day`` (as known today; a past day as it stood then)."""
    from models import duties

    today = today or dt.date.today()
    if day <= today:
        found = duties.open_duties(day, viewer=viewer, school_id=school_id, staff_id=staff_id, horizon_days=0)
    else:
        term = duties.term_for(today, school_id=school_id)
        if term is None or day not in term:
            return []
        found = duties.open_duties(today, viewer=viewer, school_id=school_id, staff_id=staff_id,
                                   horizon_days=(day - today).days)
    return [d for d in found if d.due == day]


# --------------------------------------------------------------------------- the term plan


SPRING = terms.SPRING
AUTUMN = terms.AUTUMN


@dataclass(frozen=True)
class TemplateItem:
    """A plan item: in ``month`` (1–12; 0 = the term's last weeks), the ``week``-th ``weekday``
    (0 = Monday), or on a festival (``festival``: a library festival name)."""

    title: str
    kind: str
    organiser: str = ""
    month: int = 0
    week: int = 1
    weekday: int = 0
    festival: str = ""
    place: str = ""
    time: dt.time | None = None
    notes: str = ""
    rrule: str = ""  # a recurring duty: the RRULE without its end (ends with the term)


_T = TemplateItem
# The seed's 活动行事历 (2月–8月) and the spring festival activities.
SPRING_TEMPLATE: tuple[TemplateItem, ...] = (
    _T("制定学期留守儿童工作计划", "会议", "德育处", 2, 4, 3, place="会议室", time=dt.time(15, 0)),
    _T("清理留守儿童档案，落实人员职责", "检查", "教导处", 2, 4, 4, place="留守儿童之家"),
    _T("困难“留守儿童”摸底调查", "活动", "德育处", 3, 1, 2, notes="各班主任逐一核实，特困、特长、残障（三特生）详细记载。"),
    _T("召开“留守儿童”工作会议", "会议", "校长室", 3, 2, 3, place="会议室", time=dt.time(16, 0)),
    _T("“留守儿童”结对帮扶落实情况检查", "检查", "德育处", 3, 3, 4),
    _T("“留守儿童”课外兴趣小组活动", "活动", "教导处", 4, 2, 2, place="留守儿童之家", time=dt.time(15, 40)),
    _T("“潜能生”特长展示", "活动", "少先队大队部", 4, 4, 4, place="学校操场", time=dt.time(14, 30)),
    _T("开设留守儿童信箱、专栏和广播栏目", "活动", "德育处", 5, 2, 0, place="留守儿童之家"),
    _T("法制、安全、心理健康教育讲座", "讲座", "德育处", 5, 3, 3, place="学校礼堂", time=dt.time(14, 30)),
    _T("心理咨询室教师与“潜能生”谈话疏导", "活动", "心理咨询室", 6, 2, 2),
    _T("检查班主任“留守儿童”工作手册", "检查", "校长室", 6, 4, 2),
    _T("“留守儿童”工作整理评比", "检查", "德育处", 6, 4, 4),
    _T("部分“留守儿童”家长座谈会", "会议", "德育处", 7, 2, 2, place="会议室", time=dt.time(10, 0)),
    _T("调整、完善家长学校及家长委员会成员", "会议", "校长室", 7, 2, 4),
    _T("留守儿童“家长开放日”宣传及接待", "活动", "德育处", 8, 2, 2, place="留守儿童之家"),
    _T("留守儿童家长培训会", "培训", "德育处", 8, 3, 3, place="学校礼堂", time=dt.time(9, 30)),
    _T("“留守儿童”监护人培训", "培训", "德育处", 8, 3, 4, place="学校礼堂", time=dt.time(9, 30),
       notes="隔代教育、安全监护、防溺水。"),
    _T("春季学期留守儿童工作总结会", "会议", "校长室", 0, 1, 4, place="会议室", time=dt.time(15, 0),
       notes="评比优秀小老师、优秀留守儿童、先进爱心妈妈。"),
    # festival activities (the seed's 德育教育 on 重大节日) and a letter home
    _T("三八妇女节：关爱女孩活动", "节日活动", "少先队大队部", festival="妇女节", notes="给妈妈、奶奶写一句祝福。"),
    _T("五一劳动节：热爱劳动、尊重劳动人民", "节日活动", "少先队大队部", festival="劳动节",
       notes="假期在家帮监护人做一件家务。"),
    _T("五四青年节：弘扬民族精神教育", "节日活动", "少先队大队部", festival="青年节"),
    _T("六一儿童节：奋发学习，当好接班人", "节日活动", "少先队大队部", festival="儿童节", place="学校操场"),
    _T("端午节：给远方的父母写一封亲情书信", "节日活动", "德育处", festival="端午节", place="留守儿童之家"),
    _T("七一建党节：热爱党、歌颂党", "节日活动", "少先队大队部", festival="建党节", place="学校礼堂"),
    # recurring duties of the term
    _T("升旗仪式暨主题班会", "活动", "少先队大队部", place="学校操场", time=dt.time(7, 50),
       rrule="FREQ=WEEKLY;BYDAY=MO"),
    _T("工作手册月检", "检查", "校长室", rrule="FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
       notes="每月最后一个工作日检查班主任、帮扶教师的工作手册。"),
)
# The same plan for the autumn term (9月–1月).
AUTUMN_TEMPLATE: tuple[TemplateItem, ...] = (
    _T("开学摸底：留守儿童排查、更新名册", "活动", "德育处", 9, 1, 1),
    _T("建立健全留守儿童档案（建档率100%）", "检查", "教导处", 9, 2, 4),
    _T("结对帮扶工作会：落实帮扶教师、爱心妈妈、学习帮手", "会议", "校长室", 9, 3, 1, place="会议室", time=dt.time(16, 0)),
    _T("法制、安全、心理健康教育讲座", "讲座", "德育处", 10, 3, 4, place="学校礼堂", time=dt.time(14, 30)),
    _T("监护人座谈会", "会议", "德育处", 10, 4, 4, place="学校会议室", time=dt.time(15, 0)),
    _T("秋季游览“家乡变化我来看”", "活动", "少先队大队部", 10, 4, 2),
    _T("交通安全知识讲座", "讲座", "德育处", 11, 1, 4, place="学校礼堂", time=dt.time(14, 30)),
    _T("期中检查：谈心记录、家访手记抽查", "检查", "教导处", 11, 2, 2),
    _T("家长会（含监护人）", "会议", "校长室", 11, 3, 4, place="各班教室", time=dt.time(15, 0)),
    _T("监护人培训：隔代教育", "培训", "德育处", 11, 4, 2, place="学校礼堂", time=dt.time(15, 0)),
    _T("留守儿童心理健康团体辅导", "活动", "心理咨询室", 12, 3, 2, place="心理咨询室"),
    _T("检查班主任“留守儿童”工作手册", "检查", "校长室", 12, 4, 2),
    _T("“留守儿童”工作整理评比", "检查", "德育处", 1, 2, 3),
    _T("寒假安全教育，给父母写一封信", "活动", "德育处", 0, 1, 2),
    _T("秋季学期留守儿童工作总结会", "会议", "校长室", 0, 1, 4, place="会议室", time=dt.time(15, 0),
       notes="评比优秀小老师、优秀留守儿童、先进爱心妈妈。"),
    _T("中秋节“月圆寄相思”亲情活动", "节日活动", "德育处", festival="中秋节", place="留守儿童之家",
       notes="节前写亲情书信；当天与父母视频通话。"),
    _T("国庆节爱国主义教育：“我和我的祖国”", "节日活动", "少先队大队部", festival="国庆节", place="学校操场"),
    _T("重阳节“孝老爱亲”活动", "节日活动", "少先队大队部", festival="重阳节",
       notes="九月初九：为爷爷奶奶做一件事。"),
    _T("升旗仪式暨主题班会", "活动", "少先队大队部", place="学校操场", time=dt.time(7, 50),
       rrule="FREQ=WEEKLY;BYDAY=MO"),
    _T("工作手册月检", "检查", "校长室", rrule="FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
       notes="每月最后一个工作日检查班主任、帮扶教师的工作手册。"),
)


# One term model for the whole app (models/terms.py): the plan, duties and the handbook agree.
TermDates = terms.Term
default_term = terms.default_term
saved_term = terms.saved_term


def term_containing(day: dt.date) -> TermDates:
    """The term whose plan a day belongs to, with suggested dates (August plans with the spring term)."""
    return default_term(*terms.planning_term(day))


def _weekday_on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def _weekday_on_or_before(day: dt.date, weekday: int) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - weekday) % 7)


def save_term(term: TermDates, *, school_id: int | None, viewer: scope.Viewer, staff_id: int | None = None) -> None:
    """Keep the term's dates as the school's settings (when this version has settings); admin
    and head only (``scope.may_plan_term``)."""
    scope.require_term_plan(viewer)
    staff_id = _acting(viewer, staff_id)
    check_term(term)
    settings.put(school_id, terms.setting_key(term.name, term.year, "start"), term.start.isoformat(),
                 staff_id=staff_id)
    settings.put(school_id, terms.setting_key(term.name, term.year, "end"), term.end.isoformat(), staff_id=staff_id)


def check_term(term: TermDates) -> None:
    check_lunar_range(term.start)
    check_lunar_range(term.end)
    if term.end <= term.start:
        raise CalendarError("放假日期必须晚于开学日期")
    if (term.end - term.start).days > 200:
        raise CalendarError("一个学期不能超过 200 天, 请核对开学和放假日期")


@dataclass
class PlanItem:
    day: dt.date
    title: str
    kind: str
    organiser: str = ""
    place: str = ""
    time: dt.time | None = None
    notes: str = ""
    rrule: str = ""
    exists: bool = False  # the calendar already has it (same title in the same month, or the same series)

    def values(self) -> dict:
        return {"title": self.title, "kind": self.kind, "start_date": self.day, "end_date": None,
                "start_time": self.time, "place": self.place, "organiser": self.organiser,
                "notes": self.notes, "rrule": self.rrule}


def _school_day(day: dt.date) -> dt.date:
    """A weekend activity moves to the Friday before."""
    if day.weekday() >= 5:
        return day - dt.timedelta(days=day.weekday() - 4)
    return day


def _nth_weekday(year: int, month: int, week: int, weekday: int) -> dt.date:
    first = _weekday_on_or_after(dt.date(year, month, 1), weekday)
    day = first + dt.timedelta(weeks=week - 1)
    while day.month != month:  # a 5th week that does not exist: the last one
        day -= dt.timedelta(weeks=1)
    return day


def _norm_title(title: str) -> str:
    return re.sub(r"[\s\"'“”‘’「」『』:：，,、。.（）()!！]", "", title)


def plan_items(term: TermDates, *, school_id: int | None = None) -> list[PlanItem]:
    """The term's plan from its template, with every date worked out; nothing is written.

    Month items go on the template's weekday of that month (never before 开学: those move to the
    first school days); ``month=0`` items count back from 放假; festival items go on the festival
    (the Friday before when it falls on a weekend; 国庆 the school day before the holiday);
    recurring duties start on their first date after 开学 and end with the term.
    With ``school_id``, items the calendar already has are marked ``exists``.
    """
    check_term(term)
    template = SPRING_TEMPLATE if term.name == SPRING else AUTUMN_TEMPLATE
    items: list[PlanItem] = []
    early = 0
    for t in template:
        kw = dict(title=t.title, kind=t.kind, organiser=t.organiser, place=t.place, time=t.time, notes=t.notes)
        if t.rrule:
            first = series_dates(f"{t.rrule};UNTIL={term.end:%Y%m%d}", term.start, term.start, term.end)
            if first:
                items.append(PlanItem(day=first[0], rrule=f"{t.rrule};UNTIL={term.end:%Y%m%d}", **kw))
            continue
        if t.festival:
            year = term.start.year
            day = festival_date(year, t.festival)
            if day < term.start - dt.timedelta(days=31):
                day = festival_date(year + 1, t.festival)
            if t.festival == "国庆节":
                day = day - dt.timedelta(days=1)
            day = _school_day(day)
        elif t.month == 0:
            day = _weekday_on_or_before(term.end, t.weekday) - dt.timedelta(weeks=t.week - 1)
        else:
            year = term.start.year if t.month >= term.start.month or term.name == SPRING else term.start.year + 1
            day = _nth_weekday(year, t.month, t.week, t.weekday)
            if day < term.start:
                day = term.start + dt.timedelta(days=early)
                while day.weekday() >= 5:
                    day += dt.timedelta(days=1)
                early += 1
        items.append(PlanItem(day=day, **kw))
    items.sort(key=lambda i: (i.day, i.time or dt.time.min, i.title))
    if school_id is not None:
        _mark_existing(items, school_id, term)
    return items


def _mark_existing(items: list[PlanItem], school_id: int, term: TermDates) -> None:
    """An item exists when the calendar has its title (quotes and punctuation aside) around the
    term, give or take a month; a recurring duty, when a series of that title runs in the term."""
    lo = min([term.start, *(i.day for i in items)]) - dt.timedelta(days=31)
    hi = max([term.end, *(i.day for i in items)]) + dt.timedelta(days=31)
    have = occurrences(school_id, lo, hi)
    titles = {_norm_title(o.title) for o in have}
    series = {_norm_title(o.title) for o in have if o.recurring and term.start <= o.day <= term.end}
    for item in items:
        item.exists = _norm_title(item.title) in (series if item.rrule else titles)


def write_plan(items: Iterable[PlanItem], *, school_id: int, viewer: scope.Viewer,
               staff_id: int | None = None) -> list[int]:
    """Write the chosen plan items as events, all or nothing; admin and head only (the term
    plan is the whole school's)."""
    scope.require_term_plan(viewer)
    ids = []
    with dbmod.write():
        for item in items:
            ids.append(create_event(item.values(), school_id=school_id, viewer=viewer, staff_id=staff_id))
    return ids
