"""What the chatbot returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Source:
    """A passage of the article that an answer rests on.

    ``text == article[start:end]``; the evidence sentence inside it is
    ``article[evidence_start:evidence_end]`` (equal offsets when there is none).
    """

    text: str
    score: float
    start: int
    end: int
    evidence: str = ""
    evidence_start: int = 0
    evidence_end: int = 0
    article: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    """An answer: its text, whether the article answers at all, and the passages used.

    ``found`` is False when the article does not say; ``text`` then says so in
    the question's language and ``sources`` hold the closest passages, which
    do not answer. ``mode`` names the writer (``extractive``, ``llm`` or
    ``refusal``); ``timings`` are seconds per stage; ``meta`` holds the scores
    behind the decision and, for LLM answers, why a fallback happened.
    """

    text: str
    found: bool
    sources: tuple[Source, ...] = ()
    mode: str = "extractive"
    language: str = "ko"
    question: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["sources"] = [s.as_dict() for s in self.sources]
        return d


@dataclass(frozen=True)
class Turn:
    """One turn of a conversation, as a follow-up leans on it: the question, the
    evidence sentence its answer came from, and whether the article answered; for a
    summary, how many sentences it gave ("더 짧게" gives fewer)."""

    question: str
    evidence: str = ""
    found: bool = False
    summary: int = 0
