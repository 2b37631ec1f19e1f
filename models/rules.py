"""The fixed vocabularies of the care plan and the registration form (FORMS.md).

Forms offer exactly these choices; the validators accept only these values.
"""
from __future__ import annotations

SEXES = ("男", "女")
STATUSES = ("在读", "转出", "毕业", "辍学")
LEFT_SCHOOL = ("转出", "毕业", "辍学")
LEFT_BEHIND_TYPES = ("父母均外出", "父亲外出", "母亲外出", "一方外出另一方无监护能力", "其他")
# 与儿童关系: a parent at home is the guardian when the other is away (one of the 留守 kinds)
GUARDIAN_RELATIONS = ("父亲", "母亲", "祖父母", "外祖父母", "亲戚", "其他")
GUARDIANSHIP_TYPES = ("无人监护", "父或母无监护能力", "受委托监护人监护能力不足", "监护情况一般", "监护情况较好")
GUARDIANSHIP_GRADES = ("较好", "一般", "差")
EDUCATION_LEVELS = ("文盲", "小学", "初中", "高中", "中专", "大专及以上")
INCOME_SOURCES = ("打工收入", "种养殖业", "政府救助", "亲朋接济", "其他")
AID_KINDS = ("低保", "临时救助", "医疗救助", "住房救助", "其他救助")
HEALTH_STATES = ("健康", "残疾", "患病")
SCHOOLING = ("幼儿园", "未入园", "小学", "初中", "高中", "中职", "辍学", "不在学")
ACADEMIC_GROUPS = ("优秀", "良好", "中等", "待提高")
PARENT_RELATIONS = ("父亲", "母亲")
GRANDPARENT_RELATIONS = ("祖父", "祖母", "外祖父", "外祖母")  # the national form's order

STAFF_ROLES = {
    "admin": "管理员",
    "head": "校长",
    "class_teacher": "班主任",
    "teacher": "任课教师",
    "counselor": "心理咨询室教师",
    "volunteer": "志愿者",
}

PAIRING_KINDS = ("帮扶教师", "爱心妈妈", "学习帮手", "党员干部")
CONTACT_KINDS = ("谈心", "家长电话", "家访", "亲情电话", "亲情书信", "心理辅导", "监护人座谈")
MOODS = ("开心", "平静", "低落", "焦虑", "生气")
CONCERNS = ("学业", "心理", "安全", "健康", "生活")
EVENT_KINDS = ("活动", "会议", "讲座", "培训", "检查", "节日活动")

GRADE_NAMES = ("一", "二", "三", "四", "五", "六", "七", "八", "九")


def classroom_name(grade: int, number: int) -> str:
    return f"{GRADE_NAMES[grade - 1]}年级{number}班"


def short_class(name: str) -> str:
    """三年级2班 -> 3年2班: the grade as a digit keeps a column narrow (lists, the pairing board)."""
    for i, g in enumerate(GRADE_NAMES, start=1):
        if name.startswith(f"{g}年级"):
            return f"{i}年{name[3:]}"
    return name
