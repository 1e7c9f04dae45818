"""One place for every knob, with defaults that work offline."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path

from qa.errors import ConfigError

ANSWERERS = ("auto", "extractive", "llm")
#: ``llm_extra_bufts``: whether llama.cpp may load the weights into its extra buffer types.
EXTRA_BUFTS = ("auto", "on", "off")


def bundled_article() -> Path:
    """The article the package ships with (KT's digital partnership with Mongolia)."""
    return Path(str(resources.files("qa") / "data" / "kt_mongolia.txt"))


def default_index_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("qa", appauthor=False)) / "index"


@dataclass(frozen=True)
class Settings:
    """Settings of a :class:`~qa.Chatbot`.

    Build one directly, or from ``QA_*`` environment variables with
    :meth:`from_env`; the chatbot never reads the environment itself.

    >>> Settings(answerer="extractive", index_dir=Path("/tmp/qa-index"))  # doctest: +ELLIPSIS
    Settings(...)
    """

    #: The article to answer from; ``None`` is the bundled KT-Mongolia article.
    article: Path | None = None
    #: Where indexes live (one folder per article).
    index_dir: Path = field(default_factory=default_index_dir)
    #: A Chroma server (``http://host:8000``, started with ``chroma run``) that keeps the
    #: indexes instead of ``index_dir``, shared by every process and machine that uses it.
    chroma_url: str = ""
    #: ``e5`` (bundled multilingual-e5-small) or ``st:<sentence-transformers model or folder>``.
    embeddings: str = "e5"
    #: ``auto`` (the LLM when installed, else extractive), ``extractive`` or ``llm``.
    answerer: str = "auto"
    #: Threads for the embedding engine (its OpenMP threads sleep while they wait).
    threads: int = 2
    #: Passages returned with an answer.
    top_k: int = 3
    #: Candidates taken from each retriever before fusion.
    fetch_k: int = 10
    #: Chunking: a chunk's longest size and a paragraph's shortest on its own.
    chunk_chars: int = 400
    min_chunk_chars: int = 100
    #: Longest question accepted, in characters.
    max_question_chars: int = 2000
    #: A GGUF file for the LLM instead of the bundled Qwen2.5-Coder-1.5B-Instruct.
    llm_model: Path | None = None
    #: Where the bundled model is assembled from its parts (default: the user's cache folder).
    llm_model_dir: Path | None = None
    #: An OpenAI-compatible server (``http://127.0.0.1:8000/v1``) instead of llama.cpp in-process.
    llm_base_url: str = ""
    #: The model's name on that server, and its API key (a local server ignores both).
    llm_model_name: str = ""
    llm_api_key: str = field(default="", repr=False)
    #: llama.cpp threads, context size (tokens) and longest answer (tokens).
    llm_threads: int = 2
    llm_context: int = 2048
    llm_max_tokens: int = 64
    #: Memory (MB) for the evaluated states of earlier prompts, restored when a prompt
    #: starts like one of them (the same evidence again); 0 keeps none.
    llm_state_cache_mb: int = 256
    #: Whether llama.cpp loads the weights into its extra buffer types (repacked for the
    #: CPU, AMX tiles): ``auto`` (off on a CPU with AMX, where llama.cpp crashes with them,
    #: and with AVX2 kernels, where they were slower; on elsewhere), ``on`` or ``off``.
    #: See :func:`qa.backends.llamacpp.use_extra_bufts`.
    llm_extra_bufts: str = "auto"
    #: Seconds to wait for an LLM server.
    llm_timeout: int = 60
    #: Run llama.cpp in a worker process (:mod:`qa.backends.worker`), so that a crash, a hang or an
    #: out-of-memory kill costs one answer (it falls back to the extractive one), not the
    #: process; off runs it in this process.
    llm_worker: bool = True
    #: Seconds the worker may take over one answer before it is killed and replaced
    #: (the answer falls back to the extractive one); also the longest an answer waits
    #: for a worker that is starting. It is there for hangs, not slow answers: an answer
    #: takes 2-7 s here, but took up to 100 s at a load average of 8 on the two cores.
    llm_deadline: float = 120.0
    #: Articles whose engine (index, retriever, chain) stays loaded for new chatbots; the least
    #: recently used beyond this are dropped (~4 MB each for a short article).
    max_articles: int = 16
    #: Web chat: uploads one session may add, and uploaded articles all live sessions may hold.
    max_session_uploads: int = 10
    max_uploads: int = 200

    def __post_init__(self) -> None:
        if self.answerer not in ANSWERERS:
            raise ConfigError(f"answerer must be one of {', '.join(ANSWERERS)}; got {self.answerer!r}")
        if self.llm_extra_bufts not in EXTRA_BUFTS:
            raise ConfigError(
                f"llm_extra_bufts must be one of {', '.join(EXTRA_BUFTS)}; got {self.llm_extra_bufts!r}"
            )
        for name in (
            "threads",
            "top_k",
            "fetch_k",
            "max_question_chars",
            "llm_threads",
            "llm_context",
            "llm_max_tokens",
            "llm_timeout",
            "max_articles",
            "max_session_uploads",
            "max_uploads",
        ):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1; got {getattr(self, name)!r}")
        if not self.llm_deadline > 0:
            raise ConfigError(f"llm_deadline must be more than 0 seconds; got {self.llm_deadline!r}")
        if self.llm_state_cache_mb < 0:
            raise ConfigError(f"llm_state_cache_mb must be 0 or more; got {self.llm_state_cache_mb!r}")
        if self.chroma_url and not self.chroma_url.startswith(("http://", "https://")):
            raise ConfigError(f"chroma_url must start with http:// or https://; got {self.chroma_url!r}")
        if self.fetch_k < self.top_k:
            raise ConfigError(f"fetch_k ({self.fetch_k}) must be at least top_k ({self.top_k})")

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from ``QA_<FIELD>`` variables (e.g. ``QA_ANSWERER=extractive``)."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"QA_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(f.name, f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


def _parse(name: str, kind: object, raw: str) -> object:
    kind = str(kind)
    if "Path" in kind:
        return Path(raw).expanduser()
    if kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"QA_{name.upper()} must be a whole number; got {raw!r}") from None
    if kind == "float":
        try:
            return float(raw)
        except ValueError:
            raise ConfigError(f"QA_{name.upper()} must be a number; got {raw!r}") from None
    if kind == "bool":
        if raw.strip().lower() in _TRUE | _FALSE:
            return raw.strip().lower() in _TRUE
        raise ConfigError(f"QA_{name.upper()} must be on or off; got {raw!r}")
    return raw


_TRUE = frozenset({"on", "1", "true", "yes"})
_FALSE = frozenset({"off", "0", "false", "no"})
