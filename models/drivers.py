"""peewee without the PostgreSQL drivers, for a process that only ever opens a SQLite file.

peewee imports psycopg2 (and psycopg 3, psycopg2cffi) when its own module is imported, whenever
they are installed — with the ``[postgres]`` extra, on every start of a school PC that uses a
SQLite file: 10–45 ms, a good part of what the app's first frame costs over a bare Textual app.
peewee has no switch for it (coleifer/peewee#1044 was declined), so the command line, which
knows the target before anything imports peewee, calls ``import_peewee(target)``: for a SQLite
target the drivers' names are set to ``None`` in ``sys.modules`` for the moment of peewee's
import (Python's documented way to make an import fail: peewee then records "not installed"),
and taken out again, so nothing else in the process is kept from importing them. For a server
URL, or when peewee is already imported (the tests), it is a plain import.

A leaf module: it imports nothing of the app (``models/db.py`` imports peewee at its top).
"""
from __future__ import annotations

import importlib
import sys

POSTGRES_DRIVERS = ("psycopg2", "psycopg", "psycopg2cffi")


def is_server_url(target: str | None) -> bool:
    """A ``scheme://`` target other than ``sqlite…://``: a database server (PostgreSQL)."""
    return bool(target) and "://" in target and not target.split("://", 1)[0].lower().startswith("sqlite")


def import_peewee(target: str | None) -> bool:
    """Import peewee, without the PostgreSQL drivers unless ``target`` is a server URL. Returns
    whether the drivers were kept out (False: a server, or peewee was already imported)."""
    if is_server_url(target) or "peewee" in sys.modules:
        importlib.import_module("peewee")
        return False
    blocked = [name for name in POSTGRES_DRIVERS if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # "import name" raises ImportError
    try:
        importlib.import_module("peewee")
    finally:
        for name in blocked:
            if sys.modules.get(name, ()) is None:
                del sys.modules[name]
    return True
