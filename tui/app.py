"""The 关爱 application: global keys, the screens by number, help and the command palette."""
from __future__ import annotations

import datetime as dt
import gc
import os
import time
from functools import partial

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from tui.context import Session
from tui.widgets.guard import DatabaseGuard

SECTIONS = {
    "0": ("due", "待办"),
    "1": ("roster", "名册"),
    "2": ("pairing", "结对"),
    "3": ("talks", "谈心"),
    "4": ("calendar", "行事历"),
    "5": ("handbook", "手册"),
}


def _roster_screen() -> Screen:
    from screens.roster import RosterScreen

    return RosterScreen()


def _due_screen() -> Screen:
    from screens.due import DueScreen

    return DueScreen()


def _pairing_screen() -> Screen:
    from screens.pairing_board import PairingBoardScreen

    return PairingBoardScreen()


def _calendar_screen() -> Screen:
    from screens.calendar import CalendarScreen

    return CalendarScreen()


def _talk_log_screen() -> Screen:
    from screens.talk_log import TalkLogScreen

    return TalkLogScreen()


def _handbook_screen() -> Screen:
    from screens.handbook import HandbookScreen

    return HandbookScreen()


def _county_screen() -> Screen:
    from screens.county import CountyScreen

    return CountyScreen()


def _palette_provider():
    from tui.palette import GuanaiCommands

    return GuanaiCommands


def _paint_now(screen: Screen) -> None:
    """What the screen's update timer does on its next tick (lay out, paint what is dirty), done now.
    Textual's private name (tests/test_first_frame.py watches it); if it goes, the timer does it."""
    update = getattr(screen, "_on_timer_update", None)
    if callable(update):
        update()


def _warm_up(names: tuple[str, ...]) -> None:
    """After the first frame, in a thread: 待办's modules, then what its first showing computes
    of the lunar calendar (``models.calendar.reminders.warm``)."""
    _warm_modules(names)
    try:
        from models.calendar.reminders import warm

        warm(dt.date.today())
    except Exception:  # noqa: BLE001 - 待办 computes it again and says what is wrong
        pass


def _warm_modules(names: tuple[str, ...]) -> None:
    """Import what a section needs before its key is pressed (``GuanaiApp.WARM_MODULES``)."""
    import importlib

    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - its key imports it again and says what is wrong
            pass


MOUSE_MODES = ("click", "off", "motion")


def mouse_mode() -> str:
    """``GUANAI_MOUSE``: ``click`` (the default: clicks and wheel, no motion reports), ``off`` (no
    mouse at all: the terminal's own selection) or ``motion`` (Textual's any-motion tracking).
    Any-motion tracking keeps PuTTY and Xshell from selecting text to copy."""
    value = os.environ.get("GUANAI_MOUSE", "").strip().lower()
    return value if value in MOUSE_MODES else "click"


def no_motion_driver(base: type) -> type:
    """A subclass of driver ``base`` that never asks for any-motion mouse reports (``?1003h``);
    clicks (``?1000h``) still come."""

    class NoMotionDriver(base):  # type: ignore[misc, valid-type]
        def write(self, data: str) -> None:
            super().write(data.replace("\x1b[?1003h", ""))

    NoMotionDriver.__name__ = f"NoMotion{base.__name__}"
    return NoMotionDriver


