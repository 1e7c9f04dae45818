"""An article split into sentences and chunks, embedded and tokenised: what every store keeps.

Both stores (a folder, :mod:`index.store`; a Chroma client, :mod:`index.remote`)
build an index from :func:`embed_parts` and name it by :func:`fingerprint`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from index import korean
from index.article import Article
from index.chunking import Chunk, ChunkSettings, Sentence, split

SCHEMA_VERSION = 1

#: Called with (texts embedded so far, texts in all) while an index is built.
Progress = Callable[[int, int], None]


def fingerprint(article: Article, embedder_id: str, chunking: ChunkSettings) -> dict[str, Any]:
    """What an index was built from; any change means a rebuild."""
    return {
        "schema": SCHEMA_VERSION,
        "article_sha256": article.sha256,
        "embedder": embedder_id,
        "chunking": chunking.as_dict(),
        "tokenizer": korean.tokenizer_id(),
    }


@dataclass
class Parts:
    """An article split and embedded: what every store keeps."""

    sentences: list[Sentence]
    chunks: list[Chunk]
    sentence_vectors: np.ndarray
    chunk_vectors: np.ndarray
    sentence_terms: list[list[str]]
    chunk_terms: list[list[str]]


def embed_parts(
    article: Article, embeddings: Embeddings, chunking: ChunkSettings, progress: Progress | None
) -> Parts:
    """Split ``article`` into sentences and chunks, embed both, and take their search tokens."""
    sentences, chunks = split(article.text, chunking)
    # A chunk of one sentence has the sentence's own vector: embed it once.
    lone = {c.id: c.sentences[0] for c in chunks if len(c.sentences) == 1}
    multi = [c for c in chunks if c.id not in lone]
    total = len(sentences) + len(multi)
    if progress:
        progress(0, total)
    svec, done = _embed_passages(embeddings, [s.text for s in sentences], progress, 0, total)
    mvec, _ = _embed_passages(embeddings, [c.text for c in multi], progress, done, total)
    multi_rows = {c.id: i for i, c in enumerate(multi)}
    cvec = np.vstack([svec[lone[c.id]] if c.id in lone else mvec[multi_rows[c.id]] for c in chunks])
    return Parts(
        sentences,
        chunks,
        svec,
        cvec,
        [korean.tokens(s.text) for s in sentences],
        [korean.tokens(c.text) for c in chunks],
    )


def _embed_passages(
    embeddings: Embeddings, texts: list[str], progress: Progress | None, done: int, total: int
) -> tuple[np.ndarray, int]:
    batch = 16
    out = []
    for i in range(0, len(texts), batch):
        part = texts[i : i + batch]
        out.append(np.asarray(embeddings.embed_documents(part), dtype=np.float32))
        done += len(part)
        if progress:
            progress(done, total)
    if not out:
        return np.zeros((0, 1), dtype=np.float32), done
    return np.vstack(out), done
