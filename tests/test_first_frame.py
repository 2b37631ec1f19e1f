"""The first screen is painted whole as soon as it is ready (issue 20: ``GuanaiApp._paint_first_frame_now``),
not on the next tick of Textual's update timer. It relies on two private names of Textual's
``Screen``; this test fails when they change, so the 0-17 ms it wins is not lost unnoticed."""
from __future__ import annotations

from pathlib import Path

import tui.app
from tui.app import GuanaiApp
from tui.context import Session


class Recording(GuanaiApp):
    CSS_PATH = str(Path(tui.app.__file__).with_name("styles.tcss"))
    seen: dict = {}

    def _paint_first_frame_now(self) -> None:
        screen = self.screen
        self.seen["asked"] = getattr(screen, "_layout_required", None)
        self.seen["has_update"] = callable(getattr(screen, "_on_timer_update", None))
        super()._paint_first_frame_now()
        self.seen["after"] = screen._layout_required


async def test_the_first_frame_is_painted_when_ready_not_on_the_timer(tiny_school):
    school, staff = tiny_school["school"], tiny_school["staff"][0]
    app = Recording(Session(target=tiny_school["path"], school_id=school.id, staff_id=staff.id,
                            staff_name=staff.name, school_name=school.name))
    app.WARM_MODULES = ()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        # Textual still leaves the start's layout to its timer, under these names: the call is needed
        assert app.seen["has_update"] is True
        assert app.seen["asked"] is True
        assert app.seen["after"] is False  # done now
