# qualcode: two commands on a fresh machine — `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
QC := $(BIN)/qualcode
DEMO_DB := demo/qualcode.db
SAMPLE := transcripts_sample

.PHONY: demo demo-project test test-all lint typecheck check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -qq -e '.[test]'
	touch $@

## demo: create the venv, install, build the sample study in demo/, open it
demo: demo-project
	$(QC) --db $(DEMO_DB) --as alice

demo-project: $(VENV)/.installed
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(QC) --db $(DEMO_DB) init --lead alice
	$(QC) --db $(DEMO_DB) --as alice import --spacy-model blank $(SAMPLE)/interviews
	$(QC) --db $(DEMO_DB) --as alice participants import $(SAMPLE)/participants.csv
	$(QC) --db $(DEMO_DB) --as alice codebook import codebooks/aml_barriers.yaml
	$(QC) --db $(DEMO_DB) --as alice codings import --done $(SAMPLE)/codings.csv

## test: create the venv, install with test extras, start what the suite needs, run it
test: $(VENV)/.installed
	bash .ci/ensure-postgres
	$(BIN)/pytest -q -m "not slow"

test-all: $(VENV)/.installed
	bash .ci/ensure-postgres
	$(BIN)/pytest -q

lint: $(VENV)/.installed
	$(BIN)/ruff check qualcode tests benchmarks

typecheck: $(VENV)/.installed
	$(BIN)/mypy

check: lint typecheck test

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_import.py
	$(BIN)/python benchmarks/bench_tui.py
	$(BIN)/python benchmarks/bench_agreement.py
	$(BIN)/python benchmarks/bench_export.py
	$(BIN)/python benchmarks/bench_load.py

clean:
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache
