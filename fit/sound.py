"""How alike a borrowed word's sounds must be (``qa.lang.sound.SOUND_MIN``).

    python -m fit.sound [--para fit/data/para.jsonl]

The learner's dictionary (``qa.lang.bilingual``) pairs each Korean headword with its
English equivalents. Its borrowed words (센터 "center") sound like their English, its
native ones (병원 "hospital") do not, and a headword against the English of another
headword is a pair that must not match. For each threshold this prints the share of
the dictionary's own pairs that match (mostly its borrowed words) and of mismatched
pairs (every headword against the equivalents of 20 others drawn at random) that
match anyway: the threshold keeps the false matches rare. With ``--para``, it also
prints how many gold answers of the training titles' English questions
(``answer`` against ``answer_en``) match, with examples on either side of the
threshold: names and borrowed words should, translated words should not.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

from qa.lang.bilingual import entries
from qa.lang.lexicon import HANGUL
from qa.lang.sound import alike

THRESHOLDS = (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
_SINGLE = re.compile(r"[a-z][a-z -]*[a-z]")
_HANGUL_ONLY = re.compile(f"[{HANGUL}]+")


def dictionary_pairs() -> list[tuple[str, str]]:
    """(headword, one English equivalent) for every headword written in Hangul alone."""
    out = []
    for word, meanings in entries():
        word = word.replace(" ", "")
        if not _HANGUL_ONLY.fullmatch(word):
            continue
        for m in re.split(r"\s*[;,]\s*", meanings.lower()):
            if _SINGLE.fullmatch(m):
                out.append((word, m))
    return out


def report(pairs: list[tuple[str, str]], draws: int, seed: int) -> None:
    rng = random.Random(seed)
    english = [e for _, e in pairs]
    true = [alike(k, e) for k, e in pairs]
    false = [alike(k, rng.choice(english)) for k, _ in pairs for _ in range(draws)]
    print(f"dictionary: {len(true)} pairs, {len(false)} mismatched")
    for t in THRESHOLDS:
        tm = sum(x >= t for x in true)
        fm = sum(x >= t for x in false)
        print(f"  >= {t:.2f}: own pairs {tm} ({tm / len(true):.1%}), mismatched {fm} ({fm / len(false):.3%})")


def para_report(path: Path, threshold: float) -> None:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    scored = []
    for r in rows:
        korean = r.get("answer", "")
        if not re.search(f"[{HANGUL}]", korean):
            continue
        best = max((alike(korean, e), e) for e in r.get("answer_en") or [""])
        scored.append((best[0], korean, best[1]))
    hits = [s for s in scored if s[0] >= threshold]
    print(
        f"training titles' gold answers in Hangul: {len(scored)}, sounding like an English one: {len(hits)}"
    )
    scored.sort()
    near = [s for s in scored if abs(s[0] - threshold) <= 0.1]
    for score, korean, eng in near[:: max(1, len(near) // 30)]:
        print(f"  {score:.2f} {'match' if score >= threshold else '     '} {korean} | {eng}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--para", type=Path, help="para.jsonl of the training titles")
    ap.add_argument("--draws", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threshold", type=float, default=None)
    args = ap.parse_args()
    report(dictionary_pairs(), args.draws, args.seed)
    if args.para:
        from qa.lang.sound import SOUND_MIN

        para_report(args.para, args.threshold or SOUND_MIN)


if __name__ == "__main__":
    main()
