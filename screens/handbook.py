"""手册: the monthly handbook workbook — choose month and class, preview the numbers, export.

The preview and the export run in thread workers (each with its own database connection), so
the screen stays responsive on a county database; the export shows a progress bar and, at the
end, where the file went.
"""
from __future__ import annotations

import datetime as dt
import os

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Label, ProgressBar, Select, Static

from models import db as dbmod
from models import handbook
from models import scope as access  # handbook.Scope instances are called ``scope`` here
from tui.widgets.fields import Input, NumberInput, focus_now
from tui.widgets.search_picker import fit
from tui.pack_export import ReportPackExport
from tui.widgets.footer import Footer
from tui.widgets.text import content
from tui.widgets.guard import DatabaseGuard
from tui.chrome import TitleBar
from tui.list_screen import DataChanged, LiveData

SCHOOL = "__school__"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


NAME_CELLS = 40  # the preview's rule-name column at most: 40 + the four figures' 30 fit in 76 cells


def preview_text(s: handbook.Summary) -> str:
    """The summary's numbers in a few lines of plain text (at most 76 cells wide)."""
    scope = s.scope
    lines = [
        f"{scope.school_name} · {scope.class_name or '全校'} · {scope.month_label}"
        f" (统计截至 {scope.as_of:%m-%d})",
        f"留守儿童 {s.children} 人   建档率 {_pct(s.filing_rate)}   "
        f"特困 {s.hardship}  特长 {s.talent}  残障 {s.disability}  重点 {s.key_target}",
        "结对 " + " ".join(f"{p.kind}{p.paired}/{p.subjects}" for p in s.pairing),
    ]
    # the name column as wide as the longest rule name (an admin names rules: 红色关注心理辅导 is 16
    # cells), at most NAME_CELLS so a line stays within the box; a longer name ends in ~
    names = [fit(d.rule_name + ("(学期)" if d.per_term else ""), NAME_CELLS) for d in s.duty_lines]
    width = max([14, *(cell_len(n) for n in names)]) + 2
    lines.append("事项" + " " * (width - 4) + " 应完成  已完成   逾期  完成率")
    for name, d in zip(names, s.duty_lines):
        lines.append(f"{name}{' ' * (width - cell_len(name))}{d.required:>7} {d.done:>7} {d.overdue:>6} "
                     f"{_pct(d.rate):>7}")
    c = s.contacts
    lines.append(
        f"本月: 谈心 {sum(c.get(k, 0) for k in handbook.TALK_KINDS)}  "
        f"家长联系 {sum(c.get(k, 0) for k in handbook.PARENT_KINDS)}  "
        f"家访 {sum(c.get(k, 0) for k in handbook.VISIT_KINDS)}  "
        f"学业辅导 {sum(c.get(k, 0) for k in handbook.TUTORING_KINDS)}  活动 {s.activities}  待办 {s.open_duties}")
    return "\n".join(lines)


