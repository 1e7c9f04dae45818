import numpy as np
from data import load, model
from questions import Q, EXT

D = load()

def gold(art, ev):
    sents = D[art]["sents"]
    return {i for i, s in enumerate(sents) if any(e in s for e in ev)} if ev else set()

for art, q, ev in Q + EXT:
    if ev: assert gold(art, ev), (art, q, ev)

_emb = {}
def qvec(q, role):
    k = (q, role)
    if k not in _emb:
        m = model()
        _emb[k] = {"query": m.query, "passage": m.passage, "sparse": m.sparse}[role](q)
    return _emb[k]

def auroc(pos, neg):
    pos, neg = np.asarray(pos), np.asarray(neg)
    return float(((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()) / (len(pos) * len(neg)))

def best_acc(pos, neg):
    vals = np.sort(np.concatenate([pos, neg]))
    best = 0
    for t in np.concatenate([[vals[0] - 1], vals]):
        acc = ((np.asarray(pos) > t).sum() + (np.asarray(neg) <= t).sum()) / (len(pos) + len(neg))
        best = max(best, acc)
    return best

def evaluate(method, signal=None, arts=None, verbose=False, qs=None):
    """method(art, q) -> per-sentence scores; signal(art, q, scores) -> answerable scalar (default z-score of max)."""
    h1 = h3 = n = 0; pos = []; neg = []; per = {}
    for art, q, ev in (Q if qs is None else qs):
        if arts and art not in arts: continue
        s = np.asarray(method(art, q), dtype=np.float64)
        sig = signal(art, q, s) if signal else (s.max() - s.mean()) / (s.std() + 1e-9)
        g = gold(art, ev)
        if g:
            order = np.argsort(-s, kind="stable")
            n += 1; h1 += order[0] in g; h3 += bool(set(order[:3]) & g)
            pos.append(sig); per.setdefault(art, ([], []))[0].append(sig)
            if verbose and order[0] not in g:
                print("  MISS", q, "rank", min(list(order).index(i) for i in g) + 1)
        else:
            neg.append(sig); per.setdefault(art, ([], []))[1].append(sig)
    au_art = np.mean([auroc(p, ng) for p, ng in per.values()])
    return dict(h1=h1 / n, h3=h3 / n, n=n, auc=auroc(pos, neg), auc_art=au_art, acc=best_acc(pos, neg))

def fmt(name, r):
    return f"{name:40s} hit@1 {r['h1']:.2f}  hit@3 {r['h3']:.2f}  AUROC pooled {r['auc']:.2f} per-article {r['auc_art']:.2f}  best-thr acc {r['acc']:.2f}"

def both(name, method, signal=None):
    a = evaluate(method, signal); b = evaluate(method, signal, qs=EXT)
    print(f"{name:34s} | mine(37+/29-) h1 {a['h1']:.2f} h3 {a['h3']:.2f} AUC {a['auc']:.2f}/{a['auc_art']:.2f} | ext(14+/7-) h1 {b['h1']:.2f} h3 {b['h3']:.2f} AUC {b['auc']:.2f}/{b['auc_art']:.2f}")
