"""Per-case diagnostics over our eval sets: where the gold evidence ranks, features of the top pick."""
import json, sys
from pathlib import Path
from qa import Chatbot, Settings
from qa.evaluate import matches, norm

sets = sys.argv[1:]
S = Settings(index_dir=Path("/tmp/evidx"), answerer="extractive")
for f in sets:
    cases = [json.loads(l) for l in open(f, encoding="utf-8") if l.strip()]
    for c in cases:
        art = c.get("article")
        path = None if not art or art == "shipped" else Path(f).parent / "articles" / art
        bot = Chatbot(path, settings=S)
        for t in c["turns"][:-1]:
            bot.ask(t)
        q = c["turns"][-1]
        hist = bot.history
        st = bot._engine.pipeline.run(q, hist)
        a = bot.ask(q)
        una = c.get("unanswerable")
        ok = (not a.found) if una else (a.found and matches(a.text, c))
        if ok and "--all" not in sys.argv: continue
        ev = c.get("evidence")
        rank = None
        for i, e in enumerate(st.evidence):
            if ev and norm(ev) in norm(e.sentence.text):
                rank = i; break
        print(f"{'OK ' if ok else 'BAD'} {c['id']} {'UNA' if una else 'ANS'} found={a.found} goldrank={rank} {a.meta['reason']} exp={a.meta['expects']} terms={a.meta['terms']}")
        print(f"    Q={q}")
        for e in st.evidence[:3]:
            print(f"    {e.score:.3f} d={e.dense:.3f} cov={e.coverage:.2f} ccov={e.chunk_coverage:.2f} fits={e.fits} | {e.sentence.text[:70]!r}")
        if rank is not None and rank >= 3:
            e = st.evidence[rank]
            print(f"  G {e.score:.3f} d={e.dense:.3f} cov={e.coverage:.2f} ccov={e.chunk_coverage:.2f} fits={e.fits} | {e.sentence.text[:70]!r}")
