"""A real ``qa serve`` on 127.0.0.1 for the serving benches, and its memory."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(answerer: str, index_dir: Path | None = None, **settings: str) -> Iterator[tuple[str, int]]:
    """``qa serve`` in a child process with its own index folder (unless given); yields its
    URL and pid, and stops it on exit. ``settings`` become ``QA_<NAME>`` variables."""
    with tempfile.TemporaryDirectory(prefix="qa-bench-serve-") as tmp:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
        env.update({f"QA_{k.upper()}": str(v) for k, v in settings.items()})
        env.update(QA_INDEX_DIR=str(index_dir or Path(tmp) / "index"), QA_ANSWERER=answerer)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
        log = Path(tmp) / "serve.log"
        with open(log, "w") as err:
            proc = subprocess.Popen(
                [sys.executable, "-m", "qa", "serve", "--port", str(port)],
                stdout=subprocess.DEVNULL,
                stderr=err,
                env=env,
            )
        try:
            deadline = time.monotonic() + 600
            while "chat at" not in log.read_text():
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"bench: qa serve did not start:\n{log.read_text()[-2000:]}")
                time.sleep(0.2)
            yield f"http://127.0.0.1:{port}/", proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _status_mb(pid: int, field: str) -> float:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    m = re.search(rf"{field}:\s+(\d+)", text)
    return int(m[1]) / 1024 if m else 0.0


def _tree(pid: int) -> list[int]:
    pids = [pid]
    for f in Path(f"/proc/{pid}/task").glob("*/children"):
        with suppress(OSError):
            pids += [c for child in f.read_text().split() for c in _tree(int(child))]
    return pids


def rss_mb(pid: int) -> float:
    """Resident memory now of ``pid`` and its children (the Kiwi helper), in MB."""
    return sum(_status_mb(p, "VmRSS") for p in _tree(pid))


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of ``pid`` and its children, in MB."""
    return sum(_status_mb(p, "VmHWM") for p in _tree(pid))
