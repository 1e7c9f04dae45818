"""Build and open an article's index: sentences, chunks, Chroma vectors, BM25.

``documents`` reads an article out of a web page, a PDF, a .docx or text;
``fetch`` fetches one from a link, refusing private addresses when asked
(``index.fetch.fetch`` itself is not re-exported: the name is the module's);
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
    from index.documents import Document, PageMeta, read_document
    from index.embeddings import E5Embeddings, make_embeddings
    from index.errors import ArticleError, FetchError, IndexBuildError, IndexingError, StoreError
    from index.fetch import Fetched, FetchPolicy, load_url
    from index.live import ArticleIndex
    from index.store import open_index

_HOME = {
    "Article": "index.article",
    "load_article": "index.article",
    "Chunk": "index.chunking",
    "ChunkSettings": "index.chunking",
    "Sentence": "index.chunking",
    "split": "index.chunking",
    "Document": "index.documents",
    "PageMeta": "index.documents",
    "read_document": "index.documents",
    "E5Embeddings": "index.embeddings",
    "make_embeddings": "index.embeddings",
    "ArticleError": "index.errors",
    "FetchError": "index.errors",
    "IndexBuildError": "index.errors",
    "IndexingError": "index.errors",
    "StoreError": "index.errors",
    "Fetched": "index.fetch",
    "FetchPolicy": "index.fetch",
    "load_url": "index.fetch",
    "ArticleIndex": "index.live",
    "open_index": "index.store",
}

__all__ = [
    "Article",
    "ArticleError",
    "ArticleIndex",
    "Chunk",
    "ChunkSettings",
    "Document",
    "E5Embeddings",
    "FetchError",
    "FetchPolicy",
    "Fetched",
    "IndexBuildError",
    "IndexingError",
    "PageMeta",
    "Sentence",
    "StoreError",
    "load_article",
    "load_url",
    "make_embeddings",
    "open_index",
    "read_document",
    "split",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'index' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
