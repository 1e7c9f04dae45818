"""Shared fixtures: real models, a real Chroma, indexes in temporary folders."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from qa import Settings

SMALL_ARTICLE = """\
사진 설명: 개막식에서 인사하는 박서연 시장
[출처: 한빛일보 자료사진]

[한빛일보=이도윤 기자] 한빛시가 오는 10월 3일부터 9일까지 강변공원에서 제5회 한빛 빛축제를 연다고 12일 밝혔다.

올해 축제에는 지난해보다 30% 많은 45만명의 방문객이 찾을 것으로 예상된다.

박서연 한빛시장은 "빛축제를 세계적인 야간 관광 브랜드로 키우겠다"고 말했다.

축제 기간에는 강변공원과 시청을 잇는 무료 셔틀버스가 10분 간격으로 운행된다.

dylee@hanbit.example
"""


@pytest.fixture(scope="session")
def index_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One index folder for the session: the bundled article is built once."""
    return tmp_path_factory.mktemp("index")


@pytest.fixture(scope="session")
def settings(index_root: Path) -> Settings:
    # The machine may be shared with other work: a slow LLM answer must not pass for a hung worker.
    return Settings(index_dir=index_root, answerer="extractive", llm_deadline=600)


@pytest.fixture
def small_article(tmp_path: Path) -> Path:
    p = tmp_path / "festival.txt"
    p.write_text(SMALL_ARTICLE, encoding="utf-8")
    return p


# --- the real LLM, run once in a child process first ----------------------------------

# Loads the bundled model through the project's loader and writes a few tokens,
# printing what it learns as it goes (flushed), so that a crash still leaves the
# system info and the buffers the weights went to.
LLM_SMOKE = """
import ctypes, sys
import llama_cpp
from qa.backends.llamacpp import load_llama, system_info

print("system info:", system_info(), flush=True)

buffers = []

@llama_cpp.llama_log_callback
def log(level, text, user_data):
    line = text.decode("utf-8", "replace").strip()
    if "model buffer size" in line:
        buffers.append(line)

llama_cpp.llama_log_set(log, ctypes.c_void_p(0))
model = load_llama(sys.argv[1], 512, 2)  # its stdout goes to /dev/null while it loads
print("extra buffer types:", "on" if model.extra_bufts else "off", flush=True)
for line in buffers:
    print("llama.cpp:", line, flush=True)
messages = [
    {"role": "system", "content": "Answer in one word."},
    {"role": "user", "content": "티카드는 몽골 국민 약 70%가 쓰는 결제 수단이다. 몇 퍼센트가 쓰나요?"},
]
reply = model.llama.create_chat_completion(messages=messages, max_tokens=4, temperature=0)
print("wrote:", reply["choices"][0]["message"]["content"], flush=True)
"""


def native_failure(argv: list[str], timeout: float = 600) -> str | None:
    """Run ``python argv`` in a child; ``None`` when it exits cleanly, else why it did not,
    naming the signal that killed it, with its output (a native crash in-process would
    take pytest down with it)."""
    env = {**os.environ, "PYTHONFAULTHANDLER": "1"}
    try:
        proc = subprocess.run(
            [sys.executable, *argv], capture_output=True, text=True, env=env, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode("utf-8", "replace") if isinstance(e.stdout, bytes) else e.stdout or ""
        return f"did not finish in {timeout:.0f} s\n{out.strip()}"
    if proc.returncode == 0:
        return None
    if proc.returncode < 0:
        how = f"was killed by {signal.Signals(-proc.returncode).name}"
    else:
        how = f"exited with status {proc.returncode}"
    err = "\n".join(proc.stderr.strip().splitlines()[-15:])
    return f"{how}\n{proc.stdout.strip()}\n--- stderr (end) ---\n{err}"


@pytest.fixture(scope="session")
def real_llm() -> Path:
    """The bundled GGUF, once a child process has loaded it through ``qa.backends.llamacpp`` and
    written with it. Tests that run the real model in-process take this fixture, so
    that a native crash (SIGSEGV in llama.cpp) fails them with its cause instead of
    killing the whole run."""
    from qa.backends.models import bundled_model

    path = bundled_model()
    why = native_failure(["-c", LLM_SMOKE, str(path)])
    if why:
        hint = (
            "\nA SIGSEGV at the first decode on a CPU with AMX (AMX_INT8 = 1 in the system info; "
            "Sapphire Rapids and later) is ggml-org/llama.cpp#20824, in ggml_backend_amx_mul_mat: "
            "qa.backends.llamacpp.use_extra_bufts should have turned extra buffer types off there "
            "(see the 'extra buffer types' line above, and QA_LLM_EXTRA_BUFTS)."
            if why.startswith("was killed by")
            else ""
        )
        pytest.fail(
            "llama.cpp cannot run the bundled model here: a child process loading it with "
            f"qa.backends.llamacpp.load_llama and writing 4 tokens {why}{hint}",
            pytrace=False,
        )
    return path


def run_together(procs: list[subprocess.Popen[str]], timeout: float = 300) -> list[dict[str, Any]]:
    """Start child processes at one moment and collect what each reports.

    Each child prints READY once set up, waits for "go" on stdin, then prints a
    JSON line last; releasing them together makes them race for real."""
    try:
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "READY"
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        outs = [p.communicate(timeout=timeout)[0] for p in procs]
    finally:
        for p in procs:
            p.kill()
    return [json.loads(out.strip().splitlines()[-1]) for out in outs]


# --- saved web pages served on 127.0.0.1 ------------------------------------------------

PAGES = Path(__file__).parent / "data" / "pages"


class _Pages(SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, directory=str(PAGES), **kwargs)

    def translate_path(self, path: str) -> str:
        # /copy/news.html is the same page at another address
        return super().translate_path(path.removeprefix("/copy"))

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def pages() -> Iterator[str]:
    """``tests/data/pages`` served on 127.0.0.1 (also under ``/copy/``); yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
