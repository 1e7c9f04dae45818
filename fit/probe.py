"""A probe of the LLM's state where the judge reads its verdict, fitted on the training titles.

    python -m fit.probe extract DATA --styles en,ko,orig   # judge.jsonl's judged rows (~60 min for en)
    python -m fit.probe fit DATA                           # held-out figures

The judge (``qa.core.judge``) asks of each candidate sentence "does it state the
answer?" and reads the first token's "Yes" minus "No" logit: one fixed direction
of the model's last hidden state at the end of the prompt. ``extract`` keeps
that whole state (1,536 numbers for the bundled model) for every candidate of
every judged row of ``DATA/judge.jsonl``, with the logit read in the same pass
(it should agree with the row's), in ``DATA/probe.jsonl``, as rows come; a
rerun skips the rows there. The state is read with llama.cpp's embeddings
switched on for the prompt's last token alone, which costs nothing more: the
judge evaluates that token anyway.

``fit`` fits a logistic probe on the states (the candidate holds the answer or
not), held out by the folds ``fit.reader`` uses, and reports, per reader group:
how well the probe's and the judge's scores tell a candidate that holds the
answer (AUC), how often each one's best candidate holds it, and the reader's
held-out figures (``fit.reader_fit``) with the judge's logit, the probe's, their
sum or the logit of a probe fitted on every style's rows as its ``judge`` input,
at the shipped bands and at wider ones. Every probe is held out by the folds
of the group's reader: a probe that saw the reader's held-out articles would
flatter it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

#: The probe's L2 penalty (scikit-learn's C over standardised states); 0.001-0.01 held out
#: alike on the English rows, 0.03 worse.
C = 0.003


def extract(data: Path, styles: tuple[str, ...]) -> None:
    import llama_cpp

    from fit.features import bundled_chat, written
    from fit.fit import article_texts
    from qa.backends.llamacpp import NO, YES, _read, _tokens, load_llama
    from qa.core.judge import PROMPT

    out = data / "probe.jsonl"
    done = written(out)
    chat = bundled_chat()
    model = load_llama(chat.model_path, chat.n_ctx, chat.n_threads, chat.extra_bufts)
    llama, formatter = model.llama, model.formatter
    assert formatter is not None
    ctx = llama._ctx.ctx
    vocab, width = llama.n_vocab(), llama.n_embd()
    yes, no = (llama.tokenize(w.encode(), add_bos=False, special=False)[0] for w in (YES, NO))
    texts = article_texts(data)
    with open(data / "judge.jsonl", encoding="utf-8") as f:
        rows = [r for r in map(json.loads, f) if r["style"] in styles and (r["id"], r["style"]) not in done]
    rows = [r for r in rows if all(c["judge"] is not None for c in r["cands"])]
    print(f"{len(rows)} judged rows to read", file=sys.stderr)
    with open(out, "a", encoding="utf-8") as sink:
        for n, r in enumerate(rows, 1):
            sentences = texts[r["article"]]
            logits, states = [], []
            for c in r["cands"]:
                # qa.core.judge.request's lines for a question that is no follow-up
                request = f"Question: {r['question']}\nSentence: {' '.join(sentences[c['sid']].split())}"
                prompt, shared = _tokens(llama, formatter, PROMPT.format_messages(request=request))
                _read(llama, None, prompt[:-1], shared)  # what the context holds of it is kept
                llama_cpp.llama_set_embeddings(ctx, True)
                try:
                    llama.eval(prompt[-1:])
                finally:
                    llama_cpp.llama_set_embeddings(ctx, False)
                row = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(ctx, -1), shape=(vocab,))
                logits.append(round(float(row[yes] - row[no]), 4))
                state = np.ctypeslib.as_array(llama_cpp.llama_get_embeddings_ith(ctx, -1), shape=(width,))
                states.append(state.round(3).tolist())
            line = {"id": r["id"], "style": r["style"], "judge": logits, "state": states}
            sink.write(json.dumps(line) + "\n")
            sink.flush()
            if n % 50 == 0:
                print(f"{n}/{len(rows)}", file=sys.stderr)


def held_out_probe(rows: list[dict], states: dict[tuple[str, str], list], fold_of: dict[str, int]) -> dict:
    """(id, style, candidate) -> the probe's logit, from a probe fitted without the row's fold
    (rows of an article without a fold are only fitted on)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    where, X, y = [], [], []
    for r in rows:
        for i, (c, s) in enumerate(zip(r["cands"], states[(r["id"], r["style"])], strict=True)):
            where.append((r["id"], r["style"], i, fold_of.get(r["article"], -1)))
            X.append(s)
            y.append(c["holds"])
    X_, y_ = np.asarray(X, dtype=np.float32), np.asarray(y, dtype=int)
    fold = np.array([w[3] for w in where])
    out = np.zeros(len(y_))
    for k in sorted(set(fold) - {-1}):
        probe = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=3000))
        probe.fit(X_[fold != k], y_[fold != k])
        out[fold == k] = probe.decision_function(X_[fold == k])
    return {w[:3]: float(v) for w, v in zip(where, out, strict=True)}


