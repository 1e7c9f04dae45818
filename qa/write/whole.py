"""Answers about the whole article rather than one fact of it: a summary, and the
replies to a greeting, thanks or "what can I ask?" with questions to try.

A summary is the article's own sentences (``qa.core.summary``), each shown with
its passage; nothing here is written by a model, in either answer mode.
"""

from __future__ import annotations

from index import korean
from index.live import ArticleIndex
from index.meta import Field
from qa.core.summary import Line, summarize
from qa.lang import kinds
from qa.lang.lexicon import HANGUL_RUN
from qa.types import Answer, Source

_SUMMARY_HEAD = {
    "ko": "기사 요약 (기사의 문장 {n}개):",
    "en": "Summary of the article, in {n} of its own sentences (in the article's language):",
}
_REPLY = {
    "greeting": {
        "ko": "안녕하세요! 이 기사에 대해 무엇이든 물어보세요.",
        "en": "Hello! Ask me anything about this article.",
    },
    "thanks": {
        "ko": "천만에요. 더 궁금한 것이 있으면 물어보세요.",
        "en": "You're welcome. Ask me more any time.",
    },
    "help": {
        "ko": "이 기사에 있는 사실(누가, 언제, 얼마나)을 물어보거나 요약을 부탁하세요. "
        "답에는 근거가 된 기사 문장이 함께 나옵니다. 영어로 물어도 됩니다.",
        "en": "Ask about a fact in this article (who, when, how much) or for a summary; every "
        "answer comes with the sentence of the article it stands on. Korean works too.",
    },
}
_TRY = {"ko": "예를 들면:", "en": "For example:"}


def summary_answer(index: ArticleIndex, question: str, n: int, language: str) -> Answer:
    """``n`` of the article's sentences that sum it up, each with its passage."""
    lines = summarize(index, n)
    article = index.article.text
    head = _SUMMARY_HEAD.get(language, _SUMMARY_HEAD["en"]).format(n=len(lines))
    text = "\n".join([head, *(f"- {' '.join(line.text(article).split())}" for line in lines)])
    return Answer(
        text=text,
        found=bool(lines),
        sources=tuple(_source(index, line) for line in lines),
        mode="summary",
        language=language,
        question=question,
        meta={"intent": "summary", "sentences": len(lines)},
    )


def small_talk(index: ArticleIndex, question: str, kind: str, language: str) -> Answer:
    """A short reply to a greeting, thanks or a request for help, with questions to try
    on this article (none after thanks)."""
    reply = _REPLY[kind].get(language, _REPLY[kind]["en"])
    tries = suggestions(index, language) if kind != "thanks" else []
    text = "\n".join(
        [
            reply,
            *([_TRY[language if language in _TRY else "en"]] if tries else []),
            *(f"- {q}" for q in tries),
        ]
    )
    return Answer(
        text=text,
        found=True,
        mode="chat",
        language=language,
        question=question,
        meta={"intent": kind, "suggestions": tries},
    )


_ABOUT = {
    "published": {"ko": "이 기사가 나온 때: {v}", "en": "When the article was published: {v}"},
    "outlet": {"ko": "이 기사를 낸 곳: {v}", "en": "The article's outlet: {v}"},
}


def about_answer(index: ArticleIndex, question: str, field: str, meta: Field, language: str) -> Answer:
    """What the article says of itself (``index.meta``): the value, then the line that
    says it, which is the answer's evidence."""
    article = index.article.text
    line = " ".join(article[meta.start : meta.end].split())
    head = _ABOUT[field].get(language, _ABOUT[field]["en"]).format(v=meta.value)
    chunk = next((c for c in index.chunks if c.start <= meta.start < c.end), None)
    source = Source(
        text=chunk.text if chunk else article[meta.start : meta.end],
        score=1.0,
        start=chunk.start if chunk else meta.start,
        end=chunk.end if chunk else meta.end,
        evidence=article[meta.start : meta.end],
        evidence_start=meta.start,
        evidence_end=meta.end,
        article=index.article.name,
    )
    return Answer(
        text=f"{head}\n\n{line}",
        found=True,
        sources=(source,),
        mode="meta",
        language=language,
        question=question,
        meta={"intent": "question", "about": field},
    )


def suggestions(index: ArticleIndex, language: str) -> list[str]:
    """Questions this article can answer: a summary, its byline when it has one, and
    what the lead says of the first name it gives."""
    lead = summarize(index, 1)
    article = index.article.text
    out = ["이 기사 요약해줘" if language == "ko" else "Summarize this article"]
    if any(kinds.holds("byline", s.text) for s in index.sentences[:8]):
        out.append("이 기사는 누가 썼어?" if language == "ko" else "Who wrote this article?")
    if lead and language == "ko":
        names = [
            t.form
            for t in korean.terms(lead[0].text(article))
            if t.tag == "NNP" and HANGUL_RUN.fullmatch(t.form)
        ]
        if names:
            out.append(f"{names[0]}{_topic(names[0])} 무엇을 하나요?")
    return out


def _topic(word: str) -> str:
    """은 after a final consonant, 는 after a vowel."""
    last = ord(word[-1]) - 0xAC00
    return "은" if 0 <= last < 11172 and last % 28 else "는"


def _source(index: ArticleIndex, line: Line) -> Source:
    c = index.chunks[line.sentence.chunk]
    return Source(
        text=c.text,
        score=1.0,
        start=c.start,
        end=c.end,
        evidence=index.article.text[line.start : line.end],
        evidence_start=line.start,
        evidence_end=line.end,
        article=index.article.name,
    )
