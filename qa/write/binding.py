"""Does a short answer say what the evidence says about the thing asked?

Every word of a wrong short answer can be in the evidence: a rank that
belongs to the neighbouring item of a list ("구리(2위), 형석(3위), 금" asked
about 금), the wrong one of several names, a title cut to its last part
("최고기술경영자" of "국가 최고기술경영자"). :func:`unbound` accepts an
answer only when

- its value (the words it adds to the question) is found in the evidence;
- the clause (or list item, or parenthesis) holding that value also names
  something the question names, so the value belongs to the question's subject;
- the noun phrase holding the value in the evidence has no qualifier that the
  answer drops and the question does not already give;
- a value the evidence says of several things ("3계의 무명 ... 욕계의 무명")
  comes with the word that tells which;
- a phrase of several nouns it writes is written so in the evidence: "음성
  반송파 주파수" cut to "음성 주파수" names a thing the article does not.

Anything else answers with the evidence sentence instead: a longer answer,
never a wrong one.
"""

from __future__ import annotations

import re

from index import korean
from qa.lang.lexicon import (
    ANSWER_WORDS,
    CLAIM_TAGS,
    CLAUSE_END_TAGS,
    FACT_TAGS,
    FRAME_WORDS,
    HANGUL,
    HANGUL_RUN,
    JAMO,
    NUMBER_TAGS,
    PARTICLES,
    PERSON_TITLES,
    PHRASE_TAGS,
    SUBORDINATORS,
    alternation,
)


def _content(text: str, frame: bool = True) -> list[str]:
    """Content words of ``text``, lower-cased; ``frame=False`` drops the question's frame words."""
    return [t for t, _ in _tagged(text, frame)]


def _tagged(text: str, frame: bool = True) -> list[tuple[str, str]]:
    toks = korean.morphemes(text)
    return [(f.lower(), tag) for f, tag, _, _ in toks if tag in FACT_TAGS and (frame or f not in FRAME_WORDS)]


def unbound(answer: str, question: str, evidence: str) -> str | None:
    """Why ``answer`` is not bound to the question's subject in ``evidence``; ``None`` when it is.

    The words that carry the claim (numbers, names, foreign words; else any
    word the answer adds to the question) must each be bound.
    """
    asked = set(_content(question, frame=False))
    if invented := _invented_phrase(answer, evidence, asked):
        return f"the evidence never writes {invented!r}"
    named_by_question = asked | _stems(question)
    said = _tagged(answer)
    value = [(t, tag) for t, tag in dict.fromkeys(said) if t not in asked]
    claims = [t for t, tag in value if tag in CLAIM_TAGS] or [t for t, _ in value[:1]]
    if not claims:
        return None  # nothing of its own to bind (the restating check judges such answers)
    toks = korean.morphemes(evidence)
    # By surface too: Kiwi may cut the answer's words differently from the evidence's.
    kept = {t for t, _ in said} | asked | {"".join(answer.split()).lower()}
    phrases = [[t[0].lower() for t in run] for run in _runs(korean.morphemes(answer))]
    for claim in claims:
        phrase = next((words for words in phrases if claim in words), [claim])
        if why := _bind(claim, phrase, evidence, toks, named_by_question, kept):
            return why
    if head := _lost_head(answer, evidence, toks, kept):
        return f"the answer drops {head!r}, the noun its phrase names in the evidence"
    return None


