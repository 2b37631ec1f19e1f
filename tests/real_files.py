"""Files laid out like the rosters schools really have (issue 14), made from fictional pupils.

Every generator takes a ``seed`` and sizes, so a test can make a 45-pupil class, a 787-pupil school
or a 5,000-row file; the pupils (``make_pupils``) are what the tests compare the database against,
never a hard-coded expectation. IDs are valid 18-digit numbers (the check digit computed, the birth
date and the sex digit matching the pupil). The layouts:

- ``xueji_rows``: the 学籍 system's student export (~65 columns, 全国学籍号 G+ID, numbered household
  member blocks 成员1姓名 … 成员1职务, or the provincial 家庭成员1姓名 …; 是否留守儿童 as
  非留守儿童/单亲留守儿童/双亲留守儿童), written as xlsx or as the GBK CSV Excel saves;
- ``mopai_rows``: a 2016 摸底排查 花名册: title rows, a two-row header with merged groups (父亲 over
  姓名/电话/务工地), 班级 merged down a class (blank below the first), footer rows;
- ``teacher_book``: a teacher's own workbook, one sheet per grade plus an empty sheet and a notes
  sheet, in teachers' own spellings (√, 单亲, 父母外出, 奶奶, 王 菊, 401班, phones "a/b", an ID cut by
  Excel to 5.22632E+17 whose 全国学籍号 still holds the digits …).
"""
from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

from models.validation import id_check_char

AREA = "522623"  # a county of 贵州省 (province code 52)
HOME = "贵州省黔东南州施秉县"
GRADE_CN = "一二三四五六七八九"
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
                "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = list("小明红刚美磊芳娟婷菊兰梅杰涛浩宇轩欣怡佳琪俊杰子涵梓萱雨晨思源诗雅文博天佑一诺可馨嘉怡若曦雪")
# where parents work, as teachers and the 学籍 system write them
CITIES = [("广东省", "东莞市"), ("浙江省", "温州市"), ("浙江省", "义乌市"), ("福建省", "厦门市"), ("广东省", "深圳市"),
          ("江苏省", "苏州市"), ("上海市", "浦东新区"), ("浙江省", "宁波市")]
AT_HOME_WORDS = ("务农", "在家", "本地")  # a parent at home, in a work-place column
GONE_WORDS = ("已故", "离异", "不详")  # a parent not away, never a city
GRANDPARENT_WORDS = {"祖父母": ("奶奶", "爷爷", "祖孙", "婆孙"), "外祖父母": ("外公", "外婆")}
RELATIVE_WORDS = ("伯伯", "姑姑", "舅舅", "伯侄")
PARENT_WORDS = {"父亲": ("父子", "爸爸", "父亲"), "母亲": ("母子", "妈妈", "母亲")}


@dataclass
class Parent:
    name: str
    phone: str
    id_number: str
    away: bool
    province: str = ""
    city: str = ""
    home_word: str = ""  # 务农 / 在家 / 已故 … for a parent not away


@dataclass
class Pupil:
    name: str
    sex: str
    birth: dt.date
    id_number: str
    grade: int
    number: int  # the class within the grade
    left_behind_type: str  # the form's word, '' when not left behind
    father: Parent
    mother: Parent
    guardian_name: str
    guardian_relation: str  # the form's word (父亲, 母亲, 祖父母, 外祖父母, 亲戚)
    guardian_word: str  # how a teacher writes it (奶奶, 父子 …)
    guardian_phone: str
    guardian_id: str
    second_phone: str = ""  # a guardian's other phone ("a/b" in a teacher's sheet)
    boarding: bool = False
    ethnicity: str = "汉族"
    address: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def class_name(self) -> str:
        return f"{GRADE_CN[self.grade - 1]}年级{self.number}班"


