"""An article's index in a Chroma client's collections: a Chroma server's, shared by
every process that uses the server, or those of any client a program passes in.

What lives where (``QA_CHROMA_URL=http://host:8000``, or ``open_index(client=...)``)::

    qa-<fingerprint hash>        chunk vectors, texts' offsets and search tokens;
                                 its metadata holds the fingerprint and the counts
    qa-<fingerprint hash>-s      sentence vectors, offsets and search tokens
    qa-<fingerprint hash>-lock   present while one process builds the index

The names come from the fingerprint (article hash, embedder, chunking,
tokenizer, schema), so processes on different machines, whatever path they
read the article from, meet on the same index, and an index built for another
article or embedder is never reused. The chunk collection is written under a
temporary name and renamed to its final one only once complete (after the
sentences): a half-built index is never visible. One process builds at a time:
the lock collection is created by one process only (the server refuses a
second), carries a heartbeat, and is taken over when the heartbeat stops
(the builder was killed).

The BM25 side stays in each process, built from the search tokens stored with
the chunks: nothing runs Kiwi again. The article text itself is read locally
(its hash is in the fingerprint). Old indexes are not deleted from the server
(another process may still serve them).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from langchain_core.embeddings import Embeddings

from index.article import Article
from index.chunking import Chunk, ChunkSettings, Sentence
from index.errors import IndexBuildError, StoreError, brief
from index.keyword import KeywordIndex
from index.live import ArticleIndex, open_collection
from index.parts import Parts, Progress, embed_parts

log = logging.getLogger(__name__)

#: Seconds a build lock may go without a heartbeat before another process takes over
#: (the builder beats at least every few seconds while it embeds and writes).
STALE_AFTER = 30.0
#: Seconds between two looks at a build another process is running.
POLL = 0.5
BEAT_EVERY = 2.0
#: Records sent in one request.
BATCH = 500

_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()


def client_for(url: str) -> Any:
    """One ``chromadb.HttpClient`` per server and process (connecting takes ~0.5 s)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StoreError(f"a Chroma server's address looks like http://host:8000; got {url!r}")
    with _clients_lock:
        if url not in _clients:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            https = parts.scheme == "https"
            try:
                _clients[url] = chromadb.HttpClient(
                    host=parts.hostname,
                    port=parts.port or (443 if https else 8000),
                    ssl=https,
                    settings=ChromaSettings(anonymized_telemetry=False),
                )
            except Exception as e:
                raise StoreError(
                    f"cannot reach the Chroma server at {url} ({brief(e)}); is `chroma run` up there?"
                ) from e
        return _clients[url]


def collection_name(want: dict[str, Any]) -> str:
    """The collection an index with fingerprint ``want`` lives in."""
    return "qa-" + hashlib.sha256(_canonical(want).encode()).hexdigest()[:32]


def _canonical(want: dict[str, Any]) -> str:
    return json.dumps(want, sort_keys=True, ensure_ascii=False)


def check_client(client: object) -> None:
    """Raise :class:`TypeError` unless ``client`` is a Chroma client to keep indexes in."""
    from chromadb.api import ClientAPI

    if not isinstance(client, ClientAPI):
        raise TypeError(
            "client must be a Chroma client (chromadb.EphemeralClient(), PersistentClient(path) "
            f"or HttpClient(host, port)); got {type(client).__name__}"
        )


def describe(client: Any) -> str:
    """Where a Chroma client keeps its collections, said for a person."""
    settings = client.get_settings()
    if settings.chroma_server_host:
        return f"the Chroma server {settings.chroma_server_host}:{settings.chroma_server_http_port}"
    if settings.is_persistent:
        return f"the Chroma store in {settings.persist_directory}"
    return "an in-memory Chroma store"


def open_remote(
    article: Article,
    url: str,
    cache_dir: Path,
    embeddings: Embeddings,
    want: dict[str, Any],
    chunking: ChunkSettings,
    progress: Progress | None,
) -> tuple[ArticleIndex, bool]:
    """Open the index of ``article`` on the server at ``url``, building it there first
    if no process has. ``cache_dir`` keeps what is derived locally (sparse vectors)."""
    client = client_for(url)
    return open_in(
        client, f"the Chroma server {url}", article, cache_dir, embeddings, want, chunking, progress
    )


def open_in(
    client: Any,
    where: str,
    article: Article,
    cache_dir: Path,
    embeddings: Embeddings,
    want: dict[str, Any],
    chunking: ChunkSettings,
    progress: Progress | None,
) -> tuple[ArticleIndex, bool]:
    """Open the index of ``article`` in ``client``'s collections, building it there first
    if no process has. ``where`` names the client in messages."""
    name = collection_name(want)
    store = _InClient(client, where, name, article, want, embeddings, cache_dir)
    try:
        return store.open_or_build(chunking, progress)
    except IndexBuildError:
        raise
    except Exception as e:  # httpx and chromadb errors: the server went away or refused
        raise StoreError(f"{where} failed ({brief(e)})") from e


