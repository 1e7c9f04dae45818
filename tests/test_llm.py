"""The pointing LLM writer: prompt, span checks, fallback, refusal, backends.

Our logic is tested with a scripted chat model that records its prompts; the
real bundled model answers end to end, in-process and behind a real llama.cpp
server on 127.0.0.1.
"""

from __future__ import annotations

import dataclasses
import json
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

from qa import Answer, Chatbot, ModelError, Settings, bundled_article
from qa.backends.chat import choose
from qa.core.model import Model, shipped_model
from qa.core.pointing import DECLINE, INSTRUCTIONS
from qa.write.extractive import ExtractiveWriter
from qa.write.point import gloss_problem, pointing_writer, snap, span_problem

pytestmark = pytest.mark.slow  # the real index and e5 model under every test

TCARD_Q = "티카드는 몽골 국민의 약 몇 퍼센트가 사용하나요?"


class ScriptedChat(BaseChatModel):
    """Replies from a script, a word at a time when streamed, and records every prompt."""

    replies: list[str]
    prompts: list[list[BaseMessage]] = Field(default_factory=list)
    fail: bool = False
    finish: str = "stop"  # why the stream ends: "length" when cut at the token limit

    warmed: int = 0

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def warm(self, messages: list[BaseMessage]) -> None:
        """Like llama.cpp's: evaluate the fixed prompt ahead of the first question."""
        self.warmed += 1

    def _reply(self, messages: list[BaseMessage]) -> str:
        self.prompts.append(messages)
        if self.fail:
            raise ConnectionError("connection refused")
        return self.replies.pop(0)

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self._reply(messages)))])

    def _stream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> Iterator[ChatGenerationChunk]:
        for word in re.findall(r"\S+\s*", self._reply(messages)):
            yield ChatGenerationChunk(message=AIMessageChunk(content=word))
        end = AIMessageChunk(content="", response_metadata={"finish_reason": self.finish})
        yield ChatGenerationChunk(message=end)


@pytest.fixture
def decision_model() -> dict[str, Model | None]:
    """The fitted ranker and decision this test's chatbots get (None: the shipped one)."""
    return {"model": None}


@pytest.fixture
def scripted(settings: Settings, decision_model: dict[str, Model | None]):
    """A chatbot whose LLM is a :class:`ScriptedChat` replying ``replies`` in turn."""

    def make(
        *replies: str, strict: bool = True, fail: bool = False, finish: str = "stop"
    ) -> tuple[Chatbot, ScriptedChat]:
        chat = ScriptedChat(replies=list(replies), fail=fail, finish=finish)
        answerer = "llm" if strict else "auto"
        bot = Chatbot(
            settings=settings.with_(answerer=answerer), chat_model=chat, model=decision_model["model"]
        )
        return bot, chat

    return make


def human_text(prompt: list[BaseMessage]) -> str:
    return prompt[-1].text


TCARD_SENTENCE = "몽골 국민 약 70%가 사용하는"


def test_the_words_the_llm_points_at_lead_the_evidence(scripted):
    bot, chat = scripted("약 70%")
    a = bot.ask(TCARD_Q)
    assert (a.found, a.mode, a.meta["span"]) == (True, "llm", "약 70%")
    first, _, rest = a.text.partition("\n\n")
    assert first == "약 70%" and TCARD_SENTENCE in rest  # the span, then the sentence it is from
    assert a.meta["llm"] == "ScriptedChat" and a.meta["llm_text"] == "약 70%"
    assert chat.warmed == 1  # once, when the chatbot was made
    # Fixed instructions first; the evidence and the question last.
    (prompt,) = chat.prompts
    assert prompt[0].type == "system" and prompt[0].text == INSTRUCTIONS
    asked = human_text(prompt)
    assert asked.startswith("Evidence: ") and TCARD_SENTENCE in asked
    assert asked.endswith(f"Question: {TCARD_Q}")
    assert a.sources and "70%" in a.sources[0].evidence


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ("약 80%", "not the evidence's words"),  # a number the evidence does not write
        ("김민수 사장", "not the evidence's words"),  # an invented name
    ],
)
def test_a_reply_that_points_at_no_answer_leaves_the_evidence_alone(scripted, reply, why):
    bot, _ = scripted(reply)
    a = bot.ask(TCARD_Q)
    assert (a.found, a.mode) == (True, "extractive") and why in a.meta["fallback"]
    # the extractive answer: the evidence alone, no span before it
    assert "70%" in a.text and "\n\n" not in a.text
    assert "80%" not in a.text and "김민수" not in a.text


