"""The same migrations and roster queries on a real PostgreSQL server."""
import os
import subprocess
import sys
from pathlib import Path

from playhouse.schema_diff import diff_models

from models import db as dbmod
from models import roster, schema
from models.entities import ALL_MODELS, Child, Classroom, Contact, School, Staff

GUANAI = str(Path(sys.executable).with_name("guanai"))


def test_init_and_schema_on_postgres(pg_server):
    url = pg_server.create_database("init_test")
    res = subprocess.run([GUANAI, "--db", url, "init"], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "GUANAI_DB": ""})
    assert res.returncode == 0, res.stderr
    assert f"结构版本 {schema.latest_version()}" in res.stdout
    dbmod.open_database(url)
    try:
        assert schema.schema_version() == schema.latest_version()
        diff = diff_models(dbmod.current(), ALL_MODELS)
        assert not diff.create_tables and not diff.add_columns and not diff.drop_columns, diff
    finally:
        dbmod.current().close()


def test_roster_rows_on_postgres(pg_server):
    import datetime as dt

    url = pg_server.create_database("roster_test")
    dbmod.open_database(url)
    try:
        schema.migrate()
        school = School.create(name="县一小")
        t = Staff.create(school=school, name="李老师", login="li")
        c = Classroom.create(school=school, grade=1, number=1, name="一年级1班", head_teacher=t)
        kid = Child.create(school=school, classroom=c, name="张小明", name_pinyin="zhangxiaoming",
                           name_initials="zxm", left_behind_type="父母均外出")
        Contact.create(child=kid, staff=t, kind="谈心", at=dt.datetime(2026, 11, 2, 9, 30))
        from models.scope import viewer_for

        rows = roster.roster_rows(school.id, viewer=viewer_for(t))  # the class's 班主任 sees it
        assert [r.name for r in roster.search(rows, "zxm")] == ["张小明"]
        assert rows[0].last_talk == dt.date(2026, 11, 2)
    finally:
        dbmod.current().close()
