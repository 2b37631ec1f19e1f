"""Who is left behind on a day: one SQL condition that the roster, the 登记表, the summary, the
pairing board and the duties all count by.

A module of its own so that the roster, the first screen, does not import the duties (and their
terms, rules and validation: ~3 ms of every start) for this one expression."""
from __future__ import annotations

import datetime as dt

import peewee as pw

from models.entities import Child, Parent


def left_behind_on(on_date: dt.date) -> pw.Expression:
    """SQL condition on Child: left behind on that day — a 留守类型, and no parent record or one
    away then (``away``, or home only after that day). The parents' return ends the status on its
    date: the roster, the 登记表, the summary and the duties all count by this one condition."""
    away_that_day = ((Parent.away == True) | (Parent.returned_on > on_date)) & (Parent.deceased == False)  # noqa: E712
    has_parents = Child.id.in_(Parent.select(Parent.child))
    someone_away = Child.id.in_(Parent.select(Parent.child).where(away_that_day))
    return (Child.left_behind_type != "") & (~has_parents | someone_away)
