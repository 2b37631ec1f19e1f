"""One pairing: its plan (帮扶时间, 内容, 阶段性成果), editable, and its contacts.

Opened with enter on the pairing board. ``ctrl+s`` saves the plan, ``esc`` goes back
(asking first when something was changed), ``t`` records a new talk with the child.
"""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Label, Static

from models import pairings
from screens.confirm import ConfirmScreen
from tui.widgets.footer import Footer
from tui.widgets.search_picker import fit
from tui.widgets.fields import Input, TextArea
from tui.widgets.text import clean, content, text
from tui.widgets.guard import DatabaseGuard
from tui.chrome import TitleBar


CONTENT_CELLS = 40


class PairingDetailScreen(DatabaseGuard, Screen[bool]):
    """Dismissed with True when the plan was saved."""

    BINDINGS = [
        Binding("ctrl+s", "save", "保存", priority=True),
        Binding("escape", "back", "返回", priority=True),
        Binding("t", "talk", "谈心"),
    ]
    DEFAULT_CSS = """
    #pd-head { height: auto; max-height: 2; padding: 0 1; background: $boost; text-style: bold; }
    #pd-history { height: auto; max-height: 2; padding: 0 1; color: $text-muted; }
    .pd-row { height: auto; }
    .pd-row Label { width: 12; padding: 0 1; }
    #pd-time { height: 1; width: 1fr; border: none; padding: 0; background: $boost; }
    #pd-time:focus { background: $primary 30%; }
    .pd-text { height: 3; width: 1fr; border: none; padding: 0; background: $boost; }
    .pd-text:focus { background: $primary 20%; }
    #pd-error { height: auto; max-height: 1; padding: 0 1; color: $error; }
    #pd-contacts-title { height: 1; padding: 0 1; background: $boost; }
    #pd-contacts { height: 1fr; min-height: 3; scrollbar-size-vertical: 1; }
    """

    def __init__(self, pairing_id: int) -> None:
        super().__init__()
        self.pairing_id = pairing_id
        self.detail = pairings.pairing_detail(pairing_id, viewer=self.app.viewer)
        self.saved = False

    def compose(self) -> ComposeResult:
        d = self.detail
        yield TitleBar()
        yield Static(id="pd-head")
        yield Static(id="pd-history")
        with Vertical():
            with Horizontal(classes="pd-row"):
                yield Label("帮扶时间")
                yield Input(d["plan_time"], id="pd-time", placeholder="如 每周三中午", max_length=pairings.PLAN_TIME_MAX)
            with Horizontal(classes="pd-row"):
                yield Label("帮扶内容")
                yield TextArea(d["plan_content"], id="pd-content", classes="pd-text", soft_wrap=True,
                               tab_behavior="focus", placeholder="帮扶的内容和措施")
            with Horizontal(classes="pd-row"):
                yield Label("阶段性成果")
                yield TextArea(d["plan_results"], id="pd-results", classes="pd-text", soft_wrap=True,
                               tab_behavior="focus", placeholder="取得的成果")
            yield Static(id="pd-error")
        yield Static(id="pd-contacts-title")
        table = DataTable(id="pd-contacts", cursor_type="row", zebra_stripes=True)
        for label, width in (("时间", 11), ("类别", 8), ("接通", 6), ("内容", CONTENT_CELLS)):
            table.add_column(label, width=width)
        yield table
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self._show()
        self.query_one("#pd-time", Input).focus()

    def _show(self) -> None:
        d = self.detail
        span = f"{d['started_on']:%Y-%m-%d} 起" if d["started_on"] else ""
        if d["ended_on"]:
            span += f", {d['ended_on']:%Y-%m-%d} 结束 ({clean(d['end_reason'])})"
        self.query_one("#pd-head", Static).update(content(
            f"{d['kind']} · {d['child_name']} ({d['class_name'] or '未分班'}) · {d['helper']} · {span}"))
        others = [h for h in d["history"] if h["id"] != d["id"]]
        hist = self.query_one("#pd-history", Static)
        hist.display = bool(others)
        if others:
            parts = []
            for h in others:
                end = f"{h['ended_on']:%Y-%m-%d}" if h["ended_on"] else "至今"
                why = f" {h['reason']}" if h["reason"] else ""
                parts.append(f"{h['helper']} {h['started_on']:%Y-%m-%d}至{end}{why}")
            hist.update(content("往期: " + "; ".join(parts)))
        table = self.query_one(DataTable)
        table.clear()
        for c in d["contacts"]:
            table.add_row(text(f"{c['at']:%Y-%m-%d}" if c["at"] else ""), text(c["kind"]),
                          text("是" if c["reached"] else "未接通", "" if c["reached"] else "dim"),
                          text(fit(c["summary"], CONTENT_CELLS)))
        if d["staff_id"]:
            title = f"{d['helper']}与{d['child_name']}的联系记录 {len(d['contacts'])} 次 (t 记一次谈心)"
        else:
            title = f"{d['kind']}不是教职工, 没有谈心记录; t 由你记一次谈心"
        self.query_one("#pd-contacts-title", Static).update(content(title, one_line=True))

    def _values(self) -> dict[str, str]:
        return {"plan_time": self.query_one("#pd-time", Input).value,
                "plan_content": self.query_one("#pd-content", TextArea).text,
                "plan_results": self.query_one("#pd-results", TextArea).text}

    def _changed(self) -> bool:
        v = self._values()
        d = self.detail
        return (" ".join(v["plan_time"].split()), v["plan_content"].strip(), v["plan_results"].strip()) != (
            d["plan_time"], d["plan_content"].strip(), d["plan_results"].strip())

    def action_save(self) -> None:
        errors = pairings.update_plan(self.pairing_id, viewer=self.app.viewer, staff_id=self.app.staff_id, **self._values())
        error = self.query_one("#pd-error", Static)
        if errors:
            error.update(content(" ".join(errors.values()), one_line=True))
            self.notify("有需要修改的地方, 尚未保存", severity="error", timeout=3)
            return
        error.update("")
        self.notify("计划已保存", timeout=2)
        self.dismiss(True)

    def action_back(self) -> None:
        if not self._changed():
            self.dismiss(self.saved)
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.dismiss(self.saved)

        self.app.push_screen(ConfirmScreen("放弃对计划的修改吗?", yes="放弃", no="继续编辑"), answer)

    def action_talk(self) -> None:
        from screens.talk_entry import TalkEntryScreen

        def after(saved: bool | None) -> None:
            if saved:  # what was typed into the plan stays in its fields, still unsaved
                self.detail = pairings.pairing_detail(self.pairing_id, viewer=self.app.viewer)
                self._show()

        self.app.push_screen(TalkEntryScreen(self.detail["child_id"]), after)
