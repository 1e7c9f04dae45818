"""Is an LLM's answer supported by its evidence?

A 1.5B model phrases well and invents freely, so every number, date and name
in its answer must come from the evidence it was shown (or the question it
was asked). Names may cross scripts: an English answer may write 최원석 as
"Choi Won-seok", so Latin names are also matched against romanisations of the
evidence's Hangul.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from index import korean
from qa.lang.romanize import MIN_SKELETON, romanize, skeleton, spells

# --- what an answer claims ---------------------------------------------------

_HANGUL_RUN = re.compile(r"[\uac00-\ud7a3]+")
_CODE = re.compile(
    r"(?<![A-Za-z0-9])(?=[A-Za-z0-9-]*[A-Za-z])(?=[A-Za-z0-9-]*\d)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*"
)
_ORDINAL = re.compile(r"^\d+(st|nd|rd|th|s)$", re.IGNORECASE)
_NUMBER = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(만|억|조|천|thousand|million|billion|trillion)?",
    re.IGNORECASE,
)
_MULTIPLIER = {
    "천": 1e3, "만": 1e4, "억": 1e8, "조": 1e12,
    "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
}  # fmt: skip
# "one", "first" and "once" are too often not counts to hold against an answer.
_COUNTS = {
    2: "two second twice", 3: "three third", 4: "four fourth", 5: "five fifth", 6: "six sixth",
    7: "seven seventh", 8: "eight eighth", 9: "nine ninth", 10: "ten tenth", 11: "eleven eleventh",
    12: "twelve twelfth dozen", 20: "twenty", 30: "thirty", 40: "forty", 50: "fifty", 60: "sixty",
    70: "seventy", 80: "eighty", 90: "ninety", 100: "hundred",
}  # fmt: skip
_NUMBER_WORDS = {word: value for value, words in _COUNTS.items() for word in words.split()}
_MONTHS = "january february march april may june july august september october november december".split()
_WEEKDAYS = dict(
    zip("monday tuesday wednesday thursday friday saturday sunday".split(), "월화수목금토일", strict=True)
)

# A Latin word of the answer counts as a name when capitalised, unless it is
# one of these at the start of a sentence.
_COMMON = frozenset(
    """the a an in on at of by for from to with as about according approximately around roughly nearly
    over under more less most some many both all each every no yes not and but or so yet it its it's he
    she they them his her their this that these those there here i we you our your who what which when
    where why how one after before since during while although because if then also only just however
    currently today yesterday mr ms mrs dr""".split()
)

# Common English words that translate Hangul words of an article: supported
# when the evidence has one of the Hangul forms. A seed list, not a dictionary.
GLOSSARY = {
    "korea": ("한국", "韓", "대한민국", "국내"), "korean": ("한국", "韓", "국내"),
    "koreans": ("한국인", "국민"), "mongolia": ("몽골",), "mongolian": ("몽골",),
    "mongolians": ("몽골인", "몽골 국민", "몽골"), "seoul": ("서울",), "card": ("카드",), "bank": ("은행",),
    "central": ("중앙",), "government": ("정부",), "minister": ("장관",), "ministry": ("부",),
    "prime": ("총리",), "president": ("사장", "대표", "총재", "대통령", "회장"), "ceo": ("대표", "사장"),
    "chairman": ("회장",), "governor": ("총재",), "mayor": ("시장",), "director": ("단장", "본부장", "실장"),
    "head": ("단장", "본부장", "실장", "대표"), "chief": ("최고",), "foundation": ("재단",),
    "digital": ("디지털",), "policy": ("정책",), "health": ("건강", "보건"), "medical": ("의료",),
    "reporter": ("기자",), "mou": ("MOU", "업무협약"), "memorandum": ("MOU", "업무협약"),
    "understanding": ("MOU", "업무협약"), "copper": ("구리",), "gold": ("금",), "iron": ("철",),
    "zinc": ("아연",), "fluorite": ("형석",), "rare": ("희토류",), "earth": ("희토류",),
    "earths": ("희토류",),
}  # fmt: skip

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'’][A-Za-z0-9]+)*")
_JOINERS = frozenset({"of", "and", "for", "the", "de"})


def _norm(text: str) -> str:
    return re.sub(r"[\s\-_'’.·]", "", text).lower()


def _numbers(text: str) -> list[tuple[str, float, float]]:
    """(as written, value, value with its multiplier) for each number in ``text``."""
    text = _CODE.sub(lambda m: m.group() if _ORDINAL.match(m.group()) else " ", text)
    out = []
    for m in _NUMBER.finditer(text):
        base = float(m.group(1).replace(",", "") + (m.group(2) or ""))
        mult = _MULTIPLIER.get((m.group(3) or "").lower(), 1.0)
        out.append((m.group().strip(), base, base * mult))
    return out


class Sources:
    """What the answer may draw on: the evidence sentences and the question(s)."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.text = "\n".join(texts)
        self.surface = _norm(self.text)
        self.words = {_norm(w) for w in _WORD.findall(self.text)}
        self.acronyms = {w for w in _WORD.findall(self.text) if w.isupper() and len(w) >= 2}
        nums = _numbers(self.text)
        self.values = {v for _, base, mult in nums for v in (base, mult)}
        self.hangul = _HANGUL_RUN.findall(self.text)
        self.skeletons = {
            sk
            for run in self.hangul
            for a in range(len(run))
            for b in range(a + 1, len(run) + 1)
            if len(sk := skeleton(romanize(run[a:b]))) >= MIN_SKELETON
        }

    def has_word(self, word: str) -> bool:
        w = _norm(word)
        singular = w[:-1] if w.endswith("s") and len(w) > 3 else w
        if w in self.words or singular in self.words or (len(w) >= 3 and w in self.surface):
            return True
        if any(spells(w, run) for run in self.hangul):
            return True
        if len(sk := skeleton(w)) >= MIN_SKELETON and sk in self.skeletons:
            return True
        return any(_norm(form) in self.surface for form in GLOSSARY.get(w, ()))

    def has_name(self, words: Sequence[str]) -> bool:
        """A run of capitalised words: whole (either order), as an acronym, or word by word."""
        core = [w for w in words if w.lower() not in _JOINERS]
        joined = _norm("".join(core))
        rotated = _norm("".join(core[-1:] + core[:-1]))
        if joined in self.surface or any(spells(s, run) for s in (joined, rotated) for run in self.hangul):
            return True
        if len(sk := skeleton(joined)) >= MIN_SKELETON and sk in self.skeletons:
            return True  # "Ulan Bator" for 울란바토르
        if len(core) >= 2 and "".join(w[0] for w in core).upper() in self.acronyms:
            return True
        return all(self.has_word(w) for w in core)


