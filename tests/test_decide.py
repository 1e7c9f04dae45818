"""The one answer/decline decision and the shipped fitted models, as tables: milliseconds."""

from __future__ import annotations

import numpy as np
import pytest

from index.chunking import Chunk, Sentence
from qa.core.decide import decide
from qa.core.features import SENTENCE_FEATURES
from qa.core.model import QUESTION_FEATURES, question_features, shipped_model
from qa.core.rank import Evidence, Ranked
from qa.core.retrieve import Hit
from qa.core.understand import Query

S = {name: i for i, name in enumerate(SENTENCE_FEATURES)}


def evidence(text: str, fits: bool = True) -> Evidence:
    s = Sentence(0, 0, len(text), 0, 0, text)
    hit = Hit(Chunk(0, 0, len(text), (0,), text), 0.0, 0.0, 1, 0.0, 1)
    return Evidence(s, hit, 0.0, 0.9, 1.0, fits)


@pytest.mark.parametrize(
    ("expects", "fits", "p", "found", "why"),
    [
        (None, True, 0.9, True, "p=0.90 >= 0.50"),
        (None, True, 0.2, False, "p=0.20 < 0.50"),
        ("number", False, 0.4, False, "asks for a number; the evidence has none"),
        ("number", False, 0.99, False, "asks for a number; the evidence has none"),
        ("byline", True, 0.01, True, "the article's byline"),
        ("email", True, 0.01, True, "the article's email"),
        ("email", False, 0.99, False, "asks for an email; the evidence has none"),
        ("year", True, 0.5, True, ">= 0.50"),
    ],
)
def test_decide_table(expects, fits, p, found, why):
    decision = decide(ranked(expects, [evidence("2024년 3월 1일 서울에서 열렸다.", fits)], p))
    assert decision.found is found
    assert why in decision.reason


def ranked(
    expects: str | None,
    found: list[Evidence],
    p: float,
    terms: tuple[str, ...] = ("행사",),
    followup: bool = False,
) -> Ranked:
    query = Query("행사는 언제 열렸어?", "ko", terms, expects, followup=followup)
    return Ranked(query, tuple(found), p, 0.5)


def test_nothing_retrieved_declines():
    d = decide(ranked(None, [], 1.0))
    assert (d.found, d.reason) == (False, "nothing retrieved")


@pytest.mark.parametrize(
    ("expects", "followup", "found"),
    [
        (None, False, False),  # "그걸 쓰는 사람은?" with no earlier turn: nothing to look up
        (None, True, True),  # a follow-up leans on the earlier turn
        ("byline", False, True),  # "누가 썼어?" asks about the article itself
    ],
)
def test_a_question_that_names_nothing(expects, followup, found):
    best = evidence("홍길동 기자 = 2024년 3월 1일 열렸다.")
    d = decide(ranked(expects, [best], 0.9, terms=(), followup=followup))
    assert d.found is found


def _row(**values: float) -> np.ndarray:
    x = np.zeros(len(SENTENCE_FEATURES))
    x[S["length"]] = np.log(80)
    for k, v in values.items():
        x[S[k]] = v
    return x


_BASE = {"dense": 0.86, "cov": 0.6, "cov_win": 0.6, "bm25": 0.8, "novel": 2.0, "near": 0.6}


@pytest.mark.parametrize(
    ("better", "worse"),
    [
        # the sentence with the question in it, over one about something else
        (
            {"dense": 0.88, "cov": 0.9, "cov_win": 0.9, "bm25": 1.0, "chunk": 1.0, "novel": 2.0, "near": 0.9},
            {
                "dense": 0.80,
                "dense_gap": -0.08,
                "cov": 0.1,
                "cov_gap": -0.8,
                "cov_win": 0.2,
                "bm25": 0.1,
                "novel": 2.0,
                "near": 0.1,
            },
        ),
        # one that can hold the kind of answer asked for (a number, a date)
        ({**_BASE, "kind_fits": 1.0}, {**_BASE, "kind_misses": 1.0}),
        # one with the words next to what is asked, over one with the scene-setting words
        ({**_BASE, "near": 0.8}, {**_BASE, "near": 0.3}),
    ],
)
def test_shipped_ranker_prefers(better, worse):
    logits = shipped_model().rank(np.vstack([_row(**worse), _row(**better)]))
    assert logits[1] > logits[0]


