"""The chat from Python: ``gradio_client`` against ``qa serve`` started as a user would."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

AUTH = ("reader", "s3cret-pw")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(index_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``qa serve --port N --auth user:pass`` in a subprocess; yields its URL and its stderr file."""
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "stderr.txt"
    env = {**os.environ, "QA_INDEX_DIR": str(index_root), "QA_ANSWERER": "extractive"}
    cmd = [sys.executable, "-m", "qa", "serve", "--port", str(port), "--auth", ":".join(AUTH)]
    with open(log, "w") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
    try:
        deadline = time.monotonic() + 120
        while "chat at" not in log.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"qa serve did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/", log
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def client(url: str):
    from gradio_client import Client

    return Client(url, auth=AUTH, verbose=False)


def test_serves_on_loopback_with_a_login(served):
    import httpx

    url, log = served
    assert f"chat at http://127.0.0.1:{url.rsplit(':', 1)[1].strip('/')}" in log.read_text()
    assert httpx.get(url + "config").status_code == 401  # no login, no app
    assert client(url).view_api(print_info=False, return_format="dict")["named_endpoints"].keys() >= {
        "/ask",
        "/reset",
    }


def test_ask_returns_text_found_and_sources(served):
    a = client(served[0]).predict("BC카드 사장은 누구야?", api_name="/ask")
    assert a["found"] is True and "최원석" in a["text"]
    src = a["sources"][0]
    assert "최원석" in src["text"]
    ev = src["text"][src["evidence_start"] - src["start"] : src["evidence_end"] - src["start"]]
    assert ev == src["evidence"] and "최원석" in ev
    assert a["article"] == "kt_mongolia.txt" and a["mode"] == "extractive"


def test_each_client_keeps_its_own_history(served):
    one, two = client(served[0]), client(served[0])
    one.predict("BC카드 단말기에서 쓸 수 있게 되는 몽골 카드 이름이 뭐야?", api_name="/ask")
    assert two.predict("그걸 쓰는 사람은 몇 퍼센트야?", api_name="/ask")["found"] is False
    follow = one.predict("그걸 쓰는 사람은 몇 퍼센트야?", api_name="/ask")
    assert follow["found"] is True and "70%" in follow["text"]
    one.predict(api_name="/reset")
    assert one.predict("그걸 쓰는 사람은 몇 퍼센트야?", api_name="/ask")["found"] is False


def test_a_user_mistake_comes_back_as_its_message(served):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="the question is empty"):
        client(served[0]).predict("   ", api_name="/ask")
