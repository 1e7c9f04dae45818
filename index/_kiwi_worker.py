"""A process that loads Kiwi and answers analysis requests over its stdin and stdout.

Started by :class:`index.kiwi.WorkerAnalyser` (see :func:`index.korean.load_in_background`
for why); the messages are :mod:`index.kiwi`'s. The process ends when its stdin
closes, which happens when its parent exits or dies.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import cast

from index.kiwi import LocalAnalyser, read_message, write_message


def main() -> None:
    # Ctrl-C in a terminal reaches the whole process group; the parent decides
    # what it means, and this process ends when the parent closes the pipe.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Replies go to a private copy of stdout; anything a library prints goes to stderr.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr
    inp = sys.stdin.buffer
    local = LocalAnalyser()
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
