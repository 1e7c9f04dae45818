from m4 import *
def spsw(a, q):
    v = qvec(switched(a, q), "sparse"); S = D[a]["S"]
    return (S @ v) / (np.linalg.norm(S, axis=1) * np.linalg.norm(v) + 1e-9)
best = lambda a, q: zs(D[a]["V"] @ qv_switched(a, q)) + zs(spsw(a, q))
for qs in (Q, EXT):
    for a, q, ev in qs:
        s = best(a, q); o = np.argsort(-s); g = gold(a, ev)
        d = D[a]["V"] @ qv_switched(a, q); sp = spsw(a, q)
        tag = "UNA" if not g else ("ok " if o[0] in g else "MISS r%d" % (min(list(o).index(i) for i in g) + 1))
        print(f"{tag:8s} dmax {d.max():.3f} spmax {sp.max():.3f} fz {s.max():.2f} | {q[:70]:70s} | {D[a]['sents'][o[0]][:50]}")
