"""Hybrid retrieval (dense from Chroma + BM25 over Kiwi morphemes, fused by rank): the
retrieval stage, :class:`Query` -> :class:`Retrieved`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from index import korean
from index.chunking import Chunk
from index.errors import StoreError
from index.store import ArticleIndex
from qa.core.understand import Query
from qa.errors import IndexError_


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk and how each side ranked it (ranks from 1; 0 = not ranked)."""

    chunk: Chunk
    score: float
    dense: float
    dense_rank: int
    keyword: float
    keyword_rank: int


def rrf(rankings: list[list[int]], k: int = 60, weights: list[float] | None = None) -> dict[int, float]:
    """Reciprocal rank fusion: ``sum(w / (k + rank))`` over the rankings an item is in."""
    weights = weights or [1.0] * len(rankings)
    fused: dict[int, float] = {}
    for ranking, w in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + w / (k + rank)
    return fused


class HybridRetriever(BaseRetriever):
    """Finds the chunks of one indexed article that bear on a query.

    Dense similarity from Chroma (multilingual, so English questions meet the
    Korean article) and BM25 over Kiwi morphemes (so "티카드를" meets
    "티카드는") are fused with reciprocal rank fusion. A usual LangChain
    retriever::

        index, _ = open_index(article, index_dir, embeddings, embeddings.model_id)
        retriever = HybridRetriever(index=index, embeddings=embeddings, k=3)
        docs = retriever.invoke("티카드는 누가 쓰나요?")
        docs[0].metadata["start"], docs[0].metadata["end"]   # offsets in the article

    ``invoke(query, k=1)`` overrides ``k`` for one call.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Any = Field(description="an index.store.ArticleIndex")
    embeddings: Embeddings
    k: int = 3
    fetch_k: int = 10
    rrf_k: int = 60

    def search(
        self,
        query: str,
        *,
        vector: np.ndarray | None = None,
        context_terms: list[str] | None = None,
        limit: int | None = None,
    ) -> list[Hit]:
        """Fused hits, best first.

        ``vector`` is the query's embedding when the caller already has it;
        ``context_terms`` are search terms from earlier turns, weighted at
        half the question's own.
        """
        idx: ArticleIndex = self.index
        if vector is None:
            vector = np.asarray(self.embeddings.embed_query(query), dtype=np.float32)
        try:
            dense = idx.dense(vector.tolist(), self.fetch_k)
        except StoreError as e:
            raise IndexError_(f"{e}; ask again once it is back") from None
        kw = idx.keyword.scores(korean.tokens(query))
        if context_terms:
            kw = kw + 0.5 * idx.keyword.scores(context_terms)
        kw_order = [int(i) for i in np.argsort(-kw, kind="stable") if kw[i] > 0][: self.fetch_k]

        dense_rank = {c: r for r, (c, _) in enumerate(dense, start=1)}
        dense_sim = dict(dense)
        kw_rank = {c: r for r, c in enumerate(kw_order, start=1)}
        fused = rrf([[c for c, _ in dense], kw_order], k=self.rrf_k)
        ranked = sorted(fused, key=lambda c: (-fused[c], c))
        hits = [
            Hit(
                chunk=idx.chunks[c],
                score=fused[c],
                dense=dense_sim.get(c, float("nan")),
                dense_rank=dense_rank.get(c, 0),
                keyword=float(kw[c]),
                keyword_rank=kw_rank.get(c, 0),
            )
            for c in ranked
        ]
        return hits[: limit or self.fetch_k]

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        k = int(kwargs.get("k", self.k))
        return [
            Document(
                page_content=h.chunk.text,
                id=str(h.chunk.id),
                metadata={
                    "chunk": h.chunk.id,
                    "start": h.chunk.start,
                    "end": h.chunk.end,
                    "score": h.score,
                    "dense": h.dense,
                    "dense_rank": h.dense_rank,
                    "keyword": h.keyword,
                    "keyword_rank": h.keyword_rank,
                    "article": self.index.article.name,
                },
            )
            for h in self.search(query, limit=k)
        ]


@dataclass(frozen=True)
class Retrieved:
    """The retrieval stage's result: the chunks found for a query, best first."""

    query: Query
    #: What was searched: the question, with romanised names of the article put back
    #: in its script for a question in another language (see ``qa.core.crosslingual``).
    text: str
    #: The embedding of ``text``, leaning on the earlier question for a follow-up.
    vector: np.ndarray
    hits: tuple[Hit, ...]
    #: Romanised names of the question matched to the article's Hangul: (kind, sentence
    #: id, hangul, similarity, latin), from ``qa.core.crosslingual.switch_names``.
    names: tuple[tuple[str, int, str, float, str], ...] = ()


def retrieve(
    query: Query,
    retriever: HybridRetriever,
    text: str | None = None,
    names: tuple[tuple[str, int, str, float, str], ...] = (),
) -> Retrieved:
    """Search the article for ``query`` (as ``text``, when given: the question with its
    names switched into the article's script)."""
    emb = retriever.embeddings
    text = query.question if text is None else text
    vector = np.asarray(emb.embed_query(text), dtype=np.float32)
    if query.followup and query.context:
        # Lean on the earlier turn without letting it drown the new question.
        ctx = np.asarray(emb.embed_query(f"{query.context} {text}"), dtype=np.float32)
        vector = vector + ctx
        vector = vector / (np.linalg.norm(vector) or 1.0)
    hits = retriever.search(text, vector=vector, context_terms=list(query.context_terms))
    return Retrieved(query, text, vector, tuple(hits), names)
