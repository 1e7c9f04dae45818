"""The words and tags that questions, answers and articles are read with: one list each.

Where two modules need different lists of one kind of word, both are here, the
narrower as a named subset of the wider, with the reason they differ.
``tests/test_lexicon.py`` checks that no other module of ``qa`` writes such a
list again. Numbers are read in :mod:`qa.lang.numbers`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of ``words``, longest first so that none hides a longer one."""
    return "|".join(sorted((re.escape(w) for w in words), key=lambda w: (-len(w), w)))


# --- scripts ---------------------------------------------------------------------------------------

#: Hangul syllables, as a character range to put in a class: ``f"[{HANGUL}]"``.
HANGUL = "가-힣"
#: The compatibility jamo ("ㅋㅋ", "ㄱ"), Korean too though no syllable.
JAMO = "ㄱ-ㆎ"
HANGUL_RUN = re.compile(f"[{HANGUL}]+")

# --- Korean question words ---------------------------------------------------------------------------

#: Every Korean question word, as a word or a token. Narrower lists below are subsets.
QUESTION_WORDS = frozenset(
    "무엇 뭐 누구 누가 어디 언제 몇 얼마 얼마나 어떤 어느 무슨 며칠 몇일 언제쯤 왜 어떻게 어때 뭘 뭔가요 "
    "무엇인가요".split()
)
#: Those that ask for something a noun has: the noun before one is what is asked about
#: ("영업이익은 얼마"). "왜" and "어떻게" ask about an event instead ("KT는 왜 ...?").
NOUN_QUESTION_WORDS = QUESTION_WORDS - {"왜", "어떻게", "어때"}
#: Those that stand where the answer goes, as a noun would, with the particles they take
#: ("무엇을", "누가", "언제부터"): a determiner such as "몇" or "어떤" needs its noun.
ANSWER_WORDS = frozenset("무엇 뭐 누구 누가 어디 언제 얼마".split())
#: What may follow a kind's word at the end of a question (as a word's beginning): a question
#: word asking that word's own value ("가격은 얼마", "어떻게 되나요"), the copula or "되다"
#: ("...인가요"), a request ("알려줘"). "누구", "어디" and "언제" are left out: after "가격은"
#: they ask for something else.
CLOSING_WORDS = frozenset("어떻게 얼마 무엇 뭐 몇 어느 어떤".split()) | frozenset(
    "되 이 인 입 일 였 이었 알려 말해 좀".split()
)

# --- words that frame a question --------------------------------------------------------------------

#: English question words.
EN_QUESTION_WORDS = frozenset("what who whom whose which when where why how".split())
#: English pronouns and demonstratives.
EN_PRONOUNS = frozenset("it its they them their he she his her this that these those there".split())
#: English auxiliaries: the forms of "be" apart, as "How long is the bridge?" asks a length
#: where "How long did the strike last?" asks a duration.
EN_BE = frozenset("is are was were".split())
EN_DO = frozenset("do does did".split())
EN_MODALS = frozenset("has have had can will should could would".split())
EN_AUXILIARIES = EN_BE | EN_DO | EN_MODALS
EN_ARTICLES = frozenset("the a an".split())
#: The English function words a question is framed with.
#: Words an English rendering sets between the words that say the Korean ("Stairs of Heaven").
EN_JOINERS = EN_ARTICLES | frozenset("of in on to for by with at from and or".split())
EN_FUNCTION_WORDS = EN_PRONOUNS | EN_BE | EN_DO | EN_JOINERS | frozenset("as any many much".split())
#: Honorifics before an English name.
EN_HONORIFICS = frozenset("mr ms mrs dr".split())
#: Every English word that names nothing: the function words and more that may open a
#: sentence ("According to", "However", "Today").
EN_STOPWORDS = (
    EN_QUESTION_WORDS
    | EN_FUNCTION_WORDS
    | EN_MODALS
    | EN_HONORIFICS
    | frozenset(
        """about over under after before since during according approximately around roughly nearly
        more less most some both all each every no not yes one but so yet if then because while although
        it's i we you our your here also only just however currently today yesterday""".split()
    )
)

#: English words of a question that tell no sentence from another, beside EN_STOPWORDS: a
#: dictionary glosses them ("first" 처음, "name" 이름), and any sentence may write those.
EN_VAGUE_WORDS = frozenset("been being into between than first name kind type".split())
#: What a dictionary's English equivalent may open with ("to sign", "be born", "a mask").
EN_DEFINITION_LEADS = EN_ARTICLES | frozenset({"to", "be"})

