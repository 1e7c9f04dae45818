import sys; sys.path.insert(0, "/work/main")
from qa import answer_types
from m4 import *
def spc(a, text):
    v = qvec(text, "sparse"); S = D[a]["S"]
    return (S @ v) / (np.linalg.norm(S, axis=1) * np.linalg.norm(v) + 1e-9)
mx = lambda a, q, s: s.max()
def typed(f):
    def g(a, q):
        s = f(a, q); k = answer_types.asked(q)
        fits = np.array([answer_types.holds(k, t) for t in D[a]["sents"]])
        return s + 100 * fits if k else s
    return g
V = {
 "dense(q)": lambda a, q: D[a]["V"] @ qvec(q, "query"),
 "dense(sw)": lambda a, q: D[a]["V"] @ qv_switched(a, q),
 "sparse(q)": lambda a, q: spc(a, q),
 "z dense(q)+z sparse(q)": lambda a, q: zs(D[a]["V"] @ qvec(q, "query")) + zs(spc(a, q)),
 "z dense(sw)+z sparse(q)": lambda a, q: zs(D[a]["V"] @ qv_switched(a, q)) + zs(spc(a, q)),
 "z dense(sw)+z sparse(sw)": lambda a, q: zs(D[a]["V"] @ qv_switched(a, q)) + zs(spc(a, switched(a, q))),
 "z dense(sw)+z sparse(q)+1name": lambda a, q: zs(D[a]["V"] @ qv_switched(a, q)) + zs(spc(a, q)) + name_feat(a, q),
 "z dense(sw)+z sparse(q)+2name": lambda a, q: zs(D[a]["V"] @ qv_switched(a, q)) + zs(spc(a, q)) + 2 * name_feat(a, q),
 "z dense(q)+z sparse(q)+2name": lambda a, q: zs(D[a]["V"] @ qvec(q, "query")) + zs(spc(a, q)) + 2 * name_feat(a, q),
 "0.5z dense(sw)+z sparse(q)+2name": lambda a, q: .5 * zs(D[a]["V"] @ qv_switched(a, q)) + zs(spc(a, q)) + 2 * name_feat(a, q),
 "z dense(sw)+.5z sparse(q)+2name": lambda a, q: zs(D[a]["V"] @ qv_switched(a, q)) + .5 * zs(spc(a, q)) + 2 * name_feat(a, q),
}
for n, f in V.items():
    both(n, f, mx)
    both("  +type-first", typed(f), mx)
