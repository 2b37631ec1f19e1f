"""结对帮扶: the pairing board, one kind at a time.

Left, the helpers: 未结对 first (with its count), then every helper with their load
against the kind's maximum (``周金敏 14/15``). Right, the children of the highlighted
helper with the date the pairing began and the last contact between them; under
未结对, each child with a suggested helper and why.

Keys: ``a`` pair the highlighted 未结对 child (a picker with pinyin search), ``s`` take
the suggestion, ``S`` take every suggestion, ``m`` move to another helper, ``d`` end
(with a reason; history is kept), ``enter`` the pairing's plan and contacts, ``t`` a
talk with the child, ``k`` next kind, ``l`` the kind's maximum load, ``/`` find a child
or helper. ``tab`` or the arrow keys move between the two lists.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from models import db as dbmod
from models import pairings
from models.pairings import Board, BoardChild, HelperGroup, PairingError
from models.rules import short_class
from models.scope import ForbiddenError
from screens.confirm import ConfirmScreen
from screens.help import HelpScreen
from tui.widgets.footer import Footer
from tui.widgets.pairing_picker import NewName, PickerScreen
from tui.widgets.search_picker import cell, fit
from tui.widgets.text import clean, content
from tui.widgets.fields import focus_now
from tui.widgets.guard import DatabaseGuard
from tui.chrome import TitleBar
from tui.collector import held_until_painted
from tui.list_screen import DataChanged, LiveData
from tui.widgets.virtual_table import VirtualTable

NAME_CELLS = 14
LOAD_CELLS = 6
LIST_CELLS = NAME_CELLS + LOAD_CELLS  # the helper list is 22 wide: 20 for text, 1 scrollbar, 1 spare

UNPAIRED_COLUMNS = (("姓名", 8), ("班级", 6), ("标记", 4), ("建议", 8), ("依据", 8), ("备注", 10))
HELPER_COLUMNS = (("姓名", 8), ("班级", 6), ("标记", 4), ("开始", 5), ("联系", 5), ("计划", 4), ("备注", 8))

BOARD_HELP = """结对帮扶 (2) · 按键

  左边是帮扶人, 最上面是 未结对; 右边是所选帮扶人的孩子
  tab 或 左右方向键  在两边之间切换      上下方向键 PgUp PgDn  移动
  回车  在左边: 看这位帮扶人的孩子; 在右边: 打开结对, 即帮扶时间、内容、
        阶段性成果 (可修改, ctrl+s 保存) 和这对人的联系记录
  k   换结对类别: 帮扶教师、爱心妈妈、学习帮手、党员干部
  a   为所选的未结对孩子选择帮扶人 (输入拼音首字母, 回车)
  s   采纳给这个孩子的建议      S  采纳未结对中的全部建议
  m   把所选的孩子换给另一位帮扶人 (原结对结束, 历史保留)
  d   结束所选的结对 (填写原因, 历史保留, 孩子回到未结对)
  t   和所选的孩子谈心 (记一次谈心)
  l   设置本类别每人最多结对几个孩子 (超过时先询问)
  /   按拼音查找孩子或帮扶人

  联系 = 这位帮扶人与孩子最近一次接通的联系; 计划 = 已填写帮扶计划
  建议依据: 班主任、任课 (同班任课教师)、同班、同班同性、负荷低、同村
  党员干部按结对人数排列; 停用教职工的孩子列在 未结对 (备注: 某某停用)

