"""Who is working: the login and the PIN, asked in the plain terminal before anything else.

The prompt comes before the TUI starts, with ``getpass`` (nothing echoed), so it works the
same in any terminal and over SSH; a piped stdin (scripts, tests) gives one line per answer.
Prompts and messages go to stderr, so a command's output stays clean. Every attempt is in
the audit log (models/auth.py). No textual here.
"""
from __future__ import annotations

import getpass
import sys

from models import auth
from models.entities import Staff
from tui.context import UsageError
from tui.widgets.text import clean

TRIES = 3  # per start; the lockout (5 in a row) counts across starts and terminals
# what a newcomer needs to know at the prompt: what a login looks like, that a PIN is not echoed
LOGIN_PROMPT = "登录名 (管理员给你的拼音登录名, 如 zhoujinmin; 直接回车退出): "
PIN_PROMPT = " 的 PIN (数字, 输入时不显示; 忘了请找管理员重置): "


def interactive() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _prompt(prompt: str) -> None:
    """Prompts only to a terminal: a script piping answers gets one clean line of error."""
    try:
        if sys.stderr.isatty():
            sys.stderr.write(prompt)
            sys.stderr.flush()
    except (AttributeError, ValueError):
        pass


def read_secret(prompt: str) -> str:
    if interactive():
        return getpass.getpass(prompt, stream=sys.stderr)
    _prompt(prompt)
    line = sys.stdin.readline()
    if not line:
        raise UsageError("没有输入 PIN")
    return line.rstrip("\r\n")


def read_line(prompt: str) -> str:
    _prompt(prompt)
    line = sys.stdin.readline()
    if not line:
        raise UsageError("没有输入")
    return line.strip()


def check_pin(staff: Staff, *, context: str, tries: int = TRIES) -> Staff:
    """Log ``staff`` in: ask the PIN when the row has one (up to ``tries`` times in a terminal,
    once from a pipe); audited."""
    if not staff.pin_hash:
        return auth.verify(staff.id, None, context=context)
    if not interactive():
        tries = 1
    for attempt in range(tries):
        pin = read_secret(clean(f"{staff.name} ({staff.login})") + PIN_PROMPT)  # stored text: no ESC
        if not pin.strip():
            sys.stderr.write("请输入 PIN (数字)\n")
            continue
        try:
            return auth.verify(staff.id, pin.strip(), context=context)
        except auth.WrongPin as exc:
            if attempt == tries - 1:
                raise UsageError(str(exc)) from None
            sys.stderr.write(f"{exc}\n")
        except auth.AuthError as exc:
            raise UsageError(str(exc)) from None
    raise UsageError("没有输入 PIN, 已退出")


def ask_login(*, context: str, tries: int = TRIES) -> Staff:
    """No --user and no staff login matches the OS user: ask for the login in the terminal."""
    for _ in range(tries if interactive() else 1):
        login = read_line(LOGIN_PROMPT)
        if not login:
            raise UsageError("没有登录名, 已退出 (也可用 guanai --user LOGIN)")
        staff = Staff.get_or_none((Staff.login == login) & (Staff.active == True))  # noqa: E712
        if staff is not None:
            return staff
        auth.record_unknown_login(login, context=context)
        sys.stderr.write(f"没有这个登录名: {clean(login)}\n")
    raise UsageError("登录名不对, 已退出")


def sign_in(staff: Staff | None, *, context: str, demo: bool = False, os_user: str = "") -> Staff | None:
    """The staff member who works in this session, PIN checked, or None for a new database
    without any staff login yet (and the demo when its head is gone)."""
    if staff is not None:
        return check_pin(staff, context=context)
    if demo:
        return None
    if not Staff.select().where(Staff.login.is_null(False) & (Staff.active == True)).exists():  # noqa: E712
        return None  # a new school: nobody to log in as yet (guanai users add … makes the first admin)
    if not interactive():
        raise UsageError(f"没有与系统用户 {os_user or '?'} 同名的教职工登录名, 请用 --user LOGIN 指定")
    return check_pin(ask_login(context=context), context=context)


def acting_admin(login: str | None, *, context: str, allow_bootstrap: bool = False) -> Staff | None:
    """The admin a plain command acts as (``--user`` or the OS user), PIN checked; UsageError for
    anyone else. With ``allow_bootstrap`` a database nobody can sign in to yet needs none (None)."""
    from models import scope
    from tui.context import find_staff

    if allow_bootstrap and scope.bootstrap_open():
        return None
    staff = find_staff(login, audit_context=context)
    if staff is None:
        raise UsageError("需要管理员身份: 请用 --user 指定管理员的登录名")
    if not scope.is_admin(scope.viewer_for(staff)):
        raise UsageError(f"{staff.login} 不是管理员: 只有管理员可以运行 guanai {context}")
    return check_pin(staff, context=context)
