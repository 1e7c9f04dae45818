import re, numpy as np
from harness import *
from names import article_spans, match_names, name_candidates, _PERSON, _WORD
import m3
from m3 import dense, spcos, latin_feature, OFF
def zs(s): return (s - s.mean()) / (s.std() + 1e-9)
SP2 = {a: article_spans(D[a]["text"]) for a in D}
from names import code_switch
def name_feat(a, q, wword=0.5):
    f = np.zeros(len(D[a]["sents"]))
    for kind, x, y, h, r, _ in match_names(q, SP2[a]):
        w = r * (1.0 if kind == "person" else wword)
        for i, (s0, s1) in enumerate(OFF[a]):
            if s0 <= x < s1: f[i] = max(f[i], w)
    return f
def switched(a, q): return code_switch(q, match_names(q, SP2[a]))
def qv_switched(a, q): return qvec(switched(a, q), "query")
if __name__ == "__main__":
    for a, q, ev in Q + EXT:
        s = switched(a, q)
        if s != q: print(s)
    mx = lambda a, q, s: s.max()
    both("dense", dense, mx)
    both("dense code-switched q", lambda a, q: D[a]["V"] @ qv_switched(a, q), mx)
    both("sparse cos", spcos, mx)
    sp_sw = lambda a, q: (D[a]["S"] @ qvec(switched(a, q), "sparse")) / (np.linalg.norm(D[a]["S"], axis=1) * np.linalg.norm(qvec(switched(a, q), "sparse")) + 1e-9)
    both("sparse cos code-switched", sp_sw, mx)
    both("z(d)+z(sp)", lambda a, q: zs(dense(a, q)) + zs(spcos(a, q)), mx)
    for w in [1, 2, 3]:
        both(f"z(d)+z(sp)+{w}name", lambda a, q: zs(dense(a, q)) + zs(spcos(a, q)) + w * name_feat(a, q), mx)
    both("z(dsw)+z(spsw)", lambda a, q: zs(D[a]["V"] @ qv_switched(a, q)) + zs(sp_sw(a, q)), mx)
    both("z(dsw)+z(spsw)+2name", lambda a, q: zs(D[a]["V"] @ qv_switched(a, q)) + zs(sp_sw(a, q)) + 2 * name_feat(a, q), mx)
    both("z(d)+z(sp)+2name+.5lat", lambda a, q: zs(dense(a, q)) + zs(spcos(a, q)) + 2 * name_feat(a, q) + .5 * latin_feature(a, q), mx)
