# Two commands on a fresh machine: `make demo` and `make test`. Both install what they need.
VENV   ?= .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
PYTHON ?= python3

.PHONY: install demo test check bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## demo: seed a demo store, serve it on 127.0.0.1:8000, sync it into ./demo-export.db, write its report
demo: install
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh

## check: formatting, lint, types
check: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

## test: the whole suite (needs PostgreSQL on 127.0.0.1:5432, database test; installs Chromium if missing)
test: check
	bash scripts/ensure-chromium.sh
	$(PY) -m pytest

## bench: every benchmark, printing tables (installs wrk from Debian's packages if missing)
bench: install
	PATH="$(CURDIR)/$(BIN):$$PATH" bash benchmarks/run.sh

clean:
	rm -rf $(VENV) demo.db demo-export.db demo-report.html .pytest_cache .mypy_cache .ruff_cache