def _bind(
    claim: str,
    phrase: list[str],
    evidence: str,
    toks: tuple[korean.Token, ...],
    asked: set[str],
    kept: set[str],
) -> str:
    """Why ``claim`` (a word of the answer's noun phrase ``phrase``) is not bound, or ''."""
    forms = [f.lower() for f, _, _, _ in toks]
    spots = [i for i, f in enumerate(forms) if f == claim]
    if not spots:
        return f"{claim!r} is not a word of the evidence"
    # Where the evidence writes the answer's whole phrase ("음성 주파수"), that is the spot
    # to judge, not another phrase sharing the word ("음성 반송파 주파수").
    at = phrase.index(claim)
    whole = [i for i in spots if forms[i - at : i - at + len(phrase)] == phrase]
    spots = whole or spots
    qualifiers = {_qualifier(toks, i) for i in spots}
    if len(qualifiers) > 1 and not qualifiers & kept:
        # "3계의 무명 ... 욕계의 무명": the claim alone does not say which one.
        named = ", ".join(sorted(q for q in qualifiers if q))
        return f"{claim!r} is said of several things in the evidence ({named}); the answer names none"
    why = ""
    for i in spots:
        clause = _clause(toks, i)
        first, last = toks[clause[0]], toks[clause[-1]]
        # By surface: Kiwi cuts a word differently in the question and the evidence ("형석").
        surface = "".join(evidence[first[2] : last[2] + last[3]].split()).lower()
        if not any(w in surface for w in asked):
            why = f"{claim!r} stands in a clause of the evidence naming nothing the question names"
            continue
        # A number is bound by its clause; a name or title also by the words it is part of.
        lost = "" if toks[i][1] == "SN" else _lost_qualifier(toks, i - at if whole else i, kept)
        if lost:
            why = f"the answer drops {lost!r}, which qualifies {claim!r} in the evidence"
            continue
        return ""
    return why


# The particles and endings that close a word ("형석의", "구리는요").
_PARTICLE = re.compile(f"({alternation(PARTICLES)})+$")


def _stems(question: str) -> set[str]:
    """The question's words without their particles, two characters or more."""
    out = set()
    for word in re.findall(rf"[0-9A-Za-z{HANGUL}]+", question):
        stem = _PARTICLE.sub("", word.lower())
        if len(stem) >= 2 and stem not in FRAME_WORDS:
            out.add(stem)
    return out


def _ends_clause(toks: tuple[korean.Token, ...], k: int) -> bool:
    form, tag = toks[k][0], toks[k][1]
    if tag in CLAUSE_END_TAGS:
        return True
    return form in SUBORDINATORS and k > 0 and toks[k - 1][1] in ("ETM", "ETN")


def _clause(toks: tuple[korean.Token, ...], i: int) -> range:
    """Token indices of the clause holding token ``i``; a parenthesis belongs to the word before it."""
    depth, a = 0, i
    while a > 0:
        tag = toks[a - 1][1]
        if tag == "SSC":
            depth += 1
        elif tag == "SSO":
            if depth == 0:
                a -= 1  # inside a parenthesis: the word it explains is part of the clause
                continue
            depth -= 1
        elif depth == 0 and _ends_clause(toks, a - 1):
            break
        a -= 1
    depth, b = 0, i
    while b + 1 < len(toks):
        tag = toks[b + 1][1]
        if tag == "SSO":
            depth += 1
        elif tag == "SSC":
            depth = max(0, depth - 1)
        elif depth == 0 and _ends_clause(toks, b + 1):
            break
        b += 1
    return range(a, b + 1)


def _qualifier(toks: tuple[korean.Token, ...], i: int) -> str:
    """The word that qualifies token ``i`` from its left: the noun before it, across a
    genitive "의"; for a gloss in parentheses, the glossed word's."""
    word = i - 2 if i >= 2 and toks[i - 1][1] == "SSO" else i  # "무명(無明)": 無明 glosses 무명
    j = word - 1
    if j >= 0 and toks[j][1] == "JKG":
        j -= 1
    if j < 0 or toks[word][2] - (toks[j][2] + toks[j][3]) > 3:
        return ""
    form, tag = toks[j][0], toks[j][1]
    if tag == "XSN" and j > 0 and toks[j - 1][2] + toks[j - 1][3] == toks[j][2]:
        form, tag = toks[j - 1][0] + form, toks[j - 1][1]  # "3계", "국가들"
    return form.lower() if tag in FACT_TAGS else ""


def _lost_qualifier(toks: tuple[korean.Token, ...], i: int, kept: set[str]) -> str:
    """A word joined to the value's noun phrase on its left that the answer leaves out."""
    j = i
    while j > 0:
        form, tag, start, _ = toks[j - 1]
        prev_end = start + toks[j - 1][3]
        if tag not in PHRASE_TAGS or toks[j][2] - prev_end > 1:
            break  # a particle, a punctuation mark or a gap ends the phrase
        if tag in FACT_TAGS and form.lower() not in kept:
            return form
        j -= 1
    return ""


