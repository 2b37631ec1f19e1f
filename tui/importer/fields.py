"""The fields a roster column can hold and the header words (synonyms) that name them; the import's own error."""
from __future__ import annotations

import re
import unicodedata
from typing import Any
from typing import Callable

from models import child_fields
from models.errors import UserError


Progress = Callable[[int, int, str], None]


class ImportFileError(UserError):
    """The file cannot be imported at all; the message is for the user (``guanai`` exits 2)."""


PARENTS = {"father": "父亲", "mother": "母亲"}
PARENT_SUBS = {
    "name": "姓名", "phone": "电话", "work_place": "务工地点", "work_province": "务工省份",
    "work_city": "务工城市", "home_visits": "回家频率", "away": "是否外出",
}
# Every field a column can hold, in the order of the national form; the preview offers these. A child
# field's label and header synonyms are the one registry's (models/child_fields.py); the rest are the
# importer's own columns (年级, the 留守 flags, the parents).
_EXTRA_LABELS = {"grade": "年级", "is_left_behind": "是否留守儿童", "both_away": "父母双方同时外出",
                 "one_away": "一方外出另一方无监护能力",
                 **{f"{p}.{s}": PARENTS[p] + label for p in PARENTS for s, label in PARENT_SUBS.items()}}
_ORDER = ("name", "sex", "ethnicity", "birth_date", "id_number", "student_no", "grade", "classroom",
          "hukou_registered", "hukou_place", "address", "health", "disability", "illness", "boarding", "schooling",
          "status", "is_left_behind", "left_behind_type", "both_away", "one_away",
          *(f"{p}.{s}" for p in PARENTS for s in PARENT_SUBS),
          "guardian_name", "guardian_relation", "guardian_phone", "guardian_id_number", "guardian_education",
          "guardian_address", "guardianship_type", "guardianship_grade", "income_sources", "aid_received",
          "hardship", "difficulty", "talent", "key_target", "academic_group", "personality", "hobbies", "notes")
FIELDS: dict[str, str] = {name: child_fields.LABELS.get(name) or _EXTRA_LABELS[name] for name in _ORDER}
IGNORED = "_ignore"  # 序号 and the like: known, never imported
SYNONYMS: dict[str, tuple[str, ...]] = {
    **{f.name: (f.label, *f.synonyms) for f in child_fields.FIELDS if f.name in FIELDS},
    "grade": ("年级", "就读年级", "所在年级"),
    "is_left_behind": ("是否留守儿童", "是否留守"),
    "both_away": ("父母双方同时外出", "父母双方外出", "父母是否均外出", "父母均外出"),
    "one_away": ("父母一方外出另一方无监护能力", "一方外出另一方无监护能力", "父母一方外出、另一方无监护能力"),
    IGNORED: ("序号", "编号", "序", "no", "no.", "年龄", "签名", "户口性质"),
}
# The 学籍 system's household members: 成员1姓名 … 成员1职务 (provincial exports: 家庭成员1姓名 …).
# Each block is one person; ``_members`` decides by its 关系 who it is (father, mother, guardian).
MEMBER_SUBS = {
    "name": ("姓名",), "relation": ("关系", "与学生关系", "与本人关系"), "relation_note": ("关系说明",),
    "address": ("现住址", "住址", "现居住地址"), "hukou": ("户口所在地",), "phone": ("联系电话", "电话", "手机"),
    "guardian": ("是否监护人",), "id_type": ("身份证件类型",), "id_number": ("身份证件号", "身份证号", "身份证号码"),
    "ethnicity": ("民族",), "work": ("工作单位", "工作单位或务工地"), "job": ("职务",),
}
MEMBER_LABELS = {"name": "姓名", "relation": "关系", "relation_note": "关系说明", "address": "现住址",
                 "hukou": "户口所在地", "phone": "联系电话", "guardian": "是否监护人", "id_type": "身份证件类型",
                 "id_number": "身份证件号", "ethnicity": "民族", "work": "工作单位", "job": "职务"}
