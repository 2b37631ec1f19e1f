"""一个孩子的档案: the whole record, read-only, grouped as the national registration form.

Every value on this screen is user text: it is cleaned and shown as ``Content``,
never parsed as markup. 身份证号 and phone numbers come masked from the model (and in the change
history); ``u`` shows them in full — a deliberate look, written to the audit log — and hides them
again. ``c`` records the guardian's consent, ``w`` withdraws it, ``g`` archives a child who left.
"""
from __future__ import annotations

import datetime as dt

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from models import children, privacy, rules
from models.roster import flags_text, mask_id, mask_student_no
from models.scope import ForbiddenError, is_read_only
from tui.widgets.footer import Footer
from tui.widgets.text import clean
from tui.widgets.guard import DatabaseGuard
from tui.chrome import TitleBar

LABEL_CELLS = 14
EMPTY = "未填"
MASKED_FIELDS = ("id_number", "guardian_id_number")

SECTIONS = (
    ("basic", "基本信息"),
    ("guardian", "留守与监护"),
    ("parents", "父母"),
    ("grandparents", "祖父母、外祖父母"),
    ("family", "家庭"),
    ("special", "三特生与帮扶"),
    ("bus", "校车"),
    ("personal", "性格特征、兴趣爱好与备注"),
    ("consent", "监护人同意"),
    ("contacts", "最近联系"),
    ("events", "参加的活动"),
    ("history", "修改记录"),
)


def _pad(label: str) -> str:
    return label + " " * max(1, LABEL_CELLS - cell_len(label))


def _date(value) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return ""


class Lines:
    """Builds one section's Content line by line from cleaned plain strings."""

    def __init__(self) -> None:
        self.parts: list = []

    def _newline(self) -> None:
        if self.parts:
            self.parts.append("\n")

    def kv(self, label: str, value: object, *, style: str = "") -> "Lines":
        self._newline()
        text = clean(value) if value not in (None, "") else ""
        self.parts.append((_pad(label), "bold"))
        if text:
            self.parts.append((text, style) if style else text)
        else:
            self.parts.append((EMPTY, "dim"))
        return self

    def line(self, value: object, style: str = "") -> "Lines":
        self._newline()
        text = clean(value)
        self.parts.append((text, style) if style else text)
        return self

    def block(self, label: str, value: object) -> "Lines":
        """A label and a multi-line text under it (notes keep their line breaks)."""
        text = clean(value, one_line=False).strip("\n")
        if not text.strip():
            return self.kv(label, "")
        self._newline()
        self.parts.append((label, "bold"))
        for line in text.splitlines():
            self.parts.append("\n  " + line)
        return self

    def content(self) -> Content:
        return Content.assemble(*self.parts) if self.parts else Content("")


def _yes(value: bool) -> str:
    return "是" if value else "否"


