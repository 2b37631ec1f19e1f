"""A section's screen shown for the first time is styled as Textual's full restyle would style it
(issue 20: ``tui/app.py`` gives a new section's screen the app's CSS generation, so Textual no
longer re-reads the whole stylesheet twice for it). Each section, shown by its key, is drawn the
same before and after a forced ``refresh_css``."""
from __future__ import annotations

import gc
from pathlib import Path

import pytest

import tui.app
from tui.app import GuanaiApp
from tui.context import Session


class StyledApp(GuanaiApp):
    CSS_PATH = str(Path(tui.app.__file__).with_name("styles.tcss"))  # else relative to this file


@pytest.mark.parametrize("key", ["0", "3", "2", "4", "5"])
async def test_a_new_section_is_drawn_as_after_a_full_restyle(tiny_school, key):
    school, staff = tiny_school["school"], tiny_school["staff"][0]
    from models.entities import Staff

    Staff.update(role="head").where(Staff.id == staff.id).execute()
    app = StyledApp(Session(target=tiny_school["path"], school_id=school.id, staff_id=staff.id,
                            staff_name=staff.name, school_name=school.name))
    app.WARM_MODULES = ()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(key)
        await pilot.pause()
        screen = app.screen
        assert gc.isenabled()  # 待办 pauses the collector while its list is made, until it is drawn
        assert screen._css_update_count == app._css_update_count  # no restyle was due
        drawn = app.export_screenshot()
        app.refresh_css(animate=False)
        await pilot.pause()
        assert app.screen is screen
        assert app.export_screenshot() == drawn
