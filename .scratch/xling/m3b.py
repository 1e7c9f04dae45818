from m3 import *
from names import article_spans, match_names
SP2 = {a: article_spans(D[a]["text"]) for a in D}
for a, q, ev in Q + EXT:
    m = match_names(q, SP2[a])
    if m: print(("ANS " if ev else "UNA ") + q, sorted({(k, h, round(r, 2)) for k, _, _, h, r in m}))
