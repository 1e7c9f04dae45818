"""Korean-aware text processing with Kiwi: sentences and search terms.

One Kiwi analyser serves the process. Building it takes about two seconds of
CPU during which it holds the GIL, so nothing else in the process moves; a
program that wants its first answer soon calls :func:`load_in_background`
before its other imports, and Kiwi then loads in a helper process on the
other core and answers from there (see :mod:`index.kiwi`).
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from index.kiwi import Analyser, LocalAnalyser, Token, WorkerAnalyser, WorkerGone

log = logging.getLogger(__name__)

_lock = threading.Lock()

_analyser: Analyser | None = None


def load_in_background() -> None:
    """Start loading Kiwi in a helper process, unless an analyser is loaded already.

    Analysis then runs there for the rest of this process; should the helper
    fail, Kiwi loads here instead and nothing is lost but time.
    """
    global _analyser
    with _lock:
        if _analyser is None:
            try:
                _analyser = WorkerAnalyser()
            except OSError as e:
                log.warning("cannot start the Kiwi helper process (%s); loading Kiwi here", e)


def analyser() -> Analyser:
    """The process's Kiwi analyser, loaded on first use."""
    global _analyser
    if _analyser is None:
        with _lock:
            if _analyser is None:
                _analyser = LocalAnalyser()
    return _analyser


def _analyse(op: str, arg: Any) -> Any:
    global _analyser
    current = analyser()
    try:
        return getattr(current, op)(arg)
    except WorkerGone as e:
        log.warning("the Kiwi helper process failed (%s); loading Kiwi in this process", e)
        with _lock:
            if _analyser is current:
                _analyser = LocalAnalyser()
        return getattr(analyser(), op)(arg)


# Morpheme tags that carry content: nouns, verb and adjective stems, roots,
# foreign words, numbers, hanja.
_CONTENT_TAGS = {"NNG", "NNP", "NNB", "NR", "VV", "VA", "XR", "SL", "SN", "SH", "MAG"}
# Bound nouns and adverbs that occur everywhere and mean little on their own.
_STOP = {
    "것",
    "수",
    "등",
    "때문",
    "중",
    "데",
    "바",
    "뿐",
    "따위",
    "측",
    "쪽",
    "점",
    "번",
    "하",
    "있",
    "되",
    "않",
    "없",
    "같",
    "이",
    "그",
    "저",
    "또",
    "더",
    "잘",
    "및",
    "또한",
    "the",
    "a",
    "an",
    "of",
    "in",
    "on",
    "to",
    "for",
    "and",
    "or",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "by",
    "with",
    "at",
    "as",
    "from",
    "that",
    "this",
    "it",
    "its",
    "what",
    "which",
    "who",
    "whom",
    "whose",
    "when",
    "where",
    "why",
    "how",
    "do",
    "does",
    "did",
    "s",
    "has",
    "have",
    "had",
    "they",
    "them",
    "their",
    "he",
    "she",
    "his",
    "her",
}


TOKENIZER_ID = "kiwi-{version}:nomulti-notypo:noun-bigrams:codes:title-split-2:irregular-stems"


def tokenizer_id() -> str:
    """Names the analyser and its options; search tokens stored in an index depend on it."""
    from importlib.metadata import version

    return TOKENIZER_ID.format(version=version("kiwipiepy"))


@dataclass(frozen=True)
class Term:
    """A morpheme worth searching for, with its tag and where it sits in the text."""

    form: str
    tag: str
    start: int
    end: int


def terms(text: str) -> list[Term]:
    """Content morphemes of ``text`` (lower-cased foreign words), stop words removed.

    Latin letters, digits and hyphens written together form one term, as
    they do in names such as "N2N", "T-Card" or "COVID-19" (Kiwi cuts them).
    """
    out: list[Term] = []
    for form, tag, start, length in _merge_codes(morphemes(text)):
        # Kiwi marks an irregular conjugation: "도왔" is 돕/VV-I, "차가웠" 차갑/VA-I.
        tag = tag.split("-", 1)[0]
        if tag not in _CONTENT_TAGS:
            continue
        form = form.lower() if tag == "SL" else form
        if form in _STOP:
            continue
        out.append(Term(form, tag, start, start + length))
    return out


_CODE_TAGS = {"SL", "SN"}