class _InClient:
    def __init__(
        self,
        client: Any,
        where: str,
        name: str,
        article: Article,
        want: dict[str, Any],
        embeddings: Embeddings,
        cache_dir: Path,
    ) -> None:
        self.client, self.where, self.name = client, where, name
        self.article, self.want, self.embeddings = article, want, embeddings
        self.cache_dir = cache_dir
        self.lock_name = f"{name}-lock"
        self.owner = f"{socket.gethostname()}:{os.getpid()}"

    def open_or_build(self, chunking: ChunkSettings, progress: Progress | None) -> tuple[ArticleIndex, bool]:
        live, _ = self.load()
        if live is not None:
            return live, False
        seen: tuple[tuple[Any, Any], float] | None = None
        while True:
            with self.build_lock() as lock:
                if lock is not None:
                    # Another process may have finished while we waited.
                    live, why = self.load()
                    if live is not None:
                        return live, False
                    if why.startswith("damaged"):
                        log.warning("the index %s on %s is %s: rebuilding it", self.name, self.where, why)
                    self.build(lock, chunking, progress)
                    live, problem = self.load()
                    if live is None:
                        raise IndexBuildError(
                            f"the index {self.name} built on {self.where} does not open: {problem}"
                        )
                    live.rebuilt_because = why
                    return live, True
            time.sleep(POLL)
            live, _ = self.load()
            if live is not None:
                return live, False
            seen = self.take_over_if_stale(seen)

    def load(self) -> tuple[ArticleIndex | None, str]:
        """The index if it is complete in the client, else None and why not (as in :mod:`index.store`)."""
        from chromadb.errors import NotFoundError

        try:
            collection = self.client.get_collection(self.name)
        except NotFoundError:
            return None, ""
        meta = collection.metadata or {}
        if meta.get("fingerprint") != _canonical(self.want):
            return None, f"damaged: {self.name}'s fingerprint does not match its name"
        text = self.article.text
        try:
            got = self.client.get_collection(f"{self.name}-s").get(include=["embeddings", "metadatas"])
            rows = sorted(
                zip(got["ids"], got["metadatas"], got["embeddings"], strict=True), key=lambda r: int(r[0])
            )
            sentences = [
                Sentence(i, m["start"], m["end"], m["paragraph"], m["chunk"], text[m["start"] : m["end"]])
                for i, (_, m, _) in enumerate(rows)
            ]
            import numpy as np

            vectors = np.asarray([v for _, _, v in rows], dtype=np.float32)
            sentence_terms = [json.loads(m["terms"]) for _, m, _ in rows]
            cgot = collection.get(include=["metadatas"])
            crows = sorted(cgot["metadatas"], key=lambda m: int(m["chunk"]))
            chunks = [
                Chunk(
                    m["chunk"],
                    m["start"],
                    m["end"],
                    tuple(json.loads(m["sentences"])),
                    text[m["start"] : m["end"]],
                )
                for m in crows
            ]
            chunk_terms = [json.loads(m["terms"]) for m in crows]
            if len(sentences) != meta.get("sentences") or len(chunks) != meta.get("chunks"):
                raise ValueError(f"it holds {len(sentences)} sentences and {len(chunks)} chunks, not {meta}")
            if [c.id for c in chunks] != list(range(len(chunks))):
                raise ValueError("its chunk ids are not 0..n-1")
            store = open_collection(self.client, self.name, self.embeddings, chunks)
        except (NotFoundError, ValueError, KeyError, TypeError) as e:
            return None, f"damaged: {self.name} on {self.where} is incomplete ({brief(e)})"
        index = ArticleIndex(
            article=self.article,
            sentences=sentences,
            chunks=chunks,
            sentence_vectors=vectors,
            sentence_terms=sentence_terms,
            keyword=KeywordIndex(chunk_terms),
            vectorstore=store,
            path=self.cache_dir / "remote" / self.name,
            fingerprint=self.want,
            store=self.where,
        )
        return index, ""

    @contextmanager
    def build_lock(self) -> Iterator[Any]:
        """The lock collection if this process created it (and so may build), else None."""
        from chromadb.errors import ChromaError

        try:
            lock = self.client.create_collection(self.lock_name, metadata={"beat": 0, "owner": self.owner})
        except ChromaError:
            if not self.exists(self.lock_name):
                raise  # refused for another reason than another process building
            lock = None
        if lock is None:
            yield None
            return
        try:
            yield lock
        finally:
            self.drop(lock)

    def exists(self, name: str) -> bool:
        from chromadb.errors import NotFoundError

        try:
            self.client.get_collection(name)
        except NotFoundError:
            return False
        return True

    def drop(self, lock: Any) -> None:
        # Renamed first, by its id: if another process already took this lock over
        # (and made its own), that one is not the one deleted.
        dead = f"{self.lock_name}-dead-{uuid.uuid4().hex[:12]}"
        try:
            lock.modify(name=dead)
            self.client.delete_collection(dead)
        except Exception as e:  # gone already, or the server went away: the lock goes stale
            log.info("could not remove the build lock %s: %s", self.lock_name, brief(e))

    def take_over_if_stale(
        self, seen: tuple[tuple[Any, Any], float] | None
    ) -> tuple[tuple[Any, Any], float] | None:
        """Drop another process's lock whose heartbeat has not moved for ``STALE_AFTER``
        seconds by this process's clock (machines' clocks need not agree)."""
        from chromadb.errors import NotFoundError

        try:
            lock = self.client.get_collection(self.lock_name)
        except NotFoundError:
            return None
        meta = lock.metadata or {}
        state = (lock.id, meta.get("beat"))
        now = time.monotonic()
        if seen is None or seen[0] != state:
            return state, now
        if now - seen[1] < STALE_AFTER:
            return seen
        log.warning(
            "the build of %s on %s by %s stopped %.0f s ago: taking it over",
            self.name,
            self.where,
            meta.get("owner", "another process"),
            now - seen[1],
        )
        self.drop(lock)
        return None

    def build(self, lock: Any, chunking: ChunkSettings, progress: Progress | None) -> None:
        beats = {"n": 0, "at": time.monotonic()}

        def beat(force: bool = False) -> None:
            if force or time.monotonic() - beats["at"] >= BEAT_EVERY:
                beats["n"] += 1
                lock.modify(metadata={"beat": beats["n"], "owner": self.owner})
                beats["at"] = time.monotonic()

        def progress_and_beat(done: int, total: int) -> None:
            if progress:
                progress(done, total)
            beat()

        parts = embed_parts(self.article, self.embeddings, chunking, progress_and_beat)
        beat(force=True)
        # Leftovers of a crashed or damaged build: the final name is not served (else
        # load() had opened it), so nobody reads them.
        for collection in self.client.list_collections():
            if collection.name in (self.name, f"{self.name}-s") or collection.name.startswith(
                f"{self.name}-building-"
            ):
                self.client.delete_collection(collection.name)
        beat()
        self.write_sentences(parts)
        beat(force=True)
        building = self.client.create_collection(
            f"{self.name}-building-{uuid.uuid4().hex[:12]}",
            metadata={
                "hnsw:space": "cosine",
                "fingerprint": _canonical(self.want),
                "sentences": len(parts.sentences),
                "chunks": len(parts.chunks),
            },
        )
        _add(
            building,
            ids=[str(c.id) for c in parts.chunks],
            embeddings=parts.chunk_vectors.tolist(),
            documents=[c.text for c in parts.chunks],
            metadatas=[
                {
                    "chunk": c.id,
                    "start": c.start,
                    "end": c.end,
                    "sentences": json.dumps(list(c.sentences)),
                    "terms": json.dumps(t, ensure_ascii=False),
                }
                for c, t in zip(parts.chunks, parts.chunk_terms, strict=True)
            ],
        )
        beat(force=True)
        publish(building, self.name)

    def write_sentences(self, parts: Parts) -> None:
        collection = self.client.create_collection(f"{self.name}-s", metadata={"hnsw:space": "cosine"})
        _add(
            collection,
            ids=[str(s.id) for s in parts.sentences],
            embeddings=parts.sentence_vectors.tolist(),
            documents=[s.text for s in parts.sentences],
            metadatas=[
                {
                    "start": s.start,
                    "end": s.end,
                    "paragraph": s.paragraph,
                    "chunk": s.chunk,
                    "terms": json.dumps(t, ensure_ascii=False),
                }
                for s, t in zip(parts.sentences, parts.sentence_terms, strict=True)
            ],
        )


def publish(collection: Any, name: str) -> None:
    """Give a complete collection its final name: from now on it is served."""
    collection.modify(name=name)


def _add(collection: Any, **columns: list[Any]) -> None:
    n = len(columns["ids"])
    for i in range(0, n, BATCH):
        collection.add(**{k: v[i : i + BATCH] for k, v in columns.items()})
