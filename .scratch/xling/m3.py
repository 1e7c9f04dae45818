import re, numpy as np
from harness import *
from names import hangul_spans, match_names
def zs(s): return (s - s.mean()) / (s.std() + 1e-9)
SP = {a: hangul_spans(D[a]["text"]) for a in D}
# sentence offsets in article text
OFF = {}
for a in D:
    t = D[a]["text"]; pos = 0; offs = []
    for s in D[a]["sents"]:
        i = t.find(s, pos); offs.append((i, i + len(s))); pos = max(pos, i)
    OFF[a] = offs
def name_feature(a, q):
    m = match_names(q, SP[a], fuzzy=0.8)
    f = np.zeros(len(D[a]["sents"]))
    for cand, hits in m.items():
        for (x, y, h, r) in hits:
            for i, (s0, s1) in enumerate(OFF[a]):
                if s0 <= x < s1:
                    f[i] = max(f[i], r * min(1.0, (y - x) / 3))   # 3+ syllables = full weight
    return f, m
_LAT = re.compile(r"[A-Za-z][A-Za-z0-9&\-]*[A-Za-z0-9]|[A-Z]")
QSTOP = set("what who which where when why how the is in does did do was were are a an of to by for with at on from this that its it and or use used be will can much many year each their they he she his her there according".split())
def latin_feature(a, q):
    toks = {t.lower() for t in _LAT.findall(q) if t.lower() not in QSTOP and len(t) >= 2}
    sents = [s.lower() for s in D[a]["sents"]]
    f = np.zeros(len(sents))
    for t in toks:
        has = np.array([re.search(r"(?<![a-z])" + re.escape(t) + r"(?![a-z])", s) is not None for s in sents])
        if has.any():
            f += has * np.log(len(sents) / has.sum())
    return f
dense = lambda a, q: D[a]["V"] @ qvec(q, "query")
def spcos(a, q):
    s = qvec(q, "sparse"); S = D[a]["S"]
    return (S @ s) / (np.linalg.norm(S, axis=1) * np.linalg.norm(s) + 1e-9)
if __name__ == "__main__":
    for a, q, ev in Q + EXT:
        f, m = name_feature(a, q)
        if m: print(q, {k: sorted({(h, round(r, 2)) for _, _, h, r in v})[:4] for k, v in m.items()})
    mx = lambda a, q, s: s.max()
    z = lambda a, q, s: (s.max() - s.mean()) / s.std()
    for w in [0, 1, 2, 3]:
        both(f"z(d)+z(sp)+{w}*name", lambda a, q: zs(dense(a, q)) + zs(spcos(a, q)) + w * name_feature(a, q)[0], mx)
    for w in [0.5, 1]:
        both(f"z(d)+z(sp)+2name+{w}lat", lambda a, q: zs(dense(a, q)) + zs(spcos(a, q)) + 2 * name_feature(a, q)[0] + w * zs(latin_feature(a, q)), mx)
    both("dense+2name", lambda a, q: zs(dense(a, q)) + 2 * name_feature(a, q)[0], mx)
    both("sparse+2name", lambda a, q: zs(spcos(a, q)) + 2 * name_feature(a, q)[0], mx)
