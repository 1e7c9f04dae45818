"""Hangul in Latin letters, and Latin spellings of Korean names matched back to Hangul.

Two callers: the answer support check (does an English answer's "Choi
Won-seok" stand for the evidence's 최원석?) and cross-lingual retrieval (put
"Koo Hyun-mo" in an English question back as 구현모). Both start from Revised
Romanization by jamo arithmetic; names add the spellings people actually use
(Koo for 구, Lee for 이, Park for 박, Hyun for 현, Suk for 석).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

# --- Revised Romanization ----------------------------------------------------

# Per jamo, the Revised Romanization first, then the other spellings names use.
_INITIAL = [
    ("g", "k"), ("kk", "gg", "k"), ("n",), ("d", "t"), ("tt", "dd"), ("r", "l"), ("m",),
    ("b", "p"), ("pp", "bb"), ("s", "sh"), ("ss", "s"), ("",), ("j", "ch"), ("jj", "tch"),
    ("ch",), ("k",), ("t",), ("p",), ("h",),
]  # fmt: skip
_MEDIAL = [
    ("a",), ("ae", "ai"), ("ya",), ("yae",), ("eo", "u", "o"), ("e",), ("yeo", "yu", "yo"), ("ye",),
    ("o",), ("wa",), ("wae",), ("oe", "oi", "we"), ("yo",), ("u", "oo"), ("wo",), ("we",), ("wi",),
    ("yu",), ("eu", "u"), ("ui", "eui", "i"), ("i", "ee"),
]  # fmt: skip
# ㄼ is "l", as most words with it are said (여덟 yeodeol, 넓다 neolda).
_FINAL = [
    ("",), ("k", "g"), ("k",), ("k",), ("n",), ("n",), ("n",), ("t", "d"), ("l", "r"), ("k",), ("m",),
    ("l",), ("l",), ("l",), ("p",), ("l",), ("m",), ("p", "b"), ("p",), ("t", "s"), ("t",), ("ng",),
    ("t",), ("t",), ("k",), ("t",), ("p",), ("t",),
]  # fmt: skip
_RIEUL, _NIEUN, _IEUNG, _EU = 5, 2, 11, 18  # ㄹ, ㄴ, ㅇ initials; ㅡ medial

_BASE, _LAST = 0xAC00, 0xD7A3


def _jamo(syllable: str) -> tuple[int, int, int]:
    n = ord(syllable) - _BASE
    return n // 588, (n % 588) // 28, n % 28


def syllable_rr(ch: str, loan: bool = False, initial: bool = False) -> str:
    """Revised Romanization of one Hangul syllable (other characters unchanged).

    ``initial`` applies the word-initial ㄹ rule (류/리/림/로/라: Yu, I, Im,
    No, Na); ``loan`` drops a loanword's epenthetic 'eu' (콜린스 -> kolrins).
    """
    if not _BASE <= ord(ch) <= _LAST:
        return ch
    i, v, f = _jamo(ch)
    if initial and i == _RIEUL:
        i = _IEUNG if _MEDIAL[v][0].startswith(("y", "i")) else _NIEUN
    vowel = _MEDIAL[v][0]
    if loan and v == _EU and f == 0 and i != _IEUNG:
        vowel = ""
    return _INITIAL[i][0] + vowel + _FINAL[f][0]


def romanize(hangul: str) -> str:
    """Revised Romanization, syllable by syllable as names are written (최원석 -> choewonseok)."""
    return "".join(spellings(ch)[0] for ch in hangul)


# --- surnames ------------------------------------------------------------------

# Korean surnames by syllable, with the spellings names use that no jamo rule produces
# (accepted in an answer); person_name spells a name only after one of these.
_SURNAMES = {
    "최": ("choi", "choe", "chey"), "이": ("lee", "yi", "rhee", "rhie", "ri", "i"),
    "박": ("park", "pak", "bak"), "김": ("kim", "gim"), "정": ("jung", "jeong", "chung", "chong"),
    "구": ("koo", "ku", "gu"), "강": ("kang", "gang"), "조": ("cho", "jo"), "윤": ("yoon", "yun"),
    "신": ("shin", "sin"), "임": ("lim", "im", "rim"), "오": ("oh", "o"), "서": ("seo", "suh"),
    "권": ("kwon", "gwon"), "황": ("hwang",), "안": ("ahn", "an"), "유": ("yoo", "yu", "ryu"),
    "류": ("ryu", "yoo", "yu"), "전": ("jeon", "jun", "chun"), "고": ("ko", "go"),
    "문": ("moon", "mun"), "손": ("son", "sohn"), "배": ("bae", "pae"), "백": ("baek", "paek", "paik"),
    "허": ("heo", "huh", "hur"), "노": ("noh", "roh", "no"), "남": ("nam",), "하": ("ha",),
    "곽": ("kwak", "gwak"), "성": ("sung", "seong"), "차": ("cha",), "주": ("joo", "ju", "chu"),
    "우": ("woo", "u"), "민": ("min",), "진": ("jin", "chin"), "엄": ("um", "eom"),
    "채": ("chae",), "천": ("cheon", "chun"), "방": ("bang", "pang"), "공": ("kong", "gong"),
    "현": ("hyun", "hyeon"), "함": ("ham",), "변": ("byun", "byeon"), "염": ("yeom", "yum"),
    "여": ("yeo", "yuh"), "추": ("chu", "choo"), "도": ("do", "doh"), "석": ("seok", "suk"),
    "선": ("seon", "sun"), "설": ("seol", "sul"), "길": ("gil", "kil"), "연": ("yeon", "yun"),
    "표": ("pyo",), "명": ("myung", "myeong"), "기": ("ki", "gi"), "반": ("ban", "pan"),
    "왕": ("wang",), "금": ("keum", "geum"), "육": ("yuk", "yook"), "인": ("in",),
    "맹": ("maeng",), "탁": ("tak",), "국": ("kook", "guk"), "어": ("eo", "uh"), "용": ("yong",),
    # Surnames the jamo rules already spell: listed so that person_name knows them.
    "장": ("jang", "chang"), "한": ("han",), "송": ("song",), "홍": ("hong",), "양": ("yang",),
    "심": ("shim", "sim"), "원": ("won",), "지": ("ji",), "위": ("wi",), "옥": ("ok",),
    "제": ("je",), "은": ("eun",), "마": ("ma",), "나": ("na", "ra"), "라": ("ra",),
}  # fmt: skip

#: Capitalised words that mark an English phrase as a Korean full name ("Kim Minsu").
#: Narrower than the spellings above: "Pan", "Uh" or "Chin" beside another word is
#: more often English.
SURNAME_WORDS = frozenset(
    """
    kim gim lee yi rhee park bak pak choi choe chey jung jeong chung kang gang cho jo yoon yun jang
    chang lim im yim rim han oh seo suh shin sin kwon gwon hwang ahn an song ryu yoo yu hong jeon
    chun jun ko go moon mun yang son sohn bae baek paik heo huh hur nam noh roh sim shim koo ku gu
    woo kwak sung seong cha joo ju min jin ji um eom chae won cheon bang kong gong hyun ham byun
    byeon yeom yum choo do seok sun seon sul seol ma gil kil yeon wi pyo myung ki gi ban wang keum
    geum ok yook yuk in maeng je tak kook guk eun yong ye ha na ra ryoo lyu
    """.split()
)

# Surname spellings fold() leaves apart from their Hangul's romanisation (Lee from 이 = i).
_SURNAME_FOLDS = {
    "lee": "i", "yi": "i", "rhee": "i", "rhie": "i", "ri": "i", "lim": "im", "rim": "im", "yim": "im",
    "ryu": "yu", "yoo": "yu", "you": "yu", "lyu": "yu", "rhyu": "yu", "ryoo": "yu", "roh": "no",
    "noh": "no", "rho": "no", "ra": "na", "rha": "na", "hur": "heo", "huh": "heo", "chey": "choe",
    "pyun": "byeon",
}  # fmt: skip


@lru_cache(maxsize=4096)
def spellings(syllable: str) -> tuple[str, ...]:
    """Latin spellings of one Hangul syllable, the Revised Romanization first."""
    if not _BASE <= ord(syllable) <= _LAST:
        return (syllable.lower(),)
    i, m, f = _jamo(syllable)
    out = dict.fromkeys(a + b + c for a in _INITIAL[i] for b in _MEDIAL[m] for c in _FINAL[f])
    out.update(dict.fromkeys(_SURNAMES.get(syllable, ())))
    return tuple(out)


def surname(syllable: str) -> str | None:
    """A Korean surname as English writes it (강 -> Kang), or None when it is none."""
    return _SURNAMES[syllable][0].capitalize() if syllable in _SURNAMES else None


def person_name(hangul: str) -> str | None:
    """A three-syllable Korean name as an English text writes it (최원석 -> Choi Won-seok),
    or None when the first syllable is no common surname or a given-name syllable could not
    be read from a Chinese character (마이클 is no Ma I-keul: no character is read 클)."""
    if len(hangul) != 3 or hangul[0] not in _SURNAMES or not all(_BASE <= ord(c) <= _LAST for c in hangul):
        return None
    if not all(_sino(c) for c in hangul[1:]):
        return None
    given = "-".join(syllable_rr(c) for c in hangul[1:])
    return f"{_SURNAMES[hangul[0]][0].capitalize()} {given.capitalize()}"


# Sino-Korean readings end in no consonant but these finals (none ㄱ ㄴ ㄹ ㅁ ㅂ ㅇ) and
# begin with no tense ㄲ ㄸ ㅃ ㅉ; ㅋ and ㅆ begin only 쾌 (快), 쌍 (雙) and 씨 (氏).
_SINO_FINALS = frozenset({0, 1, 4, 8, 16, 17, 21})
_NOT_SINO_INITIALS = frozenset({1, 4, 8, 10, 13, 15})


def _sino(syllable: str) -> bool:
    """Could ``syllable`` be the reading of a Chinese character (as Korean given names are)?"""
    i, _, f = _jamo(syllable)
    return f in _SINO_FINALS and (i not in _NOT_SINO_INITIALS or syllable in "쾌쌍씨")


# --- matching Latin to Hangul -------------------------------------------------


def spells(latin: str, hangul: str) -> bool:
    """Does ``latin`` (lower case, letters only) spell some run of syllables of ``hangul``?"""

    @cache
    def rest(i: int, j: int) -> bool:  # latin[i:] spells hangul[j:j+k] for some k >= 1
        if j >= len(hangul):
            return False
        for v in spellings(hangul[j]):
            if v and latin.startswith(v, i) and (i + len(v) == len(latin) or rest(i + len(v), j + 1)):
                return True
        return False

    return any(rest(0, j) for j in range(len(hangul)))


# Loanwords and foreign place names come back from Hangul with other vowels
# (울란바토르 / Ulaanbaatar, 몽골 / Mongolia): compare their consonants only.
_SKELETON_MAP = str.maketrans("gcqdbfvrzx", "kkktpppljk")


def skeleton(latin: str) -> str:
    """The consonants of ``latin``, similar ones merged (Ulaanbaatar, ullanbatoreu -> lnptl)."""
    s = re.sub(r"[^a-z]|[aeiouyhw]", "", latin.lower()).translate(_SKELETON_MAP)
    return re.sub(r"(.)\1+", r"\1", s)


#: A skeleton this long rarely matches by chance.
MIN_SKELETON = 4

# fold(): the usual spelling variants of Korean names, folded to one form
# (Koo/Gu, Choi/Choe, Park/Bak, Hyun/Hyeon, Woo/U, Kim/Gim, Jung/Jeong/Chung).
_VOWELS = {
    "yeo": "yu", "woo": "u", "eo": "u", "eu": "u", "ae": "e", "ai": "e", "ee": "i", "oo": "u", "ou": "u",
    "ui": "i", "oe": "we", "oi": "we", "wu": "u",
}  # fmt: skip
_VOWEL_RX = re.compile("|".join(sorted(_VOWELS, key=len, reverse=True)))  # one left-to-right pass
_CONS = [
    (re.compile(a), b)
    for a, b in [
        (r"sh", "s"), (r"ch", "c"), (r"j", "c"), (r"z", "c"), (r"[gkq]", "k"), (r"[dt]", "t"),
        (r"[bpfv]", "p"), (r"r", "l"), (r"h(?![aeiouwy])", ""), (r"(.)\1+", r"\1"),
    ]
]  # fmt: skip


def fold(latin: str) -> str:
    """A lossy key under which the usual spellings of a romanised word meet (Koo, Gu -> ku)."""
    s = re.sub(r"[^a-z]", "", latin.lower())
    s = re.sub(r"ar(?=[^aeiouwy])", "a", s)  # Park -> Pak
    s = re.sub(r"c(?![hiey])", "k", s)  # Collins -> Kollins
    s = _VOWEL_RX.sub(lambda m: _VOWELS[m.group()], s)
    for rx, rep in _CONS:
        s = rx.sub(rep, s)
    return s


def name_key(name: str) -> str:
    """:func:`fold` of a name written surname first ("Lee Jae-woon" meets 이재운's ``fold``)."""
    parts = [p for p in re.split(r"[\s\-]+", name.lower()) if p]
    if parts and parts[0] in _SURNAME_FOLDS:
        parts[0] = _SURNAME_FOLDS[parts[0]]
    return fold("".join(parts))
