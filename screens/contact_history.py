"""修改记录 of one talk-log entry: every earlier text, newest change first."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from models.contacts import contact_history
from tui.widgets.text import content
from tui.widgets.guard import DatabaseGuard

FIELD_LABELS = {"content": "内容", "kind": "类别", "at": "时间", "minutes": "分钟", "mood": "情绪",
                "concerns": "关注", "reached": "接通", "place": "地点", "follow_up": "跟进",
                "follow_up_due": "跟进日期", "callee": "通话对象", "effect": "效果",
                "parent_feedback": "家长反馈", "family_members": "家庭成员情况", "living_conditions": "生活环境",
                "education_needs": "教育需求", "problems": "学生存在问题", "materials": "帮教资料"}


class ContactHistoryScreen(DatabaseGuard, ModalScreen[None]):
    BINDINGS = [Binding("escape", "close", "关闭"), Binding("f10", "close", "关闭", show=False)]
    DEFAULT_CSS = """
    ContactHistoryScreen { align: center middle; }
    #history-box { width: 76; max-width: 100%; height: auto; max-height: 100%; border: round $primary;
                   padding: 0 1; background: $surface; }
    """

    def __init__(self, contact_id: int) -> None:
        super().__init__()
        self.contact_id = contact_id

    def compose(self) -> ComposeResult:
        lines = ["修改记录 (esc 关闭)", ""]
        history = contact_history(self.contact_id, viewer=self.app.viewer)
        if not history:
            lines.append("这条记录没有被修改过。")
        for h in history:
            lines.append(f"{h['at']:%Y-%m-%d %H:%M} {h.get('staff_name') or '未知用户'} 修改:")
            for field, old in h["old"].items():
                label = FIELD_LABELS.get(field, field)
                lines.append(f"  {label} 原为: {old if old not in (None, '') else '空'}")
                lines.append(f"  {label} 改为: {h['new'].get(field) if h['new'].get(field) not in (None, '') else '空'}")
            lines.append("")
        with VerticalScroll(id="history-box"):
            yield Static(content("\n".join(lines)))

    def action_close(self) -> None:
        self.dismiss(None)
