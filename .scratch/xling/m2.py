import numpy as np
from harness import *
def nrm(x): return x / np.linalg.norm(x)
mx = lambda a, q, s: s.max()
z = lambda a, q, s: (s.max() - s.mean()) / s.std()
def zs(s): return (s - s.mean()) / s.std()
M = {
 "dense q-role": lambda a, q: D[a]["V"] @ qvec(q, "query"),
 "dense p-role": lambda a, q: D[a]["V"] @ qvec(q, "passage"),
 "dense avg(q,p)": lambda a, q: D[a]["V"] @ nrm(qvec(q, "query") + qvec(q, "passage")),
 "sent-as-query vs q": lambda a, q: D[a]["VQ"] @ qvec(q, "query"),
 "chunk only": lambda a, q: (D[a]["CV"] @ qvec(q, "query"))[D[a]["chunk_of"]],
 "sent + 0.5 chunk": lambda a, q: D[a]["V"] @ qvec(q, "query") + 0.5 * (D[a]["CV"] @ qvec(q, "query"))[D[a]["chunk_of"]],
 "sparse SAE": lambda a, q: D[a]["S"] @ qvec(q, "sparse"),
 "sparse cos": lambda a, q: (D[a]["S"] @ qvec(q, "sparse")) / (np.linalg.norm(D[a]["S"], axis=1) * np.linalg.norm(qvec(q, "sparse")) + 1e-9),
}
def rrf(*ss, k=10):
    out = 0
    for s in ss:
        r = np.empty(len(s)); r[np.argsort(-s, kind="stable")] = np.arange(1, len(s) + 1); out = out + 1 / (k + r)
    return out
M["dense+sparse RRF k10"] = lambda a, q: rrf(M["dense q-role"](a, q), M["sparse cos"](a, q))
M["z(dense)+z(sparse)"] = lambda a, q: zs(M["dense q-role"](a, q)) + zs(M["sparse cos"](a, q))
M["z(dense)+0.5z(sparse)"] = lambda a, q: zs(M["dense q-role"](a, q)) + 0.5 * zs(M["sparse cos"](a, q))
for name, f in M.items():
    both(name + " /max", f, mx)
    both(name + " /z", f, z)
