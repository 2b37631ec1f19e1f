"""Roster import from the school's existing spreadsheets (.xlsx and .csv).

Used by ``guanai import`` and by the roster's 导入 screen; no textual here. The steps:

1. ``read_table``: the file's rows as cell values. CSVs are decoded as UTF-8 (with or
   without BOM), UTF-16 (Excel's "Unicode text") or GB18030 (a superset of the GBK that
   Excel and WPS write on Chinese Windows); workbooks are read with openpyxl, merged
   cells filled with their value. The header row is found among the first rows (title rows
   above it are skipped, a two-row header with merged group cells such as 父亲 over
   姓名/电话/务工地 is combined), and each column is given a field by the synonym table.
2. ``plan``: every data row is turned into the form's raw values (small normalisation
   tables for 留守类型, 监护人关系, 是/否 …; 务工地 "广东省东莞市" split into province and city;
   the class found by name), checked with the roster's own ``validate_child``, and matched
   against existing children (same 身份证号 or 学籍号, or same 姓名 and 出生日期) and earlier
   rows of the file. Nothing is written: this is the whole of ``--dry-run``.
3. ``apply``: all good rows are saved in one transaction, all of them or none: new children
   with ``create_children`` (``save_child``'s rows and audit log, written in bulk), updates
   with ``save_child``.
4. ``format_report`` / ``write_report_csv``: the counts and every row that was not
   imported, with row number, column and reason; the CSV (UTF-8 with BOM, for Excel) keeps
   the row's original cells so the teacher can fix them there and import the report again.
   Every cell of it is data (``_csv_cell``: a leading ' before anything Excel would run), and it
   is written through ``models.files`` (0600, never through a planted link).

Cells are read through ``models.sanitize.clean_text``: no control or format character from a
file reaches the database (newlines and tabs stay).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any, Callable

from models import audit, child_fields, rules
from models import db as dbmod
from models import files
from models.children import (
    PreloadedLookup, SaveError, change_label, child_changes, create_children, display_value, fill_from_id,
    find_same_child, load_form_values, save_child, validate_child,
)
from models.entities import Child, Classroom
from models.errors import UserError
from models.sanitize import clean_text
from models import scope
from models.masking import mask_value
from models.scope import ForbiddenError, Viewer
from models.validation import Invalid, validate_date, validate_id_number, validate_name, validate_student_no

MAX_BYTES = 10 * 1024 * 1024  # a school's roster is well under 1 MB
MAX_UNZIPPED = 100 * 1024 * 1024  # what an .xlsx may unpack to (a zip bomb guard)
MAX_ROWS = 20_000
MAX_COLS = 500
HEADER_SCAN = 30  # rows searched for the header
REPORT_SUFFIX = "-导入报告.csv"
REPORT_COLUMNS = ("导入行号", "导入结果", "出错的列", "原因或说明")

Progress = Callable[[int, int, str], None]


class ImportFileError(UserError):
    """The file cannot be imported at all; the message is for the user (``guanai`` exits 2)."""


# --- fields and their names in the wild -------------------------------------------------

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
          "hardship", "talent", "key_target", "academic_group", "personality", "hobbies", "notes")
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


# --- value normalisation ----------------------------------------------------------------

def _word_key(text: str) -> str:
    return re.sub(r"[\s、，,。.；;:：()（）/\-_]", "", unicodedata.normalize("NFKC", text)).lower()


def _table(pairs: dict[str, tuple[str, ...]]) -> dict[str, str]:
    out = {}
    for value, words in pairs.items():
        out[_word_key(value)] = value
        for w in words:
            out[_word_key(w)] = value
    return out


SEX_WORDS = _table({"男": ("男性", "男生", "男孩", "m", "male", "1"), "女": ("女性", "女生", "女孩", "f", "female", "2")})
LEFT_BEHIND_WORDS = _table({
    "父母均外出": ("父母双方外出", "父母双方均外出", "父母都外出", "父母均在外", "父母双外出", "双亲外出", "父母外出",
                  "双留守", "父母同时外出", "父母双方同时外出", "双方外出", "父母均外出务工", "父母外出务工",
                  "父母双方外出务工", "双亲均外出", "父母均不在家", "双亲留守", "双亲留守儿童", "双亲",
                  "父母均在外务工", "父母都在外务工", "父母均在外打工", "父母双方在外务工", "父母在外务工"),
    "父亲外出": ("父外出", "父亲外出务工", "父亲在外", "父亲单方外出", "父亲一方外出", "父亲在外务工", "仅父亲外出"),
    "母亲外出": ("母外出", "母亲外出务工", "母亲在外", "母亲单方外出", "母亲一方外出", "母亲在外务工", "仅母亲外出"),
    "一方外出另一方无监护能力": ("父母一方外出另一方无监护能力", "一方外出一方无监护能力", "单亲外出另一方无监护能力",
                          "父亲外出母亲无监护能力", "母亲外出父亲无监护能力", "一方外出另一方无能力"),
    "其他": ("其它",),
})
# A relation is written from either side (奶奶, 婆孙, 祖孙; 妈妈, 母子): the word names the pair.
RELATION_WORDS = _table({
    "父亲": ("爸爸", "父子", "父女", "爸", "父"),
    "母亲": ("妈妈", "母子", "母女", "妈", "母"),
    "祖父母": ("祖父", "祖母", "爷爷", "奶奶", "爷爷奶奶", "祖孙", "爷孙", "祖辈", "爷奶", "婆孙", "婆婆", "公公",
             "奶孙", "祖父祖母"),
    "外祖父母": ("外祖父", "外祖母", "外公", "外婆", "姥姥", "姥爷", "外公外婆", "外祖孙", "外祖父外祖母"),
    "亲戚": ("叔叔", "伯伯", "伯父", "叔父", "姑姑", "姑妈", "舅舅", "舅妈", "姨妈", "阿姨", "小姨", "婶婶",
             "哥哥", "姐姐", "亲属", "叔侄", "姑侄", "舅甥", "兄妹", "姐弟", "兄弟", "姐妹", "伯侄", "伯母",
             "其他亲属", "兄弟姐妹", "姨侄", "舅侄"),
    "其他": ("其它", "邻居", "朋友", "老师"),
})
# 是否留守儿童 as the 学籍 system and teachers write it: False (not left behind), "单亲" (one parent
# away: which one is read from the parents' columns), "双亲" (both away) or True (which, unknown).
LEFT_BEHIND_FLAGS = {
    **dict.fromkeys(map(_word_key, ("非留守儿童", "非留守", "不是留守儿童", "否", "不是", "无", "×", "n", "no")), False),
    **dict.fromkeys(map(_word_key, ("单亲留守儿童", "单亲留守", "单亲", "单留守", "一方外出", "父母一方外出")), "单亲"),
    **dict.fromkeys(map(_word_key, ("双亲留守儿童", "双亲留守", "双亲", "双留守")), "双亲"),
    **dict.fromkeys(map(_word_key, ("留守儿童", "是", "√", "✓", "✔", "y", "yes", "1", "留守", "是留守儿童")), True),
}
GUARDIANSHIP_TYPE_WORDS = _table({
    "无人监护": ("无监护人",),
    "父或母无监护能力": ("父母无监护能力", "父亲无监护能力", "母亲无监护能力"),
    "受委托监护人监护能力不足": ("监护人监护能力不足", "监护能力不足", "委托监护人监护能力不足"),
    "监护情况一般": ("一般",),
    "监护情况较好": ("较好", "好", "良好"),
})
GRADE_WORDS = _table({"较好": ("好", "良好", "优", "优秀"), "一般": ("中", "中等"), "差": ("较差", "不好")})
# The 学籍 system's 健康状况: 健康或良好 / 一般或较弱 (neither ill nor disabled: the form's 健康) /
# 有慢性病 / 残疾.
HEALTH_WORDS = _table({"健康": ("良好", "好", "正常", "身体健康", "健康或良好", "一般或较弱", "一般", "较弱"),
                       "残疾": ("残障",), "患病": ("疾病", "生病", "有病", "病", "有慢性病", "慢性病")})
SCHOOLING_WORDS = _table({"幼儿园": ("学前", "学前班"), "小学": ("在读小学", "小学在读"), "初中": ("在读初中", "初中在读")})
STATUS_WORDS = _table({"在读": ("在校", "正常", "在籍"), "转出": ("转学", "已转出", "转走"), "毕业": ("已毕业",),
                       "辍学": ("失学", "已辍学")})
EDUCATION_WORDS = _table({"文盲": ("半文盲", "未上学", "不识字", "无"), "中专": ("职高", "中职", "技校", "中技"),
                          "大专及以上": ("大专", "本科", "大学", "研究生", "专科")})
INCOME_WORDS = _table({"打工收入": ("打工", "务工", "务工收入", "外出务工"),
                       "种养殖业": ("种植", "养殖", "种植业", "养殖业", "务农", "农业", "种养殖", "种地"),
                       "政府救助": ("救助",), "亲朋接济": ("亲友接济", "接济"), "其他": ("其它",)})
AID_WORDS = _table({"低保": ("低保户", "最低生活保障"), "住房救助": ("危房改造",), "其他救助": ("其他", "其它")})
CHOICE_TABLES = {
    "sex": SEX_WORDS, "left_behind_type": LEFT_BEHIND_WORDS, "guardian_relation": RELATION_WORDS,
    "guardianship_type": GUARDIANSHIP_TYPE_WORDS, "guardianship_grade": GRADE_WORDS, "health": HEALTH_WORDS,
    "schooling": SCHOOLING_WORDS, "status": STATUS_WORDS, "guardian_education": EDUCATION_WORDS,
}
MULTI_TABLES = {"income_sources": INCOME_WORDS, "aid_received": AID_WORDS}
# In a parent's work-place column these mean the parent is not away (已故: deceased), never a city.
NOT_AWAY_WORDS = {"务农", "在家", "本地", "家中", "家里", "未外出", "已故", "去世", "病故", "死亡", "不详", "离异",
                  "离婚", "无", "当地", "本县", "本镇", "本乡", "在家务农", "家务", "务农在家", "无业", "待业"}
DECEASED_WORDS = {"已故", "去世", "病故", "死亡"}
TRUE_WORDS = {"是", "有", "y", "yes", "true", "1", "√", "✓", "✔", "寄宿", "住校", "是的", "对", "外出", "在外"}
FALSE_WORDS = {"否", "无", "n", "no", "false", "0", "×", "✗", "走读", "不是", "没有", "不", "在家", "未外出"}
EMPTY_MARKS = {"—", "-", "--", "——", "/", "无", "暂无", "没有", "空", "不详", "null", "none", "n/a"}
BOOL_KEYS = ("hukou_registered", "boarding", "hardship", "key_target", "both_away", "one_away", "is_left_behind",
             "father.away", "mother.away")
NUMBER_KEYS = ("id_number", "student_no", "guardian_id_number", "guardian_phone", "father.phone", "mother.phone")
PHONE_KEYS = ("guardian_phone", "father.phone", "mother.phone")
NAME_KEYS = ("guardian_name", "father.name", "mother.name")


def person_name(text: str) -> str:
    """'王 菊', '罗\u3000婷' -> '王菊', '罗婷': a Chinese name has no spaces (teachers pad two-character
    names to line them up); a name in Latin letters keeps single spaces."""
    s = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "")).strip()
    if re.search(r"[\u3400-\u9fff]", s) and not re.search(r"[A-Za-z]", s):
        s = s.replace(" ", "")
    return s


def _away_from(work: str, address: str, home_province: str) -> tuple[bool, str]:
    """(away, where) of a household member: away when the work unit or the address names a
    place in another province than the child's home (any named place when the home is not
    known); 务农, 在家 … never. ``where`` is the place as 省 + 市 for the work-place fields."""
    for text in (work, address):
        t = re.sub(r"\s+", "", text or "")
        if not t or _word_key(t) in NOT_AWAY_WORDS or t in NOT_AWAY_WORDS:
            continue
        province, city = split_work_place(t)
        if not province:
            continue
        if home_province and province == home_province:
            continue
        return True, province + (city if city != province else "")
    return False, ""


def _away_by_kind(kind: str, parent: dict) -> bool:
    """Whether a parent is away when the file does not say: the 留守类型 decides when it names who
    (父母均外出, 父亲外出, 母亲外出); otherwise a work place means away."""
    if kind == "父母均外出":
        return True
    if kind in ("父亲外出", "母亲外出"):
        return kind == parent["relation"] + "外出"
    return bool(parent.get("work_province") or parent.get("work_city"))


def _id_from_student_no(student_no: str, damaged: Any, *, today: dt.date) -> str | None:
    """The 身份证号 inside a 全国学籍号 (G + the ID), when it is valid and agrees with the leading
    digits Excel kept of the damaged number (5.22632E+17 keeps 52263, the last shown digit rounded)."""
    sn = re.sub(r"\s+", "", student_no or "")
    if not sn[:1].upper() == "G":
        return None
    try:
        number = validate_id_number(sn[1:], today=today)
    except Invalid:
        return None
    shown = f"{float(damaged):.6E}" if isinstance(damaged, (int, float)) else cell_text(damaged)
    m = re.fullmatch(r"([0-9])\.?([0-9]*)[eE]\+?([0-9]+)", shown.strip())
    if not m or int(m.group(3)) != 17:
        return None
    digits = (m.group(1) + m.group(2))[:6]
    return number if number.startswith(digits[:-1]) else None


def normalise_choice(key: str, text: str) -> str:
    """'父母双方外出' -> '父母均外出', '爷爷' -> '祖父母', '男性' -> '男'; unknown words pass unchanged
    (the validator then lists what is allowed)."""
    table = CHOICE_TABLES.get(key)
    if not table or not text:
        return text
    return table.get(_word_key(text), text)


def normalise_multi(key: str, text: str) -> list[str]:
    parts = [p for p in re.split(r"[\s、,，;；/|+]+", text) if p and p not in EMPTY_MARKS]
    table = MULTI_TABLES[key]
    return [table.get(_word_key(p), p) for p in parts]


PROVINCES = (
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省", "上海市", "江苏省",
    "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "广西壮族自治区",
    "海南省", "重庆市", "四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省", "青海省",
    "宁夏回族自治区", "新疆维吾尔自治区", "台湾省", "香港特别行政区", "澳门特别行政区",
)
MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市", "香港特别行政区", "澳门特别行政区")
_PROVINCE_SHORT = {re.sub(r"(壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市)$", "", p): p for p in PROVINCES}
# Where most parents work, for a place written without its province (东莞, 义乌 …).
CITY_PROVINCES = {
    **dict.fromkeys(("广州", "深圳", "东莞", "佛山", "中山", "惠州", "珠海", "江门", "汕头", "肇庆", "清远"), "广东省"),
    **dict.fromkeys(("杭州", "宁波", "温州", "义乌", "金华", "台州", "绍兴", "嘉兴", "湖州", "慈溪"), "浙江省"),
    **dict.fromkeys(("南京", "苏州", "无锡", "常州", "昆山", "南通", "扬州"), "江苏省"),
    **dict.fromkeys(("福州", "厦门", "泉州", "晋江", "莆田"), "福建省"),
    **dict.fromkeys(("成都", "绵阳"), "四川省"), **dict.fromkeys(("贵阳", "遵义"), "贵州省"),
    **dict.fromkeys(("昆明",), "云南省"), **dict.fromkeys(("武汉",), "湖北省"), **dict.fromkeys(("长沙",), "湖南省"),
    **dict.fromkeys(("郑州",), "河南省"), **dict.fromkeys(("西安",), "陕西省"), **dict.fromkeys(("乌鲁木齐",), "新疆维吾尔自治区"),
    **dict.fromkeys(("南宁", "柳州"), "广西壮族自治区"), **dict.fromkeys(("海口", "三亚"), "海南省"),
}


def split_work_place(text: str) -> tuple[str, str]:
    """'广东省东莞市' -> ('广东省', '东莞市'); '广东东莞' and '东莞' too; '上海市浦东新区' ->
    ('上海市', '浦东新区'). What cannot be read stays whole in the city."""
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    province = ""
    rest = s
    for p in PROVINCES:
        if s.startswith(p):
            province, rest = p, s[len(p):]
            break
    else:
        for short in sorted(_PROVINCE_SHORT, key=len, reverse=True):
            if s.startswith(short):
                province, rest = _PROVINCE_SHORT[short], s[len(short):].lstrip("省市")
                break
    if province in MUNICIPALITIES:
        m = re.match(r"(.+?(?:新区|区|县))", rest)
        return province, m.group(1) if m else rest
    # 州 ends a prefecture (黔东南州) but not 温州市, 广州市: the city keeps its 市 as written
    m = re.match(r"(.+?(?:自治州|地区|市|盟|州(?!市)))", rest)
    city = m.group(1) if m else rest
    if not province:
        province = CITY_PROVINCES.get(re.sub(r"市$", "", city), "")
    if province and city and not m and len(city) <= 4 and not city.endswith(("县", "区", "镇")):
        city += "市"  # 广东东莞 -> 东莞市
    elif city in CITY_PROVINCES:
        city += "市"  # 广州, 温州 -> 广州市, 温州市
    return province, city


_CN_NUM = {c: i for i, c in enumerate("一二三四五六七八九", start=1)}


def _cn_number(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    if s == "十":
        return 10
    if len(s) == 2 and s[0] == "十" and s[1] in _CN_NUM:
        return 10 + _CN_NUM[s[1]]
    if len(s) == 2 and s[1] == "十" and s[0] in _CN_NUM:
        return _CN_NUM[s[0]] * 10
    return _CN_NUM.get(s) if len(s) == 1 else None


_GRADE = r"(?P<g>[1-9]|[一二三四五六七八九]|初[一二三])"
_NUM = r"(?P<n>[0-9]{1,2}|[一二三四五六七八九十]{1,2})"
_CLASS_PATTERNS = (
    re.compile(_GRADE + r"(?:年级|年)\(?" + _NUM + r"\)?班?"),
    re.compile(_GRADE + r"\(" + _NUM + r"\)班?"),
    re.compile(_GRADE + r"[.\-/]" + _NUM + r"班?"),
    re.compile(r"(?P<g>初[一二三])\(?" + _NUM + r"\)?班"),
    # a grade in characters then the number in digits: 四1班
    re.compile(r"(?P<g>[一二三四五六七八九])(?P<n>[0-9]{1,2})班"),
    # three digits, the grade then a two-digit number: 401班, 412班 (never two digits: 41班 is ambiguous)
    re.compile(r"(?P<g>[1-9])(?P<n>[0-9]{2})班"),
)


def parse_class(text: str) -> tuple[int, int] | None:
    """'三年级2班', '3年2班', '三(2)班', '三年级（二）班', '3.2班', '4.1班', '初一3班', '401班', '四1班',
    '四年级一班' -> (grade, number)."""
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))
    for pattern in _CLASS_PATTERNS:
        m = pattern.fullmatch(s)
        if m:
            g = m.group("g")
            grade = 6 + _CN_NUM[g[1]] if g.startswith("初") else _cn_number(g)
            number = _cn_number(m.group("n"))
            if grade and number:
                return grade, number
    return None


class ClassIndex:
    """The school's classrooms, found by any common spelling of their name."""

    def __init__(self, school_id: int) -> None:
        self.by_name: dict[str, int] = {}
        self.by_number: dict[tuple[int, int], int] = {}
        self.names: list[str] = []
        for c in Classroom.select().where(Classroom.school == school_id).order_by(Classroom.grade, Classroom.number):
            self.by_name[_word_key(c.name)] = c.id
            self.by_number[(c.grade, c.number)] = c.id
            self.names.append(c.name)

    def find(self, text: str) -> int | None:
        if _word_key(text) in self.by_name:
            return self.by_name[_word_key(text)]
        parsed = parse_class(text)
        return self.by_number.get(parsed) if parsed else None

    def known(self) -> str:
        if not self.names:
            return "本校还没有建立班级"
        shown = "、".join(self.names[:12])
        return f"本校的班级: {shown}{' 等' if len(self.names) > 12 else ''}"


