"""Speed and memory benchmark of the chatbot, per answerer mode: ``.venv/bin/python -m bench``.

Index build, cold start to first answer, warm latency per turn (split by stage from
``Answer.timings``) and peak RSS, each measured in a fresh ``python -c`` child running
``bench/_child.py``; the orchestrating process never imports ``qa``.
"""
