"""The month grid of 行事历: a 7 x 6 grid of days, each 3 lines: the date and its number of events,
the festival / solar term / lunar day, and the first event's title.

Drawn through the line API (one ``Strip`` per terminal line), at any width from 70 columns:
at 80x24 each day is 11 columns wide. Only plain ASCII and CJK characters go into the grid —
East-Asian ambiguous glyphs (“ ” …  ①) are replaced, because many Chinese terminals draw them
two cells wide and would break the columns. A widget below the screens: the calendar screen owns
the data and calls ``show``.
"""
from __future__ import annotations

import datetime as dt

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from models import calendar as cal
from models.calendar import DayInfo, Occurrence
from tui.widgets.text import clean

NO_QUOTES = str.maketrans("", "", "“”‘’「」『』\"'")
WEEK_ROWS = 6
CELL_LINES = 3


def cell_text(value: str, width: int) -> str:
    """User text for a grid cell: cleaned, quotes dropped (a cell has no room for them), other
    ambiguous glyphs replaced, cut to ``width`` cells."""
    text = cal.grid_safe(clean(value).translate(NO_QUOTES))
    if cell_len(text) > width:
        text = set_cell_size(text, width)
    return text


class MonthGrid(Widget):
    """The days of one month; the screen owns the data and calls ``show``."""

    COMPONENT_CLASSES = {
        "monthgrid--header", "monthgrid--weekend", "monthgrid--festival", "monthgrid--term",
        "monthgrid--lunar", "monthgrid--event", "monthgrid--today", "monthgrid--selected", "monthgrid--alt",
    }
    DEFAULT_CSS = """
    MonthGrid { height: 19; width: 1fr; }
    MonthGrid > .monthgrid--header { text-style: bold; }
    MonthGrid > .monthgrid--weekend { color: $warning; }
    MonthGrid > .monthgrid--festival { color: $error; text-style: bold; }
    MonthGrid > .monthgrid--term { color: $success; }
    MonthGrid > .monthgrid--lunar { color: $text-muted; }
    MonthGrid > .monthgrid--event { color: $accent; }
    MonthGrid > .monthgrid--today { text-style: bold underline; }
    MonthGrid > .monthgrid--selected { background: $primary; color: $text; }
    MonthGrid > .monthgrid--alt { background: $boost; }
    """

    class DayClicked(Message):
        def __init__(self, day: dt.date) -> None:
            super().__init__()
            self.day = day

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.weeks: list[list[dt.date | None]] = []
        self.infos: dict[dt.date, DayInfo] = {}
        self.events: dict[dt.date, list[Occurrence]] = {}
        self.selected: dt.date | None = None
        self.today: dt.date | None = None

    def show(self, weeks, infos, events_by_day, selected: dt.date, today: dt.date) -> None:
        self.weeks, self.infos, self.events = weeks, infos, events_by_day
        self.selected, self.today = selected, today
        self.refresh()

    def select(self, day: dt.date) -> None:
        self.selected = day
        self.refresh()

    @property
    def cell_width(self) -> int:
        return max(6, self.size.width // 7)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"monthgrid--{name}", partial=True)

    def render_line(self, y: int) -> Strip:
        cw = self.cell_width
        base = self.rich_style
        if y == 0:
            segs = []
            for i, name in enumerate(cal.WEEKDAYS):
                style = base + self._style("header") + (self._style("weekend") if i >= 5 else Style())
                segs.append(Segment(set_cell_size(f" 周{name}", cw), style))
            return Strip(segs)
        row, line = divmod(y - 1, CELL_LINES)
        if row >= len(self.weeks):
            return Strip.blank(cw * 7, base)
        segs = []
        for col, day in enumerate(self.weeks[row]):
            cell_base = base + (self._style("alt") if row % 2 else Style())
            if day is None:
                segs.append(Segment(" " * cw, cell_base))
                continue
            if day == self.selected:
                cell_base = cell_base + self._style("selected")
            segs.extend(self._cell(day, line, cw, cell_base, weekend=col >= 5))
        return Strip(segs)

    def _cell(self, day: dt.date, line: int, cw: int, base: Style, *, weekend: bool) -> list[Segment]:
        info = self.infos.get(day)
        occs = self.events.get(day, [])
        if line == 0:
            num = f" {day.day:>2}"
            style = base + (self._style("weekend") if weekend else Style())
            if day == self.today:
                style = style + self._style("today")
            mark = "今" if day == self.today else ""
            count = f"{len(occs)}项" if occs else ""
            gap = cw - cell_len(num) - cell_len(mark) - cell_len(count) - 1
            if gap < 0:
                count = ""
                gap = cw - cell_len(num) - cell_len(mark)
            return [Segment(num, style), Segment(mark, style), Segment(" " * max(0, gap)),
                    Segment(count, base + self._style("event")), Segment(" ", base)]
        if line == 1:
            if info is None:
                return [Segment(" " * cw, base)]
            if info.festivals:
                kind = "festival"
            elif info.solar_term:
                kind = "term"
            else:
                kind = "lunar"
            return [Segment(set_cell_size(" " + cell_text(info.label, cw - 1), cw), base + self._style(kind))]
        if not occs:
            return [Segment(" " * cw, base)]
        return [Segment(set_cell_size(" " + cell_text(occs[0].title, cw - 1), cw), base + self._style("event"))]

    def on_click(self, event: events.Click) -> None:
        if event.y < 1:
            return
        row = (event.y - 1) // CELL_LINES
        col = event.x // self.cell_width
        if row < len(self.weeks) and col < 7 and self.weeks[row][col] is not None:
            self.post_message(self.DayClicked(self.weeks[row][col]))
