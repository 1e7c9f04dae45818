"""The heavy, shareable part of a chatbot: embeddings, index, retriever, writer, chain.

Imported by :class:`qa.Chatbot` on first use, after it has started loading
Kiwi in the background, so the imports here overlap that load.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.runnables import Runnable

from index import ChunkSettings, load_article, make_embeddings, open_index
from index.article import Article
from index.errors import ArticleError as _IndexArticleError
from index.errors import IndexBuildError
from qa.pipeline import Pipeline, State
from qa.core.decide import shipped_model
from qa.errors import ArticleError, ConfigError, IndexError_
from qa.core.retrieve import HybridRetriever
from qa.settings import Settings, bundled_article

Progress = Callable[[int, int], None]

log = logging.getLogger(__name__)


def _article(settings: Settings) -> tuple[Article, str]:
    path = settings.article or bundled_article()
    try:
        article = load_article(path)
    except _IndexArticleError as e:
        raise ArticleError(str(e)) from None
    return article, str(Path(path).resolve())


def _writer(settings: Settings) -> tuple[Runnable[State, State] | None, str]:
    if settings.answerer == "extractive":  # the LLM stack is not even imported
        return None, "answerer is extractive"
    from qa.write import llm

    return llm.writer_for(settings)


_embeddings: dict[tuple[str, int], tuple[Embeddings, str]] = {}
_embeddings_lock = threading.Lock()


def shared_embeddings(spec: str, threads: int) -> tuple[Embeddings, str]:
    """One embedding model per process, shared by every article's engine (the bundled
    e5 holds ~75 MB; an engine per uploaded article must not hold its own)."""
    with _embeddings_lock:
        if (spec, threads) not in _embeddings:
            _embeddings[spec, threads] = make_embeddings(spec, threads)
        return _embeddings[spec, threads]


class Engine:
    """The heavy, shareable part of a chatbot: models, index, chain. Holds no conversation."""

    def __init__(
        self, settings: Settings, article: Article, key: str, progress: Progress | None = None
    ) -> None:
        self.settings = settings
        #: Seconds spent loading each part, for benchmarks and logs.
        self.load_timings: dict[str, float] = {}
        if settings.answerer != "extractive":
            from qa.write import llm

            llm.start_worker(settings)  # the model loads in its process while this one opens the index
        t = time.perf_counter()
        try:
            self.embeddings, embedder_id = shared_embeddings(settings.embeddings, settings.threads)
        except ValueError as e:
            raise ConfigError(str(e)) from None
        except IndexBuildError as e:
            raise IndexError_(str(e)) from None
        self.load_timings["embeddings"] = time.perf_counter() - t
        chunking = ChunkSettings(settings.chunk_chars, settings.min_chunk_chars)
        t = time.perf_counter()
        try:
            self.index, self.rebuilt = open_index(
                article,
                settings.index_dir,
                self.embeddings,
                embedder_id,
                chunking,
                key=key,
                progress=progress,
                chroma_url=settings.chroma_url,
            )
        except IndexBuildError as e:
            raise IndexError_(str(e)) from None
        except OSError as e:
            raise IndexError_(f"cannot use the index directory {str(settings.index_dir)!r}: {e}") from e
        self.load_timings["open_index"] = time.perf_counter() - t
        self.retriever = HybridRetriever(
            index=self.index, embeddings=self.embeddings, k=settings.top_k, fetch_k=settings.fetch_k
        )
        # The LLM (when used) is ready from here on, once per process, so no question waits for it.
        t = time.perf_counter()
        try:
            writer, self.answerer_note = _writer(settings)
        except BaseException:
            self.index.close()  # no engine is made, so nothing else would close it
            raise
        self.load_timings["writer"] = time.perf_counter() - t
        #: Who writes the answers: "llm" or "extractive" (``answerer_note`` says why not the LLM).
        self.answerer = "llm" if writer is not None else "extractive"
        self.pipeline = Pipeline(
            self.index,
            self.retriever,
            top_k=settings.top_k,
            writer=writer,
            model=shipped_model(embedder_id),
        )


class _Engines:
    """The process's engines: the ``max_articles`` most recently used are kept, older ones
    dropped (a chatbot still holding one keeps using it), and the index of an engine no
    one holds any more is closed, which gives back its Chroma store's memory (~4 MB for a
    short article).

    Building an engine (indexing an article) holds only that article's lock, so a question
    about an engine already built never waits for another article's indexing.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._recent: OrderedDict[tuple[object, ...], Engine] = OrderedDict()
        # Engines dropped from ``_recent`` that a chatbot still holds: found again, not rebuilt.
        self._held: weakref.WeakValueDictionary[tuple[object, ...], Engine] = weakref.WeakValueDictionary()
        self._building: dict[tuple[object, ...], threading.Lock] = {}
        self._builds = 0
        self._released: list[Any] = []  # Chroma clients of indexes gone, to close

    def get(self, key: tuple[object, ...], limit: int, build: Callable[[], Engine]) -> Engine:
        eng = self._lookup(key, limit)
        if eng is not None:
            return eng
        with self._lock:
            build_lock = self._building.setdefault(key, threading.Lock())
        with build_lock:
            eng = self._lookup(key, limit)
            if eng is not None:
                return eng
            with self._lock:
                self._builds += 1
            try:
                eng = build()
            finally:
                with self._lock:
                    self._builds -= 1
            if eng.index.client is not None:  # an embedded store (a server's client is shared)
                # On the engine, not the index: an engine goes as soon as no one holds it,
                # its index (in reference cycles) only at the next full garbage collection.
                # Closed later, not in whatever thread lets go of the engine last.
                weakref.finalize(eng, self._released.append, eng.index.client).atexit = False
            with self._lock:
                self._building.pop(key, None)
                self._remember(key, eng, limit)
        return eng

    def _lookup(self, key: tuple[object, ...], limit: int) -> Engine | None:
        with self._lock:
            eng = self._recent.get(key) or self._held.get(key)
            if eng is not None:
                self._remember(key, eng, limit)
            else:
                self._release_unheld()
            return eng

    def _remember(self, key: tuple[object, ...], eng: Engine, limit: int) -> None:
        self._recent[key] = eng
        self._recent.move_to_end(key)
        self._held[key] = eng
        while len(self._recent) > limit:
            self._recent.popitem(last=False)
        self._release_unheld()

    def _release_unheld(self) -> None:
        # Every index holds its own client, and Chroma stops a folder's store when the
        # last client on it closes, so an engine still using the folder keeps it. But
        # only while nothing is being built: opening a folder's store and closing its
        # last client race in Chroma (the store may stop just as a new client gets it).
        if self._builds or not self._released:
            return
        while self._released:
            client = self._released.pop()
            try:
                client.close()
            except Exception:  # a store that fails to stop is still let go of
                log.warning("closing a Chroma store failed", exc_info=True)

    def __len__(self) -> int:
        with self._lock:
            return len(self._recent)

    def clear(self) -> None:
        with self._lock:
            self._recent.clear()


_engines = _Engines()

#: Settings that shape how the process serves, not what an engine is.
_SERVING_FIELDS = ("max_articles", "max_uploads", "max_session_uploads")


def engine(settings: Settings, progress: Progress | None = None) -> Engine:
    """The engine for these settings, built once per process and shared by chatbots.

    At most ``settings.max_articles`` engines are kept for later chatbots, the least
    recently used dropped first; a chatbot that holds one keeps it.
    """
    article, key = _article(settings)
    shape = settings.with_(**{f: getattr(Settings, f) for f in _SERVING_FIELDS})
    cache_key = (article.sha256, key, dataclasses.astuple(shape))
    return _engines.get(cache_key, settings.max_articles, lambda: Engine(settings, article, key, progress))
