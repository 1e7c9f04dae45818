"""The kind of answer a question asks for, and whether a sentence can hold one (qa.answer_types)."""

from __future__ import annotations

import pytest

from qa.answer_types import asked, holds


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("몽골의 인구는 몇 명인가요?", "number"),
        ("KT의 작년 영업이익은 얼마인가요?", "money"),
        ("회원권 가격은 어떻게 되나요?", "money"),  # the kind's word ends the question
        ("공사에 들어간 금액은?", "money"),
        ("그걸 쓰는 사람은 몇 퍼센트야?", "percent"),
        ("관중 수는?", "number"),
        ("세자로 책봉된 아들은 태조의 몇 번째 아들이었는가?", "ordinal"),
        ("언제 그는 고향으로 돌아왔나?", "date"),  # a question word asks wherever it stands
        # a kind's word earlier in the question sets the scene; the end says what is asked
        ("1,100만 달러의 수익을 거둔 영화는?", None),
        ("대규모 시위가 열린 장소는?", None),
        ("연봉 7천만 원 받는 노동자라고 발언한 총리의 이름은?", None),
        ("만 22세에 연기대상을 탄 작품은?", None),
        # English puts the asked word first: any of its words counts
        ("What was KT's revenue last year?", "money"),
        ("How many people use it?", "number"),
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
        ("number", "사망자가 많았다.", False),
        (None, "무엇이든", True),  # an open question: any sentence
    ],
)
def test_a_sentence_holds_the_kind(kind: str | None, text: str, fits: bool) -> None:
    assert holds(kind, text) is fits
