"""Kiwi in a helper process: same analysis as in-process, and a dead helper loses nothing."""

from __future__ import annotations

import pytest

from index import korean
from index.kiwi import LocalAnalyser, WorkerAnalyser

TEXT = (
    "KT는 몽골 디지털개발부와 협약을 맺었다. 티카드(T-Card)는 몽골 국민 약 70%가 쓴다!\n"
    "서비스는 오전 9시부터 제공된다. 문의: press@kt.com"
)


@pytest.fixture(scope="module")
def local() -> LocalAnalyser:
    return LocalAnalyser()


@pytest.fixture
def worker():
    w = WorkerAnalyser()
    yield w
    w.close()


def test_helper_process_analyses_like_kiwi_in_process(local, worker):
    assert worker.tokenize(TEXT) == local.tokenize(TEXT)
    assert worker.sentences(TEXT) == local.sentences(TEXT)
    assert len(worker.sentences(TEXT)) == 4
    assert ("티카드", "NNP") in {(f, t) for f, t, _, _ in worker.tokenize(TEXT)}


def test_a_killed_helper_moves_analysis_into_this_process(worker, monkeypatch):
    monkeypatch.setattr(korean, "_analyser", worker)
    first = korean.split_sentences(TEXT)  # served by the helper
    assert korean.analyser() is worker
    worker._proc.kill()
    worker._proc.wait()
    # An uncached text, so the call must reach an analyser.
    assert [t.form for t in korean.terms("구리 가격은 얼마나 올랐나요?")][:2] == ["구리", "가격"]
    assert isinstance(korean.analyser(), LocalAnalyser)
    assert korean.split_sentences(TEXT) == first


def test_closing_ends_the_helper(worker):
    worker.tokenize("가")
    worker.close()
    assert worker._proc.poll() is not None


def test_load_in_background_keeps_a_loaded_analyser(local, monkeypatch):
    monkeypatch.setattr(korean, "_analyser", local)
    korean.load_in_background()
    assert korean.analyser() is local


def test_a_title_after_a_full_stop_opens_the_next_sentence():
    text = (
        '소설은 연극으로 각색되었다.《퀴즈쇼》는 뮤지컬로 각색되었다. 그는 "좋다."고 말했다. '
        "그는 영화 《푸른 새벽》으로 데뷔했다. 《푸른 새벽》은 5월 3일에 개봉했다."
    )
    got = [text[s.start : s.end] for s in korean.split_sentences(text)]
    assert got == [
        "소설은 연극으로 각색되었다.",
        "《퀴즈쇼》는 뮤지컬로 각색되었다.",
        '그는 "좋다."고 말했다.',
        "그는 영화 《푸른 새벽》으로 데뷔했다.",
        "《푸른 새벽》은 5월 3일에 개봉했다.",
    ]


def test_an_irregular_verb_or_adjective_is_a_content_stem():
    # Kiwi tags irregular conjugations apart: 돕/VV-I ("도왔"), 차갑/VA-I ("차가웠")
    got = [(t.form, t.tag) for t in korean.terms("누가 도왔어? 물이 차가웠다.")]
    assert ("돕", "VV") in got and ("차갑", "VA") in got
