"""The prompt an LLM writer sends: fixed instructions and worked examples first (llama.cpp
keeps their evaluated tokens between questions), then the evidence and the question."""

from __future__ import annotations

from langchain_core.prompts import ChatPromptTemplate

from qa.core.rank import Ranked
from qa.write.review import LANGUAGE_NAMES

#: What the LLM replies when the evidence does not answer the question.
DECLINE = "NOT_IN_EVIDENCE"

# The fixed part comes first and never changes, so llama.cpp keeps its
# evaluated tokens between questions and reads only the evidence and question.
INSTRUCTIONS = f"""\
You answer a question about a news article using the evidence sentences given with it.
Rules:
1. Reply with the shortest complete answer to exactly what the Question asks, in the language named after it.
2. Write every name, number, date and unit exactly as the evidence writes it. Add nothing the evidence does \
not say.
3. In English, follow every Korean name or term you translate with the evidence's Hangul in \
parentheses, e.g. Hong Gil-dong (홍길동), the Ministry of Health (보건부).
4. A previous question is only context: answer the Question itself.
5. If no evidence sentence answers the question, reply exactly {DECLINE}"""


def render(evidence: list[str], question: str, language: str, previous: str = "") -> str:
    """The variable part of the prompt, the same for the examples and the real questions."""
    lines = ["Evidence:", *(f"- {' '.join(e.split())}" for e in evidence), ""]
    if previous:
        lines.append(f"Previous question: {previous}")
    lines += [f"Question: {question}", f"Answer in {LANGUAGE_NAMES.get(language, 'English')}."]
    return "\n".join(lines)


# Worked examples about an invented event: a 1.5B model follows a shown answer
# far better than a described one (picking the one person asked about out of
# a list, answering the new question of a follow-up, romanising a name).
_EVENT = [
    "이날 행사에는 김도현 한빛전자 대표, 이수진 한빛시 경제국장, 정민호 한빛대 총장 등 300여명이 참석했다."
]
EXAMPLES = [
    (render(_EVENT, "한빛시 경제국장은 누구인가요?", "ko"), "이수진입니다."),
    (render(_EVENT, "How many people attended?", "en"), "About 300 people."),
    (render(_EVENT, "한빛대는요?", "ko", previous="한빛시 경제국장은 누구인가요?"), "정민호 총장입니다."),
    (
        render(_EVENT, "Who is the CEO of Hanbit Electronics?", "en"),
        "Kim Do-hyun (김도현).",
    ),
    (
        render(_EVENT, "What is Lee Su-jin's position?", "en"),
        "Director of the Economic Bureau of Hanbit City (한빛시 경제국장).",
    ),
]

PROMPT = ChatPromptTemplate.from_messages(
    [("system", INSTRUCTIONS)]
    + [m for user, ai in EXAMPLES for m in (("human", user), ("ai", ai))]
    + [("human", "{request}")]
)

#: Evidence sentences given to the LLM, and how far below the best one they may score
#: (in the ranker's logits: 1.0 is a sentence at least a third as likely as the best).
MAX_EVIDENCE = 3
EVIDENCE_MARGIN = 1.0


def request(ranked: Ranked) -> str:
    """The prompt's last message: evidence, the previous question when the question is
    elliptical, the question.

    Only an elliptical follow-up gets the previous question: a small model
    shown it next to a full question ("그 계약으로 ... 카드는?") tends to
    answer the old one, while the evidence already holds what "그 계약" means.
    """
    q = ranked.query
    previous = q.context if q.elliptical else ""
    return render(evidence_texts(ranked), q.question, q.language, previous)


def evidence_texts(ranked: Ranked) -> list[str]:
    """The best evidence sentence and up to two more that score nearly as well."""
    best = ranked.evidence[0]
    chosen = [best.sentence]
    for ev in ranked.evidence[1:]:
        if len(chosen) >= MAX_EVIDENCE or ev.score < best.score - EVIDENCE_MARGIN:
            break
        if ev.fits and all(ev.sentence.start != s.start for s in chosen):
            chosen.append(ev.sentence)
    return [s.text for s in chosen]
