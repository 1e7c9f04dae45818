"""The ``qa`` command as a user runs it: a real process, real models."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bad_inputs import GOOD_FACT, GOOD_QUESTION, NEVER, QUESTIONS, UPLOADS, ids

pytestmark = pytest.mark.slow


def qa(
    *args: str, index_dir: Path, stdin: str | None = None, **variables: str
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QA_INDEX_DIR": str(index_dir), "QA_ANSWERER": "extractive", **variables}
    return subprocess.run(
        [sys.executable, "-m", "qa", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_ask_prints_answer_and_sources(index_root):
    r = qa("ask", "BC카드 사장은 누구야?", index_dir=index_root)
    assert r.returncode == 0, r.stderr
    assert "최원석" in r.stdout.splitlines()[0]
    assert "[1] kt_mongolia.txt" in r.stdout


def test_ask_json(index_root):
    r = qa("ask", "--json", "몽골 총리는 누구야?", index_dir=index_root)
    data = json.loads(r.stdout)
    assert data["found"] is True and "롭산남스랴" in data["text"]
    assert data["sources"][0]["text"] and "timings" in data


def test_index_reports_rebuilt_then_reused(tmp_path, small_article):
    first = qa("index", str(small_article), index_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("rebuilt index of festival.txt")
    second = qa("index", str(small_article), index_dir=tmp_path)
    assert second.stdout.startswith("reused index of festival.txt")
    manifest = next(tmp_path.glob("*/b-*/manifest.json"))
    manifest.write_text(manifest.read_text(encoding="utf-8")[:100], encoding="utf-8")
    third = qa("index", str(small_article), index_dir=tmp_path)
    assert third.returncode == 0, third.stderr
    assert third.stdout.startswith("rebuilt index of festival.txt")
    # index.store's warning, on stderr: the broken part named, in one line.
    warning = [ln for ln in third.stderr.splitlines() if "damaged" in ln]
    assert len(warning) == 1 and "manifest.json" in warning[0] and "rebuilding it" in warning[0]
    assert "Traceback" not in third.stderr


def test_a_missing_article_is_one_clear_line(tmp_path):
    # Odd and bad questions and articles: the tables at the end of this file.
    r = qa("ask", "--article", "/no/such/file.txt", "hi", index_dir=tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip().startswith("qa: error:") and "no article file" in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


# (command, QA_* variables, what the one line says)
BAD_SETTINGS = [
    ("ask", {"QA_CHUNK_CHARS": "abc"}, "QA_CHUNK_CHARS must be a whole number; got 'abc'"),
    ("ask", {"QA_CHUNK_CHARS": "10"}, "chunk_chars must be between 50 and 5000; got 10"),
    ("ask", {"QA_TOP_K": "0"}, "top_k must be at least 1; got 0"),
    ("index", {"QA_MIN_CHUNK_CHARS": "900"}, "min_chunk_chars must be at least 0 and less than"),
    ("serve", {"QA_MAX_UPLOADS": "many"}, "QA_MAX_UPLOADS must be a whole number; got 'many'"),
]


@pytest.mark.parametrize(
    "command, variables, message", BAD_SETTINGS, ids=[str(v) for _, v, _ in BAD_SETTINGS]
)
def test_a_bad_setting_is_one_clear_line(tmp_path, command, variables, message):
    args = ("hi",) if command == "ask" else ()
    r = qa(command, *args, index_dir=tmp_path, **variables)
    assert r.returncode == 2 and r.stderr.startswith("qa: error:") and message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_chat_keeps_history(index_root):
    r = qa(
        "chat",
        index_dir=index_root,
        stdin="BC카드 단말기에서 쓸 수 있게 되는 몽골 카드 이름이 뭐야?\n그걸 쓰는 사람은 몇 퍼센트야?\n",
    )
    assert r.returncode == 0, r.stderr
    assert "70%" in r.stdout


def test_eval_prints_the_scorer_figures(tmp_path, index_root):
    cases = tmp_path / "set.jsonl"
    cases.write_text(
        "\n".join(
            json.dumps(c, ensure_ascii=False)
            for c in [
                {
                    "id": "a",
                    "turns": ["BC카드 사장은 누구야?"],
                    "answers_any": ["최원석"],
                    "evidence": "BC카드 최원석 사장",
                },
                {"id": "b", "turns": ["KT의 주가는 얼마인가요?"], "unanswerable": True},
            ]
        ),
        encoding="utf-8",
    )
    r = qa("eval", str(cases), index_dir=index_root)
    assert r.returncode == 0, r.stderr
    for line in (
        "answerable correct: 1/1",
        "unanswerable declined: 1/1",
        "evidence in sources: 1/1",
        "accuracy 1.000 (2/2)",
    ):
        assert line in r.stdout


def test_help_everywhere(index_root):
    for args in ((), ("ask",), ("chat",), ("index",), ("eval",)):
        r = qa(*args, "--help", index_dir=index_root)
        assert r.returncode == 0 and "usage: qa" in r.stdout


# --- odd and bad input (tests/bad_inputs.py) ------------------------------------------

#: Rows the chat cannot take as one line: an empty line ends it, a line break splits it.
ASK_ONLY = {"empty", "spaces", "line-breaks"}


@pytest.fixture(scope="module")
def chat_transcript(index_root) -> list[str]:
    """One ``qa chat`` fed every odd question, each followed by a good one; the output of
    each line (stdout and stderr, in order), split at the prompt."""
    lines = []
    for name, question, _ in QUESTIONS:
        if name not in ASK_ONLY:
            lines += [question, GOOD_QUESTION]
    # A lone surrogate goes in as the bytes a broken encoder writes: not UTF-8.
    stdin = ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")
    env = {
        **os.environ,
        "QA_INDEX_DIR": str(index_root),
        "QA_ANSWERER": "extractive",
        "PYTHONUNBUFFERED": "1",
    }
    r = subprocess.run(
        [sys.executable, "-m", "qa", "chat"],
        input=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        timeout=300,
    )
    out = r.stdout.decode("utf-8", "replace")
    assert r.returncode == 0 and "Traceback" not in out, out[-3000:]
    segments = out.split("> ")[1:]
    assert len(segments) == len(lines) + 1, out[-3000:]  # the last prompt meets the end of input
    return segments


CHAT_ROWS = [row for row in QUESTIONS if row[0] not in ASK_ONLY]


@pytest.mark.parametrize("name, question, error", CHAT_ROWS, ids=ids(CHAT_ROWS))
def test_chat_odd_and_bad_questions(chat_transcript, name, question, error):
    i = 2 * ids(CHAT_ROWS).index(name)
    said, then = chat_transcript[i], chat_transcript[i + 1]
    if error is not None:
        assert said.startswith("qa: ") and error in said, said
    else:
        assert "qa: " not in said and said.strip(), said
        assert not any(bad in said for bad in NEVER), said
    assert GOOD_FACT in then.splitlines()[0], then  # the next question answers as before


ASK_ROWS = [row for row in QUESTIONS if row[0] in ASK_ONLY or row[0] in ("100000-chars", "lone-surrogate")]


@pytest.mark.parametrize("name, question, error", ASK_ROWS, ids=ids(ASK_ROWS))
def test_ask_odd_and_bad_questions(index_root, name, question, error):
    env = {**os.environ, "QA_INDEX_DIR": str(index_root), "QA_ANSWERER": "extractive"}
    # argv as bytes: a lone surrogate arrives as a shell passes bytes that are not UTF-8
    argv = [sys.executable.encode(), b"-m", b"qa", b"ask", question.encode("utf-8", "surrogatepass")]
    r = subprocess.run(argv, capture_output=True, env=env, timeout=300)
    out, err = r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err
    if error is not None:
        assert r.returncode == 2 and err.startswith("qa: error:") and error in err, err
        assert len(err.strip().splitlines()) == 1
    else:
        assert r.returncode == 0 and out.strip(), err


FILE_ROWS = [row for row in UPLOADS if row[3] is not None and row[0] != "wrong-suffix"]


@pytest.mark.parametrize("name, filename, data, error", FILE_ROWS, ids=ids(FILE_ROWS))
def test_index_bad_articles(tmp_path, name, filename, data, error):
    path = tmp_path / filename
    path.write_bytes(data)
    r = qa("index", str(path), index_dir=tmp_path / "index")
    assert r.returncode == 2, r.stdout
    assert r.stderr.startswith("qa: error:") and error in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
