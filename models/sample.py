"""The demo school: one rural primary school with its left-behind children, made up.

``build_sample(path)`` writes a new SQLite file (what ``guanai sample`` and the committed
``sample.db`` use); ``load_sample()`` fills whatever database is open (a PostgreSQL
county server too). Everything comes from ``random.Random(seed)`` and fixed dates, so
the same arguments give the same rows, byte for byte: no ``now()``, no ``today()``, no
iteration over sets, and every timestamp set explicitly.

The school follows the care plan in the seed: about 42% of the pupils are
left-behind and have full 档案; the others have the light 学籍 record. The talk log
covers the autumn term 2026-09-01 .. 2026-11-27 (the demo's "today" is 2026-11-28).
All names, ID numbers and phone numbers are invented; the area code 522739 belongs
to no real county, so no ID number here can be a real person's.

A county: more than ``COUNTY_THRESHOLD`` children become several schools of about
``SCHOOL_SIZE`` pupils (20,000 -> 50 schools, the first one the demo school's name and
logins), each with its own classes, staff, pairings, events and talk log. ``months=M``
logs the M months up to 2026-11-27 instead of the autumn term (winter and summer
holidays have no school days; first-graders start on 2026-09-01): 12 months of a
20,000-child county is about a million contacts. A county is written with one prepared
``executemany`` per table and batch inside one transaction, its contact indexes built
after the rows, and pinyin computed once per distinct name.
"""
from __future__ import annotations

import bisect
import datetime as dt
import math
import os
import random
from dataclasses import dataclass, field
from typing import Callable

import peewee as pw

from models import db as dbmod
from models import files, rules, schema, terms
from models.entities import (
    ALL_MODELS, Absence, AttentionDecision, Attendance, BusRoute, Child, Classroom, Contact, DropoutAttempt, DropoutCase,
    Event, Grandparent, Intervention, Pairing, Parent, Report, School, Setting, Staff, TeachingAssignment, join_multi,
)
from models.pinyin import pinyin_keys
from models.validation import id_check_char

Progress = Callable[[str, float], None]

DEFAULT_CHILDREN = 1000
DEFAULT_SEED = 20260901

SCHOOL_NAME = "青山镇中心小学"
COUNTY = "云岭县"
TOWNSHIP = "青山镇"
PROVINCE = "贵州省"
AREA_CODE = "522739"  # 云岭县: invented, not a real county code
NEIGHBOUR_AREA_CODES = ("522738", "522737")  # invented neighbouring counties
PLATE_PREFIX = "贵J·"

TERM_START = dt.date(2026, 9, 1)
LOG_END = dt.date(2026, 11, 27)  # the last school day logged; the demo's today is 11-28
NATIONAL_HOLIDAY = (dt.date(2026, 10, 1), dt.date(2026, 10, 7))
OTHER_HOLIDAYS = (dt.date(2026, 9, 25),)  # 中秋节 (a Friday in 2026)
PAIRING_START = dt.date(2026, 9, 1)
BUILT_AT = dt.datetime(2026, 8, 28, 9, 0)
STAFF_LEFT_ON = dt.date(2026, 10, 31)
PAIRING_CHANGED_ON = dt.date(2026, 10, 15)

PUPILS_PER_CLASS = 55
COUNTY_THRESHOLD = 1500  # more children than this: several schools
SCHOOL_SIZE = 400  # pupils per school in a county (on average)
MAX_MONTHS = 24
# Townships of the invented county; each has a 中心小学, the larger ones village schools too.
TOWNSHIPS = ("青山镇", "龙场镇", "白云镇", "石桥镇", "桃花乡", "茶山镇", "平寨镇", "高寨乡", "云雾镇", "水口镇",
             "岩门乡", "长坡镇", "新场镇", "枫林乡", "大河镇", "红岩乡", "金竹镇", "观音乡", "柳溪镇", "凉风乡")
# The sample school's term dates as set in its 行事历 (stored as its settings, so duties and the
# handbook count the same school days the talk log was made on); other terms take the suggested dates.
TERM_SETTINGS = {terms.setting_key(terms.AUTUMN, 2025, "end"): "2026-01-23"}
TERM_SETTINGS_AT = dt.datetime(2025, 8, 25, 9, 0)


def _sample_term(name: str, year: int) -> terms.Term:
    return terms.from_settings(name, year, TERM_SETTINGS)


_DAY = dt.timedelta(days=1)
# School days outside the autumn term 2026 (only a log of several months reaches them).
VACATIONS = ((_sample_term(terms.AUTUMN, 2025).end + _DAY, _sample_term(terms.SPRING, 2026).start - _DAY),  # 寒假
             (_sample_term(terms.SPRING, 2026).end + _DAY, _sample_term(terms.AUTUMN, 2026).start - _DAY))  # 暑假
SPRING_FESTIVAL = (dt.date(2026, 2, 9), dt.date(2026, 2, 27))  # most parents are home: no calls
MORE_HOLIDAYS = (dt.date(2026, 1, 1), dt.date(2026, 1, 2), dt.date(2026, 4, 6), dt.date(2026, 5, 1),
                 dt.date(2026, 5, 4), dt.date(2026, 5, 5), dt.date(2026, 6, 19))  # 元旦 清明 劳动节 端午
CONTACT_CHUNK = 500  # left-behind children per batch of generated talk-log rows
LEFT_BEHIND_SHARE = 0.42

# --------------------------------------------------------------------------- words

# Common surnames, more weight on those frequent in Guizhou.
SURNAMES = (
    "王" * 8 + "李" * 8 + "张" * 6 + "刘" * 5 + "陈" * 5 + "杨" * 7 + "黄" * 4 + "吴" * 5 + "罗" * 5
    + "龙" * 3 + "石" * 3 + "赵" * 3 + "周" * 3 + "徐" * 2 + "孙" * 2 + "胡" * 3 + "朱" * 2 + "高" * 2
    + "何" * 3 + "郭" * 2 + "马" * 2 + "梁" * 2 + "宋" * 2 + "郑" * 2 + "谢" * 2 + "韩" + "唐" * 2 + "冯"
    + "董" + "程" + "曹" + "袁" * 2 + "邓" * 2 + "许" + "彭" * 2 + "吕" + "苏" + "卢" + "蒋" * 2 + "蔡" + "贾"
    + "丁" + "魏" + "叶" + "余" * 2 + "潘" * 2 + "杜" + "戴" + "夏" + "钟" + "汪" + "田" * 3 + "任" + "姜"
    + "范" + "方" + "姚" + "谭" + "廖" + "邹" + "熊" * 2 + "金" + "陆" + "白" + "毛" + "邱" + "秦" + "江"
    + "史" + "侯" + "孟" + "万" + "段" + "雷" * 2 + "汤" + "尹" + "黎" + "易" + "常" + "贺" + "龚" + "文"
    + "向" + "冉" * 2 + "曾" * 2 + "付"
)
ETHNIC_SURNAMES = {
    "苗族": "龙龙石石杨杨吴吴潘麻欧滕",
    "布依族": "韦韦王罗黄陆岑班",
    "彝族": "安禄陇龙李",
    "侗族": "杨吴石龙粟",
    "仡佬族": "王李杨邹",
}
ETHNICITIES = (("汉族", 76), ("苗族", 11), ("布依族", 7), ("彝族", 2), ("侗族", 3), ("仡佬族", 1))

GIVEN = {
    ("child", "男"): (
        "子浩宇俊博文嘉梓承天志锦宏家佳瑞一思明鑫晨宇泽睿浩",
        "轩宇豪然博阳睿杰鑫航洋凯铭辰泽林诚峰文浩毅涛恒昊远翔",
        "浩杰鑫磊凯宇涛豪航阳超勇",
    ),
    ("child", "女"): (
        "欣梓雨思诗佳可雅紫梦心语一子依晨婉若嘉静美",
        "怡涵彤琪萱妍悦琳雪婷瑶雯颖菲蕾馨晴月茜诺露冰玲娜丹",
        "欣怡琳婷雪丽倩洁敏悦瑶玲",
    ),
    ("adult", "男"): (
        "建志海小国永春明华文德光林军兴成世正家红",
        "军华明平强林伟勇兵斌刚涛峰波龙生东荣富江",
        "军勇伟刚强斌涛波平杰",
    ),
    ("adult", "女"): (
        "丽海小红春秀玉晓美桂艳金燕凤雪翠静芳兰菊",
        "燕芳梅霞娟英丽琴萍红艳玲敏花莲芬群兰蓉飞",
        "芳丽娟艳敏静霞燕琴萍",
    ),
    ("elder", "男"): (
        "德正明光世发文国洪永天兴登廷开贵朝成应玉",
        "贵富明华清全才发荣林福禄云山忠祥昌元和海",
        "福贵林华发明富",
    ),
    ("elder", "女"): (
        "桂秀玉翠金素春凤兰招乔银美",
        "英兰珍芬花莲香梅菊芝云仙秀芳凤银娥琼",
        "英兰珍芬莲香梅菊",
    ),
}

VILLAGES = (
    "石门村", "龙潭村", "青山社区", "坪上村", "白岩村", "水井村", "杉木村", "新寨村", "高坡村",
    "大坝村", "红岩村", "岩脚村", "青杠村", "茶园村", "枫香村", "板桥村", "麻塘村", "松林村",
    "河坝村", "桃子村", "梨树村", "竹林村", "甘溪村", "凉水村",
)
NEAR_VILLAGES = ("青山社区", "坪上村", "新寨村", "大坝村")  # within walking distance
GROUPS = ("一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组")
CADRE_TITLES = ("村支书", "村主任", "村委委员", "驻村干部", "镇党委委员", "退休教师")

WORK_PLACES = (
    (("广东省", "东莞市"), 14), (("广东省", "深圳市"), 10), (("广东省", "广州市"), 8),
    (("广东省", "佛山市"), 6), (("广东省", "中山市"), 3), (("浙江省", "宁波市"), 8),
    (("浙江省", "温州市"), 6), (("浙江省", "杭州市"), 4), (("浙江省", "义乌市"), 3),
    (("福建省", "泉州市"), 6), (("福建省", "厦门市"), 3), (("江苏省", "苏州市"), 6),
    (("江苏省", "昆山市"), 3), (("上海市", "上海市"), 5), (("贵州省", "贵阳市"), 5),
    (("云南省", "昆明市"), 2), (("重庆市", "重庆市"), 2),
)
HOME_VISITS = (("每年春节", 45), ("半年一次", 15), ("每年春节和国庆", 12), ("每季度一次", 8),
               ("农忙时回家", 6), ("两年未回", 4), ("不定期", 10))

TALENTS = ("书法", "绘画", "跑步", "唱歌", "舞蹈", "跳绳", "朗诵", "剪纸", "篮球", "足球", "芦笙", "苗绣")
ILLNESSES = ("哮喘", "先天性心脏病", "癫痫", "过敏性紫癜", "贫血", "慢性鼻炎", "肾病综合征", "弱视")
DISABILITIES = ("肢体残疾三级", "肢体残疾四级", "听力残疾三级", "视力残疾四级", "智力残疾四级", "言语残疾四级")
PERSONALITIES = ("开朗活泼", "内向文静", "懂事乖巧", "好动", "胆小", "倔强", "敏感", "热心助人",
                 "自尊心强", "少言寡语", "踏实认真", "爱笑", "有礼貌", "依赖性强")
HOBBIES = ("看书", "画画", "踢足球", "跳绳", "唱歌", "下象棋", "打篮球", "跑步", "做手工",
           "看动画片", "养小动物", "跳舞", "打乒乓球", "讲故事")
CHILD_NOTES = (
    "对花生过敏。", "周五由外婆接回家。", "父亲常换号码，可先联系母亲。", "喜欢画画，作品参加过镇里展览。",
    "上学期获“进步之星”。", "午饭需少油少盐(医嘱)。", "放学后在姑妈家写作业。",
)
MARKUP_NOTE = "[b]注意[/b] 外婆耳背，打电话请大声说、说慢一点。"

PHONE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                  "152", "155", "156", "157", "158", "159", "166", "177", "180", "181", "182",
                  "183", "185", "186", "187", "188", "189", "198", "199")

SUBJECT_LOADS = (("英语", 5), ("科学", 9), ("音乐", 9), ("体育", 6), ("美术", 9))
FEMALE_SHARE = {"class_teacher": 0.7, "语文": 0.75, "数学": 0.55, "英语": 0.85, "科学": 0.4,
                "音乐": 0.85, "体育": 0.2, "美术": 0.6, "counselor": 0.85}

# --------------------------------------------------------------------------- talk texts

STUDY_GOOD = ("作业按时完成，字写得工整了。", "单元测验考了{score}分，表扬了{ta}。", "上课能主动举手发言。",
              "课文背得很熟，进步明显。", "口算又快又准。", "这周被评为班级“进步之星”。", "听写全对，奖了一朵小红花。",
              "借了两本课外书，读得很认真。", "主动帮同桌讲题。", "作文写了奶奶，写得很真。")
STUDY_BAD = ("数学作业错题多，约好午休订正。", "上课爱走神，提醒{ta}晚上早点睡。", "两次作业没交，说在家没人辅导。",
             "英语单词记不住，教{ta}分组记。", "复习跟不上，请学习帮手帮忙。", "作文写不长，鼓励{ta}多看课外书。",
             "乘法口诀不熟，每天背一遍。", "字迹潦草，要求重写。", "测验没及格，一起分析错题。")
MOOD_GOOD = ("情绪稳定，和同学相处融洽。", "说起爸爸妈妈很开心，盼着春节团聚。", "笑容多了，愿意和老师聊天。",
             "参加了班级活动，很开心。", "交了新朋友，课间一起跳绳。", "说妈妈寄了新书包，很高兴。",
             "主动说了家里的事，很信任老师。")
MOOD_BAD = (("说想妈妈，偷偷哭过，安慰了{ta}。", "低落"), ("和同学闹矛盾，帮{ta}们和好了。", "生气"),
            ("话很少，有心事，慢慢引导{ta}说出来。", "低落"), ("觉得爸妈不要{ta}了，开导了{ta}。", "低落"),
            ("担心奶奶生病，有些焦虑。", "焦虑"), ("发脾气摔了同学文具，批评教育。", "生气"),
            ("怕考不好被爸爸骂，很紧张。", "焦虑"))
LIFE_GOOD = ("生活能自理，会自己洗衣服。", "周末帮爷爷奶奶干农活，很懂事。", "在校吃饭、午休都正常。",
             "寄宿生活已适应，床铺整洁。", "会自己煮面条了。", "周末照顾弟弟妹妹，很懂事。")
