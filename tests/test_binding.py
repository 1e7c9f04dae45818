"""A short answer must say what the evidence says about the thing asked (qa.binding)."""

from __future__ import annotations

import pytest

from qa.binding import unbound

MINERALS = (
    "몽골은 세계 10대 자원부국으로 희토류(세계 매장량 16% 보유), 구리(2위), 형석(3위), 금, 철, 아연 등 "
    "80여종의 광물을 다량으로 보유하고 있다."
)
DRAFT = "강정호는 2006년 현대 유니콘스의 1순위 지명을 받아 입단하였다."
CTO = "구현모 대표는 몽골 국가 최고기술경영자(CTO)로 위촉됐다."
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
        # nothing of its own to bind: judged by the restating check, not here
        ("BC카드 사장입니다.", "BC카드 사장은 누구인가요?", SIGNING, True),
    ],
)
def test_binding_table(answer: str, question: str, evidence: str, bound: bool) -> None:
    why = unbound(answer, question, evidence)
    assert (why is None) is bound, why
