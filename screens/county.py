"""学校一览: the start screen of a 县/乡镇 officer — one line per school of the area (models/county.py).

The figures that cost little (学生, 留守, 建档率, 结对率, 强制报告, 辍学风险) come in one thread; the
duties' 完成率 and 逾期 (most of the cost on a county) each in a thread of its own started at the same
moment (``county.duty_counts``: no board needed), so the whole board is there when the slowest is.
逾期 is the handbook summary's (关爱事项 overdue, ``county.overdue_counts``): the totals line says so.
``enter`` drills into the school: its month's summary (the handbook's 汇总 text), then ``1`` its roster —
with the officer narrowed to that school by ``scope.school_viewer`` (``app.viewer`` while there), so every
screen reads masked and read-only as ever. ``escape`` comes back. ``r`` writes the month's report pack
(上报报表) of the area into the working folder (tui/export/report_pack.py). Each look is audited.
"""
from __future__ import annotations

import datetime as dt
import os

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from models import county, scope
from models import db as dbmod
from tui.chrome import TitleBar
from tui.pack_export import ReportPackExport
from tui.widgets.footer import Footer
from tui.widgets.guard import DatabaseGuard
from tui.widgets.text import content
from tui.widgets.virtual_table import VirtualTable

WAIT = "..."
COLUMNS = (("学校", 14), ("学生", 5), ("留守", 5), ("建档率", 6), ("结对率", 6), ("完成率", 6), ("逾期", 5),
           ("报告", 4), ("辍学", 4))


def school_cells(r: county.SchoolFigures, counted=county.DUTY_PARTS) -> tuple:
    """A school's line in COLUMNS order; 完成率 and 逾期 wait for their part (``county.duty_counts``)."""
    rate = county.percent(r.duty_rate) if "rate" in counted else WAIT
    overdue = str(r.overdue) if "overdue" in counted else WAIT
    return (r.name, str(r.pupils), str(r.left_behind), county.percent(r.filing_rate),
            county.percent(r.pairing_rate), rate, overdue, str(r.open_reports), str(r.open_cases))


OVERDUE_LABEL = "关爱事项逾期"  # the handbook summary's 关爱事项 逾期, not every overdue line of 待办
OVERDUE_NOTE = "一览中的「逾期」是上表关爱事项逾期之和; 待办里的跟进、关注复查、强制报告、缺课核实不计入"


def total_text(board: county.Dashboard) -> str:
    t = board.total
    duty = (f"完成率 {county.percent(t.duty_rate)}  {OVERDUE_LABEL} {t.overdue}" if board.duties_counted
            else "完成率、逾期 计算中...")
    return (f"合计 {len(board.rows)} 所  学生 {t.pupils}  留守 {t.left_behind}  建档率 {county.percent(t.filing_rate)}"
            f"  结对率 {county.percent(t.pairing_rate)}\n{duty}  强制报告(未结) {t.open_reports}"
            f"  辍学风险(未销号) {t.open_cases}")


