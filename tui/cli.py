"""The command line: ``guanai`` starts the TUI; the subcommands are plain and scriptable.

Errors are one line on stderr and exit code 2, with nothing written. Only the TUI
path imports textual, so ``guanai backup`` from cron starts in a fraction of a second.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import time

START_NS = time.perf_counter_ns()


# argparse's own words (Python 3.11-3.13), as the teachers read them: (pattern, Chinese).
_ARGPARSE_WORDS = (
    (r"the following arguments are required: (.*)", r"缺少必需的参数: \1"),
    (r"unrecognized arguments: (.*)", r"无法识别的参数: \1"),
    (r"expected one argument", "后面需要一个值"),
    (r"expected at most one argument", "后面最多一个值"),
    (r"expected at least one argument", "后面至少需要一个值"),
    (r"invalid int value: (.*)", r"应为整数, 而不是 \1"),
    (r"invalid (\w+) value: (.*)", r"无效的值 \2"),
    (r"invalid choice: (.*?) \(choose from (.*)\)", r"没有 \1 (可用: \2)"),
    (r"not allowed with argument (.*)", r"不能与 \1 同时使用"),
    (r"one of the arguments (.*) is required", r"需要 \1 之一"),
    (r"ambiguous option: (.*) could match (.*)", r"选项 \1 不明确, 可能是 \2"),
    (r"ignored explicit argument (.*)", r"这个选项不带值: \1"),
)


def chinese_argparse_message(message: str) -> str:
    """argparse's English error text in Chinese (``argument --x: …`` too); unknown text as it is."""
    import re

    head = ""
    m = re.fullmatch(r"argument (.+?): (.*)", message, re.S)
    if m:
        head, message = f"{m.group(1)}: ", m.group(2)
    for pattern, chinese in _ARGPARSE_WORDS:
        if re.fullmatch(pattern, message, re.S):
            return head + re.sub(pattern, chinese, message, flags=re.S)
    return head + message


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None) -> None:
        super().add_usage(usage, actions, groups, "用法: " if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse in Chinese: usage, section titles and ``-h``; an error is one line, exit 2."""

    def __init__(self, *args, add_help: bool = True, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示帮助并退出")

    def error(self, message: str) -> None:  # one line, exit 2
        sys.stderr.write(f"guanai: 参数错误: {chinese_argparse_message(message)}\n")
        raise SystemExit(2)


def _top_parser(cls: type[_Parser], parents: list[argparse.ArgumentParser], add_help: bool = True) -> _Parser:
    p = cls(prog="guanai", description="关爱: 留守儿童关爱工作管理", parents=parents, add_help=add_help)
    p.add_argument("--demo", action="store_true", help="打开演示学校 (临时副本, 不改动 sample.db)")
    p.add_argument("--user", metavar="LOGIN", help="以哪位教职工的身份使用 (默认: 系统用户名; 也可写在命令后面)")
    p.add_argument("--as", dest="as_login", metavar="LOGIN",
                   help="学校服务器的 SSH 强制命令用: 固定以这个登录名工作, 不能再用 --user 改变 (见 README)")
    return p


def _db_option(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("--db", default=argparse.SUPPRESS, metavar="PATH|URL",
                   help="数据库文件或地址 (也可用环境变量 GUANAI_DB)")
    return p


class _NotPlain(Exception):
    pass


class _PlainStartParser(_Parser):
    """Only the options of a plain start: a word it does not know or an error is the whole parser's."""

    def error(self, message: str) -> None:
        raise _NotPlain(message)


def parse_plain_start(argv: list[str]) -> argparse.Namespace | None:
    """The arguments of a plain start of the app (``guanai``, ``--demo``, ``--db``, ``--user``), or
    None for anything else. Building every command's parser took 4-10 ms of each start for nothing;
    ``--as`` (its login's command is read later), ``-h``, a command or a mistake go to the whole one."""
    top = _top_parser(_PlainStartParser, [_db_option(_PlainStartParser(add_help=False))], add_help=False)
    try:
        args, rest = top.parse_known_args(argv)
    except _NotPlain:
        return None
    if rest or args.as_login:
        return None
    args.command = None
    return args


def build_parser() -> argparse.ArgumentParser:
    """Every subcommand takes ``--db`` and ``--user`` before or after its name, the same either way;
    only ``audit``'s own ``--user`` (after its name) says whose actions to list, as the README has it."""
    db_only = _db_option(_Parser(add_help=False))
    common = _Parser(add_help=False, parents=[db_only])
    common.add_argument("--user", dest="user_after", default=argparse.SUPPRESS, metavar="LOGIN",
                        help="以哪位教职工的身份操作 (也可写在命令前面)")

    p = _top_parser(_Parser, [db_only])
    sub = p.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)

    s = sub.add_parser("init", parents=[common], help="建立或升级数据库结构")
    s.set_defaults(func=cmd_init)

    s = sub.add_parser("sample", parents=[common], help="生成演示学校")
    s.add_argument("-o", "--output", metavar="FILE", help="写到新的 SQLite 文件")
    s.add_argument("--children", type=int, default=1000, metavar="N",
                   help="学生人数 (默认 1000; 超过 1500 时分成多所学校, 每校约 400 人)")
    s.add_argument("--months", type=int, default=None, metavar="M",
                   help="谈心记录覆盖截至 2026-11-27 的 M 个月 (1-24; 默认: 2026 年秋季学期)")
    s.set_defaults(func=cmd_sample)

    s = sub.add_parser("backup", parents=[common], help="在他人使用时做一致的备份")
    s.add_argument("-o", "--output", metavar="FILE", required=True)
    s.set_defaults(func=cmd_backup)

    s = sub.add_parser("rules", parents=[common], help="查看或修改谈心、电话、家访等事项的频率 (管理员)")
    s.add_argument("name", nargs="?", metavar="规则名", help="要修改的规则, 如 每周谈心; 或 add 新规则名")
    s.add_argument("new_name", nargs="?", metavar="新规则名", help="add 时: 新规则的名称, 如 亲情书信")
    s.add_argument("--kind", metavar="类别", help="add 时: 完成它的记录类别 (默认同规则名), 如 亲情书信")
    s.add_argument("--helper", metavar="结对类型", help="add 时: 只由这种结对的帮扶人完成 (爱心妈妈 / 帮扶教师)")
    s.add_argument("--key-target", action="store_true", help="add 时: 只对重点帮扶对象")
    how = s.add_mutually_exclusive_group()
    how.add_argument("--every", type=int, metavar="天数", help="每隔几天一次")
    how.add_argument("--rrule", metavar="RRULE", help="RFC 5545 重复规则, 如 FREQ=MONTHLY;BYMONTHDAY=-1")
    how.add_argument("--per-term", action="store_true", help="每学期一次")
    s.add_argument("--times", type=int, metavar="次数", help="需要关注的规则: 几次 (如 连续3次情绪低落)")
    s.add_argument("--days", type=int, metavar="天数", help="需要关注的规则: 多少天之内")
    on = s.add_mutually_exclusive_group()
    on.add_argument("--enable", action="store_true", help="启用")
    on.add_argument("--disable", action="store_true", help="停用")
    s.set_defaults(func=cmd_rules)

    s = sub.add_parser("import", parents=[common], help="从 Excel (.xlsx/.xls) 或 CSV 名册导入学生档案",
                       description="按列名识别各列 (姓名、身份证号、班级、监护人……), 逐行检查; 有效的行一次导入, "
                                   "有错误的行列出行号、列和原因; 报告另存为输入文件旁边的 CSV")
    s.add_argument("file", metavar="FILE", help=".xlsx、.xls 或 .csv 文件")
    s.add_argument("--dry-run", action="store_true", help="只检查并报告, 不写入数据库")
    s.add_argument("--sheet", metavar="NAME", help="只导入工作簿中的这个工作表 (默认: 每个有表头的工作表)")
    s.add_argument("--header-row", type=int, metavar="N",
                   help="第 N 行是表头 (两行的表头写下面一行; 默认自动识别; 工作簿要同时用 --sheet)")
    s.add_argument("--class", dest="class_name", metavar="NAME", help="文件中没有班级列时, 导入到这个班 (如 三年级2班)")
    s.add_argument("--update", action="store_true", help="已有的孩子: 用文件中的内容更新档案 (默认: 跳过)")
    s.set_defaults(func=cmd_import)

    s = sub.add_parser("users", parents=[common], help="列出教职工登录名; 管理员添加、停用账号, 重置 PIN",
                       description="不带操作时列出全部教职工: 登录名 姓名 角色 班级 状态 (制表符分隔)")
    s.set_defaults(func=cmd_users)
    users_sub = s.add_subparsers(dest="users_command", metavar="操作", parser_class=_Parser)
    u = users_sub.add_parser("add", parents=[common], help="添加教职工账号 (管理员)")
    u.add_argument("login", metavar="LOGIN", help="登录名, 最好与其系统用户名相同")
    u.add_argument("--name", required=True, metavar="NAME", help="姓名")
    u.add_argument("--role", required=True, metavar="ROLE",
                   help="admin 管理员 / head 校长 / class_teacher 班主任 / teacher 任课教师 / counselor 心理咨询室教师 / "
                        "volunteer 志愿者(爱心妈妈) / county 县 / township 乡镇")
    u.add_argument("--area", default="", metavar="NAME", help="县、乡镇账号所管的县名或乡镇名 (如 云岭县、城关镇)")
    u.add_argument("--class", dest="class_name", metavar="NAME", help="班主任所带的班, 或任课的班 (如 三年级2班)")
    u.add_argument("--phone", default="", metavar="PHONE", help="电话")
    u.add_argument("--pin", action="store_true", help="同时设置 PIN (在终端中输入, 不回显)")
    u.set_defaults(func=cmd_users_add)
    u = users_sub.add_parser("deactivate", parents=[common], help="停用账号 (管理员); 记录和历史都保留")
    u.add_argument("login", metavar="LOGIN")
    u.set_defaults(func=cmd_users_deactivate)
    u = users_sub.add_parser("unlock", parents=[common],
                             help="解除 PIN 输错造成的锁定 (管理员, 或在服务器上以数据库文件所有者的系统账号运行)")
    u.add_argument("login", metavar="LOGIN")
    u.set_defaults(func=cmd_users_unlock)
    u = users_sub.add_parser("reset-pin", parents=[common], help="重新设置 PIN 并解除锁定 (管理员)")
    u.add_argument("login", metavar="LOGIN")
    u.add_argument("--clear", action="store_true", help="去掉 PIN (登录时不再询问)")
    u.set_defaults(func=cmd_users_reset_pin)

    s = sub.add_parser("audit", parents=[db_only], help="审计日志: 谁在何时从哪里做了什么 (管理员)",
                       description="每行一条, 制表符分隔: 时间 登录名(姓名) 动作 表#行 来源 改动; "
                                   "以管理员身份运行: guanai --user admin audit …")
    s.add_argument("--since", metavar="YYYY-MM-DD", help="从这一天起")
    s.add_argument("--until", metavar="YYYY-MM-DD", help="到这一天为止")
    s.add_argument("--user", dest="audit_user", metavar="LOGIN", help="只列这位教职工的操作")
    s.add_argument("--table", metavar="T", help="只列这张表 (child, contact, staff, pairing …)")
    s.add_argument("--action", metavar="A", help="只列这种动作 (login, login_fail, create, update, delete …)")
    s.set_defaults(func=cmd_audit)

    s = sub.add_parser("restore", parents=[common], help="从备份文件恢复数据库 (先保留当前数据库)",
                       description="检查备份文件, 询问确认后, 把当前数据库另存为 <数据库>.before-restore-<时间>, "
                                   "再用备份替换它")
    s.add_argument("file", metavar="FILE", help="guanai backup 做的备份文件")
    s.add_argument("--yes", action="store_true", help="不再询问, 直接恢复")
    s.set_defaults(func=cmd_restore)

    s = sub.add_parser("purge", parents=[common], help="彻底删除已归档且超过保存年限的档案 (管理员)",
                       description="列出已归档、离校已超过保存年限 (默认 3 年) 的孩子, 确认后连同谈心记录、结对、父母、"
                                   "活动参与、监护人同意和草稿一并删除, 再压缩数据库 (VACUUM); 审计日志记一条不含个人信息的记录")
    s.add_argument("--dry-run", action="store_true", help="只列出将删除的档案, 不删除")
    s.add_argument("--yes", action="store_true", help="不再询问, 直接删除")
    s.set_defaults(func=cmd_purge)

    s = sub.add_parser("due", parents=[common], help="列出待办关爱事项 (逾期、今天、本周)",
                       description="每行一项: 姓名 班级 事项 类别 到期日 逾期天数 (制表符分隔, 无表头)")
    s.add_argument("--date", metavar="YYYY-MM-DD", help="按哪一天计算 (默认: 今天)")
    s.add_argument("--kind", metavar="KIND", help="只列这一类: 记录类别 (如 谈心) 或事项名称 (如 家访)")
    s.add_argument("--class", dest="class_name", metavar="NAME", help="只列这个班 (如 三年级2班)")
    s.set_defaults(func=cmd_due)

    s = sub.add_parser("export", parents=[common], help="导出月度留守儿童工作手册 (xlsx, 供检查打印)",
                       description="默认文件名: 留守儿童工作手册_<班级或学校>_<YYYY-MM>.xlsx (写在当前目录)")
    s.add_argument("--month", required=True, metavar="YYYY-MM", help="哪个月, 如 2026-11")
    s.add_argument("--class", dest="class_name", metavar="NAME", help="只导出这个班 (如 三年级2班; 默认全校)")
    s.add_argument("-o", "--output", metavar="FILE.xlsx", help="输出文件或目录")
    s.add_argument("--force", action="store_true", help="文件已存在时覆盖")
    s.add_argument("--unmask", action="store_true", help="不遮盖身份证号和电话 (仅管理员)")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("report-form", parents=[common], help="打印一份强制报告单 (xlsx, A4 纵向; 报告人、校长、心理咨询室教师)",
                       description="默认文件名: 强制报告单_<编号>.xlsx (写在当前目录, 或 -o 给出的目录); 每次打印记入审计日志")
    s.add_argument("report_id", metavar="ID", help="报告单编号 (强制报告列表和报告单上的 #编号)")
    s.add_argument("-o", "--output", metavar="FILE.xlsx", help="输出文件或目录")
    s.add_argument("--force", action="store_true", help="文件已存在时覆盖")
    s.set_defaults(func=cmd_report_form)

    s = sub.add_parser("report-register", parents=[common], help="导出本学期强制报告登记台账 (xlsx; 校长、心理咨询室教师)",
                       description="默认文件名: 强制报告登记台账_<学期>.xlsx (写在当前目录, 或 -o 给出的目录)")
    s.add_argument("--date", metavar="YYYY-MM-DD", help="哪一天所在的学期 (默认: 今天; 假期里是刚结束的学期)")
    s.add_argument("-o", "--output", metavar="FILE.xlsx", help="输出文件或目录")
    s.add_argument("--force", action="store_true", help="文件已存在时覆盖")
    s.set_defaults(func=cmd_report_register)

    s = sub.add_parser("attention-sheet", parents=[common],
                       help="导出某月的预警与干预记录表 (需要关注; xlsx; 心理咨询室教师、校长、班主任)",
                       description="默认文件名: 预警与干预_<YYYY-MM>.xlsx (写在当前目录); 班主任只含本班")
    s.add_argument("--month", metavar="YYYY-MM", required=True, help="月份, 如 2026-11")
    s.add_argument("--class", dest="class_name", metavar="NAME", help="只导出这个班级")
    s.add_argument("-o", "--output", metavar="FILE.xlsx", help="输出文件")
    s.add_argument("--force", action="store_true", help="文件已存在时覆盖")
    s.set_defaults(func=cmd_attention_sheet)

    s = sub.add_parser("dropout", parents=[common],
                       help="控辍保学: 导出某月的控辍保学月报 (xlsx), 或一个辍学风险案例的书面报告 (txt)",
                       description="默认文件名: 控辍保学月报_<班级或全校>_<YYYY-MM>.xlsx 或 辍学书面报告_<编号>.txt "
                                   "(写在当前目录, 或 -o 给出的目录); 全校限管理员和校长, 一个班也限本班班主任")
    what = s.add_mutually_exclusive_group(required=True)
    what.add_argument("--month", metavar="YYYY-MM", help="月报的月份, 如 2026-11")
    what.add_argument("--report", metavar="ID", help="打印这个案例的书面报告 (案例页上的 #编号)")
    what.add_argument("--attempts", metavar="N", help="劝返无效几次后写书面报告 (默认 3; 管理员、校长); 不加值见当前设置",
                      nargs="?", const="")
    s.add_argument("--class", dest="class_name", metavar="NAME", help="只导出这个班级")
    s.add_argument("-o", "--output", metavar="FILE", help="输出文件或目录")
    s.add_argument("--force", action="store_true", help="文件已存在时覆盖")
    s.add_argument("--unmask", action="store_true", help="不遮盖身份证号 (仅管理员)")
    s.set_defaults(func=cmd_dropout)

    s = sub.add_parser("report", parents=[common],
                       help="导出上报用的留守儿童、困境儿童统计报表 (xlsx; 校长、管理员, 县、乡镇账号)",
                       description="民政和教育统计两种口径并列, 年龄段、监护类型、困境儿童、控辍保学和本期变动清单; "
                                   "每次生成都保存一份快照, 供下次对比。默认文件名: 留守儿童统计报表_<学校或全县>_<期间>.xlsx "
                                   "(写在当前目录, 或 -o 给出的目录)")
    when = s.add_mutually_exclusive_group(required=True)
    when.add_argument("--month", metavar="YYYY-MM", help="哪个月, 如 2026-11")
    when.add_argument("--term", metavar="NAME", help="哪个学期, 如 2026年秋季学期 或 2026秋")
    s.add_argument("--school", metavar="NAME", help="只统计这所学校 (县、乡镇账号; 默认: 本人的学校或辖区)")
    s.add_argument("--county", action="store_true", help="全县汇总: 每校一行, 另有合计 (县级账号)")
    s.add_argument("-o", "--output", metavar="FILE.xlsx", help="输出文件或目录")
    s.add_argument("--force", action="store_true", help="文件已存在时覆盖")
    s.set_defaults(func=cmd_report)
    return p


