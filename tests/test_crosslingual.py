"""English questions over the Korean article: romanised names and the calibrated decision."""

from __future__ import annotations

import pytest

from qa import Chatbot, Settings
from qa.core.crosslingual import match_names, sentence_spans
from qa.lang import bilingual


@pytest.mark.parametrize(
    "latin, hangul",
    [
        ("Koo Hyun-mo", "구현모"),
        ("Gu Hyeon-mo", "구현모"),
        ("Hyun-mo Koo", "구현모"),
        ("Choi Won-seok", "최원석"),
        ("Choe Won-suk", "최원석"),
        ("Lee Jae-woon", "이재운"),
        ("Yi Jae-un", "이재운"),
        ("Lim Seung-hyuk", "임승혁"),
        ("Park Sung-hoon", "박성훈"),
    ],
)
def test_romanised_names_find_their_hangul(latin, hangul):
    spans = sentence_spans([f"{hangul} 대표는 말했다."])
    assert any(h == hangul for _, _, h, _, _ in match_names(f"What did {latin} say?", spans))


@pytest.mark.parametrize("latin", ["Choi Won-chul", "Kim Chul-soo", "Park Ji-sung"])
def test_other_names_do_not_match(latin):
    spans = sentence_spans(["최원석 김철연 박성훈 구현모 대표는 말했다."])
    assert match_names(f"What did {latin} say?", spans) == []


@pytest.mark.parametrize(
    "question, word, korean",
    [
        ("Which hospital did he die in?", "hospital", "병원"),
        ("What nickname did the media give him?", "nickname", "별명"),
        ("When was the company founded?", "founded", "설립"),  # 설립하다: its root
        ("What did he wear?", "wear", "입"),  # 입다: a stem
        ("Who wrote the song?", "wrote", "쓰"),  # an irregular past: write, 쓰다
    ],
)
def test_question_words_are_glossed_into_korean(question, word, korean):
    found = {g.word: g.nouns | g.stems for g in bilingual.glosses(question)}
    assert korean in found[word], found


def test_glosses_leave_the_frame_of_the_question():
    assert [g.word for g in bilingual.glosses("What did they do in it?")] == []


def test_gloss_coverage_prefers_the_sentence_that_writes_the_words():
    sentences = ["그는 1990년 서울에서 태어났다.", "그는 2015년 서울대학교병원에서 사망했다.", "병원은 크다."]
    terms = [["그", "1990", "서울", "태어나"], ["그", "2015", "서울대학교병원", "사망"], ["병원", "크"]]
    cov = bilingual.coverage("Which hospital did he die in?", sentences, terms)
    assert cov.argmax() == 1 and cov[0] == 0.0, cov


@pytest.fixture(scope="module")
def bot_factory(settings: Settings):
    return lambda: Chatbot(settings=settings)


@pytest.mark.slow
@pytest.mark.parametrize(
    "question, fact",
    [
        ("Who is the president of BC Card?", "최원석"),
        ("What did Mongolia's government promise to supply to Korea in return?", "희토류"),
        ("Which Mongolian ministry signed a tourism MOU with KT Studio Genie?", "자연환경관광부"),
    ],
)
def test_english_questions_find_korean_evidence(bot_factory, question, fact):
    a = bot_factory().ask(question)
    assert a.found, a.meta
    assert fact in a.sources[0].evidence
    assert a.text.startswith("The article says")


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    ["How old is Koo Hyun-mo?", "What was KT's operating profit last year?", "What is KT's market cap?"],
)
def test_english_questions_the_article_does_not_answer(bot_factory, question):
    a = bot_factory().ask(question)
    assert not a.found and a.text == "The article does not say."


@pytest.mark.slow
def test_sparse_vectors_are_kept_beside_the_build(bot_factory):
    bot = bot_factory()
    bot.ask("Who is the president of BC Card?")
    assert (bot.index.path / "sparse.npz").is_file()