def test_a_reply_with_only_the_questions_own_words_points_at_nothing(scripted):
    bot, _ = scripted("BC카드")
    a = bot.ask("N2N 사업계약 체결식에 참석한 BC카드 사장은 누구인가요?")
    assert a.mode == "extractive" and a.meta["fallback"] == "the LLM pointed at the question's own words"
    assert "최원석" in a.text


def test_a_span_of_no_content_word_is_the_questions_own_only_when_the_question_writes_it():
    evidence = "FIFA에서는 월드컵 우승 팀에게 유니폼에 '별'을 달 것을 권장하고 있다."
    question = "What symbol does FIFA recommend that World Cup winners wear?"
    assert span_problem("별", evidence, question, "", None) == ""  # Kiwi reads 별 as a determiner
    assert "own words" in span_problem("별", evidence, "유니폼에 별을 다는 건 누구야?", "", None)


def test_a_copy_of_the_evidence_points_at_nothing(scripted):
    bot, _ = scripted(
        "티카드는 몽골 국민 약 70%가 사용하는 결제 수단으로 한국을 방문하는 연 10만여명의 몽골인들이"
    )
    a = bot.ask(TCARD_Q)
    assert a.mode == "extractive" and a.meta["fallback"] == "the LLM copied the evidence, not a phrase of it"


@pytest.mark.parametrize(("reply", "mode"), [("80여종", "extractive"), ("2위", "llm")])
def test_a_span_without_the_kind_of_value_asked_for_is_not_shown(scripted, reply, mode):
    bot, _ = scripted(reply)
    a = bot.ask("구리는 몽골이 세계에서 몇 번째로 많이 갖고 있어?")
    assert a.found and a.mode == mode and "2위" in a.text
    if mode == "extractive":
        assert a.meta["fallback"] == "asks for an ordinal; the LLM's span holds none"


def test_a_reply_in_other_spacing_or_with_a_final_stop_snaps_to_the_evidence():
    evidence = "이번 사업계약 체결에는 BC카드 최원석 사장과 몽골 중앙은행 총재가 참석했다."
    assert snap("BC카드  최원석 사장입니다.", evidence) == "BC카드 최원석 사장"
    assert snap("최원석사장", evidence) == ""  # words run together are other words
    assert snap("", evidence) == ""


def test_when_the_llm_declines_the_decision_stands_and_the_evidence_answers(scripted):
    bot, _ = scripted(DECLINE)
    pieces = list(bot.stream(TCARD_Q))
    a = pieces[-1]
    assert isinstance(a, Answer)
    # Whether the article answers is the fitted decision's call, not the model's mood.
    assert (a.found, a.mode, a.meta["llm_declined"]) == (True, "extractive", True)
    assert "70%" in a.text and a.meta["fallback"] == "the LLM pointed at nothing"
    assert not any(DECLINE in p for p in pieces[:-1] if isinstance(p, str))  # never shown to the user


def test_questions_the_core_refuses_never_reach_the_llm(scripted):
    bot, chat = scripted()
    a = bot.ask("KT의 작년 영업이익은 얼마인가요?")
    assert a.mode == "refusal" and chat.prompts == []


BC_CARD_Q = "N2N 사업계약 체결식에 참석한 BC카드 사장은 누구인가요?"


def test_a_question_declined_by_its_probability_never_reaches_the_llm(scripted, decision_model):
    decision_model["model"] = dataclasses.replace(shipped_model(), threshold=1.01)
    bot, chat = scripted("최원석")
    a = bot.ask(BC_CARD_Q)
    assert (a.found, a.mode) == (False, "refusal") and chat.prompts == []


