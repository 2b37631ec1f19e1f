"""A throwaway PostgreSQL cluster for the tests that need a real server.

initdb refuses to run as root, so as root the cluster is made and started as the
``postgres`` user; the data folder lives in a temporary directory and is removed after.
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile


def _bindir() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        path = shutil.which("initdb")
        if not path:
            raise RuntimeError("PostgreSQL server binaries (initdb) not found: apt-get install postgresql")
        return os.path.dirname(path)
    return os.path.dirname(found[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self) -> None:
        self.bindir = _bindir()
        self.dir = tempfile.mkdtemp(prefix="guanai-pg-")
        self.data = os.path.join(self.dir, "data")
        self.port = _free_port()
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        if self.as_root:
            shutil.chown(self.dir, user="postgres")
        self._run(os.path.join(self.bindir, "initdb"), "-D", self.data, "-A", "trust", "-U", "postgres",
                  "-E", "UTF8", "--locale=C.UTF-8")
        # autovacuum off: no statistics change under a test (or under the template) while it runs
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c autovacuum=off"
        self._run(os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-o", opts, "-w", "-l",
                  os.path.join(self.dir, "log"), "start")
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, name: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def _admin(self, sql: str) -> None:
        import psycopg2

        con = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres")
        con.autocommit = True
        try:
            con.cursor().execute(sql)
        finally:
            con.close()

    def create_database(self, name: str, template: str | None = None) -> str:
        """An empty database, or a copy of ``template`` (a file copy: milliseconds, not a migration)."""
        import psycopg2

        if not template:
            self._admin(f'CREATE DATABASE "{name}"')
            return self.url(name)
        try:  # PostgreSQL 15+: FILE_COPY beats WAL_LOG for a small template
            self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
        except psycopg2.errors.SyntaxError:
            self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)

    def migrated_template(self) -> str:
        """A database migrated once per session, that each test's database is copied from."""
        if not getattr(self, "_template", None):
            from models import db as dbmod
            from models import schema

            name = "guanai_template"
            dbmod.open_database(self.create_database(name))
            try:
                schema.migrate()
            finally:
                dbmod.current().close()
            self._template = name
        return self._template

    def fresh_database(self) -> str:
        """A database equal to a new copy of the migrated template, as a URL.

        Copying the template costs the server a fifth of a second or more (its catalogs are
        megabytes), paid by each of the hundreds of PostgreSQL tests; so the database a test
        gives back (``release``) is reset instead, in about ten milliseconds: the rows deleted
        and vacuumed away, the migrations' rows put back, the sequences and the planner's table
        sizes set back as the template has them. A test that changed the schema (or anything
        else a reset does not undo) gets its database dropped, and the next test a new copy.
        """
        template = self.migrated_template()
        if not hasattr(self, "_spare"):
            self._spare: list[str] = []
            self._made = 0
        if self._spare:
            return self.url(self._spare.pop())
        self._made += 1
        return self.create_database(f"t_{os.getpid()}_{self._made}", template=template)

    def release(self, url: str) -> None:
        """Take back a database from ``fresh_database``: reset it for the next test, or drop it."""
        name = url.rsplit("/", 1)[1]
        try:
            if self._reset(name):
                self._spare.append(name)
                return
        except Exception:  # whatever went wrong, the next test gets a new copy
            pass
        self.drop_database(name)

    _SYSTEM = "('pg_catalog', 'information_schema', 'pg_toast')"
    _CATALOG_SQL = f"""
        SELECT md5(string_agg(x, ',' ORDER BY x)) FROM (
          SELECT concat_ws('|', 'c', c.oid, c.relname, c.relkind, c.relnatts, c.relacl, c.reloptions,
                           c.relhastriggers, c.relrowsecurity, c.relpersistence)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname NOT IN {_SYSTEM} AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'
          UNION ALL
          SELECT concat_ws('|', 'a', a.attrelid, a.attnum, a.attname, a.atttypid, a.atttypmod, a.attnotnull,
                           a.atthasdef, a.attisdropped, a.attacl)
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE a.attnum > 0 AND n.nspname NOT IN {_SYSTEM} AND n.nspname NOT LIKE 'pg_temp%'
          UNION ALL SELECT concat_ws('|', 'n', oid, nspname, nspacl) FROM pg_namespace
          UNION ALL SELECT concat_ws('|', 'k', oid) FROM pg_constraint
          UNION ALL SELECT concat_ws('|', 'd', oid) FROM pg_attrdef
          UNION ALL SELECT concat_ws('|', 't', oid, tgenabled) FROM pg_trigger
          UNION ALL SELECT concat_ws('|', 'r', oid, ev_enabled) FROM pg_rewrite
          UNION ALL SELECT concat_ws('|', 'l', oid) FROM pg_policy
          UNION ALL SELECT concat_ws('|', 'e', oid, evtenabled) FROM pg_event_trigger
          UNION ALL SELECT concat_ws('|', 'x', oid) FROM pg_extension
          UNION ALL SELECT concat_ws('|', 'p', p.oid) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname NOT IN {_SYSTEM}
          UNION ALL SELECT concat_ws('|', 'y', t.oid) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE n.nspname NOT IN {_SYSTEM}
          UNION ALL SELECT concat_ws('|', 's', setrole, setconfig) FROM pg_db_role_setting
           WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
          UNION ALL SELECT concat_ws('|', 'D', datacl, datallowconn, datconnlimit, datistemplate)
            FROM pg_database WHERE datname = current_database()
          UNION ALL SELECT concat_ws('|', 'X', gid) FROM pg_prepared_xacts WHERE database = current_database()
        ) f(x)"""
    _SEQUENCES_SQL = f"""SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), last_value
                         FROM pg_sequences WHERE schemaname NOT IN {_SYSTEM}"""
    # what the planner believes of each table and index of the app (and their TOAST tables)
    _SIZES_SQL = "SELECT json_agg(json_build_object('oid', oid, 'p', relpages, 't', reltuples, 'v', relallvisible)) " \
                 "FROM pg_class WHERE oid >= 16384"

    @staticmethod
    def _content_sql(table: str) -> str:
        """The rows of a table, in the order they lie on disk, as one digest."""
        return f"(SELECT md5(coalesce(string_agg(r::text, E'\\n' ORDER BY r.ctid), '')) FROM {table} r)"

    def _connect(self, name: str):
        import psycopg2

        con = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=name)
        con.autocommit = True  # VACUUM runs outside a transaction
        return con

    def _template_state(self) -> dict:
        """What a reset restores, read once from the template."""
        if getattr(self, "_state", None):
            return self._state
        con = self._connect(self.migrated_template())
        try:
            cur = con.cursor()
            cur.execute(self._CATALOG_SQL)
            catalog = cur.fetchone()[0]
            cur.execute(f"""SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables
                            WHERE schemaname NOT IN {self._SYSTEM} ORDER BY 1""")
            tables = [r[0] for r in cur.fetchall()]
            seeds, pages = {}, {}
            for table in tables:
                cur.execute(f"SELECT json_agg(t ORDER BY ctid)::text, {self._content_sql(table)}, "
                            f"pg_relation_size('{table}') FROM {table} t")
                rows, digest, pages[table] = cur.fetchone()
                if rows:
                    seeds[table] = (rows, digest)
            cur.execute(self._SEQUENCES_SQL)
            sequences = dict(cur.fetchall())
            cur.execute(self._SIZES_SQL)
            sizes = json.dumps(cur.fetchone()[0])
            cur.execute("SELECT pg_database_size(current_database())")
            size = cur.fetchone()[0]
        finally:
            con.close()
        self._state = {"catalog": catalog, "tables": tables, "seeds": seeds, "pages": pages,
                       "sequences": sequences, "sizes": sizes, "size": size}
        return self._state

    def _reset(self, name: str) -> bool:
        """Make database ``name`` equal to a new copy of the template; False when it cannot be."""
        state = self._template_state()
        con = self._connect(name)
        try:
            cur = con.cursor()
            # whatever the test left connected (a subprocess, a worker thread) goes, as DROP … FORCE would
            cur.execute("SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()")
            if not all(r[0] for r in cur.fetchall()):
                return False
            cur.execute(self._CATALOG_SQL)
            if cur.fetchone()[0] != state["catalog"]:
                return False
            # a table is changed when its rows are, or its file is (rows written and deleted again
            # leave their pages behind)
            seeds, pages = state["seeds"], state["pages"]
            checks = [(f"{self._content_sql(t)} <> %s" if t in seeds else f"EXISTS (SELECT 1 FROM {t})")
                      + f" OR pg_relation_size('{t}') <> {pages[t]}" for t in state["tables"]]
            cur.execute("SELECT " + ", ".join(checks), [seeds[t][1] for t in state["tables"] if t in seeds])
            dirty = [t for t, changed in zip(state["tables"], cur.fetchone()) if changed]
            if dirty:
                cur.execute("SET session_replication_role = replica")  # no foreign-key checks: all goes
                for table in dirty:
                    cur.execute(f"DELETE FROM {table}")
                cur.execute("RESET session_replication_role")
                # no dead rows left: the next rows go to the first page, in the order they come
                cur.execute(f"VACUUM {', '.join(dirty)}")
                for table in dirty:
                    if table in seeds:
                        cur.execute(f"INSERT INTO {table} SELECT * FROM json_populate_recordset(NULL::{table}, %s)",
                                    (seeds[table][0],))
            # a VACUUM (ours, or the app's after a purge) leaves its counts in the catalog
            cur.execute("UPDATE pg_class c SET relpages = s.p, reltuples = s.t, relallvisible = s.v "
                        "FROM json_to_recordset(%s) AS s(oid oid, p int, t real, v int) WHERE c.oid = s.oid "
                        "AND (c.relpages, c.reltuples, c.relallvisible) IS DISTINCT FROM (s.p, s.t, s.v)",
                        (state["sizes"],))
            cur.execute(self._SEQUENCES_SQL)
            for sequence, value in cur.fetchall():
                wanted = state["sequences"].get(sequence)
                if value != wanted:
                    if wanted is None:
                        cur.execute(f"ALTER SEQUENCE {sequence} RESTART")
                    else:
                        cur.execute("SELECT setval(%s, %s, true)", (sequence, wanted))
            # emptied index pages stay in their files: a copy now and then keeps them small
            cur.execute("SELECT pg_database_size(current_database())")
            return cur.fetchone()[0] < state["size"] + 16 * 1024 * 1024
        finally:
            con.close()

    def drop_database(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        try:
            self._run(os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
