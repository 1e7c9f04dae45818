"""What a turn asks of the article: a question about something in it, or the whole of
it (a summary), or nothing of it (a greeting, thanks, "what can I ask?").

A multinomial logistic model over the turn's character n-grams, fitted by
``fit/intent.py`` on utterances written for it (``fit/data/intents.jsonl``) and
on the questions of the KorQuAD training titles, in their own wording, a chat
user's and English, as ordinary questions; its weights ship in
``qa/data/intent.json``. Character n-grams read Korean without a tokenizer
("요약해줘", "요약 좀", "요약본") and English alike, and take a few
milliseconds. How many sentences a summary wants is read by a rule
(:func:`summary_length`): "세 줄", "한 문장", "in two sentences", "더 짧게".
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from qa.lang.numbers import EN_NUMBER_WORDS, KO_NUMERALS

#: The kinds of turn, in the order of the model's classes.
INTENTS = ("question", "summary", "greeting", "thanks", "help")
#: The n-gram sizes, within each word padded by a space (scikit-learn's "char_wb").
NGRAMS = (1, 4)

_SPACE = re.compile(r"\s+")


def ngrams(text: str) -> set[str]:
    """The character n-grams of each word of ``text``, lower-cased, a space padding
    each word: what scikit-learn's ``char_wb`` analyser gives, as a set."""
    text = _SPACE.sub(" ", unicodedata.normalize("NFC", text).lower())
    out: set[str] = set()
    lo, hi = NGRAMS
    for word in text.split():
        w = f" {word} "
        for n in range(lo, hi + 1):
            if len(w) <= n:
                out.add(w)
                break
            out.update(w[i : i + n] for i in range(len(w) - n + 1))
    return out


@dataclass(frozen=True)
class Intent:
    """A turn's kind (one of :data:`INTENTS`) and the model's probability of it."""

    kind: str
    p: float

    @property
    def about_the_article(self) -> bool:
        """A question or a summary: the article answers it."""
        return self.kind in ("question", "summary")


@dataclass(frozen=True)
class Fitted:
    """The shipped model: a weight per class for each n-gram, a bias per class, and the
    probability a kind other than "question" needs to be taken."""

    weights: dict[str, list[float]]
    bias: list[float]
    threshold: float
    #: The words the requests for a summary in the data use ("기사", "핵심", "내용").
    summary_terms: frozenset[str] = frozenset()

    def probabilities(self, text: str) -> list[float]:
        z = list(self.bias)
        for g in ngrams(text):
            if (w := self.weights.get(g)) is not None:
                z = [a + b for a, b in zip(z, w, strict=True)]
        top = max(z)
        e = [math.exp(v - top) for v in z]
        total = sum(e)
        return [v / total for v in e]


@lru_cache(maxsize=1)
def shipped() -> Fitted:
    raw = json.loads((resources.files("qa") / "data" / "intent.json").read_text(encoding="utf-8"))
    assert tuple(raw["classes"]) == INTENTS, raw["classes"]
    return Fitted(raw["weights"], raw["bias"], raw["threshold"], frozenset(raw.get("summary_terms", ())))


def classify(text: str, model: Fitted | None = None) -> Intent:
    """The kind of turn ``text`` is. Anything but a question needs the model's
    probability at or above its threshold: taking a question for small talk loses
    an answer, so a doubt stays a question."""
    model = model or shipped()
    p = model.probabilities(text)
    best = max(range(len(INTENTS)), key=p.__getitem__)
    if best != 0 and p[best] < model.threshold:
        return Intent("question", p[0])
    return Intent(INTENTS[best], p[best])


#: How sure the model must be of a summary that names words of the article other than
#: :attr:`Fitted.summary_terms` ("KT 몽골 기사 요약해줘" against "N2N이 정확히 뭐야?").
SURE = 0.99
SMALL_TALK = ("greeting", "thanks", "help")


def in_context(intent: Intent, named: set[str], asks: str | None = None, model: Fitted | None = None) -> str:
    """The kind of turn, given ``named``, the words of the turn that the article uses,
    and ``asks``, the kind of answer it asks for (``qa.lang.kinds.asked``). A turn
    that asks for a kind of answer (an e-mail, a date: "기사 작성자 이메일") is a
    question; none of the written requests for a summary or small talk asks one.
    Small talk names nothing of the article, and a request for a summary little
    beyond its own words; a turn that does asks about them."""
    model = model or shipped()
    if asks is not None:
        return "question"
    if intent.kind in SMALL_TALK and named:
        return "question"
    if intent.kind == "summary" and named - model.summary_terms and intent.p < SURE:
        return "question"
    return intent.kind


# --- how long a summary ---------------------------------------------------------------------

#: Sentences in a summary nobody asked a length of, and the most it gives.
SUMMARY_SENTENCES = 3
SUMMARY_MAX = 8

_KO_COUNT = re.compile(
    r"(\d+|" + "|".join(sorted(KO_NUMERALS, key=len, reverse=True)) + r")\s*(?:줄|문장|가지|개|포인트)"
)
_EN_COUNT = re.compile(
    r"\b(\d+|" + "|".join(EN_NUMBER_WORDS) + r")\s+(?:lines?|sentences?|points?|bullets?)\b", re.I
)
_ONE = re.compile(r"한\s*마디|한\s*줄|한\s*문장|\bone[- ]liner\b|\bin a (?:sentence|line|nutshell)\b", re.I)
_SHORTER = re.compile(r"짧게|줄여|간단히|간략|shorter|briefer|brief|short", re.I)
_LONGER = re.compile(r"길게|자세히|자세하게|더\s*많이|longer|more detail|in detail|more", re.I)


def summary_length(text: str, previous: int | None = None) -> int:
    """How many sentences a summary request asks for: a count it names ("세 줄로",
    "in 2 sentences"), else one fewer or two more than the previous summary ("더
    짧게", "더 자세히"), else :data:`SUMMARY_SENTENCES`."""
    if m := _KO_COUNT.search(text):
        word = m.group(1)
        n = int(word) if word.isdigit() else KO_NUMERALS.index(word) + 1
    elif m := _EN_COUNT.search(text):
        word = m.group(1).lower()
        n = int(word) if word.isdigit() else int(EN_NUMBER_WORDS[word])
    elif _ONE.search(text):
        n = 1
    elif _SHORTER.search(text):
        n = (previous or SUMMARY_SENTENCES) - 1
    elif _LONGER.search(text):
        n = (previous or SUMMARY_SENTENCES) + 2
    else:
        n = SUMMARY_SENTENCES
    return max(1, min(SUMMARY_MAX, n))