"""


class BoardHelpScreen(HelpScreen):
    """The board's keys, then the app's general help."""

    def compose(self) -> ComposeResult:
        from textual.containers import VerticalScroll
        from screens.help import HELP

        with VerticalScroll(id="help-box"):
            yield Static(BOARD_HELP + HELP, markup=False)


@dataclass(slots=True)
class _Found:
    """A line of the find picker: a child on the board or a helper."""

    name: str
    name_pinyin: str
    name_initials: str
    line: str
    group: int
    row: int | None
    class_name: str = ""
    student_no: str = ""
    phones: str = ""
    id_number: str = ""
    guardian_name: str = ""


def short_name(name: str, width: int) -> str:
    """郭丽芬(村支书) -> 郭丽芬 when the title does not fit."""
    if cell_len(name) <= width:
        return name
    for bracket in ("(", "（"):
        if bracket in name:
            return name.split(bracket, 1)[0]
    return name


def helper_prompt(g: HelperGroup) -> Content:
    if g.key == pairings.UNPAIRED:
        n = len(g.children)
        return Content.assemble((cell("未结对", NAME_CELLS), "bold"),
                                (f"{n:>{LOAD_CELLS}}", "bold red" if n else "bold green"))
    load = f"{g.load}/{g.max_load}"
    style = "bold red" if g.over else ("yellow" if g.full else "")
    # long community names (郭丽芬(村支书)) take what a short load leaves
    return Content.assemble(cell(g.name, LIST_CELLS - len(load) - 1), " ", (load, style))


def candidate_prompt(c: pairings.Candidate, suggested: pairings.HelperKey | None = None) -> Content:
    load = f"{c.load}/{c.max_load}"
    mark = "建议" if c.key == suggested else ("已满" if c.load >= c.max_load else "")
    return Content.assemble(
        cell(c.name, NAME_CELLS), " ", cell(c.detail, 30), " ",
        (f"{load:>6}", "red" if c.load >= c.max_load else ""), " ",
        (mark, "bold green" if mark == "建议" else "red"))


class HelperList(OptionList):
    """The left list; enter goes over to the helper's children."""

    BINDINGS = [Binding("enter", "select", "打开")]


class ChildTable(VirtualTable):
    """The right table (only the rows on screen are drawn: a cursor move repaints two lines);
    enter opens the pairing, left goes back to the helpers."""

    BINDINGS = [Binding("enter", "select_cursor", "计划"), Binding("left", "cursor_left", show=False)]

    def action_cursor_left(self) -> None:
        focus_now(self.screen.query_one("#pb-helpers"))


