"""The heavy, shareable part of a chatbot: embeddings, index, retriever, writer, pipeline.

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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings
from langchain_core.language_models.chat_models import BaseChatModel

from index import ChunkSettings, make_embeddings, open_index
from index.errors import IndexBuildError
from index.remote import check_client
from qa.article import Article, load_article
from qa.core.judge import YesNo
from qa.core.model import Model, shipped_model
from qa.core.pointing import Copies
from qa.core.retrieve import HybridRetriever
from qa.errors import ConfigError, IndexError_
from qa.pipeline import Pipeline
from qa.settings import Serving, Settings, bundled_article
from qa.write.base import Writer
from qa.write.extractive import ExtractiveWriter

if TYPE_CHECKING:
    from qa.backends.chat import Choice

Progress = Callable[[int, int], None]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Parts:
    """Parts given to a chatbot instead of the ones its settings name (``None``: the
    settings' own). Tests, ``fit/`` and ``bench/`` pass them; so may any program.

    ``embeddings``: any LangChain :class:`Embeddings`; ``chat_model``: any LangChain
    chat model, the LLM writer's (ignored when ``answerer="extractive"``); ``store``: a
    Chroma client (``chromadb.EphemeralClient()``, ``HttpClient(...)``) to keep the
    index in; ``model``: the fitted ranker and decision (``qa.core.model.Model``).
    """

    embeddings: Embeddings | None = None
    chat_model: BaseChatModel | None = None
    store: Any = None
    model: Model | None = None

    def __post_init__(self) -> None:
        for name, kind, what in (
            ("embeddings", Embeddings, "a LangChain Embeddings"),
            ("chat_model", BaseChatModel, "a LangChain chat model"),
            ("model", Model, "a qa.core.model.Model"),
        ):
            value = getattr(self, name)
            if value is not None and not isinstance(value, kind):
                raise ConfigError(f"{name} must be {what}; got {type(value).__name__}")
        if self.store is not None:
            try:
                check_client(self.store)
            except TypeError as e:
                raise ConfigError(f"store: {e}") from None

    def key(self) -> tuple[int, ...]:
        """The parts' identities, for the engine cache: the same objects share an engine."""
        return tuple(id(p) for p in (self.embeddings, self.chat_model, self.store, self.model))


def _article(settings: Settings) -> tuple[Article, str]:
    path = settings.article or bundled_article()
    return load_article(path), str(Path(path).resolve())


_embeddings: dict[tuple[str, int], tuple[Embeddings, str]] = {}
_embeddings_lock = threading.Lock()


def shared_embeddings(spec: str, threads: int) -> tuple[Embeddings, str]:
    """One embedding model per process, shared by every article's engine (the bundled
    e5 holds ~75 MB; an engine per uploaded article must not hold its own)."""
    with _embeddings_lock:
        if (spec, threads) not in _embeddings:
            _embeddings[spec, threads] = make_embeddings(spec, threads)
        return _embeddings[spec, threads]


def _embedder_id(embeddings: Embeddings) -> str:
    """What names a given embeddings object in an index's fingerprint: the id
    ``make_embeddings`` gives the same model (so its index and fitted models are the
    settings' own), else its class and model name."""
    if model_id := getattr(embeddings, "model_id", None):
        return str(model_id)
    if model_name := getattr(embeddings, "model_name", None):  # LangChain's HuggingFaceEmbeddings
        return f"st:{model_name}"
    return f"{type(embeddings).__module__}.{type(embeddings).__qualname__}"


class Engine:
    """The heavy, shareable part of a chatbot: models, index, pipeline. Holds no conversation."""

    def __init__(
        self,
        settings: Settings,
        article: Article,
        key: str,
        progress: Progress | None = None,
        parts: Parts | None = None,
    ) -> None:
        parts = parts or Parts()
        self.settings = settings
        #: Seconds spent loading each part, for benchmarks and logs.
        self.load_timings: dict[str, float] = {}
        choice: Choice | None = None
        if settings.answerer != "extractive" and parts.chat_model is None:
            from qa.backends.chat import choose

            # A worker's model loads in its process while this one opens the index.
            choice = choose(settings)
        t = time.perf_counter()
        if parts.embeddings is not None:
            self.embeddings, embedder_id = parts.embeddings, _embedder_id(parts.embeddings)
        else:
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
                client=parts.store,
            )
        except IndexBuildError as e:
            raise IndexError_(str(e)) from None
        except OSError as e:
            raise IndexError_(f"cannot use the index directory {str(settings.index_dir)!r}: {e}") from e
        self.load_timings["open_index"] = time.perf_counter() - t
        self.retriever = HybridRetriever(
            index=self.index, embeddings=self.embeddings, k=settings.top_k, fetch_k=settings.fetch_k
        )
        extractive = ExtractiveWriter(self.index)
        # The LLM (when used) is ready from here on, once per process, so no question waits for it.
        t = time.perf_counter()
        try:
            writer = self._writer(settings, parts, choice, extractive, self.embeddings)
        except BaseException:
            self.index.close()  # no engine is made, so nothing else would close it
            raise
        self.load_timings["writer"] = time.perf_counter() - t
        self.pipeline = Pipeline(
            self.index,
            self.retriever,
            parts.model or shipped_model(embedder_id),
            writer=writer,
            # The pointing LLM also reads or judges the evidence, when it can hold its reply to
            # a copy or score a reply's first token.
            judge=model if isinstance(model := getattr(writer, "model", None), (YesNo, Copies)) else None,
            top_k=settings.top_k,
        )

    @staticmethod
    def _writer(
        settings: Settings,
        parts: Parts,
        choice: Choice | None,
        extractive: ExtractiveWriter,
        embeddings: Embeddings,
    ) -> Writer | None:
        if settings.answerer == "extractive":  # the LLM stack is not even imported
            return None
        from qa.backends.chat import Choice
        from qa.write.point import pointing_writer

        if parts.chat_model is not None:
            choice = Choice(parts.chat_model, parts.chat_model.get_name(), strict=settings.answerer == "llm")
        assert choice is not None  # chosen in __init__ when no chat model was given
        writer, why = pointing_writer(choice, extractive, embeddings)
        if writer is None:
            log.info("answering without the LLM: %s", why)
        return writer


