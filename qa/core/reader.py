"""The LLM as a reader of the evidence, where the fitted ranker is unsure.

The ranker reads shared words and e5 similarity, so a question in a reader's
own words often puts a sentence about the same thing above the one that
answers it. A reader of Korean tells them apart by asking what the answer is:
here the LLM is given the ranker's best sentences and asked to copy the words
that answer the question, and decoding holds it to a copy
(:meth:`qa.backends.llamacpp.LlamaCppChat.copy_span`): it cannot write a word
the sentences lack. The sentence its words come from, how sure it was of them
and of starting a copy at all become inputs of a second fitted ranker and
decision (``qa/data/reader.json``, fitted by ``fit/reader.py`` on the training
titles). The copied words are the answer's pointer too: the writer shows them
without asking the LLM again (for an English question, with the English the LLM
went on to write after them).

An English question about a Korean article has a reader of its own (``en`` in
``reader.json``), fitted on the English questions of the training titles. It
also has the LLM judge each candidate alone (``qa.core.judge``: "does this
sentence answer the question?"), and that judgement is one more input of its
ranker and decision: held out, the two together were right more often than
either (``fit/README.md``).

The prompt is the pointing writer's (``qa.core.pointing``), with the sentences as
its evidence, so the fixed instructions evaluated for one serve the other.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import math
import re
from importlib import resources

import numpy as np
from langchain_core.messages import BaseMessage

from qa.core.judge import YesNo, candidates, judge, margin
from qa.core.pointing import DECLINE, GLOSS, PROMPT, Copies, render
from qa.core.rank import Evidence, Ranked
from qa.core.understand import Query
from qa.errors import ModelError, WorkerError
from qa.lang import kinds

log = logging.getLogger(__name__)

#: How many of the ranker's best sentences the LLM reads.
CANDIDATES = 3


@dataclasses.dataclass(frozen=True)
class Reading:
    """What the LLM copied from the candidate sentences."""

    span: str
    #: The first candidate (the ranker's order) holding the span; -1 when none does.
    source: int
    #: The model's log-probability of the copied tokens.
    logprob: float
    #: ... of starting a copy at all, of the token it started with, and of starting the
    #: decline reply instead.
    first: float
    start: float
    declined: float
    #: The LLM's English rendering of the span, for an English question ('' else).
    english: str = ""
    #: The sentences it read, as its prompt had them.
    sources: tuple[str, ...] = ()


def messages(query: Query, sources: list[str]) -> list[BaseMessage]:
    # A follow-up's pronoun ("그거", "걔") names what the previous question asked about.
    previous = query.context if query.followup else ""
    return PROMPT.format_messages(request=render(" ".join(sources), query.question, previous))


def read(model: Copies, query: Query, evidence: list[Evidence]) -> Reading:
    """The LLM's copy of the answer from ``evidence`` (the ranker's best sentences)."""
    sources = [" ".join(ev.sentence.text.split()) for ev in evidence]
    # The prompt asks an English question's reply to go on with the copy's English.
    then = GLOSS.rstrip() if query.answer_language != "ko" else ""
    copied = model.copy_span(messages(query, sources), sources, DECLINE, then)
    span = copied.text
    source = next((i for i, s in enumerate(sources) if span and span in s), -1)
    fields = (copied.logprob, copied.first, copied.start, copied.declined)
    return Reading(span, source, *fields, english=copied.after, sources=tuple(sources))


def try_read(model: Copies, query: Query, evidence: list[Evidence]) -> Reading | None:
    """:func:`read`, or ``None`` (logged) when the LLM fails."""
    try:
        return read(model, query, evidence)
    except (ModelError, WorkerError) as e:
        log.warning("answering without the LLM's reading: %s", e)
        return None


#: The read ranker's inputs, per candidate sentence.
RANK_FEATURES = (
    "score",  # the ranker's logit (clipped: a sentence without the kind asked for sits at -100)
    "first",  # the ranker's best sentence
    "fits",  # holds the kind of answer asked for, or none is asked for
    "copied",  # the LLM copied its answer from this sentence
    "copied_start",  # ... times the log-probability of the token the copy starts with
)
#: The read decision's inputs, for the sentence the read ranker picks.
DECISION_FEATURES = (
    "logit_p",  # the fitted decision's logit before the LLM (clipped)
    "copied",  # the LLM copied from the picked sentence
    "logprob",  # the copy's log-probability (clipped)
    "start",  # ... of its first token
    "first",  # ... of starting a copy at all
    "declined",  # ... of starting the decline reply instead
    "moved",  # the pick is not the ranker's best sentence
    "own",  # share of the copy's words that the question itself says
    "kind",  # the copy holds the kind of value asked for (or none is asked for)
)

#: What a reader that also has the LLM judge the candidates adds to each.
JUDGE_RANK_FEATURES = ("judge",)  # the LLM's "Yes" minus "No" logit for the candidate
JUDGE_DECISION_FEATURES = (
    "judge",  # ... for the picked sentence
    "judge_gap",  # ... above the best of the other candidates
)

_LOGP_FLOOR = -20.0


def _clip(x: float) -> float:
    return max(_LOGP_FLOOR, min(0.0, x)) if math.isfinite(x) else _LOGP_FLOOR


def rank_rows(
    scores: list[float], fits: list[bool], reading: Reading, judges: list[float] | None = None
) -> np.ndarray:
    """One row of :data:`RANK_FEATURES` per candidate, the ranker's best first, and of
    :data:`JUDGE_RANK_FEATURES` after them when the LLM judged the candidates."""
    n = len(scores)
    copied = (np.arange(n) == reading.source).astype(float)
    columns = [
        np.clip(np.asarray(scores, dtype=float), -20.0, 40.0),
        (np.arange(n) == 0).astype(float),
        np.asarray(fits, dtype=float),
        copied,
        copied * _clip(reading.start),
    ]
    if judges is not None:
        columns.append(np.asarray(judges, dtype=float))
    return np.column_stack(columns)


_WORD = re.compile(r"\w+")


def own_words(span: str, question: str) -> float:
    """The share of the copy's words that the question itself says."""
    words = _WORD.findall(span)
    return sum(w in question for w in words) / len(words) if words else 1.0


