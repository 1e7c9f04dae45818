"""The answering stages, each a function from the previous stage's frozen result to its own.

``understand`` (question + history -> :class:`Query`), ``retrieve``
(-> :class:`Retrieved`), ``rank`` or ``crosslingual`` (-> :class:`Ranked`),
``decide`` (-> :class:`Decision`). ``features`` and ``model`` are what the
fitted ranker and decision read and weigh. An LLM enters only through a
protocol, where the ranker is unsure (``reader``, ``judge``; ``pointing`` holds its prompt).
"""
