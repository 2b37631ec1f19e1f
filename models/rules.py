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
    "county": "县",
    "township": "乡镇",
}

PAIRING_KINDS = ("帮扶教师", "爱心妈妈", "学习帮手", "党员干部")
# appended, never inserted: the talk entry's pick list numbers them in this order
CONTACT_KINDS = ("谈心", "家长电话", "家访", "亲情电话", "亲情书信", "心理辅导", "监护人座谈", "学业辅导")
MOODS = ("开心", "平静", "低落", "焦虑", "生气")
CONCERNS = ("学业", "心理", "安全", "健康", "生活")
# 强制报告: the statutory situations a teacher must report (《关于建立侵害未成年人案件强制报告制度的意见
# (试行)》, 未成年人保护法 2021), suspicion included; and the two ways a report reaches the police
REPORT_SITUATIONS = ("非正常损伤", "家庭暴力", "欺凌", "虐待", "性侵害", "遗弃", "脱离监护单独居住或失踪",
                     "监护人丧失或不履行监护责任")
REPORT_PATHS = {"公安": "已向公安报告", "学校": "已报告校长, 由学校报告"}
# Words in a talk that should make the teacher think of a report; each with the everyday
# compounds that do not mean harm (打电话 is not 打, 伤心 is not 伤)
REPORT_SIGNS = {
    "打": ("打电话", "打扫", "打球", "打工", "打针", "打算", "打开", "打招呼", "打印", "打卡", "打字", "打扮",
          "打听", "打雷", "打折", "打游戏", "打篮球", "打乒乓", "打羽毛球", "打水", "打饭", "打拼", "打气",
          "打喷嚏", "打哈欠", "打呼", "打扰", "打车", "打包", "打理", "打闹", "打架子鼓", "打牌"),
    "淤青": (), "青紫": (), "伤": ("伤心", "悲伤", "忧伤", "感伤", "伤感", "伤脑筋", "哀伤"),
    "不敢回家": (), "独自居住": (), "一个人住": (), "没人管": (), "失联": (), "联系不上": (),
    "离家出走": (), "欺负": (), "虐待": (), "性侵": (), "猥亵": (), "遗弃": (),
    "挨饿": (),
}
GUARDIANSHIP_PROBLEMS = ("无人监护", "监护情况差")  # 监护类型 / 监护情况评估 that open a 监护干预
INTERVENTION_RECHECK_DAYS = 7

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

# 控辍保学 (dropout prevention): why a child is absent; how a 劝返 (persuading back) was tried
ABSENCE_REASONS = ("病假", "事假", "无故缺课", "其他")
PERSUADE_METHODS = ("家访", "电话", "约谈")
PERSUADE_OUTCOMES = ("有效", "无效")
DROPOUT_MIN_DAYS = 4  # absent on more than 3 consecutive school days opens a 辍学风险 case
DROPOUT_VISIT_DAYS = 3  # the class teacher's 家访 is due this many days after the case opened
DROPOUT_FAILED_ATTEMPTS = 3  # 劝返无效 this many times: a 书面报告 to the township (setting dropout.failed_attempts)