_MEMBER_HEADER = re.compile(r"(?:家庭)?成员([0-9]{1,2})(.+)")
_MEMBER_INDEX = {w: sub for sub, words in MEMBER_SUBS.items() for w in words}
_PARENT_PREFIXES = {"father": ("父亲", "爸爸", "父"), "mother": ("母亲", "妈妈", "母")}
_PARENT_SUB_WORDS = {
    "name": ("", "姓名", "名字"),
    "phone": ("电话", "联系电话", "手机", "手机号", "手机号码", "电话号码", "联系方式"),
    "work_place": ("务工地", "务工地点", "外出务工地点", "外出务工地", "当前务工地点", "务工地址", "打工地点",
                   "打工地", "工作地点", "务工单位", "工作单位", "外出地点", "务工省市", "务工所在地", "外出务工地址"),
    "work_province": ("务工省份", "务工省", "外出务工省份", "务工地省份"),
    "work_city": ("务工城市", "务工市", "外出务工城市", "务工地城市"),
    "home_visits": ("回家频率", "回家次数", "返乡频率", "回家情况", "多久回家"),
    "away": ("是否外出", "是否在外", "外出", "是否外出务工", "外出情况", "是否在外务工"),
}
_GUARDIAN_PREFIXES = ("委托监护人", "实际监护人", "临时监护人", "监护人")
_GUARDIAN_SUB_WORDS = {
    "guardian_name": ("", "姓名", "名字"),
    "guardian_phone": ("电话", "联系电话", "手机", "手机号码", "电话号码", "联系方式"),
    "guardian_id_number": ("身份证号", "身份证号码", "公民身份证号码", "身份证"),
    "guardian_relation": ("关系", "与儿童关系", "与被监护人关系", "与学生关系", "与孩子关系"),
    "guardian_education": ("文化程度", "学历"),
    "guardian_address": ("住址", "地址", "居住地址", "居住地地址", "家庭住址", "居住地"),
}
_CHILD_PREFIXES = ("留守儿童", "儿童", "学生", "幼儿", "孩子", "本人")
_GROUP_SUFFIX = re.compile(r"(基本情况|基本信息|情况|信息|资料)$")


def _norm_header(value: Any) -> str:
    s = unicodedata.normalize("NFKC", "" if value is None else str(value))
    s = re.sub(r"\s+", "", s).replace("*", "").replace("★", "")
    return s.strip(":：#").lower()


def _build_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for key, words in SYNONYMS.items():
        for w in words:
            index.setdefault(_norm_header(w), key)
    for key, label in FIELDS.items():
        index.setdefault(_norm_header(label), key)
    for p, prefixes in _PARENT_PREFIXES.items():
        for prefix in prefixes:
            for sub, words in _PARENT_SUB_WORDS.items():
                for w in words:
                    index.setdefault(_norm_header(prefix + w), f"{p}.{sub}")
    for prefix in _GUARDIAN_PREFIXES:
        for key, words in _GUARDIAN_SUB_WORDS.items():
            for w in words:
                index.setdefault(_norm_header(prefix + w), key)
    return index


HEADER_INDEX = _build_index()


def header_key(value: Any) -> str | None:
    """The field a header cell names, or None: 公民身份证号码 -> id_number, 父亲外出务工地点 ->
    father.work_place, 联系电话(手机) -> guardian_phone."""
    s = _norm_header(value)
    if not s:
        return None
    m = _MEMBER_HEADER.fullmatch(s)
    if m and m.group(2) in _MEMBER_INDEX:
        return f"member{int(m.group(1))}.{_MEMBER_INDEX[m.group(2)]}"
    for candidate in (s, re.sub(r"[(\[【<].*?[)\]】>]", "", s)):
        if candidate in HEADER_INDEX:
            return HEADER_INDEX[candidate]
        for prefix in _CHILD_PREFIXES:
            if candidate.startswith(prefix) and candidate[len(prefix):] in HEADER_INDEX:
                key = HEADER_INDEX[candidate[len(prefix):]]
                if not key.startswith(("father.", "mother.", "guardian_")):
                    return key
    return None


def field_label(key: str | None) -> str:
    if key is None:
        return "不导入"
    if key == IGNORED:
        return "不导入"
    m = re.fullmatch(r"member([0-9]+)\.(\w+)", key)
    if m:
        return f"成员{m.group(1)}{MEMBER_LABELS.get(m.group(2), m.group(2))}"
    return FIELDS.get(key, key)
