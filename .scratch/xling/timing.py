import time, numpy as np
from data import load, model
d = load()["shipped"]; m = model()
q = "What position was KT's CEO Koo Hyun-mo appointed to by Mongolia?"
for f, name in [(lambda: m.query(q), "query"), (lambda: m.passage(q), "passage"), (lambda: m.sparse(q), "sparse q"),
                (lambda: m.sparse(d["sents"][3]), "sparse long sent"), (lambda: m.passage(d["sents"][3]), "passage long sent"),
                (lambda: m.passage(d["sents"]), "passage all 30 (batch)"), (lambda: m.sparse(d["sents"]), "sparse all 30")]:
    f(); ts = []
    for _ in range(5):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    print(f"{name:28s} {1000*np.median(ts):8.1f} ms")
print("sparse dim", m.sparse_dim, "nnz q", (m.sparse(q) > 0).sum())
