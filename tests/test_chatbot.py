"""The public API end to end: real models, a real Chroma in a temporary folder."""

from __future__ import annotations

import threading

import pytest

from qa import Answer, Chatbot, QuestionError, Settings, Source
from tests.bad_inputs import GOOD_FACT, GOOD_QUESTION, NEVER, QUESTIONS, ids

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bot_factory(settings: Settings):
    def make() -> Chatbot:
        return Chatbot(settings=settings)

    return make


def evidence_in_sources(answer: Answer, fragment: str) -> bool:
    return any(fragment in s.text for s in answer.sources)


def test_answer_carries_text_found_sources_mode_and_timings(bot_factory):
    a = bot_factory().ask("BC카드 사장은 누구야?")
    assert a.found and "최원석" in a.text
    assert a.mode == "extractive" and a.language == "ko"
    assert isinstance(a.sources[0], Source)
    assert "최원석" in a.sources[0].evidence
    src = a.sources[0]
    article = bot_factory().index.article.text
    assert article[src.start : src.end] == src.text
    assert article[src.evidence_start : src.evidence_end] == src.evidence
    assert {"understand", "retrieve", "evidence", "decide", "write", "total"} <= set(a.timings)


@pytest.mark.parametrize(
    "question, fact",
    [
        ("몽골 총리 이름이 뭐야?", "롭산남스랴"),
        ("하나로의료재단과 맺은 MOU는 무엇을 짓기 위한 거야?", "건강검진센터"),
        ("기사 작성자 이메일", "jwchoi2@yna.co.kr"),
        ("이 기사는 몇 시에 서비스됐나요?", "14시"),
    ],
)
def test_korean_questions(bot_factory, question, fact):
    a = bot_factory().ask(question)
    assert a.found, a.meta
    assert fact in a.text


@pytest.mark.parametrize(
    "question",
    [
        "구현모 대표의 나이는 몇 살인가요?",
        "KT의 주가는 얼마인가요?",
        "몽골 총리의 임기는 언제까지인가요?",
        "What is KT's market cap?",
    ],
)
def test_questions_the_article_does_not_answer_are_declined(bot_factory, question):
    a = bot_factory().ask(question)
    assert not a.found, a.text
    assert a.mode == "refusal"
    assert a.text in ("기사에는 이 질문에 대한 내용이 없습니다.", "The article does not say.")


def test_refusal_is_in_the_question_language(bot_factory):
    assert bot_factory().ask("How old is Koo Hyun-mo?").text == "The article does not say."
    assert bot_factory().ask("구현모 대표는 몇 살이야?").text.startswith("기사에는")


def test_follow_up_with_a_pronoun_uses_the_previous_answer(bot_factory):
    bot = bot_factory()
    bot.ask("BC카드 단말기에서 쓸 수 있게 되는 몽골 카드 이름이 뭐야?")
    a = bot.ask("그걸 쓰는 사람은 몇 퍼센트야?")
    assert a.found and "70%" in a.text
    assert a.meta["followup"]


def test_elliptical_follow_up_keeps_the_question_frame(bot_factory):
    bot = bot_factory()
    bot.ask("몽골의 희토류 매장량은 세계의 몇 퍼센트야?")
    a = bot.ask("형석은요?")
    assert a.found and "형석(3위)" in a.text


def test_follow_up_about_something_absent_is_declined(bot_factory):
    bot = bot_factory()
    bot.ask("BC카드 사장은 누구야?")
    assert not bot.ask("그 사람의 나이는?").found


# Two films: "그 영화" names the one the earlier question was about, and only that question names it.
FILMS = """배우 한도윤의 필모그래피

한도윤은 2007년 영화 《푸른 새벽》으로 데뷔했다. \
《푸른 새벽》은 2007년 5월 3일에 개봉해 관객 40만 명을 모았다.

2016년 한도윤은 영화 《달빛 정원》에서 한류스타 노진우 역을 맡았다. \
《달빛 정원》은 2016년 2월 17일에 개봉했고, 한도윤은 이 작품으로 처음 로맨틱 코미디에 도전했다.

그가 특별출연한 영화 《겨울 항구》의 개봉일은 2020년 12월 9일이었다.
"""


def test_a_follow_up_pronoun_means_what_the_earlier_question_named(settings: Settings, tmp_path):
    article = tmp_path / "films.txt"
    article.write_text(FILMS, encoding="utf-8")
    bot = Chatbot(article, settings=settings)
    first = bot.ask("한도윤이 영화 달빛 정원에서 맡은 역할이 뭐야?")
    assert first.found and "노진우" in first.text
    a = bot.ask("그 영화 개봉일은 언제였어?")
    assert a.meta["followup"] and a.found and "2016년 2월 17일" in a.text, a.text
    other = Chatbot(article, settings=settings)
    other.ask("한도윤이 영화 푸른 새벽에서 데뷔한 해는?")
    assert "2007년 5월 3일" in other.ask("그 영화 개봉일은 언제였어?").text


