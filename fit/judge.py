"""The LLM judge's ranker and decision, fitted on the training titles.

    python -m fit.judge extract fit/data [--limit N] [--styles en] [--candidates K] [--reuse OLD]
    python -m fit.judge rescore fit/data --features /tmp/fitdata   # after a refit of the decisions
    python -m fit.judge fit fit/data [--write]         # held-out figures; --write: qa/data/judge.json

``extract`` asks every case that ``para.jsonl`` rewrites in its three styles
(KorQuAD's wording, a chat user's Korean, English) of the real extractive
pipeline, keeps the ranker's best sentences (``qa.core.judge.candidates``) and
what the decision said, and has the bundled LLM judge each of those sentences
(``qa.core.judge.judge``, the prompt the product uses). Rows go to
``DATA/judge.jsonl`` as they come, one per question; a rerun skips the
questions already there. ``--reuse OLD.jsonl`` takes the LLM's logit for a
question and a sentence from an earlier run where it has one (it depends on
neither the ranker nor the decision), so refitting those asks the LLM only of
sentences it has not judged. ``--candidates K`` judges the ranker's ``K`` best sentences
(the English rows hold five since session 19; ``fit`` chooses how many the product
reads). ``rescore`` puts each row's probability on the
decisions refitted since (``fit.fit``, ``fit.xling``): held out, from the
features those fit on, so that the judge is fitted and measured against the
extractive decisions as they are. ``fit`` is ``fit/judge_fit.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

STYLES = ("orig", "ko", "en")


def extract(
    data: Path,
    limit: int | None = None,
    styles: tuple[str, ...] = STYLES,
    band: tuple[float, float] | None = None,
    reuse: Path | None = None,
    k: int | None = None,
) -> None:
    from fit.features import bundled_chat, by_article, gold_sentence, rewritten, written
    from qa import Chatbot, Settings
    from qa.core import judge

    out = data / "judge.jsonl"
    done = written(out)
    llm = bundled_chat()
    judged: dict[tuple[str, str, int], float] = {}
    if reuse is not None:
        with open(reuse, encoding="utf-8") as f:
            for r in map(json.loads, f):
                for c in r["cands"]:
                    if c["judge"] is not None:
                        judged[(r["id"], r["style"], c["sid"])] = c["judge"]
    para_ids = rewritten(data)
    with tempfile.TemporaryDirectory() as tmp, open(out, "a", encoding="utf-8") as sink:
        settings = Settings(index_dir=Path(tmp), answerer="extractive")
        for n, (name, group) in enumerate(by_article(data, STYLES, limit)):
            todo = [
                (s, c) for s, c in group if s in styles and c["id"] in para_ids and (c["id"], s) not in done
            ]
            todo.sort(key=lambda sc: STYLES.index(sc[0]) == 0)  # a chat user's questions first
            if not todo:
                continue
            t0 = time.perf_counter()
            pipe = Chatbot(data / "articles" / f"{name}.txt", settings=settings).pipeline
            for style, c in todo:
                decision = pipe.decision(c["question"], [])
                ranked = decision.ranked
                top = judge.candidates(ranked, k or judge.CANDIDATES)
                # Outside the band the LLM is not asked at run time: no need to ask it here.
                lo, hi = band or judge.BAND
                asked = lo <= ranked.p_answer <= hi
                scores: list[float | None] = [None] * len(top)
                if top and asked:
                    scores = [judged.get((c["id"], style, ev.sentence.id)) for ev in top]
                    new = [ev for ev, x in zip(top, scores, strict=True) if x is None]
                    fresh = iter(judge.judge(llm, ranked.query, new) if new else [])
                    scores = [next(fresh) if x is None else x for x in scores]
                row = {
                    "id": c["id"],
                    "style": style,
                    "article": name,
                    "unanswerable": c["unanswerable"],
                    "gold": gold_sentence(pipe.index, c),
                    "question": c["question"],
                    "expects": ranked.query.expects,
                    "p": ranked.p_answer,
                    "path": pipe.path(ranked.query),
                    "found": decision.found,
                    "reason": decision.reason,
                    "cands": [
                        {
                            "sid": ev.sentence.id,
                            "score": ev.score,
                            "dense": ev.dense,
                            "coverage": ev.coverage,
                            "fits": ev.fits,
                            "judge": s,
                            # The case's answer is in it (the fit's positive); the text is not kept.
                            "holds": bool(c.get("answer")) and c["answer"] in ev.sentence.text,
                        }
                        for ev, s in zip(top, scores, strict=True)
                    ],
                }
                sink.write(json.dumps(row, ensure_ascii=False) + "\n")
                sink.flush()
            print(
                f"{n + 1:3d} {name}: {len(todo)} questions, {time.perf_counter() - t0:.1f} s", file=sys.stderr
            )


def rescore(path: Path, features: Path) -> None:
    """Each row's probability from the shipped decisions' fit, held out (5 folds by article):
    Korean-path rows from ``features.pkl`` (``fit.fit``), English-path ones from
    ``xling.pkl`` (``fit.xling``); the decision is then taken again at today's thresholds."""
    import pickle

    from fit import fit as fitting
    from fit import xling_fit
    from fit.judge_fit import found, shipped_thresholds

    with open(features / "features.pkl", "rb") as f:
        korean = fitting.held_out_by_id(
            pickle.load(f), fitting.article_texts(features), ("orig",), fitting.DECISION_STYLES
        )
    with open(features / "xling.pkl", "rb") as f:
        english = xling_fit.held_out_by_id(pickle.load(f))
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    thresholds = shipped_thresholds()
    kept = []
    for r in rows:
        held = (
            korean.get(fitting.key(r))
            if r["path"] == "ko"
            else english.get(r["id"])
            if r["style"] == "en"
            else None
        )
        if held is None:  # a Korean question the language detection sent down the English path
            continue
        r["p"] = round(held[0], 5)
        r["found"] = found(r, thresholds)
        kept.append(r)
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in kept)
    left = len(rows) - len(kept)
    print(f"{len(kept)} rows rescored, {left} without a held-out probability left out -> {path}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=("extract", "rescore", "fit"))
    ap.add_argument("data", type=Path)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--styles", default=",".join(STYLES), help="extract: the styles to ask")
    ap.add_argument("--band", help="extract: LO,HI, the ranker's probabilities to judge within")
    ap.add_argument("--reuse", type=Path, help="extract: the LLM's logits of an earlier run's rows")
    ap.add_argument("--candidates", type=int, help="extract: how many best sentences to judge")
    ap.add_argument(
        "--features", type=Path, help="rescore: the folder of features.pkl, xling.pkl and articles/"
    )
    args = ap.parse_args()
    if args.what == "extract":
        band = tuple(float(x) for x in args.band.split(",")) if args.band else None
        styles = tuple(args.styles.split(","))
        extract(args.data, args.limit, styles, band, args.reuse, args.candidates)  # type: ignore[arg-type]
        return
    if args.what == "rescore":
        if args.features is None:
            ap.error("rescore needs --features")
        rescore(args.data / "judge.jsonl", args.features)
        return
    from fit.judge_fit import report

    with open(args.data / "judge.jsonl", encoding="utf-8") as f:
        report([json.loads(line) for line in f], args.write)


if __name__ == "__main__":
    main()
