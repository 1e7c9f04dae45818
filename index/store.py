"""Build, persist and reopen an article's index.

Layout under the index directory::

    <slot>/current.json        which build is live, and its fingerprint
    <slot>/b-<id>/manifest.json sentences, chunks, search tokens, fingerprint
    <slot>/b-<id>/vectors.npy   sentence vectors (evidence scoring)
    <slot>/b-<id>/chroma/       the Chroma collection of chunk vectors

A build is written into a fresh ``b-<id>`` folder and made live by replacing
``current.json`` atomically, so a crash mid-build leaves the previous index
serving and never a half-built one. A slot whose fingerprint (article hash,
embedder, chunking settings, schema) differs from what is asked is rebuilt.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from index import korean
from index.article import Article
from index.chunking import Chunk, ChunkSettings, Sentence, split
from index.errors import IndexBuildError
from index.keyword import KeywordIndex

SCHEMA_VERSION = 1
COLLECTION = "chunks"

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


def slot_name(key: str, embedder_id: str = "") -> str:
    """A folder name for an article key and embedder: readable, and safe
    whatever the key holds (an uploaded file's name included)."""
    stem = re.sub(r"[^0-9A-Za-z가-힣_-]+", "-", Path(key).stem)[:40].strip("-") or "article"
    digest = hashlib.sha256(f"{key}\0{embedder_id}".encode()).hexdigest()[:10]
    return f"{stem}-{digest}"


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
            scipy.sparse.save_npz(tmp, vectors)
            os.replace(tmp, path)
        except OSError:
            tmp.unlink(missing_ok=True)  # a read-only index still answers; it re-encodes next time
        return vectors

    def dense(self, vector: list[float], k: int) -> list[tuple[int, float]]:
        """(chunk id, cosine similarity) of the ``k`` nearest chunks in Chroma."""
        k = min(k, len(self.chunks))
        hits = self.vectorstore.similarity_search_by_vector_with_relevance_scores(vector, k=k)
        return [(int(doc.metadata["chunk"]), 1.0 - float(dist)) for doc, dist in hits]


def open_index(
    article: Article,
    index_dir: Path,
    embeddings: Embeddings,
    embedder_id: str,
    chunking: ChunkSettings | None = None,
    *,
    key: str | None = None,
    progress: Progress | None = None,
    chroma_client: Any = None,
) -> tuple[ArticleIndex, bool]:
    """Open the index of ``article``, building it first if it is missing or stale.

    Returns the index and whether it was (re)built. ``key`` names the slot
    (by default the article's name): a later article under the same key and
    embedder replaces the earlier one.
    """
    chunking = chunking or ChunkSettings()
    want = fingerprint(article, embedder_id, chunking)
    # One slot per article and embedder: switching embedders does not throw
    # away the other's index (a process may still be serving it).
    slot = Path(index_dir) / slot_name(key or article.name, embedder_id)
    try:
        slot.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise IndexBuildError(f"cannot create the index directory {str(slot)!r}: {e}") from e

    live = _load_live(slot, article, want, embeddings, chroma_client)
    if live is not None:
        return live, False
    with _slot_lock(slot):
        # Another process may have built it while we waited for the lock.
        live = _load_live(slot, article, want, embeddings, chroma_client)
        if live is not None:
            return live, False
        build = _build(slot, article, want, embeddings, chunking, progress, chroma_client)
        _swap(slot, build, want)
    live = _load_live(slot, article, want, embeddings, chroma_client)
    if live is None:
        raise IndexBuildError(f"the index built in {str(slot)!r} does not open")
    return live, True


@contextlib.contextmanager
def _slot_lock(slot: Path) -> Iterator[None]:
    with open(slot / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


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


def _build(
    slot: Path,
    article: Article,
    want: dict[str, Any],
    embeddings: Embeddings,
    chunking: ChunkSettings,
    progress: Progress | None,
    chroma_client: Any,
) -> str:
    build = f"b-{uuid.uuid4().hex[:12]}"
    path = slot / build
    path.mkdir()
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

    client = chroma_client if chroma_client is not None else _persistent_client(path / "chroma")
    collection = client.create_collection(
        name=_collection_name(build, chroma_client), metadata={"hnsw:space": "cosine"}
    )
    collection.add(
        ids=[str(c.id) for c in chunks],
        embeddings=cvec.tolist(),
        documents=[c.text for c in chunks],
        metadatas=[{"chunk": c.id, "start": c.start, "end": c.end} for c in chunks],
    )

    np.save(path / "vectors.npy", svec)
    manifest = {
        "fingerprint": want,
        "name": article.name,
        "text": article.text,
        "sentences": [[s.start, s.end, s.paragraph, s.chunk] for s in sentences],
        "chunks": [[c.id, c.start, c.end, list(c.sentences)] for c in chunks],
        "sentence_terms": [korean.tokens(s.text) for s in sentences],
        "chunk_terms": [korean.tokens(c.text) for c in chunks],
        "collection": _collection_name(build, chroma_client),
        "remote": chroma_client is not None,
    }
    _write_atomic(path / "manifest.json", json.dumps(manifest, ensure_ascii=False))
    return build


def _collection_name(build: str, chroma_client: Any) -> str:
    # A local store holds one article per folder; a shared server holds many.
    return f"qa-{build}" if chroma_client is not None else COLLECTION


def _persistent_client(path: Path) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.PersistentClient(
        path=str(path), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    )


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _swap(slot: Path, build: str, want: dict[str, Any]) -> None:
    _write_atomic(slot / "current.json", json.dumps({"build": build, "fingerprint": want}))
    # Older builds and leftovers of crashed ones are no longer referenced.
    for old in slot.glob("b-*"):
        if old.name != build:
            shutil.rmtree(old, ignore_errors=True)


def _load_live(
    slot: Path, article: Article, want: dict[str, Any], embeddings: Embeddings, chroma_client: Any
) -> ArticleIndex | None:
    """The live build if it matches ``want`` and is whole; None means rebuild."""
    try:
        current = json.loads((slot / "current.json").read_text(encoding="utf-8"))
        if current.get("fingerprint") != want:
            return None
        path = slot / current["build"]
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        if manifest["fingerprint"] != want or manifest["text"] != article.text:
            return None
        vectors = np.load(path / "vectors.npy")
    except (OSError, ValueError, KeyError, TypeError):
        return None

    text = manifest["text"]
    sentences = [Sentence(i, a, b, p, c, text[a:b]) for i, (a, b, p, c) in enumerate(manifest["sentences"])]
    chunks = [Chunk(i, a, b, tuple(s), text[a:b]) for i, a, b, s in manifest["chunks"]]
    if vectors.shape[0] != len(sentences) or not chunks:
        return None

    from langchain_chroma import Chroma

    try:
        client = chroma_client if chroma_client is not None else _persistent_client(path / "chroma")
        store = Chroma(
            client=client,
            collection_name=manifest["collection"],
            embedding_function=embeddings,
            create_collection_if_not_exists=False,
        )
        if client.get_collection(manifest["collection"]).count() != len(chunks):
            return None
    except Exception:  # chromadb raises a zoo of errors for a damaged store
        return None

    return ArticleIndex(
        article=article,
        sentences=sentences,
        chunks=chunks,
        sentence_vectors=vectors,
        sentence_terms=manifest["sentence_terms"],
        keyword=KeywordIndex(manifest["chunk_terms"]),
        vectorstore=store,
        path=path,
        fingerprint=want,
    )
