"""The child record's fields, described once: label, kind, choices, limits, required, masking, headers.

The national 登记表 (FORMS.md) names the fields; the child form, its validation, the 建档率, the
masking of numbers and the roster importer all read this one table instead of keeping their own
copies. Column lengths come from the model, so a migration that widens a column widens the check.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models import rules
from models.entities import Child

TEXT, NAME, DATE, ID, PHONE, STUDENT_NO, CHOICE, MULTI, BOOL, LINK, NOTES = (
    "text", "name", "date", "id", "phone", "student_no", "choice", "multi", "bool", "link", "notes")


@dataclass(frozen=True)
class ChildField:
    name: str  # the Child column (and the form's key)
    label: str  # the national form's words
    kind: str = TEXT
    choices: tuple[str, ...] = ()
    group: str = ""  # the child form's section
    form_label: str = ""  # a shorter label inside its form section, when the section says the rest
    hint: str = ""  # the form's placeholder
    required: str = ""  # the form refuses an empty value with this message
    filing: bool = False  # required for the 档案 to count towards 建档率
    new_default: Any = None  # a new child's value
    synonyms: tuple[str, ...] = ()  # more headers a roster file may give the column (the label is one)

    @property
    def max_length(self) -> int | None:
        return getattr(Child._meta.fields[self.name], "max_length", None)

    @property
    def masked(self) -> bool:
        """Shown masked (``models.masking``) to whoever may not unmask the child's numbers."""
        return self.kind in (ID, PHONE, STUDENT_NO)


# 困境儿童 (国发〔2016〕36号: 家庭贫困, 自身残疾, 监护缺失或监护不当; 民政: 孤儿, 事实无人抚养儿童; 重病):
# a child may be in several; the report pack counts each category and the distinct children.
DIFFICULTY_CATEGORIES = ("贫困", "残疾", "重病", "监护缺失或不当", "孤儿", "事实无人抚养", "其他")

_BASIC, _SCHOOL, _CARE, _INCOME, _SPECIAL, _PERSONAL = (
    "儿童基本情况", "学籍", "实际监护情况", "家庭收入与救助", "三特生与帮扶", "个人情况")

