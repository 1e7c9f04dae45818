"""Kinds of answer a question asks for, and whether a sentence can hold one.

A question for a number is not answered by a sentence without one: "몽골의
인구는 몇 명인가요?" must not be met with a sentence that merely mentions
Mongolia. Each kind pairs a pattern on the question with one on the evidence;
the first kind whose question pattern matches wins, so narrower kinds come first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.lang.lexicon import (
    CLOSING_WORDS,
    EN_AUXILIARIES,
    EN_BE,
    HANGUL,
    HANGUL_RUN,
    MONTHS,
    NOUN_QUESTION_WORDS,
    QUESTION_WORDS,
    REPORTER_TITLES,
    WEEKDAYS,
    alternation,
)
from qa.lang.numbers import DAY_COUNTS, EN_MULTIPLIERS, KO_NUMBER, KO_ORDINAL, NUMBER, SCALE

_MONTHS, _WEEKDAYS, _REPORTER = alternation(MONTHS), alternation(WEEKDAYS), alternation(REPORTER_TITLES)
# "How long did ..." asks a duration, "How long is ..." a length.
_AUXILIARIES = alternation(EN_AUXILIARIES - EN_BE)


@dataclass(frozen=True)
class Kind:
    name: str
    question: re.Pattern[str]
    evidence: re.Pattern[str]


KINDS = (
    Kind(
        "email",
        re.compile(r"이메일|메일|e-?mail|연락처|contact", re.I),
        re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"),
    ),
    Kind(
        "percent",
        re.compile(
            r"몇\s*(%|퍼센트|프로)|퍼센트|비율|점유율|what (percent|percentage|share|proportion)", re.I
        ),
        re.compile(NUMBER + r"\s*(%|퍼센트|프로|percent)|절반|대부분|majority|half", re.I),
    ),
    Kind(
        "money",
        re.compile(
            r"금액|가격|비용|액수|돈(은|이|을)?\s*(얼마|몇)|매출|영업이익|순이익|이익|손실|예산|"
            r"투자액|투자 규모|사업비|자본금|"
            r"시가총액|연봉|월급|수익|몇\s*(원|달러|억|조|만\s*원)|how much (money|did|does|is|was|will)|"
            # a fee or cost by its suffix (참가비, 건설비, 요금, 이적료, 벌금, 집값) asked "얼마";
            # "얼마나 올랐어?" asks a change, which a percentage answers as well
            rf"[{HANGUL}](비|료|금|값)(은|는|이|을|를|으로|로)?\s*얼마"
            r"(?!나\s*(올|오르|늘|줄|내|떨어|인상|인하|상승|하락|증가|감소|변))|"
            r"\b(price|cost|revenue|profit|budget|salary|sales|worth|market cap|valuation|fees?|fares?|"
            r"tuition|tolls?|wages?)\b",
            re.I,
        ),
        re.compile(
            NUMBER + SCALE + r"\s*(원|달러|유로|엔|위안|파운드|억|조|백만|"
            rf"dollars?|won|euros?|{alternation(EN_MULTIPLIERS)})|[$€£¥₩]\s*\d",
            re.I,
        ),
    ),
    Kind(
        "quote",
        # "뭐라고 불러/해/하나요?" asks what a thing is called, not what someone said
        re.compile(
            r"뭐라고(?!\s*(불|부르|부른|해(?!서)|하[는나지니]|할|일컫|칭))|무슨 말|어떤 말|소감|발언|"
            r"what did .{2,40} say|what .{2,40} said|\bquote",
            re.I,
        ),
        re.compile(r"[\"“”'‘’「」『』][^\"“”'‘’「」『』]{6,}[\"“”'‘’「」『』]"),
    ),
    Kind(
        "byline",
        re.compile(
            r"누가\s*(썼|쓴|작성)|쓴\s*(사람|기자)|기자(는|가)?\s*(누구|이름)|작성자|글쓴이|필자|"
            r"who (wrote|is the (author|reporter|writer))|\bauthor\b|\breporter\b|\bbyline\b|written by",
            re.I,
        ),
        re.compile(rf"[{HANGUL}]{{2,4}}\s*({_REPORTER})(?![{HANGUL}])|\b[Bb]y [A-Z][a-z]+|reporter", re.I),
    ),
    Kind(
        # how long something lasts or took: "며칠 동안", "몇 분 만에", "얼마나 걸렸어?"; an
        # hour of the day ("밤 9시") or a count of other things does not answer it
        "duration",
        re.compile(
            r"(몇\s*(초|분|시간|일|주|주일|개월|달|년|해)|며칠|얼마나?)\s*(동안|간|만에|걸)|얼마나\s*오래|"
            # "며칠을 버텼어?" counts days; "며칠에" names one
            r"며칠(을|이나|씩)|"
            rf"how long ({_AUXILIARIES})\b|"
            r"how many (seconds|minutes|hours|days|weeks|months|years)",
            re.I,
        ),
        re.compile(
            NUMBER
            + r"\s*(초|분|시간|일|주|개월|달|년|해)|"
            + KO_NUMBER
            + r"\s*(시간|개월|달|주일)|"
            + KO_NUMBER
            + r"\s+(초|분|일|주|년|해)|"
            + alternation(DAY_COUNTS)
            + r"|\b(seconds?|minutes?|hours?|days?|weeks?|months?|years?)\b",
            re.I,
        ),
    ),
    Kind(
        "clock",
        re.compile(r"몇\s*시(?!간)|what time|at what time", re.I),
        re.compile(NUMBER + r"\s*시(?!간)|\d{1,2}:\d\d|\b[ap]\.?m\b", re.I),
    ),
    Kind(
        "month",
        re.compile(r"몇\s*월|what month|which month", re.I),
        re.compile(
            NUMBER + rf"\s*월|\b({_MONTHS})\b",
            re.I,
        ),
    ),
    Kind(
        "year",
        re.compile(r"몇\s*년도?(?!\s*(동안|간|째|만))|연도|what year|which year", re.I),
        re.compile(
            r"(?<!\d)(19|20)\d\d(?!\d)|" + NUMBER + r"\s*년(?!\s*(동안|간))|지난해|올해|작년|내년", re.I
        ),
    ),
    Kind(
        "date",
        re.compile(r"언제|며칠|몇\s*(년|월|일|시)|날짜|연도|what (year|date|day|time)|\bwhen\b", re.I),
        re.compile(
            NUMBER + r"\s*(년|월|일|시)|지난해|올해|작년|내년|이날|오늘|어제|내일|금일|전날|다음날|"
            rf"(19|20)\d\d|\b({_MONTHS}|{_WEEKDAYS})\b",
            re.I,
        ),
    ),
    Kind(
        "age",
        re.compile(r"몇\s*(살|세)|나이|연세|how old|\bage\b", re.I),
        re.compile(NUMBER + rf"\s*(살|세)(?![{HANGUL}])|[{HANGUL}]\s*\(\s*\d{{2}}\s*\)|\baged?\s+\d", re.I),
    ),
    Kind(
        "ordinal",
        re.compile(r"몇\s*번째|몇\s*(번|차례)?\s*째|몇\s*대|which (time|place)", re.I),
        re.compile(
            NUMBER + r"\s*(번째|차|회|대|위)|" + KO_ORDINAL + r"\s*(번\s*)?째|"
            r"최초|처음|(first|second|third)\b",
            re.I,
        ),
    ),
    Kind(
        # a count of people is written with its counter: "10만여명", "세 명", "3인"
        "headcount",
        re.compile(
            r"몇\s*명|how many (people|persons|men|women|children|visitors|tourists|employees|workers|"
            r"members|students|residents|users|fans|soldiers|passengers|players|spectators)",
            re.I,
        ),
        re.compile(
            "(" + NUMBER + "|" + KO_NUMBER + ")" + SCALE + rf"\s*(명|인(?![{HANGUL}]))|\b(people|persons)\b",
            re.I,
        ),
    ),
    Kind(
        "number",
        re.compile(
            rf"몇|얼마나?|규모|[{HANGUL}]\s+수(는|가)?\s*(\?|$|얼마|몇)|개수|인원수|"
            r"how (many|much|long|far|old)|what (number|amount)|\brank|\bratio|\bcount",
            re.I,
        ),
        re.compile(NUMBER + "|" + KO_NUMBER + r"\s*(명|개|곳|종|위|번|배|차례)", re.I),
    ),
)

_BY_NAME = {k.name: k for k in KINDS}

#: Kinds whose answer is a value that a short answer writes itself (a number, a date, a
#: sum); a quote, a byline or an address may be given in other words or by a name alone.
VALUES = frozenset(_BY_NAME) - {"email", "quote", "byline"}


#: A kind's pattern that holds a question word asks wherever it stands.
_WH = re.compile(alternation(QUESTION_WORDS))
_CLOSING = re.compile(alternation(CLOSING_WORDS))


def asked(question: str) -> str | None:
    """The kind of answer ``question`` asks for, or None for an open question.

    A Korean question asks at its end: in "1,100만 달러의 수익을 거둔 영화는?"
    the "수익" sets the scene and a film is asked for. So a kind's word counts
    there only in the question's last phrase, unless it is a question word
    itself ("몇 명", "얼마"). On the training titles a kind named earlier was
    the kind of the answer in 1 of 30 answerable questions (fit/README.md).
    """
    korean = bool(HANGUL_RUN.search(question))
    for kind in KINDS:
        for m in kind.question.finditer(question):
            if not korean or _WH.search(m.group(0)) or _asks_at_end(question[m.end() :]):
                return kind.name
    return None


def _asks_at_end(tail: str) -> bool:
    """Is what follows a kind's word only the end of the question ("은?", "는 얼마인가요?")?"""
    return all(_CLOSING.match(word) for word in tail.split()[1:])


