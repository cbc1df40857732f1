# clusterviz — `make run` serves the dashboard on the bundled fake cluster; `make test` runs every tier.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint test-js test-core test-dashboard test-postgres test-multiprocess test-browser test-cluster test-install \
	cluster image helm bench bench-real venv dev clean

# Two stamps: `make run` installs what running needs (pip install -e .); the test tools (pytest, Playwright, mypy,
# ruff, ...) come with the first test or lint target (.[dev]).
# --no-compile: byte-compiling every installed file (the kubernetes client's thousands of models) was ~40 % of the
# install's time; the modules a run imports are compiled as it imports them (BENCHMARKS.md §6).
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --no-compile -e .
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $@

# The browser libraries, from package-lock.json (npm ci): running needs uPlot (served from node_modules/uplot/dist as
# /static/uplot/), the tests axe-core too. The stamps live in the venv because `npm ci` empties node_modules first.
$(BIN)/.npm: package-lock.json $(BIN)/.installed
	npm ci --omit=dev --no-audit --no-fund --loglevel=error
	touch $@

$(BIN)/.npm-dev: $(BIN)/.npm
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

venv: $(BIN)/.installed $(BIN)/.npm
dev: $(BIN)/.installed-dev $(BIN)/.npm-dev

run: venv
	mkdir -p var
	$(BIN)/python manage.py migrate --no-input -v 0
	DEBUG=$${DEBUG:-1} CLUSTERVIZ_ANONYMOUS_READ=$${CLUSTERVIZ_ANONYMOUS_READ:-1} MALLOC_ARENA_MAX=$${MALLOC_ARENA_MAX:-2} \
		$(BIN)/python manage.py runserver --noreload 127.0.0.1:$(PORT)

test: lint test-js test-core test-dashboard test-postgres test-multiprocess test-browser test-cluster test-install

lint: dev
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The front end's modules under node's own test runner (tests/js/*.test.mjs import static/clusterviz/*.js as they are).
# PYTHON: the wire fixture (tests/js/wire_fixture.py) is made by the Python side. Without node: skipped, or under
# CI=true a failure.
test-js: dev
	@if command -v node >/dev/null; then PYTHON=$(abspath $(BIN))/python node --test tests/js/; \
	elif [ "$$CI" = true ]; then echo "test-js: node is missing under CI=true (apt-get install nodejs)" >&2; exit 1; \
	else echo "test-js: skipped: node is missing (apt-get install nodejs)"; fi

test-core: dev
	$(BIN)/pytest -q tests/core

test-dashboard: dev
	$(BIN)/pytest -q tests/dashboard

test-postgres: dev
	$(BIN)/pytest -q tests/postgres

# Two web processes and two watchers (CLUSTERVIZ_WATCHER=external) over a real redis-server and PostgreSQL.
test-multiprocess: dev
	$(BIN)/pytest -q tests/multiprocess

test-browser: dev
	$(BIN)/pytest -q tests/browser

# A real control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok), built once from the Go module
# proxy into ~/.cache/clusterviz by the tier's fixture (a cold build takes 10-20 minutes on 2 cores; cached, a second).
test-cluster: dev
	$(BIN)/pytest -q tests/cluster

# The image (deploy/image/build.sh: Debian base by debootstrap, wheels built here, podman) and the chart rendered
# by a real helm against the real control plane, its web and watcher containers run with podman as the applied
# objects describe them, then driven in Chromium. Base image, wheels and helm are cached in ~/.cache/clusterviz.
test-install: dev
	$(BIN)/pytest -q tests/install

image:
	deploy/image/build.sh

helm:
	deploy/chart/build-helm.sh

cluster:
	deploy/testcluster/cluster.sh $(CURDIR)/var/testcluster

bench: dev
	$(BIN)/python bench/run.py

# The real control plane at scale (deploy/testcluster, built as for test-cluster): starts or grows a cluster in
# var/bench-real to BENCH_NODES kwok nodes x 30 pods, waits until every pod runs, then measures the initial sync
# against kubectl, the API-server load against a 5-s poll, and latency with 50 websocket clients at 100 changes/s
# (BENCHMARKS.md sections 4 and 5). 1,000 nodes take ~20 minutes on 2 cores; stop it with
# deploy/testcluster/stop.sh var/bench-real. kubectl is built like the control plane (build.sh kubectl: cmd/kubectl
# of the same Go wrapper module, cached in ~/.cache/clusterviz; ~3 min on 2 cores after the control plane's build).
BENCH_NODES ?= 1000
bench-real: dev
	deploy/testcluster/build.sh kubectl
	$(BIN)/python bench/real_cluster.py --workdir $(CURDIR)/var/bench-real --nodes $(BENCH_NODES) \
		--phases setup,sync,load,churn --json bench/out/real-$(BENCH_NODES).json

clean:
	rm -rf $(VENV) var node_modules .pytest_cache .mypy_cache .ruff_cache
