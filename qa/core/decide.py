"""The decision stage, :class:`Ranked` -> :class:`Decision`: does the article answer?"""

from __future__ import annotations

from dataclasses import dataclass

from qa.core.rank import Ranked
from qa.lang import kinds

#: Kinds of answer about the article itself: its byline or its address answers them.
ARTICLE_KINDS = ("email", "byline")


@dataclass(frozen=True)
class Decision:
    """The decision stage's result: whether the best evidence answers, and why."""

    ranked: Ranked
    found: bool
    reason: str


def decide(ranked: Ranked) -> Decision:
    """Does the best evidence answer the question? The one decision, for any language:
    the fitted probability against its threshold, after two rules that hold for any
    article: an answer of the kind asked for (a number, a date...) must be in the
    evidence, and a question about the article itself (who wrote it) is answered by
    its byline or address.

    In the training data the sentence holding the answer lacks the kind asked
    for in 10% of the cases (mostly an age given as a birth year): the first
    rule declines those rather than risk a made-up number.
    """
    q, best, p, threshold = ranked.query, ranked.best, ranked.p_answer, ranked.threshold
    if best is None:
        return Decision(ranked, False, "nothing retrieved")
    expects = q.expects
    if not q.terms and not q.followup and expects not in ARTICLE_KINDS:
        # "그걸 쓰는 사람은?" with no earlier turn: there is nothing to look up.
        return Decision(ranked, False, "the question names nothing to look up")
    if expects and not best.fits:
        # A number, a date, a byline the evidence does not hold would be made up.
        return Decision(ranked, False, f"asks for {kinds.named(expects)}; the evidence has none")
    if expects in ARTICLE_KINDS:
        return Decision(ranked, True, f"asks for the article's {expects}; the evidence has it")
    if p >= threshold:
        return Decision(ranked, True, f"answerable p={p:.2f} >= {threshold:.2f}")
    return Decision(ranked, False, f"answerable p={p:.2f} < {threshold:.2f}")
