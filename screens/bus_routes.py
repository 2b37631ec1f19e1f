"""校车路线 (admin, from the command palette): the routes with their riders; add, edit, delete.

The same model functions as everything else (models/bus.py), which refuse anyone but the admin
and write the audit log. The list shows each route's riders against its seats and, under it,
the highlighted route's riders by class; ``n`` a new route, ``e``/enter edits it, ``d`` deletes
it after a question (refused, with the reason, while children at school still ride it).
"""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Label, Static

from models import bus
from models.errors import UserError
from models.scope import ForbiddenError
from screens.confirm import ConfirmScreen
from tui.chrome import TitleBar
from tui.widgets.fields import Input, focus_to_fix
from tui.widgets.footer import Footer
from tui.widgets.guard import DatabaseGuard
from tui.list_screen import DataChanged, LiveData
from tui.widgets.text import content, text

COLUMNS = (("路线", 21), ("车牌", 10), ("核载", 4), ("乘车", 4), ("驾驶员", 6), ("驾驶员电话", 13), ("准驾", 4))


class BusRoutesScreen(LiveData, DatabaseGuard, Screen):
    DEFAULT_CSS = """
    BusRoutesScreen #bus-status { height: 1; padding: 0 1; background: $boost; }
    BusRoutesScreen #bus-table { height: auto; max-height: 10; scrollbar-size-vertical: 1; }
    BusRoutesScreen #bus-riders { height: 1fr; padding: 0 1; border-top: solid $primary; }
    """
    BINDINGS = [
        Binding("n", "new", "新增"),
        Binding("e", "edit", "修改"),
        Binding("enter", "edit", "修改", show=False),
        Binding("d", "delete", "删除"),
        Binding("escape", "back", "返回"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "校车路线"
        self.rows: list[bus.RouteRow] = []
        self.riders: list[bus.RiderRow] = []

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(id="bus-status")
        table = DataTable(id="bus-table", cursor_type="row", zebra_stripes=True)
        for label, width in COLUMNS:
            table.add_column(label, width=width)
        yield table
        yield Static(id="bus-riders")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.reload()
        self.query_one(DataTable).focus()

    def reload(self) -> None:
        """Read the routes and all their riders (two queries) and show them; the cursor stays on
        the same route."""
        table = self.query_one(DataTable)
        keep = self.selected()
        viewer, school = self.app.viewer, self.app.school_id
        self.rows = bus.list_routes(viewer=viewer, school_id=school)
        self.riders = bus.rider_rows(viewer=viewer, school_id=school)
        table.clear()
        for r in self.rows:
            seats = "-" if r.capacity is None else str(r.capacity)
            table.add_row(text(r.name), text(r.plate), text(seats), text(r.riders, "bold red" if r.over_capacity else ""),
                          text(r.driver or "-"), text(r.driver_phone or "-"), text(r.license_class or "-"),
                          key=str(r.id))
        if keep is not None:
            for i, r in enumerate(self.rows):
                if r.id == keep.id:
                    table.move_cursor(row=i, animate=False)
        total = sum(r.riders for r in self.rows)
        self.query_one("#bus-status", Static).update(
            content(f"校车路线 {len(self.rows)} 条 · 在读乘车学生 {total} 人 · n 新增  e 修改  d 删除", one_line=True))
        self._show_riders()

    def on_data_changed(self, message: DataChanged) -> None:
        """Another admin's route or a teacher's 乘坐校车 change: shown within a second or two."""
        if self.is_mounted:
            self.reload()

    def selected(self) -> bus.RouteRow | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row is None or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    @on(DataTable.RowHighlighted, "#bus-table")
    def _highlighted(self) -> None:
        self._show_riders()

    def _show_riders(self) -> None:
        """The highlighted route: where it goes, and who rides it, class by class."""
        pane = self.query_one("#bus-riders", Static)
        r = self.selected()
        if r is None:
            pane.update(content("还没有校车路线: 按 n 新增 (路线名称、校车牌号、核载人数、驾驶员)"))
            return
        seats = f"{r.riders}/{r.capacity} 人" if r.capacity is not None else f"{r.riders} 人"
        if r.over_capacity:
            seats += " 超员!"
        elif r.capacity is not None and r.riders == r.capacity:
            seats += " 已满"
        lines = [" ".join(x for x in (f"乘车 {seats} ·", r.name, r.direction and f"({r.direction})") if x)]
        by_class: dict[str, list[str]] = {}
        for k in self.riders:
            if k.route_id == r.id:
                by_class.setdefault(k.class_name or "未分班", []).append(k.name)
        if by_class:  # flowing, class after class: a full bus of 56 fits the pane at 80x24
            # no space inside a class's part: a line breaks between classes, not after a class's name
            lines.append("  ".join(f"{room}({len(names)}):" + "、".join(names) for room, names in by_class.items()))
        else:
            lines.append("没有在读学生乘坐这条路线 (在孩子的档案中选「乘坐校车」)")
        pane.update(content("\n".join(lines)))

    def action_new(self) -> None:
        self.app.push_screen(RouteFormScreen(None), self._saved)

    def action_edit(self) -> None:
        r = self.selected()
        if r is None:
            self.notify("还没有校车路线: 按 n 新增", severity="warning")
            return
        self.app.push_screen(RouteFormScreen(r), self._saved)

    def _saved(self, route_id: int | None) -> None:
        if route_id:
            self.reload()
            self.select(route_id)

    def select(self, route_id: int) -> None:
        """Put the cursor on the route (a new one lands wherever its name sorts)."""
        for i, r in enumerate(self.rows):
            if r.id == route_id:
                self.query_one(DataTable).move_cursor(row=i, animate=False)

    def action_delete(self) -> None:
        r = self.selected()
        if r is None:
            return
        viewer, school = self.app.viewer, self.app.school_id
        try:
            plan = bus.delete_plan(r.id, viewer=viewer, school_id=school)
        except (UserError, ForbiddenError) as exc:
            self.notify(str(exc), severity="error", timeout=6)
            self.reload()
            return
        if not plan.allowed:
            self.notify(plan.refusal(), severity="error", timeout=8)
            return

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            try:
                bus.delete_route(r.id, viewer=viewer, school_id=school)
            except (UserError, ForbiddenError) as exc:
                self.notify(str(exc), severity="error", timeout=8)
            else:
                self.notify(f"已删除 {r.name}", timeout=3)
            self.reload()

        self.app.push_screen(ConfirmScreen(plan.question(), yes="删除", no="取消"), answer)

    def action_back(self) -> None:
        self.app.pop_screen()


# form field -> (label, placeholder, max typed length)
FORM_FIELDS = {
    "name": ("路线名称", "如 1号线 青山镇—石门村", 50),
    "direction": ("方向/站点", "如 青山镇—石门村—龙潭村 (早晚各一趟)", 100),
    "plate": ("校车牌号", "如 贵J·15510", 20),
    "capacity": ("核载人数", "行驶证上的核定载人数, 如 35", 3),  # 100 is typed whole, and refused
    "driver": ("驾驶员姓名", "", 50),
    "driver_phone": ("联系电话", "驾驶员的手机号或带区号的固定电话", 20),
    "driver_license": ("驾驶证号码", "即驾驶员的身份证号", 18),
    "license_class": ("准驾车型", "如 A1、B1", 10),
}


class RouteFormScreen(DatabaseGuard, Screen[int | None]):
    """A new route (``route`` None) or an existing one; dismissed with its id when saved, else None."""

    BINDINGS = [
        Binding("ctrl+s", "save", "保存", priority=True),
        Binding("escape", "cancel", "取消", priority=True),
    ]
    DEFAULT_CSS = """
    RouteFormScreen #bus-form { height: 1fr; padding: 0 1; }
    RouteFormScreen #bus-form-head { height: 1; background: $boost; text-style: bold; }
    RouteFormScreen .bus-row { height: 1; }
    RouteFormScreen .bus-row Label { width: 12; }
    RouteFormScreen .bus-row Input { width: 1fr; height: 1; border: none; padding: 0; background: $boost; }
    RouteFormScreen .bus-row Input:focus { background: $primary 30%; }
    RouteFormScreen .bus-err { height: auto; min-height: 1; padding-left: 12; color: $error; }
    """

    def __init__(self, route: bus.RouteRow | None) -> None:
        super().__init__()
        self.route = route
        self.sub_title = f"修改 {route.name}" if route else "新增校车路线"
        stored = route.values() if route else {}
        self.expected = stored or None  # what the row held when opened: a change meanwhile is refused
        self.original = {f: "" if stored.get(f) is None else str(stored.get(f)) for f in FORM_FIELDS}

    def compose(self) -> ComposeResult:
        yield TitleBar(strip=False)
        with Vertical(id="bus-form"):
            head = (f"修改校车路线 (乘车 {self.route.riders} 人)" if self.route else "新增校车路线")
            yield Static(content(f"{head}  tab 下一项  ctrl+s 保存  esc 取消", one_line=True), id="bus-form-head")
            for name, (label, hint, limit) in FORM_FIELDS.items():
                with Horizontal(classes="bus-row"):
                    yield Label(label)
                    yield Input(self.original[name], id=f"bus-{name}", placeholder=hint, max_length=limit,
                                restrict=r"[0-9０-９]*" if name == "capacity" else None)
                yield Static(id=f"bus-err-{name}", classes="bus-err")  # the field's error, else a blank line
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#bus-name", Input).focus()

    def values(self) -> dict[str, str]:
        return {f: self.query_one(f"#bus-{f}", Input).value for f in FORM_FIELDS}

    def is_dirty(self) -> bool:
        """Typed but not saved (the app then neither refreshes this screen nor leaves it unasked)."""
        return self.values() != self.original

    def show_errors(self, errors: dict[str, str]) -> None:
        for f in FORM_FIELDS:
            widget = self.query_one(f"#bus-err-{f}", Static)
            message = errors.get(f, "")
            widget.update(content(message, one_line=True))

    def action_save(self) -> None:
        viewer, school = self.app.viewer, self.app.school_id
        try:
            if self.route is None:
                route_id = bus.create_route(self.values(), viewer=viewer, school_id=school)
            else:
                route_id = self.route.id
                bus.update_route(route_id, self.values(), viewer=viewer, school_id=school, expected=self.expected)
        except bus.RouteInvalid as exc:
            self.show_errors(exc.errors)
            first = next(f for f in FORM_FIELDS if f in exc.errors)
            focus_to_fix(self.query_one(f"#bus-{first}", Input))
            self.notify(f"有 {len(exc.errors)} 处需要修改, 尚未保存", severity="error", timeout=3)
            return
        except (UserError, ForbiddenError) as exc:  # not allowed, deleted or changed meanwhile
            self.show_errors({})
            self.notify(str(exc), severity="error", timeout=8)
            return
        self.notify("已保存", timeout=2)
        self.dismiss(route_id)

    def action_cancel(self) -> None:
        if not self.is_dirty():
            self.dismiss(None)
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen("放弃这次填写的内容吗?", yes="放弃", no="继续填写"), answer)
