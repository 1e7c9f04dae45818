"""Errors a caller can act on. Each message says what was wrong and what to do."""

from index.errors import ArticleError as _IndexArticleError


class QAError(Exception):
    """Root of every error this package raises on purpose."""


class QuestionError(QAError, ValueError):
    """The question is empty, whitespace or too long."""


class ArticleError(QAError, _IndexArticleError):
    """The article is missing, empty, binary or not UTF-8."""


class IndexError_(QAError):
    """The index could not be built or opened (disk, permissions, a broken store)."""


class ConfigError(QAError, ValueError):
    """A setting or environment variable has a value we cannot use."""


class ModelError(QAError):
    """A model is missing, corrupt, or its server cannot be reached."""


class WorkerError(ModelError):
    """The LLM's worker process crashed, was killed, hung past its deadline or is not
    running; the answer in hand falls back to the extractive one, and a new worker starts."""


class LimitError(QAError):
    """A bound of the server is reached (uploads per session, or in all); the message says which."""
