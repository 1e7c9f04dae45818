"""Turns about the whole article (qa.core.intent, qa.core.summary, qa.write.whole): a
summary of the article's own sentences, a greeting, thanks, help; in Korean and English,
as follow-ups; and the ordinary questions that must stay questions.

The phrasings here are not in the data the turn-kind model was fitted on
(``fit/data/intents.jsonl``): the first test checks it, so the table measures what
the model learned, not what it was shown. The three KorQuAD articles are training
titles (``tests/data``), never the measured ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa import Chatbot, Settings
from qa.core.intent import classify, summary_length
from qa.lang.kinds import reply_language
from qa.write.extractive import REFUSAL

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
ARTICLES = [None, DATA / "임종석.txt", DATA / "불법행위.txt", DATA / "올리비에_지루.txt"]

#: (turns, the kind of each turn): at least 40 turns about the whole article.
WHOLE = [
    (["이 기사 좀 요약해 줄 수 있어?"], ["summary"]),
    (["기사 요약 좀 해주라"], ["summary"]),
    (["내용을 세 줄로 정리해 줄래?"], ["summary"]),
    (["핵심 내용만 간단히"], ["summary"]),
    (["이거 무슨 내용인지 요약 좀"], ["summary"]),
    (["기사 핵심이 뭐야"], ["summary"]),
    (["이 글 요약 부탁해"], ["summary"]),
    (["주요 내용 정리해 주세요"], ["summary"]),
    (["한 줄 요약 해줘"], ["summary"]),
    (["이 기사 내용 간단하게 알려 줘"], ["summary"]),
    (["요약해 줘요"], ["summary"]),
    (["전체 내용을 요약해 주세요"], ["summary"]),
    (["이 기사의 요점은 뭐야?"], ["summary"]),
    (["무슨 내용의 글이야?"], ["summary"]),
    (["요약해봐요", "더 짧게 해 줘"], ["summary", "summary"]),
    (["기사 요약해 줄래?", "더 자세히 알려줘"], ["summary", "summary"]),
    (["요약 부탁해", "두 문장으로 줄여 줘"], ["summary", "summary"]),
    (["Can you summarize this?"], ["summary"]),
    (["Please summarize the article"], ["summary"]),
    (["Give me a quick summary of the article"], ["summary"]),
    (["What's this article about?"], ["summary"]),
    (["What are the main points?"], ["summary"]),
    (["TL;DR?"], ["summary"]),
    (["Summarize it in two sentences"], ["summary"]),
    (["summarize please", "make it shorter, please"], ["summary", "summary"]),
    (["안녕하세요~"], ["greeting"]),
    (["안녕!"], ["greeting"]),
    (["hello there!"], ["greeting"]),
    (["Hi!!"], ["greeting"]),
    (["고마워요!"], ["thanks"]),
    (["감사합니다~"], ["thanks"]),
    (["thank you!"], ["thanks"]),
    (["무엇을 물어볼 수 있나요?"], ["help"]),
    (["뭘 물어보면 돼?"], ["help"]),
    (["What can I ask here?"], ["help"]),
    (["어떻게 물어보면 되나요?"], ["help"]),
    (["기사 한 문장 요약"], ["summary"]),
    (["Briefly, what does this article say?"], ["summary"]),
]

#: Ordinary questions of the public dev set: questions, not whole-article turns.
ORDINARY = [
    "구현모 대표는 몽골에서 어떤 직책으로 위촉되었나요?",
    "KT-몽골 전략적 협력 체결 행사는 어디에서 열렸나요?",
    "티카드는 몽골 국민의 약 몇 퍼센트가 사용하나요?",
    "한국을 방문하는 몽골인은 1년에 몇 명 정도인가요?",
    "몽골은 세계 희토류 매장량의 몇 퍼센트를 보유하고 있나요?",
    "몽골의 구리 매장량은 세계 몇 위인가요?",
    "몽골은 몇 종류의 광물을 보유하고 있나요?",
    "N2N 사업계약은 어느 기관들 사이에 체결되었나요?",
    "N2N 사업계약 체결식에 참석한 BC카드 사장은 누구인가요?",
    "몽골 중앙은행 총재의 이름은 무엇인가요?",
    "행사에 참석한 몽골 총리는 누구인가요?",
    "몽골 정부가 신부흥정책을 발표한 해는 언제인가요?",
    "신부흥정책의 영어 이름은 무엇인가요?",
    "디지코(DIGICO)는 무엇을 뜻하나요?",
    "희토류는 어떤 산업에서 활용되나요?",
    "이 기사를 쓴 기자는 누구인가요?",
    "'건강한 몽골인 만들기'는 몽골 정부에게 어떤 과제인가요?",
    "협력 체결 행사는 며칠에 열렸나요?",
    "KT의 작년 영업이익은 얼마인가요?",
    "What position was KT's CEO Koo Hyun-mo appointed to by Mongolia?",
    "What share of Mongolians use the T-Card?",
    "구리는요?",
    "그걸 쓰는 사람은 몇 퍼센트야?",
    "티카드는 뭐야?",
    "기사 작성자 이메일",
    "기자 이름",
]


def test_the_table_is_not_the_training_data():
    with open(ROOT / "fit" / "data" / "intents.jsonl", encoding="utf-8") as f:
        seen = {json.loads(line)["text"].strip().lower() for line in f}
    turns = [t for turns, _ in WHOLE for t in turns]
    assert len(turns) >= 40
    assert [t for t in turns if t.strip().lower() in seen] == []


@pytest.fixture(scope="module")
def bots(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("whole")
    out = {}
    for article in ARTICLES:
        settings = Settings(index_dir=root, answerer="extractive")
        out[article] = settings.with_(article=article) if article else settings
    return out


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.stem if a else "shipped")
def test_whole_article_turns_are_recognised_and_answered_from_the_article(bots, article):
    settings = bots[article]
    text = Chatbot(settings=settings).pipeline.index.article.text
    sentences = [s.text for s in Chatbot(settings=settings).pipeline.index.sentences]
    wrong = []
    for turns, kinds in WHOLE:
        bot = Chatbot(settings=settings)
        previous = 0
        for turn, kind in zip(turns, kinds, strict=True):
            a = bot.ask(turn)
            if a.meta.get("intent") != kind:
                wrong.append((turn, a.meta.get("intent")))
                continue
            assert a.found and a.text not in REFUSAL.values(), turn
            if kind != "summary":
                assert a.text and not a.sources
                continue
            n = a.meta["sentences"]
            assert 1 <= n == len(a.sources) == len(a.text.splitlines()) - 1
            for source, line in zip(a.sources, a.text.splitlines()[1:], strict=True):
                # Every line is (the end of) a sentence of the article, with its passage.
                assert text[source.evidence_start : source.evidence_end] == source.evidence
                assert any(source.evidence in s for s in sentences)
                assert source.evidence in source.text
                assert " ".join(source.evidence.split()) == line.removeprefix("- ")
            if turn.startswith(("더 짧게", "make it shorter")):
                assert n < previous, (turn, n, previous)
            if "자세히" in turn:
                assert n > previous, (turn, n, previous)
            previous = n
    assert wrong == []


def test_a_summary_is_in_the_articles_order_and_starts_with_the_lead(settings: Settings):
    bot = Chatbot(settings=settings)
    a = bot.ask("요약해줘")
    starts = [s.evidence_start for s in a.sources]
    assert starts == sorted(starts) and len(starts) == 3
    # The shipped article's lead, after its byline "(서울=연합인포맥스) 최정우 기자 = "
    assert a.sources[0].evidence.startswith("KT가 몽골 정부와 전방위 디지털 전환(DX) 협력에 나서며")
    assert "기자 =" not in a.text


def test_ordinary_questions_stay_questions(settings: Settings):
    pipeline = Chatbot(settings=settings).pipeline
    assert len(ORDINARY) >= 20
    assert [q for q in ORDINARY if pipeline.turn_kind(q) != "question"] == []


def test_small_talk_never_says_the_article_does_not_say(settings: Settings):
    bot = Chatbot(settings=settings)
    a = bot.ask("안녕?")
    assert a.found and a.meta["intent"] == "greeting"
    # Questions to try, taken from this article, each one it answers.
    tries = a.meta["suggestions"]
    assert len(tries) >= 2
    for q in tries:
        assert Chatbot(settings=settings).ask(q).found, q


@pytest.mark.parametrize(
    ("text", "n"),
    [
        ("세 줄로 요약해줘", 3),
        ("한 문장으로", 1),
        ("5줄 요약", 5),
        ("summarize in two sentences", 2),
        ("요약해줘", 3),
        ("in a nutshell", 1),
    ],
)
def test_how_long_a_summary(text, n):
    assert classify(text).kind == "summary"
    assert summary_length(text) == n


def test_shorter_and_longer_follow_the_previous_summary():
    assert summary_length("더 짧게", previous=3) == 2
    assert summary_length("더 짧게", previous=1) == 1
    assert summary_length("좀 더 자세히", previous=3) == 5
    assert summary_length("요약해줘", previous=5) == 3  # a new request starts over


@pytest.mark.parametrize(
    ("turn", "language"),
    [
        ("영어로", "en"),
        ("영어로 다시 말해줘", "en"),
        ("영문으로 알려줘", "en"),
        ("한국어로 설명해줘", "ko"),
        ("in English, please", "en"),
        ("Can you say that in Korean?", "ko"),
        # asking about a language is a question, not a switch
        ("영어로 된 이름은?", None),
        ("영어로 뭐라고 해?", None),
        ("What is it called in English?", None),
        ("in English what does KT do?", None),
    ],
)
def test_a_turn_that_asks_only_for_another_language(turn, language):
    assert reply_language(turn) == language


def test_the_previous_answer_again_in_the_language_asked(settings: Settings):
    bot = Chatbot(settings=settings)
    ko = bot.ask("요약해줘")
    en = bot.ask("영어로")
    assert en.meta["intent"] == "summary" and en.language == "en"
    assert [s.evidence for s in en.sources] == [s.evidence for s in ko.sources]
    assert en.text.startswith("Summary of the article")
    shorter = bot.ask("더 짧게")  # still follows the summary just given
    assert shorter.meta["sentences"] < en.meta["sentences"]

    fact = bot.ask("티카드는 몽골 국민의 약 몇 퍼센트가 사용하나요?")
    again = bot.ask("in English, please")
    assert again.found and again.language == "en" and again.question == fact.question
    assert again.sources[0].evidence == fact.sources[0].evidence and "70%" in again.text
    assert bot.ask("한국어로").text == fact.text
    # Nothing asked yet: what can be asked, in that language; never "the article does not say".
    first = Chatbot(settings=settings).ask("영어로")
    assert first.found and first.meta["intent"] == "help" and first.language == "en"