LIFE_BAD = ("衣服单薄，已请爱心妈妈添置秋衣。", "早上常不吃早饭，已叮嘱监护人。", "个人卫生较差，教{ta}勤洗头洗澡。",
            "零花钱都买零食，教{ta}合理花钱。")
HEALTH_GOOD = ("身体健康，饭量正常。", "最近长高了，精神好。", "感冒已好，精神不错。", "体育课跑步有劲了。")
HEALTH_BAD = ("感冒咳嗽，提醒多喝水，已告知监护人。", "看黑板模糊，建议去镇卫生院查视力。", "牙疼，已通知监护人带去看牙。",
              "手上擦伤，已在医务室处理。", "午饭吃得少，说肚子疼，已观察。", "晚上睡得晚，白天犯困。")
SAFETY_GOOD = ("强调放学不到河边、水塘边玩。", "提醒上下学走大路，不坐无牌车辆。", "讲了用电、用火安全。",
               "交代周末不要独自上山。", "提醒不跟陌生人走。")
SAFETY_BAD = ("周末去河里洗澡，进行了安全教育。", "放学后在路边逗留，提醒按时回家。", "在家用电饭锅不会断电，教了方法。")
EFFECTS = ("{ta}表示会改正。", "情绪好转。", "愿意说心里话了。", "答应按时完成作业。", "{ta}点头答应。")
FOLLOW_UPS = {
    "学业": ("下周检查订正情况", "请任课老师课后辅导", "与监护人沟通作业检查"),
    "心理": ("请心理咨询室老师谈话", "联系家长多打电话", "请爱心妈妈多关心"),
    "生活": ("联系爱心妈妈送衣物", "与监护人沟通饮食"),
    "健康": ("跟进就医结果", "告知家长并跟进"),
    "安全": ("家访时再提醒监护人", "周一班会强调安全"),
}
PHONE_TEXTS = (("向{p}反馈{ta}近期表现，{p}很放心。", ""), ("{p}问期中考试情况，说春节回家。", ""),
               ("告知{ta}感冒已好，请{p}放心。", "健康"), ("{p}说厂里加班多，请老师多费心。", ""),
               ("和{p}商量{ta}的学习问题，{p}答应多鼓励。", "学业"), ("{p}说月底寄学习用品回来。", ""),
               ("提醒{p}多和孩子视频聊天。", "心理"), ("{p}想给{ta}买手机，建议暂缓。", "生活"),
               ("{p}问{ta}在学校吃得好不好。", ""), ("告诉{p}{ta}当上了小组长，{p}很高兴。", ""),
               ("{ta}最近作业拖拉，请{p}电话里督促。", "学业"), ("{p}说过年接{ta}去打工地玩。", ""),
               ("反映{ta}想家爱哭，请{p}常来电话。", "心理"), ("{p}请老师提醒{ta}天冷加衣。", ""))
VISIT_ENV = ("房屋较旧但整洁，", "家里有{ta}单独的书桌，", "家里养了猪和鸡，", "房子是新修的砖房，",
             "住在半山腰，离学校约5公里，", "家中只有祖孙二人，")
VISIT_KID = ("{ta}在家能主动写作业。", "{ta}在家爱看电视，作业要催。", "{ta}常帮{g}做家务。",
             "{ta}晚上玩{g}的手机到很晚。")
VISIT_FEEDBACK = ("{g}希望老师多督促学习。", "{g}说管不住孩子玩手机。", "{g}感谢学校关心。",
                  "{g}腿脚不便，接送困难。", "{g}说看不懂作业，辅导不了。")
VISIT_NEEDS = {  # the 家访手记's 教育需求 that goes with each 家长反馈
    "{g}希望老师多督促学习。": "在校多督促作业，每周反馈一次", "{g}说管不住孩子玩手机。": "引导合理使用手机",
    "{g}感谢学校关心。": "继续结对关心", "{g}腿脚不便，接送困难。": "上学放学的接送安排",
    "{g}说看不懂作业，辅导不了。": "课后作业辅导 (学习帮手)"}
CALL_TEXTS = (("和{p}说了测验成绩，{p}表扬了{ta}。", "开心"), ("告诉{p}自己当上了小组长。", "开心"),
              ("{p}叮嘱{ta}听老人的话。", "平静"), ("哭着说想{p}，{p}答应春节回来。", "低落"),
              ("和{p}聊了学校运动会的事。", "开心"), ("{p}问天冷了有没有加衣服。", "平静"))
LETTER_TEXTS = ("给{p}写信，讲了学校的新鲜事，已寄出。", "收到{p}回信，读给{ta}听，{ta}很高兴。",
                "在爱心妈妈指导下给{p}写信，汇报学习。", "给{p}写信，画了一张全家福。")
MOON_LETTER = "中秋节前给{p}写信，说想一起吃月饼。"
COUNSEL_TEXTS = (("用沙盘了解{ta}对家庭的想法，情绪有所好转。", "平静"), ("想念父母睡不着，教{ta}放松训练。", "焦虑"),
                 ("情绪管理辅导，学着用画画表达心情。", "平静"), ("自信心不足，做了优点轰炸练习。", "低落"),
                 ("和{ta}约定每周写心情日记。", "平静"), ("说和奶奶吵架了，帮{ta}换位思考。", "生气"))
MEETINGS = ((dt.date(2026, 7, 8), "{g}参加留守儿童家长座谈会，商量暑假安全和学习安排。"),  # a longer log only
            (dt.date(2026, 10, 23), "{g}参加监护人座谈会，交流隔代教育和安全监护。"),
            (dt.date(2026, 11, 20), "{g}参加家长会，了解{ta}的期中成绩和在校表现。"))
HOLIDAY_PARENT_TEXTS = (("假期电话：向{p}反馈{ta}期末成绩，商量假期学习安排。", "学业"),
                        ("假期电话：{p}说{ta}在家常看手机，请老师开学后多督促。", "学业"),
                        ("假期电话：提醒{p}假期多给{ta}打电话、视频。", "心理"),
                        ("假期电话：{p}说{ta}暑假要去打工地团聚几天。", ""),
                        ("假期电话：提醒{p}叮嘱{ta}防溺水，不独自下河。", "安全"),
                        ("假期电话：{p}问开学时间和要准备的东西。", ""))
HOLIDAY_GUARDIAN_TEXTS = (("假期电话联系{g}，{ta}在家帮忙干农活，作业按时写。", ""),
                          ("假期电话联系{g}，{ta}每天看电视时间长，请{g}管一管。", "学业"),
                          ("假期电话联系{g}，提醒看好孩子，不到河边、水塘边玩。", "安全"),
                          ("假期电话联系{g}，{ta}感冒了，已提醒带去卫生院。", "健康"),
                          ("假期电话联系{g}，家里一切都好。", ""))
HOLIDAY_TALKS = (("电话里问{ta}假期作业，{ta}说已经写完一半了。", "开心"),
                 ("{ta}在电话里说想爸爸妈妈，安慰了{ta}。", "低落"),
                 ("{ta}说假期在家帮{g}做家务，表扬了{ta}。", "开心"),
                 ("电话里提醒{ta}注意用电、用火和防溺水安全。", "平静"),
                 ("{ta}说每天和小伙伴一起看书、跳绳。", "开心"))
LETTER_CHANCE = {9: 0.7, 10: 0.4, 11: 0.5}  # 亲情书信 in a month (September: before 中秋)
MOON_LETTERS = (dt.date(2026, 9, 14), dt.date(2026, 9, 24))  # the days before 中秋节 2026
PLAN_TIMES = ("每周二下午课外活动", "每周四午休时间", "每周一、三放学后20分钟", "每周五下午第三节课后")
PLAN_TEACHER = {
    "优秀": "参加兴趣小组，发展特长；每周谈心。",
    "良好": "每周检查作业，巩固学习习惯。",
    "中等": "查漏补缺，每周面批作业两次。",
    "待提高": "基础辅导，每周检查错题本。",
    "": "每周谈心，关注学习和生活。",
}
RESULTS_TEACHER = ("期中数学由{a}分提高到{b}分。", "能主动完成作业，上课敢发言了。", "错题本坚持订正，语文进步明显。",
                   "情绪比开学时稳定，愿意和老师交流。")
RESULTS_MAMA = ("孩子愿意主动说心里话了。", "已送秋衣一套、文具一套。", "学会了自己整理书包。")


# --------------------------------------------------------------------------- public API


class SampleFileError(dbmod.DatabaseError, ValueError):
    """The sample file cannot be written there; the message is for the user (``guanai`` exits 2)."""


def build_sample(path: str, *, children: int = DEFAULT_CHILDREN, seed: int = DEFAULT_SEED,
                 months: int | None = None, schools: int | None = None,
                 progress: Progress | None = None) -> dict:
    """Write the demo school (a county when ``children`` > COUNTY_THRESHOLD) into a new SQLite
    file at ``path``; returns row counts per table. ``months``, ``schools``: see ``load_sample``.

    Refuses (``SampleFileError``, a ``ValueError``) a path that already exists, a link there
    included, and a folder it cannot write to. The file is left in rollback-journal
    mode, with no ``-wal`` beside it, ready to copy or commit; a single school is vacuumed too.
    """
    path = os.path.abspath(path)
    if os.path.lexists(path):  # a link too, even a dangling one: never written through
        raise SampleFileError(f"文件已存在, 不会覆盖: {path}")
    _check_children(children)
    _check_months(months)
    big = len(_school_plan(children, seed, schools)) > 1 or children > COUNTY_THRESHOLD  # a county
    # Built inside a private folder beside the target (models.files), then renamed into place:
    # no planted link is followed, and nothing half-built is left behind whatever happens.
    try:
        with files.private_workdir(path) as work:
            tmp = os.path.join(work, "sample.db")
            counts = _build_file(tmp, big, children=children, seed=seed, months=months, schools=schools,
                                 progress=progress)
            files.make_private(tmp)
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            files.publish(tmp, path)
    except FileExistsError:  # the name appeared meanwhile (a file or a planted link)
        raise SampleFileError(f"文件已存在, 不会覆盖: {path}") from None
    except OSError as exc:  # a folder without write permission, a full disk …
        raise SampleFileError(f"无法写入 {path}: {exc.strerror or exc}") from None
    _report(progress, "完成", 1.0)
    return counts


def _build_file(path: str, big: bool, *, children: int, seed: int, months: int | None, schools: int | None,
                progress: Progress | None) -> dict:
    """Make the demo school in a new SQLite file at ``path`` (inside a private folder)."""
    previous = dbmod.database_proxy.obj
    db = dbmod.open_database(path)
    try:
        schema.migrate()
        if big:
            # A new file nobody else has open, deleted if anything fails: no journal needed,
            # and a million rows through a WAL would be written twice.
            db.execute_sql("PRAGMA journal_mode=OFF")
            db.execute_sql("PRAGMA synchronous=OFF")
        load_sample(children=children, seed=seed, months=months, schools=schools, progress=progress)
        _report(progress, "整理数据库文件", 0.97)
        # The migration history records when each step ran; a fixed time keeps the file
        # byte-for-byte reproducible, so regenerating sample.db changes nothing.
        db.execute_sql(f'UPDATE "{schema.HISTORY_TABLE}" SET applied = ?', (str(BUILT_AT),))
        if not big:
            db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute_sql("PRAGMA journal_mode=DELETE")
        if not big:  # a county is written in one pass: no free pages to squeeze out
            db.execute_sql("VACUUM")
        counts = table_counts()
    finally:
        db.close()
        if previous is not None:
            dbmod.database_proxy.initialize(previous)
    return counts


def load_sample(*, children: int = DEFAULT_CHILDREN, seed: int = DEFAULT_SEED, months: int | None = None,
                schools: int | None = None, progress: Progress | None = None) -> dict:
    """Fill the open database (schema already made) with the demo school, or a county of
    schools when ``children`` > COUNTY_THRESHOLD. ``months``: the talk log covers the
    ``months`` months up to 2026-11-27 (None: the autumn term 2026-09-01 .. 11-27).
    ``schools``: how many schools share the children (None: one up to COUNTY_THRESHOLD
    children, else one per SCHOOL_SIZE); ``schools=1`` makes one school of any size.

    Works on SQLite and PostgreSQL; rows get explicit ids after the highest existing ones
    (and PostgreSQL's sequences are moved past them). Returns the rows added per table.
    """
    _check_children(children)
    _check_months(months)
    if School.select().where(School.name == SCHOOL_NAME).exists():
        raise ValueError(f"数据库里已有样例学校“{SCHOOL_NAME}”")
    _report(progress, "生成学校、班级和教师", 0.0)
    plan = _school_plan(children, seed, schools)
    log = _log_window(months)
    shared = _Shared()
    counts = {m._meta.table_name: 0 for m in ALL_MODELS}
    db = dbmod.current()
    bulk = (len(plan) > 1 or children > COUNTY_THRESHOLD) and isinstance(db, pw.SqliteDatabase)
    with dbmod.write():
        dropped = _drop_bulk_indexes(db) if bulk else []
        for k, (school_seed, size, place) in enumerate(plan):
            lo, share = k / len(plan), 1 / len(plan)
            gen = _Generator(school_seed, size, shared=shared, place=place, log=log)
            gen.make_all(lambda msg, frac: _report(progress, msg, lo + share * (0.05 + 0.55 * frac) * 0.95))
            done = gen.write(lambda msg, frac: _report(progress, msg, lo + share * (0.6 + 0.35 * frac) * 0.95))
            if k == 0:
                _attention_histories(gen.school)
                _report_histories(gen.school)
                _dropout_histories(gen.school)
            for table, n in done.items():
                counts[table] += n
        if len(plan) > 1:
            counts[Staff._meta.table_name] += _area_officers()
        if dropped:
            _report(progress, "建立索引", 0.95)
            for sql in dropped:
                db.execute_sql(sql)
    if isinstance(db, pw.PostgresqlDatabase):
        for model in ALL_MODELS:
            if counts[model._meta.table_name]:
                table = model._meta.table_name
                db.execute_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f"(SELECT MAX(id) FROM \"{table}\"))")
        # the planner's statistics for the new rows now, as autovacuum would do a little later: the
        # county's first dashboard must not be planned on an empty table's guesses
        db.execute_sql("ANALYZE")
    return counts


# The county's two demo logins over its schools (models/scope.py: read-only, masked): the county
# education bureau's officer (all 50 schools) and the first township's (its schools only).
AREA_OFFICERS = (("xian", "罗建国", "county", COUNTY), ("zhen", "孙丽华", "township", TOWNSHIPS[0]))