# What a teacher may run through the service account's forced SSH command besides the app itself
# (``ssh guanai@server due``): read-only, printed to her own terminal, nothing written on the server.
FORCED_COMMANDS = ("due",)
ACTING_USER_OPTIONS = ("user", "user_after")


def forced_login(parser: argparse.ArgumentParser, argv: list[str], args: argparse.Namespace,
                 environ: dict | None = None) -> argparse.Namespace:
    """``guanai --as LOGIN`` (an SSH forced command, see README): the login is fixed.

    Nobody may choose another one: ``--user`` (anywhere) is refused, and what the teacher asked
    ssh to run (``$SSH_ORIGINAL_COMMAND``) may only be one of ``FORCED_COMMANDS`` with its own
    options (no ``--db``, ``--user``, ``--as``, ``--demo``); nothing else of hers reaches the parser."""
    import shlex

    from tui.context import UsageError

    env = os.environ if environ is None else environ
    if any(getattr(args, name, None) for name in ACTING_USER_OPTIONS) or args.demo:
        raise UsageError("--as 已固定登录名, 不能再用 --user 或 --demo")
    asked = (env.get("SSH_ORIGINAL_COMMAND") or "").strip()
    if asked:
        try:
            words = shlex.split(asked)
        except ValueError:
            raise UsageError("无法理解通过 SSH 要求运行的命令") from None
        if words and words[0] in ("guanai", "/opt/guanai/bin/guanai"):
            words = words[1:]
        if words and (words[0] not in FORCED_COMMANDS or any(
                w.split("=", 1)[0] in ("--db", "--user", "--as", "--demo") for w in words)):
            raise UsageError(f"这个账号通过 SSH 只能打开关爱, 或运行: {', '.join('guanai ' + c for c in FORCED_COMMANDS)}")
        if words:
            args = parser.parse_args([*argv, *words])
    args.user = args.as_login
    return args


