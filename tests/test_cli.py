"""The command line contract: one line on stderr and exit code 2 for bad input, nothing written."""
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from models import schema

GUANAI = str(Path(sys.executable).with_name("guanai"))


def run(*args, env=None, **kw):
    e = {**os.environ, "GUANAI_DB": "", **(env or {})}
    return subprocess.run([GUANAI, *args], capture_output=True, text=True, env=e, timeout=60, **kw)


def run_in(*args, env=None):
    """A subcommand run in this process (tests/cli_inprocess.py), for the tests of what it prints and
    returns; ``run`` keeps a real process for the app's own start (no subcommand) and files made."""
    from tests.cli_inprocess import run_cli

    return run_cli(*args, env={**os.environ, "GUANAI_DB": "", **(env or {})})


def assert_one_line_error(res, fragment):
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert fragment in lines[0]


def test_init_creates_schema_and_is_repeatable(tmp_path):
    path = tmp_path / "school.db"
    res = run("--db", str(path), "init")
    assert res.returncode == 0, res.stderr
    assert f"结构版本 {schema.latest_version()}" in res.stdout
    res = run("init", "--db", str(path))  # --db after the command works too
    assert res.returncode == 0, res.stderr
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM school").fetchone()[0] == 1
    con.close()


@pytest.mark.parametrize(
    "db, fragment",
    [
        ("/nonexistent-dir/x/school.db", "目录不存在"),
        ("postgresql://nobody@127.0.0.1:1/none", "无法连接数据库"),
        ("mysqlx://what", "无法识别"),
    ],
)
def test_bad_db_target(db, fragment):
    assert_one_line_error(run_in("--db", db, "users"), fragment)


def test_corrupt_database_is_refused_and_unchanged(tmp_path):
    path = tmp_path / "bad.db"
    path.write_bytes(b"this is not sqlite" * 100)
    before = path.read_bytes()
    assert_one_line_error(run("--db", str(path), "users"), "损坏")
    assert_one_line_error(run("--db", str(path)), "损坏")  # the TUI refuses before starting
    assert path.read_bytes() == before


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "new.db"
    assert run("--db", str(path), "init").returncode == 0
    con = sqlite3.connect(path)
    con.execute("INSERT INTO schema_migration (name, applied) VALUES ('0999_future', '2030-01-01')")
    con.commit()
    con.close()
    assert_one_line_error(run_in("--db", str(path), "users"), "比本程序新")


def test_unknown_user_and_bad_arguments(tmp_path):
    path = tmp_path / "s.db"
    assert run("--db", str(path), "init").returncode == 0
    assert_one_line_error(run("--db", str(path), "--user", "nobody"), "nobody")
    assert_one_line_error(run("--db", str(path), "frobnicate"), "参数错误")
    assert_one_line_error(run("sample", "--children", "abc", "-o", str(tmp_path / "x.db")), "参数错误")


def test_backup_is_a_consistent_copy(tmp_path):
    src = Path(__file__).resolve().parent.parent / "sample.db"
    work = tmp_path / "live.db"
    shutil.copyfile(src, work)
    out = tmp_path / "backup.db"
    res = run("--db", str(work), "backup", "-o", str(out))
    assert res.returncode == 0, res.stderr
    a, b = sqlite3.connect(work), sqlite3.connect(out)
    for table in ("child", "contact", "staff"):
        assert a.execute(f"SELECT count(*) FROM {table}").fetchone() == b.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert b.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    a.close(), b.close()
    assert_one_line_error(run("--db", str(work), "backup", "-o", str(out)), "已存在")


def test_users_lists_demo_logins(tmp_path):
    src = tmp_path / "sample.db"  # a copy: the committed demo file is never opened for writing
    shutil.copyfile(Path(__file__).resolve().parent.parent / "sample.db", src)
    res = run("--db", str(src), "users")
    assert res.returncode == 0, res.stderr
    for login in ("admin", "xiaozhang", "banzhuren", "laoshi", "xinli", "aixinmama"):
        assert login in res.stdout


def test_missing_database_file_is_not_created(tmp_path):
    path = tmp_path / "typo.db"
    assert_one_line_error(run("--db", str(path)), "不存在")
    assert_one_line_error(run("--db", str(path), "users"), "不存在")
    assert not path.exists()


def test_stale_demo_copies_are_swept(tmp_path, monkeypatch):
    import tempfile as _tempfile

    from tui import context

    monkeypatch.setattr(_tempfile, "gettempdir", lambda: str(tmp_path))
    dead = tmp_path / f"{context.DEMO_PREFIX}dead"
    dead.mkdir()
    (dead / "pid").write_text("999999999")
    alive = tmp_path / f"{context.DEMO_PREFIX}alive"
    alive.mkdir()
    (alive / "pid").write_text(str(os.getpid()))
    context.sweep_stale_demos()
    assert not dead.exists() and alive.exists()


