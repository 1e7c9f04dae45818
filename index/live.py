"""An open index, whichever store keeps it: :class:`ArticleIndex`, and the checked
LangChain store over its Chroma collection of chunk vectors."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from index.article import Article
from index.chunking import Chunk, Sentence
from index.errors import StoreError, brief
from index.keyword import KeywordIndex
from index.meta import ArticleMeta


@dataclass
class ArticleIndex:
    """A live index: the article split into sentences and chunks, and both search sides."""

    article: Article
    sentences: list[Sentence]
    chunks: list[Chunk]
    sentence_vectors: np.ndarray
    sentence_terms: list[list[str]]
    keyword: KeywordIndex
    vectorstore: Any  # langchain_chroma.Chroma
    path: Path
    fingerprint: dict[str, Any]
    #: Where the chunk vectors are searched, said for a person: a folder, a Chroma
    #: server's address, or the Chroma client given to :func:`~index.store.open_index`.
    store: str = ""
    #: Why opening it (re)built it: "" when it was reused or there was none yet.
    rebuilt_because: str = ""
    #: The Chroma client this index alone holds (an embedded store's), closed by
    #: :meth:`close`; None for a Chroma server's, which the process shares, and for
    #: a client given by the caller, who closes it.
    client: Any = field(default=None, repr=False)

    @property
    def meta(self) -> ArticleMeta:
        """What the article says of itself (its title, outlet, reporter, when it was
        published), read once per article (:attr:`Article.meta`)."""
        return self.article.meta

    def close(self) -> None:
        """Let go of the Chroma store. An embedded store is stopped, and its memory
        given back, once no open index in this process uses its folder. Searching
        a closed index fails; closing it again does nothing."""
        client, self.client = self.client, None
        if client is not None:
            client.close()

    def sparse_vectors(self, encode: Callable[[list[str]], Any]) -> Any:
        """The sentences' sparse vectors (CSR), encoded on first use and kept beside the build.

        Only questions in another language than the article need them, so
        building an index does not pay for them up front.
        """
        import scipy.sparse

        path = self.path / "sparse.npz"
        try:
            cached = scipy.sparse.load_npz(path)
            if cached.shape[0] == len(self.sentences):
                return cached
        except (OSError, ValueError):
            pass
        vectors = encode([s.text for s in self.sentences]).tocsr()
        tmp = path.with_name(f".sparse.{uuid.uuid4().hex[:8]}.npz")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            scipy.sparse.save_npz(tmp, vectors)
            os.replace(tmp, path)
        except OSError:
            tmp.unlink(missing_ok=True)  # a read-only index still answers; it re-encodes next time
        return vectors

    def dense(self, vector: list[float], k: int) -> list[tuple[int, float]]:
        """(chunk id, cosine similarity) of the ``k`` nearest chunks in Chroma.

        Raises :class:`~index.errors.StoreError` when the store does not answer
        (a Chroma server gone away); the next call tries again.
        """
        k = min(k, len(self.chunks))
        try:
            hits = self.vectorstore.similarity_search_by_vector_with_relevance_scores(vector, k=k)
        except Exception as e:  # httpx, chromadb and OS errors alike: the store failed this search
            raise StoreError(f"the index at {self.store} could not be searched ({brief(e)})") from e
        return [(int(doc.metadata["chunk"]), 1.0 - float(dist)) for doc, dist in hits]


def open_collection(client: Any, name: str, embeddings: Embeddings, chunks: list[Chunk]) -> Any:
    """The LangChain store over collection ``name``, once it holds every chunk and
    finds one by its own vector; raises when it does not."""
    from langchain_chroma import Chroma

    collection = client.get_collection(name)
    if collection.count() != len(chunks):
        raise ValueError(f"it holds {collection.count()} chunks, not {len(chunks)}")
    # A search, not only a count: the vector segment must load and answer.
    got = collection.get(ids=["0"], include=["embeddings"])
    if len(got["ids"]) != 1:
        raise ValueError("it has no chunk 0")
    hit = collection.query(query_embeddings=[list(got["embeddings"][0])], n_results=1)
    if not hit["distances"][0] or hit["distances"][0][0] > 1e-3:
        raise ValueError("a chunk's own vector does not find it")
    return Chroma(
        client=client,
        collection_name=name,
        embedding_function=embeddings,
        create_collection_if_not_exists=False,
    )
