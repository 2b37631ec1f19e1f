"""From a talk to a 强制报告: the question after a save, the statutory checklist, the report form.

Thin: what counts as a sign is ``models.protection.should_offer``; who may see what is
``models.scope``. The talk is always saved before any of this opens, so nothing typed is lost
whatever the teacher answers.
"""
from __future__ import annotations

from models import protection

def offer_report(app, child_id: int, contact_id: int | None, concerns, *texts: str) -> bool:
    """After a saved talk: ask 是否填写强制报告? when it shows a sign; True if asked."""
    if not protection.should_offer(concerns, *texts):
        return False
    from screens.confirm import ConfirmScreen

    reason = protection.offer_reason(concerns, *texts)
    question = (f"谈话已保存。这次记录{reason}。\n是否填写强制报告? 发现或怀疑孩子受到侵害, "
                "教师须立即报告 (未成年人保护法)。")

    def answer(yes: bool | None) -> None:
        if yes:  # after the question is popped: a screen pushed from its callback would be popped instead
            app.call_later(open_checklist, app, child_id, contact_id)

    app.push_screen(ConfirmScreen(question, yes="填写报告", no="不需要"), answer)
    return True


def open_checklist(app, child_id: int, contact_id: int | None = None) -> None:
    """The statutory situations, ticked with digits; going on with one ticked opens the form."""
    from screens.protection_form import SituationPicker

    def ticked(checked) -> None:
        if not checked:
            if checked is not None:
                app.notify("没有勾选情形, 没有填写报告", timeout=3)
            return
        from screens.protection_form import ReportFormScreen

        form = ReportFormScreen(child_id, situations=list(checked), contact_id=contact_id)
        app.call_later(app.push_screen, form)  # after the checklist is popped (as above)

    app.push_screen(SituationPicker(), ticked)
