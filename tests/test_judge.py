"""The LLM judge of the evidence (``qa.core.judge``): where it is asked, what its word
changes, what happens when it fails; and the real model's "Yes"/"No" scores."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage
from pydantic import Field

from qa import Answer, Chatbot, Settings
from qa.core import judge
from qa.core.judge import judged
from tests.test_llm import ScriptedChat

pytestmark = pytest.mark.slow  # the real index and e5 model under every test

# Asked in a reader's own words: the ranker declines it, though one sentence answers it.
UNSURE_Q = "KT 스튜디오지니의 대표는 누구인가요?"

#: The band of the mechanism tests below: what the judge does when it is asked, whatever
#: band the last fit chose for Korean questions (``qa/data/judge.json``; since session 18
#: one above the ranker's threshold, where the judge only picks the sentence).
WIDE = (0.05, 0.95)
#: ... and the judged decision's threshold there: above the ranker's threshold the fitted
#: one is never used (the fit takes the lowest of its grid, 0.05).
RESCUE_THRESHOLD = 0.5
SHIPPED = judge.shipped  # the fitted judges as the file has them


@pytest.fixture(autouse=True)
def wide_band(monkeypatch: pytest.MonkeyPatch) -> None:
    fitted = SHIPPED("ko")
    assert fitted is not None
    wide = dataclasses.replace(fitted, band=WIDE, threshold=RESCUE_THRESHOLD)
    monkeypatch.setattr(judge, "shipped", lambda group: wide if group == "ko" else SHIPPED(group))


class JudgingChat(ScriptedChat):
    """A scripted chat model that also judges: its scores by sentence, 0 for the rest."""

    scores: dict[str, float] = Field(default_factory=dict)
    judged: list[str] = Field(default_factory=list)
    judge_fails: bool = False

    def yes_no(self, prompts: list[list[BaseMessage]]) -> list[float]:
        if self.judge_fails:
            from qa.errors import WorkerError

            raise WorkerError("the LLM worker was killed by SIGKILL as it judged")
        out = []
        for p in prompts:
            text = p[-1].text
            self.judged.append(text)
            out.append(next((v for k, v in self.scores.items() if k in text), 0.0))
        return out


def band() -> tuple[float, float]:
    fitted = judge.shipped("ko")
    assert fitted is not None
    return fitted.band


def test_the_shipped_bands_lie_within_the_rankers_range():
    for group in ("ko", "en"):
        fitted = SHIPPED(group)
        assert fitted is not None and 0.0 < fitted.band[0] < fitted.band[1] < 1.0


def bot_with(settings: Settings, chat: BaseChatModel) -> Chatbot:
    return Chatbot(settings=settings.with_(answerer="llm"), chat_model=chat)


def asked_of_a_failing_llm(settings: Settings, question: str, chat: BaseChatModel) -> Answer:
    """``question`` asked with ``chat``, whose judging or reading fails: checked to be found
    or declined, and on the same sentence, as extractive mode answers it."""
    plain = Chatbot(settings=settings.with_(answerer="extractive")).ask(question)
    a = bot_with(settings, chat).ask(question)
    assert a.found == plain.found and a.sources[0].evidence == plain.sources[0].evidence
    return a


def test_the_llm_judges_the_best_sentences_question_first(settings: Settings):
    chat = JudgingChat(replies=["x"] * 3, scores={})
    bot = bot_with(settings, chat)
    ranked = Chatbot(settings=settings.with_(answerer="extractive")).pipeline.decision(UNSURE_Q, []).ranked
    assert band()[0] <= ranked.p_answer < ranked.threshold
    bot.ask(UNSURE_Q)
    assert len(chat.judged) == SHIPPED("ko").candidates  # type: ignore[union-attr]
    # One question's prompts start alike, so llama.cpp reads the question once.
    assert all(t.startswith(f"Question: {UNSURE_Q}\nSentence: ") for t in chat.judged)
    sentences = [t.split("Sentence: ", 1)[1] for t in chat.judged]
    assert sentences[0] == " ".join(ranked.best.sentence.text.split())


def test_an_english_question_has_as_many_sentences_judged_as_its_fit_says(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    fitted = SHIPPED("en")
    assert fitted is not None
    # A count other than the default, so that a judge ignoring its fit's count fails here.
    count = judge.CANDIDATES + 1
    wide = {"ko": SHIPPED("ko"), "en": dataclasses.replace(fitted, band=WIDE, candidates=count)}
    monkeypatch.setattr(judge, "shipped", lambda group: wide[group])
    chat = JudgingChat(replies=["x"] * 3)
    question = "Who is the head of KT Studio Genie?"
    bot_with(settings, chat).ask(question)
    assert len(chat.judged) == count
    assert all(t.startswith(f"Question: {question}\nSentence: ") for t in chat.judged)
    assert len({t.split("Sentence: ", 1)[1] for t in chat.judged}) == count


def test_a_sentence_the_llm_says_yes_to_is_picked_and_answers(settings: Settings):
    probe = JudgingChat(replies=["x"] * 3)
    bot = bot_with(settings, probe)
    bot.ask(UNSURE_Q)
    first, second = (t.split("Sentence: ", 1)[1] for t in probe.judged[:2])
    # The LLM is sure of the second sentence and sure the first says nothing of it.
    chat = JudgingChat(replies=["x"] * 3, scores={second: 6.0, first: -6.0})
    a = bot_with(settings, chat).ask(UNSURE_Q)
    assert a.found and " ".join(a.sources[0].evidence.split()) == second, a.meta
    assert (a.meta["features"]["judge_0"], a.meta["features"]["judge_1"]) == (-6.0, 6.0)
    # ... and when it says No to every one, the article does not say.
    chat = JudgingChat(replies=["x"] * 3, scores={first: -8.0, second: -8.0})
    chat.scores.update({t.split("Sentence: ", 1)[1]: -8.0 for t in probe.judged})
    assert not bot_with(settings, chat).ask(UNSURE_Q).found


def test_a_sure_ranker_does_not_ask_the_llm(settings: Settings):
    chat = JudgingChat(replies=["최원석"])
    a = bot_with(settings, chat).ask("N2N 사업계약 체결식에 참석한 BC카드 사장은 누구인가요?")
    assert a.meta["p_answer"] > band()[1] and chat.judged == []
    assert a.found and "최원석" in a.text


def test_a_failing_judge_leaves_the_rankers_answer(settings: Settings):
    a = asked_of_a_failing_llm(settings, UNSURE_Q, JudgingChat(replies=["x"] * 3, judge_fails=True))
    assert a.meta["features"]["judge_failed"] == 1.0


def test_judged_is_the_ranking_itself_outside_the_band(settings: Settings):
    bot = Chatbot(settings=settings.with_(answerer="extractive"))
    decision = bot.pipeline.decision("N2N 사업계약 체결식에 참석한 BC카드 사장은 누구인가요?", [])
    chat = JudgingChat(replies=[])
    assert judged(decision.ranked, chat, "ko") is decision.ranked
    sure_no = dataclasses.replace(decision.ranked, p_answer=band()[0] / 2)
    assert judged(sure_no, chat, "ko") is sure_no and chat.judged == []


# --- the real model ---------------------------------------------------------------

EVENT = "이날 행사에는 김도현 한빛전자 대표, 이수진 한빛시 경제국장 등 300여명이 참석했다."
WEATHER = "한빛시는 다음 주부터 기온이 크게 떨어질 것으로 예상된다고 밝혔다."


def yes_no_of(chat: Any, question: str, sentences: list[str]) -> list[float]:
    return chat.yes_no(
        [judge.PROMPT.format_messages(request=f"Question: {question}\nSentence: {s}") for s in sentences]
    )


def test_the_real_model_says_yes_to_the_sentence_that_answers(real_llm: Path):
    from qa.backends.llamacpp import LlamaCppChat

    chat = LlamaCppChat(model_path=str(real_llm))
    for question in ("한빛시 경제국장은 누구야?", "Who is the CEO of Hanbit Electronics?"):
        event, weather = yes_no_of(chat, question, [EVENT, WEATHER])
        assert event > weather + 1, (question, event, weather)
    # The same prompt scores about the same read whole or from the part the context held
    # (llama.cpp's sums come out a little different in other batches: ~0.2 here).
    whole = yes_no_of(chat, "한빛시 경제국장은 누구야?", [WEATHER])
    chat.load().reset()
    assert yes_no_of(chat, "한빛시 경제국장은 누구야?", [WEATHER]) == pytest.approx(whole, abs=0.5)


def test_the_worker_judges_as_the_model_does_in_process(real_llm: Path):
    from qa.backends.llamacpp import LlamaCppChat
    from qa.backends.worker import WorkerChat

    question, sentences = "몇 명이 참석했어?", [EVENT, WEATHER]
    in_process = yes_no_of(LlamaCppChat(model_path=str(real_llm)), question, sentences)
    worker = yes_no_of(WorkerChat(model_path=str(real_llm)), question, sentences)
    assert worker == pytest.approx(in_process, abs=0.5)
