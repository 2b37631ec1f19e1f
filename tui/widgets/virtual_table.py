"""A table that renders only the rows on screen: for lists of any length (a county's roster).

``DataTable`` stores, measures and styles every cell of every row when rows are added: 400
rows cost about 0.15 s, 8,000 rows seconds, on each reload and on each search keystroke.
``VirtualTable`` keeps the caller's list as it is and formats a row only when its line is
drawn (about 20 at 80x24), through the line API, so filling, searching and scrolling cost the
same for 20 rows or 20,000. Columns have fixed widths; a line is drawn as few segments as
possible (one style per row, the cursor row in the cursor style), which keeps the bytes sent
per scroll small for a thin SSH link.

The subset of DataTable's interface the screens use: ``row_count``, ``cursor_row``,
``move_cursor(row=)``, ``get_row(key)``, ``get_row_at(index)``, ``clear()``, and the
``RowHighlighted`` / ``RowSelected`` messages; the same keys (arrows, PgUp/PgDn, Home/End,
enter) and a click to select. Cells are plain text (``tui.widgets.text.clean`` is applied): user text
is never markup.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.widgets.text import clean

# A cell: its text, or (text, extra Rich style) for a cell drawn apart (bold marks).
Cell = "str | tuple[str, str]"

PADDING = 1  # blank cells on each side of a column, as in DataTable


def fit(text: str, width: int) -> str:
    """``text`` cut or padded to exactly ``width`` cells (a wide character is never split)."""
    if text.isascii():
        return text[:width].ljust(width)
    used = 0
    out = []
    for ch in text:
        w = cell_len(ch)
        if used + w > width:
            break
        out.append(ch)
        used += w
    return "".join(out) + " " * (width - used)


class VirtualTable(ScrollView, can_focus=True):
    """Rows drawn on demand from a sequence; one row per line, a fixed header line."""

    DEFAULT_CSS = """
    VirtualTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        &:focus {
            background-tint: $foreground 5%;
            & > .virtual-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .virtual-table--header {
                background-tint: $foreground 5%;
            }
        }
        &:dark > .virtual-table--even-row {
            background: $surface-darken-1 40%;
        }
        & > .virtual-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .virtual-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .virtual-table--even-row {
            background: $surface-lighten-1 50%;
        }
        & > .virtual-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """
    COMPONENT_CLASSES = {"virtual-table--header", "virtual-table--even-row", "virtual-table--cursor"}

    BINDINGS = [
        Binding("enter", "select_cursor", "选择", show=False),
        Binding("up", "cursor_up", "上", show=False),
        Binding("down", "cursor_down", "下", show=False),
        Binding("pageup", "page_up", "上一页", show=False),
        Binding("pagedown", "page_down", "下一页", show=False),
        Binding("home", "first", "第一行", show=False),
        Binding("end", "last", "最后一行", show=False),
        Binding("ctrl+home", "first", show=False),
        Binding("ctrl+end", "last", show=False),
    ]

    cursor_row: reactive[int] = reactive(0, always_update=False, repaint=False)

    class RowHighlighted(Message):
        """The cursor moved to a row."""

        def __init__(self, table: "VirtualTable", cursor_row: int, row_key: str | None) -> None:
            super().__init__()
            self.table = table
            self.cursor_row = cursor_row
            self.row_key = row_key

        @property
        def control(self) -> "VirtualTable":
            return self.table

    class RowSelected(Message):
        """Enter (or a click on the cursor row) on a row."""

        def __init__(self, table: "VirtualTable", cursor_row: int, row_key: str | None) -> None:
            super().__init__()
            self.table = table
            self.cursor_row = cursor_row
            self.row_key = row_key

        @property
        def control(self) -> "VirtualTable":
            return self.table

    def __init__(self, columns: Sequence[tuple[str, int]], *, cells: Callable[[Any], Sequence[Any]],
                 key: Callable[[Any], str] = str, rows: Sequence[Any] = (), zebra_stripes: bool = True,
                 name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        """``cells(row)`` gives a row's cells in column order (text, or (text, Rich style));
        ``key(row)`` its key (a string); ``rows`` the first rows to show."""
        super().__init__(name=name, id=id, classes=classes)
        self.columns = [(clean(label), width) for label, width in columns]
        self._cells = cells
        self._key = key
        self.zebra_stripes = zebra_stripes
        self._rows: Sequence[Any] = rows
        self._index: dict[str, int] | None = None
        self._looked = False  # index_of has read the rows once since set_rows
        self._width = sum(w + 2 * PADDING for _, w in self.columns)
        self.virtual_size = Size(self._width, len(rows) + 1)

    # ------------------------------------------------------------ data

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def rows(self) -> Sequence[Any]:
        return self._rows

    def set_rows(self, rows: Sequence[Any], *, cursor: int = 0, keep: str | None = None) -> None:
        """Show ``rows`` (kept, not copied) with the cursor on the row whose key is ``keep``, else
        on row ``cursor``; scrolled to it."""
        self._rows = rows
        self._index = None
        self._looked = False
        if keep is not None:
            found = self.index_of(keep)
            cursor = cursor if found is None else found
        self.virtual_size = Size(self._width, len(rows) + 1)
        cursor = max(0, min(cursor, len(rows) - 1)) if rows else 0
        self.set_reactive(VirtualTable.cursor_row, cursor)
        top = min(self._scroll_for(cursor), max(0, len(rows) - self._page))  # the view stays if it can
        self.scroll_to(y=top, animate=False, immediate=True, force=True)
        self.refresh()
        if rows:
            self.post_message(self.RowHighlighted(self, cursor, self._key(rows[cursor])))

    def clear(self) -> "VirtualTable":
        self.set_rows(())
        return self

    def set_columns(self, columns: Sequence[tuple[str, int]]) -> None:
        """Other columns (the rows' ``cells`` must then give theirs): one table for lists of two
        kinds of row, like the pairing board's 未结对 and a helper's children."""
        self.columns = [(clean(label), width) for label, width in columns]
        self._width = sum(w + 2 * PADDING for _, w in self.columns)
        self.virtual_size = Size(self._width, len(self._rows) + 1)
        self.refresh()

    def row_key_at(self, index: int) -> str | None:
        if 0 <= index < len(self._rows):
            return self._key(self._rows[index])
        return None

    def index_of(self, key: str) -> int | None:
        """The row of ``key``. The first look after set_rows reads the rows up to it (a kept row is
        mostly near the top: 待办's m keeps a duty of the teacher's own, listed first); a second
        makes an index of them all (a whole school's 25,000 keys took 13 ms to index)."""
        key = str(key)
        if self._index is None:
            if not self._looked:
                self._looked = True
                return next((i for i, r in enumerate(self._rows) if self._key(r) == key), None)
            self._index = {}
            for i, r in enumerate(self._rows):
                self._index.setdefault(self._key(r), i)  # the first, as the look above finds it
        return self._index.get(key)

    def get_row_at(self, index: int) -> list[str]:
        """The row's cells as shown (plain text)."""
        return [clean(c[0] if isinstance(c, tuple) else c) for c in self._cells(self._rows[index])]

    def get_row(self, key: str) -> list[str]:
        index = self.index_of(key)
        if index is None:
            raise KeyError(key)
        return self.get_row_at(index)

    # ------------------------------------------------------------ cursor and scrolling

    @property
    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_for(self, row: int) -> float:
        """The scroll_y that shows ``row`` (unchanged when it is already visible)."""
        y = self.scroll_y
        page = self._page
        if row < y:
            return row
        if row >= y + page:
            return row - page + 1
        return y

    def move_cursor(self, *, row: int | None = None, column: int | None = None, animate: bool = False,
                    scroll: bool = True) -> None:
        if row is None or not self._rows:
            return
        self.cursor_row = max(0, min(row, len(self._rows) - 1))

    def validate_cursor_row(self, row: int) -> int:
        return max(0, min(row, len(self._rows) - 1)) if self._rows else 0

    def watch_cursor_row(self, old: int, new: int) -> None:
        target = self._scroll_for(new)
        if target != self.scroll_y:
            self.scroll_to(y=target, animate=False, immediate=True, force=True)  # repaints all
        else:
            self._refresh_row(old)
            self._refresh_row(new)
        if self._rows:
            self.post_message(self.RowHighlighted(self, new, self.row_key_at(new)))

    def _refresh_row(self, row: int) -> None:
        y = row - int(self.scroll_y) + 1
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def action_cursor_up(self) -> None:
        self.cursor_row -= 1

    def action_cursor_down(self) -> None:
        self.cursor_row += 1

    def action_page_down(self) -> None:
        if not self._rows:
            return
        page = self._page
        new = min(len(self._rows) - 1, self.cursor_row + page)
        top = min(max(0, len(self._rows) - page), int(self.scroll_y) + page)
        self.scroll_to(y=top, animate=False, immediate=True, force=True)
        self.cursor_row = new

    def action_page_up(self) -> None:
        if not self._rows:
            return
        page = self._page
        new = max(0, self.cursor_row - page)
        top = max(0, int(self.scroll_y) - page)
        self.scroll_to(y=top, animate=False, immediate=True, force=True)
        self.cursor_row = new

    def action_first(self) -> None:
        self.cursor_row = 0

    def action_last(self) -> None:
        self.cursor_row = max(0, len(self._rows) - 1)

    def action_select_cursor(self) -> None:
        if self._rows:
            self.post_message(self.RowSelected(self, self.cursor_row, self.row_key_at(self.cursor_row)))

    def on_click(self, event: events.Click) -> None:
        if event.y < 1:
            return
        row = int(self.scroll_y) + event.y - 1
        if 0 <= row < len(self._rows):
            if row == self.cursor_row:
                self.action_select_cursor()
            else:
                self.cursor_row = row

    def on_resize(self) -> None:
        target = self._scroll_for(self.cursor_row)
        if target != self.scroll_y:
            self.scroll_to(y=target, animate=False, immediate=True, force=True)

    # ------------------------------------------------------------ drawing

    def _line_text(self, cells: Sequence[Any]) -> list[tuple[str, str]]:
        """(text, extra style) runs: one run for plain cells, a separate one for a styled cell."""
        runs: list[tuple[str, str]] = []
        pending: list[str] = []
        pad = " " * PADDING
        for (_, width), cell in zip(self.columns, cells):
            style = ""
            if isinstance(cell, tuple):
                cell, style = cell
            text = pad + fit(clean(cell), width) + pad
            if style and cell:
                if pending:
                    runs.append(("".join(pending), ""))
                    pending = []
                runs.append((text, style))
            else:
                pending.append(text)
        if pending:
            runs.append(("".join(pending), ""))
        return runs

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x = int(self.scroll_x)
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("virtual-table--header")
            runs = self._line_text([label for label, _ in self.columns])
            segments = [Segment(text, style) for text, _ in runs]
        else:
            row = int(self.scroll_y) + y - 1
            if row >= len(self._rows):
                return Strip.blank(width, base)
            if row == self.cursor_row:
                style = base + self.get_component_rich_style("virtual-table--cursor")
            elif self.zebra_stripes and row % 2 == 0:  # as DataTable: rows 0, 2, 4 ... are "even"
                style = base + self.get_component_rich_style("virtual-table--even-row")
            else:
                style = base
            segments = [Segment(text, style + Style.parse(extra) if extra else style)
                        for text, extra in self._line_text(self._cells(self._rows[row]))]
        strip = Strip(segments, self._width)
        if scroll_x:
            strip = strip.crop(scroll_x, scroll_x + width)
        return strip.extend_cell_length(width, base).crop(0, width)
