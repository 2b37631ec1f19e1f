"""Validators for what teachers type: ID numbers, 学籍号, phones, names.

Each validator returns the normalised value or raises ``Invalid`` with a message in
Chinese that the form shows next to the field. No UI code here.
"""
from __future__ import annotations

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


class Invalid(ValueError):
    """A value the user must correct; ``str(exc)`` is the message to show."""


def id_check_char(body17: str) -> str:
    """GB 11643 MOD 11-2 check character for the first 17 ASCII digits."""
    total = sum(int(d) * w for d, w in zip(body17, ID_WEIGHTS))
    return ID_CHECK_CHARS[total % 11]