def test_without_history_a_fragment_is_not_a_follow_up(bot_factory):
    bot = bot_factory()
    bot.ask("BC카드 단말기에서 쓸 수 있게 되는 몽골 카드 이름이 뭐야?")
    bot.reset()
    assert bot.history == []
    a = bot.ask("그걸 쓰는 사람은 몇 퍼센트야?")
    assert not a.meta["followup"]


def test_two_chatbots_never_share_history(bot_factory):
    a, b = bot_factory(), bot_factory()
    a.ask("BC카드 단말기에서 쓸 수 있게 되는 몽골 카드 이름이 뭐야?")
    assert len(a.history) == 1 and b.history == []
    assert not b.ask("그걸 쓰는 사람은 몇 퍼센트야?").meta["followup"]


def test_concurrent_chatbots_answer_their_own_questions(bot_factory):
    questions = {"a": ("BC카드 사장은 누구야?", "최원석"), "b": ("몽골 총리는 누구야?", "롭산남스랴")}
    results: dict[str, Answer] = {}

    def run(key: str) -> None:
        bot = bot_factory()
        for _ in range(3):
            results[key] = bot.ask(questions[key][0])

    threads = [threading.Thread(target=run, args=(k,)) for k in questions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for key, (_, fact) in questions.items():
        assert fact in results[key].text


def test_a_question_that_is_not_text_gets_a_clear_error(bot_factory):
    with pytest.raises(QuestionError, match="must be text"):
        bot_factory().ask(None)


@pytest.mark.parametrize("name, question, error", QUESTIONS, ids=ids(QUESTIONS))
def test_odd_and_bad_questions(bot_factory, name, question, error):
    bot = bot_factory()
    if error is not None:
        with pytest.raises(QuestionError, match=error):
            bot.ask(question)
    else:
        a = bot.ask(question)
        assert a.text and not any(bad in a.text for bad in NEVER), a.text
        assert a.found or a.mode == "refusal"
    # Nothing is lost: the same chatbot answers a good question from its article.
    assert GOOD_FACT in bot.ask(GOOD_QUESTION).text


def test_a_question_at_the_limit_is_answered(bot_factory):
    q = "티카드는 누가 쓰나요? " + "가" * (2000 - len("티카드는 누가 쓰나요? "))
    assert isinstance(bot_factory().ask(q), Answer)


def test_stream_yields_text_then_the_answer(bot_factory):
    pieces = list(bot_factory().stream("BC카드 사장은 누구야?"))
    assert isinstance(pieces[-1], Answer)
    assert "".join(p for p in pieces[:-1] if isinstance(p, str)) == pieces[-1].text


def test_another_article_by_path(small_article, settings):
    bot = Chatbot(small_article, settings=settings)
    a = bot.ask("셔틀버스는 몇 분 간격으로 운행돼?")
    assert a.found and "10분" in a.text
    assert a.sources[0].article == "festival.txt"
    assert bot.ask("이 기사를 쓴 기자는?").found
    assert not bot.ask("축제 입장료는 얼마야?").found


LIBRARY = (
    "한빛시 새 도서관 착공\n\n"
    "한빛시는 10일 시청에서 새 중앙도서관 건립 계획을 발표했다. 이 도서관은 2027년 3월에 문을 열 예정이다. "
    "총사업비는 450억원으로, 시비와 국비가 절반씩 들어간다.\n\n"
    "도서관에는 열람실 12곳과 어린이 자료실이 들어선다.\n"
)


def test_the_sentence_next_to_the_best_is_shown_with_it_when_nearly_as_likely(tmp_path, settings):
    # The question's words are split over two sentences: the plan and the opening date.
    path = tmp_path / "library.txt"
    path.write_text(LIBRARY, encoding="utf-8")
    bot = Chatbot(path, settings=settings)
    plan, opens = (
        "한빛시는 10일 시청에서 새 중앙도서관 건립 계획을 발표했다.",
        "이 도서관은 2027년 3월에 문을 열 예정이다.",
    )
    a = bot.ask("한빛시가 건립하는 중앙도서관은 언제 문을 열어?")
    assert a.found and a.text == f"{plan} {opens}"
    assert a.sources[0].evidence == f"{plan} {opens}"  # both highlighted
    # A sentence far ahead of its neighbours is shown alone.
    assert bot.ask("도서관 사업비는 얼마야?").text == "총사업비는 450억원으로, 시비와 국비가 절반씩 들어간다."