def report(data: Path) -> None:
    from sklearn.metrics import roc_auc_score

    import fit.reader_fit as rf
    from fit.fit import folds
    from fit.judge_fit import found, shipped_thresholds

    with open(data / "probe.jsonl", encoding="utf-8") as f:
        states = {(r["id"], r["style"]): r["state"] for r in map(json.loads, f)}
    with open(data / "judge.jsonl", encoding="utf-8") as f:
        judged = [json.loads(line) for line in f]
    with open(data / "reader.jsonl", encoding="utf-8") as f:
        read = [json.loads(line) for line in f]
    thresholds = shipped_thresholds()
    read = [{**r, "found": found(r, thresholds)} for r in read]
    every = [r for r in judged if (r["id"], r["style"]) in states]
    for group, (styles, with_judge) in rf.GROUPS.items():
        mine = [r for r in read if r["style"] in styles]
        probed = [r for r in every if r["style"] in styles]
        if not probed:
            continue
        styles = tuple(s for s in styles if any(r["style"] == s for r in probed))
        # Held out by the folds the group's reader is fitted on.
        probe = held_out_probe(probed, states, folds(mine))
        pooled = held_out_probe(every, states, folds(mine))
        keys = [(r["id"], r["style"], i) for r in probed for i in range(len(r["cands"]))]
        y = np.array([c["holds"] for r in probed for c in r["cands"]], dtype=int)
        judge = np.array([c["judge"] for r in probed for c in r["cands"]])
        score = np.array([probe[k] for k in keys])
        print(f"{group}: {len(probed)} questions, {len(y)} candidates, {y.sum()} hold the answer")
        both = np.array([pooled[k] for k in keys])
        print(
            f"  AUC: judge {roc_auc_score(y, judge):.3f}, probe {roc_auc_score(y, score):.3f}, "
            f"probe fitted on every style {roc_auc_score(y, both):.3f}"
        )
        picks = {"ranker's best": [], "judge's": [], "probe's": []}
        start = 0
        for r in probed:
            n = len(r["cands"])
            holds = y[start : start + n]
            if holds.any():
                picks["ranker's best"].append(holds[0])
                picks["judge's"].append(holds[np.argmax(judge[start : start + n])])
                picks["probe's"].append(holds[np.argmax(score[start : start + n])])
            start += n
        print("  best candidate holds the answer: " + ", ".join(f"{k} {sum(v)}" for k, v in picks.items()))
        probed_keys = {(r["id"], r["style"]) for r in probed}
        variants = {
            "judge": judged,
            "probe": _replaced(judged, probe, probed_keys, lambda j, p: p),
            "judge + probe": _replaced(judged, probe, probed_keys, lambda j, p: j + p),
            "probe fitted on every style": _replaced(judged, pooled, probed_keys, lambda j, p: p),
        }
        mine = [r for r in mine if (r["id"], r["style"]) in probed_keys]
        for band in ((0.15, 0.4), (0.15, 0.6), (0.05, 0.7), (0.1, 0.8)):
            if not with_judge:
                print(f"  band {band}, the reader as shipped (no judge):")
                rf.report_group(group, styles, False, mine, (band,))
            for name, rows in variants.items():
                print(f"  band {band}, the reader's judge input is the {name}:")
                rf.report_group(group, styles, True, rf.with_judgements(mine, rows), (band,))


def _replaced(judged: list[dict], probe: dict, keys: set, how) -> list[dict]:
    out = []
    for r in judged:
        if (r["id"], r["style"]) in keys:
            r = {
                **r,
                "cands": [
                    {**c, "judge": round(how(c["judge"], probe[(r["id"], r["style"], i)]), 4)}
                    for i, c in enumerate(r["cands"])
                ],
            }
        out.append(r)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=("extract", "fit"))
    ap.add_argument("data", type=Path)
    ap.add_argument("--styles", default="en,ko,orig", help="extract: the styles whose judged rows to read")
    args = ap.parse_args()
    if args.what == "extract":
        extract(args.data, tuple(args.styles.split(",")))
    else:
        report(args.data)


if __name__ == "__main__":
    main()
