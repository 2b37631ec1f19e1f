"""models.masking: the one masking rule for ID numbers, 学籍号 and phones, on every screen, in
exports, the change history and the audit log."""
from __future__ import annotations

import pytest

from models.masking import mask_id, mask_phone, mask_student_no, mask_value

ID18 = "510722201508150018"
ID15 = "510722150815001"


@pytest.mark.parametrize("value, expected", [
    (ID18, "51***************8"),
    ("51072220150815001X", "51***************X"),
    (ID15, "51************1"),
    (" " + ID18 + " ", "51***************8"),  # stray spaces from a form or a spreadsheet
    ("1234567", "12****7"),  # the shortest value that keeps anything
    ("123456", "******"),  # shorter: all stars, not half the number
    ("", ""),
    (None, ""),
])
def test_mask_id(value, expected):
    assert mask_id(value) == expected


@pytest.mark.parametrize("value, expected", [
    ("G" + ID18, "G51***************8"),
    ("L" + ID18, "L51***************8"),
    ("g" + ID18, "g51***************8"),
    ("J510722201508150018", "J510722201508150018"),  # a national number is not an ID: shown
    ("G12345", "G12345"),  # not the 19-character form: not an ID inside
    ("", ""),
    (None, ""),
])
def test_mask_student_no(value, expected):
    assert mask_student_no(value) == expected


@pytest.mark.parametrize("value, expected", [
    ("13812345678", "138****5678"),
    (" 13812345678 ", "138****5678"),
    ("0851-1234567", "085*****4567"),
    ("1234567", "1234567"),  # seven characters: prefix and last four, nothing between
    ("123456", "******"),
    ("", ""),
    (None, ""),
])
def test_mask_phone(value, expected):
    assert mask_phone(value) == expected


@pytest.mark.parametrize("key, value, expected", [
    ("id_number", ID18, "51***************8"),
    ("父亲.id_number", ID18, "51***************8"),
    ("guardian_id_number", ID18, "51***************8"),
    ("guardian_phone", "13812345678", "138****5678"),
    ("母亲.phone", "13812345678", "138****5678"),
    ("student_no", "G" + ID18, "G51***************8"),
    ("name", "张小明", "张小明"),
    ("phone", "", ""),
    ("phone", None, None),
    ("id_number", 5107, 5107),  # not text: left as it is
])
def test_mask_value(key, value, expected):
    assert mask_value(key, value) == expected
