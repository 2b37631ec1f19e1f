"""教职工账号 (admin, from the command palette): the logins, and add, deactivate, reset PIN.

The same model functions as ``guanai users …`` (models/users.py), which refuse anyone but an
active admin and write the audit log; a PIN is typed masked and never shown or logged.
"""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Select, Static

from models import rules, users
from models.entities import Staff
from models.roster import classrooms
from screens.confirm import ConfirmScreen
from tui.widgets.fields import Input
from tui.list_screen import ListScreen
from tui.widgets.footer import Footer
from tui.widgets.text import content
from tui.widgets.guard import DatabaseGuard
from tui.chrome import TitleBar
from tui.widgets.virtual_table import VirtualTable

COLUMNS = (("登录名", 14), ("姓名", 8), ("角色", 12), ("班级", 16), ("状态", 12))


def user_cells(u: users.UserRow) -> tuple:
    """A login's cells in COLUMNS order: a deactivated one dim, a lockout in bold."""
    style = "" if u.active else "dim"
    return ((u.login or "-", style), (u.name, style), (u.role_label, style), (u.classes or "-", style),
            (u.state, "bold" if u.locked_until else style))


def user_key(u: users.UserRow) -> str:
    return str(u.id)


def _acting(app) -> Staff | None:
    return Staff.get_or_none(Staff.id == app.staff_id) if app.staff_id else None