# A number and the Hangul counter or unit written right after it ("10분", "2천억원", "3 명"),
# past its multipliers and an "about" ("10만여명").
_COUNTED = re.compile(r"(?<![\d.,])(\d[\d,.]*\d|\d)((?:\s*[만억조천])*)\s*(?:여\s*)?([가-힣])")
# Counters with another spelling: "70퍼센트" for "70%".
_SAME_COUNTER = {"퍼": "(?:퍼|%)"}


def _counted(number: str, multipliers: str, counter: str) -> str:
    """A pattern for ``number`` with its multipliers and ``counter``; spaces and "여" free."""
    parts = [re.escape(ch) for ch in "".join(multipliers.split())]
    unit = _SAME_COUNTER.get(counter, re.escape(counter))
    return rf"(?<![\d.,]){re.escape(number)}\s*" + "".join(p + r"\s*" for p in parts) + rf"(?:여\s*)?{unit}"


def unsupported(answer: str, sources: Sequence[str]) -> list[str]:
    """The numbers, dates and names in ``answer`` that ``sources`` do not support, in order.

    An empty list means every such claim was found: numbers by value (70% =
    70 퍼센트 = seventy percent, 10만 = 100,000), Hangul proper nouns and
    Latin-digit codes by their letters, Latin names also by romanisation of
    the sources' Hangul.
    """
    ev = Sources(sources)
    bad: list[str] = []
    # "the Ministry of Environment and Tourism (자연환경관광부)": a translation that
    # gives the article's own words is checked by those words, not by its English.
    # (A gloss whose Hangul the evidence lacks is left to the checks below, which report both.)
    answer = _GLOSSED.sub(
        lambda m: f" ({m.group(2)})" if _norm(m.group(2)) in ev.surface else m.group(0), answer
    )

    for code in _CODE.findall(answer):
        if not _ORDINAL.match(code) and _norm(code) not in ev.surface:
            bad.append(code)
    for shown, base, mult in _numbers(answer):
        if mult not in ev.values and not (base == mult and base in ev.values):
            bad.append(shown)
    # "5분" where the evidence has 5 only as "5개 노선": a count of something else.
    for m in _COUNTED.finditer(answer):
        if m.group(1) in ev.text and not re.search(_counted(*m.groups()), ev.text):
            bad.append(m.group())

    for name in _latin_names(answer):
        if len(name) == 1 and _date_or_count(name[0]) is not None:
            continue  # checked below, as a number or a date
        if not ev.has_name(name):
            bad.append(" ".join(name))
    for word in _WORD.findall(answer):
        kind = _date_or_count(word)
        if kind is None:
            continue
        if (
            (kind not in ev.surface and _norm(word) not in ev.words)
            if isinstance(kind, str)
            else (kind not in ev.values)
        ):
            bad.append(word)

    for term in korean.terms(answer):
        if term.tag == "NNP" and _HANGUL_RUN.fullmatch(term.form) and _norm(term.form) not in ev.surface:
            bad.append(term.form)
    return list(dict.fromkeys(bad))


