"""Held-out figures of the cross-lingual ranker and decision with the translation's signals
(``python -m fit.translate fit``), against the cross-lingual models alone."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from fit.fit import FOLDS, WRONG_ANSWER_COST, _logistic, best_threshold, cost, figures, fit_ranker, folds
from fit.translate import DECISION_EXTRA, SENTENCE_EXTRA, decision_extra, sentence_extra
from qa.core.crosslingual import DECISION_FEATURES, SIGNALS, best_of, decision_features

OUT = Path(__file__).resolve().parent.parent / "qa" / "data" / "translate.json"


def _holds(r: dict, i: int) -> bool:
    return bool(r["answer"]) and r["answer"] in r["texts"][i]


def matrix(r: dict, with_ko: bool) -> np.ndarray:
    if not with_ko:
        return r["S"]
    return np.column_stack([r["S"], sentence_extra(len(r["texts"]), r["ko_scores"])])


def _top(r: dict, X: np.ndarray, ranker) -> tuple[np.ndarray, int]:
    logits = best_of(X @ ranker[0] + ranker[1], X, r["expects"])
    return logits, int(np.argmax(logits))


def _q(r: dict, X: np.ndarray, logits: np.ndarray, with_ko: bool) -> np.ndarray:
    q = decision_features(logits, X, r["unmatched"])
    if not with_ko:
        return q
    return np.concatenate([q, decision_extra(logits, r["ko_scores"], r["p_ko"], bool(r["ko"]))])


def fit_decision(rows: list[dict], ranker, with_ko: bool) -> tuple[np.ndarray, float]:
    Q, y = [], []
    for r in rows:
        X = matrix(r, with_ko)
        logits, top = _top(r, X, ranker)
        Q.append(_q(r, X, logits, with_ko))
        y.append(not r["unanswerable"] and _holds(r, top))
    return _logistic(np.array(Q), np.array(y, dtype=int))


def _case(r: dict, ranker, decision, with_ko: bool) -> tuple[float, bool, bool, bool]:
    X = matrix(r, with_ko)
    logits, top = _top(r, X, ranker)
    q = _q(r, X, logits, with_ko)
    p = 1 / (1 + np.exp(-(q @ decision[0] + decision[1])))
    return float(p), not r["unanswerable"], _holds(r, top), top == r["gold"]


def held_out(rows: list[dict], with_ko: bool) -> list[tuple[float, bool, bool, bool]]:
    fold_of = folds(rows)
    out = []
    for k in range(FOLDS):
        train = [r for r in rows if fold_of[r["article"]] != k]
        ranker = fit_ranker([{"X": matrix(r, with_ko), "gold": r["gold"]} for r in train])
        decision = fit_decision(train, ranker, with_ko)
        out += [_case(r, ranker, decision, with_ko) for r in rows if fold_of[r["article"]] == k]
    return out


def report(rows: list[dict], write: bool) -> None:
    n_ans = sum(not r["unanswerable"] for r in rows)
    n_ko = sum(bool(r["ko"]) for r in rows)
    print(f"{len(rows)} English questions ({n_ans} answerable), {n_ko} translated; held out by article")
    for name, with_ko in (("cross-lingual alone", False), ("+ translation", True)):
        held = held_out(rows, with_ko)
        t = best_threshold(held)
        f = figures(held, t)
        print(
            f"  {name:20s} ({t}) top1 {f['top1']:.3f} holds {f['holds']:.3f} answered right "
            f"{f['answerable']:.3f} declined {f['declined']:.3f} accuracy {f['accuracy']:.3f} "
            f"cost {cost(held, t):.0f} (wrong x{WRONG_ANSWER_COST:g})"
        )
    ranker = fit_ranker([{"X": matrix(r, True), "gold": r["gold"]} for r in rows])
    decision = fit_decision(rows, ranker, True)
    names = (*SIGNALS, *SENTENCE_EXTRA)
    print("  ranker:", dict(zip(names, np.round(ranker[0], 3), strict=True)))
    print(
        "  decision:", dict(zip((*DECISION_FEATURES, *DECISION_EXTRA), np.round(decision[0], 3), strict=True))
    )
    if write:  # not shipped: nothing in qa/ reads it
        held = held_out(rows, True)
        out = {
            "fitted_on": f"{len(rows)} English questions of the training titles (python -m fit.translate)",
            "ranker": {
                **dict(zip(names, ranker[0].round(6).tolist(), strict=True)),
                "bias": round(ranker[1], 6),
            },
            "decision": {
                **dict(
                    zip((*DECISION_FEATURES, *DECISION_EXTRA), decision[0].round(6).tolist(), strict=True)
                ),
                "bias": round(decision[1], 6),
            },
            "threshold": best_threshold(held),
        }
        OUT.write_text(json.dumps(out, indent=1) + "\n")
        print(f"  -> {OUT}")