def merge_user(args: argparse.Namespace) -> None:
    """``--user`` before the subcommand or after it is the same one login (``args.user``); two
    different ones are refused rather than one silently winning."""
    from tui.context import UsageError

    after = getattr(args, "user_after", None)
    if after and args.user and after != args.user:
        raise UsageError(f"--user 指定了两个不同的登录名: {args.user} 和 {after}")
    args.user = after or args.user


def open_database(args: argparse.Namespace, *, create: bool | None = None, upgrade: bool = True,
                  init: bool = False) -> str:
    """The one way a subcommand opens its database: ``--db``, else ``$GUANAI_DB``, else the
    default file in the user's data folder (the only one created on first use, unless ``create``
    says otherwise). Returns the target; a bad one raises ``DatabaseError`` (one line, exit 2)."""
    from tui.context import open_db, resolve_target

    target, default = resolve_target(args.db)
    open_db(target, create=default if create is None else create, upgrade=upgrade, init=init)
    return target


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_plain_start(argv)
    parser = None  # built only when needed: a plain start never is (parse_plain_start takes no --as)
    if args is None:
        parser = build_parser()
        args = parser.parse_args(argv)
    args.db = getattr(args, "db", None)
    if not args.command:
        # The app's start allocates some 200,000 objects that live as long as it does: the cyclic
        # collector, scanning them again and again, was a sixth of the time to the first frame.
        # GuanaiApp.on_ready turns it back on (and freezes what the start made); run_tui too.
        gc.disable()
    from models.drivers import import_peewee

    import_peewee(args.db or os.environ.get("GUANAI_DB"))  # a SQLite start without psycopg2 (10-45 ms)
    from models.db import DatabaseError
    from models.errors import UserError
    from tui.context import UsageError

    try:
        if args.as_login:
            args = forced_login(parser or build_parser(), argv, args)
            args.db = getattr(args, "db", None)
        else:
            merge_user(args)
        if args.command:
            gc.enable()  # a forced login's command (--as) is known only now
            return args.func(args) or 0
        return run_tui(args)
    except (UsageError, DatabaseError, UserError) as exc:  # a refusal for the user: one line, exit 2
        from tui.widgets.text import clean  # a message may quote stored text: it must not drive the terminal

        sys.stderr.write(f"guanai: {clean(exc)}\n")
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `guanai due | head`: the reader has had enough
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:  # a lock held too long or a dropped connection during a read: one line
        from models.db import translate

        mine = translate(exc)
        if mine is None:
            raise
        from tui.widgets.text import clean

        sys.stderr.write(f"guanai: {clean(mine)}\n")
        return 2


