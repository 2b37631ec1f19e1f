"""登记缺课 (控辍保学): ``x`` on a child in the roster, then a digit — 1 病假, 2 事假, 3 无故缺课, 4 其他 —
marks the child absent today; ``0`` marks it present again (the absence goes; a child back at school
closes its 辍学风险 case). ``d`` moves to the dates first (从/至: a range marks its school days); enter
there comes back to the digits. ``X`` in the roster is the whole class's register for today (全班考勤:
space toggles absent, digits pick the reason). Thin: ``models.dropout`` checks, writes and applies the rule."""
from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from models import dropout, rules
from models.errors import UserError
from tui.chrome import TitleBar
from tui.list_screen import ListScreen
from tui.widgets.fields import Input, focus_now
from tui.widgets.footer import Footer
from tui.widgets.guard import DatabaseGuard
from tui.widgets.text import content
from tui.widgets.virtual_table import VirtualTable

KEYS = "  ".join(f"{i} {r}" for i, r in enumerate(rules.ABSENCE_REASONS, 1)) + "  0 出勤"


def outcome_message(name: str, result: dropout.MarkResult, reason: str | None) -> str:
    """What the roster says after a mark: the days, and a case opened or closed."""
    if reason is None:
        text = f"{name}: 已登记出勤" if result.days else f"{name}: 这一天本来就没有缺课记录"
    elif not result.days:
        text = f"{name}: 已登记过{reason}, 没有变化"
    else:
        days = result.days[0].strftime("%m-%d") + (f" 至 {result.days[-1]:%m-%d} 共 {len(result.days)} 个上学日"
                                                     if len(result.days) > 1 else "")
        text = f"{name}: {days} {reason}"
    if result.opened:
        text += "。连续缺课超过 3 个上学日, 已列为辍学风险: 待办里有缺课核实和劝返家访"
    if result.closed:
        text += "。已返校, 辍学风险已销号"
    return text


class AbsenceScreen(DatabaseGuard, ModalScreen[str | None]):
    """Dismissed with the message to show (None when cancelled)."""

    AUTO_FOCUS = None  # digits pick the reason at once: no field has the cursor until d

    BINDINGS = [
        *(Binding(str(i), f"mark({i})", r, show=False) for i, r in enumerate(rules.ABSENCE_REASONS, 1)),
        Binding("0", "mark(0)", "出勤", show=False),
        Binding("d", "dates", "改日期"),
        Binding("escape", "cancel", "取消", priority=True),
    ]
    DEFAULT_CSS = """
    AbsenceScreen { align: center middle; }
    #absence-box { width: 64; max-width: 100%; height: auto; border: round $accent; padding: 0 1;
                   background: $surface; }
    #absence-dates { height: 3; }
    #absence-dates Input { width: 16; }
    #absence-dates Static { width: auto; padding: 1 1 0 1; }
    #absence-error { color: $error; }
    """

    def __init__(self, child_id: int, child_name: str, *, today: dt.date | None = None) -> None:
        super().__init__()
        self.child_id, self.child_name = child_id, child_name
        self.today = today or dt.date.today()

    def compose(self) -> ComposeResult:
        with Vertical(id="absence-box"):
            yield Static(content(f"登记缺课: {self.child_name}", one_line=True), id="absence-title")
            with Horizontal(id="absence-dates"):
                first = Input(value=self.today.strftime("%m-%d"), id="absence-from")
                last = Input(placeholder="(只一天)", id="absence-to")
                first.can_focus = last.can_focus = False  # until d: nothing may take the digits
                yield Static("从")
                yield first
                yield Static("至")
                yield last
            yield Static(content(KEYS, one_line=True), id="absence-keys")
            yield Static(content("按数字登记; d 改日期 (回车回到数字); esc 取消", one_line=True), id="absence-hint")
            yield Static("", id="absence-error")

    def action_dates(self) -> None:
        for field in self.query(Input):
            field.can_focus = True
        focus_now(self.query_one("#absence-from", Input))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.set_focus(None)
        for field in self.query(Input):
            field.can_focus = False

    def action_mark(self, number: int) -> None:
        first = self.query_one("#absence-from", Input).value
        last = self.query_one("#absence-to", Input).value.strip()
        viewer = self.app.viewer
        try:
            if number == 0:
                if last:
                    raise UserError("登记出勤只能一天一天登记: 请清空“至”")
                result = dropout.mark_present(self.child_id, first, viewer=viewer, today=self.today)
                reason = None
            else:
                reason = rules.ABSENCE_REASONS[number - 1]
                result = dropout.mark_absent(self.child_id, first, last or None, reason=reason, viewer=viewer,
                                             today=self.today)
        except UserError as exc:
            self.query_one("#absence-error", Static).update(content(str(exc)))
            return
        self.dismiss(outcome_message(self.child_name, result, reason))

    def action_cancel(self) -> None:
        self.dismiss(None)


