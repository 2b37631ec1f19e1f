"""Table-driven tests of models.validation: every rule with valid and invalid input."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from models.validation import (
    Invalid,
    check_id_agrees,
    find_bad_char,
    id_birth_date,
    id_check_char,
    id_sex,
    validate_date,
    validate_id_number,
    validate_mobile,
    validate_name,
    validate_phone,
    validate_student_no,
)

TODAY = date(2025, 6, 1)
FW = str.maketrans("0123456789Xx-()+", "０１２３４５６７８９Ｘｘ－（）＋")


def make_id(area: str = "510104", birth: str = "20150302", seq: str = "123") -> str:
    """A well-formed 18-character ID with the correct MOD 11-2 check char."""
    body = area + birth + seq
    return body + id_check_char(body)


def wrong_check(id18: str) -> str:
    """The same ID with a check char that is certainly wrong."""
    return id18[:17] + ("0" if id18[17] != "0" else "1")


REAL = "11010519491231002X"  # the sample number printed in GB 11643
ID = make_id()                 # 510104 2015-03-02 seq 123 (odd: 男)
ID_F = make_id(seq="124")      # 女


# --- check char ---------------------------------------------------------------------

@pytest.mark.parametrize(
    "body17, expected",
    [
        ("11010519491231002", "X"),
        ("44052418800101001", "4"),
        ("00000000000000000", "1"),
    ],
)
def test_id_check_char(body17, expected):
    assert id_check_char(body17) == expected


# --- find_bad_char ------------------------------------------------------------------

@pytest.mark.parametrize(
    "value, expected",
    [
        ("", None),
        ("张小明", None),
        ("Anna Li", None),
        ("𠮷", None),
        ("a\u200bc", (2, "\u200b")),
        ("\ufeffabc", (1, "\ufeff")),
        ("ab\x1b[31m", (3, "\x1b")),
        ("abc\u202e", (4, "\u202e")),
        ("a\u2066b", (2, "\u2066")),
        ("a\x85b", (2, "\x85")),
        ("a\u00a0b", (2, "\u00a0")),
        ("a\u3164b", (2, "\u3164")),
        ("a\ufe0fb", (2, "\ufe0f")),
        ("a\ue000b", (2, "\ue000")),
    ],
)
def test_find_bad_char(value, expected):
    assert find_bad_char(value) == expected


# --- 身份证号码 ---------------------------------------------------------------------

@pytest.mark.parametrize(
    "value, expected",
    [
        (REAL, REAL),
        (REAL.lower(), REAL),
        (f"  {REAL}\n", REAL),
        (f"\u3000{REAL}\u3000", REAL),  # ideographic spaces from a Chinese IME
        (REAL.translate(FW), REAL),  # full-width digits and Ｘ
        (REAL.lower().translate(FW), REAL),  # full-width ｘ
        (ID, ID),
        ("110105491231002", REAL),  # old 15-digit form: '19' inserted, check appended
        ("510104150302123", make_id(birth="19150302")),
        (make_id(birth="20160229"), make_id(birth="20160229")),  # leap year
        (make_id(birth="20000229"), make_id(birth="20000229")),  # 2000 is a leap year
        (make_id(birth="20250601"), make_id(birth="20250601")),  # born today
        (make_id(birth="19000101"), make_id(birth="19000101")),
        (make_id(area="710000"), make_id(area="710000")),  # 台湾
        (make_id(area="810000"), make_id(area="810000")),  # 香港
        (make_id(area="820000"), make_id(area="820000")),  # 澳门
        (make_id(area="650102"), make_id(area="650102")),
        (make_id(area="540102"), make_id(area="540102")),
    ],
)
def test_id_number_valid(value, expected):
    assert validate_id_number(value, today=TODAY) == expected


@pytest.mark.parametrize(
    "value, message",
    [
        ("", "请填写身份证号码"),
        ("   ", "请填写身份证号码"),
        (ID[:4] + "\u0665" + ID[5:], "第5位“٥”（U+0665）不是0–9的半角数字"),  # Arabic-Indic
        (ID.replace("5", "\u096b", 1), "U+096B"),  # Devanagari
        ("\u0661\u0661" + ID[2:], "第1位"),
        (ID[:4] + "\u200b" + ID[4:], "第5位含不可见字符 U+200B"),
        ("\ufeff" + ID, "第1位含不可见字符 U+FEFF"),
        (ID[:6] + "\u202e" + ID[6:], "第7位含不可见字符 U+202E"),
        (ID[:6] + "\u2067" + ID[6:], "U+2067"),
        (ID[:3] + "\x1b" + ID[3:], "第4位含不可见字符 U+001B"),
        (ID[:3] + "\x9b" + ID[3:], "U+009B"),
        (ID[:3] + "\u2060" + ID[3:], "U+2060"),
        (ID[:6] + "-" + ID[6:], "第7位是“-”，应为数字"),
        (ID[:6] + " " + ID[6:], "第7位是空格"),
        ("51010420150X02123" + "4", "第12位是X，只有最后一位可以是X"),
        (ID[:17], "应为18位（旧证15位），现在是17位"),
        (ID + "1", "现在是19位"),
        ("51010415030212X", "15位的旧身份证号码不含X"),
        (make_id(birth="20150229"), "出生日期 20150229 不存在"),  # not a leap year
        (make_id(birth="19000229"), "出生日期 19000229 不存在"),  # 1900 is not either
        (make_id(birth="20151301"), "20151301 不存在"),
        (make_id(birth="20150300"), "20150300 不存在"),
        ("510104151302123", "19151302 不存在"),  # 15-digit with a bad month
        (make_id(birth="20250602"), "出生日期 2025-06-02 晚于今天"),
        (make_id(birth="18991231"), "早于1900年"),
        (make_id(area="990000"), "前两位 99 不是有效的省份代码"),
        (make_id(area="910000"), "前两位 91 不是有效的省份代码"),
        (make_id(area="100000"), "不是有效的省份代码"),
        (make_id(area="000000"), "不是有效的省份代码"),
        (make_id(area="160000"), "不是有效的省份代码"),
        (wrong_check(ID), "校验位不符"),
        (wrong_check(REAL), "校验位不符"),
        ("11010519491231002" + "1", "校验位不符"),
    ],
)
def test_id_number_invalid(value, message):
    with pytest.raises(Invalid) as exc:
        validate_id_number(value, today=TODAY)
    assert message in str(exc.value)


def test_id_number_default_today_refuses_far_future():
    with pytest.raises(Invalid, match="晚于今天"):
        validate_id_number(make_id(birth="29991231"))


@pytest.mark.parametrize(
    "id18, born, sex",
    [
        (REAL, date(1949, 12, 31), "女"),  # sequence 002: even
        (ID, date(2015, 3, 2), "男"),
        (ID_F, date(2015, 3, 2), "女"),
        (make_id(birth="20160229", seq="009"), date(2016, 2, 29), "男"),
    ],
)
def test_id_birth_date_and_sex(id18, born, sex):
    assert id_birth_date(id18) == born
    assert id_sex(id18) == sex


@pytest.mark.parametrize(
    "id18, born, sex",
    [
        (ID, date(2015, 3, 2), "男"),
        (ID, None, None),
        (ID, None, ""),
        (ID, "", "男"),
        (ID, "2015-03-02", None),
        (ID, "2015年3月2日", "男"),
        (ID_F, date(2015, 3, 2), "女"),
    ],
)
def test_check_id_agrees_ok(id18, born, sex):
    assert check_id_agrees(id18, born, sex) is None


@pytest.mark.parametrize(
    "id18, born, sex, message",
    [
        (ID, date(2015, 3, 12), None,
         "身份证号中的出生日期 2015-03-02 与填写的出生日期 2015-03-12 不一致"),
        (ID, date(2015, 3, 12), "男", "出生日期"),
        (ID, "2015-03-12", None, "不一致"),
        (ID, None, "女", "身份证号中的性别 男 与填写的性别 女 不一致"),
        (ID_F, date(2015, 3, 2), "男", "身份证号中的性别 女 与填写的性别 男 不一致"),
    ],
)
def test_check_id_agrees_refuses(id18, born, sex, message):
    with pytest.raises(Invalid) as exc:
        check_id_agrees(id18, born, sex)
    assert message in str(exc.value)


# --- 学籍号 -------------------------------------------------------------------------

J17 = "12345678901234567"
J_NO = "J" + J17 + id_check_char(J17)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("G" + ID, "G" + ID),
        ("g" + ID, "G" + ID),
        ("g" + REAL.lower(), "G" + REAL),
        (" G" + REAL + " ", "G" + REAL),
        (("G" + REAL).translate(FW).replace("G", "Ｇ"), "G" + REAL),  # full-width
        (J_NO, J_NO),
        (J_NO.lower(), J_NO),
        ("J" + REAL, "J" + REAL),  # J uses the same MOD 11-2 check
        ("L" + "123456789012345678", "L123456789012345678"),
        ("L" + "12345678901234567X", "L12345678901234567X"),
        ("l" + "12345678901234567x", "L12345678901234567X"),
    ],
)
def test_student_no_valid(value, expected):
    assert validate_student_no(value, today=TODAY) == expected


@pytest.mark.parametrize(
    "value, message",
    [
        ("", "请填写学籍号"),
        ("12345", "G加18位身份证号码；J加17位数字和1位校验码；L加18位临时号码"),
        (ID, "三种之一"),  # a bare ID number without the letter
        ("A" + ID, "三种之一"),
        ("学" + ID, "三种之一"),
        ("G" + ID[:17], "共19位，现在是18位"),
        ("G" + "110105491231002", "现在是16位"),  # old 15-digit ID not accepted after G
        ("G" + wrong_check(ID), "学籍号G后面应是身份证号码：身份证号码校验位不符"),
        ("G" + make_id(area="990000"), "不是有效的省份代码"),
        ("G" + make_id(birth="20300101"), "晚于今天"),
        ("G" + ID[:5] + "\u0663" + ID[6:], "U+0663"),
        ("J" + wrong_check(J_NO[1:]), "学籍号校验码不符"),
        ("J" + J17, "共19位"),
        ("J" + J17[:5] + "A" + J17[6:] + "1", "学籍号第7位是“A”"),
        ("L" + "1234567890123456", "共19位"),
        ("L" + "1234X6789012345678", "第6位是X，只有最后一位可以是X"),
        ("L" + "12345678901234567-", "第19位是“-”"),
        ("G" + ID[:8] + "\u200b" + ID[8:], "学籍号第10位含不可见字符 U+200B"),
    ],
)
def test_student_no_invalid(value, message):
    with pytest.raises(Invalid) as exc:
        validate_student_no(value, today=TODAY)
    assert message in str(exc.value)


# --- mobile phones ------------------------------------------------------------------

@pytest.mark.parametrize(
    "value, expected",
    [
        ("13912345678", "13912345678"),
        (" 19912345678 ", "19912345678"),
        ("+8613912345678", "13912345678"),
        ("+86 139 1234 5678", "13912345678"),
        ("+86-139-1234-5678", "13912345678"),
        ("(+86) 13912345678", "13912345678"),
        ("008613912345678", "13912345678"),
        ("0086-139-1234-5678", "13912345678"),
        ("8613912345678", "13912345678"),
        ("139-1234-5678", "13912345678"),
        ("139 1234 5678", "13912345678"),
        ("(139)12345678", "13912345678"),
        ("１３９１２３４５６７８", "13912345678"),
        ("＋８６ １３９－１２３４－５６７８", "13912345678"),
        ("13012345678", "13012345678"),
        ("18612345678", "18612345678"),
    ],
)
def test_mobile_valid(value, expected):
    assert validate_mobile(value) == expected


@pytest.mark.parametrize(
    "value, message",
    [
        ("", "请填写手机号码"),
        ("1391234567", "应为11位数字，现在是10位"),
        ("139123456789", "现在是12位"),
        ("86139123456", "不能以86开头"),  # 11 digits: '86' is not a country code here
        ("12912345678", "应以13至19开头，不能以12开头"),
        ("10012345678", "不能以10开头"),
        ("23912345678", "不能以23开头"),
        ("139ab345678", "不能有字符 “a”"),
        ("139.1234.5678", "不能有字符 “.”"),
        ("+1 555 123 4567", "不能有字符 “+”"),
        ("139\u200b12345678", "手机号码第4位含不可见字符 U+200B"),
        ("\u0661\u0663\u0669\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668",
         "不能有字符 “١”"),
    ],
)
def test_mobile_invalid(value, message):
    with pytest.raises(Invalid) as exc:
        validate_mobile(value)
    assert message in str(exc.value)


# --- phones (mobile or landline) -----------------------------------------------------

@pytest.mark.parametrize(
    "value, expected",
    [
        ("0851-86661234", "0851-86661234"),
        ("(0851)86661234", "0851-86661234"),
        ("(0851) 8666 1234", "0851-86661234"),
        ("（０８５１）８６６６１２３４", "0851-86661234"),  # full-width
        ("085186661234", "0851-86661234"),
        ("0851 8666123", "0851-8666123"),  # 7-digit local number
        ("010 62345678", "010-62345678"),
        ("010-6234-5678", "010-62345678"),
        ("01062345678", "010-62345678"),
        ("021-52345678", "021-52345678"),
        ("02952345678", "029-52345678"),
        ("0898-66123456", "0898-66123456"),
        ("13912345678", "13912345678"),
        ("+86 139 1234 5678", "13912345678"),
        ("0086 13912345678", "13912345678"),
        ("8613912345678", "13912345678"),
    ],
)
def test_phone_valid(value, expected):
    assert validate_phone(value) == expected


@pytest.mark.parametrize(
    "value, message",
    [
        ("", "请填写电话号码"),
        ("  ", "请填写电话号码"),
        ("86661234", "固定电话请加区号"),
        ("8666123", "固定电话请加区号"),
        ("abc", "不能有字符 “a”"),
        ("12345", "手机号码应为11位数字"),
        ("0851-86661234转123", "不能有字符 “转”"),
        ("0851-86661234-123", "不要填分机号"),
        ("0851-86661234 ext 12", "不能有字符 “e”"),
        ("085-186661234", "电话区号不对"),
        ("0-85186661234", "电话区号不对"),
        ("0012345678", "电话区号不对"),
        ("0123-4567890", "电话区号不对"),
        ("0851-866612", "应为7或8位，现在是6位"),
        ("0851", "现在是0位"),
        ("0", "电话区号不对"),
        ("(01", "电话区号不对"),
        ("---", "应为11位手机号码或带区号的固定电话"),
        ("0851-06661234", "不能以0开头"),
        ("010-12345678", "不能以1开头"),
        ("0851\u200b86661234", "电话号码第5位含不可见字符 U+200B"),
        ("0851-8666\u0661234", "不能有字符 “١”"),
        ("12912345678", "不能以12开头"),
    ],
)
def test_phone_invalid(value, message):
    with pytest.raises(Invalid) as exc:
        validate_phone(value)
    assert message in str(exc.value)


# --- names --------------------------------------------------------------------------

@pytest.mark.parametrize(
    "value, expected",
    [
        ("张小明", "张小明"),
        ("  王芳\u3000", "王芳"),
        ("𠮷", "𠮷"),  # U+20BB7, CJK Extension B: one character
        ("𠮷野", "𠮷野"),
        ("欧阳娜娜", "欧阳娜娜"),
        ("买买提·艾力", "买买提·艾力"),
        ("买买提•艾力", "买买提·艾力"),  # U+2022
        ("买买提・艾力", "买买提·艾力"),  # U+30FB
        ("买买提･艾力", "买买提·艾力"),  # U+FF65
        ("买买提‧艾力", "买买提·艾力"),  # U+2027
        ("阿卜杜·热合曼·吐尔逊", "阿卜杜·热合曼·吐尔逊"),
        ("Anna-Marie O'Neil", "Anna-Marie O'Neil"),
        ("Anna-Marie O\u2019Neil", "Anna-Marie O\u2019Neil"),
        ("Anna  Li", "Anna Li"),  # runs of spaces collapse
        ("Ａｎｎａ Ｌｉ", "Anna Li"),  # full-width Latin
        ("Jose\u0301", "José"),  # combining accent composed (NFC)
        ("Zoë Müller", "Zoë Müller"),
        ("Nguyễn Văn An", "Nguyễn Văn An"),
        ("Анна", "Анна"),
        ("محمد", "محمد"),
        ("佐々木", "佐々木"),
        ("a", "a"),
        ("王" * 50, "王" * 50),
        ("𠮷" * 50, "𠮷" * 50),  # astral characters count as one each
    ],
)
def test_name_valid(value, expected):
    assert validate_name(value) == expected


@pytest.mark.parametrize(
    "value, message",
    [
        ("", "请填写姓名"),
        ("  \u3000", "请填写姓名"),
        ("王2", "姓名中不能有字符 “2”"),
        ("王２", "姓名中不能有字符 “2”"),
        ("[b]王", "姓名中不能有字符 “[”"),
        ("[b]王[/b]", "姓名中不能有字符 “[”"),
        ("王/明", "姓名中不能有字符 “/”"),
        ("王（明）", "姓名中不能有字符 “(”"),
        ("王明.", "姓名中不能有字符 “.”"),
        ("王😀", "姓名中不能有字符 “😀”"),
        ("王\x1b[31m", "姓名中含不可见字符 U+001B"),
        ("王\u202e", "姓名中含不可见字符 U+202E"),
        ("王\u200b明", "姓名中含不可见字符 U+200B"),
        ("\ufeff王明", "姓名中含不可见字符 U+FEFF"),
        ("王\u2066明", "U+2066"),
        ("王\x00明", "U+0000"),
        ("王\t明", "U+0009"),
        ("王\n明", "U+000A"),
        ("王\u3164明", "U+3164"),  # Hangul filler: a 'letter' that shows nothing
        ("王\ufe0f", "U+FE0F"),
        ("王\ue000", "U+E000"),
        ("Anna李 Li", "姓名中不能有空格"),
        ("王 明", "姓名中不能有空格"),
        ("王-明", "姓名中不能有字符 “-”"),
        ("王'明", "姓名中不能有字符 “'”"),
        ("··", "“·”只能放在两个字之间"),
        ("·王", "“·”只能放在两个字之间"),
        ("王·", "“·”只能放在两个字之间"),
        ("王··明", "“·”只能放在两个字之间"),
        ("买买提•·艾力", "“·”只能放在两个字之间"),
        ("Anna--Li", "“-”只能放在两个字之间"),
        ("Anna -Li", "空格只能放在两个字之间"),
        ("Anna-", "“-”只能放在两个字之间"),
        ("'Anna", "“'”只能放在两个字之间"),
        ("\u0301a", "U+0301 要跟在字母后面"),
        ("王" * 51, "姓名不能超过50个字"),
        ("𠮷" * 51, "姓名不能超过50个字"),
    ],
)
def test_name_invalid(value, message):
    with pytest.raises(Invalid) as exc:
        validate_name(value)
    assert message in str(exc.value)


# --- dates --------------------------------------------------------------------------

@pytest.mark.parametrize(
    "value, expected",
    [
        ("2015-03-02", date(2015, 3, 2)),
        (" 2015-03-02 ", date(2015, 3, 2)),
        ("2015-3-2", date(2015, 3, 2)),
        ("2015/03/02", date(2015, 3, 2)),
        ("2015.03.02", date(2015, 3, 2)),
        ("20150302", date(2015, 3, 2)),
        ("2015年3月2日", date(2015, 3, 2)),
        ("2015年03月02日", date(2015, 3, 2)),
        ("2015年3月2号", date(2015, 3, 2)),
        ("２０１５－０３－０２", date(2015, 3, 2)),
        ("２０１５年３月２日", date(2015, 3, 2)),
        ("2016-02-29", date(2016, 2, 29)),
        ("1900-01-01", date(1900, 1, 1)),
        ("2025-06-01", TODAY),
        (date(2015, 3, 2), date(2015, 3, 2)),
        (datetime(2015, 3, 2, 8, 30), date(2015, 3, 2)),
    ],
)
def test_date_valid(value, expected):
    assert validate_date(value, today=TODAY) == expected


@pytest.mark.parametrize(
    "value, field, message",
    [
        ("", "出生日期", "请填写出生日期"),
        ("2015-03", "出生日期", "出生日期格式应为 2015-03-02"),
        ("15-03-02", "出生日期", "格式应为 2015-03-02"),
        ("2015-03/02", "日期", "日期格式应为 2015-03-02"),  # mixed separators
        ("2015030", "日期", "格式应为"),
        ("March 2, 2015", "日期", "格式应为"),
        ("\u0662\u0660\u0661\u0665-03-02", "日期", "格式应为"),  # Arabic-Indic digits
        ("2015-03-02\u200b", "出生日期", "出生日期中含不可见字符 U+200B"),
        ("2015-02-29", "出生日期", "出生日期 2015年2月29日 不存在"),
        ("2015-13-01", "日期", "不存在"),
        ("2015-04-31", "日期", "不存在"),
        ("20150230", "日期", "不存在"),
        ("1899-12-31", "出生日期", "出生日期不能早于1900年"),
        ("2025-06-02", "出生日期", "出生日期不能晚于今天"),
        (date(2030, 1, 1), "日期", "日期不能晚于今天"),
    ],
)
def test_date_invalid(value, field, message):
    with pytest.raises(Invalid) as exc:
        validate_date(value, field=field, today=TODAY)
    assert message in str(exc.value)


@pytest.mark.parametrize("value", ["2025-06-02", "2030年1月1日", "20991231"])
def test_date_allow_future(value):
    assert validate_date(value, allow_future=True, today=TODAY) > TODAY
