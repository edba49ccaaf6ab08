# Each target runs the same commands, in the same environment, as the projen task of the same name:
# both are generated from TASKS in .projenrc.py. Edit that file, then run `make projen`.
# The two commands a newcomer needs (see README.md):
#   make demo   installs everything, then runs the demo
#   make test   installs everything, then runs the full test suite (CI runs this)
.DEFAULT_GOAL := help
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= python3
export PYTHON
# uv from PATH when there is one; otherwise `make` installs it from PyPI into .tools/.
UV_ON_PATH := $(shell command -v uv 2>/dev/null)
export VIRTUAL_ENV := $(CURDIR)/.venv
export PATH := $(CURDIR)/.venv/bin:$(CURDIR)/node_modules/.bin:$(PATH):$(CURDIR)/.tools/bin
export JSII_NODE := $(CURDIR)/node_modules/.bin/node
export JSII_RUNTIME_PACKAGE_CACHE := enabled
export UV_PYTHON_DOWNLOADS := never

.PHONY: help setup demo test test-fast test-oldest lint format check-generated projen docs docs-site changelog dist bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

.tools/bin/uv:
	@echo "==> installing uv into .tools/ (from PyPI)"
	@$(PYTHON) -m venv .tools || { echo "error: '$(PYTHON) -m venv' failed. Install your Python's venv module (Debian/Ubuntu: apt install python3-venv), or put uv on your PATH (pip install --user uv), then run make again." >&2; rm -rf .tools; exit 1; }
	@.tools/bin/python -m pip install --quiet --quiet --disable-pip-version-check uv

setup: $(if $(UV_ON_PATH),,.tools/bin/uv) ## install the locked environment into .venv/ and the Node tools into node_modules/
	@echo "==> installing the locked environment into .venv/ and the Node tools into node_modules/"
	@uv sync --locked --all-extras --quiet --python "$${PYTHON:-python3}"
	@[ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --silent --no-audit --no-fund
	@uv sync --locked --quiet --script tools/run_checkov.py

demo: setup ## synthesize examples/basic and run the pipeline demo
	@shipment-pipeline demo

test: setup check-generated lint docs-site ## the full test suite with lint, drift checks and the docs site (CI runs this)
	@pytest

test-fast: setup ## the tests without the slow ones (example apps, wheels, the emulator)
	@pytest -m "not slow"

test-oldest: setup ## the construct tests against the oldest supported aws-cdk-lib (2.269.0)
	@uv run --locked --quiet --with "aws-cdk-lib==2.269.0" pytest test -m "not slow" --ignore=test/e2e --ignore=test/bench --ignore=test/release --ignore=test/docs --ignore=test/cli --ignore=test/capacity --ignore=test/handler --ignore=test/test_wheel.py

lint: setup ## ruff, mypy, and actionlint and zizmor over the GitHub workflows
	@ruff format --check --quiet .
	@ruff check --quiet .
	@mypy
	@actionlint
	@zizmor --offline --quiet --persona pedantic .github/workflows

format: setup ## apply ruff's formatting and safe fixes
	@ruff format --quiet .
	@ruff check --fix --quiet .

check-generated: setup ## fail when a generated file (projen output, API.md) is stale
	@python tools/check_generated.py

projen: export PROJEN_DISABLE_POST := true
projen: setup ## regenerate the projen-managed files from .projenrc.py
	@python .projenrc.py

docs: setup ## regenerate API.md from the docstrings
	@python tools/api_docs.py

docs-site: setup ## build the documentation site into site/
	@mkdocs build --strict --quiet --site-dir site

changelog: setup ## move the fragments in changelog.d/ into CHANGELOG.md under the package's version
	@towncrier build --yes

dist: setup ## build the sdist, then the wheel from it, into dist/ and check both as the release does
	@rm -rf dist
	@uv build --quiet --out-dir dist
	@twine check --strict dist/*
	@check-wheel-contents dist/*.whl

bench: setup ## run the benchmarks in bench/
	@python bench/handler_bench.py

clean: ## remove build output and local environments
	@rm -rf .venv .tools node_modules cdk.out dist site reports