def test_an_elliptical_follow_up_shows_the_previous_question(scripted):
    bot, chat = scripted("2조 원", "2위")
    bot.ask("몽골은 희토류를 얼마나 보유하고 있나요?")
    a = bot.ask("구리는요?")
    assert "Previous question: 몽골은 희토류를 얼마나 보유하고 있나요?" in human_text(chat.prompts[-1])
    assert a.mode == "llm" and a.meta["followup"] and a.text.startswith("2위")


def test_a_full_follow_up_is_asked_alone(scripted):
    bot, chat = scripted("최원석", "티카드(T-Card)")
    bot.ask(BC_CARD_Q)
    a = bot.ask("그 계약으로 한국에서 이용할 수 있게 되는 몽골 카드는 무엇인가요?")
    assert a.meta["followup"] and "Previous question" not in human_text(chat.prompts[-1])
    assert (a.mode, a.text.split("\n")[0]) == ("llm", "티카드(T-Card)")


def test_an_english_answer_names_the_person_in_english_with_the_articles_hangul(scripted):
    bot, _ = scripted("최원석 | Choe Wonsuk")
    a = bot.ask("Who is BC Card's president?")
    first, _, rest = a.text.partition("\n\n")
    # A name before a title is spelled by rule, not as the model spelled it.
    assert (a.mode, first) == ("llm", "Choi Won-seok (최원석)")  # the rule's spelling
    assert rest.startswith("The article says:") and "최원석 사장" in rest


@pytest.mark.parametrize(
    ("gloss", "problem"),
    [
        ("about 70%", ""),
        ("about 80%", "numbers"),
        ("about 70 percent", ""),
        ("약 70%", "no English"),
        ("", "no English"),
    ],
)
def test_what_an_english_rendering_must_keep(gloss, problem):
    found = gloss_problem(gloss, "약 70%", None)
    assert (problem in found) if problem else found == ""


@pytest.mark.parametrize(
    ("gloss", "problem"),
    [("COO Margaret Collins", ""), ("CEO Martin Collins", "drops the evidence's COO"), ("chief", "COO")],
)
def test_an_english_rendering_keeps_the_articles_latin_words(gloss, problem):
    found = gloss_problem(gloss, "마거릿 콜린스 최고운영책임자(COO)", None)
    assert (problem in found) if problem else found == ""


def test_an_english_rendering_far_from_the_span_is_left_out(scripted):
    bot, _ = scripted("몽골 국민 약 70% | about 80% of Mongolians")
    a = bot.ask("What share of Mongolians use the T-Card?")
    assert a.mode == "llm" and a.text.startswith("In the article's words: 몽골 국민 약 70%\n\n")
    assert "80%" not in a.text
    assert "numbers" in a.meta["gloss_dropped"]


class HoldingChat(ScriptedChat):
    """A scripted chat model whose reply can also be held to words: it records what it
    was asked to hold and replies ``held``."""

    held: str = ""
    asked: list[tuple[list[BaseMessage], str, frozenset[str]]] = Field(default_factory=list)

    def say_within(
        self, messages: list[BaseMessage], prefix: str, words: Any, groups: Any = (), sounds: Any = ()
    ) -> str:
        self.asked.append((messages, prefix, frozenset(words)))
        return self.held


@pytest.mark.parametrize(
    ("held", "first"),
    [
        ("70% of the people of Mongolia", "70% of the people of Mongolia (몽골 국민 약 70%)"),
        ("80% of the people of Mongolia", "In the article's words: 몽골 국민 약 70%"),  # checked as before
        ("", "In the article's words: 몽골 국민 약 70%"),
    ],
)
def test_a_rendering_left_out_is_written_again_held_to_the_dictionarys_words(
    settings: Settings, decision_model: dict[str, Model | None], held: str, first: str
):
    chat = HoldingChat(replies=["몽골 국민 약 70% | about 80% of Mongolians"], held=held)
    bot = Chatbot(settings=settings.with_(answerer="llm"), chat_model=chat, model=decision_model["model"])
    a = bot.ask("What share of Mongolians use the T-Card?")
    assert a.mode == "llm" and a.text.split("\n")[0] == first
    ((messages, prefix, words),) = chat.asked
    # under the prompt the span was copied under, after the copy, held to its words
    assert messages == chat.prompts[-1] and prefix == "몽골 국민 약 70% |"
    assert {"mongolia", "people", "70", "of"} <= words and "80" not in words
    assert ("held to its words" in a.meta.get("rendered_by", "")) is (held == "70% of the people of Mongolia")


