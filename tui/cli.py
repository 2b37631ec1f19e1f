"""The command line: ``guanai`` starts the TUI; the subcommands are plain and scriptable.

Errors are one line on stderr and exit code 2, with nothing written. Only the TUI
path imports textual, so ``guanai backup`` from cron starts in a fraction of a second.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

START_NS = time.perf_counter_ns()


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        sys.stderr.write(f"guanai: 参数错误: {message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, metavar="PATH|URL",
                        help="数据库文件或地址 (也可用环境变量 GUANAI_DB)")

    p = _Parser(prog="guanai", description="关爱: 留守儿童关爱工作管理", parents=[common])
    p.add_argument("--demo", action="store_true", help="打开演示学校 (临时副本, 不改动 sample.db)")
    p.add_argument("--user", metavar="LOGIN", help="以哪位教职工的身份使用 (默认: 系统用户名)")
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
    s.add_argument("name", nargs="?", metavar="规则名", help="要修改的规则, 如 每周谈心")
    how = s.add_mutually_exclusive_group()
    how.add_argument("--every", type=int, metavar="天数", help="每隔几天一次")
    how.add_argument("--rrule", metavar="RRULE", help="RFC 5545 重复规则, 如 FREQ=MONTHLY;BYMONTHDAY=-1")
    how.add_argument("--per-term", action="store_true", help="每学期一次")
    on = s.add_mutually_exclusive_group()
    on.add_argument("--enable", action="store_true", help="启用")
    on.add_argument("--disable", action="store_true", help="停用")
    s.add_argument("--user", dest="rules_user", metavar="LOGIN", help="以哪位管理员的身份修改")
    s.set_defaults(func=cmd_rules)

    s = sub.add_parser("import", parents=[common], help="从 Excel (.xlsx) 或 CSV 名册导入学生档案",
                       description="按列名识别各列 (姓名、身份证号、班级、监护人……), 逐行检查; 有效的行一次导入, "
                                   "有错误的行列出行号、列和原因; 报告另存为输入文件旁边的 CSV")
    s.add_argument("file", metavar="FILE", help=".xlsx 或 .csv 文件")
    s.add_argument("--dry-run", action="store_true", help="只检查并报告, 不写入数据库")
    s.add_argument("--sheet", metavar="NAME", help="工作簿中的哪个工作表 (默认: 第一个有表头的)")
    s.add_argument("--class", dest="class_name", metavar="NAME", help="文件中没有班级列时, 导入到这个班 (如 三年级2班)")
    s.add_argument("--update", action="store_true", help="已有的孩子: 用文件中的内容更新档案 (默认: 跳过)")
    s.set_defaults(func=cmd_import)

    s = sub.add_parser("users", parents=[common], help="列出教职工登录名")
    s.set_defaults(func=cmd_users)

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
    s.add_argument("--user", dest="export_user", metavar="LOGIN", help="以哪位教职工的身份导出")
    s.set_defaults(func=cmd_export)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.db = getattr(args, "db", None)
    from models.db import DatabaseError
    from tui.context import UsageError

    try:
        if args.command:
            return args.func(args) or 0
        return run_tui(args)
    except (UsageError, DatabaseError) as exc:
        sys.stderr.write(f"guanai: {exc}\n")
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `guanai due | head`: the reader has had enough
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def run_tui(args: argparse.Namespace) -> int:
    from tui.context import open_session

    session = open_session(args.db, demo=args.demo, user=args.user)
    try:
        from tui.app import GuanaiApp

        app = GuanaiApp(session, start_ns=START_NS)
        app.run()
        return app.return_code or 0
    finally:
        session.close()


def cmd_init(args: argparse.Namespace) -> int:
    from models import schema
    from tui.context import ensure_school, open_db, resolve_target

    target, _ = resolve_target(args.db)
    open_db(target, create=True)
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
        print(f"演示学校已写入 {out}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        return 0
    if not args.db:
        raise UsageError("请用 -o FILE 指定输出文件, 或用 --db 指定要载入的数据库")
    from models.entities import Child
    from models.sample import load_sample
    from tui.context import open_db

    open_db(args.db, create=True)
    if Child.select().exists():
        raise UsageError("该数据库已有学生档案, 不会载入演示数据")
    counts = load_sample(children=args.children, months=args.months)
    print("演示学校已载入: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from models.backup import backup_to
    from tui.context import UsageError, open_db, resolve_target

    target, _ = resolve_target(args.db)
    out = os.path.abspath(args.output)
    if os.path.exists(out):
        raise UsageError(f"文件已存在, 不会覆盖: {out}")
    if not os.path.isdir(os.path.dirname(out)):
        raise UsageError(f"目录不存在: {os.path.dirname(out)}")
    open_db(target, create=False, upgrade=False)
    backup_to(out)
    print(f"备份完成: {out}")
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from models.care_rules import EDITORS, describe, update_rule
    from models.duties import RuleError
    from models.entities import CareRule
    from tui.context import UsageError, find_staff, open_db, resolve_target

    target, create = resolve_target(args.db)
    open_db(target, create=create)
    changes = args.every is not None or args.rrule is not None or args.per_term or args.enable or args.disable
    if args.name and changes:
        staff = find_staff(args.rules_user or args.user)
        if staff is None or staff.role not in EDITORS:
            raise UsageError("只有管理员或校长可以修改规则 (用 --user 指定管理员的登录名)")
        if args.every is not None and not 1 <= args.every <= 366:
            raise UsageError("--every 应在 1 到 366 天之间")
        try:
            update_rule(args.name, staff_id=staff.id, interval_days=args.every, rrule=args.rrule,
                        per_term=True if args.per_term else None,
                        active=True if args.enable else False if args.disable else None)
        except RuleError as exc:
            raise UsageError(str(exc)) from None
    elif args.name or changes:
        raise UsageError("修改规则需要规则名和一项修改, 如: guanai rules 每周谈心 --every 7")
    for r in CareRule.select().order_by(CareRule.sort_order, CareRule.id):
        who = "重点帮扶对象" if r.applies_to == "key_target" else "全部留守儿童"
        by = f", 由{r.helper_kind}" if r.helper_kind else ""
        state = "" if r.active else "  (已停用)"
        print(f"{r.name}\t{r.contact_kind}\t{describe(r)}\t{who}{by}{state}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Import a roster; prints the report. Exit 2 (one line on stderr) when the file cannot be read
    or not one of its rows could be imported; nothing is written then."""
    from tui.context import UsageError, ensure_school, find_staff, open_db, resolve_target
    from tui.importer import ImportFileError, format_report, run_import

    target, create = resolve_target(args.db)
    open_db(target, create=create)
    staff = find_staff(args.user) if args.user else find_staff(None)
    school_id = staff.school_id if staff else ensure_school().id
    try:
        report = run_import(args.file, school_id=school_id, staff_id=staff.id if staff else None,
                            sheet=args.sheet, class_name=args.class_name, update=args.update,
                            dry_run=args.dry_run)
    except ImportFileError as exc:
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
    from models import rules
    from models.entities import Classroom, Staff
    from tui.context import open_db, resolve_target

    target, create = resolve_target(args.db)
    open_db(target, create=create)
    heads = {c.head_teacher_id: c.name for c in Classroom.select() if c.head_teacher_id}
    for s in Staff.select().order_by(Staff.active.desc(), Staff.role, Staff.name_pinyin):
        state = "" if s.active else "  (已停用)"
        print(f"{s.login or '-':<14} {s.name:<6} {rules.STAFF_ROLES.get(s.role, s.role):<8} "
              f"{heads.get(s.id, '')}{state}")
    return 0


