"""Chat-model backends: the one place that picks and starts one (:func:`chat_model`).

llama.cpp in-process (``llamacpp``) or in a supervised worker process
(``worker``), the bundled GGUF (``models``), or any OpenAI-compatible server.
"""
