"""谈心记录 entry: open on a child, type, ctrl+s. Built for use during the talk itself.

The cursor starts in the content; kind, mood, concerns and reached are one function
key each so the hands never leave the keyboard. Everything typed goes to a Draft
about twice a second from a background thread, so a dropped SSH link loses nothing.
"""
from __future__ import annotations

import datetime as dt

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Label, Static

from models import conflicts, contacts, drafts, rules
from models.contacts import ContactForm
from models.scope import ForbiddenError
from screens.drafted import DraftedForm
from screens.conflict import ConflictScreen
from screens.saving import BackgroundSave
from tui.widgets.fields import Input, TextArea, focus_now, focus_to_fix
from tui.widgets.footer import Footer
from tui.widgets.text import content
from tui.widgets.guard import DatabaseGuard
from tui.chrome import TitleBar

DRAFT_FORM = "talk"
CONCERN_KEYS = ("f4", "f5", "f6", "f7", "f8")


FORM_KEYS = ("kind", "when", "minutes", "reached", "place", "callee", "content", "effect", "parent_feedback",
             *contacts.VISIT_FIELDS, *contacts.TUTORING_FIELDS, "mood", "concerns", "follow_up", "follow_up_due")
# the 家访手记's columns: their inputs, in the paper's order (F12 walks them for a 家访)
VISIT_INPUTS = {"family_members": "#f-family", "living_conditions": "#f-living", "education_needs": "#f-needs"}
# the tutoring 谈心记录单's own columns (F12 walks them for a 学业辅导)
TUTORING_INPUTS = {"problems": "#f-problems", "materials": "#f-materials"}
# a kind's own row and its inputs (contacts.KIND_FIELDS): shown for the kind, or while they hold text
KIND_INPUTS = {contacts.HOME_VISIT: VISIT_INPUTS, contacts.TUTORING: TUTORING_INPUTS}
KIND_ROWS = {contacts.HOME_VISIT: "#visit-row", contacts.TUTORING: "#tutor-row"}
ALL_KIND_INPUTS = {name: sel for inputs in KIND_INPUTS.values() for name, sel in inputs.items()}
CONTENT_HINTS = {contacts.HOME_VISIT: "孩子表现: 在家的学习、生活、情绪, 和家人相处…",
                 contacts.TUTORING: "帮教措施: 怎样辅导, 学习帮扶计划的时间和内容…"}
EFFECT_HINTS = {contacts.TUTORING: "阶段性效果"}
EFFECT_HINT = "交谈后效果"
CONTENT_HINT = "在这里记下谈话的内容…"
FORM_LABELS = {"kind": "类别", "when": "时间", "minutes": "分钟", "reached": "接通", "place": "地点",
               "callee": "通话对象", "content": "内容", "effect": "交谈后效果", "parent_feedback": "家长反馈",
               **contacts.VISIT_FIELDS, **contacts.TUTORING_FIELDS,
               "mood": "情绪", "concerns": "关注",
               "follow_up": "跟进", "follow_up_due": "跟进日期"}


def draft_key(child_id: int, contact_id: int | None) -> str:
    return f"contact:{contact_id}" if contact_id else f"child:{child_id}"


