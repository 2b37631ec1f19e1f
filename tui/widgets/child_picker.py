"""Pick a child by pinyin initials, full pinyin, characters or 学籍号: type, arrows, enter."""
from __future__ import annotations

from models import roster
from tui.widgets.search_picker import SearchPicker, pad
from tui.widgets.text import clean, content

NAME_CELLS, CLASS_CELLS = 8, 10  # names and classes in columns, whatever their length


class ChildPickerScreen(SearchPicker):
    """Dismissed with the chosen child's id, or None. The rows are the viewer's roster (masked
    numbers stay masked, so digits find only what the teacher's own screen shows)."""

    ID = "picker"
    PLACEHOLDER = "如 zxm"
    MAX_SHOWN = 50

    def __init__(self, school_id: int, *, title: str = "选择孩子", exclude: set[int] | None = None) -> None:
        super().__init__([], title=title, hint="输入拼音首字母、全拼或汉字; 上下键选, 回车选定, esc 取消")
        leave_out = exclude or set()
        self.items = [r for r in roster.filter_rows(roster.roster_rows(school_id, viewer=self.app.viewer),
                                                    left_behind_only=False)
                      if r.id not in leave_out]

    def prompt(self, r: roster.RosterRow):
        return content(f"{pad(clean(r.name), NAME_CELLS)}  {pad(clean(r.class_name), CLASS_CELLS)}  "
                       f"{'留守' if r.left_behind else ''}", one_line=True)

    def answer(self, r: roster.RosterRow) -> int:
        return r.id