#: Words that shape a question rather than name its subject. They are left out when we
#: measure how much of a question the evidence covers. The English part keeps to the
#: function words a question is framed with, not all of EN_STOPWORDS: the fitted models
#: were trained on the terms this set leaves.
FRAME_WORDS = (
    QUESTION_WORDS
    | EN_QUESTION_WORDS
    | EN_FUNCTION_WORDS
    | frozenset(
        """
        이름 정도 약 곳 것 해 년 월 일 날 시 분 명 개 종 종류 퍼센트 프로 위 순위 번째 사람 뜻 의미 내용 기사
        대해 관련 경우 때 가지 말 하 되 있 이 그 저 요 거 게 건 알 수 주 좀 해당 혹시 다 모두 각각 직책 직위
        직함 기관 부처 단체 회사 기업 나라 국가 도시 장소 역할 목적 이유 방법 분야 산업 의 총 정확히 대략 쯤
        가량 대충 영어 영문 한국어 국문 한글 약자 약어 명칭 정식 풀네임 표기 살 세 나이 주소 메일 이메일
        연락처 사이 간 동안 이후 이전 전 후 당시 함께 통해 위해
        name names article say says said tell told mean means
        """.split()
    )
)

# --- a question that leans on the previous one --------------------------------------------------------

#: Korean pronouns and demonstratives that point back ("그걸 쓰는 사람은?").
ANAPHORA = frozenset(
    "그 이 저 그거 그것 이거 이것 저것 거기 그곳 이곳 그들 이들 그녀 그분 이분 해당 그런 이런 그때 "
    "당시".split()
)
#: English ones: the pronouns, but "this" and "that" alone are too often "this year" or
#: "the company that", so only "that one".
EN_ANAPHORA = (EN_PRONOUNS - {"this", "that"}) | {"that one"}
#: Words that open a follow-up ("그럼 구리는?", "What about Ohio?").
CONNECTIVES = ("그럼", "그러면", "그리고", "또", "그건", "그거", "그게", "그걸")
EN_CONNECTIVES = ("and", "also", "what about", "how about")

# --- particles and tags -----------------------------------------------------------------------------

#: Particles and endings that close a question's words ("형석의", "매장량은", "구리는요").
PARTICLES = tuple("은 는 이 가 을 를 의 에 에서 으로 로 와 과 도 만 까지 부터 요 는요 은요".split())

#: Kiwi tags of what names a question's subject: nouns, bound nouns, roots, foreign words,
#: numbers, hanja. Verb and adjective stems change with voice and tense ("열렸나요" /
#: "열었다"), so a subject is judged by its nouns.
NOUN_TAGS = frozenset({"NNG", "NNP", "NNB", "XR", "SL", "SN", "SH"})
#: ... of what can carry an answer's fact: a numeral ("셋") can, a bound noun ("것") cannot.
FACT_TAGS = (NOUN_TAGS - {"NNB"}) | {"NR"}
#: ... of the facts an answer claims of its own: names, numbers, foreign words.
CLAIM_TAGS = FACT_TAGS - {"NNG", "XR"}
#: ... of a number, in digits or a word ("셋").
NUMBER_TAGS = frozenset({"SN", "NR"})
#: ... of a noun phrase: the nouns and the affixes and determiners that glue them into one.
PHRASE_TAGS = NOUN_TAGS | FACT_TAGS | {"XPN", "XSN", "MM"}
#: Topic, subject and genitive particles mark what a question asks about: "영업이익은
#: 얼마", "총재의 이름은 무엇". An adverbial one ("1년에 몇 명") marks a circumstance.
FOCUS_PARTICLE_TAGS = frozenset({"JX", "JKS", "JKG"})
#: A comma, a connective ending ("받아", "하며") or the end of a sentence closes a clause.
CLAUSE_END_TAGS = frozenset({"SP", "EC", "SF"})
#: The nouns that make an adverbial clause of a verb's ending: "-기 때문에", "-는 동안",
#: "-ㄹ 때", "-ㄴ 후" say what the main clause's subject is not.
SUBORDINATORS = frozenset({"때문", "동안", "때", "후", "뒤", "전", "사이", "가운데", "반면", "대신"})

# --- people -----------------------------------------------------------------------------------------

#: Who signs an article ("홍길동 기자").
REPORTER_TITLES = ("기자", "특파원", "논설위원", "통신원")
#: Titles that follow a person's name in Korean news ("BC카드 최원석 사장", "구현모 KT 대표").
PERSON_TITLES = REPORTER_TITLES + tuple(
    "사장 대표 장관 차관 총재 회장 부회장 총리 대통령 의원 교수 연구원 위원장 본부장 단장 실장 부장 팀장 "
    "이사 국장 청장 시장 지사 원장 소장 센터장 감독 선수 변호사 박사 작가 씨 CEO CTO COO".split()
)
#: English titles and the Korean titles they translate (each one of PERSON_TITLES).
EN_TITLES = {
    "president": ("사장", "대표", "총재", "대통령", "회장"), "ceo": ("대표", "사장"), "chairman": ("회장",),
    "governor": ("총재",), "mayor": ("시장",), "minister": ("장관",), "prime": ("총리",),
    "director": ("단장", "본부장", "실장"), "head": ("단장", "본부장", "실장", "대표"), "reporter": ("기자",),
}  # fmt: skip

# --- English words of a Korean article's names ---------------------------------------------------------

