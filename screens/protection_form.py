"""报告单 (a 强制报告): the situations ticked, when found, the facts apart from the opinion, how the
police learnt of it (path 公安: time, 接警单位, receipt; or path 学校: the head reports), who at
民政 or the village was told, the outcome. Thin: ``models.protection`` checks and writes, and
refuses anyone who may not see the report."""
from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from models import protection, rules
from models.contacts import child_label
from models.errors import UserError
from tui.chrome import TitleBar
from tui.widgets.fields import Input, TextArea, focus_to_fix
from tui.widgets.footer import Footer
from tui.widgets.guard import DatabaseGuard
from tui.widgets.pick_list import PickListScreen
from tui.widgets.text import content

CHECKLIST_TITLE = "强制报告: 勾选发现的情形 (怀疑也要报)"
PATHS = ("学校", "公安")  # F3 cycles; 学校 first: most teachers tell the head
FIELD_INPUTS = {"found_at": "#r-found", "facts": "#r-facts", "opinion": "#r-opinion", "police_at": "#r-police-at",
                "police_unit": "#r-unit", "receipt_no": "#r-receipt", "notified": "#r-notified",
                "notified_at": "#r-notified-at", "outcome": "#r-outcome", "situations": "#r-facts",
                "path": "#r-facts"}


class SituationPicker(PickListScreen):
    """The statutory checklist: the pick list, wide enough for 监护人丧失或不履行监护责任 on one line."""

    DEFAULT_CSS = """
    SituationPicker #pick-box { width: 46; }
    """

    def __init__(self, current: list[str] | None = None) -> None:
        super().__init__(CHECKLIST_TITLE, rules.REPORT_SITUATIONS, multi=True, current=current)


