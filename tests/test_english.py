"""An English answer's rendering of the article's span: values by rule, other words
checked against the learner's dictionary."""

from __future__ import annotations

import pytest

from index import korean
from qa.lang import english, romanize
from qa.lang.bilingual import Hearing, hear, wording
from qa.lang.sound import may_sound_like, sounds_like
from qa.write.point import english_answer


@pytest.mark.parametrize(
    ("span", "said"),
    [
        ("2010년 5월 25일", "May 25, 2010"),
        ("1940년 6월 21일(금)", "June 21, 1940"),
        ("2010년 5월", "May 2010"),
        ("2010년", "2010"),
        ("1990년대", "the 1990s"),
        ("기원전 200년", "200 BC"),
        ("3억 5천만 유로", "350 million euros"),
        ("1억 9500만 비트", "195 million bits"),
        ("1,100만 달러", "11 million dollars"),
        ("290만", "2.9 million"),
        ("1445유로", "1445 euros"),
        ("10만여명", "more than 100,000 people"),
        ("약 70%", "about 70%"),
        ("5,000명 이상", "5,000 people or more"),
        ("3위를", "3rd place"),
        ("22번째", "22nd"),
        ("20세", "20 years old"),
        ("30도", "30 degrees"),
        ("3년", "3 years"),
        ("오후 3시 30분", "3:30 p.m."),
        ("3~5명", "3 to 5 people"),
        ("1943년부터 1946년까지", "1943 to 1946"),
        ("449 W", "449 W"),
        ("202조9천억원", "202.9 trillion won"),
        ("1만1천여명", "more than 11,000 people"),
        ("30기가와트시(GWh)", "30 GWh"),
        ("15기", "15"),
    ],
)
def test_a_value_in_english(span, said):
    assert english.value(span) == said


def test_what_is_not_one_value_is_not_rendered():
    for span in ("천국의 계단", "서울대학교병원", "3위 팀인 우루과이", "COVID-19", "제3조", "세계"):
        assert english.value(span) is None, span


def test_the_asked_kind_says_whether_days_are_a_date_or_a_count():
    assert english.value("25일", "date") == "the 25th"
    assert english.value("25일", "duration") == "25 days"


def _terms(span: str) -> list[tuple[str, str]]:
    return [(t.form, t.tag) for t in korean.terms(span)]


@pytest.mark.parametrize(
    ("gloss", "span", "said"),
    [
        ("cash", "현금", True),
        ("harmonica", "하모니카", True),
        ("Heaven Stairs", "천국의 계단", True),
        ("The Grand Canyon", "천국의 계단", False),  # a word the dictionary does not give
        ("heaven", "천국의 계단", False),  # a word of the span left unsaid
        ("prize winner", "문화 대상의 수상자", False),
    ],
)
def test_a_rendering_the_dictionary_agrees_with(gloss, span, said):
    assert hear(gloss, _terms(span)).says is said


def test_an_english_answer_leads_with_a_rendering_and_the_span_follows():
    evidence = "이날 행사에는 김도현 한빛전자 대표 등 300여명이 참석했고, 현금 3억 5천만 유로가 모였다."
    assert english_answer("300여명", evidence, "about 300 people", "headcount", None)[0] == (
        "more than 300 people (300여명)"
    )
    # the rule spells a name, not the model
    assert english_answer("김도현", evidence, "Kim Dohyun", None, None)[0] == "Kim Do-hyeon (김도현)"
    # a name the model rendered as one, spelled by rule; not one it rendered as something else
    assert (
        english_answer("이명박", "이명박은 말했다.", "Lee Myung-hak", None, None)[0]
        == "Lee Myeong-bak (이명박)"
    )
    assert english_answer("이명박", "이명박은 말했다.", "", None, None)[0].startswith(
        "In the article's words"
    )
    shown, how = english_answer("현금", evidence, "cash", None, lambda a, b: 0.5)
    assert (shown, how) == ("cash (현금)", {"rendered_by": "dictionary"})
    shown, how = english_answer("현금", evidence, "gold bars", None, lambda a, b: 0.5)
    assert shown == "In the article's words: 현금" and "too far" in how["gloss_dropped"]


@pytest.mark.parametrize(
    ("korean", "english", "alike"),
    [
        ("센터", "center", True),  # an r after a vowel is not said
        ("실루엣", "silhouette", True),  # a silent final e; a final ㅅ is a t
        ("멀티바이브레이터", "multivibrator", True),
        ("스트라이크", "strike", True),  # Korean's inserted 으
        ("미네르바", "Minerva", True),  # ... and an r said
        ("브라이스하퍼", "Bryce Harper", True),
        ("퍼드갤빈", "Pud Galvin", True),
        ("멀티바이브레이터", "multi-video mixer", False),
        ("퍼드갤빈", "Fred Gabbin", False),
        ("로이드마셜", "Rod Mallace", False),
        ("비비킹", "Elvis Presley", False),
        ("하프", "hope", False),  # one consonant says too little
    ],
)
def test_a_borrowed_word_or_a_foreign_name_by_its_sound(korean, english, alike):
    assert sounds_like(korean, english) is alike