#: Common English words that translate Hangul words of an article: an English answer's
#: word is supported when the evidence has one of its Hangul forms. A seed list, not a
#: dictionary.
GLOSSARY = EN_TITLES | {
    "korea": ("한국", "韓", "대한민국", "국내"), "korean": ("한국", "韓", "국내"),
    "koreans": ("한국인", "국민"), "mongolia": ("몽골",), "mongolian": ("몽골",),
    "mongolians": ("몽골인", "몽골 국민", "몽골"), "seoul": ("서울",), "card": ("카드",), "bank": ("은행",),
    "central": ("중앙",), "government": ("정부",), "ministry": ("부",), "chief": ("최고",),
    "foundation": ("재단",), "digital": ("디지털",), "policy": ("정책",), "health": ("건강", "보건"),
    "medical": ("의료",), "mou": ("MOU", "업무협약"), "memorandum": ("MOU", "업무협약"),
    "understanding": ("MOU", "업무협약"), "copper": ("구리",), "gold": ("금",), "iron": ("철",),
    "zinc": ("아연",), "fluorite": ("형석",), "rare": ("희토류",), "earth": ("희토류",),
    "earths": ("희토류",),
}  # fmt: skip
#: English words of the names of Korean places and bodies, translated rather than
#: transliterated ("Bank of Korea", "North Gyeongsang Province", "Seoul Museum").
EN_NAME_WORDS = frozenset(
    """korea korean koreans seoul bank central national new north south east west island city province
    county ministry company group card museum festival policy""".split()
)
#: Small words inside an English name ("Bank of Mongolia", "Ministry of Environment and Tourism").
NAME_JOINERS = frozenset({"of", "and", "for", "the", "de"})

# --- dates --------------------------------------------------------------------------------------------

MONTHS = tuple(
    "january february march april may june july august september october november december".split()
)
WEEKDAYS = tuple("monday tuesday wednesday thursday friday saturday sunday".split())
#: The Korean weekdays, in the order of WEEKDAYS: "월" + "요일" is Monday.
KO_WEEKDAYS = tuple("월화수목금토일")

# --- values in English ---------------------------------------------------------------------------

#: Korean counters and units, to (singular, plural) English (``qa.lang.english``); "" when English writes the
#: bare number ("29.97 개" -> "29.97").
EN_UNITS = {
    "명": ("person", "people"), "인": ("person", "people"), "개": ("", ""), "곳": ("place", "places"),
    "가지": ("kind", "kinds"), "종": ("kind", "kinds"), "권": ("volume", "volumes"),
    "회": ("time", "times"), "번": ("time", "times"), "차례": ("time", "times"), "배": ("times", "times"),
    "세": ("year old", "years old"), "살": ("year old", "years old"),
    "년": ("year", "years"), "개월": ("month", "months"), "달": ("month", "months"),
    "주": ("week", "weeks"), "주일": ("week", "weeks"), "일": ("day", "days"),
    "시간": ("hour", "hours"), "분": ("minute", "minutes"), "초": ("second", "seconds"),
    "원": ("won", "won"), "달러": ("dollar", "dollars"), "유로": ("euro", "euros"), "엔": ("yen", "yen"),
    "위안": ("yuan", "yuan"), "파운드": ("pound", "pounds"), "프랑": ("franc", "francs"),
    "루블": ("ruble", "rubles"), "페소": ("peso", "pesos"), "마르크": ("mark", "marks"),
    "%": ("%", "%"), "퍼센트": ("percent", "percent"), "프로": ("percent", "percent"),
    "%포인트": ("percentage point", "percentage points"), "%p": ("percentage point", "percentage points"),
    "킬로미터": ("kilometre", "kilometres"), "미터": ("metre", "metres"),
    "센티미터": ("centimetre", "centimetres"), "킬로그램": ("kilogram", "kilograms"),
    "톤": ("tonne", "tonnes"), "도": ("degree", "degrees"), "점": ("point", "points"),
    "골": ("goal", "goals"), "경기": ("game", "games"), "승": ("win", "wins"), "패": ("loss", "losses"),
    "표": ("vote", "votes"), "석": ("seat", "seats"), "가구": ("household", "households"),
    "개국": ("country", "countries"), "척": ("ship", "ships"), "편": ("work", "works"),
    "마리": ("animal", "animals"), "비트": ("bit", "bits"),
    "채": ("house", "houses"), "기": ("", ""), "층": ("storey", "storeys"),
}  # fmt: skip
#: Counters that make an ordinal: "3위" is 3rd place, "2번째" the 2nd.
EN_ORDINAL_UNITS = {"위": " place", "등": " place", "번째": "", "째": "", "차": ""}
#: Words before a value and how English says them.
EN_BEFORE_VALUE = {
    "약": "about", "대략": "about", "거의": "almost", "총": "a total of", "모두": "", "무려": "as many as",
    "최대": "up to", "최소": "at least", "적어도": "at least", "단": "only", "불과": "only",
}  # fmt: skip
#: Words after a value's number or unit.
EN_AFTER_VALUE = {
    "여": "more than", "이상": "or more", "이하": "or less", "미만": "less than", "초과": "more than",
    "가량": "about", "정도": "about", "쯤": "about", "내외": "about", "안팎": "about", "남짓": "just over",
}  # fmt: skip
