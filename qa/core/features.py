"""What the fitted ranker and decision see: features of every sentence for a question.

Every sentence of the article is a candidate (a dot product and a few set
lookups each: under a millisecond for a 500-sentence article), so the
evidence never depends on which chunks retrieval happened to return; the
chunk retrieval's rank is one feature among the others.

The features are the same at run time and when fitting (``fit/``): the
ranker and decision models in ``qa/data/decision.json`` are fitted on what
this module computes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from qa.core.understand import Query, content_terms
from qa.lang import kinds

if TYPE_CHECKING:
    from index.store import ArticleIndex
    from qa.core.retrieve import Hit

#: Per-sentence features, in the order of the ranker's weights.
SENTENCE_FEATURES = (
    "dense",  # cosine of question and sentence (e5)
    "dense_gap",  # dense minus the best dense of the article: how far behind the best
    "cov",  # idf-weighted share of the question's terms in the sentence
    "cov_gap",  # cov minus the best cov of the article
    "cov_win",  # the same over the sentence and its neighbours in the paragraph
    "cov_prev",  # coverage of the sentence before (same paragraph), 0 if none
    "cov_next",  # coverage of the sentence after (same paragraph), 0 if none
    "bm25",  # sentence BM25 over morphemes, divided by the article's best
    "chunk",  # 1 / rank of the sentence's chunk in hybrid retrieval, 0 if not retrieved
    "kind_fits",  # the question asks for a kind (number, date...) and the sentence holds one
    "kind_misses",  # it asks for one and the sentence holds none
    "focus",  # the sentence names the question's focus word
    "novel",  # log(1 + terms of the sentence that the question lacks): room for an answer
    "length",  # log of the sentence's length in characters
    "dense_next",  # dense of the next sentence in the paragraph (the answer may follow its topic)
    "verbs",  # share of the question's verb and adjective stems in the sentence ("조성된 것은?")
    "focus_win",  # the focus word is named by the sentence or a neighbour in its paragraph
    "near",  # cov with the words next to what is asked weighing most (see NEAR_DECAY)
)

#: In "2002년 대선에서 결선에 오른 극우파 인물은?" the words just before the
#: asked-for thing describe the answer ("결선에 오른 극우파"); the earlier ones
#: set the scene, which a neighbouring sentence shares too. ``near`` weighs a
#: question term by NEAR_DECAY per term between it and the end of the question.
#: Fitted on the training titles (fit/README.md): 0.6-0.85 hold the same; plain
#: coverage again (1.0) adds nothing.
NEAR_DECAY = 0.7

#: Column of each feature in ``Candidates.X``.
COLUMN = {name: i for i, name in enumerate(SENTENCE_FEATURES)}

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Candidates:
    """Features of every sentence of an article for one question."""

    X: np.ndarray  # (sentences, len(SENTENCE_FEATURES))
    #: question-level facts for the decision (see qa.core.decide.QUESTION_FEATURES)
    absent: float  # idf-weighted share of the question's terms the article never uses
    n_terms: int
    has_focus: bool  # the question has a focus word (understand.focus)


def _surface(text: str) -> str:
    return _SPACE.sub("", text).lower()


class SentenceStats:
    """Per-article data the features need, computed once per index."""

    def __init__(self, index: ArticleIndex) -> None:
        from index.keyword import KeywordIndex

        self.index = index
        terms = [list(t) for t in index.sentence_terms]
        self.keyword = KeywordIndex(terms)
        self.term_sets = [set(t) for t in terms]
        self.surfaces = [_surface(s.text) for s in index.sentences]
        self.article_surface = "\n".join(self.surfaces)
        self.article_terms = set().union(*self.term_sets) if self.term_sets else set()
        #: previous / next sentence in the same paragraph, or -1
        self.prev, self.next = neighbours([s.paragraph for s in index.sentences])
        self.length = np.log(np.array([max(len(s.text), 1) for s in index.sentences], dtype=np.float64))


def neighbours(paragraphs: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """The previous and the next sentence of each in its paragraph (-1 where there is none),
    from every sentence's paragraph number."""
    n = len(paragraphs)
    prev = np.array([i - 1 if i > 0 and paragraphs[i - 1] == paragraphs[i] else -1 for i in range(n)])
    nxt = np.array([i + 1 if i + 1 < n and paragraphs[i + 1] == paragraphs[i] else -1 for i in range(n)])
    return prev.astype(np.int64), nxt.astype(np.int64)


def eligible(X: np.ndarray, prev: np.ndarray, nxt: np.ndarray, expects: str | None) -> np.ndarray:
    """The sentences that may be the evidence: those of the retrieved passages and their
    neighbours (every sentence when nothing was retrieved) that can hold the kind of
    answer asked for (a number, a date, the byline). The others rank below all of them
    (``qa.core.rank``), and the decision and the fit see the same."""
    retrieved = X[:, COLUMN["chunk"]] > 0
    keep = np.ones(len(X), dtype=bool)
    if retrieved.any():
        keep = retrieved.copy()
        keep[prev[retrieved & (prev >= 0)]] = True
        keep[nxt[retrieved & (nxt >= 0)]] = True
    if expects:
        keep &= X[:, COLUMN["kind_fits"]] > 0
    return keep


