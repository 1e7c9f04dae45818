"""A Korean value in English, by rule: "2010년 5월 25일" -> "May 25, 2010", "3억 5천만
유로" -> "350 million euros", "300여명" -> "more than 300 people", "3위" -> "3rd place".

An English question's answer shows the article's span with its English rendering
first. A 1.5B model renders values wrongly when it must do arithmetic ("3억 5천만
유로" as "3.5 billion euros", "1억 9500만" as "1.95 billion"), and the answer check
can only refuse such a rendering, not mend it. A value's rendering is arithmetic
and a table of units, so it is done here, and only when the whole span is one
value (a date, an hour, an amount of a known unit, a range of two): anything else
in the span returns ``None``, and the span is rendered another way or not at all.
"""

from __future__ import annotations

import re

from qa.lang.lexicon import (
    EN_AFTER_VALUE,
    EN_BEFORE_VALUE,
    EN_ORDINAL_UNITS,
    EN_UNITS,
    HANGUL,
    KO_WEEKDAYS,
    MONTHS,
    PARTICLES,
    alternation,
)
from qa.lang.numbers import KO_NUMERALS, MULTIPLIERS, NUMBER
from qa.lang.numbers import read as read_numbers

#: What may follow the value in a copied span: a particle ("3위를"), not "까지"/"부터" (a range's).
_PARTICLE = re.compile(f"(?:{alternation(set(PARTICLES) - {'까지', '부터'})})$")
_KO_NUMBER_WORD = {word: i + 1 for i, word in enumerate(KO_NUMERALS)}
_MULTI = "[" + "".join(MULTIPLIERS) + "]"
#: An amount: "3억 5천만", "1,100만", "29.97", "10만여" (groups of a number and its multipliers).
_AMOUNT = re.compile(rf"((?:{NUMBER})(?:\s*{_MULTI})*)((?:\s*(?:{NUMBER})(?:\s*{_MULTI})+)*)")
_UNIT = alternation(sorted(EN_UNITS, key=len, reverse=True))
_ORDINAL = alternation(sorted(EN_ORDINAL_UNITS, key=len, reverse=True))
_BEFORE = alternation(EN_BEFORE_VALUE)
_AFTER = alternation(EN_AFTER_VALUE)
_DATE = re.compile(
    r"(?:(?P<bc>기원전)\s*)?(?:(?P<year>\d{1,4})\s*년)?\s*(?:(?P<month>\d{1,2})\s*월)?\s*"
    rf"(?:(?P<day>\d{{1,2}})\s*일)?(?:\s*\(?(?:[{''.join(KO_WEEKDAYS)}])(?:요일)?\)?)?"
)
_CLOCK = re.compile(
    r"(?:(?P<half>오전|오후|밤|저녁|새벽|낮|아침)\s*)?(?P<hour>\d{1,2})\s*시(?:\s*(?P<minute>\d{1,2})\s*분|\s*(?P<thirty>반))?"
)
_PM = {"오후", "밤", "저녁", "낮"}


def _readings(span: str) -> list[str]:
    """The span as copied, then without a particle after it ("3위를"; "30도" is 30 degrees)."""
    s = " ".join(span.split()).strip(" .,\"'“”‘’《》〈〉「」『』")
    bare = _PARTICLE.sub("", s).strip()
    return [s, bare] if bare != s else [s]


