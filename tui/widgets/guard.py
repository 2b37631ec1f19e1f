"""A database that is busy or gone must not take the app down with the teacher's typing.

In Textual an exception in a message handler ends that message pump and, by default, the
app. A save that waited ``LOCK_WAIT_SECONDS`` for another user's long write (an import, a
purge, a county server's row lock), or a PostgreSQL connection that dropped, raises
``DatabaseBusy`` / ``DatabaseGone`` (``models.db.write``) after its transaction rolled back.
``DatabaseGuard``, mixed into the app and into every screen, catches those (and the raw peewee
errors of a read on a dropped connection) where the message is dispatched, shows the one
message, and keeps the screen — with everything typed in it — alive.

Textual runs a key binding's action on the app's message pump and a widget message's handler
on the screen's, hence both. ``_dispatch_message`` is Textual's private hook;
``tests/test_guard.py`` fails if a Textual upgrade changes it.
"""
from __future__ import annotations

import peewee

from models import db as dbmod


class DatabaseGuard:
    """Mixin for App and Screen classes: first in the bases, before App/Screen/ModalScreen."""

    async def _dispatch_message(self, message):  # type: ignore[override]
        try:
            return await super()._dispatch_message(message)  # type: ignore[misc]
        except dbmod.DatabaseError as exc:  # busy, gone, damaged, disk full: each says so in one line
            self._database_trouble(str(exc))
        except (peewee.DatabaseError, peewee.InterfaceError) as exc:
            mine = dbmod.translate(exc)
            if mine is None:
                raise
            self._database_trouble(str(mine))
        return None

    def _database_trouble(self, message: str) -> None:
        self.notify(message, severity="error", timeout=10)  # type: ignore[attr-defined]  # plain text: App.notify
