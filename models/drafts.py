"""Drafts: form text written to the database as it is typed.

A teacher over a thin SSH link can lose the connection mid-sentence; the next time
they open the same form for the same child, the draft comes back. A draft is keyed
by (staff, form, key) and removed when the form is saved or deliberately discarded.
"""
from __future__ import annotations

import datetime as dt
import json

from models import db as dbmod
from models import scope
from models.entities import Child, Contact, Draft
from models.sanitize import clean_text


def _cleaned(value):
    """A draft's strings without control characters, at any depth: what was typed or pasted
    (a paste can hold ESC) is stored clean, and an old draft comes back clean."""
    if isinstance(value, str):
        return clean_text(value, multiline=True)
    if isinstance(value, dict):
        return {_cleaned(k): _cleaned(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_cleaned(v) for v in value]
    return value


def _match(staff_id: int | None, form: str, key: str):
    staff_cond = Draft.staff.is_null() if staff_id is None else (Draft.staff == staff_id)
    return staff_cond & (Draft.form == form) & (Draft.key == key)


def check_key(viewer: scope.Viewer, key: str) -> None:
    """A draft about a child (``child:<id>``) or a contact (``contact:<id>``) is kept only for a
    viewer who may record that child's talks: ``ForbiddenError`` otherwise."""
    what, _, ref = key.partition(":")
    if not ref.isdigit():
        return
    if what == "child":
        scope.require_child(viewer, int(ref), "contact")
    elif what == "contact":
        row = Contact.select(Contact.child, Contact.kind, Contact.staff).where(Contact.id == int(ref)).tuples().first()
        if row is not None:
            scope.require_child(viewer, row[0], "contact")
            if scope.hides(viewer, row[1], row[2]):
                raise scope.ForbiddenError(scope.COUNSELLING_HIDDEN)


def save_draft(staff_id: int | None, form: str, key: str, data: dict, *, viewer: scope.Viewer,
               now: dt.datetime | None = None) -> None:
    """Insert or replace the draft in one short write transaction (``check_key`` first)."""
    check_key(viewer, key)
    _save_draft(staff_id, form, key, data, now=now)


def _save_draft(staff_id: int | None, form: str, key: str, data: dict, *, now: dt.datetime | None = None) -> None:
    payload = json.dumps(_cleaned(data), ensure_ascii=False, sort_keys=True)
    when = (now or dt.datetime.now()).replace(microsecond=0)
    with dbmod.write():
        updated = (Draft.update(data=payload, updated_at=when)
                   .where(_match(staff_id, form, key)).execute())
        if not updated:
            Draft.create(staff=staff_id, form=form, key=key, data=payload, updated_at=when)


def load_draft(staff_id: int | None, form: str, key: str, *, viewer: scope.Viewer
               ) -> tuple[dict, dt.datetime] | None:
    check_key(viewer, key)
    row = Draft.select().where(_match(staff_id, form, key)).first()
    if row is None:
        return None
    try:
        data = json.loads(row.data)
    except ValueError:
        return None
    return (_cleaned(data) if isinstance(data, dict) else {}), row.updated_at


FORM_NAMES = {"talk": "谈心记录", "child": "档案", "event": "活动"}


def pending_drafts(staff_id: int | None) -> list[str]:
    """What the staff member left unsaved (newest first), for the reminder at start:
    ``谈心记录 张小明``, ``档案 新建``. Names only of children the draft is about."""
    rows = list(Draft.select(Draft.form, Draft.key).where(
        Draft.staff.is_null() if staff_id is None else (Draft.staff == staff_id))
        .order_by(Draft.updated_at.desc()).tuples())
    child_ids, contact_ids = set(), set()
    for _form, key in rows:
        what, _, ref = key.partition(":")
        if ref.isdigit() and what == "contact":
            contact_ids.add(int(ref))
        elif ref.isdigit() and what in ("child", "record"):
            child_ids.add(int(ref))
    names = dict(Child.select(Child.id, Child.name).where(Child.id.in_(child_ids)).tuples()) if child_ids else {}
    contact_child = dict(Contact.select(Contact.id, Child.name).join(Child).where(Contact.id.in_(contact_ids))
                         .tuples()) if contact_ids else {}
    out = []
    for form, key in rows:
        what, _, ref = key.partition(":")
        label = FORM_NAMES.get(form, form)
        if what == "contact" and ref.isdigit():
            out.append(f"{label} {contact_child.get(int(ref), '')} (修改)".replace("  ", " "))
        elif what in ("child", "record") and ref.isdigit():
            out.append(f"{label} {names.get(int(ref), '')}".strip())
        elif ref == "new":
            out.append(f"{label} 新建")
        else:
            out.append(label)
    return [clean_text(x, multiline=False) for x in out]


def delete_draft(staff_id: int | None, form: str, key: str) -> None:
    with dbmod.write():
        Draft.delete().where(_match(staff_id, form, key)).execute()


class DraftWriter:
    """Writes the latest snapshot of a form from a background thread.

    Typing must never wait for the disk (or for another teacher's write lock), so
    the form hands its snapshot to ``put`` and this thread saves only the newest
    one. ``close`` stops the thread after the write in progress; nothing is
    written after it returns, so a saved or discarded form cannot be resurrected.
    """

    def __init__(self, staff_id: int | None, form: str, key: str, *, viewer: scope.Viewer) -> None:
        import threading

        check_key(viewer, key)  # once: the thread then writes only this (staff, form, key)
        self.staff_id, self.form, self.key = staff_id, form, key
        self._cond = threading.Condition()
        self._pending: dict | None = None
        self._closed = False
        self._busy = False
        self.writes = 0
        self.last_error: str | None = None
        self._thread = threading.Thread(target=self._run, name=f"draft-{form}-{key}", daemon=True)
        self._thread.start()

    def put(self, data: dict) -> None:
        with self._cond:
            if self._closed:
                return
            self._pending = data
            self._cond.notify()

    def _run(self) -> None:
        db = dbmod.current()
        with db.connection_context():
            while True:
                with self._cond:
                    while self._pending is None and not self._closed:
                        self._cond.wait()
                    if self._closed:
                        return
                    data, self._pending = self._pending, None
                    self._busy = True
                try:
                    _save_draft(self.staff_id, self.form, self.key, data)
                    self.writes += 1
                    self.last_error = None
                except Exception as exc:  # keep typing; the form shows the problem
                    self.last_error = str(exc)
                finally:
                    with self._cond:
                        self._busy = False
                        self._cond.notify_all()

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until the newest snapshot is on disk (used by tests and before quitting)."""
        with self._cond:
            self._cond.wait_for(lambda: self._pending is None and not self._busy, timeout=timeout)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._pending = None
            self._cond.notify()
        self._thread.join(timeout=20)
