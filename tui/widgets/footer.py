"""The key strip at the bottom, rebuilt only when the keys it shows change.

Textual's Footer rebuilds all its key widgets whenever the screen's bindings may have changed:
on every focus move. In a form that is every tab: a dozen widgets made, styled and laid out per
key, on the slow school PCs the app is for. The keys shown change far less often (a field that
binds keys of its own, a disabled action): this one compares what it would show with what it
shows and keeps its widgets when they are the same.
"""
from __future__ import annotations

from textual.widgets import Footer as _TextualFooter


class Footer(_TextualFooter):
    """Textual's Footer (same arguments, same look) that skips rebuilds showing the same keys."""

    _shown: tuple | None = None

    def _signature(self) -> tuple:
        app = self.app
        keys = tuple((binding.key, app.get_key_display(binding), binding.description, binding.action,
                      binding.group, enabled, tooltip)
                     for (_node, binding, enabled, tooltip) in self.screen.active_bindings.values()
                     if binding.show)
        return keys, self.show_command_palette, self.compact

    def compose(self):
        self._shown = self._signature() if self._bindings_ready else None
        yield from super().compose()

    def bindings_changed(self, screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        if not self.is_attached or self._pruning or not self.app.screen_stack:  # going away: nothing to show
            return
        try:
            same = self._signature() == self._shown
        except Exception:  # noqa: BLE001 - a screen's check_action asked mid-build: Textual's own way
            same = False
        if not same:
            await self.recompose()
