"""需要关注 (`0` then `g`, or ctrl+p 需要关注): the early-warning list, thin over models/attention.py.

Each child with its reasons in plain words and dates; `c` confirms (level 红/黄, a review date),
`d` dismisses (a reason). Who sees the list, and whom on it, is ``models.scope``'s
(``require_attention``): a role that may not is refused before anything is read.
"""
from __future__ import annotations

import datetime as dt

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from models import attention, scope
from models.attention import Flagged
from models.rules import short_class
from tui.chrome import TitleBar
from tui.list_screen import ListScreen
from tui.widgets.fields import Input
from tui.widgets.footer import Footer
from tui.widgets.guard import DatabaseGuard
from tui.widgets.pick_list import PickListScreen
from tui.widgets.text import content
from tui.widgets.virtual_table import VirtualTable

COLUMNS = (("级别", 4), ("姓名", 8), ("班级", 6), ("复查", 5), ("原因", 50))
LEVEL_STYLE = {"红": "bold white on red", "黄": "bold black on yellow"}
LEVEL_CHOICES = ("红  每周心理辅导", "黄  每周家长电话")
REVIEW_AFTER = {"红": 7, "黄": 14}
EMPTY = ("你能看到的孩子最近的记录里没有预警信号, 也没有确认关注的孩子。\n"
         "规则 (连续3次谈心情绪低落、两周内两次安全问题、电话连续未接通、30天没有接通父母、监护情况差、"
         "事项逾期) 由管理员用 guanai rules 查看和调整。")


def flagged_cells(f: Flagged) -> tuple:
    """A child's cells in COLUMNS order (the level coloured as the 分级分色 practice)."""
    return ((f.level or "待定", LEVEL_STYLE.get(f.level, "dim")), f.name, short_class(f.class_name),
            f.review_on.strftime("%m-%d") if f.review_on else "", f.reason_text or "(已确认, 暂无新的预警)")


def flagged_key(f: Flagged) -> str:
    return str(f.child_id)


class AttentionScreen(ListScreen):
    """The weekly list for the class teacher, the counselor and the head."""

    DEFAULT_CSS = """
    AttentionScreen #att-status { height: 1; padding: 0 1; background: $boost; }
    AttentionScreen #att-empty { height: auto; padding: 1 1; }
    AttentionScreen #att-table { height: 1fr; }
    AttentionScreen #att-detail { height: 4; padding: 0 1; border-top: solid $primary; }
    """
    BINDINGS = [
        Binding("c", "confirm", "确认关注"),
        Binding("d", "dismiss", "排除"),
        Binding("enter", "open", "档案"),
        Binding("x", "export", "导出本月表"),
        Binding("escape", "back", "返回"),
    ]

    def __init__(self, today: dt.date | None = None) -> None:
        super().__init__()
        self.clock = (lambda: today) if today else dt.date.today
        self.rows: list[Flagged] = []

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(id="att-status")
        yield Static(id="att-empty")
        yield VirtualTable(COLUMNS, cells=flagged_cells, key=flagged_key, id="att-table", zebra_stripes=True)
        yield Static(id="att-detail")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:  # before ListScreen.on_mount's first load
        self.sub_title = "需要关注"

    def load(self) -> tuple[dt.date, list[Flagged] | str]:
        today = self.clock()
        try:
            return today, attention.attention_list(today, viewer=self.app.viewer, school_id=self.app.school_id)
        except scope.ForbiddenError as exc:
            return today, str(exc)

    def show(self, data: tuple[dt.date, list[Flagged] | str]) -> list[Flagged]:
        today, found = data
        refused = isinstance(found, str)
        self.rows = [] if refused else found
        red = sum(1 for f in self.rows if f.level == "红")
        yellow = sum(1 for f in self.rows if f.level == "黄")
        line = f"{today:%m月%d日} 需要关注 · {len(self.rows)} 人 · 红 {red} 黄 {yellow} · c 确认 d 排除 x 导出"
        self.query_one("#att-status", Static).update(content(line, one_line=True))
        empty = self.query_one("#att-empty", Static)
        empty.display = not self.rows
        empty.update(content(found if refused else EMPTY))
        self.query_one("#att-detail", Static).display = bool(self.rows)
        return self.rows

    def selected(self) -> Flagged | None:
        row = self.table.cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    @on(VirtualTable.RowHighlighted, "#att-table")
    def _highlighted(self) -> None:
        f = self.selected()
        detail = self.query_one("#att-detail", Static)
        if f is None:
            detail.update("")
            return
        state = f"{f.level}色关注, {f.review_on:%m-%d} 复查" if f.level and f.review_on else "待确认"
        if f.decided_by and f.decided_on:
            state += f" ({f.decided_by} {f.decided_on:%m-%d})"
        detail.update(content(f"{f.name} {f.class_name}: {state}\n" + "\n".join(r.text for r in f.reasons)))

    def _chosen(self) -> Flagged | None:
        f = self.selected()
        if f is None:
            self.notify("名单是空的", severity="warning", timeout=2)
        return f

    def action_confirm(self) -> None:
        f = self._chosen()
        if f is None:
            return

        def level_chosen(choice: str | None) -> None:
            if not choice:
                return
            level = choice[0]
            default = self.clock() + dt.timedelta(days=REVIEW_AFTER[level])
            self.app.push_screen(ConfirmAttentionScreen(f, level, default, self.clock()), self._decided)

        self.app.push_screen(PickListScreen(f"确认关注 {f.name}: 选择级别", LEVEL_CHOICES,
                                            current=next((c for c in LEVEL_CHOICES if c[0] == f.level), None)),
                             level_chosen)

    def action_dismiss(self) -> None:
        f = self._chosen()
        if f is not None:
            self.app.push_screen(DismissAttentionScreen(f, self.clock()), self._decided)

    def _decided(self, message: str | None) -> None:
        if message:
            self.notify(message, timeout=3)
            self.reload()

    def action_open(self) -> None:
        f = self.selected()
        if f is None:
            return
        if not scope.can_see(self.app.viewer, f.child_id):
            self.notify("这个孩子的档案不在你的名单里 (确认关注后, 心理咨询室教师可以查看)", severity="warning")
            return
        from screens.child_detail import ChildDetailScreen

        self.app.push_screen(ChildDetailScreen(f.child_id))

    @on(VirtualTable.RowSelected, "#att-table")
    def _row_selected(self) -> None:
        self.action_open()

    def action_export(self, force: bool = False) -> None:
        """This month's 预警与干预 sheet into the session's files folder (over SSH, the teacher's own)."""
        import os

        from tui.export import ExportError
        from tui.export.attention import default_name, export_sheet

        today = self.clock()
        folder = getattr(self.app.session, "files_dir", None) or os.getcwd()
        path = os.path.join(folder, default_name(today.year, today.month))
        if os.path.lexists(path) and not force:
            from screens.confirm import ConfirmScreen

            self.app.push_screen(ConfirmScreen(f"{path} 已存在, 覆盖它吗?", yes="覆盖", no="取消"),
                                 lambda yes: self.action_export(force=True) if yes else None)
            return
        try:
            written = export_sheet(self.app.school_id, today.year, today.month, path, viewer=self.app.viewer,
                                   force=force)
        except (ExportError, scope.ForbiddenError) as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(f"已导出预警与干预记录表: {written}", timeout=6)

    def action_back(self) -> None:
        self.app.pop_screen()


