"""The child record's one field registry (models/child_fields.py) and the tables derived from it."""
from __future__ import annotations

import pytest

from models import child_fields as cf
from models import children
from models.entities import Child

# The columns the app keeps itself; every other Child column is one a teacher fills.
# The attention_* columns are written by a 需要关注 decision (models/attention.py), never by the form.
APP_COLUMNS = {"id", "school", "name_pinyin", "name_initials", "created_at", "updated_at", "updated_by",
               "archived_at", "attention_level", "attention_since", "attention_review_on"}


def test_every_column_a_user_fills_is_described_once():
    names = [f.name for f in cf.FIELDS]
    assert len(names) == len(set(names))
    assert set(Child._meta.fields) - set(names) == APP_COLUMNS


@pytest.mark.parametrize("field, kind, max_length, filing, masked", [
    ("name", cf.NAME, 50, True, False),
    ("id_number", cf.ID, 18, True, True),  # the inspector's 建档率 counts 身份证号
    ("guardian_phone", cf.PHONE, 20, True, True),
    ("student_no", cf.STUDENT_NO, 20, True, True),
    ("hukou_place", cf.TEXT, 200, True, False),
    ("guardianship_grade", cf.CHOICE, 4, False, False),
    ("notes", cf.NOTES, None, False, False),
])
def test_field_facts(field, kind, max_length, filing, masked):
    f = cf.BY_NAME[field]
    assert (f.kind, f.max_length, f.filing, f.masked) == (kind, max_length, filing, masked)


def test_the_old_tables_are_views_of_the_registry():
    assert children.CHILD_FIELDS == tuple(cf.BY_NAME)
    assert children.FIELD_LABELS == cf.LABELS
    assert children.TEXT_LIMITS["address"] == Child._meta.fields["address"].max_length
    assert children.REQUIRED_CHOICES == {"sex": "请选择性别", "status": "请选择在校状态"}
    assert set(children.FK_FIELDS) == {"classroom", "bus_route"}
    assert set(children.BOOL_FIELDS) == {"hukou_registered", "boarding", "hardship", "key_target"}
    assert "身份证号" in cf.FILING_FIELDS.values()


def test_every_choice_field_has_choices_and_only_they_do():
    for f in cf.FIELDS:
        assert bool(f.choices) == (f.kind in (cf.CHOICE, cf.MULTI)), f.name


def test_a_roster_header_names_one_field_only():
    seen: dict[str, str] = {}
    for f in cf.FIELDS:
        for word in (f.label, *f.synonyms):
            assert seen.setdefault(word, f.name) == f.name, f"{word}: {seen[word]} and {f.name}"


def test_the_child_form_and_the_importer_read_the_registry():
    from screens.child_form import FIELD_BY_KEY
    from tui.importer import FIELDS, SYNONYMS

    for f in cf.FIELDS:
        assert FIELD_BY_KEY[f.name].label == (f.form_label or f.label)
        assert FIELD_BY_KEY[f.name].required == bool(f.required)
        if f.name in FIELDS:
            assert FIELDS[f.name] == f.label and set(SYNONYMS[f.name]) == {f.label, *f.synonyms}