def _lost_head(answer: str, evidence: str, toks: tuple[korean.Token, ...], kept: set[str]) -> str:
    """The noun that ends the evidence's phrase after the answer's, when the answer leaves it
    out: "캐피톨 리프 국립공원" of "캐피톨 리프 국립공원 근처" names another place. Every
    place the evidence writes the answer's phrase must lose it. A person's title after a
    name ("최원석 사장") only says who the person is."""
    flat, at = _flat(evidence)
    for run in _runs(korean.morphemes(answer), min_content=1):
        if all(t[1] in NUMBER_TAGS for t in run if t[1] in FACT_TAGS):
            continue  # numbers have their own check
        text = "".join(answer[run[0][2] : run[-1][2] + run[-1][3]].split()).lower()
        ends = [at[m.end() - 1] + 1 for m in re.finditer(re.escape(text), flat)]
        if not ends:
            continue
        heads = [_head_after(toks, end, kept) for end in ends]
        if all(heads):
            return heads[0]
    return ""


def _head_after(toks: tuple[korean.Token, ...], end: int, kept: set[str]) -> str:
    """The content noun the evidence attaches right after character ``end``, unless kept."""
    nxt = next((t for t in toks if t[2] >= end), None)
    if nxt is None or nxt[1] not in FACT_TAGS or nxt[1] in NUMBER_TAGS or nxt[2] - end > 1:
        return ""
    form = nxt[0]
    low = form.lower()
    if form in PERSON_TITLES or any(low == k or (len(low) >= 2 and low in k) for k in kept):
        return ""
    return form


def _flat(text: str) -> tuple[str, list[int]]:
    """``text`` lower-cased without whitespace, and each of its characters' offset in ``text``."""
    at = [i for i, ch in enumerate(text) if not ch.isspace()]
    return "".join(text[i] for i in at).lower(), at


def _runs(toks: tuple[korean.Token, ...], min_content: int = 2) -> list[list[korean.Token]]:
    """Maximal runs of noun-phrase tokens, each token at most a space from the one before.

    A number ends a run: "세계 2위" for "구리(2위)" in a list of world reserves
    is a paraphrase, and numbers have their own check (``qa.write.support``)."""
    runs: list[list[korean.Token]] = []
    for tok in toks:
        if (tok[1] in PHRASE_TAGS and tok[1] not in NUMBER_TAGS) or tok[1] == "SO":  # SO: "휘도-색차"
            last = runs[-1][-1] if runs and runs[-1] else None
            if last is not None and tok[2] - (last[2] + last[3]) <= 1:
                runs[-1].append(tok)
            else:
                runs.append([tok])
        else:
            runs.append([])
    return [r for r in runs if sum(t[1] in FACT_TAGS for t in r) >= min_content]


def _invented_phrase(answer: str, evidence: str, asked: set[str]) -> str:
    """A phrase of two or more nouns in ``answer`` that ``evidence`` never writes, or ''.
    Phrases of the question's own words are the restating check's to judge.

    Matched without spaces, or as a run of the evidence's words where a
    genitive "의" may sit between them ("몽골 중앙은행 티카드" for "몽골
    중앙은행의 티카드")."""
    flat = "".join(evidence.split()).lower()
    forms = [f.lower() for f, tag, _, _ in korean.morphemes(evidence) if tag != "JKG"]
    for run in _runs(korean.morphemes(answer)):
        if all(t[0].lower() in asked for t in run if t[1] in FACT_TAGS):
            continue
        text = answer[run[0][2] : run[-1][2] + run[-1][3]]
        if "".join(text.split()).lower() in flat:
            continue
        words = [t[0].lower() for t in run]
        if any(forms[k : k + len(words)] == words for k in range(len(forms) - len(words) + 1)):
            continue
        return text
    return ""