def _area_officers() -> int:
    """The 县 and 乡镇 officers of a county, kept under its first school; no random draw, so the
    schools' rows are those of a county without them. Returns the rows added."""
    first = School.select(School.id).where(School.county == COUNTY).order_by(School.id).scalar()
    next_id = (Staff.select(pw.fn.MAX(Staff.id)).scalar() or 0) + 1
    used = {login for (login,) in Staff.select(Staff.login).where(Staff.login.is_null(False)).tuples()}
    rows = []
    for k, (login, name, role, area) in enumerate(AREA_OFFICERS):
        if login in used:
            continue
        full, initials = pinyin_keys(name)
        rows.append(dict(id=next_id + k, school=first, name=name, name_pinyin=full, name_initials=initials,
                         sex="男" if role == "county" else "女", role=role, phone="", login=login, pin_hash="",
                         active=True, area=area))
    if rows:
        Staff.insert_many(rows).execute()
    return len(rows)


ATTENTION_MOODS = (("说想妈妈，晚上偷偷哭，问什么都不愿多说。", "低落"),
                   ("说奶奶生病住院了，怕没人管{ta}，上课老走神。", "焦虑"),
                   ("一个人坐在角落，不和同学玩，说爸爸妈妈不要{ta}了。", "低落"))
ATTENTION_SAFETY = ("说周末一个人去河边钓鱼，进行了防溺水教育。",
                    "说放学路上有陌生人给零食、要带{ta}去镇上，教了怎么拒绝并马上告诉老师。")


def _attention_histories(school_id: int) -> None:
    """A few children of the demo class (三年级2班) whose last weeks show warning signs, so that
    需要关注 (models/attention.py) names them for reasons it computes from the log: the mood of the
    last three talks, the 安全 concern of the last two, the last three parent calls unanswered.
    Only rows already generated are changed, by fixed choices (no random draw), so nothing else in
    the school moves."""
    room = (Classroom.select(Classroom.id).where((Classroom.school == school_id) & (Classroom.grade == 3)
                                                 & (Classroom.number <= 2))  # banzhuren's, as make_staff
            .order_by(Classroom.number.desc()).limit(1).scalar())
    kids = [(cid, sex) for cid, sex in Child.select(Child.id, Child.sex).where(
        (Child.classroom == room) & (Child.left_behind_type != "") & (Child.status == "在读")
        & (Child.guardianship_grade != "差")).order_by(Child.id).tuples()]

    def last(cid: int, kinds: tuple[str, ...], n: int, *, reached_only: bool = True) -> list[int]:
        cond = (Contact.child == cid) & Contact.kind.in_(kinds)
        if reached_only:
            cond &= Contact.reached == True  # noqa: E712
        return [i for (i,) in Contact.select(Contact.id).where(cond).order_by(Contact.at.desc()).limit(n).tuples()]

    def ta(sex: str) -> str:
        return "她" if sex == "女" else "他"

    chosen = iter(kids[1::3])
    low = None
    for cid, sex in chosen:  # the mood of the last three talks
        ids = last(cid, ("谈心",), 3)
        if len(ids) == 3:
            low = cid
            for i, (text, mood) in zip(ids, ATTENTION_MOODS):
                Contact.update(content=text.format(ta=ta(sex)), mood=mood, concerns="心理", effect="").where(
                    Contact.id == i).execute()
            break
    for cid, sex in chosen:  # 安全 in the last two talks
        ids = last(cid, ("谈心",), 2)
        if len(ids) == 2:
            for i, text in zip(ids, ATTENTION_SAFETY):
                Contact.update(content=text.format(ta=ta(sex)), concerns="安全", mood="平静").where(
                    Contact.id == i).execute()
            break
    for cid, sex in chosen:  # the last three calls to the parents unanswered (家长电话: a 亲情电话 is always made)
        ids = last(cid, ("家长电话", "亲情电话"), 3, reached_only=False)
        if len(ids) == 3 and ids == last(cid, ("家长电话",), 3, reached_only=False):
            Contact.update(reached=False, minutes=None, content="未接通", mood="", concerns="", effect="").where(
                Contact.id.in_(ids)).execute()
            break
    _attention_decisions(school_id, room, low)


def _attention_decisions(school_id: int, room: int | None, low: int | None) -> None:
    """Two decisions of the demo class's 班主任 on the list: the low-mood child confirmed 黄 on 11-26
    (its reasons as computed that day), and the first child assessed 差 dismissed on 11-18 after the
    village 儿童主任 arranged a relative's daily care (the 监护干预 of ``_report_histories``)."""
    from models import attention, scope

    teacher = Staff.get_or_none((Staff.school == school_id) & (Staff.login == "banzhuren"))
    if teacher is None or room is None:
        return
    poor = (Child.select(Child.id).where((Child.classroom == room) & (Child.guardianship_grade == "差")
                                         & (Child.status == "在读")).order_by(Child.id).scalar())
    viewer = scope.system_viewer(school_id)
    for cid, day, decision in ((poor, dt.date(2026, 11, 18), attention.DISMISS),
                               (low, dt.date(2026, 11, 26), attention.CONFIRM)):
        if cid is None:
            continue
        found, _ = attention.compute_reasons(day, viewer=viewer, child_ids=[cid])
        reasons = "\n".join(r.text for r in found.get(cid, ()))
        at = dt.datetime.combine(day, dt.time(16, 40))
        if decision == attention.DISMISS:
            AttentionDecision.create(child=cid, staff=teacher.id, decided_at=at, decision=decision, reasons=reasons,
                                     reason="村儿童主任已落实姑姑每天照看, 复查时孩子按时到校")
            continue
        review = day + dt.timedelta(days=14)
        key = Child.select(Child.key_target).where(Child.id == cid).scalar()
        AttentionDecision.create(child=cid, staff=teacher.id, decided_at=at, decision=decision, level="黄",
                                 review_on=review, reasons=reasons, made_key_target=not key,
                                 reason="与心理咨询室教师商量, 每周给家长打电话")
        Child.update(attention_level="黄", attention_review_on=review, attention_since=day, key_target=True).where(
            Child.id == cid).execute()


REPORT_HISTORIES = (  # (situations, talk, facts, opinion): two 强制报告 of the demo class
    (("非正常损伤", "家庭暴力"), "说奶奶最近经常打{ta}，手臂上有淤青，{ta}不敢回家。",
     "孩子说奶奶喝酒后用竹条打{ta}，左前臂有两处淤青 (约3厘米)，说不敢回家。", "疑似家庭暴力，需公安介入核实。"),
    (("脱离监护单独居住或失踪",), "说爷爷住院后这两周一个人在家住，晚上害怕，自己煮面吃。",
     "孩子说爷爷11月初住院，奶奶在医院陪护，这两周{ta}一个人住在家里，晚上不敢关灯。", "监护人暂时不能履行监护，孩子独自居住。"),
)


def _report_histories(school_id: int) -> None:
    """Two 强制报告 of the demo class (三年级2班) by its 班主任, both confirmed by the head, so the
    demo opens without a red banner: one found in October, reported to the police by the teacher and
    closed with its outcome; one of November, told to the head (the school reported it), the village
    儿童主任 told, still open. And a 监护干预 of a child assessed 差, re-checked after 7 days. Each
    report comes from one of the child's talks, rewritten to say what was found. Fixed choices on
    the rows already generated (no random draw), like ``_attention_histories``."""
    teacher = Staff.get_or_none((Staff.school == school_id) & (Staff.login == "banzhuren"))
    head = Staff.get_or_none((Staff.school == school_id) & (Staff.login == "xiaozhang"))
    if teacher is None or head is None:
        return
    room = Classroom.get_or_none((Classroom.school == school_id) & (Classroom.head_teacher == teacher.id))
    if room is None:
        return
    kids = list(Child.select(Child.id, Child.sex).where(
        (Child.classroom == room.id) & (Child.left_behind_type != "") & (Child.status == "在读")
        & (Child.guardianship_grade != "差")).order_by(Child.id).tuples())[0::3]  # _attention_histories takes 1::3
    days = (dt.datetime(2026, 10, 15), dt.datetime(2026, 11, 20))
    made = 0
    for (cid, sex), (situations, talk, facts, opinion), before in zip(kids, REPORT_HISTORIES, days):
        ta = "她" if sex == "女" else "他"
        contact = (Contact.select().where((Contact.child == cid) & (Contact.kind == "谈心") & (Contact.reached == True)  # noqa: E712
                                          & (Contact.at < before)).order_by(Contact.at.desc()).first())
        if contact is None:
            continue
        Contact.update(content=talk.format(ta=ta), concerns="安全", mood="焦虑").where(Contact.id == contact.id).execute()
        found = contact.at + dt.timedelta(minutes=20)
        common = dict(school=school_id, child=cid, contact=contact.id, situations="、".join(situations), found_at=found,
                      facts=facts.format(ta=ta), opinion=opinion, reporter=teacher.id, confirmed_by=head.id,
                      created_at=found, updated_at=found + dt.timedelta(days=1))
        if made == 0:
            Report.create(**common, path="公安", police_at=found + dt.timedelta(minutes=30), police_unit="青山镇派出所",
                          receipt_no="QS-2026-1015", confirmed_at=found + dt.timedelta(hours=3),
                          notified="石门村儿童主任 王秀兰", notified_at=found + dt.timedelta(days=1),
                          outcome="派出所上门调查，对奶奶批评教育并出具告诫书；父亲从广东返乡照看两周，班主任每周家访。",
                          closed_at=found + dt.timedelta(days=21))
        else:
            Report.create(**common, path="学校", confirmed_at=found + dt.timedelta(hours=2),
                          police_at=found + dt.timedelta(hours=3), police_unit="青山镇派出所", receipt_no="",
                          notified="石门村儿童主任 王秀兰", notified_at=found + dt.timedelta(hours=5))
        made += 1
    poor = (Child.select(Child.id).where((Child.classroom == room.id) & (Child.guardianship_grade == "差")
                                         & (Child.status == "在读")).order_by(Child.id).scalar())
    if poor is not None:
        noted = dt.date(2026, 11, 10)
        Intervention.create(child=poor, reason="监护情况差", director="王秀兰", noted_on=noted,
                            note="祖父母年迈多病，孩子常迟到、衣物不洁，请村里帮助落实照看。",
                            guardian_response="奶奶答应让住在邻村的姑姑每天来做饭、接送。",
                            recheck_due=noted + dt.timedelta(days=rules.INTERVENTION_RECHECK_DAYS),
                            rechecked_on=dt.date(2026, 11, 17), recheck_note="家访: 姑姑每天来做饭，孩子按时到校。",
                            staff=teacher.id, created_at=dt.datetime(2026, 11, 10, 16, 0))


DROPOUT_VERIFY = ("电话核实: 在外婆家帮忙收玉米, 外婆说忙完就送回来。",
                  "电话核实: 父亲十一月中旬把孩子带到自己务工的地方, 说孩子不想读了, 在那边帮忙。")
DROPOUT_ATTEMPTS = (  # (case, school day after the case opened, who: login or "", 村干部, method, outcome, note)
    (0, 1, "banzhuren", "李主任", "家访", "有效", "和外婆、村主任一起讲了义务教育的规定, 外婆答应明天就送回学校。"),
    (1, 1, "banzhuren", "", "电话", "无效", "父亲说孩子自己不想读, 在那边也能学手艺。"),
    (1, 3, "banzhuren", "李主任", "家访", "无效", "爷爷奶奶也劝不动, 说孩子只听父亲的。"),
    (1, 5, "xiaozhang", "李主任", "约谈", "无效", "视频约谈父亲, 讲了监护人送适龄子女入学的法定义务, 父亲仍不同意。"),
)


def _dropout_histories(school_id: int) -> None:
    """Two 控辍保学 cases of the demo class (三年级2班), made by the rules of ``models.dropout`` from
    absences placed on the children's school days without a contact: one in October, back at school
    the school day after its 劝返 (closed: 动态销号), one from mid-November to the end of the log
    with three 劝返 无效, hence a 书面报告 for the township. Rows only (no audit rows: the demo's log
    starts empty); fixed choices on the rows already generated, no random draw."""
    from models import dropout

    teacher = Staff.get_or_none((Staff.school == school_id) & (Staff.login == "banzhuren"))
    room = teacher and Classroom.get_or_none((Classroom.school == school_id) & (Classroom.head_teacher == teacher.id))
    if room is None:
        return
    staff = {s.login: s.id for s in Staff.select().where(Staff.school == school_id)}
    kids = [cid for (cid,) in Child.select(Child.id).where(
        (Child.classroom == room.id) & (Child.left_behind_type != "") & (Child.status == "在读")
        & (Child.guardianship_grade != "差")).order_by(Child.id).tuples()][2::3]  # reports 0::3, attention 1::3
    days = dropout.school_days(dt.date(2026, 10, 12), LOG_END, school_id=school_id)
    talked: dict[int, set] = {}
    for cid, at in Contact.select(Contact.child, Contact.at).where(Contact.child.in_(kids)).tuples():
        talked.setdefault(cid, set()).add(at.date() if isinstance(at, dt.datetime) else dt.date.fromisoformat(str(at)[:10]))

    def quiet(cid: int, first: int, last: int) -> bool:
        return not any(d in talked.get(cid, ()) for d in days[first:last])

    october = next(((cid, i) for cid in kids for i in range(0, 10) if quiet(cid, i, i + 5)), None)
    # the open case: the first other child, away for the log's last two weeks; its talks at school
    # on those days go (a child who is not at school has none; calls home stay)
    tail = next(((cid, len(days) - 10) for cid in kids if october is None or cid != october[0]), None)
    if tail is not None:
        lo = dt.datetime.combine(days[tail[1]], dt.time())
        Contact.delete().where((Contact.child == tail[0]) & (Contact.at >= lo)
                               & Contact.kind.in_(("谈心", "心理辅导", "亲情电话", "亲情书信"))).execute()
    needed = dropout.failed_attempts_needed(school_id)
    for k, found in enumerate((october, tail)):
        if found is None:
            continue
        cid, start = found
        absent = days[start:start + 5] if k == 0 else days[start:]
        run = dropout.absence_run(absent, days)
        if run is None:
            continue
        opened = run[rules.DROPOUT_MIN_DAYS - 1]
        at = dt.datetime.combine(opened, dt.time(16, 30))
        Absence.insert_many([{"child": cid, "day": d, "reason": "无故缺课", "staff": teacher.id,
                              "created_at": dt.datetime.combine(d, dt.time(8, 20))} for d in absent]).execute()
        case = DropoutCase.create(school=school_id, child=cid, first_absent=run[0], opened_on=opened, reason="无故缺课",
                                  verified_on=opened, verify_note=DROPOUT_VERIFY[k], created_at=at)
        failed = 0
        for which, after, login, cadre, method, outcome, note in DROPOUT_ATTEMPTS:
            if which != k:
                continue
            day = days[days.index(opened) + after]
            DropoutAttempt.create(case=case.id, day=day, staff=staff.get(login), cadre=cadre, method=method,
                                  outcome=outcome, note=note, created_at=dt.datetime.combine(day, dt.time(17, 0)))
            failed += outcome == "无效"
            if failed == needed and case.reported_on is None:
                case.reported_on = day
        if k == 0:  # back the school day after the 劝返: a present day after the opening closes it
            case.closed_on = days[days.index(run[-1]) + 1]
        case.save()


