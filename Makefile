# The two commands:  make chat  (install what is missing, start the chat)
#                    make test  (install what is missing, run lint, types and tests)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip install --disable-pip-version-check -q

.PHONY: chat test lint bench eval clean-venv

# Byte-compile our packages as a wheel install would (this environment may set
# PYTHONDONTWRITEBYTECODE, and an editable install leaves them uncompiled).
COMPILE := $(BIN)/python -m compileall -q qa index ui bench >/dev/null

chat: $(VENV)/.run-deps
	$(COMPILE)
	$(BIN)/qa serve

test: $(VENV)/.test-deps
	$(BIN)/ruff check qa index ui tests bench fit
	$(BIN)/ruff format --check qa index ui tests bench fit
	$(BIN)/mypy
	$(BIN)/pytest -q

bench: $(VENV)/.run-deps
	$(COMPILE)
	$(BIN)/python -m bench

# The shipped article, then 24 articles nobody here wrote (KorQuAD); QA_ANSWERER=extractive
# measures the extractive writer.
eval: $(VENV)/.run-deps
	$(BIN)/python ../shared/eval/score.py ../shared/eval/dev.jsonl --show
	../shared/eval/score_articles.sh

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "qa needs Python 3.11"'
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip

# The CPU build of torch lies on this machine's disk; an unpinned torch would
# pull a multi-GB CUDA build. Only the sentence-transformers extra needs it.
$(VENV)/.run-deps: pyproject.toml | $(BIN)/python
	$(PIP) -e '.[llm]'
	touch $@

# The browser tests drive Debian's Chromium (Playwright cannot download its own
# here); fonts-nanum gives screenshots Korean glyphs.
$(VENV)/.test-deps: pyproject.toml | $(BIN)/python
	command -v chromium >/dev/null || { apt-get update -q && apt-get install -y -q chromium fonts-nanum; }
	$(PIP) torch==2.13.0
	$(PIP) -e '.[llm,st,dev]'
	touch $@ $(VENV)/.run-deps

clean-venv:
	rm -rf $(VENV)
