"""Run the real pipeline over the training cases and keep what the models see.

    python -m fit.features fit/data                     # reads fit/data/cases.jsonl and articles/
    python -m fit.features fit/data --styles orig,ko    # and the questions as a chat user asks them

For every case: the features of every sentence (``qa.core.features``), the gold
sentence (the one holding the answer's first character; -1 for an
unanswerable case) and the question-level facts. Written to
``fit/data/features.pkl``; ``fit.fit`` fits the models on it.

A case can be asked in more than one *style*, each a row of its own with a
``style`` field: ``orig`` is KorQuAD's question (written looking at the
paragraph, so it copies its wording); ``ko`` is the same question rewritten in
a chat user's own words and ``en`` in English, both from ``para.jsonl`` (a
copy of ``../shared/eval/korquad_train_para.jsonl``, joined to the cases by
``qid``; it rewrites 795 of the cases). A rewritten row keeps its case's
article, gold sentence and answerability. An ``en`` row is what the Korean
models would see; at run time an English question takes the cross-lingual path
(``qa.core.crosslingual``) instead.
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

STYLES = ("orig", "ko", "en")


def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def asked(cases: list[dict], para: list[dict], styles: tuple[str, ...]) -> list[tuple[str, dict]]:
    """(style, case) for every question to ask: a rewritten style only where ``para`` rewrites the case."""
    by_id = {p["qid"]: p for p in para}
    out = []
    for c in cases:
        for style in styles:
            if style == "orig":
                out.append((style, c))
            elif (p := by_id.get(c["id"])) is not None:
                out.append((style, {**c, "question": p[style], "answer_en": p.get("answer_en", [])}))
    return out


def bundled_chat():
    """The bundled LLM in-process, as the product's settings load it."""
    from qa import Settings
    from qa.backends import models
    from qa.backends.llamacpp import LlamaCppChat

    settings = Settings(answerer="extractive")
    return LlamaCppChat(
        model_path=str(models.bundled_model(settings.llm_model_dir)),
        n_ctx=settings.llm_context,
        n_threads=settings.llm_threads,
        extra_bufts=settings.llm_extra_bufts,
    )


def rewritten(data: Path) -> set[str]:
    """The ids of the cases that ``DATA/para.jsonl`` rewrites in a chat user's words and in English."""
    with open(data / "para.jsonl", encoding="utf-8") as f:
        return {json.loads(line)["qid"] for line in f}


def written(path: Path) -> set[tuple[str, str]]:
    """The (id, style) of the rows already in ``path`` (none when it does not exist): a
    rerun of an extraction skips them."""
    if not path.exists():
        return set()
    with open(path, encoding="utf-8") as f:
        return {(r["id"], r["style"]) for r in map(json.loads, f)}


def by_article(data: Path, styles: tuple[str, ...], limit: int | None = None) -> list[tuple[str, list]]:
    """(article name, [(style, case)]) for the first ``limit`` articles in name order."""
    para = _read(data / "para.jsonl") if set(styles) - {"orig"} else []
    groups: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for style, c in asked(_read(data / "cases.jsonl"), para, styles):
        groups[c["article"]].append((style, c))
    return sorted(groups.items())[:limit]


def gold_sentence(index, case: dict) -> int:
    """The id of the sentence holding the answer's first character; -1 when unanswerable."""
    if case["unanswerable"]:
        return -1
    return next(s.id for s in index.sentences if s.start <= case["start"] < s.end)


def extract(data: Path, limit: int | None = None, styles: tuple[str, ...] = ("orig",)) -> list[dict]:
    from qa import Chatbot, Settings
    from qa.core.features import SentenceStats, candidates
    from qa.core.understand import understand

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp), answerer="extractive")
        for n, (name, group) in enumerate(by_article(data, styles, limit)):
            t0 = time.perf_counter()
            bot = Chatbot(data / "articles" / f"{name}.txt", settings=settings)
            pipe = bot.pipeline
            index = pipe.index
            stats = SentenceStats(index)
            for style, c in group:
                found = pipe.retrieve(understand(c["question"], []))
                cand = candidates(found.query, stats, found.vector, found.hits)
                gold = gold_sentence(index, c)
                rows.append(
                    {
                        "id": c["id"],
                        "style": style,
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
                        **({"answer_en": c["answer_en"]} if style == "en" else {}),
                    }
                )
            seconds = time.perf_counter() - t0
            print(f"{n + 1:3d} {name}: {len(group)} questions, {seconds:.1f} s", file=sys.stderr)
    return rows


def _styles(text: str) -> tuple[str, ...]:
    styles = tuple(s.strip() for s in text.split(",") if s.strip())
    if not styles or set(styles) - set(STYLES):
        wanted = ",".join(STYLES)
        raise argparse.ArgumentTypeError(f"styles are a comma-separated subset of {wanted}, got {text!r}")
    return styles


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--limit", type=int, help="only the first N articles")
    ap.add_argument(
        "--styles", type=_styles, default=("orig",), help=f"question styles to ask, of {','.join(STYLES)}"
    )
    ap.add_argument("--out", type=Path, help="where to write the rows (default: DATA/features.pkl)")
    args = ap.parse_args()
    rows = extract(args.data, args.limit, args.styles)
    out = args.out or args.data / "features.pkl"
    with open(out, "wb") as f:
        pickle.dump(rows, f)
    counts = {s: sum(r["style"] == s for r in rows) for s in args.styles}
    print(f"{len(rows)} rows {counts} -> {out}")


if __name__ == "__main__":
    main()
