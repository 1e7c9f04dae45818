"""Match Latin-script names in an English question to Hangul in the article.

Hangul syllables are romanised one by one (Revised Romanization from jamo
arithmetic, no dependency), then both sides go through one lossy key that
folds the usual spelling variants of Korean names (Koo/Gu, Choi/Choe,
Park/Bak, Lee/I, Hyun/Hyeon, Woo/U, Kim/Gim, Jung/Jeong/Chung ...).
"""
import re
from difflib import SequenceMatcher

_I = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"]
_V = ["a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu", "eu", "ui", "i"]
_F = ["", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "p", "l", "l", "p", "l", "m", "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t"]

def syllable_rr(ch: str, loan: bool = False, initial: bool = False) -> str:
    c = ord(ch) - 0xAC00
    if not 0 <= c < 11172:
        return ch
    i, v, f = c // 588, (c // 28) % 21, c % 28
    if initial and i == 5:                         # word-initial ㄹ (류/리/림/로/라): Yu, I, Im, No, Na
        i = 11 if _V[v].startswith(("y", "i")) else 2
    vowel = _V[v]
    if loan and v == 18 and f == 0 and i != 11:   # epenthetic 'eu' of loanwords: 르 -> r, 스 -> s
        vowel = ""
    return _I[i] + vowel + _F[f]

# surname spellings that the generic folding below cannot reach
_SURNAMES = {"lee": "i", "yi": "i", "rhee": "i", "rhie": "i", "ri": "i", "lim": "im", "rim": "im",
             "ryu": "yu", "yoo": "yu", "you": "yu", "lyu": "yu", "rhyu": "yu", "roh": "no", "noh": "no",
             "ra": "na", "rha": "na", "ryoo": "yu", "yu": "yu", "hur": "heo", "huh": "heo", "pyun": "byeon",
             "yim": "im", "chey": "choe", "rho": "no"}

_VOWELS = {"yeo": "yu", "woo": "u", "eo": "u", "eu": "u", "ae": "e", "ai": "e", "ee": "i", "oo": "u", "ou": "u",
           "ui": "i", "oe": "we", "oi": "we", "wu": "u"}
_VOWEL_RX = re.compile("|".join(sorted(_VOWELS, key=len, reverse=True)))   # one left-to-right pass
_CONS = [(r"sh", "s"), (r"ch", "c"), (r"j", "c"), (r"z", "c"), (r"[gkq]", "k"), (r"[dt]", "t"), (r"[bpfv]", "p"),
         (r"r", "l"), (r"h(?![aeiouwy])", ""), (r"(.)\1+", r"\1")]
_CONS = [(re.compile(a), b) for a, b in _CONS]

def key(latin: str) -> str:
    s = re.sub(r"[^a-z]", "", latin.lower())
    s = re.sub(r"ar(?=[^aeiouwy])", "a", s)            # Park -> Pak
    s = re.sub(r"c(?![hiey])", "k", s)                  # Collins -> Kollins
    s = _VOWEL_RX.sub(lambda m: _VOWELS[m.group()], s)
    for rx, rep in _CONS:
        s = rx.sub(rep, s)
    return s

def latin_key(name: str) -> str:
    """Key of a Latin name such as 'Koo Hyun-mo' (surname first or last)."""
    parts = [p for p in re.split(r"[\s\-]+", name.lower()) if p]
    if parts and parts[0] in _SURNAMES:
        parts[0] = _SURNAMES[parts[0]]
    return key("".join(parts))

_HANGUL_RUN = re.compile(r"[가-힣]+")

def hangul_spans(text: str, max_len: int = 7):
    """(key, start, end, hangul) for every run of 2..max_len syllables inside Hangul words."""
    out = []
    for m in _HANGUL_RUN.finditer(text):
        w = m.group()
        for loan in (False, True):
            rr = [syllable_rr(c, loan) for c in w]
            for a in range(len(w)):
                for b in range(a + 2, min(len(w), a + max_len) + 1):
                    out.append((key("".join(rr[a:b])), m.start() + a, m.start() + b, w[a:b]))
    return out

_SURNAME_WORDS = {"kim", "gim", "lee", "yi", "rhee", "park", "bak", "pak", "choi", "choe", "jung", "jeong", "chung",
    "kang", "gang", "cho", "jo", "yoon", "yun", "jang", "chang", "lim", "im", "rim", "han", "oh", "seo", "suh", "shin",
    "sin", "kwon", "gwon", "hwang", "ahn", "an", "song", "ryu", "yoo", "yu", "hong", "jeon", "chun", "jun", "ko", "go",
    "moon", "mun", "yang", "son", "sohn", "bae", "baek", "paik", "heo", "huh", "hur", "nam", "noh", "roh", "sim", "shim",
    "koo", "ku", "gu", "woo", "kwak", "sung", "seong", "cha", "joo", "ju", "min", "jin", "ji", "um", "eom", "chae", "won",
    "cheon", "bang", "kong", "gong", "hyun", "ham", "byun", "byeon", "yeom", "yum", "choo", "do", "seok", "sun", "seon",
    "sul", "seol", "ma", "gil", "kil", "yeon", "wi", "pyo", "myung", "ki", "gi", "ban", "wang", "keum", "geum", "ok",
    "yook", "yuk", "in", "maeng", "je", "tak", "kook", "guk", "eun", "yong", "ye", "ha", "na", "ra", "ryoo", "lyu"}
