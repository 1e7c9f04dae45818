"""The ``qa`` command as a user runs it: a real process, real models."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def qa(*args: str, index_dir: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QA_INDEX_DIR": str(index_dir), "QA_ANSWERER": "extractive"}
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


@pytest.mark.parametrize(
    "args, message",
    [
        (("ask", "   "), "the question is empty"),
        (("ask", "--article", "/no/such/file.txt", "hi"), "no article file"),
        (("index", "BINARY"), "looks like a binary file"),
    ],
)
def test_user_mistakes_are_one_clear_line(tmp_path, args, message):
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    args = tuple(str(binary) if a == "BINARY" else a for a in args)
    r = qa(*args, index_dir=tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip().startswith("qa: error:") and message in r.stderr
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
