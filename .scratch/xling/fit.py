import sys, time, numpy as np
sys.path.insert(0, "/work/main")
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression
import xling
from harness import D, Q, EXT, gold, auroc, model
m = model()
XI = {}
for a in D:
    S = csr_matrix(D[a]["S"]); XI[a] = xling.XlingIndex(S, np.sqrt(np.asarray(S.multiply(S).sum(1)).ravel()), xling.sentence_spans(D[a]["sents"]))
rows = []
for a, q, ev in Q + EXT:
    r = xling.cross_lingual_scores(q, D[a]["sents"], D[a]["V"], XI[a], m)
    g = gold(a, ev)
    rows.append(dict(art=a, q=q, y=int(bool(g)), f=r.features, p=r.p_answerable,
                     h1=(r.order[0] in g) if g else None, h3=bool(set(r.order[:3]) & g) if g else None, mine=(a, q, ev) in Q))
F = ["sp_max", "margin", "fits"]
X = np.array([[r["f"][k] for k in F] for r in rows]); y = np.array([r["y"] for r in rows]); arts = np.array([r["art"] for r in rows])
un = np.array([r["f"]["unmatched_person"] for r in rows])
def fit(Xtr, ytr):
    mu, sd = Xtr.mean(0), Xtr.std(0)
    lr = LogisticRegression(C=1.0).fit((Xtr - mu) / sd, ytr)
    w = lr.coef_[0] / sd; b = lr.intercept_[0] - (lr.coef_[0] * mu / sd).sum()
    return w, b
def prob(w, b, X, un): 
    z = X @ w + b + np.log(xling.UNMATCHED_PERSON_ODDS) * un
    return 1 / (1 + np.exp(-z))
p = np.zeros(len(y))
for a in set(arts):
    tr = arts != a; w, b = fit(X[tr], y[tr]); p[~tr] = prob(w, b, X[~tr], un[~tr])
print("LOAO: AUROC %.3f  acc@0.5 %.3f  Brier %.3f" % (auroc(p[y == 1], p[y == 0]), ((p > .5) == y).mean(), ((p - y) ** 2).mean()))
mine = np.array([r["mine"] for r in rows])
for nm, sel in (("mine", mine), ("ext", ~mine)):
    print(f"  {nm}: AUROC {auroc(p[sel & (y == 1)], p[sel & (y == 0)]):.3f} acc {((p[sel] > .5) == y[sel]).mean():.3f}")
w, b = fit(X, y)
print("CALIB = {'bias': %.4g, 'sp_max': %.4g, 'margin': %.4g, 'fits': %.4g}" % (b, *w))
print("hit@1 %.3f hit@3 %.3f (n=%d)" % (np.mean([r["h1"] for r in rows if r["y"]]), np.mean([r["h3"] for r in rows if r["y"]]), y.sum()))
for nm, sel in (("mine", True), ("ext", False)):
    rr = [r for r in rows if r["y"] and r["mine"] == sel]
    print(f"  {nm}: hit@1 {np.mean([r['h1'] for r in rr]):.3f} hit@3 {np.mean([r['h3'] for r in rr]):.3f} n={len(rr)}")
# bins of LOAO probability
for lo, hi in ((0, .2), (.2, .4), (.4, .6), (.6, .8), (.8, 1.01)):
    s = (p >= lo) & (p < hi)
    if s.any(): print(f"  p in [{lo:.1f},{hi:.1f}): n={s.sum():2d} answerable rate {y[s].mean():.2f}")
import pickle; pickle.dump((rows, p), open("fit.pkl", "wb"))
