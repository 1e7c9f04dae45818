"""``python -m bench.retrieval``: how well each side of retrieval finds the evidence.

For every answerable single-turn question of the sets given (default: the
public set and ours), the rank of the chunk holding the evidence under dense
search (e5 in Chroma), BM25 over whitespace tokens, BM25 over Kiwi morphemes
(ours), and the fused hybrid (ours). Prints hit@1, hit@3 and MRR.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from index import korean
from index.keyword import KeywordIndex
from qa import Chatbot, Settings
from qa.evaluate import norm

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SETS = [
    ROOT.parent / "shared" / "eval" / "dev.jsonl",
    *sorted((ROOT / "eval").glob("*.jsonl")),
]


def _rank(order: list[int], gold: set[int]) -> int:
    return next((r for r, c in enumerate(order, 1) if c in gold), 0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.retrieval", description=__doc__)
    ap.add_argument("sets", nargs="*", type=Path, default=DEFAULT_SETS)
    args = ap.parse_args(argv)
    ranks: dict[str, list[int]] = {
        "dense (e5, Chroma)": [],
        "BM25 whitespace": [],
        "BM25 Kiwi morphemes": [],
        "hybrid (RRF)": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp), answerer="extractive")
        for path in args.sets:
            for line in path.read_text(encoding="utf-8").splitlines():
                case = json.loads(line) if line.strip() else None
                if not case or case.get("unanswerable") or len(case["turns"]) > 1 or not case.get("evidence"):
                    continue
                name = case.get("article")
                article = None if not name or name == "shipped" else path.parent / "articles" / name
                bot = Chatbot(article, settings=settings)
                idx, retriever = bot.index, bot.pipeline.retriever
                gold = {c.id for c in idx.chunks if norm(case["evidence"]) in norm(c.text)}
                if not gold:
                    continue
                q = case["turns"][0]
                n = len(idx.chunks)
                vec = np.asarray(retriever.embeddings.embed_query(q), dtype=np.float32)
                ranks["dense (e5, Chroma)"].append(_rank([c for c, _ in idx.dense(vec.tolist(), n)], gold))
                ws = KeywordIndex([c.text.lower().split() for c in idx.chunks]).scores(q.lower().split())
                ranks["BM25 whitespace"].append(_rank([int(i) for i in np.argsort(-ws) if ws[i] > 0], gold))
                kw = idx.keyword.scores(korean.tokens(q))
                ranks["BM25 Kiwi morphemes"].append(
                    _rank([int(i) for i in np.argsort(-kw) if kw[i] > 0], gold)
                )
                hits = retriever.search(q, vector=vec, limit=n)
                ranks["hybrid (RRF)"].append(_rank([h.chunk.id for h in hits], gold))
    total = len(next(iter(ranks.values())))
    print(f"evidence chunk rank over {total} answerable questions ({len(args.sets)} sets)")
    print(f"{'retriever':<22}{'hit@1':>8}{'hit@3':>8}{'MRR':>8}")
    for label, rs in ranks.items():
        hit1 = sum(r == 1 for r in rs) / total
        hit3 = sum(0 < r <= 3 for r in rs) / total
        mrr = sum(1 / r for r in rs if r) / total
        print(f"{label:<22}{hit1:>8.3f}{hit3:>8.3f}{mrr:>8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