# --- cells ------------------------------------------------------------------------------

_SCI = re.compile(r"[0-9]+(\.[0-9]+)?[eE]\+?[0-9]+")
_EXCEL_TEXT = re.compile(r'\s*="(.*)"\s*', re.S)


class Damaged(Exception):
    """A number Excel has stored as a float: its last digits are gone."""


def cell_text(value: Any) -> str:
    """A cell as the text a teacher sees in Excel."""
    if isinstance(value, str):  # most cells: the checks below in the order of their cost
        s = clean_text(value, multiline=True)
        if '="' in s:
            m = _EXCEL_TEXT.fullmatch(s)  # Excel's way of keeping digits as text in a CSV
            if m:
                s = m.group(1)
        if s.startswith("'"):
            s = s[1:]
        return s.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.6G}" if abs(value) >= 1e15 else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    # no control or format character (ESC sequences, BEL, bidi overrides, zero-width marks) gets in;
    # newlines and tabs stay (a note of several lines)
    s = clean_text(str(value), multiline=True)
    m = re.fullmatch(r'\s*="(.*)"\s*', s)  # Excel's way of keeping digits as text in a CSV
    if m:
        s = m.group(1)
    if s.startswith("'"):
        s = s[1:]
    return s.strip()


def number_text(value: Any, label: str) -> str:
    """An ID or phone number cell as text; a number Excel has rounded raises ``Damaged``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not value.is_integer():
            raise Damaged(_damaged(label, cell_text(value)))
        if abs(value) >= 1e15:
            raise Damaged(_damaged(label, f"{float(value):.6G}"))
        return str(int(value))
    s = cell_text(value)
    if _SCI.fullmatch(s):
        raise Damaged(_damaged(label, s))
    m = re.fullmatch(r"([0-9]+)\.0+", s)
    if m:
        if len(m.group(1)) > 15:
            raise Damaged(_damaged(label, s))
        s = m.group(1)
    return s


def _damaged(label: str, shown: str) -> str:
    return (f"{label}被 Excel 存成了数字 ({shown})，后几位已经丢失: 请把这一列设为“文本”格式，"
            f"重新填写正确的号码后再导入")


def _excel_serial(value: float) -> dt.date | None:
    if 1 <= value < 80000:
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
    return None


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    s = ""
    index += 1
    while index:
        index, r = divmod(index - 1, 26)
        s = chr(65 + r) + s
    return s


# --- reading files ----------------------------------------------------------------------

@dataclass
class Table:
    path: str
    kind: str  # 'csv' / 'xlsx' / 'xls'
    encoding: str  # how a CSV was decoded, '' for a workbook
    sheet: str
    sheets: list[str]
    rows: list[list[Any]]  # every row of the sheet, trailing empty cells dropped
    header_first: int  # 0-based index of the (first) header row
    header_last: int  # 0-based index of the last header row
    headers: list[str]  # the column names as the file has them (two-row headers joined)
    mapping: list[str | None]  # the field of each column (None: not imported)
    more: list["Table"] = field(default_factory=list)  # the workbook's other roster sheets, imported too
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (sheet, why) sheets not imported

    @property
    def header_row(self) -> int:
        """1-based row number of the (last) header row, as Excel shows it."""
        return self.header_last + 1

    @property
    def header_rows(self) -> tuple[int, int]:
        """1-based first and last row taken as the header (the same for a one-row header)."""
        return self.header_first + 1, self.header_last + 1

    def tables(self) -> list["Table"]:
        """This sheet and every other roster sheet of the workbook, in the workbook's order."""
        return [self, *self.more]

    def data_rows(self):
        """(1-based row number, cells) below the header."""
        for i in range(self.header_last + 1, len(self.rows)):
            yield i + 1, self.rows[i]

    def sample(self, col: int) -> str:
        for _, cells in self.data_rows():
            if col < len(cells) and cell_text(cells[col]):
                return cell_text(cells[col])
        return ""