@pytest.mark.parametrize(
    ("gloss", "span", "said", "unheard"),
    [
        ("Clean Reporting Center", "클린신고센터", True, ()),  # by sound, by the dictionary, by either
        ("Bryce Harper", "브라이스 하퍼", True, ()),  # 하퍼 alone is too short to tell: the whole name
        ("Seoul University Hospital", "서울대학교병원", True, ()),  # a name Kiwi keeps whole, in headwords
        ("Hyundai Unicorns", "현대 유니콘스", True, ()),  # a proper noun by its sound, not "modern"
        ("yeolmae", "열매", False, ()),  # a word the dictionary knows is said by its meaning
        ("multi-video mixer", "멀티바이브레이터", False, ("멀티바이브", "레이")),  # as Kiwi cuts it
        ("Fred Gabbin", "퍼드 갤빈", False, ("퍼드", "갤빈")),
    ],
)
def test_a_rendering_that_says_names_and_borrowed_words_by_their_sound(gloss, span, said, unheard):
    assert hear(gloss, _terms(span), span) == Hearing(said, unheard)


def test_no_name_or_borrowed_word_is_shown_in_english_on_e5_alone():
    near = lambda a, b: 0.95  # noqa: E731 - e5 finds them close
    evidence = "멀티바이브레이터를 썼다."
    shown, how = english_answer("멀티바이브레이터", evidence, "multi-video mixer", None, near)
    assert shown == "In the article's words: 멀티바이브레이터" and "sound" in how["gloss_dropped"]
    shown, how = english_answer("멀티바이브레이터", evidence, "multivibrator", None, near)
    assert shown == "multivibrator (멀티바이브레이터)"
    # a span with no name or borrowed word is still e5's to judge
    shown, how = english_answer("기업간 분쟁", "기업간 분쟁이 있었다.", "business disputes", None, near)
    assert (shown, how) == ("business disputes (기업간 분쟁)", {"rendered_by": "llm"})


@pytest.mark.parametrize(
    ("span", "has", "lacks"),
    [
        ("하프연주", {"harp", "performance", "of", "the"}, {"s"}),
        ("《천국의 계단》", {"heaven", "stairs", "step"}, {"stairway", "grand", "canyon"}),
        ("서울대학교병원", {"seoul", "university", "hospital"}, set()),  # a name Kiwi keeps whole
        ("한기주", {"han", "gi", "ju"}, set()),  # a Korean name, spelled by rule
        ("강씨", {"kang"}, {"river", "seed", "ms"}),  # a surname; a bound noun is not its homograph
        ("N2N 사업계약", {"n2n", "business", "contract"}, set()),
    ],
)
def test_the_words_a_rendering_may_be_held_to(span, has, lacks):
    words = wording(_terms(span), span).words
    assert has <= words and not lacks & words, sorted(words)


def test_a_compound_read_two_ways_is_not_read_as_either():
    # 신도시인 is 신도시 + 인 ("new town" people) as well as 신도 + 시인 ("believer poet")
    assert hear("Believer Poet", _terms("신도시인"), "신도시인").says is False
    assert "poet" not in wording(_terms("신도시인"), "신도시인").words
    assert hear("Seoul University Hospital", _terms("서울대학교병원"), "서울대학교병원").says


def test_every_common_korean_surname_starts_a_name_spelled_by_rule():
    for name, latin in [("한기주", "Han Gi-ju"), ("장동건", "Jang Dong-geon"), ("최원석", "Choi Won-seok")]:
        assert romanize.person_name(name) == latin
    assert romanize.surname("강") == "Kang" and romanize.surname("책") is None
    # a foreign name that starts with a surname: no Chinese character is read 클 or 빛
    assert romanize.person_name("마이클") is None and romanize.person_name("김빛나") is None


def test_a_rendering_held_to_words_says_one_of_each_word_of_the_span():
    groups = wording(_terms("하프연주"), "하프연주").groups
    assert groups == (frozenset({"harp"}), frozenset({"performance"}))
    stairs = wording(_terms("《천국의 계단》"), "《천국의 계단》").groups
    assert stairs[0] == {"heaven"} and {"stairs", "step"} <= stairs[1]


@pytest.mark.parametrize(
    ("span", "sounds"),
    [
        # a foreign name the dictionary lacks: each word by its sound, or the two together
        ("로이드 마셜", {("로이드", (0,)), ("마셜", (1,)), ("로이드 마셜", (0, 1))}),
        # a word Kiwi cuts in three, two of them unknown: said together, or the unknown start alone
        ("멀티바이브레이터", {("멀티바이브", (0,)), ("멀티바이브레이터", (0, 1, 2))}),
        ("강씨", set()),  # a surname is spelled by rule, not by whatever sounds like it
        ("하프연주", set()),  # the dictionary has both words: they are said by their meaning
    ],
)
def test_what_a_held_rendering_may_say_by_its_sound(span, sounds):
    held = wording(_terms(span), span)
    assert {(unit, frozenset(says)) for unit, says in sounds} <= set(held.sounds), held.sounds
    assert sounds or not held.sounds, held.sounds
    # a word of the span that only its sound says has no words of its own
    assert all(not held.groups[k] for unit, says in held.sounds for k in says if unit in {"로이드", "마셜"})


def test_a_start_of_english_words_may_still_say_a_name_by_its_sound():
    assert may_sound_like("마셜", "Mars") and may_sound_like("로이드 마셜", "Lloyd Mar")
    assert not may_sound_like("마셜", "Mall") and not may_sound_like("로이드 마셜", "Rod Mallac")
    # a stricter bar leaves out a near miss
    assert sounds_like("로이드 마셜", "Rod Maller") and not sounds_like("로이드 마셜", "Rod Maller", 0.9)
