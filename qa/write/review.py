"""What the reader is shown of an LLM's answer, and why it may not be shown.

Every name and number must be in the evidence (:mod:`qa.write.support`), bound
to what the question names (:mod:`qa.write.binding`), in the question's
language, and more than the question's own words.
"""

from __future__ import annotations

import re

from index import korean
from qa.lang import kinds, romanize
from qa.lang.lexicon import HANGUL, PERSON_TITLES
from qa.write.binding import agrees, article_term, cloze_span, restore_glosses, unbound
from qa.write.support import adds_to, unsupported

LANGUAGE_NAMES = {"ko": "Korean", "en": "English"}

_NAME_IN_ANSWER = re.compile(rf"(?<![{HANGUL}(])([{HANGUL}]{{3}})(?![{HANGUL}])(?:\s*\(\1\))?")


#: Longest share of the best evidence sentence a near miss's answer may take up (in characters).
SHORT_SHARE = 0.5


def near_miss_problem(answer: str, evidence: list[str]) -> str:
    """Why a near miss may not be answered with ``answer``, which passed :func:`review`; ''
    when it may. A near miss is answered for a fact the LLM picks out of the evidence:

    - a copy of the evidence (over ``SHORT_SHARE`` of the best sentence) commits to
      nothing the decision had not already found too weak;
    - a name or number the answer takes from the question and the evidence lacks
      ("노현정 연구위원은 SMR에 대해 ...", about a sentence without SMR) is what
      made the decision unsure.
    """
    if len(answer) > SHORT_SHARE * len(evidence[0]):
        return "a near miss needs a short answer; the LLM's restates the evidence"
    if bad := unsupported(answer, evidence):
        return f"a near miss's answer names what only the question says: {', '.join(bad)}"
    return ""


def review(
    text: str,
    question: str,
    language: str,
    evidence: list[str],
    previous: str = "",
    expects: str | None = None,
) -> tuple[str, str]:
    """What the reader is shown of the LLM's ``text``, and why it may not be shown ('' when it may).

    ``previous`` is the earlier question a follow-up leans on, ``expects`` the kind
    of answer asked for (``Query.expects``). The checks, in order: the answer's
    language, every number and name in the evidence (:mod:`qa.write.support`), not a
    question back, more than the question's own words, and, for Korean, a value
    of the kind asked for ("몇 번째" is not answered by "80여종"), bound to the
    question's subject (:mod:`qa.write.binding`) and agreeing with the span the
    question's own words frame.
    """
    shown = restore_glosses(romanize_names(text, evidence) if language == "en" else text, evidence)
    if language == "ko":  # a Latin gloss alone is shown with the article's Korean term
        shown = next((t for e in evidence if (t := article_term(shown, e))), shown)
    # A bare value ("70%") is in no language, so in any; a Korean question may be
    # answered with a Latin name the evidence writes ("T-Card").
    written = written_language(shown)
    if written and written != language and not (language == "ko" and _copied(shown, evidence)):
        return shown, f"the LLM did not answer in {LANGUAGE_NAMES.get(language, language)}"
    if bad := unsupported(shown, [*evidence, question, *([previous] if previous else [])]):
        return shown, f"not in the evidence: {', '.join(bad)}"
    if _ASKS_BACK.search(shown):
        return shown, "the LLM answered with a question"
    if not adds_to(shown, question, evidence):
        return shown, "the answer only restates the question"
    if language == "ko":
        if expects and expects in kinds.VALUES and not kinds.holds(expects, shown):
            return shown, f"asks for {kinds.named(expects)}; the LLM's answer gives none"
        reasons = [unbound(shown, question, e) for e in evidence]
        if all(reasons):
            return shown, f"not bound to the question: {reasons[0]}"
        spans = [s for e in evidence if (s := cloze_span(question, e))]
        if spans and not any(agrees(shown, s) for s in spans):
            return shown, f"the question's own words frame {spans[0]!r} in the evidence, not the answer"
    return shown, ""


def romanize_names(text: str, evidence: list[str]) -> str:
    """Write a Korean person's name that an English answer left in Hangul as rule 3 of the
    instructions asks, which a small model often forgets: "최원석" (or "최원석 (최원석)")
    becomes "Choi Won-seok (최원석)". A name is three syllables with a common surname first
    that the evidence writes before a title ("최원석 사장")."""

    def named(hangul: str) -> bool:
        after = rf"{hangul}\s*(?:\S+\s+)?(?:{'|'.join(PERSON_TITLES)})"
        return any(re.search(after, e) for e in evidence)

    def fix(m: re.Match[str]) -> str:
        hangul = m.group(1)
        latin = romanize.person_name(hangul)
        return f"{latin} ({hangul})" if latin and named(hangul) else m.group(0)

    return _NAME_IN_ANSWER.sub(fix, text)


# An answer that ends like a question ("...체결했나요.") has echoed the question's
# words instead of answering it.
_ASKS_BACK = re.compile(r"(\?|[나까]요|니까|는가|인가|을까|ㄹ까)\s*[.!]?\s*$")


def written_language(text: str) -> str | None:
    """The language ``text`` is written in, or ``None`` for a bare value ("70%", "2021").

    A gloss in parentheses does not count: "CTO (최고기술경영자)" is English that
    keeps the article's term, as the prompt asks an English answer to do.
    """
    outside = _PARENTHESES.sub(" ", text)
    if _WORDS.search(outside):
        text = outside
    if not _WORDS.search(text):
        return None
    return korean.language(text)


_PARENTHESES = re.compile(r"\([^()]*\)")
#: Words of a language: a Hangul syllable, or two Latin letters.
_WORDS = re.compile(f"[{HANGUL}]|[A-Za-z]{{2,}}")
_HANGUL = re.compile(f"[{HANGUL}]")


def _copied(text: str, evidence: list[str]) -> bool:
    """Is every Latin word of ``text`` in the evidence, and nothing else in words?"""
    written = " ".join(evidence).lower()
    words = re.findall(r"[A-Za-z][\w-]*", text)
    return bool(words) and all(w.lower() in written for w in words) and not _HANGUL.search(text)