class ReportFormScreen(DatabaseGuard, Screen[bool]):
    """A new report on ``child_id`` with ``situations`` ticked, or ``report_id`` to read and complete."""

    DEFAULT_CSS = """
    ReportFormScreen #r-form { height: 1fr; }
    ReportFormScreen #r-head { height: 1; padding: 0 1; background: $error; color: $text; text-style: bold; }
    ReportFormScreen #r-situations, ReportFormScreen #r-path { height: 1; padding: 0 1; }
    ReportFormScreen #r-facts { height: 7; }
    ReportFormScreen #r-opinion { height: 4; }
    ReportFormScreen .r-label { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "保存", priority=True),
        Binding("escape", "cancel", "取消", priority=True),
        Binding("f2", "situations", "情形", priority=True),
        Binding("f3", "path", "报告途径", priority=True),
        Binding("f4", "closed", "结案", priority=True),
    ]

    def __init__(self, child_id: int | None = None, *, situations: list[str] | None = None,
                 contact_id: int | None = None, report_id: int | None = None) -> None:
        super().__init__()
        self.child_id, self.contact_id, self.report_id = child_id, contact_id, report_id
        self.values: dict = {"situations": list(situations or ()), "path": "学校", "closed": False}
        self.header = ""
        self.sub_title = "强制报告"
        self.version = None  # an existing report's updated_at: a save over a newer one is refused

    def compose(self) -> ComposeResult:
        if self.report_id is not None:  # read here, not in the constructor: the look is audited
            view = protection.report_detail(self.report_id, viewer=self.app.viewer)
            self.child_id = view.child_id
            self.values = view.form_values()
            self.version = view.updated_at
            self.header = (f"报告单 #{view.id} · {view.state} · 报告人 {view.reporter or '-'}"
                           + (f" · 校长 {view.confirmed_by} 已确认" if view.confirmed_at else ""))
        else:
            self.values["found_at"] = f"{dt.datetime.now():%Y-%m-%d %H:%M}"
            # from a talk: its time and the child's words, to be trimmed to the facts
            self.values.update(protection.draft_from_contact(self.contact_id, self.child_id, viewer=self.app.viewer))
            self.header = "新建强制报告 (报告人身份只有校长和心理咨询室教师可见)"
        v = self.values
        yield TitleBar(strip=False)
        with VerticalScroll(id="r-form"):
            yield Static(content(f"{child_label(self.child_id)} · {self.header}", one_line=True), id="r-head")
            yield Static(id="r-situations")
            with Horizontal(classes="talk-row"):
                yield Label("发现时间")
                yield Input(v.get("found_at", ""), id="r-found", classes="w-when")
            yield Static(content("事实: 看到、听到的, 孩子的原话 (不写推测)", one_line=True), classes="r-label")
            yield TextArea(v.get("facts", ""), id="r-facts", soft_wrap=True, tab_behavior="focus")
            yield Static(content("判断: 你的看法 (与事实分开)", one_line=True), classes="r-label")
            yield TextArea(v.get("opinion", ""), id="r-opinion", soft_wrap=True, tab_behavior="focus")
            yield Static(id="r-path")
            with Horizontal(classes="talk-row"):
                yield Label("报警时间")
                yield Input(v.get("police_at", ""), id="r-police-at", classes="w-when", placeholder="公安时填")
                yield Label("接警单位")
                yield Input(v.get("police_unit", ""), id="r-unit", classes="w-follow", max_length=100)
                yield Label("回执号")
                yield Input(v.get("receipt_no", ""), id="r-receipt", classes="w-when", max_length=50)
            with Horizontal(classes="talk-row"):
                yield Label("已告知民政/村儿童主任")
                yield Input(v.get("notified", ""), id="r-notified", classes="w-follow", max_length=100)
                yield Label("时间")
                yield Input(v.get("notified_at", ""), id="r-notified-at", classes="w-when")
            with Horizontal(classes="talk-row"):
                yield Label("处置结果")
                yield Input(v.get("outcome", ""), id="r-outcome", classes="w-follow")
            yield Static(id="r-error", classes="talk-err")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self._render_choices()
        self.query_one("#r-facts", TextArea).focus()

    def _render_choices(self) -> None:
        ticked = "、".join(self.values["situations"]) or "(未勾选)"
        self.query_one("#r-situations", Static).update(content(f"F2 情形: {ticked}", one_line=True))
        path = rules.REPORT_PATHS.get(self.values.get("path") or "", "尚未报告")
        closed = "  F4 已结案" if self.values.get("closed") else "  F4 结案"
        self.query_one("#r-path", Static).update(content(f"F3 报告途径: {path}{closed}", one_line=True))

    def _collect(self) -> dict:
        q = self.query_one
        return {**self.values, "found_at": q("#r-found", Input).value, "facts": q("#r-facts", TextArea).text,
                "opinion": q("#r-opinion", TextArea).text, "police_at": q("#r-police-at", Input).value,
                "police_unit": q("#r-unit", Input).value, "receipt_no": q("#r-receipt", Input).value,
                "notified": q("#r-notified", Input).value, "notified_at": q("#r-notified-at", Input).value,
                "outcome": q("#r-outcome", Input).value}

    def action_situations(self) -> None:
        def chosen(checked) -> None:
            if checked is not None:
                self.values["situations"] = [s for s in rules.REPORT_SITUATIONS if s in checked]
                self._render_choices()

        self.app.push_screen(SituationPicker(self.values["situations"]), chosen)

    def action_path(self) -> None:
        now = self.values.get("path") or ""
        self.values["path"] = PATHS[(PATHS.index(now) + 1) % len(PATHS)] if now in PATHS else PATHS[0]
        self._render_choices()

    def action_closed(self) -> None:
        self.values["closed"] = not self.values.get("closed")
        self._render_choices()

    def action_save(self) -> None:
        values = self._collect()
        _, errors = protection.validate_report(values)
        error = self.query_one("#r-error", Static)
        if errors:
            field, message = next(iter(errors.items()))
            error.update(content(message, one_line=True))
            focus_to_fix(self.query_one(FIELD_INPUTS.get(field, "#r-facts")))
            self.notify(f"有 {len(errors)} 处需要修改, 尚未保存", severity="error", timeout=3)
            return
        try:
            if self.report_id is None:
                self.report_id = protection.create_report(values, self.child_id, viewer=self.app.viewer,
                                                          contact_id=self.contact_id)
            else:
                protection.update_report(self.report_id, values, viewer=self.app.viewer,
                                         expected_updated_at=self.version)
        except UserError as exc:
            error.update(content(str(exc), one_line=True))
            self.notify(str(exc), severity="error", timeout=5)
            return
        self.app.refresh_report_banner()
        self.notify("强制报告已保存" + ("; 请尽快报告校长确认" if values.get("path") != "公安" else ""), timeout=4)
        self.dismiss(True)

    def action_cancel(self) -> None:
        from screens.confirm import ConfirmScreen

        if self.report_id is not None and self._collect() == self.values:
            self.dismiss(False)
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.dismiss(False)

        self.app.push_screen(ConfirmScreen("放弃这份报告的输入吗? (谈话记录已经保存)", yes="放弃", no="继续填写"), answer)


class InterventionFormScreen(DatabaseGuard, ModalScreen[bool]):
    """监护干预: who at the village was told (儿童主任), what, the guardian's response; the re-check
    is due 7 days on (待办 lists it until a reached 家访, 家长电话 or 座谈)."""

    DEFAULT_CSS = """
    InterventionFormScreen { align: center middle; }
    #iv-box { width: 72; max-width: 100%; height: auto; border: round $warning; padding: 0 1; background: $surface; }
    #iv-box Input { width: 1fr; }
    """
    BINDINGS = [Binding("ctrl+s", "save", "保存", priority=True), Binding("escape", "cancel", "取消", priority=True)]

    def __init__(self, child_id: int, reason: str) -> None:
        super().__init__()
        self.child_id, self.reason = child_id, reason

    def compose(self) -> ComposeResult:
        with Vertical(id="iv-box"):
            yield Static(content(f"监护干预 · {child_label(self.child_id)} · {self.reason} · 7天后复查", one_line=True))
            with Horizontal(classes="talk-row"):
                yield Label("村儿童主任")
                yield Input(id="iv-director", max_length=50)
            with Horizontal(classes="talk-row"):
                yield Label("告知内容")
                yield Input(id="iv-note")
            with Horizontal(classes="talk-row"):
                yield Label("监护人回应")
                yield Input(id="iv-response")
            yield Static(id="iv-error", classes="talk-err")
            yield Static(content("ctrl+s 保存    esc 取消", one_line=True))

    def action_save(self) -> None:
        values = {"reason": self.reason, "director": self.query_one("#iv-director", Input).value,
                  "note": self.query_one("#iv-note", Input).value,
                  "guardian_response": self.query_one("#iv-response", Input).value}
        try:
            protection.create_intervention(values, self.child_id, viewer=self.app.viewer)
        except UserError as exc:
            self.query_one("#iv-error", Static).update(content(str(exc), one_line=True))
            return
        self.notify("监护干预已登记; 7天后复查会出现在待办里", timeout=4)
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class InterventionViewScreen(DatabaseGuard, ModalScreen[bool]):
    """One 监护干预, opened from the child's page: who was told, what, the guardian's response, the
    re-check; while it is not re-checked, what was seen then can be written here (``ctrl+s``)."""

    DEFAULT_CSS = """
    InterventionViewScreen { align: center middle; }
    #ivv-box { width: 72; max-width: 100%; height: auto; max-height: 100%; border: round $warning;
               padding: 0 1; background: $surface; }
    #ivv-box Input { width: 1fr; }
    """
    BINDINGS = [Binding("ctrl+s", "save", "保存复查", priority=True),
                Binding("escape", "cancel", "返回", priority=True)]

    def __init__(self, view: protection.InterventionView) -> None:
        """``view``: ``protection.intervention_detail``'s, read by the opener (which says if it is gone)."""
        super().__init__()
        self.view = view
        self.intervention_id = view.id

    def compose(self) -> ComposeResult:
        v = self.view
        lines = [f"监护干预 · {child_label(v.child_id)} · {v.reason}",
                 f"告知 {v.noted_on:%Y-%m-%d} 村儿童主任 {v.director}" + (f" · 登记人 {v.staff}" if v.staff else ""),
                 f"告知内容: {v.note or '未填'}", f"监护人回应: {v.guardian_response or '未填'}"]
        if v.rechecked_on:
            lines.append(f"{v.rechecked_on:%Y-%m-%d} 已复查: {v.recheck_note or '未填'}")
        else:
            lines.append(f"复查: {v.recheck_due:%Y-%m-%d} 到期 (家访、家长电话或监护人座谈接通也算)")
        with Vertical(id="ivv-box"):
            yield Static(content("\n".join(lines)), id="ivv-text")
            if not v.rechecked_on:
                with Horizontal(classes="talk-row"):
                    yield Label("复查情况")
                    yield Input(id="ivv-recheck")
            yield Static(id="ivv-error", classes="talk-err")
            keys = "esc 返回" if v.rechecked_on else "ctrl+s 保存复查    esc 返回"
            yield Static(content(keys, one_line=True))

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "save":
            return self.view.rechecked_on is None
        return True

    def action_save(self) -> None:
        try:
            protection.recheck_intervention(self.intervention_id, self.query_one("#ivv-recheck", Input).value,
                                            viewer=self.app.viewer)
        except UserError as exc:
            self.query_one("#ivv-error", Static).update(content(str(exc), one_line=True))
            return
        self.notify("复查已登记", timeout=3)
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
