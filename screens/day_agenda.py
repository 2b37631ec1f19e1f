"""一天的日程: the day's events (pick one to edit, delete or mark who took part), the children's
birthdays, the talk-log duties due that day, and reminders of the next 7 days."""
from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from models import calendar as cal
from models.calendar import Occurrence
from screens.event_actions import EventKeys, delete_occurrence, edit_occurrence, open_attendance
from screens.event_form import EventFormScreen
from screens.lines import line, occ_line
from tui.widgets.footer import Footer
from tui.widgets.text import content
from tui.widgets.guard import DatabaseGuard
from tui.chrome import TitleBar

MAX_DUTY_LINES = 12


class DayAgendaScreen(DatabaseGuard, EventKeys, Screen[dt.date | None]):
    """Dismissed with the day shown last (the month view follows it)."""

    BINDINGS = [
        Binding("escape", "back", "返回"),
        Binding("left", "day(-1)", "前一天", show=False),
        Binding("right", "day(1)", "后一天", show=False),
        Binding("n", "new", "新建"),
        Binding("e", "edit", "修改"),
        Binding("d", "delete", "删除"),
        Binding("a", "attendance", "参与"),
        *EventKeys.KEY_BINDINGS,
    ]
    DEFAULT_CSS = """
    #ag-title { text-wrap: nowrap; text-overflow: clip; }
    #ag-title { height: 1; padding: 0 1; background: $boost; text-style: bold; }
    #ag-events { height: auto; max-height: 8; border: none; }
    #ag-empty { height: auto; padding: 0 1; color: $text-muted; }
    #ag-more { height: 1fr; }
    #ag-text { padding: 0 1; }
    """

    def __init__(self, day: dt.date, *, today: dt.date | None = None) -> None:
        super().__init__()
        self.day = day
        self.today = today or dt.date.today()
        self.occs: list[Occurrence] = []

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(id="ag-title")
        yield OptionList(id="ag-events")
        yield Static(id="ag-empty")
        with VerticalScroll(id="ag-more"):
            yield Static(id="ag-text")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.reload()
        self.query_one(OptionList).focus()

    def reload(self, keep: int | None = None) -> None:
        day = self.day
        info = cal.day_info(day)
        head = [f"{day.year}年{day.month}月{day.day}日 {cal.weekday_name(day)}", info.lunar_text]
        names = list(info.festival_names)
        if info.solar_term and info.solar_term not in cal.TERM_FESTIVALS:
            names.append(info.solar_term)
        if names:
            head.append("、".join(names))
        if day == self.today:
            head.append("今天")
        self.query_one("#ag-title", Static).update(line("  ".join(head), one_line=True))

        self.occs = cal.day_occurrences(self.app.school_id, day)
        self.load_owners(self.occs)
        ol = self.query_one(OptionList)
        ol.clear_options()
        ol.add_options([Option(line(occ_line(o), one_line=True)) for o in self.occs])
        ol.display = bool(self.occs)
        if self.occs:
            ol.highlighted = min(keep or 0, len(self.occs) - 1)
        empty = self.query_one("#ag-empty", Static)
        empty.display = not self.occs
        empty.update(line("这一天没有活动。" + ("按 n 新建。" if self.check_action("new", ()) else "")))
        self.query_one("#ag-text", Static).update(content(cal.grid_safe(self._details())))

    def _details(self) -> str:
        lines: list[str] = []
        selected = self._selected()
        if selected is not None:
            o = selected
            bits = []
            if o.organiser:
                bits.append(f"组织: {o.organiser}")
            n = len(cal.attendance(o.root_id, o.attendance_date))
            bits.append(f"参与: {n} 人" + (" (按 a 登记)" if self.may("attendance", o) else ""))
            if o.recurring:
                base, end = cal.split_rrule_end(o.rrule)
                bits.append(f"重复至 {end}" if end else "重复")
            lines.append("  ".join(bits))
            if o.notes:
                lines.append(f"备注: {o.notes}")
            lines.append("")

        school = self.app.school_id
        bdays = cal.birthdays(school, self.day, self.day, viewer=self.app.viewer)
        if bdays:
            lines.append(f"生日 ({len(bdays)} 人):")
            lines.append("  " + "、".join(f"{b.name}({b.class_name} {b.age}岁)" for b in bdays))
            lines.append("")

        duties = cal.duties_on(self.day, viewer=self.app.viewer, school_id=school, staff_id=self.app.staff_id,
                              today=self.today)
        if duties:
            mine = [d for d in duties if d.mine]
            counts: dict[str, int] = {}
            for d in duties:
                counts[d.rule_name] = counts.get(d.rule_name, 0) + 1
            lines.append(f"当天到期的待办 ({len(duties)} 项): " + "、".join(f"{k} {v}" for k, v in counts.items()))
            for d in (mine or duties)[:MAX_DUTY_LINES]:
                lines.append(f"  {d.rule_name}  {d.child_name} ({d.class_name})" + (f"  {d.helper}" if d.helper else ""))
            shown = len(mine or duties)
            if shown > MAX_DUTY_LINES:
                lines.append(f"  另有 {shown - MAX_DUTY_LINES} 项, 见待办 (0)")
            lines.append("")

        rem = [r for r in cal.reminders(school, self.day, 7, viewer=self.app.viewer) if not (r.day == self.day and r.kind in ("活动", "生日"))]
        if rem:
            lines.append("近7天提醒:")
            for r in rem:
                lines.append(f"  {r.day:%m-%d} {cal.weekday_name(r.day)} [{r.kind}] {r.text}")
        return "\n".join(lines).rstrip() or "没有生日、待办或提醒。"

    def _selected(self) -> Occurrence | None:
        found = self.query(OptionList)  # none while the screen is still being built or taken down
        ol = found.first() if found else None
        if ol is None or not self.occs or ol.highlighted is None or ol.highlighted >= len(self.occs):
            return None
        return self.occs[ol.highlighted]

    def _key_occs(self) -> list[Occurrence]:
        occ = self._selected()
        return [occ] if occ is not None else []

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.query_one("#ag-text", Static).update(content(cal.grid_safe(self._details())))
        self.refresh_bindings()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if self.check_action("edit", ()):
            self.action_edit()
        else:
            self.action_refuse("edit")

    def _after(self, changed=None) -> None:
        if changed:
            ol = self.query_one(OptionList)
            self.reload(keep=ol.highlighted)

    # -- keys -----------------------------------------------------------------
    def action_back(self) -> None:
        self.dismiss(self.day)

    def action_day(self, delta: int) -> None:
        day = self.day + dt.timedelta(days=delta)
        try:
            cal.check_lunar_range(day)
        except cal.CalendarError as exc:
            self.notify(str(exc), severity="warning")
            return
        self.day = day
        self.reload()

    def action_new(self) -> None:
        self.app.push_screen(EventFormScreen(day=self.day), self._after)

    def _need(self) -> Occurrence | None:
        occ = self._selected()
        if occ is None:
            self.notify("这一天没有活动, 按 n 新建", severity="warning", timeout=3)
        return occ

    def action_edit(self) -> None:
        occ = self._need()
        if occ:
            edit_occurrence(self, occ, self._after)

    def action_delete(self) -> None:
        occ = self._need()
        if occ:
            delete_occurrence(self, occ, self._after)

    def action_attendance(self) -> None:
        occ = self._need()
        if occ:
            open_attendance(self, occ, self._after)
