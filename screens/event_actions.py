"""The event keys shared by the month view and the day agenda: which of n/e/d/a the viewer may
use, and what e (修改), d (删除) and a (参与) open — asking first which occurrence, and for a
repeating event whether this date or the whole series.

It sits between the calendar screens and the forms it opens (event form, attendance,
confirmation), so the month view and the day agenda share it without importing each other.
"""
from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from models import calendar as cal
from models import scope
from models.calendar import Occurrence
from models.scope import ForbiddenError
from screens.attendance import AttendanceScreen
from screens.confirm import ConfirmScreen
from screens.event_form import EventFormScreen
from screens.lines import occ_line
from tui.widgets.guard import DatabaseGuard
from tui.widgets.text import clean, content


class ChoiceScreen(DatabaseGuard, ModalScreen[int | None]):
    """Pick one line of a short list: arrows and enter, or its number; esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "取消")]
    DEFAULT_CSS = """
    ChoiceScreen { align: center middle; }
    #choice-box { width: 70; max-width: 100%; height: auto; max-height: 20; border: round $primary;
                  background: $surface; padding: 0 1; }
    #choice-list { height: auto; max-height: 14; border: none; }
    """

    def __init__(self, title: str, options: list[str]) -> None:
        super().__init__()
        self.title_text, self.options = title, options

    def compose(self) -> ComposeResult:
        with Vertical(id="choice-box"):
            yield Static(content(self.title_text, one_line=True))
            yield OptionList(*[Option(content(f"{i + 1} {o}", one_line=True), id=str(i))
                               for i, o in enumerate(self.options)], id="choice-list")

    def on_mount(self) -> None:
        ol = self.query_one(OptionList)
        ol.highlighted = 0
        ol.focus()

    def on_key(self, event: events.Key) -> None:
        if event.character and event.character.isdigit():
            n = int(event.character) - 1
            if 0 <= n < len(self.options):
                event.stop()
                self.dismiss(n)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)


# --------------------------------------------------------------------------- shared event actions


def choose_occurrence(screen: Screen, occs: list[Occurrence], verb: str, then) -> None:
    """One occurrence: ``then(occ)`` at once; several: ask which."""
    if not occs:
        screen.notify("这一天没有活动, 按 n 新建", severity="warning", timeout=3)
        return
    if len(occs) == 1:
        then(occs[0])
        return

    def picked(i: int | None) -> None:
        if i is not None:
            then(occs[i])

    screen.app.push_screen(ChoiceScreen(f"{verb}哪一项?", [occ_line(o) for o in occs]), picked)


# --------------------------------------------------------------------------- who may use the keys


class EventKeys:
    """The event keys of the month view and the day agenda (n 新建, e 修改, d 删除, a 参与): shown
    only when ``models.scope`` allows them for the viewer (and, for e/d/a, an event in reach);
    pressed anyway, a hidden twin binding answers with the Chinese reason. ``models.calendar``
    checks the role again on every write: hiding a key is never the protection.

    A screen using it calls ``load_owners`` after reading its occurrences and defines
    ``_key_occs`` (the occurrences e/d/a act on)."""

    KEY_BINDINGS = [
        Binding("n", "refuse('create')", show=False),
        Binding("e", "refuse('edit')", show=False),
        Binding("d", "refuse('delete')", show=False),
        Binding("a", "refuse('attendance')", show=False),
    ]
    owners: dict[int, scope.EventOwner] = {}

    def load_owners(self, occs: list[Occurrence]) -> None:
        self.owners = cal.event_owners(o.root_id for o in occs)
        self.refresh_bindings()

    def may(self, action: str, occ: Occurrence) -> bool:
        owner = self.owners.get(occ.root_id)
        if owner is None:
            return False
        if action == "attendance":
            return scope.may_mark_attendance(self.app.viewer, owner)
        return scope.may_change_event(self.app.viewer, owner)

    def allowed(self, action: str) -> list[Occurrence]:
        return [o for o in self._key_occs() if self.may(action, o)]

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "new":
            return scope.may_create_event(self.app.viewer, self.app.school_id)
        if action in ("edit", "delete", "attendance"):
            return bool(self.allowed(action))
        return True

    def action_refuse(self, action: str) -> None:
        if action != "create" and not self._key_occs():
            message = "这一天没有活动" + (", 按 n 新建" if self.check_action("new", ()) else "")
        else:
            message = scope.EVENT_FORBIDDEN[action]
        self.notify(message, severity="warning", timeout=4, markup=False)


def run_refusable(screen: Screen, write) -> bool:
    """Run a calendar write; a ``ForbiddenError`` (the model's own check) becomes its notice."""
    try:
        write()
    except ForbiddenError as exc:
        screen.notify(str(exc), severity="error", timeout=4, markup=False)
        return False
    return True


def edit_occurrence(screen: Screen, occ: Occurrence, done) -> None:
    """Edit an event; for a series, first ask: this date only, or the whole series."""
    if not occ.recurring:
        screen.app.push_screen(EventFormScreen(event_id=occ.root_id), done)
        return

    def scope(i: int | None) -> None:
        if i == 0:
            screen.app.push_screen(EventFormScreen(series_id=occ.root_id, occurrence=occ.occurrence, occ=occ), done)
        elif i == 1:
            screen.app.push_screen(EventFormScreen(event_id=occ.root_id), done)

    screen.app.push_screen(ChoiceScreen(f"“{occ.title}”是重复活动, 修改:",
                                        [f"只改这一次 ({occ.day:%m-%d})", "整个系列"]), scope)


def delete_occurrence(screen: Screen, occ: Occurrence, done) -> None:
    """Delete with confirmation; for a series: this date only, or the whole series."""
    staff, viewer = screen.app.staff_id, screen.app.viewer

    def confirm(question: str, action) -> None:
        def answer(yes: bool | None) -> None:
            if yes and run_refusable(screen, action):
                screen.notify("已删除", timeout=2)
                done(True)

        screen.app.push_screen(ConfirmScreen(question, yes="删除", no="不删"), answer)

    def whole() -> None:
        n = cal.attendance_count(occ.root_id)
        extra = f", 连同 {n} 条活动参与记录" if n else ""
        what = "整个系列" if occ.recurring else "这项活动"
        confirm(f"删除{what}“{clean(occ.title)}”{extra}? 删除后不能恢复。",
                lambda: cal.delete_event(occ.root_id, viewer=viewer, staff_id=staff))

    if not occ.recurring:
        whole()
        return

    def scope(i: int | None) -> None:
        if i == 0:
            n = cal.attendance_count(occ.root_id, occ.occurrence)
            extra = f", 连同 {n} 条活动参与记录" if n else ""
            confirm(f"删除 {occ.day:%m-%d} 这一次“{clean(occ.title)}”{extra}? 系列的其他日期不变。",
                    lambda: cal.cancel_occurrence(occ.root_id, occ.occurrence, viewer=viewer, staff_id=staff))
        elif i == 1:
            whole()

    screen.app.push_screen(ChoiceScreen(f"“{occ.title}”是重复活动, 删除:",
                                        [f"只删这一次 ({occ.day:%m-%d})", "删除整个系列"]), scope)


def open_attendance(screen: Screen, occ: Occurrence, done) -> None:
    screen.app.push_screen(AttendanceScreen(occ), done)
