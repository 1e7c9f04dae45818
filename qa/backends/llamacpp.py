"""A GGUF model run in-process by llama.cpp, as a LangChain chat model.

Reading the prompt is most of an answer's time on a CPU (about 30 ms a token
on two cores, against a few ms to copy an evaluated state), so this backend
evaluates as little of it as it can:

- llama.cpp itself reuses the start a prompt shares with what the context holds;
- :meth:`LlamaCppChat.warm` saves the evaluated fixed instructions to disk, so a
  new process does not read them again;
- :class:`PromptStates` keeps the states of earlier prompts in memory, so a
  prompt that starts like one of them (the same evidence for another question)
  restores that state and reads only what differs.

The model is loaded without llama.cpp's extra buffer types on a CPU with AMX,
where llama.cpp crashes with them, and where they were measured to bring no
speed (:func:`use_extra_bufts`).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
import json
import logging
import math
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel, generate_from_stream
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGenerationChunk, ChatResult

from qa.backends import models
from qa.core.pointing import HELD_SOUND_LOGPROB, Copied
from qa.errors import ConfigError, ModelError
from qa.lang import sound
from qa.lang.sound import RUN, has_sound, may_sound_like, sounds_like
from qa.settings import EXTRA_BUFTS

#: The two replies ``LlamaCppChat.yes_no`` weighs against each other (qa.core.judge's prompt
#: asks for one of them): the first token of each.
YES = "Yes"
NO = "No"

if TYPE_CHECKING:
    from llama_cpp import Llama
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

log = logging.getLogger(__name__)


@dataclass
class Loaded:
    """A model loaded once per process, with the lock its callers queue on and its saved states."""

    llama: Llama
    #: Whether the weights went into llama.cpp's extra buffer types (:func:`use_extra_bufts`).
    extra_bufts: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock)
    states: PromptStates = field(default_factory=lambda: PromptStates(0))
    formatter: Jinja2ChatFormatter | None = None
    #: Every token's bytes and the tokens of each byte string (:func:`_token_bytes`).
    pieces: tuple[list[bytes], dict[bytes, tuple[int, ...]]] | None = None
    #: The tokens of Latin letters (:func:`_latin_pieces`).
    latin: list[int] | None = None
    pieces_lock: threading.Lock = field(default_factory=threading.Lock)


_models: dict[tuple[str, int, int, bool], Loaded] = {}
_models_lock = threading.Lock()

AMX_FLAGS = frozenset({"amx_int8", "amx_tile", "amx_bf16"})


def use_extra_bufts(system_info: str, cpu_flags: Iterable[str] = (), setting: str = "auto") -> bool:
    """Whether llama.cpp should load the weights into its extra buffer types.

    ``system_info`` is ``llama_cpp.llama_print_system_info()`` (what llama.cpp
    was built for), ``cpu_flags`` the CPU's ``flags`` in ``/proc/cpuinfo``,
    ``setting`` ``Settings.llm_extra_bufts``: ``on`` and ``off`` decide, ``auto``
    goes by the CPU.

    >>> use_extra_bufts("CPU : AVX2 = 1 | AVX512 = 1 | AMX_INT8 = 1 | REPACK = 1 |")
    False
    >>> use_extra_bufts("CPU : AVX2 = 1 | AVX512 = 1 | REPACK = 1 |", {"avx2", "avx512f"})
    True

    The extra buffer types hold the weights laid out for the CPU's kernels:
    interleaved ("repacked") for AVX2, AVX-512 or ARM, or in AMX tiles. ``auto``
    turns them off

    - on a CPU with AMX: there llama.cpp (llama-cpp-python 0.3.36) crashes at
      the first decode, SIGSEGV in ``ggml_backend_amx_mul_mat``
      (ggml-org/llama.cpp#20824, closed stale without a fix, so no version to
      pin). The build's ``AMX_INT8 = 1`` or the CPU's ``amx_*`` flag is
      reason enough: without extra buffer types nothing is lost but some speed.
    - where llama.cpp's kernels are AVX2 ones (no AVX-512): on a 2-core AMD
      EPYC (AVX2) with the bundled Q4_K_M model, repacked weights were never
      faster (``python -m bench.extra_bufts``, paired runs, 1 and 2 threads:
      prompts read at 0.80-1.00x the speed, 0.86x at the quietest, 21.5
      against 24.6 tok/s on 1 thread; tokens written at 0.87-1.04x, 7.2
      against 8.4 tok/s), and took 1-2 s longer to load and 600 MB more
      memory (1,867 against 1,270 MB RSS).

    and keeps them elsewhere (AVX-512 without AMX, ARM), llama.cpp's default,
    where its repacking kernels are the ones upstream reports faster.
    """
    if setting not in EXTRA_BUFTS:
        raise ConfigError(f"llm_extra_bufts must be one of {', '.join(EXTRA_BUFTS)}; got {setting!r}")
    if setting != "auto":
        return setting == "on"
    built = {name for name, value in re.findall(r"(\w+) = (\d+)", system_info) if value != "0"}
    if "AMX_INT8" in built or AMX_FLAGS & set(cpu_flags):
        return False
    return not ("AVX2" in built and "AVX512" not in built)


@functools.cache
def system_info() -> str:
    """llama.cpp's line of the features it was built with and found (``AVX2 = 1 | ...``)."""
    import llama_cpp

    return llama_cpp.llama_print_system_info().decode("utf-8", "replace").strip()


