"""Training cases from KorQuAD 1.0 dev, made the way the measured set was made.

Only the titles in ``korquad_train_titles.txt`` are used (never the measured
24, never the rest). For each title, a seeded draw cuts paragraphs out of the
article (two when it has four or more, else one); the article file is the
title line, then the kept paragraphs, blank-line separated.

- Answerable cases: every question of a kept paragraph, with the character
  offset of its answer in the article file (the gold sentence is the one that
  holds it).
- Unanswerable cases: questions of a cut paragraph whose answer text appears
  nowhere in the kept article.

    python -m fit.korquad KorQuAD_v1.0_dev.json ../shared/eval/korquad_train_titles.txt fit/data

writes ``fit/data/articles/NAME.txt`` and ``fit/data/cases.jsonl``. The
KorQuAD file comes from github.com/korquad/korquad.github.io
(``dataset/KorQuAD_v1.0_dev.json``, CC BY-ND 2.0 KR, LG CNS).
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

SEED = 20261201


def build(korquad: dict, titles: set[str], out: Path) -> tuple[int, int]:
    (out / "articles").mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    cases = []
    for doc in korquad["data"]:
        name = doc["title"].replace(" ", "_")
        if name not in titles:
            continue
        paras = doc["paragraphs"]
        n_cut = 2 if len(paras) >= 4 else 1 if len(paras) >= 2 else 0
        cut = set(rng.sample(range(len(paras)), n_cut))
        text = doc["title"] + "\n\n"
        starts = {}
        for i, p in enumerate(paras):
            if i in cut:
                continue
            starts[i] = len(text)
            text += p["context"].strip("\n") + "\n\n"
        (out / "articles" / f"{name}.txt").write_text(text, encoding="utf-8")
        for i, p in enumerate(paras):
            for qa in p["qas"]:
                ans = qa["answers"][0]
                case = {"id": qa["id"], "article": name, "paragraph": i, "question": qa["question"]}
                if i in cut:
                    if ans["text"] in text:
                        continue  # the article still says it elsewhere
                    cases.append({**case, "unanswerable": True})
                else:
                    lead = len(p["context"]) - len(p["context"].lstrip("\n"))
                    start = starts[i] + ans["answer_start"] - lead
                    assert text[start : start + len(ans["text"])] == ans["text"], qa["id"]
                    cases.append({**case, "unanswerable": False, "answer": ans["text"], "start": start})
    with open(out / "cases.jsonl", "w", encoding="utf-8") as f:
        for c in cases:
            f.write(json.dumps(c, ensure_ascii=False) + "\n")
    una = sum(c["unanswerable"] for c in cases)
    return len(cases) - una, una


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("korquad", type=Path, help="KorQuAD_v1.0_dev.json")
    ap.add_argument("titles", type=Path, help="korquad_train_titles.txt")
    ap.add_argument("out", type=Path)
    args = ap.parse_args()
    data = json.loads(args.korquad.read_text(encoding="utf-8"))
    titles = set(args.titles.read_text(encoding="utf-8").split())
    ans, una = build(data, titles, args.out)
    print(f"{len(titles)} titles: {ans} answerable and {una} unanswerable cases in {args.out}")


if __name__ == "__main__":
    main()
