"""Small questions of the pairing board: why a pairing ends, a kind's maximum load."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.widgets.fields import Input
from tui.widgets.text import content
from tui.widgets.guard import DatabaseGuard

END_REASONS = ("结对调整", "教师调动", "家长返乡不再留守", "学生转出")


class AskLineScreen(DatabaseGuard, ModalScreen[str | None]):
    """One line of text: enter or ctrl+s answers, esc cancels. ``check`` returns an error
    message (shown under the field, the dialog stays) or None."""

    BINDINGS = [
        Binding("escape", "cancel", "取消", priority=True),
        Binding("ctrl+s", "submit", "确定", priority=True),
    ]
    DEFAULT_CSS = """
    AskLineScreen { align: center middle; }
    #ask-box { width: 62; max-width: 100%; height: auto; max-height: 100%; border: round $warning;
               padding: 0 1; background: $surface; }
    #ask-input { height: 1; border: none; padding: 0 1; background: $boost; margin: 1 0 0 0; }
    #ask-input:focus { background: $primary 30%; }
    #ask-error { height: auto; color: $error; }
    #ask-keys { height: 1; color: $text-muted; }
    """

    def __init__(self, question: str, *, value: str = "", placeholder: str = "", hint: str = "",
                 check=None, restrict: str | None = None, max_length: int = 0) -> None:
        super().__init__()
        self.question, self.value, self.placeholder, self.hint = question, value, placeholder, hint
        self.check = check
        self.restrict, self.max_length = restrict, max_length

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-box"):
            yield Static(content(self.question))
            if self.hint:
                yield Static(content(self.hint), id="ask-hint")
            yield Input(self.value, placeholder=self.placeholder, id="ask-input", restrict=self.restrict,
                        max_length=self.max_length)
            yield Static(id="ask-error")
            yield Static(content("回车 确定    esc 取消", one_line=True), id="ask-keys")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#ask-input")
    def _submitted(self) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        value = self.query_one(Input).value.strip()
        error = self.check(value) if self.check else None
        if error:
            self.query_one("#ask-error", Static).update(content(error))
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


def end_reason_screen(child: str, kind: str, helper: str) -> AskLineScreen:
    def check(value: str) -> str | None:
        return None if value else "请填写结束原因 (历史会保留这个原因)"

    return AskLineScreen(f"结束 {child} 与{kind} {helper} 的结对? 记录会保留, 孩子回到未结对。",
                         placeholder="结束原因", hint="常见: " + "、".join(END_REASONS), check=check,
                         max_length=100)


def max_load_screen(kind: str, current: int) -> AskLineScreen:
    def check(value: str) -> str | None:
        return None if value.isdigit() and 1 <= int(value) <= 999 else "请输入 1 到 999 之间的整数"

    return AskLineScreen(f"每位{kind}最多结对几个孩子? 超过时结对会先询问。", value=str(current),
                         check=check, restrict=r"[0-9]*", max_length=3)
