"""The keyword side of retrieval: BM25 over Kiwi morphemes (via ``bm25s``)."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np


class KeywordIndex:
    """BM25 over pre-tokenised documents.

    Tokens are Kiwi morphemes (see ``index.korean.tokens``), so "티카드는",
    "티카드를" and "티카드" all meet on "티카드"; whitespace tokens would not.
    """

    def __init__(self, docs: list[list[str]]) -> None:
        import bm25s

        self.size = len(docs)
        self._bm25 = bm25s.BM25()
        # bm25s cannot index an empty document list; keep one empty token.
        self._bm25.index([d or [""] for d in docs], show_progress=False)
        self._vocab = set(self._bm25.vocab_dict)
        df: Counter[str] = Counter()
        for d in docs:
            df.update(set(d))
        self._df = df

    def scores(self, query: list[str]) -> np.ndarray:
        """BM25 score of every document for ``query`` (zeros when nothing matches)."""
        known = [t for t in query if t in self._vocab and t]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)

    def idf(self, term: str) -> float:
        """Inverse document frequency; a term the article never uses gets the highest."""
        df = self._df.get(term, 0)
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    def __contains__(self, term: str) -> bool:
        return term in self._df
