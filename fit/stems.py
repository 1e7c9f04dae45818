"""Verb stems said in other words: a ``verbs`` column that credits Kiwi's CoNg similarity.

    python -m fit.stems pairs                                  # the similarities of a few paraphrases
    python -m fit.stems fit/data --thresholds 0.5,0.55         # columns, fits, held-out table
    python -m fit.stems fit/data --thresholds 0.55 --credit one --match common

``verbs`` (``qa.core.features``) is the share of the question's verb and
adjective stems that the sentence has, word for word. A chat user says the
verb in other words ("맺었어" for "체결했다", "아낀" for "절감"), and Kiwi
reads a Sino-Korean verb as a noun and 하다 (체결/NNG + 하/XSV), so the stem
is missing although the sentence says it. Here a stem the sentence lacks
earns its best CoNg similarity (``Kiwi.morpheme_similarity``, the embedding
of the language model bundled with kiwipiepy, which the analyser loads
anyway) to the sentence's verb and adjective stems and nouns, when that is
at least a threshold.

The experiment recomputes the column for every row of ``fit.features``
(the same sentences as the index, via ``fit.fit.article_texts``), then fits
with it in place of ``verbs`` and as one more column, and prints the
held-out figures by question style next to the rows as they are (folds by
article, ``fit.fit.held_out_by_id``). Nothing is written to ``qa/``.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import pickle
import sys
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import numpy as np

from fit import fit as fitting
from qa.core.features import COLUMN

#: The question's stems, as ``qa.core.understand`` takes them (irregular verbs,
#: which Kiwi tags VV-I, are not among them: "도왔어" has no stem).
STEM_TAGS = ("VV", "VA")
#: What a missing stem may be matched to in the sentence: stems of any kind, and
#: nouns and roots (체결 of 체결하다, 절감 of 절감했다).
MATCH_TAGS = ("VV", "VA", "VV-I", "VA-I", "VV-R", "VA-R", "NNG", "NNP", "XR")

PAIRS = (
    (("맺", "VV"), ("체결", "NNG")),
    (("아끼", "VV"), ("절감", "NNG")),
    (("죽", "VV"), ("사망", "NNG")),
    (("세우", "VV"), ("설립", "NNG")),
    (("만들", "VV"), ("제작", "NNG")),
    (("맺", "VV"), ("먹", "VV")),
    (("맺", "VV"), ("회사", "NNG")),
    (("체결", "NNG"), ("해지", "NNG")),
)

Morph = tuple[str, str]


class Similarity:
    """CoNg cosine of two (form, tag) morphemes, cached; 0 for a form the model lacks."""

    def __init__(self) -> None:
        from kiwipiepy import Kiwi

        # The options of index.kiwi.LocalAnalyser; the default model_type is CoNg.
        self._kiwi = Kiwi(num_workers=1, load_multi_dict=False, load_typo_dict=False)
        self._cache: dict[tuple[Morph, Morph], float] = {}

    def __call__(self, a: Morph, b: Morph) -> float:
        k = (a, b)
        if (value := self._cache.get(k)) is None:
            try:
                value = float(self._kiwi.morpheme_similarity(a, b))
            except ValueError:  # "No morpheme found for the given form": an unknown word
                value = 0.0
            self._cache[k] = value
        return value


@cache
def question_stems(question: str) -> tuple[Morph, ...]:
    """The question's verb and adjective stems with their tags, as ``Query.stems`` has their forms."""
    from index import korean

    seen = dict.fromkeys((t.form, t.tag) for t in korean.terms(question) if t.tag in STEM_TAGS)
    return tuple(seen)


