"""models.rules: a class's full name and the short form narrow columns show (名册, 待办, 谈心, 结对)."""
from __future__ import annotations

import pytest

from models.rules import classroom_name, short_class


@pytest.mark.parametrize("grade, number, name, short", [
    (1, 1, "一年级1班", "1年1班"),
    (3, 2, "三年级2班", "3年2班"),
    (6, 12, "六年级12班", "6年12班"),
    (9, 3, "九年级3班", "9年3班"),
])
def test_class_names(grade, number, name, short):
    assert classroom_name(grade, number) == name
    assert short_class(name) == short


@pytest.mark.parametrize("name", ["", "学前班", "十年级1班", "初一1班"])
def test_other_names_stay_as_they_are(name):
    assert short_class(name) == name
