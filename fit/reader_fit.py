"""Held-out figures of the LLM reader's ranker and decision (``python -m fit.reader fit``).

Each row of ``reader.jsonl`` is one question as the extractive pipeline saw it:
the ranker's probability, the decision, its best sentences with their ranker
scores and, within the band it was read in, what the LLM copied from them
(``qa.core.reader``). Within a band, a conditional logit over the candidates
(``qa.core.reader.RANK_FEATURES``) picks the sentence and a logistic decision
(``DECISION_FEATURES``) says whether the question is answered; outside it the
extractive outcome stands. Held out: 5 folds by article, against the
extractive outcome of the same questions. Two readers: ``ko`` for Korean
questions (KorQuAD's wording and a chat user's), ``en`` for the English ones,
which also reads the LLM's judgement of each candidate (``qa.core.judge``; the
judge's scores of the same candidates come from ``judge.jsonl``, ``fit.judge``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from fit.fit import FOLDS, _logistic, fit_ranker, folds
from fit.judge_fit import found, shipped_thresholds
from qa.core.reader import Reading, decision_row, features, rank_rows

OUT = Path(__file__).resolve().parent.parent / "qa" / "data" / "reader.json"
#: The readers: the question styles each is fitted on, and whether it reads the LLM's
#: judgement of each candidate too.
GROUPS = {"ko": (("orig", "ko"), False), "en": (("en",), True)}
#: Bands to choose from, within the band the data was read in (``extract --band``).
BANDS = tuple(
    (lo, hi)
    for lo in (0.05, 0.1, 0.15, 0.2, 0.25)
    for hi in (0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
    if hi > lo
)
#: Fewest questions with the answer among the candidates to fit a fold's models on.
MIN_ROWS = 30
#: What a read turn costs, in refusals: the LLM reads three sentences and copies a few
#: words (~2-4 s here) before the answer starts. Judging them first adds three short
#: prompts that share the question's start (~1 s), priced at the same rate per second.
READ_TURN_COST = 0.05
JUDGED_TURN_COST = 0.02


def _holds(r: dict, i: int) -> bool:
    return bool(r["cands"][i]["holds"])


def read(r: dict) -> bool:
    return bool(r["cands"]) and r["reading"] is not None


def reading(r: dict) -> Reading:
    x = r["reading"]
    return Reading(x["span"], x["source"], x["logprob"], x["first"], x["start"], x["declined"])


def outcome(r: dict, answered: bool, chosen: int) -> float:
    if not answered:
        return float(not r["unanswerable"])
    return 0.0 if not r["unanswerable"] and _holds(r, chosen) else 1.0


def _X(r: dict) -> np.ndarray:
    c = r["cands"]
    judges = [x["judge"] for x in c] if "judge" in c[0] else None
    return rank_rows([x["score"] for x in c], [x["fits"] or not r["expects"] for x in c], reading(r), judges)


def with_judgements(rows: list[dict], judged: list[dict]) -> list[dict]:
    """``rows`` with the judge's score of each candidate (``judge.jsonl``'s row of the same
    question, when it judged the same sentences); a read row without them is left unread."""
    by_key = {(j["id"], j["style"]): j for j in judged}
    out, lost = [], 0
    for r in rows:
        j = by_key.get((r["id"], r["style"]))
        # The judge may have judged more of the ranker's best sentences than were read.
        theirs = j["cands"][: len(r["cands"])] if j is not None else []
        same = [c["sid"] for c in theirs] == [c["sid"] for c in r["cands"]] and all(
            c["judge"] is not None for c in theirs
        )
        if same:
            r = {**r, "cands": [{**c, "judge": x["judge"]} for c, x in zip(r["cands"], theirs, strict=True)]}
        elif read(r):
            r, lost = {**r, "reading": None}, lost + 1
        out.append(r)
    if lost:
        print(f"  {lost} read questions without the judge's scores of the same sentences: left unread")
    return out


def fit(rows: list[dict]) -> tuple[tuple[np.ndarray, float], tuple[np.ndarray, float]]:
    ranked = []
    for r in rows:
        gold = next((i for i, c in enumerate(r["cands"]) if c["sid"] == r["gold"]), -1)
        ranked.append({"X": _X(r), "gold": gold})
    ranker = fit_ranker(ranked)
    Q, y = [], []
    for r in rows:
        X = _X(r)
        choice = int(np.argmax(X @ ranker[0]))
        Q.append(decision_row(r["p"], X, choice, reading(r), r["question"], r["expects"]))
        y.append(not r["unanswerable"] and _holds(r, choice))
    return ranker, _logistic(np.array(Q), np.array(y, dtype=int))


def _p(r: dict, ranker, decision) -> tuple[int, float]:
    X = _X(r)
    choice = int(np.argmax(X @ ranker[0]))
    z = decision_row(r["p"], X, choice, reading(r), r["question"], r["expects"]) @ decision[0] + decision[1]
    return choice, float(1 / (1 + np.exp(-z)))


def held_out(rows: list[dict], band: tuple[float, float]) -> dict[str, tuple[int, float]]:
    """(pick, probability) of every row read within ``band``, from models fitted without its
    article on the rows of that band."""
    fold_of = folds(rows)
    mine = [r for r in rows if read(r) and band[0] <= r["p"] <= band[1]]
    held = {}
    for k in range(FOLDS):
        train = [r for r in mine if fold_of[r["article"]] != k]
        if sum(r["gold"] in [c["sid"] for c in r["cands"]] for r in train) < MIN_ROWS:
            return {}  # too few to fit on: the band is not read
        ranker, decision = fit(train)
        for r in mine:
            if fold_of[r["article"]] == k:
                held[r["id"] + r["style"]] = _p(r, ranker, decision)
    return held


def result(r: dict, held: dict, t: float, rescue_only: bool) -> float:
    key = r["id"] + r["style"]
    if key not in held:
        return outcome(r, r["found"], 0)
    choice, p = held[key]
    fits = r["cands"][choice]["fits"] or not r["expects"]
    rule = not r["reason"].startswith("answerable p=")  # a rule's refusal stands
    answered = bool(p >= t and fits) and not rule
    if rescue_only:
        answered = answered or r["found"]
    return outcome(r, answered, choice)


#: The public sets' shape, for :func:`below_extractive`: 24 articles, 2 questions of a
#: style (English, follow-ups) each.
SET_ARTICLES, SET_QUESTIONS, DRAWS = 24, 2, 5000


def below_extractive(rows: list[dict], right: dict[str, bool], seed: int = 0) -> tuple[float, float]:
    """How often a set of the public sets' shape, drawn from ``rows`` by article, comes out
    below extractive mode with the held-out outcomes ``right`` (by id), and the mean gain."""
    import random

    change: dict[str, list[int]] = {}
    for r in rows:
        change.setdefault(r["article"], []).append(int(right[r["id"]]) - int(outcome(r, r["found"], 0) == 0))
    rng = random.Random(seed)
    articles = sorted(change)
    nets = [
        sum(sum(rng.sample(change[a], min(SET_QUESTIONS, len(change[a])))) for a in rng.sample(articles, k))
        for k in [min(SET_ARTICLES, len(articles))] * DRAWS
    ]
    return sum(n < 0 for n in nets) / DRAWS, sum(nets) / DRAWS


def report(rows: list[dict], judged: list[dict], write: bool) -> None:
    thresholds = shipped_thresholds()
    rows = [{**r, "found": found(r, thresholds)} for r in rows]
    out: dict = {"fitted_on": {}, "models": {}}
    for group, (styles, with_judge) in GROUPS.items():
        mine = [r for r in rows if r["style"] in styles]
        if with_judge:
            mine = with_judgements(mine, judged)
        fitted_on, model = report_group(group, styles, with_judge, mine)
        out["fitted_on"][group] = fitted_on
        out["models"][group] = model
    if write:
        OUT.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
        print(f"-> {OUT}")


def report_group(
    group: str, styles: tuple[str, ...], with_judge: bool, rows: list[dict], bands: tuple = BANDS
) -> tuple[str, dict]:
    """The band (among ``bands``), threshold and models of one reader, chosen and fitted on
    ``rows``; its held-out figures printed."""
    turn_cost = READ_TURN_COST + (JUDGED_TURN_COST if with_judge else 0.0)
    grid = [float(t) for t in np.round(np.arange(0.05, 0.951, 0.05), 2)]
    base = {s: [r for r in rows if r["style"] == s] for s in styles}
    before = {s: sum(outcome(r, r["found"], 0) == 0 for r in sub) for s, sub in base.items()}
    best = None
    for band in bands:
        held = held_out(rows, band)
        share = len(held) / len(rows)
        for rescue_only in (True, False):
            for t in grid:
                # Each style right at least as often as in extractive mode; then the most
                # right answers, less the read turns' time.
                after = {s: sum(result(r, held, t, rescue_only) == 0 for r in sub) for s, sub in base.items()}
                if any(after[s] < before[s] for s in styles):
                    continue
                score = sum(after.values()) - turn_cost * share * len(rows)
                if best is None or score > best[0]:
                    best = (score, band, rescue_only, t, held)
    assert best is not None, f"{group}: no band leaves every style as well off as extractive mode"
    score, band, rescue_only, t, held = best
    print(f"{group}: held out: band {band}, rescue only {rescue_only}, threshold {t}")
    for style, sub in base.items():
        ans = [r for r in sub if not r["unanswerable"]]
        una = [r for r in sub if r["unanswerable"]]
        was = [sum(outcome(r, r["found"], 0) == 0 for r in rs) for rs in (sub, ans, una)]
        now = [sum(result(r, held, t, rescue_only) == 0 for r in rs) for rs in (sub, ans, una)]
        shr = sum((r["id"] + r["style"]) in held for r in sub) / len(sub)
        print(
            f"  {style:5s} {len(sub)} ({shr:.0%} read): right {was[0]} -> {now[0]}; "
            f"answerable {was[1]} -> {now[1]} of {len(ans)}; "
            f"unanswerable declined {was[2]} -> {now[2]} of {len(una)}"
        )
        gained = {r["id"]: result(r, held, t, rescue_only) == 0 for r in sub}
        below, mean = below_extractive(sub, gained)
        print(
            f"        a set of {SET_ARTICLES} articles x {SET_QUESTIONS} questions drawn from these: "
            f"{mean:+.1f} right on average, below extractive mode {below:.0%} of the time"
        )
    mine = [r for r in rows if read(r) and band[0] <= r["p"] <= band[1]]
    ranker, decision = fit(mine)
    rank_names, decision_names = features(with_judge)
    print("  ranker:", dict(zip(rank_names, ranker[0].round(3).tolist(), strict=True)))
    print("  decision:", dict(zip(decision_names, decision[0].round(3).tolist(), strict=True)))
    model = {
        "band": list(band),
        "rescue_only": rescue_only,
        "judged": with_judge,
        "ranker": dict(zip(rank_names, ranker[0].round(6).tolist(), strict=True)),
        "decision": {
            **dict(zip(decision_names, decision[0].round(6).tolist(), strict=True)),
            "bias": round(decision[1], 6),
        },
        "threshold": t,
    }
    return f"{len(mine)} questions of the training titles in {', '.join(styles)}", model
