"""Pick a class by typing its numbers: ``32`` finds 三年级2班 (a school has 6-30 classes, and a
dropdown walked with arrow keys took a 校长 13 keys to reach the last one)."""
from __future__ import annotations

from tui.widgets.search_picker import SearchPicker
from tui.widgets.text import clean

GRADE_DIGITS = {ch: str(i) for i, ch in enumerate("一二三四五六七八九", start=1)}


def class_key(name: str) -> str:
    """三年级2班 -> 三年级2班 with its grade as a digit too (``3年级2班``): what a query matches."""
    return "".join(GRADE_DIGITS.get(ch, ch) for ch in name)


def matches(name: str, query: str) -> bool:
    """Every typed character, in order, somewhere in the name or its digit form (``32``, ``3年2``,
    ``三年级``); spaces ignored."""
    wanted = [ch for ch in query.strip() if not ch.isspace()]
    for haystack in (class_key(name), name):
        at = 0
        for ch in wanted:
            at = haystack.find(ch, at)
            if at < 0:
                break
            at += 1
        else:
            return True
    return False


class ClassPickerScreen(SearchPicker):
    """Dismissed with the chosen value (a class id, or the caller's whole-school value), or None."""

    ID = "class-picker"
    PLACEHOLDER = "如 32"
    DEFAULT_CSS = """
    ClassPickerScreen { align: center middle; }
    #class-picker-box { width: 40; max-width: 100%; height: 18; max-height: 100%; border: round $primary;
                        padding: 0 1; background: $surface; }
    #class-picker-query { height: 1; border: none; background: $boost; }
    #class-picker-list { height: 1fr; border: none; }
    """

    def __init__(self, choices: list[tuple[str, object]], *, title: str = "选择班级") -> None:
        super().__init__([(clean(label), value) for label, value in choices], title=title,
                         hint="输入数字, 如 32 = 三年级2班; 回车选定")

    def match(self, items: list, query: str) -> list:
        """Classes by their numbers, in the school's order (not pinyin)."""
        return [c for c in items if matches(c[0], query)]

    def prompt(self, choice: tuple[str, object]) -> str:
        return choice[0]

    def answer(self, choice: tuple[str, object]) -> object:
        return choice[1]
