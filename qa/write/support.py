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
from qa.lang.lexicon import (
    EN_STOPWORDS,
    FACT_TAGS,
    GLOSSARY,
    HANGUL,
    HANGUL_RUN,
    KO_WEEKDAYS,
    MONTHS,
    NAME_JOINERS,
    WEEKDAYS,
)
from qa.lang.numbers import CODE, COUNTED, EN_NUMBER_WORDS, read
from qa.lang.romanize import MIN_SKELETON, romanize, skeleton, spells

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'’][A-Za-z0-9]+)*")


def _norm(text: str) -> str:
    return re.sub(r"[\s\-_'’.·]", "", text).lower()


class Sources:
    """What the answer may draw on: the evidence sentences and the question(s)."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.text = "\n".join(texts)
        self.surface = _norm(self.text)
        self.words = {_norm(w) for w in _WORD.findall(self.text)}
        self.acronyms = {w for w in _WORD.findall(self.text) if w.isupper() and len(w) >= 2}
        self.values = {v for n in read(self.text) for v in (n.value, n.scaled)}
        self.hangul = HANGUL_RUN.findall(self.text)
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
        core = [w for w in words if w.lower() not in NAME_JOINERS]
        joined = _norm("".join(core))
        rotated = _norm("".join(core[-1:] + core[:-1]))
        if joined in self.surface or any(spells(s, run) for s in (joined, rotated) for run in self.hangul):
            return True
        if len(sk := skeleton(joined)) >= MIN_SKELETON and sk in self.skeletons:
            return True  # "Ulan Bator" for 울란바토르
        if len(core) >= 2 and "".join(w[0] for w in core).upper() in self.acronyms:
            return True
        return all(self.has_word(w) for w in core)


# Counters with another spelling: "70퍼센트" for "70%".
_SAME_COUNTER = {"퍼": "(?:퍼|%)"}


def _counted(number: str, multipliers: str, counter: str) -> str:
    """A pattern for ``number`` with its multipliers and ``counter``; spaces and "여" free.
    Not the end of another number: "5분" is not in "1.5분"."""
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

    for code in CODE.findall(answer):
        if _norm(code) not in ev.surface:
            bad.append(code)
    for number in read(answer):
        if number.scaled not in ev.values:
            bad.append(number.text)
    # "5분" where the evidence has 5 only as "5개 노선": a count of something else.
    for m in COUNTED.finditer(answer):
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
        if term.tag == "NNP" and HANGUL_RUN.fullmatch(term.form) and _norm(term.form) not in ev.surface:
            bad.append(term.form)
    return list(dict.fromkeys(bad))


# Latin words directly followed by Hangul in parentheses: a translation and its original.
_GLOSSED = re.compile(rf"((?:[A-Za-z][\w'&.-]*\s+){{0,7}}[A-Za-z][\w'&.-]*)\s*\(([{HANGUL}][{HANGUL}\s·]*)\)")


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
        if t.tag in FACT_TAGS and has(ev, t.form) and not has(asked, t.form)
    ]


def _date_or_count(word: str) -> str | float | None:
    """What a number word must match (a value), or a month or weekday (its Korean form)."""
    lw = word.lower()
    if lw in EN_NUMBER_WORDS:
        return float(EN_NUMBER_WORDS[lw])
    if not word[0].isupper():
        return None  # "may", "march on"
    if lw in MONTHS:
        return f"{MONTHS.index(lw) + 1}월"
    if lw in WEEKDAYS:
        return f"{KO_WEEKDAYS[WEEKDAYS.index(lw)]}요일"
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
        capital = word[0].isupper() and not CODE.fullmatch(word)
        if capital and word.lower() in EN_STOPWORDS and re.search(r"(^|[.!?:\n])[\s\"'“‘(\[]*$", before):
            capital = False
        adjacent = text[last_end : m.start()].strip() in ("", "-")
        if run and not (adjacent and (capital or word.lower() in NAME_JOINERS)):
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
        while r and r[-1].lower() in NAME_JOINERS:
            r = r[:-1]
        if r:
            out.append(r)
    return out