class PairingBoardScreen(LiveData, DatabaseGuard, Screen):
    BINDINGS = [
        Binding("a", "assign", "结对"),
        Binding("s", "accept", "采纳"),
        Binding("S", "accept_all", "全部采纳", show=False),
        Binding("m", "move", "更换"),
        Binding("d", "end", "结束"),
        Binding("t", "talk", "谈心"),
        Binding("k", "next_kind", "类别"),
        Binding("l", "max_load", "上限"),
        Binding("slash", "find", "查找", key_display="/"),
        Binding("question_mark", "help", "帮助", key_display="?", show=False),  # on the strip
        Binding("right", "focus_children", show=False),
        Binding("escape", "focus_helpers", show=False),
    ]
    DEFAULT_CSS = """
    #pb-status { column-span: 2; height: 1; padding: 0 1; background: $boost; }
    #pb-helpers { row-span: 3; width: 22; height: 1fr; max-height: 100%; scrollbar-size-vertical: 1; }
    /* the helper being shown stays marked while the children's table has the focus */
    #pb-helpers > .option-list--option-highlighted { color: $foreground; background: $panel;
                                                     text-style: bold underline; }
    #pb-helpers:focus > .option-list--option-highlighted { color: $block-cursor-foreground;
                                                           background: $block-cursor-background; text-style: bold; }
    #pb-head { height: 1; padding: 0 1; text-style: bold; }
    #pb-table { height: 1fr; scrollbar-size-vertical: 1; }
    #pb-empty { height: 0; color: $text-muted; }  /* kept in the grid when empty: its row is 0 high */
    #pb-empty.-shown { height: auto; padding: 1 2; }
    """

    def __init__(self, kind: str = pairings.KINDS[0]) -> None:
        super().__init__()
        self.kind = kind
        self.board: Board | None = None
        self._reloads = 0  # a worker's board older than the last reload is dropped
        self.group_index = 0
        self._columns_for: str | None = None
        self._filling = False
        self._away = False

    def compose(self) -> ComposeResult:
        # One grid, no containers: a key in the table reached the screen through two of them, each
        # a dispatch of the key and of the row highlight, and a longer binding chain (issue 20)
        yield TitleBar()
        yield Static(id="pb-status")
        yield HelperList(id="pb-helpers", compact=True)
        yield Static(id="pb-head")
        yield Static(id="pb-empty")
        yield ChildTable(UNPAIRED_COLUMNS, cells=self._child_cells, key=lambda c: str(c.child_id),
                         id="pb-table", zebra_stripes=True)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#pb-helpers", OptionList).focus()

    def on_screen_suspend(self) -> None:
        self._away = True

    def on_screen_resume(self) -> None:
        """Back from a dialog or another section: the board again. Not on its first showing, which
        on_mount has read (the mode switch resumes the screen twice: it was read three times)."""
        if self._away and self.is_mounted and self.board is not None:
            self._away = False
            self.reload()

    # -- data -----------------------------------------------------------------
    @property
    def group(self) -> HelperGroup:
        assert self.board is not None
        return self.board.groups[self.group_index]

    def current_child(self) -> BoardChild | None:
        if self.board is None:
            return None
        table = self.query_one("#pb-table", ChildTable)
        rows = self.group.children
        if not rows or table.cursor_row is None or not 0 <= table.cursor_row < len(rows):
            return None
        return rows[table.cursor_row]

    def on_data_changed(self, message: DataChanged) -> None:
        """Another user's change: the board again, read in a thread worker on PostgreSQL."""
        if self.board is None or not self.is_mounted:
            return
        if dbmod.is_sqlite():
            self.reload()  # a few ms: inline
            return
        self._load_board_in_thread(self.kind, self._reloads)

    @work(thread=True, group="board-reload", exit_on_error=False)
    def _load_board_in_thread(self, kind: str, generation: int) -> None:
        try:
            with dbmod.current().connection_context():
                board = pairings.load_board(self.app.school_id, kind, viewer=self.app.viewer,
                                            with_last_contacts=False)
        except Exception as exc:  # noqa: BLE001 - the next poll tries again
            mine = dbmod.translate(exc)  # a dropped connection is closed, so the next poll reconnects
            self.app.call_from_thread(self.log.warning, f"board reload failed: {mine or exc}")
            return
        self.app.call_from_thread(self._board_loaded, board, kind, generation)

    def _board_loaded(self, board: Board, kind: str, generation: int) -> None:
        if self.is_mounted and kind == self.kind and generation == self._reloads:  # else a newer one shows
            self.reload(board=board)

    def reload(self, *, group_key: pairings.HelperKey | None = None, child_id: int | None = None,
               row: int | None = None, board: Board | None = None) -> None:
        """Read the board again (or take ``board``, read by a worker) and show it, keeping the
        place (or going to the one asked)."""
        self._reloads += 1
        if self.board is not None:
            group_key = group_key if group_key is not None else self.group.key
            if child_id is None and row is None:
                current = self.current_child()
                child_id = current.child_id if current else None
                row = self.query_one("#pb-table", ChildTable).cursor_row
        with held_until_painted(self):  # 8,000 children on a big school's board (tui/collector.py)
            self._show_board(board, group_key, child_id, row)

    def _show_board(self, board: Board | None, group_key: pairings.HelperKey | None, child_id: int | None,
                    row: int | None) -> None:
        self.board = board or pairings.load_board(self.app.school_id, self.kind, viewer=self.app.viewer,
                                                  with_last_contacts=False)  # per group: show_group
        index = next((i for i, g in enumerate(self.board.groups) if g.key == group_key), 0)
        helpers = self.query_one("#pb-helpers", OptionList)
        self._filling = True
        try:
            helpers.clear_options()
            helpers.add_options(Option(helper_prompt(g), id=str(i)) for i, g in enumerate(self.board.groups))
            helpers.highlighted = index
        finally:
            self._filling = False
        self.show_group(index, child_id=child_id, row=row)
        self._update_status()

    def _update_status(self) -> None:
        b = self.board
        assert b is not None
        n = len(b.unpaired.children)
        parts = [f"结对帮扶 · {b.kind}", f"留守在读 {b.subjects}", f"已结对 {b.paired}", f"未结对 {n}",
                 f"上限 {b.max_load}"]
        self.query_one("#pb-status", Static).update(content(" · ".join(parts), one_line=True))

    def show_group(self, index: int, *, child_id: int | None = None, row: int | None = None) -> None:
        assert self.board is not None
        self.group_index = index
        g = self.group
        pairings.fill_last_contacts(self.board, g)  # this helper's children only: one small query
        unpaired = g.key == pairings.UNPAIRED
        table = self.query_one("#pb-table", ChildTable)
        wanted = "unpaired" if unpaired else "helper"
        if self._columns_for != wanted:
            table.set_columns(UNPAIRED_COLUMNS if unpaired else HELPER_COLUMNS)
            self._columns_for = wanted
        target = None
        if child_id is not None:
            target = next((i for i, c in enumerate(g.children) if c.child_id == child_id), None)
        if target is None and row is not None and g.children:
            target = min(row, len(g.children) - 1)
        table.set_rows(g.children, cursor=target or 0)  # each row's cells when its line is drawn
        self._update_head()

    def _child_cells(self, c: BoardChild) -> tuple:
        """A child's cells in the shown group's columns (VirtualTable cuts them to the column)."""
        g = self.group
        if g.key == pairings.UNPAIRED:
            s = c.suggestion
            return (c.name, short_class(c.class_name), (c.flags, "bold"),
                    (short_name(s.label, UNPAIRED_COLUMNS[3][1]) if s else "无", "" if s else "dim"),
                    ((s.reason if s else ""), "green"), (c.note, "yellow"))
        staff = g.key[0] == "staff"
        last = f"{c.last_contact:%m-%d}" if c.last_contact else ("从未" if staff else "-")
        return (c.name, short_class(c.class_name), (c.flags, "bold"),
                f"{c.started_on:%m-%d}" if c.started_on else "",
                (last, "yellow" if staff and not c.last_contact else ""),
                ("有" if c.has_plan else "无", "" if c.has_plan else "dim"), (c.note, "yellow"))

    def _update_head(self) -> None:
        assert self.board is not None
        g = self.group
        head = self.query_one("#pb-head", Static)
        empty = self.query_one("#pb-empty", Static)
        if g.key == pairings.UNPAIRED:
            n = len(g.children)
            m = sum(1 for c in g.children if c.suggestion)
            line = f"未结对 {n}" + (f" · 有建议 {m}: s 采纳, S 全部采纳" if m else "") + " · a 选帮扶人"
            head.update(content(line if n else "未结对 0", one_line=True))
            msg = "" if n else (f"每个在读的留守儿童都有{self.kind}了 (共 {self.board.subjects} 人)。"
                                if self.board.subjects else "还没有在读的留守儿童。请先在名册 (1) 中新建或导入档案。")
        else:
            over = " · 超出上限" if g.over else ""
            hidden = g.load - len(g.children)  # children of other classes: counted, not named
            head.update(Content.assemble(
                (clean(g.name), "bold"), " · ", fit(g.detail, 26), " · ",
                (f"{g.load}/{g.max_load}{over}", "bold red" if g.over else ""),
                f" · 其中 {hidden} 人在别班" if hidden > 0 and g.children else ""))
            hidden = g.load - len(g.children)  # children of other classes: counted, not named
            if not g.children and hidden > 0:
                msg = (f"{clean(g.name)}结对的 {hidden} 个孩子都不在你能看到的范围 (别的班)。"
                       f"在 未结对 中选一个孩子按 a 可以再结对。")
            elif not g.children:
                msg = (f"{clean(g.name)}还没有结对的孩子。在 未结对 中选一个孩子按 a, "
                       f"或在别的帮扶人下按 m 换过来。")
            else:
                msg = ""
        empty.set_class(bool(msg), "-shown")
        self.set_class(bool(msg), "-empty-said")  # its grid row: 0 high, or as high as the words
        if msg:
            empty.update(content(msg))

    @on(OptionList.OptionHighlighted, "#pb-helpers")
    def _helper_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        helpers = self.query_one("#pb-helpers", OptionList)
        if (self._filling or self.board is None or event.option_index != helpers.highlighted
                or event.option_index == self.group_index):
            return  # a stale event from refilling the list, or already shown
        self.show_group(event.option_index, row=0)

    @on(OptionList.OptionSelected, "#pb-helpers")
    def _helper_selected(self) -> None:
        self.action_focus_children()

    @on(VirtualTable.RowSelected, "#pb-table")
    def _row_selected(self) -> None:
        self.action_open()

    # -- focus ------------------------------------------------------------------
    def action_focus_helpers(self) -> None:
        focus_now(self.query_one("#pb-helpers", OptionList))

    def action_focus_children(self) -> None:
        if self.group.children:
            focus_now(self.query_one("#pb-table", ChildTable))

    # -- writing, with the over-load question -------------------------------------
    def _write(self, attempt: Callable[[bool], Any], done: Callable[[Any], None]) -> None:
        """Run ``attempt(allow_over)``; over the maximum ask first; refusals become messages."""
        try:
            result = attempt(False)
        except pairings.OverLoad as over:
            def answer(yes: bool | None) -> None:
                if not yes:
                    return
                try:
                    again = attempt(True)
                except (PairingError, ForbiddenError) as exc:
                    self.notify(clean(str(exc)), severity="error", timeout=4, markup=False)
                    return
                done(again)

            self.app.push_screen(ConfirmScreen(f"{over}, 已到上限。仍要结对吗?", yes="仍要结对", no="不结对"),
                                 answer)
            return
        except (PairingError, ForbiddenError) as exc:
            self.notify(clean(str(exc)), severity="error", timeout=4, markup=False)
            return
        done(result)

    def _pick_helper(self, child: BoardChild, title: str, on_pick: Callable[[pairings.HelperKey], None], *,
                     exclude: pairings.HelperKey | None = None) -> None:
        try:
            cands = [c for c in pairings.candidates(self.app.school_id, self.kind, child.child_id,
                                                    viewer=self.app.viewer) if c.key != exclude]
        except ForbiddenError as exc:  # only admin, head and the class's teacher pair
            self.notify(str(exc), severity="warning", timeout=4, markup=False)
            return
        suggested = child.suggestion.helper if child.suggestion and child.suggestion.helper != exclude else None
        if suggested is not None:
            cands.sort(key=lambda c: c.key != suggested)
        named = pairings.helper_type(self.kind) == "name"

        def picked(item: Any) -> None:
            if item is None:
                return
            on_pick(("name", str(item)) if isinstance(item, NewName) else item.key)

        self.app.push_screen(PickerScreen(
            cands, lambda c: candidate_prompt(c, suggested), title=title, new_name=named,
            hint=("输入姓名拼音或汉字; 新的帮扶人直接输入姓名, 回车" if named else
                  "拼音首字母、全拼或汉字, 回车选定, esc 取消"),
            needs_pinyin=pairings.add_pinyin if named else None), picked)

    # -- actions ------------------------------------------------------------------
    def action_assign(self) -> None:
        child = self.current_child()
        if child is None:
            self.notify("请先在 未结对 中选中一个孩子", severity="warning")
            return
        if self.group.key != pairings.UNPAIRED:
            self.notify(f"{clean(child.name)}已有{self.kind}{clean(self.group.name)}; 要换人请按 m",
                        severity="warning", markup=False)
            return
        row = self.query_one("#pb-table", ChildTable).cursor_row

        def pick(helper: pairings.HelperKey) -> None:
            self._write(lambda allow: pairings.assign(self.app.school_id, child.child_id, self.kind, helper,
                                                      viewer=self.app.viewer, staff_id=self.app.staff_id,
                                                      allow_over=allow),
                        lambda _id: self._done(f"已结对: {child.name} 与 {self._helper_name(helper)}", row=row))

        self._pick_helper(child, f"为 {clean(child.name)} 选择{self.kind}", pick)

    def _helper_name(self, helper: pairings.HelperKey) -> str:
        assert self.board is not None
        g = self.board.group(helper)
        return g.name if g else str(helper[1])

    def _done(self, message: str, **keep: Any) -> None:
        self.reload(**keep)
        self.notify(clean(message), timeout=3, markup=False)

    def action_accept(self) -> None:
        child = self.current_child()
        if child is None or self.group.key != pairings.UNPAIRED:
            self.notify("在 未结对 中选中一个有建议的孩子再按 s", severity="warning")
            return
        s = child.suggestion
        if s is None:
            self.notify(f"没有给{clean(child.name)}的建议 (同班的人都满了); 按 a 自己选", severity="warning",
                        markup=False)
            return
        row = self.query_one("#pb-table", ChildTable).cursor_row
        self._write(lambda allow: pairings.assign(self.app.school_id, child.child_id, self.kind, s.helper,
                                                  viewer=self.app.viewer, staff_id=self.app.staff_id,
                                                  allow_over=allow),
                    lambda _id: self._done(f"已结对: {child.name} 与 {s.label}", row=row))

    def action_accept_all(self) -> None:
        assert self.board is not None
        todo = [c for c in self.board.unpaired.children if c.suggestion]
        if not todo:
            self.notify("未结对中没有可采纳的建议", severity="warning")
            return

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            try:
                n = pairings.accept_suggestions(self.app.school_id, self.kind, [c.child_id for c in todo],
                                                viewer=self.app.viewer, staff_id=self.app.staff_id)
            except (PairingError, ForbiddenError) as exc:
                self.notify(clean(str(exc)), severity="error", timeout=4, markup=False)
                self.reload()
                return
            self._done(f"已按建议为 {n} 个孩子结对{self.kind}", group_key=pairings.UNPAIRED, row=0)

        self.app.push_screen(ConfirmScreen(f"按建议为未结对的 {len(todo)} 个孩子结对{self.kind}?",
                                           yes="全部结对", no="不"), answer)

    def action_move(self) -> None:
        child = self.current_child()
        if child is None or child.pairing_id is None:
            self.notify("请选中一个已结对的孩子再按 m; 未结对的孩子按 a", severity="warning")
            return
        current = self.group.key if self.group.key != pairings.UNPAIRED else None
        row = self.query_one("#pb-table", ChildTable).cursor_row
        pairing_id = child.pairing_id

        def pick(helper: pairings.HelperKey) -> None:
            self._write(lambda allow: pairings.move(self.app.school_id, pairing_id, helper, viewer=self.app.viewer,
                                                    staff_id=self.app.staff_id, allow_over=allow),
                        lambda _id: self._done(f"已更换: {child.name} 改由 {self._helper_name(helper)} 帮扶",
                                               row=row))

        self._pick_helper(child, f"把 {clean(child.name)} 换给哪位{self.kind}?", pick, exclude=current)

    def action_end(self) -> None:
        child = self.current_child()
        if child is None or child.pairing_id is None:
            self.notify("请选中一个已结对的孩子再按 d", severity="warning")
            return
        from screens.pairing_dialogs import end_reason_screen

        helper = self.group.name if self.group.key != pairings.UNPAIRED else child.note
        row = self.query_one("#pb-table", ChildTable).cursor_row
        pairing_id = child.pairing_id

        def answer(reason: str | None) -> None:
            if not reason:
                return
            try:
                pairings.end_pairing(pairing_id, reason, viewer=self.app.viewer, staff_id=self.app.staff_id)
            except (PairingError, ForbiddenError) as exc:
                self.notify(clean(str(exc)), severity="error", timeout=4, markup=False)
                return
            self._done(f"已结束结对: {child.name} 现在在 未结对", row=row)

        self.app.push_screen(end_reason_screen(clean(child.name), self.kind, clean(helper)), answer)

    def action_open(self) -> None:
        child = self.current_child()
        if child is None:
            return
        if child.pairing_id is None:
            self.notify(f"{clean(child.name)}还没有{self.kind}; 按 a 选帮扶人", severity="warning", markup=False)
            return
        from screens.pairing_detail import PairingDetailScreen

        self.app.push_screen(PairingDetailScreen(child.pairing_id), lambda _=None: self.reload())

    def action_talk(self) -> None:
        child = self.current_child()
        if child is None:
            self.notify("请先选中一个孩子", severity="warning")
            return
        from screens.talk_entry import TalkEntryScreen

        self.app.push_screen(TalkEntryScreen(child.child_id), lambda _=None: self.reload())

    def action_next_kind(self) -> None:
        kinds = pairings.KINDS
        self.kind = kinds[(kinds.index(self.kind) + 1) % len(kinds)]
        self.board = None
        self.reload()
        self.notify(f"{self.kind}", timeout=1.5)

    def action_max_load(self) -> None:
        assert self.board is not None
        from screens.pairing_dialogs import max_load_screen

        def answer(value: str | None) -> None:
            if not value:
                return
            try:
                n = pairings.set_max_load(self.app.school_id, self.kind, value, viewer=self.app.viewer,
                                          staff_id=self.app.staff_id)
            except (PairingError, ForbiddenError) as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            self._done(f"每位{self.kind}最多 {n} 个孩子")

        self.app.push_screen(max_load_screen(self.kind, self.board.max_load), answer)

    def action_find(self) -> None:
        assert self.board is not None
        items: list[_Found] = []
        for gi, g in enumerate(self.board.groups):
            where = "未结对" if g.key == pairings.UNPAIRED else g.name
            for ri, c in enumerate(g.children):
                items.append(_Found(c.name, c.name_pinyin, c.name_initials,
                                    f"{cell(c.name, 8)} {cell(short_class(c.class_name), 7)} {fit(where, 20)}",
                                    gi, ri, class_name=c.class_name, student_no=c.student_no))
        for gi, g in enumerate(self.board.groups[1:], start=1):
            items.append(_Found(g.name, g.name_pinyin, g.name_initials,
                                f"{cell(g.name, 14)} {g.load}/{g.max_load}  {fit(g.detail, 30)}", gi, None))

        def go(item: _Found | None) -> None:
            if item is None:
                return
            self.query_one("#pb-helpers", OptionList).highlighted = item.group
            self.show_group(item.group, row=item.row if item.row is not None else 0)
            if item.row is not None:
                self.query_one("#pb-table", ChildTable).focus()

        self.app.push_screen(PickerScreen(items, lambda f: f.line, title=f"查找孩子或{self.kind}",
                                          needs_pinyin=pairings.add_pinyin
                                          if pairings.helper_type(self.kind) == "name" else None), go)

    def action_help(self) -> None:
        self.app.push_screen(BoardHelpScreen())