class UsersScreen(ListScreen):
    DEFAULT_CSS = """
    UsersScreen #users-status { height: 1; padding: 0 1; background: $boost; }
    UsersScreen #users-table { height: 1fr; scrollbar-size-vertical: 1; }
    """
    BINDINGS = [
        Binding("n", "add", "新增"),
        Binding("d", "deactivate", "停用"),
        Binding("p", "reset_pin", "重置PIN"),
        Binding("escape", "back", "返回"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[users.UserRow] = []

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(id="users-status")
        yield VirtualTable(COLUMNS, cells=user_cells, key=user_key, id="users-table", zebra_stripes=True)
        yield Footer(show_command_palette=False)

    def load(self) -> list[users.UserRow]:
        return users.list_users(self.app.school_id)

    def show(self, data: list[users.UserRow]) -> list[users.UserRow]:
        self.rows = data
        active = sum(1 for u in self.rows if u.active and u.login)
        self.query_one("#users-status", Static).update(
            content(f"教职工账号 · 可登录 {active} 人 · n 新增  d 停用  p 重置PIN", one_line=True))
        return self.rows

    def selected(self) -> users.UserRow | None:
        row = self.table.cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def action_add(self) -> None:
        def done(login: str | None) -> None:
            if login:
                self.notify(f"已添加 {login}", timeout=2)
                self.reload()

        self.app.push_screen(UserFormScreen(classrooms(self.app.school_id)), done)

    def action_deactivate(self) -> None:
        u = self.selected()
        if u is None or not u.login:
            self.notify("请选中一个有登录名的账号", severity="warning")
            return

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            try:
                users.deactivate_user(u.login, by=_acting(self.app))
            except users.UserError as exc:
                self.notify(str(exc), severity="error")
                return
            self.notify(f"已停用 {u.login}", timeout=2)
            self.reload()

        self.app.push_screen(ConfirmScreen(f"停用 {u.name} ({u.login}) 的账号吗? 其记录和历史都保留。",
                                           yes="停用", no="取消"), answer)

    def action_reset_pin(self) -> None:
        u = self.selected()
        if u is None or not u.login:
            self.notify("请选中一个有登录名的账号", severity="warning")
            return

        def done(ok: bool | None) -> None:
            if ok:
                self.reload()

        self.app.push_screen(PinScreen(u.login, u.name), done)

    def action_back(self) -> None:
        self.app.pop_screen()


class _Dialog(DatabaseGuard, ModalScreen):
    DEFAULT_CSS = """
    _Dialog { align: center middle; }
    _Dialog > Vertical { width: 64; max-width: 100%; height: auto; border: round $primary; padding: 0 1;
                         background: $surface; }
    _Dialog .dialog-error { color: $text-error; text-style: bold; height: auto; }
    """

    def show_error(self, message: str) -> None:
        self.query_one(".dialog-error", Static).update(content(message, one_line=True))


class UserFormScreen(_Dialog):
    """A new login; dismissed with it, or None."""

    BINDINGS = [Binding("ctrl+s", "save", "保存", priority=True), Binding("escape", "cancel", "取消")]

    def __init__(self, class_options: list[tuple[int, str]]) -> None:
        super().__init__()
        self.class_options = class_options

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("新增教职工账号  (tab 下一项, ctrl+s 保存, esc 取消)")
            yield Input(placeholder="登录名: 小写字母, 最好与系统用户名相同", id="u-login", compact=True)
            yield Input(placeholder="姓名", id="u-name", compact=True)
            yield Select([(label, key) for key, label in rules.STAFF_ROLES.items()], prompt="角色",
                         id="u-role", compact=True)
            yield Select([(content(name, one_line=True), name) for _, name in self.class_options],
                         prompt="班级 (班主任的班或任课班, 可不选)",
                         id="u-class", compact=True)
            yield from _pin_inputs("u-pin", "PIN: 4-12 位数字, 可不填", "再输入一次 PIN")
            yield Static(classes="dialog-error")

    def on_mount(self) -> None:
        self.query_one("#u-login").focus()

    def action_save(self) -> None:
        role = self.query_one("#u-role", Select).value
        room = self.query_one("#u-class", Select).value
        pin, pin2 = self.query_one("#u-pin", Input).value, self.query_one("#u-pin2", Input).value
        if role is Select.NULL:
            self.show_error("请选择角色")
            return
        if pin != pin2:
            self.show_error("两次输入的 PIN 不一样")
            return
        try:
            staff = users.add_user(self.query_one("#u-login", Input).value, self.query_one("#u-name", Input).value,
                                   str(role), by=_acting(self.app), class_name=None if room is Select.NULL else str(room),
                                   pin=pin or None, school_id=self.app.school_id)
        except users.UserError as exc:
            self.show_error(str(exc))
            return
        self.dismiss(staff.login)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _pin_inputs(id_: str, first: str, again: str) -> tuple[Input, Input]:
    """A PIN and its repetition: digits only, hidden (ids ``id_`` and ``id_``2)."""
    return tuple(Input(placeholder=text, password=True, id=i, compact=True, restrict=r"[0-9]*", max_length=12)
                 for i, text in ((id_, first), (f"{id_}2", again)))


class PinScreen(_Dialog):
    """A new PIN for a login (both fields empty: no PIN); dismissed with True when changed."""

    BINDINGS = [Binding("ctrl+s", "save", "保存", priority=True), Binding("escape", "cancel", "取消")]

    def __init__(self, login: str, name: str) -> None:
        super().__init__()
        self.login, self.person = login, name

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(content(f"重置 {self.person} ({self.login}) 的 PIN  (ctrl+s 保存, esc 取消)", one_line=True))
            yield Static(content("两项都留空: 去掉 PIN。重置也会解除锁定。", one_line=True))
            yield from _pin_inputs("p-pin", "新 PIN: 4-12 位数字", "再输入一次")
            yield Static(classes="dialog-error")

    def on_mount(self) -> None:
        self.query_one("#p-pin").focus()

    def action_save(self) -> None:
        pin, pin2 = self.query_one("#p-pin", Input).value, self.query_one("#p-pin2", Input).value
        if pin != pin2:
            self.show_error("两次输入的 PIN 不一样")
            return
        try:
            users.reset_pin(self.login, pin or None, by=_acting(self.app))
        except users.UserError as exc:
            self.show_error(str(exc))
            return
        self.notify(f"{self.login} 的 PIN 已" + ("重新设置" if pin else "去掉"), timeout=2)
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(None)