@functools.cache
def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags as Linux reports them (none elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.partition(":")[2].split())
    except OSError:
        pass
    return frozenset()


@contextlib.contextmanager
def model_params(**fields: Any) -> Iterator[None]:
    """Within the block, ``Llama(...)`` loads with these ``llama_model_params`` fields.

    ``Llama.__init__`` has no keyword for ``use_extra_bufts``: it takes its
    params from ``llama_model_default_params()`` and loads the model in the same
    call, leaving no moment to change them in between (a subclass has none
    either). So for the block that function returns them changed; hold a lock
    around it, as :func:`load_llama` does, when other threads may load models.
    """
    import llama_cpp.llama_cpp as lib  # the module Llama.__init__ reads it from

    default = lib.llama_model_default_params

    def changed() -> Any:
        params = default()
        for name, value in fields.items():
            setattr(params, name, value)
        return params

    lib.llama_model_default_params = changed
    try:
        yield
    finally:
        lib.llama_model_default_params = default


def load_llama(path: str, n_ctx: int, n_threads: int, extra_bufts: str = "auto") -> Loaded:
    """The process's llama.cpp model for this file, loaded once.

    A llama.cpp context holds one conversation's state: two threads
    generating at once would corrupt it, so callers queue on ``Loaded.lock``.
    ``extra_bufts`` is ``Settings.llm_extra_bufts`` (see :func:`use_extra_bufts`).
    """
    try:
        from llama_cpp import Llama
    except ImportError:
        raise ModelError(f"llama-cpp-python is not installed; run: {models.INSTALL_HINT}") from None
    use = use_extra_bufts(system_info(), cpu_flags(), extra_bufts)
    key = (path, n_ctx, n_threads, use)
    with _models_lock:
        if key not in _models:
            try:
                with model_params(use_extra_bufts=use):
                    llama = Llama(
                        model_path=path,
                        n_ctx=n_ctx,
                        n_threads=n_threads,
                        n_threads_batch=n_threads,
                        verbose=False,
                    )
            except (ValueError, RuntimeError) as e:
                raise ModelError(f"llama.cpp cannot load {path!r}: {e}") from None
            _models[key] = Loaded(llama, use, formatter=_formatter(llama))
        return _models[key]


