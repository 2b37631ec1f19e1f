"""User text is data: make any stored string safe to put on a terminal.

Names and notes may hold markup-like brackets (``[b]王``) or control characters
(ESC, BEL, bidi overrides, zero-width marks). Widgets get them as ``Content``/``Text``
objects built from cleaned plain strings, never as markup.
"""
from __future__ import annotations

import unicodedata

# Bidi embeddings/overrides/isolates and zero-width marks reorder or hide text.
_INVISIBLE = {
    *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2070), 0xFEFF, 0x00AD,
}


def clean(value: object, *, one_line: bool = True) -> str:
    """Drop control and format characters; with ``one_line`` newlines and tabs become spaces."""
    s = "" if value is None else str(value)
    if s.isprintable():  # the usual case, in C: no control, format or private-use character,
        return s  # no newline or tab (every character dropped or changed below is not printable)
    out = []
    for ch in s:
        code = ord(ch)
        if ch in "\n\t\r":
            out.append(" " if one_line else ("\n" if ch == "\n" else " " if ch == "\t" else ""))
        elif code in _INVISIBLE or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co"):
            continue
        else:
            out.append(ch)
    return "".join(out)


def text(value: object, style: str = "") -> "Text":
    """A Rich ``Text`` for DataTable cells: never parsed as markup."""
    from rich.text import Text

    return Text(clean(value), style=style, no_wrap=True, overflow="ellipsis")


def content(value: object, *, one_line: bool = False) -> "Content":
    """A Textual ``Content`` for Static/Label: never parsed as markup."""
    from textual.content import Content

    return Content(clean(value, one_line=one_line))
