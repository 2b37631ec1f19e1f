"""What the import screen's preview offers: the fields a column may be given and the words a value may take."""
from __future__ import annotations

import os
import re

from models import rules
from tui.importer.cells import cell_text
from tui.importer.fields import FIELDS
from tui.importer.reading import Table
from tui.importer.values import ClassIndex, EMPTY_MARKS, LEFT_BEHIND_FLAGS, _word_key, normalise_choice


def suggest_class(table: Table, school_id: int) -> int | None:
    """A class named in the sheet's or the file's name (三年级2班名单.xlsx), to offer first."""
    classes = ClassIndex(school_id)
    stem = os.path.splitext(os.path.basename(table.path))[0]
    for name in (table.sheet, stem):
        if not name:
            continue
        found = classes.find(name)
        if found is not None:
            return found
        for m in re.finditer(r"([1-9一二三四五六七八九]|初[一二三])(年级|年)?[(（]?([0-9]{1,2}|[一二三四五六七八九十]{1,2})[)）]?班",
                             name):
            found = classes.find(m.group(0))
            if found is not None:
                return found
    return None


def known_fields() -> list[tuple[str, str]]:
    """(key, label) of every field a column can be given, for the preview's picker."""
    return list(FIELDS.items())


VALUE_FIELDS = {"left_behind_type": "留守类型", "is_left_behind": "是否留守儿童", "guardian_relation": "与儿童关系"}
NOT_LEFT_BEHIND = "不是留守儿童"


def _value_field(key: str | None) -> str | None:
    """The value-map field of a column: 成员N关系 is read as a 与儿童关系."""
    if key in VALUE_FIELDS:
        return key
    if key and key.startswith("member") and key.endswith((".relation", ".relation_note")):
        return "guardian_relation"
    return None


def value_words(tables: list[Table], mappings: dict[str, list[str | None]]) -> list[tuple[str, str, int]]:
    """(field, word, rows) of every distinct word in the 留守类型, 是否留守儿童 and relation
    columns of the sheets, most frequent first within each field."""
    counts: dict[tuple[str, str], int] = {}
    for t in tables:
        mapping = mappings.get(t.sheet, t.mapping)
        cols = [(i, _value_field(k)) for i, k in enumerate(mapping) if _value_field(k)]
        for _, cells in t.data_rows():
            for i, key in cols:
                word = cell_text(cells[i]) if i < len(cells) else ""
                if word and word.lower() not in EMPTY_MARKS:
                    counts[(key, word)] = counts.get((key, word), 0) + 1
    order = list(VALUE_FIELDS)
    return [(k, w, n) for (k, w), n in sorted(counts.items(), key=lambda kv: (order.index(kv[0][0]), -kv[1], kv[0][1]))]


def value_reading(key: str, word: str, value_maps: dict[str, dict[str, str]] | None = None) -> str:
    """How the import reads ``word`` in a ``key`` column, as the screen shows it: the form's value,
    不是留守儿童, '按父母外出情况判断' for 单亲/√, or '(无法识别: 该行会报错)'."""
    chosen = (value_maps or {}).get(key, {})
    if word in chosen:
        return chosen[word] or NOT_LEFT_BEHIND
    if key == "guardian_relation":
        value = normalise_choice(key, word)
        return value if value in rules.GUARDIAN_RELATIONS else "(无法识别: 该行会报错)"
    value = normalise_choice("left_behind_type", word)
    if value in rules.LEFT_BEHIND_TYPES:
        return value
    flag = LEFT_BEHIND_FLAGS.get(_word_key(word))
    if flag is False:
        return NOT_LEFT_BEHIND
    if flag == "双亲":
        return "父母均外出"
    if flag is not None:
        return "按父母外出情况判断"
    return "(无法识别: 该行会报错)"


def value_choices(key: str) -> list[tuple[str, str]]:
    """(value, label) the user may give a word of a ``key`` column."""
    if key == "guardian_relation":
        return [(v, v) for v in rules.GUARDIAN_RELATIONS]
    return [(v, v) for v in rules.LEFT_BEHIND_TYPES] + [("", NOT_LEFT_BEHIND)]
