"""Sanity checks for the hand-written eval sets in this folder.

Run:  python eval/verify_eval.py   (from the repo root, or any cwd)

For every case: fields are present; for answerable cases the evidence is an
exact substring (8-40 chars) of the article and at least one answers_any string
(or every answers_all string) occurs in the article within WINDOW chars of the
evidence. Also flags near-duplicates of the public dev questions.
"""
import difflib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHIPPED = Path("/work/shared/corpus/000_2d1d30b249be8a2d.txt")
DEV = Path("/work/shared/eval/dev.jsonl")
SETS = ["shipped_extra.jsonl", "battery_plant.jsonl", "city_festival.jsonl", "long_report.jsonl"]
WINDOW = 300


def article_text(name):
    path = SHIPPED if name == "shipped" else HERE / "articles" / name
    return path.read_text(encoding="utf-8")


def main():
    errors, seen_ids = [], set()
    dev_qs = []
    if DEV.exists():
        for line in DEV.read_text(encoding="utf-8").splitlines():
            if line.strip():
                dev_qs += json.loads(line)["turns"]

    for name in sorted((HERE / "articles").glob("*.txt")):
        print(f"article {name.name}: {len(name.read_text(encoding='utf-8'))} chars")

    for fname in SETS:
        path = HERE / fname
        stats = dict(total=0, answerable=0, unanswerable=0, en=0, ko=0, followup=0)
        for ln, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            c = json.loads(line)
            where = f"{fname}:{ln} ({c.get('id')})"
            for key in ("id", "turns", "lang", "unanswerable", "article"):
                if key not in c:
                    errors.append(f"{where}: missing {key}")
            if c["id"] in seen_ids:
                errors.append(f"{where}: duplicate id")
            seen_ids.add(c["id"])
            if not isinstance(c["turns"], list) or not c["turns"]:
                errors.append(f"{where}: bad turns")
            if c["lang"] not in ("ko", "en"):
                errors.append(f"{where}: bad lang")
            stats["total"] += 1
            stats[c["lang"]] += 1
            stats["followup"] += len(c["turns"]) > 1
            for q in c["turns"]:
                for dq in dev_qs:
                    r = difflib.SequenceMatcher(None, q, dq).ratio()
                    if r > 0.75:
                        errors.append(f"{where}: turn too close to dev question ({r:.2f}): {q!r} ~ {dq!r}")
            text = article_text(c["article"])
            if c["unanswerable"]:
                stats["unanswerable"] += 1
                if "evidence" in c or "answers_any" in c or "answers_all" in c:
                    errors.append(f"{where}: unanswerable case carries evidence/answers")
                continue
            stats["answerable"] += 1
            ev = c.get("evidence", "")
            if not 8 <= len(ev) <= 40:
                errors.append(f"{where}: evidence length {len(ev)} not in 8..40")
            positions = [i for i in range(len(text)) if text.startswith(ev, i)] if ev else []
            if not positions:
                errors.append(f"{where}: evidence not found: {ev!r}")
                continue
            anys, alls = c.get("answers_any", []), c.get("answers_all", [])
            if not anys and not alls:
                errors.append(f"{where}: no answers_any/answers_all")
            ok = False
            for p in positions:
                win = text[max(0, p - WINDOW): p + len(ev) + WINDOW]
                if (anys and any(a in win for a in anys)) or (alls and all(a in win for a in alls)):
                    ok = True
                    break
            if not ok:
                errors.append(f"{where}: no accepted answer near evidence {ev!r}")
        print(f"{fname}: total={stats['total']} answerable={stats['answerable']} "
              f"unanswerable={stats['unanswerable']} ko={stats['ko']} en={stats['en']} "
              f"followup={stats['followup']}")

    for e in errors:
        print("FAIL", e)
    print("OK" if not errors else f"{len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
