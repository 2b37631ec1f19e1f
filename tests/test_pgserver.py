"""The PostgreSQL test databases (tests/pgserver.py): a database given back after a test and reset
is the same as a new copy of the migrated template — rows, their order on disk, sequences, the
planner's sizes — and one whose schema a test changed is never handed out again."""
from __future__ import annotations

import datetime as dt

import peewee as pw
import psycopg2
import pytest

from models import db as dbmod
from models.entities import CareRule, Classroom, Contact, Draft, School, Staff
from tests.conftest import add_child


def snapshot(url: str) -> dict:
    """Everything a test could see of a database: columns, rows in the order they lie on disk,
    sequences, each table's pages on disk and what the planner believes of its size."""
    con = psycopg2.connect(url)
    try:
        cur = con.cursor()
        cur.execute("SELECT table_name, column_name, data_type, column_default, is_nullable "
                    "FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2")
        columns = cur.fetchall()
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        rows = {}
        for (table,) in cur.fetchall():
            cur.execute(f'SELECT r::text FROM "{table}" r ORDER BY r.ctid')
            rows[table] = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1")
        sequences = cur.fetchall()
        cur.execute("SELECT relname, relpages, reltuples, relallvisible, "
                    "CASE relkind WHEN 'r' THEN pg_relation_size(oid) END FROM pg_class WHERE oid >= 16384 ORDER BY 1")
        sizes = cur.fetchall()
    finally:
        con.close()
    return {"columns": columns, "rows": rows, "sequences": sequences, "sizes": sizes}


def use(url: str) -> None:
    """What a test does: rows in many tables, a migration's row changed, a sequence moved by a
    refused insert, a draft written and deleted (no rows left, its pages are)."""
    dbmod.open_database(url)
    try:
        school = School.create(name="测试小学", county="云岭县")
        teacher = Staff.create(school=school, name="李老师", role="class_teacher", login="lilaoshi")
        room = Classroom.create(school=school, grade=3, number=2, name="三年级2班", head_teacher=teacher)
        child = add_child(school, room, "张小明")
        Contact.create(child=child, staff=teacher, kind="谈心", at=dt.datetime(2026, 11, 20, 10))
        Draft.create(staff=teacher, form="talk", key="child:1", data="{}").delete_instance()
        CareRule.update(interval_days=3).where(CareRule.name == "每周谈心").execute()
        with pytest.raises(pw.IntegrityError):
            with dbmod.current().atomic():
                Staff.create(school=school, name="重名", role="teacher", login="lilaoshi")
    finally:
        dbmod.current().close()


def more(url: str) -> list:
    """The next test's rows: the ids they get."""
    dbmod.open_database(url)
    try:
        school = School.create(name="第二小学")
        rule = CareRule.create(name="每月家访", contact_kind="家访", interval_days=30)
        return [school.id, rule.id, Staff.create(school=school, name="王老师", role="teacher").id]
    finally:
        dbmod.current().close()


def test_a_reset_database_is_a_new_copy(pg_server):
    url = pg_server.fresh_database()
    use(url)
    pg_server.release(url)
    again = pg_server.fresh_database()
    assert again == url  # reset, not copied again
    copy = pg_server.create_database("reset_check_copy", template=pg_server.migrated_template())
    try:
        assert snapshot(again) == snapshot(copy)
        # and the next rows get the same ids and land in the same order on disk
        assert more(again) == more(copy)
        after, fresh = snapshot(again), snapshot(copy)
        assert after["rows"] == fresh["rows"] and after["sequences"] == fresh["sequences"]
    finally:
        pg_server.drop_database("reset_check_copy")
        pg_server.release(again)


def test_a_connection_left_open_does_not_keep_its_database_from_the_next_test(pg_server):
    url = pg_server.fresh_database()
    left = psycopg2.connect(url)
    left.cursor().execute("INSERT INTO school (name, county, township) VALUES ('留下的', '', '')")  # uncommitted
    try:
        pg_server.release(url)
        assert pg_server.fresh_database() == url
        assert snapshot(url)["rows"]["school"] == []
        with pytest.raises(psycopg2.Error):  # the server ended it
            left.cursor().execute("SELECT 1")
    finally:
        left.close()
        pg_server.release(url)


def test_a_database_whose_schema_changed_is_not_handed_out_again(pg_server):
    url = pg_server.fresh_database()
    con = psycopg2.connect(url)
    con.autocommit = True
    con.cursor().execute("ALTER TABLE school ADD COLUMN motto text")
    con.close()
    pg_server.release(url)
    other = pg_server.fresh_database()
    try:
        assert other != url
        assert "motto" not in {c[1] for c in snapshot(other)["columns"] if c[0] == "school"}
        names = psycopg2.connect(pg_server.url("postgres"))
        cur = names.cursor()
        cur.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (url.rsplit("/", 1)[1],))
        assert cur.fetchone()[0] == 0  # dropped
        names.close()
    finally:
        pg_server.release(other)
