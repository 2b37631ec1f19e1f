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
from textual.widgets import Static

from models import audit
from models.validation import Invalid, validate_date
from tui.chrome import TitleBar
from tui.widgets.fields import Input, focus_now
from tui.list_screen import ListScreen
from tui.widgets.footer import Footer
from tui.widgets.text import content
from tui.widgets.virtual_table import VirtualTable

LIMIT = 500
COLUMNS = (("时间", 14), ("谁", 10), ("动作", 8), ("对象", 10), ("来源", 9), ("改动", 40))


def entry_cells(e: audit.AuditEntry) -> tuple:
    """An audit row's cells in COLUMNS order; a failed login or a lockout in bold red."""
    style = "bold red" if e.action in (audit.LOGIN_FAILED, audit.LOCKED) else ""
    return (e.at.strftime("%m-%d %H:%M:%S"), e.login or e.staff_name or "-",
            (audit.ACTION_LABELS.get(e.action, e.action), style), f"{e.table}#{e.row_id}", e.source or "-",
            audit.describe(e))


def entry_key(e: audit.AuditEntry) -> str:
    return str(e.id)


class AuditLogScreen(ListScreen):
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
        self.filters: dict = {"since": None, "login": None, "table": None, "text": None}

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(id="audit-status")
        with Horizontal(id="audit-filters"):
            yield Input(placeholder="起始日期", id="a-since", compact=True)
            yield Input(placeholder="登录名", id="a-login", compact=True)
            yield Input(placeholder="表 (child…)", id="a-table", compact=True)
            yield Input(placeholder="关键词", id="a-text", compact=True)
        yield VirtualTable(COLUMNS, cells=entry_cells, key=entry_key, id="audit-table", zebra_stripes=True)
        yield Footer(show_command_palette=False)

    def _read_filters(self) -> dict | None:
        """The typed conditions (None, said on the status line, when the date is not a date)."""
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

    def load(self) -> tuple[list[audit.AuditEntry], str | None]:
        """The newest entries matching the submitted conditions, or none and why."""
        try:
            # models.audit hides 心理辅导 text from anyone but a counselor (scope.sees_counselling_in_audit)
            return list(audit.entries(**self.filters, limit=LIMIT, newest_first=True, viewer=self.app.viewer)), None
        except audit.AuditQueryError as exc:
            return [], str(exc)

    def show(self, data: tuple[list[audit.AuditEntry], str | None]) -> list[audit.AuditEntry]:
        self.rows, error = data
        if error:
            self._status(error)
        else:
            more = f" (只显示最新 {LIMIT} 条)" if len(self.rows) >= LIMIT else ""
            self._status(f"审计日志 · {len(self.rows)} 条{more} · / 输入条件后回车")
        return self.rows

    def _status(self, message: str) -> None:
        self.query_one("#audit-status", Static).update(content(message, one_line=True))

    @on(Input.Submitted)
    def _submitted(self) -> None:
        filters = self._read_filters()
        if filters is None:
            return
        self.filters = filters
        self.reload(keep_place=False)
        self.table.focus()

    def action_search(self) -> None:
        focus_now(self.query_one("#a-since", Input))

    def action_open(self) -> None:
        row = self.table.cursor_row
        if not 0 <= row < len(self.rows):
            return
        e = self.rows[row]
        from screens.text_page import TextPageScreen

        body = "\n".join([
            f"时间: {e.at:%Y-%m-%d %H:%M:%S}", f"谁: {e.who}", f"动作: {audit.ACTION_LABELS.get(e.action, e.action)} ({e.action})",
            f"对象: {e.table} #{e.row_id}", f"来源: {e.source or '-'}", "", "改动:",
            *(f"  {part}" for part in (audit.describe(e) or "-").split("; ")),
        ])
        self.app.push_screen(TextPageScreen("审计记录", body))

    @on(VirtualTable.RowSelected, "#audit-table")
    def _row_selected(self) -> None:
        self.action_open()

    def action_back(self) -> None:
        focused = self.focused
        if isinstance(focused, Input):
            self.table.focus()
            return
        self.app.pop_screen()
