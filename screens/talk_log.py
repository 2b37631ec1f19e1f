"""谈心记录: the talk log, newest first, searchable by child pinyin and filterable."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from models import contacts
from models.contacts import LogFilter, LogRow
from models.rules import short_class
from tui.chrome import TitleBar
from tui.widgets.fields import Input, focus_now
from tui.list_screen import ListScreen
from tui.widgets.footer import Footer
from tui.widgets.text import content
from tui.widgets.virtual_table import VirtualTable

LIMIT = 300
COLUMNS = (("时间", 11), ("姓名", 8), ("班级", 6), ("类别", 8), ("教师", 6), ("情绪", 4), ("内容", 21))


def log_cells(r: LogRow) -> tuple:
    """What the table shows for an entry, in COLUMNS order; an unanswered attempt is dim (logged,
    not a contact)."""
    style = "" if r.reached else "dim"
    return (r.at.strftime("%m-%d %H:%M"), r.child_name, short_class(r.class_name), (r.kind, style), r.staff_name,
            (r.mood if r.reached else "未通", style), r.first_line)


def log_key(r: LogRow) -> str:
    return str(r.id)


class TalkLogScreen(ListScreen):
    BINDINGS = [
        Binding("slash", "search", "搜索", key_display="/", priority=True),  # see action_search
        Binding("enter", "open", "打开"),
        Binding("t", "talk", "谈心"),
        Binding("n", "new", "新记录"),
        Binding("f", "filter", "筛选"),
        Binding("b", "report", "强制报告", show=False),
        Binding("escape", "clear", "清除", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter = LogFilter()
        self.rows: list[LogRow] = []
        self.total = 0

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(id="log-status")
        yield Input(placeholder="按孩子搜索: 拼音首字母 zxm、全拼或汉字", id="log-search")
        yield Static(id="log-empty")
        yield VirtualTable(COLUMNS, cells=log_cells, key=log_key, id="log-table", zebra_stripes=True)
        yield Footer(show_command_palette=False)

    def load(self) -> tuple[list[LogRow], int]:
        return contacts.log_rows(self.app.school_id, self.filter, viewer=self.app.viewer, limit=LIMIT)

    def show(self, data: tuple[list[LogRow], int]) -> list[LogRow]:
        self.rows, self.total = data
        self._status()
        return self.rows

    def _status(self) -> None:
        f = self.filter
        parts = [f"共 {self.total} 条"]
        if self.total > len(self.rows):
            parts.append(f"显示最新 {len(self.rows)} 条")
        for label, value in (("孩子", f.child_query), ("类别", f.kind), ("情绪", f.mood)):
            if value:
                parts.append(f"{label}:{value}")
        if f.date_from or f.date_to:
            parts.append(f"{f.date_from or ''}~{f.date_to or ''}")
        if f.classroom_id is not None or f.staff_id is not None:
            parts.append("已筛选")
        self.query_one("#log-status", Static).update(content(" · ".join(parts), one_line=True))
        empty = self.query_one("#log-empty", Static)
        empty.display = not self.rows
        if not self.rows:
            empty.update(content("没有符合条件的记录。在名册中选中孩子按 t 记录一次谈心, 或按 f 更改筛选。"))

    def selected_id(self) -> int | None:
        row = self.table.cursor_row
        return self.rows[row].id if 0 <= row < len(self.rows) else None

    def selected_row(self) -> LogRow | None:
        cid = self.selected_id()
        return next((r for r in self.rows if r.id == cid), None)

    def action_report(self) -> None:
        """强制报告 from the selected talk, call or visit: the statutory checklist, then the 报告单."""
        row = self.selected_row()
        if row is None:
            return
        from screens import protection_flow

        protection_flow.open_checklist(self.app, row.child_id, row.id)

    def action_search(self) -> None:
        self.set_focus(self.query_one("#log-search", Input))  # immediate: see RosterScreen.action_search

    @on(Input.Changed, "#log-search")
    def _search(self, event: Input.Changed) -> None:
        if event.value.strip() == self.filter.child_query:
            return
        self.filter.child_query = event.value.strip()
        self.reload(keep_place=False)

    @on(Input.Submitted, "#log-search")
    def _submitted(self) -> None:
        focus_now(self.table)

    def action_clear(self) -> None:
        search = self.query_one("#log-search", Input)
        if search.value:
            self.filter.child_query = ""
            search.value = ""
            self.reload(keep_place=False)
        focus_now(self.table)

    def action_open(self) -> None:
        cid = self.selected_id()
        if cid is None:
            return
        from screens.talk_entry import TalkEntryScreen

        self.app.push_screen(TalkEntryScreen(contact_id=cid))

    @on(VirtualTable.RowSelected, "#log-table")
    def _row_selected(self) -> None:
        self.action_open()

    def action_talk(self) -> None:
        row = self.selected_row()
        if row is None:
            self.action_new()
            return
        from screens.talk_entry import TalkEntryScreen

        self.app.push_screen(TalkEntryScreen(row.child_id))

    def action_new(self) -> None:
        from tui.widgets.child_picker import ChildPickerScreen
        from screens.talk_entry import TalkEntryScreen

        def picked(child_id: int | None) -> None:
            if child_id:
                self.app.push_screen(TalkEntryScreen(child_id))

        self.app.push_screen(ChildPickerScreen(self.app.school_id, title="为哪个孩子记录?"), picked)

    def action_filter(self) -> None:
        from screens.talk_log_filter import TalkLogFilterScreen

        def apply(result: LogFilter | None) -> None:
            if result is not None:
                result.child_query = self.filter.child_query
                self.filter = result
                self.reload(keep_place=False)

        self.app.push_screen(TalkLogFilterScreen(self.filter), apply)