def run_tui(args: argparse.Namespace) -> int:
    from tui.context import open_session

    session = open_session(args.db, demo=args.demo, user=args.user, forced=bool(getattr(args, "as_login", None)))
    try:
        _sign_in(session, args)
        from tui.app import GuanaiApp, mouse_mode

        app = GuanaiApp(session, start_ns=START_NS, ambiguous_wide=terminal_is_wide(session))
        app.run(mouse=mouse_mode() != "off")
        return app.return_code or 0
    finally:
        session.close()
        gc.enable()  # main() turned it off for the start; the app's first frame turns it on (on_ready)


def terminal_is_wide(session) -> bool:
    """tui/ambiwidth.resolve with the login's own setting; a terminal's answer is remembered for
    the login, for the day its answer is too slow to come (a 0.4 s SSH round trip)."""
    from models import settings
    from tui.ambiwidth import resolve

    try:
        remembered = settings.login_ambiwidth(session.school_id, session.staff_id)
    except Exception:  # noqa: BLE001 - a setting is not worth a failed start
        remembered = ""
    wide, answer = resolve(login_setting=remembered)
    seen = None if answer is None else ("seen-wide" if answer else "seen-narrow")
    if seen and session.staff_id and remembered != seen and not session.demo_dir:
        try:
            settings.set_login_ambiwidth(session.school_id, session.staff_id, seen)
        except Exception:  # noqa: BLE001 - a read-only or busy database: ask again next time
            pass
    return wide


def _sign_in(session, args: argparse.Namespace) -> None:
    """The PIN (or, when no login matches the OS user, the login too) in the plain terminal,
    before textual starts; audited. Updates the session with who signed in."""
    from models.entities import Staff
    from tui.login import sign_in

    from models.audit import os_name

    staff = Staff.get_or_none(Staff.id == session.staff_id) if session.staff_id else None
    staff = sign_in(staff, context="guanai", demo=args.demo, os_user=os_name())
    if staff is not None:
        session.staff_id, session.staff_name = staff.id, staff.name


def _counts(counts: dict[str, int]) -> str:
    """Rows per table, the empty ones left out (a reader took "care_rule 0" for "no rules")."""
    return ", ".join(f"{k} {v}" for k, v in counts.items() if v)


