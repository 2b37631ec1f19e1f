"""待办: what is overdue, due today and this week — the teacher's own children first."""
from __future__ import annotations

import datetime as dt

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from models import duties
from models.duties import Duty
from models.rules import short_class
from tui.chrome import TitleBar
from tui.list_screen import ListScreen
from tui.widgets.footer import Footer
from tui.widgets.text import content
from tui.widgets.virtual_table import VirtualTable

STATUS_STYLE = {duties.OVERDUE: "bold red", duties.TODAY: "bold yellow", duties.THIS_WEEK: ""}
COLUMNS = (("状态", 4), ("姓名", 8), ("班级", 6), ("事项", 12), ("到期", 5), ("逾期", 4), ("上次", 5),
           ("帮扶/爱心妈妈", 14))


def duty_cells(d: Duty) -> tuple:
    """What the table shows for a duty, in COLUMNS order (the status coloured)."""
    return ((d.status, STATUS_STYLE.get(d.status, "")), d.child_name, short_class(d.class_name), d.rule_name,
            d.due.strftime("%m-%d"), str(d.days_overdue) if d.days_overdue else "",
            d.last_met.strftime("%m-%d") if d.last_met else "—", d.helper)


def duty_key(d: Duty) -> str:
    return f"{d.child_id}:{d.rule_id}"


class DueScreen(ListScreen):
    """The duties open today; a whole school's (hundreds) drawn as a VirtualTable."""

    BINDINGS = [
        Binding("t", "talk", "记录"),
        Binding("enter", "open", "档案"),
        Binding("m", "toggle_mine", "我的/全部"),
        Binding("k", "next_kind", "类别"),
        Binding("r", "reminders", "近7天"),
        Binding("g", "attention", "需要关注"),
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
        yield VirtualTable(COLUMNS, cells=duty_cells, key=duty_key, id="due-table", zebra_stripes=True)
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:  # before ListScreen.on_mount's first load
        self.only_mine = bool(self.app.staff_id)
        self.set_interval(30, self.check_date, name="due-date")

    def check_date(self) -> bool:
        """A new day (the school day rolls over with the list open): reload for it."""
        if self.clock() == self.today:
            return False
        self.reload()
        return True

    def load(self) -> tuple[dt.date, list[Duty], list]:
        """The day's open duties and the next 7 days' reminders (the 近7天 line is as live as the
        list: a new event, a new day)."""
        from models.calendar import reminders

        today = self.clock()
        found = duties.open_duties(today, viewer=self.app.viewer, school_id=self.app.school_id,
                                   staff_id=self.app.staff_id)
        return today, found, reminders(self.app.school_id, today, 7, viewer=self.app.viewer)

    def show(self, data: tuple[dt.date, list[Duty], list]) -> list[Duty]:
        self.today, self.duties, self.upcoming = data
        self._show_reminders()
        shown = duties.mine_first(self.duties) if self.only_mine else self.duties  # kept, not copied
        if self.kind is not None:
            shown = [d for d in shown if d.contact_kind == self.kind]
        self.shown = shown
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
        return shown

    def _show_reminders(self) -> None:
        """One line: the next 7 days' events, birthdays and festival letters (r lists them all)."""
        line = self.query_one("#due-remind", Static)
        if not self.upcoming:
            line.display = False
            return
        first = "; ".join(f"{r.day:%m-%d} {r.text}" for r in self.upcoming[:2])
        line.display = True
        line.update(content(f"近7天 {len(self.upcoming)} 项 (r 查看): {first}", one_line=True))

    def selected(self) -> tuple[int, int] | None:
        d = self._selected_duty()
        return None if d is None else (d.child_id, d.rule_id)

    def _selected_duty(self) -> Duty | None:
        row = self.table.cursor_row
        return self.shown[row] if 0 <= row < len(self.shown) else None

    def action_talk(self) -> None:
        d = self._selected_duty()
        if d is None:
            return
        if d.rule_name == duties.REPORT_DUTY:  # not a talk: the head confirms it in the report list
            self.app.action_reports()
            return
        if d.rule_name in duties.CASE_DUTIES:  # 控辍保学: the case's page (核实, 劝返, 返校)
            from screens.dropout_case import DropoutCaseScreen

            self.app.push_screen(DropoutCaseScreen(duties.case_of_duty(d.rule_id)))
            return
        if d.rule_name == duties.REVIEW:  # not a talk either: confirm again or dismiss on 需要关注
            self.action_attention()
            return
        from screens.talk_entry import TalkEntryScreen

        self.app.push_screen(TalkEntryScreen(d.child_id, kind=d.contact_kind))

    def action_open(self) -> None:
        d = self._selected_duty()
        if d is None:
            return
        from screens.child_detail import ChildDetailScreen

        self.app.push_screen(ChildDetailScreen(d.child_id))

    @on(VirtualTable.RowSelected, "#due-table")
    def _row_selected(self) -> None:
        self.action_open()

    def action_reminders(self) -> None:
        from screens.text_page import TextPageScreen

        lines = [f"{r.day:%m-%d} {r.kind}  {r.text}" for r in self.upcoming] or ["近7天没有活动、生日或节日提醒。"]
        self.app.push_screen(TextPageScreen("近7天的活动、生日和节日提醒", "\n".join(lines)))

    def action_toggle_mine(self) -> None:
        self.only_mine = not self.only_mine
        self.refilter()  # the duties already read: the same duty if still listed, else the top

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """``g`` (需要关注) only for whom ``models.scope`` lets see it: hidden from the others."""
        if action == "attention":
            from models import scope

            return scope.may_see_attention(self.app.viewer)
        return True

    def action_attention(self) -> None:
        """需要关注: the early-warning list (screens/attention.py)."""
        from models import scope
        from screens.attention import AttentionScreen

        if not scope.may_see_attention(self.app.viewer):
            self.notify(scope.ATTENTION_FORBIDDEN, severity="warning")
            return
        self.app.push_screen(AttentionScreen())

    def action_next_kind(self) -> None:
        kinds = [None, *dict.fromkeys(d.contact_kind for d in self.duties)]
        i = kinds.index(self.kind) if self.kind in kinds else 0
        self.kind = kinds[(i + 1) % len(kinds)]
        self.refilter()
