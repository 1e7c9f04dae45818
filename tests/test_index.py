"""The index on disk: reuse, rebuild, and crashes mid-build (real models, real Chroma)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from index import Article, ChunkSettings, E5Embeddings, open_index
from index.article import load_article
from index.errors import ArticleError, StoreError
from tests.conftest import SMALL_ARTICLE, run_together

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def emb() -> E5Embeddings:
    return E5Embeddings()


def _open(article: Article, root: Path, emb: E5Embeddings, **kw):
    return open_index(article, root, emb, emb.model_id, key="festival", **kw)


def test_build_persist_reload_gives_same_sources(tmp_path, emb):
    article = Article.from_text(SMALL_ARTICLE, "festival.txt")
    first, built = _open(article, tmp_path, emb)
    assert built
    again, built_again = _open(article, tmp_path, emb)
    assert not built_again
    assert again.path == first.path
    q = emb.embed_query("셔틀버스는 몇 분 간격으로 다니나요?")
    before, after = first.dense(q, 3), again.dense(q, 3)
    assert [c for c, _ in after] == [c for c, _ in before]
    assert [s for _, s in after] == pytest.approx([s for _, s in before])
    assert [c.text for c in again.chunks] == [c.text for c in first.chunks]
    top = again.chunks[again.dense(q, 1)[0][0]]
    assert "10분 간격" in top.text


def test_closing_an_index_stops_its_store_once_no_other_uses_it(tmp_path, emb):
    article = Article.from_text(SMALL_ARTICLE, "festival.txt")
    first, _ = _open(article, tmp_path, emb)  # built: the build's own client is closed already
    again, _ = _open(article, tmp_path, emb)
    store = str(first.path / "chroma")
    first.close()
    assert store in _live_stores()  # the other index still uses the folder
    q = emb.embed_query("셔틀버스는 몇 분 간격으로 다니나요?")
    assert "10분 간격" in again.chunks[again.dense(q, 1)[0][0]].text
    again.close()
    again.close()  # twice is harmless
    assert store not in _live_stores()
    with pytest.raises(StoreError):
        again.dense(q, 1)


def _live_stores() -> set[str]:
    """The folders of the Chroma stores loaded in this process (Chroma's own registry)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    return set(SharedSystemClient._identifier_to_system)


def test_a_chroma_client_passed_in_keeps_the_index(tmp_path, emb):
    import chromadb

    client = chromadb.PersistentClient(path=str(tmp_path / "given"))
    a = Article.from_text(SMALL_ARTICLE, "festival.txt")
    try:
        first, built = open_index(a, tmp_path / "cache", emb, emb.model_id, client=client)
        assert built and first.client is None  # the caller's client: the caller closes it
        again, built = open_index(a, tmp_path / "cache", emb, emb.model_id, client=client)
        assert not built and "Chroma store in" in again.store
        q = emb.embed_query("셔틀버스는 몇 분 간격으로 다니나요?")
        assert "10분 간격" in again.chunks[again.dense(q, 1)[0][0]].text
        names = sorted(c.name for c in client.list_collections())
        assert len(names) == 2 and names[1] == names[0] + "-s"  # chunks and sentences, no lock left
        assert not list((tmp_path / "cache").glob("*/current.json"))  # no folder index was built
    finally:
        client.close()


@pytest.mark.parametrize(
    "given, error, message",
    [
        ({"client": "http://127.0.0.1:8000"}, TypeError, "client must be a Chroma client .* got str"),
        ({"client": object(), "chroma_url": "http://127.0.0.1:8000"}, ValueError, "a client or a chroma_url"),
    ],
)
def test_a_client_is_checked_before_anything_is_built(tmp_path, given, error, message):
    article = Article.from_text(SMALL_ARTICLE, "festival.txt")
    with pytest.raises(error, match=message):
        open_index(article, tmp_path, None, "unused", **given)
    assert not any(tmp_path.iterdir())


def test_changed_article_or_settings_rebuild(tmp_path, emb):
    a = Article.from_text(SMALL_ARTICLE, "festival.txt")
    first, _ = _open(a, tmp_path, emb)
    b = Article.from_text(SMALL_ARTICLE.replace("45만명", "50만명"), "festival.txt")
    second, built = _open(b, tmp_path, emb)
    assert built and second.path != first.path
    assert "50만명" in second.article.text
    assert not first.path.exists()  # the old build is gone, not left to be served
    third, built = _open(b, tmp_path, emb, chunking=ChunkSettings(max_chars=200, min_chars=50))
    assert built and third.fingerprint["chunking"]["max_chars"] == 200


# A child that builds ``festival.txt`` (from argv[2]) into argv[1] and stops, printing
# "AT <point>", at one moment of the build, where the test kills it with SIGKILL.
_CRASHING_BUILD = textwrap.dedent(
    """
    import os, shutil, sys, time
    from pathlib import Path
    import chromadb.api.models.Collection as collection
    from index import Article, E5Embeddings, open_index
    import index.store

    root, text, point = Path(sys.argv[1]), Path(sys.argv[2]).read_text(encoding="utf-8"), sys.argv[3]
    emb = E5Embeddings()

    def stop(at):
        if at == point:
            print("AT", at, flush=True)
            time.sleep(600)

    def progress(done, total):
        if done > 0:
            stop("embedding")

    real_add, real_replace, real_rmtree = collection.Collection.add, os.replace, shutil.rmtree

    def add(self, *a, **kw):
        real_add(self, *a, **kw)
        stop("chroma")  # the records are in Chroma; its files are not closed

    def replace(src, dst):
        stop({"manifest.json": "manifest", "current.json": "swap"}.get(Path(dst).name))
        real_replace(src, dst)

    def rmtree(path, **kw):
        stop("cleanup")  # current.json already names the new build
        real_rmtree(path, **kw)

    collection.Collection.add, os.replace, shutil.rmtree = add, replace, rmtree
    open_index(Article.from_text(text, "festival.txt"), root, emb, emb.model_id,
               key="festival", progress=progress)
    print("FINISHED", flush=True)
    """
)

KILL_POINTS = ["embedding", "chroma", "manifest", "swap", "cleanup"]


def _kill_at(point: str, root: Path, article_file: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", _CRASHING_BUILD, str(root), str(article_file), point],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == f"AT {point}"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


@pytest.mark.parametrize("point", KILL_POINTS)
def test_kill_9_at_any_moment_then_restart_serves_a_whole_index(tmp_path, emb, point):
    old = Article.from_text(SMALL_ARTICLE, "festival.txt")
    live, _ = _open(old, tmp_path, emb)
    new_file = tmp_path / "new.txt"
    new_file.write_text(SMALL_ARTICLE.replace("45만명", "99만명"), encoding="utf-8")
    new = Article.from_text(new_file.read_text(encoding="utf-8"), "festival.txt")

    _kill_at(point, tmp_path, new_file)

    q = emb.embed_query("방문객은 몇 명으로 예상되나요?")
    if point != "cleanup":
        # The new build was not made live: the old article still serves, whole.
        again, built = _open(old, tmp_path, emb)
        assert not built and again.path == live.path
        assert "45만명" in again.chunks[again.dense(q, 1)[0][0]].text
    # A restart asking for the new article serves it whole: built now, or (killed
    # after it went live) the build the child finished.
    fresh, built = _open(new, tmp_path, emb)
    assert built == (point != "cleanup")
    assert len(fresh.chunks) == len(live.chunks) and len(fresh.sentences) == len(live.sentences)
    assert "99만명" in fresh.chunks[fresh.dense(q, 1)[0][0]].text
    if built:  # and it cleared what the killed build left
        assert [p.name for p in fresh.path.parent.glob("b-*")] == [fresh.path.name]
        assert not list(fresh.path.parent.glob(".*.tmp"))


# Two processes open one empty index directory at the same moment (each waits for
# "go" on stdin once its models are loaded); each prints whether it built.
_RACING_OPEN = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from index import Article, E5Embeddings, open_index

    root, text = Path(sys.argv[1]), Path(sys.argv[2]).read_text(encoding="utf-8")
    emb = E5Embeddings()
    emb.embed_query("warm up")
    calls = []
    print("READY", flush=True)
    sys.stdin.readline()
    index, built = open_index(Article.from_text(text, "festival.txt"), root, emb, emb.model_id,
                              key="festival", progress=lambda done, total: calls.append(done))
    top = index.chunks[index.dense(emb.embed_query("셔틀버스 간격"), 1)[0][0]].text
    print(json.dumps({"built": built, "path": str(index.path), "embedded": len(calls), "top": top}))
    """
)


def test_two_processes_on_one_empty_dir_build_once_and_both_answer(tmp_path, small_article):
    root = tmp_path / "index"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _RACING_OPEN, str(root), str(small_article)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = run_together(procs)
    assert sorted(r["built"] for r in results) == [False, True]
    assert sorted(r["embedded"] > 0 for r in results) == [False, True]  # one embedded, once
    assert results[0]["path"] == results[1]["path"]
    assert all("10분 간격" in r["top"] for r in results)


def _part(build: Path, pattern: str) -> Path:
    return next(build.glob(pattern))


# (what is damaged, how, the part the warning names)
DAMAGE = [
    ("current.json", "truncate", "current.json"),
    ("current.json", "delete", "current.json"),
    ("manifest.json", "truncate", "manifest.json"),
    ("manifest.json", "delete", "manifest.json"),
    ("vectors.npy", "truncate", "vectors.npy"),
    ("chroma/chroma.sqlite3", "truncate", "chroma"),
    ("chroma/chroma.sqlite3", "delete", "chroma"),
    ("chroma", "delete", "chroma"),
]


@pytest.mark.parametrize("part, how, named", DAMAGE, ids=[f"{p}-{h}" for p, h, _ in DAMAGE])
def test_damaged_part_gives_a_warning_and_a_rebuild(tmp_path, emb, caplog, part, how, named):
    a = Article.from_text(SMALL_ARTICLE, "festival.txt")
    first, _ = _open(a, tmp_path, emb)
    target = first.path.parent / part if part == "current.json" else first.path / part
    if how == "delete":
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    else:
        with open(target, "r+b") as fh:
            fh.truncate(target.stat().st_size // 3)
    first.close()  # as a restarted process: no Chroma store kept loaded

    with caplog.at_level("WARNING", logger="index.store"):
        second, built = _open(a, tmp_path, emb)
    assert built and second.path != first.path
    assert second.rebuilt_because.startswith("damaged") and named in second.rebuilt_because
    assert any(named in r.getMessage() and "rebuilding" in r.getMessage() for r in caplog.records)
    q = emb.embed_query("셔틀버스는 몇 분 간격으로 다니나요?")
    assert "10분 간격" in second.chunks[second.dense(q, 1)[0][0]].text
    third, built = _open(a, tmp_path, emb)  # and the rebuilt one is reused
    assert not built and third.path == second.path


def test_deleted_vector_segment_still_answers_the_same(tmp_path, emb):
    """Chroma rebuilds its HNSW segment from its own log when the segment files go;
    the probe on open checks the store still finds a chunk by its vector."""
    a = Article.from_text(SMALL_ARTICLE, "festival.txt")
    first, _ = _open(a, tmp_path, emb)
    q = emb.embed_query("셔틀버스는 몇 분 간격으로 다니나요?")
    before = first.dense(q, 3)
    segment = _part(first.path, "chroma/*-*")
    shutil.rmtree(segment)
    first.close()
    again, built = _open(a, tmp_path, emb)
    assert not built
    assert [c for c, _ in again.dense(q, 3)] == [c for c, _ in before]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"   \n\n  ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("기사 본문".encode("cp949"), "not UTF-8"),
    ],
)
def test_bad_article_files_are_refused(tmp_path, data, message):
    p = tmp_path / "bad.txt"
    p.write_bytes(data)
    with pytest.raises(ArticleError, match=message):
        load_article(p)


def test_missing_article_file(tmp_path):
    with pytest.raises(ArticleError, match="no article file"):
        load_article(tmp_path / "nope.txt")


def test_the_embedders_openmp_settings_stay_with_it(monkeypatch):
    """OMP_WAIT_POLICY and OMP_NUM_THREADS are set while e5's engine loads and put back
    after, so that llama.cpp and its worker process do not inherit them."""
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    emb = E5Embeddings(threads=2)
    assert emb.threads == 2
    assert "OMP_WAIT_POLICY" not in os.environ
    assert os.environ["OMP_NUM_THREADS"] == "7"
    assert len(emb.embed_query("티카드")) == 384
