"""A process that loads Kiwi and answers analysis requests over its stdin and stdout.

Started by :func:`index.korean.load_in_background`; see there for why. Each
message is a 4-byte little-endian length and a pickle. Requests are
``(op, text)``; replies are ``("ok", result)`` or ``("error", message)``. The
first message out is ``("ok", "ready")`` once Kiwi is loaded. The process
ends when its stdin closes, which happens when its parent exits or dies.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
from typing import IO, cast

from index import korean

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


def main() -> None:
    # Ctrl-C in a terminal reaches the whole process group; the parent decides
    # what it means, and this process ends when the parent closes the pipe.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Replies go to a private copy of stdout; anything a library prints goes to stderr.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr
    inp = sys.stdin.buffer
    local = korean.LocalAnalyser()
    write_message(out, ("ok", "ready"))
    while (request := read_message(inp)) is not None:
        op, arg = cast("tuple[str, str]", request)
        try:
            if op == "tokenize":
                reply: object = local.tokenize(arg)
            elif op == "sentences":
                reply = local.sentences(arg)
            else:
                raise ValueError(f"unknown request {op!r}")
        except Exception as e:  # the parent falls back to its own Kiwi on any error
            write_message(out, ("error", f"{type(e).__name__}: {e}"))
        else:
            write_message(out, ("ok", reply))


if __name__ == "__main__":
    main()