def cmd_init(args: argparse.Namespace) -> int:
    from models import schema
    from tui.context import ensure_school

    target = open_database(args, create=True, init=True)
    ensure_school()
    print(f"数据库已就绪: {target} (结构版本 {schema.schema_version()})")
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from tui.context import UsageError

    if args.children < 20 or args.children > 200_000:
        raise UsageError("--children 应在 20 到 200000 之间")
    if args.months is not None and not 1 <= args.months <= 24:
        raise UsageError("--months 应在 1 到 24 之间")
    if args.output:
        out = os.path.abspath(args.output)
        if os.path.exists(out):
            raise UsageError(f"文件已存在, 不会覆盖: {out}")
        if not os.path.isdir(os.path.dirname(out)):
            raise UsageError(f"目录不存在: {os.path.dirname(out)}")
        from models.sample import build_sample

        counts = build_sample(out, children=args.children, months=args.months)
        print(f"演示学校已写入 {out}: " + _counts(counts))
        return 0
    if not args.db:
        raise UsageError("请用 -o FILE 指定输出文件, 或用 --db 指定要载入的数据库")
    from models.entities import Child
    from models.sample import load_sample
    open_database(args, create=True, init=True)
    if Child.select().exists():
        raise UsageError("该数据库已有学生档案, 不会载入演示数据")
    counts = load_sample(children=args.children, months=args.months)
    print("演示学校已载入, 新增: " + _counts(counts))
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """A verified copy (integrity_check) renamed into place; a full or read-only target: exit 2."""
    from models.backup import backup_to
    from tui.context import UsageError

    out = os.path.abspath(args.output)
    if os.path.exists(out):
        raise UsageError(f"文件已存在, 不会覆盖: {out}")
    if not os.path.isdir(os.path.dirname(out)):
        raise UsageError(f"目录不存在: {os.path.dirname(out)}")
    open_database(args, create=False, upgrade=False)
    backup_to(out)
    print(f"备份完成并已校验: {out} ({os.path.getsize(out) // 1024} KB)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Check the file, confirm, keep the current database, restore with the backup API."""
    from models import db as dbmod
    from models.backup import BackupError, inspect_backup, replace_broken, restore_from
    from tui.context import UsageError, resolve_target, sqlite_file
    from tui.login import acting_admin, interactive, read_line

    target = sqlite_file(resolve_target(args.db)[0])
    if target is None:
        raise UsageError("PostgreSQL 数据库请用 pg_restore 恢复")
    info = inspect_backup(args.file)
    broken = None
    if not os.path.exists(target):
        folder = os.path.dirname(target)
        if os.path.isdir(folder) and not os.access(folder, os.W_OK | os.X_OK):
            raise UsageError(f"没有权限访问数据库所在目录: {folder}")
        if not os.path.isdir(folder):
            raise UsageError(f"目录不存在: {folder}")
        broken = "文件不存在, 将新建"
    else:
        from models.fileaccess import exposure, owns

        why = exposure(target)
        if why is not None or not os.access(target, os.R_OK | os.W_OK):
            raise UsageError(why or f"无法读写数据库文件: {target}")  # not yours to replace
        try:
            open_database(args, create=False, upgrade=False)
        except dbmod.DatabaseError as exc:
            # Restoring is how a damaged database is mended, and no login can be checked in it:
            # only the file's OS owner (who could replace it anyway) may.
            if not owns(target):
                raise UsageError(f"数据库无法打开, 只有数据库文件的所有者才能恢复它: {exc}") from None
            broken = str(exc)
    staff = None
    if broken is None:
        staff = acting_admin(args.user, context="restore", allow_bootstrap=True)
    c = info.counts
    newest = f", 最后改动 {info.newest_change:%Y-%m-%d %H:%M}" if info.newest_change else ""
    print(f"备份文件: {info.path} (结构版本 {len(info.versions)}, 学生 {c.get('child', 0)} 人, "
          f"谈心记录 {c.get('contact', 0)} 条, 教职工 {c.get('staff', 0)} 人{newest})")
    print(f"将替换: {target}" + (f" (当前无法打开: {broken})" if broken else ""))
    sys.stdout.flush()
    if not args.yes:
        if not interactive():
            raise UsageError("恢复会替换当前数据库: 请在终端中确认, 或加 --yes")
        if read_line("确定恢复吗? 输入 yes 确认: ").lower() not in ("yes", "y", "是"):
            raise UsageError("已取消, 没有改动")
    try:
        if broken is not None:
            kept = replace_broken(target, info.path)
            open_database(args, create=False)
        else:
            kept = restore_from(info.path)
        _audit_restore(staff, info.path, kept)
    except BackupError as exc:
        raise UsageError(str(exc)) from None
    print("已恢复。" + (f"原来的数据库保存在: {kept}" if kept else ""))
    return 0


def _audit_restore(staff, source: str, kept: str | None) -> None:
    """The restore's audit row, in the restored database: the acting admin by login there (the
    backup may predate her, or hold another person under her row id), named in the row either way."""
    from models import audit
    from models import db as dbmod
    from models.entities import Staff

    here = Staff.get_or_none(Staff.login == staff.login) if staff is not None else None
    detail = {"from": source, "kept": kept}
    if staff is not None:
        detail["by"] = f"{staff.login}({staff.name})"
    with dbmod.write():
        audit.record("restore", "database", 0, staff_id=here.id if here else None, new=detail)


def cmd_rules(args: argparse.Namespace) -> int:
    from models import scope
    from models.audit import one_line
    from models.care_rules import describe, update_rule
    from models.duties import APPLIES_TO, RuleError
    from models.entities import CareRule
    from tui.context import UsageError, find_staff

    open_database(args)
    from models import attention
    from models.entities import AttentionRule

    if args.name and AttentionRule.select().where(AttentionRule.name == args.name).exists():
        _attention_rule(args)  # 需要关注: a rule of the second kind (models/attention.py)
        args.name, args.enable, args.disable = None, False, False
    elif args.times is not None or args.days is not None:
        known = "、".join(r.name for r in attention.attention_rules(active_only=False))
        raise UsageError(f"--times、--days 只用于需要关注的规则 ({known})")
    changes = args.every is not None or args.rrule is not None or args.per_term or args.enable or args.disable
    adding = args.name == "add"
    if not adding and (args.new_name or args.kind or args.helper or args.key_target):
        raise UsageError("--kind、--helper、--key-target 只用于新增规则, 如: guanai rules add 亲情书信 --every 30")
    if adding:
        from models.care_rules import add_rule
        from tui.login import check_pin

        if not args.new_name or not (args.every is not None or args.rrule is not None or args.per_term):
            raise UsageError("新增规则需要名称和频率, 如: guanai rules add 亲情书信 --every 30")
        staff = find_staff(args.user, audit_context="rules")
        if staff is None or not scope.may_edit_rules(scope.viewer_for(staff)):  # before the PIN is asked
            raise UsageError("只有管理员或校长可以新增规则 (用 --user 指定管理员的登录名)")
        viewer = scope.viewer_for(check_pin(staff, context="rules"))
        if args.every is not None and not 1 <= args.every <= 366:
            raise UsageError("--every 应在 1 到 366 天之间")
        try:
            add_rule(args.new_name, contact_kind=(args.kind or args.new_name).strip(), viewer=viewer,
                     interval_days=args.every, rrule=args.rrule, per_term=bool(args.per_term),
                     applies_to="key_target" if args.key_target else "all", helper_kind=args.helper or "")
        except (RuleError, scope.ForbiddenError) as exc:
            raise UsageError(str(exc)) from None
        if args.disable:
            update_rule(args.new_name.strip(), viewer=viewer, active=False)
    elif args.name and changes:
        from tui.login import check_pin

        staff = find_staff(args.user, audit_context="rules")
        if staff is None or not scope.may_edit_rules(scope.viewer_for(staff)):  # before the PIN is asked
            raise UsageError("只有管理员或校长可以修改规则 (用 --user 指定管理员的登录名)")
        viewer = scope.viewer_for(check_pin(staff, context="rules"))
        if args.every is not None and not 1 <= args.every <= 366:
            raise UsageError("--every 应在 1 到 366 天之间")
        try:
            update_rule(args.name, viewer=viewer, interval_days=args.every, rrule=args.rrule,
                        per_term=True if args.per_term else None,
                        active=True if args.enable else False if args.disable else None)
        except (RuleError, scope.ForbiddenError) as exc:
            raise UsageError(str(exc)) from None
    elif args.name or changes:
        raise UsageError("修改规则需要规则名和一项修改, 如: guanai rules 每周谈心 --every 7")
    for r in CareRule.select().order_by(CareRule.sort_order, CareRule.id):
        who = APPLIES_TO.get(r.applies_to, r.applies_to)
        by = f", 由{r.helper_kind}" if r.helper_kind else ""
        state = "" if r.active else "  (已停用)"
        fields = (r.name, r.contact_kind, describe(r), f"{who}{by}{state}")
        print("\t".join(one_line(f) for f in fields))  # stored text: no control character
    for r in attention.attention_rules(active_only=False):
        fields = (r.name, "需要关注", attention.describe_rule(r), "" if r.active else "(已停用)")
        print("\t".join(one_line(f) for f in fields).rstrip("\t"))
    return 0


def _attention_rule(args: argparse.Namespace) -> None:
    """``guanai rules 情绪低落 --times 4 --days 30`` (or ``--enable``/``--disable``): admin and head."""
    from models import scope
    from models.attention import AttentionError, update_attention_rule
    from tui.context import UsageError, find_staff
    from tui.login import check_pin

    if args.every is not None or args.rrule is not None or args.per_term or args.new_name or args.kind \
            or args.helper or args.key_target:
        raise UsageError(f"需要关注的规则只能改 --times、--days、--enable、--disable, 如: guanai rules {args.name} --times 4")
    if args.times is None and args.days is None and not (args.enable or args.disable):
        raise UsageError(f"修改规则需要一项修改, 如: guanai rules {args.name} --times 4 --days 30")
    staff = find_staff(args.user, audit_context="rules")
    if staff is None or not scope.may_edit_rules(scope.viewer_for(staff)):  # before the PIN is asked
        raise UsageError("只有管理员或校长可以修改规则 (用 --user 指定管理员的登录名)")
    viewer = scope.viewer_for(check_pin(staff, context="rules"))
    try:
        update_attention_rule(args.name, viewer=viewer, threshold=args.times, window_days=args.days,
                              active=True if args.enable else False if args.disable else None)
    except (AttentionError, scope.ForbiddenError) as exc:
        raise UsageError(str(exc)) from None


def cmd_import(args: argparse.Namespace) -> int:
    """Import a roster; prints the report. Exit 2 (one line on stderr) when the file cannot be read
    or not one of its rows could be imported; nothing is written then."""
    from tui.context import UsageError, ensure_school
    from tui.importer import ImportFileError, format_report, run_import

    from models.scope import ForbiddenError

    open_database(args)
    staff, viewer = command_viewer(args.user, context="import")
    school_id = staff.school_id if staff else ensure_school().id
    try:
        report = run_import(args.file, school_id=school_id, staff_id=staff.id if staff else None, viewer=viewer,
                            sheet=args.sheet, class_name=args.class_name, update=args.update,
                            dry_run=args.dry_run, header_row=args.header_row)
    except (ImportFileError, ForbiddenError) as exc:
        raise UsageError(str(exc)) from None
    for line in format_report(report):
        print(line)
    sys.stdout.flush()
    if report.nothing_importable:
        c = report.counts
        raise UsageError(f"没有可以导入的行: {c['rejected']} 行有错误, 数据库没有改动"
                         + (f" (见 {report.report_path})" if report.report_path else ""))
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    """Every staff member, one tab-separated line each: login, name, role, classes, state."""
    from models.audit import one_line
    from models.users import list_users

    open_database(args)
    for u in list_users():
        fields = (u.login or "-", u.name, u.role_label, u.classes or "-", u.state)
        sys.stdout.write("\t".join(one_line(f) or "-" for f in fields) + "\n")
    return 0


def _users_admin(args: argparse.Namespace, what: str, *, bootstrap: bool = False):
    from tui.login import acting_admin

    open_database(args)
    return acting_admin(args.user, context=f"users {what}", allow_bootstrap=bootstrap)


def _new_pin(login: str) -> str:
    """The new PIN, typed twice in a terminal (once from a pipe)."""
    from models import auth
    from tui.context import UsageError
    from tui.login import interactive, read_secret

    pin = read_secret(f"{login} 的新 PIN ({auth.PIN_MIN}-{auth.PIN_MAX} 位数字): ").strip()
    try:
        auth.validate_pin(pin)
    except auth.PinError as exc:
        raise UsageError(str(exc)) from None
    if interactive() and read_secret("再输入一次: ").strip() != pin:
        raise UsageError("两次输入的 PIN 不一样, 没有改动")
    return pin


def cmd_users_add(args: argparse.Namespace) -> int:
    from models.users import UserError, add_user, validate_login
    from tui.context import UsageError

    by = _users_admin(args, "add", bootstrap=True)
    try:
        validate_login(args.login)
        pin = _new_pin(args.login) if args.pin else None
        staff = add_user(args.login, args.name, args.role, by=by, class_name=args.class_name, pin=pin,
                         phone=args.phone, area=args.area)
    except UserError as exc:
        raise UsageError(str(exc)) from None
    print(f"已添加 {staff.login} ({staff.name})" + (", 已设置 PIN" if staff.pin_hash else ""))
    return 0


def cmd_users_deactivate(args: argparse.Namespace) -> int:
    from models.users import UserError, deactivate_user
    from tui.context import UsageError

    by = _users_admin(args, "deactivate")
    try:
        staff = deactivate_user(args.login, by=by)
    except UserError as exc:
        raise UsageError(str(exc)) from None
    print(f"已停用 {staff.login} ({staff.name}); 其记录和历史都保留")
    return 0


def cmd_users_unlock(args: argparse.Namespace) -> int:
    """Lift a PIN lockout. Besides an admin, the OS owner of the SQLite file may, with no staff
    login (she could replace the file anyway): on a server the service account run by whoever
    administers it, so a colleague who keeps locking the only admin out cannot lock the school out."""
    from models import auth
    from models.fileaccess import owns
    from models.users import UserError, find_login
    from tui.context import UsageError, sqlite_file

    target = open_database(args)
    path = sqlite_file(target)
    owner = not (args.as_login or args.user) and path is not None and owns(path)
    by = None if owner else _users_admin(args, "unlock")
    try:
        staff = find_login(args.login)
    except UserError as exc:
        raise UsageError(str(exc)) from None
    auth.unlock(staff.id, by_staff_id=by.id if by else None)
    print(f"{staff.login} ({staff.name}) 的锁定已解除" + ("" if by else " (以数据库文件所有者的系统账号)"))
    return 0


def cmd_users_reset_pin(args: argparse.Namespace) -> int:
    from models.users import UserError, find_login, reset_pin
    from tui.context import UsageError

    by = _users_admin(args, "reset-pin")
    try:
        find_login(args.login)
        pin = None if args.clear else _new_pin(args.login)
        staff = reset_pin(args.login, pin, by=by)
    except UserError as exc:
        raise UsageError(str(exc)) from None
    print(f"{staff.login} ({staff.name}) 的 PIN 已" + ("去掉" if args.clear else "重新设置") + ", 锁定已解除")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    """The audit log as plain text, oldest first, one tab-separated line per row (admin only)."""
    from models.audit import AuditQueryError, entries, format_line
    from tui.context import UsageError
    from tui.login import acting_admin

    since = parse_day(args.since) if args.since else None
    until = parse_day(args.until) if args.until else None
    open_database(args)
    acting_admin(args.user, context="audit")
    try:
        rows = entries(since=since, until=until, login=args.audit_user, table=args.table, action=args.action)
        for e in rows:
            sys.stdout.write(format_line(e) + "\n")
        sys.stdout.flush()
    except AuditQueryError as exc:
        raise UsageError(str(exc)) from None
    except BrokenPipeError:  # `guanai audit | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def parse_day(text: str):
    """A YYYY-MM-DD date from the command line inside the app's date range
    (``models.validation.check_day_in_range``), else UsageError."""
    import datetime as dt
    import re

    from models.validation import Invalid, check_day_in_range
    from tui.context import UsageError

    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text or ""):
        raise UsageError(f"日期格式应为 YYYY-MM-DD: {text}")
    try:
        return check_day_in_range(dt.date.fromisoformat(text))
    except ValueError as exc:
        message = str(exc) if isinstance(exc, Invalid) else "没有这一天"
        raise UsageError(f"{message}: {text}") from None