def _formatter(llama: Llama) -> Jinja2ChatFormatter | None:
    """The GGUF's own chat template, as ``create_chat_completion`` uses it by default."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    template = llama.metadata.get("tokenizer.chat_template")
    if not template or llama.chat_handler or llama.chat_format != "chat_template.default":
        return None

    def text(token: int) -> str:
        return llama.detokenize([token], special=True).decode("utf-8", "replace") if token != -1 else ""

    return Jinja2ChatFormatter(
        template=template, eos_token=text(llama.token_eos()), bos_token=text(llama.token_bos())
    )


class PromptStates:
    """Evaluated prompts kept in memory, restored when a new prompt starts like one of them.

    A state is the model's context after a prompt (and its answer): about
    30 kB a token, 15 MB for a 500-token prompt. One is kept for each
    distinct continuation after the part every prompt shares (the messages
    before the last); the least recently used go first when the states
    exceed ``capacity`` bytes.
    """

    #: Tokens a state must save over evaluating, to be worth restoring or keeping.
    MIN_GAIN = 8

    def __init__(self, capacity: int) -> None:
        self._states: OrderedDict[int, tuple[np.ndarray, bytes]] = OrderedDict()
        self._next = 0
        self._reused: int | None = None  # the state the context came from, if any
        self.capacity = capacity

    def __len__(self) -> int:
        return len(self._states)

    @property
    def capacity(self) -> int:
        return self._capacity

    @capacity.setter
    def capacity(self, value: int) -> None:
        self._capacity = value
        self._trim()

    def _trim(self) -> None:
        while self._states and self.size > self._capacity:
            self._states.popitem(last=False)

    @property
    def size(self) -> int:
        return sum(len(data) for _, data in self._states.values())

    def restore(self, llama: Llama, prompt: list[int], shared: int) -> None:
        """Load the state sharing the longest start with ``prompt`` when it saves more than
        the context already holds. That may be no more than ``shared``, the start of
        every prompt of its kind: after a prompt of another kind (the judge's between
        two answers) the context no longer holds it, and reading the writer's fixed
        instructions again took 8-10 s of a judged turn here."""
        import llama_cpp

        held = _common_prefix(llama.input_ids[: llama.n_tokens], prompt)
        best, best_len = None, 0
        for key, (tokens, _) in self._states.items():
            n = _common_prefix(tokens, prompt)
            if n > best_len:
                best, best_len = key, n
        self._reused = best if best is not None and best_len > shared + self.MIN_GAIN else None
        if best is None or best_len <= held + self.MIN_GAIN:
            return
        tokens, data = self._states[best]
        buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        if llama_cpp.llama_state_seq_set_data(llama.ctx, buf, len(data), 0) != len(data):
            llama.reset()  # the context is in an unknown state: evaluate from scratch
            self._states.pop(best)
            return
        _holds(llama, tokens)
        self._states.move_to_end(best)

    def keep(self, llama: Llama) -> None:
        """Keep the context's state whatever it holds: a warmed prompt's fixed instructions,
        which a prompt of that kind restores after one of another kind."""
        self._reused = None
        self.save(llama, 0)

    def save(self, llama: Llama, shared: int) -> None:
        """Keep the context's state, unless a kept one already covers its start after ``shared``."""
        import llama_cpp

        tokens = llama.input_ids[: llama.n_tokens].copy()
        if self.capacity <= 0 or len(tokens) <= shared + self.MIN_GAIN:
            return
        if self._reused is not None and self._reused in self._states:
            self._states.move_to_end(self._reused)  # this prompt continued a kept state: keep that one
            return
        size = llama_cpp.llama_state_seq_get_size(llama.ctx, 0)
        if size > self.capacity:
            return
        buf = (ctypes.c_uint8 * size)()
        n = llama_cpp.llama_state_seq_get_data(llama.ctx, buf, size, 0)
        if not n:
            return
        self._states[self._next] = (tokens, ctypes.string_at(buf, n))
        self._next += 1
        self._trim()


