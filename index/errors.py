"""Errors raised while loading an article or building its index."""


class IndexingError(Exception):
    """Root of the errors this package raises."""


class ArticleError(IndexingError, ValueError):
    """The article cannot be used: missing, empty, binary or not UTF-8."""


class IndexBuildError(IndexingError):
    """Building or opening the index failed."""


class StoreError(IndexBuildError):
    """The vector store did not answer (a Chroma server gone away, a damaged folder)."""
