"""The command palette (ctrl+p) in Chinese: pages and the screens' actions, found by pinyin
initials (``tx`` finds 记录谈心, 新记谈心, 谈心记录), full pinyin or characters.

Each command's pinyin is written out below, not computed: pypinyin costs 0.35 s on first use
(tests/test_orientation.py checks the table against ``models.pinyin``). A command belongs to a
section (it switches there first) or to whichever screen has its action (记录谈心 on the roster,
the due list, the talk log or the pairing board: the selected child).
"""
from __future__ import annotations

from dataclasses import dataclass

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content


@dataclass(frozen=True)
class Command:
    title: str
    full: str  # full pinyin of the title
    initials: str
    action: str  # the screen's (or with app=True the app's) action
    section: str | None = None  # switch to this section first; None: the current screen, if it has it
    key: str = ""  # the key that does it on its screen, shown after the title
    app: bool = False
    admin: bool = False
    only: tuple[str, ...] = ()  # screen classes where the action means this title (enter opens a talk in 谈心)
    work: bool = True  # a school's own work (sections, cases, reports): not offered to a read-only officer


COMMANDS = (
    Command("待办", "daiban", "db", "section('0')", key="0", app=True),
    Command("名册", "mingce", "mc", "section('1')", key="1", app=True),
    Command("结对", "jiedui", "jd", "section('2')", key="2", app=True),
    Command("谈心记录", "tanxinjilu", "txjl", "section('3')", key="3", app=True),
    Command("行事历", "xingshili", "xsl", "section('4')", key="4", app=True),
    Command("工作手册", "gongzuoshouce", "gzsc", "section('5')", key="5", app=True),
    Command("记录谈心", "jilutanxin", "jltx", "talk", key="t"),
    Command("打开档案", "dakaidangan", "dkda", "open", key="回车", only=("RosterScreen", "DueScreen")),
    Command("新记谈心", "xinjitanxin", "xjtx", "new", section="3", key="3 n"),
    Command("筛选谈心记录", "shaixuantanxinjilu", "sxtxjl", "filter", section="3", key="3 f"),
    Command("新建档案", "xinjiandangan", "xjda", "new", section="1", key="1 n"),
    Command("修改档案", "xiugaidangan", "xgda", "edit", section="1", key="1 e"),
    Command("筛选名册", "shaixuanmingce", "sxmc", "filter", section="1", key="1 f"),
    Command("导入名册", "daorumingce", "drmc", "import", section="1", key="1 i"),
    Command("换排序", "huanpaixu", "hpx", "sort", section="1", key="1 s"),
    Command("全部学生或只看留守", "quanbuxueshenghuozhikanliushou", "qbxshzkls", "toggle_scope", section="1",
            key="1 a"),
    Command("我的孩子或全校", "wodehaizihuoquanxiao", "wdhzhqx", "toggle_mine", section="0", key="0 m"),
    Command("近七天提醒", "jinqitiantixing", "jqttx", "reminders", section="0", key="0 r"),
    Command("需要关注", "xuyaoguanzhu", "xygz", "attention", section="0", key="0 g"),
    Command("换结对类型", "huanjieduileixing", "hjdlx", "next_kind", section="2", key="2 k"),
    Command("最多帮扶人数", "zuiduobangfurenshu", "zdbfrs", "max_load", section="2", key="2 l"),
    Command("新建活动", "xinjianhuodong", "xjhd", "new", section="4", key="4 n"),
    Command("生成学期行事历", "shengchengxueqixingshili", "scxqxsl", "plan", section="4", key="4 g"),
    Command("导出工作手册", "daochugongzuoshouce", "dcgzsc", "export", section="5", key="5 ctrl+s"),
    Command("帮助", "bangzhu", "bz", "help", key="?", app=True, work=False),
    Command("换配色", "huanpeise", "hps", "change_theme", app=True, work=False),
    Command("字符宽度", "zifukuandu", "zfkd", "ambiwidth", app=True, work=False),
    Command("教职工账号", "jiaozhigongzhanghao", "jzgzh", "users", app=True, admin=True),
    Command("审计日志", "shenjirizhi", "sjrz", "audit", app=True, admin=True),
    Command("校车路线", "xiaocheluxian", "xclx", "bus_routes", app=True, admin=True),
    Command("强制报告", "qiangzhibaogao", "qzbg", "reports", key="!", app=True),
    Command("控辍保学", "kongchuobaoxue", "kcbx", "dropout_cases", app=True),
    Command("登记缺课", "dengjiqueke", "djqk", "absent", section="1", key="1 x"),
    Command("全班考勤", "quanbankaoqin", "qbkq", "class_absent", section="1", key="1 X"),
    Command("退出", "tuichu", "tc", "quit", key="q", app=True, work=False),
)


def score(command: Command, query: str) -> float:
    """0 for no match; initials first (``dc`` 导出…), then full pinyin, then characters."""
    q = "".join(query.lower().split())
    if not q:
        return 1.0
    if command.initials.startswith(q):
        return 1.0
    if q in command.initials:
        return 0.9
    if command.full.startswith(q):
        return 0.85
    if q in command.full:
        return 0.7
    if q in command.title:
        return 0.8
    return 0.0


def commands_for(app, screen) -> list[Command]:
    """The commands the palette offers on ``screen`` (admin screens to an admin only): none the screen's
    ``check_action`` refuses, as its footer; for a read-only viewer (``scope.is_read_only``: a 县/乡镇
    officer, whom the sections, cases and reports of a school do not apply to) only help, colours,
    character width and quit."""
    from models.scope import Viewer, is_read_only

    viewer = getattr(app, "viewer", None)
    read_only = isinstance(viewer, Viewer) and is_read_only(viewer)
    out = []
    for c in COMMANDS:
        if c.admin and not getattr(app, "is_admin", False):
            continue
        if not c.app and c.section is None and not callable(getattr(screen, f"action_{c.action}", None)):
            continue  # a selected child is needed: only where there is one
        if not c.app and c.section is None and screen.check_action(c.action, ()) is False:
            continue  # not offered on this screen (its footer does not show it either)
        if read_only and c.work:
            continue
        if c.only and type(screen).__name__ not in c.only:
            continue
        out.append(c)
    return out


class GuanaiCommands(Provider):
    """The palette's only provider: Textual's English system commands (and its Keys panel,
    which Esc did not close) are left out."""

    def _available(self) -> list[Command]:
        return commands_for(self.app, self.screen)

    def _run(self, c: Command):
        app = self.app
        screen = self.screen

        async def run() -> None:
            if c.app:
                await app.run_action(c.action)
                return
            if c.section is not None:
                from tui.app import SECTIONS

                if getattr(app, "current_mode", None) != SECTIONS[c.section][0] or len(app.screen_stack) > 1:
                    await app.run_action(f"section('{c.section}')")
                target = app.screen
            else:
                target = screen
            await target.run_action(c.action)

        return run

    def _display(self, c: Command) -> Content:
        return Content.assemble((c.title, "bold"), f"  {c.key}" if c.key else "")

    async def discover(self) -> Hits:
        for c in self._available():
            yield DiscoveryHit(self._display(c), self._run(c), text=c.title, help=c.full)

    async def search(self, query: str) -> Hits:
        for c in self._available():
            s = score(c, query)
            if s > 0:
                yield Hit(s, self._display(c), self._run(c), text=c.title, help=c.initials)