def read_table(path: str, *, sheet: str | None = None, header_row: int | None = None) -> Table:
    """Read a .xlsx, .xls or .csv file and find its header; ``ImportFileError`` when it cannot be.

    Without ``sheet`` every sheet holding a roster is read: the first is returned, the others in
    ``more``, and the sheets without one (empty, or no header in the first rows) in ``skipped``
    with the reason, so none is ignored silently. ``header_row`` (1-based, with ``sheet`` or for
    a CSV) takes that row as the header instead of the one found."""
    path = os.path.abspath(os.path.expanduser(path))
    name = os.path.basename(path)
    if not os.path.exists(path):
        raise ImportFileError(f"找不到文件: {path}")
    if os.path.isdir(path):
        raise ImportFileError(f"这是一个文件夹, 不是文件: {path}")
    size = os.path.getsize(path)
    if size == 0:
        raise ImportFileError(f"文件是空的: {name}")
    if size > MAX_BYTES:
        raise ImportFileError(
            f"文件太大 ({size / 1024 / 1024:.1f} MB), 最多 {MAX_BYTES // 1024 // 1024} MB: 一所学校的名册通常不到 1 MB, "
            f"请只保留名册工作表, 或分成几个文件导入")
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
    except OSError as exc:
        raise ImportFileError(f"无法读取文件 {name}: {exc.strerror}") from None
    ext = os.path.splitext(name)[1].lower()
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE2 container: an old .xls or an encrypted workbook
        if _is_encrypted(path):
            raise ImportFileError(f"工作簿 {name} 设有打开密码: 请在 Excel 或 WPS 中去掉密码 (文件 → 信息 → 保护工作簿), "
                                  f"另存为 .xlsx 后再导入")
        kind = "xls"
    elif head.startswith(b"PK"):
        if ext not in (".xlsx", ".xlsm", ""):
            if ext in (".et", ".ods"):
                raise ImportFileError(f"暂不支持 {ext} 文件: 请另存为 .xlsx 或 CSV 后再导入")
        kind = "xlsx"
    elif ext in (".xlsx", ".xlsm"):
        raise ImportFileError(f"工作簿 {name} 已损坏或不是 Excel 文件, 无法打开")
    elif head.lstrip(b"\xef\xbb\xbf \r\n\t").lower().startswith((b"<", b"\xff\xfe<", b"\xfe\xff\x00<")):
        raise ImportFileError(f"{name} 是网页 (HTML/XML) 格式的表格, 不是真正的 Excel 文件: 请在 Excel 或 WPS 中打开, "
                              f"“另存为” .xlsx 后再导入")
    elif ext in (".csv", ".txt", ".tsv", "", ".xls"):
        kind = "csv"  # a system's ".xls" export is often plain text with tabs
    elif ext in (".et", ".ods", ".numbers"):
        raise ImportFileError(f"暂不支持 {ext} 文件: 请另存为 .xlsx 或 CSV 后再导入")
    else:
        raise ImportFileError(f"只能导入 .xlsx、.xls 或 .csv 文件, 不能导入 {ext} 文件")

    if kind == "csv":
        rows, encoding = _read_csv(path, name)
        return _with_header(path, "csv", encoding, [""], {"": rows}, "", header_row)
    if kind == "xlsx":
        _check_zip(path, name)
    sheets, order = _read_book(path, name)
    if sheet is not None and sheet not in sheets:
        raise ImportFileError(f"工作簿中没有工作表 “{sheet}”, 有: {'、'.join(order)}")
    if header_row is not None and sheet is None and len(order) > 1:
        raise ImportFileError(f"工作簿有 {len(order)} 个工作表 ({'、'.join(order)}): 指定表头行时请同时指定工作表 (--sheet)")
    return _with_header(path, kind, "", order, sheets, sheet, header_row)


def _is_encrypted(path: str) -> bool:
    with open(path, "rb") as fh:
        data = fh.read(min(MAX_BYTES, 4 * 1024 * 1024))
    return "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = [("utf-8-sig", "UTF-8 (带BOM)")]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = [("utf-16", "UTF-16")]
    else:
        candidates = [("utf-8", "UTF-8"), ("gb18030", "GBK/GB18030")]
    for codec, label in candidates:
        try:
            return data.decode(codec), label
        except UnicodeDecodeError:
            continue
    raise ImportFileError(f"无法识别 {name} 的文字编码 (不是 UTF-8, 也不是 GBK): 请在 Excel 中另存为“CSV UTF-8”或 .xlsx")


def _read_csv(path: str, name: str) -> tuple[list[list[Any]], str]:
    with open(path, "rb") as fh:
        data = fh.read()
    text, encoding = _decode(data, name)
    if "\x00" in text:
        raise ImportFileError(f"{name} 不是文本文件 (含有二进制内容), 无法按 CSV 读取")
    if not text.strip():
        raise ImportFileError(f"文件是空的: {name}")
    sample = text[:20000].splitlines()[:30]
    delimiter = max((",", "\t", ";"), key=lambda d: sum(line.count(d) for line in sample))
    rows: list[list[Any]] = []
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if len(rows) > MAX_ROWS + HEADER_SCAN:
                raise ImportFileError(f"{name} 超过 {MAX_ROWS} 行, 请分成几个文件导入")
            while record and not record[-1].strip():
                record.pop()
            rows.append(record[:MAX_COLS + 1])
    except csv.Error as exc:
        raise ImportFileError(f"{name} 第{len(rows) + 1}行无法按 CSV 读取: {exc}") from None
    return rows, encoding


def _check_zip(path: str, name: str) -> None:
    """An .xlsx is a zip: refuse an encrypted one, a zip bomb, or a zip that is no workbook."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if "EncryptedPackage" in names:
                raise ImportFileError(f"工作簿 {name} 设有密码, 请去掉密码后再导入")
            if sum(i.file_size for i in zf.infolist()) > MAX_UNZIPPED:
                raise ImportFileError(f"工作簿 {name} 解压后太大, 请只保留名册工作表或分成几个文件导入")
            if "xl/workbook.xml" not in names:
                raise ImportFileError(f"{name} 不是 Excel 工作簿 (.xlsx), 无法打开")
    except zipfile.BadZipFile:
        raise ImportFileError(f"工作簿 {name} 已损坏, 无法打开 (可以在 Excel 中打开后重新保存)") from None


def _read_book(path: str, name: str) -> tuple[dict[str, list[list[Any]]], list[str]]:
    """Every sheet of an .xlsx or .xls, read with python-calamine (Rust): on a 5,000-row, 65-column
    学籍 export 0.4 s where openpyxl takes 3.1 s, and it reads the old .xls too. A merged cell's
    value is given to every cell it covers."""
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(path)
    except Exception as exc:  # calamine raises its own kinds for broken or foreign files
        raise ImportFileError(f"工作簿 {name} 已损坏, 无法读取 ({type(exc).__name__})") from None
    sheets: dict[str, list[list[Any]]] = {}
    order: list[str] = []
    try:
        for title in wb.sheet_names:
            try:
                ws = wb.get_sheet_by_name(title)
                sheets[title] = _sheet_rows(ws, name)
            except ImportFileError:
                raise
            except Exception as exc:
                raise ImportFileError(f"工作簿 {name} 的工作表 “{title}” 已损坏, 无法读取 ({type(exc).__name__})") from None
            order.append(title)
    finally:
        wb.close()
    return sheets, order


def _sheet_rows(ws, name: str) -> list[list[Any]]:
    start = ws.start
    if start is None:  # nothing in the sheet
        return []
    top, left = start
    if ws.height + top > MAX_ROWS + HEADER_SCAN:
        raise ImportFileError(f"{name} 的工作表 “{ws.name}” 超过 {MAX_ROWS} 行, 请分成几个文件导入")
    width = min(ws.width + left, MAX_COLS + 1)
    grid: list[list[Any]] = [[None] * width for _ in range(top)]
    for row in ws.iter_rows():
        grid.append(([None] * left + [None if v == "" else v for v in row])[:width])
    for (r1, c1), (r2, c2) in ws.merged_cell_ranges or []:  # a merged cell's value belongs to every cell it covers
        if r1 >= len(grid) or c1 >= width:
            continue
        value = grid[r1][c1] if c1 < len(grid[r1]) else None
        if value is None:
            continue
        for r in range(r1, min(r2, len(grid) - 1) + 1):
            row = grid[r]
            if len(row) < width:
                row.extend([None] * (width - len(row)))
            for c in range(c1, min(c2, width - 1) + 1):
                row[c] = value
    for row in grid:
        while row and (row[-1] is None or (isinstance(row[-1], str) and not row[-1].strip())):
            row.pop()
    while grid and not grid[-1]:
        grid.pop()
    return grid


# --- the header ---------------------------------------------------------------------------

# Words that head a column only under a group cell (父亲 over 姓名 / 电话 / 务工地), and group words.
_SUB_WORDS = {_norm_header(w) for words in (*_PARENT_SUB_WORDS.values(), *_GUARDIAN_SUB_WORDS.values(),
                                            *MEMBER_SUBS.values()) for w in words if w}
_GROUP_WORDS = {_norm_header(w) for w in (*_PARENT_PREFIXES["father"], *_PARENT_PREFIXES["mother"],
                                          *_GUARDIAN_PREFIXES, *_CHILD_PREFIXES, "家庭成员", "家庭情况", "监护情况",
                                          "务工情况", "联系方式", "基本情况", "实际监护情况")}
_DATA_INSIDE = re.compile(r"[0-9]{5,}|[0-9]{4}\s*[-./年]\s*[0-9]{1,2}")  # an ID, a phone, a date
_NUMBER_TEXT = re.compile(r"[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")  # a count, a 序号


def _data_like(value: Any) -> bool:
    """A cell no header has: a number, a date, or text holding an ID, a phone, a date or a count."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, (int, float, dt.date)):
        return True
    s = unicodedata.normalize("NFKC", str(value)).strip()
    s = re.sub(r"[(\[【<].*?[)\]】>]", "", s).strip()  # a header's hint: 出生日期(如2016-03-05)
    return bool(_DATA_INSIDE.search(s) or _NUMBER_TEXT.fullmatch(s))


