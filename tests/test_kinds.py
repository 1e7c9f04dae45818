"""The kind of answer a question asks for, and whether a sentence can hold one (qa.lang.kinds)."""

from __future__ import annotations

import pytest

from qa.lang.kinds import asked, holds


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("몽골의 인구는 몇 명인가요?", "headcount"),
        ("KT의 작년 영업이익은 얼마인가요?", "money"),
        ("회원권 가격은 어떻게 되나요?", "money"),  # the kind's word ends the question
        ("공사에 들어간 금액은?", "money"),
        # a fee or cost named by its suffix, asked "얼마"
        ("백제 야시장 부스 참가비는 얼마야?", "money"),
        ("객실 요금은 얼마예요?", "money"),
        ("그 선수의 이적료는 얼마인가?", "money"),
        ("단지 건설비는 얼마나 들었어요?", "money"),
        ("요금은 얼마나 올랐어?", "number"),  # a change: a percentage answers it too
        ("인구가 얼마야?", "number"),  # "가" is the subject particle here, not a price
        # how long: an hour of the day or a count of other things does not answer it
        ("올해 축제는 며칠 동안 해요?", "duration"),
        ("화재는 몇 분 만에 진화되었는가?", "duration"),
        ("공사는 얼마나 걸렸어?", "duration"),
        ("How long did the strike last?", "duration"),
        ("How long should it boil?", "duration"),  # any auxiliary but "be"
        ("How long is the bridge?", "number"),  # a length
        ("축제는 며칠에 시작해?", "date"),  # which day, not how many
        ("피난민들은 배 안에서 며칠을 버텼어?", "duration"),  # days counted, with its object particle
        ("태조가 세자로 세운 아들은 몇째였어?", "ordinal"),
        # "뭐라고 불러/해?" asks a name; "뭐라고 했어/말했어?" what someone said
        ("여러 가구가 한 건물에 사는 집을 뭐라고 해?", None),
        ("가로줄은 뭐라고 불러요?", None),
        ("그 상태를 뭐라고 하나요?", None),
        ("대통령은 기자회견에서 뭐라고 했어?", "quote"),
        ("장관은 뭐라고 말했나요?", "quote"),
        ("감독은 뭐라고 하셨어요?", "quote"),
        ("그걸 쓰는 사람은 몇 퍼센트야?", "percent"),
        ("관중 수는?", "number"),
        ("세자로 책봉된 아들은 태조의 몇 번째 아들이었는가?", "ordinal"),
        ("언제 그는 고향으로 돌아왔나?", "date"),  # a question word asks wherever it stands
        ("이 기사는 누가 썼고 언제 나왔나요?", "byline"),  # "누가" is one too
        # a kind's word earlier in the question sets the scene; the end says what is asked
        ("1,100만 달러의 수익을 거둔 영화는?", None),
        ("대규모 시위가 열린 장소는?", None),
        ("연봉 7천만 원 받는 노동자라고 발언한 총리의 이름은?", None),
        ("만 22세에 연기대상을 탄 작품은?", None),
        # English puts the asked word first: any of its words counts
        ("What was KT's revenue last year?", "money"),
        ("How many people use it?", "headcount"),
        ("How many bridges are there?", "number"),
    ],
)
def test_the_kind_a_question_asks_for(question: str, kind: str | None) -> None:
    assert asked(question) == kind


@pytest.mark.parametrize(
    ("kind", "text", "fits"),
    [
        ("ordinal", "방석은 태조의 여덟째 아들이다.", True),  # a Korean ordinal numeral
        ("ordinal", "그는 두 번째 앨범을 냈다.", True),
        ("ordinal", "그는 앨범을 냈다.", False),
        ("number", "사망자는 30명이었다.", True),
        ("money", "이적료는 960만 파운드였다.", True),  # a multiplier before the currency
        ("money", "1조 4천억원을 투자한다.", True),
        ("money", "부스 80개 규모의 야시장이 열린다.", False),
        ("duration", "10월 3일부터 6일까지 나흘간 열린다.", True),
        ("duration", "두 달 동안 문을 닫는다.", True),
        ("duration", "드론쇼는 밤 9시에 열린다.", False),
        ("duration", "세일 기간에 한일 정상회담이 열렸다.", False),  # "세일", "한일" are words, not days
        ("number", "사망자가 많았다.", False),
        ("number", "바람은 초속 9m로 불었다.", True),  # a unit after a number, one digit or more
        ("number", "COVID-19 확진자가 늘었다.", False),  # the digits of a code
        ("number", "12G 요금제가 나왔다.", False),
        ("money", "5백억 원을 투자한다.", True),  # 백 multiplies as 천 does
        ("headcount", "연 10만여명의 몽골인이 찾는다.", True),  # past the multiplier and "여"
        ("headcount", "세 명이 숨졌다.", True),
        ("headcount", "3조 명", True),  # the multipliers of money, 조 too
        ("headcount", "이 가운데 절반인 29기가 몰려 있다.", False),  # a count, not of people
        ("headcount", "3인조 밴드가 공연한다.", False),
        (None, "무엇이든", True),  # an open question: any sentence
    ],
)
def test_a_sentence_holds_the_kind(kind: str | None, text: str, fits: bool) -> None:
    assert holds(kind, text) is fits
