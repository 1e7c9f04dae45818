"""One browser tab's (or one API client's) conversation, and uploaded articles."""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa import (
    Answer,
    ArticleError,
    Chatbot,
    LimitError,
    Serving,
    Settings,
    Turn,
    bundled_article,
    keep_article,
    load_article,
    touch_article,
)

Progress = Callable[[int, int], None]

BUNDLED = "bundled"
SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")


@dataclass(frozen=True)
class ArticleChoice:
    key: str
    name: str  # what people see: the file name they gave, never a path we use
    path: Path | None  # None: the settings' article (the bundled one by default)

    @property
    def label(self) -> str:
        return f"{self.name} (기본 · default)" if self.path is None else self.name


class Uploads:
    """The uploaded articles that the server's live sessions hold, at most ``limit`` at once.

    One per app, shared by its sessions; an article uploaded by several sessions counts once.
    A session lets go of its uploads when it ends (tab closed, or idle past its time to live).
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._holders: dict[str, int] = {}
        self._lock = threading.Lock()

    def hold(self, key: str) -> None:
        with self._lock:
            if key not in self._holders and len(self._holders) >= self.limit:
                raise LimitError(
                    f"the server holds {self.limit} uploaded articles, the most it keeps at once; "
                    "try again later, or ask about an article already listed"
                )
            self._holders[key] = self._holders.get(key, 0) + 1

    def release(self, key: str) -> None:
        with self._lock:
            left = self._holders.pop(key, 0) - 1
            if left > 0:
                self._holders[key] = left

    def held(self) -> set[str]:
        """The uploaded articles (their keys) that live sessions hold."""
        with self._lock:
            return set(self._holders)

    def __len__(self) -> int:
        with self._lock:
            return len(self._holders)


class Session:
    """What one session holds: its articles, the current one, its conversation and its messages.

    Lives in a ``gr.State``, so every tab and every ``gradio_client`` client
    has its own. It keeps the conversation, not a chatbot: each question takes
    the article's engine from the process (``qa.Chatbot``), so an idle session
    pins no index in memory and the process keeps only ``Serving.max_articles``
    loaded. The conversation is the chatbot's own ``history``, handed from one
    question's chatbot to the next; the session never writes a turn itself.
    """

    def __init__(
        self, settings: Settings, uploads: Uploads | None = None, serving: Serving | None = None
    ) -> None:
        self.settings = settings
        self.serving = serving or Serving()
        self.uploads = uploads if uploads is not None else Uploads(self.serving.max_uploads)
        default = Path(settings.article or bundled_article()).name
        self.articles: dict[str, ArticleChoice] = {BUNDLED: ArticleChoice(BUNDLED, default, None)}
        self.current = BUNDLED
        self.messages: list[dict[str, Any]] = []
        #: The last question's ``Chatbot.history``: what the next question's chatbot continues.
        self.history: tuple[Turn, ...] = ()
        self._lock = threading.Lock()

    @property
    def article(self) -> ArticleChoice:
        return self.articles[self.current]

    def about(self) -> dict[str, str]:
        """What the current article says of itself (``Chatbot.about``), read from its
        text without opening its index."""
        return load_article(self.article.path or self.settings.article or bundled_article()).about

    def choices(self) -> list[tuple[str, str]]:
        return [(c.label, c.key) for c in self.articles.values()]

    def bot(self, progress: Progress | None = None) -> Chatbot:
        """A chatbot on the current article that continues this session's conversation
        (it may build the article's index); :meth:`stream` keeps what it adds."""
        with self._lock:
            path, history = self.article.path, self.history
        return Chatbot(path, settings=self.settings, progress=progress, history=history)

    def stream(self, question: str) -> Iterator[str | Answer]:
        """``Chatbot.stream`` on the current article, remembering the turn in this session."""
        key = self.current
        bot = self.bot()
        yield from bot.stream(question)
        with self._lock:
            if key == self.current:  # not switched to another article meanwhile
                self.history = tuple(bot.history)

    def ask(self, question: str) -> Answer:
        answer = None
        for piece in self.stream(question):
            if isinstance(piece, Answer):
                answer = piece
        assert answer is not None
        return answer

    def reset(self) -> None:
        """Forget the conversation (the chatbot's history and the messages shown)."""
        with self._lock:
            self.messages.clear()
            self.history = ()

    def select(self, key: str) -> None:
        """Switch to another of this session's articles; the conversation starts over."""
        if key not in self.articles:
            raise ArticleError(f"no article {key!r} in this session; upload it again")
        self.current = key
        self.reset()
        if (path := self.articles[key].path) is not None:
            touch_article(path)

    def add(self, path: Path, name: str, progress: Progress | None = None) -> Chatbot:
        """Index an uploaded article (already stored by :func:`store_upload`) and switch to it.

        Raises :class:`qa.LimitError` when the session, or the server, holds as many
        uploads as it may (``Serving.max_session_uploads``, ``Serving.max_uploads``).
        """
        key = path.stem
        new = key not in self.articles
        if new:
            held = len(self.articles) - 1
            if held >= self.serving.max_session_uploads:
                raise LimitError(
                    f"this session already has {held} uploaded articles, the most it may hold; "
                    "pick one from the list, or open a new tab"
                )
            self.uploads.hold(key)
        touch_article(path)
        try:
            bot = Chatbot(path, settings=self.settings, progress=progress)
        except BaseException:
            if new:
                self.uploads.release(key)
            raise
        if any(c.name == name for c in self.articles.values() if c.key != key):
            name = f"{name} ({key[:6]})"  # same name, other text: tell them apart
        with self._lock:
            self.articles[key] = ArticleChoice(key, name, path)
            self.current = key
            self.messages.clear()
            self.history = ()
        return bot

    def close(self) -> None:
        """The session ends: let go of its uploads (once, however often it is called)."""
        with self._lock:
            keys = [k for k in self.articles if k != BUNDLED]
            self.articles = {BUNDLED: self.articles[BUNDLED]}
            self.current = BUNDLED
        for key in keys:
            self.uploads.release(key)


def display_name(name: str) -> str:
    """A file name fit to show (never used as a path): no folders, no control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    if len(base) > 60:
        stem, dot, suffix = base.rpartition(".")
        base = f"{stem[:48]}….{suffix[:8]}" if dot and stem else base[:59] + "…"
    return base or "article"


def store_upload(src: str | Path, name: str, index_dir: Path) -> Path:
    """Check an uploaded file (a saved web page, a PDF, a .docx, UTF-8 text) and keep its
    article under ``index_dir/uploads``.

    The copy is named by the hash of its text, never by the user's file name,
    so whatever the name holds, nothing is written outside that folder.
    Raises :class:`qa.ArticleError` with a message for the person uploading.
    """
    shown = display_name(name)
    if Path(shown).suffix.lower() not in SUFFIXES:
        raise ArticleError(f"{shown!r} is not an article file; upload a .txt, .md, .html, .pdf or .docx")
    return keep_article(load_article(src, shown), index_dir)
