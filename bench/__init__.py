"""Speed and memory benchmark for the chatbot, per answerer mode.

Run from the repository root::

    .venv/bin/python -m bench --runs 3

It measures index build, cold start to first answer, warm latency per turn
(with the per-stage split from ``Answer.timings``) and peak RSS. Every
measurement runs in a fresh ``python -c`` child (``bench/_child.py``), so the
orchestrating process never imports ``qa`` and nothing is cached between runs.
"""
