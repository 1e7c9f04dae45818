"""Build and open an article's index: sentences, chunks, Chroma vectors, BM25.

The names below load on first use, so that importing ``index.korean`` (or
starting its Kiwi helper process) does not pull in LangChain and Chroma.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from index.article import Article, load_article
    from index.chunking import Chunk, ChunkSettings, Sentence, split
    from index.embeddings import E5Embeddings, make_embeddings
    from index.errors import ArticleError, IndexBuildError, IndexingError, StoreError
    from index.store import ArticleIndex, open_index

_HOME = {
    "Article": "index.article",
    "load_article": "index.article",
    "Chunk": "index.chunking",
    "ChunkSettings": "index.chunking",
    "Sentence": "index.chunking",
    "split": "index.chunking",
    "E5Embeddings": "index.embeddings",
    "make_embeddings": "index.embeddings",
    "ArticleError": "index.errors",
    "IndexBuildError": "index.errors",
    "IndexingError": "index.errors",
    "StoreError": "index.errors",
    "ArticleIndex": "index.store",
    "open_index": "index.store",
}

__all__ = [
    "Article",
    "ArticleError",
    "ArticleIndex",
    "Chunk",
    "ChunkSettings",
    "E5Embeddings",
    "IndexBuildError",
    "IndexingError",
    "Sentence",
    "StoreError",
    "load_article",
    "make_embeddings",
    "open_index",
    "split",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'index' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
