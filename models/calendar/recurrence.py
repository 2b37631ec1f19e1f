"""RRULE text: building, reading and checking a series' rule (RFC 5545 via python-dateutil)."""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from models.duties import RuleError, parse_rrule
from models.calendar.lunar import CalendarError, WEEKDAYS, add_months


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