class LlamaCppChat(BaseChatModel):
    """A GGUF chat model run in-process by llama.cpp, as a LangChain chat model.

    >>> chat = LlamaCppChat(model_path="model.gguf")   # doctest: +SKIP
    >>> chat.invoke("Say hi").content                  # doctest: +SKIP
    'Hi!'

    The model is loaded on first use and shared by every instance naming the
    same file, context size and thread count; calls queue for it.
    """

    model_path: str
    n_ctx: int = 2048
    n_threads: int = 2
    max_tokens: int = 128
    temperature: float = 0.0
    #: Where :meth:`warm` keeps evaluated prompts between runs (``None``: nowhere).
    state_dir: str | None = None
    #: Memory for the states of earlier prompts (:class:`PromptStates`), in MB; 0 keeps none.
    state_cache_mb: int = 256
    #: ``auto``, ``on`` or ``off``: llama.cpp's extra buffer types (:func:`use_extra_bufts`).
    extra_bufts: str = "auto"

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "n_ctx": self.n_ctx, "temperature": self.temperature}

    def load(self) -> Llama:
        return load_llama(self.model_path, self.n_ctx, self.n_threads, self.extra_bufts).llama

    def warm(self, messages: list[BaseMessage]) -> None:
        """Have ``messages`` evaluated, so that prompts starting like them start fast.

        Evaluating a few hundred tokens of fixed instructions costs 10-30 s on
        two cores; the evaluated state (about 30 kB a token) is saved to
        ``state_dir`` the first time and read back on later starts, and kept in
        memory (:class:`PromptStates`) for prompts of this kind that follow one of
        another kind.
        """
        model = load_llama(self.model_path, self.n_ctx, self.n_threads, self.extra_bufts)
        llama = model.llama
        with model.lock:
            model.states.capacity = self.state_cache_mb << 20
            path = self._state_file(messages)
            if not (path and _restore(llama, path)):
                llama.create_chat_completion(messages=_as_dicts(messages), max_tokens=1, temperature=0)
                if path:
                    _save(llama, path)
            model.states.keep(llama)
        if model.pieces is None:
            # Every English question copies; the token table a copy needs is read while
            # the process waits for its first question, not during it.
            threading.Thread(target=_token_bytes, args=(model,), name="qa-token-table", daemon=True).start()

    def yes_no(self, prompts: list[list[BaseMessage]]) -> list[float]:
        """For each prompt, how much likelier the model's reply starts with "Yes" than
        with "No": the difference of the two tokens' logits, nothing generated.

        Prompts that start alike (one question asked of several sentences) are read
        once up to where they differ: only each one's own end is evaluated.
        """
        model = load_llama(self.model_path, self.n_ctx, self.n_threads, self.extra_bufts)
        llama, states = model.llama, model.states
        if model.formatter is None:
            raise ModelError(f"{Path(self.model_path).name} has no chat template to judge with")
        yes, no = (llama.tokenize(word.encode(), add_bos=False, special=False)[0] for word in (YES, NO))
        out = []
        with model.lock:
            states.capacity = self.state_cache_mb << 20
            for n, messages in enumerate(prompts):
                prompt, shared = _tokens(llama, model.formatter, messages)
                if len(prompt) > llama.n_ctx():
                    raise ModelError(f"llama.cpp: a prompt of {len(prompt)} tokens exceeds the context")
                _read(llama, states if n == 0 else None, prompt, shared)
                logits = np.ctypeslib.as_array(llama._ctx.get_logits(), shape=(llama.n_vocab(),))
                out.append(float(logits[yes] - logits[no]))
                if n == 0 and states.capacity > 0:
                    states.save(llama, shared)
        return out

    def copy_span(
        self,
        messages: list[BaseMessage],
        sources: list[str],
        decline: str,
        then: str = "",
        max_tokens: int = 32,
    ) -> Copied:
        """The model's reply to ``messages``, held to a copy of words of ``sources``.

        Decoding is greedy, and each step may take only a token that keeps the
        reply a piece of one of the sources (and the end of the reply once it is
        one): whatever the model would rather write, what comes back is the
        article's own text. ``decline`` is the reply the prompt offers for "not
        there": the log-probability of its first token at the first step is
        returned, not generated, beside the span's own. With ``then``, the reply
        goes on after a copy with those words and then freely, greedy, to the end
        of its line (``Copied.after``: the prompt's English rendering of the copy).
        """
        model = load_llama(self.model_path, self.n_ctx, self.n_threads, self.extra_bufts)
        llama = model.llama
        if model.formatter is None:
            raise ModelError(f"{Path(self.model_path).name} has no chat template to copy with")
        pieces, by_bytes = _token_bytes(model)
        wanted = [" ".join(s.split()).encode() for s in sources]
        ends = _ends(llama)
        refuse = llama.tokenize(decline.encode(), add_bos=False, special=False)[0]
        with model.lock:
            model.states.capacity = self.state_cache_mb << 20
            prompt, shared = _tokens(llama, model.formatter, messages)
            if len(prompt) + max_tokens > llama.n_ctx():
                raise ModelError(f"llama.cpp: a prompt of {len(prompt)} tokens exceeds the context")
            _read(llama, model.states, prompt, shared)
            if model.states.capacity > 0:
                model.states.save(llama, shared)
            lp = _log_softmax(llama)
            declined = float(lp[refuse])
            # Tokens that are a piece of some source: the only ones a copy can be made of.
            pool = _pieces_of(by_bytes, wanted)
            starts = [t for t in pool if pieces[t].strip()]
            if not starts:
                return Copied("", 0.0, float("-inf"), float("-inf"), declined)
            first = float(np.logaddexp.reduce(lp[starts]))
            reply, taken = _held_greedy(
                llama,
                lp,
                (pool, pieces, ends),
                lambda text: bool(text.strip()) and any(text in w for w in wanted),
                lambda text: bool(text) and _whole(text),
                max_tokens,
            )
            after = _go_on(llama, then, ends, pieces, max_tokens) if then and reply else ""
        start = taken[0] if taken else float("-inf")
        return Copied(reply.decode("utf-8", "ignore").strip(), sum(taken), first, start, declined, after)

    def say_within(
        self,
        messages: list[BaseMessage],
        prefix: str,
        words: Iterable[str],
        groups: Sequence[Iterable[str]] = (),
        sounds: Sequence[tuple[str, Iterable[int]]] = (),
        max_tokens: int = 16,
    ) -> str:
        """The model's reply to ``messages`` after ``prefix``, held to ``words``: greedy,
        each step only a token that keeps what follows ``prefix`` a run of those words
        (each in one case) between spaces, commas, hyphens and apostrophes, and the end
        only after a whole one; with ``groups``, none of their words twice, and the end
        only once each group has had one of its words ("harp performance" for 하프연주,
        not "harp"). With ``sounds`` ((Hangul, the groups it says)), a run of up to three
        other words may say one of those by its sound (``qa.lang.sound``: "Lloyd
        Marshall" for 로이드 마셜), once, and then counts for its groups: a group with no
        words must be said so; such a reply is kept only when its tokens' mean
        log-probability reaches :data:`~qa.core.pointing.HELD_SOUND_LOGPROB`. '' when
        no such reply ends within ``max_tokens``. The context left by a copy (``prefix``
        its reply so far) is read on from where it differs, so the prompt is not read
        again."""
        model = load_llama(self.model_path, self.n_ctx, self.n_threads, self.extra_bufts)
        llama = model.llama
        if model.formatter is None:
            raise ModelError(f"{Path(self.model_path).name} has no chat template to write with")
        held = _Held(words, groups, sounds)
        if not held.possible:
            return ""
        pieces, by_bytes = _token_bytes(model)
        pool = _spelling_pieces(by_bytes, held.vocabulary)
        if held.sounds:
            pool = sorted(set(pool) | set(_latin_pieces(model)))
        ends = _ends(llama)
        with model.lock:
            model.states.capacity = self.state_cache_mb << 20
            prompt, shared = _tokens(llama, model.formatter, messages)
            prompt += llama.tokenize(prefix.encode(), add_bos=False, special=False)
            if len(prompt) + max_tokens > llama.n_ctx():
                raise ModelError(f"llama.cpp: a prompt of {len(prompt)} tokens exceeds the context")
            _read(llama, model.states, prompt, shared)
            reply, taken = _held_greedy(
                llama, _log_softmax(llama), (pool, pieces, ends), held.allows, held.ends, max_tokens
            )
        if not held.ends(reply):
            return ""
        if held.sounded(reply) and sum(taken) / len(taken) < HELD_SOUND_LOGPROB:
            return ""  # the model was pushed into spelling it ("Diamon De-azel")
        return reply.decode("utf-8", "ignore").strip()

    def _state_file(self, messages: list[BaseMessage]) -> Path | None:
        if not self.state_dir:
            return None
        import llama_cpp

        st = Path(self.model_path).stat()
        key = [self.model_path, st.st_size, st.st_mtime_ns, self.n_ctx, llama_cpp.__version__]
        key += _as_dicts(messages)
        digest = hashlib.sha256(json.dumps(key, ensure_ascii=False).encode()).hexdigest()[:16]
        return Path(self.state_dir) / f"{Path(self.model_path).stem}.prompt-{digest}.state"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return generate_from_stream(self._stream(messages, stop, run_manager, **kwargs))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        model = load_llama(self.model_path, self.n_ctx, self.n_threads, self.extra_bufts)
        llama, states = model.llama, model.states
        # Held until the caller has read the last piece (or closed the stream).
        with model.lock:
            states.capacity = self.state_cache_mb << 20
            shared = 0
            if model.formatter and states.capacity > 0:
                prompt, shared = _tokens(llama, model.formatter, messages)
                states.restore(llama, prompt, shared)
            held = llama.input_ids[: llama.n_tokens].copy()  # what the context holds: reused if it matches
            try:
                chunks = llama.create_chat_completion(
                    messages=_as_dicts(messages),
                    temperature=self.temperature,
                    max_tokens=kwargs.get("max_tokens", self.max_tokens),
                    stop=stop or [],
                    stream=True,
                )
                prompt_tokens, cached, pieces, finish = 0, 0, 0, None
                for chunk in cast(Iterator[dict[str, Any]], chunks):
                    choice = chunk["choices"][0]
                    finish = choice.get("finish_reason") or finish
                    text = str(choice["delta"].get("content") or "")
                    if not text:
                        continue
                    if not pieces:
                        # The prompt is in the context and the new token not yet: this is its size.
                        prompt_tokens = llama.n_tokens
                        cached = _common_prefix(held, llama.input_ids[:prompt_tokens])
                    pieces += 1
                    gen = ChatGenerationChunk(message=AIMessageChunk(content=text))
                    if run_manager:
                        run_manager.on_llm_new_token(text, chunk=gen)
                    yield gen
            except ValueError as e:  # the prompt does not fit the context, mostly
                raise ModelError(f"llama.cpp: {e}") from None
            if model.formatter:
                states.save(llama, shared)
        usage = UsageMetadata(
            input_tokens=prompt_tokens,
            output_tokens=pieces,
            total_tokens=prompt_tokens + pieces,
            input_token_details={"cache_read": cached},
        )
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                usage_metadata=usage,
                response_metadata={"finish_reason": finish, "model_name": Path(self.model_path).name},
            )
        )


