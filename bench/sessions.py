"""``python -m bench.sessions``: many ``gradio_client`` sessions at once against a real ``qa serve``.

Each session, in a loop for a bounded time, asks about one thing in the shipped
article and then a follow-up that only its own history resolves ("그건 몇
퍼센트야?" is 70% after the T-Card, 16% after rare earths, and declined with no
history). Every answer is checked against what its own session should get:
an answer that belongs to another session is cross-talk. Prints errors,
cross-talk, throughput and per-request latency (p50, p95) and the server's memory.

    python -m bench.sessions                       # 20 sessions, 60 s, extractive answers
    python -m bench.sessions --answerer auto       # the default answerer (the LLM when installed)
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from bench.server import peak_rss_mb, rss_mb, serve


@dataclass(frozen=True)
class Scenario:
    first: str | None  # None: the follow-up alone, with no history
    follow: str
    want: str | None  # in the follow-up's answer (its text or evidence); None: declined
    never: tuple[str, ...] = ()  # what the other sessions' follow-ups get


SCENARIOS = (
    Scenario("몽골 국민 대부분이 쓰는 결제 수단은?", "그건 몇 퍼센트야?", "70%", ("16%",)),
    Scenario("몽골의 희토류 매장량은 어느 정도야?", "그건 몇 퍼센트야?", "16%", ("70%",)),
    Scenario(
        "BC카드 단말기에서 쓸 수 있게 되는 몽골 카드 이름이 뭐야?", "그걸 쓰는 사람은 몇 퍼센트야?", "70%"
    ),
    Scenario("신부흥정책은 언제 발표됐어?", "그건 어떤 정책이야?", "신부흥정책", ("CTO",)),
    Scenario("김철연 대표는 어느 회사 대표야?", "그 회사는 어떤 MOU를 맺었어?", "스튜디오지니", ("건강한",)),
    Scenario(None, "그건 몇 퍼센트야?", None),
)


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    crosstalk: list[str] = field(default_factory=list)
    followups: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def said(answer: dict[str, Any]) -> str:
    """The answer's text and, when found, the evidence it came from (an LLM may reword)."""
    evidence = answer["sources"][0]["evidence"] if answer["found"] and answer["sources"] else ""
    return f"{answer['text']}\n{evidence}"


def check(s: Scenario, answer: dict[str, Any]) -> str | None:
    """Why the follow-up's answer is not this session's, or None."""
    text = said(answer)
    if s.want is None:
        return None if not answer["found"] else f"expected a decline, got {answer['text'][:80]!r}"
    if not answer["found"] or s.want not in text:
        return f"expected {s.want!r}, got {answer['text'][:80]!r}"
    wrong = [w for w in s.never if w in text]
    return f"got {wrong} (another session's) in {answer['text'][:80]!r}" if wrong else None


def session(url: str, n: int, start: threading.Barrier, stop: threading.Event, tally: Tally) -> None:
    from gradio_client import Client

    try:
        client = Client(url, verbose=False)
    except Exception as e:
        with tally.lock:
            tally.errors.append(f"session {n}: connect: {e}")
        start.wait()
        return
    start.wait()
    turn = n
    while not stop.is_set():
        s = SCENARIOS[turn % len(SCENARIOS)]
        turn += 1
        try:
            client.predict(api_name="/reset")
            for question in (s.first, s.follow):
                if question is None:
                    continue
                t = time.perf_counter()
                answer = client.predict(question, api_name="/ask")
                with tally.lock:
                    tally.latencies.append(time.perf_counter() - t)
            why = check(s, answer)
            with tally.lock:
                tally.followups += 1
                if why:
                    tally.crosstalk.append(f"session {n}, after {s.first!r}: {why}")
        except Exception as e:  # every error counts; the bench goes on
            with tally.lock:
                tally.errors.append(f"session {n}: {type(e).__name__}: {e}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.sessions", description=__doc__)
    p.add_argument("--sessions", type=int, default=20, help="sessions at once (default 20)")
    p.add_argument("--seconds", type=float, default=60, help="how long they ask (default 60)")
    p.add_argument(
        "--answerer",
        default="extractive",
        help="QA_ANSWERER of the server (default extractive; auto: the LLM)",
    )
    args = p.parse_args(argv)
    if args.sessions < 1 or args.seconds <= 0:
        p.error("--sessions and --seconds must be positive")

    from gradio_client import Client

    print(f"qa bench.sessions: {args.sessions} sessions for {args.seconds:g} s, answerer {args.answerer}")
    load = os.getloadavg()[0]
    with serve(args.answerer) as (url, pid):
        Client(url, verbose=False).predict(SCENARIOS[0].first, api_name="/ask")  # models warm
        idle = rss_mb(pid)
        tally = Tally()
        start, stop = threading.Barrier(args.sessions + 1), threading.Event()
        threads = [
            threading.Thread(target=session, args=(url, n, start, stop, tally), daemon=True)
            for n in range(args.sessions)
        ]
        for t in threads:
            t.start()
        start.wait()  # every session has connected: the clock starts
        t0 = time.monotonic()
        time.sleep(args.seconds)
        stop.set()  # questions under way are answered and counted
        for t in threads:
            t.join()
        wall = time.monotonic() - t0
        busy, peak = rss_mb(pid), peak_rss_mb(pid)
    lat = sorted(tally.latencies)
    p95 = lat[math.ceil(0.95 * len(lat)) - 1] if lat else float("nan")
    print(f"requests answered           {len(lat):>8}   in {wall:.1f} s")
    print(f"follow-ups checked          {tally.followups:>8}")
    print(f"errors                      {len(tally.errors):>8}")
    print(f"cross-talk (wrong session)  {len(tally.crosstalk):>8}")
    print(f"throughput                  {len(lat) / wall:>8.2f} answers/s")
    print(f"latency per request p50     {statistics.median(lat) * 1000 if lat else float('nan'):>8.0f} ms")
    print(f"latency per request p95     {p95 * 1000:>8.0f} ms")
    print(f"server RSS idle / busy      {idle:>8.0f} / {busy:.0f} MB (peak {peak:.0f} MB, with Kiwi helper)")
    print(f"load average (1 min)        {load:.2f} before, {os.getloadavg()[0]:.2f} after")
    for line in (tally.errors + tally.crosstalk)[:10]:
        print("  " + line)
    return 1 if tally.errors or tally.crosstalk else 0


if __name__ == "__main__":
    sys.exit(main())