def command_viewer(login: str | None, *, context: str):
    """Who runs a plain command that reads children: the ``--user`` login, else the OS user's
    (PIN asked when the staff row has one), and their scope (``models.scope.Viewer``).

    Returns (staff or None, viewer). Nobody matched: UsageError (exit 2), unless the database has
    no staff login at all yet — a school being set up — whose whole school is then seen."""
    from models import scope
    from tui.context import UsageError, ensure_school, find_staff
    from tui.login import check_pin

    staff = find_staff(login, audit_context=context)
    if staff is None:
        if scope.has_any_login():
            raise UsageError("不知道你是谁: 没有与系统用户同名的教职工登录名, 请用 --user 指定你的登录名")
        return None, scope.viewer_for(None, school_id=ensure_school().id)
    staff = check_pin(staff, context=context)
    return staff, scope.viewer_for(staff)


def command_school(staff):
    """The school a plain command reports on: the staff member's, else (a database without logins
    yet) the first; none at all is a UsageError (exit 2)."""
    from models.entities import School
    from tui.context import UsageError

    school = (School.get_or_none(School.id == staff.school_id) if staff is not None
              else School.select().order_by(School.id).first())
    if school is None:
        raise UsageError("数据库中还没有学校, 请先录入或导入名册")
    return school


