"""Evidence: every sentence of the article ranked for a question by the fitted
ranker (``qa.core.decide``), best first, with what the decision needs."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from index.chunking import Sentence
from index.store import ArticleIndex
from qa.lang import kinds
from qa.core.crosslingual import XlingResult
from qa.core.decide import NEIGHBOUR_GAP, QUESTION_FEATURES, Model, question_features
from qa.core.features import COLUMN, SentenceStats, candidates
from qa.core.retrieve import Hit
from qa.core.understand import Query


@dataclass(frozen=True)
class Evidence:
    """A candidate sentence and the scores behind its rank."""

    sentence: Sentence
    hit: Hit
    score: float  # the ranker's logit (a cross-lingual question: qa.core.crosslingual's score)
    dense: float
    coverage: float  # share (idf-weighted) of the question's terms in this sentence
    fits: bool  # can hold the kind of answer asked for (see qa.lang.kinds)


@dataclass(frozen=True)
class Ranked:
    """The evidence for a question, best first, and the probability that the best answers it."""

    evidence: list[Evidence]
    p_answer: float
    threshold: float
    features: dict[str, float]
    #: a sentence next to the best one, nearly as likely, to be shown with it (see NEIGHBOUR_GAP)
    neighbour: Evidence | None = None


# Item markers; ◇ and ■ open sections in Korean news, they are not items.
_LIST_ITEM = re.compile(r"^\s*([▲△▶▷•·◦○●*-]|\d{1,2}[.)]|[①-⑳]|\(\d{1,2}\))")


def is_list_item(text: str) -> bool:
    return bool(_LIST_ITEM.match(text))


def heading_of(index: ArticleIndex, i: int) -> int | None:
    """The sentence a list item hangs from: the nearest earlier one that is not an item."""
    if not is_list_item(index.sentences[i].text):
        return None
    for j in range(i - 1, max(-1, i - 30), -1):
        if not is_list_item(index.sentences[j].text):
            return j
    return None


def items_of(index: ArticleIndex, i: int) -> list[int]:
    """The list items hanging from sentence ``i`` (empty when it heads no list)."""
    out = []
    for j in range(i + 1, min(len(index.sentences), i + 31)):
        if not is_list_item(index.sentences[j].text):
            break
        out.append(j)
    return out


def context_of(index: ArticleIndex, i: int) -> list[int]:
    """Sentences that give sentence ``i`` its meaning: its heading, or the one before it."""
    head = heading_of(index, i)
    if head is not None:
        return [head]
    prev = i - 1
    if prev >= 0 and index.sentences[prev].paragraph == index.sentences[i].paragraph:
        return [prev]
    return []


def rank(
    query: Query,
    stats: SentenceStats,
    vector: np.ndarray,
    hits: list[Hit],
    model: Model,
    limit: int = 15,
) -> Ranked:
    """The article's sentences ranked for ``query`` by the fitted ranker, and the
    decision model's probability that the best one answers it."""
    index = stats.index
    cand = candidates(query, stats, vector, hits)
    logits = model.rank(cand.X)
    # A sentence that can hold the kind of answer asked for (any sentence, when none is asked).
    fits = cand.X[:, COLUMN["kind_fits"]] > 0 if query.expects else np.ones(len(logits), dtype=bool)
    if hits:
        # Evidence comes from the retrieved passages (and the sentences next to them).
        keep = np.zeros(len(logits), dtype=bool)
        for h in hits:
            keep[list(h.chunk.sentences)] = True
        near = keep.copy()
        near[stats.prev[keep & (stats.prev >= 0)]] = True
        near[stats.next[keep & (stats.next >= 0)]] = True
        logits = np.where(near, logits, logits - 100.0)
    # A sentence that cannot hold the kind of answer asked for (a number, a date, the
    # byline) never outranks one that can: it cannot give the answer, however close.
    logits = np.where(fits, logits, logits - 100.0)
    by_chunk = {h.chunk.id: h for h in hits}
    out = []
    for i in np.argsort(-logits, kind="stable")[:limit]:
        s = index.sentences[int(i)]
        hit = by_chunk.get(s.chunk) or _unretrieved(index, s.chunk)
        row = cand.X[i]
        dense, cov = float(row[COLUMN["dense"]]), float(row[COLUMN["cov"]])
        out.append(Evidence(s, hit, float(logits[i]), dense, cov, bool(fits[i])))
    # The decision judges the question by its own words: the training questions all stand
    # alone, and the earlier question's words, at half weight, would only dilute them.
    own = candidates(query, stats, vector, hits, context=False) if query.elliptical else cand
    q = question_features(logits, own.X, own.absent, own.n_terms, query.expects, own.has_focus)
    features = {name: round(float(v), 4) for name, v in zip(QUESTION_FEATURES, q, strict=True)}
    ranked = _item_over_heading(out, index)
    return Ranked(ranked, model.p_answer(q), model.threshold, features, _neighbour(ranked))


def _neighbour(ranked: list[Evidence]) -> Evidence | None:
    if not ranked:
        return None
    best = ranked[0]
    for ev in ranked[1:]:
        if ev.score < best.score - NEIGHBOUR_GAP:
            return None
        s = ev.sentence
        if abs(s.id - best.sentence.id) == 1 and s.paragraph == best.sentence.paragraph:
            return ev
    return None


def _unretrieved(index: ArticleIndex, chunk: int) -> Hit:
    return Hit(index.chunks[chunk], 0.0, float("nan"), 0, 0.0, 0)


def _item_over_heading(ranked: list[Evidence], index: ArticleIndex) -> list[Evidence]:
    """A list's heading ("<표2> 정부 전원믹스 목표") is not itself an answer: when
    it wins and one of its items covers more of the question ("▲LNG 25.1%"
    for a question naming LNG), the item goes first."""
    if not ranked:
        return ranked
    best = ranked[0]
    items = set(items_of(index, best.sentence.id))
    under = [e for e in ranked if e.sentence.id in items and e.fits and e.coverage > best.coverage]
    if not under:
        return ranked
    top = max(under, key=lambda e: (e.coverage, e.score))
    return [top, *(e for e in ranked if e is not top)]


def score_cross_lingual(
    query: Query, hits: list[Hit], index: ArticleIndex, result: XlingResult, limit: int = 15
) -> list[Evidence]:
    """Sentences for a question in another language than the article, ranked by
    ``qa.core.crosslingual``: those of the retrieved chunks and the best overall."""
    by_chunk = {h.chunk.id: h for h in hits}
    ids = {i for h in hits for i in h.chunk.sentences} | {int(i) for i in result.order[:limit]}
    out = []
    for i in ids:
        s = index.sentences[i]
        hit = by_chunk.get(s.chunk) or _unretrieved(index, s.chunk)
        fits = kinds.holds(query.expects, s.text)
        dense = float(index.sentence_vectors[i] @ result.query_vector)
        out.append(Evidence(s, hit, float(result.scores[i]), dense, 0.0, fits))
    out.sort(key=lambda e: (not e.fits, -e.score))
    return out
