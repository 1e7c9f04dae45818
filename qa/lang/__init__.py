"""Language resources: what Korean and English questions and sentences are made of.

One lexicon (question words, frame words, particles, titles, months...), one
number reader, the kinds of answer built on them, and romanisation. Pure
functions and tables: no models, no state, nothing from the rest of ``qa``.
"""