@cache
def sentence_morphs(text: str, match: str = "all") -> tuple[frozenset[str], tuple[Morph, ...]]:
    """The sentence's search terms (what ``verbs`` matches word for word) and the
    morphemes a missing stem may be matched to: its stems and its nouns and roots
    (``match="all"``), the same without proper nouns (``"common"``: a rare name's
    CoNg vector is near many verbs) or only those a verb suffix follows (``"verbal"``)."""
    from index import korean

    terms = frozenset(korean.tokens(text))
    toks = korean.morphemes(text)
    morphs = dict.fromkeys(
        (form, tag)
        for i, (form, tag, _, _) in enumerate(toks)
        if tag in MATCH_TAGS
        and (
            match == "all"
            or (match == "common" and tag != "NNP")
            or tag.startswith(("VV", "VA"))
            or (i + 1 < len(toks) and toks[i + 1][1].startswith(("XSV", "XSA")))
        )
        and form not in korean._STOP
    )
    return terms, tuple(morphs)


def stem_cover(
    question: str,
    sentences: list[str],
    sim: Similarity | None,
    threshold: float,
    credit: str = "sim",
    match: str = "all",
) -> np.ndarray:
    """Per sentence, the share of the question's stems it has, a missing one counting
    its best similarity to the sentence's morphemes (``credit="sim"``) or 1
    (``credit="one"``) when that is at least ``threshold``. Without ``sim`` it is
    ``qa.core.features``' ``verbs`` as computed today."""
    stems = question_stems(question)
    if not stems:
        return np.ones(len(sentences))
    out = np.zeros(len(sentences))
    for i, text in enumerate(sentences):
        terms, morphs = sentence_morphs(text, match)
        total = 0.0
        for stem in stems:
            if stem[0] in terms:
                total += 1.0
            elif sim is not None:
                best = max((sim(stem, m) for m in morphs), default=0.0)
                if best >= threshold:
                    total += best if credit == "sim" else 1.0
        out[i] = total / len(stems)
    return out


def with_column(rows: list[dict], columns: dict[str, np.ndarray], mode: str) -> list[dict]:
    """Rows whose ``verbs`` column is replaced by the new one (``mode="replace"``)
    or that carry it as one more column (``"extra"``)."""
    out = []
    for r in rows:
        new = columns[fitting.key(r)].astype(np.float32)
        if mode == "replace":
            X = r["X"].copy()
            X[:, COLUMN["verbs"]] = new
        else:
            X = np.column_stack([r["X"], new])
        out.append({**r, "X": X})
    return out


@contextlib.contextmanager
def decision_sees_extra() -> Iterator[None]:
    """The decision's inputs (``qa.core.model.question_features``) plus the best
    sentence's extra column. ``fit.fit`` calls the function by its module name,
    so the experiment swaps it there rather than change ``qa/``."""
    original = fitting.question_features

    def extended(logits, X, absent, n_terms, expects, has_focus):
        q = original(logits, X, absent, n_terms, expects, has_focus)
        return np.append(q, X[int(np.argmax(logits)), -1])

    fitting.question_features = extended
    try:
        yield
    finally:
        fitting.question_features = original


def by_style(rows: list[dict], texts, train_styles: tuple[str, ...]) -> tuple[float, dict[str, dict]]:
    """The threshold chosen on the held-out rows of ``train_styles``, and the figures of every style."""
    held = fitting.held_out_by_id(rows, texts, train_styles)
    threshold = fitting.best_threshold(
        [held[fitting.key(r)] for r in rows if fitting.style(r) in train_styles]
    )
    groups: dict[str, list[str]] = {}
    for r in rows:
        groups.setdefault(fitting.style(r), []).append(fitting.key(r))
    rewritten = {r["id"] for r in rows if fitting.style(r) != "orig"}
    groups["orig@para"] = [k for k in groups["orig"] if k.split("@")[0] in rewritten]
    out = {}
    for name, keys in groups.items():
        cases = [held[k] for k in keys]
        out[name] = fitting.figures(cases, threshold) | {"cost": fitting.cost(cases, threshold)}
    return threshold, out


def columns_for(
    rows: list[dict], texts, sim: Similarity | None, threshold: float, credit: str = "sim", match: str = "all"
) -> dict[str, np.ndarray]:
    return {
        fitting.key(r): stem_cover(r["question"], texts[r["article"]], sim, threshold, credit, match)
        for r in rows
    }


