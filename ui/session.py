"""One browser tab's (or one API client's) conversation, and uploaded articles."""

from __future__ import annotations

import os
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.article import MAX_ARTICLE_BYTES, Article, decode
from index.errors import ArticleError as _IndexArticleError
from qa import ArticleError, Chatbot, Settings, bundled_article

Progress = Callable[[int, int], None]

BUNDLED = "bundled"
SUFFIXES = (".txt", ".md")


@dataclass(frozen=True)
class ArticleChoice:
    key: str
    name: str  # what people see: the file name they gave, never a path we use
    path: Path | None  # None: the settings' article (the bundled one by default)

    @property
    def label(self) -> str:
        return f"{self.name} (기본 · default)" if self.path is None else self.name


class Session:
    """What one session holds: its articles, the current one, its chatbot and its messages.

    Lives in a ``gr.State``, so every tab and every ``gradio_client`` client
    has its own; models and indexes are shared by the process (``qa.Chatbot``).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        default = Path(settings.article or bundled_article()).name
        self.articles: dict[str, ArticleChoice] = {BUNDLED: ArticleChoice(BUNDLED, default, None)}
        self.current = BUNDLED
        self.messages: list[dict[str, Any]] = []
        self._bot: Chatbot | None = None

    @property
    def article(self) -> ArticleChoice:
        return self.articles[self.current]

    def choices(self) -> list[tuple[str, str]]:
        return [(c.label, c.key) for c in self.articles.values()]

    def bot(self, progress: Progress | None = None) -> Chatbot:
        """The chatbot for the current article, made on first use (it may build an index)."""
        if self._bot is None:
            self._bot = Chatbot(self.article.path, settings=self.settings, progress=progress)
        return self._bot

    def reset(self) -> None:
        """Forget the conversation (the chatbot's history and the messages shown)."""
        self.messages.clear()
        if self._bot is not None:
            self._bot.reset()

    def select(self, key: str) -> None:
        """Switch to another of this session's articles; the conversation starts over."""
        if key not in self.articles:
            raise ArticleError(f"no article {key!r} in this session; upload it again")
        if key != self.current:
            self.current = key
            self._bot = None
        self.reset()

    def add(self, path: Path, name: str, progress: Progress | None = None) -> Chatbot:
        """Index an uploaded article (already stored by :func:`store_upload`) and switch to it."""
        bot = Chatbot(path, settings=self.settings, progress=progress)
        key = path.stem
        if any(c.name == name for c in self.articles.values() if c.key != key):
            name = f"{name} ({key[:6]})"  # same name, other text: tell them apart
        self.articles[key] = ArticleChoice(key, name, path)
        self.current = key
        self._bot = bot
        self.messages.clear()
        return bot


def display_name(name: str) -> str:
    """A file name fit to show (never used as a path): no folders, no control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    if len(base) > 60:
        stem, dot, suffix = base.rpartition(".")
        base = f"{stem[:48]}….{suffix[:8]}" if dot and stem else base[:59] + "…"
    return base or "article"


def store_upload(src: str | Path, name: str, index_dir: Path) -> Path:
    """Check an uploaded file and keep a copy under ``index_dir/uploads``.

    The copy is named by the hash of its text, never by the user's file name,
    so whatever the name holds, nothing is written outside that folder.
    Raises :class:`qa.ArticleError` with a message for the person uploading.
    """
    shown = display_name(name)
    suffix = Path(shown).suffix.lower()
    if suffix not in SUFFIXES:
        raise ArticleError(f"{shown!r} is not a .txt or .md file; upload a UTF-8 text article")
    src = Path(src)
    size = src.stat().st_size
    if size > MAX_ARTICLE_BYTES:
        raise ArticleError(
            f"{shown!r} is {size:,} bytes; articles up to {MAX_ARTICLE_BYTES:,} bytes are supported"
        )
    try:
        article = Article.from_text(decode(src.read_bytes(), shown), name=shown)
    except _IndexArticleError as e:
        raise ArticleError(str(e)) from None
    folder = Path(index_dir) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / f"{article.sha256[:32]}{suffix}"
    if not dest.exists():
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(article.text)
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return dest
