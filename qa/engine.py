"""The heavy, shareable part of a chatbot: embeddings, index, retriever, writer, chain.

Imported by :class:`qa.Chatbot` on first use, after it has started loading
Kiwi in the background, so the imports here overlap that load.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from pathlib import Path

from langchain_core.embeddings import Embeddings
from langchain_core.runnables import Runnable

from index import ChunkSettings, load_article, make_embeddings, open_index
from index.article import Article
from index.errors import ArticleError as _IndexArticleError
from index.errors import IndexBuildError
from qa.chain import Pipeline, State
from qa.decide import shipped_model
from qa.errors import ArticleError, ConfigError, IndexError_
from qa.retriever import HybridRetriever
from qa.settings import Settings, bundled_article

Progress = Callable[[int, int], None]


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
    from qa import llm

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
            from qa import llm

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
        writer, self.answerer_note = _writer(settings)
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


_engines: dict[tuple[object, ...], Engine] = {}
_engines_lock = threading.Lock()


def engine(settings: Settings, progress: Progress | None = None) -> Engine:
    """The engine for these settings, built once per process and shared by chatbots."""
    article, key = _article(settings)
    cache_key = (article.sha256, key, dataclasses.astuple(settings))
    with _engines_lock:
        eng = _engines.get(cache_key)
        if eng is None:
            eng = Engine(settings, article, key, progress)
            _engines[cache_key] = eng
        return eng
