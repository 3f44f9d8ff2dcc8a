# jiliang — two commands: `make demo` serves the platform, `make test` runs every test.
# Needs only a Python 3.12+ on the machine; everything else comes from the lock file.

SHELL := /bin/bash
.DEFAULT_GOAL := help
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy

PYTHON ?= $(shell for p in python3.12 python3.13 python3.14 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 \
	&& { command -v $$p; break; }; done)
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
RUN := $(VENV)/bin
PORT ?= 8000

.PHONY: help demo serve test test-postgres lint format check-migrations bench browser-deps clean

help:
	@echo "make demo   — install, migrate, load the demo data and serve http://127.0.0.1:$(PORT)"
	@echo "make test   — lint, type-check, migration check and the whole test suite"

.tools/bin/uv:
	@test -n "$(PYTHON)" || { echo "error: jiliang needs Python >= 3.12 (python3.12 or newer on PATH)"; exit 1; }
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python "$(PYTHON)"
	@touch $@

demo: $(VENV)/.synced
	$(RUN)/jiliang demo --port $(PORT)

serve: $(VENV)/.synced
	$(RUN)/jiliang serve --port $(PORT)

browser-deps:
	@bash scripts/ensure-browser.sh

lint: $(VENV)/.synced
	$(RUN)/ruff check src tests benchmarks
	$(RUN)/ruff format --check src tests benchmarks
	$(RUN)/mypy

check-migrations: $(VENV)/.synced
	$(RUN)/python -m django makemigrations --check --dry-run --settings=jiliang.settings

test: $(VENV)/.synced browser-deps lint check-migrations
	$(RUN)/pytest -n 2 --dist loadfile

test-postgres: $(VENV)/.synced browser-deps
	JILIANG_DATABASE_URL=$${JILIANG_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(RUN)/pytest -n 2 --dist loadfile

format: $(VENV)/.synced
	$(RUN)/ruff check --fix src tests benchmarks
	$(RUN)/ruff format src tests benchmarks

bench: $(VENV)/.synced
	@echo "see docs/benchmarks.md for each benchmark's command"

clean:
	rm -rf $(VENV) .tools var .pytest_cache .mypy_cache .ruff_cache
