"""Hangul romanisation, and Latin spellings of Korean names matched back to Hangul."""

from __future__ import annotations

import pytest

from qa.lang.romanize import (
    SURNAME_WORDS,
    fold,
    name_key,
    person_name,
    romanize,
    skeleton,
    spellings,
    spells,
    syllable_rr,
)


def test_revised_romanization_of_names():
    assert romanize("최원석") == "choewonseok"
    assert romanize("구현모") == "guhyeonmo"
    assert romanize("뱌드란") == "byadeuran"
    assert {"choi", "choe"} <= set(spellings("최"))
    assert {"lee", "yi", "rhee"} <= set(spellings("이"))
    assert {"park", "pak"} <= set(spellings("박"))
    assert {"koo", "ku", "gu"} <= set(spellings("구"))


def test_the_revised_romanization_comes_first():
    for ch in "최원석구현모뱌드란여덟":
        assert spellings(ch)[0] == syllable_rr(ch)
    assert spellings("A") == ("a",) and syllable_rr("A") == "A"


def test_word_initial_rieul_and_loanword_eu():
    assert [syllable_rr("류", initial=True), syllable_rr("류")] == ["yu", "ryu"]
    assert [syllable_rr("라", initial=True), syllable_rr("리", initial=True)] == ["na", "i"]
    assert "".join(syllable_rr(c) for c in "콜린스") == "kolrinseu"
    assert fold("".join(syllable_rr(c, loan=True) for c in "콜린스")) == fold("Collins")


@pytest.mark.parametrize(
    "latin, hangul",
    [("choiwonseok", "최원석"), ("wonseok", "최원석"), ("koo", "구현모"), ("hyunmo", "구현모")],
)
def test_a_spelling_of_some_run_of_syllables(latin, hangul):
    assert spells(latin, hangul)


def test_other_names_are_not_spelled():
    assert not spells("choiwonchul", "최원석")
    assert not spells("", "최원석")


def test_loanwords_meet_by_their_consonants():
    assert skeleton(romanize("울란바토르")) == skeleton("Ulaanbaatar")
    assert skeleton(romanize("몽골")) == skeleton("Mongolia")


@pytest.mark.parametrize(
    "name, hangul",
    [("Koo Hyun-mo", "구현모"), ("Gu Hyeon-mo", "구현모"), ("Lee Jae-woon", "이재운"),
     ("Rhee Jae-un", "이재운"), ("Lim Seung-hyuk", "임승혁"), ("Park Sung-hoon", "박성훈"),
     ("Ryu Hyun-jin", "류현진"), ("Roh Moo-hyun", "노무현")],
)  # fmt: skip
def test_usual_spellings_of_a_name_fold_to_its_hangul(name, hangul):
    assert name_key(name) == fold("".join(syllable_rr(c, initial=i == 0) for i, c in enumerate(hangul)))


def test_surname_words():
    assert {"kim", "lee", "park", "choi", "koo"} <= SURNAME_WORDS
    assert not {"pan", "chin", "uh"} & SURNAME_WORDS


def test_person_name_writes_a_korean_name_the_usual_way():
    assert person_name("최원석") == "Choi Won-seok"
    assert person_name("이재운") == "Lee Jae-un"
    assert person_name("락바수랭") is None  # four syllables, no Korean surname
    assert person_name("가나다") is None  # 가 is no common surname
