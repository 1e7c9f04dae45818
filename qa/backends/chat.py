"""The one place that picks a chat model for the settings, and starts it.

- :class:`qa.backends.worker.WorkerChat`: a GGUF file run by llama.cpp in a supervised
  worker process (by default the bundled Qwen2.5-Coder-1.5B-Instruct, see
  :mod:`qa.backends.models`), or :class:`qa.backends.llamacpp.LlamaCppChat`, the same
  in-process (``Settings.llm_worker`` off);
- ``langchain_openai.ChatOpenAI``: any OpenAI-compatible server (vLLM, Ollama,
  LM Studio, llama.cpp's server), when ``Settings.llm_base_url`` is set.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage

from qa.backends import models
from qa.errors import ModelError
from qa.settings import Settings


@runtime_checkable
class Warms(Protocol):
    """A chat model that can evaluate a prompt ahead of time and keep it (llama.cpp, in a
    worker or in-process), so that the first question pays for neither loading nor it."""

    def warm(self, messages: list[BaseMessage]) -> None: ...


def chat_model(settings: Settings) -> tuple[BaseChatModel, str]:
    """The chat model these settings name, and a label for it (``Answer.meta["llm"]``)."""
    if settings.llm_base_url:
        try:
            from langchain_openai import ChatOpenAI
        except ImportError:
            raise ModelError(
                "an LLM server needs langchain-openai; run: pip install langchain-openai"
            ) from None
        name = settings.llm_model_name or "local"
        model = ChatOpenAI(
            base_url=settings.llm_base_url,
            model=name,
            api_key=settings.llm_api_key or "not-needed",  # type: ignore[arg-type]
            temperature=0,
            timeout=settings.llm_timeout,
            max_retries=1,
            stream_usage=True,
            # ChatOpenAI sends its own limit as max_completion_tokens, which
            # llama.cpp's and other local servers ignore; they all read max_tokens.
            extra_body={"max_tokens": settings.llm_max_tokens},
        )
        return model, f"openai:{name}@{settings.llm_base_url}"
    if importlib.util.find_spec("llama_cpp") is None:
        raise ModelError(f"llama-cpp-python is not installed; run: {models.INSTALL_HINT}")
    path = (
        models.check_gguf(settings.llm_model)
        if settings.llm_model
        else models.bundled_model(settings.llm_model_dir)
    )
    fields: dict[str, Any] = {
        "model_path": str(path),
        "n_ctx": settings.llm_context,
        "n_threads": settings.llm_threads,
        "max_tokens": settings.llm_max_tokens,
        "state_dir": str(settings.llm_model_dir or models.default_model_dir()),
        "state_cache_mb": settings.llm_state_cache_mb,
        "extra_bufts": settings.llm_extra_bufts,
    }
    if not settings.llm_worker:
        from qa.backends.llamacpp import LlamaCppChat

        return LlamaCppChat(**fields), f"llama.cpp:{path.name}"
    from qa.backends.worker import WorkerChat

    return WorkerChat(**fields, deadline=settings.llm_deadline), f"llama.cpp:{path.name}"


def unavailable(settings: Settings) -> str | None:
    """Why the LLM cannot be used here (``None`` when it can), without loading anything."""
    if settings.llm_base_url:
        return None if importlib.util.find_spec("langchain_openai") else "langchain-openai is not installed"
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama-cpp-python is not installed"
    if settings.llm_model is None and not models.parts_installed():
        return "the bundled model's parts are not installed"
    return None


def start(model: BaseChatModel) -> None:
    """Have a worker-backed model start loading now, in its process, while this one opens
    the index; a writer's ``warm()`` then waits for it."""
    from qa.backends.worker import WorkerChat

    if isinstance(model, WorkerChat):
        model.worker  # noqa: B018 (started by being looked up)


@dataclass(frozen=True)
class Choice:
    """The chat model the settings ask for, or why there is none (``model`` is then None)."""

    model: BaseChatModel | None
    label: str = ""
    why_not: str = ""
    #: ``answerer="llm"``: a model that fails is an error, not a fallback to the extractive writer.
    strict: bool = False


def choose(settings: Settings) -> Choice:
    """The chat model for ``settings.answerer``, started (see :func:`start`).

    ``extractive`` imports none of the LLM stack; ``auto`` returns no model when it
    cannot be used here; ``llm`` raises :class:`ModelError` instead.
    """
    if settings.answerer == "extractive":
        return Choice(None, why_not="answerer is extractive")
    strict = settings.answerer == "llm"
    if not strict and (why := unavailable(settings)):
        return Choice(None, why_not=why)
    try:
        model, label = chat_model(settings)
    except ModelError as e:
        if strict:
            raise
        return Choice(None, why_not=str(e))
    start(model)
    return Choice(model, label, strict=strict)
