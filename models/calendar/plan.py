"""The term plan (学期行事历): the seed plan's items laid on a term's dates, and the term dates kept as settings."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Iterable

from models import db as dbmod
from models import scope, settings, terms
from models.calendar.lunar import CalendarError, check_lunar_range, festival_date
from models.calendar.occurrences import occurrences
from models.calendar.recurrence import series_dates
from models.calendar.saving import _acting, create_event


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