class CountyScreen(ReportPackExport, DatabaseGuard, Screen):
    """The area's schools, their figures and totals; enter opens one."""

    BINDINGS = [
        Binding("enter", "open", "查看学校"),
        Binding("r", "export_pack", "上报报表"),
        Binding("g", "reload", "刷新"),
    ]
    DEFAULT_CSS = """
    CountyScreen #county-status { height: 1; padding: 0 1; background: $boost; }
    CountyScreen #county-total { height: 2; padding: 0 1; }
    """

    def __init__(self, today: dt.date | None = None) -> None:
        super().__init__()
        self.today = today
        self.board: county.Dashboard | None = None
        self.pending: dict[str, dict] = {}  # duty parts counted before the board was there
        self.board_load = 0  # the load the board is from
        self.loads = 0

    def compose(self) -> ComposeResult:
        yield TitleBar(strip=False)
        yield Static(content("正在读取辖区学校...", one_line=True), id="county-status")
        yield VirtualTable(COLUMNS, cells=self._cells, key=lambda r: str(r.school_id), id="county-table")
        yield Static(id="county-total")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = "学校一览"
        self.query_one(VirtualTable).focus()
        self.action_reload()

    def on_screen_resume(self) -> None:
        self.app.drilled = None  # back from a school: the officer's whole area again

    def _cells(self, r: county.SchoolFigures) -> tuple:
        return school_cells(r, self.board.counted if self.board is not None else ())

    # -- loading ------------------------------------------------------------------
    def action_reload(self) -> None:
        self.loads += 1
        self.pending = {}
        self._load(self.loads)
        for part in county.DUTY_PARTS:  # beside the board, each on its own connection
            self._count(self.loads, part)

    @work(thread=True, exclusive=True, group="county", exit_on_error=False)
    def _load(self, n: int) -> None:
        try:
            with dbmod.current().connection_context():
                board = county.dashboard(self.app.viewer, today=self.today, duties_too=False)
        except Exception as exc:  # noqa: BLE001 - said on the screen, the app stays
            self.app.call_from_thread(self._failed, exc)
            return
        self.app.call_from_thread(self._show, n, board)

    @work(thread=True, exit_on_error=False)
    def _count(self, n: int, part: str) -> None:
        try:
            with dbmod.current().connection_context():
                counts = county.duty_counts(self.app.viewer, self.today or dt.date.today(), part)
        except Exception as exc:  # noqa: BLE001
            self.app.call_from_thread(self._failed, exc)
            return
        self.app.call_from_thread(self._counted, n, part, counts)

    def _counted(self, n: int, part: str, counts: dict) -> None:
        if n != self.loads:
            return  # an older load
        if self.board is None or self.board_load != n:
            self.pending[part] = counts  # the board of this load is not there yet
            return
        county.apply_counts(self.board, part, counts)
        self._show(n, self.board)

    def _failed(self, exc: Exception) -> None:
        message = str(exc) if isinstance(exc, scope.ForbiddenError) else f"读取失败: {type(exc).__name__}: {exc}"
        self.query_one("#county-status", Static).update(content(message, one_line=True))

    def _show(self, n: int, board: county.Dashboard) -> None:
        if n != self.loads:
            return  # an older load
        table = self.query_one(VirtualTable)
        keep = table.row_key_at(table.cursor_row) if self.board is not None else None
        for part, counts in self.pending.items():
            county.apply_counts(board, part, counts)
        self.pending = {}
        self.board, self.board_load = board, n
        table.set_rows(board.rows, keep=keep)
        table.refresh()
        self.query_one("#county-status", Static).update(content(
            f"{board.area}  {len(board.rows)} 所学校  截至 {board.as_of:%m-%d}  只读, 已遮盖  enter 查看学校", one_line=True))
        self.query_one("#county-total", Static).update(content(total_text(board)))

    # -- drill down ---------------------------------------------------------------
    def action_open(self) -> None:
        table = self.query_one(VirtualTable)
        key = table.row_key_at(table.cursor_row)
        if key is None:
            return
        try:
            narrowed = county.drill_down(self.app.viewer, int(key))
        except scope.ForbiddenError as exc:
            self.notify(str(exc), severity="warning")
            return
        self.app.drilled = narrowed
        self.app.push_screen(SchoolScreen(self.today))

    def on_virtual_table_row_selected(self, event: VirtualTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    # -- the report pack ------------------------------------------------------------
    def action_export_pack(self) -> None:
        """The month's report pack of the area (``guanai report --month``), into the working folder."""
        from models import report_pack
        from tui.export.report_pack import default_name

        if self.exporting:
            return
        try:
            ids = scope.report_school_ids(self.app.viewer, county=self._whole_county())
            today = self.today or dt.date.today()
            period = report_pack.month_period(f"{today:%Y-%m}", today=today)
        except (scope.ForbiddenError, report_pack.ReportError) as exc:
            self.notify(str(exc), severity="warning")
            return
        folder = getattr(self.app.session, "files_dir", None) or os.getcwd()
        path = os.path.join(folder, default_name(self.app.viewer.area or f"{len(ids)} 所学校", period.key))
        self.export_report_pack(period, path, county=self._whole_county())

    def _whole_county(self) -> bool:
        return scope.covers_county(self.app.viewer)

    def pack_status(self, text: str) -> None:
        self.query_one("#county-status", Static).update(content(text, one_line=True))

    def pack_finished(self, error: str | None, path: str, pack) -> None:
        message = error or f"上报报表已保存到: {path}"
        self.pack_status(message)
        self.notify(message, timeout=6)


class SchoolScreen(DatabaseGuard, Screen):
    """One school of the area: its month's summary so far (the handbook's 汇总 as text), read-only."""

    BINDINGS = [
        Binding("escape", "back", "返回一览"),
        Binding("1", "roster", "名册(遮盖)", priority=True),
    ]
    DEFAULT_CSS = """
    SchoolScreen #school-summary { height: 1fr; padding: 0 1; }
    """

    def __init__(self, today: dt.date | None = None) -> None:
        super().__init__()
        self.today = today
        self.summary = None

    def compose(self) -> ComposeResult:
        yield TitleBar(strip=False)
        yield Static(content("正在读取本月汇总..."), id="school-summary")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        from models.entities import School

        self.sub_title = School.get_by_id(self.app.viewer.school_id).name
        self._load()

    @work(thread=True, exclusive=True, group="county-school", exit_on_error=False)
    def _load(self) -> None:
        from screens.handbook import preview_text

        try:
            with dbmod.current().connection_context():
                s = county.school_summary(self.app.viewer, today=self.today)
                text = preview_text(s)
        except Exception as exc:  # noqa: BLE001
            text = f"读取失败: {type(exc).__name__}: {exc}"
            s = None
        self.app.call_from_thread(self._show, s, text)

    def _show(self, summary, text: str) -> None:
        self.summary = summary
        self.query_one("#school-summary", Static).update(content(text + f"\n\n{OVERDUE_NOTE}\n1 名册 (证件号、电话已遮盖)   esc 返回一览"))

    def action_roster(self) -> None:
        self.app.push_screen(SchoolRosterScreen())

    def action_back(self) -> None:
        self.app.pop_screen()


def _roster_base():
    from screens.roster import RosterScreen

    return RosterScreen


class SchoolRosterScreen(_roster_base()):
    """The school's roster as its own screen shows it, for the narrowed officer: masked, read-only
    (the write keys refuse by ``models/scope.py``); escape clears a search, then comes back."""

    BINDINGS = [Binding("escape", "back", "返回", show=True)]

    def on_mount(self) -> None:
        """Say whose roster it is, and no section strip: an officer has none of the sections."""
        from models.entities import School

        super().on_mount()
        self.sub_title = f"{School.get_by_id(self.app.viewer.school_id).name} > 名册"
        bar = self.query_one(TitleBar)
        bar.strip = False
        bar.add_class("no-strip")

    def action_back(self) -> None:
        from tui.widgets.fields import Input

        if self.query_one("#roster-search", Input).value:
            self.action_clear_search()
            return
        self.app.pop_screen()
