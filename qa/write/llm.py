"""Answers written by an LLM: extract, then generate.

The core has already retrieved the evidence and decided that the article
answers; the LLM only phrases an answer from 1-3 evidence sentences, in the
question's language. What it writes is then checked (:mod:`qa.write.support`): an
unsupported number or name sends the answer back to the extractive writer.

Two backends plug into the same LangChain chat-model seam:

- :class:`qa.backends.worker.WorkerChat`: a GGUF file run by llama.cpp in a supervised
  worker process (by default the bundled Qwen2.5-Coder-1.5B-Instruct, see
  :mod:`qa.backends.models`), or :class:`qa.backends.llamacpp.LlamaCppChat`, the same in-process
  (``Settings.llm_worker`` off);
- ``langchain_openai.ChatOpenAI``: any OpenAI-compatible server (vLLM,
  Ollama, LM Studio, llama.cpp's server), when ``Settings.llm_base_url`` is set.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import logging
import re
from collections.abc import Iterator
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable, RunnableConfig

from index import korean
from qa.lang import kinds
from qa.backends import models
from qa.lang import romanize
from qa.write.binding import PERSON_TITLES, agrees, article_term, cloze_span, restore_glosses, unbound
from qa.pipeline import State, refuse, write_extractive
from qa.errors import ModelError, WorkerError
from qa.backends.llamacpp import LlamaCppChat
from qa.settings import Settings
from qa.write.support import adds_to, unsupported
from qa.types import Answer

log = logging.getLogger(__name__)

#: What the LLM replies when the evidence does not answer the question.
DECLINE = "NOT_IN_EVIDENCE"

# The fixed part comes first and never changes, so llama.cpp keeps its
# evaluated tokens between questions and reads only the evidence and question.
INSTRUCTIONS = f"""\
You answer a question about a news article using the evidence sentences given with it.
Rules:
1. Reply with the shortest complete answer to exactly what the Question asks, in the language named after it.
2. Write every name, number, date and unit exactly as the evidence writes it. Add nothing the evidence does \
not say.
3. In English, follow every Korean name or term you translate with the evidence's Hangul in \
parentheses, e.g. Hong Gil-dong (홍길동), the Ministry of Health (보건부).
4. A previous question is only context: answer the Question itself.
5. If no evidence sentence answers the question, reply exactly {DECLINE}"""

LANGUAGE_NAMES = {"ko": "Korean", "en": "English"}


def render(evidence: list[str], question: str, language: str, previous: str = "") -> str:
    """The variable part of the prompt, the same for the examples and the real questions."""
    lines = ["Evidence:", *(f"- {' '.join(e.split())}" for e in evidence), ""]
    if previous:
        lines.append(f"Previous question: {previous}")
    lines += [f"Question: {question}", f"Answer in {LANGUAGE_NAMES.get(language, 'English')}."]
    return "\n".join(lines)


# Worked examples about an invented event: a 1.5B model follows a shown answer
# far better than a described one (picking the one person asked about out of
# a list, answering the new question of a follow-up, romanising a name).
_EVENT = [
    "이날 행사에는 김도현 한빛전자 대표, 이수진 한빛시 경제국장, 정민호 한빛대 총장 등 300여명이 참석했다."
]
EXAMPLES = [
    (render(_EVENT, "한빛시 경제국장은 누구인가요?", "ko"), "이수진입니다."),
    (render(_EVENT, "How many people attended?", "en"), "About 300 people."),
    (render(_EVENT, "한빛대는요?", "ko", previous="한빛시 경제국장은 누구인가요?"), "정민호 총장입니다."),
    (
        render(_EVENT, "Who is the CEO of Hanbit Electronics?", "en"),
        "Kim Do-hyun (김도현).",
    ),
    (
        render(_EVENT, "What is Lee Su-jin's position?", "en"),
        "Director of the Economic Bureau of Hanbit City (한빛시 경제국장).",
    ),
]

PROMPT = ChatPromptTemplate.from_messages(
    [("system", INSTRUCTIONS)]
    + [m for user, ai in EXAMPLES for m in (("human", user), ("ai", ai))]
    + [("human", "{request}")]
)

#: Evidence sentences given to the LLM, and how far below the best one they may score
#: (in the ranker's logits: 1.0 is a sentence at least a third as likely as the best).
MAX_EVIDENCE = 3
EVIDENCE_MARGIN = 1.0


def request(state: State) -> str:
    """The prompt's last message: evidence, the previous question when the question is
    elliptical, the question.

    Only an elliptical follow-up gets the previous question: a small model
    shown it next to a full question ("그 계약으로 ... 카드는?") tends to
    answer the old one, while the evidence already holds what "그 계약" means.
    """
    q = state.query
    assert q is not None
    previous = state.history[-1].question if q.elliptical and state.history else ""
    return render(evidence_texts(state), state.question, q.language, previous)


def evidence_texts(state: State) -> list[str]:
    """The best evidence sentence and up to two more that score nearly as well."""
    best = state.evidence[0]
    chosen = [best.sentence]
    for ev in state.evidence[1:]:
        if len(chosen) >= MAX_EVIDENCE or ev.score < best.score - EVIDENCE_MARGIN:
            break
        if ev.fits and all(ev.sentence.start != s.start for s in chosen):
            chosen.append(ev.sentence)
    return [s.text for s in chosen]


# --- choosing a backend ---------------------------------------------------------


def chat_model(settings: Settings) -> tuple[BaseChatModel, str]:
    """The chat model these settings name, and a label for it (``Answer.meta["llm"]``)."""
    if settings.llm_base_url:
        try:
            from langchain_openai import ChatOpenAI
        except ImportError:
            raise ModelError(
                "an LLM server needs langchain-openai; run: pip install langchain-openai"
            ) from None
        name = settings.llm_model_name or "local"
        model = ChatOpenAI(
            base_url=settings.llm_base_url,
            model=name,
            api_key=settings.llm_api_key or "not-needed",  # type: ignore[arg-type]
            temperature=0,
            timeout=settings.llm_timeout,
            max_retries=1,
            stream_usage=True,
            # ChatOpenAI sends its own limit as max_completion_tokens, which
            # llama.cpp's and other local servers ignore; they all read max_tokens.
            extra_body={"max_tokens": settings.llm_max_tokens},
        )
        return model, f"openai:{name}@{settings.llm_base_url}"
    if importlib.util.find_spec("llama_cpp") is None:
        raise ModelError(f"llama-cpp-python is not installed; run: {models.INSTALL_HINT}")
    path = (
        models.check_gguf(settings.llm_model)
        if settings.llm_model
        else models.bundled_model(settings.llm_model_dir)
    )
    fields: dict[str, Any] = {
        "model_path": str(path),
        "n_ctx": settings.llm_context,
        "n_threads": settings.llm_threads,
        "max_tokens": settings.llm_max_tokens,
        "state_dir": str(settings.llm_model_dir or models.default_model_dir()),
        "state_cache_mb": settings.llm_state_cache_mb,
        "extra_bufts": settings.llm_extra_bufts,
    }
    if not settings.llm_worker:
        return LlamaCppChat(**fields), f"llama.cpp:{path.name}"
    from qa.backends.worker import WorkerChat

    return WorkerChat(**fields, deadline=settings.llm_deadline), f"llama.cpp:{path.name}"


def unavailable(settings: Settings) -> str | None:
    """Why the LLM cannot be used here (``None`` when it can), without loading anything."""
    if settings.llm_base_url:
        return None if importlib.util.find_spec("langchain_openai") else "langchain-openai is not installed"
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama-cpp-python is not installed"
    if settings.llm_model is None and not models.parts_installed():
        return "the bundled model's parts are not installed"
    return None


def start_worker(settings: Settings) -> None:
    """Start the process's LLM worker for these settings now, if they use one, so that the
    model loads there while this process opens the index (:func:`writer_for` then waits)."""
    if settings.answerer == "extractive" or settings.llm_base_url or not settings.llm_worker:
        return
    if unavailable(settings):
        return
    try:
        model, _ = chat_model(settings)
    except ModelError:
        return  # writer_for says why
    from qa.backends.worker import WorkerChat

    if isinstance(model, WorkerChat):
        model.worker  # noqa: B018 (started by being looked up)


def writer_for(settings: Settings) -> tuple[LLMWriter | None, str]:
    """The writer ``settings.answerer`` asks for: an :class:`LLMWriter`, or ``None`` for the
    extractive writer together with the reason.

    ``llm`` raises :class:`ModelError` when the LLM cannot be used; ``auto``
    falls back to the extractive writer, and its answers to the extractive
    answer when a call fails.
    """
    if settings.answerer == "extractive":
        return None, "answerer is extractive"
    strict = settings.answerer == "llm"
    if not strict and (why := unavailable(settings)):
        return None, why
    try:
        model, label = chat_model(settings)
        writer = LLMWriter(model, label=label, strict=strict)
        writer.warm()
    except ModelError as e:
        if strict:
            raise
        log.warning("answering without the LLM: %s", e)
        return None, str(e)
    return writer, ""


# --- the writer -------------------------------------------------------------------


class LLMWriter(Runnable[State, State]):
    """The chain's answer writer, backed by any LangChain chat model.

    ``invoke(state)`` fills ``state.answer``; :meth:`stream_text` does the same
    while yielding the text as the model writes it. The answer is
    ``mode="llm"`` when every number and name in it is in the evidence and it
    adds something from the evidence to the question; otherwise the
    extractive answer, with the reason in ``meta["fallback"]``.
    When the model says the evidence does not answer, the answer is the
    extractive one too (``meta["llm_declined"]``): whether the article answers
    is the fitted decision's call (``qa.core.decide``), taken before the model is
    asked, and a 1.5B model's "not in the evidence" is as often a miss.
    """

    def __init__(self, model: BaseChatModel, *, label: str = "", strict: bool = True) -> None:
        self.model = model
        self.label = label or model.get_name()
        self.strict = strict
        self.chain = PROMPT | model

    def warm(self) -> None:
        """Load the model and evaluate the fixed prompt once, so the first question pays for neither."""
        warm_up = {"request": render([], "ok?", "en")}
        try:
            warm = getattr(self.model, "warm", None)  # llama.cpp, in a worker or in-process
            if warm is not None:
                warm(PROMPT.format_messages(**warm_up))
            else:  # a server: one token, which also shows that it answers
                (PROMPT | self.model.bind(extra_body={"max_tokens": 1})).invoke(warm_up)
        except ModelError:
            raise
        except Exception as e:  # the server is down, the model is broken...
            raise ModelError(f"the LLM ({self.label}) failed: {_describe(e)}") from e

    def invoke(self, input: State, config: RunnableConfig | None = None, **kwargs: Any) -> State:
        for _ in self.stream_text(input, config):
            pass
        return input

    def rescue(self, state: State) -> bool:
        """Answer a question the decision declined as a near miss, when the LLM's answer
        passes every check of :func:`review`; else refuse, with the LLM's text and why it
        was not shown in the refusal's ``meta``. Returns whether it answered.

        The LLM reads the evidence in other words than the question's; its answer
        is only shown when each of its names and numbers is in the evidence and
        bound to the question's subject (``fit/rescue.py`` measures this).
        """
        state.found = True
        self.invoke(state)
        assert state.answer is not None
        if state.answer.mode == "llm" and (
            fallback := near_miss_problem(state.answer.text, evidence_texts(state))
        ):
            state.answer = dataclasses.replace(
                state.answer, mode="extractive", meta={**state.answer.meta, "fallback": fallback}
            )
        if state.answer.mode == "llm":
            state.reason += "; near miss answered: the LLM's answer passed every check"
            state.answer = dataclasses.replace(state.answer, meta={**state.answer.meta, "rescued": True})
            return True
        meta: dict[str, Any] = {k: v for k, v in state.answer.meta.items() if k in ("llm_text", "fallback")}
        state.found = False
        refuse(state)
        assert state.answer is not None
        state.answer = dataclasses.replace(state.answer, meta={**meta, "rescued": False})
        return False

    def stream_text(self, state: State, config: RunnableConfig | None = None) -> Iterator[str]:
        """Yield the answer's text as the model writes it; ``state.answer`` is set at the end.

        The final answer is authoritative: when the check rejects what was
        streamed, ``state.answer`` holds the extractive answer or a refusal instead.
        """
        assert state.query is not None and state.evidence
        pieces: list[str] = []
        usage: dict[str, Any] = {}
        finish = None
        streaming = False  # the text is held back while it could still turn out to be DECLINE
        try:
            for chunk in self.chain.stream({"request": request(state)}, config):
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
            self._fallback(state, str(e), "".join(pieces).strip(), usage)
            return
        except Exception as e:
            if self.strict:
                raise ModelError(f"the LLM ({self.label}) failed: {_describe(e)}") from e
            self._fallback(state, f"LLM error: {_describe(e)}", "", usage)
            return
        self._finish(state, "".join(pieces).strip(), usage, cut=finish == "length")

    def _finish(self, state: State, text: str, usage: dict[str, Any], cut: bool = False) -> None:
        q = state.query
        assert q is not None
        if DECLINE in text or DECLINE.replace("_", " ") in text:
            write_extractive(state)
            self._meta(
                state, text, usage, fallback="the LLM found no answer in the evidence", llm_declined=True
            )
            return
        if not text:
            return self._fallback(state, "the LLM wrote nothing", text, usage)
        if cut:
            return self._fallback(state, "the LLM's answer ran past its token limit", text, usage)
        evidence = evidence_texts(state)
        previous = state.history[-1].question if q.followup and state.history else ""
        # What the user reads; ``text``, as the LLM wrote it, goes to the metadata.
        shown, why = review(text, state.question, q.language, evidence, previous, q.expects)
        if why:
            return self._fallback(state, why, text, usage)
        state.answer = Answer(
            text=shown, found=True, mode="llm", language=q.language, question=state.question
        )
        self._meta(state, text, usage)

    def _fallback(self, state: State, why: str, text: str, usage: dict[str, Any]) -> None:
        write_extractive(state)
        self._meta(state, text, usage, fallback=why)

    def _meta(self, state: State, text: str, usage: dict[str, Any], **extra: Any) -> None:
        assert state.answer is not None
        meta = {"llm": self.label, "llm_text": text, "evidence_used": len(evidence_texts(state)), **extra}
        if usage.get("input_tokens"):
            meta["prompt_tokens"] = usage["input_tokens"]
            meta["completion_tokens"] = usage.get("output_tokens")
            # Tokens the model had evaluated already (llama.cpp reuses a matching prefix).
            cached = (usage.get("input_token_details") or {}).get("cache_read")
            if cached is not None:
                meta["prompt_tokens_cached"] = cached
        state.answer = dataclasses.replace(state.answer, meta={**state.answer.meta, **meta})


_NAME_IN_ANSWER = re.compile(r"(?<![가-힣(])([가-힣]{3})(?![가-힣])(?:\s*\(\1\))?")


#: Longest share of the best evidence sentence a near miss's answer may take up (in characters).
SHORT_SHARE = 0.5


def near_miss_problem(answer: str, evidence: list[str]) -> str:
    """Why a near miss may not be answered with ``answer``, which passed :func:`review`; ''
    when it may. A near miss is answered for a fact the LLM picks out of the evidence:

    - a copy of the evidence (over ``SHORT_SHARE`` of the best sentence) commits to
      nothing the decision had not already found too weak;
    - a name or number the answer takes from the question and the evidence lacks
      ("노현정 연구위원은 SMR에 대해 ...", about a sentence without SMR) is what
      made the decision unsure.
    """
    if len(answer) > SHORT_SHARE * len(evidence[0]):
        return "a near miss needs a short answer; the LLM's restates the evidence"
    if bad := unsupported(answer, evidence):
        return f"a near miss's answer names what only the question says: {', '.join(bad)}"
    return ""


def review(
    text: str,
    question: str,
    language: str,
    evidence: list[str],
    previous: str = "",
    expects: str | None = None,
) -> tuple[str, str]:
    """What the reader is shown of the LLM's ``text``, and why it may not be shown ('' when it may).

    ``previous`` is the earlier question a follow-up leans on, ``expects`` the kind
    of answer asked for (``Query.expects``). The checks, in order: the answer's
    language, every number and name in the evidence (:mod:`qa.write.support`), not a
    question back, more than the question's own words, and, for Korean, a value
    of the kind asked for ("몇 번째" is not answered by "80여종"), bound to the
    question's subject (:mod:`qa.write.binding`) and agreeing with the span the
    question's own words frame.
    """
    shown = restore_glosses(romanize_names(text, evidence) if language == "en" else text, evidence)
    if language == "ko":  # a Latin gloss alone is shown with the article's Korean term
        shown = next((t for e in evidence if (t := article_term(shown, e))), shown)
    # A bare value ("70%") is in no language, so in any; a Korean question may be
    # answered with a Latin name the evidence writes ("T-Card").
    written = written_language(shown)
    if written and written != language and not (language == "ko" and _copied(shown, evidence)):
        return shown, f"the LLM did not answer in {LANGUAGE_NAMES.get(language, language)}"
    if bad := unsupported(shown, [*evidence, question, *([previous] if previous else [])]):
        return shown, f"not in the evidence: {', '.join(bad)}"
    if _ASKS_BACK.search(shown):
        return shown, "the LLM answered with a question"
    if not adds_to(shown, question, evidence):
        return shown, "the answer only restates the question"
    if language == "ko":
        if expects and expects in kinds.VALUES and not kinds.holds(expects, shown):
            return shown, f"asks for {kinds.named(expects)}; the LLM's answer gives none"
        reasons = [unbound(shown, question, e) for e in evidence]
        if all(reasons):
            return shown, f"not bound to the question: {reasons[0]}"
        spans = [s for e in evidence if (s := cloze_span(question, e))]
        if spans and not any(agrees(shown, s) for s in spans):
            return shown, f"the question's own words frame {spans[0]!r} in the evidence, not the answer"
    return shown, ""


def romanize_names(text: str, evidence: list[str]) -> str:
    """Write a Korean person's name that an English answer left in Hangul as rule 3 of the
    instructions asks, which a small model often forgets: "최원석" (or "최원석 (최원석)")
    becomes "Choi Won-seok (최원석)". A name is three syllables with a common surname first
    that the evidence writes before a title ("최원석 사장")."""

    def named(hangul: str) -> bool:
        after = rf"{hangul}\s*(?:\S+\s+)?(?:{'|'.join(PERSON_TITLES)})"
        return any(re.search(after, e) for e in evidence)

    def fix(m: re.Match[str]) -> str:
        hangul = m.group(1)
        latin = romanize.person_name(hangul)
        return f"{latin} ({hangul})" if latin and named(hangul) else m.group(0)

    return _NAME_IN_ANSWER.sub(fix, text)


# An answer that ends like a question ("...체결했나요.") has echoed the question's
# words instead of answering it.
_ASKS_BACK = re.compile(r"(\?|[나까]요|니까|는가|인가|을까|ㄹ까)\s*[.!]?\s*$")


def written_language(text: str) -> str | None:
    """The language ``text`` is written in, or ``None`` for a bare value ("70%", "2021").

    A gloss in parentheses does not count: "CTO (최고기술경영자)" is English that
    keeps the article's term, as the prompt asks an English answer to do.
    """
    outside = _PARENTHESES.sub(" ", text)
    if re.search(r"[가-힣]|[A-Za-z]{2,}", outside):
        text = outside
    if not re.search(r"[가-힣]|[A-Za-z]{2,}", text):
        return None
    return korean.language(text)


_PARENTHESES = re.compile(r"\([^()]*\)")


def _copied(text: str, evidence: list[str]) -> bool:
    """Is every Latin word of ``text`` in the evidence, and nothing else in words?"""
    written = " ".join(evidence).lower()
    words = re.findall(r"[A-Za-z][\w-]*", text)
    return bool(words) and all(w.lower() in written for w in words) and not re.search(r"[가-힣]", text)


def _describe(e: Exception) -> str:
    return f"{type(e).__name__}: {e}".strip().rstrip(":")