def table_counts() -> dict:
    return {m._meta.table_name: m.select().count() for m in ALL_MODELS}


def _check_children(children: int) -> None:
    if not isinstance(children, int) or children < 1:
        raise ValueError("学生人数必须是正整数")


def _check_months(months: int | None) -> None:
    if months is not None and (not isinstance(months, int) or not 1 <= months <= MAX_MONTHS):
        raise ValueError(f"月数应在 1 到 {MAX_MONTHS} 之间")


def _drop_bulk_indexes(db: pw.Database) -> list[str]:
    """Drop the talk log's secondary indexes before a county's million rows go in; returns the
    statements that build them again (one sorted pass each, several times faster than keeping
    them up to date row by row)."""
    rows = db.execute_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                          "AND sql IS NOT NULL ORDER BY name", (Contact._meta.table_name,)).fetchall()
    for name, _sql in rows:
        db.execute_sql(f'DROP INDEX "{name}"')
    return [sql for _name, sql in rows]


@dataclass(frozen=True)
class _Place:
    school: str
    township: str


class _Shared:
    """What the schools of one county share: ids, and the numbers and logins that are unique."""

    def __init__(self) -> None:
        self.next_id: dict[type, int] = {}
        self.ids_used: set[str] = set()
        self.phones_used: set[str] = set()
        self.pinyin_cache: dict[str, tuple[str, str]] = {}
        self.logins_used: set[str] = set()
        self.logins_loaded = False


def _school_plan(children: int, seed: int, schools: int | None = None) -> list[tuple[object, int, _Place]]:
    """(random seed, pupils, place) per school: the demo school alone, or a county of schools
    of about SCHOOL_SIZE pupils (the 中心小学 of each township a little larger)."""
    if schools is not None and (not isinstance(schools, int) or not 1 <= schools <= children):
        raise ValueError("学校数必须是 1 到学生人数之间的整数")
    if schools == 1 or (schools is None and children <= COUNTY_THRESHOLD):
        return [(seed, children, _Place(SCHOOL_NAME, TOWNSHIP))]
    count = schools or max(2, round(children / SCHOOL_SIZE))
    rng = random.Random(f"{seed}:county")
    weights = [rng.uniform(0.7, 1.3) * (1.25 if k < len(TOWNSHIPS) else 1.0) for k in range(count)]
    total = sum(weights)
    exact = [children * w / total for w in weights]
    sizes = [int(x) for x in exact]
    by_rest = sorted(range(count), key=lambda k: (sizes[k] - exact[k], k))
    for k in by_rest[: children - sum(sizes)]:
        sizes[k] += 1
    plan = []
    for k in range(count):
        township = TOWNSHIPS[k % len(TOWNSHIPS)]
        round_ = k // len(TOWNSHIPS)
        if round_ == 0:
            name = f"{township}中心小学"
        else:
            village = VILLAGES[(5 * round_ + k) % len(VILLAGES)].removesuffix("村").removesuffix("社区")
            name = f"{township}{village}小学" if round_ < 5 else f"{township}第{round_ + 1}小学"
        plan.append((f"{seed}:school{k}", sizes[k], _Place(name, township)))
    return plan


@dataclass
class _LogWindow:
    """The days the talk log covers, shared by all schools."""

    start: dt.date
    days: list  # school days, in order
    weeks: list  # school days by Monday-to-Sunday week
    months: list  # (year, month, school days)
    terms: list  # (first day a home visit is due, last day of the term) per term in the log
    holiday_weeks: list  # weekdays of the winter and summer holidays by week (phone contacts only)
    pairing_start: dt.date
    built_at: dt.datetime


def _term_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """The sample school's term a day belongs to; a holiday day counts to the term it leads into."""
    candidates = [_sample_term(name, year) for year in (day.year - 1, day.year, day.year + 1)
                  for name in (terms.SPRING, terms.AUTUMN)]
    term = next(t for t in sorted(candidates, key=lambda t: t.start) if day <= t.end)
    return term.start, term.end


def _is_school_day(day: dt.date) -> bool:
    return (day.weekday() < 5 and not (NATIONAL_HOLIDAY[0] <= day <= NATIONAL_HOLIDAY[1])
            and day not in OTHER_HOLIDAYS and day not in MORE_HOLIDAYS
            and not any(a <= day <= b for a, b in VACATIONS))


