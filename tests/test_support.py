"""The support check: every number, date and name in an LLM answer must be in its evidence."""

from __future__ import annotations

import pytest

from qa.write.support import adds_to, unsupported

PRESIDENT = (
    "울란바토르 몽골 중앙은행에서 진행된 이번 사업계약 체결에는 BC카드 최원석 사장과 "
    "몽골 중앙은행 락바수랭 뱌드란 총재가 참석했다."
)
TCARD = (
    "티카드는 몽골 국민 약 70%가 사용하는 결제 수단으로 한국을 방문하는 연 10만여명의 "
    "몽골인들이 보다 편리한 결제 서비스를 누리게 될 전망이다."
)
MINERALS = (
    "몽골은 세계 10대 자원부국으로 희토류(세계 매장량 16% 보유), 구리(2위), 형석(3위), 금, 철, 아연 등 "
    "80여종의 광물을 다량으로 보유하고 있다."
)
CTO = "구현모 대표는 외국 기업인 최초로 몽골의 국가 최고기술경영자(CTO)로 위촉됐다."


@pytest.mark.parametrize(
    "answer",
    [
        "BC카드 사장은 최원석입니다.",
        "BC Card's president is Choi Won-seok (최원석).",
        "The president of BC Card is Choe Wonseok.",
        "Won-seok Choi is the president.",  # given name first
        "The governor of the Central Bank of Mongolia, Byadran (뱌드란), attended.",
        "They met in Ulaanbaatar, Mongolia.",
        "They met in Ulan Bator.",
    ],
)
def test_names_in_the_evidence_or_romanised_from_it_are_supported(answer):
    assert unsupported(answer, [PRESIDENT, "Who is BC Card's president?"]) == []


@pytest.mark.parametrize(
    "answer, bad",
    [
        ("BC카드 사장은 김민수입니다.", ["김민수"]),
        ("BC Card's president is Kim Min-su (김민수).", ["Kim Min-su", "김민수"]),
        ("BC Card's president is Park Seo-yeon.", ["Park Seo-yeon"]),
        ("The president is Choi Won-seok, appointed in 2019.", ["2019"]),
        ("It was signed on March 26.", ["26", "March"]),
    ],
)
def test_names_and_numbers_not_in_the_evidence_are_reported(answer, bad):
    assert unsupported(answer, [PRESIDENT]) == bad


@pytest.mark.parametrize(
    "answer",
    [
        "약 70%입니다.",
        "70퍼센트입니다.",
        "About 70 % of Mongolians use the T-Card.",
        "Seventy percent.",
        "약 10만 명입니다.",
        "About 100,000 Mongolians visit Korea every year.",
        "About 100 thousand people.",
    ],
)
def test_numbers_match_as_numbers(answer):
    assert unsupported(answer, [TCARD, "What share of Mongolians use the T-Card?"]) == []


@pytest.mark.parametrize(
    "answer, bad",
    [
        ("About 80% of Mongolians use it.", ["80"]),
        ("Around 75%.", ["75"]),
        ("About 10 thousand people.", ["10 thousand"]),
        ("약 7%입니다.", ["7"]),
    ],
)
def test_a_different_number_is_unsupported(answer, bad):
    assert unsupported(answer, [TCARD]) == bad


def test_ranks_and_codes():
    assert unsupported("몽골의 구리 매장량은 세계 2위입니다.", [MINERALS]) == []
    assert unsupported("Mongolia ranks 2nd for copper and third for fluorite.", [MINERALS]) == []
    assert unsupported("Mongolia ranks fourth in copper.", [MINERALS]) == ["fourth"]
    # A Latin-digit code is one name: its digits are not a number of its own.
    assert unsupported("N2N 계약입니다.", [MINERALS]) == ["N2N"]
    assert unsupported("N2N 계약입니다.", ["몽골 중앙은행, BC카드 간 N2N 사업계약"]) == []


def test_an_acronym_may_be_spelled_out_and_question_words_may_be_repeated():
    question = "What position was KT's CEO Koo Hyun-mo appointed to by Mongolia?"
    answer = "Koo Hyun-mo was appointed as Mongolia's Chief Technology Officer (CTO)."
    assert unsupported(answer, [CTO, question]) == []
    assert unsupported("He was appointed Chief Digital Officer.", [CTO, question]) == [
        "Chief Digital Officer"
    ]


def test_ordinary_words_at_the_start_of_a_sentence_are_not_names():
    assert unsupported("The article says so. According to it, yes.", [CTO]) == []
    assert unsupported('"The CTO," it says.', [CTO]) == []


TASK = (
    "이번 MOU 체결로 몽골 정부가 추진하고 있는 3대 국정과제 중 하나인 "
    "'건강한 몽골인 만들기'에 협력하기로 했다."
)


def test_an_answer_must_add_something_from_the_evidence_to_the_question():
    q = "'건강한 몽골인 만들기'는 몽골 정부에게 어떤 과제인가요?"
    echo = "'건강한 몽골인 만들기'는 몽골 정부에게 '건강한 몽골인 만들기'라는 과제를 담당하고 있습니다."
    assert adds_to(echo, q, [TASK]) == []
    assert "국정" in adds_to("몽골 정부의 3대 국정과제 중 하나입니다.", q, [TASK])
    assert adds_to("구리(2위)", "구리는요?", [MINERALS]) == ["2"]
    assert adds_to("Mongolia's copper is Mongolia's.", "What about Mongolia's copper?", [MINERALS]) == []
    ulaanbaatar = adds_to("It was held in Ulaanbaatar.", "Where was it held?", [PRESIDENT])
    assert [w.strip(".") for w in ulaanbaatar] == ["ulaanbaatar"]


SHUTTLE = "무료 셔틀버스 5개 노선에 버스 45대를 투입한다. 배차 간격은 평일 20분, 주말과 공휴일 10분이다."


@pytest.mark.parametrize(
    ("answer", "bad"),
    [
        ("5분마다 와요.", ["5분"]),  # 5 is in the evidence, as a count of routes
        ("10분마다 와요.", []),
        ("버스 45 대", []),  # spaces between a number and its counter are free
        ("20분", []),
    ],
)
def test_a_number_counts_what_the_evidence_counts_with_it(answer, bad):
    assert unsupported(answer, [SHUTTLE]) == bad


@pytest.mark.parametrize(
    ("answer", "evidence"),
    [
        ("2000억 원", "공장에 2천억원을 투자한다."),  # multipliers multiply: 2 x 1000 x 10^8
        ("5 million won", "500만 원"),
        ("1.3 GW", "총 1.3GW 규모의 ESS"),  # a unit after a number leaves it a number
        ("10 km", "10km 구간"),
        ("RE100과 CFE", "RE100 이행 실적과 CFE"),  # a code's digits count nothing
        ("Could be 70%.", "약 70%가 쓴다."),  # an auxiliary opening a sentence is no name
    ],
)
def test_numbers_are_read_as_the_number_reader_reads_them(answer, evidence):
    assert unsupported(answer, [evidence]) == []
