"""The extractive writer: the answer is the best evidence sentence itself, faithful by
construction; and the refusal, when the article does not say."""

from __future__ import annotations

from collections.abc import Iterator

from index.store import ArticleIndex
from qa.core.decide import Decision
from qa.core.rank import heading_of, items_of
from qa.write.base import Draft

REFUSAL = {
    "ko": "기사에는 이 질문에 대한 내용이 없습니다.",
    "en": "The article does not say.",
}


def refusal(language: str) -> Draft:
    """ "The article does not say", in the question's language."""
    return Draft(REFUSAL.get(language, REFUSAL["en"]), found=False, mode="refusal")


def tidy(sentence: str) -> str:
    """A sentence as an answer: one line, without leading bullets or heading marks."""
    return " ".join(sentence.split()).lstrip("◇◆■□▲△▶▷●○-–— ").strip()


class ExtractiveWriter:
    """Answers with the best evidence sentence (and the neighbour shown with it), a list
    item with its heading, a heading with its list. Never answers a near miss."""

    def __init__(self, index: ArticleIndex) -> None:
        self.index = index

    def text(self, decision: Decision) -> str:
        """The extractive answer's text (also what an LLM's answer falls back to)."""
        ranked = decision.ranked
        best = ranked.evidence[0]
        text = tidy(best.sentence.text)
        if ranked.neighbour is not None:
            pair = sorted([best.sentence, ranked.neighbour.sentence], key=lambda s: s.start)
            text = " ".join(tidy(s.text) for s in pair)
        index = self.index
        head = heading_of(index, best.sentence.id)
        if head is not None:
            # A list item means little without the heading it hangs from.
            text = f"{tidy(index.sentences[head].text)}: {text}"
        elif items := items_of(index, best.sentence.id):
            # A heading alone says nothing; its list is the answer.
            listed = "; ".join(tidy(index.sentences[i].text) for i in items[:8])
            text = f"{text.rstrip(':')}: {listed}"
        if ranked.query.answer_language == "en":
            text = f'The article says: "{text}"'
        return text

    def draft(self, decision: Decision) -> Draft:
        return Draft(self.text(decision), found=True, mode="extractive")

    def stream(self, decision: Decision) -> Iterator[str | Draft]:
        yield self.draft(decision)
