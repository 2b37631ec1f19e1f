"""生成学期行事历: the term's plan from its template, reviewed before anything is written.

F2 switches between 春季学期 and 秋季学期, F3/F4 go a year back/forward; 开学 and 放假 are the
school's term dates (kept as settings when saved); every item is listed with its date, ticked
unless the calendar already has it. Space unticks; ctrl+s asks once, then writes the ticked ones.
"""
from __future__ import annotations


from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Label, Static

from models import calendar as cal
from models.calendar import PlanItem, TermDates
from models.scope import ForbiddenError
from screens.confirm import ConfirmScreen
from screens.lines import line
from tui.widgets.checklist import CheckList
from tui.widgets.fields import Input
from tui.widgets.footer import Footer
from tui.widgets.guard import DatabaseGuard
from tui.chrome import TitleBar


def item_line(item: PlanItem) -> str:
    repeat = ""
    if item.rrule:
        base, end = cal.split_rrule_end(item.rrule)
        label = cal.preset_label(cal.detect_preset(base, item.day), item.day)
        repeat = f" ({label}至{end})"
    mark = "  [已有]" if item.exists else ""
    kind = item.kind + " " * max(1, 9 - cell_len(item.kind))
    return f"{item.day:%m-%d} {cal.weekday_name(item.day)} {kind}{item.title}{repeat}{mark}"


class TermPlanScreen(DatabaseGuard, Screen[bool]):
    BINDINGS = [
        Binding("ctrl+s", "save", "写入", priority=True),
        Binding("escape", "cancel", "取消", priority=True),
        Binding("f2", "season", "春/秋", priority=True),
        Binding("f3", "year(-1)", "上一年", priority=True),
        Binding("f4", "year(1)", "下一年", priority=True),
    ]
    DEFAULT_CSS = """
    #tp-head, #tp-status, #tp-err { text-wrap: nowrap; text-overflow: clip; }
    #tp-head, #tp-status { height: 1; padding: 0 1; background: $boost; }
    #tp-head { text-style: bold; }
    .tp-row { height: 1; }
    .tp-row Label { width: auto; padding: 0 1; }
    .tp-row Input { width: 12; height: 1; border: none; padding: 0; background: $boost; }
    .tp-row Input:focus { background: $primary 30%; }
    #tp-err { height: auto; max-height: 1; padding: 0 1; color: $error; }
    #tp-list { height: 1fr; border: none; }
    """

    def __init__(self, term: TermDates) -> None:
        super().__init__()
        self.term = term
        self.items: list[PlanItem] = []

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(id="tp-head")
        with Horizontal(classes="tp-row"):
            yield Label("开学")
            yield Input(id="tp-start")
            yield Label("放假")
            yield Input(id="tp-end")
            yield Label("(回车重新生成)")
        yield Static(id="tp-err")
        yield CheckList(id="tp-list")
        yield Static(id="tp-status")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self._load_term(self.term.name, self.term.year)
        self.query_one(CheckList).focus()

    def _load_term(self, name: str, year: int) -> None:
        try:
            self.term = cal.saved_term(name, year, school_id=self.app.school_id)
        except cal.CalendarError as exc:
            self.notify(str(exc), severity="warning")
            return
        self.query_one("#tp-start", Input).value = self.term.start.isoformat()
        self.query_one("#tp-end", Input).value = self.term.end.isoformat()
        self._generate()

    def _generate(self) -> None:
        err = self.query_one("#tp-err", Static)
        try:
            self.items = cal.plan_items(self.term, school_id=self.app.school_id)
        except cal.CalendarError as exc:
            err.update(line(str(exc), one_line=True))
            return
        err.update("")
        head = (f"生成学期行事历  {self.term.label}  {self.term.start:%m-%d} 开学, {self.term.end:%m-%d} 放假 "
                "(寒暑假为两学期之间)")
        self.query_one("#tp-head", Static).update(line(head, one_line=True))
        self.query_one(CheckList).set_items([(n, item_line(i)) for n, i in enumerate(self.items)],
                                            {n for n, i in enumerate(self.items) if not i.exists})
        self._status()

    def _status(self) -> None:
        chosen = len(self.query_one(CheckList).selected)
        have = sum(1 for i in self.items if i.exists)
        text = f"共 {len(self.items)} 项, 已有 {have} 项, 将写入 {chosen} 项  空格勾选/取消  ctrl+s 写入"
        self.query_one("#tp-status", Static).update(line(text, one_line=True))

    @on(CheckList.Changed, "#tp-list")
    def _changed(self) -> None:
        self._status()

    def _apply_dates(self) -> bool:
        """Read 开学 and 放假; regenerate when they changed. False (and a message) when they are wrong."""
        err = self.query_one("#tp-err", Static)
        try:
            start = cal.parse_day(self.query_one("#tp-start", Input).value, field="开学日期", today=self.term.start)
            end = cal.parse_day(self.query_one("#tp-end", Input).value, field="放假日期", today=self.term.end)
            term = TermDates(self.term.name, self.term.year, start, end)
            cal.check_term(term)
        except cal.CalendarError as exc:
            err.update(line(str(exc), one_line=True))
            return False
        if term != self.term:
            self.term = term
            self._generate()
        else:
            err.update("")
        return True

    @on(Input.Submitted)
    def _dates(self) -> None:
        if self._apply_dates():
            self.query_one(CheckList).focus()

    def action_season(self) -> None:
        name = cal.AUTUMN if self.term.name == cal.SPRING else cal.SPRING
        self._load_term(name, self.term.year)

    def action_year(self, delta: int) -> None:
        self._load_term(self.term.name, self.term.year + delta)

    def action_save(self) -> None:
        if not self._apply_dates():
            self.notify("开学或放假日期有误, 尚未写入", severity="error", timeout=3)
            return
        chosen = [self.items[i] for i in sorted(self.query_one(CheckList).selected)]
        if not chosen:
            self.notify("没有勾选任何一项", severity="warning", timeout=3)
            return

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            viewer = self.app.viewer  # models.calendar: admin and head only (scope.may_plan_term)
            try:
                cal.save_term(self.term, school_id=self.app.school_id, viewer=viewer, staff_id=self.app.staff_id)
                cal.write_plan(chosen, school_id=self.app.school_id, viewer=viewer, staff_id=self.app.staff_id)
            except ForbiddenError as exc:
                self.notify(str(exc), severity="error", timeout=4, markup=False)
                return
            self.notify(f"已写入 {len(chosen)} 项到行事历", timeout=3)
            self.dismiss(True)

        self.app.push_screen(ConfirmScreen(f"把 {len(chosen)} 项写入{self.term.label}的行事历?", yes="写入", no="再看看"),
                             answer)

    def action_cancel(self) -> None:
        self.dismiss(False)
