"""Load an article from disk and check it is text we can index: a saved web page, a
PDF, a Word .docx or a UTF-8 text file (``index.documents`` reads each)."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from index.documents import PageMeta, decode, read_document
from index.errors import ArticleError
from index.meta import ArticleMeta
from index.meta import read as read_meta

__all__ = ["MAX_ARTICLE_BYTES", "Article", "PageMeta", "clean", "decode", "load_article"]

MAX_ARTICLE_BYTES = 5_000_000


@dataclass(frozen=True)
class Article:
    """An article's text, as it will be indexed, and where it came from.

    ``page`` is what its page or file said about it (title, author, date, site,
    link), when it came as one. The index is keyed by ``sha256``, the text's
    alone: the same article from two links is indexed once.
    """

    text: str
    name: str
    sha256: str
    page: PageMeta | None = None

    @classmethod
    def from_text(cls, text: str, name: str = "article", page: PageMeta | None = None) -> Article:
        text = clean(text)
        if not text.strip():
            raise ArticleError(f"the article {name!r} is empty")
        return cls(text=text, name=name, sha256=hashlib.sha256(text.encode()).hexdigest(), page=page)

    @functools.cached_property
    def meta(self) -> ArticleMeta:
        """What the article says of itself, each value with the line that says it
        (``index.meta``), read once."""
        return read_meta(self.text)

    @property
    def about(self) -> dict[str, str]:
        """What the article says of itself (any of ``title``, ``outlet``, ``reporter``,
        ``email``, ``published``), and the ``url`` it came from."""
        said = self.meta.as_dict()
        if self.page is not None and self.page.url:
            said["url"] = self.page.url
        if self.page is not None and self.page.title:
            said.setdefault("title", self.page.title)
        return said


def clean(text: str) -> str:
    """Normalise an article without dropping anything a reader may ask about.

    NFC makes Hangul comparable however it was typed; bylines, e-mail
    addresses, captions and service lines stay, because people ask about them.
    Only line endings, non-breaking and zero-width spaces are touched.
    """
    text = unicodedata.normalize("NFC", text.lstrip("\ufeff"))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\u200b", "")
    return text


def load_article(path: str | Path, name: str | None = None) -> Article:
    """Read the article in the file at ``path``: a saved web page (.html), a PDF, a .docx,
    or UTF-8 text (.txt, .md), told apart by content first, then by extension.

    ``name`` (by default the file's) is what the article is called, in messages
    too (an uploaded file's own name, say). Raises :class:`ArticleError` when the
    file is missing, over :data:`MAX_ARTICLE_BYTES`, empty, binary, not UTF-8
    text, a scanned PDF without text, or a page without article text.
    """
    p = Path(path)
    name = p.name if name is None else name
    if not p.is_file():
        raise ArticleError(f"no article file at {str(p)!r}")
    size = p.stat().st_size
    if size > MAX_ARTICLE_BYTES:
        raise ArticleError(
            f"{name!r} is {size:,} bytes; articles up to {MAX_ARTICLE_BYTES:,} bytes are supported"
        )
    with p.open("rb") as f:
        data = f.read(MAX_ARTICLE_BYTES + 1)  # a file still growing is held to the bound too
    if len(data) > MAX_ARTICLE_BYTES:
        raise ArticleError(f"{name!r} is over {MAX_ARTICLE_BYTES:,} bytes; articles up to that are supported")
    kept = _kept(p)
    if kept is not None:  # an article saved by save_article: its text, and what its page said
        name = kept.get("name", name) if name == p.name else name
        page = PageMeta(**kept["page"]) if kept.get("page") else None
        return Article.from_text(decode(data, name), name=name, page=page)
    document = read_document(data, name)
    return Article.from_text(document.text, name=name, page=document.page)


def _kept(path: Path) -> dict | None:
    side = path.with_suffix(".page.json")
    if path.suffix != ".txt" or not side.is_file():
        return None
    try:
        kept = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # a damaged note: the text alone is still the article
    return kept if isinstance(kept, dict) else None


def save_article(article: Article, folder: str | Path) -> Path:
    """Keep ``article`` in ``folder`` as ``<hash>.txt``, with what its page said (its
    name, title, link) beside it, so :func:`load_article` gives it back whole.

    Named by the text's hash, never by a name from outside: nothing is written
    elsewhere, and the same article from two links is kept once. Written
    atomically: a killed process leaves the earlier copy or none.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / f"{article.sha256[:32]}.txt"
    note = {"name": article.name, "page": dataclasses.asdict(article.page) if article.page else None}
    _write(dest.with_suffix(".page.json"), json.dumps(note, ensure_ascii=False))
    _write(dest, article.text)
    return dest


def _write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".article-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