def test_the_answer_comes_as_one_piece_once_checked(scripted):
    bot, _ = scripted("약 70%")
    pieces = list(bot.stream(TCARD_Q))
    texts, answer = pieces[:-1], pieces[-1]
    assert isinstance(answer, Answer) and texts == [answer.text]
    assert {"write", "total"} <= set(answer.timings)


def test_a_failing_llm_raises_when_asked_for_and_falls_back_under_auto(scripted):
    bot, _ = scripted(fail=True)
    with pytest.raises(ModelError, match="connection refused"):
        bot.ask(TCARD_Q)
    bot, _ = scripted(fail=True, strict=False)
    a = bot.ask(TCARD_Q)
    assert a.mode == "extractive" and "LLM error" in a.meta["fallback"]


def test_auto_without_a_reachable_server_uses_the_extractive_writer(settings):
    dead = f"http://127.0.0.1:{free_port()}/v1"
    fallback = ExtractiveWriter(Chatbot(settings=settings.with_(answerer="extractive")).index)
    auto = choose(settings.with_(answerer="auto", llm_base_url=dead, llm_timeout=5))
    writer, why = pointing_writer(auto, fallback)
    assert writer is None and "failed" in why
    with pytest.raises(ModelError, match="failed"):
        pointing_writer(choose(settings.with_(answerer="llm", llm_base_url=dead, llm_timeout=5)), fallback)


# --- the real bundled model ------------------------------------------------------


@pytest.fixture(scope="module")
def llm_bot(settings: Settings, real_llm: Path):
    def make() -> Chatbot:
        return Chatbot(settings=settings.with_(answerer="llm"))

    return make


def test_korean_question_korean_answer(llm_bot):
    a = llm_bot().ask("N2N 사업계약 체결식에 참석한 BC카드 사장은 누구인가요?")
    assert (a.found, a.mode, a.language) == (True, "llm", "ko"), a.meta
    assert "최원석" in a.meta["span"] and a.text.startswith(a.meta["span"])
    assert a.meta["prompt_tokens"] > 50
    # The fixed instructions and examples were evaluated once and are reused.
    assert 150 < a.meta["prompt_tokens_cached"] < a.meta["prompt_tokens"]


def test_english_question_english_answer(llm_bot):
    a = llm_bot().ask("Who is BC Card's president?")
    assert (a.found, a.mode) == (True, "llm"), a.meta
    # the model's own spelling ("Lee Won-seok" here once) gives way to the rule's
    assert re.match(r"Choi Won-seok \(최원석( 사장)?\)\n", a.text), a.text


