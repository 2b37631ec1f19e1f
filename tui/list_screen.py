"""The list screens' one base: load, show, keep the place, and follow other users' changes.

The app polls ``models/live.py``; when another process changed the data it posts one
``DataChanged`` to the current screen. Only screens that show such data take it (``LiveData``);
a form never gets it, so nothing a teacher types is touched. Messages of a burst are merged
(``DataChanged.can_replace``: one waiting in the queue is dropped for the next), and a reload
still running when another change arrives is followed by exactly one more.

``ListScreen`` splits a reload in two: ``load()`` reads the database and touches no widget, so
on PostgreSQL a watcher's reload runs it in a thread worker (a county server's round trips do
not stall the keys); on SQLite it runs inline (the whole-school 待办 of the demo school, 821
duties, takes about 25 ms, less than a thread's own connection would cost). ``show(data)`` puts
the result on screen and returns the rows for the ``VirtualTable``; the cursor stays on the same
record (by its key), or on the same line when that record has gone (a duty just done). Nothing
is read in the constructor: the first load is ``on_mount``'s, and a screen shown again after
another one reloads once (the same process's saves are invisible to the watcher).
"""
from __future__ import annotations

from typing import Any, Sequence

from textual import work
from textual.message import Message
from textual.screen import Screen

from models import db as dbmod
from tui.collector import held_until_painted
from tui.widgets.fields import focus_now
from tui.widgets.guard import DatabaseGuard
from tui.widgets.virtual_table import VirtualTable


class DataChanged(Message, bubble=False):
    """Another user changed the data the lists show (posted by the app's watcher poll)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, DataChanged)  # a burst of changes: one reload


class LiveData:
    """Mixed into a screen that shows data other users change: the app posts it ``DataChanged``
    (the screen defines ``on_data_changed``). Screens without it (forms, dialogs) are left alone."""


class ListScreen(LiveData, DatabaseGuard, Screen):
    """A screen around one ``VirtualTable``: subclasses give ``load()`` and ``show(data)``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.loaded = False  # set by the first show (a subclass may show in compose)
        self.data: Any = None  # what load() gave last, for refilter
        self.background_loads = 0  # reloads run in a worker thread (PostgreSQL)
        self.reloads = 0  # reads so far (inline or in a worker): an older worker's result is dropped
        self._loading = False
        self._again = False
        self._away = False

    # -- what a subclass gives ------------------------------------------------
    def load(self) -> Any:
        """Read what the list shows. Runs on a worker thread on PostgreSQL: no widgets here."""
        raise NotImplementedError(type(self).__name__)

    def show(self, data: Any) -> Sequence[Any]:
        """Keep ``data``, update the status lines, return the rows for the table (UI thread)."""
        raise NotImplementedError(type(self).__name__)

    # -- the table -------------------------------------------------------------
    @property
    def table(self) -> VirtualTable:
        return self.query_one(VirtualTable)

    def place(self) -> tuple[str | None, int]:
        """The selected row's key and line, to come back to after a reload."""
        table = self.table
        return table.row_key_at(table.cursor_row), table.cursor_row

    def put(self, data: Any, place: tuple[str | None, int] = (None, 0)) -> None:
        rows = self.show(data)
        key, row = place
        self.table.set_rows(rows, cursor=row, keep=key)
        self.data = data
        self.loaded = True

    def refilter(self) -> None:
        """Show the data last read again through the screen's own filters (a key like 待办's m or
        k): nothing is read. The selected record stays if it is still listed, else the first row."""
        key, _ = self.place()
        self.put(self.data, (key, 0))

    # -- reloading -------------------------------------------------------------
    def reload(self, *, keep_place: bool = True) -> None:
        """Read and show now, on the UI thread (a key, a screen shown again: the teacher waits
        for this one). ``keep_place=False`` puts the cursor on the first row (a new search). The
        cyclic collector waits until the list is painted (tui/collector.py)."""
        self.reloads += 1
        place = self.place() if keep_place and self.loaded else (None, 0)
        with held_until_painted(self):
            self.put(self.load(), place)

    def on_mount(self) -> None:
        if not self.loaded:
            self.reload(keep_place=False)
        focus_now(self.table)  # a key typed right after the section's digit goes to the list

    def on_screen_suspend(self) -> None:
        self._away = True

    def on_screen_resume(self) -> None:
        """Back from a form or another section: what was saved there shows (the first showing
        is on_mount's load, not a second one)."""
        if self._away and self.is_mounted:
            self._away = False
            self.reload()

    def on_data_changed(self, message: DataChanged) -> None:
        if not self.is_mounted:
            return
        if dbmod.is_sqlite():
            self.reload()
            return
        if self._loading:
            self._again = True  # one more when the running load is in
            return
        self._loading = True
        self.background_loads += 1
        self._load_in_thread(self.reloads)

    @work(thread=True, group="list-reload", exit_on_error=False)
    def _load_in_thread(self, generation: int) -> None:
        try:
            with dbmod.current().connection_context():
                data = self.load()
        except Exception as exc:  # noqa: BLE001 - said on screen, the list stays as it was
            self.app.call_from_thread(self._load_failed, exc)
            return
        self.app.call_from_thread(self._loaded_in_thread, data, generation)

    def _loaded_in_thread(self, data: Any, generation: int) -> None:
        self._loading = False
        if self.is_mounted and generation == self.reloads:  # else a newer reload has shown
            self.reloads += 1
            self.put(data, self.place())
        if self._again:
            self._again = False
            self.on_data_changed(DataChanged())

    def _load_failed(self, exc: Exception) -> None:
        self._loading = self._again = False
        mine = dbmod.translate(exc)  # a dropped connection is closed, so the next poll reconnects
        if mine is not None:
            self.notify(str(mine), severity="error", timeout=10)
        else:
            self.log.warning(f"list reload failed: {exc}")
