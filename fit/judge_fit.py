"""Held-out figures of the LLM judge's ranker and decision (``python -m fit.judge fit``).

Each row of ``judge.jsonl`` is one question as the extractive pipeline saw it:
the ranker's probability, the decision, and its best sentences with their
ranker scores and, within the band, the LLM's "Yes" minus "No" logit
(``qa.core.judge``). Within the band, a conditional logit over the candidates
(``qa.core.judge.RANK_FEATURES``) picks the sentence and a logistic decision
(``DECISION_FEATURES``) says whether a question the ranker declines is
answered after all: what the ranker answers stays answered (with the judged
pick), so default mode answers every question extractive mode answers. Outside
the band, the extractive outcome stands. How many of the ranker's best sentences
the LLM reads is chosen too, up to as many as the rows were judged over. Korean
questions (KorQuAD's wording and a chat user's) and English ones (the cross-lingual
ranker's scores live on another scale) get models of their own. Held out: 5 folds
by article, against the extractive outcome of the same questions.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from fit.fit import FOLDS, _logistic, fit_ranker, folds
from qa.core.crosslingual import shipped_xling
from qa.core.judge import CANDIDATES, DECISION_FEATURES, RANK_FEATURES, decision_row, rank_rows
from qa.core.model import shipped_model

OUT = Path(__file__).resolve().parent.parent / "qa" / "data" / "judge.json"
GROUPS = {"ko": ("orig", "ko"), "en": ("en",)}
#: Bands to choose from: within the band the data was judged in (``extract --band 0.1,0.9``).
#: Those that end at an extractive threshold (Korean 0.25, English 0.40; Korean 0.35 until
#: session 18) judge only what the ranker declines. (Since session 18's Korean refit, 12%
#: of the Korean rows in 0.1-0.3 were outside the band of the old models when judged; they
#: count as unjudged.)
BANDS = (
    (0.1, 0.25),
    (0.15, 0.25),
    (0.2, 0.25),
    (0.1, 0.3),
    (0.2, 0.3),
    (0.1, 0.35),
    (0.2, 0.35),
    (0.25, 0.35),
    (0.1, 0.4),
    (0.2, 0.4),
    (0.3, 0.4),
    (0.1, 0.9),
    (0.15, 0.85),
    (0.2, 0.8),
    (0.25, 0.75),
    (0.3, 0.7),
    (0.35, 0.65),
    (0.1, 0.7),
    (0.2, 0.7),
    (0.1, 0.5),
    (0.2, 0.5),
    (0.35, 0.5),
)
#: What a judged turn costs, in refusals: the LLM reads three prompts (~1 s here) before
#: the answer starts. Twenty judged turns weigh as much as one refusal: a band that
#: judges twice as often must buy more than that (and five prompts cost 5/3 of it).
JUDGED_TURN_COST = 0.05


def _holds(r: dict, i: int) -> bool:
    return bool(r["cands"][i]["holds"])


def judged(r: dict) -> bool:
    return bool(r["cands"]) and r["cands"][0]["judge"] is not None


#: What the judge's wrong answer costs, in refusals: two, where the extractive decision's
#: costs one (``fit.fit.WRONG_ANSWER_COST``). The judge only ever answers what the
#: ranker declined, and default mode must not score below extractive on any set: at
#: one (session 17) it chose to answer nearly every question of the band (threshold
#: 0.15), and on the 24 public KorQuAD articles default mode answered 10 more of 46
#: unanswerable questions than extractive for one more right answer (148 against
#: 157/186). Held out, KorQuAD's wording gains nothing from it at any threshold, and
#: only the bands and thresholds that leave every question style as well off as
#: extractive mode are chosen from (:func:`report`).
JUDGE_WRONG_ANSWER_COST = 2.0


def outcome(r: dict, answered: bool, chosen: int) -> float:
    """0 right (answered with the answer, or declined with none), 1 declined though
    answerable, JUDGE_WRONG_ANSWER_COST answered wrong."""
    if not answered:
        return float(not r["unanswerable"])
    return 0.0 if not r["unanswerable"] and _holds(r, chosen) else JUDGE_WRONG_ANSWER_COST


def shipped_thresholds() -> dict[str, float]:
    """The thresholds the extractive decisions use now (``fit.fit`` and ``fit.xling`` write them)."""
    return {"ko": shipped_model().threshold, "en": shipped_xling().threshold}


def found(r: dict, thresholds: dict[str, float]) -> bool:
    """Extractive mode's decision for the row at today's thresholds: a decision by the
    probability is taken again; a rule's refusal (no number for "how many") stands."""
    if not r["reason"].startswith("answerable p="):
        return bool(r["found"])
    return r["p"] >= thresholds[r["path"]]


