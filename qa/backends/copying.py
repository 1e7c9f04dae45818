"""A chat model's reply held to a copy of given sources: what it copied, and the
protocol of the models that can (llama.cpp, in a worker or in-process)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from langchain_core.messages import BaseMessage


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


@runtime_checkable
class Copies(Protocol):
    """A chat model whose reply can be held to a copy of words of given sources (llama.cpp,
    in a worker or in-process: :meth:`qa.backends.llamacpp.LlamaCppChat.copy_span`)."""

    def copy_span(self, messages: list[BaseMessage], sources: list[str], decline: str) -> Copied: ...
