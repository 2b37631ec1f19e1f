"""行事历 (4): the month as a 7 x 6 grid of days, each 3 lines: the date and its number of events,
the festival / solar term / lunar day, and the first event's title.

Drawn through the line API (one ``Strip`` per terminal line), at any width from 70 columns:
at 80x24 each day is 11 columns wide. Only plain ASCII and CJK characters go into the grid —
East-Asian ambiguous glyphs (“ ” …  ①) are replaced, because many Chinese terminals draw them
two cells wide and would break the columns.
"""
from __future__ import annotations

import datetime as dt

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from models import calendar as cal
from models import scope
from models.scope import ForbiddenError
from models.calendar import DayInfo, Occurrence
from tui.text import clean, content
from tui.guard import DatabaseGuard
from tui.chrome import TitleBar

NO_QUOTES = str.maketrans("", "", "“”‘’「」『』\"'")
WEEK_ROWS = 6
CELL_LINES = 3


def cell_text(value: str, width: int) -> str:
    """User text for a grid cell: cleaned, quotes dropped (a cell has no room for them), other
    ambiguous glyphs replaced, cut to ``width`` cells."""
    text = cal.grid_safe(clean(value).translate(NO_QUOTES))
    if cell_len(text) > width:
        text = set_cell_size(text, width)
    return text


def line(value: str, *, one_line: bool = True):
    """A one-line Static's content: user text cleaned, ambiguous-width glyphs replaced (a line that
    came out wider than the terminal would wrap in a Chinese terminal)."""
    return content(cal.grid_safe(clean(value)), one_line=True)


def occ_line(o: Occurrence) -> str:
    """One line about an occurrence, for lists (not the grid)."""
    parts = [o.time_text or "全天", f"[{o.kind}]", o.title]
    if o.day != o.end:
        parts.append(f"({o.day:%m-%d}至{o.end:%m-%d})")
    if o.place:
        parts.append(f"@{o.place}")
    if o.recurring:
        parts.append("(重复, 已改)" if o.modified else "(重复)")
    return " ".join(parts)