# Latin words directly followed by Hangul in parentheses: a translation and its original.
_GLOSSED = re.compile(r"((?:[A-Za-z][\w'&.-]*\s+){0,7}[A-Za-z][\w'&.-]*)\s*\(([가-힣][가-힣\s·]*)\)")

# Morphemes that can carry the answer to a question: nouns, numbers, foreign words.
_FACT_TAGS = {"NNG", "NNP", "NR", "SN", "SL", "SH", "XR"}


def adds_to(answer: str, question: str, sources: Sequence[str]) -> list[str]:
    """What ``answer`` takes from ``sources`` that ``question`` does not already say.

    An empty list means the answer only restates the question ("'X' is the
    task called 'X'"), which a small model does when it cannot find the answer.
    """
    ev, asked = Sources(sources), Sources([question])

    def has(where: Sources, form: str) -> bool:
        form = form.strip(".,;:!?-")
        return bool(form) and (_norm(form) in where.surface or (form.isascii() and where.has_word(form)))

    return [
        t.form
        for t in korean.terms(answer)
        if t.tag in _FACT_TAGS and has(ev, t.form) and not has(asked, t.form)
    ]


def _date_or_count(word: str) -> str | float | None:
    """What a number word must match (a value), or a month or weekday (its Korean form)."""
    lw = word.lower()
    if lw in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[lw])
    if not word[0].isupper():
        return None  # "may", "march on"
    if lw in _MONTHS:
        return f"{_MONTHS.index(lw) + 1}월"
    if lw in _WEEKDAYS:
        return f"{_WEEKDAYS[lw]}요일"
    return None


def _latin_names(text: str) -> list[list[str]]:
    """Runs of capitalised Latin words ("Choi Won-seok", "Bank of Mongolia"), leaving
    out a sentence's first word when it is an ordinary one ("The", "According").
    A possessive ends a run: "Mongolia's Chief Technology Officer" is two names."""
    names: list[list[str]] = []
    run: list[str] = []
    last_end = 0
    for m in _WORD.finditer(text):
        word = re.sub(r"['’]s$", "", m.group())
        before = text[: m.start()]
        capital = word[0].isupper() and not _CODE.fullmatch(word)
        if capital and word.lower() in _COMMON and re.search(r"(^|[.!?:\n])[\s\"'“‘(\[]*$", before):
            capital = False
        adjacent = text[last_end : m.start()].strip() in ("", "-")
        if run and not (adjacent and (capital or word.lower() in _JOINERS)):
            names.append(run)
            run = []
        if capital or run:
            run.append(word)
        if word != m.group() and run:  # possessive
            names.append(run)
            run = []
        last_end = m.end()
    names.append(run)
    # A run never ends on a joiner ("Bank of").
    out = []
    for r in names:
        while r and r[-1].lower() in _JOINERS:
            r = r[:-1]
        if r:
            out.append(r)
    return out
