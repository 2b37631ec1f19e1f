"""建档 / 修改档案: one child's record as a form in the order of the national registration form.

``ctrl+s`` validates everything and saves nothing while any field is wrong; each message
shows right under its field. A new child is checked for likely duplicates first.
``escape`` cancels, asking first when something was changed. The screen is dismissed with
the saved child's id, or None when cancelled. The 身份证号 is unmasked only here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.content import Content
from textual.css.query import NoMatches
from textual.events import DescendantBlur, DescendantFocus
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Checkbox, Label, Select, Static

from models import child_fields, children, drafts
from models.children import GRANDPARENT_FIELDS, GRANDPARENT_KEYS, PARENT_FIELDS, PARENT_KEYS
from models.roster import classrooms
from models import conflicts
from models.conflicts import ConflictError
from models.scope import ForbiddenError
from screens.confirm import ConfirmScreen
from screens.conflict import ConflictScreen, show_value
from screens.saving import BackgroundSave
from tui.widgets.fields import Input, TextArea, focus_to_fix
from tui.widgets.footer import Footer
from tui.widgets.text import clean, content
from tui.widgets.guard import DatabaseGuard
from tui.chrome import TitleBar


@dataclass(frozen=True)
class Field:
    key: str  # the validate_child error key; the widget id is f"f-{key}"
    label: str
    kind: str = "input"  # input | select | check | multi | classroom | bus | notes
    options: tuple[str, ...] = ()
    placeholder: str = ""
    required: bool = False


def _parent_fields(key: str) -> list[Field]:
    return [
        Field(f"{key}_name", "姓名"),
        Field(f"{key}_phone", "联系电话", placeholder="手机或带区号的固定电话"),
        Field(f"{key}_work_province", "务工省份", placeholder="如 广东省"),
        Field(f"{key}_work_city", "务工城市", placeholder="如 东莞市"),
        Field(f"{key}_home_visits", "回家频率", placeholder="如 每年春节"),
        Field(f"{key}_away", "在外务工", "check"),
        Field(f"{key}_away_since", "外出时间", placeholder="如 2024-02-20"),
        Field(f"{key}_birth_date", "出生日期", placeholder="如 1985-03-02"),
        Field(f"{key}_id_number", "身份证号"),
        Field(f"{key}_deceased", "已故", "check"),
    ]


_WIDGET = {child_fields.CHOICE: "select", child_fields.MULTI: "multi", child_fields.BOOL: "check",
           child_fields.NOTES: "notes"}


def _section(group: str) -> list[Field]:
    """A form section's child fields as the registry (models/child_fields.py) describes them."""
    return [Field(f.name, f.form_label or f.label,
                  ("classroom" if f.name == "classroom" else "bus") if f.kind == child_fields.LINK
                  else _WIDGET.get(f.kind, "input"), f.choices, f.hint, bool(f.required))
            for f in child_fields.FIELDS if f.group == group]


FORM: tuple[tuple[str, list[Field]], ...] = (
    ("儿童基本情况", _section("儿童基本情况")),
    ("学籍", _section("学籍")),
    ("父亲", _parent_fields("father")),
    ("母亲", _parent_fields("mother")),
    ("祖父母、外祖父母", [  # the national form's 祖辈 (a dead one prints "—")
        field for relation, key in GRANDPARENT_KEYS.items() for field in (
            Field(f"{key}_name", f"{relation}姓名"),
            Field(f"{key}_birth_date", f"{relation}出生日期", placeholder="如 1955-03-02"),
            Field(f"{key}_deceased", f"{relation}已故", "check"),
        )
    ]),
    *((group, _section(group)) for group in ("实际监护情况", "家庭收入与救助", "三特生与帮扶", "个人情况")),
)
FIELDS: tuple[Field, ...] = tuple(f for _, fields in FORM for f in fields)
FIELD_BY_KEY = {f.key: f for f in FIELDS}
PARENT_PREFIXES = {f"{key}_": relation for relation, key in PARENT_KEYS.items()}
GRANDPARENT_PREFIXES = {f"{key}_": relation for relation, key in GRANDPARENT_KEYS.items()}


class Tick(Checkbox):
    """A checkbox drawn with ASCII '[X]' / '[ ]': block glyphs are double-width in many
    Chinese terminals, and an 'X' that is only dimmed is invisible at 16 colours."""

    @property
    def _button(self) -> Content:
        return Content.assemble(("[X]" if self.value else "[ ]", self.get_visual_style("toggle--button")))


