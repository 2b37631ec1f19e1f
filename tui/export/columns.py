"""The columns of the handbook's tables (the sheets after 汇总): label, width, kind and where each cell's
value comes from in ``models.handbook``'s rows. Widths: each table fits A4 landscape at 100 % (``fits``;
``fit_columns`` narrows the wrapped ones if not)."""
from __future__ import annotations

from tui.export.cells import Col, yes

# The national 登记表 (FORMS.md) in two printed parts, each readable on A4 landscape at 100 %: the
# school's own columns (档案缺项, 乘车, 三特生) are on the screens, not on this official copy.
REGISTRATION = [  # 一、儿童
    Col("姓名", 7, "center", "name"),
    Col("性别", 3.5, "center", "sex"),
    Col("民族", 5, "center", "ethnicity"),
    Col("出生日期", 10.5, "date", "birth_date"),
    Col("公民身份证号码", 19.5, "code", "id_number"),
    Col("是否登记户口", 5, "center", "hukou_registered"),
    Col("户籍所在地", 13, "wrap", "hukou_place"),
    Col("现居住地", 13, "wrap", "address"),
    Col("身体情况 (残疾类别及等级 / 患病类型)", 10, "wrap", "health"),
    Col("是否学校寄宿", 5, "center", "boarding"),
    Col("就学情况", 5, "center", "schooling"),
    Col("班级", 9, "center", "class_name"),
    Col("留守类型", 9, "wrap", "left_behind_type"),
]

REGISTRATION_FAMILY = [  # 二、家庭与实际监护情况
    Col("姓名", 7, "center", "name"),
    Col("祖父、祖母、外祖父、外祖母 (姓名 出生日期)", 17, "wrap", "grandparents"),
    Col("父亲 (姓名、出生日期、身份证号、务工地点、电话、外出时间)", 17, "wrap", "father_detail"),
    Col("母亲 (同左)", 17, "wrap", "mother_detail"),
    Col("父母双方同时外出", 5.5, "center", "both_away"),
    Col("一方外出、另一方无监护能力", 7, "wrap", "one_away_other_unable"),
    Col("委托监护人 (姓名 关系、电话、身份证号、居住地址)", 17, "wrap", "guardian_detail"),
    Col("监护类型", 8, "wrap", "guardianship_type"),
    Col("监护情况评估", 5, "center", "guardianship_grade"),
    Col("家庭收入来源", 8.5, "wrap", "income_sources"),
    Col("享受救助情况", 8.5, "wrap", "aid_received"),
]

REGISTRATION_SIGN = "单位负责人: __________    复核人: __________    填表人: __________    填表日期: ______年____月____日"

PAIRINGS = [
    Col("姓名", 8, "center", "child_name"),
    Col("班级", 10, "center", "class_name"),
    Col("帮扶类型", 9, "center", "kind"),
    Col("帮扶人", 9, "center", "helper"),
    Col("结对日期", 11, "date", "started_on"),
    Col("帮扶时间", 14, "wrap", "plan_time"),
    Col("帮扶内容", 34, "wrap", "plan_content"),
    Col("阶段性成果", 26, "wrap", "plan_results"),
    Col("本月联系次数", 8, "int", lambda r: "—" if r.contacts is None else r.contacts),
]

# Widths: each table fits A4 landscape at 100 % (``fits``; ``fit_columns`` narrows the wrapped ones if not); the month is
# in every title, so a time is printed as 11-05 09:30.
TALKS = [
    Col("时间", 11, "daytime", "at"),
    Col("学生姓名", 7, "center", "child_name"),
    Col("班级", 9, "center", "class_name"),
    Col("性别", 3.5, "center", "sex"),
    Col("教师姓名", 7, "center", "staff_name"),
    Col("类别", 6.5, "center", "kind"),
    Col("地点", 7, "wrap", "place"),
    Col("交流谈心的内容", 34, "wrap", "content"),
    Col("交谈后效果", 14, "wrap", "effect"),
    Col("情绪", 4.5, "center", "mood"),
    Col("关注", 6, "wrap", "concerns"),
    Col("跟进", 13, "wrap", "follow_up_text"),
    Col("完成", 4, "center", lambda r: yes(r.reached)),
]

