"""A short answer must say what the evidence says about the thing asked (qa.write.binding)."""

from __future__ import annotations

import pytest

from qa.write.binding import agrees, article_term, cloze_span, restore_glosses, unbound

MINERALS = (
    "몽골은 세계 10대 자원부국으로 희토류(세계 매장량 16% 보유), 구리(2위), 형석(3위), 금, 철, 아연 등 "
    "80여종의 광물을 다량으로 보유하고 있다."
)
DRAFT = "강정호는 2006년 현대 유니콘스의 1순위 지명을 받아 입단하였다."
CTO = "구현모 대표는 몽골 국가 최고기술경영자(CTO)로 위촉됐다."
NTSC = "정확한 음성 반송파 주파수의 결정이 필드 재생 빈도의 선택보다 우선이었다."
TCARD = "N2N 사업계약으로 한국의 BC카드 결제 단말기에서 몽골 중앙은행의 티카드(T-Card)를 이용할 수 있게 된다."
HANJA = "유학 시절에 그는 다카하시 겐(高橋健)이라는 이름을 썼고, 척사위정파(斥邪衛正派)와는 거리를 두었다."
LUMA = (
    "NTSC는 조지 발렌시(Georges Valensi)가 개발한 "
    "휘도-색차 부호화 시스템 (luminance-chrominance encoding system)을 사용한다."
)
ROOTS = "치불선근은 3계의 무명(無明)이 아닌 욕계의 무명(無明)을 가리킨다."
ENGINE = "신형 엔진은 기존 규격에서 정해졌기 때문에 새 연료 탱크의 크기가 차체 설계보다 먼저 결정되었다."
BURIAL = "그의 유해는 마을 동쪽 3 킬로미터 떨어진 한빛 국립공원 입구에 묻혔다."
VIEWS = "이 학파는 무상한 것들의 모임을 '내 것' 등으로 여기는 견해를 살가야견(薩迦耶見)이라 부른다."
SIGNING = (
    "울란바토르 몽골 중앙은행에서 진행된 이번 사업계약 체결에는 BC카드 최원석 사장과 "
    "몽골 중앙은행 락바수랭 뱌드란 총재가 참석했다."
)


@pytest.mark.parametrize(
    ("answer", "question", "evidence", "bound"),
    [
        # a rank that belongs to the neighbouring item of a list
        ("3위", "금은 몇 위인가요?", MINERALS, False),
        ("3위", "형석은 몇 위인가요?", MINERALS, True),
        ("2위", "구리 매장량은 세계 몇 위?", MINERALS, True),
        ("현대 유니콘스", "2006년 강정호는 어디의 1순위 지명을 받아 입단하였는가?", DRAFT, True),
        # a compound name cut to its last part
        ("유니콘스", "2006년 강정호는 어디의 1순위 지명을 받아 입단하였는가?", DRAFT, False),
        ("최고기술경영자", "구현모 대표는 몽골에서 어떤 직책으로 위촉되었나요?", CTO, False),
        ("국가 최고기술경영자(CTO)입니다.", "구현모 대표는 몽골에서 어떤 직책으로 위촉되었나요?", CTO, True),
        ("최원석 사장입니다.", "BC카드 사장은 누구인가요?", SIGNING, True),
        # the wrong one of several names in the sentence
        ("락바수랭 뱌드란", "BC카드 사장은 누구인가요?", SIGNING, False),
        ("락바수랭 뱌드란 총재입니다.", "몽골 중앙은행 총재는 누구인가요?", SIGNING, True),
        # a value the evidence does not hold at all
        ("하나은행", "BC카드 사장은 누구인가요?", SIGNING, False),
        # a phrase of nouns the evidence never writes: a word cut from its middle, two names glued
        ("음성 주파수.", "필드 재생 빈도보다 먼저 정해진 것은?", NTSC, False),
        ("음성 반송파 주파수의 결정", "필드 재생 빈도보다 먼저 정해진 것은?", NTSC, True),
        ("BC카드 카드", "한국에서 이용할 수 있게 되는 몽골 카드는?", TCARD, False),
        ("몽골 중앙은행 티카드", "한국에서 이용할 수 있게 되는 몽골 카드는?", TCARD, True),
        ("구리는 세계 2위입니다.", "구리는요?", MINERALS, True),  # a number ends a phrase
        # a value said of several things, without the word that tells which
        ("무명(無明)", "치불선근은 무엇만을 가리키는가?", ROOTS, False),
        ("욕계의 무명(無明)", "치불선근은 무엇만을 가리키는가?", ROOTS, True),
        # the topic of an adverbial clause ("-기 때문에") is not what the main clause says
        ("신형 엔진", "차체 설계보다 먼저 결정된 것은?", ENGINE, False),
        ("새 연료 탱크의 크기", "차체 설계보다 먼저 결정된 것은?", ENGINE, True),
        # a phrase cut before the noun it ends on names another thing
        ("한빛 국립공원", "그의 유해가 묻힌 곳은?", BURIAL, False),
        ("한빛 국립공원 입구입니다.", "그의 유해가 묻힌 곳은?", BURIAL, True),
        # ... wherever in the answer the cut phrase comes, after a phrase the evidence has whole
        ("마을 동쪽의 한빛 국립공원", "그의 유해가 묻힌 곳은?", BURIAL, False),
        ("마을 동쪽 3 킬로미터 떨어진 한빛 국립공원 입구", "그의 유해가 묻힌 곳은?", BURIAL, True),
        ("최원석", "사업계약 체결에 참석한 BC카드 사람은?", SIGNING, True),  # a title only says who
        # nothing of its own to bind: judged by the restating check, not here
        ("BC카드 사장입니다.", "BC카드 사장은 누구인가요?", SIGNING, True),
    ],
)
def test_binding_table(answer: str, question: str, evidence: str, bound: bool) -> None:
    why = unbound(answer, question, evidence)
    assert (why is None) is bound, why