def _tokens(
    llama: Llama, formatter: Jinja2ChatFormatter, messages: list[BaseMessage]
) -> tuple[list[int], int]:
    """The prompt's tokens, and how many of them come before the last message's content."""

    def tokenize(msgs: Any) -> list[int]:
        text = formatter(messages=msgs).prompt
        return llama.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    msgs = _as_dicts(messages)
    prompt = tokenize(msgs)
    blank = tokenize([*msgs[:-1], {**msgs[-1], "content": ""}])
    return prompt, _common_prefix(prompt, blank)


def _read(llama: Llama, states: PromptStates | None, prompt: list[int], shared: int) -> None:
    """Evaluate ``prompt``, from a kept state (``states``) or what the context holds of it,
    so that the logits left are its last token's."""
    if states is not None and states.capacity > 0:
        states.restore(llama, prompt, shared)
    # Keep what the context holds of this prompt; the last token is always read again.
    llama.n_tokens = min(_common_prefix(llama.input_ids[: llama.n_tokens], prompt), len(prompt) - 1)
    try:
        llama.eval(prompt[llama.n_tokens :])
    except (ValueError, RuntimeError) as e:
        llama.reset()  # the context is in an unknown state
        raise ModelError(f"llama.cpp: {e}") from None


def _log_softmax(llama: Llama) -> np.ndarray:
    """The log-probabilities of the next token after what the context last read."""
    x = np.ctypeslib.as_array(llama._ctx.get_logits(), shape=(llama.n_vocab(),)).astype(np.float64)
    x -= x.max()
    return x - math.log(float(np.exp(x).sum()))