class ChildDetailScreen(DatabaseGuard, Screen):
    """The read-only 档案 of one child; ``e`` edits it, ``escape`` goes back."""

    BINDINGS = [
        Binding("e", "edit", "修改"),
        Binding("t", "talk", "谈心"),
        Binding("u", "unmask", "显示完整号码"),
        Binding("c", "consent", "同意"),
        Binding("w", "withdraw", "撤回同意", show=False),
        Binding("g", "archive", "归档", show=False),
        Binding("b", "report", "强制报告", show=False),
        Binding("j", "intervention", "监护干预", show=False),
        Binding("r", "protection", "报告/干预"),
        Binding("escape", "back", "返回"),
        Binding("pageup", "page_up", "上一页", show=False),
        Binding("pagedown", "page_down", "下一页", show=False),
    ]

    DEFAULT_CSS = """
    ChildDetailScreen #detail-title {
        height: auto;
        padding: 0 1;
        text-style: bold;
    }
    ChildDetailScreen #detail-missing {
        height: auto;
        padding: 0 1;
        color: $text-warning;
        text-style: bold;
    }
    ChildDetailScreen #detail-missing.-complete {
        color: $text-success;
        text-style: none;
    }
    ChildDetailScreen #detail-body {
        height: 1fr;
        scrollbar-size-vertical: 1;
    }
    ChildDetailScreen .heading {
        height: 1;
        margin-top: 1;
        padding: 0 1;
        background: $primary-muted;
        color: $text;
        text-style: bold;
    }
    ChildDetailScreen .section {
        height: auto;
        padding: 0 1 0 2;
    }
    ChildDetailScreen #detail-protection {
        height: auto;
        max-height: 8;
        border: none;
        padding: 0 1;
    }
    ChildDetailScreen .-none {
        display: none;
    }
    """

    def __init__(self, child_id: int) -> None:
        super().__init__()
        self.child_id = child_id
        self.detail: dict | None = None
        self.revealed: dict[str, str] | None = None  # the full numbers after ``u`` (audited)
        self.protection_items: list[tuple[str, int]] = []  # (kind, id) of the 强制报告与监护干预 lines

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(id="detail-title")
        yield Static(id="detail-missing")
        with VerticalScroll(id="detail-body"):
            # 强制报告 and 监护干预 first, and only for whom models.scope lets see one (else not even
            # the heading): enter on a line opens it
            yield Static("强制报告、监护干预、控辍保学 (r 选择, 回车 打开)", id="detail-protection-heading",
                         classes="heading -none", markup=False)
            yield OptionList(id="detail-protection", classes="-none")
            for key, title in SECTIONS:
                yield Static(title, classes="heading", markup=False)
                yield Static(id=f"detail-{key}", classes="section")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.load()
        self.query_one("#detail-body").focus()

    # -- data -----------------------------------------------------------------
    def load(self) -> None:
        try:
            self.detail = children.child_detail(self.child_id, viewer=self.app.viewer)
        except KeyError:
            self.notify("这份档案已不存在", severity="error")
            self.dismiss(None)
            return
        except ForbiddenError as exc:  # models.scope: not a child this viewer may see
            self.notify(str(exc), severity="error", markup=False)
            self.dismiss(None)
            return
        d = self.detail
        c = d["child"]
        if self.revealed:
            self._reveal(d, self.revealed)
        self.sub_title = clean(c["name"])
        self._set("detail-title", self._title(d))
        missing = self.query_one("#detail-missing", Static)
        if d["missing"]:
            missing.update(Content(clean(f"档案缺项 ({len(d['missing'])}): " + "、".join(d["missing"]))))
            missing.remove_class("-complete")
        else:
            missing.update(Content("档案完整"))
            missing.add_class("-complete")
        self._set("detail-basic", self._basic(d))
        self._set("detail-guardian", self._guardian(c))
        self._set("detail-parents", self._parents(d["parents"]))
        self._set("detail-grandparents", self._grandparents(d.get("grandparents") or []))
        self._set("detail-family", self._family(c))
        self._set("detail-special", self._special(c, d["pairings"]))
        self._set("detail-bus", self._bus(d["bus"]))
        self._set("detail-personal", self._personal(c))
        self._set("detail-consent", self._consent(d.get("consents", []), c))
        self._set("detail-contacts", self._contacts(d["contacts"]))
        self._set("detail-events", self._events(d.get("events", [])))
        self._set("detail-history", self._history(d))
        from models import dropout  # 控辍保学: the child's 辍学风险 cases join the lines

        self._show_protection(d.get("reports", []), d.get("interventions", []),
                              dropout.child_cases(self.child_id, viewer=self.app.viewer))
        self.refresh_bindings()

    def _show_protection(self, reports: list, interventions: list, cases: list = ()) -> None:
        """The child's reports (the viewer's own, or all for the head and counselor) and
        监护干预, one line each; the section is absent when there is none to show."""
        box = self.query_one("#detail-protection", OptionList)
        highlighted = box.highlighted
        box.clear_options()
        self.protection_items = ([("report", r.id) for r in reports] + [("intervention", i.id) for i in interventions]
                                 + [("dropout", c.id) for c in cases])
        for r in reports:
            line = (f"强制报告 {r.found_at:%Y-%m-%d} {'、'.join(r.situations)} · {r.state}"
                    + (f" · 报告人 {r.reporter}" if r.reporter else ""))
            box.add_option(Option(Content(clean(line)), id=f"report-{r.id}"))
        for i in interventions:
            line = f"监护干预 {i.noted_on:%Y-%m-%d} {i.reason} · 告知 {i.director} · {i.state}"
            box.add_option(Option(Content(clean(line)), id=f"intervention-{i.id}"))
        for c in cases:
            line = (f"辍学风险 {c.first_absent:%Y-%m-%d} 起 · {c.status}"
                    + (f" {c.closed_on:%m-%d}" if c.closed_on else "") + f" · 劝返 {len(c.attempts)} 次")
            box.add_option(Option(Content(clean(line)), id=f"dropout-{c.id}"))
        shown = bool(self.protection_items)
        box.set_class(not shown, "-none")
        self.query_one("#detail-protection-heading").set_class(not shown, "-none")
        if shown and highlighted is not None:
            box.highlighted = min(highlighted, len(self.protection_items) - 1)

    def _set(self, widget_id: str, value: Content | Lines) -> None:
        if isinstance(value, Lines):
            value = value.content()
        self.query_one(f"#{widget_id}", Static).update(value)

    @staticmethod
    def _title(d: dict) -> Content:
        c = d["child"]
        parts = [c["name"], d["class_name"] or "未分班", c["sex"]]
        if c["birth_date"]:
            parts.append(f"{children.age_on(c['birth_date'], dt.date.today())}岁")
        if c["status"] and c["status"] != "在读":
            parts.append(c["status"])
        flags = flags_text(c["hardship"], c["talent"], c["disability"], c["key_target"])
        if flags:
            parts.append(f"[{flags}]")
        return Content(clean("  ".join(p for p in parts if p)))

    @staticmethod
    def _basic(d: dict) -> Lines:
        c = d["child"]
        out = Lines()
        out.kv("姓名", c["name"]).kv("性别", c["sex"]).kv("民族", c["ethnicity"])
        out.kv("出生日期", _date(c["birth_date"]))
        out.kv("身份证号", c["id_number"])  # masked by the model unless revealed with u
        out.kv("学籍号", c["student_no"]).kv("班级", d["class_name"])
        out.kv("是否登记户口", _yes(c["hukou_registered"]))
        out.kv("户籍所在地", c["hukou_place"]).kv("现居住地", c["address"])
        out.kv("是否寄宿", _yes(c["boarding"])).kv("就学情况", c["schooling"])
        health = c["health"]
        if c["health"] == "残疾" and c["disability"]:
            health += f" ({c['disability']})"
        elif c["health"] == "患病" and c["illness"]:
            health += f" ({c['illness']})"
        out.kv("身体情况", health)
        out.kv("在校状态", c["status"] + (f" ({_date(c['status_date'])})" if c["status_date"] else ""))
        return out

    @staticmethod
    def _guardian(c: dict) -> Lines:
        out = Lines()
        out.kv("留守类型", c["left_behind_type"] or "非留守")
        out.kv("委托监护人", c["guardian_name"]).kv("与儿童关系", c["guardian_relation"])
        out.kv("监护人电话", c["guardian_phone"])
        out.kv("监护人身份证", c["guardian_id_number"])
        out.kv("文化程度", c["guardian_education"]).kv("居住地址", c["guardian_address"])
        out.kv("监护类型", c["guardianship_type"]).kv("监护情况评估", c["guardianship_grade"])
        return out

    @staticmethod
    def _parents(parents: list[dict]) -> Lines:
        out = Lines()
        if not parents:
            return out.line("未登记父母信息", "dim")
        for p in parents:  # as the 登记表 asks: 姓名, 出生日期, 务工地点, 联系电话, 公民身份证号码
            out.kv(p["relation"], p["name"])
            out.kv("  出生日期", _date(p.get("birth_date")))
            out.kv("  身份证号", p.get("id_number"))  # masked by the model unless revealed with u
            out.kv("  联系电话", p["phone"])
            if p.get("deceased"):  # "—" on the national form: neither away nor home
                out.kv("  状况", "已故", style="bold")
                continue
            out.kv("  务工地点", f"{p['work_province']}{p['work_city']}")
            out.kv("  外出时间", _date(p.get("away_since")))
            out.kv("  回家频率", p["home_visits"])
            where = "在外务工" if p["away"] else "在家"
            if not p["away"] and p.get("returned_on"):
                where += f" ({_date(p['returned_on'])} 返乡)"
            out.kv("  是否在外", where)
        return out

    @staticmethod
    def _grandparents(rows: list[dict | None]) -> Lines:
        """祖父、祖母、外祖父、外祖母: 姓名 and 出生日期 as on the 登记表; a dead one is "—"."""
        out = Lines()
        if not any(rows):
            return out.line("未登记祖辈信息", "dim")
        for relation, g in zip(rules.GRANDPARENT_RELATIONS, rows):
            if g is None:
                out.kv(relation, "")
            elif g["deceased"]:
                out.kv(g["relation"], f"— ({g['name']} 已故)" if g["name"] else "— (已故)")
            else:
                out.kv(g["relation"], "  ".join(v for v in (g["name"], _date(g["birth_date"])) if v))
        return out

    @staticmethod
    def _reveal(d: dict, full: dict[str, str]) -> None:
        """Put the numbers of ``privacy.reveal_numbers`` in place of the masked ones."""
        c = d["child"]
        for f in ("id_number", "student_no", "guardian_phone", "guardian_id_number"):
            if f in full:
                c[f] = full[f]
        for p in d["parents"]:
            for f in ("phone", "id_number"):
                if f"{p['relation']}.{f}" in full:
                    p[f] = full[f"{p['relation']}.{f}"]

    @staticmethod
    def _consent(consents: list, c: dict) -> Lines:
        out = Lines()
        if not consents:
            return out.line("尚未登记监护人同意 (按 c 登记)", "bold")
        for k in consents:
            who = f"{k.given_by} ({k.relation})" if k.relation else k.given_by
            state = f"已于 {k.withdrawn_at:%Y-%m-%d} 撤回" if k.withdrawn_at else "有效"
            out.line(f"{_date(k.given_on)} {who} 同意  [{state}]", "" if k.withdrawn_at else "bold")
            if k.scope:
                out.line(f"  范围: {k.scope}")
            if k.recorded_by:
                out.line(f"  登记人: {k.recorded_by}", "dim")
        if c.get("archived_at"):
            out.line(f"档案已于 {_date(c['archived_at'])} 归档", "dim")
        return out

    @staticmethod
    def _family(c: dict) -> Lines:
        return Lines().kv("家庭收入来源", c["income_sources"]).kv("享受救助情况", c["aid_received"])

    @staticmethod
    def _special(c: dict, pairings: list[dict]) -> Lines:
        out = Lines()
        out.kv("特困", _yes(c["hardship"]))
        out.kv("特长", c["talent"] or "无")
        out.kv("残障", c["disability"] or "无")
        out.kv("重点帮扶对象", _yes(c["key_target"]), style="bold" if c["key_target"] else "")
        if c.get("attention_level"):  # 需要关注: set only for whom models.scope lets see it
            review = f", {_date(c['attention_review_on'])} 复查" if c.get("attention_review_on") else ""
            out.kv("需要关注", f"{c['attention_level']}色关注{review} (0 g 查看原因)", style="bold")
        out.kv("困境类别", c.get("difficulty") or "无")  # as the form's 三特生 group has it (models/child_fields.py)
        out.kv("学业分组", c["academic_group"])
        if not pairings:
            out.kv("结对帮扶", "尚未结对", style="bold")
        for p in pairings:
            since = f" (自 {_date(p['since'])})" if p["since"] else ""
            if p.get("gone"):  # the board lists the child as 未结对: say why here too
                out.kv(p["kind"], f"{p['helper']}{p['gone']}, 需要重新结对 (2 结对)", style="bold")
            else:
                out.kv(p["kind"], f"{p['helper']}{since}")
        return out

    @staticmethod
    def _bus(bus: dict | None) -> Lines:
        out = Lines()
        if bus is None:
            return out.line("不乘坐校车")
        out.kv("路线", bus["name"] + (f" ({bus['direction']})" if bus["direction"] else ""))
        out.kv("校车牌号", bus["plate"]).kv("驾驶员", bus["driver"]).kv("驾驶员电话", bus["driver_phone"])
        return out

    @staticmethod
    def _personal(c: dict) -> Lines:
        out = Lines().kv("性格特征", c["personality"]).kv("兴趣爱好", c["hobbies"])
        return out.block("备注", c["notes"])

    @staticmethod
    def _contacts(contacts: list[dict]) -> Lines:
        out = Lines()
        if not contacts:
            return out.line("还没有联系记录", "dim")
        for ct in contacts:
            head = f"{_date(ct['at'].date() if isinstance(ct['at'], dt.datetime) else ct['at'])} {ct['kind']}"
            if not ct["reached"]:
                head += " (未联系上)"
            if ct["staff"]:
                head += f" {ct['staff']}"
            out.line(head + (f": {ct['summary']}" if ct["summary"] else ""))
        return out

    @staticmethod
    def _events(events: list[dict]) -> Lines:
        out = Lines()
        if not events:
            return out.line("没有参加活动的记录", "dim")
        for e in events:
            out.line(f"{_date(e['date'])} {e['kind']} {e['title']}")
        return out

    @staticmethod
    def _history(d: dict) -> Lines:
        out = Lines()
        if not d["history"]:
            return out.line("没有修改记录", "dim")
        for h in d["history"]:
            who = h["who"] or "未知用户"
            if h["action"] == "create":
                out.line(f"{_date(h['at'])} {who} 新建档案", "bold")
                continue
            if h["action"] == "unmask":  # opening the edit form or u: a look, not a change
                via = f" ({h['via']})" if h.get("via") else ""
                out.line(f"{_date(h['at'])} {who} 查看了完整号码: {'、'.join(h.get('seen', []))}{via}", "dim")
                continue
            out.line(f"{_date(h['at'])} {who} 修改了 {len(h['changes'])} 项", "bold")
            for ch in h["changes"]:
                old, new = ch["old"], ch["new"]
                if ch["field"] == "student_no":
                    old = mask_student_no(old) if old != "空" else old
                    new = mask_student_no(new) if new != "空" else new
                elif ch["field"] in MASKED_FIELDS:
                    old = mask_id(old) if old != "空" else old
                    new = mask_id(new) if new != "空" else new
                out.line(f"  {ch['label']}: {_short(old)} -> {_short(new)}")
        return out

    # -- actions --------------------------------------------------------------
    def action_edit(self) -> None:
        from screens.child_form import ChildFormScreen

        self.app.push_screen(ChildFormScreen(self.child_id), self._after_edit)

    def action_talk(self) -> None:
        from screens.talk_entry import TalkEntryScreen

        self.app.push_screen(TalkEntryScreen(self.child_id), lambda _=None: self.load())

    def action_report(self) -> None:
        """强制报告 about this child: the statutory checklist, then the 报告单 (screens/protection_flow.py)."""
        from screens import protection_flow

        protection_flow.open_checklist(self.app, self.child_id, then=lambda _=None: self.load())

    WRITE_ACTIONS = ("edit", "talk", "unmask", "consent", "withdraw", "archive", "report", "intervention")

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in self.WRITE_ACTIONS and is_read_only(self.app.viewer):
            return False  # a 县/乡镇 officer: not offered (each still refuses by models/scope.py)
        if action == "protection":
            return bool(self.protection_items)  # r only when there is a line the viewer may see
        return True

    def action_protection(self) -> None:
        """To the 强制报告与监护干预 lines (arrows choose, enter opens)."""
        box = self.query_one("#detail-protection", OptionList)
        if box.highlighted is None:
            box.highlighted = 0
        box.focus()
        self.query_one("#detail-body", VerticalScroll).scroll_home(animate=False)

    @on(OptionList.OptionSelected, "#detail-protection")
    def _open_protection(self, event: OptionList.OptionSelected) -> None:
        """A report opens as its 报告单 (a look, audited), a 监护干预 as its page (复查 there)."""
        kind, row_id = self.protection_items[event.option_index]
        if kind == "dropout":  # 控辍保学: the case's page (screens/dropout_case.py)
            from screens.dropout_case import DropoutCaseScreen

            self.app.push_screen(DropoutCaseScreen(row_id), lambda _=None: self.load())
        elif kind == "report":
            from screens.protection_form import ReportFormScreen

            self.app.push_screen(ReportFormScreen(report_id=row_id), lambda _=None: self.load())
        else:
            from models import protection
            from models.errors import UserError
            from screens.protection_form import InterventionViewScreen

            try:
                view = protection.intervention_detail(row_id, viewer=self.app.viewer)
            except UserError as exc:  # gone meanwhile, or no longer a child she sees
                self.notify(str(exc), severity="warning", markup=False)
                self.load()
                return
            self.app.push_screen(InterventionViewScreen(view), lambda _=None: self.load())

    def action_intervention(self) -> None:
        """监护干预, when the 监护类型 is 无人监护 or the 监护情况评估 差 (models/protection.py)."""
        from models import protection
        from screens.protection_form import InterventionFormScreen

        reason = protection.guardianship_problem(self.child_id)
        if reason is None:
            self.notify("监护类型为无人监护或监护情况评估为差时, 才需要登记监护干预", timeout=4)
            return
        self.app.push_screen(InterventionFormScreen(self.child_id, reason),
                             lambda saved=None: self.load() if saved else None)

    def action_unmask(self) -> None:
        """显示完整号码: a deliberate look at the full numbers, in the audit log; u again hides them."""
        if self.revealed is not None:
            self.revealed = None
            self.load()
            self.notify("号码已重新遮盖", timeout=2)
            return
        try:
            self.revealed = privacy.reveal_numbers(self.child_id, viewer=self.app.viewer)
        except ForbiddenError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        except KeyError:
            self.notify("这份档案已不存在", severity="error")
            return
        self.load()
        self.notify("已显示完整号码 (已记入审计日志); 再按 u 遮盖", timeout=4)

    def action_consent(self) -> None:
        from screens.consent_form import ConsentScreen

        if self.detail is None:
            return
        c = self.detail["child"]
        self.app.push_screen(ConsentScreen(self.child_id, clean(c["name"]), guardian=c.get("guardian_name") or "",
                                           relation=c.get("guardian_relation") or ""),
                             lambda saved: self._changed(saved, "已登记监护人同意"))

    def action_withdraw(self) -> None:
        from screens.confirm import ConfirmScreen

        active = [k for k in (self.detail or {}).get("consents", []) if k.withdrawn_at is None]
        if not active:
            self.notify("没有有效的监护人同意可以撤回", severity="warning")
            return
        k = active[0]

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            try:
                privacy.withdraw_consent(k.id, viewer=self.app.viewer)
            except (privacy.PrivacyError, ForbiddenError) as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            self._changed(True, "监护人同意已撤回 (记录保留)")

        self.app.push_screen(ConfirmScreen(clean(f"撤回 {k.given_by} {_date(k.given_on)} 的同意?"),
                                           yes="撤回", no="不"), answer)

    def action_archive(self) -> None:
        from screens.confirm import ConfirmScreen

        c = (self.detail or {}).get("child") or {}

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            try:
                privacy.archive_child(self.child_id, viewer=self.app.viewer)
            except (privacy.PrivacyError, ForbiddenError) as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            self.notify("已归档: 不再出现在名单中", timeout=3)
            self.dismiss(None)

        self.app.push_screen(ConfirmScreen(clean(f"归档 {c.get('name', '')} 的档案? 归档后不再出现在名册等名单中, "
                                                 "保存期满后由管理员彻底删除。"), yes="归档", no="不"), answer)

    def _changed(self, saved, message: str) -> None:
        if saved:
            self.load()
            self.notify(message, timeout=3)

    def _after_edit(self, saved_id: int | None) -> None:
        if saved_id is not None:
            self.load()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_page_up(self) -> None:
        self.query_one("#detail-body", VerticalScroll).scroll_page_up()

    def action_page_down(self) -> None:
        self.query_one("#detail-body", VerticalScroll).scroll_page_down()


def _short(value: str, limit: int = 40) -> str:
    value = clean(value)
    return value if len(value) <= limit else value[: limit - 3] + "..."
