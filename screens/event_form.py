"""活动 form: a new event, an event or a whole series, or one date of a series.

One line per field with its error right under it; F2 cycles the kind, F3 the repetition
(每周, 每两周, 每月第几个周几, 每月最后工作日, 每学期, 自定义 RRULE). A repeating event must
end: 截止 takes a date or a number of times (``10次``) and starts at the end of the term.
Everything typed is kept as a draft, so a dropped SSH session loses nothing.
"""
from __future__ import annotations

import datetime as dt

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Label, Static

from models import calendar as cal
from models import drafts, rules
from models.calendar import EventForm, Occurrence
from models.entities import Event
from models.scope import ForbiddenError
from screens.drafted import DraftedForm
from screens.lines import line
from tui.widgets.fields import Input, TextArea, focus_to_fix
from tui.widgets.footer import Footer
from tui.widgets.guard import DatabaseGuard
from tui.chrome import TitleBar

DRAFT_FORM = "event"

INPUTS = {  # form field -> widget id
    "title": "ev-title", "date": "ev-date", "end_date": "ev-end", "time": "ev-time", "place": "ev-place",
    "organiser": "ev-organiser", "until": "ev-until", "rrule": "ev-rrule",
}
# validate_event's error keys -> the error line under the row that holds the field
ERROR_ROWS = {
    "title": "err-title", "kind": "err-title",
    "start_date": "err-date", "end_date": "err-date", "start_time": "err-date",
    "place": "err-place", "organiser": "err-place",
    "until": "err-repeat", "rrule": "err-repeat",
    "notes": "err-notes",
}
FOCUS_FOR_ERROR = {"title": "ev-title", "start_date": "ev-date", "end_date": "ev-end", "start_time": "ev-time",
                   "place": "ev-place", "organiser": "ev-organiser", "until": "ev-until", "rrule": "ev-rrule",
                   "notes": "ev-notes"}


