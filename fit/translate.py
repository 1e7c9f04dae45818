"""English questions translated by the bundled LLM, as one more signal of the cross-lingual
ranker and decision, fitted on the training titles (session 16; not shipped: fit/README.md).

    python -m fit.translate extract fit/data     # the real pipeline and the real LLM (~25 min here)
    python -m fit.translate fit fit/data [--write]

``extract`` asks each English question of ``para.jsonl`` (joined to the cases by
``qid``) of the real pipeline: the cross-lingual signals of every sentence
(``qa.core.crosslingual.sentence_signals``, as ``fit/xling.py``), the LLM's
Korean translation of the question with its romanised names in Hangul
(:func:`translate`, a few worked examples first), and the Korean ranker's scores and
decision for that translation. Translations go to ``DATA/translations.jsonl``
(kept: a rerun reads them instead of asking the LLM again); the rest to
``DATA/translate.pkl``. ``fit`` is ``fit/translate_fit.py``.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from qa.lang.lexicon import HANGUL_RUN

INSTRUCTIONS = (
    "Translate the user's English question into Korean. Keep every Hangul word as it is. "
    "Reply with the Korean question only."
)
#: Worked examples (made up, about no article we measure on): the fixed start of every
#: prompt, which llama.cpp reads once and reuses.
EXAMPLES = (
    ("Who founded the company 삼성?", "삼성을 세운 사람은 누구인가?"),
    ("In what year did 박지성 join Manchester United?", "박지성은 몇 년에 맨체스터 유나이티드에 입단했나?"),
    ("How many people attended the festival in Busan?", "부산 축제에는 몇 명이 참석했나?"),
)
#: A question's translation is short; a longer reply has run on.
MAX_TOKENS = 48


def prompt(question: str) -> list[BaseMessage]:
    messages: list[BaseMessage] = [SystemMessage(INSTRUCTIONS)]
    for english, korean in EXAMPLES:
        messages += [HumanMessage(english), AIMessage(korean)]
    return [*messages, HumanMessage(" ".join(question.split()))]


def translate(model: Any, question: str) -> str:
    """``question`` in Korean by ``model`` (a LangChain chat model), or "" when its reply
    is no Korean question (no Hangul, or cut off at :data:`MAX_TOKENS`)."""
    reply = model.invoke(prompt(question), stop=["\n"], max_tokens=MAX_TOKENS)
    text = " ".join(str(reply.content).split())
    finish = (getattr(reply, "response_metadata", None) or {}).get("finish_reason")
    if finish == "length" or not HANGUL_RUN.search(text):
        return ""
    return re.sub(r"^(?:Korean|한국어)\s*:\s*", "", text)


#: What the translation adds to every sentence's cross-lingual signals: the Korean ranker's
#: logit for the translation, relative to its best sentence (floored: a sentence it did not
#: rank, or put out of reach, gets the floor), and whether it is that best sentence.
SENTENCE_EXTRA = ("ko_rel", "ko_top")
#: What it adds to the cross-lingual decision: whether there is a translation, the Korean
#: decision's logit for it, and how the pick stands with the Korean ranker.
DECISION_EXTRA = ("translated", "ko_p", "ko_agree", "ko_rel_pick")
FLOOR = 10.0


def sentence_extra(n: int, ko_scores: dict[int, float]) -> np.ndarray:
    """(n, len(SENTENCE_EXTRA)) for an article of ``n`` sentences; all zero without a
    translation (no sentence is told apart)."""
    out = np.zeros((n, len(SENTENCE_EXTRA)))
    if not ko_scores:
        return out
    best_id = max(ko_scores, key=lambda i: ko_scores[i])
    best = ko_scores[best_id]
    out[:, 0] = -FLOOR
    for i, s in ko_scores.items():
        out[i, 0] = max(s - best, -FLOOR)
    out[best_id, 1] = 1.0
    return out


def decision_extra(
    logits: np.ndarray, ko_scores: dict[int, float], p_ko: float, translated: bool
) -> np.ndarray:
    """The values of :data:`DECISION_EXTRA` for the best of ``logits``."""
    if not translated or not ko_scores:
        return np.zeros(len(DECISION_EXTRA))
    pick = int(np.argmax(logits))
    extra = sentence_extra(len(logits), ko_scores)
    p = min(max(p_ko, 1e-4), 1 - 1e-4)
    return np.array([1.0, math.log(p / (1 - p)), extra[pick, 1], extra[pick, 0] / FLOOR])


def extract(data: Path, limit: int | None = None) -> list[dict]:
    """``fit.xling``'s rows, each with the question's translation and what the Korean
    ranker made of it."""
    from fit.features import bundled_chat
    from fit.xling import extract as signal_rows
    from qa.core import crosslingual as xl
    from qa.core.understand import understand

    cache = data / "translations.jsonl"
    known: dict[str, str] = {}
    if cache.exists():
        with open(cache, encoding="utf-8") as f:
            known = {r["qid"]: r["ko"] for r in map(json.loads, f)}
    llm = bundled_chat()
    with open(cache, "a", encoding="utf-8") as sink:

        def translated(pipe: Any, c: dict) -> dict:
            if c["id"] not in known:
                switched, _ = xl.switch_names(c["question"], pipe._xling_index())
                known[c["id"]] = translate(llm, switched)
                sink.write(json.dumps({"qid": c["id"], "ko": known[c["id"]]}, ensure_ascii=False) + "\n")
                sink.flush()
            ko = known[c["id"]]
            if not ko:
                return {"ko": ko, "ko_scores": {}, "p_ko": 0.0, "expects_ko": None}
            ranked = pipe.rank(pipe.retrieve(understand(ko, [])))
            return {
                "ko": ko,
                "ko_scores": {ev.sentence.id: ev.score for ev in ranked.evidence},
                "p_ko": ranked.p_answer,
                "expects_ko": ranked.query.expects,
            }

        return signal_rows(data, limit, translated)


if __name__ == "__main__":
    from fit.xling import main

    main(__doc__, "translate", extract, "fit.translate_fit")
