import numpy as np
from harness import *
def dense(a, q): return D[a]["V"] @ qvec(q, "query")
mx = lambda a, q, s: s.max()
z = lambda a, q, s: (s.max() - s.mean()) / s.std()
marg = lambda a, q, s: np.sort(s)[-1] - np.sort(s)[-2]
print(fmt("dense / max cos", evaluate(dense, mx, verbose=True)))
print(fmt("dense / z of max", evaluate(dense, z)))
print(fmt("dense / top1-top2 margin", evaluate(dense, marg)))
