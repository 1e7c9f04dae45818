"""One number reader: digits with their multipliers and "여", number words, counted things.

Korean news writes a number in many ways: "1,100만 달러", "10만여명", "2천억원",
"세 명", "수십 명", "이틀". The patterns here are the pieces the kinds of answer
(:mod:`qa.lang.kinds`) and the answer check (:mod:`qa.write.support`) are built
from; :func:`read` gives the values.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from qa.lang.lexicon import HANGUL, MONTHS, alternation

#: A number in digits ("70", "1,100", "3.5", "10km", "13.4GW", "2nd"), not the digits of a
#: code: no letter (or letter and hyphen) before it, no lone capital after it ("N2N", "5G",
#: "COVID-19"). Atomic, so "12G" does not yield "1"; case-sensitive inside patterns that
#: are not. :data:`CODE` draws the same line for whole words.
NUMBER = r"(?<![A-Za-z\d])(?<![A-Za-z]-)(?>\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?+(?-i:(?!\d|[A-Z](?![A-Za-z])))"

#: Latin letters and digits written together ("N2N", "5G", "COVID-19", "T-50"): a name,
#: matched by its letters. Digits followed by a unit or an ending ("10km", "13.4GW",
#: "2nd", "1990s": two letters, or small ones) are a number.
CODE = re.compile(
    r"(?<![A-Za-z0-9])(?=[A-Za-z0-9-]*[A-Za-z])(?=[A-Za-z0-9-]*\d)"
    r"(?!\d+(?:[A-Za-z]{2,}|[a-z])(?![A-Za-z0-9-]))[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*"
)

#: What a Korean multiplier after a number multiplies it by ("2천억" = 2 x 1000 x 10^8).
MULTIPLIERS = {"백": 1e2, "천": 1e3, "만": 1e4, "억": 1e8, "조": 1e12}
EN_MULTIPLIERS = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
MULTIPLIER = "[" + "".join(MULTIPLIERS) + "]"
#: A number's multipliers and its "about" (여), each maybe after a space: "10만여", "2천 억".
SCALE = rf"(?:\s*{MULTIPLIER})*(?:\s*여)?"

#: Korean numerals before a counter: "세 명", "다섯 개".
KO_NUMERALS = ("한", "두", "세", "네", "다섯", "여섯", "일곱", "여덟", "아홉", "열")
#: A number written as a word: a numeral, "tens of" (수십), or a multiplier alone ("천 명").
#: "조" alone is more often a group or an article ("제3조") than a trillion.
KO_NUMBER = (
    "(?:" + alternation((*KO_NUMERALS, "수십", "수백", "수천", "수만", *(MULTIPLIERS.keys() - {"조"}))) + ")"
)
#: What comes before "째" in an ordinal: "첫째", "둘째", "두 번째" (not "한 번째").
KO_ORDINAL = "(?:" + alternation(("첫", "둘", "셋", "넷", *KO_NUMERALS[1:])) + ")"
#: Counts of days written as one word.
DAY_COUNTS = ("하루", "이틀", "사흘", "나흘", "닷새", "엿새", "이레", "여드레", "아흐레", "열흘", "보름")

# "one", "first" and "once" are too often not counts to hold against an answer.
_EN_COUNTS = {
    2: "two second twice", 3: "three third", 4: "four fourth", 5: "five fifth", 6: "six sixth",
    7: "seven seventh", 8: "eight eighth", 9: "nine ninth", 10: "ten tenth", 11: "eleven eleventh",
    12: "twelve twelfth dozen", 20: "twenty", 30: "thirty", 40: "forty", 50: "fifty", 60: "sixty",
    70: "seventy", 80: "eighty", 90: "ninety", 100: "hundred",
}  # fmt: skip
#: English number words and their values ("twice": 2, "dozen": 12).
EN_NUMBER_WORDS = {word: value for value, words in _EN_COUNTS.items() for word in words.split()}

_READ = re.compile(rf"({NUMBER})(\s*(?i:{alternation(EN_MULTIPLIERS)})\b|(?:\s*{MULTIPLIER})*)")
#: A number and the Hangul counter or unit written right after it ("10분", "2천억원",
#: "3 명", "10만여명"): groups number, multipliers, counter.
COUNTED = re.compile(rf"({NUMBER})((?:\s*{MULTIPLIER})*)(?:\s*여)?\s*([{HANGUL}])")


@dataclass(frozen=True)
class Number:
    """A number as written ("1,100만"), its digits' value (1100) and with its multipliers (1.1e7)."""

    text: str
    value: float
    scaled: float


def read(text: str) -> list[Number]:
    """Every number written in digits in ``text``, outside codes, in order."""
    codes = [m.span() for m in CODE.finditer(text)]
    out = []
    for m in _READ.finditer(text):
        if any(a <= m.start() < b for a, b in codes):
            continue
        value = float(m.group(1).replace(",", ""))
        scale = EN_MULTIPLIERS.get(m.group(2).strip().lower()) or math.prod(
            MULTIPLIERS.get(ch, 1.0) for ch in m.group(2)
        )
        out.append(Number(m.group().strip(), value, value * scale))
    return out


def english_numbers(text: str) -> set[float]:
    """The values of the numbers of English ``text``, a month name read as its number
    ("September" -> 9), as a Korean date writes it ("9월")."""
    out = {n.value for n in read(text)}
    low = text.lower()
    out |= {float(i + 1) for i, m in enumerate(MONTHS) if re.search(rf"\b{m}\b", low)}
    return out
