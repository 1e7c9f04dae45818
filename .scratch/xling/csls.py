import pickle, numpy as np
from m6 import *   # recomputes ROWS; fine
arts_all = list(D)
QV = {}
for a, q, ev in Q + EXT:
    QV[(a, q)] = qvec(code_switch(q, match_names(q, SP2[a])), "query")
def bg_sents(a): return np.vstack([D[b]["V"] for b in arts_all if b != a])
def bg_q(a): return np.array([v for (b, q), v in QV.items() if b != a])
K = 10
for r, (a, q, ev) in zip(ROWS, Q + EXT):
    v = QV[(a, q)]; v0 = qvec(q, "query")
    B = bg_sents(a); BQ = bg_q(a)
    rq = np.sort(B @ v)[-K:].mean(); rq0 = np.sort(B @ v0)[-K:].mean()
    rs = np.sort(D[a]["V"] @ BQ.T, axis=1)[:, -K:].mean(1)
    d = D[a]["V"] @ v; d0 = D[a]["V"] @ v0
    cs = 2 * d - rq - rs
    r.update(csls_max=cs.max(), bgdiff=d.max() - rq, bgdiff0=d0.max() - rq0,
             bgz0=(d0.max() - (B @ v0).mean()) / (B @ v0).std(), bgmax0=d0.max() - (B @ v0).max())
    r["csls_rank_ok"] = (np.argmax(cs) in gold(a, ev)) if ev else None
    r["plain_rank_ok"] = (np.argmax(d) in gold(a, ev)) if ev else None
for f in ["csls_max", "bgdiff", "bgdiff0", "bgz0", "bgmax0"]:
    x = np.array([r[f] for r in ROWS]); print(f"{f:10s} AUROC {auroc(x[y==1], x[y==0]):.2f}")
print("hit@1 csls", np.mean([r["csls_rank_ok"] for r in ROWS if r["y"]]), "plain switched dense", np.mean([r["plain_rank_ok"] for r in ROWS if r["y"]]))
pickle.dump(ROWS, open("rows.pkl", "wb"))
