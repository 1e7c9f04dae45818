"""What every answer writer is: the protocol the pipeline calls, and what it returns."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from qa.core.decide import Decision


@dataclass(frozen=True)
class Draft:
    """A writer's result. The pipeline builds the :class:`~qa.Answer` from it, the
    decision and the sources, in one place."""

    text: str
    found: bool
    #: ``extractive``, ``llm`` or ``refusal``.
    mode: str
    #: Why the text is what it is (an LLM's fallback, its tokens...), for ``Answer.meta``.
    meta: dict[str, Any] = field(default_factory=dict)


class Writer(Protocol):
    """Writes the answer to a decided question."""

    def stream(self, decision: Decision) -> Iterator[str | Draft]:
        """Yield the answer's text as it is written (possibly nothing), then the
        :class:`Draft`, for a question the decision found answered."""
        ...
