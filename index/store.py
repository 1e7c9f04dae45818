"""Build, persist and reopen an article's index.

Layout under the index directory::

    <slot>/current.json         which build is live, and its fingerprint
    <slot>/b-<id>/manifest.json sentences, chunks, search tokens, fingerprint
    <slot>/b-<id>/vectors.npy   sentence vectors (evidence scoring)
    <slot>/b-<id>/chroma/       the Chroma collection of chunk vectors

A build is written into a fresh ``b-<id>`` folder and made live by replacing
``current.json`` atomically, so a crash mid-build leaves the previous index
serving and never a half-built one. A slot whose fingerprint (article hash,
embedder, chunking settings, schema) differs from what is asked is rebuilt;
a damaged one (a part missing, truncated or unreadable) is rebuilt with a
warning naming the part. One process builds a slot at a time (a file lock);
the others wait and open what it built.

With a Chroma server (``chroma_url``), or a Chroma client the caller passes in,
the index lives in that client's collections instead: see :mod:`index.remote`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock
from langchain_core.embeddings import Embeddings

from index import remote
from index.article import Article
from index.chunking import Chunk, ChunkSettings, Sentence
from index.errors import IndexBuildError, brief
from index.keyword import KeywordIndex
from index.live import ArticleIndex, open_collection
from index.parts import Progress, embed_parts, fingerprint

COLLECTION = "chunks"

log = logging.getLogger(__name__)


def slot_name(key: str, embedder_id: str = "") -> str:
    """A folder name for an article key and embedder: readable, and safe
    whatever the key holds (an uploaded file's name included)."""
    stem = re.sub(r"[^0-9A-Za-z가-힣_-]+", "-", Path(key).stem)[:40].strip("-") or "article"
    digest = hashlib.sha256(f"{key}\0{embedder_id}".encode()).hexdigest()[:10]
    return f"{stem}-{digest}"


def open_index(
    article: Article,
    index_dir: Path,
    embeddings: Embeddings,
    embedder_id: str,
    chunking: ChunkSettings | None = None,
    *,
    key: str | None = None,
    progress: Progress | None = None,
    chroma_url: str = "",
    client: Any = None,
) -> tuple[ArticleIndex, bool]:
    """Open the index of ``article``, building it first if it is missing, stale or damaged.

    Returns the index and whether it was (re)built. ``key`` names the slot
    (by default the article's name): a later article under the same key and
    embedder replaces the earlier one. With ``chroma_url`` the index is kept
    on that Chroma server, shared by every process that uses it; with
    ``client`` (``chromadb.EphemeralClient()``, ``PersistentClient(path)``,
    ``HttpClient(...)``) it is kept in that client's collections, and the
    caller closes the client (:mod:`index.remote` for both). ``index_dir``
    then only caches derived data.
    """
    if client is not None:
        if chroma_url:
            raise ValueError(f"give open_index a client or a chroma_url, not both; got both ({chroma_url!r})")
        remote.check_client(client)
    chunking = chunking or ChunkSettings()
    want = fingerprint(article, embedder_id, chunking)
    if chroma_url:
        return remote.open_remote(article, chroma_url, Path(index_dir), embeddings, want, chunking, progress)
    if client is not None:
        where = remote.describe(client)
        return remote.open_in(client, where, article, Path(index_dir), embeddings, want, chunking, progress)
    # One slot per article and embedder: switching embedders does not throw
    # away the other's index (a process may still be serving it).
    slot = Path(index_dir) / slot_name(key or article.name, embedder_id)
    try:
        slot.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise IndexBuildError(f"cannot create the index directory {str(slot)!r}: {e}") from e

    live, _ = _load_live(slot, article, want, embeddings)
    if live is not None:
        return live, False
    with FileLock(slot / ".lock"):
        # Another process may have built it while we waited for the lock.
        live, why = _load_live(slot, article, want, embeddings)
        if live is not None:
            return live, False
        if why.startswith("damaged"):
            log.warning("the index in %s is %s: rebuilding it", slot, why)
        build, builder = _build(slot, article, want, embeddings, chunking, progress)
        try:
            _swap(slot, build, want)
            live, problem = _load_live(slot, article, want, embeddings)
        finally:
            # Closed once the index holds its own client: the store is loaded once, not twice.
            builder.close()
    if live is None:
        raise IndexBuildError(f"the index built in {str(slot)!r} does not open: {problem}")
    live.rebuilt_because = why
    return live, True


def _build(
    slot: Path,
    article: Article,
    want: dict[str, Any],
    embeddings: Embeddings,
    chunking: ChunkSettings,
    progress: Progress | None,
) -> tuple[str, Any]:
    """Write a new build; returns its folder's name and the Chroma client it wrote with,
    for the caller to close."""
    build = f"b-{uuid.uuid4().hex[:12]}"
    path = slot / build
    path.mkdir()
    parts = embed_parts(article, embeddings, chunking, progress)
    chunks = parts.chunks

    client = _persistent_client(path / "chroma")
    try:
        collection = client.create_collection(name=COLLECTION, metadata={"hnsw:space": "cosine"})
        collection.add(
            ids=[str(c.id) for c in chunks],
            embeddings=parts.chunk_vectors.tolist(),
            documents=[c.text for c in chunks],
            metadatas=[{"chunk": c.id, "start": c.start, "end": c.end} for c in chunks],
        )

        np.save(path / "vectors.npy", parts.sentence_vectors)
        manifest = {
            "fingerprint": want,
            "name": article.name,
            "text": article.text,
            "sentences": [[s.start, s.end, s.paragraph, s.chunk] for s in parts.sentences],
            "chunks": [[c.id, c.start, c.end, list(c.sentences)] for c in chunks],
            "sentence_terms": parts.sentence_terms,
            "chunk_terms": parts.chunk_terms,
            "collection": COLLECTION,
        }
        # Written last: a build folder without its manifest is a crashed build.
        write_atomic(path / "manifest.json", json.dumps(manifest, ensure_ascii=False))
    except BaseException:
        client.close()
        raise
    return build, client


def _persistent_client(path: Path) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.PersistentClient(
        path=str(path), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    )


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` all at once: a reader (or a crash) sees the old file or the new."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _swap(slot: Path, build: str, want: dict[str, Any]) -> None:
    write_atomic(slot / "current.json", json.dumps({"build": build, "fingerprint": want}))
    # Older builds, leftovers of crashed ones and their temporary files are no longer referenced.
    for old in slot.glob("b-*"):
        if old.name != build:
            shutil.rmtree(old, ignore_errors=True)
    for tmp in slot.glob(".*.tmp"):
        tmp.unlink(missing_ok=True)


def _load_live(
    slot: Path, article: Article, want: dict[str, Any], embeddings: Embeddings
) -> tuple[ArticleIndex | None, str]:
    """The live build if it matches ``want`` and is whole, else None and why not:
    "" (no index yet), "stale: ..." or "damaged: <the part and what is wrong>"."""
    try:
        current = json.loads((slot / "current.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        if any(slot.glob("b-*/manifest.json")):
            return None, "damaged: current.json is missing (a finished build is there)"
        return None, ""
    except (OSError, ValueError) as e:
        return None, f"damaged: current.json is unreadable ({brief(e)})"
    if not isinstance(current, dict) or "build" not in current:
        return None, "damaged: current.json names no build"
    if current.get("fingerprint") != want:
        return None, "stale: built for another article, embedder or chunking"
    path = slot / str(current["build"])
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        if manifest["fingerprint"] != want or manifest["text"] != article.text:
            return None, "damaged: manifest.json does not match current.json"
    except (OSError, ValueError, KeyError, TypeError) as e:
        return None, f"damaged: {path.name}/manifest.json is missing or unreadable ({brief(e)})"
    try:
        vectors = np.load(path / "vectors.npy")
    except (OSError, ValueError) as e:
        return None, f"damaged: {path.name}/vectors.npy is missing or unreadable ({brief(e)})"

    try:
        text = manifest["text"]
        sentences = [
            Sentence(i, a, b, p, c, text[a:b]) for i, (a, b, p, c) in enumerate(manifest["sentences"])
        ]
        chunks = [Chunk(i, a, b, tuple(s), text[a:b]) for i, a, b, s in manifest["chunks"]]
        terms = (manifest["sentence_terms"], manifest["chunk_terms"])
    except (KeyError, TypeError, ValueError) as e:
        return None, f"damaged: {path.name}/manifest.json is malformed ({brief(e)})"
    if vectors.shape[0] != len(sentences) or not chunks or len(terms[1]) != len(chunks):
        return None, f"damaged: {path.name}/vectors.npy does not match the manifest"

    client = None
    try:
        client = _persistent_client(path / "chroma")
        store = open_collection(client, manifest["collection"], embeddings, chunks)
    except Exception as e:  # chromadb raises a zoo of errors for a damaged store
        if client is not None:
            with contextlib.suppress(Exception):  # a damaged store may not stop cleanly either
                client.close()
        return None, f"damaged: the Chroma store {path.name}/chroma does not open ({brief(e)})"

    index = ArticleIndex(
        article=article,
        sentences=sentences,
        chunks=chunks,
        sentence_vectors=vectors,
        sentence_terms=terms[0],
        keyword=KeywordIndex(terms[1]),
        vectorstore=store,
        path=path,
        fingerprint=want,
        store=str(path / "chroma"),
        client=client,
    )
    return index, ""
