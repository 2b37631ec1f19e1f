"""Version 8: no control character left in stored user text.

Before this version a talk, a child's notes, a pairing plan or an event note could hold ESC,
BEL, C1 or NUL characters (typed, pasted, imported, or written straight into the file by an
older version), and opening such a row for editing sent an OSC 52 clipboard write, a title
change or a screen clear to the terminal. The application now cleans every value before it
stores it (``models.sanitize``); this step cleans what is already there, with the same rule:
multi-line texts keep newlines and tabs, one-line fields get a space instead.

The tables and columns are a frozen copy of this version's schema, on purpose, as in 0001.
Rows are read in batches by id (bounded memory on a county database) and only changed rows are
written, on SQLite and PostgreSQL alike. Left alone: unique keys (``staff.login``,
``child.student_no``/``id_number``, ``care_rule.name``; their formats are validated and cleaning
could make two rows collide), and ``audit_log``, which is evidence and is cleaned when shown.
"""
import json

from peewee import Table

from models.sanitize import clean_text

BATCH = 1000

# table: (one-line columns, multi-line columns)
COLUMNS = {
    "school": (("name", "county", "township"), ()),
    "staff": (("name", "name_pinyin", "name_initials", "sex", "role", "subject", "phone"), ()),
    "bus_route": (("name", "direction", "plate", "driver", "driver_phone", "driver_license",
                   "license_class"), ()),
    "classroom": (("name",), ()),
    "teaching_assignment": (("subject",), ()),
    "child": (("name", "name_pinyin", "name_initials", "sex", "ethnicity", "hukou_place", "address",
               "schooling", "left_behind_type", "guardian_name", "guardian_relation", "guardian_phone",
               "guardian_id_number", "guardian_education", "guardian_address", "guardianship_type",
               "guardianship_grade", "income_sources", "aid_received", "health", "illness", "talent",
               "disability", "academic_group", "personality", "hobbies", "status"), ("notes",)),
    "parent": (("relation", "name", "id_number", "phone", "work_province", "work_city", "home_visits"), ()),
    "pairing": (("kind", "helper_name", "end_reason", "plan_time"), ("plan_content", "plan_results")),
    "contact": (("kind", "place", "callee", "mood", "concerns", "group_key"), ("content", "effect", "follow_up")),
    "care_rule": (("contact_kind", "rrule", "applies_to", "helper_kind"), ()),
    "event": (("title", "kind", "place", "organiser", "rrule"), ("notes",)),
    "draft": (("form", "key"), ()),  # its JSON ``data``: see clean_json
    "setting": (("key",), ("value",)),
    "consent": (("given_by", "relation"), ("scope",)),
}


def _cleaned(value):
    if isinstance(value, str):
        return clean_text(value, multiline=True)
    if isinstance(value, dict):
        return {_cleaned(k): _cleaned(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    return value


def clean_json(text: str) -> str:
    """A draft's JSON with its strings cleaned, as ``models.drafts`` writes it. Cleaning the JSON
    text itself could turn a U+2028 inside a string into a raw newline, which JSON refuses; text
    that is not JSON is cleaned as text."""
    try:
        data = json.loads(text)
    except ValueError:
        return clean_text(text, multiline=True)
    cleaned = _cleaned(data)
    return text if cleaned == data else json.dumps(cleaned, ensure_ascii=False, sort_keys=True)


def clean_table(db, name: str, one_line: tuple, multi_line: tuple, batch: int = BATCH,
                json_columns: tuple = ()) -> int:
    """Clean one table's columns in place; returns how many rows changed."""
    columns = (*one_line, *multi_line, *json_columns)
    table = Table(name, ("id", *columns)).bind(db)
    changed, last = 0, 0
    while True:
        rows = list(table.select(table.id, *(getattr(table, c) for c in columns))
                    .where(table.id > last).order_by(table.id).limit(batch).tuples())
        if not rows:
            return changed
        for row in rows:
            last = row[0]
            new = {}
            for col, value in zip(columns, row[1:]):
                if isinstance(value, str):
                    fixed = (clean_json(value) if col in json_columns
                             else clean_text(value, multiline=col in multi_line))
                    if fixed != value:
                        new[col] = fixed
            if new:
                table.update({getattr(table, c): v for c, v in new.items()}).where(table.id == row[0]).execute()
                changed += 1


def up(migrator, db):
    for name, (one_line, multi_line) in COLUMNS.items():
        clean_table(db, name, one_line, multi_line, json_columns=("data",) if name == "draft" else ())


def down(migrator, db):
    pass  # the removed characters are not wanted back
