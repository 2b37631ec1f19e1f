"""待办: what is overdue, due today and this week — the teacher's own children first."""
from __future__ import annotations

import datetime as dt

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from models import duties
from models.duties import Duty
from tui.text import content, text
from tui.guard import DatabaseGuard
from tui.chrome import TitleBar

STATUS_STYLE = {duties.OVERDUE: "bold red", duties.TODAY: "bold yellow", duties.THIS_WEEK: ""}


class DueScreen(DatabaseGuard, Screen):
    BINDINGS = [
        Binding("t", "talk", "记录"),
        Binding("enter", "open", "档案"),
        Binding("m", "toggle_mine", "我的/全部"),
        Binding("k", "next_kind", "类别"),
        Binding("r", "reminders", "近7天"),
    ]

    def __init__(self, today: dt.date | None = None) -> None:
        super().__init__()
        # the clock, not a date: a list left open across midnight must show the new day
        self.clock = (lambda: today) if today else dt.date.today
        self.today = self.clock()
        self.only_mine = True
        self.kind: str | None = None
        self.duties: list[Duty] = []
        self.shown: list[Duty] = []
        self.upcoming: list = []

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(id="due-status")
        yield Static(id="due-remind")
        yield Static(id="due-empty")
        table = DataTable(id="due-table", cursor_type="row", zebra_stripes=True)
        for label, width in (("状态", 4), ("姓名", 8), ("班级", 6), ("事项", 12), ("到期", 5), ("逾期", 4),
                             ("上次", 5), ("帮扶/爱心妈妈", 14)):
            table.add_column(label, width=width)
        yield table
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.only_mine = bool(self.app.staff_id)
        self.reload()
        self.query_one(DataTable).focus()
        self.set_interval(30, self.check_date, name="due-date")

    def check_date(self) -> bool:
        """A new day (the school day rolls over with the list open): reload for it."""
        if self.clock() == self.today:
            return False
        self.reload()
        return True

    def _show_reminders(self) -> None:
        """One line: the next 7 days' events, birthdays and festival letters (r lists them all)."""
        from models.calendar import reminders

        self.upcoming = reminders(self.app.school_id, self.today, 7, viewer=self.app.viewer)
        line = self.query_one("#due-remind", Static)
        if not self.upcoming:
            line.display = False
            return
        first = "; ".join(f"{r.day:%m-%d} {r.text}" for r in self.upcoming[:2])
        line.display = True
        line.update(content(f"近7天 {len(self.upcoming)} 项 (r 查看): {first}", one_line=True))

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.reload()

    def _load(self) -> list[Duty]:
        self.duties = duties.open_duties(self.today, viewer=self.app.viewer, school_id=self.app.school_id,
                                          staff_id=self.app.staff_id)
        return self.duties

    def reload(self) -> None:
        from screens.roster import short_class

        keep = self.selected()
        self.today = self.clock()
        self._load()
        self._show_reminders()  # the 近7天 line is as live as the list (a new event, a new day)
        shown = [d for d in self.duties if (d.mine or not self.only_mine)
                 and (self.kind is None or d.contact_kind == self.kind)]
        self.shown = shown
        table = self.query_one(DataTable)
        table.clear()
        for d in shown:
            table.add_row(
                text(d.status, STATUS_STYLE.get(d.status, "")), text(d.child_name), text(short_class(d.class_name)),
                text(d.rule_name), text(d.due.strftime("%m-%d")), text(str(d.days_overdue) if d.days_overdue else ""),
                text(d.last_met.strftime("%m-%d") if d.last_met else "—"), text(d.helper),
            )
        if keep is not None:
            for i, d in enumerate(shown):
                if (d.child_id, d.rule_id) == keep:
                    table.move_cursor(row=i, animate=False)
                    break
        counts = duties.count_by_status(shown)
        scope = "我的孩子" if self.only_mine else "全校"
        parts = [f"{self.today:%m月%d日} 待办 · {scope}", *(f"{k} {v}" for k, v in counts.items())]
        if self.kind:
            parts.append(f"类别:{self.kind}")
        self.query_one("#due-status", Static).update(content(" · ".join(parts), one_line=True))
        empty = self.query_one("#due-empty", Static)
        empty.display = not shown
        if not shown:
            empty.update(content("你的孩子没有逾期或本周到期的事项。按 m 查看全校。" if self.only_mine
                                 else "全校没有逾期或本周到期的事项。"))

    def selected(self) -> tuple[int, int] | None:
        table = self.query_one(DataTable)
        if not self.shown or table.cursor_row >= len(self.shown):
            return None
        d = self.shown[table.cursor_row]
        return d.child_id, d.rule_id

    def _selected_duty(self) -> Duty | None:
        key = self.selected()
        return next((d for d in self.shown if (d.child_id, d.rule_id) == key), None)

    def action_talk(self) -> None:
        d = self._selected_duty()
        if d is None:
            return
        from screens.talk_entry import TalkEntryScreen

        self.app.push_screen(TalkEntryScreen(d.child_id, kind=d.contact_kind))

    def action_open(self) -> None:
        d = self._selected_duty()
        if d is None:
            return
        from screens.child_detail import ChildDetailScreen

        self.app.push_screen(ChildDetailScreen(d.child_id))

    @on(DataTable.RowSelected, "#due-table")
    def _row_selected(self) -> None:
        self.action_open()

    def action_reminders(self) -> None:
        from screens.text_page import TextPageScreen

        lines = [f"{r.day:%m-%d} {r.kind}  {r.text}" for r in self.upcoming] or ["近7天没有活动、生日或节日提醒。"]
        self.app.push_screen(TextPageScreen("近7天的活动、生日和节日提醒", "\n".join(lines)))

    def action_toggle_mine(self) -> None:
        self.only_mine = not self.only_mine
        self.reload()

    def action_next_kind(self) -> None:
        kinds = [None, *dict.fromkeys(d.contact_kind for d in self.duties)]
        i = kinds.index(self.kind) if self.kind in kinds else 0
        self.kind = kinds[(i + 1) % len(kinds)]
        self.reload()
