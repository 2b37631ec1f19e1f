"""The demo school brought up to today.

The demo's history is logged up to a fixed school day (``models.sample.LOG_END``, a Friday; the
demo's "today" is the day after), so a demo opened weeks later showed every duty of every child
overdue, and the talk log, the 需要关注 list and the handbook's month empty. Its temporary copy (never
``sample.db`` itself) moves every recorded day forward by whole weeks, so that the newest talk falls
in the week before today: weekdays, gaps and order stay as they were generated.

Left as they are, because a date there is part of a fact rather than the time of a record: birth
dates (an ID number holds one), the school's term dates (settings: the same school year), the 行事历
and its attendance (a plan of dated days: 宪法日 is 12-04 whatever week it is), the report pack's
snapshots (named by their period). Nor is the audit log rewritten: it is append-only even in a
demo copy (its times are when the demo was generated). SQLite only: the demo is a SQLite copy.
"""
from __future__ import annotations

import datetime as dt

import peewee as pw

from models.coerce import as_datetime
from models.entities import ALL_MODELS, Attendance, AuditLog, Contact, Event, ReportSnapshot

# (table, column) that keep their dates (see above)
KEPT = {("child", "birth_date"), ("parent", "birth_date"), ("grandparent", "birth_date")}
KEPT_TABLES = {m._meta.table_name for m in (ReportSnapshot, AuditLog, Event, Attendance)}
FAR_DAYS = 36525  # a hundred years: further than the demo's history is long


def weeks_behind(last_logged: dt.date, today: dt.date) -> int:
    """Whole weeks to move a history logged up to ``last_logged`` (a school day) so that it ends in
    the week before ``today``; 0 when it already does (or the clock is behind the history)."""
    return max(0, (today - last_logged - dt.timedelta(days=1)).days // 7)


def unique_columns(db: pw.Database, table: str) -> set[str]:
    """The columns of the table's unique indexes, as SQLite has them (the migrations' too)."""
    found: set[str] = set()
    for _, name, unique, *_ in db.execute_sql(f'PRAGMA index_list("{table}")').fetchall():
        if unique:
            found.update(row[2] for row in db.execute_sql(f'PRAGMA index_info("{name}")').fetchall())
    return found


def shift_history(db: pw.Database, days: int) -> int:
    """Move every recorded date and time of the open database ``days`` forward, in one transaction;
    returns the number of columns moved (0 for ``days`` 0)."""
    if days <= 0:
        return 0
    # A column of a unique index goes through a far date and back: SQLite checks the index (an absence
    # per child and day) row by row, so moving each row straight by a week would meet the row a week later
    there, back = f"+{int(days) + FAR_DAYS} days", f"-{FAR_DAYS} days"
    moved = 0
    with db.atomic():
        for model in ALL_MODELS:
            table = model._meta.table_name
            if table in KEPT_TABLES:
                continue
            for field in model._meta.sorted_fields:
                if (table, field.column_name) in KEPT:
                    continue
                if isinstance(field, pw.DateTimeField):
                    fn = pw.fn.datetime
                elif isinstance(field, pw.DateField):
                    fn = pw.fn.date
                else:
                    continue
                steps = (there, back) if field.column_name in unique_columns(db, table) else (f"+{int(days)} days",)
                for modifier in steps:
                    model.update({field: fn(field, modifier)}).where(field.is_null(False)).execute()
                moved += 1
    return moved


def bring_up_to_date(db: pw.Database, today: dt.date) -> int:
    """Shift the open demo copy so its newest talk is within the week before ``today``; the days
    moved (a multiple of 7, 0 when nothing had to move)."""
    newest = Contact.select(pw.fn.MAX(Contact.at)).scalar()
    if newest is None:
        return 0
    days = 7 * weeks_behind(as_datetime(newest).date(), today)
    shift_history(db, days)
    return days
