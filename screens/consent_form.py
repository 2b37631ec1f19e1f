"""监护人同意: record a guardian's consent to the child's 档案 (who, relation, when, what it covers).

A small dialog on the child's page (``c``); ``models.privacy.record_consent`` checks and saves
(admin, head, the class teacher of the child's class), the audit log keeps who recorded it.
"""
from __future__ import annotations

import datetime as dt

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from models import privacy
from models.scope import ForbiddenError
from tui.widgets.fields import Input
from tui.widgets.text import content
from tui.widgets.guard import DatabaseGuard

DEFAULT_SCOPE = "建立和使用留守儿童关爱档案 (基本信息、家庭与监护情况、谈心和家访记录), 仅用于本校关爱帮扶工作"


class ConsentScreen(DatabaseGuard, ModalScreen[int | None]):
    """Fields: 同意人, 关系, 日期, 同意范围; ctrl+s saves (dismissed with the new id), esc cancels."""

    BINDINGS = [
        Binding("escape", "cancel", "取消", priority=True),
        Binding("ctrl+s", "save", "保存", priority=True),
    ]
    DEFAULT_CSS = """
    ConsentScreen { align: center middle; }
    #consent-box { width: 70; max-width: 100%; height: auto; max-height: 100%; border: round $primary;
                   padding: 0 1; background: $surface; }
    ConsentScreen .consent-row { height: 1; margin-top: 1; }
    ConsentScreen .consent-row Label { width: 10; }
    ConsentScreen .consent-row Input { width: 1fr; height: 1; border: none; padding: 0 1; background: $boost; }
    ConsentScreen .consent-row Input:focus { background: $primary 30%; }
    #consent-error { height: auto; color: $error; }
    #consent-keys { height: 1; color: $text-muted; margin-top: 1; }
    """

    def __init__(self, child_id: int, child_name: str, *, guardian: str = "", relation: str = "",
                 today: dt.date | None = None) -> None:
        super().__init__()
        self.child_id, self.child_name = child_id, child_name
        self.guardian, self.relation = guardian, relation
        self.today = today or dt.date.today()

    def compose(self) -> ComposeResult:
        with Vertical(id="consent-box"):
            yield Static(content(f"登记 {self.child_name} 的监护人同意 (建立和使用档案)", one_line=True))
            for label, widget_id, value, limit in (("同意人", "consent-by", self.guardian, 50),
                                                   ("与儿童关系", "consent-relation", self.relation, 10),
                                                   ("同意日期", "consent-date", self.today.isoformat(), 10),
                                                   ("同意范围", "consent-scope", DEFAULT_SCOPE, privacy.SCOPE_LIMIT)):
                with Horizontal(classes="consent-row"):
                    yield Label(label)
                    yield Input(value, id=widget_id, max_length=limit)
            yield Static(id="consent-error")
            yield Static(content("Tab 换项    Ctrl+S 保存    Esc 取消", one_line=True), id="consent-keys")

    def on_mount(self) -> None:
        self.query_one("#consent-by", Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def action_save(self) -> None:
        try:
            new_id = privacy.record_consent(
                self.child_id, viewer=self.app.viewer, given_by=self._value("consent-by"),
                relation=self._value("consent-relation"), given_on=self._value("consent-date"),
                scope_text=self._value("consent-scope"), today=self.today)
        except (privacy.PrivacyError, ForbiddenError) as exc:
            self.query_one("#consent-error", Static).update(content(str(exc)))
            return
        self.dismiss(new_id)

    def action_cancel(self) -> None:
        self.dismiss(None)