def baseline(r: dict) -> float:
    return outcome(r, r["found"], 0)


def _matrices(r: dict) -> tuple[np.ndarray, np.ndarray]:
    c = r["cands"]
    judges = [x["judge"] for x in c]
    X = rank_rows([x["score"] for x in c], judges, [x["fits"] or not r["expects"] for x in c])
    return X, np.array(judges)


def fit(rows: list[dict]) -> tuple[tuple[np.ndarray, float], tuple[np.ndarray, float]]:
    ranked = []
    for r in rows:
        gold = next((i for i, c in enumerate(r["cands"]) if c["sid"] == r["gold"]), -1)
        ranked.append({"X": _matrices(r)[0], "gold": gold})
    ranker = fit_ranker(ranked)
    Q, y = [], []
    for r in rows:
        X, _ = _matrices(r)
        choice = int(np.argmax(X @ ranker[0]))
        Q.append(decision_row(r["p"], X, choice))
        y.append(not r["unanswerable"] and _holds(r, choice))
    return ranker, _logistic(np.array(Q), np.array(y, dtype=int))


def _p(r: dict, ranker, decision) -> tuple[int, float]:
    X, _ = _matrices(r)
    choice = int(np.argmax(X @ ranker[0]))
    return choice, float(1 / (1 + np.exp(-(decision_row(r["p"], X, choice) @ decision[0] + decision[1]))))


def held_out(rows: list[dict]) -> dict[str, tuple[int, float]]:
    """(pick, probability) of every judged row, from models fitted without its article."""
    fold_of = folds(rows)
    held = {}
    for k in range(FOLDS):
        ranker, decision = fit([r for r in rows if judged(r) and fold_of[r["article"]] != k])
        for r in rows:
            if judged(r) and fold_of[r["article"]] == k:
                held[r["id"] + r["style"]] = _p(r, ranker, decision)
    return held


Band = tuple[float, float]


def asked(r: dict, band: Band) -> bool:
    return judged(r) and band[0] <= r["p"] <= band[1]


def result(r: dict, held: dict[str, tuple[int, float]], t: float, band: Band) -> float:
    """The held-out outcome with the judge (see :func:`outcome`)."""
    if not asked(r, band):
        return baseline(r)
    choice, p = held[r["id"] + r["style"]]
    fits = r["cands"][choice]["fits"] or not r["expects"]
    # The LLM may rescue a decline; what the ranker answers stays answered.
    return outcome(r, r["found"] or bool(p >= t and fits), choice)


def share(rows: list[dict], band: Band) -> float:
    return sum(asked(r, band) for r in rows) / len(rows)