def _print(label: str, threshold: float, figs: dict[str, dict]) -> None:
    for name, f in figs.items():
        print(
            f"| {label} ({threshold:.2f}) | {name} | {f['top1']:.3f} | {f['answerable']:.3f} | "
            f"{f['declined']:.3f} | {f['accuracy']:.3f} | {f['cost']:.0f} |",
            flush=True,
        )


def pairs() -> None:
    sim = Similarity()
    for a, b in PAIRS:
        print(f"{a[0]}/{a[1]} ~ {b[0]}/{b[1]}: {sim(a, b):.3f}")
    q = "그 회사는 어떤 MOU를 맺었어?"
    s = "양사는 지난달 기술 협력을 위한 MOU를 체결했다."
    print(f"{q!r} stems {question_stems(q)}; against {s!r}:")
    for t in (0.5, 0.6):
        print(
            f"  verbs today {stem_cover(q, [s], None, 1.0)[0]:.2f}, with CoNg >= {t}: "
            f"{stem_cover(q, [s], sim, t)[0]:.2f}"
        )


def main() -> None:
    if sys.argv[1:2] == ["pairs"]:
        pairs()
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--features", type=Path, help="the rows of fit.features (default: DATA/features.pkl)")
    ap.add_argument("--thresholds", default="0.5,0.6", help="CoNg similarity thresholds to try")
    ap.add_argument("--credit", choices=("sim", "one"), default="sim", help="what a similar morpheme earns")
    ap.add_argument(
        "--match", choices=("all", "common", "verbal"), default="all", help="which nouns a stem may match"
    )
    ap.add_argument("--train-styles", default="orig;orig,ko", help="';'-separated sets of styles to fit on")
    args = ap.parse_args()
    with open(args.features or args.data / "features.pkl", "rb") as f:
        rows = pickle.load(f)
    texts = fitting.article_texts(args.data)

    exact = columns_for(rows, texts, None, 1.0)
    same = all(np.allclose(exact[fitting.key(r)], r["X"][:, COLUMN["verbs"]], atol=1e-6) for r in rows)
    print(f"the exact stems reproduce the rows' verbs column: {same}")
    sim = Similarity()
    t0 = time.perf_counter()
    variants: dict[str, dict[str, np.ndarray]] = {}
    for t in map(float, args.thresholds.split(",")):
        variants[f"cong>={t:g}"] = columns_for(rows, texts, sim, t, args.credit, args.match)
    print(f"columns in {time.perf_counter() - t0:.1f} s ({len(sim._cache)} similarities)", flush=True)
    _report_gold(rows, exact, variants)

    print(
        "| fitted on, verbs column (threshold) | style | top1 | answerable right | "
        "unanswerable declined | accuracy | cost |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for train in args.train_styles.split(";"):
        styles = tuple(train.split(","))
        _print(f"{train}, today", *by_style(rows, texts, styles))
        for name, cols in variants.items():
            _print(f"{train}, {name} in place", *by_style(with_column(rows, cols, "replace"), texts, styles))
            with decision_sees_extra():
                _print(f"{train}, {name} extra", *by_style(with_column(rows, cols, "extra"), texts, styles))


def _report_gold(rows: list[dict], exact, variants) -> None:
    """The column on the gold sentence, by style: how much of the rewording's loss it wins back."""
    for style in ("orig", "ko"):
        gold = [r for r in rows if fitting.style(r) == style and r["gold"] >= 0]
        today = np.mean([exact[fitting.key(r)][r["gold"]] for r in gold])
        line = f"  {style}: verbs on the gold sentence today {today:.3f}"
        for name, cols in variants.items():
            g = np.mean([cols[fitting.key(r)][r["gold"]] for r in gold])
            # and on the best other sentence, so a gain on gold is not a gain everywhere
            others = np.mean(
                [
                    max((v for j, v in enumerate(cols[fitting.key(r)]) if j != r["gold"]), default=math.nan)
                    for r in gold
                ]
            )
            line += f"; {name} {g:.3f} (best other sentence {others:.3f})"
        print(line)


if __name__ == "__main__":
    main()
