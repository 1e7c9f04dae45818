"""Errors raised while loading an article or building its index."""


class IndexingError(Exception):
    """Root of the errors this package raises."""


class ArticleError(IndexingError, ValueError):
    """The article cannot be used: missing, empty, binary, not UTF-8, or no text in it."""


class FetchError(ArticleError):
    """A link's article could not be fetched: refused by the policy, unreachable, too
    slow, too big, or not a page, PDF, .docx or text."""


class IndexBuildError(IndexingError):
    """Building or opening the index failed."""


class StoreError(IndexBuildError):
    """The vector store did not answer (a Chroma server gone away, a damaged folder)."""


def brief(e: BaseException) -> str:
    """An exception as one short line, to quote inside an error message or a warning."""
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) <= 200 else text[:200] + "..."
