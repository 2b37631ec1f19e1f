"""From a talk to a 强制报告: the question after a save, the statutory checklist, the report form.

Thin: what counts as a sign is ``models.protection.should_offer``; who may see what is
``models.scope``. The talk is always saved before any of this opens, so nothing typed is lost
whatever the teacher answers.
"""
from __future__ import annotations

from typing import Callable, Sequence

from models import protection


def offer_reports(app, saved: Sequence[tuple[int, int | None]], concerns, *texts: str, asked: bool = False) -> bool:
    """After a saved talk, call or visit of one child or a group (``saved``: (child, its contact) in
    the group's order): when it shows a sign (or ``asked``: the teacher pressed ctrl+b), each child
    in turn — one question, then for a yes the checklist and the 报告单 — the next once that one is
    done, whatever its answer: harm seen in a group talk may concern any of them. A single child
    asked for with ctrl+b goes straight to the checklist. True if anything opened."""
    if not saved or not (asked or protection.should_offer(concerns, *texts)):
        return False
    if asked and len(saved) == 1:
        open_checklist(app, *saved[0])
        return True
    from models.contacts import child_label
    from screens.confirm import ConfirmScreen

    reason = "" if asked else protection.offer_reason(concerns, *texts)
    queue = list(saved)

    def ask_next(_=None) -> None:
        if not queue:
            return
        child_id, contact_id = queue.pop(0)
        n, total = len(saved) - len(queue), len(saved)
        if total == 1:
            question = (f"谈话已保存。这次记录{reason}。\n是否填写强制报告? 发现或怀疑孩子受到侵害, "
                        "教师须立即报告 (未成年人保护法)。")
        else:
            said = f"这次记录{reason}。" if reason else ""
            question = (f"谈话已保存 ({total} 个孩子)。{said}\n第 {n}/{total} 个: 是否为 {child_label(child_id)} "
                        "填写强制报告? 发现或怀疑孩子受到侵害, 教师须立即报告 (未成年人保护法)。")

        def answer(yes: bool | None) -> None:
            # after the question is popped: a screen pushed from its callback would be popped instead
            if yes:
                app.call_later(open_checklist, app, child_id, contact_id, ask_next)
            else:
                app.call_later(ask_next)

        app.push_screen(ConfirmScreen(question, yes="填写报告", no="不需要"), answer)

    ask_next()
    return True


def open_checklist(app, child_id: int, contact_id: int | None = None,
                   then: Callable[[object], None] | None = None) -> None:
    """The statutory situations, ticked with digits; going on with one ticked opens the form.
    ``then`` is called once this child's turn is over (the form saved or left, nothing ticked)."""
    from screens.protection_form import SituationPicker

    def done(result=None) -> None:
        if then is not None:
            app.call_later(then, result)

    def ticked(checked) -> None:
        if not checked:
            if checked is not None:
                app.notify("没有勾选情形, 没有填写报告", timeout=3)
            done(False)
            return
        from screens.protection_form import ReportFormScreen

        form = ReportFormScreen(child_id, situations=list(checked), contact_id=contact_id)
        app.call_later(app.push_screen, form, done)  # after the checklist is popped (as above)

    app.push_screen(SituationPicker(), ticked)
