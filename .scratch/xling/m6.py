import sys, numpy as np
sys.path.insert(0, "/work/main")
from qa import answer_types
from m4 import *
from names import name_candidates
def spc(a, text):
    v = qvec(text, "sparse"); S = D[a]["S"]
    return (S @ v) / (np.linalg.norm(S, axis=1) * np.linalg.norm(v) + 1e-9)
def masked(q, matches):
    for kind, x, y, h, r, latin in matches:
        q = q.replace(latin, "the person" if kind == "person" else "it")
    return q
ROWS = []
for a, q, ev in Q + EXT:
    mt = match_names(q, SP2[a]); sw = code_switch(q, mt)
    d = D[a]["V"] @ qvec(sw, "query"); d0 = D[a]["V"] @ qvec(q, "query")
    sp = spc(a, q); spsw = spc(a, sw)
    fused = zs(d) + zs(spsw)
    order = np.argsort(-fused)
    kind = answer_types.asked(q)
    fits3 = any(answer_types.holds(kind, D[a]["sents"][i]) for i in order[:3])
    fits1 = answer_types.holds(kind, D[a]["sents"][order[0]])
    persons = [c for c in name_candidates(q) if c[0] == "person"]
    unmatched = bool(persons) and not any(m[0] == "person" for m in mt)
    dm = D[a]["V"] @ qvec(masked(q, mt), "query") if mt else d0
    ROWS.append(dict(art=a, q=q, y=int(bool(ev)), dmax=d.max(), d0max=d0.max(), spmax=sp.max(), spswmax=spsw.max(),
                     fz=fused.max(), fz_margin=np.sort(fused)[-1] - np.sort(fused)[-2], d_top=d[order[0]], sp_top=spsw[order[0]],
                     dmask_top=dm[order[0]], dmask_max=dm.max(), fits3=fits3, fits1=fits1, kind=kind, unmatched=unmatched,
                     hasname=bool(mt), d_z=(d.max()-d.mean())/d.std(), sp_z=(sp.max()-sp.mean())/sp.std()))
import pickle; pickle.dump(ROWS, open("rows.pkl", "wb"))
y = np.array([r["y"] for r in ROWS])
for f in ["dmax", "d0max", "spmax", "spswmax", "fz", "fz_margin", "d_top", "sp_top", "dmask_top", "dmask_max", "d_z", "sp_z"]:
    x = np.array([r[f] for r in ROWS])
    print(f"{f:10s} AUROC {auroc(x[y==1], x[y==0]):.2f}")
fits = np.array([r["fits3"] for r in ROWS]); fits1 = np.array([r["fits1"] for r in ROWS]); un = np.array([r["unmatched"] for r in ROWS])
print("type gate top3: answerable kept %d/%d, unanswerable rejected %d/%d" % (fits[y==1].sum(), (y==1).sum(), (~fits[y==0]).sum(), (y==0).sum()))
print("type gate top1: answerable kept %d/%d, unanswerable rejected %d/%d" % (fits1[y==1].sum(), (y==1).sum(), (~fits1[y==0]).sum(), (y==0).sum()))
print("unmatched person: ans %d, unans %d" % (un[y==1].sum(), un[y==0].sum()))
for r in ROWS:
    if r["y"] == 1 and not r["fits3"]: print("  ans rejected by gate:", r["kind"], r["q"])

# extra: masked sparse
for r, (a, q, ev) in zip(ROWS, Q + EXT):
    mt = match_names(q, SP2[a]); sw = code_switch(q, mt)
    spm = spc(a, masked(q, mt)) if mt else spc(a, q)
    d = D[a]["V"] @ qvec(sw, "query"); fused = zs(d) + zs(spc(a, sw)); o = np.argsort(-fused)
    r.update(spmask_max=spm.max(), spmask_top=spm[o[0]], spmask_top3=spm[o[:3]].max(), sp0_top3=spc(a, q)[o[:3]].max())
for f in ["spmask_max", "spmask_top", "spmask_top3", "sp0_top3"]:
    x = np.array([r[f] for r in ROWS]); print(f"{f:10s} AUROC {auroc(x[y==1], x[y==0]):.2f}")
pickle.dump(ROWS, open("rows.pkl", "wb"))