class _Ids:
    """Unique valid IDs: the birth date in the number, the sex in its 17th digit."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def make(self, born: dt.date, sex: str, area: str = AREA) -> str:
        while True:
            seq = self.rng.randrange(0, 100) * 10 + self.rng.choice((1, 3, 5, 7, 9) if sex == "男" else (0, 2, 4, 6, 8))
            body = f"{area}{born:%Y%m%d}{seq:03d}"
            number = body + id_check_char(body)
            if number not in self.used:
                self.used.add(number)
                return number


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))


def make_pupils(seed: int, n: int, classes: list[tuple[int, int]] | None = None, *,
                today: dt.date = dt.date(2026, 11, 28)) -> list[Pupil]:
    """``n`` fictional pupils spread over ``classes`` ((grade, number); default 四年级1班): about half
    left behind (both parents, the father or the mother away), the rest with both parents home.
    Names are unique within the list, so a test's expectations key on them."""
    rng = random.Random(seed)
    ids = _Ids(rng)
    classes = classes or [(4, 1)]
    names: set[str] = set()
    pupils = []
    for i in range(n):
        grade, number = classes[i * len(classes) // n]
        while True:
            surname = rng.choice(SURNAMES)
            name = surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
            if name not in names:
                names.add(name)
                break
        sex = rng.choice("男女")
        year = today.year - 6 - grade + (1 if today.month < 9 else 0)
        born = dt.date(year, 9, 1) + dt.timedelta(days=rng.randrange(365))
        kind = rng.choice(("父母均外出", "父母均外出", "父亲外出", "母亲外出", "", ""))
        mother_surname = rng.choice(SURNAMES)

        def parent(surname: str, sex_: str, away: bool) -> Parent:
            pname = surname + "".join(rng.choice(GIVEN) for _ in range(2))
            pborn = born - dt.timedelta(days=365 * rng.randint(24, 38))
            p = Parent(pname, _phone(rng), ids.make(pborn, sex_), away)
            if away:
                p.province, p.city = rng.choice(CITIES)
            else:
                p.home_word = rng.choice(AT_HOME_WORDS)
            return p

        father = parent(surname, "男", kind in ("父母均外出", "父亲外出"))
        mother = parent(mother_surname, "女", kind in ("父母均外出", "母亲外出"))
        if kind == "父母均外出":
            relation = rng.choice(("祖父母", "祖父母", "外祖父母", "亲戚"))
            g_surname = mother_surname if relation == "外祖父母" else surname
            g_word = rng.choice(GRANDPARENT_WORDS.get(relation, RELATIVE_WORDS))
            g_name = g_surname + "".join(rng.choice(GIVEN) for _ in range(2))
            g_phone = _phone(rng)
            g_id = ids.make(born - dt.timedelta(days=365 * rng.randint(50, 65)), rng.choice("男女"))
        else:
            at_home = mother if kind == "父亲外出" else father if kind == "母亲外出" else rng.choice((father, mother))
            relation = "父亲" if at_home is father else "母亲"
            g_word = rng.choice(PARENT_WORDS[relation])
            g_name, g_phone, g_id = at_home.name, at_home.phone, at_home.id_number
        pupils.append(Pupil(
            name=name, sex=sex, birth=born, id_number=ids.make(born, sex), grade=grade, number=number,
            left_behind_type=kind, father=father, mother=mother, guardian_name=g_name, guardian_relation=relation,
            guardian_word=g_word, guardian_phone=g_phone, guardian_id=g_id, boarding=rng.random() < 0.3,
            ethnicity=rng.choice(("汉族", "汉族", "苗族", "侗族")),
            address=f"{HOME}城关镇{rng.choice('石门青山白岩')}村{rng.randint(1, 9)}组"))
    return pupils


def classes_of(pupils: list[Pupil]) -> list[tuple[int, int]]:
    return sorted({(p.grade, p.number) for p in pupils})


def school_classes(n_classes: int) -> list[tuple[int, int]]:
    """A school's classes: grades 1..6, as many classes per grade as needed."""
    per = -(-n_classes // 6)
    return [(g, k) for g in range(1, 7) for k in range(1, per + 1)][:n_classes]


# --- the 学籍 system's export ---------------------------------------------------------------

XUEJI_BASE = ["姓名", "性别", "出生日期", "出生地", "籍贯", "民族", "国籍/地区", "身份证件类型", "身份证件号",
              "港澳台侨外", "健康状况", "政治面貌", "姓名拼音", "曾用名", "户口所在地", "户口性质", "入学年月",
              "入学方式", "就读方式", "现住址", "联系电话", "是否独生子女", "是否留守儿童", "是否进城务工人员随迁子女",
              "是否孤儿", "全国学籍号", "学校名称", "年级", "班级"]
MEMBER_SUBS = ["姓名", "关系", "关系说明", "现住址", "户口所在地", "联系电话", "是否监护人", "身份证件类型",
               "身份证件号", "民族", "工作单位", "职务"]
XUEJI_KIND = {"": "非留守儿童", "父母均外出": "双亲留守儿童", "父亲外出": "单亲留守儿童", "母亲外出": "单亲留守儿童"}
XUEJI_RELATION = {"祖父母": ("祖父", "祖母"), "外祖父母": ("外祖父", "外祖母"), "亲戚": ("其他亲属",)}
HEALTH = ("健康或良好", "健康或良好", "一般或较弱", "有慢性病")


def xueji_header(provincial: bool = False, members: int = 3) -> list[str]:
    prefix = "家庭成员" if provincial else "成员"
    return XUEJI_BASE + [f"{prefix}{k}{s}" for k in range(1, members + 1) for s in MEMBER_SUBS]


def _member(rng: random.Random, p: Pupil, who: str) -> list[str]:
    if who in ("父亲", "母亲"):
        parent = p.father if who == "父亲" else p.mother
        where = f"{parent.province}{parent.city}{rng.choice('长安镇 城西区 工业园'.split())}" if parent.away else p.address
        work = (f"{parent.city}{rng.choice(('电子厂', '制衣厂', '建筑工地', '物流公司'))}" if parent.away
                else rng.choice(("务农", "", "在家")))
        guardian = p.guardian_relation == who
        return [parent.name, who, "", where, HOME, parent.phone, "是" if guardian else "否", "居民身份证",
                parent.id_number, "汉族", work, ""]
    relation = rng.choice(XUEJI_RELATION[p.guardian_relation])
    return [p.guardian_name, relation, p.guardian_word, p.address, HOME, p.guardian_phone, "是", "居民身份证",
            p.guardian_id, "汉族", "务农", ""]


def xueji_rows(pupils: list[Pupil], *, seed: int = 0, provincial: bool = False,
               school: str = "施秉县城关第一小学") -> list[list]:
    """The export as rows: the header, then one row per pupil, members in a shuffled order (the
    system lists them as entered: never assume 成员1 is the father)."""
    rng = random.Random(seed)
    rows: list[list] = [xueji_header(provincial)]
    for p in pupils:
        who = ["父亲", "母亲"] + (["监护人"] if p.guardian_relation not in ("父亲", "母亲") else [])
        rng.shuffle(who)
        members = [cell for w in who for cell in _member(rng, p, w)]
        members += [""] * (3 * len(MEMBER_SUBS) - len(members))
        base = [p.name, p.sex, p.birth.isoformat(), HOME, "贵州施秉", p.ethnicity, "中国", "居民身份证", p.id_number,
                "否", rng.choice(HEALTH), "少先队员", "", "", HOME, rng.choice(("农业户口", "非农业户口")),
                f"{p.birth.year + 6}09", "就近入学", "住校" if p.boarding else "走读", p.address, p.guardian_phone,
                "否", XUEJI_KIND[p.left_behind_type], "否", "否", "G" + p.id_number, school,
                f"{GRADE_CN[p.grade - 1]}年级", f"({p.number})班"]
        rows.append(base + members)
    return rows


# --- the 2016 摸底排查 花名册 ------------------------------------------------------------------

MOPAI_TOP = ["序号", "班级", "姓名", "性别", "出生日期", "身份证号", "家庭住址", "留守类型", "父亲", "", "",
             "母亲", "", "", "委托监护人", "", "", "备注"]
MOPAI_SUB = ["", "", "", "", "", "", "", "", "姓名", "联系电话", "务工地", "姓名", "联系电话", "务工地",
             "姓名", "与儿童关系", "联系电话", ""]
MOPAI_KIND = {"父母均外出": "父母双方外出", "父亲外出": "父亲外出", "母亲外出": "母亲外出", "": "否"}


def mopai_rows(pupils: list[Pupil], *, seed: int = 0) -> tuple[list[list], list[tuple[int, int, int, int]]]:
    """The 花名册 as a CSV saved from Excel has it (merged cells: the value in the first cell only),
    and the merged ranges (row, col, last row, last col; 0-based) the xlsx has."""
    rng = random.Random(seed)
    rows: list[list] = [["施秉县2016年农村留守儿童摸底排查花名册"], ["填报单位: 城关第一小学", "", "", "",
                                                              "填报时间: 2016年9月"], MOPAI_TOP, MOPAI_SUB]
    merges = [(0, 0, 0, 17), (2, 8, 2, 10), (2, 11, 2, 13), (2, 14, 2, 16)]
    merges += [(2, c, 3, c) for c in (0, 1, 2, 3, 4, 5, 6, 7, 17)]
    current = None
    start = len(rows)
    for i, p in enumerate(pupils, 1):
        if p.class_name != current:
            if current is not None and len(rows) - 1 > start:
                merges.append((start, 1, len(rows) - 1, 1))
            current, start = p.class_name, len(rows)
            cls = p.class_name
        else:
            cls = ""  # merged down the class: blank in the CSV
        def work(parent: Parent) -> str:
            return f"{parent.province}{parent.city}" if parent.away else rng.choice(AT_HOME_WORDS)

        rows.append([str(i), cls, p.name, p.sex, p.birth.strftime("%Y.%m.%d"), p.id_number, p.address,
                     MOPAI_KIND[p.left_behind_type], p.father.name, p.father.phone, work(p.father), p.mother.name,
                     p.mother.phone, work(p.mother), p.guardian_name, p.guardian_word, p.guardian_phone, ""])
    if len(rows) - 1 > start:
        merges.append((start, 1, len(rows) - 1, 1))
    rows.append(["注: 留守类型填 父母双方外出、父亲外出、母亲外出 或 否"])
    rows.append(["填表人: 罗老师", "", "", "", "审核人: 潘校长"])
    rows.append(["合计", "", f"{len(pupils)}人"])
    return rows, merges


# --- a teacher's own workbook -----------------------------------------------------------------

TEACHER_HEADER = ["序号", "姓名", "性别", "出生日期", "身份证号", "全国学籍号", "班级", "是否留守", "留守情况", "父亲姓名",
                  "父亲务工地", "母亲姓名", "母亲务工地", "监护人", "关系", "联系电话", "住校", "备注"]
TEACHER_KIND = {"父母均外出": ("父母外出", "父母均在外务工", "双亲留守"), "父亲外出": ("单亲",), "母亲外出": ("单亲",)}
CLASS_SPELLINGS = ("{g}0{n}班", "{gc}{n}班", "{g}.{n}班", "{gc}年级{nc}班")


def teacher_rows(pupils: list[Pupil], *, seed: int = 0, cut_id: bool = True, header_like_first: bool = True
                 ) -> list[list]:
    """One sheet of a teacher's workbook. The first pupil's row holds cells that are also column
    names (住校, 父亲) when ``header_like_first``; one ID (the second pupil's) is stored as Excel cuts
    a long number (a float: 5.22632E+17) with the digits still in 全国学籍号 when ``cut_id``."""
    rng = random.Random(seed)
    rows: list[list] = [[f"{GRADE_CN[pupils[0].grade - 1]}年级留守儿童名单"], TEACHER_HEADER]
    for i, p in enumerate(pupils):
        name = p.name
        if len(name) == 2 and i % 5 == 1:
            name = name[0] + rng.choice((" ", "\u3000", "  ")) + name[1]  # 王 菊, 罗　婷
        id_cell: object = p.id_number
        if i % 7 == 3:
            id_cell = f"{p.id_number[:6]} {p.id_number[6:14]} {p.id_number[14:]}"
        if cut_id and i == 1:
            id_cell = float(p.id_number[:17] if p.id_number[-1] == "X" else p.id_number)
        cls = rng.choice(CLASS_SPELLINGS).format(g=p.grade, n=p.number, gc=GRADE_CN[p.grade - 1],
                                                 nc=GRADE_CN[p.number - 1])

        def work(parent: Parent) -> str:
            if parent.away:
                return rng.choice((parent.city, parent.province + parent.city, parent.province[:2] + parent.city[:2]))
            guardian = parent.name == p.guardian_name
            return rng.choice(AT_HOME_WORDS if guardian else AT_HOME_WORDS + GONE_WORDS)

        flag = "√" if p.left_behind_type else ""
        kind = rng.choice(TEACHER_KIND[p.left_behind_type]) if p.left_behind_type else ""
        phone = p.guardian_phone + (f"/{p.second_phone}" if p.second_phone else "")
        relation = p.guardian_word
        boarding = "住校" if p.boarding else ""
        if header_like_first and i == 0:
            relation, boarding = ("父亲" if p.guardian_relation == "父亲" else relation), "住校"
        rows.append([str(i + 1), name, p.sex, p.birth.isoformat(), id_cell, "G" + p.id_number, cls, flag, kind,
                     p.father.name, work(p.father), p.mother.name, work(p.mother), p.guardian_name, relation,
                     phone, boarding, ""])
    return rows


def teacher_pupils(seed: int, per_grade: int = 14, grades: tuple[int, ...] = (4, 5)) -> list[Pupil]:
    """The pupils of a teacher's workbook: a class per grade; the first pupil boards and is in
    the father's care (mother away), some guardians have a second phone."""
    pupils = make_pupils(seed, per_grade * len(grades), [(g, 1) for g in grades])
    rng = random.Random(seed)
    for p in pupils:
        if rng.random() < 0.2:
            p.second_phone = _phone(rng)
    first = pupils[0]
    first.boarding = True
    if first.guardian_relation != "父亲":  # make the first pupil's guardian the father, the mother away
        first.left_behind_type = "母亲外出"
        first.father.away, first.father.home_word, first.father.province, first.father.city = False, "务农", "", ""
        first.mother.away, first.mother.province, first.mother.city = True, *CITIES[1]
        first.guardian_name, first.guardian_phone, first.guardian_id = (first.father.name, first.father.phone,
                                                                        first.father.id_number)
        first.guardian_relation, first.guardian_word = "父亲", "父亲"
    return pupils


# --- writing -----------------------------------------------------------------------------------

def write_xlsx(path: Path, sheets: dict[str, list[list]], merges: dict[str, list] | None = None) -> Path:
    """A workbook as Excel writes it: text cells as text (IDs included), floats as numbers."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    for title, rows in sheets.items():
        ws = wb.add_worksheet(title)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, float):
                    ws.write_number(r, c, value)
                elif value not in ("", None):
                    ws.write_string(r, c, str(value))
        for (r1, c1, r2, c2) in (merges or {}).get(title, []):
            ws.merge_range(r1, c1, r2, c2, str(rows[r1][c1]) if c1 < len(rows[r1]) else "")
    wb.close()
    return path


def write_csv(path: Path, rows: list[list], encoding: str = "gbk") -> Path:
    """As Excel's "CSV (逗号分隔)" saves on Chinese Windows: GBK, a float shown as Excel shows it."""
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        for row in rows:
            w.writerow([f"{v:.6G}" if isinstance(v, float) else v for v in row])
    return path


def teacher_book(seed: int, per_grade: int = 14, grades: tuple[int, ...] = (4, 5)
                 ) -> tuple[dict[str, list[list]], list[Pupil]]:
    """The workbook's sheets (one per grade, a notes sheet, an empty Sheet3) and its pupils."""
    pupils = teacher_pupils(seed, per_grade, grades)
    sheets: dict[str, list[list]] = {}
    for g in grades:
        mine = [p for p in pupils if p.grade == g]
        sheets[f"{GRADE_CN[g - 1]}年级"] = teacher_rows(mine, seed=seed + g, cut_id=g == grades[0],
                                                     header_like_first=g == grades[0])
    sheets["说明"] = [["本表由班主任填写, 每学期开学后一周内交教导处"], ["联系人: 罗老师"]]
    sheets["Sheet3"] = []
    return sheets, pupils