def test_concurrent_questions_queue_for_the_model(llm_bot):
    questions = {"몽골의 형석 매장량은 세계 몇 위인가요?": "3위", TCARD_Q: "70"}
    answers: dict[str, Answer] = {}

    def ask(q: str) -> None:
        answers[q] = llm_bot().ask(q)

    threads = [threading.Thread(target=ask, args=(q,)) for q in questions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    for q, fact in questions.items():
        assert answers[q].mode == "llm" and fact in answers[q].text, answers[q]


def english(text: str) -> bool:
    """Is ``text`` framed in English: its first line, without what it quotes of the
    article (in parentheses, in quotes, after a colon), something and no Hangul? A bare
    value ("14:00 (14시 00분)") is in no language, so in any."""
    frame = text.split("\n")[0]
    while frame != (inner := re.sub(r"\([^()]*\)", " ", frame)):  # "(최고운영책임자(COO))"
        frame = inner
    frame = re.sub(r"\"[^\"]*\"|: .*", " ", frame)
    return bool(frame.strip()) and not re.search("[\uac00-\ud7a3]", frame)


@pytest.mark.parametrize(
    ("text", "framed"),
    [
        ("Choi Won-seok (최원석 사장)\n\nThe article says: ...", True),
        ("In the article's words: 천국의 계단\n\n...", True),
        ('The article says: "티카드는 ..."', True),
        ("The article does not say.", True),
        ("천국의 계단\n\nThe article says: ...", False),
        ("티카드는 몽골 국민 약 70%가 사용", False),
        ("14:00 (14시 00분)\n\nThe article says: ...", True),
        ('"티카드"', False),
        ("Margaret Collins (마거릿 콜린스 최고운영책임자(COO))", True),
    ],
)
def test_what_an_english_frame_is(text, framed):
    assert english(text) is framed


def english_cases() -> list[tuple[Path, str]]:
    """Every English question of the project's own sets (eval/), with its article."""
    root = Path(__file__).resolve().parent.parent / "eval"
    out = []
    for path in sorted(root.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            case = json.loads(line)
            if case.get("lang") == "en" and len(case["turns"]) == 1:
                name = case.get("article", "shipped")
                article = bundled_article() if name == "shipped" else root / "articles" / name
                out.append((article, case["turns"][0]))
    return out


#: An answer that leads with the span in English: "2.1 billion won (21억원)", "N2N".
RENDERED = re.compile(r"[^\uac00-\ud7a3\n]+(?: \([^\n]*[\uac00-\ud7a3][^\n]*\))?(?:\n|$)")


def test_every_english_question_of_our_sets_is_answered_in_english(settings, real_llm):
    cases = english_cases()
    assert len(cases) >= 15
    answered, rendered = 0, 0
    for article, question in cases:
        a = Chatbot(article, settings=settings.with_(answerer="llm")).ask(question)
        assert a.language == "en" and english(a.text), (question, a.text)
        answered += a.found
        rendered += bool(a.found and RENDERED.match(a.text) and not a.text.startswith("The article says"))
    # Most lead with the span in English, the article's Korean in parentheses (the rest
    # with the article's words framed in English: the rendering did not pass its checks).
    assert rendered >= 0.6 * answered, (rendered, answered)


# --- an OpenAI-compatible server: llama.cpp's own, on 127.0.0.1 --------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# llama-cpp-python's server has no setting for use_extra_bufts: load its model as
# qa.backends.llamacpp does, so that it does not crash on a CPU with AMX either.
SERVE = """
import runpy
from qa.backends.llamacpp import cpu_flags, model_params, system_info, use_extra_bufts

with model_params(use_extra_bufts=use_extra_bufts(system_info(), cpu_flags())):
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
"""


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory, real_llm: Path):
    pytest.importorskip("sse_starlette", reason="needs llama-cpp-python[server]")
    port = free_port()
    cmd = [sys.executable, "-c", SERVE, "--model", str(real_llm), "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--n_ctx", "2048", "--n_threads", "2", "--model_alias", "qwen"]
    # The server logs every request: a pipe nobody reads would fill up and stall it.
    log = tmp_path_factory.mktemp("server") / "server.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/models", timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"llama.cpp server did not start: {log.read_text()[-2000:]}") from None
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_an_openai_compatible_server_answers(settings, llama_server):
    s = settings.with_(answerer="llm", llm_base_url=llama_server, llm_model_name="qwen")
    bot = Chatbot(settings=s)
    pieces = list(bot.stream(TCARD_Q))
    a = pieces[-1]
    assert isinstance(a, Answer)
    assert a.mode == "llm" and "70%" in a.meta["span"], a.meta
    assert a.meta["llm"] == f"openai:qwen@{llama_server}"


def test_the_evaluated_instructions_are_saved_and_restored(tmp_path, real_llm):
    from qa.backends.llamacpp import LlamaCppChat
    from qa.core.pointing import PROMPT, render

    chat = LlamaCppChat(model_path=str(real_llm), max_tokens=24, state_dir=str(tmp_path))
    question = {
        "request": render("티카드는 몽골 국민 약 70%가 사용하는 결제 수단이다.", "몇 퍼센트가 쓰나요?")
    }
    chat.warm(PROMPT.format_messages(request="x"))
    (state,) = tmp_path.glob("*.state")
    evaluated = (PROMPT | chat).invoke(question).text

    chat.load().reset()  # forget the context, as a new process would
    t0 = time.perf_counter()
    chat.warm(PROMPT.format_messages(request="x"))
    assert time.perf_counter() - t0 < 5  # read back, not evaluated again (that takes 10-30 s)
    assert list(tmp_path.glob("*.state")) == [state]
    assert (PROMPT | chat).invoke(question).text == evaluated


