"""Does an English word sound like a Hangul one? Borrowed words and foreign names.

Korean writes a borrowed word or a foreign name by its sound: 센터 is "center",
멀티바이브레이터 "multivibrator", 브라이스 하퍼 "Bryce Harper". A learner's
dictionary lists few of them, and e5 cannot tell "multi-video mixer" from
"multivibrator" for 멀티바이브레이터. Their sounds can: both sides become a string of
coarse sound classes (the consonants as Korean hears them: f and v are ㅍ and ㅂ,
z is ㅈ, r and l are ㄹ; a vowel is one mark), and the two strings are compared by
edit distance. Korean's inserted 으 (스트라이크 for "strike"), English's silent
h and final e, and an r after a vowel ("center", 센터) are left out.
``fit/sound.py`` sets :data:`SOUND_MIN` on the dictionary's own entries
(fit/README.md, "Borrowed words and names").
"""

from __future__ import annotations

import re
from functools import lru_cache

#: Least :func:`alike` for an English word to say a Hangul word by its sound.
SOUND_MIN = 0.8
#: Least :func:`alike` for a sound said by a rendering held to the span's words
#: (``LlamaCppChat.say_within``). ``fit/sound.py --held`` tried 0.80, 0.90 and 0.95: with
#: the gate on the model's confidence (``qa.core.pointing.HELD_SOUND_LOGPROB``) a
#: stricter bar shows fewer right renderings and no fewer wrong ones (fit/README.md).
HELD_SOUND_MIN = SOUND_MIN
#: The most English words one Korean word may sound like ("Kolmogorov-Smirnov", "Ninki Onna").
RUN = 3

_VOWEL = "V"
# The class of each Hangul initial, in jamo order (ㄱ ㄲ ㄴ ㄷ ㄸ ㄹ ㅁ ㅂ ㅃ ㅅ ㅆ ㅇ ㅈ ㅉ ㅊ ㅋ ㅌ ㅍ ㅎ);
# ㅇ and ㅎ are silent, as h mostly is in a borrowed word ("harp", 하프).
_INITIAL = ("K", "K", "N", "T", "T", "L", "M", "P", "P", "S", "S", "", "J", "J", "J", "K", "T", "P", "")
# ... and of each final (none ㄱ ㄲ ㄳ ㄴ ㄵ ㄶ ㄷ ㄹ ㄺ ㄻ ㄼ ㄽ ㄾ ㄿ ㅀ ㅁ ㅂ ㅄ ㅅ ㅆ ㅇ ㅈ ㅊ ㅋ ㅌ ㅍ
# ㅎ); a borrowed word's final ㅅ is a t ("robot", 로봇).
_FINAL = (
    "", "K", "K", "K", "N", "N", "N", "T", "L", "K", "M", "L", "L", "L", "P", "L", "M", "P", "P", "T",
    "T", "N", "T", "T", "K", "T", "P", "T",
)  # fmt: skip
_EU = 18  # ㅡ: the vowel Korean puts between consonants English writes together
_BASE, _LAST = 0xAC00, 0xD7A3

#: English spellings of one sound, longest first, and their class.
_SPELLINGS = (
    ("tch", "J"), ("ph", "P"), ("th", "T"), ("sh", "S"), ("ch", "J"), ("ck", "K"), ("gh", ""),
    ("ng", "N"), ("qu", "KV"), ("x", "KS"), ("c", "K"), ("b", "P"), ("p", "P"), ("f", "P"), ("v", "P"),
    ("d", "T"), ("t", "T"), ("k", "K"), ("q", "K"), ("g", "K"), ("j", "J"), ("z", "J"), ("s", "S"),
    ("l", "L"), ("m", "M"), ("n", "N"), ("h", ""), ("w", _VOWEL), ("y", _VOWEL),
)  # fmt: skip
_VOWELS = set("aeiou")
#: Classes close enough to cost half a substitution: "th" is 스 or 드, "g" 그 or 지, "s" 스 or 즈.
_NEAR = {frozenset(p) for p in (("S", "T"), ("S", "J"), ("K", "J"), ("T", "J"))}
#: What a vowel counts for against a consonant: Korean adds vowels English does not write.
_VOWEL_WEIGHT = 0.3


def _collapse(classes: list[str]) -> str:
    out: list[str] = []
    for c in classes:
        if c and (not out or out[-1] != c):
            out.append(c)
    return "".join(out)