def parse_day(text: str):
    """A YYYY-MM-DD date from the command line, else UsageError."""
    import datetime as dt
    import re

    from tui.context import UsageError

    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text or ""):
        raise UsageError(f"日期格式应为 YYYY-MM-DD: {text}")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"没有这一天: {text}") from None


def cmd_due(args: argparse.Namespace) -> int:
    """The due list as plain text for cron and scripts.

    One line per open duty, fields separated by a tab, no header:
    姓名, 班级, 事项 (rule name), 类别 (contact kind), 到期日 (YYYY-MM-DD), 逾期天数 (0 when not
    yet overdue). Sorted most overdue first, then class and name; with ``guanai --user LOGIN due``
    that teacher's own children come first. Nothing open prints nothing; the exit code is 0."""
    import datetime as dt

    from models import duties
    from models.entities import Classroom
    from tui.context import UsageError, find_staff, open_db, resolve_target
    from tui.text import clean

    on_date = parse_day(args.date) if args.date else dt.date.today()
    target, create = resolve_target(args.db)
    open_db(target, create=create)
    if args.kind is not None and args.kind not in duties.known_kinds():
        raise UsageError(f"没有这一类事项: {args.kind} (可用: {'、'.join(duties.known_kinds())})")
    room_ids = None
    if args.class_name is not None:
        room_ids = [c.id for c in Classroom.select(Classroom.id).where(Classroom.name == args.class_name.strip())]
        if not room_ids:
            raise UsageError(f"没有这个班级: {args.class_name}")
    staff = find_staff(args.user) if getattr(args, "user", None) else None
    try:
        rows = duties.open_duties(on_date, kind=args.kind, classroom_id=room_ids,
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
    from models.entities import School
    from tui.context import UsageError, find_staff, open_db, resolve_target
    from tui.export import ExportError, export_handbook, resolve_path

    try:
        handbook.parse_month(args.month)  # a bad month is refused before the database is opened
        target, create = resolve_target(args.db)
        open_db(target, create=create)
        login = args.export_user or args.user
        staff = find_staff(login)
        if args.unmask and (staff is None or staff.role != "admin"):
            raise UsageError("只有管理员可以导出未遮盖的身份证号和电话 (用 --user 指定管理员的登录名)")
        school = (School.get_or_none(School.id == staff.school_id) if staff is not None
                  else School.select().order_by(School.id).first())
        if school is None:
            raise UsageError("数据库中还没有学校, 请先录入或导入名册")
        scope = handbook.make_scope(school.id, args.month, class_name=args.class_name)
        path = resolve_path(scope, args.output)
        progress = _stderr_progress() if sys.stderr.isatty() else None
        result = export_handbook(scope, path, force=args.force, unmask=args.unmask,
                                 staff_id=staff.id if staff else None, staff_name=staff.name if staff else "",
                                 progress=progress)
    except (handbook.HandbookError, ExportError, RuleError) as exc:
        raise UsageError(str(exc)) from None
    finally:
        if sys.stderr.isatty():
            sys.stderr.write("\r\033[K")
    r = result.rows
    print(f"已导出: {result.path}")
    print(f"{scope.label} {scope.month_label}: 留守儿童 {r['基本情况登记表']} 人, 结对 {r['结对帮扶表']} 条, "
          f"谈心 {r['谈心记录']} 条, 家长联系 {r['家长联系记录']} 条, 家访 {r['家访记录']} 条, "
          f"活动 {r['活动记录']} 次, 待办 {r['待办事项']} 项 ({result.seconds:.1f} 秒)")
    return 0


def _stderr_progress():
    def show(message: str, fraction: float) -> None:
        sys.stderr.write(f"\r\033[K导出中 {fraction * 100:3.0f}% {message}")
        sys.stderr.flush()

    return show


if __name__ == "__main__":
    raise SystemExit(main())
