"""An article by its link, from Python and the CLI, on a real HTTP server on 127.0.0.1
serving the saved pages of ``tests/data/pages``; and disk kept within its bound.

How links are fetched and read (charsets, redirects, bad links, the private-address
guard) is ``test_fetch.py``'s and ``test_documents.py``'s; this is the product's use.
"""

from __future__ import annotations

import os
import subprocess
import sys

from qa import Chatbot, Settings, keep_article, prune_articles, text_article, touch_article
from tests.test_documents import BOILERPLATE

QUESTION = "마을서재의 장서는 개관 때 몇 권이야?"  # the answer is in the article body


def test_a_link_is_asked_about_like_a_file(pages, settings: Settings):
    bot = Chatbot(f"{pages}/news.html", settings=settings)
    a = bot.ask(QUESTION)
    assert a.found and "2만4천 권" in a.text and "2만4천 권" in a.sources[0].evidence
    text = bot.index.article.text
    assert [w for w in BOILERPLATE if w in text] == []  # menus, ads, comments never indexed
    about = bot.about
    assert about["reporter"] == "정하늘" and about["outlet"] == "청솔일보"
    assert about["published"] == "2025-03-14"  # from the page's metadata, kept as a line
    assert about["url"] == f"{pages}/news.html"
    assert bot.ask("이 기사 언제 나온 거야?").sources[0].evidence == "입력 2025-03-14"
    # The same article from another link is the same index, not a second one.
    again = Chatbot(f"{pages}/copy/news.html", settings=settings)
    assert again.index.path == bot.index.path
    assert len(list(settings.index_dir.glob(f"{bot.index.article.sha256[:32]}-*"))) == 1


def test_a_pdf_link_and_pasted_text(pages, settings: Settings):
    assert "2만4천 권" in Chatbot(f"{pages}/news.pdf", settings=settings).ask(QUESTION).text
    pasted = text_article(Chatbot(f"{pages}/news.html", settings=settings).index.article.text)
    bot = Chatbot(keep_article(pasted, settings.index_dir), settings=settings)
    assert "2만4천 권" in bot.ask(QUESTION).text


def test_the_cli_takes_a_link(pages, settings: Settings):
    env = {**os.environ, "QA_INDEX_DIR": str(settings.index_dir), "QA_ANSWERER": "extractive"}
    run = [sys.executable, "-m", "qa"]
    out = subprocess.run([*run, "index", f"{pages}/news.html"], env=env, capture_output=True, text=True)
    assert out.returncode == 0 and "index of 청솔군, 문 닫은" in out.stdout, out.stderr
    out = subprocess.run(
        [*run, "ask", "--article", f"{pages}/news.html", QUESTION], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0 and "2만4천 권" in out.stdout, out.stderr
    out = subprocess.run(
        [*run, "ask", "--article", f"{pages}/missing.html", QUESTION], env=env, capture_output=True, text=True
    )
    assert out.returncode != 0 and "404" in out.stderr and "Traceback" not in out.stderr


def test_kept_articles_stay_within_the_disk_bound(tmp_path):
    settings = Settings(index_dir=tmp_path, answerer="extractive")
    texts = [f"{n}번째 기사다. 한빛시가 {n}월에 빛축제를 연다고 밝혔다.\n" * 40 for n in range(1, 5)]
    paths = [keep_article(text_article(t), tmp_path) for t in texts]
    bots = [Chatbot(p, settings=settings) for p in paths]
    for i, p in enumerate(paths):  # used in this order: the first is the least recent
        os.utime(p, (1_000_000 + i, 1_000_000 + i))
    touch_article(paths[0])  # ...until asked about again
    held = {paths[1].stem}  # a live session holds the second

    def used() -> int:
        return sum(f.stat().st_size for f in tmp_path.rglob("*") if f.is_file())

    per_article = used() / len(paths)
    dropped = prune_articles(tmp_path, int(2.5 * per_article), held)
    assert dropped == [paths[2].stem, paths[3].stem]
    assert paths[0].exists() and paths[1].exists() and not paths[2].exists()
    assert not list(tmp_path.glob(f"{paths[2].stem}-*"))  # its index went with it
    # Asked about again, a dropped article is indexed again, not served from a deleted folder.
    again = Chatbot(keep_article(text_article(texts[2]), tmp_path), settings=settings)
    assert again.rebuilt and "3월에 빛축제" in again.ask("요약해줘").text
    del bots
