"""``python -m bench``: print a table of medians over several runs, per answerer mode."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
from pathlib import Path
from typing import Any

from bench.measure import Unavailable, bench_mode

# The public set lies beside the repository, in shared/eval/.
DEV_SET = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.jsonl"
MODES = ("extractive", "llm", "auto")
NOISY = 0.25  # (max - min) / median above this marks a row as noisy

# (series key, label, unit scale, unit)
ROWS = [
    ("build_s", "index build: Chatbot() on an empty dir", 1, "s"),
    ("build_index_s", "  of which open_index (embed, write)", 1, "s"),
    ("cold_wall_s", "cold start: spawn -> first answer", 1, "s"),
    ("cold_import_s", "  import qa", 1, "s"),
    ("cold_chatbot_s", "  Chatbot(): imports, models, built index", 1, "s"),
    ("cold_open_index_s", "    of which open_index", 1, "s"),
    ("cold_writer_s", "    of which the writer (LLM load)", 1, "s"),
    ("cold_ask_s", "  first ask", 1000, "ms"),
    ("turn_p50_s", "warm latency per turn p50", 1000, "ms"),
    ("turn_p95_s", "warm latency per turn p95", 1000, "ms"),
    ("stage_*", "  stage {} (median)", 1000, "ms"),
    ("summary_p50_s", "a summary of the article, p50", 1000, "ms"),
    ("llm_first_piece_p50_s", "LLM turns: first streamed piece p50", 1000, "ms"),
    ("llm_prompt_tokens_p50", "LLM turns: prompt tokens p50", 1, "tok"),
    ("llm_new_prompt_tokens_p50", "  of which read anew (not reused)", 1, "tok"),
    ("cold_peak_rss_mb", "peak RSS, cold-start child + Kiwi helper", 1, "MB"),
    ("warm_rss_mb", "peak RSS, warm latency child + Kiwi helper", 1, "MB"),
    ("build_rss_mb", "peak RSS, index build child + Kiwi helper", 1, "MB"),
]


def load_cases(path: Path) -> tuple[list[list[str]], str]:
    """Each case's turns, and the question for the cold start (the first answerable one)."""
    try:
        cases = [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SystemExit(f"bench: cannot read the question set {str(path)!r}: {e}") from None
    if not cases:
        raise SystemExit(f"bench: the question set {str(path)!r} has no cases")
    first = next((c["turns"][0] for c in cases if not c.get("unanswerable")), cases[0]["turns"][0])
    return [list(c["turns"]) for c in cases], first


def table(mode: str, series: dict[str, Any]) -> list[str]:
    lines = [f"answerer: {mode}".ljust(44) + f"{'median':>9}{'min':>9}{'max':>9}"]
    for key, label, scale, unit in ROWS:
        if key == "stage_*":
            stages = [k for k in series if k.startswith("stage_")]
            rows = [(k, label.format(k[6:-2])) for k in stages]
        else:
            rows = [(key, label)] if key in series else []  # LLM rows only where an LLM wrote
        for k, lab in rows:
            vals = [v * scale for v in series[k]]
            med = statistics.median(vals)
            spread = max(vals) - min(vals)  # below 1 ms it is the rounding of Answer.timings
            noisy = "  noisy" if spread > NOISY * med and spread / scale >= 0.001 else ""
            nums = "".join(f"{v:>9.{0 if v >= 100 else 2}f}" for v in (med, min(vals), max(vals)))
            lines.append(f"  {lab:<42}{nums} {unit}{noisy}")
    modes = ", ".join(f"{m} {n}" for m, n in sorted(series["modes"].items()))
    lines.append(f"  answer modes over {series['turns']} turns: {modes}")
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--runs", type=int, default=5, help="rounds per measurement (default 5)")
    p.add_argument("--answerer", choices=MODES, action="append", help="repeatable (default extractive)")
    p.add_argument("--article", type=Path, help="article file (default: the shipped one)")
    p.add_argument("--questions", type=Path, default=DEV_SET, help=f"JSONL question set (default {DEV_SET})")
    p.add_argument("--json", type=Path, metavar="OUT", help="also write every run's numbers here")
    p.add_argument(
        "--llm-state-cache-mb",
        type=int,
        metavar="MB",
        help="memory for kept prompt states (Settings.llm_state_cache_mb); 0: read every prompt whole",
    )
    args = p.parse_args(argv)
    if args.runs < 1:
        p.error(f"--runs must be at least 1; got {args.runs}")
    if args.article and not args.article.is_file():
        p.error(f"--article {str(args.article)!r} is not a file")
    cases, first = load_cases(args.questions)
    article = args.article.resolve() if args.article else None

    load = os.getloadavg()[0]
    print(
        f"qa bench: {args.article.name if article else 'shipped article'}, "
        f"{len(cases)} cases from {args.questions.name}, {args.runs} runs, median [min, max] over runs"
    )
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs; threads left to Settings.threads")
    results: dict[str, Any] = {}
    failed = False
    for mode in args.answerer or ["extractive"]:
        print()
        try:
            results[mode] = series = bench_mode(
                mode, article, cases, first, args.runs, llm_state_cache_mb=args.llm_state_cache_mb
            )
        except (Unavailable, RuntimeError) as e:
            print(f"bench: {e}")
            results[mode] = {"error": str(e)}
            failed = True
            continue
        print("\n".join(table(mode, series)))
    end = os.getloadavg()[0]
    # The bench itself keeps one core busy; load before it started is other work.
    busy = "; other work was running, expect noise" if load > 0.5 else ""
    print(f"\nload average (1 min) {load:.2f} before, {end:.2f} after{busy}")
    if args.json:
        meta = {"runs": args.runs, "questions": str(args.questions), "article": str(article)}
        meta["llm_state_cache_mb"] = args.llm_state_cache_mb
        out = {"meta": {**meta, "loadavg": [load, end]}, "modes": results}
        args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
