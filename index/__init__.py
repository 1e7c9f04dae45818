"""Build and open an article's index: sentences, chunks, Chroma vectors, BM25."""

from index.article import Article, load_article
from index.chunking import Chunk, ChunkSettings, Sentence, split
from index.embeddings import E5Embeddings, make_embeddings
from index.errors import ArticleError, IndexBuildError, IndexingError
from index.store import ArticleIndex, open_index

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
    "load_article",
    "make_embeddings",
    "open_index",
    "split",
]