def _log_window(months: int | None) -> _LogWindow:
    if months is None:
        start = TERM_START
    else:
        first = LOG_END + dt.timedelta(days=1)
        y, m = divmod(first.year * 12 + first.month - 1 - months, 12)
        start = dt.date(y, m + 1, min(first.day, 28))
    days = []
    holidays: dict[int, list[dt.date]] = {}
    day = start
    while day <= LOG_END:
        if _is_school_day(day):
            days.append(day)
        elif (day.weekday() < 5 and any(a <= day <= b for a, b in VACATIONS)
              and not SPRING_FESTIVAL[0] <= day <= SPRING_FESTIVAL[1]):
            holidays.setdefault((day - dt.date(2026, 8, 31)).days // 7, []).append(day)
        day += dt.timedelta(days=1)
    weeks: dict[int, list[dt.date]] = {}
    by_month: dict[tuple[int, int], list[dt.date]] = {}
    terms: dict[tuple[dt.date, dt.date], list[dt.date]] = {}
    for d in days:
        weeks.setdefault((d - dt.date(2026, 8, 31)).days // 7, []).append(d)
        by_month.setdefault((d.year, d.month), []).append(d)
        terms.setdefault(_term_bounds(d), []).append(d)
    pairing_start = PAIRING_START if months is None else min(PAIRING_START, _term_bounds(start)[0])
    return _LogWindow(
        start=start, days=days, weeks=[weeks[k] for k in sorted(weeks)],
        months=[(y, m, ds) for (y, m), ds in by_month.items()],
        terms=[(ds[0] + dt.timedelta(days=13), end) for (_, end), ds in terms.items()],
        holiday_weeks=[holidays[k] for k in sorted(holidays)],
        pairing_start=pairing_start,
        built_at=min(BUILT_AT, dt.datetime.combine(pairing_start - dt.timedelta(days=4), dt.time(9, 0))),
    )


def _report(progress: Progress | None, message: str, fraction: float) -> None:
    if progress is not None:
        progress(message, max(0.0, min(1.0, fraction)))


# --------------------------------------------------------------------------- generator


@dataclass
class _Person:
    name: str
    sex: str
    birth: dt.date
    id_number: str
    phone: str = ""


@dataclass
class _Family:
    surname: str
    ethnicity: str
    village: str
    group: str
    slots: list  # (grade, class index)
    left_behind: bool = False
    lb_type: str = ""
    father: _Person | None = None
    mother: _Person | None = None
    father_work: tuple = ("", "")
    mother_work: tuple = ("", "")
    father_away: bool = False
    mother_away: bool = False
    father_visits: str = ""
    mother_visits: str = ""
    guardian: _Person | None = None
    guardian_relation: str = ""
    guardian_word: str = ""  # how the child calls the guardian: 奶奶, 外公 …
    guardian_education: str = ""
    guardianship_type: str = ""
    guardianship_grade: str = ""
    hardship: bool = False
    income: str = ""
    aid: str = ""
    notes: str = ""


@dataclass
class _Kid:
    family: _Family
    grade: int
    cls: int  # index into classes
    name: str = ""
    sex: str = ""
    birth: dt.date | None = None
    row: dict = field(default_factory=dict)


class _Generator:
    """One school: its rows are made in memory (the talk log chunk by chunk) and written."""

    def __init__(self, seed, children: int, *, shared: _Shared | None = None, place: _Place | None = None,
                 log: _LogWindow | None = None):
        self.seed = seed
        self.rng = random.Random(seed)
        self.n = children
        self.per_grade = max(1, round(children / (PUPILS_PER_CLASS * 6)))
        self.rows: dict[type, list[dict]] = {m: [] for m in ALL_MODELS}
        self.shared = shared or _Shared()
        self.place = place or _Place(SCHOOL_NAME, TOWNSHIP)
        self.township = self.place.township
        self.log = log or _log_window(None)
        self.next_id = self.shared.next_id
        self.ids_used = self.shared.ids_used
        self.phones_used = self.shared.phones_used
        self.pinyin_cache = self.shared.pinyin_cache
        self.logins_used = self.shared.logins_used

    # ------------------------------------------------------------ small helpers

    def new_id(self, model: type) -> int:
        if model not in self.next_id:
            self.next_id[model] = (model.select(pw.fn.MAX(model.id)).scalar() or 0) + 1
        value = self.next_id[model]
        self.next_id[model] = value + 1
        return value

    def add(self, model: type, **values) -> dict:
        values["id"] = self.new_id(model)
        self.rows[model].append(values)
        return values

    def weighted(self, pairs):
        values = [v for v, _ in pairs]
        weights = [w for _, w in pairs]
        return self.rng.choices(values, weights)[0]

    def keys(self, name: str) -> tuple[str, str]:
        if name not in self.pinyin_cache:
            self.pinyin_cache[name] = pinyin_keys(name)
        return self.pinyin_cache[name]

    def given_name(self, generation: str, sex: str) -> str:
        first, second, single = GIVEN[(generation, sex)]
        if self.rng.random() < (0.18 if generation == "child" else 0.3):
            return self.rng.choice(single)
        a = self.rng.choice(first)
        b = self.rng.choice(second)
        while b == a:
            b = self.rng.choice(second)
        return a + b

    def surname(self, ethnicity: str = "汉族") -> str:
        pool = ETHNIC_SURNAMES.get(ethnicity)
        if pool and self.rng.random() < 0.8:
            return self.rng.choice(pool)
        return self.rng.choice(SURNAMES)

    def phone(self) -> str:
        while True:
            number = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10 ** 8):08d}"
            if number not in self.phones_used:
                self.phones_used.add(number)
                return number

    def id_number(self, birth: dt.date, sex: str, area: str = AREA_CODE) -> str:
        while True:
            seq = self.rng.randrange(100)
            last = self.rng.choice((1, 3, 5, 7, 9) if sex == "男" else (0, 2, 4, 6, 8))
            body = f"{area}{birth:%Y%m%d}{seq:02d}{last}"
            number = body + id_check_char(body)
            if number not in self.ids_used:
                self.ids_used.add(number)
                return number

    def date_in_year(self, year: int) -> dt.date:
        return dt.date(year, 1, 1) + dt.timedelta(days=self.rng.randrange(365))

    def person(self, surname: str, sex: str, generation: str, birth_year: int, *,
               area: str = AREA_CODE, phone: bool = True) -> _Person:
        birth = self.date_in_year(birth_year)
        return _Person(
            name=surname + self.given_name(generation, sex), sex=sex, birth=birth,
            id_number=self.id_number(birth, sex, area), phone=self.phone() if phone else "",
        )

    def login_for(self, name: str) -> str:
        base = self.keys(name)[0] or "user"
        login, k = base, 2
        while login in self.logins_used:
            login, k = f"{base}{k}", k + 1
        self.logins_used.add(login)
        return login

    # ------------------------------------------------------------ the whole school

    def make_all(self, progress: Progress) -> None:
        if not self.shared.logins_loaded:
            existing = Staff.select(Staff.login).where(Staff.login.is_null(False)).tuples()
            self.logins_used.update(login for (login,) in existing)
            self.shared.logins_loaded = True
        self.make_school()
        self.make_staff()
        progress("生成学生档案", 0.1)
        self.make_families()
        self.make_children()
        progress("生成结对帮扶", 0.6)
        self.make_pairings()
        progress("生成行事历", 0.9)
        self.make_events()
        # The talk log is made while it is written (``contact_chunks``): it is most of the rows.

    def make_school(self) -> None:
        self.school = self.add(School, name=self.place.school, county=COUNTY, township=self.township)["id"]
        for key, value in TERM_SETTINGS.items():  # the term dates its 行事历 sets (models.terms)
            self.add(Setting, school=self.school, key=key, value=value, updated_at=TERM_SETTINGS_AT, updated_by=None)

    # ------------------------------------------------------------ staff and classes

    def staff(self, role: str, sex: str, subject: str = "", login: str | None = None) -> dict:
        name = self.surname() + self.given_name("adult", sex)
        existing = {s["name"] for s in self.rows[Staff]}
        while name in existing:
            name = self.surname() + self.given_name("adult", sex)
        full, initials = self.keys(name)
        if login is None or login in self.logins_used:
            login = self.login_for(name)
        else:
            self.logins_used.add(login)
        return self.add(
            Staff, school=self.school, name=name, name_pinyin=full, name_initials=initials, sex=sex,
            role=role, subject=subject, phone=self.phone(), login=login, pin_hash="", active=True,
            left_on=None,
        )

    def sex_for(self, key: str) -> str:
        return "女" if self.rng.random() < FEMALE_SHARE.get(key, 0.6) else "男"

    def make_staff(self) -> None:
        rng = self.rng
        self.head = self.staff("head", "男", login="xiaozhang")
        self.admin = self.staff("admin", self.sex_for("class_teacher"), login="admin")
        self.classes: list[dict] = []
        demo_class = (3, min(2, self.per_grade))
        teaching: list[tuple[int, int, str]] = []  # staff id, class index, subject
        self.class_teachers: list[dict] = []
        own_subject: list[str] = []
        for grade in range(1, 7):
            for number in range(1, self.per_grade + 1):
                subject = "语文" if rng.random() < 0.5 else "数学"
                login = "banzhuren" if (grade, number) == demo_class else None
                teacher = self.staff("class_teacher", self.sex_for("class_teacher"), subject, login=login)
                idx = len(self.classes)
                self.classes.append(self.add(
                    Classroom, school=self.school, grade=grade, number=number,
                    name=rules.classroom_name(grade, number), head_teacher=teacher["id"]))
                self.class_teachers.append(teacher)
                own_subject.append(subject)
                teaching.append((teacher["id"], idx, subject))
        self.subject_teachers: list[dict] = []
        # 语文/数学 in the classes whose head teacher teaches the other one: two classes each.
        for subject in ("语文", "数学"):
            need = [i for i, s in enumerate(own_subject) if s != subject]
            for k in range(0, len(need), 2):
                teacher = self.staff("teacher", self.sex_for(subject), subject)
                self.subject_teachers.append(teacher)
                for idx in need[k:k + 2]:
                    teaching.append((teacher["id"], idx, subject))
        for subject, load in SUBJECT_LOADS:
            need = [i for i, c in enumerate(self.classes) if subject != "英语" or c["grade"] >= 3]
            count = max(1, math.ceil(len(need) / load)) if need else 0
            size = math.ceil(len(need) / count) if count else 0
            for k in range(count):
                teacher = self.staff("teacher", self.sex_for(subject), subject)
                self.subject_teachers.append(teacher)
                for idx in need[k * size:(k + 1) * size]:
                    teaching.append((teacher["id"], idx, subject))
        n_classes = len(self.classes)
        self.counselors = [self.staff("counselor", self.sex_for("counselor"), "心理健康",
                                      login="xinli" if k == 0 else None)
                           for k in range(max(1, round(n_classes / 9)))]
        self.volunteers = [self.staff("volunteer", "女", login="aixinmama" if k == 0 else None)
                           for k in range(max(1, round(3 * n_classes / 18)))]
        # 'laoshi': the first 语文 or 数学 subject teacher, or any subject teacher.
        demo_teacher = self.subject_teachers[0]
        self._relogin(demo_teacher, "laoshi")
        self.demo_teacher_id = demo_teacher["id"]
        for staff_id, idx, subject in teaching:
            self.add(TeachingAssignment, staff=staff_id, classroom=self.classes[idx]["id"], subject=subject)
        self.class_staff: list[list[int]] = [[] for _ in self.classes]
        for staff_id, idx, _subject in teaching:
            if staff_id not in self.class_staff[idx]:
                self.class_staff[idx].append(staff_id)
        self.staff_by_id = {s["id"]: s for s in self.rows[Staff]}
        self.diligence = {}
        for s in self.rows[Staff]:
            low, high = (0.1, 0.35) if s["role"] == "volunteer" else (0.03, 0.3)
            self.diligence[s["id"]] = rng.uniform(low, high)  # chance to skip a week

    def _relogin(self, staff: dict, login: str) -> None:
        if login in self.logins_used:
            return
        self.logins_used.discard(staff["login"])
        self.logins_used.add(login)
        staff["login"] = login

    # ------------------------------------------------------------ families and children

    def make_families(self) -> None:
        rng = self.rng
        n_classes = len(self.classes)
        slots = []
        for idx in range(n_classes):
            size = self.n // n_classes + (1 if idx < self.n % n_classes else 0)
            slots.extend([(self.classes[idx]["grade"], idx)] * size)
        rng.shuffle(slots)
        self.families: list[_Family] = []
        pending = slots
        while pending:
            first = pending.pop()
            taken = [first]
            if rng.random() < 0.12:
                for k in range(len(pending) - 1, max(-1, len(pending) - 40), -1):
                    if pending[k][0] != first[0]:
                        taken.append(pending.pop(k))
                        break
            ethnicity = self.weighted(ETHNICITIES)
            village = rng.choice(VILLAGES[: max(6, min(len(VILLAGES), round(12 * self.n / 1000)))])
            self.families.append(_Family(
                surname=self.surname(ethnicity), ethnicity=ethnicity, village=village,
                group=rng.choice(GROUPS[:6] if rng.random() < 0.8 else GROUPS), slots=taken))
        target = round(self.n * LEFT_BEHIND_SHARE)
        order = list(range(len(self.families)))
        rng.shuffle(order)
        lb = 0
        for k in order:
            if lb >= target:
                break
            self.families[k].left_behind = True
            lb += len(self.families[k].slots)
        for fam in self.families:
            self.fill_family(fam)

    def fill_family(self, fam: _Family) -> None:
        rng = self.rng
        oldest = 2020 - max(g for g, _ in fam.slots)  # birth year of the oldest child (approx.)
        other_area = rng.random() < 0.1
        mother_surname = self.surname(fam.ethnicity)
        fam.father = self.person(fam.surname, "男", "adult", oldest - rng.randint(22, 34))
        fam.mother = self.person(mother_surname, "女", "adult", oldest - rng.randint(20, 31),
                                 area=rng.choice(NEIGHBOUR_AREA_CODES) if other_area else AREA_CODE)
        if not fam.left_behind:
            fam.guardian = fam.mother if rng.random() < 0.55 else fam.father
            fam.income = join_multi(["打工收入" if rng.random() < 0.5 else "", "种养殖业", ""])
            return
        fam.lb_type = self.weighted((("父母均外出", 60), ("父亲外出", 22), ("母亲外出", 11),
                                     ("一方外出另一方无监护能力", 5), ("其他", 2)))
        place = self.weighted(WORK_PLACES)
        if fam.lb_type == "父母均外出":
            fam.father_away = fam.mother_away = True
            fam.father_work = place
            fam.mother_work = place if rng.random() < 0.7 else self.weighted(WORK_PLACES)
        elif fam.lb_type in ("父亲外出", "其他"):
            fam.father_away, fam.father_work = True, place
        elif fam.lb_type == "母亲外出":
            fam.mother_away, fam.mother_work = True, place
        else:  # one away, the other unable to care
            if rng.random() < 0.7:
                fam.father_away, fam.father_work = True, place
                fam.notes = rng.choice(("母亲患病，无监护能力。", "母亲智力残疾，无监护能力。"))
            else:
                fam.mother_away, fam.mother_work = True, place
                fam.notes = rng.choice(("父亲肢体残疾，行动不便。", "父亲长期患病卧床。"))
        if fam.lb_type == "其他":
            fam.notes = "父母离异，母亲已无联系，父亲外出务工。"
            fam.mother.phone = ""
        fam.father_visits = self.weighted(HOME_VISITS) if fam.father_away else ""
        fam.mother_visits = self.weighted(HOME_VISITS) if fam.mother_away else ""
        relation = self.weighted((("祖父母", 65), ("外祖父母", 20), ("亲戚", 10), ("其他", 5)))
        sex = "女" if rng.random() < 0.6 else "男"
        if relation in ("祖父母", "外祖父母"):
            surname = fam.surname if relation == "祖父母" else mother_surname
            if sex == "女":
                surname = self.surname(fam.ethnicity)
            parent = fam.father if relation == "祖父母" else fam.mother
            fam.guardian = self.person(surname, sex, "elder", parent.birth.year - rng.randint(20, 28))
            fam.guardian_word = {("祖父母", "男"): "爷爷", ("祖父母", "女"): "奶奶",
                                 ("外祖父母", "男"): "外公", ("外祖父母", "女"): "外婆"}[(relation, sex)]
            fam.guardian_education = self.weighted((("文盲", 30), ("小学", 48), ("初中", 18), ("高中", 4)))
        else:
            surname = fam.surname if rng.random() < 0.5 else self.surname(fam.ethnicity)
            fam.guardian = self.person(surname, sex, "adult", fam.father.birth.year + rng.randint(-8, 6))
            fam.guardian_word = rng.choice(("姑妈", "舅妈", "姨妈") if sex == "女" else ("叔叔", "舅舅", "伯伯"))
            if relation == "其他":
                fam.guardian_word = "阿姨" if sex == "女" else "叔叔"
            fam.guardian_education = self.weighted((("小学", 30), ("初中", 50), ("高中", 15), ("中专", 5)))
        fam.guardian_relation = relation
        if fam.lb_type == "一方外出另一方无监护能力":
            fam.guardianship_type = "父或母无监护能力"
        else:
            fam.guardianship_type = self.weighted((("监护情况较好", 30), ("监护情况一般", 48),
                                                   ("受委托监护人监护能力不足", 21), ("无人监护", 1)))
        fam.guardianship_grade = {"监护情况较好": "较好", "监护情况一般": "一般"}.get(
            fam.guardianship_type, "差" if fam.guardianship_type != "父或母无监护能力" or rng.random() < 0.5 else "一般")
        fam.hardship = rng.random() < 0.08
        aid = []
        if fam.hardship:
            aid.append("低保")
            if rng.random() < 0.4:
                aid.append("临时救助")
            if rng.random() < 0.15:
                aid.append("住房救助")
        elif rng.random() < 0.05:
            aid.append(rng.choice(("临时救助", "医疗救助", "其他救助")))
        fam.aid = join_multi(v for v in rules.AID_KINDS if v in aid)
        income = ["打工收入"]
        if rng.random() < 0.6:
            income.append("种养殖业")
        if aid:
            income.append("政府救助")
        if rng.random() < 0.08:
            income.append("亲朋接济")
        fam.income = join_multi(v for v in rules.INCOME_SOURCES if v in income)

    def make_children(self) -> None:
        rng = self.rng
        kids: list[_Kid] = []
        names_in_class: list[set] = [set() for _ in self.classes]
        for fam in self.families:
            for grade, idx in fam.slots:
                kid = _Kid(family=fam, grade=grade, cls=idx)
                kid.sex = "男" if rng.random() < 0.52 else "女"
                name = fam.surname + self.given_name("child", kid.sex)
                while name in names_in_class[idx]:
                    name = fam.surname + self.given_name("child", kid.sex)
                names_in_class[idx].add(name)
                kid.name = name
                start = dt.date(2020 - grade, 9, 1)
                kid.birth = start + dt.timedelta(days=rng.randrange((dt.date(2021 - grade, 9, 1) - start).days))
                kids.append(kid)
        kids.sort(key=lambda k: (k.cls, self.keys(k.name)[0]))  # stable: ties keep family order
        route_of = self.make_bus_routes()
        riders: dict[int, int] = {r["id"]: 0 for r in self.rows[BusRoute]}
        capacity = {r["id"]: r["capacity"] for r in self.rows[BusRoute]}
        notes_left = list(CHILD_NOTES)
        self.kids = kids
        created = self.log.built_at
        for n, kid in enumerate(kids):
            fam = kid.family
            full, initials = self.keys(kid.name)
            has_id = rng.random() < 0.9
            id_number = self.id_number(kid.birth, kid.sex) if has_id else None
            if id_number:
                student_no = "G" + id_number
            else:
                student_no = f"L{AREA_CODE}{kid.birth:%Y%m%d}{rng.randrange(10000):04d}"
                while student_no in self.ids_used:
                    student_no = f"L{AREA_CODE}{kid.birth:%Y%m%d}{rng.randrange(10000):04d}"
                self.ids_used.add(student_no)
            address = f"{self.township}{fam.village}{fam.group}"
            row = dict(
                school=self.school, classroom=self.classes[kid.cls]["id"], student_no=student_no,
                name=kid.name, name_pinyin=full, name_initials=initials, sex=kid.sex,
                ethnicity=fam.ethnicity, birth_date=kid.birth, id_number=id_number,
                hukou_registered=True, hukou_place="", address=address, boarding=False, schooling="小学",
                left_behind_type="", guardian_name=fam.guardian.name, guardian_relation="",
                guardian_phone=fam.guardian.phone, guardian_id_number="", guardian_education="",
                guardian_address="", guardianship_type="", guardianship_grade="", income_sources="",
                aid_received="", health="健康", illness="", hardship=False, talent="", disability="",
                academic_group="", key_target=False, difficulty="", personality="", hobbies="", status="在读",
                status_date=None, bus_route=None, notes="",
                created_at=created + dt.timedelta(seconds=20 * n),
                updated_at=created + dt.timedelta(seconds=20 * n),
                updated_by=self.admin["id"],
            )
            if fam.left_behind:
                self.fill_left_behind(kid, row)
                route = route_of.get(fam.village)
                if route and not row["boarding"] and riders[route] < capacity[route] and rng.random() < 0.85:
                    row["bus_route"] = route
                    riders[route] += 1
                if rng.random() < 0.04 and notes_left:
                    row["notes"] = join_notes(row["notes"], notes_left.pop(0))
            kid.row = self.add(Child, **row)
        lb = [k for k in kids if k.family.left_behind]
        self.make_key_targets(lb)
        self.make_incomplete(lb)
        self.make_transfers(lb)
        if lb:  # the one note with markup-like text (user text is data, never markup)
            target = lb[len(lb) // 3].row
            target["notes"] = join_notes(target["notes"], MARKUP_NOTE)
        self.make_parents(lb)

    def fill_left_behind(self, kid: _Kid, row: dict) -> None:
        rng = self.rng
        fam = kid.family
        far = fam.village not in NEAR_VILLAGES
        health = self.weighted((("健康", 91), ("患病", 7), ("残疾", 2)))
        row.update(
            hukou_place=f"{PROVINCE}{COUNTY}{self.township}{fam.village}",
            boarding=far and kid.grade >= 3 and rng.random() < 0.45,
            left_behind_type=fam.lb_type, guardian_relation=fam.guardian_relation,
            guardian_id_number=fam.guardian.id_number, guardian_education=fam.guardian_education,
            guardian_address=(row["address"] if rng.random() < 0.95
                              else f"{self.township}{rng.choice(VILLAGES)}{rng.choice(GROUPS)}"),
            guardianship_type=fam.guardianship_type, guardianship_grade=fam.guardianship_grade,
            income_sources=fam.income, aid_received=fam.aid, health=health,
            illness=rng.choice(ILLNESSES) if health == "患病" else "",
            disability=rng.choice(DISABILITIES) if health == "残疾" else "",
            hardship=fam.hardship,
            talent=rng.choice(TALENTS) if rng.random() < 0.1 else "",
            academic_group=self.weighted((("优秀", 18), ("良好", 34), ("中等", 31), ("待提高", 17))),
            personality="，".join(rng.sample(PERSONALITIES, rng.choice((1, 2, 2)))),
            hobbies="、".join(rng.sample(HOBBIES, rng.choice((1, 2, 3)))),
            notes=fam.notes,
            updated_at=dt.datetime(2026, 9, 7, 8, 0) + dt.timedelta(
                days=rng.randrange(5), hours=rng.randrange(9), minutes=rng.randrange(60)),
            updated_by=self.class_teachers[kid.cls]["id"],
        )
        if row["aid_received"] == "" and health == "患病" and rng.random() < 0.3:
            row["aid_received"] = "医疗救助"
            if "政府救助" not in row["income_sources"]:
                row["income_sources"] = join_multi(
                    v for v in rules.INCOME_SOURCES if v in row["income_sources"].split("、") + ["政府救助"])
        # 困境类别 from the facts above (no draw of its own: the rest of the sample stays as it was)
        row["difficulty"] = join_multi(category for category, yes in (
            ("贫困", row["hardship"]), ("残疾", bool(row["disability"])),
            ("重病", health == "患病" and "医疗救助" in row["aid_received"]),
            ("监护缺失或不当", row["guardianship_type"] == "无人监护" or row["guardianship_grade"] == "差")) if yes)

    def make_key_targets(self, lb: list[_Kid]) -> None:
        rng = self.rng
        scored = []
        for kid in lb:
            r = kid.row
            score = (3 * r["hardship"] + 3 * bool(r["disability"]) + (r["health"] == "患病")
                     + 2 * (r["academic_group"] == "待提高") + 2 * (r["guardianship_grade"] == "差")
                     + rng.random() * 3)
            scored.append((-score, r["id"], kid))
        scored.sort(key=lambda t: (t[0], t[1]))
        for _, _, kid in scored[: round(len(lb) * 0.15)]:
            kid.row["key_target"] = True

    def make_incomplete(self, lb: list[_Kid]) -> None:
        """About 3% of the 档案 miss a required field, so 建档率 is not 100%."""
        count = max(1, round(len(lb) * 0.03)) if lb else 0
        for kid in self.rng.sample(lb, count):
            field_name = self.weighted((("guardian_phone", 50), ("address", 25), ("hukou_place", 25)))
            kid.row[field_name] = ""

    def make_transfers(self, lb: list[_Kid]) -> None:
        count = max(1, round(self.n * 0.004)) if lb else 0
        days = (dt.date(2026, 10, 9), dt.date(2026, 10, 12), dt.date(2026, 10, 19), dt.date(2026, 10, 26))
        candidates = [k for k in lb if k.grade < 6 and k.family.lb_type == "父母均外出" and len(k.family.slots) == 1]
        self.transferred: dict[int, dt.date] = {}
        for k, kid in enumerate(self.rng.sample(candidates, min(count, len(candidates)))):
            day = days[k % len(days)]
            city = kid.family.father_work[1]
            kid.row.update(status="转出", status_date=day, bus_route=None,
                           updated_at=dt.datetime.combine(day, dt.time(10, 30)),
                           notes=join_notes(kid.row["notes"],
                                            f"{day:%Y-%m-%d} 随父母转学至{kid.family.father_work[0]}{city}。"))
            self.transferred[kid.row["id"]] = day

    def make_parents(self, lb: list[_Kid]) -> None:
        rng = self.rng
        self.returned: dict[int, dt.date] = {}
        # One child whose father (the one away) came home, one whose parents both did.
        fathers = [k for k in lb if k.family.lb_type == "父亲外出" and len(k.family.slots) == 1
                   and k.row["status"] == "在读"]
        both = [k for k in lb if k.family.lb_type == "父母均外出" and len(k.family.slots) == 1
                and k.row["status"] == "在读"]
        come_home = {}
        if fathers:
            come_home[rng.choice(fathers).row["id"]] = (dt.date(2026, 11, 9), ("父亲",))
        if both and self.n >= 100:
            come_home[rng.choice(both).row["id"]] = (dt.date(2026, 11, 16), ("父亲", "母亲"))
        # The 登记表's 外出时间 and 祖辈 come from a generator of their own, so the rest of the school
        # stays as it was before they were added.
        elders = random.Random(f"{self.seed}:elders")
        for kid in lb:
            fam = kid.family
            cid = kid.row["id"]
            back_on, back_who = come_home.get(cid, (None, ()))
            left = {rel: dt.date(elders.randint(2018, 2025), 2, elders.randint(10, 28)) for rel in ("父亲", "母亲")}
            if fam.guardian_relation in ("祖父母", "外祖父母"):  # the guardian is one of the four, as on the form
                side = "" if fam.guardian_relation == "祖父母" else "外"
                self.add(Grandparent, child=cid, relation=side + ("祖父" if fam.guardian.sex == "男" else "祖母"),
                         name=fam.guardian.name, birth_date=fam.guardian.birth, deceased=False)
                if elders.random() < 0.2:  # a grandparent who died: "—" on the form
                    other = "外" if side == "" else ""
                    self.add(Grandparent, child=cid, relation=other + "祖父", name="", birth_date=None, deceased=True)
            for relation, person, away, work, visits in (
                ("父亲", fam.father, fam.father_away, fam.father_work, fam.father_visits),
                ("母亲", fam.mother, fam.mother_away, fam.mother_work, fam.mother_visits),
            ):
                returned = relation in back_who
                self.add(
                    Parent, child=cid, relation=relation, name=person.name, birth_date=person.birth,
                    id_number=person.id_number, phone=person.phone, work_province=work[0], work_city=work[1],
                    home_visits="" if returned else visits, away=away and not returned,
                    returned_on=back_on if returned else None, away_since=left[relation] if away else None,
                )
            if back_on:
                self.returned[cid] = back_on
                text = "父亲" if back_who == ("父亲",) else "父母"
                kid.row["notes"] = join_notes(kid.row["notes"], f"{back_on:%m月%d日}{text}返乡，在镇上务工。")
                kid.row["updated_at"] = dt.datetime.combine(back_on, dt.time(16, 40))

    # ------------------------------------------------------------ bus routes

    def make_bus_routes(self) -> dict[str, int]:
        rng = self.rng
        far = [v for v in VILLAGES[: max(6, min(len(VILLAGES), round(12 * self.n / 1000)))]
               if v not in NEAR_VILLAGES]
        count = max(1, round(4 * self.n / 1000))
        capacities = (35, 35, 33, 30, 19)
        route_of: dict[str, int] = {}
        for k in range(count):
            served = far[(2 * k) % len(far): (2 * k) % len(far) + 2] if far else []
            direction = "—".join([self.township] + served)
            capacity = capacities[k % len(capacities)]
            driver_birth = self.date_in_year(rng.randint(1968, 1985))
            route = self.add(
                BusRoute, school=self.school, name=f"{k + 1}号线 {direction}", direction=f"{direction}（早晚各一趟）",
                plate=f"{PLATE_PREFIX}{rng.randrange(10000, 100000)}", capacity=capacity,
                driver=self.surname() + self.given_name("adult", "男"), driver_phone=self.phone(),
                driver_license=self.id_number(driver_birth, "男"), license_class="A1" if capacity >= 30 else "B1",
            )
            for village in served:
                route_of.setdefault(village, route["id"])
        return route_of

    # ------------------------------------------------------------ pairings

    def make_pairings(self) -> None:
        rng = self.rng
        lb = [k for k in self.kids if k.family.left_behind]
        order = sorted(lb, key=lambda k: (not k.row["key_target"], rng.random()))
        load: dict[int, int] = {}
        cap = {}
        for s in self.rows[Staff]:
            cap[s["id"]] = {"class_teacher": 13, "teacher": 8, "counselor": 6, "head": 4, "admin": 4}.get(s["role"], 0)
        # When the class's own teachers are full, the head, the 教导主任 and the counsellors step in.
        fallback = [s["id"] for s in self.rows[Staff] if s["role"] in ("head", "admin", "counselor")]
        self.helper_of: dict[int, list[tuple[int, dt.date, dt.date | None]]] = {}
        self.mama_of: dict[int, int] = {}
        for kid in order:
            cid = kid.row["id"]
            ended = self.transferred.get(cid)
            if not kid.row["key_target"] and rng.random() < 0.05:
                continue  # not yet paired: the board shows them
            candidates = list(self.class_staff[kid.cls])
            rng.shuffle(candidates)
            candidates.sort(key=lambda s: load.get(s, 0) / cap[s])
            chosen = next((s for s in candidates + fallback if load.get(s, 0) < cap[s]), None)
            if chosen is None:
                continue
            load[chosen] = load.get(chosen, 0) + 1
            self.helper_of[cid] = [(chosen, self.since(kid), ended)]
        # 爱心妈妈: female teachers of the class first, then the community volunteers.
        female = [s["id"] for s in self.rows[Staff]
                  if s["sex"] == "女" and s["role"] in ("class_teacher", "teacher", "counselor")]
        mama_cap = {s: 8 for s in female}
        for v in self.volunteers:
            mama_cap[v["id"]] = 45
        mama_load: dict[int, int] = {}
        for kid in order:
            cid = kid.row["id"]
            if rng.random() < 0.15:
                continue
            helper = self.helper_of.get(cid, [(None,)])[0][0]
            in_class = [s for s in self.class_staff[kid.cls] if s in mama_cap and s != helper]
            rng.shuffle(in_class)
            vols = [v["id"] for v in self.volunteers]
            rng.shuffle(vols)
            rest = [s for s in female if s != helper]
            pool = in_class + vols + rest if rng.random() < 0.5 else vols + in_class + rest
            chosen = next((s for s in pool if mama_load.get(s, 0) < mama_cap[s]), None)
            if chosen is None:
                continue
            mama_load[chosen] = mama_load.get(chosen, 0) + 1
            self.mama_of[cid] = chosen
        # The teacher who left on 10-31 keeps open pairings: someone must take them over.
        by_load = sorted((s for s in self.subject_teachers if s["id"] != self.demo_teacher_id),
                         key=lambda s: (-load.get(s["id"], 0), s["id"]))
        self.leaver = by_load[0]["id"] if by_load and load.get(by_load[0]["id"], 0) else None
        if self.leaver:
            self.staff_by_id[self.leaver].update(active=False, left_on=STAFF_LEFT_ON)
        # One 帮扶教师 changed on 10-15: from a subject teacher to the class teacher.
        for kid in sorted(lb, key=lambda k: k.row["id"]):
            cid = kid.row["id"]
            spans = self.helper_of.get(cid)
            head = self.class_teachers[kid.cls]["id"]
            if (spans and spans[0][0] not in (head, self.leaver) and cid not in self.transferred
                    and cid not in self.returned):
                self.helper_of[cid] = [(spans[0][0], spans[0][1], PAIRING_CHANGED_ON),
                                       (head, PAIRING_CHANGED_ON + dt.timedelta(days=1), None)]
                self.changed_pairing = cid
                break
        # Cadres per village for 党员干部 一帮一.
        cadres: dict[str, list[str]] = {}
        for village in VILLAGES:
            cadres[village] = [f"{self.surname()}{self.given_name('adult', '男' if rng.random() < 0.75 else '女')}"
                               f"({CADRE_TITLES[k]})" for k in range(3)]
            cadres[village][2] = cadres[village][2].replace(f"({CADRE_TITLES[2]})",
                                                            f"({rng.choice(CADRE_TITLES[2:])})")
        classmates: dict[int, list[dict]] = {}
        for kid in self.kids:
            if not kid.family.left_behind and kid.row["status"] == "在读":
                classmates.setdefault(kid.cls, []).append(kid.row)
        buddy_load: dict[int, int] = {}
        for kid in sorted(lb, key=lambda k: k.row["id"]):
            r = kid.row
            cid = r["id"]
            ended = self.transferred.get(cid)
            reason = "学生转出" if ended else ""
            for staff_id, since, until in self.helper_of.get(cid, []):
                end_reason = reason if until == ended else "原帮扶教师承担毕业班辅导，改由班主任帮扶"
                self.add(Pairing, child=cid, kind="帮扶教师", staff=staff_id, buddy=None, helper_name="",
                         started_on=since, ended_on=until, end_reason=end_reason if until else "",
                         plan_time=rng.choice(PLAN_TIMES), plan_content=PLAN_TEACHER[r["academic_group"]],
                         plan_results=self.teacher_result() if rng.random() < 0.4 else "")
            if cid in self.mama_of:
                self.add(Pairing, child=cid, kind="爱心妈妈", staff=self.mama_of[cid], buddy=None, helper_name="",
                         started_on=self.since(kid), ended_on=ended, end_reason=reason,
                         plan_time=rng.choice(("每周三中午", "每周五下午", "每周二午休")),
                         plan_content="每周谈心一次，节前指导写亲情书信。",
                         plan_results=rng.choice(RESULTS_MAMA) if rng.random() < 0.3 else "")
            mates = classmates.get(kid.cls, [])
            if mates and rng.random() < 0.9:
                same = [m for m in mates if m["sex"] == r["sex"] and buddy_load.get(m["id"], 0) == 0]
                free = [m for m in mates if buddy_load.get(m["id"], 0) < 2]
                pick = rng.choice(same or free or mates)
                buddy_load[pick["id"]] = buddy_load.get(pick["id"], 0) + 1
                self.add(Pairing, child=cid, kind="学习帮手", staff=None, buddy=pick["id"], helper_name="",
                         started_on=self.since(kid), ended_on=ended, end_reason=reason, plan_time="课间、午休",
                         plan_content="提醒专心听讲，课后一起写作业。",
                         plan_results="作业完成情况明显好转。" if rng.random() < 0.2 else "")
            if rng.random() < 0.25:
                self.add(Pairing, child=cid, kind="党员干部", staff=None, buddy=None,
                         helper_name=rng.choice(cadres[kid.family.village]), started_on=self.since(kid),
                         ended_on=ended, end_reason=reason, plan_time="每月一次",
                         plan_content="节假日走访看望，解决生活困难。",
                         plan_results="送去冬衣一套、学习用品一套。" if rng.random() < 0.3 else "")

    def since(self, kid: _Kid) -> dt.date:
        """When the child's pairings began: with the log, or with school for a first-grader."""
        return max(self.log.pairing_start, TERM_START) if kid.grade == 1 else self.log.pairing_start

    def teacher_result(self) -> str:
        text = self.rng.choice(RESULTS_TEACHER)
        a = self.rng.randint(45, 65)
        return text.format(a=a, b=a + self.rng.randint(8, 20))

    # ------------------------------------------------------------ the talk log

    def contact_chunks(self):
        """The talk log, a few thousand children at a time (memory stays flat for a county),
        each chunk in time order with ids following on. It has its own random stream."""
        self.rng = random.Random(f"{self.seed}:contacts")
        self.school_days = self.log.days
        self.weeks = self.log.weeks
        lb = [k for k in self.kids if k.family.left_behind]
        for first in range(0, len(lb), CONTACT_CHUNK):
            self.contacts: list[tuple] = []
            for kid in lb[first:first + CONTACT_CHUNK]:
                self.kid_contacts(kid)
            # Rows are tuples in CONTACT_COLUMNS order, times as their stored text (which sorts
            # as the times do): a million of them are written without a dict or a conversion each.
            self.contacts.sort(key=lambda c: (c[3], c[0], c[2], c[1] or 0))
            first_id = self.new_id(Contact)
            self.next_id[Contact] = first_id + len(self.contacts)
            rows = [(first_id + k, *c) for k, c in enumerate(self.contacts)]
            yield rows, min(1.0, (first + CONTACT_CHUNK) / len(lb))
        del self.contacts

    def kid_contacts(self, kid: _Kid) -> None:
        rng = self.rng
        counselors = [c["id"] for c in self.counselors]
        r = kid.row
        cid = r["id"]
        cutoff = LOG_END
        if cid in self.transferred:
            cutoff = self.transferred[cid] - dt.timedelta(days=1)
        if cid in self.returned:
            cutoff = self.returned[cid]
        ctx = _TalkContext(kid, self)
        head = self.class_teachers[kid.cls]["id"]
        mama = self.mama_of.get(cid)
        parity = rng.randrange(2)
        # A first-grader came to school on TERM_START: nothing before (a longer log only).
        since = TERM_START if kid.grade == 1 and self.log.start < TERM_START else self.log.start
        w = -1
        for week in self.weeks:
            if week[-1] < since:
                continue
            week = [d for d in week if since <= d <= cutoff]
            if not week:
                break
            w += 1
            if rng.random() >= self.diligence[head] or w == 0:
                self.talk(ctx, head, rng.choice(week), rng.choice(("办公室", "办公室", "教室", "操场")))
            helper = self.helper_on(cid, week[0])
            if helper and helper != head and w % 2 == parity and rng.random() < 0.8:
                day = rng.choice(week)
                if self.staff_active(helper, day):
                    self.talk(ctx, helper, day, rng.choice(("办公室", "教室")))
            if mama and w >= 1 and rng.random() >= self.diligence[mama] + 0.1:
                day = rng.choice(week)
                if self.staff_active(mama, day):
                    self.talk(ctx, mama, day, rng.choice(("留守儿童之家", "教室", "操场")))
            if w % 2 == 1 - parity and ctx.away_parents:
                caller = helper if helper and rng.random() < 0.3 else head
                day = rng.choice(week)
                if self.staff_active(caller, day):
                    self.parent_call(ctx, caller, day, cutoff)
        for year, month, month_days in self.log.months:
            in_month = [d for d in month_days if since <= d <= cutoff]
            if not in_month:
                continue
            by = mama if mama and rng.random() < 0.7 else head
            if ctx.away_parents and rng.random() < 0.8:
                day = rng.choice(in_month)
                if self.staff_active(by, day):
                    self.family_call(ctx, by, day)
            chance = LETTER_CHANCE.get(month, 0.5)
            moon = (year, month) == (MOON_LETTERS[0].year, MOON_LETTERS[0].month)
            if ctx.away_parents and rng.random() < chance:
                if moon:
                    pool = [d for d in in_month if MOON_LETTERS[0] <= d <= MOON_LETTERS[1]]
                else:
                    pool = in_month
                if pool:
                    day = rng.choice(pool)
                    if self.staff_active(by, day):
                        self.letter(ctx, by, day, moon=moon)
            if r["key_target"] and counselors and rng.random() < 0.85:
                self.counsel(ctx, counselors[cid % len(counselors)], rng.choice(in_month))
        for visit_from, term_end in self.log.terms:  # 家访: once a term
            if rng.random() < 0.7:
                days = self.school_days
                lo = bisect.bisect_left(days, max(visit_from, since))
                pool = days[lo:bisect.bisect_right(days, min(cutoff, term_end))]
                if pool:
                    day = rng.choice(pool)
                    visitor = self.helper_on(cid, day) or head
                    if not self.staff_active(visitor, day):
                        visitor = head
                    self.home_visit(ctx, visitor, day)
        for day, text in MEETINGS:
            if since <= day <= cutoff and rng.random() < 0.45:
                self.meeting(ctx, head, day, text)
        if ctx.away_parents:
            self.holiday_calls(ctx, head, mama, since, cutoff, parity)

    def holiday_calls(self, ctx: "_TalkContext", head: int, mama: int | None, since: dt.date, cutoff: dt.date,
                      parity: int) -> None:
        """In the winter and summer holidays teachers keep in touch by phone: the class teacher
        calls a parent, the 帮扶教师 the guardian (every other week each), the 爱心妈妈 the child."""
        rng = self.rng
        cid = ctx.row["id"]
        for w, week in enumerate(self.log.holiday_weeks):
            week = [d for d in week if since <= d <= cutoff]
            if not week:
                continue
            helper = self.helper_on(cid, week[0])
            if w % 2 == parity:
                if rng.random() < 0.9:
                    relation = rng.choice(ctx.away_parents)
                    text, concerns = rng.choice(HOLIDAY_PARENT_TEXTS)
                    self.contact(ctx, head, "家长电话", self.at(rng.choice(week), HOLIDAY_SLOTS),
                                 minutes=rng.randint(3, 15), content=ctx.fmt(text, parent=relation),
                                 callee=relation, concerns=concerns)
            elif helper and rng.random() < 0.8:
                day = rng.choice(week)
                if self.staff_active(helper, day):
                    text, concerns = rng.choice(HOLIDAY_GUARDIAN_TEXTS)
                    self.contact(ctx, helper, "家长电话", self.at(day, HOLIDAY_SLOTS), minutes=rng.randint(3, 12),
                                 content=ctx.fmt(text), callee=ctx.row["guardian_name"], concerns=concerns)
            if mama and rng.random() >= self.diligence[mama] + 0.1:
                day = rng.choice(week)
                if self.staff_active(mama, day):
                    text, mood = rng.choice(HOLIDAY_TALKS)
                    self.contact(ctx, mama, "谈心", self.at(day, HOLIDAY_SLOTS), minutes=rng.choice((5, 10, 10, 15)),
                                 content=ctx.fmt(text), place="电话", mood=mood,
                                 concerns="心理" if mood == "低落" else "")

    def helper_on(self, child_id: int, day: dt.date) -> int | None:
        for staff_id, since, until in self.helper_of.get(child_id, []):
            if since <= day and (until is None or day <= until):
                return staff_id
        return None

    def staff_active(self, staff_id: int | None, day: dt.date) -> bool:
        if staff_id is None:
            return False
        left = self.staff_by_id[staff_id]["left_on"]
        return left is None or day < left

    def at(self, day: dt.date, slots) -> dt.datetime:
        start, end = self.rng.choice(slots)
        minute = self.rng.randrange(start, end + 1)
        return dt.datetime.combine(day, dt.time(minute // 60, minute % 60))

    def contact(self, ctx: "_TalkContext", staff: int | None, kind: str, when: dt.datetime, *,
                minutes: int | None, content: str, reached: bool = True, place: str = "", callee: str = "",
                effect: str = "", mood: str = "", concerns: str = "", follow_up: str = "",
                follow_up_due: dt.date | None = None, group_key: str = "", written_before: bool = False,
                parent_feedback: str = "", family_members: str = "", living_conditions: str = "",
                education_needs: str = "") -> None:
        created = when if written_before else when + dt.timedelta(minutes=(minutes or 0) + self.rng.randrange(1, 30))
        created = str(created)  # what SQLite stores for a datetime: 'YYYY-MM-DD HH:MM:SS'
        self.contacts.append((
            ctx.row["id"], staff, kind, str(when), minutes, reached, place, callee, content, effect, mood, concerns,
            follow_up, None if follow_up_due is None else str(follow_up_due), group_key, created, created,
            parent_feedback, family_members, living_conditions, education_needs, "", "",
        ))

    def talk(self, ctx: "_TalkContext", staff: int, day: dt.date, place: str) -> None:
        rng = self.rng
        when = self.at(day, TALK_SLOTS)
        parts, mood, concerns = ctx.talk_text()
        effect = ctx.fmt(rng.choice(EFFECTS)) if concerns and rng.random() < 0.3 else ""
        follow_up, due = "", None
        if concerns and rng.random() < 0.3:
            follow_up = rng.choice(FOLLOW_UPS[concerns[0]])
            due = day + dt.timedelta(days=rng.choice((3, 7, 7, 14)))
        self.contact(ctx, staff, "谈心", when, minutes=rng.choice((5, 8, 10, 10, 15, 15, 20, 25, 30)),
                     content="".join(parts), place=place, effect=effect, mood=mood,
                     concerns=join_multi(c for c in rules.CONCERNS if c in concerns),
                     follow_up=follow_up, follow_up_due=due)

    def parent_call(self, ctx: "_TalkContext", staff: int, day: dt.date, cutoff: dt.date) -> None:
        rng = self.rng
        relation = rng.choice(ctx.away_parents)
        when = self.at(day, CALL_SLOTS)
        if rng.random() < 0.1:
            self.contact(ctx, staff, "家长电话", when, minutes=None, reached=False, content="未接通",
                         callee=relation)
            days = self.school_days
            later = days[bisect.bisect_right(days, day):bisect.bisect_right(days, min(cutoff, day + dt.timedelta(days=4)))]
            if not later or rng.random() < 0.3:
                return  # not tried again yet
            day = rng.choice(later)
            when = self.at(day, CALL_SLOTS)
        text, concerns = rng.choice(PHONE_TEXTS)
        text = ctx.fmt(text, parent=relation)
        self.contact(ctx, staff, "家长电话", when, minutes=rng.randint(3, 15), content=text,
                     callee=relation, concerns=concerns)

    def family_call(self, ctx: "_TalkContext", staff: int, day: dt.date) -> None:
        rng = self.rng
        relation = rng.choice(ctx.away_parents)
        text, mood = rng.choice(CALL_TEXTS)
        self.contact(ctx, staff, "亲情电话", self.at(day, CALL_SLOTS), minutes=rng.randint(3, 15),
                     content=ctx.fmt(text, parent=relation), place="留守儿童之家", callee=relation, mood=mood,
                     concerns="心理" if mood == "低落" else "", written_before=True)

    def letter(self, ctx: "_TalkContext", staff: int, day: dt.date, *, moon: bool) -> None:
        rng = self.rng
        relation = rng.choice(ctx.away_parents)
        text = MOON_LETTER if moon else rng.choice(LETTER_TEXTS)
        self.contact(ctx, staff, "亲情书信", self.at(day, TALK_SLOTS), minutes=rng.choice((20, 25, 30)),
                     content=ctx.fmt(text, parent=relation), place="留守儿童之家", callee=relation,
                     mood=rng.choice(("开心", "平静", "开心")))

    def counsel(self, ctx: "_TalkContext", staff: int, day: dt.date) -> None:
        rng = self.rng
        text, mood = rng.choice(COUNSEL_TEXTS)
        follow_up, due = ("下月继续个别辅导", day + dt.timedelta(days=28)) if rng.random() < 0.4 else ("", None)
        self.contact(ctx, staff, "心理辅导", self.at(day, COUNSEL_SLOTS), minutes=rng.choice((25, 30, 35, 40)),
                     content=ctx.fmt(text), place="心理咨询室", mood=mood, concerns="心理",
                     effect=ctx.fmt(rng.choice(EFFECTS)) if rng.random() < 0.5 else "",
                     follow_up=follow_up, follow_up_due=due)

    def home_visit(self, ctx: "_TalkContext", staff: int, day: dt.date) -> None:
        rng = self.rng
        env, kid = rng.choice(VISIT_ENV), rng.choice(VISIT_KID)
        seen = env + kid
        feedback = rng.choice(VISIT_FEEDBACK)  # the 家访手记's 家长反馈
        text = seen + feedback
        follow_up, due, concerns = "", None, ""
        if ctx.row["hardship"] and rng.random() < 0.6:
            follow_up, due, concerns = "协助申请冬季临时救助", day + dt.timedelta(days=14), "生活"
        elif "手机" in text or "看不懂" in text:
            concerns = "学业"
        when, minutes = self.at(day, VISIT_SLOTS), rng.choice((30, 35, 40))
        where = ctx.fmt("{g}")
        # 生活环境 and 孩子表现 (the content) are one formatted text cut in two: each ctx.fmt draws a
        # number, and one call as before keeps the rest of the demo school as it was.
        seen = ctx.fmt(seen)
        cut = len(env.format(ta=ctx.ta, g=ctx.g))
        away = {0: "", 1: "".join(ctx.away_parents) + "在外务工，", 2: "父母均在外务工，"}[len(ctx.away_parents)]
        members = f"{away}{ctx.g}在家照看"
        self.contact(ctx, staff, "家访", when, minutes=minutes,
                     content="到" + where + "家走访：" + seen[cut:], place="家中",
                     callee=ctx.row["guardian_name"], concerns=concerns, follow_up=follow_up, follow_up_due=due,
                     parent_feedback=ctx.fmt(feedback), family_members=members,
                     living_conditions=seen[:cut].rstrip("，"), education_needs=VISIT_NEEDS[feedback])

    def meeting(self, ctx: "_TalkContext", staff: int, day: dt.date, text: str) -> None:
        self.contact(ctx, staff, "监护人座谈", dt.datetime.combine(day, dt.time(15, 0)), minutes=40,
                     content=ctx.fmt(text), place="学校会议室", callee=ctx.row["guardian_name"],
                     group_key=f"监护人座谈-{day:%Y%m%d}")

    # ------------------------------------------------------------ calendar

    def make_events(self) -> None:
        rng = self.rng
        school = self.school
        for item in EVENTS:
            start, title, kind, organiser, *rest = item
            extra = rest[0] if rest else {}
            self.add(Event, school=school, title=title, kind=kind, start_date=start,
                     end_date=extra.get("end"), start_time=extra.get("time"), place=extra.get("place", ""),
                     organiser=organiser, notes=extra.get("notes", ""), rrule=extra.get("rrule", ""),
                     series=None, occurrence=None, cancelled=False)
        events = {e["title"]: e for e in self.rows[Event]}
        weekly = events["升旗仪式暨主题班会"]
        self.add(Event, school=school, title=weekly["title"], kind=weekly["kind"], start_date=dt.date(2026, 10, 5),
                 end_date=None, start_time=weekly["start_time"], place=weekly["place"], organiser=weekly["organiser"],
                 notes="国庆假期，本周停。", rrule="", series=weekly["id"], occurrence=dt.date(2026, 10, 5),
                 cancelled=True)
        self.add(Event, school=school, title=weekly["title"], kind=weekly["kind"], start_date=dt.date(2026, 11, 16),
                 end_date=None, start_time=dt.time(8, 0), place="学校操场", organiser=weekly["organiser"],
                 notes="本周主题：冬季防火、防溺水安全教育。", rrule="", series=weekly["id"],
                 occurrence=dt.date(2026, 11, 16), cancelled=False)
        present = {}
        for kid in self.kids:
            if kid.family.left_behind:
                present[kid.row["id"]] = kid
        for title, share in (("中秋节“月圆寄相思”亲情活动", 0.5), ("重阳节“孝老爱亲”活动", 0.3),
                             ("秋季游览“家乡变化我来看”", 0.12)):
            event = events[title]
            day = event["start_date"]
            for cid, kid in present.items():
                if self.transferred.get(cid, dt.date.max) <= day:
                    continue
                if rng.random() < share:
                    self.add(Attendance, event=event["id"], child=cid, on_date=day)

    # ------------------------------------------------------------ writing

    def write(self, progress: Progress) -> dict:
        db = dbmod.current()
        counts = {m._meta.table_name: 0 for m in ALL_MODELS}
        # Classrooms point at staff, staff do not point at classrooms: insert in dependency order.
        order = [School, Staff, BusRoute, Classroom, TeachingAssignment, Child, Parent, Pairing, Contact,
                 Event, Attendance]
        order += [m for m in ALL_MODELS if m not in order]
        # (inside load_sample's transaction)
        for n, model in enumerate(order):
            label = f"写入{_LABELS.get(model, model.__name__)}"
            if model is Contact:
                progress("生成谈心记录", 0.3)
                for rows, share in self.contact_chunks():
                    _insert_tuples(db, model, CONTACT_COLUMNS, rows)
                    counts[model._meta.table_name] += len(rows)
                    progress(label, 0.3 + 0.6 * share)
                continue
            rows = self.rows[model]
            if not rows:
                continue
            progress(label, 0.3 * n / 8 if n < 8 else 0.9)
            if model is Event:  # exceptions point at their series: series rows first
                rows = sorted(rows, key=lambda r: (r["series"] is not None, r["id"]))
            _insert(db, model, rows)
            counts[model._meta.table_name] = len(rows)
        return counts


_LABELS = {School: "学校", Staff: "教师", BusRoute: "校车", Classroom: "班级", TeachingAssignment: "任课",
           Child: "学生", Parent: "家长", Pairing: "结对", Contact: "谈心记录", Event: "行事历", Attendance: "活动签到"}

# minutes after midnight: 早读前, 大课间, 午休, 课外活动/放学后
TALK_SLOTS = ((470, 495), (600, 625), (750, 820), (945, 1050))
CALL_SLOTS = ((750, 820), (960, 1050))
COUNSEL_SLOTS = ((840, 990),)
VISIT_SLOTS = ((960, 1050),)
HOLIDAY_SLOTS = ((570, 690), (1140, 1230))  # holidays: mornings and evenings


def _insert(db: pw.Database, model: type, rows: list[dict]) -> None:
    full = _complete(model, rows)
    if isinstance(db, pw.SqliteDatabase):
        _insert_sqlite(db, model, full)
        return
    batch = max(1, min(2000, 30000 // len(model._meta.sorted_fields)))  # PostgreSQL: 65535 parameters
    for chunk in pw.chunked(full, batch):
        model.insert_many(chunk).execute()


CONTACT_COLUMNS = ("id", "child", "staff", "kind", "at", "minutes", "reached", "place", "callee", "content", "effect",
                   "mood", "concerns", "follow_up", "follow_up_due", "group_key", "created_at", "updated_at",
                   "parent_feedback", "family_members", "living_conditions", "education_needs", "problems", "materials")


def _insert_tuples(db: pw.Database, model: type, names: tuple[str, ...], rows: list[tuple]) -> None:
    """Rows already in their stored form, as tuples in the order of ``names`` (every column)."""
    fields = [model._meta.fields[n] for n in names]
    assert set(names) == {f.name for f in model._meta.sorted_fields}, f"{model.__name__}: not every column"
    if isinstance(db, pw.SqliteDatabase):
        columns = ", ".join(f'"{f.column_name}"' for f in fields)
        marks = ", ".join("?" for _ in fields)
        db.cursor().executemany(f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({marks})', rows)
        return
    _insert(db, model, [dict(zip(names, row)) for row in rows])


def _insert_sqlite(db: pw.SqliteDatabase, model: type, rows) -> None:
    """What ``insert_many`` does, minus building one big SQL text per batch (10x faster):
    one prepared INSERT, values converted by each field's own ``db_value``."""
    fields = model._meta.sorted_fields
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    marks = ", ".join("?" for _ in fields)
    sql = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({marks})'
    db.cursor().executemany(sql, (tuple(f.db_value(row[f.name]) for f in fields) for row in rows))


def join_notes(old: str, new: str) -> str:
    return f"{old}{new}" if old else new


def _complete(model: type, rows: list[dict]):
    """Give every row every column (insert_many needs one shape); no callable defaults allowed:
    timestamps must come from the sample's dates, never from the clock."""
    names = [f.name for f in model._meta.sorted_fields]
    for row in rows:
        full = {}
        for f in model._meta.sorted_fields:
            if f.name in row:
                full[f.name] = row[f.name]
            elif callable(f.default):
                raise ValueError(f"{model.__name__}.{f.name} must be set explicitly")
            else:
                full[f.name] = f.default
        unknown = set(row) - set(names)
        if unknown:
            raise ValueError(f"{model.__name__}: unknown fields {sorted(unknown)}")
        yield full


class _TalkContext:
    """What the talk texts need to know about one child, and the child's leanings."""

    def __init__(self, kid: _Kid, gen: _Generator):
        self.kid = kid
        self.row = kid.row
        self.gen = gen
        self.rng = gen.rng
        fam = kid.family
        self.ta = "他" if kid.sex == "男" else "她"
        self.g = fam.guardian_word or "家长"
        self.away_parents = [rel for rel, away in (("父亲", fam.father_away), ("母亲", fam.mother_away)) if away]
        base = 0.4 if self.row["key_target"] else 0.18
        self.bad = base
        self.study_bad = 0.55 if self.row["academic_group"] in ("待提高", "中等") else 0.15
        self.health_bad = 0.3 if self.row["health"] != "健康" else 0.08

    def fmt(self, text: str, parent: str | None = None) -> str:
        p = {"父亲": "爸爸", "母亲": "妈妈", None: "爸爸妈妈"}[parent]
        return text.format(ta=self.ta, g=self.g, p=p, score=self.rng.randint(72, 98))

    def talk_text(self) -> tuple[list[str], str, list[str]]:
        rng = self.rng
        topics = rng.sample(("学业", "心理", "生活", "健康", "安全"), 1 if rng.random() < 0.65 else 2)
        parts, concerns, mood = [], [], ""
        for topic in ("学业", "心理", "生活", "健康", "安全"):
            if topic not in topics:
                continue
            bad_chance = {"学业": self.study_bad, "健康": self.health_bad}.get(topic, self.bad)
            bad = rng.random() < bad_chance
            if topic == "学业":
                parts.append(rng.choice(STUDY_BAD if bad else STUDY_GOOD))
            elif topic == "心理":
                if bad:
                    text, mood = rng.choice(MOOD_BAD)
                    parts.append(text)
                else:
                    parts.append(rng.choice(MOOD_GOOD))
            elif topic == "生活":
                parts.append(rng.choice(LIFE_BAD if bad else LIFE_GOOD))
            elif topic == "健康":
                parts.append(rng.choice(HEALTH_BAD if bad else HEALTH_GOOD))
            else:
                bad = rng.random() < 0.08
                parts.append(rng.choice(SAFETY_BAD if bad else SAFETY_GOOD))
            if bad:
                concerns.append(topic)
        if not mood:
            mood = rng.choice(("开心", "平静", "平静")) if not concerns else rng.choice(("平静", "低落", "焦虑"))
        return [self.fmt(p) for p in parts], mood, concerns


# --------------------------------------------------------------------------- the 2026 calendar

_d = dt.date
_t = dt.time
EVENTS = (
    # spring term: the seed's 行事历, 2月–8月
    (_d(2026, 2, 26), "制定学期留守儿童工作计划", "会议", "德育处", {"place": "会议室", "time": _t(15, 0)}),
    (_d(2026, 2, 27), "清理留守儿童档案，落实人员职责", "检查", "教导处", {"place": "留守儿童之家"}),
    (_d(2026, 3, 4), "困难“留守儿童”摸底调查", "活动", "德育处", {"end": _d(2026, 3, 13), "notes": "各班主任逐一核实，特困、特长、残障（三特生）详细记载。"}),
    (_d(2026, 3, 8), "三八妇女节：关爱女孩活动", "节日活动", "少先队大队部", {"notes": "给妈妈、奶奶写一句祝福。"}),
    (_d(2026, 3, 12), "召开“留守儿童”工作会议", "会议", "校长室", {"place": "会议室", "time": _t(16, 0)}),
    (_d(2026, 3, 20), "“留守儿童”结对帮扶落实情况检查", "检查", "德育处"),
    (_d(2026, 4, 8), "“留守儿童”课外兴趣小组活动", "活动", "教导处", {"place": "留守儿童之家", "time": _t(15, 40), "rrule": "FREQ=WEEKLY;BYDAY=WE;UNTIL=20260624", "notes": "书法、绘画、跳绳、芦笙四个小组。"}),
    (_d(2026, 4, 24), "“潜能生”特长展示", "活动", "少先队大队部", {"place": "学校操场", "time": _t(14, 30)}),
    (_d(2026, 5, 1), "五一劳动节：热爱劳动、尊重劳动人民", "节日活动", "少先队大队部", {"notes": "假期在家帮监护人做一件家务。"}),
    (_d(2026, 5, 4), "五四青年节：弘扬民族精神教育", "节日活动", "少先队大队部"),
    (_d(2026, 5, 11), "开设留守儿童信箱、专栏和广播栏目", "活动", "德育处", {"place": "留守儿童之家"}),
    (_d(2026, 5, 21), "法制、安全、心理健康教育讲座", "讲座", "青山派出所", {"place": "学校礼堂", "time": _t(14, 30)}),
    (_d(2026, 6, 1), "六一儿童节：奋发学习，当好接班人", "节日活动", "少先队大队部", {"place": "学校操场", "time": _t(9, 0), "notes": "文艺汇演，邀请监护人观看。"}),
    (_d(2026, 6, 10), "心理咨询室教师与“潜能生”谈话疏导", "活动", "心理咨询室", {"end": _d(2026, 6, 19)}),
    (_d(2026, 6, 24), "检查班主任“留守儿童”工作手册", "检查", "校长室"),
    (_d(2026, 6, 26), "“留守儿童”工作整理评比", "检查", "德育处"),
    (_d(2026, 7, 1), "七一建党节：热爱党、歌颂党", "节日活动", "少先队大队部", {"place": "学校礼堂"}),
    (_d(2026, 7, 3), "春季学期留守儿童工作总结会", "会议", "校长室", {"place": "会议室", "time": _t(15, 0), "notes": "评比优秀小老师、优秀留守儿童、先进爱心妈妈。"}),
    (_d(2026, 7, 8), "部分“留守儿童”家长座谈会", "会议", "德育处", {"place": "会议室", "time": _t(10, 0)}),
    (_d(2026, 7, 10), "调整、完善家长学校及家长委员会成员", "会议", "校长室"),
    (_d(2026, 8, 12), "留守儿童“家长开放日”宣传及接待", "活动", "德育处", {"place": "留守儿童之家"}),
    (_d(2026, 8, 20), "留守儿童家长培训会", "培训", "德育处", {"place": "学校礼堂", "time": _t(9, 30)}),
    (_d(2026, 8, 21), "“留守儿童”监护人培训", "培训", "德育处", {"place": "学校礼堂", "time": _t(9, 30), "notes": "隔代教育、安全监护、防溺水。"}),
    # autumn term
    (_d(2026, 9, 1), "开学摸底：留守儿童排查、更新名册", "活动", "德育处", {"end": _d(2026, 9, 11)}),
    (_d(2026, 9, 7), "升旗仪式暨主题班会", "活动", "少先队大队部", {"place": "学校操场", "time": _t(7, 50), "rrule": "FREQ=WEEKLY;BYDAY=MO;UNTIL=20270118"}),
    (_d(2026, 9, 11), "建立健全留守儿童档案（建档率100%）", "检查", "教导处"),
    (_d(2026, 9, 15), "结对帮扶工作会：落实帮扶教师、爱心妈妈、学习帮手", "会议", "校长室", {"place": "会议室", "time": _t(16, 0)}),
    (_d(2026, 9, 16), "“留守儿童之家”开放", "活动", "德育处", {"place": "留守儿童之家", "time": _t(15, 40), "rrule": "FREQ=WEEKLY;BYDAY=WE;UNTIL=20270113", "notes": "亲情电话、图书阅览、兴趣小组。"}),
    (_d(2026, 9, 25), "中秋节“月圆寄相思”亲情活动", "节日活动", "德育处", {"place": "留守儿童之家", "notes": "节前写亲情书信；当天与父母视频通话。"}),
    (_d(2026, 9, 30), "国庆节爱国主义教育：“我和我的祖国”", "节日活动", "少先队大队部", {"place": "学校操场", "time": _t(9, 0)}),
    (_d(2026, 9, 30), "工作手册月检", "检查", "校长室", {"rrule": "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;UNTIL=20270131", "notes": "每月最后一个工作日检查班主任、帮扶教师的工作手册。"}),
    (_d(2026, 10, 16), "法制、安全、心理健康教育讲座", "讲座", "青山派出所", {"place": "学校礼堂", "time": _t(14, 30)}),
    (_d(2026, 10, 18), "重阳节“孝老爱亲”活动", "节日活动", "少先队大队部", {"notes": "九月初九：为爷爷奶奶做一件事，周一交照片或日记。"}),
    (_d(2026, 10, 23), "监护人座谈会", "会议", "德育处", {"place": "学校会议室", "time": _t(15, 0)}),
    (_d(2026, 10, 28), "秋季游览“家乡变化我来看”", "活动", "少先队大队部", {"place": "石门村茶园", "time": _t(9, 0)}),
    (_d(2026, 11, 6), "交通安全知识讲座", "讲座", "云岭县交警大队", {"place": "学校礼堂", "time": _t(14, 30)}),
    (_d(2026, 11, 11), "期中检查：谈心记录、家访手记抽查", "检查", "教导处", {"end": _d(2026, 11, 13)}),
    (_d(2026, 11, 20), "家长会（含监护人）", "会议", "校长室", {"place": "各班教室", "time": _t(15, 0)}),
    (_d(2026, 11, 25), "监护人培训：隔代教育", "培训", "德育处", {"place": "学校礼堂", "time": _t(15, 0)}),
    (_d(2026, 12, 4), "宪法日法治教育", "讲座", "德育处", {"place": "学校礼堂", "time": _t(14, 30)}),
    (_d(2026, 12, 16), "留守儿童心理健康团体辅导", "活动", "心理咨询室", {"place": "心理咨询室", "end": _d(2026, 12, 18)}),
    (_d(2026, 12, 25), "手抄报比赛“我的家”", "活动", "少先队大队部"),
    (_d(2026, 12, 31), "迎新年联欢活动", "活动", "少先队大队部", {"place": "各班教室", "time": _t(14, 0)}),
    (_d(2027, 1, 15), "秋季学期留守儿童工作总结会", "会议", "校长室", {"place": "会议室", "time": _t(15, 0), "notes": "评比优秀小老师、优秀留守儿童、先进爱心妈妈。"}),
    (_d(2027, 1, 20), "寒假安全教育，给父母写一封信", "活动", "德育处"),
)
