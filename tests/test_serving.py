"""Bounded memory: engines kept least-recently-used, uploads bounded per session and in all.

Real models, a real Chroma in a temporary folder, the web chat's own session class.
"""

from __future__ import annotations

import gc
import socket
from pathlib import Path

import pytest

import qa.engine
from qa import Chatbot, ConfigError, LimitError, ModelError, Serving, Settings
from qa.engine import _engines, engine, keep_engines
from tests.conftest import SMALL_ARTICLE
from ui.session import Session, Uploads, store_upload

pytestmark = pytest.mark.slow

QUESTION, FACT = "셔틀버스는 몇 분 간격으로 운행돼?", "10분"


def articles(folder: Path, n: int) -> list[Path]:
    """``n`` short articles, each a different text (so a different index)."""
    paths = []
    for i in range(n):
        p = folder / f"festival{i}.txt"
        p.write_text(SMALL_ARTICLE + f"\n(사본 {i})\n", encoding="utf-8")
        paths.append(p)
    return paths


@pytest.fixture
def keep(monkeypatch):
    """``keep_engines``, the process's bound, put back as it was after the test."""
    monkeypatch.setattr(qa.engine, "_keep", qa.engine._keep)
    return keep_engines


def chroma_stores() -> set[str]:
    from chromadb.api.shared_system_client import SharedSystemClient

    return set(SharedSystemClient._identifier_to_system)


def test_engines_beyond_the_bound_are_dropped_and_a_held_chatbot_keeps_working(tmp_path, keep):
    keep(2)
    settings = Settings(index_dir=tmp_path / "index", answerer="extractive")
    a, b, c = articles(tmp_path, 3)
    held = Chatbot(a, settings=settings)
    store_a = str(held.index.path / "chroma")
    for path in (b, c):
        assert FACT in Chatbot(path, settings=settings).ask(QUESTION).text
    assert len(_engines) <= 2
    # Dropped from the cache, the engine still serves the chatbot that holds it,
    # and a new chatbot on that article shares it instead of opening it again.
    assert FACT in held.ask(QUESTION).text and store_a in chroma_stores()
    again = Chatbot(a, settings=settings)
    assert again._engine is held._engine
    # Once no one holds it and it is not among the most recent, its Chroma store goes.
    for path in (b, c):
        Chatbot(path, settings=settings)
    del held, again  # no gc.collect(): a server lets go as soon as no one holds the engine
    engine(settings.with_(article=b))  # releases happen on the cache's next use
    assert store_a not in chroma_stores()
    # Asked about again, it opens from disk: reused, not rebuilt.
    back = Chatbot(a, settings=settings)
    assert not back.rebuilt and FACT in back.ask(QUESTION).text


def test_a_dropped_engine_leaves_the_store_another_engine_uses(tmp_path, keep):
    keep(1)
    settings = Settings(index_dir=tmp_path / "index", answerer="extractive")
    a, b = articles(tmp_path, 2)
    one = Chatbot(a, settings=settings)
    other = Chatbot(a, settings=settings.with_(top_k=settings.top_k + 1))  # its own engine, one folder
    assert one._engine is not other._engine and one.index.path == other.index.path
    store = str(one.index.path / "chroma")
    del one
    gc.collect()
    Chatbot(b, settings=settings)  # the first engine's index is closed here
    assert store in chroma_stores() and FACT in other.ask(QUESTION).text
    del other
    gc.collect()
    engine(settings.with_(article=b))
    assert store not in chroma_stores()


def test_an_engine_that_fails_to_load_closes_its_index(tmp_path):
    with socket.socket() as s:  # a port nothing listens on: the LLM server is down
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/v1"
    settings = Settings(index_dir=tmp_path / "index", answerer="llm", llm_base_url=dead, llm_timeout=5)
    (path,) = articles(tmp_path, 1)
    before = chroma_stores()
    with pytest.raises(ModelError):
        Chatbot(path, settings=settings).ask(QUESTION)
    assert chroma_stores() == before


def test_the_bound_on_engines_is_checked_as_its_variable_is(keep):
    with pytest.raises(ConfigError, match="max_articles must be at least 1; got 0"):
        keep(0)
    with pytest.raises(ConfigError, match="max_articles must be a whole number; got '3'"):
        keep("3")


def test_uploads_are_bounded_per_session_and_in_all(tmp_path):
    settings = Settings(index_dir=tmp_path / "index", answerer="extractive")
    serving = Serving(max_session_uploads=2, max_uploads=3)
    uploads = Uploads(serving.max_uploads)
    stored = [store_upload(p, p.name, settings.index_dir) for p in articles(tmp_path, 4)]
    one, two = Session(settings, uploads, serving), Session(settings, uploads, serving)
    one.add(stored[0], "a.txt")
    one.add(stored[1], "b.txt")
    with pytest.raises(LimitError, match="this session already has 2 uploaded articles"):
        one.add(stored[2], "c.txt")
    one.add(stored[0], "a.txt")  # one it has already is no new upload
    assert FACT in one.ask(QUESTION).text and one.article.name == "a.txt"

    two.add(stored[0], "a.txt")  # held by both, counted once
    two.add(stored[2], "c.txt")
    three = Session(settings, uploads, serving)
    with pytest.raises(LimitError, match="the server holds 3 uploaded articles"):
        three.add(stored[3], "d.txt")
    assert len(uploads) == 3 and three.article.name == "kt_mongolia.txt"  # the refusal changed nothing
    one.close()  # a session that ends lets go of its uploads (b; a is still two's)
    one.close()  # Gradio may drop it twice (closed, then expired): still counted once
    three.add(stored[3], "d.txt")
    assert FACT in three.ask(QUESTION).text and len(uploads) == 3
    assert one.choices() == [("kt_mongolia.txt (기본 · default)", "bundled")]


def test_a_session_keeps_its_conversation_not_an_index(tmp_path):
    settings = Settings(index_dir=tmp_path / "index", answerer="extractive")
    s = Session(settings)
    s.ask("BC카드 단말기에서 쓸 수 있게 되는 몽골 카드 이름이 뭐야?")
    assert "70%" in s.ask("그걸 쓰는 사람은 몇 퍼센트야?").text
    assert not [v for v in vars(s).values() if isinstance(v, Chatbot)]
    s.reset()
    assert not s.ask("그걸 쓰는 사람은 몇 퍼센트야?").found


def test_an_upload_named_with_dot_dots_stays_in_the_uploads_folder(tmp_path):
    (src,) = articles(tmp_path, 1)
    stored = store_upload(src, "../../../etc/passwd.txt", tmp_path / "index")
    assert stored.parent == tmp_path / "index" / "uploads" and len(stored.stem) == 32
    assert not (tmp_path / "etc").exists()