class TalkEntryScreen(DatabaseGuard, BackgroundSave, DraftedForm, Screen[bool]):
    """New talk for ``child_id``, or edit of ``contact_id``; dismissed with True when saved."""

    DRAFT_FORM = DRAFT_FORM
    DISCARD_QUESTION = "放弃这次记录吗? 已输入的内容 (和草稿) 将被删除。"
    BINDINGS = [
        Binding("ctrl+s", "save", "保存", priority=True),
        Binding("escape", "cancel", "取消", priority=True),
        # each F-key has a ctrl+letter twin (laptops give F-keys only with Fn), shown in the form
        Binding("f2", "cycle_kind", "类别", priority=True),
        Binding("ctrl+l", "pick_kind", "类别表", show=False, priority=True),
        Binding("f3", "cycle_mood", "情绪", priority=True),
        Binding("ctrl+r", "cycle_mood", "情绪", show=False, priority=True),
        Binding("ctrl+n", "pick_concerns", "关注", show=False, priority=True),
        Binding("ctrl+t", "toggle_reached", "接通", show=False, priority=True),
        Binding("ctrl+o", "history", "修改记录", show=False, priority=True),
        *(Binding(k, f"toggle_concern({i})", rules.CONCERNS[i], show=False, priority=True)
          for i, k in enumerate(CONCERN_KEYS)),
        Binding("f9", "toggle_reached", "接通", priority=True),
        # 强制报告: the talk is saved first, then the statutory checklist opens (screens/protection_flow.py)
        Binding("ctrl+b", "report", "强制报告", priority=True),
        Binding("ctrl+g", "add_child", "加同组", priority=True),
        Binding("f10", "history", "修改记录", priority=True),
        # the paper forms' other columns: who was called (亲情电话), 交谈后效果, 家长反馈 (家访手记)
        Binding("f11", "callee", "通话对象", show=False, priority=True),
        Binding("f12", "outcome", "效果/反馈", show=False, priority=True),
    ]

    def __init__(self, child_id: int | None = None, *, contact_id: int | None = None,
                 kind: str = "谈心", now: dt.datetime | None = None) -> None:
        super().__init__()
        self.contact_id = contact_id
        self.now = now or dt.datetime.now().replace(second=0, microsecond=0)
        self.version = None  # the edited entry's updated_at when loaded: a newer save shows both
        self.refused: str | None = None  # outside the viewer's scope: said and closed on mount
        if contact_id:
            try:
                child_id, self.form, self.version = contacts.contact_for_edit(contact_id, viewer=self.app.viewer)
            except ForbiddenError as exc:
                child_id, self.form, self.refused = child_id or 0, ContactForm(), str(exc)
            self.child_ids = [child_id]
        else:
            assert child_id is not None
            self.child_ids = [child_id]
            self.form = ContactForm(kind=kind, when=self.now.strftime("%Y-%m-%d %H:%M"))
        self.original = ContactForm.from_dict(self.form.to_dict())
        self.writer: drafts.DraftWriter | None = None
        self.restored_at: dt.datetime | None = None
        self._dirty = False
        self.saved_any = False  # saved once, then kept open for what was typed during that save

    @property
    def main_child(self) -> int:
        return self.child_ids[0]

    def compose(self) -> ComposeResult:
        yield TitleBar(strip=False)
        with Vertical(id="talk-form"):
            yield Static(id="talk-head")
            yield Static(id="talk-chips")
            yield TextArea(self.form.content, id="talk-content", soft_wrap=True, tab_behavior="focus",
                           placeholder=CONTENT_HINTS.get(self.form.kind, CONTENT_HINT))
            with Horizontal(classes="talk-row"):
                yield Static(id="err-content", classes="talk-err")
                yield Static(id="talk-count")
            with Horizontal(classes="talk-row"):
                yield Label("时间")
                yield Input(self.form.when, id="f-when", classes="w-when")
                yield Label("分钟")
                yield Input(self.form.minutes, id="f-minutes", classes="w-min", restrict=r"[0-9]*", max_length=3)
                yield Label("F11对象")
                yield Input(self.form.callee, id="f-callee", classes="w-callee", max_length=50,
                            placeholder="打给谁")
                yield Label("地点")
                yield Input(self.form.place, id="f-place", classes="w-place", max_length=100)
            yield Static(id="err-row1", classes="talk-err")
            with Horizontal(classes="talk-row"):
                yield Label("F12效果", id="l-effect")
                yield Input(self.form.effect, id="f-effect", classes="w-follow",
                            placeholder=EFFECT_HINTS.get(self.form.kind, EFFECT_HINT))
                yield Label("家长反馈")
                yield Input(self.form.parent_feedback, id="f-feedback", classes="w-follow", placeholder="家访时")
            with Horizontal(classes="talk-row", id="visit-row"):  # 家访 only (or while one holds text)
                yield Label("F12家庭成员")
                yield Input(self.form.family_members, id="f-family", classes="w-follow", placeholder="几口人, 谁照看")
                yield Label("生活环境")
                yield Input(self.form.living_conditions, id="f-living", classes="w-follow", placeholder="住房、学习条件")
                yield Label("教育需求")
                yield Input(self.form.education_needs, id="f-needs", classes="w-follow", placeholder="需要的帮助")
            with Horizontal(classes="talk-row", id="tutor-row"):  # 学业辅导 only (or while one holds text)
                yield Label("F12存在问题")
                yield Input(self.form.problems, id="f-problems", classes="w-follow", placeholder="学生存在问题")
                yield Label("帮教资料")
                yield Input(self.form.materials, id="f-materials", classes="w-follow", placeholder="用的资料、练习")
            with Horizontal(classes="talk-row"):
                yield Label("跟进")
                yield Input(self.form.follow_up, id="f-follow", classes="w-follow", placeholder="需要跟进的事")
                yield Label("日期")
                yield Input(self.form.follow_up_due, id="f-follow-due", classes="w-when", placeholder="如 12-05")
            yield Static(id="err-row2", classes="talk-err")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        try:
            if self.refused:
                raise ForbiddenError(self.refused)
            self._restore_draft()
            self.writer = drafts.DraftWriter(self.app.staff_id, DRAFT_FORM, self.draft_key, viewer=self.app.viewer)
        except ForbiddenError as exc:  # models.scope: not this viewer's child (or 心理辅导 note)
            self.notify(str(exc), severity="error", timeout=5, markup=False)
            self.dismiss(False)
            return
        self._render_head()
        self._render_chips()
        self._update_count()
        self._show_kind_fields()
        area = self.query_one("#talk-content", TextArea)
        area.focus()
        area.move_cursor(area.document.end)
        self.set_interval(0.5, self._flush_draft)

    @property
    def draft_key(self) -> str:
        return draft_key(self.main_child, self.contact_id)

    # -- drafts --------------------------------------------------------------
    def _restore_draft(self) -> None:
        found = drafts.load_draft(self.app.staff_id, DRAFT_FORM, self.draft_key, viewer=self.app.viewer)
        if not found:
            return
        data, when = found
        self.form = ContactForm.from_dict(data.get("form", {}))
        extra = [i for i in data.get("children", []) if isinstance(i, int) and i != self.main_child]
        self.child_ids = [self.main_child, *extra]
        self.restored_at = when
        if self.contact_id and data.get("version"):
            # The draft was begun on this version of the entry: a save checks against it.
            try:
                self.version = conflicts.as_datetime(data["version"])
                if isinstance(data.get("original"), dict):
                    self.original = ContactForm.from_dict(data["original"])
            except (TypeError, ValueError):
                pass
        self._show_form()
        self._dirty = False
        self.notify(f"已恢复 {when:%m-%d %H:%M} 未保存的草稿", timeout=4)

    def _show_form(self) -> None:
        """Put ``self.form`` into the widgets."""
        self.query_one("#talk-content", TextArea).load_text(self.form.content)
        for selector, value in (("#f-when", self.form.when), ("#f-minutes", self.form.minutes),
                                ("#f-place", self.form.place), ("#f-follow", self.form.follow_up),
                                ("#f-callee", self.form.callee), ("#f-effect", self.form.effect),
                                ("#f-feedback", self.form.parent_feedback),
                                *((sel, getattr(self.form, name)) for name, sel in ALL_KIND_INPUTS.items()),
                                ("#f-follow-due", self.form.follow_up_due)):
            self.query_one(selector, Input).value = value

    def _collect(self) -> ContactForm:
        f = self.form
        f.content = self.query_one("#talk-content", TextArea).text
        f.when = self.query_one("#f-when", Input).value
        f.minutes = self.query_one("#f-minutes", Input).value
        f.place = self.query_one("#f-place", Input).value
        f.callee = self.query_one("#f-callee", Input).value
        f.effect = self.query_one("#f-effect", Input).value
        f.parent_feedback = self.query_one("#f-feedback", Input).value
        for name, selector in ALL_KIND_INPUTS.items():
            setattr(f, name, self.query_one(selector, Input).value)
        f.follow_up = self.query_one("#f-follow", Input).value
        f.follow_up_due = self.query_one("#f-follow-due", Input).value
        return f

    def _changed(self) -> bool:
        return self._collect().to_dict() != self.original.to_dict() or len(self.child_ids) > 1

    def _draft_data(self) -> dict:
        data = {"form": self._collect().to_dict(), "children": self.child_ids}
        if self.contact_id and self.version is not None:
            data["version"] = self.version.isoformat()
            data["original"] = self.original.to_dict()
        return data

    # -- display ----------------------------------------------------------------
    def _render_head(self) -> None:
        names = "、".join(contacts.child_label(i) for i in self.child_ids)
        verb = "修改记录" if self.contact_id else ("新记录" if len(self.child_ids) == 1 else f"小组{self.form.kind}")
        staff = getattr(self.app.session, "staff_name", "") or "未登录"
        self.query_one("#talk-head", Static).update(content(f"{verb} · {names} · 记录人 {staff}", one_line=True))

    def _show_kind_fields(self) -> None:
        """A kind's own row (the 家访手记's, the tutoring 谈心记录单's) shows for that kind, and stays while
        it holds text (so a kind changed by mistake never hides what was typed; saving it with another
        kind is refused and says why)."""
        for kind, row in KIND_ROWS.items():
            inputs = [self.query_one(sel, Input) for sel in KIND_INPUTS[kind].values()]
            self.query_one(row).display = self.form.kind == kind or any(i.value.strip() for i in inputs)
        own = self.form.kind in KIND_INPUTS  # F12 starts on the kind's own row
        self.query_one("#l-effect", Label).update("效果" if own else "F12效果")
        self.query_one("#f-effect", Input).placeholder = EFFECT_HINTS.get(self.form.kind, EFFECT_HINT)
        self.query_one("#talk-content", TextArea).placeholder = CONTENT_HINTS.get(self.form.kind, CONTENT_HINT)

    def _render_chips(self) -> None:
        f = self.form
        concerns = "".join(
            f"{k.upper()}{'■' if c in f.concerns else '□'}{c} " for k, c in zip(CONCERN_KEYS, rules.CONCERNS))
        line = (f"F2 ^L 类别:{f.kind}  F3 ^R 情绪:{f.mood or '—'}  F9 ^T {'已接通' if f.reached else '未接通'}"
                f"{'  F10 ^O 修改记录' if self.contact_id else ''}\n关注 ^N {concerns}")
        self.query_one("#talk-chips", Static).update(content(line.replace("■", "*").replace("□", " ")))

    def _update_count(self) -> None:
        n = len(self.query_one("#talk-content", TextArea).text)
        label = self.query_one("#talk-count", Static)
        label.update(content(f"{n}/{contacts.CONTENT_LIMIT} 字", one_line=True))
        label.set_class(n > contacts.CONTENT_LIMIT, "over")

    @on(TextArea.Changed, "#talk-content")
    def _content_changed(self) -> None:
        self._update_count()
        self._mark_dirty()

    @on(Input.Changed)
    def _input_changed(self) -> None:
        self._mark_dirty()

    # -- one-key choices --------------------------------------------------------
    def action_cycle_kind(self) -> None:
        kinds = rules.CONTACT_KINDS
        self.form.kind = kinds[(kinds.index(self.form.kind) + 1) % len(kinds)]
        self._render_head()  # a group's heading names the kind (小组学业辅导)
        self._render_chips()
        self._show_kind_fields()
        self._mark_dirty()

    def action_pick_kind(self) -> None:
        """The kinds as a numbered list: one digit for any of them."""
        from tui.widgets.pick_list import PickListScreen

        def chosen(kind) -> None:
            if kind:
                self.form.kind = kind
                self._render_head()
                self._render_chips()
                self._show_kind_fields()
                self._mark_dirty()

        self.app.push_screen(PickListScreen("类别", rules.CONTACT_KINDS, current=self.form.kind), chosen)

    def action_pick_concerns(self) -> None:
        from tui.widgets.pick_list import PickListScreen

        def chosen(checked) -> None:
            if checked is not None:
                self.form.concerns = tuple(checked)
                self._render_chips()
                self._mark_dirty()

        self.app.push_screen(PickListScreen("关注", rules.CONCERNS, current=self.form.concerns, multi=True), chosen)

    def action_cycle_mood(self) -> None:
        moods = ("", *rules.MOODS)
        self.form.mood = moods[(moods.index(self.form.mood) + 1) % len(moods)]
        self._render_chips()
        self._mark_dirty()

    def action_toggle_concern(self, index: int) -> None:
        c = rules.CONCERNS[index]
        current = set(self.form.concerns)
        current ^= {c}
        self.form.concerns = tuple(x for x in rules.CONCERNS if x in current)
        self._render_chips()
        self._mark_dirty()

    def action_toggle_reached(self) -> None:
        self.form.reached = not self.form.reached
        self._render_chips()
        self._mark_dirty()

    def action_callee(self) -> None:
        """通话对象: to the field; pressed again there, the next of the child's parents and 监护人
        (亲情电话 is written down before the call is made, so the name is one key away)."""
        field = self.query_one("#f-callee", Input)
        if self.focused is field:
            choices = contacts.callee_choices(self.main_child)
            if choices:
                now = field.value.strip()
                field.value = choices[(choices.index(now) + 1) % len(choices)] if now in choices else choices[0]
                field.cursor_position = len(field.value)
        focus_now(field)

    def action_outcome(self) -> None:
        """To the columns the kind's paper form has, in its order: for a 家访 (家访手记) 家庭成员情况,
        生活环境, 教育需求, 家长反馈; for a 学业辅导 学生存在问题, 帮教资料, 交谈后效果 (阶段性效果);
        for a 监护人座谈 家长反馈; else 交谈后效果 first. Pressed again, the next of them, then the
        other one, round again."""
        order = ["#f-effect", "#f-feedback"]
        if self.form.kind in contacts.FEEDBACK_KINDS:
            order.reverse()
        order = [*KIND_INPUTS.get(self.form.kind, {}).values(), *order]
        widgets = [self.query_one(sel, Input) for sel in order]
        here = widgets.index(self.focused) if self.focused in widgets else -1
        focus_now(widgets[(here + 1) % len(widgets)])

    def action_add_child(self) -> None:
        if self.contact_id:
            self.notify("修改已有记录时不能添加同组孩子", severity="warning")
            return
        from tui.widgets.child_picker import ChildPickerScreen

        def add(child_id: int | None) -> None:
            if child_id and child_id not in self.child_ids:
                self.child_ids.append(child_id)
                self._render_head()
                self._mark_dirty()

        self.app.push_screen(ChildPickerScreen(self.app.school_id, title="添加同组的孩子",
                                               exclude=set(self.child_ids)), add)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "history":
            return bool(self.contact_id)  # only an existing entry has a history
        if action == "add_child":
            return not self.contact_id
        return True

    def action_history(self) -> None:
        from screens.contact_history import ContactHistoryScreen

        self.app.push_screen(ContactHistoryScreen(self.contact_id))

    # -- save / cancel ----------------------------------------------------------
    def _show_errors(self, errors: dict[str, str]) -> None:
        self.query_one("#err-content", Static).update(content(errors.get("content") or errors.get("child") or
                                                              errors.get("kind") or "", one_line=True))
        row1 = [errors[k] for k in ("when", "minutes") if k in errors]
        row2 = [errors[k] for k in ("follow_up_due", "effect", "parent_feedback", *ALL_KIND_INPUTS, "mood",
                                    "concerns") if k in errors]
        self.query_one("#err-row1", Static).update(content(" ".join(row1), one_line=True))
        self.query_one("#err-row2", Static).update(content(" ".join(row2), one_line=True))

    def show_save_state(self, text: str, *, error: bool) -> None:
        """The line under the content: 正在保存…, or why the save failed (the text stays)."""
        self.query_one("#err-content", Static).update(content(text, one_line=True))

    report_after_save = False

    def action_report(self) -> None:
        """强制报告 from this talk: save it (as ctrl+s, errors included), then the checklist opens."""
        if self.saving:
            return
        self.report_after_save = True
        self.action_save()

    def action_save(self) -> None:
        """Check, then write in a thread worker (``screens.saving``): keys keep working while
        another user's write holds the database, and a second ctrl+s meanwhile does nothing."""
        if self.saving:
            return
        form = self._collect()
        values, errors = contacts.validate_contact(form, self.child_ids)
        self._show_errors(errors)
        if errors:
            first = next(iter(errors))
            target = {"when": "#f-when", "minutes": "#f-minutes", "follow_up_due": "#f-follow-due",
                      "effect": "#f-effect", "parent_feedback": "#f-feedback", **ALL_KIND_INPUTS}.get(
                first, "#talk-content")
            focus_to_fix(self.query_one(target))
            self.notify(f"有 {len(errors)} 处需要修改, 尚未保存", severity="error", timeout=3)
            return
        snapshot = ContactForm.from_dict(form.to_dict())
        child_ids, contact_id, version = list(self.child_ids), self.contact_id, self.version
        staff_id, viewer = self.app.staff_id, self.app.viewer

        def job() -> list[int]:  # in the worker thread: model calls only
            if contact_id:
                contacts.update_contact(contact_id, values, staff_id=staff_id, viewer=viewer,
                                        expected_updated_at=version)
                return [contact_id]
            return contacts.create_contacts(values, child_ids, staff_id=staff_id, viewer=viewer)

        self.start_save(job, lambda ids: self._saved(ids, snapshot, child_ids))

    def _saved(self, ids: list[int], snapshot: ContactForm, child_ids: list[int]) -> None:
        n = len(child_ids)
        if self._collect().to_dict() == snapshot.to_dict() and self.child_ids == child_ids:
            self._drop_draft()
            saved = "已保存" if n == 1 else f"已保存 {n} 个孩子的记录"
            if not snapshot.reached:  # logged, but the duty it was for is not done
                self.notify(f"{saved}; 未接通不算完成, 这项待办仍然保留, 请再联系", timeout=5)
            else:
                self.notify(saved, timeout=2)
            report, self.report_after_save = self.report_after_save, False
            app, new = self.app, self.contact_id is None
            self.dismiss(True)
            from screens import protection_flow

            # once this screen is gone: a dialog's answer goes to the screen that was current.
            # ctrl+b (the teacher asked), or a new talk with 安全 ticked or a sign of harm in the
            # text: each child of a group talk in turn, each with its own saved contact
            if report or new:
                # every text typed is read for a sign: a 家访's 生活环境 may say the child lives alone
                kind_texts = [getattr(snapshot, name) for fields in contacts.KIND_FIELDS.values() for name in fields]
                app.call_later(protection_flow.offer_reports, app, list(zip(child_ids, ids)), snapshot.concerns,
                               snapshot.content, snapshot.effect, snapshot.follow_up, snapshot.parent_feedback,
                               *kind_texts, asked=report)
            return
        # Typed on while the save waited: what was saved is the entry's new original, and the rest
        # stays in the form (and its draft, now keyed by the entry) as an edit of that entry.
        self._drop_draft()
        self.saved_any = True
        self.contact_id, self.child_ids = ids[0], [child_ids[0]]
        self.version = contacts.contact_version(ids[0])
        self.original = snapshot
        self.writer = drafts.DraftWriter(self.app.staff_id, DRAFT_FORM, self.draft_key, viewer=self.app.viewer)
        self._mark_dirty()
        self._render_head()
        self.refresh_bindings()
        group = f" ({n} 个孩子的记录已保存, 之后的修改只改 {contacts.child_label(ids[0])} 的这条)" if n > 1 else ""
        self.show_save_state(f"已保存; 保存时输入的内容还没有保存, 按 ctrl+s 保存{group}", error=False)

    def save_failed(self, exc: BaseException) -> None:
        if isinstance(exc, conflicts.ConflictError):
            self.show_save_state("", error=False)
            self._conflict(exc)
            return
        self._mark_dirty()  # the newest text goes (again) to the draft
        if isinstance(exc, ForbiddenError):
            self.show_save_state(str(exc), error=True)
            self.notify(str(exc), severity="error", timeout=5, markup=False)
            return
        super().save_failed(exc)

    def action_cancel(self) -> None:
        if self.saving:  # the outcome is on its way; leaving now would lose it
            self.notify("正在保存, 请稍候", timeout=2)
            return
        super().action_cancel()

    def dismiss(self, result: bool | None = None):
        """Saved once and kept open: the caller still learns that something was saved."""
        return super().dismiss(True if self.saved_any else result)

    # -- someone else saved this entry meanwhile ---------------------------------
    def _conflict(self, exc: conflicts.ConflictError) -> None:
        theirs = ContactForm.from_dict(exc.current).to_dict()
        base, mine = self.original.to_dict(), self._collect().to_dict()
        if not conflicts.changed_keys(base, mine, FORM_KEYS):  # nothing of mine: theirs stands
            self._drop_draft()
            self.notify(f"{exc}; 你没有修改, 保留对方的版本", timeout=4)
            self.dismiss(True)
            return
        rows = conflicts.conflict_rows(base, mine, theirs, FORM_KEYS, label=lambda k: FORM_LABELS[k])

        def chosen(choice: str | None) -> None:
            if choice == "mine":
                merged = conflicts.keep_mine(base, mine, theirs, FORM_KEYS)
                self._take_version(merged, theirs, exc.updated_at)
                self.action_save()
            elif choice == "theirs":
                self._take_version(theirs, theirs, exc.updated_at)
                drafts.delete_draft(self.app.staff_id, DRAFT_FORM, self.draft_key)
                self.notify("已载入对方的版本; 可以继续修改或按 esc 关闭", timeout=4)

        self.app.push_screen(ConflictScreen(str(exc), rows), chosen)

    def _take_version(self, shown: dict, stored: dict, version) -> None:
        """Show ``shown`` in the form, with ``stored`` (another user's save) as the new original."""
        self.form = ContactForm.from_dict(shown)
        self.original = ContactForm.from_dict(stored)
        self.version = conflicts.as_datetime(version)
        self._show_form()
        self._render_chips()
        self._show_kind_fields()
        self._update_count()
        self._show_errors({})
