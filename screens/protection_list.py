"""强制报告 (the banner's key ``!``, ctrl+p 强制报告): the reports the viewer may see — the head and
the counselor all of the school's, a teacher her own — with the unconfirmed first; ``c`` is the
head's confirmation, ``enter`` opens the 报告单, ``p`` prints it (xlsx), ``l`` the term's 台账. The admin, who sees only the banner's count, is
told why she cannot open it. Thin: ``models.protection`` reads (and audits) the list."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from models import protection, scope
from models.errors import UserError
from tui.chrome import TitleBar
from tui.list_screen import ListScreen
from tui.widgets.footer import Footer
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
    ReportListScreen #reports-note { height: auto; padding: 1 2; display: none; }
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
        yield Static(id="reports-note")
        yield VirtualTable(COLUMNS, cells=report_cells, key=report_key, id="reports-table", zebra_stripes=True)
        yield Footer(show_command_palette=False)

    def load(self) -> list[protection.ReportView]:
        # the first showing is one audited look; a reload after another user's change is not another
        rows = protection.report_rows(self.app.school_id, viewer=self.app.viewer, audited=not self.loaded)
        return sorted(rows, key=lambda r: (r.confirmed_at is not None, r.closed_at is not None))

    def show(self, data: list[protection.ReportView]) -> list[protection.ReportView]:
        self.rows = data
        waiting = sum(1 for r in data if r.confirmed_at is None and r.closed_at is None)
        viewer = self.app.viewer
        if scope.banner_names_children(viewer) or data:
            line = f"强制报告 {len(data)} 份 · 待校长确认 {waiting} 份 · 回车 打开"
            if scope.may_confirm_report(viewer):
                line += "  c 确认"
        else:
            count = protection.unconfirmed_count(self.app.school_id, viewer=viewer)
            line = (f"待校长确认的强制报告 {count} 份 (只显示份数)。{scope.REPORT_FORBIDDEN}, 请提醒校长确认"
                    if count else "没有你能查看的强制报告")
        # the admin's banner counts reports she may not open: the page says who must act, no child
        note = self.query_one("#reports-note", Static)
        note.display = scope.sees_report_banner(viewer) and not scope.banner_names_children(viewer)
        if note.display and not data:
            count = protection.unconfirmed_count(self.app.school_id, viewer=viewer)
            line = f"待校长确认的强制报告 {count} 份 (管理员只看到份数)" if count else "没有待校长确认的强制报告"
        self.query_one("#reports-status", Static).update(content(line, one_line=True))
        if note.display:
            note.update(content(self._who_acts(), one_line=False))
        self.table.display = bool(data) or not note.display
        self.refresh_bindings()
        return self.rows

    def _who_acts(self) -> str:
        """The admin's page: that the head (by name) confirms the reports counted — no child."""
        heads = "、".join(protection.confirmers(self.app.school_id)) or "(还没有校长的登录账号, 请在教职工账号里添加)"
        return (f"需要校长确认: {heads}。\n请提醒校长登录关爱, 按 ! 打开强制报告列表, "
                "逐份看过后按 c 确认 (由学校报告或跟进)。\n\n"
                f"{scope.REPORT_FORBIDDEN}; 管理员只看到份数, 看不到孩子和报告人。")

    def selected(self) -> protection.ReportView | None:
        row = self.table.cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "confirm":
            return scope.may_confirm_report(self.app.viewer)
        if action == "print_register":
            return scope.may_export_report_register(self.app.viewer)
        if action in ("open", "print_form"):
            return bool(self.rows)  # nothing listed (the admin's page): no key that does nothing
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
        """The head's confirmation, asked first (only ``y`` confirms): from then on the school
        takes the report over, so a key pressed by mistake must not do it."""
        r = self.selected()
        if r is None:
            return
        if r.confirmed_at is not None:
            self.notify(f"这份报告已由 {r.confirmed_by} 确认", timeout=3)
            return
        from screens.confirm import ConfirmScreen

        question = (f"确认 {r.child_name} ({r.class_name or '未分班'}) 的强制报告?\n"
                    f"情形: {'、'.join(r.situations)}\n发现: {r.found_at:%Y-%m-%d %H:%M} · {r.path_label}\n"
                    "确认后由学校接手这份报告 (学校报告公安或跟进处置)。")

        def answer(yes: bool | None) -> None:
            if yes:
                self._confirm(r)

        self.app.push_screen(ConfirmScreen(question, yes="确认, 由学校接手", no="不确认", strict=True), answer)

    def _confirm(self, r: protection.ReportView) -> None:
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
