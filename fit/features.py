"""Run the real pipeline over the training cases and keep what the models see.

    python -m fit.features fit/data            # reads fit/data/cases.jsonl and articles/

For every case: the features of every sentence (``qa.core.features``), the gold
sentence (the one holding the answer's first character; -1 for an
unanswerable case) and the question-level facts. Written to
``fit/data/features.pkl``; ``fit.fit`` fits the models on it.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np


def extract(data: Path, limit: int | None = None) -> list[dict]:
    from qa import Chatbot, Settings
    from qa.core.features import SentenceStats, candidates
    from qa.core.understand import understand

    with open(data / "cases.jsonl", encoding="utf-8") as f:
        cases = [json.loads(line) for line in f]
    by_article: dict[str, list[dict]] = defaultdict(list)
    for c in cases:
        by_article[c["article"]].append(c)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp), answerer="extractive")
        for n, (name, group) in enumerate(sorted(by_article.items())):
            if limit is not None and n >= limit:
                break
            t0 = time.perf_counter()
            bot = Chatbot(data / "articles" / f"{name}.txt", settings=settings)
            pipe = bot.pipeline
            index = pipe.index
            stats = SentenceStats(index)
            for c in group:
                found = pipe.retrieve(understand(c["question"], []))
                cand = candidates(found.query, stats, found.vector, found.hits)
                gold = -1
                if not c["unanswerable"]:
                    gold = next(s.id for s in index.sentences if s.start <= c["start"] < s.end)
                rows.append(
                    {
                        "id": c["id"],
                        "article": name,
                        "unanswerable": c["unanswerable"],
                        "gold": gold,
                        "X": cand.X.astype(np.float32),
                        "absent": cand.absent,
                        "n_terms": cand.n_terms,
                        "has_focus": cand.has_focus,
                        "expects": found.query.expects,
                        "question": c["question"],
                        "answer": c.get("answer", ""),
                    }
                )
            print(f"{n + 1:3d} {name}: {len(group)} cases, {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--limit", type=int, help="only the first N articles")
    args = ap.parse_args()
    rows = extract(args.data, args.limit)
    with open(args.data / "features.pkl", "wb") as f:
        pickle.dump(rows, f)
    print(f"{len(rows)} cases -> {args.data / 'features.pkl'}")


if __name__ == "__main__":
    main()