REGISTER_COLUMNS = (("姓名", 10), ("今天", 10), ("辍学风险", 10))


def register_cells(r: dropout.RegisterRow) -> tuple:
    return (r.name, (r.reason, "bold red") if r.reason else "出勤", (r.case, "bold yellow") if r.case else "")


def register_key(r: dropout.RegisterRow) -> str:
    return str(r.child_id)


class ClassAbsenceScreen(ListScreen):
    """全班考勤: one class's children for today; each key writes at once (and is audited)."""

    DEFAULT_CSS = """
    ClassAbsenceScreen #register-status { height: 1; padding: 0 1; background: $boost; }
    ClassAbsenceScreen #register-keys { height: 1; padding: 0 1; }
    ClassAbsenceScreen #register-table { height: 1fr; scrollbar-size-vertical: 1; }
    """
    BINDINGS = [
        Binding("space", "toggle", "缺课/出勤"),
        *(Binding(str(i), f"mark({i})", r, show=False) for i, r in enumerate(rules.ABSENCE_REASONS, 1)),
        Binding("0", "mark(0)", "出勤", show=False),
        Binding("escape", "back", "返回"),
    ]

    def __init__(self, classroom_id: int, class_name: str, *, today: dt.date | None = None) -> None:
        super().__init__()
        self.classroom_id, self.class_name = classroom_id, class_name
        self.today = today or dt.date.today()
        self.sub_title = f"{class_name}考勤"
        self.rows: list[dropout.RegisterRow] = []

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(id="register-status")
        yield Static(content(f"空格 缺课(无故)/出勤  {KEYS}  esc 返回", one_line=True), id="register-keys")
        yield VirtualTable(REGISTER_COLUMNS, cells=register_cells, key=register_key, id="register-table",
                           zebra_stripes=True)
        yield Footer(show_command_palette=False)

    def load(self) -> list[dropout.RegisterRow]:
        return dropout.class_register(self.classroom_id, self.today, viewer=self.app.viewer)

    def show(self, data: list[dropout.RegisterRow]) -> list[dropout.RegisterRow]:
        self.rows = data
        absent = sum(bool(r.reason) for r in data)
        school_day = dropout.is_school_day(self.today, school_id=self.app.school_id)
        line = (f"{self.class_name} {self.today:%m-%d} 考勤 · {len(data)} 人 · 缺课 {absent}" if school_day
                else f"{self.class_name} {self.today:%m-%d} 不是上学日 (周末、节假日或寒暑假), 不用考勤")
        if not data:
            line = f"{self.class_name}: 没有你能登记考勤的孩子"
        self.query_one("#register-status", Static).update(content(line, one_line=True))
        return data

    def selected(self) -> dropout.RegisterRow | None:
        row = self.table.cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def action_toggle(self) -> None:
        r = self.selected()
        if r is not None:
            self.action_mark(0 if r.reason else rules.ABSENCE_REASONS.index("无故缺课") + 1)

    def action_mark(self, number: int) -> None:
        r = self.selected()
        if r is None:
            return
        try:
            if number == 0:
                result = dropout.mark_present(r.child_id, self.today, viewer=self.app.viewer, today=self.today)
                reason = None
            else:
                reason = rules.ABSENCE_REASONS[number - 1]
                result = dropout.mark_absent(r.child_id, self.today, reason=reason, viewer=self.app.viewer,
                                             today=self.today)
        except UserError as exc:
            self.notify(str(exc), severity="warning", timeout=5)
            return
        if result.opened or result.closed:
            self.notify(outcome_message(r.name, result, reason), timeout=6)
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()
