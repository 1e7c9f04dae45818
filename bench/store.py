"""``python -m bench.store``: the index kept locally against on a Chroma server.

Each run starts a fresh ``chroma run`` on 127.0.0.1 and a fresh index folder,
then, for each store, one child process builds the index, one answers its first
question from a cold start, and one replays the question set warm. Prints the
medians over runs (extractive answerer: the store's part is what differs).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.__main__ import DEV_SET, load_cases
from bench.measure import run_child

ROWS = [
    ("build_s", "index build: Chatbot() on an empty store", 1, "s"),
    ("build_index_s", "  of which open_index (embed, write)", 1, "s"),
    ("cold_wall_s", "cold start: spawn -> first answer", 1, "s"),
    ("cold_open_index_s", "  of which open_index (a built index)", 1000, "ms"),
    ("cold_ask_s", "  of which the first ask", 1000, "ms"),
    ("turn_p50_s", "warm latency per turn p50", 1000, "ms"),
    ("stage_retrieve_s", "  stage retrieve (median)", 1000, "ms"),
]


def start_chroma(path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``chroma run`` on a free port of 127.0.0.1, once it answers its heartbeat."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    chroma = Path(sys.executable).with_name("chroma")
    argv = [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2):
                return proc, url
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"bench: chroma run did not start on port {port}") from None
            time.sleep(0.2)


def one_run(tmp: Path, cases: list[list[str]], first: str, series: dict[str, dict[str, list[float]]]) -> None:
    server, url = start_chroma(tmp / "server")
    try:
        for store, settings in (("local", {}), ("server", {"chroma_url": url})):
            base: dict[str, Any] = {
                "answerer": "extractive",
                "article": None,
                "first": first,
                "index_dir": str(tmp / store),
                "settings": settings,
            }
            add = series.setdefault(store, {})
            built = run_child({**base, "task": "build"})
            add.setdefault("build_s", []).append(built["chatbot_s"])
            add.setdefault("build_index_s", []).append(built["open_index_s"])
            cold = run_child({**base, "task": "cold"})
            if cold["rebuilt"]:
                raise SystemExit(f"bench: the cold-start child rebuilt the {store} index")
            for key in ("wall_s", "open_index_s", "ask_s"):
                add.setdefault(f"cold_{key}", []).append(cold[key])
            warm = run_child({**base, "task": "warm", "cases": cases})
            add.setdefault("turn_p50_s", []).append(statistics.median(warm["turns_s"]))
            add.setdefault("stage_retrieve_s", []).append(warm["stages_s"]["retrieve"])
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.store", description=__doc__)
    p.add_argument("--runs", type=int, default=3, help="rounds (default 3)")
    p.add_argument("--questions", type=Path, default=DEV_SET, help=f"JSONL question set (default {DEV_SET})")
    args = p.parse_args(argv)
    cases, first = load_cases(args.questions)
    series: dict[str, dict[str, list[float]]] = {}
    load = os.getloadavg()[0]
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="qa-bench-store-") as tmp:
            one_run(Path(tmp), cases, first, series)
    print(f"qa bench.store: shipped article, {len(cases)} cases, {args.runs} runs, extractive answerer")
    print(f"{'median over runs':<44}{'local':>10}{'server':>10}")
    for key, label, scale, unit in ROWS:
        cells = "".join(f"{statistics.median(series[s][key]) * scale:>10.2f}" for s in ("local", "server"))
        print(f"  {label:<42}{cells} {unit}")
    print(f"load average (1 min) {load:.2f} before, {os.getloadavg()[0]:.2f} after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