@pytest.mark.parametrize(
    ("answer", "evidence", "shown"),
    [
        ("T-Card", TCARD, "티카드(T-Card)"),
        (
            "luminance-chrominance encoding system",
            LUMA,
            "휘도-색차 부호화 시스템 (luminance-chrominance encoding system)",
        ),
        ("Georges Valensi", LUMA, "조지 발렌시(Georges Valensi)"),
        ("高橋健", HANJA, "다카하시 겐(高橋健)"),  # Chinese characters gloss a name too
        ("斥邪衛正派.", HANJA, "척사위정파(斥邪衛正派)"),
        ("다카하시 겐", HANJA, None),  # already the article's term
        ("BC카드", TCARD, None),  # not a gloss
        ("ATM", TCARD, None),  # Latin, but no parenthesis explains it
    ],
)
def test_a_gloss_alone_is_shown_with_the_articles_term(answer: str, evidence: str, shown: str | None) -> None:
    assert article_term(answer, evidence) == shown


@pytest.mark.parametrize(
    ("question", "evidence", "span"),
    [
        ("무상한 것들의 모임을 무엇 등으로 여기는 견해인가?", VIEWS, "'내 것'"),
        ("회사는 작년 누구를 대표로 뽑았나?", "회사는 작년 홍길동 씨를 대표로 뽑았다.", "홍길동 씨를"),
        ("누가 금융실명제를 실시했나?", "김영삼은 1993년 금융실명제를 실시했다.", None),  # nothing before it
        ("그의 유해가 묻힌 곳은?", BURIAL, None),  # no question word to stand for the answer
        ("유해는 어디에 묻혔나?", "유해는 오래 찾지 못했고 다른 곳에서 발견되어 마침내 그곳에 묻혔다.", None),
    ],
)
def test_the_span_the_questions_own_words_frame(question: str, evidence: str, span: str | None) -> None:
    assert cloze_span(question, evidence) == span


def test_an_answer_agrees_with_the_framed_span_when_they_share_a_word() -> None:
    assert agrees("'내 것' 등입니다.", "'내 것'")
    assert not agrees("살가야견(薩迦耶見)", "'내 것'")
    assert agrees("홍길동", "홍길동 부사장을")


@pytest.mark.parametrize(
    ("answer", "shown"),
    [
        ("리켄베커(리켄베커) 기타", "Rickenbacker(리켄베커) 기타"),  # the gloss written twice
        ("Rickenbacker(Rickenbacker)", "Rickenbacker(리켄베커)"),
        ("Rickenbacker(리켄베커)", "Rickenbacker(리켄베커)"),  # already as the evidence writes it
        ("무명(무명)", "무명(무명)"),  # no pair in the evidence to restore it from
    ],
)
def test_a_gloss_written_twice_is_restored_from_the_evidence(answer: str, shown: str) -> None:
    evidence = ["리켄베커 사의 Rickenbacker(리켄베커) 기타가 최초의 전기 기타다."]
    assert restore_glosses(answer, evidence) == shown
