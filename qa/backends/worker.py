"""llama.cpp in a worker process, so that its crash or hang costs one answer, not the server.

llama.cpp is native code: a segfault (ggml-org/llama.cpp#20824 on a CPU with
AMX), an out-of-memory kill or a hang in it would take every session of the
web chat down with it if it ran in-process. Here the model runs in one child
process per model file and configuration (:class:`Worker`), shared by every
engine and article of the process, and :class:`WorkerChat` is the LangChain
chat model that talks to it. What the model holds (the loaded weights, the
context, the kept prompt states of :class:`qa.backends.llamacpp.PromptStates`) lives in
the worker and goes with it.

- An answer the worker dies in (a crash, SIGKILL, the OOM killer) or does not
  finish within its deadline (``Settings.llm_deadline``; the worker is then
  killed) raises :class:`~qa.errors.WorkerError`; the writer answers with the
  extractive answer and ``meta["fallback"]`` says why.
- A supervising thread starts the worker at once and a fresh one whenever it
  ends. A fresh one loads the model and restores the evaluated instructions
  (read back from disk, see :meth:`qa.backends.llamacpp.LlamaCppChat.warm`) before an
  answer is let through; answers meanwhile wait for it up to their deadline.
- The worker ends with this process: the parent kills it at exit, and the
  worker asks Linux to kill it when its parent dies (``PR_SET_PDEATHSIG``) and
  watches its parent's pid besides.

Messages are pickles over a socket pair (:mod:`multiprocessing.connection`).
In: ``("warm", messages, state_dir)``, ``("stream", messages, params)``,
``("yes_no", prompts, params)``, ``("copy_span", messages, sources, decline, then, params)``,
``("say_within", messages, prefix, words, groups, sounds, params)``, ``("cancel",)``. Out: ``("ready",
info)``, ``("warmed",)``, ``("chunk", ChatGenerationChunk)``, ``("end",)``, ``("scores",
[float])``, ``("copied", fields)``, ``("said", text)``, ``("error", message)``.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel, generate_from_stream
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult

from qa.core.pointing import Copied
from qa.errors import ModelError, WorkerError

log = logging.getLogger(__name__)

#: Seconds a worker may take to start: load the model and restore (or, the first
#: time, evaluate: 10-30 s on two cores) the fixed instructions.
STARTUP = 300.0
#: Seconds between attempts to start a worker that keeps dying as it starts (doubling).
BACKOFF = (1.0, 60.0)

# The child: this checkout's qa first on the path, as in the parent.
_CHILD = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from qa.backends._llm_worker import main; main(*sys.argv[2:])"
)
_ROOT = str(Path(__file__).resolve().parents[2])  # the folder that holds qa/


@dataclass(frozen=True)
class ModelSpec:
    """What a worker loads; one worker per distinct spec (normally one per process)."""

    model_path: str
    n_ctx: int
    n_threads: int
    extra_bufts: str


def _ended(code: int | None) -> str:
    if code is None:
        return "stopped answering"
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"was killed by {signal.Signals(-code).name}"
    return f"exited with status {code}"


def _alive(proc: subprocess.Popen[bytes]) -> bool:
    """Whether the process still runs. ``Popen.poll()`` cannot say while another thread
    waits for it (it answers "running"); ``waitid`` with WNOWAIT looks without reaping."""
    if proc.returncode is not None:
        return False
    if not hasattr(os, "waitid"):
        return proc.poll() is None
    try:
        return os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None
    except ChildProcessError:  # reaped already
        return False


class Worker:
    """One llama.cpp model in a supervised child process; answers queue for it.

    Started at once (in the background: :meth:`wait_started` waits); restarted
    whenever its process ends, unless it never came up (then :attr:`failure`
    says why and no answer is sent to it).
    """

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        #: Why the last worker ended, or why none runs; empty while all is well.
        self.failure = ""
        #: Workers started after the first (crashed, killed or timed out ones replaced).
        self.restarts = 0
        self._lock = threading.Lock()  # one answer at a time: a context holds one conversation
        self._changed = threading.Condition()
        self._state = "starting"  # "ready", "starting", "down" (between attempts, or given up)
        self._proc: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self._warm: dict[str, tuple[list[BaseMessage], str | None]] = {}
        self._closing = False
        # The thread that starts a child must outlive it: PR_SET_PDEATHSIG fires when it ends.
        self._thread = threading.Thread(target=self._supervise, name="qa-llm-worker", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    @property
    def pid(self) -> int | None:
        """The running worker's process id (``None`` while none runs)."""
        proc = self._proc
        return proc.pid if proc is not None and self._state == "ready" and _alive(proc) else None

    def wait_started(self, timeout: float = STARTUP) -> None:
        """Wait until the worker is ready; :class:`ModelError` saying why when it cannot start."""
        if not self._wait_ready(timeout):
            raise ModelError(f"the LLM worker did not start: {self.failure or 'it is still loading'}")

    def warm(self, messages: list[BaseMessage], state_dir: str | None) -> None:
        """Have the worker evaluate ``messages`` (see :meth:`qa.backends.llamacpp.LlamaCppChat.warm`),
        now and again in every worker that replaces it."""
        key = json.dumps([state_dir, [(m.type, m.text) for m in messages]], ensure_ascii=False)
        self._warm.setdefault(key, (messages, state_dir))
        with self._lock:
            self.wait_started()
            proc, conn = self._proc, self._conn
            assert proc is not None and conn is not None
            with contextlib.suppress(OSError):  # dead: _receive says how
                conn.send(("warm", messages, state_dir))
            end = time.monotonic() + STARTUP
            self._expect(self._receive(proc, conn, end, during="as it read the instructions"), "warmed")

    def stream(
        self, messages: list[BaseMessage], params: dict[str, Any], deadline: float
    ) -> Iterator[ChatGenerationChunk]:
        """The worker's answer to ``messages``, as it writes it; :class:`WorkerError` when the
        worker dies in it or takes more than ``deadline`` seconds over it (it is then killed)."""
        with self._lock:
            if not self._wait_ready(deadline):
                raise WorkerError(f"the LLM worker is not running ({self.failure or 'still starting'})")
            proc, conn = self._proc, self._conn
            assert proc is not None and conn is not None
            end = time.monotonic() + deadline
            done = False
            try:
                with contextlib.suppress(OSError):  # dead: _receive says how
                    conn.send(("stream", messages, params))
                while True:
                    message = self._receive(proc, conn, end, deadline)
                    if message[0] == "chunk":
                        yield message[1]
                        continue
                    done = True
                    self._expect(message, "end")
                    return
            finally:
                if not done and _alive(proc):
                    self._cancel(proc, conn, end)

    def yes_no(
        self, prompts: list[list[BaseMessage]], params: dict[str, Any], deadline: float
    ) -> list[float]:
        """The worker's :meth:`qa.backends.llamacpp.LlamaCppChat.yes_no` of ``prompts``;
        :class:`WorkerError` as for :meth:`stream`."""
        return list(self._ask(("yes_no", prompts, params), "scores", "as it judged", deadline)[1])

    def copy_span(
        self,
        messages: list[BaseMessage],
        sources: list[str],
        decline: str,
        then: str,
        params: dict[str, Any],
        deadline: float,
    ) -> Copied:
        """The worker's :meth:`qa.backends.llamacpp.LlamaCppChat.copy_span`;
        :class:`WorkerError` as for :meth:`stream`."""
        request = ("copy_span", messages, sources, decline, then, params)
        return Copied(**self._ask(request, "copied", "as it read", deadline)[1])

    def say_within(
        self,
        messages: list[BaseMessage],
        prefix: str,
        words: list[str],
        groups: list[list[str]],
        sounds: list[tuple[str, list[int]]],
        params: dict[str, Any],
        deadline: float,
    ) -> str:
        """The worker's :meth:`qa.backends.llamacpp.LlamaCppChat.say_within`;
        :class:`WorkerError` as for :meth:`stream`."""
        request = ("say_within", messages, prefix, words, groups, sounds, params)
        return str(self._ask(request, "said", "as it wrote", deadline)[1])

    def _ask(self, request: tuple[Any, ...], reply: str, during: str, deadline: float) -> tuple[Any, ...]:
        """Send one request that has one reply, and return that reply (of kind ``reply``)."""
        with self._lock:
            if not self._wait_ready(deadline):
                raise WorkerError(f"the LLM worker is not running ({self.failure or 'still starting'})")
            proc, conn = self._proc, self._conn
            assert proc is not None and conn is not None
            with contextlib.suppress(OSError):  # dead: _receive says how
                conn.send(request)
            message = self._receive(proc, conn, time.monotonic() + deadline, deadline, during)
            self._expect(message, reply)
            return message

    def _cancel(self, proc: subprocess.Popen[bytes], conn: Connection, end: float) -> None:
        """The caller stopped reading: have the worker stop writing, and read what it sent."""
        try:
            conn.send(("cancel",))
            while self._receive(proc, conn, end)[0] == "chunk":
                pass
        except (OSError, ModelError):
            self._kill(proc)

    def _receive(
        self,
        proc: subprocess.Popen[bytes],
        conn: Connection,
        end: float,
        deadline: float | None = None,
        during: str = "in the middle of the answer",
    ) -> tuple[Any, ...]:
        """The worker's next message; :class:`WorkerError` when it dies first, or when ``end``
        passes first (it is then killed: it hangs, or takes longer than ``deadline`` allows)."""
        try:
            if conn.poll(max(0.0, end - time.monotonic())):
                return tuple(conn.recv())
        except (EOFError, OSError):
            self._kill(proc)  # dead or dying: make sure, and let no answer take it for alive
            try:
                code = proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                code = None
            raise WorkerError(f"the LLM worker {_ended(code)} {during}") from None
        self._kill(proc)
        if deadline is not None:
            took = f"{deadline:g} s (QA_LLM_DEADLINE)"
            raise WorkerError(f"the LLM took longer than {took}; its worker was killed")
        raise WorkerError(f"the LLM worker did not reply {during} in time; it was killed")

    @staticmethod
    def _expect(message: tuple[Any, ...], kind: str) -> None:
        if message[0] == "error":
            raise ModelError(str(message[1]))
        if message[0] != kind:
            raise ModelError(f"the LLM worker replied {message[0]!r} where {kind!r} was due")

    def _kill(self, proc: subprocess.Popen[bytes]) -> None:
        """Kill the worker; the supervisor starts a new one."""
        with self._changed:
            # Until the supervisor has seen it die, the next answer must not take it for alive.
            if proc is self._proc and self._state == "ready":
                self._state = "starting"
        with contextlib.suppress(OSError):
            proc.kill()

    def _wait_ready(self, timeout: float) -> bool:
        end = time.monotonic() + timeout
        with self._changed:
            while True:
                if self._state == "ready" and self._proc is not None and _alive(self._proc):
                    return True
                if self._state == "down" or self._closing:
                    return False
                # "starting", or "ready" with a process that has just died (the supervisor will see).
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.1))

    def _set(self, state: str, failure: str | None = None) -> None:
        with self._changed:
            self._state = state
            if failure is not None:
                self.failure = failure
            self._changed.notify_all()

    def _supervise(self) -> None:
        try:
            self._run()
        except Exception as e:  # a bug here must not leave answers waiting for a worker
            log.exception("the LLM worker's supervisor failed")
            self._set("down", f"its supervisor failed: {type(e).__name__}: {e}")
            if self._proc is not None:
                self._kill(self._proc)

    def _run(self) -> None:
        started_once = False
        delay = BACKOFF[0]
        while not self._closing:
            self._set("starting")
            try:
                proc, conn = self._start()
            except ModelError as e:
                if self._closing:
                    return
                if not started_once:  # it never came up: a broken model or build, not bad luck
                    log.warning("the LLM worker did not start: %s", e)
                    self._set("down", str(e))
                    return
                log.warning("a new LLM worker did not start (%s); trying again in %.0f s", e, delay)
                self._set("down", str(e))
                time.sleep(delay)
                delay = min(delay * 2, BACKOFF[1])
                self.restarts += 1
                continue
            self._proc, self._conn = proc, conn
            if started_once:
                self.restarts += 1
            started_once, delay = True, BACKOFF[0]
            self._set("ready", "")
            code = proc.wait()
            if self._closing:
                return
            why = f"the last worker {_ended(code)}"
            log.warning("the LLM worker (pid %d) %s; starting a new one", proc.pid, _ended(code))
            self._set("starting", why)

    def _start(self) -> tuple[subprocess.Popen[bytes], Connection]:
        ours, theirs = socket.socketpair()
        spec = json.dumps(asdict(self.spec))
        cmd = [sys.executable, "-c", _CHILD, _ROOT, str(theirs.fileno()), str(os.getpid()), spec]
        try:
            # Its stdout is nobody's (llama.cpp may print there); its stderr is ours, for a crash's trace.
            proc = subprocess.Popen(
                cmd, pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
            )
        except OSError as e:
            ours.close()
            raise ModelError(f"cannot start the LLM worker: {e}") from None
        finally:
            theirs.close()
        conn = Connection(ours.detach())
        try:
            end = time.monotonic() + STARTUP
            self._expect(self._receive(proc, conn, end, during="as it started"), "ready")
            for messages, state_dir in list(self._warm.values()):
                conn.send(("warm", messages, state_dir))
                self._expect(self._receive(proc, conn, end, during="as it started"), "warmed")
        except (ModelError, OSError) as e:
            self._kill(proc)
            proc.wait()
            conn.close()
            raise ModelError(str(e)) from None
        return proc, conn

    def close(self) -> None:
        """Stop the worker for good (at exit: no worker outlives its parent)."""
        self._closing = True
        self._set("down")
        proc = self._proc
        if proc is not None and proc.poll() is None:
            self._kill(proc)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)


