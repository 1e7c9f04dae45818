"""The whole article in a few of its own sentences: an extractive summary.

The lead (the first sentence that says something: a news article's first
paragraph is its summary, a Wikipedia article's first sentence its definition),
then the sentences closest to the article as a whole (cosine of each sentence's
e5 vector, which the index already holds, to their mean), each one only if it
is not close to one already chosen (maximal marginal relevance), shown in the
article's order. No model writes anything: every line of the summary is a
sentence of the article, and each comes with its passage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from index.chunking import Sentence
from index.live import ArticleIndex
from qa.lang import kinds
from qa.lang.lexicon import HANGUL, REPORTER_TITLES, alternation

#: A sentence shorter than this is a caption, a heading or a byline, not a statement.
MIN_CHARS = 30
#: Maximal marginal relevance: how much a sentence's closeness to the article counts
#: against its closeness to the sentences already chosen.
RELEVANCE = 0.7

# "(서울=연합뉴스) 홍길동 기자 = " before a lead: the byline, not the news.
_BYLINE_PREFIX = re.compile(
    rf"^\s*(?:[(\[][^)\]]{{1,40}}[)\]]\s*)?(?:[{HANGUL}]{{2,4}}\s*(?:{alternation(REPORTER_TITLES)})\s*)?=\s*"
)


@dataclass(frozen=True)
class Line:
    """One sentence of a summary: the sentence, and the part of it shown."""

    sentence: Sentence
    start: int  # in the article
    end: int

    def text(self, article: str) -> str:
        return article[self.start : self.end]


def statements(index: ArticleIndex) -> list[Sentence]:
    """The sentences a summary may use: long enough to state something, not a source
    line, an address or a byline alone."""
    out = []
    for s in index.sentences:
        text = s.text.strip()
        if len(text) < MIN_CHARS or text.startswith(("[", "<", "©")) or kinds.holds("email", text):
            continue
        out.append(s)
    return out


def summarize(index: ArticleIndex, n: int) -> list[Line]:
    """``n`` sentences of the article that sum it up, in the article's order."""
    pool = statements(index) or list(index.sentences)
    if not pool:
        return []
    V = np.asarray(index.sentence_vectors, dtype=np.float64)[[s.id for s in pool]]
    V = V / np.maximum(np.linalg.norm(V, axis=1, keepdims=True), 1e-9)
    centre = V.mean(0)
    centre /= max(float(np.linalg.norm(centre)), 1e-9)
    relevance = V @ centre
    chosen = [0]  # the lead
    while len(chosen) < min(n, len(pool)):
        similar = (V @ V[chosen].T).max(1)
        score = RELEVANCE * relevance - (1 - RELEVANCE) * similar
        score[chosen] = -np.inf
        chosen.append(int(np.argmax(score)))
    return [_line(index.article.text, pool[i]) for i in sorted(chosen)]


def _line(article: str, s: Sentence) -> Line:
    text = article[s.start : s.end]
    skip = m.end() if (m := _BYLINE_PREFIX.match(text)) and m.end() < len(text) - MIN_CHARS else 0
    return Line(s, s.start + skip, s.end)
