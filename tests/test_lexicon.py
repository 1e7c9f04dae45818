"""One home per word list and one number reader (qa.lang.lexicon, qa.lang.numbers).

The second half reads ``qa/`` with ``ast`` and checks that no other module writes a
word list or a regex alternation of the lexicon again, which a line-based duplicate
finder cannot see: ``"january|february"`` in a pattern, ``"사장 대표".split()``, or
``{"NNG", "NNP", "XR"}``.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.lang import lexicon, numbers
from qa.lang.lexicon import (
    ANSWER_WORDS,
    CLOSING_WORDS,
    EN_TITLES,
    FRAME_WORDS,
    NOUN_QUESTION_WORDS,
    PERSON_TITLES,
    QUESTION_WORDS,
    REPORTER_TITLES,
)
from qa.lang.numbers import CODE, NUMBER, read

# --- the number reader ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("10만여명", [("10만", 1e5)]),  # past the multiplier; "여" (about) is no part of the value
        ("1,100만 달러", [("1,100만", 1.1e7)]),
        ("2천억원", [("2천억", 2e11)]),  # multipliers multiply: not 2,000
        ("3조 원", [("3조", 3e12)]),
        ("5백만 원", [("5백만", 5e6)]),
        ("70%", [("70", 70)]),
        ("3.5 million", [("3.5 million", 3.5e6)]),
        ("About 100,000 people", [("100,000", 1e5)]),
        ("총 1.3GW 규모", [("1.3", 1.3)]),  # a unit after the number
        ("10km", [("10", 10)]),
        ("2nd", [("2", 2)]),
        ("1990s", [("1990", 1990)]),
        ("1,2위", [("1", 1), ("2", 2)]),
        ("N2N", []),  # codes: no digit of theirs is a number
        ("5G", []),
        ("12G", []),
        ("COVID-19", []),
        ("T-50", []),
        ("RE100", []),
        ("세 명", []),  # a number word: KO_NUMBER, not digits
    ],
)
def test_read(text: str, numbers: list[tuple[str, float]]) -> None:
    assert [(n.text, n.scaled) for n in read(text)] == numbers


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("사망자는 30명이었다.", "30"),
        ("1,100만 달러", "1,100"),
        ("초속 9m", "9"),
        ("13.4GW", "13.4"),
        ("N2N", None),
        ("5G 통신", None),
        ("12G 요금제", None),  # not "1"
        ("COVID-19 확진자", None),
    ],
)
def test_the_number_pattern_for_other_patterns(text: str, number: str | None) -> None:
    m = re.search(NUMBER, text, re.I)  # case-insensitive patterns still tell "5G" from "9m"
    assert (m.group() if m else None) == number


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("N2N", ["N2N"]),
        ("5G망", ["5G"]),
        ("COVID-19", ["COVID-19"]),
        ("10km", []),
        ("2nd", []),
        ("13.4GW", []),
    ],
)
def test_codes(text: str, codes: list[str]) -> None:
    assert CODE.findall(text) == codes


@pytest.mark.parametrize(
    ("text", "pattern", "matches"),
    [
        ("세 명", numbers.KO_NUMBER + r"\s*명", True),
        ("수십만 명", numbers.KO_NUMBER + numbers.SCALE + r"\s*명", True),
        ("10만여 명", NUMBER + numbers.SCALE + r"\s*명", True),
        ("여덟째 아들", numbers.KO_ORDINAL + "째", True),
        ("한째", numbers.KO_ORDINAL + "째", False),  # "첫째"
        ("제3조", numbers.KO_NUMBER, False),  # "조" alone is no number word
    ],
)
def test_number_words_and_scale(text: str, pattern: str, matches: bool) -> None:
    assert bool(re.search(pattern, text)) is matches


# --- question words ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "noun", "answer", "closing"),
    [
        ("얼마", True, True, True),  # "가격은 얼마?": stands for the value asked
        ("무엇", True, True, True),
        ("누가", True, True, False),  # after "가격은" it would ask for someone
        ("언제", True, True, False),
        ("몇", True, False, True),  # a determiner: needs its noun
        ("어떤", True, False, True),
        ("어떻게", False, False, True),  # asks about an event, but "가격은 어떻게 되나요" asks the price
        ("왜", False, False, False),
    ],
)
def test_question_words(word: str, noun: bool, answer: bool, closing: bool) -> None:
    assert word in QUESTION_WORDS
    assert (word in NOUN_QUESTION_WORDS, word in ANSWER_WORDS, word in CLOSING_WORDS) == (
        noun,
        answer,
        closing,
    )


def test_narrower_lists_are_subsets() -> None:
    assert NOUN_QUESTION_WORDS <= QUESTION_WORDS and ANSWER_WORDS <= QUESTION_WORDS
    assert set(REPORTER_TITLES) <= set(PERSON_TITLES)
    assert {ko for kos in EN_TITLES.values() for ko in kos} <= set(PERSON_TITLES)
    assert lexicon.CLAIM_TAGS <= lexicon.FACT_TAGS <= lexicon.PHRASE_TAGS
    assert lexicon.NOUN_TAGS <= lexicon.PHRASE_TAGS and lexicon.NUMBER_TAGS <= lexicon.FACT_TAGS


def test_frame_words_are_what_the_models_were_fitted_with() -> None:
    """``content_terms`` leaves FRAME_WORDS out of every coverage feature: changing the set
    changes what the fitted ranker and decision see, so refit (fit/) when you do."""
    digest = hashlib.sha256(" ".join(sorted(FRAME_WORDS)).encode()).hexdigest()[:16]
    assert (len(FRAME_WORDS), digest) == (184, "b2164fb8bb67064f")


# --- no word list written twice --------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
HOME = ("qa/lang/lexicon.py", "qa/lang/numbers.py")
#: Unions of the lexicon's named lists with words of their own: a list outside that shares
#: words with them is compared with the named parts instead.
UNIONS = {"FRAME_WORDS", "EN_STOPWORDS"}
#: Lists left outside the lexicon, each with its reason. The test fails when one is gone:
#: then take it out of here.
KNOWN = {
    ("qa/core/understand.py", frozenset({"what", "which", "who"})): "_EN_FOCUS: a pattern's grammar",
    ("qa/core/understand.py", frozenset({"of", "in", "for"})): "_EN_FOCUS: a pattern's grammar",
    # the auxiliaries after which "how much" asks a sum; not "has": "How much has it grown?"
    ("qa/lang/kinds.py", frozenset("money did does is was will".split())): "money: a phrase's grammar",
    # the counters a numeral word takes in a duration ("세 시간"), part of EN_UNITS
    ("qa/lang/kinds.py", frozenset({"시간", "개월", "주일"})): "duration: a phrase's grammar",
    # "sh": how a name spells ㅅ (Shin), and what English writes for the sound ㅅ stands for
    ("qa/lang/romanize.py", frozenset({"sh"})): "_INITIAL: a jamo's spellings",
    ("qa/lang/sound.py", frozenset({"sh"})): "_SPELLINGS: a sound's spelling",
}

_HANGUL = re.compile("[가-힣]")
_HANGUL_RANGE = re.compile(r"가-힣|\\uac00|ㄱ-ㆎ", re.I)
_WORD = re.compile(r"[^\W\d_]+(?: [^\W\d_]+)*")
_GROUP_PREFIX = re.compile(r"\?(?::|=|!|<=|<!|>|P<\w+>|[aiLmsux-]+:)?")


def alternations(pattern: str) -> list[list[str]]:
    """The branches of each alternation in ``pattern`` that are plain words, group by group.

    A small scanner rather than ``re._parser``, which folds "what|which|who" into
    "w(?:hat|hich|ho)"; escapes and character classes are skipped.
    """
    out: list[list[str]] = []
    frames: list[tuple[int, list[int]]] = [(0, [])]  # (where the group's text starts, its "|"s)

    def close(end: int) -> None:
        start, bars = frames.pop()
        cuts = zip([start, *(b + 1 for b in bars)], [*bars, end], strict=True)
        words = [pattern[a:b] for a, b in cuts if _WORD.fullmatch(pattern[a:b])]
        if len(words) >= 2:
            out.append(words)

    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            i += 2 if pattern[i + 1 : i + 2] in ("]", "^") else 1
            while i < len(pattern) and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif c == "(":
            m = _GROUP_PREFIX.match(pattern, i + 1) if pattern.startswith("?", i + 1) else None
            frames.append((m.end() if m else i + 1, []))
        elif c == ")" and len(frames) > 1:
            close(i)
        elif c == "|":
            frames[-1][1].append(i)
        i += 1
    del frames[1:]  # a piece of a pattern built from several strings may leave a group open
    close(len(pattern))
    return out


def word_lists(source: str) -> Iterator[tuple[int, list[str]]]:
    """(line, words) of every word list written in ``source``: a split string, a collection
    or dict of string literals, each regex alternation of a string literal."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "split":
            if isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str):
                yield node.lineno, node.func.value.value.split()
        elif isinstance(node, ast.Set | ast.List | ast.Tuple | ast.Dict):
            items = node.keys if isinstance(node, ast.Dict) else node.elts
            if len(items) >= 2 and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in items
            ):
                yield node.lineno, [e.value for e in items if isinstance(e, ast.Constant)]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            for words in alternations(node.value):
                yield node.lineno, words
            if _HANGUL_RANGE.search(node.value):
                yield node.lineno, ["가-힣"]


