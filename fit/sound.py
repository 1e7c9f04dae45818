"""How alike a borrowed word's sounds must be (``qa.lang.sound.SOUND_MIN``).

    python -m fit.sound [--para fit/data/para.jsonl]
    python -m fit.sound --held KorQuAD_v1.0_dev.json   # the real LLM, ~35 min here (-> fit/data/held.jsonl)
    python -m fit.sound --held-report                  # the bars of a held rendering, from held.jsonl

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

With ``--held``, the bundled LLM renders the gold Korean answer of every English
question of the training titles that has a name or a borrowed word the dictionary
lacks (``qa.lang.bilingual.wording``'s ``sounds``), held to the span's words and
sounds (``LlamaCppChat.say_within``), under the pointing prompt with the sentence
holding the answer as the evidence; at each sound bar in :data:`HELD_BARS`, it
keeps the rendering, the log-probability of each of its tokens, what the product
would show (``qa.write.point.english_answer``) and whether that holds a gold
English answer. ``--held-report`` prints, for each sound bar and each least mean
log-probability, how many renderings would be shown and how many are right: the
shipped pair (``qa.lang.sound.HELD_SOUND_MIN``, ``qa.core.pointing.HELD_SOUND_LOGPROB``)
is the one with the most right less twice the wrong (a wrong name in English
misleads; the article's own words framed in English do not).
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
#: The sound bars a held rendering is tried at (``--held``), and the least mean
#: log-probabilities per token it may be shown at (``--held-report``).
HELD_BARS = (0.8, 0.9, 0.95)
HELD_GATES = (-0.25, -0.5, -0.75, -1.0, -1.25, -1.5, -2.0, -3.0, float("-inf"))
#: What a wrong English rendering costs against a right one.
WRONG_COST = 2.0
HELD = Path(__file__).resolve().parent / "data" / "held.jsonl"
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


def held(dev_json: Path, para: Path, out: Path) -> None:
    """Render the training titles' gold answers held to their words and sounds (see the module)."""
    import qa.backends.llamacpp as backend
    from fit.features import bundled_chat
    from fit.gloss import _holds
    from index import korean
    from qa.core.pointing import GLOSS, PROMPT, render
    from qa.lang import bilingual, sound
    from qa.write.point import english_answer

    answers = {}
    for article in json.loads(dev_json.read_text(encoding="utf-8"))["data"]:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                answers[qa["id"]] = (paragraph["context"], qa["answers"][0])
    done = {json.loads(line)["qid"] for line in out.read_text().splitlines()} if out.exists() else set()
    chat = bundled_chat()
    taken: list[float] = []
    greedy = backend._held_greedy

    def recording(*args, **kwargs):  # the log-probabilities of the tokens the rendering took
        reply, lps = greedy(*args, **kwargs)
        taken[:] = lps
        return reply, lps

    backend._held_greedy = recording
    backend.HELD_SOUND_LOGPROB = float("-inf")  # every rendering, for the report to gate
    with open(out, "a", encoding="utf-8") as sink:
        for line in para.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            if r["qid"] in done or r["qid"] not in answers or not r.get("en"):
                continue
            context, answer = answers[r["qid"]]
            span = answer["text"]
            terms = [(t.form, t.tag) for t in korean.terms(span)]
            wording = bilingual.wording(terms, span)
            if not wording.sounds:
                continue
            at = answer["answer_start"]
            sentence = next(
                (context[s.start : s.end] for s in korean.split_sentences(context) if s.start <= at < s.end),
                span,
            )
            messages = PROMPT.format_messages(request=render(sentence, r["en"]))
            row: dict = {"qid": r["qid"], "span": span, "gold": r["answer_en"]}
            for bar in HELD_BARS:
                sound.HELD_SOUND_MIN = bar
                taken.clear()
                said = chat.say_within(
                    messages, span + GLOSS.rstrip(), wording.words, wording.groups, wording.sounds
                )
                shown, how = english_answer(span, sentence, said, None, None) if said else ("", {})
                row[str(bar)] = {
                    "held": said,
                    "lp": [round(x, 3) for x in taken],
                    "shown": shown if "rendered_by" in how else "",
                    "right": "rendered_by" in how and _holds(shown.split(" (")[0], r["answer_en"]),
                }
            print(json.dumps(row, ensure_ascii=False), file=sink, flush=True)


def held_report(path: Path) -> None:
    from index import korean
    from qa.backends.llamacpp import _Held
    from qa.lang.bilingual import wording

    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    print(f"{len(rows)} gold answers with a name or a borrowed word the dictionary lacks")
    for r in rows:  # the gate is for a rendering that says something by its sound, as say_within's
        held = wording([(t.form, t.tag) for t in korean.terms(r["span"])], r["span"])
        holding = _Held(held.words, held.groups, held.sounds)
        for bar in HELD_BARS:
            r[str(bar)]["sounded"] = holding.sounded(r[str(bar)]["held"].encode())
    best = None
    for bar in HELD_BARS:
        for gate in HELD_GATES:
            shown = [
                r[str(bar)]
                for r in rows
                if r[str(bar)]["shown"] and (not r[str(bar)]["sounded"] or _mean(r[str(bar)]["lp"]) >= gate)
            ]
            right = sum(x["right"] for x in shown)
            wrong = len(shown) - right
            score = right - WRONG_COST * wrong
            print(f"  sound >= {bar:.2f}, mean log-probability >= {gate:6.2f}: ", end="")
            print(f"shown {len(shown)}, right {right}, wrong {wrong}")
            if best is None or score > best[0]:
                best = (score, bar, gate)
    assert best is not None
    print(f"most right less {WRONG_COST:g} x wrong: sound >= {best[1]}, mean log-probability >= {best[2]}")


def _mean(lps: list[float]) -> float:
    return sum(lps) / len(lps) if lps else float("-inf")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--para", type=Path, help="para.jsonl of the training titles")
    ap.add_argument("--draws", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threshold", type=float, default=None)
    ap.add_argument("--held", type=Path, help="KorQuAD_v1.0_dev.json: render the training titles' answers")
    ap.add_argument(
        "--held-report", action="store_true", help="the bars of a held rendering, from held.jsonl"
    )
    args = ap.parse_args()
    if args.held:
        held(args.held, args.para or HELD.with_name("para.jsonl"), HELD)
        return
    if args.held_report:
        held_report(HELD)
        return
    report(dictionary_pairs(), args.draws, args.seed)
    if args.para:
        from qa.lang.sound import SOUND_MIN

        para_report(args.para, args.threshold or SOUND_MIN)


if __name__ == "__main__":
    main()
