# The two commands a newcomer needs (see README.md):
#   make demo   installs everything, then runs the demo
#   make test   installs everything, then runs the full test suite (CI runs this)
.DEFAULT_GOAL := help
SHELL := /bin/bash
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 14,16,18,19,20,21,23
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1
export JSII_RUNTIME_PACKAGE_CACHE := enabled
export UV_PYTHON_DOWNLOADS := never
PYTHON ?= python3
# Use uv from PATH when there is one; otherwise install it from PyPI into .tools/.
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
RUN := $(UV) run --locked --quiet

.PHONY: help setup demo test test-oldest lint format check-generated projen docs bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

.tools/bin/uv:
	@echo "==> installing uv into .tools/ (from PyPI)"
	@$(PYTHON) -m venv .tools || { echo "error: '$(PYTHON) -m venv' failed. Install your Python's venv module (Debian/Ubuntu: apt install python3-venv), or put uv on your PATH (pip install --user uv), then run make again." >&2; rm -rf .tools; exit 1; }
	@.tools/bin/python -m pip install --quiet --quiet --disable-pip-version-check uv

setup: $(if $(findstring .tools,$(UV)),.tools/bin/uv) ## install the locked environment into .venv/
	@echo "==> installing the locked environment into .venv/"
	@$(UV) sync --locked --all-extras --quiet --python $(PYTHON)

demo: setup ## synthesize examples/basic and run the pipeline demo
	@$(RUN) shipment-pipeline demo

test: setup check-generated lint ## the full test suite (CI runs this)
	@$(RUN) pytest

lint: setup ## ruff (formatting, lint rules) and mypy, configured in pyproject.toml
	@$(RUN) ruff format --check --quiet .
	@$(RUN) ruff check --quiet .
	@$(RUN) mypy

format: setup ## apply ruff's formatting and safe fixes
	@$(RUN) ruff format --quiet .
	@$(RUN) ruff check --fix --quiet .

check-generated: setup ## fail when a generated file (projen output, API.md) is stale
	@$(RUN) python tools/check_generated.py

projen: setup ## regenerate projen-managed files from .projenrc.py
	@PROJEN_DISABLE_POST=true $(RUN) python .projenrc.py

docs: setup ## regenerate API.md from the docstrings
	@$(RUN) python tools/api_docs.py

test-oldest: setup ## the construct tests against the oldest supported aws-cdk-lib (2.269.0)
	@$(RUN) --with "aws-cdk-lib==2.269.0" pytest test --ignore=test/e2e --ignore=test/bench --ignore=test/test_wheel.py

bench: setup ## run the benchmarks in bench/
	@$(RUN) python bench/handler_bench.py

clean: ## remove build output and local environments
	rm -rf .venv .tools cdk.out dist reports