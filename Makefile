# clusterviz — `make run` serves the dashboard on the bundled fake cluster; `make test` runs every tier.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint test-core test-dashboard test-postgres test-multiprocess test-browser test-cluster cluster bench bench-real venv clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

venv: $(BIN)/.installed

run: venv
	mkdir -p var
	$(BIN)/python manage.py migrate --no-input -v 0
	DEBUG=$${DEBUG:-1} CLUSTERVIZ_ANONYMOUS_READ=$${CLUSTERVIZ_ANONYMOUS_READ:-1} \
		$(BIN)/python manage.py runserver --noreload 127.0.0.1:$(PORT)

test: lint test-core test-dashboard test-postgres test-multiprocess test-browser test-cluster

lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test-core: venv
	$(BIN)/pytest -q tests/core

test-dashboard: venv
	$(BIN)/pytest -q tests/dashboard

test-postgres: venv
	$(BIN)/pytest -q tests/postgres

# Two web processes and two watchers (CLUSTERVIZ_WATCHER=external) over a real redis-server and PostgreSQL.
test-multiprocess: venv
	$(BIN)/pytest -q tests/multiprocess

test-browser: venv
	$(BIN)/pytest -q tests/browser

# A real control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok), built once from the Go module
# proxy into ~/.cache/clusterviz by the tier's fixture (a cold build takes 10-20 minutes on 2 cores; cached, a second).
test-cluster: venv
	$(BIN)/pytest -q tests/cluster

cluster:
	deploy/testcluster/cluster.sh $(CURDIR)/var/testcluster

bench: venv
	$(BIN)/python bench/run.py

# The real control plane at scale (deploy/testcluster, built as for test-cluster): starts or grows a cluster in
# var/bench-real to BENCH_NODES kwok nodes x 30 pods, waits until every pod runs, then measures the initial sync
# against kubectl, the API-server load against a 5-s poll, and latency with 50 websocket clients at 100 changes/s
# (BENCHMARKS.md sections 4 and 5). 1,000 nodes take ~20 minutes on 2 cores; stop it with
# deploy/testcluster/stop.sh var/bench-real.
BENCH_NODES ?= 1000
bench-real: venv
	$(BIN)/python bench/real_cluster.py --workdir $(CURDIR)/var/bench-real --nodes $(BENCH_NODES) \
		--phases setup,sync,load,churn --json bench/out/real-$(BENCH_NODES).json

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
