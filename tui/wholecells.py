"""Chinese characters must not vanish under pop-ups (Textual issue #6357, open in 8.2).

Textual's compositor cuts every screen line at each widget's left and right edge, hidden widgets
included, and divides each widget's line at those cuts. A double-width character that straddles
a cut is replaced by two spaces (Rich's ``split_cells``). So a dropdown over the roster filter
showed 一年  3班, and a toast over a border 尚未  存, though the dropdown or toast covered both
sides of the cut itself.

``WholeCellsCompositor`` divides a widget's line only where the owner of the cells changes:
a cut between two buckets that the same (front-most) widget wins both of is skipped, and the
second bucket gets an empty placeholder so nothing behind claims it. Where two different widgets
meet, the cut stays as Textual has it (a character of the one behind may still lose its half,
as it must: half a character cannot be drawn).

It also asks only the widgets that reach into a partial update, and are not behind another there,
to render (``_get_renders``), where Textual asks every widget whose container does (issue 20: a
cursor key on the pairing board).

``install()`` makes every Screen created afterwards use it; it is written against Textual 8.2's
private ``_render_chops`` and ``_get_renders``: tests/test_orientation.py checks the result on a
real dropdown, tests/test_partial_renders.py that a partial update writes what Textual's would.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip

EMPTY = Strip([], 0)


def owned_cuts(final_cuts: Sequence[int], is_free: Callable[[int], bool]) -> tuple[list[int], list[int]]:
    """(the cuts to divide this widget's line at, the bucket starts it gets an empty placeholder for).

    ``final_cuts`` are the cuts inside the widget's span, its right edge last; a bucket starts at
    each but the last. A cut between two free buckets (the widget wins both) is not needed."""
    keep: list[int] = []
    merged: list[int] = []
    for i in range(1, len(final_cuts) - 1):
        cut = final_cuts[i]
        if is_free(final_cuts[i - 1]) and is_free(cut):
            merged.append(cut)
        else:
            keep.append(cut)
    return [*keep, final_cuts[-1]], merged


class WholeCellsCompositor(Compositor):
    def _get_renders(self, crop: Region | None = None):
        """Textual's, but a partial update asks only the widgets whose visible part meets it.
        Textual asks every widget whose *clip* (its container's area) meets the update: on a
        screen of two panes side by side a cursor move in one made every widget of both render
        (结对: the 825 helpers' list, its scroll bar, the title and the footer at each key, 0.6 ms
        of a key's 2-3 ms). A widget that does not reach into the updated area adds nothing to
        it, so the result is the same."""
        if not crop:
            return super()._get_renders(crop)
        return self._renders_meeting(crop)

    def _renders_meeting(self, crop: Region):
        """Front to back (``visible_widgets``' order), skipping a widget whose part of the update lies
        inside what one in front of it shows: its cells there are that one's (``_render_chops`` fills
        them front first), so its render was thrown away. A cursor key in the pairing board's table
        rendered the two containers around the table and the screen behind it too."""
        _rich_traceback_guard = True  # noqa: F841 - as Textual's: a widget's error is its own
        overlaps = crop.overlaps
        intersection = Region.intersection
        in_front: list[Region] = []
        for widget, (region, clip) in self.visible_widgets.items():
            shown = intersection(region, clip)
            if not overlaps(shown):
                continue
            wanted = intersection(shown, crop)
            if any(front.contains_region(wanted) for front in in_front):
                continue
            in_front.append(shown)
            if clip.contains_region(region):
                yield region, clip, widget.render_lines(Region(0, 0, region.width, region.height))
            else:
                x, y, width, height = shown
                if width and height:
                    yield region, clip, widget.render_lines(Region(x - region.x, y - region.y, width, height))

    def _render_chops(self, crop: Region, is_rendered_line: Callable[[int], bool]
                      ) -> Sequence[Mapping[int, Strip]]:
        cuts = self.cuts
        chops: list[dict[int, Strip | None]] = [dict.fromkeys(cut_set[:-1]) for cut_set in cuts]
        intersection = Region.intersection
        for region, clip, strips in self._get_renders(crop):
            render_region = intersection(region, clip)
            render_x = render_region.x
            first_cut, last_cut = render_region.column_span
            for y, strip in zip(render_region.line_range, strips):
                if not is_rendered_line(y):
                    continue
                chops_line = chops[y]
                final_cuts = [cut for cut in cuts[y] if last_cut >= cut >= first_cut]
                if len(final_cuts) < 2:
                    continue
                free = lambda cut: chops_line.get(cut) is None  # noqa: E731 - painting front to back
                divide_at, merged = owned_cuts(final_cuts, free)
                starts = [final_cuts[0], *divide_at[:-1]]
                pieces = strip.divide([cut - render_x for cut in divide_at])
                for cut in merged:  # the widget's own cells, already in the piece before
                    chops_line[cut] = EMPTY
                for cut, piece in zip(starts, pieces):
                    if chops_line.get(cut) is None:
                        chops_line[cut] = piece
        return chops  # type: ignore[return-value]


def install() -> None:
    """Screens build their compositor from ``textual.screen.Compositor``: point it here."""
    import textual.screen

    if textual.screen.Compositor is Compositor:
        textual.screen.Compositor = WholeCellsCompositor
