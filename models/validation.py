"""Validators for what teachers type: ID numbers, 学籍号, phones, names, dates.

Each validator returns the normalised value or raises ``Invalid`` with a message in
Chinese that the form shows next to the field. No UI code here.

Input comes from Chinese IMEs (full-width digits and spaces), from copy-paste out of
Word, WeChat and web pages (zero-width spaces, bidi marks, NBSP) and occasionally from
hostile or broken sources (escape sequences). Full-width forms are folded to ASCII;
everything invisible is refused with its position and code point, because a stored
invisible character silently breaks search, uniqueness and exports.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from models.errors import UserError

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

# GB/T 2260 province-level codes (the first two digits of a 身份证号码).
PROVINCE_CODES = frozenset(
    [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37,
     41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65,
     71, 81, 82]
)
EARLIEST_YEAR = 1900
# Every date the app accepts lies in this range: date arithmetic near the calendar's ends (a
# term ending the next January, "the day after" an end date) would overflow Python's 1..9999.
EARLIEST_DAY = date(EARLIEST_YEAR, 1, 1)
LATEST_DAY = date(2999, 12, 31)
NAME_MAX_LEN = 50
NAME_DOT = "\u00b7"  # '·' MIDDLE DOT, the separator in transliterated names
_DOT_VARIANTS = {"\u2022": NAME_DOT, "\u30fb": NAME_DOT, "\uff65": NAME_DOT, "\u2027": NAME_DOT}
_LATIN_SEPARATORS = " -'\u2019"
_ASCII_DIGITS = "0123456789"

# Full-width ASCII (what a Chinese IME types in 全角 mode) and odd spaces -> ASCII.
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FOLD.update({0x3000: " ", 0x00A0: " "})

# Default-ignorable code points that unicodedata files under letters or marks
# (Hangul fillers, variation selectors, CGJ ...): invisible, so refused like Cf.
_IGNORABLE_RANGES = (
    (0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F),
    (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0), (0xE0100, 0xE01EF),
)

_AREA_HELP = "电话区号不对（北京010、020–029为3位，其他地区为4位，如0851）"
_STUDENT_NO_HELP = (
    "学籍号应为以下三种之一：G加18位身份证号码；J加17位数字和1位校验码；L加18位临时号码"
)


class Invalid(UserError, ValueError):
    """A value the user must correct; ``str(exc)`` is the message to show."""


def id_check_char(body17: str) -> str:
    """GB 11643 MOD 11-2 check character for the first 17 ASCII digits."""
    total = sum(int(d) * w for d, w in zip(body17, ID_WEIGHTS))
    return ID_CHECK_CHARS[total % 11]


# --- characters ---------------------------------------------------------------------

def is_invisible(ch: str) -> bool:
    """True for control, format, separator, private-use, unassigned and ignorable chars.

    ``str.isprintable`` is False exactly for the C* and Z* categories except the ASCII
    space; the ranges add the invisible code points filed as letters or marks.
    """
    if ch == " ":
        return False
    if not ch.isprintable():
        return True
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _IGNORABLE_RANGES)


_IGNORABLE_RE = re.compile("[" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in _IGNORABLE_RANGES) + "]")


def find_bad_char(value: str) -> tuple[int, str] | None:
    """The 1-based position and character of the first invisible character, or None."""
    if value.isprintable() and not _IGNORABLE_RE.search(value):
        return None  # the usual case, in C: an import checks a million characters
    for pos, ch in enumerate(value, 1):
        if is_invisible(ch):
            return pos, ch
    return None


def code_point(ch: str) -> str:
    """'U+200B' style label, for characters that cannot be shown."""
    return f"U+{ord(ch):04X}"


def _show(ch: str) -> str:
    """How a message names a character: quoted if visible, else by code point."""
    if ch == " ":
        return "空格"
    if is_invisible(ch) or unicodedata.category(ch).startswith("M"):
        return code_point(ch)
    return f"“{ch}”"


def _text(value: object) -> str:
    """The value as text; importers may hand over numbers read from Excel cells."""
    return "" if value is None else str(value)


def _prepare(value: str | None, label: str) -> str:
    """Fold full-width forms, strip, and refuse empty or invisible-character input."""
    text = _text(value).translate(_FOLD).strip()
    if not text:
        raise Invalid(f"请填写{label}")
    bad = find_bad_char(text)
    if bad:
        pos, ch = bad
        raise Invalid(f"{label}第{pos}位含不可见字符 {code_point(ch)}")
    return text


def _check_digits(text: str, label: str, *, x_last: bool, offset: int = 0) -> None:
    """Refuse anything but ASCII digits (and an 'X' in the last place if ``x_last``).

    Arabic-Indic, Devanagari and other decimal digits pass ``str.isdigit`` and even
    ``int()``, so they are named explicitly rather than let through.
    """
    for pos, ch in enumerate(text, 1 + offset):
        if ch in _ASCII_DIGITS:
            continue
        if ch == "X" and x_last:
            if pos == len(text) + offset:
                continue
            raise Invalid(f"{label}第{pos}位是X，只有最后一位可以是X")
        if ch.isdigit():
            raise Invalid(f"{label}第{pos}位“{ch}”（{code_point(ch)}）不是0–9的半角数字")
        raise Invalid(f"{label}第{pos}位是{_show(ch)}，应为数字")


# --- 公民身份证号码 ----------------------------------------------------------------------

def validate_id_number(value: str, *, today: date | None = None) -> str:
    """A 公民身份证号码 as 18 upper-case characters; old 15-digit numbers are upgraded."""
    label = "身份证号码"
    # Only 'x' is upper-cased: str.upper() can change the length ('ß' -> 'SS').
    text = _prepare(value, label).replace("x", "X")
    if len(text) == 15:
        if "X" in text:
            raise Invalid("15位的旧身份证号码不含X，请核对")
        _check_digits(text, label, x_last=False)
        body = text[:6] + "19" + text[6:]
        text = body + id_check_char(body)
    else:
        _check_digits(text, label, x_last=True)
        if len(text) != 18:
            raise Invalid(f"{label}应为18位（旧证15位），现在是{len(text)}位")

    province = int(text[:2])
    if province not in PROVINCE_CODES:
        raise Invalid(f"{label}前两位 {text[:2]} 不是有效的省份代码")

    raw = text[6:14]
    try:
        born = date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        raise Invalid(f"{label}中的出生日期 {raw} 不存在") from None
    if born.year < EARLIEST_YEAR:
        raise Invalid(f"{label}中的出生日期 {born.isoformat()} 早于{EARLIEST_YEAR}年")
    if born > (today or date.today()):
        raise Invalid(f"{label}中的出生日期 {born.isoformat()} 晚于今天")

    if text[17] != id_check_char(text[:17]):
        raise Invalid(f"{label}校验位不符，请逐位核对")
    return text


def id_birth_date(id18: str) -> date:
    """The birth date encoded in characters 7-14 of a validated 18-character ID."""
    try:
        return date(int(id18[6:10]), int(id18[10:12]), int(id18[12:14]))
    except (ValueError, IndexError):
        raise Invalid(f"身份证号码中的出生日期 {id18[6:14]} 不存在") from None


def id_sex(id18: str) -> str:
    """'男' if the 17th digit is odd, else '女' (GB 11643 sequence code)."""
    return "男" if int(id18[16]) % 2 else "女"


def check_id_agrees(id18: str, birth_date: date | str | None, sex: str | None) -> None:
    """Refuse a filled-in birth date or sex that contradicts the ID number.

    Empty values mean "not entered" and are not compared.
    """
    if birth_date:
        if isinstance(birth_date, str):
            birth_date = validate_date(birth_date, field="出生日期")
        from_id = id_birth_date(id18)
        if from_id != birth_date:
            raise Invalid(
                f"身份证号中的出生日期 {from_id.isoformat()} 与填写的出生日期 "
                f"{birth_date.isoformat()} 不一致"
            )
    if sex:
        from_id = id_sex(id18)
        if from_id != sex:
            raise Invalid(f"身份证号中的性别 {from_id} 与填写的性别 {sex} 不一致")


# --- 学籍号 -------------------------------------------------------------------------

def validate_student_no(value: str, *, today: date | None = None) -> str:
    """A national 学籍号: G + 身份证号, J + 17 digits + check char, or L + 18 (temporary)."""
    label = "学籍号"
    text = _prepare(value, label)
    kind, rest = text[0].upper(), text[1:].replace("x", "X")
    text = kind + rest
    if kind not in ("G", "J", "L"):
        raise Invalid(_STUDENT_NO_HELP)
    if len(rest) != 18:
        raise Invalid(f"{kind}开头的学籍号应为{kind}加18位，共19位，现在是{len(text)}位")
    if kind == "G":
        try:
            return kind + validate_id_number(rest, today=today)
        except Invalid as exc:
            raise Invalid(f"学籍号G后面应是身份证号码：{exc}") from None
    _check_digits(rest, label, x_last=True, offset=1)
    if kind == "J" and rest[17] != id_check_char(rest[:17]):
        raise Invalid("学籍号校验码不符，请逐位核对")
    return text


# --- phones ------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[ \-()]+")


def validate_mobile(value: str) -> str:
    """A mainland mobile number as 11 digits, without country code or separators."""
    label = "手机号码"
    digits = _SEPARATORS.sub("", _prepare(value, label))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif len(digits) == 13 and digits.startswith("861"):
        digits = digits[2:]
    for ch in digits:
        if ch not in _ASCII_DIGITS:
            raise Invalid(f"{label}中不能有字符 {_show(ch)}")
    if len(digits) != 11:
        raise Invalid(f"{label}应为11位数字，现在是{len(digits)}位")
    if digits[0] != "1" or digits[1] not in "3456789":
        raise Invalid(f"{label}应以13至19开头，不能以{digits[:2]}开头")
    return digits


def validate_phone(value: str) -> str:
    """A mobile (11 digits) or a landline with area code, returned as 'AREA-NUMBER'.

    Extensions are refused: nobody dials them from the school, and they break exports.
    """
    label = "电话号码"
    text = _prepare(value, label)
    digits = _SEPARATORS.sub("", text)
    if digits.startswith(("+", "0086", "1")) or (len(digits) == 13 and digits.startswith("861")):
        return validate_mobile(text)
    for ch in digits:
        if ch not in _ASCII_DIGITS:
            raise Invalid(f"{label}中不能有字符 {_show(ch)}")
    if not digits.startswith("0"):
        if len(digits) in (7, 8):
            raise Invalid("固定电话请加区号，如 0851-86661234")
        raise Invalid(f"{label}应为11位手机号码或带区号的固定电话，如 0851-86661234")

    if len(digits) < 3 or digits[1] == "0" or (digits[1] == "1" and not digits.startswith("010")):
        raise Invalid(_AREA_HELP)
    area_len = 3 if digits[1] in "12" else 4
    first_group = _SEPARATORS.split(text.strip("() -"))[0]
    if len(first_group) < area_len:
        # The user split the digits inside what must be the area code.
        raise Invalid(_AREA_HELP)
    area, number = digits[:area_len], digits[area_len:]
    if len(number) not in (7, 8):
        hint = "，不要填分机号" if len(number) > 8 else ""
        raise Invalid(f"区号后的号码应为7或8位，现在是{len(number)}位{hint}")
    if number[0] in "01":
        raise Invalid(f"区号后的号码不能以{number[0]}开头")
    return f"{area}-{number}"


# --- names -------------------------------------------------------------------------

def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch).startswith("L")


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch).startswith("M")


def _is_latin(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("LATIN ")


def validate_name(value: str) -> str:
    """A person's name: letters of any script, '·' between parts, and for names in
    Latin letters also single spaces, hyphens and apostrophes between letters.

    Names are shown in lists and exported to Excel, so digits, markup and anything
    invisible are refused instead of stored.
    """
    text = unicodedata.normalize("NFC", _text(value).translate(_FOLD)).strip()
    if not text:
        raise Invalid("请填写姓名")
    bad = find_bad_char(text)
    if bad:
        raise Invalid(f"姓名中含不可见字符 {code_point(bad[1])}")
    for variant, dot in _DOT_VARIANTS.items():
        text = text.replace(variant, dot)
    text = re.sub(" {2,}", " ", text)
    if len(text) > NAME_MAX_LEN:
        raise Invalid(f"姓名不能超过{NAME_MAX_LEN}个字")

    latin_only = all(_is_latin(ch) for ch in text if _is_letter(ch))
    for i, ch in enumerate(text):
        if _is_letter(ch):
            continue
        prev = text[i - 1] if i else ""
        after_letter = bool(prev) and (_is_letter(prev) or _is_mark(prev))
        if _is_mark(ch):
            if not after_letter:
                raise Invalid(f"姓名中的 {_show(ch)} 要跟在字母后面")
            continue
        if ch == NAME_DOT or (latin_only and ch in _LATIN_SEPARATORS):
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if not (after_letter and nxt and _is_letter(nxt)):
                raise Invalid(f"姓名中的{_show(ch)}只能放在两个字之间，且不能连用")
            continue
        if ch == " ":
            raise Invalid("姓名中不能有空格（只有用拉丁字母拼写的姓名可以有空格）")
        raise Invalid(f"姓名中不能有字符 {_show(ch)}")
    return text


# --- column lengths ----------------------------------------------------------------

def check_lengths(model, values: dict, labels: dict[str, str] | None = None) -> None:
    """Refuse a text longer than its column's ``max_length`` before anything is written:
    PostgreSQL fails the whole statement on it (a traceback half-way through a save) while
    SQLite would quietly store it, so the same input must be refused on both. ``model`` is a
    peewee model class; ``labels`` name the fields for the message (the field name otherwise)."""
    fields = model._meta.fields
    for name, value in values.items():
        limit = getattr(fields.get(name), "max_length", None)
        if limit and isinstance(value, str) and len(value) > limit:
            label = (labels or {}).get(name, name)
            raise Invalid(f"{label}太长: {len(value)} 个字符, 最多 {limit} 个")


# --- dates -------------------------------------------------------------------------

_DATE_FORMATS = (
    re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})"),
    re.compile(r"([0-9]{4})()([0-9]{2})([0-9]{2})"),
    re.compile(r"([0-9]{4})(年)([0-9]{1,2})月([0-9]{1,2})[日号]?"),
)


def check_day_in_range(day: date, *, field: str = "日期") -> date:
    """Refuse a date outside EARLIEST_DAY..LATEST_DAY (the one range every date must be in)."""
    if isinstance(day, datetime):
        day = day.date()
    if day < EARLIEST_DAY:
        raise Invalid(f"{field}不能早于{EARLIEST_DAY.year}年")
    if day > LATEST_DAY:
        raise Invalid(f"{field}不能晚于{LATEST_DAY.year}年")
    return day


def validate_date(
    value: str | date,
    *,
    field: str = "日期",
    allow_future: bool = False,
    today: date | None = None,
) -> date:
    """Parse the date spellings teachers use: 2015-03-02, 2015/3/2, 20150302, 2015年3月2日."""
    if isinstance(value, date):
        parsed = value.date() if isinstance(value, datetime) else value
    else:
        text = _text(value).translate(_FOLD).strip()
        if not text:
            raise Invalid(f"请填写{field}")
        bad = find_bad_char(text)
        if bad:
            raise Invalid(f"{field}中含不可见字符 {code_point(bad[1])}")
        for pattern in _DATE_FORMATS:
            match = pattern.fullmatch(text)
            if match:
                break
        else:
            raise Invalid(f"{field}格式应为 2015-03-02")
        year, _, month, day = match.groups()
        try:
            parsed = date(int(year), int(month), int(day))
        except ValueError:
            raise Invalid(f"{field} {year}年{int(month)}月{int(day)}日 不存在") from None
    check_day_in_range(parsed, field=field)
    if not allow_future and parsed > (today or date.today()):
        raise Invalid(f"{field}不能晚于今天")
    return parsed
