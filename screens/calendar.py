"""行事历 (4): the month grid (``tui.widgets.month_grid``) with a title and a status line; the
arrows move the day, pageup/pagedown the month, enter opens the day's agenda. The screen reads the
month's days and events and hands them to the grid.
"""
from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from models import calendar as cal
from models import scope
from models.calendar import DayInfo, Occurrence
from screens.event_actions import EventKeys, choose_occurrence, delete_occurrence, edit_occurrence, open_attendance
from screens.day_agenda import DayAgendaScreen
from screens.event_form import EventFormScreen
from screens.lines import line
from screens.term_plan import TermPlanScreen
from tui.widgets.footer import Footer
from tui.widgets.guard import DatabaseGuard
from tui.widgets.month_grid import MonthGrid
from tui.chrome import TitleBar
from tui.list_screen import DataChanged, LiveData


class CalendarScreen(LiveData, DatabaseGuard, EventKeys, Screen):
    """行事历: move with the arrows, pageup/pagedown for months, enter for the day's agenda."""

    BINDINGS = [
        Binding("left", "move(-1)", "前一天", show=False),
        Binding("right", "move(1)", "后一天", show=False),
        Binding("up", "move(-7)", "上一周", show=False),
        Binding("down", "move(7)", "下一周", show=False),
        Binding("pageup", "month(-1)", "上月", key_display="PgUp"),
        Binding("pagedown", "month(1)", "下月", key_display="PgDn"),
        Binding("home", "today", "今天", key_display="Home"),
        Binding("enter", "agenda", "日程"),
        Binding("n", "new", "新建"),
        Binding("e", "edit", "修改"),
        Binding("d", "delete", "删除"),
        Binding("a", "attendance", "参与"),
        Binding("g", "plan", "学期计划", key_display="g"),
        *EventKeys.KEY_BINDINGS,
        Binding("g", "refuse_plan", show=False),
    ]
    DEFAULT_CSS = """
    #cal-title { height: 1; padding: 0 1; background: $boost; text-style: bold; }
    #cal-status { height: 1; padding: 0 1; background: $boost; }
    #cal-title, #cal-status { text-wrap: nowrap; text-overflow: clip; }
    """

    def __init__(self, today: dt.date | None = None) -> None:
        super().__init__()
        self.today = today or dt.date.today()
        self.selected = self.today
        self.shown_month: tuple[int, int] | None = None
        self.occs: list[Occurrence] = []
        self.by_day: dict[dt.date, list[Occurrence]] = {}

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(id="cal-title")
        yield MonthGrid(id="cal-grid")
        yield Static(id="cal-status")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        if self.is_mounted and self.shown_month is not None:
            self.reload()

    def on_data_changed(self, message: DataChanged) -> None:
        """Another user's change (the app's watcher): the month again, inline (a month's events)."""
        if self.is_mounted and self.shown_month is not None:
            self.reload()

    # -- data ---------------------------------------------------------------
    def reload(self) -> None:
        year, month = self.selected.year, self.selected.month
        infos = {i.day: i for i in cal.month_days(year, month)}
        first = dt.date(year, month, 1)
        last = cal.add_months(first, 1) - dt.timedelta(days=1)
        self.occs = cal.occurrences(self.app.school_id, first, last)
        self.by_day = cal.by_day(self.occs, first, last)
        self.shown_month = (year, month)
        self.load_owners(self.occs)
        self.query_one(MonthGrid).show(cal.month_grid(year, month), infos, self.by_day, self.selected, self.today)
        self._title(infos)
        self._status()

    def _title(self, infos: dict[dt.date, DayInfo]) -> None:
        year, month = self.shown_month
        days = sorted(infos)
        first, last = infos[days[0]], infos[days[-1]]
        months = first.lunar_month if first.lunar_month == last.lunar_month else f"{first.lunar_month}-{last.lunar_month}"
        if first.ganzhi_year == last.ganzhi_year:
            lunar_year = f"{first.ganzhi_year}{first.zodiac}年"
        else:
            lunar_year = f"{first.ganzhi_year}/{last.ganzhi_year}年"
        n = len({(o.root_id, o.day) for o in self.occs})
        text = f"{year}年{month}月  农历{lunar_year} {months}  活动 {n} 项"
        self.query_one("#cal-title", Static).update(line(text))

    def _status(self, message: str | None = None) -> None:
        if message is None:
            day = self.selected
            info = cal.day_info(day)
            parts = [f"{day.month}月{day.day}日 {cal.weekday_name(day)}", info.lunar_text]
            names = list(info.festival_names)
            if info.solar_term and info.solar_term not in cal.TERM_FESTIVALS:
                names.append(info.solar_term)
            if names:
                parts.append("、".join(names))
            occs = self.by_day.get(day, [])
            if occs:
                parts.append(f"{len(occs)}项: " + "、".join(o.title for o in occs[:3]))
            else:
                parts.append("无活动")
            message = "  ".join(parts)
        self.query_one("#cal-status", Static).update(line(message))

    def go(self, day: dt.date) -> None:
        try:
            cal.check_lunar_range(day)
        except cal.CalendarError as exc:
            self.notify(str(exc), severity="warning", timeout=3)
            return
        self.selected = day
        if (day.year, day.month) != self.shown_month:
            self.reload()
        else:
            self.query_one(MonthGrid).select(day)
            self._status()
        self.refresh_bindings()

    # -- keys ---------------------------------------------------------------
    def action_move(self, days: int) -> None:
        try:
            self.go(self.selected + dt.timedelta(days=days))
        except OverflowError:
            self.notify("超出日期范围", severity="warning")

    def action_month(self, months: int) -> None:
        try:
            self.go(cal.add_months(self.selected, months))
        except (ValueError, OverflowError):
            self.notify("超出日期范围", severity="warning")

    def action_today(self) -> None:
        self.go(self.today)

    def on_month_grid_day_clicked(self, event: MonthGrid.DayClicked) -> None:
        self.go(event.day)

    def _after(self, changed=None) -> None:
        if changed:
            self.reload()

    def action_agenda(self) -> None:
        def back(day: dt.date | None = None) -> None:
            if isinstance(day, dt.date):
                self.selected = day
            self.reload()

        self.app.push_screen(DayAgendaScreen(self.selected, today=self.today), back)

    def action_new(self) -> None:
        self.app.push_screen(EventFormScreen(day=self.selected), self._after)

    def _key_occs(self) -> list[Occurrence]:
        return self.by_day.get(self.selected, [])

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "plan":
            return scope.may_plan_term(self.app.viewer)
        return super().check_action(action, parameters)

    def action_refuse_plan(self) -> None:
        self.notify(scope.TERM_PLAN_FORBIDDEN, severity="warning", timeout=4, markup=False)

    # only the events the viewer may change are offered (models.scope)
    def action_edit(self) -> None:
        choose_occurrence(self, self.allowed("edit"), "修改", lambda o: edit_occurrence(self, o, self._after))

    def action_delete(self) -> None:
        choose_occurrence(self, self.allowed("delete"), "删除", lambda o: delete_occurrence(self, o, self._after))

    def action_attendance(self) -> None:
        choose_occurrence(self, self.allowed("attendance"), "登记参与",
                          lambda o: open_attendance(self, o, self._after))

    def action_plan(self) -> None:
        self.app.push_screen(TermPlanScreen(cal.term_containing(self.selected)), self._after)
