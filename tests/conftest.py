"""Shared fixtures: a fresh migrated database per test (a copy of a template migrated once per
session), and a tiny hand-made school."""
from __future__ import annotations

import datetime as dt
import gc
import os
import shutil

import pytest

from models import db as dbmod
from models import schema
from models.entities import Child, Classroom, Contact, Pairing, Parent, School, Staff
from models.pinyin import pinyin_keys


BACKENDS = ("sqlite", "postgresql")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "both_backends: run on a SQLite file and again on the test PostgreSQL server")
    config.addinivalue_line("markers", "sqlite_only: about SQLite itself (pragmas, locking): never on PostgreSQL")
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        compile_the_app_once()
    collect_garbage_less_often()


def collect_garbage_less_often() -> None:
    """The test processes' cyclic garbage collector, tuned for a run of hundreds of Textual apps.

    Every Pilot session allocates hundreds of thousands of objects; with the default thresholds
    (700, 10, 10) the collector ran so often, over a heap of everything the workers had imported,
    that it took a quarter to a third of the CPU of the Pilot-heavy modules (orientation, talk
    entry, pairing board, calendar: 29.6 s of CPU by default, 20.1 s with these thresholds and the
    import-time objects frozen after collection; about 25 MB more at the peak). The app itself, and every
    process the tests start, keeps Python's defaults; nothing a test checks depends on when
    garbage is collected."""
    gc.set_threshold(10_000, 10, 10)


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session):
    """What collection imported (textual, peewee, the app, the tests) lives as long as the process:
    frozen, the collector never scans it again (see collect_garbage_less_often)."""
    gc.collect()
    gc.freeze()


def compile_the_app_once() -> None:
    """The app's modules as an installed copy has them: compiled once, before the workers start.

    The CI machines set PYTHONDONTWRITEBYTECODE, and the editable install compiles nothing, so
    every one of the suite's several hundred ``guanai`` processes (plain commands, real terminals)
    and every worker compiled the same ~50 modules again: 85 ms a start, a tenth of the suite's
    CPU. The variable is dropped for the workers and what they start, and the caches written
    now (``__pycache__`` is ignored by git); a test about bytecode itself may still set it."""
    import compileall
    import sys
    from pathlib import Path

    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.dont_write_bytecode = False
    root = Path(__file__).resolve().parent.parent
    for package in ("models", "screens", "tui", "tests"):
        compileall.compile_dir(root / package, quiet=2)


# Seconds a whole module took on a 2-core machine with 4 workers (junit times summed per module),
# for the modules that take long for their number of tests: real terminals, sshd, Pilot sessions.
MODULE_SECONDS = {
    "test_child_screens": 56, "test_two_terminals": 38, "test_protection_screens": 38,
    "test_import": 36, "test_server_setup": 35, "test_orientation": 34, "test_talk_entry": 34,
    "test_handbook": 28, "test_due_screen": 24, "test_pairing_board": 21, "test_guard": 20,
    "test_calendar_screen": 18, "test_identity": 17, "test_live": 15, "test_audit_cli": 14,
    "test_backup": 14, "test_duties": 14, "test_dropout_export": 13, "test_protection_export": 13,
    "test_sample": 12, "test_search_picker": 11, "test_orientation_tmux": 10,
    "test_dropout_screens": 10, "test_scope": 9, "test_smoke_tmux": 9, "test_terminal_escapes_tmux": 9,
}


def pytest_xdist_auto_num_workers(config):
    """``-n auto``: two workers per core, not one. The suite mostly waits — Pilot sleeps 20 ms
    twice after every key to see the app idle; real terminals, sshd, subprocesses and the
    PostgreSQL server work in other processes — and a second worker per core fills those waits:
    a Pilot-heavy half of the suite took 154 s with 2 workers, 116 s with 3 and 91 s with 4 on a
    2-core machine, for the same CPU time."""
    return 2 * len(os.sched_getaffinity(0))


def pytest_collection_modifyitems(config, items):
    """Longest modules first. xdist (``--dist loadscope``) hands each worker a whole module, in
    this order (``--no-loadscope-reorder`` in pyproject.toml; its own order is by number of
    tests, which put the two-terminal, sshd and tmux modules, few tests but long ones, last,
    while the other worker had nothing left to do). A module not measured counts 0.05 s a test."""
    def module(item) -> str:
        return item.nodeid.split("::", 1)[0]

    count: dict[str, int] = {}
    for item in items:
        count[module(item)] = count.get(module(item), 0) + 1

    def seconds(item) -> float:
        path = module(item)
        return MODULE_SECONDS.get(os.path.basename(path).removesuffix(".py"), 0.05 * count[path])

    items.sort(key=lambda item: -seconds(item))  # stable: a module's own order is kept


def pytest_generate_tests(metafunc):
    """Tests marked ``both_backends`` (the model layer) run once per backend; with
    GUANAI_TEST_EVERYTHING_ON_BOTH=1 every test that takes a database does (screens too: slower)."""
    everywhere = bool(os.environ.get("GUANAI_TEST_EVERYTHING_ON_BOTH"))
    marked = metafunc.definition.get_closest_marker("both_backends")
    if metafunc.definition.get_closest_marker("sqlite_only"):
        return
    if "backend" in metafunc.fixturenames and (everywhere or marked):
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def backend(request) -> str:
    return getattr(request, "param", "sqlite")