class EventFormScreen(DatabaseGuard, DraftedForm, Screen[bool]):
    """Dismissed with True when something was saved."""

    DRAFT_FORM = DRAFT_FORM
    BINDINGS = [
        Binding("ctrl+s", "save", "保存", priority=True),
        Binding("escape", "cancel", "取消", priority=True),
        Binding("f2", "cycle_kind", "类别", priority=True),
        Binding("f3", "cycle_repeat", "重复", priority=True),
    ]
    DEFAULT_CSS = """
    #ev-head, #ev-chips, .ev-err { text-wrap: nowrap; text-overflow: clip; }
    #ev-form { height: 1fr; }
    #ev-head { height: 1; padding: 0 1; background: $boost; text-style: bold; }
    #ev-chips { height: 1; padding: 0 1; }
    .ev-row { height: 1; margin-top: 1; }
    .ev-row Label { width: auto; padding: 0 1; }
    .ev-row Input { height: 1; border: none; padding: 0; background: $boost; }
    .ev-row Input:focus { background: $primary 30%; }
    .ev-row Input:disabled { color: $text-disabled; background: $panel; }
    .w-date { width: 12; }
    .w-time { width: 7; }
    .w-org { width: 16; }
    .w-fill { width: 1fr; }
    .ev-err { height: auto; max-height: 1; padding: 0 1; color: $error; }
    #ev-notes { height: 1fr; min-height: 3; margin-top: 1; border: none; padding: 0 1; background: $boost; }
    #ev-notes:focus { background: $primary 20%; }
    """

    def __init__(self, *, day: dt.date | None = None, event_id: int | None = None,
                 series_id: int | None = None, occurrence: dt.date | None = None,
                 occ: Occurrence | None = None) -> None:
        super().__init__()
        self.event_id = event_id
        self.series_id = series_id
        self.occurrence = occurrence
        if series_id is not None:
            assert occ is not None and occurrence is not None
            self.form = cal.form_from_occurrence(occ)
            self.mode = "occurrence"
        elif event_id is not None:
            self.form = cal.form_from_event(Event.get_by_id(event_id))
            self.mode = "series" if self.form.repeat != "不重复" else "event"
        else:
            self.form = EventForm(date=(day or dt.date.today()).isoformat())
            self.mode = "new"
        self.original = EventForm.from_dict(self.form.to_dict())
        self.writer: drafts.DraftWriter | None = None
        self._dirty = False
        self._loading = False

    @property
    def draft_key(self) -> str:
        if self.mode == "occurrence":
            return f"occurrence:{self.series_id}:{self.occurrence.isoformat()}"
        if self.event_id is not None:
            return f"event:{self.event_id}"
        return "new"

    # -- layout ---------------------------------------------------------------
    def compose(self) -> ComposeResult:
        f = self.form
        yield TitleBar(strip=False)
        with Vertical(id="ev-form"):
            yield Static(id="ev-head")
            yield Static(id="ev-chips")
            with Horizontal(classes="ev-row"):
                yield Label("标题")
                yield Input(f.title, id="ev-title", classes="w-fill", max_length=cal.TITLE_LIMIT,
                            placeholder="如 升旗仪式暨主题班会")
            yield Static(id="err-title", classes="ev-err")
            with Horizontal(classes="ev-row"):
                yield Label("日期")
                yield Input(f.date, id="ev-date", classes="w-date", placeholder="2026-11-30")
                yield Label("至")
                yield Input(f.end_date, id="ev-end", classes="w-date", placeholder="多天时填",
                            disabled=self.mode == "occurrence")
                yield Label("时间")
                yield Input(f.time, id="ev-time", classes="w-time", placeholder="可不填")
            yield Static(id="err-date", classes="ev-err")
            with Horizontal(classes="ev-row"):
                yield Label("地点")
                yield Input(f.place, id="ev-place", classes="w-fill", max_length=cal.PLACE_LIMIT)
                yield Label("组织")
                yield Input(f.organiser, id="ev-organiser", classes="w-org", max_length=cal.ORGANISER_LIMIT)
            yield Static(id="err-place", classes="ev-err")
            with Horizontal(classes="ev-row", id="ev-repeat-row"):
                yield Label("截止")
                yield Input(f.until, id="ev-until", classes="w-date", placeholder="日期或10次")
                yield Label("规则")
                yield Input(f.rrule, id="ev-rrule", classes="w-fill", placeholder="FREQ=WEEKLY;BYDAY=MO")
            yield Static(id="err-repeat", classes="ev-err")
            yield TextArea(f.notes, id="ev-notes", soft_wrap=True, tab_behavior="focus", placeholder="备注")
            yield Static(id="err-notes", classes="ev-err")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self._restore_draft()
        self.writer = drafts.DraftWriter(self.app.staff_id, DRAFT_FORM, self.draft_key, viewer=self.app.viewer)
        self._render_head()
        self._render_chips()
        self._show_errors({})
        self.query_one("#ev-title", Input).focus()
        self.set_interval(0.5, self._flush_draft)

    def _start(self) -> dt.date | None:
        try:
            return cal.parse_day(self.query_one("#ev-date", Input).value, field="日期")
        except cal.CalendarError:
            return None

    def _render_head(self) -> None:
        if self.mode == "occurrence":
            text = f"修改重复活动的这一次 ({self.occurrence:%Y-%m-%d} {cal.weekday_name(self.occurrence)}), 系列的其他日期不变"
        elif self.mode == "series":
            text = "修改整个重复系列"
        elif self.mode == "event":
            text = "修改活动"
        else:
            start = self._start()
            text = f"新活动  {start:%Y-%m-%d} {cal.weekday_name(start)}" if start else "新活动"
        self.query_one("#ev-head", Static).update(line(text, one_line=True))

    def _render_chips(self) -> None:
        f = self.form
        start = self._start()
        if self.mode == "occurrence":
            repeat = "这一次不重复"
        elif f.repeat == "不重复":
            repeat = "不重复"
        elif f.repeat == "自定义":
            repeat = "自定义 RRULE"
        else:
            rule = cal.preset_rrule(f.repeat, start) if start else ""
            repeat = f"{cal.preset_label(f.repeat, start)}" + (f"  ({rule})" if rule else "")
        text = f"F2 类别:{f.kind}   F3 重复:{repeat}"
        self.query_one("#ev-chips", Static).update(line(text, one_line=True))
        repeating = self.mode != "occurrence" and f.repeat != "不重复"
        self.query_one("#ev-repeat-row").display = repeating
        self.query_one("#ev-rrule", Input).disabled = f.repeat != "自定义"
        if repeating and f.repeat != "自定义" and start:
            self._loading = True
            self.query_one("#ev-rrule", Input).value = cal.preset_rrule(f.repeat, start)
            self._loading = False

    # -- drafts ---------------------------------------------------------------
    def _restore_draft(self) -> None:
        found = drafts.load_draft(self.app.staff_id, DRAFT_FORM, self.draft_key, viewer=self.app.viewer)
        if not found:
            return
        data, when = found
        self.form = EventForm.from_dict(data)
        self._loading = True
        for name, wid in INPUTS.items():
            self.query_one(f"#{wid}", Input).value = getattr(self.form, name)
        self.query_one("#ev-notes", TextArea).load_text(self.form.notes)
        self._loading = False
        self.notify(f"已恢复 {when:%m-%d %H:%M} 未保存的草稿", timeout=4)

    def _collect(self) -> EventForm:
        f = self.form
        for name, wid in INPUTS.items():
            if name == "rrule" and f.repeat != "自定义":
                continue
            setattr(f, name, self.query_one(f"#{wid}", Input).value)
        if f.repeat != "自定义":
            f.rrule = ""
        f.notes = self.query_one("#ev-notes", TextArea).text
        return f

    def _changed(self) -> bool:
        return self._collect().to_dict() != self.original.to_dict()

    def _draft_data(self) -> dict:
        return self._collect().to_dict()

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        if self._loading:
            return
        self._dirty = True
        if event.input.id == "ev-date":
            if self.mode == "new":
                self._render_head()
            self._render_chips()

    @on(TextArea.Changed)
    def _notes_changed(self) -> None:
        if not self._loading:
            self._dirty = True

    # -- one-key choices --------------------------------------------------------
    def action_cycle_kind(self) -> None:
        kinds = rules.EVENT_KINDS
        self.form.kind = kinds[(kinds.index(self.form.kind) + 1) % len(kinds)] if self.form.kind in kinds else kinds[0]
        self._render_chips()
        self._dirty = True

    def action_cycle_repeat(self) -> None:
        if self.mode == "occurrence":
            self.notify("只改这一次时不能设置重复; 要改重复规则请修改整个系列", severity="warning", timeout=3)
            return
        self._collect()
        presets = cal.RRULE_PRESETS
        self.form.repeat = presets[(presets.index(self.form.repeat) + 1) % len(presets)]
        until = self.query_one("#ev-until", Input)
        start = self._start()
        if self.form.repeat != "不重复" and not until.value.strip() and start:
            until.value = cal.default_until(start, school_id=self.app.school_id)  # a series must end: the term's end to start with
        self._render_chips()
        self._dirty = True

    # -- save / cancel ----------------------------------------------------------
    def _show_errors(self, errors: dict[str, str]) -> None:
        rows: dict[str, list[str]] = {}
        for key, message in errors.items():
            rows.setdefault(ERROR_ROWS.get(key, "err-title"), []).append(message)
        for wid in set(ERROR_ROWS.values()):
            widget = self.query_one(f"#{wid}", Static)
            text = " ".join(rows.get(wid, []))
            widget.update(line(text, one_line=True))
            widget.display = bool(text)

    def action_save(self) -> None:
        form = self._collect()
        values, errors = cal.validate_event(form, occurrence=self.mode == "occurrence")
        self._show_errors(errors)
        if errors:
            first = next(iter(errors))
            target = FOCUS_FOR_ERROR.get(first)
            if target:
                widget = self.query_one(f"#{target}")
                if not widget.disabled and widget.display:
                    focus_to_fix(widget)
            self.notify(f"有 {len(errors)} 处需要修改, 尚未保存", severity="error", timeout=3)
            return
        staff, viewer = self.app.staff_id, self.app.viewer
        try:  # models.calendar checks the role itself (scope.require_event); the form stays as typed
            if self.mode == "occurrence":
                cal.save_occurrence(self.series_id, self.occurrence, values, viewer=viewer, staff_id=staff)
                message = "已保存这一次的修改"
            elif self.event_id is not None:
                dropped = cal.update_series(self.event_id, values, viewer=viewer, staff_id=staff)
                message = "已保存" + (f"; {dropped} 个单次修改已不在新的重复日期上, 已移除" if dropped else "")
            else:
                cal.create_event(values, school_id=self.app.school_id, viewer=viewer, staff_id=staff)
                message = "已保存"
        except ForbiddenError as exc:
            self.notify(str(exc), severity="error", timeout=4, markup=False)
            return
            if values["rrule"]:
                last = cal.check_series(values["rrule"], values["start_date"])
                message += f", 重复到 {last:%Y-%m-%d}"
        self._drop_draft()
        self.notify(message, timeout=3)
        self.dismiss(True)
