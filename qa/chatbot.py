"""The public chatbot."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from index import korean
from qa.errors import QuestionError
from qa.settings import Settings, bundled_article
from qa.types import Answer, Turn

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models.chat_models import BaseChatModel

    from index.store import ArticleIndex
    from qa.core.model import Model
    from qa.engine import Engine, Progress
    from qa.pipeline import Pipeline

__all__ = ["Chatbot", "bundled_article", "check_question"]

#: Turns of conversation kept for follow-ups.
HISTORY_TURNS = 8


#: A str holds a surrogate only alone: text decoded with errors="surrogateescape", or broken UTF-16.
_SURROGATE = re.compile("[\ud800-\udfff]")


def check_question(question: object, limit: int) -> str:
    """The question, stripped and with control characters made spaces, or a
    :class:`QuestionError` saying what is wrong with it."""
    if not isinstance(question, str):
        raise QuestionError(f"a question must be text; got {type(question).__name__}")
    if _SURROGATE.search(question):
        raise QuestionError(
            "the question holds bytes that are not text (lone surrogates: it was not valid UTF-8); "
            "retype it, or send it as UTF-8"
        )
    q = question.strip()
    if len(q) > limit:  # before the work below, on up to a megabyte of text
        raise QuestionError(
            f"the question is {len(q):,} characters long; the limit is {limit:,}. "
            "Ask about one thing at a time."
        )
    # Terminal escapes, NULs and the like carry no meaning and must not reach a helper's pipe.
    q = "".join(" " if unicodedata.category(c) == "Cc" and c not in "\n\t" else c for c in q).strip()
    if not q or all(unicodedata.category(c)[0] in "CZ" for c in q):
        raise QuestionError("the question is empty; type a question about the article")
    if not any(unicodedata.category(c)[0] in "LN" for c in q):
        raise QuestionError(
            "the question has no words, only symbols, emoji or punctuation; ask about the article in words"
        )
    return q


class Chatbot:
    """Answers questions about one article, remembering the conversation.

    >>> bot = Chatbot()                                  # the bundled article
    >>> a = bot.ask("티카드는 몽골 국민의 약 몇 퍼센트가 사용하나요?")
    >>> a.found, "70%" in a.text
    (True, True)
    >>> a.sources[0].evidence                            # the sentence it came from
    '티카드는 몽골 국민 약 70%가 사용하는 결제 수단으로 ...'
    >>> bot.ask("몽골은 희토류를 얼마나 보유하고 있나요?").found
    True
    >>> "2위" in bot.ask("구리는요?").text                 # follow-ups use the conversation
    True

    ``article`` is a file (a saved web page, a PDF, a .docx, UTF-8 text) or a
    web link (default: ``settings.article`` or the bundled article); a link's
    article is fetched once and kept under the index directory. The index is
    built on first use and reused while the article and settings are unchanged.
    Each chatbot has its own
    conversation (``history``: one to continue, another chatbot's ``.history``);
    models and indexes are shared within the process.

    Any part may be given instead of the one the settings name: ``embeddings``
    (a LangChain :class:`Embeddings`), ``chat_model`` (a LangChain chat model for
    the LLM writer), ``store`` (a Chroma client to keep the index in) and
    ``model`` (the fitted ranker and decision, ``qa.core.model.Model``).
    """

    def __init__(
        self,
        article: str | Path | None = None,
        *,
        settings: Settings | None = None,
        progress: Progress | None = None,
        history: Sequence[Turn] = (),
        embeddings: Embeddings | None = None,
        chat_model: BaseChatModel | None = None,
        store: object = None,
        model: Model | None = None,
    ) -> None:
        settings = settings or Settings.from_env()
        if article is not None:
            from qa.article import open_source

            settings = settings.with_(article=open_source(article, settings.index_dir))
        self.settings = settings
        # Kiwi takes seconds to load and holds the GIL meanwhile: start it in a
        # helper process first, then import and load the rest here in parallel.
        korean.load_in_background()
        from qa.engine import Parts, engine

        parts = Parts(embeddings=embeddings, chat_model=chat_model, store=store, model=model)
        self._engine: Engine = engine(settings, progress, parts)
        self._history: list[Turn] = list(history)[-HISTORY_TURNS:]
        self._lock = threading.Lock()

    @property
    def index(self) -> ArticleIndex:
        return self._engine.index

    @property
    def pipeline(self) -> Pipeline:
        """The stages this chatbot answers with (``understand``, ``retrieve``, ``rank``,
        ``decide``): for tools that measure them, such as ``fit/`` and ``bench/``."""
        return self._engine.pipeline

    @property
    def about(self) -> dict[str, str]:
        """What the article says of itself, as its text gives it: any of ``title``,
        ``outlet``, ``reporter``, ``email``, ``published`` (``index.meta``), and the
        ``url`` a link's article came from."""
        return self.index.article.about

    @property
    def rebuilt(self) -> bool:
        """Whether opening this chatbot's article (re)built its index."""
        return self._engine.rebuilt

    @property
    def load_timings(self) -> dict[str, float]:
        """Seconds its engine spent loading: embeddings, open_index (or build), writer."""
        return dict(self._engine.load_timings)

    @property
    def history(self) -> list[Turn]:
        return list(self._history)

    def reset(self) -> None:
        """Forget the conversation."""
        with self._lock:
            self._history.clear()

    def ask(self, question: str) -> Answer:
        """Answer ``question`` from the article, using earlier turns for follow-ups."""
        answer: Answer | None = None
        for piece in self.stream(question):
            if isinstance(piece, Answer):
                answer = piece
        assert answer is not None
        return answer

    def stream(self, question: str) -> Iterator[str | Answer]:
        """Yield the answer's text as it is written, then the full :class:`Answer`.

        With the LLM the pieces come as it writes them. The final answer is the
        one to keep: when the support check rejects the LLM's text, its ``text``
        is the extractive answer (or a refusal) and ``meta["fallback"]`` says why.
        """
        question = check_question(question, self.settings.max_question_chars)
        with self._lock:
            history = list(self._history)
        for item in self._engine.pipeline.stream(question, history):
            if isinstance(item, str):
                yield item
                continue
            answer, turn = item
            with self._lock:
                self._history.append(turn)
                del self._history[:-HISTORY_TURNS]
            yield answer
