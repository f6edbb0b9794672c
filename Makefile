# Billing Console: `make run` starts the console with demo data, `make test` runs every check.
# Both create .venv and install what they need on first use.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BUN := .tools/node_modules/.bin/bun
BUN_VERSION := 1.4.4

.PHONY: help run test lint bench install bun clean

help:
	@echo "make run    start web + worker + scheduler with demo data at http://localhost:3000"
	@echo "make test   ruff, import contracts and the whole pytest suite"
	@echo "make bench  print the benchmark figures (needs PostgreSQL)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) bun

# Reflex installs the frontend with npm only on Node >= 22.22; older Node gets bun from npm.
bun:
	@if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=22)?0:1)' 2>/dev/null \
	   && [ ! -x $(BUN) ]; then \
	  echo "Node $$(node --version 2>/dev/null || echo missing) is older than Reflex needs: installing bun $(BUN_VERSION) from npm"; \
	  npm install --silent --no-audit --no-fund --prefix .tools bun@$(BUN_VERSION); \
	fi

run: install
	$(BIN)/billing-console run --seed-demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: install lint
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .tools .web var