def _merge_codes(toks: tuple[Token, ...]) -> list[Token]:
    out: list[Token] = []
    run: list[Token] = []

    def flush() -> None:
        # A hyphen may join a code but never end one.
        while run and run[-1][1] not in _CODE_TAGS:
            out_tail = run.pop()
            flushed_tail.append(out_tail)
        if len(run) > 1:
            start = run[0][2]
            end = run[-1][2] + run[-1][3]
            form = "".join(t[0] for t in run)
            out.append((form, "SL" if any(t[1] == "SL" for t in run) else "SN", start, end - start))
        else:
            out.extend(run)
        out.extend(reversed(flushed_tail))
        run.clear()
        flushed_tail.clear()

    flushed_tail: list[Token] = []
    for tok in toks:
        form, tag, start, _ = tok
        joins = run and run[-1][2] + run[-1][3] == start
        if tag in _CODE_TAGS or (tag == "SO" and form == "-" and run):
            if run and not joins:
                flush()
            run.append(tok)
        else:
            flush()
            out.append(tok)
    flush()
    return out


_HANGUL_NOUN = re.compile(r"^[\uac00-\ud7a3]{3,}$")


def tokens(text: str) -> list[str]:
    """Search tokens of ``text`` for BM25: content morphemes, plus the character
    bigrams of long Hangul nouns.

    Kiwi splits an unknown compound differently by context ("디지털개발부"
    whole in one sentence, "디지털/개발/부" in a question); the bigrams let
    the two meet anyway.
    """
    out = []
    for t in terms(text):
        out.append(t.form)
        if t.tag.startswith("NN") and _HANGUL_NOUN.match(t.form):
            out.extend(t.form[i : i + 2] for i in range(len(t.form) - 1))
    return out


@lru_cache(maxsize=2048)
def morphemes(text: str) -> tuple[Token, ...]:
    """Kiwi's morphemes of ``text``: (form, tag, start, length), offsets into ``text``.
    Cached: a question is read by several stages."""
    return tuple(_analyse("tokenize", _fold(text)))


def _fold(text: str) -> str:
    # NFKC turns full-width letters and digits into the ordinary ones; the
    # length of each character is kept so that offsets stay valid.
    return "".join(c if len(n := unicodedata.normalize("NFKC", c)) != 1 else n for c in text)


@dataclass(frozen=True)
class Span:
    start: int
    end: int


_HARD_LIMIT = 600


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans within ``text[start:end]``, as offsets into ``text``.

    Kiwi finds the boundaries; a run-on "sentence" longer than a few hundred
    characters (tables, lists without punctuation) is cut at spaces so that
    no evidence sentence swamps the answer.
    """
    end = len(text) if end is None else end
    piece = text[start:end]
    spans = []
    for s_start, s_end in _analyse("sentences", piece):
        a, b = start + s_start, start + s_end
        while b - a > _HARD_LIMIT:
            cut = text.rfind(" ", a + _HARD_LIMIT // 2, a + _HARD_LIMIT)
            cut = cut if cut > a else a + _HARD_LIMIT
            spans.append(Span(a, cut))
            a = cut
            while a < b and text[a].isspace():
                a += 1
        if b > a:
            spans.append(Span(a, b))
    return _mend_titles(text, spans)


# "...선보였다.《퀴즈쇼》는 뮤지컬로" or "...데뷔했다. 《푸른 새벽》은 2007년": Kiwi ends
# the sentence after the title, and the next one starts mid-word ("는 뮤지컬로").
_TITLE_AFTER_STOP = re.compile(r"[.!?]\s*(?=[《<〈「『“\"'(\[][^.!?]*$)")


def _mend_titles(text: str, spans: list[Span]) -> list[Span]:
    """Move a title that opens a sentence back to it, when Kiwi left it on the one before."""
    for i in range(len(spans) - 1):
        a, b = spans[i], spans[i + 1]
        if b.start != a.end or not _SCRIPT_HANGUL.match(text[b.start]):
            continue
        m = _TITLE_AFTER_STOP.search(text, a.start, a.end)
        if m and m.end() < a.end:
            spans[i], spans[i + 1] = Span(a.start, m.start() + 1), Span(m.end(), b.end)
    return spans


_SCRIPT_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_SCRIPT_LATIN = re.compile(r"[A-Za-z]")


def language(text: str) -> str:
    """'ko' when the text is mostly Hangul, 'en' when mostly Latin letters."""
    ko = len(_SCRIPT_HANGUL.findall(text))
    en = len(_SCRIPT_LATIN.findall(text))
    return "en" if en > 2 * ko else "ko"
