"""Held-out figures of the cross-lingual ranker and decision (``python -m fit.xling fit``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from fit.fit import FOLDS, WRONG_ANSWER_COST, _logistic, best_threshold, cost, figures, fit_ranker, folds
from qa.core.crosslingual import DECISION_FEATURES, SIGNALS, best_of, decision_features
from qa.core.model import Linear, sigmoid

#: The hand-set calibration this replaced (fitted on 88 English questions over 4 news articles),
#: kept to compare against.
CALIB = {"bias": -5.288, "sp_max": 14.96, "margin": 0.5228, "fits": 2.324}

OUT = Path(__file__).resolve().parent.parent / "qa" / "data" / "xling.json"


def _holds(r: dict, i: int) -> bool:
    return bool(r["answer"]) and r["answer"] in r["texts"][i]


def _as_ranker_rows(rows: list[dict]) -> list[dict]:
    return [{"X": r["S"], "gold": r["gold"]} for r in rows]


def fit_decision(rows: list[dict], ranker) -> Linear:
    Q, y = [], []
    for r in rows:
        logits = best_of(r["S"] @ ranker[0] + ranker[1], r["S"], r["expects"])
        top = int(np.argmax(logits))
        Q.append(decision_features(logits, r["S"], r["unmatched"]))
        y.append(not r["unanswerable"] and _holds(r, top))
    return Linear(*_logistic(np.array(Q), np.array(y, dtype=int)))


def _case(r: dict, ranker, decision) -> tuple[float, bool, bool, bool]:
    logits = best_of(r["S"] @ ranker[0] + ranker[1], r["S"], r["expects"])
    top = int(np.argmax(logits))
    q = decision_features(logits, r["S"], r["unmatched"])
    return sigmoid(decision.logit(q)), not r["unanswerable"], _holds(r, top), top == r["gold"]


def _old_case(r: dict) -> tuple[float, bool, bool, bool]:
    """The hand-set score and calibration this replaces."""
    S = r["S"]
    col = {k: S[:, i] for i, k in enumerate(SIGNALS)}
    score = col["dense_z"] + col["sparse_z"] + np.maximum(col["person"], 0.5 * col["word"])
    fits = col["fits"] > 0
    pool = np.where(fits)[0] if fits.any() else np.arange(len(score))
    top = int(pool[np.argmax(score[pool])])
    order = np.argsort(-score)
    margin = float(score[order[0]] - score[order[1]]) if len(order) > 1 else 0.0
    logit = (
        CALIB["bias"]
        + CALIB["sp_max"] * float(col["sparse"].max())
        + CALIB["margin"] * margin
        + CALIB["fits"] * float(fits[order[0]])
        + (np.log(0.1) if r["unmatched"] else 0.0)
    )
    return float(1 / (1 + np.exp(-logit))), not r["unanswerable"], _holds(r, top), top == r["gold"]


def held_out_by_id(rows: list[dict]) -> dict[str, tuple[float, bool, bool, bool]]:
    """(p_answer, answerable, best holds the answer, best is the gold sentence) of every
    row by its id, each from models fitted on the folds that do not hold its article."""
    fold_of = folds(rows)
    out = {}
    for k in range(FOLDS):
        train = [r for r in rows if fold_of[r["article"]] != k]
        ranker = fit_ranker(_as_ranker_rows(train))
        decision = fit_decision(train, ranker)
        out |= {r["id"]: _case(r, ranker, decision) for r in rows if fold_of[r["article"]] == k}
    return out


def report(rows: list[dict], write: bool) -> None:
    fold_of = folds(rows)
    by_id = held_out_by_id(rows)
    held = [by_id[r["id"]] for r in rows]
    old = [_old_case(r) for r in rows]
    n_ans = sum(not r["unanswerable"] for r in rows)
    print(f"{len(rows)} English questions ({n_ans} answerable), {len(fold_of)} articles; held out by article")
    t = best_threshold(held)
    for name, cases, thr in (("hand-set (0.60)", old, 0.6), (f"fitted ({t})", held, t)):
        f = figures(cases, thr)
        print(
            f"  {name:18s} top1 {f['top1']:.3f} holds {f['holds']:.3f} answered right {f['answerable']:.3f} "
            f"declined {f['declined']:.3f} accuracy {f['accuracy']:.3f} cost {cost(cases, thr):.0f} "
            f"(wrong x{WRONG_ANSWER_COST:g})"
        )
    ranker = fit_ranker(_as_ranker_rows(rows))
    decision = fit_decision(rows, ranker)
    print("  ranker:", dict(zip(SIGNALS, np.round(ranker[0], 3), strict=True)))
    print("  decision:", dict(zip(DECISION_FEATURES, np.round(decision.weights, 3), strict=True)))
    if write:
        out = {
            "fitted_on": f"{len(rows)} English questions of the training titles (python -m fit.xling)",
            "ranker": {
                **dict(zip(SIGNALS, ranker[0].round(6).tolist(), strict=True)),
                "bias": round(ranker[1], 6),
            },
            "decision": {
                **dict(zip(DECISION_FEATURES, decision.weights.round(6).tolist(), strict=True)),
                "bias": round(decision.bias, 6),
            },
            "threshold": t,
        }
        OUT.write_text(json.dumps(out, indent=1) + "\n")
        print(f"  -> {OUT}")