def test_the_real_model_says_only_the_words_it_is_held_to(real_llm):
    from qa.backends.llamacpp import LlamaCppChat
    from qa.core.pointing import PROMPT, render

    chat = LlamaCppChat(model_path=str(real_llm))
    evidence = "그 후 그는 김완선의 백밴드 실루엣에서 건반을 쳤다."
    messages = PROMPT.format_messages(request=render(evidence, "What was the name of the backing band?"))
    words, groups = {"silhouette", "band", "the", "of"}, [{"band"}, {"silhouette"}]
    said = chat.say_within(messages, "실루엣 |", words, groups)
    assert said and all(w.lower() in words for w in re.findall(r"[A-Za-z0-9]+", said)), said
    assert {"band", "silhouette"} <= set(said.lower().split()), said  # one word of each group
    # none of them: nothing
    assert chat.say_within(messages, "실루엣 |", set()) == ""
    from qa.backends.worker import WorkerChat

    assert WorkerChat(model_path=str(real_llm)).say_within(messages, "실루엣 |", words, groups) == said


@pytest.mark.parametrize(
    ("span", "reply", "starts", "ends"),
    [
        ("로이드 마셜", "Lloyd Mar", True, False),  # on its way to a name by its sound
        ("로이드 마셜", "Lloyd Marshall", True, True),
        ("로이드 마셜", "Lloyd", True, False),  # 마셜 unsaid
        ("로이드 마셜", "Rod Mallac", False, False),  # near, but not near enough
        ("로이드 마셜", "Lloyd Marshall Lloyd", False, False),  # each sound once
        ("로이드 마셜", "Lloyd, Marshall", True, True),  # two sounds
        ("로이드 마셜", "Lloyd Mar, shall", False, False),  # a comma ends a sound
        ("강씨", "Kang Chongseo", False, False),  # the surname, then a sound of it again
        ("연립 내각", "Yeonrip Cabinet", True, True),
        ("연립 내각", "Cabinet of the ional iew of", True, False),  # "of" is a word, not a sound
        ("하프연주", "Harp Performance", True, True),
        ("하프연주", "Harpo", False, False),  # no sound for what the dictionary has
    ],
)
def test_what_a_held_reply_may_start_with_and_end_on(span, reply, starts, ends):
    from index import korean
    from qa.backends.llamacpp import _Held
    from qa.lang.bilingual import wording

    held = wording([(t.form, t.tag) for t in korean.terms(span)], span)
    holding = _Held(held.words, held.groups, held.sounds)
    assert (holding.allows(reply.encode()), holding.ends(reply.encode())) == (starts, ends)


def test_the_real_model_says_a_name_the_dictionary_lacks_by_its_sound(real_llm):
    from index import korean
    from qa.backends.llamacpp import LlamaCppChat
    from qa.backends.worker import WorkerChat
    from qa.core.pointing import PROMPT, render
    from qa.lang.bilingual import hear, wording
    from qa.lang.sound import HELD_SOUND_MIN, sounds_like

    chat = LlamaCppChat(model_path=str(real_llm))
    evidence = "그날 경기에서 가장 많은 점수를 낸 선수는 마이클 조던이었다."
    messages = PROMPT.format_messages(request=render(evidence, "Who scored the most points that day?"))
    span = "마이클 조던"
    terms = [(t.form, t.tag) for t in korean.terms(span)]
    held = wording(terms, span)
    assert held.sounds and not any(held.groups)  # the dictionary has neither word
    said = chat.say_within(messages, f"{span} |", held.words, held.groups, held.sounds)
    # in English letters, sounding like the name at the held bar, and heard as saying it
    assert re.fullmatch(r"[A-Z][a-z]+(?: [A-Z][a-z]+)+", said), said
    assert sounds_like(span, said, HELD_SOUND_MIN) and hear(said, terms, span).says, said
    # without the sounds, nothing says the name: nothing
    assert chat.say_within(messages, f"{span} |", held.words, held.groups) == ""
    assert (
        WorkerChat(model_path=str(real_llm)).say_within(
            messages, f"{span} |", held.words, held.groups, held.sounds
        )
        == said
    )