def named(kind: str) -> str:
    """The kind with its article, for the reasons kept in ``Answer.meta``: "an ordinal"."""
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def holds(kind: str | None, text: str) -> bool:
    """Can ``text`` hold an answer of this kind? Open questions: always."""
    return kind is None or bool(_BY_NAME[kind].evidence.search(text))


# --- questions about the article itself --------------------------------------------------------

#: "이 기사", "본 기사": the article itself, which no earlier turn is needed to know.
THIS_ARTICLE = re.compile(r"(?:이|본|해당)\s*(?:기사|글|뉴스)")
# The question names the article: "이 기사", "기사가 ..." at its start, "this article",
# "is this from", "was this published", "언론사 기사야?".
_SELF = re.compile(
    r"(?:이|본|해당)\s*(?:기사|글|뉴스)|^\s*(?:기사|글|뉴스)(?:\s|가|는|의|이|$)|"
    r"(?:언론사|신문|매체|방송사|통신사)\s*기사\S{0,4}\s*\??\s*$|"
    r"\bthis (?:article|story|piece|news|report)\b|\b(?:this|it) (?:from|published|written|posted)\b|"
    r"\bwas (?:this|it)(?: article| story)? (?:published|written|posted|released|filed)\b|\bthe article\b",
    re.I,
)
_ARTICLE = r"(?:이\s*)?(?:기사|글|뉴스|보도)"
_PUBLISHED = re.compile(
    rf"{_ARTICLE}.{{0,8}}(?:언제|날짜|며칠|몇\s*시)|언제\s*(?:나온|나왔|쓴|썼|쓰인|작성|보도|올라온|올라왔|게재|발행|송고|입력)|"
    r"(?:작성|입력|보도|게재|발행|송고)\s*(?:일|일자|일시|시간|시각|날짜)|"
    r"when was (?:this|it)(?: article| story)? (?:published|written|posted|released|filed)|"
    r"when was the (?:article|story) (?:published|written|posted|released|filed)|"
    r"publication (?:date|time)|date of (?:this|the) (?:article|story)",
    re.I,
)
_OUTLET = re.compile(
    rf"(?:{alternation(NOUN_QUESTION_WORDS)})\s*(?:언론사|언론|신문사|신문|매체|방송사|통신사)|"
    r"(?:출처|언론사|신문사|매체|통신사)\s*(?:가|는|이|은)?\s*(?:어디|뭐|무엇)|어디\s*(?:기사|신문|언론|매체)|"
    r"which (?:newspaper|outlet|paper|news agency|publication|media)|what (?:outlet|newspaper|publication)|"
    r"who published",
    re.I,
)