LETTER_KINDS = ("亲情书信",)  # a letter is neither answered nor timed: those cells stay empty

PARENT_CONTACTS = [
    Col("时间", 11, "daytime", "at"),
    Col("学生姓名", 8, "center", "child_name"),
    Col("班级", 10, "center", "class_name"),
    Col("类别", 9, "center", "kind"),
    Col("联系对象", 9, "center", "callee"),
    Col("接通", 4, "center", lambda r: "" if r.kind in LETTER_KINDS else yes(r.reached)),
    Col("时长(分)", 6, "int", lambda r: None if r.kind in LETTER_KINDS else r.minutes),
    Col("内容", 35, "wrap", "content"),
    Col("交谈后效果", 11, "wrap", "effect"),
    Col("跟进", 16, "wrap", "follow_up_text"),
    Col("教师", 8, "center", "staff_name"),
]

# The 家访手记 in the paper's order; a 家访's content is its 孩子表现. 交谈后效果 is not on that paper,
# but the talk entry offers it for every kind, and what a teacher typed is printed.
HOME_VISITS = [
    Col("家访时间", 11, "daytime", "at"),
    Col("家访教师", 6.5, "center", "staff_name"),
    Col("孩子姓名", 6.5, "center", "child_name"),
    Col("年龄", 3.5, "int", "age"),
    Col("所属班级", 7.5, "center", "class_name"),
    Col("监护人信息 (姓名 关系、联系方式)", 11, "wrap",
        lambda r: "\n".join(v for v in (r.guardian, r.guardian_phone) if v)),
    Col("家庭住址", 8, "wrap", "address"),
    Col("家庭成员情况", 9.5, "wrap", "family_members"),
    Col("生活环境", 10, "wrap", "living_conditions"),
    Col("孩子表现", 13, "wrap", "content"),
    Col("教育需求", 10, "wrap", "education_needs"),
    Col("家长反馈", 9.5, "wrap", "parent_feedback"),
    Col("后续计划", 9, "wrap", "follow_up_text"),
    Col("交谈后效果", 9, "wrap", "effect"),
    Col("完成", 4, "center", lambda r: yes(r.reached)),
]

# The 谈心记录单's tutoring variant (学业辅导) in the paper's order: 帮教措施 is the session's content, its
# 效果 the 交谈后效果 (阶段性效果 of the 学习帮扶计划).
TUTORING = [
    Col("辅导时间", 11, "daytime", "at"),
    Col("辅导地点", 8, "wrap", "place"),
    Col("辅导学生", 7, "center", "child_name"),
    Col("班级", 9, "center", "class_name"),
    Col("辅导教师", 7, "center", "staff_name"),
    Col("学生存在问题", 20, "wrap", "problems"),
    Col("帮教措施", 28, "wrap", "content"),
    Col("帮教资料", 13, "wrap", "materials"),
    Col("效果", 12, "wrap", "effect"),
    Col("跟进", 11, "wrap", "follow_up_text"),
]

ACTIVITIES = [
    Col("日期", 10.5, "date", "day"),
    Col("结束日期", 10.5, "date", "end"),
    Col("时间", 6, "time", "time"),
    Col("活动名称", 22, "wrap", "title"),
    Col("类别", 6, "center", "kind"),
    Col("地点", 10, "wrap", "place"),
    Col("组织者", 8, "wrap", "organiser"),
    Col("参与学生人数", 5, "int", "participants"),
    Col("参与学生", 32, "wrap", "names"),
    Col("备注", 16, "wrap", "notes"),
]

OPEN_DUTIES = [
    Col("状态", 6, "center", "status"),
    Col("姓名", 8, "center", "child_name"),
    Col("班级", 10, "center", "class_name"),
    Col("事项", 12, "center", "rule_name"),
    Col("类别", 8, "center", "contact_kind"),
    Col("到期日", 11, "date", "due"),
    Col("逾期天数", 6, "int", lambda d: d.days_overdue or ""),
    Col("上次完成", 11, "date", "last_met"),
    Col("帮扶/爱心妈妈", 14, "wrap", "helper"),
]
