"""Kiwi analysers: one in this process, one in a helper process reached over a pipe.

Both answer the same two requests (morphemes, sentence spans) and so are
interchangeable; :mod:`index.korean` picks one for the process. The helper is
``index/_kiwi_worker.py``; the messages between the two ends are defined here,
once, for both. Each message is a 4-byte little-endian length and a pickle.
Requests are ``(op, text)``; replies are ``("ok", result)`` or ``("error",
message)``; the first message out of the helper is ``("ok", "ready")`` once
Kiwi is loaded.
"""

from __future__ import annotations

import atexit
import os
import pickle
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any, Protocol

#: A morpheme as Kiwi gives it: form, tag, start offset, length.
Token = tuple[str, str, int, int]


class Analyser(Protocol):
    """What :mod:`index.korean` asks of Kiwi, wherever it runs."""

    def tokenize(self, text: str) -> tuple[Token, ...]: ...

    def sentences(self, text: str) -> list[tuple[int, int]]: ...


class LocalAnalyser:
    """Kiwi in this process."""

    def __init__(self) -> None:
        from kiwipiepy import Kiwi

        # The multi-word dictionary and typo model triple the start-up time
        # and add nothing to sentence splitting or search terms.
        self._kiwi = Kiwi(num_workers=1, load_multi_dict=False, load_typo_dict=False)
        self._kiwi.tokenize("가")  # Kiwi finishes building on its first analysis

    def tokenize(self, text: str) -> tuple[Token, ...]:
        return tuple((t.form, t.tag, t.start, t.len) for t in self._kiwi.tokenize(text))

    def sentences(self, text: str) -> list[tuple[int, int]]:
        return [(s.start, s.end) for s in self._kiwi.split_into_sents(text)]


class WorkerGone(Exception):
    """The helper process ended or misbehaved; analysis moves into this process."""


class WorkerAnalyser:
    """Kiwi in a helper process (``python -m index._kiwi_worker``); calls queue on a lock."""

    def __init__(self) -> None:
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[1])  # so the child imports this very package
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "index._kiwi_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self._lock = threading.Lock()
        self._ready = False
        atexit.register(self.close)

    def _call(self, op: str, arg: Any) -> Any:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        with self._lock:
            try:
                if not self._ready:
                    self._expect(read_message(self._proc.stdout))
                    self._ready = True
                write_message(self._proc.stdin, (op, arg))
                return self._expect(read_message(self._proc.stdout))
            except (OSError, ValueError, EOFError) as e:
                raise WorkerGone(f"{type(e).__name__}: {e}") from e

    def _expect(self, reply: object) -> Any:
        if not (isinstance(reply, tuple) and len(reply) == 2):
            code = self._proc.poll()
            raise WorkerGone("it exited" if code is not None else f"unexpected reply {reply!r:.80}")
        status, value = reply
        if status != "ok":
            raise WorkerGone(str(value))
        return value

    def tokenize(self, text: str) -> tuple[Token, ...]:
        return tuple(self._call("tokenize", text))

    def sentences(self, text: str) -> list[tuple[int, int]]:
        return list(self._call("sentences", text))

    def close(self) -> None:
        """End the helper process (closing its stdin ends it)."""
        if self._proc.poll() is None:
            try:
                assert self._proc.stdin is not None
                self._proc.stdin.close()
                self._proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self._proc.kill()


_HEADER = struct.Struct("<I")


def read_message(stream: IO[bytes]) -> object | None:
    """The next message, or None at end of stream."""
    head = stream.read(_HEADER.size)
    if len(head) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(head)
    body = stream.read(size)
    if len(body) < size:
        return None
    return pickle.loads(body)


def write_message(stream: IO[bytes], message: object) -> None:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(body)) + body)
    stream.flush()
