"""The public chatbot."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

from index import ArticleIndex, ChunkSettings, load_article, make_embeddings, open_index
from index.article import Article
from index.errors import ArticleError as _IndexArticleError
from index.errors import IndexBuildError
from qa.chain import Pipeline, State, meta
from qa.errors import ArticleError, ConfigError, IndexError_, QuestionError
from qa.evidence import Calibration
from qa.llm import writer_for
from qa.retriever import HybridRetriever
from qa.settings import Settings
from qa.types import Answer
from qa.understand import Turn

Progress = Callable[[int, int], None]

#: Turns of conversation kept for follow-ups.
HISTORY_TURNS = 8


def bundled_article() -> Path:
    """The article the package ships with (KT's digital partnership with Mongolia)."""
    return Path(str(resources.files("qa") / "data" / "kt_mongolia.txt"))


def _article(settings: Settings) -> tuple[Article, str]:
    path = settings.article or bundled_article()
    try:
        article = load_article(path)
    except _IndexArticleError as e:
        raise ArticleError(str(e)) from None
    return article, str(Path(path).resolve())


class Engine:
    """The heavy, shareable part of a chatbot: models, index, chain. Holds no conversation."""

    def __init__(
        self, settings: Settings, article: Article, key: str, progress: Progress | None = None
    ) -> None:
        self.settings = settings
        try:
            self.embeddings, embedder_id = make_embeddings(settings.embeddings, settings.threads)
        except ValueError as e:
            raise ConfigError(str(e)) from None
        except IndexBuildError as e:
            raise IndexError_(str(e)) from None
        chunking = ChunkSettings(settings.chunk_chars, settings.min_chunk_chars)
        try:
            self.index, self.rebuilt = open_index(
                article,
                settings.index_dir,
                self.embeddings,
                embedder_id,
                chunking,
                key=key,
                progress=progress,
            )
        except IndexBuildError as e:
            raise IndexError_(str(e)) from None
        except OSError as e:
            raise IndexError_(f"cannot use the index directory {str(settings.index_dir)!r}: {e}") from e
        self.retriever = HybridRetriever(
            index=self.index, embeddings=self.embeddings, k=settings.top_k, fetch_k=settings.fetch_k
        )
        # The LLM (when used) loads here, once per process, so no question waits for it.
        writer, self.answerer_note = writer_for(settings)
        #: Who writes the answers: "llm" or "extractive" (``answerer_note`` says why not the LLM).
        self.answerer = "llm" if writer is not None else "extractive"
        self.pipeline = Pipeline(
            self.index,
            self.retriever,
            top_k=settings.top_k,
            writer=writer,
            calibration=Calibration.for_embedder(embedder_id),
        )


_engines: dict[tuple[object, ...], Engine] = {}
_engines_lock = threading.Lock()


def engine(settings: Settings, progress: Progress | None = None) -> Engine:
    """The engine for these settings, built once per process and shared by chatbots."""
    article, key = _article(settings)
    cache_key = (article.sha256, key, dataclasses.astuple(settings))
    with _engines_lock:
        eng = _engines.get(cache_key)
        if eng is None:
            eng = Engine(settings, article, key, progress)
            _engines[cache_key] = eng
        return eng


def check_question(question: object, limit: int) -> str:
    """The question, stripped, or a :class:`QuestionError` saying what is wrong with it."""
    if not isinstance(question, str):
        raise QuestionError(f"a question must be text; got {type(question).__name__}")
    q = question.strip()
    if not q:
        raise QuestionError("the question is empty; type a question about the article")
    if len(q) > limit:
        raise QuestionError(
            f"the question is {len(q):,} characters long; the limit is {limit:,}. "
            "Ask about one thing at a time."
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
    >>> bot.ask("그걸 발급하는 기관은?").found           # follow-ups use the conversation
    True

    ``article`` is a path to a UTF-8 text file (default: ``settings.article``
    or the bundled article). The index is built on first use and reused while
    the article and settings are unchanged. Each chatbot has its own
    conversation; models and indexes are shared within the process.
    """

    def __init__(
        self,
        article: str | Path | None = None,
        *,
        settings: Settings | None = None,
        progress: Progress | None = None,
    ) -> None:
        settings = settings or Settings.from_env()
        if article is not None:
            settings = settings.with_(article=Path(article))
        self.settings = settings
        self._engine = engine(settings, progress)
        self._history: list[Turn] = []
        self._lock = threading.Lock()

    @property
    def index(self) -> ArticleIndex:
        return self._engine.index

    @property
    def rebuilt(self) -> bool:
        """Whether opening this chatbot's article (re)built its index."""
        return self._engine.rebuilt

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
        t0 = time.perf_counter()
        with self._lock:
            history = list(self._history)
        pipe = self._engine.pipeline
        state: State | None = None
        first_piece: float | None = None
        for item in pipe.stream(question, history):
            if isinstance(item, str):
                if first_piece is None:
                    first_piece = time.perf_counter() - t0
                yield item
            else:
                state = item
        assert state is not None and state.answer is not None
        timings = dict(state.timings)
        timings["total"] = time.perf_counter() - t0
        if first_piece is not None:
            timings["first_piece"] = first_piece
        answer = dataclasses.replace(
            state.answer,
            sources=pipe.sources(state),
            timings={k: round(v, 4) for k, v in timings.items()},
            meta={**meta(state), **state.answer.meta},
        )
        best = state.evidence[0].sentence.text if (state.found and state.evidence) else ""
        with self._lock:
            self._history.append(Turn(question, best, state.found))
            del self._history[:-HISTORY_TURNS]
        if first_piece is None:  # nothing was streamed: the whole text is one piece
            yield answer.text
        yield answer
