# BHYT outreach evaluation workbook. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.setup-stamp
OUT ?= reports
JOBS ?= 2

.DEFAULT_GOAL := help

## help: list the targets
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed -e 's/^## /  make /' -e 's/: /\t/'

## setup: create .venv with the pinned packages (idempotent; fast when nothing changed)
setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml scripts/check_system.sh
	@bash scripts/check_system.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-deps --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation --disable-pip-version-check -e .
	@touch $(STAMP)
	@echo "setup done: $(BIN)/workbook is ready"

## reports: render every sample project's report into reports/ (runs setup first)
reports: setup
	$(BIN)/workbook report --all --jobs $(JOBS) --out $(OUT)

## measures: print the measures of every sample project
measures: setup
	@for p in data/projects/*/; do echo "== $$p"; $(BIN)/workbook measures "$$p" || exit 1; done

## test: run the test suite (runs setup first)
test: setup
	$(BIN)/python -m pytest -q

## lab: start JupyterLab on 127.0.0.1 with notebooks/ open (prints the URL; LAB_ARGS adds options)
lab: setup
	$(BIN)/jupyter lab --ip 127.0.0.1 --no-browser --notebook-dir . --LabApp.default_url=/lab/tree/notebooks \
		$(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

## bench: run the benchmarks (prints tables; not part of the tests)
bench: setup
	$(BIN)/python benchmarks/bench_load.py
	$(BIN)/python benchmarks/bench_report.py

## samples: regenerate the sample data packages from their generator (seeded)
samples: setup
	$(BIN)/python data/generate_samples.py

## stress: long runs outside the default tests: 200-project --all render, and the loader fuzzer
stress: setup
	$(BIN)/python benchmarks/stress_reports.py --projects 200 --jobs $(JOBS)
	$(BIN)/python benchmarks/stress_fuzz.py

## clean: remove generated reports and caches (keeps .venv)
clean:
	rm -rf $(OUT) .pytest_cache .hypothesis benchmarks/out
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +

.PHONY: help setup reports measures test lab bench stress samples clean
