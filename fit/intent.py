"""Fit the turn-kind model of ``qa.core.intent``; write ``qa/data/intent.json``.

    python -m fit.intent fit/data            # held-out figures
    python -m fit.intent fit/data --write    # and the shipped weights

The data: ``fit/data/intents.jsonl``, utterances written for this (asking for
a summary, greeting, thanking, asking for help, and ordinary questions that
share their words: "핵심 기술은 뭐야?", "감사원은 어디에 있어?"), and every
question of the KorQuAD training titles as an ordinary question:
``cases.jsonl`` in KorQuAD's wording and ``para.jsonl``'s rewrites in a chat
user's Korean and in English. Those are long; a chat user also asks
"티카드는 뭐야?", which shares its ending with "너는 뭐야?" (help), so short
questions about each training title are made from templates
(:func:`short_questions`). A multinomial logistic regression over character
n-grams (``qa.core.intent.ngrams``), the written utterances weighted so that
each kind of turn weighs as much as the questions. Held out: 5 folds,
KorQuAD's questions grouped by article, the written ones in 5 groups. The
threshold that a kind other than "question" needs is the one with the lowest
held-out cost, a question taken for another kind costing two of the others
taken for a question (it loses an answer; the other way the reader gets an
answer to a question they did not ask).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import numpy as np

from qa.core.intent import INTENTS, ngrams

OUT = Path(__file__).resolve().parent.parent / "qa" / "data" / "intent.json"
FOLDS = 5
C = 4.0  # scikit-learn's inverse regularisation
MIN_COUNT = 2  # an n-gram seen in fewer utterances than this gets no weight
QUESTION_LOST_COST = 2.0


def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def utterances(data: Path) -> list[tuple[str, str, str]]:
    """(text, kind, group) of every utterance; the group keeps an article's questions
    in one fold."""
    out = [
        (u["text"], u["intent"], f"written-{i % FOLDS}") for i, u in enumerate(_read(data / "intents.jsonl"))
    ]
    article = {}
    for c in _read(data / "cases.jsonl"):
        article[c["id"]] = c["article"]
        out.append((c["question"], "question", c["article"]))
    for p in _read(data / "para.jsonl"):
        for style in ("ko", "en"):
            if p.get(style):
                out.append((p[style], "question", article.get(p["qid"], p["title"])))
    out += [(q, "question", title) for q, title in short_questions(sorted(set(article.values())))]
    return out


#: Short questions about a thing: {x} is a training title, {topic} its 은/는, {subject} its 이/가.
TEMPLATES_KO = (
    "{x}{topic} 뭐야?",
    "{x}{subject} 뭐예요?",
    "{x}{topic} 누구야?",
    "{x}에 대해 알려줘",
    "{x}{topic} 어디야?",
    "{x} 설명해줘",
    "{x}{topic} 언제야?",
    "{x}{topic} 뭐하는 거야?",
)
TEMPLATES_EN = ("What is {x}?", "Who is {x}?", "Tell me about {x}", "Explain {x}", "Where is {x}?")


def _final_consonant(word: str) -> bool:
    last = ord(word[-1]) - 0xAC00
    return 0 <= last < 11172 and last % 28 != 0


def short_questions(titles: list[str]) -> list[tuple[str, str]]:
    """(question, title): two Korean and one English short question about each title."""
    rng = np.random.default_rng(0)
    out = []
    for title in titles:
        x = title.replace("_", " ").split(" (")[0]
        final = _final_consonant(x)
        fill = {"x": x, "topic": "은" if final else "는", "subject": "이" if final else "가"}
        for t in rng.choice(TEMPLATES_KO, size=2, replace=False):
            out.append((t.format(**fill), title))
        out.append((TEMPLATES_EN[int(rng.integers(len(TEMPLATES_EN)))].format(x=x), title))
    return out


def _matrix(texts: list[str], vocab: dict[str, int]):
    from scipy.sparse import csr_matrix

    rows, cols = [], []
    for i, t in enumerate(texts):
        for g in ngrams(t):
            if (j := vocab.get(g)) is not None:
                rows.append(i)
                cols.append(j)
    return csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(texts), len(vocab)))


def fit(texts: list[str], kinds: list[str]):
    """(vocabulary, coefficients [class x n-gram], intercepts)."""
    from sklearn.linear_model import LogisticRegression

    counts = Counter(g for t in texts for g in ngrams(t))
    vocab = {g: j for j, g in enumerate(sorted(g for g, n in counts.items() if n >= MIN_COUNT))}
    y = np.array([INTENTS.index(k) for k in kinds])
    per_kind = Counter(kinds)
    # Each kind weighs as much in all as the questions do.
    weight = np.array([per_kind["question"] / per_kind[k] for k in kinds])
    model = LogisticRegression(C=C, max_iter=3000).fit(_matrix(texts, vocab), y, sample_weight=weight)
    return vocab, model.coef_, model.intercept_


def probabilities(texts: list[str], vocab, coef, intercept) -> np.ndarray:
    z = _matrix(texts, vocab) @ coef.T + intercept
    z = np.exp(z - z.max(1, keepdims=True))
    return z / z.sum(1, keepdims=True)


def held_out(rows: list[tuple[str, str, str]]) -> np.ndarray:
    groups = sorted({g for _, _, g in rows})
    rng = np.random.default_rng(0)
    fold_of = {g: i % FOLDS for i, g in enumerate(rng.permutation(groups))}
    for g in groups:  # the written utterances: fold k holds "written-k"
        if g.startswith("written-"):
            fold_of[g] = int(g.split("-")[1])
    P = np.zeros((len(rows), len(INTENTS)))
    for k in range(FOLDS):
        train = [r for r in rows if fold_of[r[2]] != k]
        test = [i for i, r in enumerate(rows) if fold_of[r[2]] == k]
        model = fit([r[0] for r in train], [r[1] for r in train])
        P[test] = probabilities([rows[i][0] for i in test], *model)
    return P


def report(rows: list[tuple[str, str, str]], P: np.ndarray) -> float:
    kinds = [r[1] for r in rows]
    best = P.argmax(1)
    other = P[:, 1:].max(1)  # the likeliest kind that is not a question
    del other

    def taken_as(i: int, t: float) -> int:
        return int(best[i]) if best[i] == 0 or P[i, best[i]] >= t else 0

    def cost(t: float) -> float:
        return sum(
            (QUESTION_LOST_COST if kinds[i] == "question" else 1.0)
            for i in range(len(kinds))
            if INTENTS[taken_as(i, t)] != kinds[i]
        )

    grid = [round(float(t), 2) for t in np.arange(0.3, 0.96, 0.05)]
    for t in grid[::2]:
        print(f"  threshold {t:.2f}: cost {cost(t):.0f}")
    threshold = min(grid, key=cost)
    print(f"held out, {FOLDS} folds; threshold {threshold:.2f} (the lowest cost)")
    for kind in INTENTS:
        idx = [i for i, k in enumerate(kinds) if k == kind]
        taken = [INTENTS[taken_as(i, threshold)] for i in idx]
        right = sum(t == kind for t in taken)
        wrong = Counter(t for t in taken if t != kind)
        print(f"  {kind:9s} {right:5d} of {len(idx):5d} right; taken for {dict(wrong)}")
        for i, t in zip(idx, taken, strict=True):
            if t != kind and kind != "question":
                print(f"      {rows[i][0]!r} -> {t}")
    return threshold


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--write", action="store_true", help=f"write the fitted model to {OUT}")
    args = ap.parse_args()
    rows = utterances(args.data)
    print(f"{len(rows)} utterances: {dict(Counter(k for _, k, _ in rows))}")
    threshold = report(rows, held_out(rows))
    if args.write:
        vocab, coef, intercept = fit([r[0] for r in rows], [r[1] for r in rows])
        weights = {g: [round(float(w), 4) for w in coef[:, j]] for g, j in vocab.items()}
        # An n-gram that moves no class by much is left out: the file stays small.
        weights = {g: w for g, w in weights.items() if max(map(abs, w)) >= 0.01}
        from qa.core.understand import content_terms

        # The words a request for a summary uses of its own ("기사", "핵심", "내용"): a
        # turn taken for one that names other words of the article asks about them.
        own = sorted({t for text, kind, _ in rows if kind == "summary" for t in content_terms(text)})
        out = {
            "about": "fitted by fit/intent.py on fit/data/intents.jsonl and the KorQuAD training questions",
            "classes": list(INTENTS),
            "summary_terms": own,
            "threshold": round(threshold, 4),
            "bias": [round(float(b), 4) for b in intercept],
            "weights": weights,
        }
        OUT.write_text(json.dumps(out, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{len(weights)} n-grams -> {OUT}")


if __name__ == "__main__":
    main()
