"""The roster's table draws only the rows on screen: keys, scrolling, selection, safe text."""
from textual.app import App, ComposeResult

from tui.widgets.virtual_table import VirtualTable, fit

ROWS = [(i, f"王{i}", "[b]x[/b]" if i == 3 else f"\x1b[31m{i}") for i in range(1000)]


class TableApp(App):
    def __init__(self, rows=ROWS) -> None:
        super().__init__()
        self.rows = rows
        self.selected: list[str] = []

    def compose(self) -> ComposeResult:
        yield VirtualTable([("号", 4), ("姓名", 8), ("备注", 10)], cells=lambda r: (str(r[0]), (r[1], "bold"), r[2]),
                           key=lambda r: str(r[0]), rows=self.rows)

    def on_mount(self) -> None:
        self.query_one(VirtualTable).focus()

    def on_virtual_table_row_selected(self, event: VirtualTable.RowSelected) -> None:
        self.selected.append(event.row_key)


def test_fit_pads_and_cuts_by_cells():
    assert fit("王芳", 6) == "王芳  "
    assert fit("欧阳小明", 5) == "欧阳 "  # a wide character is never split: 4 cells and a space
    assert fit("abc", 2) == "ab"


async def test_keys_move_scroll_and_select():
    app = TableApp()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(VirtualTable)
        assert table.row_count == 1000 and table.cursor_row == 0
        await pilot.press("down", "down")
        assert table.cursor_row == 2 and table.scroll_y == 0
        await pilot.press("pagedown")
        page = table.scrollable_content_region.height - 1
        assert table.cursor_row == 2 + page
        assert table.scroll_y <= table.cursor_row < table.scroll_y + page
        await pilot.press("end")
        assert table.cursor_row == 999
        assert table.scroll_y == 1000 - page
        await pilot.press("home", "enter")
        assert app.selected == ["0"]


async def test_only_visible_rows_are_drawn_and_text_is_never_markup():
    calls = []

    class Counting(TableApp):
        def compose(self) -> ComposeResult:
            def cells(r):
                calls.append(r[0])
                return (str(r[0]), r[1], r[2])
            yield VirtualTable([("号", 4), ("姓名", 8), ("备注", 10)], cells=cells, key=lambda r: str(r[0]),
                               rows=self.rows)

    app = Counting()
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        assert calls and max(calls) < 20  # 1,000 rows, only the first screenful formatted
        table = app.query_one(VirtualTable)
        assert table.get_row("3")[2] == "[b]x[/b]"  # literally
        assert "\x1b" not in table.get_row("5")[2]


async def test_new_rows_keep_the_cursor_where_asked():
    app = TableApp()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(VirtualTable)
        table.set_rows(ROWS[500:], cursor=100)
        await pilot.pause()
        assert table.row_key_at(table.cursor_row) == "600"
        assert table.scroll_y <= 100
        table.clear()
        await pilot.press("down", "enter")
        assert table.row_count == 0 and app.selected == []


def test_clean_fast_path_is_the_slow_path():
    """tui.text.clean returns printable text unchanged without looking at each character; text
    with anything it drops or changes still goes through the character loop."""
    from tui.widgets.text import clean

    assert clean("王芳 zxm 123") == "王芳 zxm 123"
    assert clean("王\u3000芳") == "王\u3000芳"  # an ideographic space is kept (not printable to Python)
    assert clean("a\x1b[31mb\u202ec\u200bd\ufeff") == "a[31mbcd"
    assert clean("一\n二\t三") == "一 二 三" and clean("一\n二", one_line=False) == "一\n二"


async def test_index_of_reads_up_to_the_key_once_then_indexes():
    """The first look after set_rows stops at its row (待办's m keeps a duty near the top); the next
    ones use an index of every key. Both give the same rows, and none for a key not listed."""
    keys_read = []

    class Keyed(TableApp):
        def compose(self) -> ComposeResult:
            def key(r):
                keys_read.append(r[0])
                return str(r[0])
            yield VirtualTable([("号", 4)], cells=lambda r: (str(r[0]),), key=key, rows=self.rows)

    app = Keyed()
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        table = app.query_one(VirtualTable)
        table.set_rows(ROWS[::-1], keep="3")  # the cursor on the kept key: one look
        assert table.cursor_row == 996
        table.set_rows(ROWS)
        keys_read.clear()
        assert table.index_of("2") == 2 and keys_read == [0, 1, 2]  # the first look: up to it
        assert table.index_of(999) == 999 and len(keys_read) == 3 + 1000  # then an index of all
        keys_read.clear()
        assert table.index_of("500") == 500 and table.index_of("nope") is None and keys_read == []
        table.set_rows(ROWS[10:])  # new rows: read again
        assert table.index_of("10") == 0 and table.index_of("nope") is None