# In the order of the national form; the child form shows them in this order within its sections.
FIELDS: tuple[ChildField, ...] = (
    ChildField("name", "姓名", NAME, group=_BASIC, required="请填写姓名", filing=True,
               synonyms=("学生姓名", "儿童姓名", "幼儿姓名", "留守儿童姓名", "孩子姓名", "名字", "学生", "儿童")),
    ChildField("sex", "性别", CHOICE, rules.SEXES, group=_BASIC, required="请选择性别", filing=True),
    ChildField("ethnicity", "民族", group=_BASIC, hint="如 汉族", filing=True, new_default="汉族"),
    ChildField("birth_date", "出生日期", DATE, group=_BASIC, hint="如 2015-03-02", required="请填写出生日期",
               filing=True, synonyms=("出生年月", "出生年月日", "生日", "出生时间")),
    ChildField("id_number", "身份证号", ID, group=_BASIC, hint="18位, 可不填; 填后自动带出生日期和性别", filing=True,
               synonyms=("身份证号码", "公民身份证号码", "公民身份证号", "身份证", "证件号码", "证件号",
                         "身份证件号", "身份证件号码")),
    ChildField("hukou_registered", "是否登记户口", BOOL, group=_BASIC, new_default=True,
               synonyms=("是否有户口", "户口登记")),
    ChildField("hukou_place", "户籍所在地", group=_BASIC, filing=True,
               synonyms=("户籍地", "户口所在地", "户籍地址", "户籍")),
    ChildField("address", "现居住地", group=_BASIC, hint="乡镇 村 组", filing=True,
               synonyms=("家庭住址", "居住地", "家庭地址", "现住址", "住址", "现居住地址", "村组",
                         "家庭住址村组", "家庭住址/村组", "居住地址", "所在村组")),
    ChildField("health", "身体情况", CHOICE, rules.HEALTH_STATES, group=_BASIC, new_default="健康",
               synonyms=("健康状况", "身体状况", "健康情况")),
    ChildField("disability", "残疾类别及等级", group=_BASIC, hint="残疾或残障时填写",
               synonyms=("残疾类别", "残疾情况", "残障", "残疾类型", "残疾等级")),
    ChildField("illness", "患病类型", group=_BASIC, hint="患病时填写",
               synonyms=("疾病", "患病情况", "疾病类型", "所患疾病")),
    ChildField("boarding", "是否寄宿", BOOL, group=_BASIC, form_label="是否学校寄宿",
               synonyms=("是否学校寄宿", "寄宿", "是否住校", "住校", "是否寄宿生", "寄宿生", "就读方式")),
    ChildField("schooling", "就学情况", CHOICE, rules.SCHOOLING, group=_BASIC, new_default="小学",
               synonyms=("就学状况", "就读情况")),
    ChildField("student_no", "学籍号", STUDENT_NO, group=_SCHOOL, hint="G/J/L 开头共19位, 可不填", filing=True,
               synonyms=("全国学籍号", "学籍编号", "学生学籍号", "学籍号码")),
    ChildField("classroom", "班级", LINK, group=_SCHOOL, filing=True,
               synonyms=("年级班级", "所在班级", "就读班级", "班别", "年级班别", "班级名称")),
    ChildField("status", "在校状态", CHOICE, rules.STATUSES, group=_SCHOOL, required="请选择在校状态",
               new_default="在读", synonyms=("学籍状态", "在读状态", "状态")),
    ChildField("status_date", "离校日期", DATE, group=_SCHOOL, hint="转出、毕业、辍学时填写"),
    ChildField("bus_route", "乘坐校车", LINK, group=_SCHOOL),
    ChildField("left_behind_type", "留守类型", CHOICE, rules.LEFT_BEHIND_TYPES, group=_CARE, filing=True,
               synonyms=("留守情况", "留守儿童类型", "留守儿童类别", "留守类别")),
    ChildField("guardian_name", "委托监护人", NAME, group=_CARE, filing=True,
               synonyms=("监护人", "监护人姓名", "委托监护人姓名", "实际监护人", "实际监护人姓名",
                         "临时监护人", "临时监护人姓名", "代理家长")),
    ChildField("guardian_relation", "与儿童关系", CHOICE, rules.GUARDIAN_RELATIONS, group=_CARE, filing=True,
               synonyms=("与被监护人关系", "监护人关系", "与学生关系", "与孩子关系", "监护人与儿童关系",
                         "监护人与学生关系", "关系")),
    ChildField("guardian_phone", "监护人电话", PHONE, group=_CARE, filing=True,
               synonyms=("监护人联系电话", "联系电话", "电话", "联系方式", "家长电话", "家长联系电话",
                         "监护人手机", "手机号码", "手机")),
    ChildField("guardian_id_number", "监护人身份证号", ID, group=_CARE, form_label="监护人身份证",
               synonyms=("监护人身份证号码", "监护人公民身份证号码", "监护人身份证")),
    ChildField("guardian_education", "监护人文化程度", CHOICE, rules.EDUCATION_LEVELS, group=_CARE,
               form_label="文化程度", synonyms=("文化程度", "监护人学历")),
    ChildField("guardian_address", "监护人居住地址", group=_CARE, form_label="居住地址",
               synonyms=("监护人住址", "监护人地址", "监护人居住地地址", "居住地地址")),
    ChildField("guardianship_type", "监护类型", CHOICE, rules.GUARDIANSHIP_TYPES, group=_CARE, filing=True,
               synonyms=("监护方式",)),
    # 监护情况 较好/一般/差 is the form's assessment (FORMS.md), not the 监护类型
    ChildField("guardianship_grade", "监护情况评估", CHOICE, rules.GUARDIANSHIP_GRADES, group=_CARE,
               synonyms=("监护评估", "监护情况评价", "监护情况")),
    ChildField("income_sources", "家庭收入来源", MULTI, rules.INCOME_SOURCES, group=_INCOME,
               synonyms=("收入来源", "家庭主要收入来源")),
    ChildField("aid_received", "享受救助情况", MULTI, rules.AID_KINDS, group=_INCOME,
               synonyms=("救助情况", "享受救助", "享受政策", "救助类型")),
    ChildField("hardship", "特困", BOOL, group=_SPECIAL,
               synonyms=("是否特困", "特困生", "是否特困生", "困难", "家庭困难")),
    ChildField("talent", "特长", group=_SPECIAL, hint="有特长时填写, 如 书法", synonyms=("特长生", "兴趣特长")),
    ChildField("key_target", "重点帮扶对象", BOOL, group=_SPECIAL,
               synonyms=("是否重点帮扶对象", "重点帮扶", "是否重点")),
    ChildField("difficulty", "困境类别", MULTI, DIFFICULTY_CATEGORIES, group=_SPECIAL,
               synonyms=("困境儿童类别", "困境儿童类型", "困境类型", "困境儿童")),
    ChildField("academic_group", "学业分组", CHOICE, rules.ACADEMIC_GROUPS, group=_SPECIAL,
               synonyms=("学习分组", "学业")),
    ChildField("personality", "性格特征", group=_PERSONAL, synonyms=("性格",)),
    ChildField("hobbies", "兴趣爱好", group=_PERSONAL, synonyms=("爱好",)),
    ChildField("notes", "备注", NOTES, group=_PERSONAL, synonyms=("说明", "其他情况")),
)
BY_NAME: dict[str, ChildField] = {f.name: f for f in FIELDS}
LABELS: dict[str, str] = {f.name: f.label for f in FIELDS}
# 建档率: the fields a left-behind child's 档案 must have (the inspector counts 身份证号 too).
FILING_FIELDS: dict[str, str] = {f.name: f.label for f in FIELDS if f.filing}
MASKED_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.masked)


def of_kind(*kinds: str) -> tuple[str, ...]:
    return tuple(f.name for f in FIELDS if f.kind in kinds)
