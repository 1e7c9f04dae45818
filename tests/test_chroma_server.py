"""Indexes on a Chroma server (QA_CHROMA_URL): a real `chroma run` on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from index import Article, ChunkSettings, E5Embeddings, open_index, remote
from qa import Chatbot, QAError, Settings
from tests.conftest import SMALL_ARTICLE, run_together

pytestmark = pytest.mark.slow

CHROMA = Path(sys.executable).with_name("chroma")


class ChromaServer:
    """``chroma run`` on a free port of 127.0.0.1, storing under ``path``; stop and start again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        argv = [str(CHROMA), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)]
        self.proc = subprocess.Popen(
            argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2):
                    return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"chroma run did not start on port {self.port}") from None
                time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
            self.proc = None

    def collections(self) -> list[str]:
        return sorted(c.name for c in remote.client_for(self.url).list_collections())


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ChromaServer]:
    if not CHROMA.exists():
        pytest.fail(f"no chroma command beside {sys.executable}: pip install chromadb", pytrace=False)
    s = ChromaServer(tmp_path / "chroma-server")
    s.start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def emb() -> E5Embeddings:
    return E5Embeddings()


def _open(article: Article, server: ChromaServer, root: Path, emb: E5Embeddings, **kw):
    return open_index(article, root, emb, emb.model_id, chroma_url=server.url, **kw)


# A `qa serve` on its own machine: its own index_dir and its own copy of the article,
# waiting for "go" once its models are loaded. Prints whether it built, and an answer.
_MACHINE = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from qa import Chatbot, Settings
    from qa.engine import shared_embeddings

    url, index_dir, article = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    shared_embeddings("e5", 1)
    print("READY", flush=True)
    sys.stdin.readline()
    settings = Settings(chroma_url=url, index_dir=index_dir, article=article, answerer="extractive")
    # The builder holds the server's build lock a moment longer, so that the other
    # process surely finds it held.
    bot = Chatbot(settings=settings, progress=lambda done, total: time.sleep(1) if done == 0 else None)
    answer = bot.ask("셔틀버스는 몇 분 간격으로 다니나요?")
    print(json.dumps({"rebuilt": bot.rebuilt, "found": answer.found, "text": answer.text,
                      "local": sorted(p.name for p in index_dir.rglob("*"))}))
    """
)


def test_two_machines_share_one_server_and_build_once(tmp_path, server):
    procs = []
    for machine in ("a", "b"):
        home = tmp_path / machine
        home.mkdir()
        (home / "festival.txt").write_text(SMALL_ARTICLE, encoding="utf-8")
        argv = [sys.executable, "-c", _MACHINE, server.url, str(home / "index"), str(home / "festival.txt")]
        procs.append(subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
    results = run_together(procs)
    assert sorted(r["rebuilt"] for r in results) == [False, True]
    assert all(r["found"] and "10분 간격" in r["text"] for r in results)
    assert all(r["local"] == [] for r in results)  # nothing of the index on either machine
    names = server.collections()
    assert len(names) == 2 and names[1] == names[0] + "-s"  # one index; no lock, no leftovers


def test_index_for_another_article_or_chunking_is_not_reused(tmp_path, server, emb):
    a = Article.from_text(SMALL_ARTICLE, "festival.txt")
    first, built = _open(a, server, tmp_path, emb)
    assert built
    again, built = _open(Article.from_text(SMALL_ARTICLE, "elsewhere/festival.txt"), server, tmp_path, emb)
    assert not built  # the same article from another path meets the same index
    assert [c.text for c in again.chunks] == [c.text for c in first.chunks]
    assert again.sentence_terms == first.sentence_terms
    assert (again.sentence_vectors == first.sentence_vectors).all()

    b = Article.from_text(SMALL_ARTICLE.replace("45만명", "50만명"), "festival.txt")
    other, built = _open(b, server, tmp_path, emb)
    assert built
    q = emb.embed_query("방문객은 몇 명으로 예상되나요?")
    assert "50만명" in other.chunks[other.dense(q, 1)[0][0]].text
    assert "45만명" in first.chunks[first.dense(q, 1)[0][0]].text  # the first is still served
    smaller, built = _open(a, server, tmp_path, emb, chunking=ChunkSettings(max_chars=200, min_chars=50))
    assert built and smaller.fingerprint["chunking"]["max_chars"] == 200
    assert len(server.collections()) == 6  # three indexes, two collections each


def test_damaged_index_on_the_server_is_named_and_rebuilt(tmp_path, server, emb, caplog):
    a = Article.from_text(SMALL_ARTICLE, "festival.txt")
    first, _ = _open(a, server, tmp_path, emb)
    name = remote.collection_name(first.fingerprint)
    remote.client_for(server.url).delete_collection(f"{name}-s")  # the sentences are gone
    with caplog.at_level("WARNING", logger="index.remote"):
        again, built = _open(a, server, tmp_path, emb)
    assert built and again.rebuilt_because.startswith("damaged") and name in again.rebuilt_because
    assert any("rebuilding it" in r.getMessage() for r in caplog.records)
    assert (again.sentence_vectors == first.sentence_vectors).all()
    assert server.collections() == [name, f"{name}-s"]


# A build on the server stopped by SIGKILL at one moment (argv[3]).
_CRASHING_BUILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import index.remote
    from index import Article, E5Embeddings, open_index

    url, root, point = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    emb = E5Embeddings()

    def stop(at):
        if at == point:
            print("AT", at, flush=True)
            time.sleep(600)

    def progress(done, total):
        if done > 0:
            stop("embedding")

    real_publish = index.remote.publish

    def publish(collection, name):
        stop("publish")  # every record is written, under the temporary name
        real_publish(collection, name)

    index.remote.publish = publish
    open_index(Article.from_text(sys.argv[4], "festival.txt"), root, emb, emb.model_id,
               chroma_url=url, progress=progress)
    """
)