class _DecisionDialog(DatabaseGuard, ModalScreen):
    """One line to type (a date, a reason); enter or ctrl+s decides, esc cancels. Dismissed with the
    message to show, or None."""

    DEFAULT_CSS = """
    _DecisionDialog { align: center middle; }
    _DecisionDialog > Vertical { width: 70; max-width: 100%; height: auto; border: round $primary;
                                 padding: 0 1; background: $surface; }
    _DecisionDialog .dialog-error { color: $text-error; text-style: bold; height: auto; }
    """
    BINDINGS = [Binding("ctrl+s", "save", "确定", priority=True), Binding("escape", "cancel", "取消")]

    def __init__(self, flagged: Flagged, today: dt.date) -> None:
        super().__init__()
        self.flagged, self.today = flagged, today

    def heading(self) -> str:
        raise NotImplementedError

    def entry_field(self) -> Input:
        raise NotImplementedError

    def prompt(self) -> str:
        raise NotImplementedError

    def decide(self, value: str) -> str:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(content(self.heading()))
            yield Static(content("原因: " + (self.flagged.reason_text or "(暂无新的预警)")))
            yield Static(content(self.prompt(), one_line=True))
            yield self.entry_field()
            yield Static(classes="dialog-error")
            yield Static(content("回车或 ctrl+s 确定, esc 取消", one_line=True))

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        try:
            message = self.decide(self.query_one(Input).value)
        except (attention.AttentionError, scope.ForbiddenError) as exc:
            self.query_one(".dialog-error", Static).update(content(str(exc), one_line=True))
            return
        self.dismiss(message)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmAttentionScreen(_DecisionDialog):
    def __init__(self, flagged: Flagged, level: str, review: dt.date, today: dt.date) -> None:
        super().__init__(flagged, today)
        self.level, self.review = level, review

    def heading(self) -> str:
        return (f"确认 {self.flagged.name} 为{self.level}色关注: 列为重点帮扶对象, 按{self.level}色的频率记入待办, "
                "到复查日期再看一次")

    def prompt(self) -> str:
        return "复查日期 (如 12-20 或 2026-12-20):"

    def entry_field(self) -> Input:
        return Input(value=f"{self.review:%m-%d}", placeholder="复查日期, 如 12-20 或 2026-12-20", id="att-review",
                     compact=True)

    def decide(self, value: str) -> str:
        review = attention.parse_review_date(value, self.today)
        attention.confirm(self.flagged.child_id, viewer=self.app.viewer, level=self.level, review_on=review,
                          on_date=self.today)
        return f"已确认 {self.flagged.name} 为{self.level}色关注, {review:%m-%d} 复查"


class DismissAttentionScreen(_DecisionDialog):
    def heading(self) -> str:
        extra = f" (结束{self.flagged.level}色关注)" if self.flagged.level else ""
        return f"排除 {self.flagged.name}{extra}: 写下理由, 这些原因不再列出, 直到有新的记录"

    def prompt(self) -> str:
        return "排除的理由:"

    def entry_field(self) -> Input:
        return Input(placeholder="排除的理由, 如 已家访, 奶奶住院期间由姑姑照看", id="att-reason", compact=True,
                     max_length=attention.REASON_MAX)

    def decide(self, value: str) -> str:
        attention.dismiss(self.flagged.child_id, viewer=self.app.viewer, reason=value,
                          on_date=self.today)
        return f"已排除 {self.flagged.name}"
