"""Input and TextArea that never hold a control character.

Textual draws an input's value as it is: a stored ESC sequence (an OSC 52 clipboard write, a
title change, a screen clear) loaded into a form, or pasted from another window, went to the
terminal raw. These subclasses clean every value they get, however it arrives (constructor,
``value =``, ``load_text``/``text =``, typing, paste, undo), with ``models.sanitize``'s rule:
an input gets one line, a text area keeps newlines and tabs. Screens import ``Input`` and
``TextArea`` from here instead of from ``textual.widgets``; CSS type selectors still match.
"""
from __future__ import annotations

from textual.widgets import Input as _Input

from models.sanitize import clean_text


class Input(_Input):
    """One-line input: the value is cleaned whenever it is set (Textual's reactive validator)."""

    def validate_value(self, value: str) -> str:
        return clean_text(value, multiline=False)


def _text_area_class() -> type:
    """``TextArea``, made on first use: Textual's text area (its document, undo history and
    highlight themes) costs every start-up ~5 ms, and the first screen (名册, 待办) has none."""
    from textual.widgets import TextArea as _TextArea
    from textual.widgets.text_area import Edit, EditResult

    class TextArea(_TextArea):
        """Multi-line text area: the loaded text and every edit (typed or pasted) are cleaned."""

        def __init__(self, text: str = "", **kwargs) -> None:
            super().__init__(clean_text(text or "", multiline=True), **kwargs)

        def load_text(self, text: str) -> None:
            super().load_text(clean_text(text or "", multiline=True))

        def edit(self, edit: Edit) -> EditResult:
            edit.text = clean_text(edit.text, multiline=True)
            return super().edit(edit)

    TextArea.__module__, TextArea.__qualname__ = __name__, "TextArea"
    return TextArea


def __getattr__(name: str):
    """``from tui.widgets.fields import TextArea`` makes the class the first time (PEP 562)."""
    if name == "TextArea":
        cls = globals()["TextArea"] = _text_area_class()
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class NumberInput(Input):
    """A field of digits (a month, a date, minutes): only digits and separators are typed into it,
    so a letter pressed there reaches the screen's one-letter keys (``m`` then ``c`` on the
    handbook once wrote ``c`` over the month). Pair it with priority bindings for those letters."""

    TYPED = frozenset("0123456789-:/.")

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("restrict", r"[0-9:/.\-]*")  # any other letter is refused, not typed
        super().__init__(*args, **kwargs)

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character is not None and character in self.TYPED


def focus_now(widget) -> None:
    """Move the cursor to ``widget`` before the next key is handled. Textual's ``focus()`` waits
    behind the keys already queued, and over SSH (or from an IME) a key that moves to another field
    and the text typed after it arrive in one read: that text went into the field being left."""
    widget.screen.set_focus(widget)


def focus_to_fix(widget) -> None:
    """Focus the field a refused save points at, its old value selected when it is one line, so
    what is typed replaces it (a second ID typed after the first made a 36-digit one). Focus()
    on the field already focused sends no Focus event, hence the explicit selection. A text
    area keeps its caret: selecting a whole note would let one key wipe it."""
    focus_now(widget)
    if isinstance(widget, _Input):
        widget.select_all()
