"""The baseline: a bare Textual app with what the roster shows at 80x24 — a header, a table of
the same visible size (the roster's 8 columns and widths, 20 lines high) and a footer — and
nothing else: no database, no models, no styles file.

Run as ``python bench/baseline_app.py``; ``python -m bench`` times it in a pseudo-terminal.
"""
from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header

COLUMNS = (("姓名", 8), ("班级", 6), ("留守", 8), ("监护人", 6), ("标记", 6), ("帮扶", 6), ("谈心", 5), ("身份证号", 18))
ROWS = 100
SURNAMES = "王李张刘陈杨黄吴罗龙"
GIVEN = "子浩宇俊博文嘉梓承天"


def row(i: int) -> tuple[str, ...]:
    name = SURNAMES[i % 10] + GIVEN[(i // 10) % 10] + GIVEN[(i * 7) % 10]
    return (name, f"{1 + i // 20}年{1 + i % 3}班", "双外出", "王秀英", "重", "李老师", "11-20",
            f"5227**********{i:04d}")


class BaselineApp(App):
    CSS = """
    #table { height: 20; scrollbar-size-vertical: 1; }
    """
    BINDINGS = [Binding("slash", "noop", "搜索", key_display="/"), Binding("q", "quit", "退出"),
                Binding("ctrl+q", "quit", "退出", show=False, priority=True)]

    def compose(self) -> ComposeResult:
        yield Header()
        table = DataTable(id="table", cursor_type="row", zebra_stripes=True)
        for label, width in COLUMNS:
            table.add_column(label, width=width)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for i in range(ROWS):
            table.add_row(*(Text(v, no_wrap=True, overflow="ellipsis") for v in row(i)), key=str(i))
        table.focus()

    def action_noop(self) -> None:
        pass


if __name__ == "__main__":
    BaselineApp().run()