def candidates(
    query: Query, stats: SentenceStats, vector: np.ndarray, hits: Sequence[Hit], context: bool = True
) -> Candidates:
    """Features of every sentence for ``query``.

    A follow-up leans on the earlier question: an elliptical one ("구리는요?")
    names too little of its own, and in "그 영화 개봉일은?" the film is the one
    the earlier question named. With ``context``, the earlier question's terms
    count for it, at half the weight of its own and as the farthest from what
    is asked. The earlier answer's words do not: the sentence it came from would
    win again. On the public follow-ups (two turns, 48), counting them for
    elliptical follow-ups only got 37 right, for every follow-up 39.
    """
    index = stats.index
    n = len(index.sentences)
    own = list(query.terms)
    terms = own
    if context and query.followup and query.context:
        terms = own + [t for t in content_terms(query.context) if t not in own]
    kw = stats.keyword
    # A one-syllable noun is as often a splitting artefact ("부" of "디지털개발부") as a word.
    weights = np.array(
        [
            kw.idf(t) * (0.5 if len(t) == 1 else 1.0) * (1.0 if j < len(own) else 0.5)
            for j, t in enumerate(terms)
        ],
        dtype=np.float64,
    )
    total = float(weights.sum())
    # Terms between each own term and the question's end; the earlier question's words
    # (after the own ones in ``terms``) set the scene, so they count as the farthest.
    distance = np.concatenate([np.arange(len(own) - 1, -1, -1), np.arange(len(terms) - 1, len(own) - 1, -1)])
    near_weights = weights * NEAR_DECAY**distance

    def has(t: str, i: int) -> bool:
        return t in stats.term_sets[i] or (len(t) >= 2 and t in stats.surfaces[i])

    present = np.zeros((n, len(terms)), dtype=bool)
    for j, t in enumerate(terms):
        present[:, j] = [has(t, i) for i in range(n)]
    # A question with no subject words of its own ("누가 썼어?") misses none.
    cov = present @ weights / total if total > 0 else np.ones(n)
    near = present @ near_weights / near_weights.sum() if total > 0 else np.ones(n)
    in_article = np.array(
        [t in stats.article_terms or (len(t) >= 2 and t in stats.article_surface) for t in terms], dtype=bool
    )
    absent = float(weights[~in_article].sum() / total) if total > 0 else 0.0

    def shifted(values: np.ndarray, to: np.ndarray) -> np.ndarray:
        return np.where(to >= 0, values[np.maximum(to, 0)], 0.0)

    win = present.copy()
    for to in (stats.prev, stats.next):
        win |= np.where((to >= 0)[:, None], present[np.maximum(to, 0)], False)
    cov_win = win @ weights / total if total > 0 else np.ones(n)

    dense = np.asarray(index.sentence_vectors, dtype=np.float64) @ np.asarray(vector, dtype=np.float64)
    bm25 = kw.scores(_bm25_terms(query, terms)).astype(np.float64)
    bm25 = bm25 / bm25.max() if bm25.max() > 0 else bm25

    chunk_score = np.zeros(len(index.chunks))
    for rank, h in enumerate(hits, start=1):
        chunk_score[h.chunk.id] = 1.0 / rank
    chunk = np.array([chunk_score[s.chunk] for s in index.sentences])

    expects = query.expects
    fits = np.array([kinds.holds(expects, s.text) for s in index.sentences], dtype=np.float64)
    kind_fits = fits if expects else np.zeros(n)
    kind_misses = 1.0 - fits if expects else np.zeros(n)

    parts = _focus_parts(query.focus)
    focus = np.array([bool(parts) and all(p in sf for p in parts) for sf in stats.surfaces], dtype=np.float64)
    focus_win = focus.copy()
    for to in (stats.prev, stats.next):
        focus_win = np.maximum(focus_win, shifted(focus, to))

    stems = query.stems
    if stems:
        verbs = np.array([sum(v in ts for v in stems) / len(stems) for ts in stats.term_sets])
    else:
        verbs = np.ones(n)

    qset = set(terms)
    novel = np.log1p([len(ts - qset) for ts in stats.term_sets])

    X = np.column_stack(
        [
            dense,
            dense - dense.max(initial=0.0),
            cov,
            cov - cov.max(initial=0.0),
            cov_win,
            shifted(cov, stats.prev),
            shifted(cov, stats.next),
            bm25,
            chunk,
            kind_fits,
            kind_misses,
            focus,
            novel,
            stats.length,
            shifted(dense, stats.next),
            verbs,
            focus_win,
            near,
        ]
    )
    return Candidates(
        X=X,
        absent=absent,
        n_terms=len(terms),
        has_focus=bool(parts),
    )


def _bm25_terms(query: Query, terms: list[str]) -> list[str]:
    return [*query.tokens, *(t for t in terms if t not in query.tokens)]


def _focus_parts(word: str) -> list[str]:
    """What must appear for ``word`` to count as named: its parts of two or
    more characters ("투자비" is named by "총투자액"), or the word itself."""
    from index import korean

    if not word:
        return []
    parts = [t.form for t in korean.terms(word) if len(t.form) >= 2 and t.form != word]
    return [_surface(p) for p in (parts or [word])]