def ordinal(n: int) -> str:
    """1 -> "1st", 22 -> "22nd", 13 -> "13th"."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _decimal(x: float) -> str:
    return f"{x:.3f}".rstrip("0").rstrip(".")


def amount(text: str) -> tuple[str, float] | None:
    """An amount written in digits and Korean multipliers ("3억 5천만", "1,100만", "1445") in
    English words ("350 million", "11 million", "1445") with its value; the digits as
    written when there is no multiplier."""
    m = _AMOUNT.fullmatch(text.strip())
    if not m:
        return None
    groups = read_numbers(m.group(0))  # "3억", "5천만"
    total = sum(n.scaled for n in groups)
    if all(n.scaled == n.value for n in groups):
        return m.group(0).replace(" ", ""), total
    for word, size in (("trillion", 1e12), ("billion", 1e9), ("million", 1e6)):
        if total >= size:
            return f"{_decimal(total / size)} {word}", total
    return (f"{int(total):,}" if total == int(total) else _decimal(total)), total


def _date(m: re.Match[str]) -> str | None:
    year, month, day = m.group("year"), m.group("month"), m.group("day")
    if (
        not (year or month or day)
        or (month and not 1 <= int(month) <= 12)
        or (day and not 1 <= int(day) <= 31)
    ):
        return None
    if day and not month:
        return None  # "25일" alone: a date's day or a count of days
    if year and not (month or m.group("bc")) and int(year) < 1000:
        return None  # "3년": a count of years
    when = MONTHS[int(month) - 1].capitalize() if month else ""
    if day:
        when = f"{when} {int(day)}"
    if year:
        y = f"{int(year)} BC" if m.group("bc") else str(int(year))
        when = f"{when}, {y}" if day else f"{when} {y}".strip()
    return when


def _clock(m: re.Match[str]) -> str | None:
    hour = int(m.group("hour"))
    minute = int(m.group("minute") or (30 if m.group("thirty") else 0))
    if hour > 24 or minute > 59:
        return None
    half = m.group("half")
    if half is None:
        return f"{hour}:{minute:02d}"
    pm = half in _PM and hour < 12
    shown = hour if hour <= 12 else hour - 12
    return f"{shown}:{minute:02d} {'p.m.' if pm or hour > 12 else 'a.m.'}".replace(":00 ", " ")


def _quantity(text: str) -> str | None:
    """An amount with what comes before and after it: "약 300여명", "3억 5천만 유로", "3위"."""
    before = ""
    if m := re.match(rf"({_BEFORE})\s+", text):
        before, text = EN_BEFORE_VALUE[m.group(1)], text[m.end() :]
    m = re.fullmatch(
        rf"(?P<amount>.+?)(?P<odd>\s*여)?\s*(?:(?P<ordinal>{_ORDINAL})|(?P<unit>{_UNIT})|(?P<latin>[A-Za-z]{{1,4}})|"
        rf"[{HANGUL}]+\s*\((?P<named>[A-Za-z]{{1,5}})\))?"
        rf"(?:\s*(?P<after>{_AFTER}))?",
        text,
    )
    if not m:
        return None
    if m.group("amount") in _KO_NUMBER_WORD and m.group("unit"):
        said, value = str(_KO_NUMBER_WORD[m.group("amount")]), float(_KO_NUMBER_WORD[m.group("amount")])
    elif parsed := amount(m.group("amount")):
        said, value = parsed
    else:
        return None
    if m.group("ordinal"):
        if value != int(value) or m.group("odd"):
            return None
        said = ordinal(int(value)) + EN_ORDINAL_UNITS[m.group("ordinal")]
    elif unit := m.group("unit"):
        one, many = EN_UNITS[unit]
        word = one if value == 1 else many
        said = f"{said}{word}" if word in ("%",) else f"{said} {word}".strip()
    elif latin := m.group("latin") or m.group("named"):  # "30기가와트시(GWh)": the unit's own name
        said = f"{said} {latin}"
    if m.group("odd"):
        said = f"more than {said}"
    if after := m.group("after"):
        phrase = EN_AFTER_VALUE[after]
        said = f"{said} {phrase}" if phrase.startswith("or") else f"{phrase} {said}"
    return f"{before} {said}".strip()


def value(span: str, kind: str | None = None) -> str | None:
    """``span`` in English when all of it is one value (a date, an hour of the day, an
    amount and its unit, or a range of two: "3~5명"), else ``None``. ``kind`` is the
    kind of answer asked (``qa.lang.kinds``): a "duration" reads "3일" as 3 days."""
    for text in _readings(span):
        if re.search(r"\d|" + alternation(_KO_NUMBER_WORD), text) and (said := _value(text, kind)):
            return said
    return None


def _value(text: str, kind: str | None) -> str | None:
    for sep in (r"\s*[~∼〜-]\s*", r"\s*부터\s*", r"\s*에서\s*"):
        parts = re.split(sep, text)
        if len(parts) == 2 and all(parts):
            first, second = parts
            # "3~5명" is "3 to 5 people": the unit is written once
            a, b = value(first, kind), value(re.sub(r"\s*까지$", "", second), kind)
            return f"{a} to {b}" if a and b else None
    if kind == "date" and (m := re.fullmatch(r"(\d{1,2})\s*일", text)) and 1 <= int(m.group(1)) <= 31:
        return f"the {ordinal(int(m.group(1)))}"
    if kind != "duration":
        if (m := _DATE.fullmatch(text)) and (when := _date(m)):
            return when
        if m := re.fullmatch(r"(\d{3,4})\s*년대", text):
            return f"the {m.group(1)}s"
        if m := re.fullmatch(r"(\d{1,2})\s*세기", text):
            return f"the {ordinal(int(m.group(1)))} century"
        if m := _CLOCK.fullmatch(text):
            return _clock(m)
    return _quantity(text)
