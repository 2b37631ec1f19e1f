"""Where am I, and as whom: the title line and the section strip at the top of every screen.

A teacher over SSH at 80x24 must be able to name the current screen and the login at any
moment, and see the keys that lead everywhere else. ``TitleBar`` replaces Textual's ``Header``:

    名册 > 张小明                青山镇中心小学 演示                周金敏 班主任
     0 待办  1 名册  2 结对  3 谈心  4 行事历  5 手册      ? 帮助  ^p 命令  q 退出

The first line is the section (from the app's mode, so a child page opened from the roster says
名册) with the screen's own ``sub_title`` after ``>``, the school, and the login's name and role.
The second line is the section strip with the current section in reverse video; forms leave it
out (``strip=False``), where the digits are typed into fields. Only ASCII separators: ``·`` and
``›`` are ambiguous-width glyphs that some Chinese terminals draw two cells wide.
"""
from __future__ import annotations

from rich.cells import cell_len
from textual.binding import Binding
from textual.content import Content
from textual.widget import Widget

from tui.widgets.text import clean

SECTION_ORDER = ("0", "1", "2", "3", "4", "5")
GLOBAL_KEYS = (("?", "帮助"), ("^p", "命令"), ("q", "退出"))


def _cut(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells with a visible ``~`` (never a half CJK character)."""
    if cell_len(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = cell_len(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "~"


def section_of(app) -> tuple[str, str] | None:
    """The (key, name) of the app's current section, or None outside the sections."""
    from tui.app import SECTIONS

    mode = getattr(app, "current_mode", None)
    for key, (name, title) in SECTIONS.items():
        if name == mode:
            return key, title
    return None


def login_label(app) -> str:
    """The login's name and role as the title line shows them (``周金敏 班主任``)."""
    session = getattr(app, "session", None)
    if session is None:
        return ""
    try:
        role = app.viewer.label
    except Exception:  # no database yet (tests of bare screens): no role to name
        role = ""
    name = clean(session.staff_name)
    return f"{name} {role}".strip() if name else role


class TitleBar(Widget):
    """Title line (section > page, school, login) and, unless ``strip=False``, the section strip."""

    DEFAULT_CSS = """
    TitleBar { height: 2; background: $boost; }
    TitleBar.no-strip { height: 1; }
    """

    def __init__(self, *, strip: bool = True, id: str | None = None) -> None:
        super().__init__(id=id, classes="" if strip else "no-strip")
        self.strip = strip

    def on_mount(self) -> None:
        self.watch(self.screen, "sub_title", lambda _value: self.refresh(), init=False)

    def title_text(self) -> str:
        """The section and page as plain text (also what tests and the palette read)."""
        section = section_of(self.app)
        name = section[1] if section else clean(getattr(self.app, "title", "关爱"))
        page = clean(self.screen.sub_title or "") if self.screen.sub_title else ""
        return f"{name} > {page}" if page else name

    def _title_line(self, width: int) -> Content:
        left = self.title_text()
        right = login_label(self.app)
        session = getattr(self.app, "session", None)
        middle = clean(session.school_name) if session is not None else ""
        if session is not None and session.demo_dir:
            middle = f"{middle} 演示".strip()
        banner = getattr(self.app, "report_banner", "")  # 强制报告 waiting: red, in the school's place
        style = ""
        if banner:
            middle, style = banner, "bold white on red"
        right = _cut(right, max(0, width // 3))
        left = _cut(left, max(0, width - cell_len(right) - 3))
        room = width - cell_len(left) - cell_len(right) - 2
        if cell_len(middle) + 4 > room:
            middle = _cut(middle, room - 4) if room > 8 else ""
        gap = room - cell_len(middle)
        before = gap // 2
        return Content.assemble(
            " ", (left, "bold"), " " * max(1, before), (middle, style), " " * max(1, gap - before), right, " ")

    def banner_text(self) -> str:
        """The red banner as plain text ("" when no report waits): what tests read."""
        return getattr(self.app, "report_banner", "")

    def _strip_line(self) -> Content:
        from tui.app import SECTIONS

        section = section_of(self.app)
        current = section[0] if section else None
        parts: list = [" "]
        for key in SECTION_ORDER:
            label = f"{key} {SECTIONS[key][1]}"
            parts.append((f" {label} ", "reverse bold") if key == current else f" {label} ")
        parts.append("  ")
        for key, label in GLOBAL_KEYS:
            parts.append((key, "bold"))
            parts.append(f" {label}  ")
        return Content.assemble(*parts)

    def render(self) -> Content:
        width = self.size.width or 80
        lines = [self._title_line(width)]
        if self.strip:
            lines.append(self._strip_line())
        return Content("\n").join(lines)


class SectionKeys:
    """For a read-only pop-up (help, a page of text): ``0``-``5`` close it and go to the section,
    as they do everywhere else (a modal screen keeps the app's own keys from it)."""

    SECTION_BINDINGS = [Binding(key, f"to_section('{key}')", show=False) for key in SECTION_ORDER]

    async def action_to_section(self, key: str) -> None:
        app = self.app  # type: ignore[attr-defined]
        self.dismiss(None)  # type: ignore[attr-defined]
        await app.run_action(f"section('{key}')")
