"""The LLM reader of the evidence (``qa.core.reader``): where it reads, what its copy
changes, what happens when it fails; and the real model's held copy."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage
from pydantic import Field

from qa import Chatbot, Settings
from qa.core import pointing, reader
from qa.core.decide import Decision
from qa.core.pointing import Copied
from qa.write import point
from qa.write.extractive import ExtractiveWriter
from tests.test_judge import JudgingChat, asked_of_a_failing_llm, bot_with
from tests.test_llm import ScriptedChat

pytestmark = pytest.mark.slow  # the real index and e5 model under every test

# Asked in a reader's own words: the ranker is unsure of it, though one sentence answers it.
UNSURE_Q = "KT 스튜디오지니의 대표는 누구인가요?"
#: The band of the mechanism tests: what the reader does when it reads, whatever band the
#: last fit chose (``qa/data/reader.json``).
WIDE = (0.02, 0.98)
SHIPPED = reader.shipped


@pytest.fixture(autouse=True)
def wide_band(monkeypatch: pytest.MonkeyPatch) -> None:
    fitted = SHIPPED("ko")
    assert fitted is not None
    wide = dataclasses.replace(fitted, band=WIDE)
    monkeypatch.setattr(reader, "shipped", lambda group: wide if group == "ko" else None)


class CopyingChat(ScriptedChat):
    """A scripted chat model that also copies: the first of ``copies`` found in a source
    (a copy "words | English" goes on with its English when asked to go on)."""

    copies: list[str] = Field(default_factory=list)
    read: list[list[str]] = Field(default_factory=list)
    copy_fails: bool = False

    def copy_span(
        self, messages: list[BaseMessage], sources: list[str], decline: str, then: str = ""
    ) -> Copied:
        if self.copy_fails:
            from qa.errors import WorkerError

            raise WorkerError("the LLM worker was killed by SIGKILL as it read")
        self.read.append(sources)
        copies = [c.partition(pointing.GLOSS)[::2] for c in self.copies]
        span, english = next(((c, e) for c, e in copies if any(c in s for s in sources)), ("", ""))
        return Copied(span, -0.1, -0.01, -0.05, -12.0, english if then and span else "")


def test_the_llm_reads_the_rankers_best_sentences(settings: Settings):
    ranked = Chatbot(settings=settings.with_(answerer="extractive")).pipeline.decision(UNSURE_Q, []).ranked
    chat = CopyingChat(replies=["x"] * 3)
    bot_with(settings, chat).ask(UNSURE_Q)
    assert len(chat.read) == 1 and len(chat.read[0]) == reader.CANDIDATES
    assert chat.read[0][0] == " ".join(ranked.best.sentence.text.split())


def test_the_sentence_the_llm_copies_from_is_picked_and_its_copy_shown(settings: Settings):
    probe = CopyingChat(replies=["x"] * 3)
    bot_with(settings, probe).ask(UNSURE_Q)
    second = probe.read[0][1]
    words = second.split()[:2]
    chat = CopyingChat(replies=[], copies=[" ".join(words)])
    a = bot_with(settings, chat).ask(UNSURE_Q)
    assert " ".join(a.sources[0].evidence.split()) == second, a.meta
    assert a.meta["features"]["read_source"] == 1.0


def test_the_copy_of_the_picked_sentence_is_shown_without_asking_again(settings: Settings):
    bot = Chatbot(settings=settings.with_(answerer="extractive"))
    decision = bot.pipeline.decision(UNSURE_Q, [])
    best = " ".join(decision.ranked.best.sentence.text.split())
    span = " ".join(best.split()[1:3])
    ranked = dataclasses.replace(decision.ranked, copied=span)
    copied = dataclasses.replace(decision, ranked=ranked, found=True)
    chat = CopyingChat(replies=[])  # asked for a reply, it would fail
    writer = point.PointingWriter(chat, ExtractiveWriter(bot.index))
    draft = writer.write(copied)
    assert chat.prompts == [] and draft.mode == "llm" and draft.text.startswith(span), draft


def test_a_failing_reader_leaves_the_rankers_answer(settings: Settings):
    a = asked_of_a_failing_llm(settings, UNSURE_Q, CopyingChat(replies=["x"] * 3, copy_fails=True))
    assert a.meta["features"]["read_failed"] == 1.0


def test_outside_the_band_the_llm_does_not_read(settings: Settings):
    bot = Chatbot(settings=settings.with_(answerer="extractive"))
    ranked = bot.pipeline.decision(UNSURE_Q, []).ranked
    chat = CopyingChat(replies=[])
    sure = dataclasses.replace(ranked, p_answer=0.99)
    assert reader.reread(sure, chat, "ko") is sure and chat.read == []


def test_the_shipped_bands_lie_within_the_rankers_range():
    for group in ("ko", "en"):
        fitted = SHIPPED(group)
        assert fitted is not None and 0.0 < fitted.band[0] < fitted.band[1] < 1.0
    assert SHIPPED("en").judged  # type: ignore[union-attr]


class JudgingCopyingChat(CopyingChat, JudgingChat):
    """A scripted chat model that copies and judges (``tests.test_judge.JudgingChat``)."""


EN_Q = "Who is the head of KT Studio Genie?"


@pytest.fixture
def wide_en(monkeypatch: pytest.MonkeyPatch) -> None:
    ko, en = SHIPPED("ko"), SHIPPED("en")
    assert ko is not None and en is not None
    wide = {"ko": ko, "en": dataclasses.replace(en, band=WIDE)}
    monkeypatch.setattr(reader, "shipped", lambda group: wide[group])


@pytest.mark.usefixtures("wide_en")
def test_an_english_question_has_its_best_sentences_judged_then_read(settings: Settings):
    chat = JudgingCopyingChat(replies=["x"] * 3)
    a = bot_with(settings, chat).ask(EN_Q)
    # (the writer then copies from the sentence answered with: the second read)
    assert len(chat.read[0]) == reader.CANDIDATES
    assert [t.split("Sentence: ", 1)[1] for t in chat.judged] == chat.read[0]
    assert len(chat.judged) == reader.CANDIDATES
    assert {f"judge_{i}" for i in range(reader.CANDIDATES)} <= set(a.meta["features"])


@pytest.mark.usefixtures("wide_en")
def test_an_english_question_takes_the_sentence_judged_and_copied(settings: Settings):
    probe = JudgingCopyingChat(replies=["x"] * 3)
    bot_with(settings, probe).ask(EN_Q)
    first, second, third = probe.read[0]
    chat = JudgingCopyingChat(
        replies=["x"] * 3,
        copies=[" ".join(second.split()[:2])],
        scores={first: -6.0, second: 6.0, third: -6.0},
    )
    a = bot_with(settings, chat).ask(EN_Q)
    assert a.found and " ".join(a.sources[0].evidence.split()) == second, a.meta
    # ... and when it says No to every one and copies nothing, the article does not say.
    chat = JudgingCopyingChat(replies=["x"] * 3, scores={s: -8.0 for s in probe.read[0]})
    assert not bot_with(settings, chat).ask(EN_Q).found


@pytest.mark.usefixtures("wide_en")
def test_a_failing_judge_of_an_english_question_leaves_the_rankers_answer(settings: Settings):
    chat = JudgingCopyingChat(replies=["x"] * 3, judge_fails=True)
    a = asked_of_a_failing_llm(settings, EN_Q, chat)
    assert a.meta["features"]["read_failed"] == 1.0
    assert all(len(sources) == 1 for sources in chat.read)  # only the writer's copy of its evidence


def english_decision(settings: Settings, question: str) -> tuple[Chatbot, Decision]:
    bot = Chatbot(settings=settings.with_(answerer="extractive"))
    return bot, dataclasses.replace(bot.pipeline.decision(question, []), found=True)


def test_an_english_answer_copies_its_span_then_the_llm_writes_its_english(settings: Settings):
    bot, decision = english_decision(settings, "What share of Mongolians use the T-Card?")
    chat = CopyingChat(replies=[], copies=["약 70% | about 80%"])  # a free reply would fail
    draft = point.PointingWriter(chat, ExtractiveWriter(bot.index)).write(decision)
    assert chat.prompts == [] and len(chat.read) == 1
    # A value is said by rule, whatever English the model wrote.
    assert draft.text.startswith("about 70% (약 70%)\n\n"), draft
    assert draft.meta["rendered_by"] == "rule" and draft.meta["llm_text"] == "약 70% | about 80%"


def test_the_english_the_llm_read_with_is_shown_without_asking_again(settings: Settings):
    bot, decision = english_decision(settings, EN_Q)
    best = " ".join(decision.ranked.best.sentence.text.split())
    assert "스튜디오지니" in best
    ranked = dataclasses.replace(decision.ranked, copied="문화 관광", copied_english="culture and tourism")
    chat = CopyingChat(replies=[])
    writer = point.PointingWriter(chat, ExtractiveWriter(bot.index))
    draft = writer.write(dataclasses.replace(decision, ranked=ranked))
    assert chat.prompts == [] and chat.read == []
    assert draft.text.startswith("culture and tourism (문화 관광)\n\n"), draft
    assert draft.meta["rendered_by"] == "dictionary"


def test_a_copy_the_llm_would_rather_decline_is_not_shown(settings: Settings):
    bot, decision = english_decision(settings, "What share of Mongolians use the T-Card?")

    class Declining(CopyingChat):
        def copy_span(self, *args: object, **kwargs: object) -> Copied:
            return dataclasses.replace(super().copy_span(*args, **kwargs), declined=-0.01)  # type: ignore[arg-type]

    writer = point.PointingWriter(Declining(replies=[], copies=["약 70%"]), ExtractiveWriter(bot.index))
    draft = writer.write(decision)
    assert draft.mode == "extractive" and draft.meta["fallback"] == "the LLM pointed at nothing"


# --- the real model ---------------------------------------------------------------

WEATHER = "서울은 오늘 대체로 맑고 낮 최고기온은 25도로 예상된다."
GUESTS = "기념식에는 박지훈 미래은행 부행장과 최유리 한결대 교수가 참석했다."


def copy_of(chat: object, question: str, sources: list[str], then: str = "") -> Copied:
    messages = pointing.PROMPT.format_messages(request=pointing.render(" ".join(sources), question))
    return chat.copy_span(messages, sources, pointing.DECLINE, then)  # type: ignore[attr-defined]


def test_the_real_model_copies_the_answer_from_the_sentence_that_holds_it(real_llm: Path):
    from qa.backends.llamacpp import LlamaCppChat

    chat = LlamaCppChat(model_path=str(real_llm))
    copied = copy_of(chat, "미래은행 부행장은 누구야?", [WEATHER, GUESTS])
    assert copied.text.startswith("박지훈"), copied
    assert -5.0 < copied.logprob <= 0.0 and copied.start <= 0.0 and copied.declined < copied.first
    # Whatever it is asked, the reply is a piece of a source.
    for question in ("내일 비가 와?", "What is the temperature?", "참석자는 모두 몇 명이야?"):
        text = copy_of(chat, question, [WEATHER, GUESTS]).text
        assert text and any(text in s for s in (WEATHER, GUESTS)), (question, text)
    # Asked to go on, it writes the copy's English after it, on the same line.
    copied = copy_of(chat, "Which professor attended the ceremony?", [WEATHER, GUESTS], " |")
    assert copied.text and copied.text in GUESTS and re.search("[A-Za-z]{2}", copied.after), copied
    assert "\n" not in copied.after and not re.search("[가-힣]", copied.after)


class HoldingCopyingChat(CopyingChat):
    """... whose reply can also be held to words (it records the prompt it was asked under)."""

    held: str = ""
    asked: list[tuple[list[BaseMessage], str]] = Field(default_factory=list)

    def say_within(
        self, messages: list[BaseMessage], prefix: str, words: Any, groups: Any = (), sounds: Any = ()
    ) -> str:
        self.asked.append((messages, prefix))
        return self.held


def test_the_english_the_llm_read_with_is_written_again_under_the_readers_prompt(settings: Settings):
    bot, decision = english_decision(settings, EN_Q)
    sources = tuple(" ".join(ev.sentence.text.split()) for ev in decision.ranked.evidence[:3])
    ranked = dataclasses.replace(
        decision.ranked, copied="문화 관광", copied_english="문화와 관광", copied_from=sources
    )
    chat = HoldingCopyingChat(replies=[], held="culture and tourism")
    draft = point.PointingWriter(chat, ExtractiveWriter(bot.index)).write(
        dataclasses.replace(decision, ranked=ranked)
    )
    ((messages, prefix),) = chat.asked
    assert messages == reader.messages(decision.ranked.query, list(sources)) and prefix == "문화 관광 |"
    assert draft.text.startswith("culture and tourism (문화 관광)\n\n"), draft
    assert draft.meta["rendered_by"] == "dictionary, held to its words"


def test_the_worker_copies_as_the_model_does_in_process(real_llm: Path):
    from qa.backends.llamacpp import LlamaCppChat
    from qa.backends.worker import WorkerChat

    question, sources = "Where does Choi Yu-ri teach?", [GUESTS, WEATHER]
    in_process = copy_of(LlamaCppChat(model_path=str(real_llm)), question, sources, " |")
    worker = copy_of(WorkerChat(model_path=str(real_llm)), question, sources, " |")
    assert (worker.text, worker.after) == (in_process.text, in_process.after) and worker.text
    assert worker.logprob == pytest.approx(in_process.logprob, abs=0.5)
