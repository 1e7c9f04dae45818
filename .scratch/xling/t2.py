import time, numpy as np
from data import model
m = model()
for texts in (["age"], ["how old"], ["university", "born", "population", "profit", "employees"], ["What position was KT's CEO Koo Hyun-mo appointed to by Mongolia?"]):
    f = (lambda: m.query(texts)) ; f(); ts=[]
    for _ in range(5):
        t=time.perf_counter(); f(); ts.append(time.perf_counter()-t)
    print(texts[:2], len(texts), "%.1f ms" % (1000*np.median(ts)), [m.token_count(t, True) for t in texts])