def _choose(mine: list[dict], styles: tuple[str, ...], k: int) -> tuple[float, float, Band, dict]:
    """(held-out cost with the judged turns' time, threshold, band, held-out picks) of the
    judge over the ranker's ``k`` best sentences: the lowest cost among the bands and
    thresholds that leave no question style worse off than extractive mode."""
    held = held_out(mine)
    grid = [float(t) for t in np.round(np.arange(0.05, 0.951, 0.05), 2)]

    def total(rs: list[dict], t: float, band: Band) -> float:
        return sum(result(r, held, t, band) for r in rs)

    def with_time(t: float, band: Band) -> float:
        return total(mine, t, band) + JUDGED_TURN_COST * k / 3 * share(mine, band) * len(mine)

    # Each style's rows with their extractive cost and right answers, to hold every
    # choice against.
    by_style = [
        (sub, sum(map(baseline, sub)), sum(baseline(r) == 0 for r in sub))
        for sub in ([r for r in mine if r["style"] == style] for style in styles)
    ]

    def no_style_worse(t: float, band: Band) -> bool:
        """Held out, does every question style keep its extractive cost and right answers?"""
        return all(
            total(sub, t, band) <= cost and sum(result(r, held, t, band) == 0 for r in sub) >= right
            for sub, cost, right in by_style
        )

    choices = [(t, b) for t in grid for b in BANDS]
    safe = [tb for tb in choices if no_style_worse(*tb)]
    if not safe:
        print(f"  {k} candidates: every band leaves a style worse off held out; the lowest cost is taken")
    t, band = min(safe or choices, key=lambda tb: with_time(*tb))
    return with_time(t, band), t, band, held


def report(rows: list[dict], write: bool) -> None:
    thresholds = shipped_thresholds()
    rows = [{**r, "found": found(r, thresholds)} for r in rows]
    out: dict = {"fitted_on": {}, "models": {}}
    for group, styles in GROUPS.items():
        everyone = [r for r in rows if r["style"] in styles]
        # The lowest held-out cost, the judged turns' time included, over how many of the
        # ranker's best sentences the LLM judges (as many as the data was judged with).
        most = max(len(r["cands"]) for r in everyone)
        tried = {}
        for k in range(CANDIDATES, max(most, CANDIDATES) + 1):
            mine_k = [{**r, "cands": r["cands"][:k]} for r in everyone]
            tried[k] = (*_choose(mine_k, styles, k), mine_k)
            cost, t_k, band_k = tried[k][:3]
            print(f"{group}: {k} candidates: cost {cost:.1f} at {t_k}, band {band_k[0]}-{band_k[1]}")
        k = min(tried, key=lambda k: tried[k][0])
        _, t, band, held, mine = tried[k]
        print(f"{group}: {len(mine)} questions; held out, {k} candidates, threshold {t}, band {band}")
        for style in styles:
            sub = [r for r in mine if r["style"] == style]
            ans = [r for r in sub if not r["unanswerable"]]
            una = [r for r in sub if r["unanswerable"]]
            before = [sum(baseline(r) == 0 for r in rs) for rs in (sub, ans, una)]
            after = [sum(result(r, held, t, band) == 0 for r in rs) for rs in (sub, ans, una)]
            print(
                f"  {style:5s} {len(sub)} ({share(sub, band):.0%} judged): cost "
                f"{sum(map(baseline, sub)):.0f} -> {sum(result(r, held, t, band) for r in sub):.0f}; "
                f"right {before[0]} -> {after[0]}; "
                f"answerable {before[1]} -> {after[1]} of {len(ans)}; "
                f"unanswerable declined {before[2]} -> {after[2]} of {len(una)}"
            )
        # Fitted as held out: on every judged question, the band's and the others'.
        asked_rows = [r for r in mine if judged(r)]
        ranker, decision = fit(asked_rows)
        print("  ranker:", dict(zip(RANK_FEATURES, ranker[0].round(3).tolist(), strict=True)))
        print("  decision:", dict(zip(DECISION_FEATURES, decision[0].round(3).tolist(), strict=True)))
        out["fitted_on"][group] = f"{len(asked_rows)} questions of the training titles in {', '.join(styles)}"
        out["models"][group] = {
            "band": list(band),
            "candidates": k,
            "ranker": dict(zip(RANK_FEATURES, ranker[0].round(6).tolist(), strict=True)),
            "decision": {
                **dict(zip(DECISION_FEATURES, decision[0].round(6).tolist(), strict=True)),
                "bias": round(decision[1], 6),
            },
            "threshold": t,
        }
    if write:
        OUT.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
        print(f"-> {OUT}")
