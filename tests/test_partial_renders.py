"""A partial update asks only the widgets that reach into it and are not behind another there
(``tui/wholecells.py`` ``WholeCellsCompositor._get_renders``), and writes the very bytes Textual's
own choice of widgets writes. On the pairing board a cursor move in the children's table re-rendered the 825 helpers'
list, the title and the footer at every key (issue 20: 结对's cursor key against the roster's)."""
from __future__ import annotations

from textual._compositor import Compositor
from textual.geometry import Region

from screens.pairing_board import PairingBoardScreen
from tests.test_roster_screen import make_app


def partial_text(app, compositor, regions, *, textual_own: bool) -> str:
    compositor._dirty_regions.clear()
    compositor._dirty_regions.update(regions)
    if textual_own:
        compositor._get_renders = Compositor._get_renders.__get__(compositor)
    try:
        update = compositor.render_partial_update()
    finally:
        compositor.__dict__.pop("_get_renders", None)
    return update.render_segments(app.console)


async def test_a_cursor_key_on_the_board_renders_only_its_pane_and_writes_the_same(tiny_school):
    app = make_app(tiny_school)
    app.WARM_MODULES = ()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PairingBoardScreen)
        await pilot.press("right")
        await pilot.pause()
        helpers = screen.query_one("#pb-helpers")
        table = screen.query_one("#pb-table")
        assert screen.focused is table
        calls = []
        behind = [screen]  # the table's (the board has no container between: one grid)
        for widget in [helpers, *behind]:
            original = type(widget).render_lines
            widget.render_lines = (lambda w, orig: lambda crop: calls.append(w) or orig(w, crop))(widget, original)
        for key in ("down", "up", "down"):
            await pilot.press(key)
            await pilot.pause()
        # the helpers' list, beside the table, and the containers behind it were not asked to render
        assert calls == []

        compositor = screen._compositor
        x, y, width, _ = table.region
        for regions in ([Region(x, y + 1, width, 1), Region(x, y + 2, width, 1)],  # a cursor move
                        [Region(0, 0, 80, 1)],  # the title line
                        [Region(x + 3, y, 5, 3), Region(0, 23, 80, 1)],  # odd pieces, the footer
                        [Region(0, y, 80, 3)],  # across both panes and the border between
                        [Region(0, 0, 80, 24)]):  # the whole screen
            ours = partial_text(app, compositor, regions, textual_own=False)
            assert ours == partial_text(app, compositor, regions, textual_own=True)
            assert ours  # something was drawn
