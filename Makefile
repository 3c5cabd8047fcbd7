# Two commands for a fresh clone:
#   make run    sets up .venv and runs the bot (no BOT_TOKEN: the offline sandbox, python -m sandbox)
#   make test   sets up .venv and runs ruff (lint and format), the import contracts and the whole test suite (what .ci/run runs)
#   make messages  brings bot/locales/*/LC_MESSAGES/messages.po in line with the templates (then translate)
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test bench messages system-deps

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

system-deps:
	@sh scripts/system-deps.sh

run: system-deps $(VENV)/.installed
	$(PY) -m sandbox --unless-token

test: system-deps $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) -m pytest

bench: system-deps $(VENV)/.installed
	$(PY) -m bench

messages: $(VENV)/.installed
	$(PY) scripts/messages.py
