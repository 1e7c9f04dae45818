"""The LLM points at the answer; the article supplies it.

The fitted decision (``qa.core.decide``) has already chosen the evidence
sentence. The LLM is asked only which words of it answer the question (and, for
an English question, how to say them in English). Its reply is kept only when
it is a span of the evidence, copied exactly: that span, led by nothing the
model made up, is shown first, and the evidence sentence follows it, so the
answer's fact is always the article's own words. When the reply is not such a
span (the model rephrased, copied the whole sentence, pointed at the question's
own words or at no value of the kind asked for), the answer is the evidence
alone, as in extractive mode: the LLM can make an answer shorter to read, never
different.

An English question's span is copied under constraint where the model allows it
(:class:`~qa.core.pointing.Copies`: it cannot write a word the evidence lacks),
and the model goes on to write the span's English after it, in the same reply.
That English is shown before the span only when it passes checks
(:func:`english_answer`): a value ("21억원") and a Korean person's name are said
by rule instead (``qa.lang.english``, ``qa.lang.romanize``); other words must say
what the learner's dictionary says the span's words mean, or be close to them in
meaning (e5).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings
from langchain_core.language_models.chat_models import BaseChatModel

from index import korean
from qa.backends.chat import Choice, Warms
from qa.core.decide import Decision
from qa.core.pointing import DECLINE, GLOSS, PROMPT, Copies, SaysWithin, render
from qa.core.reader import messages as reader_messages
from qa.errors import ModelError, WorkerError
from qa.lang import english, kinds, romanize
from qa.lang.bilingual import hear, wording
from qa.lang.lexicon import HANGUL, HANGUL_RUN, PERSON_TITLES
from qa.lang.numbers import english_numbers
from qa.lang.numbers import read as read_numbers
from qa.write.base import Draft
from qa.write.extractive import ExtractiveWriter

log = logging.getLogger(__name__)

#: Longest share of the evidence a span may take up: a longer one points at nothing.
MAX_SHARE = 0.6
#: What a model adds after a copied phrase: a final stop, a copula, quotes.
_TRAILING = re.compile(r"(?:\s*(?:입니다|이에요|예요|이다|요)?[.。!\"'“”‘’]*)$")


def request(decision: Decision, evidence: str) -> str:
    q = decision.ranked.query
    return render(evidence, q.question, q.context if q.elliptical else "")


def snap(reply: str, evidence: str) -> str:
    """The span of ``evidence`` that ``reply`` copies (spaces may differ), or ''."""
    words = reply.split()
    if not words:
        return ""
    for candidate in (" ".join(words), _TRAILING.sub("", " ".join(words))):
        if not candidate:
            continue
        pattern = r"\s*".join(re.escape(w) for w in candidate.split())
        if m := re.search(pattern, evidence):
            return m.group(0)
    return ""


def span_problem(span: str, evidence: str, question: str, previous: str, expects: str | None) -> str:
    """Why ``span`` does not point at an answer ('' when it does)."""
    if len(span) > MAX_SHARE * len(" ".join(evidence.split())):
        return "the LLM copied the evidence, not a phrase of it"
    if expects in kinds.VALUES and not kinds.holds(expects, span):
        return f"asks for {kinds.named(expects)}; the LLM's span holds none"
    said = {t.form for t in korean.terms(f"{question} {previous}")}
    own = {t.form for t in korean.terms(span)}
    # A span of no content word ("별": Kiwi reads it as a determiner) is the question's
    # own only when the question writes it.
    if own <= said and (own or span.strip() in f"{question} {previous}"):
        return "the LLM pointed at the question's own words"
    return ""


#: Lowest e5 similarity of an English rendering to the Korean span it renders. A 1.5B
#: model renders names freely ("천국의 계단" as "The Grand Canyon"). ``fit/gloss.py``, on
#: the English questions of 35 training titles: of the 26 renderings of spans holding the
#: answer, 13 right, the other checks drop 4 wrong ones, and from 0.86 to 0.88 no wrong one
#: is kept while 11 to 10 of the right ones are (fit/data/gloss.jsonl).
GLOSS_MIN = 0.87


def gloss_problem(gloss: str, span: str, similarity: Callable[[str, str], float] | None) -> str:
    """Why an English rendering of ``span`` may not be shown ('' when it may): it must be
    English, write the same numbers, and mean what the span means to the embedder."""
    if not gloss or HANGUL_RUN.search(gloss) or not re.search("[A-Za-z]{2}", gloss):
        return "no English rendering"
    if english_numbers(gloss) != {n.value for n in read_numbers(span)}:
        return "the English rendering's numbers are not the evidence's"
    # The article's own Latin words ("COO", "GWh") are their rendering: "CEO", "gigawatts" are not.
    if missing := [w for w in re.findall(r"[A-Za-z][\w-]*", span) if w.lower() not in gloss.lower()]:
        return f"the English rendering drops the evidence's {', '.join(missing)}"
    return _too_far(gloss, span, similarity)


def _too_far(gloss: str, span: str, similarity: Callable[[str, str], float] | None) -> str:
    """Why ``gloss`` does not mean what ``span`` means to the embedder ('' when it does)."""
    if similarity is not None and (sim := similarity(gloss, span)) < GLOSS_MIN:
        return f"the English rendering is too far from the evidence's words (e5 {sim:.2f})"
    return ""


def person_gloss(span: str, evidence: str, gloss: str = "") -> str:
    """A Korean person's name as English writes it ("최원석" or "최원석 사장" -> "Choi
    Won-seok"), when the span is a name that the evidence writes before a title, with
    that title or without, or one the LLM rendered as a person's name (``gloss``: two
    or three capitalised words); else ''. The rule spells a name more reliably than a
    small model does."""
    titles = "|".join(PERSON_TITLES)
    m = re.fullmatch(rf"([{HANGUL}]{{3}})(?:\s*(?:{titles}))?", span.strip())
    if not m:
        return ""
    name = m.group(1)
    latin = romanize.person_name(name)
    titled = re.search(rf"{re.escape(name)}\s*(?:\S+\s+)?(?:{titles})", evidence)
    if latin and (titled or _NAME.fullmatch(gloss.strip())):
        return latin
    return ""


#: How an English text writes a person's name: "Lee Myung-bak", "Kim Guangsu".
_NAME = re.compile(r"[A-Z][a-z]+(?:[ -][A-Z]?[a-z]+){1,2}")


def english_answer(
    span: str, evidence: str, gloss: str, kind: str | None, similarity: Callable[[str, str], float] | None
) -> tuple[str, dict[str, str]]:
    """What an English answer shows of ``span`` (and, in the dict, how it was rendered or
    why the LLM's rendering ``gloss`` was not shown): a Korean person's name or a value
    rendered by rule, else the LLM's rendering when it passes the checks of
    :func:`gloss_problem` and either says the span as the dictionary does (a name or a
    borrowed word by its sound) or is close to it in meaning, when it says the span's
    names and borrowed words by their sound; the span always follows, in parentheses.
    With no rendering, the article's words framed in English."""
    if not HANGUL_RUN.search(span):  # "N2N", "2010": the article wrote it as English does
        return span, {"rendered_by": "itself"}
    if name := person_gloss(span, evidence, gloss):
        return f"{name} ({span})", {"rendered_by": "name"}
    if said := english.value(span, kind):
        return (said if said == span else f"{said} ({span})"), {"rendered_by": "rule"}
    gloss = gloss.strip().rstrip(".")
    if why := gloss_problem(gloss, span, None):
        return f"In the article's words: {span}", {"gloss_dropped": why}
    heard = hear(gloss, [(t.form, t.tag) for t in korean.terms(span)], span)
    if heard.says:
        return f"{gloss} ({span})", {"rendered_by": "dictionary"}
    # e5 cannot vouch for a name or a borrowed word ("multi-video mixer" for 멀티바이브레이터).
    if missing := ", ".join(heard.unheard):
        why = f"the English rendering says {missing} neither as the dictionary does nor by sound"
        return f"In the article's words: {span}", {"gloss_dropped": why}
    if why := _too_far(gloss, span, similarity):
        return f"In the article's words: {span}", {"gloss_dropped": why}
    return f"{gloss} ({span})", {"rendered_by": "llm"}


def embedder_similarity(embeddings: Embeddings) -> Callable[[str, str], float]:
    """The cosine of two texts' passage vectors (e5 normalises them)."""

    def similarity(a: str, b: str) -> float:
        va, vb = (np.asarray(v, dtype=np.float32) for v in embeddings.embed_documents([a, b]))
        return float(va @ vb / ((np.linalg.norm(va) * np.linalg.norm(vb)) or 1.0))

    return similarity


class PointingWriter:
    """A :class:`~qa.write.base.Writer` whose LLM points into the evidence (see the module).

    ``mode="llm"`` when the LLM's span was kept; otherwise the extractive answer,
    with the reason in ``meta["fallback"]``. The decision is never the LLM's: a
    near miss stays declined.
    """

    def __init__(
        self,
        model: BaseChatModel,
        fallback: ExtractiveWriter,
        *,
        similarity: Callable[[str, str], float] | None = None,
        label: str = "",
        strict: bool = True,
    ) -> None:
        self.model = model
        self.similarity = similarity
        self.fallback = fallback
        self.label = label or model.get_name()
        self.strict = strict
        self.chain = PROMPT | model.bind(stop=["\n"])

    def warm(self) -> None:
        """Load the model and evaluate the fixed prompt once, so the first question pays for neither."""
        warm_up = {"request": render("", "ok?")}
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
        """The :class:`Draft` (nothing is streamed: a span is a few tokens, and it is
        shown only once it is known to be the evidence's)."""
        yield self.write(decision)

    def write(self, decision: Decision) -> Draft:
        ranked = decision.ranked
        sentences = [ranked.evidence[0].sentence]
        if ranked.neighbour is not None:
            sentences = sorted([*sentences, ranked.neighbour.sentence], key=lambda s: s.start)
        evidence = " ".join(" ".join(s.text.split()) for s in sentences)
        usage: dict[str, Any] = {}
        in_english = ranked.query.answer_language != "ko"
        if ranked.copied:
            # The LLM already copied its answer from this sentence as it read the evidence.
            text = ranked.copied + (GLOSS + ranked.copied_english if ranked.copied_english else "")
        else:
            try:
                text, usage = self._reply(decision, evidence, in_english)
            except WorkerError as e:  # a crash or a hang: this answer only, in every mode
                return self._fallback(decision, str(e), "", usage)
            except Exception as e:
                if self.strict:
                    raise ModelError(f"the LLM ({self.label}) failed: {_describe(e)}") from e
                return self._fallback(decision, f"LLM error: {_describe(e)}", "", usage)
        if not text or DECLINE in text:
            why = "the LLM pointed at nothing"
            return self._fallback(decision, why, text, usage, llm_declined=bool(text))
        q = ranked.query
        copied, _, gloss = text.partition(GLOSS.strip())
        span = snap(copied, evidence)
        if not span:
            return self._fallback(decision, "the LLM's reply is not the evidence's words", text, usage)
        previous = q.context if q.followup else ""
        if why := span_problem(span, evidence, q.question, previous, q.expects):
            return self._fallback(decision, why, text, usage)
        shown, extra = span, dict[str, str]()
        if in_english:
            shown, extra = english_answer(span, evidence, gloss, q.expects, self.similarity)
            if "gloss_dropped" in extra and isinstance(self.model, SaysWithin):
                shown, extra = self._held_english(decision, evidence, copied, span, (shown, extra))
        body = self.fallback.text(decision)
        meta = self._meta(text, usage, span=span, **extra)
        return Draft(f"{shown}\n\n{body}", found=True, mode="llm", meta=meta)

    def _held_english(
        self, decision: Decision, evidence: str, copied: str, span: str, free: tuple[str, dict[str, str]]
    ) -> tuple[str, dict[str, str]]:
        """The answer's English when the LLM's own rendering was not shown: the LLM
        renders the span again, held to the learner's dictionary's words for it
        (:func:`qa.lang.bilingual.wording`), under the prompt it copied the span
        under, and the rendering passes the same checks; else ``free`` as it was."""
        assert isinstance(self.model, SaysWithin)
        ranked, q = decision.ranked, decision.ranked.query
        if ranked.copied:  # the reader's prompt: its sentences as the evidence
            messages = reader_messages(q, list(ranked.copied_from))
        else:
            messages = PROMPT.format_messages(request=request(decision, evidence))
        held_to = wording([(t.form, t.tag) for t in korean.terms(span)], span)
        try:
            held = self.model.say_within(
                messages, copied.strip() + GLOSS.rstrip(), held_to.words, held_to.groups, held_to.sounds
            )
        except (ModelError, WorkerError) as e:
            log.warning("no English rendering held to the dictionary: %s", e)
            return free
        shown, extra = english_answer(span, evidence, held, q.expects, self.similarity)
        if "rendered_by" not in extra:
            return free
        return shown, {
            **extra,
            "rendered_by": f"{extra['rendered_by']}, held to its words",
            "gloss_free": free[1]["gloss_dropped"],
        }

    def _reply(self, decision: Decision, evidence: str, in_english: bool) -> tuple[str, dict[str, Any]]:
        """The LLM's reply to the pointing prompt, and its usage. For an English question,
        a model that can be held to a copy (:class:`Copies`) copies its span, then writes
        the English after it; the reply is the decline when the model would rather
        decline than start that copy."""
        if in_english and isinstance(self.model, Copies):
            messages = PROMPT.format_messages(request=request(decision, evidence))
            copied = self.model.copy_span(messages, [evidence], DECLINE, GLOSS.rstrip())
            if not copied.text or copied.declined > copied.start:
                return DECLINE, {}
            return copied.text + GLOSS + copied.after, {}
        reply = self.chain.invoke({"request": request(decision, evidence)})
        return reply.text.strip(), dict(reply.usage_metadata or {})

    def _fallback(
        self, decision: Decision, why: str, text: str, usage: dict[str, Any], **extra: Any
    ) -> Draft:
        draft = self.fallback.draft(decision)
        return dataclasses.replace(draft, meta=self._meta(text, usage, fallback=why, **extra))

    def _meta(self, text: str, usage: dict[str, Any], **extra: Any) -> dict[str, Any]:
        meta = {"llm": self.label, "llm_text": text, **extra}
        if usage.get("input_tokens"):
            meta["prompt_tokens"] = usage["input_tokens"]
            meta["completion_tokens"] = usage.get("output_tokens")
            cached = (usage.get("input_token_details") or {}).get("cache_read")
            if cached is not None:
                meta["prompt_tokens_cached"] = cached
        return meta


def pointing_writer(
    choice: Choice, fallback: ExtractiveWriter, embeddings: Embeddings | None = None
) -> tuple[PointingWriter | None, str]:
    """The pointing writer for the chosen chat model, warmed, or ``None`` with the reason.

    A strict choice (``answerer="llm"``) raises :class:`ModelError` when the model
    cannot be used; ``auto`` falls back to the extractive writer.
    """
    if choice.model is None:
        return None, choice.why_not
    try:
        similarity = embedder_similarity(embeddings) if embeddings is not None else None
        writer = PointingWriter(
            choice.model, fallback, similarity=similarity, label=choice.label, strict=choice.strict
        )
        writer.warm()
    except ModelError as e:
        if choice.strict:
            raise
        log.warning("answering without the LLM: %s", e)
        return None, str(e)
    return writer, ""


def _describe(e: Exception) -> str:
    return f"{type(e).__name__}: {e}".strip().rstrip(":")
