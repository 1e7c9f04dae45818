"""Read a question: its language, search terms, what kind of answer it wants,
and whether it leans on the previous turn ("그걸 쓰는 사람은?", "구리는요?")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from index import korean
from qa.lang import kinds
from qa.types import Turn

# Words that shape a question rather than name its subject. They are left out
# when we measure how much of a question the evidence covers.
FRAME_WORDS = frozenset(
    """
    무엇 뭐 무슨 누구 누가 어디 언제 몇 얼마 얼마나 어떤 어느 왜 어떻게 어때 이름 정도 약 곳 것 해 년
    월 일 날 시 분 명 개 종 종류 퍼센트 프로 위 순위 번째 사람 뜻 의미 내용 기사 대해 관련 경우 때
    가지 말 하 되 있 이 그 저 요 거 게 건 뭘 알 수 주 좀 해당 혹시 다 모두 각각 직책 직위 직함 기관
    부처 단체 회사 기업 나라 국가 도시 장소 역할 목적 이유 방법 분야 산업 의 총 정확히 대략 쯤 가량 대충
    무엇인가요 뭔가요 며칠 몇일 언제쯤 영어 영문 한국어 국문 한글 약자 약어 명칭 정식 풀네임 표기 살 세
    나이 주소 메일 이메일 연락처 사이 간 동안 이후 이전 전 후 당시 함께 통해 위해
    what who whom whose which when where why how many much name
    names does did do is are was were article say says said tell
    told mean means the a an of in on to for and or by with at
    as from it its this that these those they them their there
    he she his her any
    """.split()
)

_ANAPHORA = frozenset(
    """그 이 저 그거 그것 이거 이것 저것 거기 그곳 이곳 그들 이들 그녀 그분 이분
    해당 그런 이런 그때 당시""".split()
)
_EN_ANAPHORA = re.compile(
    r"\b(it|its|they|them|their|that one|those|these|he|she|his|her|there)\b"
    r"|^(and|also|what about|how about)\b",
    re.IGNORECASE,
)
_CONNECTIVES = ("그럼", "그러면", "그리고", "또", "그건", "그거", "그게", "그걸")


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

    @property
    def elliptical(self) -> bool:
        """A follow-up that names at most one thing ("구리는요?", "What about Ohio?"): it
        asks what the previous question asked, so it means nothing without it."""
        return self.followup and len(self.terms) <= 1


# Verb and adjective stems change with voice and tense ("열렸나요" / "열었다",
# "쓴" / "작성한"), so a question's subject is judged by its nouns.
_SUBJECT_TAGS = {"NNG", "NNP", "NNB", "XR", "SL", "SN", "SH"}


def content_terms(text: str) -> list[str]:
    """The nouns (and foreign words, numbers) that name what ``text`` is about,
    frame words removed, in order, without repeats."""
    seen: dict[str, None] = {}
    for t in korean.terms(text):
        if t.form not in FRAME_WORDS and t.tag in _SUBJECT_TAGS:
            seen.setdefault(t.form, None)
    return list(seen)


_WH = frozenset("무엇 뭐 누구 어디 언제 몇 얼마 얼마나 어떤 어느 무슨 며칠".split())
# Topic, subject and genitive particles mark what a question asks about:
# "영업이익은 얼마", "총재의 이름은 무엇". An adverbial one ("1년에 몇 명")
# marks a circumstance instead.
_FOCUS_PARTICLES = frozenset({"JX", "JKS", "JKG"})
_NOUN_TAGS = frozenset({"NNG", "NNP", "NNB", "SL", "SN", "XR", "SH"})


def focus(question: str) -> str:
    """The word whose attribute a Korean question asks for, or "" when unclear.

    "KT의 작년 영업이익은 얼마인가요?" -> "영업이익"; "총재의 이름은 무엇?" ->
    "총재" (a frame word like 이름 defers to its owner). The evidence must
    mention it: an article about Mongolia that never says "인구" cannot
    tell Mongolia's population, however many numbers it holds.
    """
    toks = korean._tokenize(question)
    wh = next((i for i, t in enumerate(toks) if t[0] in _WH), None)
    if wh is None:
        return ""
    j = wh - 1
    while j >= 0 and toks[j][1] in ("MM", "MAG"):
        j -= 1
    while j >= 0 and toks[j][1] in _FOCUS_PARTICLES:
        particle = toks[j][1]
        j -= 1
        while j >= 0 and toks[j][1] in ("SSO", "SSC", "SW", "SO"):
            j -= 1
        end = j
        while j > 0 and toks[j - 1][1] in _NOUN_TAGS and toks[j - 1][2] + toks[j - 1][3] == toks[j][2]:
            j -= 1
        if end < 0 or toks[end][1] not in _NOUN_TAGS:
            return ""
        word = question[toks[j][2] : toks[end][2] + toks[end][3]]
        if word not in FRAME_WORDS:
            return word.lower()
        j -= 1
        if particle == "JKG" or j < 0 or toks[j][1] != "JKG":
            return ""
    return ""


_EN_FOCUS = (
    # "What is the population of Harbor Town?" -> population
    re.compile(r"^(?:what|which|who)\s+(?:is|was|are|were)\s+(?:the\s+)?([a-z]+)\s+(?:of|in|for)\b", re.I),
    # "What is KT's market cap?" -> market cap; "What was Harbor Town's budget?" -> budget
    re.compile(
        r"^(?:what|which|who)\s+(?:is|was|are|were)\s+[\w\s-]+?'s\s+([a-z]+(?:\s[a-z]+)?)\s*\?*$", re.I
    ),
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
    word ("구리는요?") all do.
    """
    q = question.strip()
    if _EN_ANAPHORA.search(q):
        return True
    if q.startswith(_CONNECTIVES):
        return True
    forms = {t.form for t in korean.terms(q)} | {
        f for f, tag, _, _ in korean._tokenize(q) if tag in ("NP", "MM")
    }
    if forms & _ANAPHORA:
        return True
    return len(own_terms) <= 1 and len(q) <= 20


def understand(question: str, history: list[Turn]) -> Query:
    """Turn a question (and the conversation so far) into a :class:`Query`."""
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
    )