def _token_bytes(model: Loaded) -> tuple[list[bytes], dict[bytes, tuple[int, ...]]]:
    """Every token's bytes, and the tokens of each byte string, read from the model once
    (~0.3-0.5 s here: after :meth:`LlamaCppChat.warm`, in a thread of its own, or by the
    first copy)."""
    with model.pieces_lock:
        if model.pieces is None:
            llama = model.llama
            pieces = [llama.detokenize([t]) for t in range(llama.n_vocab())]
            grouped: dict[bytes, list[int]] = {}
            for t, b in enumerate(pieces):
                if b and len(b) <= _LONGEST_PIECE:
                    grouped.setdefault(b, []).append(t)
            model.pieces = (pieces, {b: tuple(ts) for b, ts in grouped.items()})
        return model.pieces


#: The longest token of a byte-level BPE vocabulary that a copy would use (Qwen2.5's
#: Hangul and Latin words are far shorter).
_LONGEST_PIECE = 24


def _pieces_of(index: dict[bytes, tuple[int, ...]], sources: list[bytes]) -> list[int]:
    """The tokens whose bytes occur in one of ``sources``."""
    found: set[int] = set()
    for src in sources:
        for i in range(len(src)):
            for j in range(i + 1, min(len(src), i + _LONGEST_PIECE) + 1):
                found.update(index.get(src[i:j], ()))
    return sorted(found)


def _held_greedy(
    llama: Llama,
    lp: np.ndarray,
    tokens: tuple[list[int], list[bytes], list[int]],
    allowed: Callable[[bytes], bool],
    may_end: Callable[[bytes], bool],
    max_tokens: int,
) -> tuple[bytes, list[float]]:
    """Greedy decoding from the log-probabilities ``lp`` of what the context last read,
    each step taking only a token of the pool (``tokens``: the pool, every token's bytes,
    the end tokens) that keeps the reply ``allowed``, or an end once the reply
    ``may_end``: the reply, and the log-probability of each token taken."""
    pool, pieces, ends = tokens
    candidates = np.asarray(pool, dtype=np.int64)
    reply, taken = b"", []
    for _ in range(max_tokens):
        token = _best(candidates, lp, functools.partial(_extends, allowed, reply, pieces))
        if may_end(reply) and ends:
            end = max(ends, key=lp.__getitem__)
            if token is None or lp[end] > lp[token]:
                break
        if token is None:
            break
        taken.append(float(lp[token]))
        reply += pieces[token]
        try:
            llama.eval([token])
        except (ValueError, RuntimeError) as e:
            llama.reset()
            raise ModelError(f"llama.cpp: {e}") from None
        lp = _log_softmax(llama)
    return reply, taken


def _extends(allowed: Callable[[bytes], bool], reply: bytes, pieces: list[bytes], token: int) -> bool:
    return allowed(reply + pieces[token])


def _best(candidates: np.ndarray, lp: np.ndarray, allowed: Callable[[int], bool]) -> int | None:
    """The most likely of ``candidates`` that is ``allowed`` (the first of them when
    several are as likely), or None; at most :data:`_TRIES` are tried."""
    order = candidates[np.argsort(-lp[candidates], kind="stable")]
    return next((int(t) for t in order[:_TRIES] if allowed(int(t))), None)


#: The most tokens one step of held decoding tries, most likely first: a copy's pool is a
#: few hundred to a few thousand; a sound's (any Latin letters) tens of thousands, where
#: what the model would write is near the top or not at all.
_TRIES = 8192


def _latin_pieces(model: Loaded) -> list[int]:
    """The tokens that are Latin letters, after a space or a hyphen or not: what a word
    said by its sound may be spelled with."""
    pieces, _ = _token_bytes(model)
    with model.pieces_lock:
        if model.latin is None:
            model.latin = [t for t, b in enumerate(pieces) if _LATIN_PIECE.fullmatch(b)]
        return model.latin


