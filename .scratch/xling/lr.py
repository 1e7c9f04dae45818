import pickle, itertools, numpy as np
from sklearn.linear_model import LogisticRegression
from harness import auroc
R = pickle.load(open("rows.pkl", "rb"))
y = np.array([r["y"] for r in R]); arts = np.array([r["art"] for r in R])
def X(fs): return np.array([[float(r[f]) for f in fs] for r in R])
def loao(fs, C=1.0):
    x = X(fs); p = np.zeros(len(y))
    for a in set(arts):
        tr, te = arts != a, arts == a
        mu, sd = x[tr].mean(0), x[tr].std(0) + 1e-9
        m = LogisticRegression(C=C).fit((x[tr] - mu) / sd, y[tr]); p[te] = m.predict_proba((x[te] - mu) / sd)[:, 1]
    return p
base = ["spmax", "d0max", "fz_margin", "sp_z", "bgdiff0", "bgmax0", "sp0_top3", "dmask_top"]
res = []
for k in (1, 2, 3):
    for fs in itertools.combinations(base, k):
        for g in ([], ["fits1"], ["fits1", "unmatched"]):
            p = loao(list(fs) + g)
            acc = ((p > 0.5) == y).mean()
            res.append((auroc(p[y == 1], p[y == 0]), acc, fs + tuple(g)))
res.sort(reverse=True)
for r in res[:15]: print("%.3f acc %.2f %s" % r)
for fs in (["spmax"], ["spmax", "fits1"], ["spmax", "fits1", "unmatched"], ["d0max"], ["d0max", "fits1"], ["fits1"]):
    p = loao(fs); print("%-32s LOAO AUROC %.3f acc@0.5 %.2f" % (fs, auroc(p[y == 1], p[y == 0]), ((p > 0.5) == y).mean()))
