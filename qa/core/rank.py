"""The ranking stage, :class:`Retrieved` -> :class:`Ranked`: every sentence of the article
ranked for a question by the fitted ranker (``qa.core.model``), best first, with the
probability that the best one answers it."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from index.chunking import Sentence
from index.store import ArticleIndex
from qa.core.features import COLUMN, SentenceStats, candidates, eligible
from qa.core.model import QUESTION_FEATURES, Model, question_features
from qa.core.retrieve import Hit, Retrieved
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
    """The ranking stage's result: the evidence for a question, best first, and the
    probability that the best sentence answers it (the same shape for a question in
    another language than the article, see ``qa.core.crosslingual``)."""

    query: Query
    evidence: tuple[Evidence, ...]
    p_answer: float
    #: ``p_answer`` at or above it answers; its model says where it came from.
    threshold: float
    features: dict[str, float] = field(default_factory=dict)
    #: A sentence next to the best one, nearly as likely, shown with it (see NEIGHBOUR_GAP).
    neighbour: Evidence | None = None
    #: The words the LLM copied from the best sentence as its answer, when it read the
    #: evidence (``qa.core.reader``); the pointing writer shows them without asking again.
    copied: str = ""
    #: ... and, for an English question, the English it wrote for them.
    copied_english: str = ""
    #: ... and the sentences it read, as its prompt had them.
    copied_from: tuple[str, ...] = ()

    @property
    def best(self) -> Evidence | None:
        return self.evidence[0] if self.evidence else None

    def meta(self) -> dict[str, Any]:
        """The scores behind the ranking, for ``Answer.meta``."""
        q, best = self.query, self.best
        return {
            "followup": q.followup,
            "expects": q.expects,
            "terms": list(q.terms),
            "p_answer": round(self.p_answer, 4),
            "dense": round(best.dense, 4) if best else None,
            "coverage": round(best.coverage, 4) if best else None,
            "features": self.features,
        }


#: A sentence next to the best one (same paragraph) that the ranker finds at least
#: half as likely is shown with it: the answer often sits in the sentence after
#: the one that shares the question's words ("이후 ...", a pronoun, a list).
NEIGHBOUR_GAP = math.log(2)


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


def rank(retrieved: Retrieved, stats: SentenceStats, model: Model, limit: int = 15) -> Ranked:
    """The article's sentences ranked for the retrieved query by the fitted ranker, and
    the decision model's probability that the best one answers it."""
    query, vector, hits = retrieved.query, retrieved.vector, retrieved.hits
    index = stats.index
    cand = candidates(query, stats, vector, hits)
    # Evidence comes from the retrieved passages (and the sentences next to them); one that
    # cannot hold the kind of answer asked for (a number, a date, the byline) never outranks
    # one that can: it cannot give the answer, however close.
    usable = eligible(cand.X, stats.prev, stats.next, query.expects)
    logits = model.rank(cand.X) - np.where(usable, 0.0, 100.0)
    fits = cand.X[:, COLUMN["kind_fits"]] > 0 if query.expects else np.ones(len(logits), dtype=bool)
    by_chunk = {h.chunk.id: h for h in hits}
    out = []
    for i in np.argsort(-logits, kind="stable")[:limit]:
        s = index.sentences[int(i)]
        hit = by_chunk.get(s.chunk) or unretrieved(index, s.chunk)
        row = cand.X[i]
        dense, cov = float(row[COLUMN["dense"]]), float(row[COLUMN["cov"]])
        out.append(Evidence(s, hit, float(logits[i]), dense, cov, bool(fits[i])))
    # The decision judges the question by its own words: the training questions all stand
    # alone, and the earlier question's words, at half weight, would only dilute them.
    own = candidates(query, stats, vector, hits, context=False) if query.followup else cand
    q = question_features(logits, own.X, own.absent, own.n_terms, query.expects, own.has_focus)
    features = {name: round(float(v), 4) for name, v in zip(QUESTION_FEATURES, q, strict=True)}
    ranked = _item_over_heading(out, index)
    return Ranked(
        query,
        tuple(ranked),
        model.p_answer(q),
        model.threshold,
        features,
        neighbour=_neighbour(ranked),
    )


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


def unretrieved(index: ArticleIndex, chunk: int) -> Hit:
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
