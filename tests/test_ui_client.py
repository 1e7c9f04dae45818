"""The chat from Python: ``gradio_client`` against ``qa serve`` started as a user would."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bad_inputs import (
    GOOD_FACT,
    GOOD_QUESTION,
    INJECTED_ARTICLE,
    INJECTED_FACT,
    INJECTED_QUESTION,
    NEVER,
    QUESTIONS,
    UPLOADS,
    ids,
)

pytestmark = pytest.mark.slow

AUTH = ("reader", "s3cret-pw")
ARTICLES = [
    Path(__file__).resolve().parents[1] / "eval" / "articles" / f"{n}.txt"
    for n in ("battery_plant", "city_festival")
]


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


def raw_call(url: str, api: str, body: str) -> tuple[str, str]:
    """POST a JSON body as it is to Gradio's HTTP API (``/gradio_api/call/<api>``), logged
    in; the last event of the reply and its data."""
    import httpx

    with httpx.Client(base_url=url, timeout=120) as h:
        h.post("login", data={"username": AUTH[0], "password": AUTH[1]}).raise_for_status()
        r = h.post(f"gradio_api/call/{api}", content=body, headers={"content-type": "application/json"})
        r.raise_for_status()
        reply = h.get(f"gradio_api/call/{api}/{r.json()['event_id']}").text
    events = [ln[len("event: ") :] for ln in reply.splitlines() if ln.startswith("event: ")]
    data = [ln[len("data: ") :] for ln in reply.splitlines() if ln.startswith("data: ")]
    return events[-1], data[-1]


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


# --- odd and bad input through /ask and /upload (tests/bad_inputs.py) -------------------


@pytest.mark.parametrize("name, question, error", QUESTIONS, ids=ids(QUESTIONS))
def test_api_odd_and_bad_questions(served, name, question, error):
    from gradio_client.exceptions import AppError

    c = client(served[0])
    if name == "lone-surrogate":
        # gradio_client cannot even encode it; a browser's JSON.stringify sends it escaped.
        event, data = raw_call(served[0], "ask", json.dumps({"data": [question]}))
        assert event == "error" and error in data, (event, data)
    elif error is not None:
        with pytest.raises(AppError, match=error):
            c.predict(question, api_name="/ask")
    else:
        a = c.predict(question, api_name="/ask")
        assert a["text"] and (a["found"] or a["mode"] == "refusal"), a
        assert not any(bad in a["text"] for bad in NEVER), a["text"]
    assert GOOD_FACT in c.predict(GOOD_QUESTION, api_name="/ask")["text"]  # nothing lost


#: gradio_client itself refuses a file over the server's limit, before sending it.
CLIENT_SAYS = {"too-large": "exceeds the maximum file size of 5000000 bytes"}
API_UPLOADS = [row for row in UPLOADS if row[3] is not None]


@pytest.mark.parametrize("name, filename, data, error", API_UPLOADS, ids=ids(API_UPLOADS))
def test_api_upload_bad_files(served, tmp_path, name, filename, data, error):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    path = tmp_path / filename
    path.write_bytes(data)
    c = client(served[0])
    assert GOOD_FACT in c.predict(GOOD_QUESTION, api_name="/ask")["text"]
    with pytest.raises((AppError, ValueError), match=CLIENT_SAYS.get(name, error)):
        c.predict(handle_file(str(path)), api_name="/upload")
    # The session still asks about its article, and its conversation is intact.
    follow = c.predict("그는 어느 회사 사장이야?", api_name="/ask")
    assert follow["article"] == "kt_mongolia.txt" and "BC카드" in follow["text"]


def test_api_upload_an_article_that_gives_orders(served, tmp_path):
    from gradio_client import handle_file

    path = tmp_path / "orders.txt"
    path.write_text(INJECTED_ARTICLE, encoding="utf-8")
    c = client(served[0])
    info = c.predict(handle_file(str(path)), api_name="/upload")
    assert info["article"] == "orders.txt" and info["sentences"] >= 4
    a = c.predict(INJECTED_QUESTION, api_name="/ask")
    assert a["article"] == "orders.txt" and INJECTED_FACT in a["text"]
    assert "해킹됨" not in a["text"] and "HACKED" not in a["text"]


def test_api_link_on_a_loopback_server(served, pages):
    from gradio_client.exceptions import AppError

    c = client(served[0])
    info = c.predict(f"{pages}/news.html", api_name="/link")
    assert info["about"]["reporter"] == "정하늘" and info["article"].startswith("청솔군")
    a = c.predict("마을서재의 장서는 개관 때 몇 권이야?", api_name="/ask")
    assert "2만4천 권" in a["text"] and a["article"] == info["article"]
    with pytest.raises((AppError, ValueError), match="404"):
        c.predict(f"{pages}/gone.html", api_name="/link")
    assert "2만4천 권" in c.predict("장서는 몇 권?", api_name="/ask")["text"]  # nothing lost


# --- several sessions at once ------------------------------------------------------------


def test_two_sessions_at_once_get_their_own_follow_ups(served):
    """The same follow-up, asked at the same moment by two sessions, is resolved by each
    session's own first question: 70% (the T-Card) for one, 16% (rare earths) for the other."""
    sessions = {
        "card": ("몽골 국민 대부분이 쓰는 결제 수단은?", "70%", "16%"),
        "mineral": ("몽골의 희토류 매장량은 어느 정도야?", "16%", "70%"),
    }
    got: dict[str, list[str]] = {k: [] for k in sessions}
    start = threading.Barrier(len(sessions))

    def run(key: str) -> None:
        c = client(served[0])
        start.wait()
        for _ in range(3):
            c.predict(sessions[key][0], api_name="/ask")
            got[key].append(c.predict("그건 몇 퍼센트야?", api_name="/ask")["text"])
            c.predict(api_name="/reset")

    threads = [threading.Thread(target=run, args=(k,)) for k in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    for key, (_, want, other) in sessions.items():
        assert len(got[key]) == 3
        assert all(want in text and other not in text for text in got[key]), got[key]


def test_an_answer_completes_while_an_upload_indexes(served, tmp_path):
    """Indexing has its own queue: while one session's upload is being indexed, another
    session asks and gets its answer (before, it waited for the whole indexing)."""
    from gradio_client import handle_file
    from gradio_client.utils import Status

    # Two articles in one file (~15,000 characters): seconds of indexing, new every run.
    text = "\n\n".join(p.read_text(encoding="utf-8") for p in ARTICLES) + f"\n(사본 {uuid.uuid4().hex})\n"
    path = tmp_path / "two_articles.txt"
    path.write_text(text, encoding="utf-8")
    uploader, asker = client(served[0]), client(served[0])
    job = uploader.submit(handle_file(str(path)), api_name="/upload")
    deadline = time.monotonic() + 120
    while job.status().code not in (Status.PROCESSING, Status.PROGRESS) and not job.done():
        assert time.monotonic() < deadline, job.status()
        time.sleep(0.05)
    a = asker.predict(GOOD_QUESTION, api_name="/ask")
    assert GOOD_FACT in a["text"]
    assert not job.done(), "the upload finished first: the answer may have waited for it"
    info = job.result(timeout=600)
    assert info["article"] == "two_articles.txt" and info["sentences"] > 100