class MonthGrid(Widget):
    """The days of one month; the screen owns the data and calls ``show``."""

    COMPONENT_CLASSES = {
        "monthgrid--header", "monthgrid--weekend", "monthgrid--festival", "monthgrid--term",
        "monthgrid--lunar", "monthgrid--event", "monthgrid--today", "monthgrid--selected", "monthgrid--alt",
    }
    DEFAULT_CSS = """
    MonthGrid { height: 19; width: 1fr; }
    MonthGrid > .monthgrid--header { text-style: bold; }
    MonthGrid > .monthgrid--weekend { color: $warning; }
    MonthGrid > .monthgrid--festival { color: $error; text-style: bold; }
    MonthGrid > .monthgrid--term { color: $success; }
    MonthGrid > .monthgrid--lunar { color: $text-muted; }
    MonthGrid > .monthgrid--event { color: $accent; }
    MonthGrid > .monthgrid--today { text-style: bold underline; }
    MonthGrid > .monthgrid--selected { background: $primary; color: $text; }
    MonthGrid > .monthgrid--alt { background: $boost; }
    """

    class DayClicked(Message):
        def __init__(self, day: dt.date) -> None:
            super().__init__()
            self.day = day

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.weeks: list[list[dt.date | None]] = []
        self.infos: dict[dt.date, DayInfo] = {}
        self.events: dict[dt.date, list[Occurrence]] = {}
        self.selected: dt.date | None = None
        self.today: dt.date | None = None

    def show(self, weeks, infos, events_by_day, selected: dt.date, today: dt.date) -> None:
        self.weeks, self.infos, self.events = weeks, infos, events_by_day
        self.selected, self.today = selected, today
        self.refresh()

    def select(self, day: dt.date) -> None:
        self.selected = day
        self.refresh()

    @property
    def cell_width(self) -> int:
        return max(6, self.size.width // 7)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"monthgrid--{name}", partial=True)

    def render_line(self, y: int) -> Strip:
        cw = self.cell_width
        base = self.rich_style
        if y == 0:
            segs = []
            for i, name in enumerate(cal.WEEKDAYS):
                style = base + self._style("header") + (self._style("weekend") if i >= 5 else Style())
                segs.append(Segment(set_cell_size(f" 周{name}", cw), style))
            return Strip(segs)
        row, line = divmod(y - 1, CELL_LINES)
        if row >= len(self.weeks):
            return Strip.blank(cw * 7, base)
        segs = []
        for col, day in enumerate(self.weeks[row]):
            cell_base = base + (self._style("alt") if row % 2 else Style())
            if day is None:
                segs.append(Segment(" " * cw, cell_base))
                continue
            if day == self.selected:
                cell_base = cell_base + self._style("selected")
            segs.extend(self._cell(day, line, cw, cell_base, weekend=col >= 5))
        return Strip(segs)

    def _cell(self, day: dt.date, line: int, cw: int, base: Style, *, weekend: bool) -> list[Segment]:
        info = self.infos.get(day)
        occs = self.events.get(day, [])
        if line == 0:
            num = f" {day.day:>2}"
            style = base + (self._style("weekend") if weekend else Style())
            if day == self.today:
                style = style + self._style("today")
            mark = "今" if day == self.today else ""
            count = f"{len(occs)}项" if occs else ""
            gap = cw - cell_len(num) - cell_len(mark) - cell_len(count) - 1
            if gap < 0:
                count = ""
                gap = cw - cell_len(num) - cell_len(mark)
            return [Segment(num, style), Segment(mark, style), Segment(" " * max(0, gap)),
                    Segment(count, base + self._style("event")), Segment(" ", base)]
        if line == 1:
            if info is None:
                return [Segment(" " * cw, base)]
            if info.festivals:
                kind = "festival"
            elif info.solar_term:
                kind = "term"
            else:
                kind = "lunar"
            return [Segment(set_cell_size(" " + cell_text(info.label, cw - 1), cw), base + self._style(kind))]
        if not occs:
            return [Segment(" " * cw, base)]
        return [Segment(set_cell_size(" " + cell_text(occs[0].title, cw - 1), cw), base + self._style("event"))]

    def on_click(self, event: events.Click) -> None:
        if event.y < 1:
            return
        row = (event.y - 1) // CELL_LINES
        col = event.x // self.cell_width
        if row < len(self.weeks) and col < 7 and self.weeks[row][col] is not None:
            self.post_message(self.DayClicked(self.weeks[row][col]))


class ChoiceScreen(DatabaseGuard, ModalScreen[int | None]):
    """Pick one line of a short list: arrows and enter, or its number; esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "取消")]
    DEFAULT_CSS = """
    ChoiceScreen { align: center middle; }
    #choice-box { width: 70; max-width: 100%; height: auto; max-height: 20; border: round $primary;
                  background: $surface; padding: 0 1; }
    #choice-list { height: auto; max-height: 14; border: none; }
    """

    def __init__(self, title: str, options: list[str]) -> None:
        super().__init__()
        self.title_text, self.options = title, options

    def compose(self) -> ComposeResult:
        from textual.containers import Vertical

        with Vertical(id="choice-box"):
            yield Static(content(self.title_text, one_line=True))
            yield OptionList(*[Option(content(f"{i + 1} {o}", one_line=True), id=str(i))
                               for i, o in enumerate(self.options)], id="choice-list")

    def on_mount(self) -> None:
        ol = self.query_one(OptionList)
        ol.highlighted = 0
        ol.focus()

    def on_key(self, event: events.Key) -> None:
        if event.character and event.character.isdigit():
            n = int(event.character) - 1
            if 0 <= n < len(self.options):
                event.stop()
                self.dismiss(n)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)


# --------------------------------------------------------------------------- shared event actions


def choose_occurrence(screen: Screen, occs: list[Occurrence], verb: str, then) -> None:
    """One occurrence: ``then(occ)`` at once; several: ask which."""
    if not occs:
        screen.notify("这一天没有活动, 按 n 新建", severity="warning", timeout=3)
        return
    if len(occs) == 1:
        then(occs[0])
        return

    def picked(i: int | None) -> None:
        if i is not None:
            then(occs[i])

    screen.app.push_screen(ChoiceScreen(f"{verb}哪一项?", [occ_line(o) for o in occs]), picked)


# --------------------------------------------------------------------------- who may use the keys


class EventKeys:
    """The event keys of the month view and the day agenda (n 新建, e 修改, d 删除, a 参与): shown
    only when ``models.scope`` allows them for the viewer (and, for e/d/a, an event in reach);
    pressed anyway, a hidden twin binding answers with the Chinese reason. ``models.calendar``
    checks the role again on every write: hiding a key is never the protection.

    A screen using it calls ``load_owners`` after reading its occurrences and defines
    ``_key_occs`` (the occurrences e/d/a act on)."""

    KEY_BINDINGS = [
        Binding("n", "refuse('create')", show=False),
        Binding("e", "refuse('edit')", show=False),
        Binding("d", "refuse('delete')", show=False),
        Binding("a", "refuse('attendance')", show=False),
    ]
    owners: dict[int, scope.EventOwner] = {}

    def load_owners(self, occs: list[Occurrence]) -> None:
        self.owners = cal.event_owners(o.root_id for o in occs)
        self.refresh_bindings()

    def may(self, action: str, occ: Occurrence) -> bool:
        owner = self.owners.get(occ.root_id)
        if owner is None:
            return False
        if action == "attendance":
            return scope.may_mark_attendance(self.app.viewer, owner)
        return scope.may_change_event(self.app.viewer, owner)

    def allowed(self, action: str) -> list[Occurrence]:
        return [o for o in self._key_occs() if self.may(action, o)]

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "new":
            return scope.may_create_event(self.app.viewer, self.app.school_id)
        if action in ("edit", "delete", "attendance"):
            return bool(self.allowed(action))
        return True

    def action_refuse(self, action: str) -> None:
        if action != "create" and not self._key_occs():
            message = "这一天没有活动" + (", 按 n 新建" if self.check_action("new", ()) else "")
        else:
            message = scope.EVENT_FORBIDDEN[action]
        self.notify(message, severity="warning", timeout=4, markup=False)


def run_refusable(screen: Screen, write) -> bool:
    """Run a calendar write; a ``ForbiddenError`` (the model's own check) becomes its notice."""
    try:
        write()
    except ForbiddenError as exc:
        screen.notify(str(exc), severity="error", timeout=4, markup=False)
        return False
    return True


def edit_occurrence(screen: Screen, occ: Occurrence, done) -> None:
    """Edit an event; for a series, first ask: this date only, or the whole series."""
    from screens.event_form import EventFormScreen

    if not occ.recurring:
        screen.app.push_screen(EventFormScreen(event_id=occ.root_id), done)
        return

    def scope(i: int | None) -> None:
        if i == 0:
            screen.app.push_screen(EventFormScreen(series_id=occ.root_id, occurrence=occ.occurrence, occ=occ), done)
        elif i == 1:
            screen.app.push_screen(EventFormScreen(event_id=occ.root_id), done)

    screen.app.push_screen(ChoiceScreen(f"“{occ.title}”是重复活动, 修改:",
                                        [f"只改这一次 ({occ.day:%m-%d})", "整个系列"]), scope)


def delete_occurrence(screen: Screen, occ: Occurrence, done) -> None:
    """Delete with confirmation; for a series: this date only, or the whole series."""
    from screens.confirm import ConfirmScreen

    staff, viewer = screen.app.staff_id, screen.app.viewer

    def confirm(question: str, action) -> None:
        def answer(yes: bool | None) -> None:
            if yes and run_refusable(screen, action):
                screen.notify("已删除", timeout=2)
                done(True)

        screen.app.push_screen(ConfirmScreen(question, yes="删除", no="不删"), answer)

    def whole() -> None:
        n = cal.attendance_count(occ.root_id)
        extra = f", 连同 {n} 条活动参与记录" if n else ""
        what = "整个系列" if occ.recurring else "这项活动"
        confirm(f"删除{what}“{clean(occ.title)}”{extra}? 删除后不能恢复。",
                lambda: cal.delete_event(occ.root_id, viewer=viewer, staff_id=staff))

    if not occ.recurring:
        whole()
        return

    def scope(i: int | None) -> None:
        if i == 0:
            n = cal.attendance_count(occ.root_id, occ.occurrence)
            extra = f", 连同 {n} 条活动参与记录" if n else ""
            confirm(f"删除 {occ.day:%m-%d} 这一次“{clean(occ.title)}”{extra}? 系列的其他日期不变。",
                    lambda: cal.cancel_occurrence(occ.root_id, occ.occurrence, viewer=viewer, staff_id=staff))
        elif i == 1:
            whole()

    screen.app.push_screen(ChoiceScreen(f"“{occ.title}”是重复活动, 删除:",
                                        [f"只删这一次 ({occ.day:%m-%d})", "删除整个系列"]), scope)


def open_attendance(screen: Screen, occ: Occurrence, done) -> None:
    from screens.attendance import AttendanceScreen

    screen.app.push_screen(AttendanceScreen(occ), done)


# --------------------------------------------------------------------------- the screen


class CalendarScreen(DatabaseGuard, EventKeys, Screen):
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
        from screens.day_agenda import DayAgendaScreen

        def back(day: dt.date | None = None) -> None:
            if isinstance(day, dt.date):
                self.selected = day
            self.reload()

        self.app.push_screen(DayAgendaScreen(self.selected, today=self.today), back)

    def action_new(self) -> None:
        from screens.event_form import EventFormScreen

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
        from screens.term_plan import TermPlanScreen

        self.app.push_screen(TermPlanScreen(cal.term_containing(self.selected)), self._after)