def cmd_due(args: argparse.Namespace) -> int:
    """The due list as plain text for cron and scripts.

    One line per open duty, fields separated by a tab, no header:
    姓名, 班级, 事项 (rule name), 类别 (contact kind), 到期日 (YYYY-MM-DD), 逾期天数 (0 when not
    yet overdue). Sorted most overdue first, then class and name. Only the children the user
    (``--user``, else the OS user) may see (``models.scope``): admin and head the whole school, a
    class teacher their class and paired children first, others their paired children; no such
    staff member: exit 2 (unless the database has no staff login yet). Nothing open prints
    nothing; the exit code is 0."""
    import datetime as dt

    from models import duties
    from models.entities import Classroom
    from tui.context import UsageError
    from tui.widgets.text import clean

    on_date = parse_day(args.date) if args.date else dt.date.today()
    open_database(args)
    if args.kind is not None and args.kind not in duties.known_kinds():
        raise UsageError(f"没有这一类事项: {args.kind} (可用: {'、'.join(duties.known_kinds())})")
    room_ids = None
    if args.class_name is not None:
        room_ids = [c.id for c in Classroom.select(Classroom.id).where(Classroom.name == args.class_name.strip())]
        if not room_ids:
            raise UsageError(f"没有这个班级: {args.class_name}")
    staff, viewer = command_viewer(getattr(args, "user", None), context="due")
    try:
        rows = duties.open_duties(on_date, viewer=viewer, kind=args.kind, classroom_id=room_ids,
                                  staff_id=staff.id if staff else None)
    except duties.RuleError as exc:
        raise UsageError(str(exc)) from None
    try:
        for d in rows:
            fields = (d.child_name, d.class_name, d.rule_name, d.contact_kind, d.due.isoformat(),
                      str(d.days_overdue))
            sys.stdout.write("\t".join(clean(f).strip() or "-" for f in fields) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:  # `guanai due | head`: the reader has had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """The handbook workbook for one month, of one class or the whole school (see tui/export.py)."""
    from models import handbook
    from models.duties import RuleError
    from models.scope import ForbiddenError, may_unmask_export
    from tui.context import UsageError
    from tui.export import ExportError, export_handbook, resolve_path

    try:
        handbook.parse_month(args.month)  # a bad month is refused before the database is opened
        open_database(args)
        staff, viewer = command_viewer(args.user, context="export")
        if args.unmask and not may_unmask_export(viewer):  # said before anything is read (export_handbook checks too)
            raise UsageError("只有管理员可以导出未遮盖的身份证号和电话 (用 --user 指定管理员的登录名)")
        school = command_school(staff)
        scope = handbook.make_scope(school.id, args.month, viewer=viewer, class_name=args.class_name)
        path = resolve_path(scope, args.output)
        progress = _stderr_progress() if sys.stderr.isatty() else None
        result = export_handbook(scope, path, force=args.force, unmask=args.unmask,
                                 staff_id=staff.id if staff else None, staff_name=staff.name if staff else "",
                                 progress=progress)
    except (handbook.HandbookError, ExportError, RuleError, ForbiddenError) as exc:
        raise UsageError(str(exc)) from None
    finally:
        if sys.stderr.isatty():
            sys.stderr.write("\r\033[K")
    r = result.rows
    print(f"已导出: {result.path}")
    print(f"{scope.label} {scope.month_label}: 留守儿童 {r['基本情况登记表']} 人, 结对 {r['结对帮扶表']} 条, "
          f"谈心 {r['谈心记录']} 条, 家长联系 {r['家长联系记录']} 条, 家访 {r['家访记录']} 条, "
          f"学业辅导 {r['学业辅导记录']} 条, 活动 {r['活动记录']} 次, 待办 {r['待办事项']} 项 ({result.seconds:.1f} 秒)")
    return 0


def cmd_report_form(args: argparse.Namespace) -> int:
    """One 强制报告单 as a one-page xlsx (A4 portrait): for its reporter, the head or the counselor
    (``models.scope``), the look and the print audited."""
    from models.scope import ForbiddenError
    from models.validation import Invalid
    from tui.context import UsageError
    from tui.export import ExportError
    from tui.export.paths import resolve_output
    from tui.export.protection import export_report_form

    if not (args.report_id.isascii() and args.report_id.isdigit()):
        raise UsageError(f"报告单编号应为数字: {args.report_id}")
    open_database(args)
    staff, viewer = command_viewer(args.user, context="report-form")
    path = resolve_output(args.output, f"强制报告单_{int(args.report_id)}.xlsx")  # a file, or a folder
    try:
        path = export_report_form(int(args.report_id), path, viewer=viewer, force=args.force)
    except (ExportError, ForbiddenError, Invalid) as exc:
        raise UsageError(str(exc)) from None
    print(f"已导出: {path}")
    return 0


def cmd_report_register(args: argparse.Namespace) -> int:
    """The term's 强制报告登记台账 (head and counselor): the term of ``--date`` (else today), or in
    the holidays the term just ended, up to that day."""
    import datetime as dt

    from models import terms
    from models.scope import ForbiddenError
    from tui.context import UsageError
    from tui.export import ExportError
    from tui.export.paths import resolve_output, safe_part
    from tui.export.protection import export_register

    day = parse_day(args.date) if args.date else dt.date.today()
    open_database(args)
    staff, viewer = command_viewer(args.user, context="report-register")
    school = command_school(staff)
    term, back = None, day
    while term is None and (day - back).days < 250:  # a holiday: the term before it
        term = terms.term_at(back, school_id=school.id)
        back -= dt.timedelta(days=1)
    if term is None:
        raise UsageError(f"{day.isoformat()} 前后找不到学期")
    path = resolve_output(args.output, f"强制报告登记台账_{safe_part(term.label, '学期')}.xlsx")  # file or folder
    try:
        path = export_register(school.id, term.start, max(term.end, day), term.school_year_label, path,
                               viewer=viewer, force=args.force)
    except (ExportError, ForbiddenError) as exc:
        raise UsageError(str(exc)) from None
    print(f"已导出: {path}")
    return 0


def cmd_attention_sheet(args: argparse.Namespace) -> int:
    """The month's 预警与干预 sheet (需要关注): whoever may see the list's labels (models/scope.py)."""
    from models import handbook
    from models.scope import ForbiddenError
    from tui.context import UsageError
    from tui.export import ExportError
    from tui.export.attention import default_name, export_sheet

    try:
        year, month = handbook.parse_month(args.month)  # refused before the database is opened
    except handbook.HandbookError as exc:
        raise UsageError(str(exc)) from None
    open_database(args)
    staff, viewer = command_viewer(args.user, context="attention-sheet")
    school = command_school(staff)
    path = os.path.abspath(args.output or default_name(year, month))
    try:
        path = export_sheet(school.id, year, month, path, viewer=viewer, class_name=args.class_name, force=args.force)
    except (ExportError, ForbiddenError) as exc:
        raise UsageError(str(exc)) from None
    print(f"已导出: {path}")
    return 0


def cmd_dropout(args: argparse.Namespace) -> int:
    """控辍保学: the month's sheet (``--month``) or a case's 书面报告 draft (``--report``)."""
    from models import handbook
    from models.scope import ForbiddenError
    from models.validation import Invalid
    from tui.context import UsageError
    from tui.export import ExportError
    from tui.export.dropout import default_name, default_report_name, export_report, export_sheet
    from tui.export.paths import resolve_output

    if args.attempts is not None:
        return _dropout_attempts(args)
    if args.report is not None:
        if not args.report.strip().lstrip("#").isdigit():
            raise UsageError(f"案例编号应为数字: {args.report}")
        case_id = int(args.report.strip().lstrip("#"))
        if args.class_name or args.unmask:
            raise UsageError("--report 不能与 --class 或 --unmask 一起使用")
    else:
        try:
            year, month = handbook.parse_month(args.month)  # refused before the database is opened
        except handbook.HandbookError as exc:
            raise UsageError(str(exc)) from None
    open_database(args)
    staff, viewer = command_viewer(args.user, context="dropout")
    try:
        if args.report is not None:
            path = export_report(case_id, resolve_output(args.output, default_report_name(case_id)),  # file or folder
                                 viewer=viewer, force=args.force)
        else:
            school = command_school(staff)
            path = resolve_output(args.output, default_name(year, month, args.class_name))  # a file, or a folder
            path = export_sheet(school.id, year, month, path, viewer=viewer, class_name=args.class_name,
                                unmask=args.unmask, force=args.force)
    except (ExportError, ForbiddenError, Invalid) as exc:
        raise UsageError(str(exc)) from None
    print(f"已导出: {path}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """The report pack (上报): the schools the user may report on (``models.scope.report_school_ids``)."""
    from models import report_pack
    from models.scope import ForbiddenError
    from tui.context import UsageError
    from tui.export import ExportError
    from tui.export.report_pack import export_pack

    try:
        period = report_pack.month_period(args.month) if args.month else None  # refused before the database opens
    except report_pack.ReportError as exc:
        raise UsageError(str(exc)) from None
    open_database(args)
    staff, viewer = command_viewer(args.user, context="report")
    try:
        if period is None:
            period = report_pack.term_period(args.term, school_id=viewer.school_id)
        path, pack = export_pack(period, args.output, viewer=viewer, school=args.school, county=args.county,
                                 force=args.force)
    except (ExportError, ForbiddenError, report_pack.ReportError) as exc:
        raise UsageError(str(exc)) from None
    c = pack.total
    print(f"已导出: {path}")
    print(f"{pack.label} {pack.period.label}: 留守儿童 民政口径 {c.mz} 人, 教育统计口径 {c.jy} 人; 困境儿童 {c.difficult} 人; "
          f"控辍保学在案 {c.cases} 人; 本期变动 {len(pack.changes)} 人" + (" (首次生成, 全部列为新增)" if pack.first_report else ""))
    return 0


def _dropout_attempts(args: argparse.Namespace) -> int:
    """``guanai dropout --attempts [N]``: show or (admin, head) change N, the 劝返 无效 before a 书面报告."""
    from models import dropout
    from models.scope import ForbiddenError
    from models.validation import Invalid
    from tui.context import UsageError

    open_database(args)
    staff, viewer = command_viewer(args.user, context="dropout")
    school = command_school(staff)
    if args.attempts:
        try:
            dropout.set_failed_attempts(school.id, args.attempts, viewer=viewer)
        except (ForbiddenError, Invalid) as exc:
            raise UsageError(str(exc)) from None
    print(f"劝返无效 {dropout.failed_attempts_needed(school.id)} 次后写书面报告")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    """Archived children past the retention period: list them, confirm, delete, VACUUM (admin only)."""
    from models import privacy, scope
    from tui.context import UsageError
    from tui.login import acting_admin, interactive, read_line
    from tui.widgets.text import clean

    open_database(args)
    staff = acting_admin(args.user, context="purge")
    viewer = scope.viewer_for(staff)
    due = privacy.purge_candidates(viewer=viewer)
    years = privacy.retention_years(viewer.school_id)
    if not due:
        print(f"没有离校超过 {years} 年的已归档档案, 没有删除任何内容")
        return 0
    for c in due:
        left = c.left_on.isoformat() if c.left_on else "-"
        sys.stdout.write("\t".join(clean(v).strip() or "-" for v in (c.name, c.class_name, c.status, left)) + "\n")
    print(f"共 {len(due)} 份已归档档案离校已超过 {years} 年" + (": 试运行, 没有删除" if args.dry_run else ""))
    sys.stdout.flush()
    if args.dry_run:
        return 0
    if not args.yes:
        if not interactive():
            raise UsageError("彻底删除无法恢复: 请在终端中确认, 或加 --yes")
        if read_line(f"确定彻底删除这 {len(due)} 份档案及其全部记录吗? 输入 yes 确认: ").lower() not in ("yes", "是"):
            raise UsageError("已取消, 没有删除")
    result = privacy.purge(viewer=viewer, child_ids=[c.child_id for c in due])
    print(f"已彻底删除 {result.children} 份档案 (谈心记录 {result.contacts} 条, 结对 {result.pairings} 条, "
          f"父母 {result.parents} 条, 活动参与 {result.attendance} 条, 监护人同意 {result.consents} 条, "
          f"草稿 {result.drafts} 份; 审计日志中有关内容 {result.audit_redacted} 条已清除)"
          + ("; 数据库已压缩" if result.vacuumed else "; 数据库正忙, 稍后压缩"))
    return 0


def _stderr_progress():
    def show(message: str, fraction: float) -> None:
        sys.stderr.write(f"\r\033[K导出中 {fraction * 100:3.0f}% {message}")
        sys.stderr.flush()

    return show


if __name__ == "__main__":
    raise SystemExit(main())