class GuanaiApp(DatabaseGuard, App):
    """One app object per teacher session; screens read ``app.session`` for school and user."""

    TITLE = "关爱"
    CSS_PATH = "styles.tcss"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = {_palette_provider}
    MODES = {"roster": _roster_screen, "talks": _talk_log_screen, "due": _due_screen, "pairing": _pairing_screen,
             "calendar": _calendar_screen, "handbook": _handbook_screen, "county": _county_screen}
    DEFAULT_MODE = "roster"

    BINDINGS = [
        Binding("0", "section('0')", "待办", show=False),
        Binding("1", "section('1')", "名册", show=False),
        Binding("2", "section('2')", "结对", show=False),
        Binding("3", "section('3')", "谈心", show=False),
        Binding("4", "section('4')", "行事历", show=False),
        Binding("5", "section('5')", "手册", show=False),
        # shown on every screen's section strip (tui/chrome.py), so footers keep their room
        Binding("question_mark", "help", "帮助", key_display="?", show=False),
        Binding("q", "quit", "退出", show=False),
        # the red banner's key (tui/chrome.py): the 强制报告 list, or for the admin why not
        Binding("exclamation_mark", "reports", "强制报告", key_display="!", show=False),
        Binding("ctrl+q", "quit", "退出", show=False, priority=True),
    ]

    _FOCUS_ACTIONS = {"tab": "app.focus_next", "shift+tab": "app.focus_previous"}

    async def on_event(self, event) -> None:
        """Tab and shift+tab move the cursor before the next key is handled: Textual hands them to
        the focused field first and moves on only when they bubble back, and the text typed after
        them in the same read (SSH under load, an IME) went into the field being left."""
        if (isinstance(event, events.Key) and not event.is_forwarded and event.key in self._FOCUS_ACTIONS
                and self._tab_only_moves_focus(event.key)):
            if event.key == "tab":
                self.screen.focus_next()
            else:
                self.screen.focus_previous()
            return
        await super().on_event(event)

    def _tab_only_moves_focus(self, key: str) -> bool:
        """Whether the first binding of ``key`` along the focus chain is the plain focus move (a
        screen that binds tab itself, like the pairing board's, or a field that types it, keeps it)."""
        try:
            chain = self.screen._binding_chain
        except Exception:  # noqa: BLE001 - no screen yet: Textual's own path
            return False
        for _node, bindings in chain:
            found = bindings.key_to_bindings.get(key)
            if found:
                return all(b.action == self._FOCUS_ACTIONS[key] for b in found)
        return False

    def __init__(self, session: Session, *, start_ns: int | None = None, ambiguous_wide: bool = False) -> None:
        from tui.wholecells import install

        install()  # no Chinese character split in two (and blanked) under a dropdown or a toast
        # Teachers start on their due list; the head and the admin on the whole roster.
        from models import scope

        if session.staff_id and scope.starts_on_due_list(session.viewer):
            self.DEFAULT_MODE = "due"
        # A 县/乡镇 officer starts on the area's schools (screens/county.py); ``drilled`` is the officer
        # narrowed to the school being looked at (``scope.school_viewer``), which ``viewer`` then gives.
        self.area_viewer = bool(session.staff_id) and scope.is_area_viewer(session.viewer)
        self.drilled = None
        if self.area_viewer:
            self.DEFAULT_MODE = "county"
        theme = os.environ.get("GUANAI_THEME", "ansi-dark")
        # The default theme is set without its watcher: that would parse every stylesheet a
        # second time just before the first frame (20-30 ms of start-up on an old PC).
        # ansi_color=True is what the watcher would give an ANSI theme (colours passed on as
        # the terminal's own); the app's classes already say dark mode.
        fast = theme == "ansi-dark"
        driver_class = None
        if ambiguous_wide:  # a terminal that draws ─ · … two cells wide (tui/ambiwidth.py)
            from tui.ambiwidth import narrow_driver

            driver_class = narrow_driver(App.get_driver_class(self))
        if mouse_mode() == "click":
            driver_class = no_motion_driver(driver_class or App.get_driver_class(self))
        super().__init__(ansi_color=True if fast else None, driver_class=driver_class)
        self.ambiguous_wide = ambiguous_wide
        self.session = session
        self.start_ns = start_ns or time.perf_counter_ns()
        self.startup_seconds: float | None = None
        if fast:
            self.set_reactive(App.theme, theme)
            self.set_reactive(App.ansi_color, None)  # from now on as the theme says (a later theme too)
        else:
            self.theme = theme
        from tui.widgets.text import clean

        if session.demo_dir:  # the header is no place for a control character either
            self.sub_title = f"{clean(session.school_name)} · 演示"
        else:
            self.sub_title = clean(session.school_name)

    def on_ready(self) -> None:
        self.startup_seconds = (time.perf_counter_ns() - self.start_ns) / 1e9
        if not gc.isenabled():  # the command line turned the collector off for the start (tui/cli.py)
            gc.freeze()  # what the start made lives as long as the app: never scanned again
            gc.enable()
        self.log.info(f"startup {self.startup_seconds:.3f}s")
        self._paint_first_frame_now()
        self._later_sections_styled_as_made()
        if self.WARM_MODULES:
            self.run_worker(partial(_warm_up, self.WARM_MODULES), thread=True, group="warm", name="warm-up",
                            exit_on_error=False)
        explanation = self.viewer.explanation()  # no staff account: empty lists, and why
        if explanation:
            self.notify(explanation, title="看不到任何档案", severity="warning", timeout=30)
        self.remind_drafts()

    def _paint_first_frame_now(self) -> None:
        """Paint the first screen whole now, not on the next tick of Textual's 60 Hz update timer.
        Textual lays the screen out while it mounts, before it writes anything; the layout asked
        for then is done again, and the screen painted whole, only by the timer, whose ticks fall
        on a grid set when it first started: the complete first frame came 0-17 ms after it was
        ready (median 11 ms over 15 paired starts of the demo school: 1.12 -> 1.06 x the bare
        Textual baseline). Textual's private names; if they go, this does nothing
        (tests/test_first_frame.py says so)."""
        screen = self.screen
        if getattr(screen, "_layout_required", False) is True:
            _paint_now(screen)

    def delay_update(self, delay: float = 0.05) -> None:
        """Textual's hold of the screen's updates (``switch_mode`` asks for it: 50 ms to hide the
        switch), but when it ends the screen is painted at once, not on the next tick of the update
        timer: a section whose list takes longer than the hold to read (待办, 名册 on a big school)
        was drawn 0-17 ms after it was ready (issue 20). Textual's private names, as above; without
        them it is Textual's own."""
        begin, end = getattr(self, "_begin_batch", None), getattr(self, "_end_batch", None)
        if not (callable(begin) and callable(end)):
            super().delay_update(delay)
            return
        begin()

        def end_batch() -> None:
            end()
            if not self._batch_count and self.screen_stack:  # (no screen: the app is closing)
                self.screen.refresh()
                _paint_now(self.screen)

        self.set_timer(delay, end_batch, name="delay_update")

    # Imported after the first frame, in a thread, while the teacher reads it (issue 20): what 待办's
    # first showing (key 0) imported (dateutil, lunar_python for the 近7天 line, the dropout duties).
    # dateutil.parser (with dateutil.tz and zoneinfo) comes only when rrulestr reads an UNTIL, as the
    # term calendar's series do: 35 ms of the first 待办. Nothing here is on the way to the first
    # frame (tests/test_startup_imports.py).
    WARM_MODULES: tuple[str, ...] = ("screens.due", "models.calendar.reminders", "models.dropout", "dateutil.rrule",
                                     "dateutil.parser", "lunar_python")

    def _later_sections_styled_as_made(self) -> None:
        """A section's screen shown for the first time is styled as its widgets mount; Textual also
        re-read and re-applied the whole stylesheet twice for it (``refresh_css`` in ``_init_mode`` and
        ``switch_mode``: 20 ms of the first 待办 on a school of 20,000), only because a new screen's CSS
        generation (-1) is not the app's. Each later section's screen is given the app's generation as
        it is made (a theme changed later still restyles it: that moves the app's on). Textual's
        private attributes; without them nothing changes."""
        modes = getattr(self, "_modes", None)
        if not isinstance(modes, dict) or not hasattr(self, "_css_update_count"):
            return
        stacks = getattr(self, "_screen_stacks", {})

        def styled_as_made(make):
            def made():
                screen = make()
                if isinstance(screen, Screen) and hasattr(screen, "_css_update_count"):
                    screen._css_update_count = self._css_update_count
                return screen
            return made

        for name, make in list(modes.items()):
            if name not in stacks and callable(make) and not isinstance(make, (str, type)):
                modes[name] = styled_as_made(make)

    def remind_drafts(self) -> list[str]:
        """Say what was left unsaved last time (a dropped connection, a quit): where to find it."""
        from models import drafts

        try:
            pending = drafts.pending_drafts(self.session.staff_id)
        except Exception as exc:  # a reminder is not worth a failed start
            self.log.warning(f"drafts not listed: {exc}")
            return []
        if pending:
            shown = "、".join(pending[:4]) + (f" 等 {len(pending)} 项" if len(pending) > 4 else "")
            self.notify(f"{shown}。打开同一个记录即可接着写。", title="上次没有保存的草稿", timeout=15)
        return pending

    def _unsaved_screens(self) -> list[Screen]:
        """Screens, in every section, with input not yet saved."""
        stacks = getattr(self, "_screen_stacks", None) or {"": self.screen_stack}
        out = []
        for stack in stacks.values():
            for screen in stack:
                is_dirty = getattr(screen, "is_dirty", None)
                if callable(is_dirty) and screen.is_mounted and is_dirty():
                    out.append(screen)
        return out

    AMBIWIDTH_CHOICES = {"自动: 开始时问终端": "auto", "宽: PuTTY/Xshell 设了 CJK 宽字符": "wide", "窄": "narrow"}

    def action_ambiwidth(self) -> None:
        """The login's own 字符宽度 (tui/ambiwidth.py), kept in the database because SSH does not
        pass GUANAI_AMBIWIDTH; used from the next start (the screen's driver is chosen before it)."""
        from models import settings
        from tui.widgets.pick_list import PickListScreen

        if not self.session.staff_id:
            self.notify("没有登录, 不能保存字符宽度; 可以设 GUANAI_AMBIWIDTH=wide 或 narrow", severity="warning")
            return
        now = settings.login_ambiwidth(self.session.school_id, self.session.staff_id)
        labels = list(self.AMBIWIDTH_CHOICES)
        current = next((k for k, v in self.AMBIWIDTH_CHOICES.items() if v == now), labels[0])

        def chosen(label) -> None:
            if label is None:
                return
            settings.set_login_ambiwidth(self.session.school_id, self.session.staff_id, self.AMBIWIDTH_CHOICES[label])
            self.notify(f"字符宽度: {label}。下次打开关爱时生效。", timeout=6)

        self.push_screen(PickListScreen("字符宽度 (边框乱了时改这里)", labels, current=current), chosen)

    async def action_quit(self) -> None:
        """q and ctrl+q: with unsaved input, ask first (the drafts are kept either way)."""
        from screens.confirm import ConfirmScreen

        if isinstance(self.screen, ConfirmScreen) and getattr(self.screen, "quitting", False):
            self.exit()  # ctrl+q twice: she means it
            return
        if not self._unsaved_screens():
            self.exit()
            return
        question = ConfirmScreen("有没有保存的内容 (已存为草稿, 下次打开同一个记录可接着写)。现在退出吗?",
                                 yes="退出", no="继续编辑")
        question.quitting = True

        def answer(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(question, answer)

    # -- live updates: another user's change shows within a second or two ------------
    # -- 强制报告: the red banner of the head and the admin until each report is confirmed ---------
    report_banner = ""

    def refresh_report_banner(self) -> str:
        """Count the unconfirmed reports (head and admin only: ``scope.sees_report_banner``) and
        redraw the title bars; the admin's banner is a count, never a child."""
        from models import protection, scope

        try:
            viewer = self.viewer
            count = protection.unconfirmed_count(self.school_id, viewer=viewer) if self.staff_id else 0
        except Exception as exc:  # no banner is better than no app (a locked database: next poll)
            self.log.warning(f"report banner not counted: {exc}")
            return self.report_banner
        text = ""
        if count:
            text = f"! 强制报告待校长确认 {count} 份" + (" (按 ! 确认)" if scope.banner_names_children(viewer)
                                                      else " (请提醒校长)")
        if text != self.report_banner:
            self.report_banner = text
            from tui.chrome import TitleBar

            for bar in self.screen.query(TitleBar):
                bar.refresh()
        return text

    def action_dropout_cases(self) -> None:
        """控辍保学: the 辍学风险 cases the viewer follows (screens/dropout_case.py)."""
        from screens.dropout_case import DropoutListScreen

        if not isinstance(self.screen, DropoutListScreen):
            self.push_screen(DropoutListScreen())

    def action_reports(self) -> None:
        from screens.protection_list import ReportListScreen

        if not self.staff_id:
            self.notify("没有登录, 不能查看强制报告", severity="warning")
            return
        if not isinstance(self.screen, ReportListScreen):
            self.push_screen(ReportListScreen())

    def on_mount(self) -> None:
        from models.live import ChangeWatcher

        self.data_refreshes = 0
        # counted just after the first frame (models.protection and its query are not on the way to it);
        # the banner shows on the next refresh
        self.call_after_refresh(self.refresh_report_banner)
        try:
            self.watcher: ChangeWatcher | None = ChangeWatcher()
        except Exception as exc:  # no polling is better than no app
            self.watcher = None
            self.log.warning(f"live updates off: {exc}")
            return
        self.set_interval(self.watcher.interval, self.check_for_changes, name="live-updates")

    def check_for_changes(self) -> None:
        """Poll (SQLite: PRAGMA data_version, free; PostgreSQL: a few index lookups)."""
        if self.watcher is None:
            return
        try:
            changed = self.watcher.changed()
        except Exception as exc:  # a locked or vanished database: try again next time
            from models import db as dbmod

            dbmod.translate(exc)  # a dropped connection is closed, so the next poll reconnects
            self.log.warning(f"live update check failed: {exc}")
            return
        if changed:
            self.refresh_report_banner()
            self.refresh_screen_data()

    def refresh_screen_data(self) -> bool:
        """Tell the current screen that another user changed the data: a ``DataChanged`` message,
        taken by the screens that show such data (``tui.list_screen.LiveData``: the lists reload,
        a burst of changes once). Forms and dialogs are never sent it; screens underneath reload
        when they are shown again."""
        from tui.list_screen import DataChanged, LiveData

        screen = self.screen
        if not isinstance(screen, LiveData) or not screen.is_mounted:
            return False
        screen.post_message(DataChanged())
        self.data_refreshes += 1
        return True

    # -- admin screens (command palette) ---------------------------------------------
    @property
    def is_admin(self) -> bool:
        """Whether the admin's screens (logins, audit log) open: ``models.scope.is_admin``."""
        from models import scope

        return bool(self.session.staff_id) and scope.is_admin(self.viewer)

    def action_users(self) -> None:
        from screens.users import UsersScreen

        if not self.is_admin:
            self.notify("只有管理员可以管理教职工账号", severity="warning")
            return
        self.push_screen(UsersScreen())

    def action_audit(self) -> None:
        from screens.audit_log import AuditLogScreen

        if not self.is_admin:
            self.notify("只有管理员可以查看审计日志", severity="warning")
            return
        self.push_screen(AuditLogScreen())

    def action_bus_routes(self) -> None:
        """校车路线: adding and changing routes is the admin's (models/scope.py)."""
        from models import scope
        from screens.bus_routes import BusRoutesScreen

        if not scope.may_edit_bus_routes(self.viewer, self.school_id):
            self.notify(scope.BUS_EDIT_FORBIDDEN, severity="warning")
            return
        self.push_screen(BusRoutesScreen())

    @property
    def staff_id(self) -> int | None:
        return self.session.staff_id

    @property
    def viewer(self):
        """Whose scope every screen's queries run in (``models.scope``)."""
        return self.drilled or self.session.viewer

    @property
    def school_id(self) -> int:
        return self.drilled.school_id if self.drilled is not None else self.session.school_id

    async def action_section(self, key: str) -> None:
        """Land on the section's main list: a child page or dialog left open in that section is
        closed (a form with unsaved input stays, and says so, rather than losing the text)."""
        if getattr(self, "area_viewer", False):
            self.notify("县、乡镇账号不使用 0-5 各页: 在学校一览中按 enter 查看一所学校的汇总, 再按 1 看名册 (只读, 已遮盖)",
                        severity="warning")
            return
        await self.switch_mode(SECTIONS[key][0])
        while len(self.screen_stack) > 1:
            is_dirty = getattr(self.screen, "is_dirty", None)
            if callable(is_dirty) and is_dirty():
                self.notify("这里有没保存的修改: ctrl+s 保存, esc 放弃后再换页", severity="warning")
                return
            await self.pop_screen()

    # Textual's switch_mode holds screen updates for 50 ms (App.delay_update) and the screen
    # switched to repaints when that ends. Now and then (one section switch in a few dozen in
    # tmux, seen with Textual 8.2) the screen is left with its repaint pending and its update
    # timer paused, so the terminal keeps showing the page left behind until the next key. One
    # more refresh once the hold is over starts the timer again; it is only asked for when a
    # repaint is still pending (Textual's private flags; should they change, it always refreshes).
    SWITCH_REPAINT_SECONDS = 0.12

    def switch_mode(self, mode: str):
        """Also holds the cyclic collector from the key until the section is painted: its screen is
        made, styled and read in that time, and the collections due then (a young one of the last
        list's 100,000 objects on a school of 20,000: 32 ms) fell in its frame (tui/collector.py)."""
        from tui import collector

        paused = collector.pause()
        try:
            result = super().switch_mode(mode)
        except BaseException:
            if paused:
                gc.enable()
            raise
        self.set_timer(self.SWITCH_REPAINT_SECONDS, self._repaint_screen, name="switch-repaint")
        if paused:
            collector.on_after_paint(self.screen)
        return result

    def _repaint_screen(self) -> None:
        if not self.screen_stack:  # the app is closing
            return
        screen = self.screen
        if (getattr(screen, "_repaint_required", True) or getattr(screen, "_layout_required", True)
                or getattr(screen, "_dirty_widgets", True)):
            screen.refresh()

    def action_help(self) -> None:
        from screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def notify(self, message, *, title: str = "", severity="information", timeout=None, markup: bool = True):
        """Notifications carry names, logins and error texts: always plain text, never markup
        (Widget.notify passes markup=True explicitly, so the default alone would not do)."""
        from tui.widgets.text import clean

        return super().notify(clean(message, one_line=False), title=clean(title), severity=severity,
                              timeout=timeout, markup=False)

    def action_command_palette(self) -> None:
        """The palette in Chinese (tui/palette.py: pinyin initials, pages and the screens' actions)."""
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(id="--command-palette", placeholder="输入拼音首字母或汉字, 如 tx 谈心、dc 导出"))