class _Engines:
    """The process's engines: the ``limit`` most recently used are kept (the process's bound,
    :func:`keep_engines`), older ones dropped (a chatbot still holding one keeps using it),
    and the index of an engine no one holds any more is closed, which gives back its Chroma
    store's memory (~4 MB for a short article).

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

    def forget(self, key: str) -> None:
        """Drop the engines of the article kept at ``key`` (its files are going away)."""
        with self._lock:
            for k in [k for k in self._recent if k[1] == key]:
                del self._recent[k]
            for k in [k for k in list(self._held.keys()) if k[1] == key]:
                self._held.pop(k, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._recent)

    def clear(self) -> None:
        with self._lock:
            self._recent.clear()


_engines = _Engines()

#: How many engines are kept for later chatbots: the process's bound, not a chatbot's
#: setting (two chatbots that differ in it would share one engine anyway).
_keep = Serving().max_articles


def keep_engines(limit: int) -> None:
    """Keep at most ``limit`` engines loaded for later chatbots, the least recently used
    dropped first (``Serving.max_articles``; ``qa serve`` sets it from ``QA_MAX_ARTICLES``)."""
    global _keep
    _keep = Serving(max_articles=limit).max_articles  # checked as QA_MAX_ARTICLES is


def forget(path: Path) -> None:
    """Drop this process's engines of the article at ``path``, whose index is being deleted."""
    _engines.forget(str(Path(path).resolve()))


def engine(settings: Settings, progress: Progress | None = None, parts: Parts | None = None) -> Engine:
    """The engine for these settings (and parts), built once per process and shared by chatbots.

    The process keeps a few for later chatbots (:func:`keep_engines`), the least recently
    used dropped first; a chatbot that holds one keeps it.
    """
    parts = parts or Parts()
    article, key = _article(settings)
    cache_key = (article.sha256, key, dataclasses.astuple(settings), parts.key())
    return _engines.get(cache_key, _keep, lambda: Engine(settings, article, key, progress, parts))
