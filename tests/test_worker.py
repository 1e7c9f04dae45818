"""The LLM in its worker process: a crash or a hang costs one answer, and the next one
finds a fresh worker. The real bundled model in a real child process throughout; the
crash is a SIGKILL, the hang a SIGSTOP (a stopped process answers nothing, as a hung
one does)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage

from qa import Answer, Chatbot, Settings
from qa.backends.chat import chat_model
from qa.backends.worker import Worker, WorkerChat

pytestmark = pytest.mark.slow

TCARD_Q = "티카드는 몽골 국민의 약 몇 퍼센트가 사용하나요?"
PRESIDENT_Q = "N2N 사업계약 체결식에 참석한 BC카드 사장은 누구인가요?"


@pytest.fixture(scope="module")
def llm_settings(settings: Settings, real_llm: Path) -> Settings:
    return settings.with_(answerer="llm")


def worker_of(settings: Settings) -> Worker:
    chat, _ = chat_model(settings)
    assert isinstance(chat, WorkerChat)
    return chat.worker


def gone(pid: int, within: float = 10) -> bool:
    """Whether process ``pid`` has ended (a zombie has) within ``within`` seconds."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.1)
    return False


def cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def kill_when_busy(pid: int) -> threading.Thread:
    """Kill ``pid`` as soon as it works (the worker idles between answers), as the OOM killer would."""

    def watch() -> None:
        start = cpu_ticks(pid)
        end = time.monotonic() + 60
        while time.monotonic() < end and cpu_ticks(pid) < start + 2:
            time.sleep(0.005)
        os.kill(pid, signal.SIGKILL)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_a_worker_killed_mid_answer_costs_that_answer_only(llm_settings):
    bot = Chatbot(settings=llm_settings)
    worker = worker_of(llm_settings)
    first = worker.pid
    assert first is not None and first != os.getpid()

    watcher = kill_when_busy(first)
    pieces = list(bot.stream(PRESIDENT_Q))
    watcher.join()
    answer = pieces[-1]
    assert isinstance(answer, Answer) and isinstance(pieces[0], str)
    assert (answer.found, answer.mode) == (True, "extractive"), answer.meta
    assert "최원석" in answer.text
    assert answer.meta["fallback"].startswith("the LLM worker was killed by SIGKILL"), answer.meta
    assert gone(first)

    # The next answer, in this session or another, is the LLM's again, from a fresh worker.
    other = Chatbot(settings=llm_settings).ask(TCARD_Q)
    assert other.mode == "llm" and "70" in other.text, other.meta
    assert worker.pid not in (None, first)
    # The fresh worker read the fixed instructions back from disk as it started.
    assert other.meta["prompt_tokens_cached"] > 300


def test_a_worker_that_hangs_past_the_deadline_is_killed_and_replaced(llm_settings):
    impatient = Chatbot(settings=llm_settings.with_(llm_deadline=3.0))
    worker = worker_of(llm_settings)
    hung = worker.pid
    assert hung is not None
    os.kill(hung, signal.SIGSTOP)
    try:
        t0 = time.monotonic()
        answer = impatient.ask(TCARD_Q)
        waited = time.monotonic() - t0
    finally:
        os.kill(hung, signal.SIGCONT)  # in case it still lives (SIGKILL ends a stopped process)
    assert (answer.found, answer.mode) == (True, "extractive"), answer.meta
    assert "70%" in answer.text
    assert answer.meta["fallback"] == "the LLM took longer than 3 s (QA_LLM_DEADLINE); its worker was killed"
    assert waited < 30  # the deadline, not some other limit, ended it
    assert gone(hung)

    answer = Chatbot(settings=llm_settings).ask(TCARD_Q)
    assert answer.mode == "llm" and "70" in answer.text, answer.meta
    assert worker.pid not in (None, hung)


def test_a_stream_left_unread_stops_the_worker_writing_and_keeps_it(llm_settings):
    chat, _ = chat_model(llm_settings.with_(llm_max_tokens=48))
    worker = worker_of(llm_settings)
    pid = worker.pid
    stream = chat.stream([HumanMessage("Count from 1 to 40, one number a line.")])
    next(stream)
    stream.close()  # a browser tab closed mid-answer
    reply = chat.invoke([HumanMessage("티카드는 몽골 국민 약 70%가 쓴다. 몇 %가 쓰나? 숫자만.")])
    assert "70" in reply.text and worker.pid == pid


# Starts the worker, says its pid, then waits to be killed (or, given "exit", exits).
PARENT = """
import sys, time
from qa.backends.models import bundled_model
from qa.backends.worker import WorkerChat

worker = WorkerChat(model_path=str(bundled_model()), n_ctx=512).worker
worker.wait_started()
print(worker.pid, flush=True)
if sys.argv[1] == "wait":
    time.sleep(600)
"""


@pytest.mark.parametrize("end", ["exit", "SIGKILL"])
def test_no_worker_outlives_its_parent(real_llm, end):
    root = str(Path(__file__).resolve().parents[1])
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, "wait" if end == "SIGKILL" else "exit"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
    )
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        os.kill(child, 0)  # it runs
        if end == "SIGKILL":
            parent.kill()  # no atexit, no finally: the worker must notice by itself
        parent.wait(timeout=60)
        assert gone(child), f"the worker {child} outlived its parent ({end})"
    finally:
        parent.kill()
        parent.wait()


def test_the_worker_is_the_default_and_in_process_an_option(llm_settings):
    from qa.backends.llamacpp import LlamaCppChat

    worker_chat, label = chat_model(llm_settings)
    assert isinstance(worker_chat, WorkerChat) and label.startswith("llama.cpp:")
    assert worker_chat.deadline == llm_settings.llm_deadline
    in_process, _ = chat_model(llm_settings.with_(llm_worker=False))
    assert isinstance(in_process, LlamaCppChat)  # built, not loaded: that waits for its first use