_LATIN_PIECE = re.compile(rb"[ -]?[A-Za-z]+")


#: A word :meth:`LlamaCppChat.say_within` may be held to, and what may stand between two.
_WORD_BYTES = re.compile(rb"[a-z0-9]+")
_SPELLED = re.compile(rb"([ ,'-]*)([A-Za-z0-9]*)")
_SPELLING = re.compile(rb"[ ,'A-Za-z0-9-]*")
_POSSESSIVE = re.compile(rb"'s\b")  # "Heaven's": read as a mark between words


def _spelling_pieces(index: dict[bytes, tuple[int, ...]], words: set[str]) -> list[int]:
    """The tokens that are a piece of one of ``words`` (in lower case, capitalised or in
    capitals, after a space or not), or only what may stand between two words."""
    found: set[int] = set()
    for w in words:
        for i in range(len(w)):
            for j in range(i + 1, min(len(w), i + _LONGEST_PIECE) + 1):
                piece = w[i:j]
                for form in {piece, piece.capitalize(), piece.upper()}:
                    for lead in ("", " ", "-"):
                        found.update(index.get((lead + form).encode(), ()))
    for between in (" ", ",", "-", "'", "'s", ", ", " -"):
        found.update(index.get(between.encode(), ()))
    return sorted(found)


class _Held:
    """What :meth:`LlamaCppChat.say_within` holds a reply to: ``words`` (each in one
    case), ``groups`` (one word of each, or a sound that says it; none of their words
    twice) and ``sounds`` (Hangul, the groups it says: each said once, by a run of up to
    :data:`~qa.lang.sound.RUN` words not among ``words``)."""

    def __init__(
        self,
        words: Iterable[str],
        groups: Sequence[Iterable[str]],
        sounds: Sequence[tuple[str, Iterable[int]]],
    ) -> None:
        self.vocabulary = {w.lower() for w in words if w and _WORD_BYTES.fullmatch(w.lower().encode())}
        self.needs = [{w.lower() for w in g} & self.vocabulary for g in groups]
        self.sounds = [(unit, frozenset(says)) for unit, says in sounds if has_sound(unit)]
        self.once = set().union(*self.needs)  # a word that says the span's is said once
        self.stems = {w[:i] for w in self.vocabulary for i in range(1, len(w) + 1)}
        by_sound = set().union(*(says for _, says in self.sounds))
        self.possible = bool(self.vocabulary) and all(n or i in by_sound for i, n in enumerate(self.needs))
        self.least = sound.HELD_SOUND_MIN

    def allows(self, text: bytes) -> bool:
        """Whether ``text`` may begin a reply: a run of the words (the last may be
        unfinished) and of sounds still on their way."""
        return self._keeps(text, whole=False)

    def ends(self, text: bytes) -> bool:
        """Whether ``text`` may be the whole reply: it ends on a whole word (not on a mark)
        after one of the groups' words or a sound, and every group has been said."""
        if text.rstrip().endswith((b"-", b",", b"'")):
            return False
        return self._keeps(text, whole=True)

    def sounded(self, text: bytes) -> bool:
        """Whether ``text`` says something by its sound: a word not among the words."""
        return any(w.lower() not in self.vocabulary for _, w in _spelled(text))

    def _keeps(self, text: bytes, whole: bool) -> bool:
        if not text.strip() or not _SPELLING.fullmatch(text):
            return False
        parts = _spelled(text)
        if not parts:
            return False
        if not all(w.islower() or w.isupper() or w.istitle() or w.isdigit() for _, w in parts):
            return False  # "SeeD": a word in one case, as written
        said = [w.lower() for _, w in parts]
        apart = [b"," in b for b, _ in parts]  # a comma ends a sound's words
        kinds = [w in self.vocabulary for w in said]  # True: a word, False: part of a sound
        if not whole and text[-1:].isalnum():  # the last word may be unfinished: either
            if said[-1] in self.stems and self._fits(said, apart, [*kinds[:-1], True], whole):
                return True
            return bool(self.sounds) and self._fits(said, apart, [*kinds[:-1], False], whole)
        return (kinds[-1] or bool(self.sounds)) and self._fits(said, apart, kinds, whole)

    def _fits(self, said: list[str], apart: list[bool], kinds: list[bool], whole: bool) -> bool:
        words = [w for w, k in zip(said, kinds, strict=True) if k]
        if len(set(words) & self.once) < sum(w in self.once for w in words):
            return False  # "Kang ... Kang"
        sounded = [w for w, k in zip(said, kinds, strict=True) if not k]
        if len(set(sounded)) < len(sounded):
            return False  # "Lloyd Marshall Lloyd"
        runs: list[list[str]] = []
        for w, k, before, comma in zip(said, kinds, [True, *kinds], apart, strict=False):
            if k:
                continue
            if before or comma:
                runs.append([w])
            else:
                runs[-1].append(w)
        by_word = {i for i, n in enumerate(self.needs) if n.intersection(words)}  # groups said in words
        taken: set[int] = set()  # the sounds said
        by_sound: set[int] = set()  # ... and the groups they said
        for n, run in enumerate(runs):
            if len(run) > RUN:
                return False
            # A sound says what no word and no other sound has said: not "Kang Chongseo" for 강씨.
            unsaid = [
                (unit, says, i)
                for i, (unit, says) in enumerate(self.sounds)
                if i not in taken and not says & (by_sound | by_word)
            ]
            heard = " ".join(run)
            if n == len(runs) - 1 and not whole and not kinds[-1]:  # still on its way
                return any(may_sound_like(unit, heard, self.least) for unit, _, _ in unsaid)
            fit = [(i, says) for unit, says, i in unsaid if sounds_like(unit, heard, self.least)]
            if not fit:
                return False
            i, says = max(fit, key=lambda f: (len(f[1]), -f[0]))  # the most it says, then the first
            taken.add(i)
            by_sound |= says
        if not whole:
            return True
        if len(by_word | by_sound) < len(self.needs):
            return False
        return not kinds[-1] or not self.needs or any(said[-1] in n for n in self.needs)