def decision_row(
    p: float, X: np.ndarray, choice: int, reading: Reading, question: str, expects: str | None
) -> np.ndarray:
    """:data:`DECISION_FEATURES` for the candidate ``choice`` of the rows ``X``, and
    :data:`JUDGE_DECISION_FEATURES` after them when ``X`` holds the LLM's judgements."""
    p = min(max(p, 1e-3), 1 - 1e-3)
    copied = float(choice == reading.source)
    kind = not expects or expects not in kinds.VALUES or kinds.holds(expects, reading.span)
    row = [
        math.log(p / (1 - p)),
        copied,
        _clip(reading.logprob),
        _clip(reading.start),
        _clip(reading.first),
        _clip(reading.declined),
        float(choice != 0),
        own_words(reading.span, question),
        float(kind),
    ]
    if X.shape[1] > len(RANK_FEATURES):
        judges = X[:, len(RANK_FEATURES)]
        row += [judges[choice], margin(judges, choice)]
    return np.array(row)


@dataclasses.dataclass(frozen=True)
class Fitted:
    """The read ranker and decision (``qa/data/reader.json``)."""

    ranker: np.ndarray
    decision: np.ndarray
    decision_bias: float
    threshold: float
    #: The ranker's probabilities within which the LLM reads.
    band: tuple[float, float]
    #: Whether the reading only answers what the ranker declines (else it decides alone).
    rescue_only: bool
    #: Whether the LLM also judges each candidate (:data:`JUDGE_RANK_FEATURES`).
    judged: bool = False

    def pick(self, X: np.ndarray) -> int:
        return int(np.argmax(X @ self.ranker))

    def p_answer(self, row: np.ndarray) -> float:
        z = float(row @ self.decision + self.decision_bias)
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def features(judged: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The names of a reader's ranker and decision inputs."""
    if not judged:
        return RANK_FEATURES, DECISION_FEATURES
    return RANK_FEATURES + JUDGE_RANK_FEATURES, DECISION_FEATURES + JUDGE_DECISION_FEATURES


@functools.cache
def shipped(group: str) -> Fitted | None:
    """The fitted reader for ``ko`` (a question in the article's language) or ``en`` (one in
    another, ranked cross-lingually); ``None`` when none was fitted."""
    path = resources.files("qa") / "data" / "reader.json"
    if not path.is_file():
        return None
    raw = json.loads(path.read_text(encoding="utf-8"))["models"].get(group)
    if raw is None:
        return None
    judged = bool(raw.get("judged", False))
    rank_names, decision_names = features(judged)
    return Fitted(
        ranker=np.array([raw["ranker"][k] for k in rank_names]),
        decision=np.array([raw["decision"][k] for k in decision_names]),
        decision_bias=float(raw["decision"]["bias"]),
        threshold=float(raw["threshold"]),
        band=(float(raw["band"][0]), float(raw["band"][1])),
        rescue_only=bool(raw["rescue_only"]),
        judged=judged,
    )


def reread(ranked: Ranked, model: Copies, group: str) -> Ranked:
    """``ranked`` after the LLM read its best sentences (and, for a reader fitted so, judged
    each): the read ranker's pick first, the read decision's probability and threshold,
    and the copied words when they come from the pick. Unchanged outside the fitted band,
    with no fitted reader, or when the LLM fails (``features["read_failed"]``; the log
    says why)."""
    fitted = shipped(group)
    p = ranked.p_answer
    if fitted is None or not fitted.band[0] <= p <= fitted.band[1]:
        return ranked
    top = candidates(ranked, CANDIDATES)
    if not top:
        return ranked
    q = ranked.query
    judges = None
    if fitted.judged:
        if not isinstance(model, YesNo):
            return ranked
        try:
            judges = judge(model, q, top)
        except (ModelError, WorkerError) as e:
            log.warning("answering without the LLM's judgement: %s", e)
            return dataclasses.replace(ranked, features={**ranked.features, "read_failed": 1.0})
    reading = try_read(model, q, top)
    if reading is None:
        return dataclasses.replace(ranked, features={**ranked.features, "read_failed": 1.0})
    X = rank_rows([ev.score for ev in top], [ev.fits or not q.expects for ev in top], reading, judges)
    choice = fitted.pick(X)
    chosen = top[choice]
    read_p = fitted.p_answer(decision_row(p, X, choice, reading, q.question, q.expects))
    # With ``rescue_only`` the reading may answer what the ranker declines; what it answers
    # stays answered.
    decides = not fitted.rescue_only or p < ranked.threshold
    return dataclasses.replace(
        ranked,
        evidence=(chosen, *(ev for ev in ranked.evidence if ev is not chosen)),
        p_answer=read_p if decides else p,
        threshold=fitted.threshold if decides else ranked.threshold,
        # The neighbour was the old best's; a new pick is shown alone.
        neighbour=ranked.neighbour if choice == 0 else None,
        copied=reading.span if choice == reading.source else "",
        copied_english=reading.english if choice == reading.source else "",
        copied_from=reading.sources if choice == reading.source else (),
        features={
            **ranked.features,
            "read_source": float(reading.source),
            **({f"judge_{i}": round(j, 3) for i, j in enumerate(judges)} if judges else {}),
            "read_logprob": round(reading.logprob, 3),
            "p_ranker": round(p, 4),
            "p_read": round(read_p, 4),
        },
    )