def flatten(values: dict) -> dict[str, Any]:
    """load_form_values() -> one value per form key (parents as father_name ...)."""
    flat = {k: v for k, v in values.items() if k not in ("parents", "grandparents")}
    for p in values.get("parents", []):
        key = PARENT_KEYS[p["relation"]]
        for f in PARENT_FIELDS:
            flat[f"{key}_{f}"] = p.get(f, "")
    for g in values.get("grandparents", []):
        key = GRANDPARENT_KEYS[g["relation"]]
        for f in GRANDPARENT_FIELDS:
            flat[f"{key}_{f}"] = g.get(f, False if f == "deceased" else "")
    return flat


def unflatten(flat: dict[str, Any]) -> dict:
    data = {k: v for k, v in flat.items() if not k.startswith(tuple(PARENT_PREFIXES) + tuple(GRANDPARENT_PREFIXES))}
    data["parents"] = [
        {"relation": relation, **{f: flat.get(f"{key}_{f}", "") for f in PARENT_FIELDS}}
        for relation, key in PARENT_KEYS.items()
    ]
    data["grandparents"] = [
        {"relation": relation, **{f: flat.get(f"{key}_{f}", "") for f in GRANDPARENT_FIELDS}}
        for relation, key in GRANDPARENT_KEYS.items()
    ]
    return data


DRAFT_FORM = "child"
FORM_HINT = "Tab/Shift+Tab 换项  回车或空格: 展开选项、勾选  Ctrl+S 保存  Esc 取消"


