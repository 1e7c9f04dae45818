"""Articles as ``qa`` reads them: checked, with a :class:`qa.ArticleError` a person can act on.

An article comes as a file (a saved web page, a PDF, a .docx, UTF-8 text), a
link, or pasted text. A link's or an upload's article is kept under the index
directory as ``uploads/<hash>.txt`` (with what its page said beside it), so
that it is indexed like any file, and once whatever link or name it came by.
"""

from __future__ import annotations

import re
from pathlib import Path

from index.article import MAX_ARTICLE_BYTES, Article
from index.article import load_article as _load_article
from index.article import save_article as _save_article
from index.errors import ArticleError as _IndexArticleError
from index.fetch import FetchPolicy
from qa.errors import ArticleError

__all__ = [
    "MAX_ARTICLE_BYTES",
    "Article",
    "FetchPolicy",
    "fetch_article",
    "is_link",
    "keep_article",
    "load_article",
    "text_article",
]

#: Where kept articles live, under the index directory.
FOLDER = "uploads"

_LINK = re.compile(r"^https?://\S+$", re.I)


def is_link(source: object) -> bool:
    """Whether ``source`` is a web link (``http://`` or ``https://``) rather than a path."""
    return isinstance(source, str) and bool(_LINK.match(source.strip()))


def load_article(path: str | Path, name: str | None = None) -> Article:
    """Read and check the article in a file of at most :data:`MAX_ARTICLE_BYTES` bytes:
    a saved web page (.html), a PDF with a text layer, a .docx, or UTF-8 text.

    ``name`` (by default the file's) is what the article is called, in messages
    too. Raises :class:`qa.ArticleError` when the file is missing, too big, empty,
    binary, not UTF-8, a scanned PDF, or a page without article text.
    """
    try:
        return _load_article(path, name)
    except _IndexArticleError as e:
        raise ArticleError(str(e)) from None


def fetch_article(url: str, policy: FetchPolicy | None = None) -> Article:
    """The article at a web link, fetched under ``policy`` (default: any address,
    as a person's own program may) and read without the page's menus, ads and
    comments; its title, author, date and final link in ``page``.

    Raises :class:`qa.ArticleError` saying what went wrong: no answer in time, a
    404, not an article (an image, a video), too big, a private address the
    server may not fetch, a redirect loop, a bad certificate.
    """
    from index.fetch import load_url

    try:
        return load_url(url.strip(), policy or FetchPolicy())
    except _IndexArticleError as e:
        raise ArticleError(str(e)) from None


def text_article(text: str, name: str = "pasted text") -> Article:
    """An article from text a person pasted; :class:`qa.ArticleError` when there is none
    or it is over :data:`MAX_ARTICLE_BYTES`."""
    if re.search("[\ud800-\udfff]", text):
        raise ArticleError("the pasted text holds bytes that are not text; paste it again as UTF-8")
    if len(text.encode("utf-8")) > MAX_ARTICLE_BYTES:
        raise ArticleError(f"the pasted text is over {MAX_ARTICLE_BYTES:,} bytes; paste one article")
    try:
        return Article.from_text(text, name=name)
    except _IndexArticleError as e:
        raise ArticleError(str(e)) from None


def keep_article(article: Article, index_dir: Path) -> Path:
    """Keep ``article`` as ``<index_dir>/uploads/<hash>.txt`` and return that path:
    what a :class:`qa.Chatbot` is then opened on."""
    return _save_article(article, Path(index_dir) / FOLDER)


def open_source(source: str | Path, index_dir: Path, policy: FetchPolicy | None = None) -> Path:
    """The file to index for ``source``: a link's article fetched and kept, else the path."""
    if is_link(source):
        return keep_article(fetch_article(str(source), policy), index_dir)
    return Path(source)
