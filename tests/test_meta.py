"""What an article says of itself (index.meta), and the questions it answers
(qa.lang.kinds.about_the_article): on the shipped article and three news texts written for these tests
in the common Korean formats (tests/data/news_*.txt)."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import meta
from index.article import load_article
from qa import Chatbot, Settings
from qa.core.understand import is_followup
from qa.lang import kinds

DATA = Path(__file__).resolve().parent / "data"


def shipped_text(settings: Settings) -> str:
    return Chatbot(settings=settings).pipeline.index.article.text


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "news_bracket.txt",  # [헤럴드경제=김민준 기자], "입력 2024.12.03 10:25 | 수정 ...", Copyright ⓒ
            {
                "title": "서울시, 내년 청년 월세 지원 두 배로 늘린다",
                "outlet": "헤럴드경제",
                "reporter": "김민준",
                "email": "mjkim@heraldcorp.com",
                "published": "2024.12.03 10:25",
            },
        ),
        (
            "news_dateline.txt",  # (부산=연합뉴스) two reporters, "... 송고" after the date
            {
                "title": "부산항 컨테이너 물동량 역대 최대",
                "outlet": "연합뉴스",
                "reporter": "이서연 박도현",
                "email": "seoyeon@yna.co.kr",
                "published": "2024/11/15 14:32",
            },
        ),
        (
            "news_plain.txt",  # "기사입력 2024-10-28 오후 3:10", a byline line alone, ⓒ at the end
            {
                "title": "제주 감귤 수확 시작…올해 생산량 12% 감소 예상",
                "outlet": "제주일보",
                "reporter": "정하늘",
                "published": "2024-10-28 오후 3:10",
            },
        ),
    ],
)
def test_metadata_of_news_texts(name, expected):
    text = load_article(DATA / name).text
    m = meta.read(text)
    assert m.as_dict() == expected
    for key in expected:
        field = getattr(m, key)
        # Each value is cited by the article's own words.
        assert field.value.split()[0] in text[field.start : field.end]


def test_metadata_of_the_shipped_article(settings: Settings):
    text = shipped_text(settings)
    m = meta.read(text)
    # Its first line is a photo's caption, and "[출처: 연합뉴스 자료사진]" names the photo's source.
    assert m.as_dict() == {
        "outlet": "연합인포맥스",
        "reporter": "최정우",
        "email": "jwchoi2@yna.co.kr",
        "published": "14시 00분",
    }
    assert text[m.published.start : m.published.end].startswith("본 기사는 인포맥스 금융정보 단말기에서")


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ("이 기사 언제 나온 거야?", "published"),
        ("기사 날짜가 언제예요?", "published"),
        ("When was this article published?", "published"),
        ("어느 언론사 기사야?", "outlet"),
        ("이 기사 출처가 어디야?", "outlet"),
        ("Which newspaper is this from?", "outlet"),
        # about what the article reports, not about the article
        ("박대성 실명을 제일 처음 보도한 언론사는 어디예요?", None),
        ("12.1 조치 철회 발표는 언제 나왔는가?", None),
        ("협력 체결 행사는 며칠에 열렸나요?", None),
        ("이 기사는 누가 썼어?", None),  # the byline's, on the ordinary path
    ],
)
def test_questions_about_the_article_itself(question, field):
    assert kinds.about_the_article(question) == field


@pytest.mark.parametrize("article", [None, DATA / "news_bracket.txt"], ids=["shipped", "bracket"])
def test_when_and_which_outlet_are_answered_from_the_article(settings: Settings, article):
    settings = settings.with_(article=article) if article else settings
    values = meta.read(Chatbot(settings=settings).pipeline.index.article.text)
    for question, field in (("이 기사 언제 나온 거야?", "published"), ("어느 언론사 기사야?", "outlet")):
        a = Chatbot(settings=settings).ask(question)
        value = getattr(values, field).value
        assert a.found and value in a.text and a.meta["about"] == field
        assert value in a.sources[0].evidence
    a = Chatbot(settings=settings).ask("When was this published?")
    assert a.text.startswith("When the article was published:") and a.found


def test_this_article_is_no_follow_up(settings: Settings):
    # "이 기사" points at the article: after any question, who wrote it is still the byline.
    assert not is_followup("이 기사를 쓴 기자는 누구인가요?", [])
    bot = Chatbot(settings=settings)
    bot.ask("티카드는 몽골 국민의 약 몇 퍼센트가 사용하나요?")
    assert "최정우" in bot.ask("이 기사를 쓴 기자는 누구인가요?").text
