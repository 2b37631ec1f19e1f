"""Cell values to the form's values: the vocabularies (留守类型, 关系, 是/否 …), 务工地, class names."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from models.entities import Classroom
from models.validation import Invalid
from models.validation import validate_id_number
from tui.importer.cells import cell_text


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
# 贫困: 国发〔2016〕36号's 家庭贫困 is, on the 民政 rolls, a 低保 or 特困 household's child.
DIFFICULTY_WORDS = _table({"贫困": ("家庭贫困", "困难", "建档立卡", "低保", "特困", "特困供养"), "残疾": ("自身残疾", "残障"), "重病": ("大病", "重病儿童"),
                          "监护缺失或不当": ("监护缺失", "监护不当", "监护缺失或监护不当"),
                          "事实无人抚养": ("事实无人抚养儿童",), "其他": ("其它",)})
MULTI_TABLES = {"income_sources": INCOME_WORDS, "aid_received": AID_WORDS, "difficulty": DIFFICULTY_WORDS}
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


# A category named by the household or child it describes is that category: 建档立卡户, 低保家庭,
# 残疾儿童 (the way schools' own lists write them).
HOLDER_SUFFIXES = ("家庭", "户", "儿童")


def normalise_multi(key: str, text: str) -> list[str]:
    parts = [p for p in re.split(r"[\s、,，;；/|+]+", text) if p and p not in EMPTY_MARKS]
    table = MULTI_TABLES[key]
    return [_multi_word(table, p) for p in parts]


def _multi_word(table: dict[str, str], part: str) -> str:
    key = _word_key(part)
    if key in table:
        return table[key]
    for suffix in HOLDER_SUFFIXES:
        if key.endswith(suffix) and key[:-len(suffix)] in table:
            return table[key[:-len(suffix)]]
    return part  # unknown: the validator lists what is allowed


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