def home_lists() -> dict[str, set[str]]:
    """The lexicon's and the number reader's public lists, by name."""
    out = {}
    for module in (lexicon, numbers):
        for name, value in vars(module).items():
            if name.startswith("_") or name in UNIONS:
                continue
            if isinstance(value, str):
                words = {w for group in alternations(value) for w in group}
            elif isinstance(value, frozenset | set | tuple | list | dict) and all(
                isinstance(w, str) for w in value
            ):
                words = set(value)
            else:
                continue
            out[f"{module.__name__}.{name}"] = {w.lower() for w in words if len(w) >= 2}
    return out


def duplicates(modules: dict[str, str]) -> set[tuple[str, frozenset[str], str]]:
    """(module, list, why) for each list in ``modules`` (path: source) that the lexicon holds
    already, or that another module writes too. Only language lists count: those with Hangul
    or mostly the lexicon's words (not feature names or settings keys). Words of one letter
    (particles, counters) are left out: they are too short to tell a list by."""
    home = home_lists()
    vocab = set().union(*home.values()) | {w.lower() for w in FRAME_WORDS | lexicon.EN_STOPWORDS}
    found = []
    for path, source in modules.items():
        for _, words in word_lists(source):
            listed = frozenset(w.lower() for w in words if len(w) >= 2)
            if listed and (any(_HANGUL.search(w) for w in listed) or 2 * len(listed & vocab) > len(listed)):
                found.append((path, listed))
    out = set()
    for path, listed in found:
        if listed == {"가-힣"}:
            out.add((path, listed, "writes the Hangul range: lexicon.HANGUL"))
            continue
        for name, words in home.items():
            if len(listed & words) >= 3:
                out.add((path, listed, f"re-lists {sorted(listed & words)} of {name}"))
    where = defaultdict(set)
    for path, listed in found:
        for w in listed:
            where[w].add(path)
    for path, listed in found:
        if twice := sorted(w for w in listed if len(where[w]) > 1):
            others = sorted(set().union(*(where[w] for w in twice)) - {path})
            out.add((path, listed, f"shares {twice} with {others}"))
    return out


