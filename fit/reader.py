"""The LLM reader's ranker and decision, fitted on the training titles.

    python -m fit.reader extract fit/data [--styles ko,orig] [--band 0.05,0.95] [--limit N]
    python -m fit.reader rescore fit/data         # held-out probabilities (as fit.judge rescore)
    python -m fit.reader extract fit/data --unread  # read the rows rescore moved into the band
    python -m fit.reader fit fit/data [--write]   # held-out figures; --write: qa/data/reader.json
                                                  # (the English reader also reads judge.jsonl)

``extract`` asks every case that ``para.jsonl`` rewrites, in the styles given,
of the real extractive pipeline; where the ranker's probability lies in the
band, the bundled LLM reads the ranker's best sentences and copies the answer
from them (``qa.core.reader.read``, the prompt and the held decoding the
product uses). Rows go to ``DATA/reader.jsonl`` as they come, one per
question; a rerun skips the questions already there. The probabilities the
rows keep are the shipped decision's on its own training titles: ``rescore``
puts them on the decision fitted without each row's article (``fit.judge
rescore``), and ``extract --unread`` then reads the rows that this moved into
the band. ``fit`` is ``fit/reader_fit.py``.
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
    styles: tuple[str, ...],
    band: tuple[float, float],
    limit: int | None = None,
    keys: set[tuple[str, str]] | None = None,
) -> None:
    from fit.features import bundled_chat, by_article, gold_sentence, rewritten, written
    from qa import Chatbot, Settings
    from qa.core import judge, reader

    out = data / "reader.jsonl"
    done = written(out)
    llm = bundled_chat()
    para_ids = rewritten(data)
    with tempfile.TemporaryDirectory() as tmp, open(out, "a", encoding="utf-8") as sink:
        settings = Settings(index_dir=Path(tmp), answerer="extractive")
        for n, (name, group) in enumerate(by_article(data, STYLES, limit)):
            todo = [
                (s, c)
                for s, c in group
                if s in styles
                and c["id"] in para_ids
                and (c["id"], s) not in done
                and (keys is None or (c["id"], s) in keys)
            ]
            todo.sort(key=lambda sc: styles.index(sc[0]))
            if not todo:
                continue
            t0 = time.perf_counter()
            pipe = Chatbot(data / "articles" / f"{name}.txt", settings=settings).pipeline
            for style, c in todo:
                decision = pipe.decision(c["question"], [])
                ranked = decision.ranked
                top = judge.candidates(ranked, reader.CANDIDATES)
                asked = bool(top) and (keys is not None or band[0] <= ranked.p_answer <= band[1])
                reading = reader.read(llm, ranked.query, top) if asked else None
                answer = c.get("answer") or ""
                row = {
                    "id": c["id"],
                    "style": style,
                    "path": pipe.path(ranked.query),
                    "article": name,
                    "unanswerable": c["unanswerable"],
                    "gold": gold_sentence(pipe.index, c),
                    "question": c["question"],
                    "expects": ranked.query.expects,
                    "p": ranked.p_answer,
                    "threshold": ranked.threshold,
                    "found": decision.found,
                    "reason": decision.reason,
                    "cands": [
                        {
                            "sid": ev.sentence.id,
                            "score": ev.score,
                            "fits": ev.fits,
                            "holds": bool(answer) and answer in ev.sentence.text,
                        }
                        for ev in top
                    ],
                    "reading": None
                    if reading is None
                    else {
                        **reading.__dict__,
                        # The copy shows the case's answer (the text of the answer is not kept).
                        "right": bool(answer)
                        and bool(reading.span)
                        and (answer in reading.span or reading.span in answer),
                    },
                }
                sink.write(json.dumps(row, ensure_ascii=False) + "\n")
                sink.flush()
            print(
                f"{n + 1:3d} {name}: {len(todo)} questions, {time.perf_counter() - t0:.1f} s", file=sys.stderr
            )


def unread(path: Path, band: tuple[float, float]) -> set[tuple[str, str]]:
    """The rows of ``path`` left unread whose probability is in ``band``, taken out of it so
    that ``extract`` writes them again, read."""
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    todo = {(r["id"], r["style"]) for r in rows if r["reading"] is None and band[0] <= r["p"] <= band[1]}
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(
            json.dumps(r, ensure_ascii=False) + "\n" for r in rows if (r["id"], r["style"]) not in todo
        )
    return todo


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=("extract", "rescore", "fit"))
    ap.add_argument("data", type=Path)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--styles", default="ko,orig", help="extract: the styles to ask")
    ap.add_argument(
        "--band", default="0.05,0.95", help="extract: LO,HI, the ranker's probabilities to read within"
    )
    ap.add_argument(
        "--unread",
        action="store_true",
        help="extract: read again the rows left unread whose held-out probability (rescore) is in the band",
    )
    args = ap.parse_args()
    lo, hi = (float(x) for x in args.band.split(","))
    if args.what == "extract":
        keys = unread(args.data / "reader.jsonl", (lo, hi)) if args.unread else None
        extract(args.data, tuple(args.styles.split(",")), (lo, hi), args.limit, keys)
        return
    if args.what == "rescore":
        from fit.judge import rescore

        rescore(args.data / "reader.jsonl", args.data)
        return
    from fit.reader_fit import report

    with open(args.data / "reader.jsonl", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    with open(args.data / "judge.jsonl", encoding="utf-8") as f:
        judged = [json.loads(line) for line in f]
    report(rows, judged, args.write)


if __name__ == "__main__":
    main()
