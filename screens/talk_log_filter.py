"""The talk log's filter dialog: class, kind, staff, mood and a date range."""
from __future__ import annotations

import dataclasses

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Select, Static

from models import roster, rules
from models.contacts import LogFilter
from models.entities import Staff
from models.validation import Invalid, validate_date
from tui.widgets.fields import Input, focus_now
from tui.widgets.text import content
from tui.widgets.guard import DatabaseGuard

ALL = "__all__"


class TalkLogFilterScreen(DatabaseGuard, ModalScreen[LogFilter | None]):
    BINDINGS = [Binding("ctrl+s", "apply", "确定", priority=True), Binding("escape", "cancel", "取消")]
    DEFAULT_CSS = """
    TalkLogFilterScreen { align: center middle; }
    #tlf-box { width: 64; max-width: 100%; height: auto; max-height: 100%; border: round $primary;
               padding: 0 1; background: $surface; }
    /* a class, not the type: a Select's own value bar is a Horizontal too, and a height of 1
       there left each dropdown an empty bar */
    #tlf-box .tlf-dates { height: 1; }
    #tlf-box .tlf-dates Input { width: 14; height: 1; border: none; padding: 0; background: $boost; }
    #tlf-box .tlf-dates Label { padding: 0 1; }
    #tlf-err { color: $error; height: auto; }
    """

    def __init__(self, current: LogFilter) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        c = self.current
        school = self.app.school_id
        staff = list(Staff.select(Staff.id, Staff.name).where(Staff.school == school)
                     .order_by(Staff.name_pinyin).tuples())
        with VerticalScroll(id="tlf-box"):
            yield Label("筛选谈心记录  (ctrl+s 确定, esc 取消)")
            yield Select([("全部班级", ALL),
                          *((content(n, one_line=True), i) for i, n in roster.classrooms(school))],
                         value=c.classroom_id if c.classroom_id is not None else ALL, allow_blank=False, id="tlf-class")
            yield Select([("全部类别", ALL), *((k, k) for k in rules.CONTACT_KINDS)], value=c.kind or ALL,
                         allow_blank=False, id="tlf-kind")
            yield Select([("全部教师", ALL), *((content(n, one_line=True), i) for i, n in staff)],
                         value=c.staff_id if c.staff_id is not None else ALL, allow_blank=False, id="tlf-staff")
            yield Select([("全部情绪", ALL), *((m, m) for m in rules.MOODS)], value=c.mood or ALL,
                         allow_blank=False, id="tlf-mood")
            with Horizontal(classes="tlf-dates"):
                yield Label("从")
                yield Input(str(c.date_from or ""), placeholder="2026-09-01", id="tlf-from")
                yield Label("到")
                yield Input(str(c.date_to or ""), placeholder="2026-11-30", id="tlf-to")
            yield Static(id="tlf-err")

    def on_mount(self) -> None:
        self.query_one("#tlf-class").focus()

    def _sel(self, selector: str):
        v = self.query_one(selector, Select).value
        return None if v == ALL else v

    def action_apply(self) -> None:
        dates = {}
        for key, selector, label in (("date_from", "#tlf-from", "开始日期"), ("date_to", "#tlf-to", "结束日期")):
            raw = self.query_one(selector, Input).value.strip()
            try:
                dates[key] = validate_date(raw, field=label, allow_future=True) if raw else None
            except Invalid as exc:
                self.query_one("#tlf-err", Static).update(content(str(exc)))
                focus_now(self.query_one(selector))
                return
        if dates["date_from"] and dates["date_to"] and dates["date_to"] < dates["date_from"]:
            self.query_one("#tlf-err", Static).update(content("结束日期不能早于开始日期"))
            focus_now(self.query_one("#tlf-to"))
            return
        self.dismiss(dataclasses.replace(
            self.current, classroom_id=self._sel("#tlf-class"), kind=self._sel("#tlf-kind"),
            staff_id=self._sel("#tlf-staff"), mood=self._sel("#tlf-mood"), **dates))

    def action_cancel(self) -> None:
        self.dismiss(None)
