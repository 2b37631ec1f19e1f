"""The one rule for user text: no control or format character is ever stored.

A stored ESC, BEL or C1 byte would reach a terminal raw the next time the value is put into
an input (OSC 52 clipboard writes, title changes, screen clears); NUL also makes PostgreSQL
refuse the row; bidi overrides and zero-width marks make a name look like another one.
Every model write path of user text, the importer and ``tui.text`` use this module, so the
character rules live here only. Plain Python: no textual, no rich.
"""
from __future__ import annotations

import unicodedata

# Bidi embeddings/overrides/isolates and zero-width marks reorder or hide text.
INVISIBLE = frozenset({
    *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2070), 0xFEFF, 0x00AD,
})
# Control (C0, DEL, C1), format, surrogate and private-use categories: never shown, never stored.
DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co"})
# Line and paragraph separators (U+2028/U+2029) break lines like a newline does.
_LINE_BREAKS = "\n\u2028\u2029"


def clean_text(value: str | None, *, multiline: bool) -> str | None:
    """``value`` without control or format characters; ``None`` stays ``None``.

    ``multiline`` keeps newlines and tabs (``\\r\\n`` and a lone ``\\r`` become ``\\n``); a
    single-line field gets a space for each line break or tab instead, so words stay apart.
    """
    if value is None:
        return None
    s = value if isinstance(value, str) else str(value)
    if s.isprintable():  # the usual case, in C: nothing below would change the string
        return s
    plain = s.replace("\n", "").replace("\t", "")
    if plain.isprintable():  # a note with line breaks or tabs only: still no loop in Python
        return s if multiline else s.replace("\n", " ").replace("\t", " ")
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for ch in s:
        if ch in _LINE_BREAKS:
            out.append("\n" if multiline else " ")
        elif ch == "\t":
            out.append("\t" if multiline else " ")
        elif ord(ch) in INVISIBLE or unicodedata.category(ch) in DROPPED_CATEGORIES:
            continue
        else:
            out.append(ch)
    return "".join(out)



# What a one-line free-text field (an address, a title, a place) refuses rather than cleans:
# controls (line breaks and tabs among them), format and private-use characters, unassigned code
# points and line/paragraph separators. Spaces of any width stay (Chinese IMEs type U+3000).
# Names and numbers have the stricter ``models.validation.find_bad_char``.
REFUSED_IN_LINE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def first_refused_in_line(text: str) -> tuple[int, str] | None:
    """The 1-based position and character of the first one a one-line field refuses, or ``None``;
    the form then says where it is instead of silently dropping what was typed."""
    for pos, ch in enumerate(text, 1):
        if unicodedata.category(ch) in REFUSED_IN_LINE:
            return pos, ch
    return None
