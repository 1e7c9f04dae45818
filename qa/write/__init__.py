"""Writing the answer from a decision, and checking what an LLM wrote.

``extractive`` (the evidence sentence itself, and the refusal), ``prompt`` and
``llm`` (an LLM writer against the :class:`~qa.write.base.Writer` protocol),
``review`` with ``support`` and ``binding`` (is every name and number of an
answer in its evidence, and bound to what was asked).
"""
