"""名册: every child of the school, found by pinyin initials as you type."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from models import roster
from models.roster import RosterRow
from tui.text import content, text

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


def short_class(name: str) -> str:
    """三年级2班 -> 3年2班: the grade as a digit keeps the column narrow."""
    for i, g in enumerate("一二三四五六七八九", start=1):
        if name.startswith(f"{g}年级"):
            return f"{i}年{name[3:]}"
    return name


class RosterScreen(Screen):
    """The first screen: the school's children, filter, search, open, new, edit."""

    BINDINGS = [
        Binding("slash", "search", "搜索", key_display="/", priority=True),  # see action_search
        Binding("enter", "open", "打开", show=True),
        Binding("t", "talk", "谈心"),
        Binding("n", "new", "新建"),
        Binding("e", "edit", "修改"),
        Binding("f", "filter", "筛选"),
        Binding("s", "sort", "排序", show=False),
        Binding("a", "toggle_scope", "范围"),
        Binding("i", "import", "导入", show=False),
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
        yield Header()
        with Vertical(id="roster-top"):
            yield Static(id="roster-status")
            yield Input(placeholder="搜索: 拼音首字母 zxm、全拼、汉字、学籍号或电话  (回车到第一个)", id="roster-search")
        yield Static(id="roster-empty")
        table = DataTable(id="roster-table", cursor_type="row", zebra_stripes=True)
        for label, key, width in COLUMNS:
            table.add_column(label, key=key or "id", width=width)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self.query_one(DataTable).focus()

    def on_screen_resume(self) -> None:
        """Back from another section (a pairing or a talk changed): show the current data."""
        if self.is_mounted and self.rows:
            self.reload()

    # -- data -------------------------------------------------------------
    def reload(self, keep_id: int | None = None) -> None:
        self.rows = roster.roster_rows(self.app.school_id)
        self.refresh_table(keep_id=keep_id)

    def refresh_table(self, keep_id: int | None = None) -> None:
        table = self.query_one(DataTable)
        if keep_id is None:
            keep_id = self.selected_id()
        rows = roster.filter_rows(self.rows, classroom_id=self.classroom_id, flag=self.flag,
                                  status=self.status, left_behind_only=self.left_behind_only)
        if self.query_text:
            rows = roster.search(rows, self.query_text)
        elif self.sort_key != "class":
            rows = sorted(rows, key=roster.SORT_KEYS[self.sort_key])
        self.shown = rows
        table.clear()
        for r in rows:
            table.add_row(
                text(r.name), text(short_class(r.class_name)), text(TYPE_SHORT.get(r.left_behind_type, "")),
                text(r.guardian_name), text(r.flags, "bold"),
                text((r.helper or "—") if r.left_behind else ""),
                text(r.last_talk.strftime("%m-%d") if r.last_talk else ("从未" if r.left_behind else "")),
                text(r.id_masked),
                key=str(r.id),
            )
        self._update_status()
        if keep_id is not None:
            self.select_child(keep_id)

    def _update_status(self) -> None:
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
        self.query_one("#roster-status", Static).update(content(" · ".join(parts), one_line=True))
        empty = self.query_one("#roster-empty", Static)
        if self.shown:
            empty.display = False
        else:
            empty.display = True
            if not self.rows:
                msg = "还没有学生档案。\n按 n 新建一个孩子的档案, 或按 i 导入现有的名册 (Excel 或 CSV)。"
            elif self.query_text:
                msg = f"没有找到 “{self.query_text}”。\n可以用拼音首字母 (如 zxm)、全拼、汉字、学籍号或电话号码; 按 esc 清除搜索。"
            else:
                msg = "没有符合筛选条件的孩子。按 f 更改筛选, 按 a 显示全部学生。"
            empty.update(content(msg))

    def selected_id(self) -> int | None:
        table = self.query_one(DataTable)
        if not self.shown or table.cursor_row is None or table.cursor_row >= len(self.shown):
            return None
        return self.shown[table.cursor_row].id

    def select_child(self, child_id: int) -> None:
        for i, r in enumerate(self.shown):
            if r.id == child_id:
                self.query_one(DataTable).move_cursor(row=i, animate=False)
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
        self.refresh_table(keep_id=-1)
        self.query_one(DataTable).move_cursor(row=0, animate=False)

    @on(Input.Submitted, "#roster-search")
    def _search_submitted(self) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=0, animate=False)
        table.focus()

    def action_clear_search(self) -> None:
        search = self.query_one("#roster-search", Input)
        if search.value:
            keep = self.selected_id()
            search.value = ""
            self.query_text = ""
            self.refresh_table(keep_id=keep)
        self.query_one(DataTable).focus()

    def action_open(self) -> None:
        child_id = self.selected_id()
        if child_id is None:
            return
        from screens.child_detail import ChildDetailScreen

        self.app.push_screen(ChildDetailScreen(child_id))  # on_screen_resume reloads

    @on(DataTable.RowSelected, "#roster-table")
    def _row_selected(self) -> None:
        self.action_open()

    def action_talk(self) -> None:
        child_id = self.selected_id()
        if child_id is None:
            self.notify("请先选中一个孩子", severity="warning")
            return
        from screens.talk_entry import TalkEntryScreen

        self.app.push_screen(TalkEntryScreen(child_id))  # on_screen_resume reloads

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
        from screens.import_screen import ImportScreen

        # reload here too: on_screen_resume skips a roster that was empty, the usual case for an import
        self.app.push_screen(ImportScreen(), lambda _=None: self.reload())

    def _after_form(self, saved_id: int | None) -> None:
        if saved_id is None:
            return
        if any(r.id == saved_id for r in self.rows):
            self.select_child(saved_id)  # on_screen_resume has already reloaded
        else:
            self.reload(keep_id=saved_id)  # resumed before this callback: the new child is not loaded yet

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
