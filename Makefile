# clusterviz — `make run` serves the dashboard on the bundled fake cluster; `make test` runs every tier.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint test-core test-dashboard test-browser test-cluster cluster bench venv clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

venv: $(BIN)/.installed

run: venv
	mkdir -p var
	$(BIN)/python manage.py migrate --no-input -v 0
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py runserver --noreload 127.0.0.1:$(PORT)

test: lint test-core test-dashboard test-browser

lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test-core: venv
	$(BIN)/pytest -q tests/core

test-dashboard: venv
	$(BIN)/pytest -q tests/dashboard

test-browser: venv
	$(BIN)/pytest -q tests/browser

cluster:
	deploy/testcluster/cluster.sh $(CURDIR)/var/testcluster

bench: venv
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
