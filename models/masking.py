"""How numbers are shown to whoever may not see them in full: the one masking rule of the app.

身份证号 (the child's, the guardian's, the parents'), G/L-form 学籍号 and phone numbers are masked
on every screen, in exports unless asked, in the change history and in the audit log. Every
caller imports these functions; there is no other copy.

Why ID numbers keep only the first 2 and the last character (``51***************8``)
    An 18-character 身份证号 is 6 digits of region, 8 of birth date, 3 of sequence (the last
    one odd for boys, even for girls) and a check character. The child's page and the lists show
    the birth date, the 户籍所在地 (≈ the region code) and the sex, so the old mask
    ``5107**********0018`` (4 + 4) left nothing unknown but two region digits, which 户籍 gives.
    Keeping 2 + 1 hides the whole sequence: even with region, birth date and sex known, about
    500 sequences remain, and the check character shown narrows that only to about 45 — a number
    cannot be completed from what a screen shows. The province (2 digits) and the check character
    still tell two numbers apart when a child's record is checked against a paper form.
    A 15-digit first-generation number (6 region + 6 birth + 3 sequence) is masked the same way.

Phones keep the first 3 and last 4 digits (``138****5678``): the operator prefix says nothing
about the person, and the last four tell two numbers of one family apart.

No textual here.
"""
from __future__ import annotations

from typing import Any

ID_HEAD = 2
ID_TAIL = 1
ID_MIN_MASKABLE = 7  # shorter values are all stars: keeping 3 characters of 6 would show half


def mask_id(id_number: str | None) -> str:
    """``51***************8``: the province and the check character, never the birth date or sequence."""
    if not id_number:
        return ""
    value = str(id_number).strip()
    if len(value) < ID_MIN_MASKABLE:
        return "*" * len(value)
    return value[:ID_HEAD] + "*" * (len(value) - ID_HEAD - ID_TAIL) + value[-ID_TAIL:]


def mask_student_no(student_no: str | None) -> str:
    """A G-form 学籍号 is 'G' + the 身份证号, and the temporary L-form is usually made from it
    too, so both are masked like the ID (``G51***************8``); a J-form national number,
    which is not an ID, is shown."""
    if not student_no:
        return ""
    if student_no[:1].upper() in ("G", "L") and len(student_no) == 19:
        return student_no[0] + mask_id(student_no[1:])
    return student_no


def mask_phone(phone: str | None) -> str:
    """``138****5678``: the last four digits tell two numbers apart, the rest stays private."""
    p = (phone or "").strip()
    if len(p) < 7:
        return "*" * len(p)
    return p[:3] + "*" * (len(p) - 7) + p[-4:]


def mask_value(key: str, value: Any) -> Any:
    """A value under a change-history or audit key (``guardian_phone``, ``父亲.id_number``,
    ``student_no``), masked when that key holds a number; other values are returned as they are."""
    if not isinstance(value, str) or not value:
        return value
    field = key.rsplit(".", 1)[-1]
    if field == "student_no":
        return mask_student_no(value)
    if field.endswith("id_number") or field == "driver_license":  # a licence number is the 身份证号
        return mask_id(value)
    if field.endswith("phone"):
        return mask_phone(value)
    return value
