"""``python -m bench.worker``: what running llama.cpp in a worker process costs per answer.

One process holds the bundled model twice: in-process (``qa.backends.llamacpp.LlamaCppChat``)
and in the worker (``qa.backends.worker.WorkerChat``). Each question of the public set
becomes the prompt the LLM writer would send (its best evidence sentence, found
by the extractive pipeline, and the question), and both models answer it, in
alternating order, so that both have read the same prompts before and keep the
same states. Prints the medians of the time per answer on each path and of the
paired difference (worker minus in-process), the worker's own overhead (the
parent's wall time minus the time the worker spent, which the machine's load
hardly touches), the time each path takes to load, and how long a new worker
takes to be ready after a SIGKILL.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.__main__ import DEV_SET, load_cases


def answer(chat: Any, messages: Any) -> tuple[float, float | None]:
    """Seconds the answer took here, and in the worker (``None`` in-process)."""
    t = time.perf_counter()
    inside = None
    for chunk in chat.stream(messages):
        inside = chunk.response_metadata.get("worker_seconds", inside)
    return time.perf_counter() - t, inside


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.worker", description=__doc__)
    ap.add_argument("--questions", type=Path, default=DEV_SET, help=f"JSONL question set (default {DEV_SET})")
    ap.add_argument("--cases", type=int, default=0, help="only the first N cases (default all)")
    ap.add_argument("--restarts", type=int, default=3, help="SIGKILLs of the worker to time its return")
    ap.add_argument("--threads", type=int, default=2, help="llama.cpp threads (Settings.llm_threads)")
    args = ap.parse_args(argv)
    cases, _ = load_cases(args.questions)
    questions = [case[0] for case in cases[: args.cases or None]]

    from qa import Chatbot, Settings
    from qa.backends.chat import chat_model
    from qa.backends.worker import WorkerChat
    from qa.core.pointing import PROMPT, render

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp), answerer="extractive")
        finder = Chatbot(settings=settings)
        prompts = []
        for q in questions:
            a = finder.ask(q)
            if a.found:
                request = render(a.sources[0].evidence, q)
                prompts.append(PROMPT.format_messages(request=request))
    warm = PROMPT.format_messages(request=render("", "ok?"))
    chats: dict[str, Any] = {}
    load: dict[str, float] = {}
    for name, in_worker in (("in-process", False), ("worker", True)):
        t = time.perf_counter()
        # No deadline: on a machine busy enough to pass it, this measures rather than falls back.
        llm = settings.with_(answerer="llm", llm_worker=in_worker, llm_threads=args.threads, llm_deadline=1e6)
        chats[name], _ = chat_model(llm)
        chats[name].warm(warm)
        load[name] = time.perf_counter() - t
    worker_chat = chats["worker"]
    assert isinstance(worker_chat, WorkerChat)

    times: dict[str, list[float]] = {name: [] for name in chats}
    diffs, overheads = [], []
    for i, messages in enumerate(prompts):
        took: dict[str, float] = {}
        for name in list(chats) if i % 2 == 0 else list(chats)[::-1]:
            took[name], inside = answer(chats[name], messages)
            times[name].append(took[name])
            if inside is not None:
                overheads.append(took[name] - inside)
        diffs.append(took["worker"] - took["in-process"])

    worker = worker_chat.worker
    back = []
    for _ in range(args.restarts):
        pid = worker.pid
        assert pid is not None
        t = time.perf_counter()
        os.kill(pid, signal.SIGKILL)
        while worker.pid in (None, pid):  # until a new one is ready
            time.sleep(0.01)
        back.append(time.perf_counter() - t)

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:>9.1f} ms"

    print(
        f"qa bench.worker: {len(prompts)} prompts from {args.questions.name}, each answered on both paths, "
        f"{args.threads} llama.cpp threads"
    )
    print(f"  {'':<42}{'in-process':>12}{'worker':>12}")
    print(f"  {'load and read the instructions':<42}{load['in-process']:>10.2f} s{load['worker']:>10.2f} s")
    print(f"  {'time per answer, median':<42}{ms(times['in-process'])}{ms(times['worker'])}")
    print(f"  {'worker - in-process, paired median':<42}{'':>12}{ms(diffs)}")
    print(f"  {'worker overhead (wall - time in worker)':<42}{'':>12}{ms(overheads)}")
    if back:
        print(f"  {'worker ready again after a SIGKILL':<42}{'':>12}{statistics.median(back):>10.2f} s")
    print(f"load average (1 min) {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
