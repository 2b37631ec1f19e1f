"""Lunar dates, festivals and solar terms (``lunar_python``, imported on first use), and the app's date range."""
from __future__ import annotations

import calendar as _cal
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from models.errors import UserError


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


class CalendarError(UserError, ValueError):
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
