"""User text is data: make any stored string safe to put on a terminal.

Names and notes may hold markup-like brackets (``[b]王``) or control characters
(ESC, BEL, bidi overrides, zero-width marks). Widgets get them as ``Content``/``Text``
objects built from cleaned plain strings, never as markup; inputs and text areas are
``tui.fields``'s, which clean every value they are given. The character rule itself is
``models.sanitize``'s, the one the model layer stores by.
"""
from __future__ import annotations

from models.sanitize import clean_text


def clean(value: object, *, one_line: bool = True) -> str:
    """Drop control and format characters (``models.sanitize``'s rule); with ``one_line``
    newlines and tabs become spaces, else newlines stay and tabs become spaces."""
    s = "" if value is None else str(value)
    if one_line:
        return clean_text(s, multiline=False)
    return clean_text(s, multiline=True).replace("\t", " ")


def text(value: object, style: str = "") -> "Text":
    """A Rich ``Text`` for DataTable cells: never parsed as markup."""
    from rich.text import Text

    return Text(clean(value), style=style, no_wrap=True, overflow="ellipsis")


def content(value: object, *, one_line: bool = False) -> "Content":
    """A Textual ``Content`` for Static/Label: never parsed as markup."""
    from textual.content import Content

    return Content(clean(value, one_line=one_line))
