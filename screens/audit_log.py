"""审计日志 (admin, from the command palette): search who did what, when, from where.

Filters: from a date, a login, a table, a word in the changed values; enter on a row shows
it whole. Newest first, at most ``LIMIT`` rows. Read-only: the log is append-only.
ID numbers and phones in the changes are masked as in ``guanai audit``.
"""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from models import audit
from models.validation import Invalid, validate_date
from tui.fields import Input
from tui.text import content, text
from tui.guard import DatabaseGuard
from tui.chrome import TitleBar

LIMIT = 500


class AuditLogScreen(DatabaseGuard, Screen):
    BINDINGS = [
        Binding("slash", "search", "搜索", key_display="/"),
        Binding("enter", "open", "详情"),
        Binding("escape", "back", "返回"),
    ]
    DEFAULT_CSS = """
    AuditLogScreen #audit-status { height: 1; padding: 0 1; background: $boost; }
    AuditLogScreen #audit-filters { height: 1; }
    AuditLogScreen #audit-filters Input { width: 1fr; margin-right: 1; }
    AuditLogScreen #audit-table { height: 1fr; scrollbar-size-vertical: 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[audit.AuditEntry] = []

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(id="audit-status")
        with Horizontal(id="audit-filters"):
            yield Input(placeholder="起始日期", id="a-since", compact=True)
            yield Input(placeholder="登录名", id="a-login", compact=True)
            yield Input(placeholder="表 (child…)", id="a-table", compact=True)
            yield Input(placeholder="关键词", id="a-text", compact=True)
        table = DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        for label, width in (("时间", 14), ("谁", 10), ("动作", 8), ("对象", 10), ("来源", 9), ("改动", 40)):
            table.add_column(label, width=width)
        yield table
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.reload()
        self.query_one(DataTable).focus()

    def _filters(self) -> dict | None:
        since_text = self.query_one("#a-since", Input).value.strip()
        since = None
        if since_text:
            try:
                since = validate_date(since_text, field="起始日期")
            except Invalid as exc:
                self._status(str(exc))
                return None
        return {"since": since, "login": self.query_one("#a-login", Input).value.strip() or None,
                "table": self.query_one("#a-table", Input).value.strip() or None,
                "text": self.query_one("#a-text", Input).value.strip() or None}

    def reload(self) -> None:
        filters = self._filters()
        if filters is None:
            return
        table = self.query_one(DataTable)
        try:
            # models.audit hides 心理辅导 text from anyone but a counselor (scope.sees_counselling_in_audit)
            self.rows = list(audit.entries(**filters, limit=LIMIT, newest_first=True, viewer=self.app.viewer))
        except audit.AuditQueryError as exc:
            self.rows = []
            table.clear()
            self._status(str(exc))
            return
        table.clear()
        for e in self.rows:
            style = "bold red" if e.action in (audit.LOGIN_FAILED, audit.LOCKED) else ""
            table.add_row(text(e.at.strftime("%m-%d %H:%M:%S")), text(e.login or e.staff_name or "-"), text(
                audit.ACTION_LABELS.get(e.action, e.action), style), text(f"{e.table}#{e.row_id}"),
                text(e.source or "-"), text(audit.describe(e)), key=str(e.id))
        more = f" (只显示最新 {LIMIT} 条)" if len(self.rows) >= LIMIT else ""
        self._status(f"审计日志 · {len(self.rows)} 条{more} · / 输入条件后回车")

    def _status(self, message: str) -> None:
        self.query_one("#audit-status", Static).update(content(message, one_line=True))

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.reload()
        self.query_one(DataTable).focus()

    def action_search(self) -> None:
        self.query_one("#a-since", Input).focus()

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            return
        e = self.rows[table.cursor_row]
        from screens.text_page import TextPageScreen

        body = "\n".join([
            f"时间: {e.at:%Y-%m-%d %H:%M:%S}", f"谁: {e.who}", f"动作: {audit.ACTION_LABELS.get(e.action, e.action)} ({e.action})",
            f"对象: {e.table} #{e.row_id}", f"来源: {e.source or '-'}", "", "改动:",
            *(f"  {part}" for part in (audit.describe(e) or "-").split("; ")),
        ])
        self.app.push_screen(TextPageScreen("审计记录", body))

    @on(DataTable.RowSelected, "#audit-table")
    def _row_selected(self) -> None:
        self.action_open()

    def action_back(self) -> None:
        focused = self.focused
        if isinstance(focused, Input):
            self.query_one(DataTable).focus()
            return
        self.app.pop_screen()