@pytest.mark.parametrize("point", ["embedding", "publish"])
def test_killed_build_is_never_served_and_is_taken_over(tmp_path, server, emb, monkeypatch, caplog, point):
    proc = subprocess.Popen(
        [sys.executable, "-c", _CRASHING_BUILD, server.url, str(tmp_path), point, SMALL_ARTICLE],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == f"AT {point}"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    a = Article.from_text(SMALL_ARTICLE, "festival.txt")
    left = server.collections()
    assert any(n.endswith("-lock") for n in left)  # the dead builder's lock
    assert not [n for n in left if n.startswith("qa-") and len(n) == len("qa-") + 32]  # nothing published

    monkeypatch.setattr(remote, "STALE_AFTER", 1.0)  # instead of waiting 30 s for the dead builder
    with caplog.at_level("WARNING", logger="index.remote"):
        index, built = _open(a, server, tmp_path, emb)
    assert built
    assert any("taking it over" in r.getMessage() for r in caplog.records)
    q = emb.embed_query("셔틀버스는 몇 분 간격으로 다니나요?")
    assert "10분 간격" in index.chunks[index.dense(q, 1)[0][0]].text
    assert len(server.collections()) == 2  # the half-built collections and the lock are gone


def test_server_going_away_gives_a_clear_error_then_answers_resume(tmp_path, server, small_article):
    settings = Settings(chroma_url=server.url, index_dir=tmp_path / "index", answerer="extractive")
    bot = Chatbot(small_article, settings=settings)
    question = "셔틀버스는 몇 분 간격으로 다니나요?"
    assert "10분 간격" in bot.ask(question).text

    server.stop()
    with pytest.raises(QAError, match=f"Chroma server {server.url}.*ask again"):
        bot.ask(question)
    with pytest.raises(QAError, match="cannot reach the Chroma server"):
        Chatbot(small_article, settings=settings.with_(chroma_url="http://127.0.0.1:9"))

    server.start()  # the same data, the same port
    answer = bot.ask(question)
    assert answer.found and "10분 간격" in answer.text
