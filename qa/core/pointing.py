"""The prompt that has the LLM point at the answer in evidence from the article, and
what a model that holds its reply to a copy of the evidence returns.

The pointing writer (``qa.write.point``) asks it of the chosen sentence; the reader
(``qa.core.reader``) of the ranker's best sentences, with the reply held to a copy
of them (:class:`Copies`, :meth:`qa.backends.llamacpp.LlamaCppChat.copy_span`). One
prompt for both: llama.cpp evaluates its fixed part once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from langchain_core.messages import BaseMessage
from langchain_core.prompts import ChatPromptTemplate

#: What the LLM replies when the evidence does not answer the question.
DECLINE = "NOT_IN_EVIDENCE"
#: Between the copied Korean words and their English rendering.
GLOSS = " | "
#: The least mean log-probability per token of a rendering held to the span's words that
#: says a name or a borrowed word by its sound (``say_within``): below it, the model was
#: pushed into a spelling it did not mean ("Diamon De-azel" for 데이미언 셔젤). Held out
#: on the training titles' names (``fit/sound.py --held-report``): 48 shown, 43 right,
#: where without it 152 would be shown and 79 of them wrong (fit/README.md).
HELD_SOUND_LOGPROB = -0.5

INSTRUCTIONS = f"""\
You point at the answer to a question in evidence from a news article.
Reply with the words of the Evidence that answer the Question, copied exactly, and nothing else: \
the shortest phrase that fully answers it.
For a question in English, reply with the copied words, then "{GLOSS.strip()}", then the same words \
in English.
If the Evidence does not answer the Question, reply exactly {DECLINE}"""


def render(evidence: str, question: str, previous: str = "") -> str:
    """The variable part of the prompt: the evidence, an elliptical follow-up's previous
    question, the question."""
    lines = [f"Evidence: {' '.join(evidence.split())}"]
    if previous:
        lines.append(f"Previous question: {previous}")
    lines.append(f"Question: {question}")
    return "\n".join(lines)


# Worked examples about an invented event: a 1.5B model follows a shown reply far
# better than a described one.
_EVENT = (
    "이날 행사에는 김도현 한빛전자 대표, 이수진 한빛시 경제국장, 정민호 한빛대 총장 등 300여명이 참석했다."
)
EXAMPLES = [
    (render(_EVENT, "한빛시 경제국장은 누구야?"), "이수진"),
    (render(_EVENT, "How many people attended?"), f"300여명{GLOSS}about 300 people"),
    (render(_EVENT, "한빛대는요?", previous="한빛시 경제국장은 누구야?"), "정민호 한빛대 총장"),
    (render(_EVENT, "Who is the CEO of Hanbit Electronics?"), f"김도현{GLOSS}Kim Do-hyun"),
]

PROMPT = ChatPromptTemplate.from_messages(
    [("system", INSTRUCTIONS)]
    + [m for user, ai in EXAMPLES for m in (("human", user), ("ai", ai))]
    + [("human", "{request}")]
)


@dataclass(frozen=True)
class Copied:
    """What a :class:`Copies` model copied, and how sure it was."""

    #: The copied words ('' when no source offered a token to start with).
    text: str
    #: The model's log-probability of the copy's tokens (over its whole vocabulary, not
    #: only the tokens it was allowed).
    logprob: float
    #: The log-probability of starting with any token a copy may start with.
    first: float
    #: ... of the token the copy starts with.
    start: float
    #: The log-probability of starting the reply the prompt offers for "not there".
    declined: float
    #: What the model wrote after the copy and the words it was given to go on with.
    after: str = ""


@runtime_checkable
class Copies(Protocol):
    """A chat model whose reply can be held to a copy of words of given sources (llama.cpp,
    in a worker or in-process: :meth:`qa.backends.llamacpp.LlamaCppChat.copy_span`)."""

    def copy_span(
        self, messages: list[BaseMessage], sources: list[str], decline: str, then: str = ""
    ) -> Copied: ...


@runtime_checkable
class SaysWithin(Protocol):
    """A chat model whose reply can be held to given words (llama.cpp, in a worker or
    in-process: :meth:`qa.backends.llamacpp.LlamaCppChat.say_within`)."""

    def say_within(
        self,
        messages: list[BaseMessage],
        prefix: str,
        words: Iterable[str],
        groups: Sequence[Iterable[str]] = (),
        sounds: Sequence[tuple[str, Iterable[int]]] = (),
    ) -> str: ...
