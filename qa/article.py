"""Articles as ``qa`` reads them: checked, with a :class:`qa.ArticleError` a person can act on."""

from __future__ import annotations

from pathlib import Path

from index.article import MAX_ARTICLE_BYTES, Article
from index.article import load_article as _load_article
from index.errors import ArticleError as _IndexArticleError
from qa.errors import ArticleError

__all__ = ["MAX_ARTICLE_BYTES", "Article", "load_article"]


def load_article(path: str | Path, name: str | None = None) -> Article:
    """Read and check a UTF-8 text article of at most :data:`MAX_ARTICLE_BYTES` bytes.

    ``name`` (by default the file's) is what the article is called, in messages
    too. Raises :class:`qa.ArticleError` when the file is missing, too big, empty,
    binary or not UTF-8.
    """
    try:
        return _load_article(path, name)
    except _IndexArticleError as e:
        raise ArticleError(str(e)) from None
