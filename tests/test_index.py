"""The index on disk: reuse, rebuild, and crashes mid-build (real models, real Chroma)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from index import Article, ChunkSettings, E5Embeddings, open_index
from index.article import load_article
from index.errors import ArticleError
from tests.conftest import SMALL_ARTICLE

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


def test_damaged_index_is_rebuilt_not_served(tmp_path, emb):
    a = Article.from_text(SMALL_ARTICLE, "festival.txt")
    first, _ = _open(a, tmp_path, emb)
    (first.path / "vectors.npy").write_bytes(b"garbage")
    second, built = _open(a, tmp_path, emb)
    assert built and second.path != first.path
    current = json.loads((second.path.parent / "current.json").read_text())
    assert current["build"] == second.path.name


_CRASHING_BUILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from index import Article, E5Embeddings, open_index

    root, text = Path(sys.argv[1]), Path(sys.argv[2]).read_text(encoding="utf-8")
    emb = E5Embeddings()

    def progress(done, total):
        if done > 0:
            print("BUILDING", flush=True)
            time.sleep(600)

    open_index(Article.from_text(text, "festival.txt"), root, emb, emb.model_id,
               key="festival", progress=progress)
    """
)


def test_killed_build_leaves_old_index_serving(tmp_path, emb):
    old = Article.from_text(SMALL_ARTICLE, "festival.txt")
    live, _ = _open(old, tmp_path, emb)
    new_text = tmp_path / "new.txt"
    new_text.write_text(SMALL_ARTICLE.replace("45만명", "99만명"), encoding="utf-8")

    proc = subprocess.Popen(
        [sys.executable, "-c", _CRASHING_BUILD, str(tmp_path), str(new_text)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "BUILDING"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    # The half-written build is on disk but not live: the old article still serves.
    builds = sorted(p.name for p in live.path.parent.glob("b-*"))
    assert len(builds) == 2
    again, built = _open(old, tmp_path, emb)
    assert not built and again.path == live.path
    assert "45만명" in again.article.text
    # Asking for the new article builds it cleanly and clears the leftovers.
    fresh, built = _open(Article.from_text(new_text.read_text(), "festival.txt"), tmp_path, emb)
    assert built and [p.name for p in fresh.path.parent.glob("b-*")] == [fresh.path.name]


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
