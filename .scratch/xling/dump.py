import time
t=time.time()
from qa import Chatbot
bot=Chatbot()
idx=bot.index
print("load",time.time()-t, idx.sentence_vectors.shape, len(idx.chunks))
for i,s in enumerate(idx.sentences): print(i, repr(s.text[:120]))