def hangul(text: str) -> str:
    """The sound classes of ``text``'s Hangul ("센터" -> "SVNTV"); other characters dropped."""
    out: list[str] = []
    for ch in text:
        if not _BASE <= ord(ch) <= _LAST:
            continue
        n = ord(ch) - _BASE
        i, v, f = n // 588, (n % 588) // 28, n % 28
        out.append(_INITIAL[i])
        if v != _EU or f:
            out.append(_VOWEL)
        out.append(_FINAL[f])
    return _collapse(out)


def english(text: str, rhotic: bool = False) -> str:
    """The sound classes of ``text``'s Latin letters ("center" -> "SVNTV"); an r after a
    vowel and before a consonant or the end is said only when ``rhotic`` (미네르바 for
    "Minerva", but 센터 for "center" and 하프 for "harp")."""
    out: list[str] = []
    for word in re.findall(r"[a-z]+", text.lower()):
        # A final e after a consonant is silent: "gate", "silhouette".
        silent = len(word) - 1 if len(word) > 3 and word[-1] == "e" and word[-2] not in _VOWELS else -1
        i = 0
        while i < len(word):
            ch = word[i]
            if ch in _VOWELS:
                out.append(_VOWEL if i != silent else "")
                i += 1
                continue
            nxt = word[i + 1] if i + 1 < len(word) else ""
            if ch == "r":
                if rhotic or not (i > 0 and word[i - 1] in _VOWELS and nxt not in _VOWELS | {"y"}):
                    out.append("L")
                i += 1
                continue
            if ch in "cg" and nxt in ("e", "i", "y"):
                out.append("S" if ch == "c" else "J")  # "ceiling", "George"
                i += 1
                continue
            for spelling, cls in _SPELLINGS:
                if word.startswith(spelling, i):
                    out.extend(cls)
                    i += len(spelling)
                    break
            else:
                i += 1
    return _collapse(out)


def _weight(c: str) -> float:
    return _VOWEL_WEIGHT if c == _VOWEL else 1.0


def _cost(a: str, b: str) -> float:
    if a == b:
        return 0.0
    if _VOWEL in (a, b):
        return 1.0
    return 0.5 if frozenset((a, b)) in _NEAR else 1.0


def has_sound(korean: str) -> bool:
    """Does Hangul ``korean`` say enough to be told by its sound (two consonants or more)?"""
    return len(hangul(korean).replace(_VOWEL, "")) >= 2


@lru_cache(maxsize=4096)
def alike(korean: str, latin: str) -> float:
    """How alike the sounds of Hangul ``korean`` and English ``latin`` are, 0 to 1: one
    less their weighted edit distance over the longer's weight (the r after a vowel said
    or not, whichever is closer). 0 when either has fewer than two consonants: one
    consonant and a vowel ("harp" and "hope" are both 하프) say too little."""
    if not has_sound(korean):
        return 0.0
    a = hangul(korean)
    return max(_alike(a, english(latin)), _alike(a, english(latin, rhotic=True)))


def _alike(a: str, b: str) -> float:
    if len(b.replace(_VOWEL, "")) < 2:
        return 0.0
    longest = max(sum(map(_weight, a)), sum(map(_weight, b)))
    return max(0.0, 1.0 - _against_starts(a, b)[-1] / longest)


def _against_starts(a: str, b: str) -> list[float]:
    """The weighted edit distance of ``b`` against each start of ``a`` (``a[:0]`` to ``a``)."""
    col = [0.0]
    for x in a:
        col.append(col[-1] + _weight(x))
    for y in b:
        nxt = [col[0] + _weight(y)]
        for i, x in enumerate(a, start=1):
            nxt.append(min(col[i] + _weight(y), nxt[i - 1] + _weight(x), col[i - 1] + _cost(x, y)))
        col = nxt
    return col


def sounds_like(korean: str, latin: str, least: float = SOUND_MIN) -> bool:
    """Does ``latin`` say ``korean`` by its sound (a borrowed word, a foreign name)?"""
    return alike(korean, latin) >= least


@lru_cache(maxsize=65536)
def may_sound_like(korean: str, latin: str, least: float = SOUND_MIN) -> bool:
    """Could ``latin``, a start of a few English words, still go on to say Hangul
    ``korean`` by its sound (:func:`sounds_like` at ``least``)? Its sounds must be a start
    of the Hangul's, but for at most what ``least`` leaves to differ of the longer."""
    if not has_sound(korean):
        return False
    a = hangul(korean)
    return any(_as_start(a, english(latin, rhotic), least) for rhotic in (False, True))


def _as_start(a: str, b: str, least: float) -> bool:
    longest = max(sum(map(_weight, a)), sum(map(_weight, b)))
    return min(_against_starts(a, b)) <= (1.0 - least) * longest
