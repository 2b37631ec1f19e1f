"""A throwaway PostgreSQL cluster for the tests that need a real server.

initdb refuses to run as root, so as root the cluster is made and started as the
``postgres`` user; the data folder lives in a temporary directory and is removed after.
"""
from __future__ import annotations

import glob
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
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
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

    def drop_database(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        try:
            self._run(os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
