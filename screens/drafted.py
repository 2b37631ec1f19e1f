"""What every form that keeps a Draft shares: snapshot, flush, drop, cancel with a question.

A form using it sets ``DRAFT_FORM`` and ``DISCARD_QUESTION``, has ``draft_key``,
``_changed()`` and ``_draft_data()``, starts ``self.writer`` (a ``drafts.DraftWriter``) when
mounted, and calls ``_mark_dirty()`` on every change; a timer calls ``_flush_draft``.
"""
from __future__ import annotations

from textual.css.query import NoMatches

from models import drafts
from screens.confirm import ConfirmScreen
from tui.widgets.text import clean


class DraftedForm:
    DRAFT_FORM = ""
    DISCARD_QUESTION = "放弃这些修改吗? 已输入的内容 (和草稿) 将被删除。"
    writer: drafts.DraftWriter | None = None
    _dirty = False

    def _mark_dirty(self) -> None:
        self._dirty = True

    def is_dirty(self) -> bool:
        """Unsaved input (what the app asks before a section key or a live refresh leaves it)."""
        try:
            return self._changed()
        except NoMatches:  # not composed yet, or already gone
            return False

    def _flush_draft(self) -> None:
        if not self._dirty or self.writer is None:
            return
        self._dirty = False
        if self._changed():
            self.writer.put(self._draft_data())
        if self.writer.last_error:
            self.notify(f"草稿未能保存: {clean(self.writer.last_error)}", severity="error", timeout=3)

    def _drop_draft(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        drafts.delete_draft(self.app.staff_id, self.DRAFT_FORM, self.draft_key)

    def on_unmount(self) -> None:
        if self.writer is None:
            return
        try:  # the app quit with the form open: keep the newest text as the draft
            changed = self._dirty and self._changed()
        except NoMatches:  # the widgets went first: the last snapshot is already written
            changed = False
        if changed:
            self.writer.put(self._draft_data())
            self.writer.flush()
        self.writer.close()

    def action_cancel(self) -> None:
        if not self._changed():
            self._drop_draft()
            self.dismiss(False)
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self._drop_draft()
                self.dismiss(False)

        self.app.push_screen(ConfirmScreen(self.DISCARD_QUESTION, yes="放弃", no="继续编辑"), answer)
