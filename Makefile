# Trainyard: the two commands a new user runs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test lint bench install clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

## Start the service on 127.0.0.1:8000 (SQLite + the built-in demo tracker when no config).
run: $(STAMP)
	$(BIN)/trainyard start

## The whole test suite (PostgreSQL tests too when TRAINYARD_TEST_POSTGRES_URL is set); the
## console's browser tests drive Debian's chromium, installed first when missing (as root).
test: $(STAMP)
	sh tests/e2e/browser/install_chromium.sh
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## Benchmarks (not part of `make test`); prints a table and writes bench/results/latest.json.
bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) trainyard.db* data
