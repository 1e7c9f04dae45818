"""Answers written by an LLM from the evidence the core decided answers the question.

The LLM only phrases an answer from 1-3 evidence sentences, in the question's
language; what it writes is then checked (:func:`qa.write.review.review`), and an
answer that fails a check falls back to the extractive answer with the reason.
Any LangChain chat model plugs in (``qa.backends.chat`` picks the configured one).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel

from qa.backends.chat import Choice, Warms
from qa.core.decide import Decision
from qa.errors import ModelError, WorkerError
from qa.write.base import Draft
from qa.write.extractive import ExtractiveWriter, refusal
from qa.write.prompt import DECLINE, PROMPT, evidence_texts, render, request
from qa.write.review import near_miss_problem, review

log = logging.getLogger(__name__)


class LLMWriter:
    """A :class:`~qa.write.base.Writer` backed by any LangChain chat model.

    The answer is ``mode="llm"`` when it passes every check of :func:`review`;
    otherwise the extractive answer, with the reason in ``meta["fallback"]``.
    When the model says the evidence does not answer, the answer is the
    extractive one too (``meta["llm_declined"]``): whether the article answers
    is the fitted decision's call (``qa.core.decide``), taken before the model is
    asked, and a 1.5B model's "not in the evidence" is as often a miss.
    """

    def __init__(
        self, model: BaseChatModel, fallback: ExtractiveWriter, *, label: str = "", strict: bool = True
    ) -> None:
        self.model = model
        self.fallback = fallback
        self.label = label or model.get_name()
        self.strict = strict
        self.chain = PROMPT | model

    def warm(self) -> None:
        """Load the model and evaluate the fixed prompt once, so the first question pays for neither."""
        warm_up = {"request": render([], "ok?", "en")}
        try:
            if isinstance(self.model, Warms):
                self.model.warm(PROMPT.format_messages(**warm_up))
            else:  # a server: one token, which also shows that it answers
                (PROMPT | self.model.bind(extra_body={"max_tokens": 1})).invoke(warm_up)
        except ModelError:
            raise
        except Exception as e:  # the server is down, the model is broken...
            raise ModelError(f"the LLM ({self.label}) failed: {_describe(e)}") from e

    def stream(self, decision: Decision) -> Iterator[str | Draft]:
        """Yield the answer's text as the model writes it, then the :class:`Draft`.

        The draft is authoritative: when the checks reject what was streamed, it
        holds the extractive answer instead.
        """
        pieces: list[str] = []
        usage: dict[str, Any] = {}
        finish = None
        streaming = False  # the text is held back while it could still turn out to be DECLINE
        try:
            for chunk in self.chain.stream({"request": request(decision.ranked)}):
                if chunk.usage_metadata:
                    usage = dict(chunk.usage_metadata)
                finish = chunk.response_metadata.get("finish_reason") or finish
                piece = chunk.text
                if not piece:
                    continue
                pieces.append(piece)
                if streaming:
                    yield piece
                elif not DECLINE.startswith("".join(pieces).strip()[: len(DECLINE)]):
                    streaming = True
                    yield "".join(pieces).lstrip()
        except WorkerError as e:  # a crash or a hang: this answer only, in every mode
            yield self._fallback(decision, str(e), "".join(pieces).strip(), usage)
            return
        except Exception as e:
            if self.strict:
                raise ModelError(f"the LLM ({self.label}) failed: {_describe(e)}") from e
            yield self._fallback(decision, f"LLM error: {_describe(e)}", "", usage)
            return
        yield self._finish(decision, "".join(pieces).strip(), usage, cut=finish == "length")

    def write(self, decision: Decision) -> Draft:
        """The whole answer at once (see :meth:`stream`)."""
        draft = None
        for piece in self.stream(decision):
            if isinstance(piece, Draft):
                draft = piece
        assert draft is not None
        return draft

    def rescue(self, decision: Decision) -> Draft:
        """Answer a near miss when the LLM's answer passes every check of :func:`review`
        and :func:`near_miss_problem`; else the refusal, with the LLM's text and why it was
        not shown in its ``meta``.

        The LLM reads the evidence in other words than the question's; its answer
        is only shown when each of its names and numbers is in the evidence and
        bound to the question's subject (``fit/rescue.py`` measures this).
        """
        draft = self.write(decision)
        if draft.mode == "llm" and (why := near_miss_problem(draft.text, evidence_texts(decision.ranked))):
            draft = dataclasses.replace(draft, mode="extractive", meta={**draft.meta, "fallback": why})
        if draft.mode == "llm":
            return dataclasses.replace(
                draft,
                meta={**draft.meta, "rescued": True},
                reason="near miss answered: the LLM's answer passed every check",
            )
        kept = {k: v for k, v in draft.meta.items() if k in ("llm_text", "fallback")}
        declined = refusal(decision.ranked.query.language)
        return dataclasses.replace(declined, meta={**kept, "rescued": False})

    def _finish(self, decision: Decision, text: str, usage: dict[str, Any], cut: bool = False) -> Draft:
        q = decision.ranked.query
        if DECLINE in text or DECLINE.replace("_", " ") in text:
            return self._fallback(
                decision, "the LLM found no answer in the evidence", text, usage, llm_declined=True
            )
        if not text:
            return self._fallback(decision, "the LLM wrote nothing", text, usage)
        if cut:
            return self._fallback(decision, "the LLM's answer ran past its token limit", text, usage)
        evidence = evidence_texts(decision.ranked)
        previous = q.context if q.followup else ""
        # What the user reads; ``text``, as the LLM wrote it, goes to the metadata.
        shown, why = review(text, q.question, q.language, evidence, previous, q.expects)
        if why:
            return self._fallback(decision, why, text, usage)
        return Draft(shown, found=True, mode="llm", meta=self._meta(decision, text, usage))

    def _fallback(
        self, decision: Decision, why: str, text: str, usage: dict[str, Any], **extra: Any
    ) -> Draft:
        draft = self.fallback.draft(decision)
        meta = self._meta(decision, text, usage, fallback=why, **extra)
        return dataclasses.replace(draft, meta=meta)

    def _meta(self, decision: Decision, text: str, usage: dict[str, Any], **extra: Any) -> dict[str, Any]:
        used = len(evidence_texts(decision.ranked))
        meta = {"llm": self.label, "llm_text": text, "evidence_used": used, **extra}
        if usage.get("input_tokens"):
            meta["prompt_tokens"] = usage["input_tokens"]
            meta["completion_tokens"] = usage.get("output_tokens")
            # Tokens the model had evaluated already (llama.cpp reuses a matching prefix).
            cached = (usage.get("input_token_details") or {}).get("cache_read")
            if cached is not None:
                meta["prompt_tokens_cached"] = cached
        return meta


def llm_writer(choice: Choice, fallback: ExtractiveWriter) -> tuple[LLMWriter | None, str]:
    """The LLM writer for the chosen chat model, warmed, or ``None`` with the reason.

    A strict choice (``answerer="llm"``) raises :class:`ModelError` when the model
    cannot be used; ``auto`` falls back to the extractive writer.
    """
    if choice.model is None:
        return None, choice.why_not
    try:
        writer = LLMWriter(choice.model, fallback, label=choice.label, strict=choice.strict)
        writer.warm()
    except ModelError as e:
        if choice.strict:
            raise
        log.warning("answering without the LLM: %s", e)
        return None, str(e)
    return writer, ""


def _describe(e: Exception) -> str:
    return f"{type(e).__name__}: {e}".strip().rstrip(":")
