"""How far an English rendering may stray from the Korean span it renders (``GLOSS_MIN``).

    python -m fit.gloss fit/data [--limit N]     # the real LLM over English questions of the training titles

For an English question, ``qa.write.point`` shows the LLM's English rendering of
the span it pointed at, the span in parentheses. A 1.5B model renders names
freely ("천국의 계단" as "The Grand Canyon"), so a rendering is shown only when
its e5 similarity to the span reaches ``GLOSS_MIN``. This asks the English
questions of ``para.jsonl`` (joined to ``cases.jsonl`` by ``qid``) with the
bundled LLM and keeps, for every span that holds the gold Korean answer, the
rendering, its similarity, and whether it holds one of the question's gold
English answers (``answer_en``). It prints the share of right and wrong
renderings kept at each threshold.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np


def _norm(s: str) -> str:
    return "".join(ch for ch in s.lower() if ch.isalnum())


def _holds(english: str, answers: list[str]) -> bool:
    """Does an English rendering hold one of the gold English answers (or they it)?"""
    return any(_norm(e) in _norm(english) or _norm(english) in _norm(e) for e in answers if _norm(e))


def collect(data: Path, limit: int | None, out: Path) -> list[dict]:
    from fit.features import by_article
    from qa import Chatbot, Settings
    from qa.core.pointing import GLOSS
    from qa.write.point import embedder_similarity, snap

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp), answerer="llm")
        for n, (name, questions) in enumerate(by_article(data, ("en",), limit)):
            group = [c for _, c in questions if not c["unanswerable"] and c["answer_en"]]
            bot = Chatbot(data / "articles" / f"{name}.txt", settings=settings)
            similarity = embedder_similarity(bot.pipeline.retriever.embeddings)
            for c in group:
                a = Chatbot(data / "articles" / f"{name}.txt", settings=settings).ask(c["question"])
                reply = a.meta.get("llm_text", "")
                copied, _, gloss = reply.partition(GLOSS.strip())
                span = a.meta.get("span") or snap(copied, a.text)
                gloss = gloss.strip().rstrip(".")
                if not (span and _norm(c["answer"]) in _norm(span)):
                    continue
                shown = a.text.split("\n")[0]
                # what the answer leads with in English, before the span in parentheses
                english = shown[: -len(f" ({span})")] if shown.endswith(f" ({span})") else ""
                english = english or (shown if shown == span and a.meta.get("rendered_by") else "")
                row = {
                    "id": c["id"],
                    "span": span,
                    "gloss": gloss,
                    "answer_en": c["answer_en"],
                    "right": bool(gloss) and _holds(gloss, c["answer_en"]),
                    "similarity": round(similarity(gloss, span), 4) if gloss else None,
                    "shown": shown,
                    "rendered_by": a.meta.get("rendered_by", ""),
                    "shown_right": bool(english) and _holds(english, c["answer_en"]),
                }
                rows.append(row)
                with out.open("a", encoding="utf-8") as f:  # kept as it comes: the run is long
                    f.write(json.dumps(row, ensure_ascii=False) + "\n")
            print(f"{n + 1:3d} {name}: {len(rows)} renderings so far", file=sys.stderr, flush=True)
    return rows


def report(rows: list[dict]) -> None:
    from qa.write.point import gloss_problem

    shown = [r for r in rows if "shown" in r]
    if shown:
        print(f"{len(shown)} English answers whose span holds the gold answer; what they lead with:")
        for how in sorted({r["rendered_by"] for r in shown}):
            group = [r for r in shown if r["rendered_by"] == how]
            right = sum(r["shown_right"] for r in group)
            print(f"  {how or 'the span alone'}: {len(group)} (holding a gold English answer: {right})")
    rows = [r for r in rows if r.get("gloss")]
    right = np.array([r["right"] for r in rows])
    sim = np.array([r["similarity"] for r in rows])
    # the other checks first: English, and the span's numbers
    passes = np.array([not gloss_problem(r["gloss"], r["span"], None) for r in rows])
    print(f"{len(rows)} LLM renderings of those spans; {right.sum()} hold a gold English answer")
    print(f"  {(~passes).sum()} fail the other checks ({(~passes & ~right).sum()} of them wrong)")
    from index import korean
    from qa.lang.bilingual import hear

    heard = [hear(r["gloss"], [(t.form, t.tag) for t in korean.terms(r["span"])], r["span"]) for r in rows]
    agrees = np.array([h.says for h in heard])
    kept = agrees & passes
    wrong = kept & ~right
    print(f"  the dictionary (or a sound) agrees with {kept.sum()} that pass them ({wrong.sum()} wrong)")
    leaves = np.array([bool(h.unheard) for h in heard])
    unsaid = leaves & passes
    print(f"  {unsaid.sum()} that pass them leave a name unsaid ({(unsaid & right).sum()} right)")
    for t in np.arange(0.80, 0.93, 0.01):
        keep = (sim >= t) & passes & ~leaves
        print(
            f"  threshold {t:.2f}: right kept {keep[right].sum()}/{right.sum()}, "
            f"wrong kept {keep[~right].sum()}/{(~right).sum()}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--limit", type=int, help="only the first N articles")
    ap.add_argument("--report", action="store_true", help="only report on DATA/gloss.jsonl")
    args = ap.parse_args()
    path = args.data / "gloss.jsonl"
    if not args.report:
        path.unlink(missing_ok=True)
        collect(args.data, args.limit, path)
    report([json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()])


if __name__ == "__main__":
    main()
