# Billing Console: `make run` starts the console with demo data, `make test` runs every check.
# Both create .venv and install what they need on first use.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BUN := .tools/node_modules/.bin/bun
BUN_VERSION := 1.4.4

.PHONY: help run test test-dates lint bench install bun clean

help:
	@echo "make run    start web + worker + scheduler with demo data at http://localhost:3000"
	@echo "make test   ruff, import contracts and the whole pytest suite"
	@echo "make test-dates  the date-sensitive tests at two other real dates (needs faketime)"
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

# The date-sensitive tests again at two other real dates (Debian's faketime): a leap day, and
# New Year's Eve late in the evening in Berlin, when UTC and local dates differ.
# Console page tests are left out: both dates run at once in one checkout and would share Reflex's
# compiled states (.states). Worker and scheduler processes are left out: under a faked clock they
# disagree with the real Redis server's clock about heartbeats, which is no billing date at all.
DATE_TESTS := tests/billing tests/subscriptions tests/invoicing tests/catalog/test_margins.py tests/demo tests/tax \
	tests/dunning tests/mail tests/documents \
	--ignore=tests/dunning/test_dunning_page.py --ignore=tests/documents/test_overview_alarm.py \
	tests/console/test_cli.py \
	-k "not plays_its_role and not wait_for_the_schema"
test-dates: install
	@command -v faketime >/dev/null || { echo "test-dates needs faketime (apt-get install faketime)"; exit 1; }
	@# Both dates at once (one per core), each with a Redis database of its own; logs in var/.
	@mkdir -p var
	@REFERENCE_EXAMPLES=15 TZ=UTC faketime '2028-02-29 12:00:00' $(BIN)/pytest -p no:cacheprovider $(DATE_TESTS) \
	    > var/test-dates-leap-day.log 2>&1 & leap=$$!; \
	REFERENCE_EXAMPLES=15 TZ=Europe/Berlin TEST_REDIS_URL=redis://127.0.0.1:6379/7 \
	    faketime '2026-12-31 23:30:00' $(BIN)/pytest -p no:cacheprovider $(DATE_TESTS) \
	    > var/test-dates-new-years-eve.log 2>&1; berlin=$$?; \
	wait $$leap; leap_rc=$$?; \
	echo "== 2028-02-29 12:00 UTC"; tail -n 40 var/test-dates-leap-day.log; \
	echo "== 2026-12-31 23:30 Europe/Berlin"; tail -n 40 var/test-dates-new-years-eve.log; \
	test $$leap_rc -eq 0 && test $$berlin -eq 0

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .tools .web var
