"""控辍保学 (ctrl+p 控辍保学, kcbx; ``t`` on a 缺课核实/劝返家访 duty in 待办): the 辍学风险 cases the
viewer follows, open first, and a case's page — its absences, its 劝返 attempts (``a`` adds one), the
书面报告 draft once the 劝返 failed often enough (``p`` prints it into the login's files folder, as
``guanai dropout --report``), ``v`` 核实, ``r`` 返校 (closes the case: 动态销号), ``c`` the head's
辍学 confirmation. Thin: ``models.dropout`` checks and writes, ``models.scope`` says who may."""
from __future__ import annotations

import datetime as dt

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from models import dropout, rules, scope
from models.errors import UserError
from models.rules import short_class
from tui.chrome import TitleBar
from tui.list_screen import ListScreen
from tui.widgets.fields import Input, focus_now
from tui.widgets.footer import Footer
from tui.widgets.guard import DatabaseGuard
from tui.widgets.text import content
from tui.widgets.virtual_table import VirtualTable

COLUMNS = (("状态", 8), ("姓名", 8), ("班级", 6), ("缺课起", 6), ("原因", 8), ("劝返", 4), ("核实", 5))
STATUS_STYLE = {dropout.OPEN: "bold yellow", dropout.REPORTED: "bold red", dropout.CLOSED: ""}
EMPTY = ("没有辍学风险案例。学生连续缺课超过 3 个上学日 (周末、节假日不算) 时自动列入这里; "
         "在名册里按 x 再按数字登记缺课。")


def case_cells(c: dropout.CaseView) -> tuple:
    return ((c.status, STATUS_STYLE.get(c.status, "")), c.child_name, short_class(c.class_name),
            f"{c.first_absent:%m-%d}", c.reason, str(len(c.attempts)),
            f"{c.verified_on:%m-%d}" if c.verified_on else "—")


def case_key(c: dropout.CaseView) -> str:
    return str(c.id)


def _folder(app) -> str:
    """The login's own folder over SSH (``guanai --as``), else the current one."""
    import os

    return getattr(app.session, "files_dir", None) or os.getcwd()


