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

def syllable_rr(ch: str, loan: bool = False) -> str:
    c = ord(ch) - 0xAC00
    if not 0 <= c < 11172:
        return ch
    i, v, f = c // 588, (c // 28) % 21, c % 28
    vowel = _V[v]
    if loan and v == 18 and f == 0 and i != 11:   # epenthetic 'eu' of loanwords: 르 -> r, 스 -> s
        vowel = ""
    return _I[i] + vowel + _F[f]

# surname spellings that the generic folding below cannot reach
_SURNAMES = {"lee": "i", "yi": "i", "rhee": "i", "rhie": "i", "ri": "i", "lim": "im", "rim": "im",
             "ryu": "yu", "yoo": "yu", "you": "yu", "lyu": "yu", "rhyu": "yu", "roh": "no", "noh": "no",
             "ra": "na", "rha": "na", "ryoo": "yu", "yu": "yu", "hur": "heo", "pyun": "byeon"}

_FOLD = [
    (r"[^a-z]", ""), (r"ar(?=[^aeiouwy])", "a"), (r"c(?![hiey])", "k"),          # Park -> pa k
    (r"ee", "i"), (r"oo", "u"), (r"ou", "u"), (r"eo", "u"), (r"eu", "u"), (r"ui", "i"),
    (r"ae", "e"), (r"ai", "e"), (r"oe", "we"), (r"oi", "we"), (r"wu", "u"),
    (r"sh", "s"), (r"ch", "c"), (r"j", "c"), (r"z", "c"), (r"[gkq]", "k"), (r"[dt]", "t"), (r"[bpfv]", "p"),
    (r"r", "l"), (r"h(?![aeiouwy])", ""), (r"(.)\1+", r"\1"),
]
_FOLD = [(re.compile(a), b) for a, b in _FOLD]

def key(latin: str) -> str:
    s = latin.lower()
    for rx, rep in _FOLD:
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

_CAP = re.compile(r"\b[A-Z][a-z]+(?:-[a-z]+)?(?:\s+[A-Z][a-z]+(?:-[a-zA-Z]+)?)*")
_STOP = {"what", "who", "which", "where", "when", "why", "how", "the", "is", "in", "does", "did", "do", "was",
         "according", "at", "a", "an", "mayor", "minister", "prime", "president", "ceo", "mr", "ms"}

def name_candidates(question: str):
    """Capitalised word runs of the question (question words dropped), as sub-spans of 1..3 words."""
    out = []
    for m in _CAP.finditer(question):
        words = [w for w in m.group().split() if w.lower() not in _STOP]
        for i in range(len(words)):
            for j in range(i + 1, min(len(words), i + 3) + 1):
                out.append(" ".join(words[i:j]))
    return out

def match_names(question: str, spans, fuzzy: float = 0.84):
    """{candidate: [(start, end, hangul, similarity)]} for Latin names found in the article's Hangul."""
    res = {}
    for cand in name_candidates(question):
        variants = {latin_key(cand)}
        ws = cand.split()
        if len(ws) == 2:
            variants.add(latin_key(ws[1] + " " + ws[0]))   # given-name-first order
        for k in variants:
            if len(k) < 4:
                continue
            for sk, a, b, h in spans:
                if abs(len(sk) - len(k)) > 2 or sk[0] != k[0]:
                    continue
                r = 1.0 if sk == k else SequenceMatcher(None, sk, k).ratio()
                if r >= fuzzy:
                    res.setdefault(cand, []).append((a, b, h, r))
    return res

if __name__ == "__main__":
    for n in ["Koo Hyun-mo", "Choi Won-seok", "Choi Won-suk", "Lim Seung-hyuk", "Lee Jae-woon", "Moon Sung-wook",
              "Kim Chul-yeon", "Choi Jung-woo", "Park Sung-hoon", "Lee Dong-gyu", "Kim Do-hyun", "Oh Se-jin",
              "Jung Tae-yoon", "Park Mi-ran", "Oyun-Erdene", "Ulaanbaatar", "Byadran", "Choi Won-chul", "Hanbit",
              "Northstar Motors", "Gongju", "Gongsanseong", "Daeyoung", "Jaeun", "Margaret Collins", "Patrick Wilson"]:
        print(f"{n:20s} {latin_key(n)}")
    print([(h, k) for k, a, b, h in hangul_spans("구현모 최원석 어용에르덴 울란바토르 마거릿 콜린스 패트릭 윌슨 자은도 한빛에너지솔루션")][:0])
    for w in ["구현모", "최원석", "어용에르덴", "울란바토르", "콜린스", "윌슨", "한빛", "노스스타모터스", "공산성", "자은"]:
        print(w, key("".join(syllable_rr(c) for c in w)), key("".join(syllable_rr(c, True) for c in w)))