_workers: dict[ModelSpec, Worker] = {}
_workers_lock = threading.Lock()


def worker_for(spec: ModelSpec) -> Worker:
    """The process's worker for this model, started on first use; one that could not start
    is dropped, so a later call tries again."""
    with _workers_lock:
        worker = _workers.get(spec)
        if worker is None or (worker._state == "down" and not worker._thread.is_alive()):
            if worker is not None:
                worker.close()
            worker = _workers[spec] = Worker(spec)
        return worker


class WorkerChat(BaseChatModel):
    """A GGUF chat model run by llama.cpp in this process's worker (:class:`Worker`).

    >>> chat = WorkerChat(model_path="model.gguf")   # doctest: +SKIP
    >>> chat.invoke("Say hi").content                # doctest: +SKIP
    'Hi!'

    The same fields as :class:`qa.backends.llamacpp.LlamaCppChat`, which the worker runs,
    and ``deadline``: seconds an answer may take before the worker is killed and
    the call raises :class:`~qa.errors.WorkerError`.
    """

    model_path: str
    n_ctx: int = 2048
    n_threads: int = 2
    max_tokens: int = 128
    temperature: float = 0.0
    state_dir: str | None = None
    state_cache_mb: int = 256
    extra_bufts: str = "auto"
    deadline: float = 120.0

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-worker"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "n_ctx": self.n_ctx, "temperature": self.temperature}

    @property
    def worker(self) -> Worker:
        """The worker this model runs in (shared by every chat model naming the same model)."""
        return worker_for(ModelSpec(self.model_path, self.n_ctx, self.n_threads, self.extra_bufts))

    def warm(self, messages: list[BaseMessage]) -> None:
        """Start the worker and have it evaluate ``messages`` once (and every new worker too)."""
        self.worker.warm(messages, self.state_dir)

    def yes_no(self, prompts: list[list[BaseMessage]]) -> list[float]:
        """See :meth:`qa.backends.llamacpp.LlamaCppChat.yes_no`; run in the worker."""
        return self.worker.yes_no(prompts, {"state_cache_mb": self.state_cache_mb}, self.deadline)

    def copy_span(
        self, messages: list[BaseMessage], sources: list[str], decline: str, then: str = ""
    ) -> Copied:
        """See :meth:`qa.backends.llamacpp.LlamaCppChat.copy_span`; run in the worker."""
        return self.worker.copy_span(
            messages, sources, decline, then, {"state_cache_mb": self.state_cache_mb}, self.deadline
        )

    def say_within(
        self,
        messages: list[BaseMessage],
        prefix: str,
        words: Iterable[str],
        groups: Sequence[Iterable[str]] = (),
        sounds: Sequence[tuple[str, Iterable[int]]] = (),
    ) -> str:
        """See :meth:`qa.backends.llamacpp.LlamaCppChat.say_within`; run in the worker."""
        params = {"state_cache_mb": self.state_cache_mb}
        needs = [sorted(g) for g in groups]
        heard = [(unit, sorted(says)) for unit, says in sounds]
        return self.worker.say_within(messages, prefix, sorted(words), needs, heard, params, self.deadline)

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
        params = {
            "max_tokens": kwargs.get("max_tokens", self.max_tokens),
            "temperature": self.temperature,
            "state_cache_mb": self.state_cache_mb,
            "stop": stop,
        }
        for chunk in self.worker.stream(messages, params, self.deadline):
            if run_manager and chunk.text:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk
