"""The cyclic garbage collector held off while a list is read and drawn, and let run once it is on
the terminal (issue 20).

A school of 20,000 makes lists of tens of thousands of rows (名册 20,000, 待办 25,000 duties, the
pairing board 8,000 children): some 100,000 new objects a reload, all kept. Python's collector
counts them as they come and, in the middle of the read, scans them (and with them the rest of
the heap) without freeing anything: 20-40 ms for the young generations, 80-180 ms when the count
calls for a full collection. Measured in a real terminal, the full ones fell in whichever list's
first frame came next (the pairing board's, the roster's). Held until the list is painted, the
same collections run while the teacher reads the new screen, and a frame's time is the list's own.

Only what is on the way to a frame is held, on the UI thread; nothing here frees less: the
collector runs as before once the paint is done, or after ``LONGEST_SECONDS`` whatever happens.
"""
from __future__ import annotations

import contextlib
import gc
import time
from typing import Iterator

from textual.screen import Screen

POLL_SECONDS = 0.02  # how often to look again while the screen waits to be painted
LONGEST_SECONDS = 1.0  # the collector is on again after this, painted or not
YOUNG_AT_ONCE = 20_000  # objects made while held from which the young generations are collected at once


def paint_pending(screen: Screen) -> bool:
    """Whether ``screen`` has changes not yet written to the terminal: a layout or repaint Textual
    has still to do, or updates the app holds (``App.delay_update``, as a section switch does).
    Textual's private flags: should they go, nothing is taken to be pending."""
    app = screen.app
    return bool(getattr(app, "_batch_count", 0) or getattr(screen, "_layout_required", False)
                or getattr(screen, "_repaint_required", False) or getattr(screen, "_dirty_widgets", None))


@contextlib.contextmanager
def held_until_painted(screen: Screen) -> Iterator[None]:
    """The collector off for the block (a list's read and its rows put in the table), and on again
    once ``screen`` is painted. If it is off already (a section switch's hold, the start), it is
    left to whoever turned it off."""
    if not pause():
        yield
        return
    try:
        yield
    finally:
        on_after_paint(screen)


def pause() -> bool:
    """The collector off, if it was on: True when this call turned it off (and so owes an
    ``on_after_paint``)."""
    if not gc.isenabled():
        return False
    gc.disable()
    return True


def on_after_paint(screen: Screen) -> None:
    """Looks after every refresh and then every POLL_SECONDS: the first refresh after a section key
    is often not the list's (Textual holds a switched screen's updates for 50 ms and lays it out on
    a later tick); a collection let run then came before the frame. The timers are the app's: a
    screen that goes away (a dialog closed at once) would take its own timers with it."""
    app = screen.app
    deadline = time.monotonic() + LONGEST_SECONDS

    def look() -> None:
        if gc.isenabled():  # someone else turned it on
            return
        if screen.is_current and paint_pending(screen) and time.monotonic() < deadline:
            app.set_timer(POLL_SECONDS, look, name="collector-after-paint")
            return
        gc.enable()
        if gc.get_count()[0] >= YOUNG_AT_ONCE:
            # The young generations' collection now, while the list is read: left to the counts, the
            # young one came at once anyway and the middle one a few keys later (20-80 ms in a cursor
            # key on a school of 20,000). The old generation stays on Python's own schedule.
            gc.collect(1)

    app.call_after_refresh(look)
