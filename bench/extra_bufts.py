"""``python -m bench.extra_bufts``: llama.cpp's speed with and without extra buffer types.

``qa.backends.llamacpp.use_extra_bufts`` keeps them on except on a CPU with AMX; this
measures what that keeps. Each round is a fresh child process that loads the
model twice through ``qa.backends.llamacpp.load_llama``, with (``on``) and without
(``off``), then has the two take turns ``--reps`` times: read the start of the
bundled article as a prompt, write tokens one at a time. Prints medians of
tokens per second read and written and of the load time, and the median of
the paired ratios (each run with against the run without beside it), which a
busy machine disturbs less than the speeds themselves; and the same per CPU
second the process got, which it disturbs less still at ``--threads 1``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

RESULT_TAG = "BENCH_RESULT "
SETTINGS = ("on", "off")


def child(threads: int, prompt_tokens: int, gen_tokens: int, reps: int) -> dict[str, object]:
    from qa.backends.llamacpp import load_llama, system_info
    from qa.backends.models import bundled_model
    from qa.settings import bundled_article

    path = str(bundled_model())
    out: dict[str, object] = {"system_info": system_info()}
    models, series = {}, {}
    for setting in SETTINGS:
        t = time.perf_counter()
        models[setting] = load_llama(path, 2048, threads, setting)
        series[setting] = {"load_s": [time.perf_counter() - t]}
        series[setting].update({k: [] for k in ("read", "written", "read_cpu", "written_cpu")})
        assert models[setting].llama.model_params.use_extra_bufts == (setting == "on")
    llama = models["on"].llama
    tokens = llama.tokenize(bundled_article().read_text(encoding="utf-8").encode("utf-8"))
    assert len(tokens) >= prompt_tokens + gen_tokens, len(tokens)
    prompt, rest = tokens[:prompt_tokens], tokens[prompt_tokens : prompt_tokens + gen_tokens]
    for rep in range(reps):
        # Both models take turns, in alternating order, so a change in the machine's load
        # falls on both alike.
        for setting in SETTINGS if rep % 2 == 0 else SETTINGS[::-1]:
            llama = models[setting].llama
            llama.reset()
            t, c = time.perf_counter(), time.process_time()
            llama.eval(prompt)
            series[setting]["read"].append(prompt_tokens / (time.perf_counter() - t))
            series[setting]["read_cpu"].append(prompt_tokens / (time.process_time() - c))
            t, c = time.perf_counter(), time.process_time()
            for token in rest:  # one decode per token, as when writing an answer (sampling aside)
                llama.eval([token])
            series[setting]["written"].append(gen_tokens / (time.perf_counter() - t))
            series[setting]["written_cpu"].append(gen_tokens / (time.process_time() - c))
    out.update(series)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.extra_bufts", description=__doc__)
    ap.add_argument("--rounds", type=int, default=3, help="child processes")
    ap.add_argument("--reps", type=int, default=4, help="prompt reads and writes per setting and child")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--prompt-tokens", type=int, default=128)
    ap.add_argument("--gen-tokens", type=int, default=16)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    sizes = (args.threads, args.prompt_tokens, args.gen_tokens, args.reps)
    if args.child:
        print(RESULT_TAG + json.dumps(child(*sizes)), flush=True)
        return 0

    series: dict[str, dict[str, list[float]]] = {s: {} for s in SETTINGS}
    ratios: dict[str, list[float]] = {k: [] for k in ("read", "written", "read_cpu", "written_cpu")}
    info, loads = "", [os.getloadavg()[0]]
    for r in range(args.rounds):
        argv_ = [sys.executable, "-m", "bench.extra_bufts", "--child", "--threads", str(args.threads)]
        argv_ += ["--reps", str(args.reps), "--prompt-tokens", str(args.prompt_tokens)]
        argv_ += ["--gen-tokens", str(args.gen_tokens)]
        proc = subprocess.run(argv_, capture_output=True, text=True, check=False)
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_TAG)]
        if not lines:
            sys.exit(f"the child exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
        rep = json.loads(lines[-1][len(RESULT_TAG) :])
        info = rep["system_info"]
        loads.append(os.getloadavg()[0])
        for setting in SETTINGS:
            for name, values in rep[setting].items():
                series[setting].setdefault(name, []).extend(values)
        for name in ratios:  # paired: the k-th read with extra buffer types against the k-th without
            ratios[name] += [a / b for a, b in zip(rep["on"][name], rep["off"][name], strict=True)]
        print(
            f"round {r + 1}: "
            + ", ".join(
                f"{s} read {statistics.median(rep[s]['read']):.1f} written "
                f"{statistics.median(rep[s]['written']):.1f} tok/s"
                for s in SETTINGS
            )
            + f" (load average {loads[-1]:.2f})",
            file=sys.stderr,
            flush=True,
        )
    print(info)
    print(
        f"{args.threads} threads, a {args.prompt_tokens}-token prompt, {args.gen_tokens} tokens written; "
        f"{args.rounds} x {args.reps} runs; load average {min(loads):.1f}-{max(loads):.1f}"
    )
    # Per CPU second: what the process got of the CPU, so less of what others took
    # (with one thread; more threads also count the time they spend waiting on each other).
    print(f"medians{'tokens per second':>36}{'per CPU second':>30}")
    print(f"{'extra buffer types':<20}{'read':>8}{'written':>10}{'load s':>8}{'read':>14}{'written':>10}")
    for setting in SETTINGS:
        s = series[setting]
        print(
            f"{setting:<20}{statistics.median(s['read']):>8.1f}{statistics.median(s['written']):>10.1f}"
            f"{statistics.median(s['load_s']):>8.2f}"
            f"{statistics.median(s['read_cpu']):>14.1f}{statistics.median(s['written_cpu']):>10.1f}"
        )
    r = {k: statistics.median(v) for k, v in ratios.items()}
    print(
        f"{'on / off, paired':<20}{r['read']:>7.2f}x{r['written']:>9.2f}x{'':>8}"
        f"{r['read_cpu']:>13.2f}x{r['written_cpu']:>9.2f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