class ChildFormScreen(DatabaseGuard, BackgroundSave, Screen[int | None]):
    """New or edit; dismissed with the saved child's id, or None when cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "save", "保存", priority=True),
        Binding("escape", "cancel", "取消"),
        # The app's one-key shortcuts must not fire (and quit) from a checkbox or choice.
        *(Binding(k, "ignore", show=False) for k in ("q", "1", "2", "3", "4", "5")),
    ]

    DEFAULT_CSS = """
    ChildFormScreen #form-title {
        height: 1;
        padding: 0 1;
        text-style: bold;
    }
    ChildFormScreen #form-hint {
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    ChildFormScreen #form-hint.save-error {
        color: $text-error;
        text-style: bold;
    }
    ChildFormScreen #form-body {
        height: 1fr;
        scrollbar-size-vertical: 1;
    }
    ChildFormScreen .heading {
        height: 1;
        margin-top: 1;
        padding: 0 1;
        background: $primary-muted;
        color: $text;
        text-style: bold;
    }
    ChildFormScreen .section {
        grid-size: 2;
        grid-columns: 16 1fr;
        grid-rows: auto;
        height: auto;
        padding: 0 1;
    }
    ChildFormScreen .label {
        width: 16;
        height: 1;
    }
    ChildFormScreen .label.current {
        text-style: reverse bold;
    }
    ChildFormScreen .section > Input, ChildFormScreen .section > Select {
        width: 1fr;
    }
    ChildFormScreen .section > Input:focus, ChildFormScreen .section > TextArea:focus {
        background: $primary 40%;  /* the field being typed in is seen at a glance, in 16 colours too */
    }
    ChildFormScreen Select .arrow {
        display: none !important;
    }
    ChildFormScreen .section > TextArea {
        width: 1fr;
        height: 6;
        min-height: 6;  /* a grid's auto row measures the content; the notes keep their six lines */
    }
    ChildFormScreen .multi {
        width: 1fr;
        height: auto;
        grid-size: 3;
        grid-rows: 1;
        grid-gutter: 0 1;
    }
    ChildFormScreen .error-gap {
        width: 16;
        height: 1;
    }
    ChildFormScreen .error {
        height: auto;
        color: $text-error;
        text-style: bold;
    }
    """

    def __init__(self, child_id: int | None, classroom_id: int | None = None) -> None:
        super().__init__()
        self.child_id = child_id
        self.classroom_id = classroom_id
        self.refused: str | None = None  # models.scope said no: said and closed on mount
        self.initial: dict[str, Any] = {}  # read by compose (_open): nothing read or logged before it is shown
        self.version = None  # the version loaded: a save over a newer one shows both (screens/conflict.py)
        self.snapshot: dict[str, Any] | None = None
        self.shown_errors: dict[str, str] = {}
        self._widgets: dict[str, Any] = {}
        self._errors: dict[str, Static] = {}
        self._gaps: dict[str, Static] = {}  # the blank label-column cell beside each error line
        self._labels: dict[str, Label] = {}  # the label of each field, shown reversed while it has focus
        self._current: str | None = None  # the field whose label is shown as current
        self.saved_id: int | None = None  # saved once, then kept open for edits typed during that save
        self.writer: drafts.DraftWriter | None = None
        self._drafted: dict[str, Any] | None = None  # the values last handed to the draft writer

    # -- layout ---------------------------------------------------------------
    def _open(self) -> None:
        """Load the record the form starts with. Here, not in the constructor: an existing child's
        full numbers are checked and their look written to the audit log only when the form is
        shown, not when a screen object is made."""
        try:
            loaded = children.open_form(self.child_id, viewer=self.app.viewer, classroom_id=self.classroom_id)
        except ForbiddenError as exc:
            self.refused, loaded = str(exc), children.load_form_values(None)
        self.initial = flatten(loaded)
        self.version = children.child_version(self.child_id) if self.child_id is not None else None

    def compose(self) -> ComposeResult:
        self._open()
        school_id = self.app.school_id
        self._classrooms = classrooms(school_id)
        self._routes = children.bus_routes(school_id)
        yield TitleBar(strip=False)
        if self.child_id is None:
            title = "新建档案"
        else:
            title = f"修改档案: {self.initial.get('name', '')}"
        yield Static(content(title, one_line=True), id="form-title")
        yield Static(FORM_HINT, id="form-hint", markup=False)
        with VerticalScroll(id="form-body", can_focus=False):
            for title, fields in FORM:
                yield Static(title, classes="heading", markup=False)
                # One grid per section (a label column and a field column), not a row container
                # per field: a third fewer widgets to build and lay out when the form opens.
                # Error lines are mounted under a field only when needed, for the same reason.
                with Grid(classes="section"):
                    for f in fields:
                        label = Label(f.label + (" *" if f.required else ""), classes="label", markup=False)
                        self._labels[f.key] = label
                        yield label
                        yield from self._widget(f)
        yield Footer(show_command_palette=False)

    def _widget(self, f: Field):
        value = self.initial.get(f.key)
        wid = f"f-{f.key}"
        if f.kind == "input":
            yield Input(value=str(value or ""), placeholder=f.placeholder, id=wid, compact=True)
        elif f.kind == "notes":
            yield TextArea(str(value or ""), id=wid, compact=True, soft_wrap=True, tab_behavior="focus")
        elif f.kind == "check":
            yield Tick("是", value=bool(value), id=wid, compact=True)
        elif f.kind == "multi":
            chosen = set(value or [])
            with Grid(classes="multi"):
                for i, option in enumerate(f.options):
                    yield Tick(option, value=option in chosen, id=f"{wid}-{i}", compact=True)
        else:
            if f.kind == "classroom":
                options = [(content(name, one_line=True), cid) for cid, name in self._classrooms]
            elif f.kind == "bus":
                options = [(content(name, one_line=True), rid) for rid, name in self._routes]
            else:
                options = [(o, o) for o in f.options]
            legal = {v for _, v in options}
            prompt = "不乘校车" if f.kind == "bus" else ("未分班" if f.kind == "classroom" else "请选择")
            yield Select(options, value=value if value in legal else Select.NULL, prompt=prompt,
                         allow_blank=True, id=wid, compact=True)

    def on_mount(self) -> None:
        if self.refused:
            self.notify(self.refused, severity="error", timeout=5, markup=False)
            self.dismiss(None)
            return
        self.query_one("#f-name", Input).focus()
        self.call_after_refresh(self._take_snapshot)

    def _take_snapshot(self) -> None:
        self.snapshot = self.gather()
        self._restore_draft()
        self.writer = drafts.DraftWriter(self.app.staff_id, DRAFT_FORM, self.draft_key, viewer=self.app.viewer)
        self.set_interval(0.5, self._flush_draft)

    # -- the draft: edits survive a lost session, a full disk, a crash ---------
    @property
    def draft_key(self) -> str:
        """Per staff member and record (``models.drafts``); the form itself checks the scope."""
        return f"record:{self.child_id}" if self.child_id is not None else "record:new"

    def _restore_draft(self) -> None:
        found = drafts.load_draft(self.app.staff_id, DRAFT_FORM, self.draft_key, viewer=self.app.viewer)
        values = found[0].get("values") if found else None
        if not isinstance(values, dict):
            return
        for f in FIELDS:
            if f.key in values:
                self.set_value(f.key, values[f.key])
        self._drafted = self.gather()
        self.notify(f"已恢复 {found[1]:%m-%d %H:%M} 未保存的修改", timeout=4)

    def _flush_draft(self) -> None:
        """Twice a second: the form's values to the draft, from the writer's thread, if changed."""
        if self.writer is None:
            return
        current = self.gather()
        if current != self._drafted and (self._drafted is not None or current != self.snapshot):
            self._drafted = current
            self.writer.put({"values": current})

    def _drop_draft(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
            drafts.delete_draft(self.app.staff_id, DRAFT_FORM, self.draft_key)
        self._drafted = None

    def on_unmount(self) -> None:
        if self.writer is None:
            return
        try:  # the app quit with the form open: keep the newest values as the draft
            self._flush_draft()
            self.writer.flush()
        except NoMatches:  # the widgets went first: the last snapshot is already written
            pass
        self.writer.close()

    def dismiss(self, result: int | None = None):
        """Saved or given up on purpose: the draft has served (quitting the app keeps it)."""
        self._drop_draft()
        return super().dismiss(result)

    # -- reading the widgets --------------------------------------------------
    def _w(self, widget_id: str) -> Any:
        """The widget with this id; looked up once (a DOM walk per field adds up on a slow PC)."""
        widget = self._widgets.get(widget_id)
        if widget is None:
            widget = self._widgets[widget_id] = self.query_one(f"#{widget_id}")
        return widget

    def read(self, key: str) -> Any:
        f = FIELD_BY_KEY[key]
        wid = f"f-{key}"
        if f.kind == "input":
            return self._w(wid).value
        if f.kind == "notes":
            return self._w(wid).text
        if f.kind == "check":
            return self._w(wid).value
        if f.kind == "multi":
            return [o for i, o in enumerate(f.options) if self._w(f"{wid}-{i}").value]
        value = self._w(wid).value
        if value is Select.NULL:
            return None if f.kind in ("classroom", "bus") else ""
        return value

    def set_value(self, key: str, value: Any) -> None:
        """Put a value (in ``read``'s shape) into its widget."""
        f = FIELD_BY_KEY[key]
        wid = f"f-{key}"
        if f.kind == "input":
            self._w(wid).value = "" if value is None else str(value)
        elif f.kind == "notes":
            self._w(wid).load_text("" if value is None else str(value))
        elif f.kind == "check":
            self._w(wid).value = bool(value)
        elif f.kind == "multi":
            chosen = set(value or [])
            for i, option in enumerate(f.options):
                self._w(f"{wid}-{i}").value = option in chosen
        else:
            select = self._w(wid)
            try:
                select.value = Select.NULL if value in (None, "") else value
            except Exception:  # a value the choices do not offer (old data)
                select.value = Select.NULL

    def gather(self) -> dict[str, Any]:
        return {f.key: self.read(f.key) for f in FIELDS}

    def raw_data(self) -> dict:
        return unflatten(self.gather())

    def is_dirty(self) -> bool:
        return self.snapshot is not None and self.gather() != self.snapshot

    def widget_for(self, key: str) -> Widget:
        f = FIELD_BY_KEY[key]
        return self._w(f"f-{key}-0" if f.kind == "multi" else f"f-{key}")

    def cell_for(self, key: str) -> Widget:
        """The field's cell in its section's grid (a multi choice's ticks are one cell)."""
        widget = self.widget_for(key)
        return widget.parent if FIELD_BY_KEY[key].kind == "multi" else widget

    def label_for(self, key: str) -> Label:
        return self._labels[key]

    @staticmethod
    def key_of(widget: Widget | None) -> str | None:
        wid = getattr(widget, "id", None) or ""
        if not wid.startswith("f-"):
            return None
        key = wid[2:]
        if key not in FIELD_BY_KEY and "-" in key:
            key = key.rsplit("-", 1)[0]
        return key if key in FIELD_BY_KEY else None

    # -- errors ---------------------------------------------------------------
    def error_line(self, key: str) -> Static | None:
        """The error line under a field, if one was ever shown there."""
        return self._errors.get(key)

    def show_error(self, key: str, message: str | None) -> None:
        err = self._errors.get(key)
        if message:
            if self.shown_errors.get(key) == message:
                return
            self.shown_errors[key] = message
            if err is None:
                # under the field, in the field column (a blank cell under the label)
                gap = self._gaps[key] = Static(classes="error-gap")
                err = self._errors[key] = Static(content(message, one_line=True), id=f"e-{key}", classes="error")
                cell = self.cell_for(key)
                cell.parent.mount(gap, err, after=cell)
            else:
                err.update(content(message, one_line=True))
                err.display = self._gaps[key].display = True
        elif key in self.shown_errors:
            del self.shown_errors[key]
            if err is not None:
                err.display = self._gaps[key].display = False

    def show_errors(self, errors: dict[str, str]) -> None:
        for f in FIELDS:
            self.show_error(f.key, errors.get(f.key))

    def _key_within(self, widget: Widget | None) -> str | None:
        """The field a widget belongs to: the field itself, a tick of it, or a part of it (a choice's list)."""
        while widget is not None and widget is not self:
            key = self.key_of(widget)
            if key is not None:
                return key
            widget = widget.parent
        return None

    def _show_current(self, key: str | None) -> None:
        """The label of the field being filled is shown reversed (what ``:focus-within`` on a row did)."""
        if key == self._current:
            return
        if self._current is not None:
            self._labels[self._current].remove_class("current")
        if key is not None:
            self._labels[key].add_class("current")
        self._current = key

    @on(DescendantFocus)
    def _mark_current(self, event: DescendantFocus) -> None:
        self._show_current(self._key_within(event.widget))

    @on(DescendantBlur)
    def _unmark_current(self, event: DescendantBlur) -> None:
        if self._key_within(event.widget) == self._current:
            self._show_current(None)

    @on(DescendantBlur)
    def _validate_on_blur(self, event: DescendantBlur) -> None:
        key = self.key_of(event.widget)
        if key is None or not self.is_attached or self.app.screen is not self:
            return
        _, errors = children.validate_child(self.raw_data(), child_id=self.child_id,
                                            lookup=children.ChildLookup(self.app.viewer))
        for shown in list(self.shown_errors):
            if shown not in errors:
                self.show_error(shown, None)
            elif shown != key:
                self.show_error(shown, errors[shown])
        value = self.read(key)
        if key in errors and (value not in ("", None, [], False) or key in self.shown_errors):
            self.show_error(key, errors[key])
        elif key not in errors:
            self.show_error(key, None)

    # -- the ID number fills birth date and sex -------------------------------
    @on(Input.Changed, "#f-id_number")
    def _id_changed(self, event: Input.Changed) -> None:
        found = children.fill_from_id(event.value)
        if found is None:
            return
        birth, sex = found
        birth_input = self.query_one("#f-birth_date", Input)
        if not birth_input.value.strip():
            birth_input.value = birth.isoformat()
        sex_select = self.query_one("#f-sex", Select)
        if sex_select.value is Select.NULL:
            sex_select.value = sex

    # -- actions --------------------------------------------------------------
    def action_ignore(self) -> None:
        """Swallow the app's one-key shortcuts while the form is open."""

    def action_save(self) -> None:
        if self.saving:  # one save at a time; its outcome is on its way
            return
        clean_values, errors = children.validate_child(self.raw_data(), child_id=self.child_id,
                                                       lookup=children.ChildLookup(self.app.viewer))
        self.show_errors(errors)
        if errors:
            first = next(f.key for f in FIELDS if f.key in errors)
            focus_to_fix(self.widget_for(first))
            body: VerticalScroll = self._w("form-body")
            self.call_after_refresh(body.scroll_to_widget, self._errors[first], animate=False)
            self.notify(f"有 {len(errors)} 处需要修改", severity="error")
            return
        if self.child_id is None:
            duplicates = children.find_duplicates(clean_values, viewer=self.app.viewer)
            if duplicates:
                lines = ["可能重复:"] + [f"{d['name']} {d['class_name']} ({d['reason']})" for d in duplicates]
                lines.append("")
                lines.append("确定这是另一个孩子吗?")

                def decided(go_on: bool | None) -> None:
                    if go_on:
                        self._write(clean_values)

                self.app.push_screen(ConfirmScreen("\n".join(lines), yes="仍然保存", no="返回修改"), decided)
                return
        self._write(clean_values)

    def show_save_state(self, text: str, *, error: bool) -> None:
        """The line above the form: 正在保存…, or why the save failed (the edits stay)."""
        self.query_one("#form-hint", Static).update(content(text, one_line=True) if text else FORM_HINT)
        self.query_one("#form-hint", Static).set_class(error, "save-error")

    def _write(self, clean_values: dict) -> None:
        """Save in a thread worker (``screens.saving``): the form keeps taking keys while another
        user's write holds the database, and every failure leaves the edits in it."""
        snapshot = self.gather()
        child_id, version = self.child_id, self.version
        school_id, staff_id, viewer = self.app.school_id, self.app.staff_id, self.app.viewer

        def job() -> int:  # in the worker thread: model calls only
            return children.save_child(clean_values, child_id=child_id, school_id=school_id, staff_id=staff_id,
                                       viewer=viewer, expected_updated_at=version)

        self.start_save(job, lambda saved_id: self._saved(saved_id, clean_values, snapshot))

    def _saved(self, saved_id: int, clean_values: dict, snapshot: dict[str, Any]) -> None:
        name = clean(clean_values["name"])
        if self.gather() == snapshot:
            if self.child_id is not None and self.snapshot == snapshot:
                self.notify("没有修改", timeout=2)
            else:
                self.notify(f"已保存 {name} 的档案", timeout=2)
            self.dismiss(saved_id)
            return
        # Edited on while the save waited: the saved values are the new starting point and the
        # later edits stay in the form (and the record's draft), saved over this version next.
        self._drop_draft()
        self.child_id = self.saved_id = saved_id
        self.writer = drafts.DraftWriter(self.app.staff_id, DRAFT_FORM, self.draft_key, viewer=self.app.viewer)
        self.version = children.child_version(saved_id)
        self.snapshot = snapshot
        self.query_one("#form-title", Static).update(content(f"修改档案: {name}", one_line=True))
        self.show_save_state(f"已保存 {name} 的档案; 保存时输入的修改还没有保存, 按 Ctrl+S 保存", error=False)

    def save_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ConflictError):
            self.show_save_state("", error=False)
            self._conflict(exc)
            return
        if isinstance(exc, (children.SaveError, ForbiddenError)):
            self.show_save_state(str(exc), error=True)
            self.notify(str(exc), severity="error", markup=False)
            return
        super().save_failed(exc)

    # -- someone else saved meanwhile ----------------------------------------
    def field_label(self, key: str) -> str:
        for prefix, relation in PARENT_PREFIXES.items():
            if key.startswith(prefix):
                return relation + FIELD_BY_KEY[key].label
        return FIELD_BY_KEY[key].label

    def _show_conflict_value(self, row, value: Any) -> str:
        kind = FIELD_BY_KEY[row.key].kind
        if kind == "classroom":
            return dict(self._classrooms).get(value, "未分班") if value else "未分班"
        if kind == "bus":
            return dict(self._routes).get(value, "不乘校车") if value else "不乘校车"
        return show_value(value)

    def _conflict(self, exc: ConflictError) -> None:
        theirs = flatten(exc.current)
        if not self.is_dirty():  # nothing of mine to keep: their version stands
            self.notify(f"{exc}; 你没有修改, 已显示对方的版本", timeout=4)
            self.dismiss(self.child_id)
            return
        base, mine = self.snapshot or self.initial, self.gather()
        keys = [f.key for f in FIELDS]
        rows = conflicts.conflict_rows(base, mine, theirs, keys, label=self.field_label)

        def chosen(choice: str | None) -> None:
            if choice == "mine":
                merged = conflicts.keep_mine(base, mine, theirs, keys)
                self._load_version(theirs, exc.updated_at)
                for key in keys:
                    if merged.get(key) != theirs.get(key):
                        self.set_value(key, merged.get(key))
                self.action_save()
            elif choice == "theirs":
                self._load_version(theirs, exc.updated_at)
                self.notify("已载入对方的版本; 可以继续修改或按 esc 关闭", timeout=4)

        self.app.push_screen(ConflictScreen(str(exc), rows, show=self._show_conflict_value), chosen)

    def _load_version(self, values: dict[str, Any], version) -> None:
        """Show ``values`` (another user's save) as the form's new starting point."""
        for f in FIELDS:
            self.set_value(f.key, values.get(f.key))
        self.version = version
        self.snapshot = self.gather()
        self.show_errors({})

    def action_cancel(self) -> None:
        if self.saving:  # leaving now would lose the outcome (and, on failure, the edits)
            self.notify("正在保存, 请稍候", timeout=2)
            return
        if not self.is_dirty():
            self.dismiss(self.saved_id)
            return

        def decided(drop: bool | None) -> None:
            if drop:
                self.dismiss(self.saved_id)

        self.app.push_screen(ConfirmScreen("放弃未保存的修改吗?", yes="放弃修改", no="继续填写"), decided)

