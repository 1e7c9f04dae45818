"""One place for every knob, with defaults that work offline: :class:`Settings` for a
chatbot, :class:`Serving` for a process that serves many people."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.chunking import MAX_CHARS_RANGE
from qa.errors import ConfigError

if TYPE_CHECKING:
    from index.fetch import FetchPolicy

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

    def __post_init__(self) -> None:
        _check_kinds(self)
        _check_at_least(self, _AT_LEAST)
        _check_choice("answerer", self.answerer, ANSWERERS)
        _check_choice("llm_extra_bufts", self.llm_extra_bufts, EXTRA_BUFTS)
        if not self.llm_deadline > 0:
            raise ConfigError(f"llm_deadline must be more than 0 seconds; got {self.llm_deadline!r}")
        if self.fetch_k < self.top_k:
            raise ConfigError(f"fetch_k ({self.fetch_k}) must be at least top_k ({self.top_k})")
        low, high = MAX_CHARS_RANGE
        if not low <= self.chunk_chars <= high:
            raise ConfigError(f"chunk_chars must be between {low} and {high}; got {self.chunk_chars!r}")
        if not 0 <= self.min_chunk_chars < self.chunk_chars:
            raise ConfigError(
                f"min_chunk_chars must be at least 0 and less than chunk_chars ({self.chunk_chars}); "
                f"got {self.min_chunk_chars!r}"
            )
        for name in ("chroma_url", "llm_base_url"):
            url = getattr(self, name)
            if url and not url.startswith(("http://", "https://")):
                raise ConfigError(f"{name} must start with http:// or https://; got {url!r}")
        if self.embeddings != "e5":  # the default needs no check, and so no LangChain import here
            from index.embeddings import parse_spec

            try:
                parse_spec(self.embeddings)
            except ValueError as e:
                raise ConfigError(str(e)) from None

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from ``QA_<FIELD>`` variables (e.g. ``QA_ANSWERER=extractive``);
        ``overrides`` that are not None win over them."""
        return cls(**_from_env(cls, environ, overrides))


@dataclass(frozen=True)
class Serving:
    """Bounds of a process that serves many people (``qa serve``): what it keeps in memory.

    Not a chatbot's settings: two chatbots that differ only here answer alike.
    Read from ``QA_MAX_*`` variables with :meth:`from_env`, like :class:`Settings`.

    >>> Serving.from_env({"QA_MAX_UPLOADS": "50"})
    Serving(max_articles=16, max_session_uploads=10, max_uploads=50, max_disk_mb=2000, fetch_allow='')
    """

    #: Articles whose engine (index, retriever, pipeline) stays loaded for new chatbots; the
    #: least recently used beyond this are dropped (~4 MB each for a short article).
    max_articles: int = 16
    #: Web chat: uploads one session may add, and uploaded articles all live sessions may hold.
    max_session_uploads: int = 10
    max_uploads: int = 200
    #: Web chat: disk the kept articles (uploaded, fetched, pasted) and their indexes may
    #: fill, in MB; the least recently used beyond it are deleted.
    max_disk_mb: int = 2000
    #: Web chat on an address beyond loopback: networks its links may reach even though
    #: they are private or local ("10.0.0.0/8,192.168.1.5"; comma-separated). Links to
    #: loopback, private, link-local and metadata addresses are refused otherwise.
    fetch_allow: str = ""

    def __post_init__(self) -> None:
        _check_kinds(self)
        _check_at_least(
            self, dict.fromkeys(("max_articles", "max_session_uploads", "max_uploads", "max_disk_mb"), 1)
        )
        try:
            if self.fetch_allow.strip():
                self.links(private=False)
        except ValueError as e:
            raise ConfigError(f"fetch_allow: {e}") from None

    def links(self, private: bool) -> FetchPolicy:
        """What links the web chat may fetch: any (``private``, a server on loopback that
        only this machine reaches), else public addresses and ``fetch_allow``'s networks."""
        from index.fetch import FetchPolicy

        allow = tuple(n.strip() for n in self.fetch_allow.split(",") if n.strip())
        return FetchPolicy(allow_private=private, allow=allow)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Serving:
        """Bounds from ``QA_MAX_ARTICLES``, ``QA_MAX_SESSION_UPLOADS``, ``QA_MAX_UPLOADS``,
        ``QA_MAX_DISK_MB`` and ``QA_FETCH_ALLOW``."""
        return cls(**_from_env(cls, environ, overrides))


#: The least each whole-number setting may be.
_AT_LEAST = {
    "threads": 1,
    "top_k": 1,
    "fetch_k": 1,
    "max_question_chars": 1,
    "llm_threads": 1,
    "llm_context": 1,
    "llm_max_tokens": 1,
    "llm_state_cache_mb": 0,
    "llm_timeout": 1,
}

#: A field's annotation: its Python type, and what it is called for a person.
_KINDS: dict[str, tuple[type, str]] = {
    "int": (int, "a whole number"),
    "float": (float, "a number"),
    "bool": (bool, "True or False"),
    "str": (str, "text"),
    "Path": (Path, "a path"),
}


def _check_kinds(obj: Any) -> None:
    """Raise a ConfigError for a field whose value is not of its annotated kind. A path
    given as text becomes a Path, and a whole number given for a float a float."""
    for f in fields(obj):
        value = getattr(obj, f.name)
        kind = str(f.type)
        optional = kind.endswith(" | None")
        kind = kind.removesuffix(" | None")
        if value is None and optional:
            continue
        if kind == "Path" and isinstance(value, str | os.PathLike):
            object.__setattr__(obj, f.name, Path(value))
        elif kind == "float" and isinstance(value, int) and not isinstance(value, bool):
            object.__setattr__(obj, f.name, float(value))
        elif not _is_kind(value, kind):
            wanted = _KINDS[kind][1] + (" or None" if optional else "")
            raise ConfigError(f"{f.name} must be {wanted}; got {value!r} ({type(value).__name__})")


def _is_kind(value: object, kind: str) -> bool:
    if isinstance(value, bool):  # a bool is an int to Python, not to a person
        return kind == "bool"
    return isinstance(value, _KINDS[kind][0])


def _check_at_least(obj: Any, least: Mapping[str, int]) -> None:
    for name, low in least.items():
        if getattr(obj, name) < low:
            raise ConfigError(f"{name} must be at least {low}; got {getattr(obj, name)!r}")


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


def _from_env(
    cls: type, environ: Mapping[str, str] | None, overrides: Mapping[str, object]
) -> dict[str, Any]:
    """The keyword arguments of ``cls`` that ``QA_<FIELD>`` variables and ``overrides`` set."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in fields(cls):
        raw = env.get(f"QA_{f.name.upper()}")
        if raw is None or raw == "":
            continue
        values[f.name] = _parse(f.name, f.type, raw)
    values.update({k: v for k, v in overrides.items() if v is not None})
    return values


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
