"""Read a question: its language, search terms, what kind of answer it wants,
and whether it leans on the previous turn ("그걸 쓰는 사람은?", "구리는요?")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from index import korean
from qa.lang import kinds
from qa.lang.lexicon import (
    ANAPHORA,
    CONNECTIVES,
    EN_ANAPHORA,
    EN_BE,
    EN_CONNECTIVES,
    FOCUS_PARTICLE_TAGS,
    FRAME_WORDS,
    NOUN_QUESTION_WORDS,
    NOUN_TAGS,
    alternation,
)
from qa.types import Turn

_EN_ANAPHORA = re.compile(
    rf"\b({alternation(EN_ANAPHORA)})\b|^({alternation(EN_CONNECTIVES)})\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Query:
    """A question read once, for every later stage: its language, its words, what it asks."""

    question: str
    language: str
    terms: tuple[str, ...]  # the question's own content terms, frame words removed
    expects: str | None  # a kind from qa.lang.kinds, or None
    focus: str = ""  # the thing whose attribute is asked: "영업이익" in "영업이익은 얼마?"
    followup: bool = False
    context: str = ""  # the earlier question, for dense retrieval
    context_terms: tuple[str, ...] = field(default=())
    tokens: tuple[str, ...] = field(default=())  # morphemes for BM25 (index.korean.tokens)
    stems: tuple[str, ...] = field(default=())  # verb and adjective stems ("조성된" -> 조성되)
    reply: str = ""  # the language asked for the answer ("영어로"), when not the question's

    @property
    def answer_language(self) -> str:
        return self.reply or self.language

    @property
    def elliptical(self) -> bool:
        """A follow-up that names at most one thing ("구리는요?", "What about Ohio?"): it
        asks what the previous question asked, so it means nothing without it."""
        return self.followup and len(self.terms) <= 1


def content_terms(text: str) -> list[str]:
    """The nouns (and foreign words, numbers) that name what ``text`` is about,
    frame words removed, in order, without repeats."""
    seen: dict[str, None] = {}
    for t in korean.terms(text):
        if t.form not in FRAME_WORDS and t.tag in NOUN_TAGS:
            seen.setdefault(t.form, None)
    return list(seen)


def focus(question: str) -> str:
    """The word whose attribute a Korean question asks for, or "" when unclear.

    "KT의 작년 영업이익은 얼마인가요?" -> "영업이익"; "총재의 이름은 무엇?" ->
    "총재" (a frame word like 이름 defers to its owner). The evidence must
    mention it: an article about Mongolia that never says "인구" cannot
    tell Mongolia's population, however many numbers it holds.
    """
    toks = korean.morphemes(question)
    wh = next((i for i, t in enumerate(toks) if t[0] in NOUN_QUESTION_WORDS), None)
    if wh is None:
        return ""
    j = wh - 1
    while j >= 0 and toks[j][1] in ("MM", "MAG"):
        j -= 1
    while j >= 0 and toks[j][1] in FOCUS_PARTICLE_TAGS:
        particle = toks[j][1]
        j -= 1
        while j >= 0 and toks[j][1] in ("SSO", "SSC", "SW", "SO"):
            j -= 1
        end = j
        while j > 0 and toks[j - 1][1] in NOUN_TAGS and toks[j - 1][2] + toks[j - 1][3] == toks[j][2]:
            j -= 1
        if end < 0 or toks[end][1] not in NOUN_TAGS:
            return ""
        word = question[toks[j][2] : toks[end][2] + toks[end][3]]
        if word not in FRAME_WORDS:
            return word.lower()
        j -= 1
        if particle == "JKG" or j < 0 or toks[j][1] != "JKG":
            return ""
    return ""


_BE = alternation(EN_BE)
_EN_FOCUS = (
    # "What is the population of Harbor Town?" -> population
    re.compile(rf"^(?:what|which|who)\s+(?:{_BE})\s+(?:the\s+)?([a-z]+)\s+(?:of|in|for)\b", re.I),
    # "What is KT's market cap?" -> market cap; "What was Harbor Town's budget?" -> budget
    re.compile(rf"^(?:what|which|who)\s+(?:{_BE})\s+[\w\s-]+?'s\s+([a-z]+(?:\s[a-z]+)?)\s*\?*$", re.I),
    # "How many books ..." -> book
    re.compile(r"^how\s+(?:many|much)\s+([a-z]+)", re.I),
)


def english_focus(question: str) -> str:
    """The noun an English question asks about, or "" (see :func:`focus`)."""
    q = question.strip()
    for pattern in _EN_FOCUS:
        m = pattern.search(q)
        if m:
            word = m.group(1).lower()
            if word not in FRAME_WORDS and word not in ("people", "times", "years", "days"):
                # A plural meets its singular: "books" is named by "book".
                return word[:-1] if word.endswith("s") and len(word) > 3 else word
    return ""


def is_followup(question: str, own_terms: list[str]) -> bool:
    """Does the question lean on the previous turn?

    Pronouns and demonstratives ("그걸", "it"), a leading connective
    ("그럼", "what about"), or an elliptical question with at most one content
    word ("구리는요?") all do; "이 기사" (the article itself) does not.
    """
    # "이 기사를 쓴 기자는?" points at the article, not at the previous turn.
    q = kinds.THIS_ARTICLE.sub(" ", question).strip()
    if _EN_ANAPHORA.search(q):
        return True
    if q.startswith(CONNECTIVES):
        return True
    forms = {t.form for t in korean.terms(q)} | {
        f for f, tag, _, _ in korean.morphemes(q) if tag in ("NP", "MM")
    }
    if forms & ANAPHORA:
        return True
    return len(own_terms) <= 1 and len(q) <= 20 and not kinds.THIS_ARTICLE.search(question)


def understand(question: str, history: list[Turn], reply: str = "") -> Query:
    """Turn a question (and the conversation so far) into a :class:`Query`; ``reply``
    is the language the answer is asked in, when not the question's."""
    language = korean.language(question)
    own = content_terms(question)
    followup = bool(history) and is_followup(question, own)
    context = ""
    context_terms: list[str] = []
    if followup:
        last = history[-1]
        # The earlier question steers the dense side; the earlier answer only
        # lends its words (a pronoun's referent is there), or every follow-up
        # would land back on the sentence it follows.
        context = last.question
        context_terms = list(
            dict.fromkeys(t for t in content_terms(f"{last.question} {last.evidence}") if t not in own)
        )
    asks = kinds.asked(question)
    if asks is None and followup and len(own) <= 1:  # elliptical
        # "구리는요?" asks what the previous question asked, about something else.
        asks = kinds.asked(history[-1].question)
    return Query(
        question=question,
        language=language,
        terms=tuple(own),
        expects=asks,
        focus=focus(question) if language == "ko" else english_focus(question),
        followup=followup,
        context=context,
        context_terms=tuple(context_terms),
        tokens=tuple(korean.tokens(question)),
        stems=tuple(dict.fromkeys(t.form for t in korean.terms(question) if t.tag in ("VV", "VA"))),
        reply=reply if reply != language else "",
    )
