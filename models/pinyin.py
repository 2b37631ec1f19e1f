"""Pinyin search keys, computed when a name is saved, never on a keystroke.

pypinyin costs ~0.35 s and ~65 MB on first use, so it is imported here lazily and
only by code that saves or imports names; search compares the typed Latin letters
with the stored keys.
"""
from __future__ import annotations

from functools import lru_cache

# Surnames whose reading differs from the character's most common one; pypinyin
# has no surname mode, so the first character of a name is looked up here first.
SURNAME_READINGS = {
    "单": "shan", "曾": "zeng", "解": "xie", "查": "zha", "仇": "qiu", "区": "ou",
    "朴": "piao", "盖": "ge", "乐": "yue", "覃": "qin", "缪": "miao", "翟": "zhai",
    "秘": "bi", "种": "chong", "尉": "yu", "能": "nai", "繁": "po", "员": "yun",
    "召": "shao", "句": "gou", "长": "chang", "万": "wan", "沈": "shen", "华": "hua",
    "任": "ren", "葛": "ge", "莘": "shen", "折": "she", "黑": "he", "宿": "su",
}


@lru_cache(maxsize=1)
def _lazy_pinyin():
    from pypinyin import lazy_pinyin

    return lazy_pinyin


def pinyin_keys(name: str) -> tuple[str, str]:
    """Return (full pinyin, initials), lower case, letters only: 张小明 -> ('zhangxiaoming', 'zxm').

    Latin-letter names keep their letters; the initials of 'Anna Li' are 'al'.
    """
    text = (name or "").strip()
    if not text:
        return "", ""
    syllables: list[str] = []
    if text[0] in SURNAME_READINGS:
        syllables.append(SURNAME_READINGS[text[0]])
        text = text[1:]
    for part in _lazy_pinyin()(text, errors="default"):
        syllables.extend(w for w in _words(part))
    full = "".join(syllables).lower()
    initials = "".join(s[0] for s in syllables).lower()
    return full, initials


def _words(part: str) -> list[str]:
    """Split what pypinyin passed through (Latin words, separators) into search words."""
    words, cur = [], ""
    for ch in part:
        if ch.isalnum():
            cur += ch
        else:
            if cur:
                words.append(cur)
            cur = ""
    if cur:
        words.append(cur)
    return words
