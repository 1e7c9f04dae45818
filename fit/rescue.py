"""Should default mode let the LLM answer a question the fitted decision declines?

    python -m fit.rescue fit/data collect [--low 0.1] [--high 0.5]   # slow: the LLM, case by case
    python -m fit.rescue fit/data judge [--write]

A declined question whose answerable probability is just under the threshold
is often answerable: the best sentence holds the answer in other words than
the question's. In default mode the LLM can read that sentence, and its short
answer passes the checks of :func:`qa.write.review.review` only when every name and
number is in the evidence and bound to the question's subject. ``collect``
runs the real pipeline and the bundled LLM on the training cases whose
held-out probability (5 folds by article, :func:`fit.fit.held_out_by_id`) is
in ``[low, high)``, asks the LLM as if the decision had said yes, and keeps
what it wrote with its evidence in ``rescue.jsonl``; articles are taken in a
seeded random order, so a partial run is a sample. ``judge`` applies today's
checks to what was written (a change to the checks needs no new run) and
picks the lowest probability at which an answer that passes them is given,
by the cost :mod:`fit.fit` uses: a refusal of an answerable question costs 1,
a wrong answer ``WRONG_ANSWER_COST``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import pickle
import random
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from fit.fit import OUT, WRONG_ANSWER_COST, article_texts, held_out_by_id

#: Lowest floors tried, in steps of STEP up to the decision's threshold.
LOWEST, STEP = 0.10, 0.05


def collect(data: Path, low: float, high: float) -> None:
    from qa import Chatbot, Settings
    from qa.backends.chat import choose
    from qa.write.extractive import ExtractiveWriter
    from qa.write.llm import LLMWriter
    from qa.write.prompt import evidence_texts

    with open(data / "features.pkl", "rb") as f:
        rows = pickle.load(f)
    held = held_out_by_id(rows, article_texts(data))
    cases = _read(data / "cases.jsonl")
    by_article: dict[str, list[dict]] = defaultdict(list)
    for c in cases:
        if low <= held[c["id"]][0] < high:
            by_article[c["article"]].append(c)
    out_path = data / "rescue.jsonl"
    done = set()
    if out_path.exists():
        done = {r["id"] for r in _read(out_path)}
    articles = sorted(by_article)
    random.Random(1).shuffle(articles)
    print(f"{sum(map(len, by_article.values()))} cases in [{low}, {high}), {len(done)} done", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp, open(out_path, "a", encoding="utf-8") as out:
        settings = Settings(index_dir=Path(tmp), answerer="extractive")
        choice = choose(settings.with_(answerer="llm"))  # one model for every article
        assert choice.model is not None
        for n, name in enumerate(articles):
            group = [c for c in by_article[name] if c["id"] not in done]
            if not group:
                continue
            pipe = Chatbot(data / "articles" / f"{name}.txt", settings=settings).pipeline
            extractive = ExtractiveWriter(pipe.index)
            writer = LLMWriter(choice.model, extractive, label=choice.label)
            t0 = time.perf_counter()
            for c in group:
                decision = pipe.decision(c["question"], [])
                best = decision.ranked.best
                record = {
                    "id": c["id"],
                    "article": name,
                    "question": c["question"],
                    "unanswerable": c["unanswerable"],
                    "answer": c.get("answer", ""),
                    "p_held": round(held[c["id"]][0], 4),
                    "fits": bool(best and best.fits),
                }
                if record["fits"]:
                    answered = dataclasses.replace(decision, found=True)  # as if it were answered
                    record["sentence"] = extractive.text(answered)
                    record["evidence"] = evidence_texts(decision.ranked)
                    record["llm_text"] = writer.write(answered).meta.get("llm_text", "")
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                out.flush()
            print(f"{n + 1:3d} {name}: {len(group)} cases, {time.perf_counter() - t0:.0f} s", file=sys.stderr)


def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def judge(data: Path, threshold: float) -> dict:
    """Today's checks over what the LLM wrote; the floor with the lowest cost below ``threshold``."""
    from qa.lang.kinds import asked
    from qa.write.prompt import DECLINE
    from qa.write.review import near_miss_problem, review

    records = _read(data / "rescue.jsonl")
    # (p, the change in cost when this case is answered with the LLM's text)
    changes: list[tuple[float, float, str]] = []
    for r in records:
        if r["p_held"] >= threshold or not r["fits"]:
            continue
        text = r["llm_text"]
        expects = asked(r["question"])
        shown, why = (
            review(text, r["question"], "ko", r["evidence"], expects=expects) if text else ("", "no text")
        )
        if why or DECLINE in text or near_miss_problem(shown, r["evidence"]):
            changes.append((r["p_held"], 0.0, "refused"))
        elif r["unanswerable"]:
            changes.append((r["p_held"], WRONG_ANSWER_COST, "unanswerable answered"))
        elif _norm(r["answer"]) in _norm(shown):
            changes.append((r["p_held"], -1.0, "answered right"))
        else:
            changes.append((r["p_held"], WRONG_ANSWER_COST - 1.0, "answered wrong"))
    print(f"{len(changes)} cases under the threshold {threshold} with an answer of the kind asked for")
    print("p band      cases  answered right  answered wrong  unanswerable answered  cost change")
    lo = LOWEST
    while lo < threshold - 1e-9:
        band = [c for c in changes if lo <= c[0] < lo + STEP]
        count = {k: sum(c[2] == k for c in band) for k in ("answered right", "answered wrong")}
        una = sum(c[2] == "unanswerable answered" for c in band)
        print(
            f"{lo:.2f}-{lo + STEP:.2f}  {len(band):5d}  {count['answered right']:14d}  "
            f"{count['answered wrong']:14d}  {una:21d}  {sum(c[1] for c in band):+11.0f}"
        )
        lo += STEP
    floors = [round(LOWEST + k * STEP, 2) for k in range(int((threshold - LOWEST) / STEP + 1e-9) + 1)]
    cost = {f: sum(c[1] for c in changes if c[0] >= f) for f in floors}
    floor = min(floors, key=lambda f: (cost[f], -f))  # ties: the higher floor, fewer LLM calls
    chosen = [c for c in changes if c[0] >= floor]
    summary = {
        "floor": floor,
        "cases": len(changes),
        "rescued_right": sum(c[2] == "answered right" for c in chosen),
        "rescued_wrong": sum(c[2] == "answered wrong" for c in chosen),
        "unanswerable_answered": sum(c[2] == "unanswerable answered" for c in chosen),
        "cost_change": cost[floor],
    }
    print(f"floor {floor}: {summary}")
    return summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("step", choices=("collect", "judge"))
    ap.add_argument("--low", type=float, default=0.1)
    ap.add_argument("--high", type=float, default=0.5)
    ap.add_argument("--write", action="store_true", help=f"write the floor to {OUT}")
    args = ap.parse_args()
    if args.step == "collect":
        collect(args.data, args.low, args.high)
        return
    model = json.loads(OUT.read_text(encoding="utf-8"))
    summary = judge(args.data, model["e5"]["threshold"])
    if args.write:
        model["e5"]["rescue"] = summary
        OUT.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