def _header_word(value: Any) -> bool:
    s = _norm_header(value)
    return bool(s) and (header_key(value) is not None or s in _SUB_WORDS or s in _GROUP_WORDS
                        or bool(_GROUP_SUFFIX.search(s)))


def _pupil_value(value: Any) -> bool:
    """A cell only a pupil's row has: data (``_data_like``), a sex (男/女) or a class (四年级1班)."""
    if _data_like(value):
        return True
    s = cell_text(value)
    return _word_key(s) in SEX_WORDS and len(s) <= 2 or parse_class(s) is not None


def header_shaped(row: list[Any]) -> bool:
    """A row is a header by its whole shape: no cell holds a pupil's value (an ID, a phone, a date,
    a number, 男/女, a class) and column words fill two cells or half of them. A pupil's row whose
    cells happen to read like column names (住校, 父亲, 监护人) still has an ID, a date, a sex or a
    class: never a header."""
    filled = [v for v in row if cell_text(v)]
    if not filled or any(_pupil_value(v) for v in filled):
        return False
    words = sum(1 for v in filled if _header_word(v))
    return words >= 2 or words * 2 >= len(filled)


def _combine(upper: list[Any], lower: list[Any]) -> tuple[list[str], list[str | None]]:
    """Join a group header row above a field row: 父亲 over 姓名 -> 父亲姓名. A CSV saved from a
    merged group has the group's word in its first cell only: a blank upper cell right of a group
    (whose own lower cell is filled) belongs to that group, so 父亲 over 姓名, 电话 makes 父亲电话
    for both columns, never a bare 电话 (which would be the guardian's)."""
    width = max(len(upper), len(lower))
    headers: list[str] = []
    keys: list[str | None] = []
    group = ""
    for c in range(width):
        u = cell_text(upper[c]) if c < len(upper) else ""
        lo = cell_text(lower[c]) if c < len(lower) else ""
        if u:
            group = u if lo and _norm_header(lo) != _norm_header(u) else ""
        elif lo and group:
            u = group
        else:
            group = ""
        if not lo or _norm_header(lo) == _norm_header(u):
            options = [u]
        elif not u:
            options = [lo]
        else:
            options = [u + lo, _GROUP_SUFFIX.sub("", _norm_header(u)) + lo, u, lo]
        key = None
        shown = u + lo if (u and lo and _norm_header(lo) != _norm_header(u)) else (u or lo)
        for option in options:
            key = header_key(option)
            if key:
                break
        headers.append(shown)
        keys.append(key)
    return headers, keys


def _score(keys: list[str | None]) -> int:
    return len({k for k in keys if k and k != IGNORED})


def _unique(keys: list[str | None]) -> list[str | None]:
    """A second column for the same field is not imported."""
    seen: set[str] = set()
    mapping: list[str | None] = []
    for k in keys[:MAX_COLS]:
        if k in seen and k != IGNORED:
            mapping.append(None)
        else:
            mapping.append(k)
            if k:
                seen.add(k)
    return mapping


def header_at(rows: list[list[Any]], r: int) -> tuple[int, int, list[str], list[str | None]]:
    """The header whose (last) row is ``r`` (0-based): joined with the row above when that row is
    header-shaped too and the two together name more fields (a two-row merged header)."""
    keys = [header_key(v) for v in rows[r]]
    best = (r, r, [cell_text(v) for v in rows[r]], keys)
    if r > 0 and header_shaped(rows[r - 1]):
        headers, k2 = _combine(rows[r - 1], rows[r])
        if _score(k2) > _score(keys):
            best = (r - 1, r, headers, k2)
    first, last, headers, keys = best
    return first, last, headers[:MAX_COLS], _unique(keys)


def find_header(rows: list[list[Any]]) -> tuple[int, int, list[str], list[str | None]] | None:
    """(first, last header row index, headers, keys) or None: the first header-shaped row (see
    ``header_shaped``) that names 姓名 and another field, joined with the header-shaped row below
    it when that names more (父亲 over 姓名/电话)."""
    for r in range(min(HEADER_SCAN, len(rows))):
        if not header_shaped(rows[r]):
            continue
        keys = [header_key(v) for v in rows[r]]
        if r + 1 < len(rows) and header_shaped(rows[r + 1]):
            below = header_at(rows, r + 1)
            if below[0] == r and "name" in below[3] and _score(below[3]) >= 2:
                return below
        if "name" in keys and _score(keys) >= 2:
            return header_at(rows, r)
    return None


def _with_header(path, kind, encoding, order, sheets, wanted, header_row) -> Table:
    """The Table of ``wanted`` (or of every roster sheet), its header found or taken at ``header_row``."""
    name = os.path.basename(path)
    candidates = [wanted] if wanted is not None else order
    tables: list[Table] = []
    skipped: list[tuple[str, str]] = []
    for title in candidates:
        rows = sheets[title]
        if header_row is not None and len(candidates) == 1:
            if not 1 <= header_row <= len(rows):
                raise ImportFileError(f"表头行 {header_row} 不在表中 (共 {len(rows)} 行)")
            found = header_at(rows, header_row - 1)
        else:
            found = find_header(rows)
        if found:
            first, last, headers, mapping = found
            tables.append(Table(path=path, kind=kind, encoding=encoding, sheet=title, sheets=order, rows=rows,
                                header_first=first, header_last=last, headers=headers, mapping=mapping))
        elif not any(any(cell_text(v) for v in row) for row in rows):
            skipped.append((title, "没有内容"))
        else:
            skipped.append((title, f"前{HEADER_SCAN}行找不到表头 (要有“姓名”一列和至少一个其他列名), 不是名册"))
    if not tables:
        if all(why == "没有内容" for _, why in skipped):
            where = f"工作表 “{wanted}”" if wanted is not None else name
            raise ImportFileError(f"{where} 里没有内容")
        where = f"工作表 “{wanted}” 的" if wanted is not None else ""
        raise ImportFileError(f"{name}: 在{where}前{HEADER_SCAN}行找不到表头 (要有“姓名”一列和至少一个其他列名, "
                              f"如 性别、出生日期、身份证号、班级、监护人)")
    first_table = tables[0]
    first_table.more = tables[1:]
    first_table.skipped = skipped
    return first_table


def with_header_row(table: Table, header_row: int) -> Table:
    """The same sheet with row ``header_row`` (1-based) as its (last) header row: the import
    screen's choice when the header found is not the right one."""
    if not 1 <= header_row <= len(table.rows):
        raise ImportFileError(f"表头行 {header_row} 不在表中 (共 {len(table.rows)} 行)")
    first, last, headers, mapping = header_at(table.rows, header_row - 1)
    return Table(path=table.path, kind=table.kind, encoding=table.encoding, sheet=table.sheet, sheets=table.sheets,
                 rows=table.rows, header_first=first, header_last=last, headers=headers, mapping=mapping,
                 more=table.more, skipped=table.skipped)


# --- one row ----------------------------------------------------------------------------

NEW, UPDATE, DUPLICATE, ERROR = "导入", "更新", "重复", "错误"


@dataclass
class RowResult:
    row: int  # 1-based, as Excel numbers it
    outcome: str  # NEW / UPDATE / DUPLICATE / ERROR
    name: str
    problems: list[tuple[str, str]] = field(default_factory=list)  # (column, reason)
    note: str = ""  # for a duplicate: whom it matches; for an update: what changes
    changes: list[str] = field(default_factory=list)
    values: dict | None = None  # clean values to save
    child_id: int | None = None  # the existing child an update goes to
    cells: list[str] = field(default_factory=list)
    sheet: str = ""  # the worksheet the row is on
    warnings: list[str] = field(default_factory=list)  # imported, but the teacher should look: 可能重复 …

    def where(self, several_sheets: bool) -> str:
        """第5行, or 工作表“四年级”第5行 when the file has several roster sheets."""
        return f"工作表“{self.sheet}”第{self.row}行" if several_sheets else f"第{self.row}行"


@dataclass
class SheetPart:
    """One worksheet of the file: its header and how many rows were read, or why it was skipped."""
    sheet: str
    header_rows: tuple[int, int] | None = None
    headers: list[str] = field(default_factory=list)
    mapping: list[str | None] = field(default_factory=list)
    skipped: str = ""  # why the sheet was not imported ('' when it was)
    read: int = 0


