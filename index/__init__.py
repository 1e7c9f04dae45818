"""Build and open an article's index: sentences, chunks, Chroma vectors, BM25.

``article`` reads and checks the text; ``korean`` (over ``kiwi``'s analysers)
finds sentences and search terms; ``chunking`` groups sentences; ``parts``
embeds them and names a build by its fingerprint; ``store`` keeps an index in
a folder and ``remote`` in a Chroma client's collections (a server's, or one
passed in); ``live`` is the open index both return.

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
    from index.live import ArticleIndex
    from index.store import open_index

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
    "ArticleIndex": "index.live",
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