@pytest.fixture
def db_path(backend, request, tmp_path):
    """A fresh migrated database: a SQLite file path, or a PostgreSQL URL for the ``postgresql`` run.

    The name is kept from when it was only a path; everything that takes it (open_database,
    Session, ``guanai --db``) takes either.
    """
    if backend == "sqlite":
        target = str(tmp_path / "test.db")
        copy_private(request.getfixturevalue("sqlite_template"), target)
        dbmod.open_database(target)
        yield target
        dbmod.current().close()
        return
    server = request.getfixturevalue("pg_server")
    target = server.fresh_database()  # a reset database of an earlier test, or a new copy
    dbmod.open_database(target)
    yield target
    dbmod.current().close()
    server.release(target)


def copy_private(source: str, target: str) -> None:
    """Copy a database file as the app would have made it: owner-only (open_database refuses a
    file others could read), never over an existing file."""
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
        shutil.copyfileobj(src, out)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    """A SQLite file migrated once per session (per xdist worker), that ``db_path`` copies for each
    test: a file copy takes a millisecond, running every migration tens of them.

    The write-ahead log is folded into the file and removed, so the one file is the whole database.
    """
    path = str(tmp_path_factory.mktemp("template") / "migrated.db")
    db = dbmod.open_database(path)
    try:
        schema.migrate()
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    for leftover in (path + "-wal", path + "-shm"):
        if os.path.exists(leftover):
            os.remove(leftover)
    return path


def add_child(school, classroom, name, **kw):
    full, initials = pinyin_keys(name)
    values = dict(school=school, classroom=classroom, name=name, name_pinyin=full, name_initials=initials,
                  sex="男", ethnicity="汉族", birth_date=dt.date(2016, 5, 1), left_behind_type="父母均外出",
                  hukou_place="云岭县青山镇", address="石门村3组", guardian_name="王秀英", guardian_relation="祖父母",
                  guardian_phone="13800000000", guardianship_type="监护情况一般")
    values.update(kw)
    return Child.create(**values)


@pytest.fixture
def tiny_school(db_path):
    """Two classes, two teachers, five children: enough to search, filter and pair."""
    school = School.create(name="测试小学", county="云岭县")
    t1 = Staff.create(school=school, name="李老师", role="class_teacher", sex="女", login="lilaoshi")
    t2 = Staff.create(school=school, name="赵老师", role="teacher", sex="男", login="zhaolaoshi")
    c1 = Classroom.create(school=school, grade=3, number=2, name="三年级2班", head_teacher=t1)
    c2 = Classroom.create(school=school, grade=5, number=1, name="五年级1班", head_teacher=t2)
    kids = {
        "张小明": add_child(school, c1, "张小明", student_no="L123456789012345678", guardian_phone="13912345678"),
        "张丽华": add_child(school, c1, "张丽华", sex="女", hardship=True),
        "王芳": add_child(school, c2, "王芳", sex="女", key_target=True, guardian_phone=""),
        "刘强": add_child(school, c2, "刘强", left_behind_type="", guardian_name=""),
        "陈刚": add_child(school, c2, "陈刚", status="转出", status_date=dt.date(2026, 10, 8)),
    }
    Parent.create(child=kids["张小明"], relation="父亲", name="张大山", phone="13577778888",
                  work_province="广东省", work_city="东莞市")
    Pairing.create(child=kids["张小明"], kind="帮扶教师", staff=t1, started_on=dt.date(2026, 9, 1))
    Contact.create(child=kids["张小明"], staff=t1, kind="谈心", at=dt.datetime(2026, 11, 20, 10, 0), content="谈学习")
    Contact.create(child=kids["张小明"], staff=t1, kind="谈心", at=dt.datetime(2026, 11, 25, 9, 0), reached=False)
    return {"school": school, "staff": [t1, t2], "classes": [c1, c2], "kids": kids, "path": db_path}


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL cluster; skipped with the reason when none can be started.

    CI sets GUANAI_REQUIRE_PG=1 (.ci/run installs the server), where a server that does not
    start fails the run instead of skipping half the suite.
    """
    from tests.pgserver import PgServer

    try:
        server = PgServer()
        server.start()
    except Exception as exc:  # no binaries, no postgres user, port trouble …
        message = f"PostgreSQL test server could not be started ({exc}); PostgreSQL runs skipped"
        if os.environ.get("GUANAI_REQUIRE_PG"):
            pytest.fail(message)
        pytest.skip(message)
    yield server
    server.stop()


@pytest.fixture
def any_db(db_path):
    """Kept for the tests that asked for both backends before the marker existed."""
    return db_path


@pytest.fixture
def small_school(any_db):
    """One school, a class, an admin, a class teacher, a teacher, two children (both backends)."""
    school = School.create(name="测试小学", county="云岭县")
    admin = Staff.create(school=school, name="管理员", role="admin", login="admin")
    t1 = Staff.create(school=school, name="李老师", role="class_teacher", login="lilaoshi")
    t2 = Staff.create(school=school, name="赵老师", role="teacher", login="zhaolaoshi")
    c1 = Classroom.create(school=school, grade=3, number=2, name="三年级2班", head_teacher=t1)
    kids = {"张小明": add_child(school, c1, "张小明"), "王芳": add_child(school, c1, "王芳", sex="女")}
    return {"school": school, "admin": admin, "staff": [t1, t2], "classes": [c1], "kids": kids, "target": any_db}
