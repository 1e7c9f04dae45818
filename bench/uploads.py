"""``python -m bench.uploads``: memory of one ``qa serve`` as uploaded articles pile up.

Opens ``--uploads`` sessions (default 50), each asking one question, then
uploads one different article from each through ``gradio_client``'s
``/upload`` and asks about it, printing the server's resident memory (with its
Kiwi helper) after the first upload and every tenth. The articles are the three
short ones of ``eval/articles`` and the shipped one, each with a line that
makes its text (so its index) new.

    python -m bench.uploads                      # 50 uploads, default bounds
    python -m bench.uploads --max-articles 64    # keep every engine loaded, to compare
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.server import ROOT, peak_rss_mb, rss_mb, serve

SOURCES = [
    (ROOT / "eval" / "articles" / "battery_plant.txt", "공장은 어디에 지어지나요?"),
    (ROOT / "eval" / "articles" / "city_festival.txt", "축제는 언제 열리나요?"),
    (ROOT / "qa" / "data" / "kt_mongolia.txt", "BC카드 사장은 누구야?"),
]
BUDGET_MB = 300  # issue 12: fifty uploads within this of one upload's memory


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.uploads", description=__doc__)
    p.add_argument("--uploads", type=int, default=50, help="articles to upload (default 50)")
    p.add_argument("--max-articles", type=int, help="QA_MAX_ARTICLES of the server (default: its own)")
    args = p.parse_args(argv)
    from gradio_client import Client, handle_file

    bounds = {"max_articles": str(args.max_articles)} if args.max_articles else {}
    print(f"qa bench.uploads: {args.uploads} uploads, one session each, {bounds or 'default bounds'}")
    load = os.getloadavg()[0]
    rows: list[tuple[int, float, float]] = []
    with (
        tempfile.TemporaryDirectory(prefix="qa-bench-uploads-") as tmp,
        serve("extractive", **bounds) as (url, pid),
    ):
        Client(url, verbose=False).predict(SOURCES[2][1], api_name="/ask")
        base = rss_mb(pid)
        # The sessions first, each asking once: what Gradio keeps per session is then
        # paid before the uploads, and the figures below are the uploads' own.
        sessions = []
        for _ in range(args.uploads):
            c = Client(url, verbose=False)
            c.predict(SOURCES[2][1], api_name="/ask")
            sessions.append(c)
        with_sessions = rss_mb(pid)
        print(f"  {args.uploads} sessions, no upload yet  RSS {with_sessions:>6.0f} MB", flush=True)
        t0 = time.monotonic()
        for i, c in enumerate(sessions):
            src, question = SOURCES[i % len(SOURCES)]
            path = Path(tmp) / f"article{i:02d}.txt"
            path.write_text(src.read_text(encoding="utf-8") + f"\n(사본 {i})\n", encoding="utf-8")
            info = c.predict(handle_file(str(path)), api_name="/upload")
            answer = c.predict(question, api_name="/ask")
            if info["article"] != path.name or answer["article"] != path.name:
                raise SystemExit(f"bench: upload {i} answered from {answer['article']!r}")
            if i == 0 or (i + 1) % 10 == 0:
                rows.append((i + 1, rss_mb(pid), time.monotonic() - t0))
                print(
                    f"  after {i + 1:>3} uploads  RSS {rows[-1][1]:>6.0f} MB  ({rows[-1][2]:.0f} s)",
                    flush=True,
                )
        peak = peak_rss_mb(pid)
    one = rows[0][1]
    last_n, last, _ = rows[-1]
    print(f"server RSS, one session           {base:>6.0f} MB")
    print(f"server RSS, {len(sessions)} sessions, no upload  {with_sessions:>6.0f} MB")
    print(f"server RSS after one upload       {one:>6.0f} MB")
    print(
        f"server RSS after {last_n} uploads       {last:>6.0f} MB  "
        f"(+{last - one:.0f} MB; budget +{BUDGET_MB} MB)"
    )
    print(f"server peak RSS                   {peak:>6.0f} MB")
    print(f"load average (1 min)  {load:.2f} before, {os.getloadavg()[0]:.2f} after")
    return 0 if last - one <= BUDGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
