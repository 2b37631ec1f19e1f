"""The school's terms (学期): the one term model of duties, the handbook, the calendar and the sample.

A term runs from 开学 to 放假 as the school set them in the 行事历 (kept as settings), else from
suggested dates. The days between terms (寒假, 暑假) belong to no term, so no duty falls due there and
a handbook month counts deadlines only up to the term's last day (July and January are part months).
A leaf module: it reads settings and nothing that reads it back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import peewee as pw

from models import settings
from models.errors import UserError

SPRING = "春季学期"
AUTUMN = "秋季学期"
SETTING_PREFIX = "calendar.term."
_SEASON_KEY = {SPRING: "spring", AUTUMN: "autumn"}


class TermError(UserError, ValueError):
    """A term name or dates that cannot be (message in Chinese)."""


@dataclass(frozen=True)
class Term:
    name: str  # 春季学期 / 秋季学期
    year: int  # the calendar year the term starts in
    start: dt.date  # 开学
    end: dt.date  # 放假 (last school day)

    @property
    def label(self) -> str:
        """e.g. 2026年秋季学期 (the 行事历's name for it)."""
        return f"{self.year}年{self.name}"

    @property
    def school_year_label(self) -> str:
        """e.g. 2026-2027学年秋季学期 (the handbook's name for it)."""
        first = self.year if self.name == AUTUMN else self.year - 1
        return f"{first}-{first + 1}学年{self.name}"

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@lru_cache(maxsize=64)
def spring_festival(year: int) -> dt.date:
    """春节 (正月初一) of a year; about 1 February outside the lunar library's range."""
    try:
        from lunar_python import Lunar

        solar = Lunar.fromYmd(year, 1, 1).getSolar()
        return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())
    except Exception:  # the library covers about 1900-2100; dates run to 2999
        return dt.date(year, 2, 1)


def _weekday_on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def _weekday_on_or_before(day: dt.date, weekday: int) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - weekday) % 7)


def default_term(name: str, year: int) -> Term:
    """Suggested term dates, to be checked by the school: spring from the first Monday at least 13 days
    after 春节 (2026-03-02, 2027-02-22) to the second Friday of July; autumn from 1 September (or the
    Monday after) to the Friday at least a week before 春节 (and no later than the last Friday of January)."""
    if name == SPRING:
        start = _weekday_on_or_after(spring_festival(year) + dt.timedelta(days=13), 0)
        end = _weekday_on_or_after(dt.date(year, 7, 1), 4) + dt.timedelta(days=7)
        return Term(SPRING, year, start, end)
    if name == AUTUMN:
        sep1 = dt.date(year, 9, 1)
        start = sep1 if sep1.weekday() < 5 else _weekday_on_or_after(sep1, 0)
        cap = min(spring_festival(year + 1) - dt.timedelta(days=7), dt.date(year + 1, 1, 31))
        return Term(AUTUMN, year, start, _weekday_on_or_before(cap, 4))
    raise TermError(f"学期只能是 {SPRING} 或 {AUTUMN}")


def planning_term(day: dt.date) -> tuple[str, int]:
    """The term whose plan a day belongs to (August plans the spring term's 暑假 with it)."""
    if 2 <= day.month <= 8:
        return SPRING, day.year
    return AUTUMN, day.year if day.month >= 9 else day.year - 1


def setting_key(name: str, year: int, which: str) -> str:
    return f"{SETTING_PREFIX}{year}.{_SEASON_KEY[name]}.{which}"


def from_settings(name: str, year: int, stored: dict[str, str]) -> Term:
    """The term with the school's stored 开学/放假 (``stored``: settings by key), else the suggested dates."""
    term = default_term(name, year)
    start, end = stored.get(setting_key(name, year, "start")), stored.get(setting_key(name, year, "end"))
    try:
        return Term(name, year, dt.date.fromisoformat(start) if start else term.start,
                    dt.date.fromisoformat(end) if end else term.end)
    except ValueError:  # a hand-edited setting that is not a date: the suggestion stands
        return term


def _stored(school_id: int | None) -> dict[str, str]:
    try:
        return settings.get_many(school_id, SETTING_PREFIX)
    except pw.DatabaseError:  # a database from before settings: only the suggested dates
        return {}


def saved_term(name: str, year: int, *, school_id: int | None) -> Term:
    """The term as the school set it in the 行事历, else ``default_term`` (one query)."""
    return from_settings(name, year, _stored(school_id))


def term_at(day: dt.date, *, school_id: int | None) -> Term | None:
    """The school's term that ``day`` falls in (one query), or None in 寒假 and 暑假."""
    return _term_in(day, _stored(school_id))


def _term_in(day: dt.date, stored: dict[str, str]) -> Term | None:
    for name, year in _terms_around(day):
        term = from_settings(name, year, stored)
        if day in term:
            return term
    return None


def _terms_around(day: dt.date) -> tuple[tuple[str, int], ...]:
    """The terms ``day`` may fall in: (name, year)."""
    return (AUTUMN, day.year - 1), (SPRING, day.year), (AUTUMN, day.year)


def warm(day: dt.date) -> None:
    """The suggested dates of the terms around ``day``, made ahead (春节 decides them: lunar_python
    takes ~10 ms for a year's first). Cached, so ``term_at`` then finds them made."""
    for name, year in _terms_around(day):
        default_term(name, year)


def terms_at(day: dt.date, school_ids) -> dict[int, Term | None]:
    """``term_at`` for many schools in one query (the county dashboard): each school's own 开学/放假."""
    from models.entities import Setting

    ids = sorted(set(school_ids))
    stored: dict[int, dict[str, str]] = {sid: {} for sid in ids}
    if ids:
        try:
            for sid, key, value in (Setting.select(Setting.school, Setting.key, Setting.value)
                                    .where(Setting.school.in_(ids) & Setting.key.startswith(SETTING_PREFIX))
                                    .tuples()):
                stored[sid][key] = value
        except pw.DatabaseError:  # a database from before settings: only the suggested dates
            pass
    return {sid: _term_in(day, values) for sid, values in stored.items()}


def terms_overlapping(first: dt.date, last: dt.date, *, school_id: int | None) -> list[Term]:
    """The school's terms with at least one day in [first, last], in order (one query)."""
    stored = _stored(school_id)
    found = []
    for year in range(first.year - 1, last.year + 1):
        for name in (SPRING, AUTUMN):
            term = from_settings(name, year, stored)
            if term.start <= last and first <= term.end:
                found.append(term)
    return found
