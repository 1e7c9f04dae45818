"""Load an article from disk and check it is text we can index."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from index.errors import ArticleError

MAX_ARTICLE_BYTES = 5_000_000


@dataclass(frozen=True)
class Article:
    """An article's text, as it will be indexed, and where it came from."""

    text: str
    name: str
    sha256: str

    @classmethod
    def from_text(cls, text: str, name: str = "article") -> Article:
        text = clean(text)
        if not text.strip():
            raise ArticleError(f"the article {name!r} is empty")
        return cls(text=text, name=name, sha256=hashlib.sha256(text.encode()).hexdigest())


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


def decode(data: bytes, name: str) -> str:
    """Decode uploaded bytes as UTF-8 text, refusing binary data with a clear reason."""
    if not data.strip():
        raise ArticleError(f"the article {name!r} is empty")
    if b"\x00" in data[:8192]:
        raise ArticleError(f"{name!r} looks like a binary file, not a UTF-8 text article")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ArticleError(
            f"{name!r} is not UTF-8 text (byte {e.start} cannot be decoded); save it as UTF-8 and try again"
        ) from None
    controls = sum(1 for c in text[:8192] if unicodedata.category(c) == "Cc" and c not in "\n\r\t\f")
    if controls > 8:
        raise ArticleError(f"{name!r} looks like a binary file, not a UTF-8 text article")
    return text


def load_article(path: str | Path, name: str | None = None) -> Article:
    """Read a UTF-8 text article from ``path``; ``name`` (by default the file's) is what
    the article is called, in messages too (an uploaded file's own name, say)."""
    p = Path(path)
    name = p.name if name is None else name
    if not p.is_file():
        raise ArticleError(f"no article file at {str(p)!r}")
    size = p.stat().st_size
    if size > MAX_ARTICLE_BYTES:
        raise ArticleError(
            f"{name!r} is {size:,} bytes; articles up to {MAX_ARTICLE_BYTES:,} bytes are supported"
        )
    return Article.from_text(decode(p.read_bytes(), name), name=name)
