"""Saving a form in a thread, so the screen keeps taking keys while the database waits.

A save can wait up to ``LOCK_WAIT_SECONDS`` (15 s) for another teacher's long write (an
import, a backup, a county server's row lock). Done on the UI thread, that froze the screen and
lost the keys typed meanwhile. ``BackgroundSave.start_save`` runs the model call in a thread
worker with its own connection (peewee connections are per thread: ``connection_context``),
keeps one save at a time (a second ctrl+s while one runs does nothing) and hands the outcome
back on the UI thread: ``done(result)`` or ``save_failed(exc)``. Errors never cross the thread
as exceptions; every one of them, a full disk included, leaves the form and what was typed.
"""
from __future__ import annotations

from typing import Any, Callable

import peewee
from textual.worker import Worker, WorkerState

from models import db as dbmod

SAVING = "正在保存…"
WORKER_NAME = "background-save"


def _run(job: Callable[[], Any]) -> tuple[bool, Any]:
    """In the worker thread: (True, result) or (False, the exception)."""
    try:
        with dbmod.current().connection_context():
            return True, job()
    except Exception as exc:  # noqa: BLE001 - handed to the UI thread, which says what it was
        return False, exc


def failure_message(exc: BaseException) -> str:
    """What a failed save says next to the form (always that the typing is still there)."""
    if isinstance(exc, (peewee.DatabaseError, peewee.InterfaceError)):
        mine = dbmod.translate(exc)
        if mine is not None:
            exc = mine
    if isinstance(exc, dbmod.DatabaseError):
        return str(exc)
    return f"保存失败, 没有保存任何内容 ({type(exc).__name__}: {exc}); 输入的内容还在"


class BackgroundSave:
    """Mixin for a Screen: ``start_save(job, done)``; the screen implements ``save_failed`` and
    ``show_save_state`` (the line next to the form) and checks ``saving`` where it matters."""

    saving = False
    _save_done: Callable[[Any], None] | None = None

    def start_save(self, job: Callable[[], Any], done: Callable[[Any], None]) -> bool:
        """Run ``job`` (model calls only: no widget access) in a thread; False if a save is running."""
        if self.saving:
            return False
        self.saving = True
        self._save_done = done
        self.show_save_state(SAVING, error=False)  # type: ignore[attr-defined]
        self.run_worker(lambda: _run(job), name=WORKER_NAME, group=WORKER_NAME, thread=True,  # type: ignore[attr-defined]
                        exit_on_error=False)
        return True

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.name != WORKER_NAME or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR,
                                                             WorkerState.CANCELLED):
            return
        self.saving = False
        done, self._save_done = self._save_done, None
        ok, value = worker.result if event.state == WorkerState.SUCCESS else (False, worker.error)
        if ok:
            self.show_save_state("", error=False)  # type: ignore[attr-defined]
            if done is not None:
                done(value)
        else:
            self.save_failed(value if isinstance(value, BaseException) else RuntimeError("保存被中断"))

    def save_failed(self, exc: BaseException) -> None:
        """Default: say it next to the form and in a notification; the form keeps everything."""
        message = failure_message(exc)
        self.show_save_state(message, error=True)  # type: ignore[attr-defined]
        self.notify(message, severity="error", timeout=8, markup=False)  # type: ignore[attr-defined]
