"""活动参与: mark which children took part in one occurrence of an event.

Type pinyin initials (zxm), full pinyin or characters to find a child, F2 to show one class,
F3 for all pupils or only the left-behind; space ticks a child, F4 ticks everyone listed,
F5 clears them; ctrl+s saves.
"""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from models import calendar as cal
from models import roster
from models.calendar import Occurrence
from models.scope import ForbiddenError
from screens.confirm import ConfirmScreen
from screens.lines import line
from tui.widgets.checklist import CheckList
from tui.widgets.fields import Input
from tui.widgets.footer import Footer
from tui.widgets.text import clean
from tui.widgets.guard import DatabaseGuard
from tui.chrome import TitleBar


class AttendanceScreen(DatabaseGuard, Screen[bool]):
    BINDINGS = [
        Binding("ctrl+s", "save", "保存", priority=True),
        Binding("escape", "cancel", "取消", priority=True),
        Binding("f2", "next_class", "班级", priority=True),
        Binding("f3", "toggle_scope", "范围", priority=True),
        Binding("f4", "tick_all", "全选所列", priority=True),
        Binding("f5", "clear_all", "清空所列", priority=True),
        Binding("slash", "search", "搜索", show=False),
    ]
    DEFAULT_CSS = """
    #att-head, #att-status { text-wrap: nowrap; text-overflow: clip; }
    #att-head, #att-status { height: 1; padding: 0 1; background: $boost; }
    #att-head { text-style: bold; }
    #att-search { height: 1; border: none; padding: 0 1; }
    #att-search:focus { background: $primary 20%; }
    #att-list { height: 1fr; border: none; }
    """

    def __init__(self, occ: Occurrence) -> None:
        super().__init__()
        self.occ = occ
        self.event_id = occ.root_id
        self.on_date = occ.attendance_date
        self.original: set[int] = set()
        self.chosen: set[int] = set()
        self.rows: list[roster.RosterRow] = []
        self.shown: list[roster.RosterRow] = []
        self.rooms: list[tuple[int, str]] = []
        self.class_index = -1  # -1: every class
        self.left_behind_only = True

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(id="att-head")
        yield Input(placeholder="找孩子: 拼音首字母 zxm、全拼或汉字 (回车到名单, 空格勾选)", id="att-search")
        yield Static(id="att-status")
        yield CheckList(id="att-list")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        school = self.app.school_id
        self.rows = roster.roster_rows(school, viewer=self.app.viewer)
        self.rooms = roster.classrooms(school)
        self.original = cal.attendance(self.event_id, self.on_date)
        self.chosen = set(self.original)
        o = self.occ
        head = f"活动参与  {o.day:%Y-%m-%d} {cal.weekday_name(o.day)}  {o.title}"
        self.query_one("#att-head", Static).update(line(head, one_line=True))
        self._fill()
        self.query_one(Input).focus()

    def _fill(self) -> None:
        query = self.query_one(Input).value.strip()
        classroom = self.rooms[self.class_index][0] if self.class_index >= 0 else None
        rows = roster.filter_rows(self.rows, classroom_id=classroom, left_behind_only=self.left_behind_only)
        # a child already ticked stays listed even outside the scope
        listed = {r.id for r in rows}
        extra = [r for r in self.rows if r.id in self.chosen and r.id not in listed
                 and (classroom is None or r.classroom_id == classroom)]
        rows = rows + extra
        if query:
            rows = roster.search(rows, query)
        self.shown = rows
        self.query_one(CheckList).set_items(
            [(r.id, f"{clean(r.name)}  {clean(r.class_name)}  {'留守' if r.left_behind else ''}") for r in rows],
            self.chosen)
        self._status()

    def _status(self) -> None:
        cls = self.rooms[self.class_index][1] if self.class_index >= 0 else "全部班级"
        scope = "留守儿童" if self.left_behind_only else "全部学生"
        text = f"已选 {len(self.chosen)} 人  列出 {len(self.shown)} 人  {cls}  {scope}"
        self.query_one("#att-status", Static).update(line(text, one_line=True))

    @on(Input.Changed, "#att-search")
    def _search(self) -> None:
        self._fill()

    @on(Input.Submitted, "#att-search")
    def _to_list(self) -> None:
        cl = self.query_one(CheckList)
        if self.shown:
            cl.highlighted = 0
        cl.focus()

    @on(CheckList.Changed, "#att-list")
    def _picked(self) -> None:
        self._status()

    def action_search(self) -> None:
        self.set_focus(self.query_one(Input))  # immediate: see RosterScreen.action_search

    def action_next_class(self) -> None:
        self.class_index = self.class_index + 1 if self.class_index + 1 < len(self.rooms) else -1
        self._fill()

    def action_toggle_scope(self) -> None:
        self.left_behind_only = not self.left_behind_only
        self._fill()

    def action_tick_all(self) -> None:
        self.chosen.update(r.id for r in self.shown)
        self._fill()

    def action_clear_all(self) -> None:
        self.chosen.difference_update(r.id for r in self.shown)
        self._fill()

    def action_save(self) -> None:
        try:  # models.calendar checks who may take the register (scope.may_mark_attendance)
            added, removed = cal.set_attendance(self.event_id, self.on_date, self.chosen, viewer=self.app.viewer,
                                                staff_id=self.app.staff_id)
        except ForbiddenError as exc:
            self.notify(str(exc), severity="error", timeout=4, markup=False)
            return
        self.notify(f"已保存: 参与 {len(self.chosen)} 人 (新增 {added}, 移除 {removed})", timeout=3)
        self.dismiss(True)

    def action_cancel(self) -> None:
        if self.chosen == self.original:
            self.dismiss(False)
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.dismiss(False)

        self.app.push_screen(ConfirmScreen("放弃这次登记吗?", yes="放弃", no="继续登记"), answer)
