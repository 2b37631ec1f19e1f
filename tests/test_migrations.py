"""A fresh database is built by the same migrations that upgrade an old one."""
import sqlite3

import pytest
from playhouse.schema_diff import diff_models

from models import db as dbmod
from models import schema
from models.entities import ALL_MODELS
from tui.context import open_db


def test_empty_file_migrates_to_current_models(tmp_path):
    path = str(tmp_path / "new.db")
    dbmod.open_database(path)
    assert schema.schema_version() == 0
    applied = schema.migrate()
    assert applied == schema.known_versions()
    assert schema.schema_version() == schema.latest_version()
    diff = diff_models(dbmod.current(), ALL_MODELS)
    assert not diff.create_tables and not diff.add_columns and not diff.drop_columns, diff
    assert not diff.add_indexes and not diff.drop_indexes, diff
    assert schema.migrate() == []  # idempotent
    dbmod.current().close()


@pytest.mark.sqlite_only
def test_sqlite_settings(db_path):
    db = dbmod.current()
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == 2
    assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 10000


@pytest.mark.sqlite_only
def test_write_takes_the_lock_up_front(db_path):
    """While one connection holds a write transaction, another cannot even begin one."""
    other = sqlite3.connect(db_path, timeout=0.1, isolation_level=None)
    with dbmod.write():
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()


@pytest.mark.both_backends
def test_newer_schema_is_refused(db_path):
    dbmod.current().execute_sql(
        f"INSERT INTO {schema.HISTORY_TABLE} (name, applied) VALUES ('0999_from_the_future', '2030-01-01')")
    dbmod.current().close()
    with pytest.raises(dbmod.DatabaseError, match="比本程序新"):
        open_db(db_path, create=False)


@pytest.mark.parametrize("content", [b"not a database at all, just text" * 10, b"SQLite format 3\x00" + b"\xff" * 200])
def test_corrupt_file_is_refused_and_left_alone(tmp_path, content):
    path = tmp_path / "bad.db"
    path.write_bytes(content)
    with pytest.raises(dbmod.DatabaseError, match="损坏"):
        open_db(str(path), create=False)
    assert path.read_bytes() == content
    assert not (tmp_path / "bad.db-wal").exists()


@pytest.mark.both_backends
def test_0007_ends_duplicate_active_pairings_then_enforces_one(db_path):
    """A PostgreSQL race before version 7 could leave two active pairings of a kind: the upgrade
    keeps the newest, ends the older on the day the newest began, and then builds the index."""
    import datetime as dt

    import peewee as pw

    from models.entities import Child, Classroom, Pairing, School, Staff

    since_7 = [n for n in schema.known_versions() if int(n[:4]) >= 7]
    schema._runner().down(target=since_7[0])  # rolls back 0007 and everything after it
    assert schema.schema_version() == 6
    def insert_v6(model, **values):
        """The model's defaults, but only the columns version 6 has (later versions add columns)."""
        columns = {c.name for c in dbmod.current().get_columns(model._meta.table_name)}
        row = model(**values)
        data = {f.column_name: f.db_value(row.__data__.get(f.name)) for f in model._meta.sorted_fields
                if f.column_name in columns and f.name != "id"}
        pw.Table(model._meta.table_name, list(data)).bind(dbmod.current()).insert(data).execute()
        return model.select(model.id).where(model.name == values["name"]).scalar()

    s = School.create(name="测试小学")
    t1 = insert_v6(Staff, school=s, name="李老师")
    t2 = insert_v6(Staff, school=s, name="赵老师")
    room = Classroom.create(school=s, grade=1, number=1, name="一年级1班")
    kid = insert_v6(Child, school=s, classroom=room, name="张小明")
    old = Pairing.create(child=kid, kind="帮扶教师", staff=t1, started_on=dt.date(2026, 9, 1))
    new = Pairing.create(child=kid, kind="帮扶教师", staff=t2, started_on=dt.date(2026, 9, 3))
    mama = Pairing.create(child=kid, kind="爱心妈妈", staff=t2, started_on=dt.date(2026, 9, 1))
    assert schema.migrate() == since_7
    old, new, mama = (Pairing.get_by_id(p.id) for p in (old, new, mama))
    assert old.ended_on == dt.date(2026, 9, 3) and old.end_reason == "重复结对, 升级时结束"
    assert new.ended_on is None and mama.ended_on is None
    with pytest.raises(pw.IntegrityError):
        with dbmod.current().atomic():
            Pairing.create(child=kid, kind="帮扶教师", staff=t1, started_on=dt.date(2026, 11, 1))
