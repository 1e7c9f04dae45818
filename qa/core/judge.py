"""The LLM as a judge of the evidence, where the fitted ranker is unsure.

The ranker and the decision (``qa.core.rank``, ``qa.core.decide``) read shared
words and e5 similarity; a question in a reader's own words shares few words
with its answer, and the decision declines it. Here the LLM is asked of each of
the best few sentences alone "does this sentence answer the question?", and
the logits of its first token, "Yes" against "No", become one more input of a
second fitted ranker and decision (``qa/data/judge.json``, fitted by
``fit/judge.py`` on the training titles): the ranker may pick another of those
sentences, and the decision may answer a question the ranker declined, never
decline one it answers. The LLM writes nothing: it scores sentences of the
article, and the answer is still one of them.

It is asked only where its word changes the outcome for the better: the
ranker's probability within a band around the threshold, the narrowest with the
lowest held-out cost (``fit/judge.py``); elsewhere the turn costs nothing
more. Each prompt puts the question before the sentence, so llama.cpp reads
the question once and then only each sentence.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import math
from importlib import resources
from typing import Protocol, runtime_checkable

import numpy as np
from langchain_core.messages import BaseMessage
from langchain_core.prompts import ChatPromptTemplate

from qa.core.rank import Evidence, Ranked
from qa.core.understand import Query
from qa.errors import ModelError, WorkerError

log = logging.getLogger(__name__)

INSTRUCTIONS = (
    "You check evidence for a question about a news article. "
    "Reply Yes if the sentence states the answer to the question, No if it does not."
)
PROMPT = ChatPromptTemplate.from_messages([("system", INSTRUCTIONS), ("human", "{request}")])

#: How many of the ranker's best sentences the LLM judges, unless the fitted judge says
#: (``candidates`` in ``qa/data/judge.json``).
CANDIDATES = 3
#: The ranker's probabilities within which ``fit/judge.py`` has the LLM judge the
#: training questions; each fitted judge asks it within a band of its own inside this one.
BAND = (0.03, 0.97)


@runtime_checkable
class YesNo(Protocol):
    """A chat model that scores prompts by its first token, "Yes" against "No"
    (:meth:`qa.backends.llamacpp.LlamaCppChat.yes_no`, in a worker or in-process)."""

    def yes_no(self, prompts: list[list[BaseMessage]]) -> list[float]: ...


def request(query: Query, sentence: str) -> str:
    """The prompt's variable part: an elliptical follow-up's previous question, the
    question, then the sentence (so that one question's prompts share their start)."""
    lines = [f"Previous question: {query.context}"] if query.elliptical and query.context else []
    lines += [f"Question: {query.question}", f"Sentence: {' '.join(sentence.split())}"]
    return "\n".join(lines)


def candidates(ranked: Ranked, k: int = CANDIDATES) -> list[Evidence]:
    """The ranker's best ``k`` sentences, one each."""
    seen: set[int] = set()
    out = []
    for ev in ranked.evidence:
        if ev.sentence.id not in seen:
            seen.add(ev.sentence.id)
            out.append(ev)
        if len(out) == k:
            break
    return out


def judge(model: YesNo, query: Query, evidence: list[Evidence]) -> list[float]:
    """The LLM's "Yes" minus "No" logit for each sentence of ``evidence``."""
    prompts = [PROMPT.format_messages(request=request(query, ev.sentence.text)) for ev in evidence]
    return model.yes_no(prompts)


#: The judged ranker's inputs, per candidate sentence.
RANK_FEATURES = (
    "score",  # the ranker's logit (clipped: a sentence without the kind asked for sits at -100)
    "judge",  # the LLM's "Yes" minus "No" logit
    "first",  # the ranker's best sentence
    "fits",  # holds the kind of answer asked for, or none is asked for
)
#: The judged decision's inputs, for the sentence the judged ranker picks.
DECISION_FEATURES = (
    "logit_p",  # the fitted decision's logit before the LLM (clipped)
    "judge",  # the LLM's logit for the picked sentence
    "judge_gap",  # ... above the best of the other candidates
    "moved",  # the pick is not the ranker's best sentence
)


def rank_rows(scores: list[float], judges: list[float], fits: list[bool]) -> np.ndarray:
    """One row of :data:`RANK_FEATURES` per candidate, the ranker's best first."""
    n = len(scores)
    return np.column_stack(
        [
            np.clip(np.asarray(scores, dtype=float), -20.0, 40.0),
            np.asarray(judges, dtype=float),
            (np.arange(n) == 0).astype(float),
            np.asarray(fits, dtype=float),
        ]
    )


def decision_row(p: float, X: np.ndarray, choice: int) -> np.ndarray:
    """:data:`DECISION_FEATURES` for the candidate ``choice`` of the rows ``X``."""
    p = min(max(p, 1e-3), 1 - 1e-3)
    judges = X[:, RANK_FEATURES.index("judge")]
    return np.array([math.log(p / (1 - p)), judges[choice], margin(judges, choice), float(choice != 0)])


def margin(judges: np.ndarray, choice: int) -> float:
    """The LLM's logit for the candidate ``choice`` above the best of the others'."""
    others = np.delete(judges, choice)
    return float(judges[choice] - (others.max() if len(others) else 0.0))


@dataclasses.dataclass(frozen=True)
class Fitted:
    """The judged ranker and decision for one kind of question (``qa/data/judge.json``)."""

    ranker: np.ndarray
    decision: np.ndarray
    decision_bias: float
    threshold: float
    #: The ranker's probabilities within which the LLM is asked.
    band: tuple[float, float]
    #: How many of the ranker's best sentences it judges.
    candidates: int = CANDIDATES

    def pick(self, X: np.ndarray) -> int:
        return int(np.argmax(X @ self.ranker))

    def p_answer(self, p: float, X: np.ndarray, choice: int) -> float:
        z = float(decision_row(p, X, choice) @ self.decision + self.decision_bias)
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


@functools.cache
def shipped(group: str) -> Fitted | None:
    """The fitted judge for ``ko`` (a question in the article's language) or ``en`` (one
    in another, ranked cross-lingually); ``None`` when none was fitted."""
    path = resources.files("qa") / "data" / "judge.json"
    if not path.is_file():
        return None
    raw = json.loads(path.read_text(encoding="utf-8"))["models"].get(group)
    if raw is None:
        return None
    return Fitted(
        ranker=np.array([raw["ranker"][k] for k in RANK_FEATURES]),
        decision=np.array([raw["decision"][k] for k in DECISION_FEATURES]),
        decision_bias=float(raw["decision"]["bias"]),
        threshold=float(raw["threshold"]),
        band=(float(raw["band"][0]), float(raw["band"][1])),
        candidates=int(raw.get("candidates", CANDIDATES)),
    )


def judged(ranked: Ranked, model: YesNo, group: str) -> Ranked:
    """``ranked`` with the LLM's judgement of its best sentences: the judged ranker's pick
    first and, for a question the ranker declines, the judged decision's probability and
    threshold (held out on the training titles, letting the judge decline what the ranker
    answers cost more right answers than the wrong ones it saved). Unchanged outside the fitted judge's band,
    with no fitted judge, or when the LLM fails (``features["judge_failed"]``; the log says why).
    ``features["judge_<i>"]`` is the LLM's logit for the ranker's ``i``-th best sentence."""
    fitted = shipped(group)
    p = ranked.p_answer
    if fitted is None or not fitted.band[0] <= p <= fitted.band[1]:
        return ranked
    top = candidates(ranked, fitted.candidates)
    if not top:
        return ranked
    try:
        judges = judge(model, ranked.query, top)
    except (ModelError, WorkerError) as e:
        log.warning("answering without the LLM's judgement: %s", e)
        return dataclasses.replace(ranked, features={**ranked.features, "judge_failed": 1.0})
    expects = ranked.query.expects
    X = rank_rows([ev.score for ev in top], judges, [ev.fits or not expects for ev in top])
    choice = fitted.pick(X)
    chosen = top[choice]
    judged_p = fitted.p_answer(p, X, choice)
    # The LLM may rescue a question the ranker declines; one it answers stays answered.
    rescue = p < ranked.threshold
    return dataclasses.replace(
        ranked,
        evidence=(chosen, *(ev for ev in ranked.evidence if ev is not chosen)),
        p_answer=judged_p if rescue else p,
        threshold=fitted.threshold if rescue else ranked.threshold,
        # The neighbour was the old best's; a new pick is shown alone.
        neighbour=ranked.neighbour if choice == 0 else None,
        features={
            **ranked.features,
            **{f"judge_{i}": round(j, 3) for i, j in enumerate(judges)},
            "p_ranker": round(p, 4),
            "p_judged": round(judged_p, 4),
        },
    )