# Invented evidence, so that no other test has left states for it.
FESTIVAL = ["한빛시는 지난 주말 열린 가을 축제에 관람객 12만명이 다녀갔다고 밝혔다."]
HIRING = ["한빛전자는 내년 상반기에 신입사원 300명을 채용할 계획이다."]


def ask_chat(chat: BaseChatModel, evidence: list[str], question: str) -> AIMessage:
    from qa.core.pointing import PROMPT, render

    return (PROMPT | chat).invoke({"request": render(" ".join(evidence), question)})


def new_tokens(reply: AIMessage) -> int:
    usage = reply.usage_metadata
    assert usage is not None
    return usage["input_tokens"] - usage.get("input_token_details", {}).get("cache_read", 0)


def test_a_prompt_on_evidence_seen_before_reads_only_the_new_question(real_llm):
    from qa.backends.llamacpp import LlamaCppChat

    chat = LlamaCppChat(model_path=str(real_llm), max_tokens=24)
    fresh = LlamaCppChat(model_path=str(real_llm), max_tokens=24, state_cache_mb=0)
    ask_chat(chat, FESTIVAL, "관람객은 몇 명인가요?")
    ask_chat(chat, HIRING, "몇 명을 채용하나요?")  # the context now holds other evidence
    again = ask_chat(chat, FESTIVAL, "축제를 연 곳은 어디인가요?")
    ask_chat(chat, HIRING, "언제 채용하나요?")
    evaluated = ask_chat(fresh, FESTIVAL, "축제를 연 곳은 어디인가요?")

    assert "한빛시" in again.text
    assert again.text == evaluated.text
    # The festival sentence is 30-odd tokens: restored, not read again.
    assert new_tokens(again) + 25 < new_tokens(evaluated), (again.usage_metadata, evaluated.usage_metadata)


def test_prompt_states_stay_within_their_memory(real_llm):
    from qa.backends.llamacpp import LlamaCppChat, load_llama

    market = ["한빛시장은 매주 토요일 오전 7시에 문을 연다."]  # evidence no other test uses
    bridge = ["한빛대교는 총길이 1.2㎞로 2027년 개통할 예정이다."]
    chat = LlamaCppChat(model_path=str(real_llm), max_tokens=8, state_cache_mb=24)  # one state
    states = load_llama(chat.model_path, chat.n_ctx, chat.n_threads).states
    ask_chat(chat, market, "몇 시에 문을 여나요?")
    ask_chat(chat, bridge, "언제 개통하나요?")
    assert len(states) == 1 and 0 < states.size <= 24 << 20
    # The market state made room for the bridge one, so its evidence is read again.
    assert new_tokens(ask_chat(chat, market, "무슨 요일에 여나요?")) > 30
    assert len(states) == 1


def test_an_answer_after_a_judgement_does_not_read_the_instructions_again(real_llm):
    """The judge's prompts push the writer's fixed instructions (~430 tokens, 8-10 s
    here) out of the context; the next answer restores them from a kept state."""
    from qa.backends.llamacpp import LlamaCppChat
    from qa.core import judge

    park = ["한빛공원은 내년 3월 새 단장을 마치고 다시 문을 연다."]  # evidence no other test uses
    chat = LlamaCppChat(model_path=str(real_llm), max_tokens=8)
    ask_chat(chat, FESTIVAL, "관람객은 몇 명인가요?")
    chat.yes_no([judge.PROMPT.format_messages(request=f"Question: 언제 문을 여나요?\nSentence: {park[0]}")])
    reply = ask_chat(chat, park, "언제 문을 여나요?")
    usage = reply.usage_metadata
    assert usage is not None and usage["input_tokens"] > 400
    assert new_tokens(reply) < 150, usage