def test_the_sweep_touches_only_this_account_s_own_folders(tmp_path, monkeypatch):
    """/tmp is shared: a colleague's folder, or a link she planted under a demo name, is not swept."""
    import tempfile as _tempfile

    from tui import context

    monkeypatch.setattr(_tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    mine = tmp_path / "mine"  # the victim's own folder, with what looks like a dead demo's pid
    mine.mkdir()
    (mine / "pid").write_text("999999999")
    (mine / "keep.txt").write_text("x")
    (tmp_path / "tmp" / f"{context.DEMO_PREFIX}link").symlink_to(mine, target_is_directory=True)
    other = tmp_path / "tmp" / f"{context.DEMO_PREFIX}other"
    other.mkdir()
    (other / "pid").write_text("999999999")
    monkeypatch.setattr(os, "getuid", lambda: os.stat(tmp_path).st_uid + 1)  # "other" is someone else's
    context.sweep_stale_demos()
    assert (mine / "keep.txt").exists() and other.exists()
    monkeypatch.undo()
    monkeypatch.setattr(_tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    context.sweep_stale_demos()  # as its owner: the dead demo goes, the link and what it points to stay
    assert not other.exists() and (mine / "keep.txt").exists()


@pytest.fixture
def demo_copy(tmp_path):
    path = tmp_path / "demo.db"
    shutil.copyfile(Path(__file__).resolve().parent.parent / "sample.db", path)
    path.chmod(0o600)
    return str(path)


@pytest.mark.parametrize("args", [
    ("--user", "banzhuren", "due", "--date", "2026-11-20"),
    ("due", "--user", "banzhuren", "--date", "2026-11-20"),
    ("due", "--date", "2026-11-20", "--user", "banzhuren"),
    ("due", "--date", "2026-11-20", "--user", "banzhuren", "--db", "DB"),  # --db after it too
])
def test_user_and_db_before_or_after_the_subcommand(demo_copy, args):
    args = [demo_copy if a == "DB" else a for a in args]
    res = run_in(*([] if "--db" in args else ["--db", demo_copy]), *args)
    head = run_in("--db", demo_copy, "--user", "xiaozhang", "due", "--date", "2026-11-20")
    assert res.returncode == 0 and head.returncode == 0, res.stderr + head.stderr
    assert res.stdout.strip() and res.stdout != head.stdout  # her class's duties, not the head's whole school
    assert res.stdout == run_in("--db", demo_copy, "--user", "banzhuren", "due", "--date", "2026-11-20").stdout


@pytest.mark.parametrize("args, fragment", [
    (("--user", "admin", "due", "--user", "banzhuren"), "两个不同的登录名"),
    (("export", "--month", "2026-11", "--unmask", "--user", "banzhuren"), "只有管理员"),  # acts as her, after
    (("users", "deactivate", "laoshi", "--user", "banzhuren"), "不是管理员"),
    (("rules", "每周谈心", "--every", "8", "--user", "laoshi"), "只有管理员或校长"),
])
def test_user_after_the_subcommand_is_who_acts(demo_copy, args, fragment):
    assert_one_line_error(run_in("--db", demo_copy, *args), fragment)


@pytest.mark.parametrize("args, fragment", [
    (("export",), "参数错误: 缺少必需的参数: --month"),
    (("sample", "--children", "abc"), "参数错误: --children: 应为整数, 而不是 'abc'"),
    (("due", "--date"), "参数错误: --date: 后面需要一个值"),
    (("rules", "--every", "3", "--per-term"), "参数错误: --per-term: 不能与 --every 同时使用"),
    (("due", "--frob"), "参数错误: 无法识别的参数: --frob"),
    (("frobnicate",), "参数错误: 命令: 没有 'frobnicate' (可用: 'init'"),
])
def test_argument_errors_are_one_chinese_line(args, fragment):
    res = run_in(*args)
    assert_one_line_error(res, fragment)
    assert not any(w in res.stderr for w in ("usage", "error:", "argument", "required", "invalid"))


@pytest.mark.parametrize("args", [("--help",), ("export", "-h"), ("users", "add", "--help")])
def test_help_is_chinese(args):
    res = run_in(*args)
    assert res.returncode == 0 and res.stdout.startswith("用法: guanai"), res.stdout
    assert "选项:" in res.stdout and "显示帮助并退出" in res.stdout
    assert not any(w in res.stdout for w in ("usage:", "options:", "positional arguments", "show this help"))


def test_forced_login_still_refuses_user_after_the_subcommand(demo_copy):
    res = run("--db", demo_copy, "--as", "banzhuren", env={"SSH_ORIGINAL_COMMAND": "due --user admin"})
    assert_one_line_error(res, "只能")
    res = subprocess.run([GUANAI, "--db", demo_copy, "--as", "banzhuren", "due", "--user", "admin"],
                         capture_output=True, text=True, env={**os.environ, "GUANAI_DB": ""}, timeout=60)
    assert_one_line_error(res, "--as 已固定登录名")


@pytest.mark.parametrize("argv", [
    [], ["--demo"], ["--db", "x.db"], ["--db=x.db", "--user", "li"], ["--user=li", "--demo"], ["--us", "li"],
    ["--demo", "--demo"],
])
def test_a_plain_start_parses_as_the_whole_parser_does(argv):
    """The start reads its few options without building every command's parser: same namespace."""
    from tui.cli import build_parser, parse_plain_start

    assert vars(parse_plain_start(argv)) == vars(build_parser().parse_args(argv))


@pytest.mark.parametrize("argv", [
    ["due"], ["--demo", "due"], ["--as", "li"], ["-h"], ["--help"], ["--he"], ["--d"], ["--user"], ["--db"],
    ["--demo", "x"], ["--", "due"], ["--nope"],
])
def test_anything_but_a_plain_start_goes_to_the_whole_parser(argv):
    from tui.cli import parse_plain_start

    assert parse_plain_start(argv) is None