def test_shipped_decision_answers_a_clear_match_and_declines_a_question_the_article_lacks():
    m = shipped_model()
    on_topic = _row(dense=0.9, cov=1.0, cov_win=1.0, bm25=1.0, chunk=1.0, novel=2.0, near=1.0)
    others = np.vstack(
        [_row(dense=0.8, dense_gap=-0.1, cov=0.2, cov_gap=-0.8, cov_win=0.2, bm25=0.1, near=0.2)] * 20
    )
    X = np.vstack([on_topic, others])
    clear = question_features(m.rank(X), X, absent=0.0, n_terms=4, expects=None, has_focus=False)
    assert m.p_answer(clear) > 0.8
    # The same article, a question whose words it never uses: the best is weak and undistinguished.
    X2 = np.vstack([_row(dense=0.81, cov=0.2, cov_win=0.2, bm25=1.0, near=0.2), *others])
    lacking = question_features(m.rank(X2), X2, absent=0.7, n_terms=4, expects=None, has_focus=False)
    assert m.p_answer(lacking) < 0.3


def test_question_features_follow_their_names():
    X = np.vstack([_row(dense=0.7, cov=0.5), _row(dense=0.9, cov=1.0, kind_fits=1.0)])
    q = dict(
        zip(
            QUESTION_FEATURES,
            question_features(np.array([1.0, 3.0]), X, 0.25, 3, "number", True),
            strict=True,
        )
    )
    # the ranker's best (the second row), whatever the others score
    assert q["dense"] == pytest.approx(0.9) and q["cov"] == 1.0 and q["kind_fits"] == 1.0
    assert q["focus_missing"] == 1.0  # a focus word, and the best sentence's window lacks it
    assert q["absent"] == 0.25 and q["expects"] == 1.0 and q["n_terms"] == pytest.approx(np.log(4))


def _ev(i: int, score: float, paragraph: int = 0) -> Evidence:
    s = Sentence(i, i * 10, i * 10 + 9, paragraph, 0, f"문장 {i}.")
    return Evidence(s, Hit(Chunk(0, 0, 100, (i,), ""), 0.0, 0.0, 1, 0.0, 1), score, 0.9, 1.0, True)


@pytest.mark.parametrize(
    ("ranked", "shown"),
    [
        ([_ev(4, 5.0), _ev(5, 4.6)], 5),  # next to the best, nearly as likely: shown with it
        ([_ev(4, 5.0), _ev(3, 4.5)], 3),  # the one before counts too
        ([_ev(4, 5.0), _ev(5, 3.0)], None),  # far less likely
        ([_ev(4, 5.0), _ev(9, 4.9)], None),  # likely, but not a neighbour
        ([_ev(4, 5.0), _ev(5, 4.9, paragraph=1)], None),  # another paragraph
        ([_ev(4, 5.0), _ev(9, 4.9), _ev(5, 4.5)], 5),
        ([_ev(4, 5.0)], None),
    ],
)
def test_a_neighbour_nearly_as_likely_is_shown_with_the_best(ranked, shown):
    from qa.core.rank import _neighbour

    got = _neighbour(ranked)
    assert (got.sentence.id if got else None) == shown


def test_the_decisions_trees_as_shipped_give_what_scikit_learn_fitted():
    """The trees survive their trip through JSON: the product's NumPy walk gives
    scikit-learn's own logit, also where a value sits exactly on a threshold."""
    import json

    from sklearn.ensemble import HistGradientBoostingClassifier

    from fit.fit import DECISION_TREES, boosted_trees
    from qa.core.model import Trees

    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 4))
    X[:, 3] = np.round(X[:, 3])  # a feature of a few values, as coverage shares are
    y = (X[:, 0] + X[:, 1] * X[:, 2] + X[:, 3] + rng.normal(size=2000) > 0).astype(int)
    names = ("a", "b", "c", "d")
    written = json.loads(json.dumps(boosted_trees(X, y).to_json(names)))
    shipped = Trees.from_json(written, names)
    reference = HistGradientBoostingClassifier(**DECISION_TREES).fit(X, y).decision_function(X[:300])
    assert np.abs(np.array([shipped.logit(x) for x in X[:300]]) - reference).max() < 1e-4
    # features found by name: the same trees read against a reordered list
    moved = Trees.from_json(written, ("x", *names[::-1]))
    assert moved.logit(np.array([0.0, *X[7][::-1]])) == pytest.approx(shipped.logit(X[7]))