class DropoutListScreen(ListScreen):
    DEFAULT_CSS = """
    DropoutListScreen #dropout-status { height: 1; padding: 0 1; background: $boost; }
    DropoutListScreen #dropout-empty { padding: 1 2; }
    DropoutListScreen #dropout-table { height: 1fr; scrollbar-size-vertical: 1; }
    """
    BINDINGS = [
        Binding("enter", "open", "打开"),
        Binding("escape", "back", "返回"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "控辍保学"
        self.rows: list[dropout.CaseView] = []

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(id="dropout-status")
        yield Static(id="dropout-empty")
        yield VirtualTable(COLUMNS, cells=case_cells, key=case_key, id="dropout-table", zebra_stripes=True)
        yield Footer(show_command_palette=False)

    def load(self) -> list[dropout.CaseView]:
        return dropout.cases(viewer=self.app.viewer, school_id=self.app.school_id)

    def show(self, data: list[dropout.CaseView]) -> list[dropout.CaseView]:
        self.rows = data
        open_ = sum(c.closed_on is None for c in data)
        self.query_one("#dropout-status", Static).update(content(
            f"辍学风险 {len(data)} 人 · 未返校 {open_} · 回车 打开", one_line=True))
        empty = self.query_one("#dropout-empty", Static)
        empty.display = not data
        if not data:
            empty.update(content(scope.ABSENCE_FORBIDDEN if not scope.may_mark_absence(self.app.viewer) else EMPTY))
        return data

    def selected(self) -> dropout.CaseView | None:
        row = self.table.cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def action_open(self) -> None:
        c = self.selected()
        if c is not None:
            self.app.push_screen(DropoutCaseScreen(c.id))

    @on(VirtualTable.RowSelected, "#dropout-table")
    def _row_selected(self) -> None:
        self.action_open()

    def action_back(self) -> None:
        self.app.pop_screen()


def case_text(c: dropout.CaseView, *, report: str = "") -> str:
    """The case page's body: plain text (user text is never markup)."""
    lines = [f"班级 {c.class_name or '—'}  班主任 {c.head_teacher or '—'}  状态 {c.status}"
             + (f" ({c.closed_on:%m-%d} 返校销号)" if c.closed_on else ""),
             f"缺课起 {c.first_absent:%Y-%m-%d}  立案 {c.opened_on:%m-%d}  原因 {c.reason}"
             + (f"  校长确认辍学 {c.confirmed_on:%m-%d}" if c.confirmed_on else ""),
             f"核实: {c.verified_on:%m-%d} {c.verify_note}" if c.verified_on else "核实: 未核实 (v 登记核实情况)", "",
             f"缺课记录 ({len(c.absences)} 天)"]
    lines += ["  " + "  ".join(f"{d:%m-%d} {r}" for d, r in c.absences[i:i + 4]) for i in range(0, len(c.absences), 4)]
    lines += ["", f"劝返记录 ({len(c.attempts)} 次, 无效 {c.failed} 次)"]
    lines += [f"  {a.day:%m-%d} {a.method} {a.outcome}  {a.who or '—'}" + (f"  {a.note}" if a.note else "")
              for a in c.attempts] or ["  还没有劝返记录: 按 a 登记一次 (家访、电话或约谈, 教师和/或村干部)"]
    if report:
        lines += ["", "书面报告 (草稿, p 打印)", report]
    return "\n".join(lines)


class DropoutCaseScreen(DatabaseGuard, Screen):
    """One case; reloaded after each change made here."""

    DEFAULT_CSS = """
    DropoutCaseScreen #case-title { height: 1; padding: 0 1; background: $boost; }
    DropoutCaseScreen #case-body { height: 1fr; padding: 0 1; }
    """
    BINDINGS = [
        Binding("a", "attempt", "劝返"),
        Binding("v", "verify", "核实"),
        Binding("r", "returned", "返校"),
        Binding("p", "print_report", "打印报告"),
        Binding("c", "confirm", "确认辍学"),
        Binding("escape", "back", "返回"),
    ]

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case_id = case_id
        self.case: dropout.CaseView | None = None
        self.sub_title = "控辍保学"

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(id="case-title")
        with VerticalScroll(id="case-body"):
            yield Static(id="case-text")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.load()
        self.query_one("#case-body").focus()

    def load(self) -> None:
        try:
            c = self.case = dropout.case_detail(self.case_id, viewer=self.app.viewer)
        except UserError as exc:
            self.case = None
            self.query_one("#case-title", Static).update(content("辍学风险", one_line=True))
            self.query_one("#case-text", Static).update(content(str(exc)))
            return
        self.sub_title = f"控辍保学 > {c.child_name}"
        report = dropout.report_text(c.id, viewer=self.app.viewer) if c.reported_on else ""
        self.query_one("#case-title", Static).update(content(
            f"#{c.id} {c.child_name} 辍学风险 · {c.status}", one_line=True))
        self.query_one("#case-text", Static).update(content(case_text(c, report=report)))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        c = self.case
        if action in ("attempt", "verify", "returned"):
            return c is not None and c.closed_on is None
        if action == "print_report":
            return c is not None and c.reported_on is not None
        if action == "confirm":
            return (c is not None and c.closed_on is None and c.confirmed_on is None
                    and scope.may_confirm_dropout(self.app.viewer))
        return True

    def _after(self, message: str | None) -> None:
        if message:
            self.notify(message, timeout=5)
            self.load()

    def action_attempt(self) -> None:
        if self.case is not None:
            self.app.push_screen(AttemptScreen(self.case_id), self._after)

    def action_verify(self) -> None:
        if self.case is not None:
            self.app.push_screen(CaseDayScreen(self.case_id, "verify"), self._after)

    def action_returned(self) -> None:
        if self.case is not None:
            self.app.push_screen(CaseDayScreen(self.case_id, "return"), self._after)

    def action_confirm(self) -> None:
        c = self.case
        if c is None:
            return
        from screens.confirm import ConfirmScreen

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            try:
                dropout.confirm_dropout(c.id, viewer=self.app.viewer)
            except UserError as exc:
                self.notify(str(exc), severity="warning", timeout=5)
                return
            self._after(f"已确认 {c.child_name} 辍学 (学籍状态: 辍学; 返校后自动恢复在读)")

        self.app.push_screen(ConfirmScreen(f"确认 {c.child_name} 辍学? 档案状态将改为辍学 (自 {c.first_absent:%m-%d})"),
                             answer)

    def action_print_report(self) -> None:
        """The 书面报告 draft as a text file in the login's files folder (audited), to print and sign."""
        import os

        from tui.export.dropout import export_report

        path = os.path.join(_folder(self.app), f"辍学书面报告_{self.case_id}_{dt.datetime.now():%Y%m%d-%H%M%S}.txt")
        try:
            path = export_report(self.case_id, path, viewer=self.app.viewer)
        except UserError as exc:
            self.notify(str(exc), severity="error", timeout=6)
            return
        self.notify(f"已导出: {path}", timeout=8)

    def action_back(self) -> None:
        self.dismiss(None)  # the child's page, when it opened this one, reloads


class AttemptScreen(DatabaseGuard, ModalScreen[str | None]):
    """One 劝返 attempt: 日期, 方式 (F2), 结果 (F3), 村干部, 说明; ctrl+s saves, esc cancels. The
    staff member is whoever is logged in."""

    BINDINGS = [
        Binding("f2", "method", "方式", priority=True),
        Binding("ctrl+l", "method", "方式", show=False, priority=True),
        Binding("f3", "outcome", "结果", priority=True),
        Binding("ctrl+r", "outcome", "结果", show=False, priority=True),
        Binding("ctrl+s", "save", "保存", priority=True),
        Binding("escape", "cancel", "取消", priority=True),
    ]
    DEFAULT_CSS = """
    AttemptScreen { align: center middle; }
    #attempt-box { width: 70; max-width: 100%; height: auto; border: round $accent; padding: 0 1;
                   background: $surface; }
    #attempt-error { color: $error; }
    """

    def __init__(self, case_id: int, *, today: dt.date | None = None) -> None:
        super().__init__()
        self.case_id = case_id
        self.today = today or dt.date.today()
        self.method = rules.PERSUADE_METHODS[0]
        # no default: a forgotten F3 must not count as 无效 toward the 书面报告 (nor as 有效)
        self.outcome = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="attempt-box"):
            yield Static(content("登记劝返  (F2/ctrl+l 方式  F3/ctrl+r 结果  ctrl+s 保存  esc 取消)", one_line=True))
            yield Static(id="attempt-choice")
            yield Static("日期")
            yield Input(value=self.today.strftime("%m-%d"), id="attempt-day")
            yield Static("村干部 (姓名, 可空)")
            yield Input(id="attempt-cadre")
            yield Static("情况说明")
            yield Input(id="attempt-note")
            yield Static("", id="attempt-error")

    def on_mount(self) -> None:
        self._show_choice()
        focus_now(self.query_one("#attempt-note", Input))

    def _show_choice(self) -> None:
        self.query_one("#attempt-choice", Static).update(content(
            f"方式: {self.method}    结果: {self.outcome or '未选 (F3)'}    劝返人: {self.app.viewer.name or '—'}",
            one_line=True))

    def action_method(self) -> None:
        i = rules.PERSUADE_METHODS.index(self.method)
        self.method = rules.PERSUADE_METHODS[(i + 1) % len(rules.PERSUADE_METHODS)]
        self._show_choice()

    def action_outcome(self) -> None:
        self.outcome = "无效" if self.outcome == "有效" else "有效"
        self._show_choice()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()  # enter only confirms a field: ctrl+s saves

    def action_save(self) -> None:
        if not self.outcome:
            self.query_one("#attempt-error", Static).update(content("请按 F3 (或 ctrl+r) 选择劝返结果: 有效或无效"))
            return
        values = {"day": self.query_one("#attempt-day", Input).value, "method": self.method,
                  "outcome": self.outcome, "cadre": self.query_one("#attempt-cadre", Input).value,
                  "note": self.query_one("#attempt-note", Input).value}
        try:
            dropout.add_attempt(self.case_id, values, viewer=self.app.viewer, today=self.today)
        except UserError as exc:
            self.query_one("#attempt-error", Static).update(content(str(exc)))
            return
        self.dismiss(f"已登记劝返: {self.method} {self.outcome}")

    def action_cancel(self) -> None:
        self.dismiss(None)


class CaseDayScreen(DatabaseGuard, ModalScreen[str | None]):
    """A date (today by default) and, for 核实, what was found: ``verify`` or ``return`` (返校)."""

    BINDINGS = [Binding("ctrl+s", "save", "保存", priority=True), Binding("escape", "cancel", "取消", priority=True)]
    DEFAULT_CSS = """
    CaseDayScreen { align: center middle; }
    #caseday-box { width: 64; max-width: 100%; height: auto; border: round $accent; padding: 0 1;
                   background: $surface; }
    #caseday-error { color: $error; }
    """

    def __init__(self, case_id: int, kind: str, *, today: dt.date | None = None) -> None:
        super().__init__()
        self.case_id, self.kind = case_id, kind
        self.today = today or dt.date.today()

    def compose(self) -> ComposeResult:
        title = "登记核实情况" if self.kind == "verify" else "登记返校 (销号)"
        with Vertical(id="caseday-box"):
            yield Static(content(f"{title}  (回车或 ctrl+s 保存, esc 取消)", one_line=True))
            yield Static("日期")
            yield Input(value=self.today.strftime("%m-%d"), id="caseday-day")
            if self.kind == "verify":
                yield Static("核实情况 (孩子在哪里、为什么没来)")
                yield Input(id="caseday-note")
            yield Static("", id="caseday-error")

    def on_mount(self) -> None:
        focus_now(self.query_one("#caseday-note" if self.kind == "verify" else "#caseday-day", Input))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        day = self.query_one("#caseday-day", Input).value
        try:
            if self.kind == "verify":
                dropout.verify_case(self.case_id, self.query_one("#caseday-note", Input).value,
                                    viewer=self.app.viewer, day=day, today=self.today)
                message = "已登记核实情况"
            else:
                dropout.record_return(self.case_id, day, viewer=self.app.viewer, today=self.today)
                message = "已返校, 辍学风险已销号"
        except UserError as exc:
            self.query_one("#caseday-error", Static).update(content(str(exc)))
            return
        self.dismiss(message)

    def action_cancel(self) -> None:
        self.dismiss(None)