@dataclass
class ImportReport:
    path: str
    kind: str
    encoding: str
    sheet: str
    header_row: int
    headers: list[str]
    mapping: list[str | None]
    rows: list[RowResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = True
    update: bool = False
    applied: bool = False
    report_path: str = ""
    report_note: str = ""
    header_first: int = 0  # 1-based first header row (0: the same as header_row)
    sheets: list[SheetPart] = field(default_factory=list)

    @property
    def header_rows(self) -> tuple[int, int]:
        """1-based first and last row taken as the header."""
        return (self.header_first or self.header_row), self.header_row

    @property
    def several_sheets(self) -> bool:
        return len(self.sheets) > 1

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def counts(self) -> dict[str, int]:
        return {"read": len(self.rows), "imported": self.count(NEW), "updated": self.count(UPDATE),
                "duplicates": self.count(DUPLICATE), "rejected": self.count(ERROR)}

    @property
    def nothing_importable(self) -> bool:
        """Rows were refused and not one row was good (new, an update or already there):
        ``guanai import`` exits 2 and writes nothing."""
        c = self.counts
        return c["rejected"] > 0 and c["imported"] + c["updated"] + c["duplicates"] == 0

    def summary(self) -> str:
        c = self.counts
        will = "" if self.applied else "将"
        return (f"读取 {c['read']} 行: {will}导入 {c['imported']}, {will}更新 {c['updated']}, "
                f"重复跳过 {c['duplicates']}, 有错误 {c['rejected']}")


_FOOTER = re.compile(r"\s*(填表人|单位负责人|负责人|复核人|审核人|制表人?|填报人|合计|总计|小计|填表日期|制表日期|"
                     r"单位盖章|签字|签名|注|备注|说明|附注)\s*([:：]|$)")


def is_footer(texts: list[str]) -> bool:
    """The signature lines under a form (填表人: 张老师  审核人: 李校长): a row that starts with one."""
    filled = [t for t in texts if t]
    return len(filled) <= 6 and bool(_FOOTER.match(filled[0]))


class _ScopedLookup(PreloadedLookup):
    """``PreloadedLookup`` that never names a child the viewer may not see: validate_child's
    "身份证号已登记给 张小明 (三年级1班)" would otherwise tell a class teacher's trial run who has
    a number in another class."""

    def __init__(self, viewer: Viewer) -> None:
        super().__init__()
        self.viewer = viewer

    def other_child(self, field: str, value: str, child_id: int | None) -> str | None:
        if value not in self.taken[field]:
            return None
        q = Child.select(Child.id).where(getattr(Child, field) == value)
        if child_id is not None:
            q = q.where(Child.id != child_id)
        other = q.scalar()
        if other is None:
            return None
        if not scope.can_see(self.viewer, other):
            return HIDDEN_CHILD
        return super().other_child(field, value, child_id)


HIDDEN_CHILD = "另一份档案 (不在你的查看范围内)"


class _Planner:
    def __init__(self, table: Table, mapping: list[str | None], *, school_id: int, class_id: int | None,
                 update: bool, today: dt.date, classes: ClassIndex, viewer: Viewer) -> None:
        self.viewer = viewer
        self.visible: dict[int, bool] = {}  # existing child id -> may the viewer see it
        self.school_id = school_id
        self.class_id = class_id
        self.update = update
        self.today = today
        self.classes = classes
        self.value_maps: dict[str, dict[str, str]] = {}  # the screen's choices: field -> {word: form value}
        # identity keys of earlier rows (of every sheet) -> their row, as 工作表“四年级”第5行 or 第5行
        self.seen: dict[tuple, str] = {}
        self.seen_ids: dict[tuple, str] = {}  # (name, birth) -> the valid 身份证号 of the earlier row
        self.existing = _existing_keys(school_id)
        self.lookup = _ScopedLookup(viewer)  # validate_child's questions, without a query per row
        self.several = False
        self.beyond = 0  # rows with something right of the header (a workbook's notes)
        self.inherited = 0  # rows whose blank 班级 took the class above (a merged cell saved as CSV)
        self.use(table, mapping)

    def use(self, table: Table, mapping: list[str | None]) -> None:
        """Plan the rows of ``table`` next (a workbook's next roster sheet); what identifies the
        children already seen is kept, so a child on two sheets is one child."""
        self.table = table
        self.mapping = mapping
        self.col_of: dict[str, int] = {}
        for i, k in enumerate(mapping):
            if k and k != IGNORED and k not in self.col_of:
                self.col_of[k] = i
        self.header_norm = [_norm_header(h) for h in table.headers]
        self.section_class: int | None = None  # from a banner row such as 三年级2班 above its children
        self.last_class: Any = None  # the 班级 cell of the row above
        self.merged_classes = self._merged_classes()

    def _merged_classes(self) -> bool:
        """A CSV saved from a sheet whose 班级 cells were merged down each class: the first pupil
        has a class (a merged block starts there) and the others below it are blank. A list whose
        first pupil has no class is not one (its blank rows are 未分班, or --class)."""
        col = self.col_of.get("classroom")
        if self.table.kind != "csv" or col is None:
            return False
        name_col = self.col_of.get("name")
        for _, cells in self.table.data_rows():
            if name_col is not None and name_col < len(cells) and cell_text(cells[name_col]):
                return col < len(cells) and bool(cell_text(cells[col]))
        return False

    def sees(self, child_id: int) -> bool:
        if child_id not in self.visible:
            self.visible[child_id] = scope.can_see(self.viewer, child_id)
        return self.visible[child_id]

    def shown(self, match: dict) -> str:
        """An existing child as a message may name it: '张小明 (三年级2班, 身份证号相同)', or no
        name or class when the viewer may not see the child (only that a record exists)."""
        if self.sees(match["id"]):
            return f"{match['name']} ({match['class_name']}, {match['reason']})"
        return f"{HIDDEN_CHILD} ({match['reason']})"

    def refused_class(self, classroom_id: int | None) -> str | None:
        """Why the viewer may not import a child into this class (None: allowed); models.scope decides."""
        try:
            scope.require_import(self.viewer, self.school_id, classroom_id)
        except ForbiddenError as exc:
            return str(exc)
        return None

    def class_column(self) -> str:
        return self.column("classroom") or self.column("grade")

    def column(self, key: str) -> str:
        """How a message names the column holding ``key``: 身份证号码 (D列)."""
        col = self.col_of.get(key)
        if col is None:
            return ""
        header = self.table.headers[col] if col < len(self.table.headers) else ""
        return f"{header or field_label(key)}({column_letter(col)}列)"

    def error_field(self, err_key: str) -> str:
        """The column's field for an error key of ``validate_child`` (father_phone -> father.phone)."""
        for p in PARENTS:
            if err_key.startswith(p + "_"):
                sub = err_key[len(p) + 1:]
                if sub in ("work_province", "work_city") and f"{p}.{sub}" not in self.col_of:
                    return f"{p}.work_place"
                return f"{p}.{sub}"
        if err_key in ("birth_date", "sex") and err_key not in self.col_of:
            return "id_number"
        if err_key == "classroom" and "classroom" not in self.col_of:
            return "grade"
        return err_key

    def problems(self, errors: dict[str, str]) -> list[tuple[str, str]]:
        """(column, reason) in the order of the file's columns."""
        found = []
        for key, message in errors.items():
            where = self.error_field(key)
            message = message.replace("请选择", "请填写")
            found.append((self.col_of.get(where, 10**6), self.column(where), message))
        return [(column, message) for _, column, message in sorted(found, key=lambda f: f[0])]

    def _repeats_header(self, texts: list[str]) -> bool:
        """Every cell the same as the header's (stops at the first that differs: one cell, mostly)."""
        return len(texts) <= len(self.header_norm) and all(
            _norm_header(t) == h for t, h in zip(texts, self.header_norm))

    def row(self, number: int, cells: list[Any]) -> RowResult | None:
        texts = [cell_text(v) for v in cells]
        if not any(texts):
            return None
        if is_footer(texts):
            return None
        if self._repeats_header(texts):
            return None  # the header again (a printed list repeats it on every page)
        filled = [t for t in texts if t]
        if len(set(filled)) == 1 and (len(filled) >= 3 or self.classes.find(filled[0]) is not None):
            # a banner row across the table (often merged): "三年级2班" heads the rows below it
            found = self.classes.find(filled[0])
            if found is not None:
                self.section_class = found
            return None
        width = len(self.table.headers)
        raw: dict[str, Any] = {k: cells[i] for k, i in self.col_of.items() if i < len(cells)}
        name = person_name(cell_text(raw.get("name")))
        if name:
            raw["name"] = name
        result = RowResult(row=number, outcome=ERROR, name=name, cells=texts, sheet=self.table.sheet)
        if self.merged_classes and name:
            # A class merged down its pupils keeps its name in the first cell only once saved as
            # CSV: a blank 班级 below a filled one is that class (``_merged_classes``).
            if cell_text(raw.get("classroom")):
                self.last_class = raw["classroom"]
            elif self.last_class is not None:
                raw["classroom"] = self.last_class
                self.inherited += 1
        extra = [i for i in range(width, len(cells)) if texts[i]]
        if extra and self.table.kind == "xlsx":  # a note beside the table: the columns stay in place
            self.beyond += 1
        elif extra:  # in a CSV the cells have shifted: a comma inside a cell, a missing quote
            result.problems.append(("", f"这一行有 {len(cells)} 列, 比表头多出 {len(cells) - width} 列 (从 "
                                        f"{column_letter(width)} 列起): 可能是单元格里有逗号或分隔符, 内容错位了"))
            return result
        if not name:
            result.problems.append((self.column("name"), "没有姓名"))
            return result
        data, pre = self._raw_values(raw)
        result.warnings.extend(data.pop("_warnings", []))
        keys = self._identity(data)
        own_id = keys_get(keys, "id")
        for k in keys:
            if k in self.seen:
                if k[0] == "nb" and own_id and self.seen_ids.get(k) and self.seen_ids[k] != own_id:
                    # same name and birth date, each with its own valid 身份证号: two children
                    result.warnings.append(f"可能重复, 请核对: 与{self.seen[k]}姓名和出生日期相同, 但身份证号不同, "
                                           f"按另一个孩子导入")
                    continue
                result.outcome = DUPLICATE
                result.note = f"与{self.seen[k]}是同一个孩子 ({_KEY_WORDS[k[0]]}相同)"
                return result
        if pre.get("_fatal"):
            result.problems.extend(pre["_fatal"])
            return result
        same = []
        if any(k in self.existing for k in keys):  # ask the database only about a likely match
            same = find_same_child({"id_number": own_id, "student_no": keys_get(keys, "sn"),
                                    "name": data.get("_clean_name"), "birth_date": data.get("_birth")},
                                   school_id=self.school_id)
            if own_id:
                # A record that matches only by name and birth date but has another valid 身份证号
                # is another child: never merged, never updated; the teacher is asked to look.
                others = [m for m in same if m["reason"] == "姓名和出生日期相同"
                          and (Child.select(Child.id_number).where(Child.id == m["id"]).scalar() or own_id) != own_id]
                for m in others:
                    result.warnings.append(f"可能重复, 请核对: 与已有档案 {self.shown(m)} 姓名和出生日期相同, "
                                           f"但身份证号不同, 按另一个孩子导入")
                same = [m for m in same if m not in others]
        if len(same) > 1:
            who = "; ".join(self.shown(s) for s in same[:3])
            result.problems.append(("", f"同时与几份已有档案相符: {who}, 请核对"))
            return result
        child_id = same[0]["id"] if same else None
        if child_id is not None and not self.update:
            result.outcome = DUPLICATE
            result.note = f"已有档案: {self.shown(same[0])}"
            return result
        if child_id is not None:  # an update: only of a record the viewer may edit (never shows others')
            try:
                scope.require_child(self.viewer, child_id, "edit")
            except ForbiddenError:
                what = "不在你的查看范围内" if not self.sees(child_id) else "你只能查看, 不能修改"
                result.problems.append(("", f"已有这个孩子的档案 ({same[0]['reason']}), {what}: 不能用导入更新它"))
                return result
        default_class = self.section_class or self.class_id
        values = load_form_values(child_id, classroom_id=default_class if child_id is None else None)
        before_class = values.get("classroom")
        if child_id is not None and default_class is not None:
            values["classroom"] = default_class
        self._overlay(values, data, new=child_id is None)
        target = values.get("classroom")  # a class id (the file's class found by name) or None
        if "classroom" not in pre and (child_id is None or target != before_class) and self.refused_class(target):
            result.problems.append((self.class_column(), self.refused_class(target)))
            return result
        clean, errors = validate_child(values, child_id=child_id, today=self.today, lookup=self.lookup)
        errors.update({k: v for k, v in pre.items() if not k.startswith("_")})
        if errors:
            result.problems.extend(self.problems(errors))
            return result
        for k in keys:  # later rows for the same child are duplicates of this one
            self.seen.setdefault(k, result.where(self.several))
            if k[0] == "nb" and own_id:
                self.seen_ids.setdefault(k, own_id)
        result.values = clean
        if child_id is None:
            result.outcome = NEW
            return result
        result.child_id = child_id
        changes = child_changes(clean, child_id)
        if not changes:
            result.outcome = DUPLICATE
            result.note = f"已有档案, 没有变化: {self.shown(same[0])}"
            return result
        result.outcome = UPDATE
        # ID numbers and phones masked, old and new: a report is printed, copied, left on screens
        result.changes = [f"{change_label(k)} {display_value(k, mask_value(k, old))} → "
                          f"{display_value(k, mask_value(k, new))}"
                          for k, (old, new) in changes.items() if k != "classroom"]
        if "classroom" in changes:
            result.changes.append("班级")
        result.note = "更新: " + "; ".join(result.changes)
        return result

    # The values of the form, from the cells.
    def _raw_values(self, raw: dict[str, Any]) -> tuple[dict, dict]:
        data: dict[str, Any] = {}
        pre: dict[str, Any] = {}
        fatal: list[tuple[str, str]] = []
        extra_notes: list[str] = []  # what a cell held beyond its field (a second phone, 父亲已故)
        warnings_: list[str] = []
        members: dict[int, dict[str, Any]] = {}
        damaged_id: Any = None

        def text(key: str) -> str:
            t = cell_text(raw.get(key))
            return "" if t.lower() in EMPTY_MARKS and key not in BOOL_KEYS else t

        for key in raw:
            if key.startswith("member"):
                n, sub = key[6:].split(".", 1)
                v = raw[key]
                members.setdefault(int(n), {})[sub] = (cell_text(v) if not isinstance(v, float)
                                                       else cell_text(int(v)) if v.is_integer() and v < 1e15 else "")
            elif key in NUMBER_KEYS:
                label = field_label(key)
                try:
                    t = number_text(raw[key], label)
                except Damaged as exc:
                    if key == "id_number":
                        damaged_id = raw[key]
                    fatal.append((self.column(key), str(exc)))
                    continue
                t = "" if t in EMPTY_MARKS else t
                if key in PHONE_KEYS:
                    t = self._first_phone(key, t, extra_notes)
                else:  # 522623 20160305 0021: spaces a teacher typed to read the number
                    t = re.sub(r"[\s\u3000]+", "", t)
                data[key] = t
            elif key == "is_left_behind":
                self._left_behind_flag(key, cell_text(raw[key]), data, pre)
            elif key in BOOL_KEYS:
                t = cell_text(raw[key])
                word = _word_key(t)
                if not t:
                    continue
                if word in TRUE_WORDS:
                    data[key] = True
                elif word in FALSE_WORDS:
                    data[key] = False
                else:
                    pre[_err_key(key)] = f"{field_label(key)}应填“是”或“否”, 不是“{t}”"
            elif key == "birth_date":
                data[key] = self._date(raw[key], pre)
            elif key == "left_behind_type":
                t = text(key)
                value = self.choice(key, t)
                if t and value not in rules.LEFT_BEHIND_TYPES and _word_key(t) in LEFT_BEHIND_FLAGS:
                    # √, 是, 单亲 in a type column: left behind, the kind read from the parents
                    self._left_behind_flag(key, t, data, pre)
                else:
                    data[key] = value
            elif key in CHOICE_TABLES:
                data[key] = self.choice(key, text(key))
                if key == "health" and _word_key(text(key)) in ("有慢性病", "慢性病") and not cell_text(raw.get("illness")):
                    data["illness"] = "慢性病"  # the 学籍 system's 有慢性病 names the kind itself
            elif key in MULTI_TABLES:
                data[key] = normalise_multi(key, text(key))
            elif key == "ethnicity":
                t = text(key)
                data[key] = t + "族" if t and not t.endswith("族") and t not in ("其他", "其它") and len(t) <= 3 else t
            elif key in NAME_KEYS:
                data[key] = person_name(text(key))
            else:
                data[key] = text(key)
        if fatal:
            pre["_fatal"] = fatal

        # An ID Excel cut to 5.22632E+17 is back when the 全国学籍号 (G + 身份证号) holds a valid
        # number with the same leading digits; the report says so.
        if damaged_id is not None and data.get("student_no"):
            recovered = _id_from_student_no(data["student_no"], damaged_id, today=self.today)
            if recovered:
                data["id_number"] = recovered
                pre["_fatal"] = [f for f in fatal if f[0] != self.column("id_number")]
                if not pre["_fatal"]:
                    pre.pop("_fatal")
                warnings_.append(f"身份证号被 Excel 存成了数字 ({cell_text(damaged_id)}), 已按全国学籍号中的号码恢复")

        # 身份证号 fills a missing 出生日期 and 性别
        id_raw = data.get("id_number", "")
        from_id = fill_from_id(id_raw, today=self.today) if id_raw else None
        if from_id:
            born, sex = from_id
            month_only = pre.pop("_month_only", None)
            if month_only and month_only != (born.year, born.month):
                pre["birth_date"] = (f"出生日期只写了年月 ({month_only[0]}年{month_only[1]}月), "
                                     f"与身份证号中的 {born.isoformat()} 不一致")
            if not data.get("birth_date"):
                data["birth_date"] = born
            if not data.get("sex"):
                data["sex"] = sex
        elif id_raw and re.fullmatch(r"[0-9]{15}000", id_raw):
            pre["id_number"] = ("身份证号码校验位不符, 且末尾是000: 多半是被 Excel 当作数字截断了, "
                                "请把这一列设为“文本”格式并重新填写")
        if pre.pop("_month_only", None):
            pre["birth_date"] = "出生日期只写了年月, 请填写完整的日期 (如 2015-03-02)"

        # 班级 by name, or 年级 + 班级 from two columns, or --class
        class_text = data.pop("classroom", "")
        grade_text = data.pop("grade", "")
        if grade_text and class_text and not parse_class(class_text) and _word_key(class_text) not in self.classes.by_name:
            class_text = grade_text + ("" if "年" in grade_text else "年级") + class_text
        elif grade_text and not class_text:
            class_text = grade_text
        if class_text:
            found = self.classes.find(class_text)
            if found is None:
                pre["classroom"] = f"没有这个班级: “{class_text}” ({self.classes.known()})"
            else:
                data["classroom"] = found

        if members:
            self._members(members, data, extra_notes)

        # 父亲, 母亲: a work place names where a parent is away; 务农, 在家, 已故 … say the parent is not
        parents = []
        for p, relation in PARENTS.items():
            fields = {sub: data.pop(f"{p}.{sub}") for sub in PARENT_SUBS if f"{p}.{sub}" in data}
            if not any(v not in ("", None) for v in fields.values()):
                continue
            place = fields.pop("work_place", "")
            word = _word_key(place) if place else ""
            if word in NOT_AWAY_WORDS or place in NOT_AWAY_WORDS:
                if word in DECEASED_WORDS:
                    extra_notes.append(f"{relation}{place}")
                place = ""
                fields.setdefault("away", False)
            if place:
                province, city = split_work_place(place)
                if not fields.get("work_province"):
                    fields["work_province"] = province
                if not fields.get("work_city"):
                    fields["work_city"] = city
            parents.append({"relation": relation, **fields})
        if parents:
            data["parents"] = parents

        # 留守类型 from the form's yes/no columns, or from 单亲/双亲/是 and which parent is away
        if not data.get("left_behind_type"):
            flag = data.pop("_flag", None)
            away = {p["relation"]: p.get("away", bool(p.get("work_province") or p.get("work_city"))) for p in parents}
            if data.get("both_away"):
                data["left_behind_type"] = "父母均外出"
            elif data.get("one_away"):
                data["left_behind_type"] = "一方外出另一方无监护能力"
            elif flag == "双亲":
                data["left_behind_type"] = "父母均外出"
            elif flag == "单亲":
                gone = [r for r, a in away.items() if a]
                if len(gone) == 1:
                    data["left_behind_type"] = f"{gone[0]}外出"
                else:
                    pre["left_behind_type"] = ("写的是单亲留守, 但看不出是父亲还是母亲外出 (父母的务工地点或现住址): "
                                               "请在留守类型一列填写“父亲外出”或“母亲外出”")
            elif flag is True or data.get("is_left_behind"):
                data["left_behind_type"] = self._type_from_parents(away)
        data.pop("_flag", None)
        if data.get("is_left_behind") is False:
            data["left_behind_type"] = ""
        for k in ("both_away", "one_away", "is_left_behind"):
            data.pop(k, None)
        if extra_notes:
            data["notes"] = "; ".join(([data["notes"]] if data.get("notes") else []) + extra_notes)

        # what identifies the child (for duplicates), from the same validators
        try:
            data["_clean_name"] = validate_name(data.get("name", ""))
        except Invalid:
            data["_clean_name"] = ""
        birth = data.get("birth_date")
        try:
            data["_birth"] = validate_date(birth, field="出生日期", today=self.today) if birth else None
        except Invalid:
            data["_birth"] = None
        data["_warnings"] = warnings_
        return data, pre

    def choice(self, key: str, text: str) -> str:
        """A word of a choice column as the form's value: the screen's own mapping first, then the
        tables (``normalise_choice``)."""
        chosen = self.value_maps.get(key, {})
        if text in chosen:
            return chosen[text]
        return normalise_choice(key, text)

    def _left_behind_flag(self, key: str, t: str, data: dict, pre: dict) -> None:
        """是否留守儿童 as the 学籍 system writes it (非留守儿童 / 单亲留守儿童 / 双亲留守儿童) or as
        teachers do (√, 是, 单亲): whether the child is left behind, and when known how."""
        if not t:
            return
        chosen = self.value_maps.get(key, {}).get(t)
        if chosen is not None:
            if chosen in rules.LEFT_BEHIND_TYPES:
                data["left_behind_type"] = chosen
                data["is_left_behind"] = True
            elif chosen == "":
                data["is_left_behind"] = False
            return
        flag = LEFT_BEHIND_FLAGS.get(_word_key(t))
        if flag is None:
            kind = normalise_choice("left_behind_type", t)
            if kind in rules.LEFT_BEHIND_TYPES:
                data["left_behind_type"] = kind
                data["is_left_behind"] = True
                return
            pre[_err_key(key)] = (f"{field_label(key)}应填 是/否、单亲留守儿童/双亲留守儿童/非留守儿童 "
                                  f"或留守类型, 不是“{t}”")
            return
        data["is_left_behind"] = flag is not False
        if flag is not False:
            data["_flag"] = flag

    def _first_phone(self, key: str, t: str, notes: list[str]) -> str:
        """'13800001111/13900002222': the first number is the field, the others go to 备注."""
        parts = [p for p in re.split(r"\s*[/／、,，;；]\s*|\s{2,}|\s+(?=1[0-9]{10})", t) if p]
        if len(parts) > 1:
            notes.append(f"{field_label(key)}另有: {'、'.join(parts[1:])}")
        return parts[0] if parts else ""

    def _members(self, members: dict[int, dict[str, Any]], data: dict, notes: list[str]) -> None:
        """The 学籍 system's household members, each by its 关系 (and 关系说明): the father's and
        mother's blocks give their names, phones and whether each is away (a work unit or address
        in another province than the child's home); the member marked 是否监护人 is the guardian.
        A column the file has for the same field (父亲姓名, 监护人) is kept."""
        home = split_work_place(data.get("address") or data.get("hukou_place") or "")[0]
        guardian_done = False
        for n in sorted(members):
            m = members[n]
            name = person_name(m.get("name", ""))
            if not name:
                continue
            relation = ""
            for word in (m.get("relation", ""), m.get("relation_note", "")):
                relation = self.choice("guardian_relation", word) if word else ""
                if relation in rules.GUARDIAN_RELATIONS:
                    break
            phone = self._first_phone("guardian_phone", m.get("phone", ""), notes) if m.get("phone") else ""
            if relation in ("父亲", "母亲"):
                p = "father" if relation == "父亲" else "mother"
                if not data.get(f"{p}.name"):
                    data[f"{p}.name"] = name
                if phone and not data.get(f"{p}.phone"):
                    data[f"{p}.phone"] = phone
                away, place = _away_from(m.get("work", ""), m.get("address", ""), home)
                if not data.get(f"{p}.work_place") and f"{p}.away" not in data:
                    data[f"{p}.away"] = away
                    if away and place:
                        data[f"{p}.work_place"] = place
            if not guardian_done and _word_key(m.get("guardian", "")) in TRUE_WORDS:
                guardian_done = True
                if not data.get("guardian_name"):
                    data["guardian_name"] = name
                    data["guardian_relation"] = relation or m.get("relation", "")
                if phone:  # the guardian's own number, over the family's 联系电话
                    data["guardian_phone"] = phone
                if m.get("id_number") and not data.get("guardian_id_number"):
                    data["guardian_id_number"] = re.sub(r"\s+", "", m["id_number"])
                if m.get("address") and not data.get("guardian_address"):
                    data["guardian_address"] = m["address"]

    def _type_from_parents(self, away: dict[str, Any]) -> str:
        father, mother = bool(away.get("父亲")), bool(away.get("母亲"))
        if father and mother:
            return "父母均外出"
        if father:
            return "父亲外出"
        if mother:
            return "母亲外出"
        return "其他"

    def _date(self, value: Any, pre: dict) -> Any:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if 19000101 <= value <= 21001231:
                return str(int(value))
            if 1900 <= value <= 2100:
                pre["birth_date"] = f"出生日期只写了年份 ({int(value)}), 请填写完整的日期 (如 2015-03-02)"
                return ""
            serial = _excel_serial(float(value))
            return serial if serial else cell_text(value)
        t = cell_text(value)
        m = re.fullmatch(r"([0-9]{4})\s*[年.\-/]\s*([0-9]{1,2})\s*月?", unicodedata.normalize("NFKC", t))
        if m:
            pre["_month_only"] = (int(m.group(1)), int(m.group(2)))
            return ""
        return "" if t in EMPTY_MARKS else t

    def _identity(self, data: dict) -> list[tuple]:
        keys = []
        try:
            if data.get("id_number"):
                keys.append(("id", validate_id_number(data["id_number"], today=self.today)))
        except Invalid:
            pass
        try:
            if data.get("student_no"):
                keys.append(("sn", validate_student_no(data["student_no"], today=self.today)))
        except Invalid:
            pass
        if data.get("_clean_name") and data.get("_birth"):
            keys.append(("nb", data["_clean_name"], data["_birth"]))
        return keys

    def _overlay(self, values: dict, data: dict, *, new: bool) -> None:
        """Put the file's non-empty values over the form's (defaults for a new child, the
        record for an update: an empty cell never erases what is stored)."""
        for key, v in data.items():
            if key.startswith("_") or key == "parents":
                continue
            if v in ("", None) or (isinstance(v, list) and not v):
                continue
            values[key] = v
        by_relation = {p["relation"]: p for p in values.get("parents", [])}
        kind = values.get("left_behind_type") or ""
        for p in data.get("parents", []):
            target = by_relation.get(p["relation"])
            if target is None:
                target = {"relation": p["relation"]}
                values.setdefault("parents", []).append(target)
                by_relation[p["relation"]] = target
            for k, v in p.items():
                if v not in ("", None):
                    target[k] = v
            if "away" not in p and new:
                target["away"] = _away_by_kind(kind, p)


_KEY_WORDS = {"id": "身份证号", "sn": "学籍号", "nb": "姓名和出生日期"}


def _existing_keys(school_id: int) -> set[tuple]:
    """What identifies the children already there, in one query (a superset: ``find_same_child``
    decides)."""
    keys: set[tuple] = set()
    q = Child.select(Child.id_number, Child.student_no, Child.name, Child.birth_date, Child.school).tuples()
    for id_number, student_no, name, birth, school in q:
        if id_number:
            keys.add(("id", id_number))
        if student_no:
            keys.add(("sn", student_no))
        if name and birth and school == school_id:
            if isinstance(birth, str):
                birth = dt.date.fromisoformat(birth[:10])
            keys.add(("nb", name, birth))
    return keys


def keys_get(keys: list[tuple], kind: str) -> str | None:
    for k in keys:
        if k[0] == kind:
            return k[1]
    return None


def _err_key(key: str) -> str:
    return key.replace(".", "_")


# --- the whole import -------------------------------------------------------------------

def plan(table: Table, mapping: list[str | None] | None = None, *, school_id: int, viewer: Viewer,
         class_name: str | None = None, update: bool = False, today: dt.date | None = None,
         progress: Progress | None = None, mappings: dict[str, list[str | None]] | None = None,
         value_maps: dict[str, dict[str, str]] | None = None) -> ImportReport:
    """Check every row of every roster sheet (``table.tables()``) and decide what would happen
    to it. Reads the database, writes nothing.

    ``mapping`` is the columns of ``table``'s own sheet, ``mappings`` those of the other sheets
    (by name; default: as found); ``value_maps`` the user's own reading of words in choice
    columns ({'left_behind_type': {'单亲': '母亲外出'}}), over the built-in tables.

    As ``viewer`` (``models.scope.require_import``): a row for a class the viewer may not import
    into is an error; an existing child the viewer may not see is never named or shown (a dry
    run reports on the database), and numbers in the listed changes are masked. A class teacher
    who heads one class gets it for the rows without a class."""
    scope.require_import(viewer, any_class=True)
    parts = []
    for t in table.tables():
        m = list(mapping if (t is table and mapping is not None) else (mappings or {}).get(t.sheet, t.mapping))
        m += [None] * (len(t.headers) - len(m))
        parts.append((t, m))
    if "name" not in parts[0][1]:
        raise ImportFileError("没有对应到“姓名”的列, 无法导入: 请指定哪一列是姓名")
    today = today or dt.date.today()
    class_id = None
    classes = ClassIndex(school_id)
    if class_name:
        class_id = classes.find(class_name)
        if class_id is None:
            raise ImportFileError(f"没有这个班级: {class_name} ({classes.known()})")
        scope.require_import(viewer, school_id, class_id)
    else:  # a class teacher who heads one class imports into it
        class_id = scope.own_class(viewer, only=True)
    mapping = parts[0][1]
    report = ImportReport(path=table.path, kind=table.kind, encoding=table.encoding, sheet=table.sheet,
                          header_row=table.header_row, headers=table.headers, mapping=mapping, update=update,
                          header_first=table.header_rows[0])
    planner = _Planner(table, mapping, school_id=school_id, class_id=class_id, update=update, today=today,
                       classes=classes, viewer=viewer)
    planner.value_maps = value_maps or {}
    planner.several = len(parts) > 1 or bool(table.skipped)
    data = [(t, m, number, cells) for t, m in parts for number, cells in t.data_rows()]
    total = len(data)
    step = max(1, total // 100)
    by_sheet: dict[str, SheetPart] = {}
    for t, m in parts:
        by_sheet[t.sheet] = SheetPart(sheet=t.sheet, header_rows=t.header_rows, headers=t.headers, mapping=m)
    for title, why in table.skipped:
        by_sheet[title] = SheetPart(sheet=title, skipped=why)
    report.sheets = [by_sheet[s] for s in table.sheets if s in by_sheet]
    for i, (t, m, number, cells) in enumerate(data, 1):
        if planner.table is not t:
            planner.use(t, m)
        result = planner.row(number, cells)
        if result is not None:
            report.rows.append(result)
            by_sheet[t.sheet].read += 1
        if progress and (i % step == 0 or i == total):
            progress(i, total, "检查")
    if not report.rows:
        raise ImportFileError(f"{os.path.basename(table.path)}: 表头 (第{table.header_row}行) 下面没有数据")
    all_keys = {k for _, m in parts for k in m}
    if not all_keys & {"left_behind_type", "both_away", "one_away", "is_left_behind"}:
        report.notes.append("文件中没有留守类型列: 新导入的孩子不算留守儿童, 名册默认不列出他们 (在名册中按 a 显示全部学生)")
    if not all_keys & {"classroom", "grade"} and class_id is None and planner.section_class is None:
        report.notes.insert(0, "文件中没有班级列, 新导入的孩子都是“未分班”: 可以用 --class 指定班级 (如 --class 三年级2班)")
    if planner.inherited:
        report.notes.append(f"有 {planner.inherited} 行的班级是空的, 按上面最近一行的班级导入 "
                            f"(合并的班级单元格另存为 CSV 后只有第一格有值)")
    if planner.beyond:
        report.notes.append(f"有 {planner.beyond} 行在表头右边没有列名的列里还有内容, 这些内容没有导入")
    return report


def apply(report: ImportReport, *, school_id: int, staff_id: int | None, viewer: Viewer,
          progress: Progress | None = None) -> ImportReport:
    """Save every row planned as new or update, in one transaction: all of them or none.

    A row the database refuses meanwhile (someone saved the same 身份证号 a moment ago) is
    marked as an error; so is a row outside the viewer's scope (a class teacher imports into
    their own class). Only admin, head and class teachers import (``ForbiddenError``).
    Anything unexpected rolls the whole import back and is raised.
    """
    scope.require_import(viewer, any_class=True)
    new = [r for r in report.rows if r.outcome == NEW]
    updates = [r for r in report.rows if r.outcome == UPDATE]
    total = len(new) + len(updates)
    report.dry_run = False
    if not total:  # nothing new: the database is already as the file says
        report.applied = True
        return report

    def tell(done: int) -> None:
        if progress:
            progress(done, total, "导入")

    with dbmod.write():
        _create_new(new, school_id=school_id, staff_id=staff_id, viewer=viewer, tell=tell)
        _save_updates(updates, school_id=school_id, staff_id=staff_id, viewer=viewer,
                      tell=lambda done: tell(len(new) + done))
        c = report.counts
        audit.record("import", "import", 0, staff_id=staff_id,
                     new={"file": os.path.basename(report.path),
                          "sheet": "、".join(p.sheet for p in report.sheets if not p.skipped) or report.sheet, **c})
    report.applied = True
    report.dry_run = False
    return report


def _create_new(rows: list[RowResult], *, school_id: int, staff_id: int | None, viewer: Viewer,
                tell: Callable[[int], None]) -> None:
    """The new children, in bulk (``save_child`` per row spends its time building SQL)."""
    results = create_children([r.values for r in rows], school_id=school_id, staff_id=staff_id, viewer=viewer,
                              progress=lambda done, _: tell(done))
    for r, result in zip(rows, results):
        if isinstance(result, Exception):
            _refused(r, result)
        else:
            r.child_id = result


def _save_updates(rows: list[RowResult], *, school_id: int, staff_id: int | None, viewer: Viewer,
                  tell: Callable[[int], None]) -> None:
    """Changes to existing children, one ``save_child`` each (its change history per child)."""
    step = max(1, len(rows) // 100)
    for i, r in enumerate(rows, 1):
        try:
            save_child(r.values, child_id=r.child_id, school_id=school_id, staff_id=staff_id, viewer=viewer)
        except (SaveError, ForbiddenError) as exc:
            _refused(r, exc)
        if i % step == 0 or i == len(rows):
            tell(i)


def _refused(r: RowResult, exc: Exception) -> None:
    """The database or the scope refused this row: an error of its own, the others still go in."""
    r.outcome = ERROR
    r.problems.append(("", str(exc)))


def run_import(path: str, *, school_id: int, staff_id: int | None, viewer: Viewer, sheet: str | None = None,
               class_name: str | None = None, update: bool = False, dry_run: bool = False,
               today: dt.date | None = None, progress: Progress | None = None,
               header_row: int | None = None) -> ImportReport:
    """Read, check and (unless ``dry_run``) save; the report CSV is written next to the file.

    ``ForbiddenError`` before the file is read when the viewer does not import at all (teachers,
    volunteers, counselors: a dry run too); each row is then checked against its class (``plan``)."""
    scope.require_import(viewer, any_class=True)
    table = read_table(path, sheet=sheet, header_row=header_row)
    report = plan(table, school_id=school_id, viewer=viewer, class_name=class_name, update=update, today=today,
                  progress=progress)
    report.dry_run = dry_run
    if not dry_run and not report.nothing_importable:
        apply(report, school_id=school_id, staff_id=staff_id, viewer=viewer, progress=progress)
    write_report_csv(report)
    return report


# --- reporting --------------------------------------------------------------------------

def _safe(value: Any) -> str:
    global _clean
    if _clean is None:
        from tui.widgets.text import clean as _clean  # plain Python, no textual (imported once, not per cell)
    return _clean(value)


_clean: Callable[[Any], str] | None = None


def _header_where(rows: tuple[int, int]) -> str:
    return f"表头在第{rows[0]}行" if rows[0] == rows[1] else f"表头在第{rows[0]}-{rows[1]}行 (两行合并)"


def describe_file(report: ImportReport) -> str:
    name = os.path.basename(report.path)
    if report.several_sheets:
        taken = [p for p in report.sheets if not p.skipped]
        return f"{name} (工作簿, {len(report.sheets)} 个工作表, 导入其中 {len(taken)} 个)"
    how = f"编码 {report.encoding}" if report.kind == "csv" else f"工作表 “{report.sheet}”"
    return f"{name} ({how}, {_header_where(report.header_rows)})"


def _columns_lines(headers: list[str], mapping: list[str | None], rows: list[RowResult]) -> list[str]:
    mapped = [f"{h or column_letter(i)}→{field_label(k)}" for i, (h, k) in enumerate(zip(headers, mapping))
              if k and k != IGNORED]
    unmapped = [h or f"{column_letter(i)}列" for i, (h, k) in enumerate(zip(headers, mapping))
                if (not k or k == IGNORED) and (h or any(i < len(r.cells) and r.cells[i] for r in rows))]
    lines = ["列: " + ", ".join(mapped)]
    if unmapped:
        lines.append("不导入的列: " + ", ".join(unmapped))
    return lines


def format_report(report: ImportReport, *, max_errors: int = 300, max_others: int = 20) -> list[str]:
    """The report as lines for the terminal: the file, each sheet with the rows taken as its header
    (or why it was skipped), the columns, every refused row, the rows to check, the counts."""
    lines = [_safe(f"文件: {describe_file(report)}")]
    several = report.several_sheets
    if several:
        for part in report.sheets:
            if part.skipped:
                lines.append(_safe(f"工作表 “{part.sheet}”: {part.skipped}, 跳过"))
                continue
            lines.append(_safe(f"工作表 “{part.sheet}”: {_header_where(part.header_rows)}, 读取 {part.read} 行"))
            mine = [r for r in report.rows if r.sheet == part.sheet]
            lines += [_safe("  " + line) for line in _columns_lines(part.headers, part.mapping, mine)]
    else:
        lines += [_safe(line) for line in _columns_lines(report.headers, report.mapping, report.rows)]
    for note in report.notes:
        lines.append(_safe("注意: " + note))
    errors = [r for r in report.rows if r.outcome == ERROR]
    for r in errors[:max_errors]:
        who = f" {r.name}" if r.name else ""
        for column, reason in r.problems:
            where = f" {column}" if column else ""
            lines.append(_safe(f"{r.where(several)}{who}{where}: {reason}"))
    if len(errors) > max_errors:
        lines.append(f"……另有 {len(errors) - max_errors} 行有错误, 见报告文件")
    checks = [r for r in report.rows if r.warnings and r.outcome != ERROR]
    for r in checks[:max_errors]:
        for warning in r.warnings:
            lines.append(_safe(f"{r.where(several)} {r.name}: {warning}"))
    if len(checks) > max_errors:
        lines.append(f"……另有 {len(checks) - max_errors} 行需要核对, 见报告文件")
    will = "" if report.applied else "将"
    updates = [r for r in report.rows if r.outcome == UPDATE]
    for r in updates[:max_others]:
        lines.append(_safe(f"{r.where(several)} {r.name}: {will}更新 " + "; ".join(r.changes)))
    if len(updates) > max_others:
        lines.append(f"……另有 {len(updates) - max_others} 行{will}更新, 见报告文件")
    dups = [r for r in report.rows if r.outcome == DUPLICATE]
    for r in dups[:max_others]:
        lines.append(_safe(f"{r.where(several)} {r.name}: 重复, 跳过 ({r.note})"))
    if len(dups) > max_others:
        lines.append(f"……另有 {len(dups) - max_others} 行重复, 见报告文件")
    tail = "" if report.applied else " (试导入, 数据库没有改动)" if report.dry_run else " (没有写入数据库)"
    lines.append(report.summary() + tail)
    if report.report_path:
        lines.append(_safe(f"报告: {report.report_path}"))
    if report.report_note:
        lines.append(_safe(report.report_note))
    return lines


# A cell starting with one of these is a formula (or DDE command) to Excel, WPS and LibreOffice:
# OWASP's CSV-injection list, with the full-width forms a Chinese IME types.
FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")
_LONG_DIGITS = re.compile(r"[0-9]{12,}[0-9Xx]?")


def _csv_cell(value: str) -> str:
    """Keep Excel from turning long digit strings into floats and text into formulas: a cell that
    starts (after any blanks) like a formula gets a leading ``'``, which shows it as text and which
    ``cell_text`` drops when the report is imported again."""
    if not value:
        return value
    if value[0].isdigit() and _LONG_DIGITS.fullmatch(value):
        return f'="{value}"'  # our own constant, digits only: the only formula-like cell written
    if value.lstrip(" \u3000")[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def report_rows(report: ImportReport) -> list[list[str]]:
    """The report CSV: a summary line, then one line per row with its outcome and original cells."""
    when = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    mode = "" if report.applied else " (试导入, 数据库没有改动)" if report.dry_run else " (没有写入数据库)"
    head = [f"关爱导入报告 {os.path.basename(report.path)} {when}: {report.summary()}{mode}"]
    out = [head]
    several = report.several_sheets
    parts = [p for p in report.sheets if not p.skipped] or [SheetPart(report.sheet, headers=report.headers)]
    for part in parts:  # each sheet's rows under its own header (a workbook's sheets differ)
        # a report imported again: its old bookkeeping columns make way for the new ones
        keep = [i for i, h in enumerate(part.headers) if h not in REPORT_COLUMNS]
        out.append([*REPORT_COLUMNS, *(_safe(part.headers[i]) for i in keep)])
        for r in report.rows:
            if several and r.sheet != part.sheet:
                continue
            outcome = r.outcome if report.applied or r.outcome in (DUPLICATE, ERROR) else f"将{r.outcome}"
            columns = "; ".join(c for c, _ in r.problems if c)
            reasons = "; ".join(reason for _, reason in r.problems) or "; ".join(filter(None, [r.note, *r.warnings]))
            cells = [_safe(r.cells[i]) if i < len(r.cells) else "" for i in keep]
            while cells and not cells[-1]:
                cells.pop()
            number = f"{r.sheet}:{r.row}" if several else str(r.row)
            out.append([number, outcome, _safe(columns), _safe(reasons), *cells])
    # every cell, the header's and the file's own included, is data: never a formula
    return [[_csv_cell(cell) for cell in row] for row in out]


def write_report_csv(report: ImportReport, *, cwd: str | None = None) -> str:
    """Write the report next to the input (UTF-8 with BOM, so Excel opens it); when that folder
    cannot be written, into the current folder. Returns the path ('' when neither worked)."""
    stem = os.path.splitext(os.path.basename(report.path))[0]
    folders = [os.path.dirname(report.path), os.path.abspath(cwd or os.getcwd())]
    rows = report_rows(report)
    last_error = ""
    for n, folder in enumerate(folders):
        target = os.path.join(folder, stem + REPORT_SUFFIX)
        if os.path.abspath(target) == os.path.abspath(report.path):
            target = os.path.join(folder, stem + "-2" + REPORT_SUFFIX)
        try:
            # a private temporary file renamed over the old report: a link planted at the report's
            # name (pointing at someone's .bashrc) is replaced, never written through
            with files.write_atomic(target, overwrite=True) as raw:
                fh = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                csv.writer(fh).writerows(rows)
                fh.flush()
                fh.detach()
        except OSError as exc:
            last_error = exc.strerror or str(exc)
            continue
        report.report_path = target
        if n > 0:
            report.report_note = f"输入文件所在的文件夹不能写入 ({os.path.dirname(report.path)}), 报告写到了当前文件夹"
        return target
    report.report_note = f"报告文件无法写入 ({last_error})"
    return ""


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



# --- the words of choice columns, for the screen's value mapping ------------------------------

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
