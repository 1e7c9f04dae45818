"""What the fitted ranker sees (qa.core.features), on a real index of a small article."""

from __future__ import annotations

import pytest

from qa import Chatbot
from qa.core.features import COLUMN, SentenceStats, candidates
from qa.core.understand import understand

ELECTION = (
    "2002년 프랑스 대통령 선거\n\n"
    "2002년 프랑스 대통령 선거에서 언론은 우파 후보 시라크와 좌파 후보 조스팽의 결선 진출을 점쳤다. "
    "그러나 좌파의 표가 나뉘어 결선에 오른 극우파 후보는 르펜이었다. "
    "선거는 5월에 끝났다.\n"
)


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory, settings):
    path = tmp_path_factory.mktemp("election") / "election.txt"
    path.write_text(ELECTION, encoding="utf-8")
    pipe = Chatbot(path, settings=settings).pipeline
    return pipe, SentenceStats(pipe.index)


def features(election, question: str):
    pipe, stats = election
    found = pipe.retrieve(understand(question, []))
    texts = [s.text for s in pipe.index.sentences]
    return candidates(found.query, stats, found.vector, found.hits).X, texts


def row(texts: list[str], start: str) -> int:
    return next(i for i, t in enumerate(texts) if t.startswith(start))


def test_near_weighs_the_words_next_to_what_is_asked(election):
    X, texts = features(election, "2002년 프랑스 대통령 선거에서 결선에 오른 극우파 후보는?")
    scene, answer = row(texts, "2002년 프랑스 대통령 선거에서 언론은"), row(texts, "그러나")
    cov, near = COLUMN["cov"], COLUMN["near"]
    # The scene-setting sentence shares more of the question's words...
    assert X[scene, cov] > X[answer, cov]
    # ...but the sentence with the answer shares the ones that describe it.
    assert X[answer, near] > X[scene, near]
    # The same words in the other order: now the scene's words are the near ones.
    X2, _ = features(election, "결선에 오른 극우파가 나온 2002년 프랑스 대통령 선거의 후보는?")
    assert X2[scene, near] - X2[answer, near] > X[scene, near] - X[answer, near]


def test_near_is_coverage_when_every_word_is_there(election):
    X, texts = features(election, "선거는 언제 끝났어?")
    i = row(texts, "선거는 5월에")
    assert X[i, COLUMN["near"]] == pytest.approx(1.0)
    assert X[i, COLUMN["cov"]] == pytest.approx(1.0)


def test_a_follow_up_pronoun_brings_the_earlier_questions_words(election):
    from qa.types import Turn

    pipe, stats = election
    earlier = Turn(
        "결선에 오른 극우파 후보는 누구야?",
        "그러나 좌파의 표가 나뉘어 결선에 오른 극우파 후보는 르펜이었다.",
        True,
    )
    # "그 후보" is the one the earlier question was about: its words count for this one.
    q = understand("그 후보는 몇 년 선거에 나왔어?", [earlier])
    assert q.followup and not q.elliptical
    found = pipe.retrieve(q)
    X = candidates(found.query, stats, found.vector, found.hits).X
    alone = candidates(found.query, stats, found.vector, found.hits, context=False).X
    texts = [s.text for s in pipe.index.sentences]
    answer = row(texts, "그러나")
    assert X[answer, COLUMN["cov"]] > alone[answer, COLUMN["cov"]]