def _spelled(text: bytes) -> list[tuple[bytes, str]]:
    """The words of ``text`` and what stands before each ("'s" a mark between words)."""
    return [(b, w.decode()) for b, w in _SPELLED.findall(_POSSESSIVE.sub(b"'", text)) if w]


def _go_on(llama: Llama, then: str, ends: list[int], pieces: list[bytes], max_tokens: int) -> str:
    """The reply after what the context holds, led by ``then``: greedy, to the end of the
    line, the reply or ``max_tokens``."""
    out = b""
    try:
        llama.eval(llama.tokenize(then.encode(), add_bos=False, special=False))
        for _ in range(max_tokens):
            token = int(np.argmax(_log_softmax(llama)))
            if token in ends or b"\n" in pieces[token]:
                break
            out += pieces[token]
            llama.eval([token])
    except (ValueError, RuntimeError) as e:
        llama.reset()
        raise ModelError(f"llama.cpp: {e}") from None
    return out.decode("utf-8", "ignore").strip()


def _ends(llama: Llama) -> list[int]:
    """The tokens that end a reply: the chat template's end of turn and the end of text."""
    import llama_cpp

    vocab = llama_cpp.llama_model_get_vocab(llama.model)
    ends = {llama.token_eos(), int(llama_cpp.llama_vocab_eot(vocab))}
    return sorted(t for t in ends if t >= 0 and llama_cpp.llama_vocab_is_eog(vocab, t))


def _whole(text: bytes) -> bool:
    """Whether ``text`` ends on a whole UTF-8 character."""
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _common_prefix(a: Any, b: Any) -> int:
    a, b = np.asarray(a), np.asarray(b)
    n = min(len(a), len(b))
    same = a[:n] == b[:n]
    return n if same.all() else int(same.argmin())


def _save(llama: Llama, path: Path) -> None:
    import llama_cpp

    n = llama.n_tokens
    tokens = (llama_cpp.llama_token * n)(*llama.input_ids[:n].tolist())
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if llama_cpp.llama_state_save_file(llama.ctx, str(tmp).encode(), tokens, n):
            os.replace(tmp, path)
            # States of earlier prompts are dead weight (15 MB each).
            for old in path.parent.glob(path.name.split(".prompt-")[0] + ".prompt-*.state"):
                if old != path:
                    old.unlink(missing_ok=True)
    except OSError as e:  # only costs the evaluation next time
        log.debug("cannot save the prompt state to %s: %s", path, e)
    finally:
        tmp.unlink(missing_ok=True)


def _restore(llama: Llama, path: Path) -> bool:
    import llama_cpp

    if not path.is_file():
        return False
    tokens = (llama_cpp.llama_token * llama.n_ctx())()
    n = ctypes.c_size_t(0)
    if not llama_cpp.llama_state_load_file(
        llama.ctx, str(path).encode(), tokens, llama.n_ctx(), ctypes.byref(n)
    ):
        llama.reset()
        return False
    _holds(llama, tokens[: n.value])
    return True


def _holds(llama: Llama, tokens: Any) -> None:
    """Tell llama-cpp-python what a restored context holds, so that its prefix matching
    reuses it (it compares new prompts with ``input_ids[:n_tokens]``)."""
    llama.input_ids[: len(tokens)] = tokens
    llama.n_tokens = len(tokens)


_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


def _as_dicts(messages: list[BaseMessage]) -> Any:  # llama_cpp's message TypedDicts
    return [{"role": _ROLES.get(m.type, "user"), "content": m.text} for m in messages]