# A gloss holds no Korean, not even a lone jamo.
_HANGUL = re.compile(f"[{HANGUL}{JAMO}]")
#: Latin letters, CJK ideographs (Hanja, kanji) and kana: what a gloss is written in.
_GLOSS_LETTER = re.compile(r"[A-Za-z\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def article_term(answer: str, evidence: str) -> str | None:
    """The article's own term with its gloss, when ``answer`` is only the gloss.

    For a Korean question the model sometimes answers with the gloss in
    parentheses, Latin ("luminance-chrominance encoding system") or Chinese
    characters ("金村康右"); the reader asked in Korean and the article names
    the thing in Korean just before it: "휘도-색차 부호화 시스템
    (luminance-chrominance encoding system)", "가네무라 고유(金村康右)".
    """
    gloss = answer.strip().rstrip(".")
    if not gloss or _HANGUL.search(gloss) or not _GLOSS_LETTER.search(gloss):
        return None
    toks = korean.morphemes(evidence)
    for k, (_, tag, start, _) in enumerate(toks):
        if tag != "SSO" or k == 0:
            continue
        close = next((j for j in range(k + 1, len(toks)) if toks[j][1] == "SSC"), None)
        if close is None or close == k + 1:
            continue
        inside = evidence[toks[k + 1][2] : toks[close - 1][2] + toks[close - 1][3]]
        if inside.strip().lower() != gloss.lower():
            continue
        j = k
        while j > 0 and (toks[j - 1][1] in PHRASE_TAGS or toks[j - 1][1] == "SO"):
            if toks[j][2] - (toks[j - 1][2] + toks[j - 1][3]) > 1:
                break
            j -= 1
        if j == k or not HANGUL_RUN.search(evidence[toks[j][2] : start]):
            return None
        return evidence[toks[j][2] : toks[close][2] + 1]
    return None


# A word and its gloss in parentheses: "Rickenbacker(리켄베커)", "무명(無明)".
_GLOSSED_WORD = re.compile(r"([^\s()]+)\s*\(([^()]+)\)")


def restore_glosses(answer: str, evidence: list[str]) -> str:
    """``answer`` with every gloss that only repeats its word ("리켄베커(리켄베커)") written
    as the evidence writes that pair ("Rickenbacker(리켄베커)"): a small model copying a
    glossed term often writes one side twice and loses the other."""
    pairs = [(m.group(1), m.group(2), m.group()) for e in evidence for m in _GLOSSED_WORD.finditer(e)]

    def fix(m: re.Match[str]) -> str:
        word, inside = m.group(1), m.group(2).strip()
        if word != inside:
            return m.group()
        return next((whole for w, g, whole in pairs if inside in (w, g.strip())), m.group())

    return _GLOSSED_WORD.sub(fix, answer)


# Question words that stand for the answer itself, with the particles they take.
_WH_WORD = re.compile(f"^({alternation(ANSWER_WORDS)})(.*)$")
#: Most words between the question's two anchors in the evidence: the answer's length.
MAX_SPAN_WORDS = 6


def cloze_span(question: str, evidence: str) -> str | None:
    """The words of ``evidence`` standing where the question has its question word, when
    the question keeps the evidence's words on both sides of it: "5취온을 무엇 등으로
    여기는가?" and "... 5취온을 '내 것' 등으로 여기는 ..." give "'내 것'". ``None`` when
    the question words are not aligned so (a paraphrase, a question word at an end).

    An independent span finder: an LLM answer that shares nothing with this span names
    something other than what the question's own words frame.
    """
    words = question.split()
    at = next((k for k, w in enumerate(words) if _WH_WORD.match(w)), None)
    if at is None or at == 0 or at + 1 >= len(words):
        return None
    left = _PARTICLE.sub("", words[at - 1].lower())
    right = _PARTICLE.sub("", words[at + 1].strip("?!.").lower()) or words[at + 1].lower()
    if len(left) < 2 or not right:
        return None
    ev = evidence.split()
    low = [w.lower() for w in ev]
    best: tuple[int, int] | None = None
    for i, w in enumerate(low):
        if left not in w:
            continue
        for j in range(i + 2, min(len(ev), i + 2 + MAX_SPAN_WORDS)):
            if low[j].startswith(right):
                if best is None or j - i < best[1] - best[0]:
                    best = (i, j)
                break
    if best is None:
        return None
    return " ".join(ev[best[0] + 1 : best[1]])


def agrees(answer: str, span: str) -> bool:
    """Does ``answer`` share a word's worth (two letters, or the whole of a one-letter
    span) with ``span``?"""
    a, s = (re.sub(r"[^\w]", "", x).lower() for x in (answer, span))
    if not s or s in a:
        return True
    return any(a[k : k + 2] in s for k in range(len(a) - 1))
