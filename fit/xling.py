"""The cross-lingual ranker and decision, fitted on English questions of the training titles.

    python -m fit.xling extract fit/data            # the real pipeline over every English question
    python -m fit.xling fit fit/data [--write]      # held-out figures; --write: qa/data/xling.json

An English question over a Korean article takes ``qa.core.crosslingual``: its
romanised names are put back in Hangul and every sentence of the article gets
the signals of ``qa.core.crosslingual.sentence_signals``. Here those signals
are computed for each English question of ``para.jsonl`` (joined to the cases
by ``qid``), and a conditional logit over them (the ranker) and a logistic
decision over the best sentence are fitted and scored held out, 5 folds by
article, against the hand-set score they replace.
"""

from __future__ import annotations

import argparse
import importlib
import pickle
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


def extract(
    data: Path, limit: int | None = None, extra: Callable[[Any, dict], dict] | None = None
) -> list[dict]:
    """One row per English question; ``extra(pipeline, case)`` adds fields of its own."""
    from fit.features import by_article, gold_sentence
    from qa import Chatbot, Settings
    from qa.core import crosslingual as xl
    from qa.core.understand import understand

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp), answerer="extractive")
        for n, (name, group) in enumerate(by_article(data, ("en",), limit)):
            t0 = time.perf_counter()
            pipe = Chatbot(data / "articles" / f"{name}.txt", settings=settings).pipeline
            index = pipe.index
            texts = [s.text for s in index.sentences]
            for _, c in group:
                found = pipe.retrieve(understand(c["question"], []))
                emb = pipe.retriever.embeddings
                sparse = emb.sparse_query(found.query.question)
                sig = xl.sentence_signals(found, index, pipe._xling_index(), sparse)
                gold = gold_sentence(index, c)
                rows.append(
                    {
                        "id": c["id"],
                        "article": name,
                        "unanswerable": c["unanswerable"],
                        "gold": gold,
                        "S": sig.matrix.astype(np.float32),
                        "names": sig.names,
                        "expects": found.query.expects,
                        "unmatched": sig.unmatched_person,
                        "question": c["question"],
                        "answer": c.get("answer", ""),
                        "answer_en": c.get("answer_en", []),
                        "texts": texts,
                        **(extra(pipe, c) if extra else {}),
                    }
                )
            print(
                f"{n + 1:3d} {name}: {len(group)} questions, {time.perf_counter() - t0:.1f} s",
                file=sys.stderr,
            )
    return rows


def main(
    doc: str = __doc__,
    name: str = "xling",
    extract: Callable[[Path, int | None], list[dict]] = extract,
    report: str = "fit.xling_fit",
) -> None:
    """``extract`` to ``DATA/<name>.pkl``, or ``report`` (a module's) of those rows."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("what", choices=("extract", "fit"))
    ap.add_argument("data", type=Path)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    path = args.data / f"{name}.pkl"
    if args.what == "extract":
        rows = extract(args.data, args.limit)
        with open(path, "wb") as f:
            pickle.dump(rows, f)
        print(f"{len(rows)} rows -> {path}")
        return
    with open(path, "rb") as f:
        rows = pickle.load(f)
    importlib.import_module(report).report(rows, args.write)


if __name__ == "__main__":
    main()
