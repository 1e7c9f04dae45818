"""``python -m bench.links``: from a link to the first answer, for a 5,000-character page.

A real HTTP server on 127.0.0.1 serves a Korean news page: the first 5,000
characters of ``eval/articles/long_report.txt`` in paragraphs, between a menu,
an ad block, related articles and comments. Each run opens a ``Chatbot`` on the
link with an empty index directory (so it fetches, reads the page, builds the
index) and asks one question; the models are loaded once before, as in a running
server. Prints the medians of the whole and of its parts.

    python -m bench.links                  # extractive, 5 runs
    python -m bench.links --answerer llm --runs 3
"""

from __future__ import annotations

import argparse
import html
import statistics
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "eval" / "articles" / "long_report.txt"
CHARS = 5_000
QUESTION = "호남 지역의 접속대기 용량은 얼마야?"
FACT = "13.4GW"


def page(chars: int = CHARS) -> bytes:
    """The article's first ``chars`` characters as a news page with its boilerplate."""
    text = SOURCE.read_text(encoding="utf-8")[:chars]
    paras = [f"<p>{html.escape(p.strip())}</p>" for p in text.split("\n") if p.strip()]
    half = len(paras) // 2
    body = "\n".join(
        [
            *paras[:half],
            '<div class="ad">[광고] 반짝세일 무이자할부 지금 바로</div>',
            *paras[half:],
        ]
    )
    return f"""<!doctype html><html lang="ko"><head><meta charset="utf-8">
<title>전기는 남는데 보낼 길이 없다 - 새한일보</title>
<meta property="og:site_name" content="새한일보"></head><body>
<nav><a href="/">홈</a> <a href="/politics">정치</a> <a href="/economy">경제</a> 전체메뉴보기</nav>
<article><h1>전기는 남는데 보낼 길이 없다</h1>{body}</article>
<aside><h3>관련 기사</h3><ul><li><a href="/1">해상풍력 입찰 결과 발표</a></li>
<li><a href="/2">한전 3분기 실적</a></li></ul></aside>
<section class="comments"><h3>댓글</h3><p>좋은 기사 감사합니다</p></section>
<footer>개인정보처리방침 · 청소년보호정책</footer></body></html>""".encode()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.links", description=__doc__)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--answerer", default="extractive", help="extractive (default) or llm")
    args = p.parse_args(argv)
    from qa import Chatbot, Settings, fetch_article

    body = page()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/news/1"
    with tempfile.TemporaryDirectory(prefix="qa-bench-links-") as warm:
        base = Settings.from_env(answerer=args.answerer, index_dir=Path(warm))
        Chatbot(settings=base).ask(QUESTION)  # models loaded, as in a running server
    article = fetch_article(url)
    print(
        f"qa bench.links: a {len(body):,}-byte page, {len(article.text):,} characters of article, "
        f"answerer {args.answerer}, {args.runs} runs"
    )
    rows: dict[str, list[float]] = {"fetch": [], "open": [], "ask": [], "total": []}
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="qa-bench-links-") as tmp:
            settings = Settings.from_env(answerer=args.answerer, index_dir=Path(tmp))
            t0 = time.perf_counter()
            fetch_article(url)
            t1 = time.perf_counter()
            bot = Chatbot(url, settings=settings)  # fetches again, keeps, builds the index
            t2 = time.perf_counter()
            answer = bot.ask(QUESTION)
            t3 = time.perf_counter()
            if FACT not in answer.text:
                raise SystemExit(f"bench: the answer lacks {FACT!r}: {answer.text[:200]!r}")
            rows["fetch"].append(t1 - t0)
            rows["open"].append(t2 - t1)
            rows["ask"].append(t3 - t2)
            rows["total"].append(t3 - t1)
    server.shutdown()
    labels = {
        "total": "link -> first answer (Chatbot(url) + ask)",
        "fetch": "  of which fetch and read the page",
        "open": "  Chatbot(url): fetch, read, keep, index",
        "ask": "  first ask",
    }
    for key in ("total", "fetch", "open", "ask"):
        ms = [x * 1000 for x in rows[key]]
        print(f"{labels[key]:<46}{statistics.median(ms):>9.0f} ms  (min {min(ms):.0f}, max {max(ms):.0f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