def test_alternations() -> None:
    assert alternations(r"^(?:what|which|who)\s+(?:is|was)\s+[|(]x") == [
        ["what", "which", "who"],
        ["is", "was"],
    ]
    assert alternations(r"몇\s*(%|퍼센트|프로)|퍼센트|비율") == [["퍼센트", "프로"], ["퍼센트", "비율"]]
    assert alternations(r"(?<![A-Za-z\d])(?>\d{1,3}(?:,\d{3})+|\d+)") == []


def test_the_check_finds_a_list_written_again() -> None:
    one = 'A = "january february march".split()\nB = re.compile(r"\\b(사장|대표|장관)\\b")\n'
    one += 'C = {"NNG", "NNP", "XR"}\nD = re.compile(r"[가-힣]+")\nE = ("코치진", "심판진")\n'
    other = 'F = ("선수단", "코치진")\nG = ("on", "1", "true", "yes")\n'
    found = {(path, why.split()[0]) for path, _, why in duplicates({"a.py": one, "b.py": other})}
    assert found == {("a.py", "re-lists"), ("a.py", "writes"), ("a.py", "shares"), ("b.py", "shares")}


def test_no_word_list_is_written_twice() -> None:
    modules = {
        str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
        for path in sorted((ROOT / "qa").rglob("*.py"))
        if str(path.relative_to(ROOT)) not in HOME
    }
    found = duplicates(modules)
    left = {(path, words) for path, words, _ in found}
    assert sorted(f"{p}: {w}" for p, words, w in found if (p, words) not in KNOWN) == []
    assert [key for key in KNOWN if key not in left] == [], "gone from the code: take them out of KNOWN"