class HandbookScreen(ReportPackExport, LiveData, DatabaseGuard, Screen):
    BINDINGS = [
        Binding("ctrl+s", "export", "导出", priority=True),
        # priority: a letter pressed in the month field is a key, not the month (a NumberInput
        # does not take letters; the folder field does, a path has them)
        Binding("m", "focus_month", "月份", priority=True),
        Binding("c", "focus_class", "班级", priority=True),
        Binding("o", "focus_folder", "保存到", priority=True),
        Binding("r", "export_pack", "上报报表"),  # the month's report pack (models/report_pack.py)
        Binding("escape", "leave_field", "返回", show=False),
    ]
    DEFAULT_CSS = """
    HandbookScreen #hb-status { height: 1; padding: 0 1; background: $boost; }
    HandbookScreen .hb-row { height: 1; margin: 0 1; }
    HandbookScreen .hb-row Label { width: 8; }
    HandbookScreen #hb-month { width: 10; }
    HandbookScreen #hb-class { width: 24; margin-left: 2; }
    HandbookScreen #hb-class-label { width: 6; margin-left: 2; }
    HandbookScreen #hb-folder { width: 1fr; }
    HandbookScreen #hb-file { height: 1; margin: 0 1; color: $text-muted; }
    HandbookScreen #hb-unmask { height: 1; margin: 0 1; }
    HandbookScreen #hb-preview-box { height: 1fr; margin: 0 1; border: round $primary; padding: 0 1; }
    HandbookScreen #hb-bottom { height: 1; margin: 0 1; }
    HandbookScreen #hb-export { width: auto; min-width: 16; }
    HandbookScreen #hb-progress { width: 1fr; margin-left: 2; }
    HandbookScreen #hb-result { height: auto; max-height: 2; margin: 0 1; }
    """

    def __init__(self, *, today: dt.date | None = None, folder: str | None = None) -> None:
        super().__init__()
        self.today = today or dt.date.today()
        self.folder = folder  # None: the session's own files folder over SSH, else the current one
        self.summary: handbook.Summary | None = None
        self.exporting = False
        self.last_result = None  # the last ExportResult, for the tests and the status line

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        if self.folder is None:
            self.folder = getattr(self.app.session, "files_dir", None) or os.getcwd()
        yield TitleBar()
        yield Static(content("手册 · 导出本月留守儿童工作手册 (xlsx), 供检查和打印", one_line=True), id="hb-status")
        with Horizontal(classes="hb-row"):
            yield Label("月份")
            yield NumberInput(value=f"{self.today:%Y-%m}", placeholder="YYYY-MM", id="hb-month", compact=True,
                        max_length=7)
            yield Label("班级", id="hb-class-label")
            yield Select([("全校", SCHOOL)], value=SCHOOL, allow_blank=False, id="hb-class", compact=True)
        with Horizontal(classes="hb-row"):
            yield Label("保存到")
            yield Input(value=self.folder, placeholder="目录或 .xlsx 文件", id="hb-folder", compact=True)
        yield Static(id="hb-file")
        if access.may_unmask_export(self.app.viewer):  # the exporter refuses anyone else too
            yield Checkbox("不遮盖身份证号和电话 (仅管理员; 会记入日志)", id="hb-unmask", compact=True)
        with VerticalScroll(id="hb-preview-box"):
            yield Static(id="hb-preview", markup=False)
        with Horizontal(id="hb-bottom"):
            yield Button("导出 ctrl+s", id="hb-export", compact=True, variant="primary")
            yield ProgressBar(total=100, show_eta=False, id="hb-progress")
        yield Static(id="hb-result")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        from models.roster import classrooms

        rooms = classrooms(self.app.school_id)
        viewer = self.app.viewer
        # models.scope: a class teacher's handbook is their class's
        rooms = [(cid, name) for cid, name in rooms if access.may_export_handbook(viewer, cid)]
        select = self.query_one("#hb-class", Select)
        whole = access.may_export_handbook(viewer, None) or not rooms
        self.class_choices = [*([("全校", SCHOOL)] if whole else []),
                              *((name, cid) for cid, name in rooms)]
        select.set_options(self.class_choices)
        mine = self._my_class(rooms)
        select.value = mine if mine is not None else SCHOOL
        self.query_one("#hb-progress", ProgressBar).display = False
        self.query_one("#hb-export", Button).focus()
        try:  # models.scope: the head, the admin (their school), a 县/乡镇 officer (the area)
            self.pack_schools = access.report_school_ids(viewer)
        except access.ForbiddenError:
            self.pack_schools = []
        self.refresh_bindings()
        self.refresh_preview()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "export_pack":
            return bool(getattr(self, "pack_schools", []))
        return True

    def _my_class(self, rooms: list[tuple[int, str]]) -> int | None:
        """A class teacher starts on their own class; the head and the admin on the whole school."""
        mine = access.own_class(self.app.viewer)
        return mine if any(cid == mine for cid, _ in rooms) else None

    # ------------------------------------------------------------------ input

    def _classroom_id(self) -> int | None:
        value = self.query_one("#hb-class", Select).value
        return None if value in (SCHOOL, Select.NULL) else int(value)

    def _month(self) -> str:
        return self.query_one("#hb-month", Input).value.strip()

    def _scope(self) -> handbook.Scope:
        from models.scope import ForbiddenError

        try:
            return handbook.make_scope(self.app.school_id, self._month(), viewer=self.app.viewer,
                                       classroom_id=self._classroom_id(), today=self.today)
        except ForbiddenError as exc:  # shown where a bad month is shown
            raise handbook.HandbookError(str(exc)) from None

    def _target(self, scope: handbook.Scope) -> str:
        from tui.export import ExportError, resolve_path

        where = os.path.expanduser(self.query_one("#hb-folder", Input).value.strip() or self.folder)
        if not where.lower().endswith(".xlsx") and not os.path.isdir(where):
            raise ExportError(f"目录不存在: {where}")
        path = resolve_path(scope, where, cwd=self.folder)
        confined = getattr(self.app.session, "files_dir", None)
        if confined:  # a teacher over SSH: nothing of the service account's within reach
            from tui.context import UsageError, within

            try:
                within(confined, os.path.dirname(path))
            except UsageError as exc:
                raise ExportError(str(exc)) from None
        return path

    @on(Select.Changed, "#hb-class")
    def _class_changed(self) -> None:
        self.refresh_preview()

    @on(Input.Changed, "#hb-month")
    def _month_changed(self, event: Input.Changed) -> None:
        if len(event.value.strip()) >= 6:
            self.refresh_preview()

    @on(Input.Changed, "#hb-folder")
    def _folder_changed(self) -> None:
        self._show_file()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        # Enter confirms the field, never the export: a second Enter once exported a month
        # nobody had checked (ctrl+s or the button does it)
        focus_now(self.query_one("#hb-preview-box"))

    @on(Button.Pressed, "#hb-export")
    def _pressed(self) -> None:
        self.action_export()

    def action_focus_month(self) -> None:
        month = self.query_one("#hb-month", Input)
        focus_now(month)
        month.select_all()

    def action_focus_class(self) -> None:
        """A search over the classes (type 32 for 三年级2班), not a dropdown walked by arrows."""
        from tui.widgets.class_picker import ClassPickerScreen

        select = self.query_one("#hb-class", Select)

        def chosen(value) -> None:
            if value is not None:
                select.value = value
            select.focus()

        self.app.push_screen(ClassPickerScreen(getattr(self, "class_choices", []), title="手册: 选择班级或全校"), chosen)

    def action_focus_folder(self) -> None:
        focus_now(self.query_one("#hb-folder", Input))

    def action_leave_field(self) -> None:
        focus_now(self.query_one("#hb-export", Button))

    # ------------------------------------------------------------------ preview

    def _say(self, text: str, *, error: bool = False) -> None:
        result = self.query_one("#hb-result", Static)
        result.update(content(text))
        result.styles.color = "red" if error else None

    def _show_file(self) -> None:
        label = self.query_one("#hb-file", Static)
        try:
            path = self._target(self.summary.scope) if self.summary is not None else ""
        except Exception as exc:  # noqa: BLE001 - any bad folder is shown, not raised
            label.update(content(str(exc), one_line=True))
            return
        label.update(content(f"文件: {path}" if path else "", one_line=True))

    def on_data_changed(self, message: DataChanged) -> None:
        """Another user changed the data (the app's watcher): recount in the preview's thread
        worker, unless exporting."""
        if not self.exporting:
            self.refresh_preview()

    def refresh_preview(self) -> None:
        try:
            scope = self._scope()
        except handbook.HandbookError as exc:
            self.summary = None
            self.query_one("#hb-preview", Static).update(content(str(exc)))
            self._show_file()
            return
        self.query_one("#hb-preview", Static).update(content("正在统计…"))
        self._preview(scope)

    @work(thread=True, exclusive=True, group="handbook-preview", exit_on_error=False)
    def _preview(self, scope: handbook.Scope) -> None:
        try:
            with dbmod.current().connection_context():
                s = handbook.summary(scope)
        except Exception as exc:  # noqa: BLE001 - shown on the screen, the app keeps running
            self.app.call_from_thread(self._preview_failed, str(exc))
            return
        self.app.call_from_thread(self._preview_done, s)

    def _preview_done(self, s: handbook.Summary) -> None:
        if (s.scope.month_text, s.scope.classroom_id) != (self._month_key(), self._classroom_id()):
            return  # the choice changed meanwhile; its own preview is on the way
        self.summary = s
        self.query_one("#hb-preview", Static).update(content(preview_text(s)))
        self._show_file()

    def _month_key(self) -> str:
        try:
            y, m = handbook.parse_month(self._month(), today=self.today)
        except handbook.HandbookError:
            return ""
        return f"{y:04d}-{m:02d}"

    def _preview_failed(self, message: str) -> None:
        self.query_one("#hb-preview", Static).update(content(f"统计失败: {message}"))

    # ------------------------------------------------------------------ export

    def action_export(self) -> None:
        from tui.export import ExportError

        if self.exporting:
            return
        try:
            scope = self._scope()
            path = self._target(scope)
        except (handbook.HandbookError, ExportError) as exc:
            self._say(str(exc), error=True)
            return
        boxes = self.query("#hb-unmask")
        unmask = bool(boxes) and boxes.first(Checkbox).value
        if os.path.lexists(path):
            from screens.confirm import ConfirmScreen

            def answered(yes: bool | None) -> None:
                if yes:
                    self._start(scope, path, force=True, unmask=unmask)

            self.app.push_screen(ConfirmScreen(f"文件已存在:\n{path}\n覆盖它吗?", yes="覆盖", no="取消"), answered)
            return
        self._start(scope, path, force=False, unmask=unmask)

    def _start(self, scope: handbook.Scope, path: str, *, force: bool, unmask: bool) -> None:
        self.exporting = True
        bar = self.query_one("#hb-progress", ProgressBar)
        bar.display = True
        bar.update(total=100, progress=0)
        self._say("正在导出…")
        self._export(scope, path, force, unmask)

    @work(thread=True, exclusive=True, group="handbook-export", exit_on_error=False)
    def _export(self, scope: handbook.Scope, path: str, force: bool, unmask: bool) -> None:
        from models.duties import RuleError
        from tui.export import ExportError, export_handbook

        def progress(message: str, fraction: float) -> None:
            self.app.call_from_thread(self._progress, message, fraction)

        session = self.app.session
        try:
            with dbmod.current().connection_context():
                result = export_handbook(scope, path, force=force, unmask=unmask, staff_id=session.staff_id,
                                         staff_name=session.staff_name, progress=progress)
        except (ExportError, handbook.HandbookError, RuleError, access.ForbiddenError) as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - an unexpected failure is shown, nothing is left behind
            self.app.call_from_thread(self._failed, f"导出失败: {type(exc).__name__}: {exc}")
            return
        self.app.call_from_thread(self._done, result)

    # ------------------------------------------------------------------ the report pack (上报)

    def action_export_pack(self) -> None:
        """The month's report pack of the viewer's school (or area), as ``guanai report``, to the folder."""
        from models import report_pack
        from models.entities import School
        from tui.export import ExportError
        from tui.export.report_pack import default_name

        if self.exporting or not getattr(self, "pack_schools", []):
            return
        try:
            period = report_pack.month_period(self._month(), today=self.today)
            one = self.pack_schools[0] if len(self.pack_schools) == 1 else None
            label = School.get_by_id(one).name if one else f"{len(self.pack_schools)} 所学校"
            path = self._pack_target(default_name(label, period.key))
        except (report_pack.ReportError, ExportError) as exc:
            self._say(str(exc), error=True)
            return
        self.export_report_pack(period, path)

    def _pack_target(self, name: str) -> str:
        """The pack goes where the handbook goes: the folder typed (a typed .xlsx: its folder)."""
        from tui.export import ExportError

        where = os.path.expanduser(self.query_one("#hb-folder", Input).value.strip() or self.folder)
        if where.lower().endswith(".xlsx"):
            where = os.path.dirname(where) or self.folder
        where = os.path.join(self.folder, where)
        if not os.path.isdir(where):
            raise ExportError(f"目录不存在: {where}")
        confined = getattr(self.app.session, "files_dir", None)
        if confined:  # a teacher over SSH: nothing of the service account's within reach
            from tui.context import UsageError, within

            try:
                within(confined, where)
            except UsageError as exc:
                raise ExportError(str(exc)) from None
        return os.path.join(where, name)

    def pack_status(self, text: str) -> None:
        self._say(text)

    def pack_finished(self, error: str | None, path: str, pack) -> None:
        if error:
            self._failed(error)
        else:
            self._pack_done(path, pack)

    def _pack_done(self, path: str, pack) -> None:
        self.last_pack = path
        c = pack.total
        self._say(f"上报报表已保存到: {path} (民政口径 {c.mz} 人, 教育统计口径 {c.jy} 人, 本期变动 {len(pack.changes)} 人)")
        self.notify("上报报表已导出", timeout=4)

    def _progress(self, message: str, fraction: float) -> None:
        self.query_one("#hb-progress", ProgressBar).update(progress=round(fraction * 100))
        self._say(f"正在导出: {message}")

    def _done(self, result) -> None:
        self.exporting = False
        self.query_one("#hb-progress", ProgressBar).update(progress=100)
        self.last_result = result
        self._say(f"已保存到: {result.path} ({result.seconds:.1f} 秒)")
        self.notify(f"工作手册已导出 ({result.seconds:.1f} 秒)", timeout=4)

    def _failed(self, message: str) -> None:
        self.exporting = False
        self.query_one("#hb-progress", ProgressBar).display = False
        self._say(message, error=True)
