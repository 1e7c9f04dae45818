"""The LLM worker process: loads one model and answers over a socket (see :mod:`qa.backends.worker`).

Started by :class:`qa.backends.worker.Worker` as ``main(fd, parent_pid, spec_json)``. It
runs :class:`qa.backends.llamacpp.LlamaCppChat` as an in-process model would, so the
evaluated instructions, the kept prompt states and the choice of extra buffer
types are the same; they simply live here. It ends when its parent closes the
socket, exits or dies.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import faulthandler
import json
import os
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    """End when the parent does, even when it is killed and cannot end us itself."""
    if sys.platform.startswith("linux"):
        # SIGKILL the moment the parent's thread that started us ends.
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)

    def watch() -> None:  # elsewhere, and should the parent have died before prctl
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(fd: str, parent: str, spec_json: str) -> None:
    # Ctrl-C in a terminal reaches the whole process group; the parent decides what it means.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with(int(parent))
    faulthandler.enable()  # a native crash leaves its Python stack on stderr, which is the parent's
    conn = Connection(int(fd))
    spec = json.loads(spec_json)
    from qa.backends.llamacpp import LlamaCppChat, load_llama
    from qa.errors import ModelError

    try:
        loaded = load_llama(spec["model_path"], spec["n_ctx"], spec["n_threads"], spec["extra_bufts"])
    except ModelError as e:
        conn.send(("error", str(e)))
        return
    conn.send(("ready", {"pid": os.getpid(), "extra_bufts": loaded.extra_bufts}))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):  # the parent closed its end or died
            return
        kind = request[0]
        try:
            if kind == "warm":
                _, messages, state_dir = request
                LlamaCppChat(**spec, state_dir=state_dir).warm(messages)
                conn.send(("warmed",))
            elif kind == "yes_no":
                _, prompts, params = request
                conn.send(("scores", LlamaCppChat(**spec, **params).yes_no(prompts)))
            elif kind == "copy_span":
                _, messages, sources, decline, then, params = request
                copied = LlamaCppChat(**spec, **params).copy_span(messages, sources, decline, then)
                conn.send(("copied", dataclasses.asdict(copied)))
            elif kind == "say_within":
                _, messages, prefix, words, groups, sounds, params = request
                said = LlamaCppChat(**spec, **params).say_within(messages, prefix, words, groups, sounds)
                conn.send(("said", said))
            elif kind == "stream":
                _, messages, params = request
                _stream(conn, LlamaCppChat(**spec), messages, params)
            # a "cancel" that came after its answer ended: nothing to stop
        except (EOFError, OSError):
            return
        except Exception as e:  # the parent falls back for this answer; the model is still fine
            conn.send(("error", str(e) if isinstance(e, ModelError) else f"{type(e).__name__}: {e}"))


def _stream(conn: Connection, chat: Any, messages: Any, params: dict[str, Any]) -> None:
    t0 = time.perf_counter()
    stop = params.pop("stop", None)
    chat = chat.model_copy(update=params)
    with contextlib.closing(chat._stream(messages, stop=stop)) as chunks:
        for chunk in chunks:
            if chunk.message.usage_metadata is not None:  # the last: how long it took here
                chunk.message.response_metadata["worker_seconds"] = time.perf_counter() - t0
            conn.send(("chunk", chunk))
            if conn.poll() and conn.recv()[0] == "cancel":
                break
    conn.send(("end",))
