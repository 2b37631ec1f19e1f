"""名册: every child of the school, found by pinyin initials as you type.

The rows are loaded once (``models.roster``: one statement) and filtered in memory; the table
(``tui.widgets.virtual_table``) draws only the rows on screen, so a keystroke costs the same for 40
children or 20,000. The first load happens in ``compose``, so the first frame is drawn
complete, status line and all, in one pass; later reloads (another teacher's change, a return
from a form) are ``tui.list_screen.ListScreen``'s.
"""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from models import roster
from models.roster import RosterRow
from models.rules import short_class
from tui.widgets.fields import Input, focus_now
from tui.list_screen import ListScreen
from tui.widgets.footer import Footer
from tui.widgets.text import content
from tui.widgets.virtual_table import VirtualTable
from tui.chrome import TitleBar

TYPE_SHORT = {
    "父母均外出": "双外出",
    "父亲外出": "父外出",
    "母亲外出": "母外出",
    "一方外出另一方无监护能力": "一方无力",
    "其他": "其他",
}

COLUMNS = (
    ("姓名", "name", 8),
    ("班级", "class", 6),
    ("留守", "type", 8),
    ("监护人", "guardian", 6),
    ("标记", "flags", 6),
    ("帮扶", "helper", 6),
    ("谈心", "last_talk", 5),
    ("身份证号", None, 18),
)
SORT_ORDER = ("class", "name", "type", "flags", "helper", "last_talk")
SORT_LABELS = {"class": "班级", "name": "姓名", "type": "留守类型", "flags": "标记",
               "helper": "帮扶教师", "last_talk": "上次谈心"}


def row_cells(r: RosterRow) -> tuple:
    """What the table shows for a child, in COLUMNS order (the marks in bold)."""
    return (
        r.name, short_class(r.class_name), TYPE_SHORT.get(r.left_behind_type, ""), r.guardian_name,
        (r.flags, "bold"), (r.helper or "—") if r.left_behind else "",
        r.last_talk.strftime("%m-%d") if r.last_talk else ("从未" if r.left_behind else ""),
        r.id_masked,
    )


def row_key(r: RosterRow) -> str:
    return str(r.id)


class RosterScreen(ListScreen):
    """The first screen: the school's children, filter, search, open, new, edit."""

    BINDINGS = [
        Binding("slash", "search", "搜索", key_display="/", priority=True),  # see action_search
        Binding("enter", "open", "打开", show=True),
        Binding("t", "talk", "谈心"),
        Binding("n", "new", "新建"),
        Binding("e", "edit", "修改"),
        Binding("f", "filter", "筛选"),
        Binding("s", "sort", "排序"),
        Binding("a", "toggle_scope", "范围"),
        Binding("i", "import", "导入"),
        Binding("x", "absent", "缺课"),
        Binding("X", "class_absent", "全班考勤", show=False),
        Binding("escape", "clear_search", "清除", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[RosterRow] = []
        self.shown: list[RosterRow] = []
        self.query_text = ""
        self.classroom_id: int | None = None
        self.flag: str | None = None
        self.status: str | None = "在读"
        self.left_behind_only = True
        self.sort_key = "class"

    def compose(self) -> ComposeResult:
        self.rows = self.load()
        self.shown = self._select_rows()
        self.loaded = True  # ListScreen.on_mount: no second load
        status, empty = self._status_texts()
        yield TitleBar()
        with Vertical(id="roster-top"):
            yield Static(content(status, one_line=True), id="roster-status")
            yield Input(placeholder="搜索: 拼音首字母 zxm、全拼、汉字、学籍号或电话  (回车到第一个)", id="roster-search")
        message = Static(content(empty or ""), id="roster-empty")
        message.display = empty is not None
        yield message
        yield VirtualTable([(label, width) for label, _key, width in COLUMNS], cells=row_cells, key=row_key,
                           rows=self.shown, id="roster-table", zebra_stripes=True)
        yield Footer(show_command_palette=False)

    # -- data -------------------------------------------------------------
    def load(self) -> list[RosterRow]:
        return roster.roster_rows(self.app.school_id, viewer=self.app.viewer)

    def show(self, data: list[RosterRow]) -> list[RosterRow]:
        self.rows = data
        self.shown = self._select_rows()
        self._update_status()
        return self.shown

    def _select_rows(self) -> list[RosterRow]:
        """The rows the filters, the search and the sort order leave, in the order shown."""
        rows = roster.filter_rows(self.rows, classroom_id=self.classroom_id, flag=self.flag,
                                  status=self.status, left_behind_only=self.left_behind_only)
        if self.query_text:
            rows = roster.search(rows, self.query_text)
        elif self.sort_key != "class":
            rows = sorted(rows, key=roster.SORT_KEYS[self.sort_key])
        return rows

    def refresh_table(self, keep_id: int | None = None) -> None:
        table = self.query_one(VirtualTable)
        if keep_id is None:
            keep_id = self.selected_id()
        rows = self.shown = self._select_rows()
        cursor = 0
        if keep_id is not None:
            cursor = next((i for i, r in enumerate(rows) if r.id == keep_id), 0)
        table.set_rows(rows, cursor=cursor)
        self._update_status()

    def _status_texts(self) -> tuple[str, str | None]:
        """The status line, and the message shown instead of an empty list (None: not empty)."""
        rate = roster.filing_rate(self.shown)
        parts = ["留守儿童" if self.left_behind_only else "全部学生", f"{len(self.shown)} 人"]
        if rate is not None:
            parts.append(f"建档率 {rate:.1%}")
        if self.classroom_id is not None:
            parts.append(dict(roster.classrooms(self.app.school_id)).get(self.classroom_id, ""))
        if self.flag:
            parts.append(self.flag)
        parts.append(f"状态:{self.status or '全部'}")
        if not self.query_text and self.sort_key != "class":
            parts.append(f"按{SORT_LABELS[self.sort_key]}排序")
        msg = None
        if not self.shown:
            if not self.rows:
                msg = "还没有学生档案。\n按 n 新建一个孩子的档案, 或按 i 导入现有的名册 (Excel 或 CSV)。"
            elif self.query_text:
                msg = f"没有找到「{self.query_text}」。\n可以用拼音首字母 (如 zxm)、全拼、汉字、学籍号或电话号码; 按 esc 清除搜索。"
            else:
                msg = "没有符合筛选条件的孩子。按 f 更改筛选, 按 a 显示全部学生。"
        return " · ".join(parts), msg

    def _update_status(self) -> None:
        status, msg = self._status_texts()
        self.query_one("#roster-status", Static).update(content(status, one_line=True))
        empty = self.query_one("#roster-empty", Static)
        empty.display = msg is not None
        if msg is not None:
            empty.update(content(msg))

    def selected_id(self) -> int | None:
        table = self.query_one(VirtualTable)
        if not self.shown or table.cursor_row is None or table.cursor_row >= len(self.shown):
            return None
        return self.shown[table.cursor_row].id

    def select_child(self, child_id: int) -> None:
        for i, r in enumerate(self.shown):
            if r.id == child_id:
                self.query_one(VirtualTable).move_cursor(row=i, animate=False)
                return

    # -- actions ------------------------------------------------------------
    def action_search(self) -> None:
        # Keys typed in one burst ("/zxm" in one SSH packet) must land in the search box: the
        # binding is a priority one (run by the app before it forwards the next keys) and
        # set_focus is immediate (focus() would wait a frame).
        self.set_focus(self.query_one("#roster-search", Input))

    @on(Input.Changed, "#roster-search")
    def _search_changed(self, event: Input.Changed) -> None:
        if event.value.strip() == self.query_text:
            return  # e.g. cleared by escape, which already refreshed
        self.query_text = event.value.strip()
        self.refresh_table(keep_id=-1)  # the cursor on the best match

    @on(Input.Submitted, "#roster-search")
    def _search_submitted(self) -> None:
        table = self.query_one(VirtualTable)
        table.move_cursor(row=0, animate=False)
        focus_now(table)

    def action_clear_search(self) -> None:
        search = self.query_one("#roster-search", Input)
        if search.value:
            keep = self.selected_id()
            search.value = ""
            self.query_text = ""
            self.refresh_table(keep_id=keep)
        focus_now(self.query_one(VirtualTable))

    def action_open(self) -> None:
        child_id = self.selected_id()
        if child_id is None:
            return
        from screens.child_detail import ChildDetailScreen

        self.app.push_screen(ChildDetailScreen(child_id))  # ListScreen.on_screen_resume reloads

    @on(VirtualTable.RowSelected, "#roster-table")
    def _row_selected(self) -> None:
        self.action_open()

    WRITE_ACTIONS = ("new", "edit", "talk", "import", "absent", "class_absent")

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """``x`` (缺课) only for whom ``models.scope`` lets mark absences: hidden from a volunteer; no write
        key at all (footer, palette) for a read-only viewer (``scope.is_read_only``: a 县/乡镇 officer)."""
        if action in self.WRITE_ACTIONS:
            from models import scope

            if scope.is_read_only(self.app.viewer):
                return False
            if action in ("absent", "class_absent"):
                return scope.may_mark_absence(self.app.viewer)
        return True

    def action_absent(self) -> None:
        """控辍保学: x then a digit marks the selected child absent today (screens/absence.py)."""
        from models import scope

        child_id = self.selected_id()
        if child_id is None:
            self.notify("请先选中一个孩子", severity="warning")
            return
        if not scope.may_mark_absence(self.app.viewer):
            self.notify(scope.ABSENCE_FORBIDDEN, severity="warning")
            return
        from screens.absence import AbsenceScreen

        name = self.shown[self.query_one(VirtualTable).cursor_row].name

        def done(message: str | None) -> None:
            if message:
                self.notify(message, timeout=6)

        self.app.push_screen(AbsenceScreen(child_id, name), done)

    def action_class_absent(self) -> None:
        """全班考勤: X opens today's register of the selected child's class (screens/absence.py)."""
        from models import scope

        if not scope.may_mark_absence(self.app.viewer):
            self.notify(scope.ABSENCE_FORBIDDEN, severity="warning")
            return
        row = self.shown[self.query_one(VirtualTable).cursor_row] if self.selected_id() is not None else None
        if row is None or row.classroom_id is None:
            self.notify("请先选中一个孩子 (考勤按他所在的班级)", severity="warning")
            return
        from screens.absence import ClassAbsenceScreen

        self.app.push_screen(ClassAbsenceScreen(row.classroom_id, row.class_name))

    def action_talk(self) -> None:
        child_id = self.selected_id()
        if child_id is None:
            self.notify("请先选中一个孩子", severity="warning")
            return
        from screens.talk_entry import TalkEntryScreen

        self.app.push_screen(TalkEntryScreen(child_id))  # ListScreen.on_screen_resume reloads

    def action_new(self) -> None:
        from screens.child_form import ChildFormScreen

        self.app.push_screen(ChildFormScreen(None, classroom_id=self.classroom_id), self._after_form)

    def action_edit(self) -> None:
        child_id = self.selected_id()
        if child_id is None:
            self.notify("请先选中一个孩子", severity="warning")
            return
        from screens.child_form import ChildFormScreen

        self.app.push_screen(ChildFormScreen(child_id), self._after_form)

    def action_import(self) -> None:
        from models import scope
        from screens.import_screen import ImportScreen

        if not scope.may_import(self.app.viewer):  # teachers, volunteers, counselors: not offered
            self.notify(scope.IMPORT_FORBIDDEN, severity="warning")
            return
        self.app.push_screen(ImportScreen())  # ListScreen.on_screen_resume reloads

    def _after_form(self, saved_id: int | None) -> None:
        if saved_id is None:
            return
        if not any(r.id == saved_id for r in self.rows):
            self.reload()  # resumed before the save was in (a save in the background)
        self.select_child(saved_id)

    def action_sort(self) -> None:
        i = SORT_ORDER.index(self.sort_key)
        self.sort_key = SORT_ORDER[(i + 1) % len(SORT_ORDER)]
        self.refresh_table()
        self.notify(f"按{SORT_LABELS[self.sort_key]}排序", timeout=1.5)

    def action_toggle_scope(self) -> None:
        self.left_behind_only = not self.left_behind_only
        self.refresh_table()

    def action_filter(self) -> None:
        from screens.roster_filter import RosterFilter, RosterFilterScreen

        current = RosterFilter(self.classroom_id, self.flag, self.status, self.left_behind_only)

        def apply(result: RosterFilter | None) -> None:
            if result is None:
                return
            self.classroom_id, self.flag, self.status, self.left_behind_only = result
            self.refresh_table()

        self.app.push_screen(RosterFilterScreen(current, roster.classrooms(self.app.school_id)), apply)