def about_the_article(question: str) -> str | None:
    """``"published"`` or ``"outlet"`` when ``question`` asks it of the article itself
    (``index.meta`` answers it), else None: "어느 매체에서 보도했어?" asks about what
    the article reports. Who wrote it is the "byline" kind's."""
    if not _SELF.search(question):
        return None
    if _PUBLISHED.search(question):
        return "published"
    if _OUTLET.search(question):
        return "outlet"
    return None


# "영어로", "한국어로 다시 말해줘", "in English, please": the whole turn asks only for the
# language of the answer, so it asks the previous question again in that language.
_KO_LANGUAGES = {"en": r"(?:영어|영문)", "ko": r"(?:한국어|한국말|한글|국문|우리말)"}
_EN_LANGUAGES = {"en": "english", "ko": "korean"}
_KO_SWITCH = (
    r"^(?:다시\s*)?{lang}\s*(?:로|으로)\s*(?:다시\s*)?"
    r"(?:(?:말|답|대답|설명|번역|요약)?\s*(?:해|하|알려|써|적어|보여)\S*)?\s*$"
)
_EN_SWITCH = (
    r"^(?:\w+ you\s+)?(?:please\s+)?"
    r"(?:(?:say|answer|reply|write|tell me|explain|translate|repeat)(?:\s+\w+)?\s+)?"
    r"(?:again\s+)?in\s+{lang}(?:\s+(?:again|please))?$|^{lang}\s*(?:please)?$"
)


def reply_language(question: str) -> str | None:
    """``"en"`` or ``"ko"`` when ``question`` only asks for the previous answer in that
    language ("영어로", "한국어로 다시 말해줘", "in English, please"), else None."""
    q = " ".join(question.lower().split()).strip(" ?!.~")
    for code, lang in _KO_LANGUAGES.items():
        if re.match(_KO_SWITCH.format(lang=lang), q):
            return code
    for code, lang in _EN_LANGUAGES.items():
        if re.match(_EN_SWITCH.format(lang=lang), q.replace(",", "")):
            return code
    return None
