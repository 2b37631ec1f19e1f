"""强制报告 (the banner's key ``!``, ctrl+p 强制报告): the reports the viewer may see — the head and
the counselor all of the school's, a teacher her own — with the unconfirmed first; ``c`` is the
head's confirmation, ``enter`` opens the 报告单, ``p`` prints it (xlsx), ``l`` the term's 台账. The admin, who sees only the banner's count, is
told why she cannot open it. Thin: ``models.protection`` reads (and audits) the list."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static

from models import protection, scope
from models.errors import UserError
from tui.chrome import TitleBar
from tui.list_screen import ListScreen
from tui.widgets.text import content
from tui.widgets.virtual_table import VirtualTable

COLUMNS = (("发现", 11), ("孩子", 8), ("班级", 10), ("情形", 20), ("状态", 10), ("报告人", 8))


def report_cells(r: protection.ReportView) -> tuple:
    state_style = "bold red" if r.confirmed_at is None and r.closed_at is None else ""
    return (f"{r.found_at:%m-%d %H:%M}", r.child_name, r.class_name, "、".join(r.situations),
            (r.state, state_style), r.reporter or "-")


def report_key(r: protection.ReportView) -> str:
    return str(r.id)


class ReportListScreen(ListScreen):
    DEFAULT_CSS = """
    ReportListScreen #reports-status { height: 1; padding: 0 1; background: $boost; }
    ReportListScreen #reports-table { height: 1fr; scrollbar-size-vertical: 1; }
    """
    BINDINGS = [
        Binding("enter", "open", "打开"),
        Binding("c", "confirm", "校长确认"),
        Binding("p", "print_form", "打印报告单"),
        Binding("l", "print_register", "本学期台账"),
        Binding("escape", "back", "返回"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "强制报告"
        self.rows: list[protection.ReportView] = []

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(id="reports-status")
        yield VirtualTable(COLUMNS, cells=report_cells, key=report_key, id="reports-table", zebra_stripes=True)
        yield Footer(show_command_palette=False)

    def load(self) -> list[protection.ReportView]:
        # the first showing is one audited look; a reload after another user's change is not another
        rows = protection.report_rows(self.app.school_id, viewer=self.app.viewer, audited=not self.loaded)
        return sorted(rows, key=lambda r: (r.confirmed_at is not None, r.closed_at is not None))

    def show(self, data: list[protection.ReportView]) -> list[protection.ReportView]:
        self.rows = data
        waiting = sum(1 for r in data if r.confirmed_at is None and r.closed_at is None)
        if scope.banner_names_children(self.app.viewer) or data:
            line = f"强制报告 {len(data)} 份 · 待校长确认 {waiting} 份 · 回车 打开"
            if scope.may_confirm_report(self.app.viewer):
                line += "  c 确认"
        else:
            count = protection.unconfirmed_count(self.app.school_id, viewer=self.app.viewer)
            line = (f"待校长确认的强制报告 {count} 份。{scope.REPORT_FORBIDDEN}, 请提醒校长确认"
                    if count else "没有你能查看的强制报告")
        self.query_one("#reports-status", Static).update(content(line, one_line=True))
        return self.rows

    def selected(self) -> protection.ReportView | None:
        row = self.table.cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "confirm":
            return scope.may_confirm_report(self.app.viewer)
        if action == "print_register":
            return scope.may_export_report_register(self.app.viewer)
        return True

    def _folder(self) -> str:
        """Where the files go: the login's own folder over SSH (``guanai --as``), else the current one."""
        import os

        return getattr(self.app.session, "files_dir", None) or os.getcwd()

    def _export(self, name: str, write) -> None:
        import datetime as dt
        import os

        path = os.path.join(self._folder(), f"{name}_{dt.datetime.now():%Y%m%d-%H%M%S}.xlsx")
        try:
            path = write(path)
        except UserError as exc:
            self.notify(str(exc), severity="error", timeout=6)
            return
        self.notify(f"已导出: {path}", timeout=8)

    def action_print_form(self) -> None:
        """The selected report's one-page 报告单 as xlsx (A4 portrait), audited like every look."""
        r = self.selected()
        if r is None:
            return
        from tui.export.protection import export_report_form

        self._export(f"强制报告单_{r.id}", lambda path: export_report_form(r.id, path, viewer=self.app.viewer))

    def action_print_register(self) -> None:
        """The 强制报告登记台账 of the current term (or, in the holidays, the one just ended)."""
        import datetime as dt

        from models import terms
        from tui.export.protection import export_register

        today = dt.date.today()
        term = next((t for t in (terms.term_at(today - dt.timedelta(days=k), school_id=self.app.school_id)
                                 for k in range(0, 250, 7)) if t is not None), None)
        if term is None:
            self.notify("找不到学期, 请先在行事历里设定开学和放假日期", severity="warning")
            return
        self._export(f"强制报告登记台账_{term.label}", lambda path: export_register(
            self.app.school_id, term.start, max(term.end, today), term.school_year_label, path, viewer=self.app.viewer))

    def action_open(self) -> None:
        r = self.selected()
        if r is None:
            return
        from screens.protection_form import ReportFormScreen

        self.app.push_screen(ReportFormScreen(report_id=r.id))

    @on(VirtualTable.RowSelected, "#reports-table")
    def _row_selected(self) -> None:
        self.action_open()

    def action_confirm(self) -> None:
        r = self.selected()
        if r is None:
            return
        if r.confirmed_at is not None:
            self.notify(f"这份报告已由 {r.confirmed_by} 确认", timeout=3)
            return
        try:
            protection.confirm_report(r.id, viewer=self.app.viewer)
        except UserError as exc:
            self.notify(str(exc), severity="warning", timeout=5)
            return
        self.notify(f"已确认 {r.child_name} 的强制报告", timeout=3)
        self.app.refresh_report_banner()
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()