# capitalised English words that are no transliteration of anything
_COMMON = {"what", "who", "which", "where", "when", "why", "how", "the", "is", "in", "does", "did", "do", "was", "are",
    "according", "at", "a", "an", "mayor", "minister", "prime", "president", "ceo", "chairman", "governor", "mr", "ms",
    "dr", "korea", "korean", "koreans", "seoul", "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "bank", "central", "national", "new", "north", "south", "east", "west", "island", "city",
    "province", "county", "ministry", "company", "group", "card", "museum", "festival", "policy", "i", "if", "can",
    "will", "should", "could", "would", "has", "have", "had", "there", "this", "that", "it", "and", "or", "for", "on"}
_PERSON = re.compile(r"\b([A-Z][a-z]+)[ ]([A-Z][a-z]+)-([a-z]+)\b|\b([A-Z][a-z]+)-([a-z]+)[ ]([A-Z][a-z]+)\b"
                     r"|\b([A-Z][a-z]+)[ ]([A-Z][a-z]+)\b")
_WORD = re.compile(r"(?<![A-Za-z])[A-Z][a-z]{3,}(?![A-Za-z])")

def name_candidates(question: str):
    """[(kind, latin_key)]: 'person' for Korean-style full names (fuzzy-matched),
    'word' for other capitalised words (exact key match only)."""
    out, used = [], set()
    hyph = re.compile(r"\b([A-Z][a-z]+)[ ]([A-Z][a-z]+)-([a-z]+)\b|\b([A-Z][a-z]+)-([a-z]+)[ ]([A-Z][a-z]+)\b")
    two = re.compile(r"(?=\b([A-Z][a-z]+)[ ]([A-Z][a-z]+)\b)")   # overlapping
    rest = question
    for m in hyph.finditer(question):
        g = m.groups()
        if g[0] and g[0].lower() not in _COMMON:                 # Koo Hyun-mo
            k = latin_key(f"{g[0]} {g[1]}{g[2]}")
        elif g[3] and g[5].lower() not in _COMMON:               # Hyun-mo Koo
            k = latin_key(f"{g[5]} {g[3]}{g[4]}")
        else:                                                    # "Mayor Won-chul"?: take the hyphenated word alone
            k = latin_key((g[1] + g[2]) if g[0] else (g[3] + g[4]))
        out.append(("person", k, m.group()))
        used.update(m.group().replace("-", " ").split())
        rest = rest.replace(m.group(), " " * len(m.group()))
    for m in two.finditer(rest):                                 # Kim Minsu / Minsu Kim
        a, b = m.group(1), m.group(2)
        if a.lower() in _COMMON or b.lower() in _COMMON:
            continue
        keys = ([latin_key(f"{a} {b}")] if a.lower() in _SURNAME_WORDS else []) + \
               ([latin_key(f"{b} {a}")] if b.lower() in _SURNAME_WORDS else [])
        out += [("person", k, f"{a} {b}") for k in keys]
        if keys:
            used.update((a, b))
    for m in _WORD.finditer(question):
        w = m.group()
        if w in used or w.lower() in _COMMON or w.lower() in _SURNAME_WORDS or m.start() == 0:
            continue
        out.append(("word", latin_key(w), w))
    return out

def article_spans(text: str):
    """Index-time: keys of the 2..7-syllable prefixes of every Hangul word (names start words)."""
    spans = []
    for m in _HANGUL_RUN.finditer(text):
        w = m.group()
        for loan in (False, True):
            rr = [syllable_rr(c, loan, initial=(j == 0)) for j, c in enumerate(w)]
            for b in range(2, min(len(w), 7) + 1):
                spans.append((key("".join(rr[:b])), m.start(), m.start() + b, w[:b]))
    return spans

def match_names(question: str, spans, fuzzy: float = 0.9):
    """[(kind, start, end, hangul, similarity, latin)] of question names found in the article."""
    res = []
    for kind, k, latin in name_candidates(question):
        if len(k) < 4:
            continue
        for sk, a, b, h in spans:
            if sk[0] != k[0] or abs(len(sk) - len(k)) > 2:
                continue
            if sk == k:
                res.append((kind, a, b, h, 1.0, latin))
            elif kind == "person" and len(k) >= 8 and (b - a) <= 4:
                r = SequenceMatcher(None, sk, k).ratio()
                if r >= fuzzy:
                    res.append((kind, a, b, h, r, latin))
    return res


def code_switch(question: str, matches) -> str:
    """The question with each matched Latin name replaced by its best Hangul match."""
    best = {}
    for kind, a, b, h, r, latin in matches:
        if latin not in best or (r, len(h)) > best[latin][:2]:
            best[latin] = (r, len(h), h)
    for latin, (_, _, h) in sorted(best.items(), key=lambda kv: -len(kv[0])):
        question = question.replace(latin, h)
    return question
