"""Project configuration: the single source of truth for every generated file.

Edit this file, then run `make projen` to regenerate pyproject.toml, the
Makefile, .gitignore and the projen task list. `make test` fails when a
generated file no longer matches what this file produces.
"""

import os

# jsii prints Node end-of-life banners that a newcomer cannot act on; the JSII
# package cache keeps CDK synthesis about 3x faster in tasks (see NOTES.md).
QUIET_JSII = {
    # jsii reads a comma-separated list of Node.js major versions to stay quiet about.
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "14,16,18,19,20,21,23",
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1",
    "JSII_RUNTIME_PACKAGE_CACHE": "enabled",
}
for _key, _value in QUIET_JSII.items():
    os.environ.setdefault(_key, _value)  # before projen (which runs on jsii) loads

from projen import TextFile  # noqa: E402
from projen.python import (  # noqa: E402
    BuildSystem,
    ProjectAuthor,
    PyprojectTomlProject,
    PyprojectTomlProjectDynamic,
    PythonProject,
    UvOptions,
)
from projen.python.uv_config import PythonDownloads, UvConfiguration  # noqa: E402

NAME = "shipment-pipeline-constructs"
MODULE = "shipment_pipeline_constructs"
DESCRIPTION = (
    "AWS CDK L3 construct for a secure, observable, cost-aware shipment event pipeline: "
    "EventBridge -> SQS (with DLQ) -> bundled Python Lambda -> DynamoDB."
)
AUTHOR = "Shipment Pipeline Maintainers"
AUTHOR_EMAIL = "maintainers@shipment-pipeline.dev"
PYTHON = ">=3.10"

# Ranges, never exact pins: a library that pins aws-cdk-lib breaks its users' installs.
# The oldest aws-cdk-lib this library works with: Validations.acknowledge() on
# cdk-nag 3 rule ids that contain "::" (AwsSolutions-IAM4[Policy::...]) fails
# before 2.269.0. `make test-oldest` runs the construct tests against it.
CDK_FLOOR = "2.269.0"
RUNTIME_DEPS = [
    f"aws-cdk-lib>={CDK_FLOOR},<3",
    "constructs>=10.3.0,<11",
    "boto3>=1.34,<2",
]
# The local emulator (moto's server) is only needed by `shipment-pipeline local`.
LOCAL_EXTRA = ["moto[server]>=5.1,<6"]
# `shipment_pipeline_constructs.compliance` runs the cdk-nag packs and cfn-lint for users who want the report;
# the construct's own acknowledgments need only aws-cdk-lib.
COMPLIANCE_EXTRA = ["cdk-nag>=3.0,<4", "cfn-lint>=1.30,<2", "cfn-lint-serverless>=0.3,<1"]
DEV_DEPS = [
    "pytest>=8,<10",
    "hypothesis>=6.100,<7",
    "griffe>=1.5,<3",
    "hatchling>=1.25,<2",
    "ruff>=0.8,<1",
    "mypy>=1.10,<3",
    *LOCAL_EXTRA,
    *COMPLIANCE_EXTRA,
]
# The docs site (mkdocs build --strict), the PyPI long description as PyPI renders it, and the
# browser check of the built site (Playwright drives the system's Chromium; it downloads no browser).
DOCS_DEPS = [
    "mkdocs>=1.6,<2",
    "mkdocs-material>=9.5,<10",
    "mkdocstrings-python>=1.16,<3",
    "pymdown-extensions>=10.14,<14",
    "readme-renderer[md]>=44,<47",
    "hatch-fancy-pypi-readme>=24.1,<26",
    "playwright>=1.49,<2",
]
DEV_DEPS += DOCS_DEPS

project = PythonProject(
    name=NAME,
    module_name=MODULE,
    author_name=AUTHOR,
    author_email=AUTHOR_EMAIL,
    version="0.1.0",
    description=DESCRIPTION,
    license="Apache-2.0",
    uv=True,
    pip=False,
    venv=False,
    setuptools=False,
    poetry=False,
    github=False,
    sample=False,
    pytest=False,
    deps=RUNTIME_DEPS,
    dev_deps=DEV_DEPS,
    uv_options=UvOptions(
        project=PyprojectTomlProject(
            name=NAME,
            requires_python=PYTHON,
            # The long description is README.md made for PyPI by hatch-fancy-pypi-readme (below).
            dynamic=[PyprojectTomlProjectDynamic.README],
            license="Apache-2.0",
            keywords=["aws-cdk", "cdk", "constructs", "eventbridge", "sqs", "lambda", "dynamodb"],
            classifiers=[
                "Development Status :: 3 - Alpha",
                "Framework :: AWS CDK :: 2",
                "Intended Audience :: Developers",
                "Programming Language :: Python :: 3 :: Only",
                "Typing :: Typed",
            ],
            scripts={"shipment-pipeline": f"{MODULE}.cli:main"},
            optional_dependencies={"local": LOCAL_EXTRA, "compliance": COMPLIANCE_EXTRA},
            authors=[ProjectAuthor(name=AUTHOR, email=AUTHOR_EMAIL)],
        ),
        build_system=BuildSystem(
            requires=["hatchling>=1.25", "hatch-fancy-pypi-readme>=24.1"], build_backend="hatchling.build"
        ),
        # Never download an interpreter: use the machine's Python.
        uv=UvConfiguration(python_downloads=PythonDownloads.NEVER),
    ),
)

pyproject = project.try_find_object_file("pyproject.toml")
# The handler source lives in top-level lambda/ (one place to read and test it);
# the wheel carries it inside the package so `pip install` users get the asset.
pyproject.add_override("tool.hatch.build.targets.wheel.packages", [f"src/{MODULE}"])
pyproject.add_override("tool.hatch.build.targets.wheel.force-include", {"lambda": f"{MODULE}/lambda"})
pyproject.add_override(
    "tool.hatch.build.targets.sdist.include",
    ["src", "lambda", "README.md", "API.md", "docs/snippets/architecture.md"],  # the PyPI readme's fragments
)
pyproject.add_deletion_override("project.readme")  # projen's default; the hook below provides it
# PyPI's page is README.md, made readable there (test/docs/test_pypi_readme.py renders it as PyPI does):
# the plain-text diagram (docs/snippets/architecture.md) instead of the Mermaid one PyPI cannot draw,
# no contributor-only blocks, and links that work off GitHub. README.md stays the one source.
REPO_URL = "https://github.com/shipment-pipeline/shipment-pipeline-constructs"
pyproject.add_override(
    "tool.hatch.metadata.hooks.fancy-pypi-readme",
    {
        "content-type": "text/markdown",
        "fragments": [
            {"path": "README.md", "end-before": "<!-- pypi:diagram -->"},
            {"path": "docs/snippets/architecture.md"},
            {"path": "README.md", "start-after": "<!-- pypi:diagram -->", "end-before": "## Development"},
        ],
        "substitutions": [
            {"pattern": r"(?s)<!-- github-only:start -->.*?<!-- github-only:end -->\n?", "replacement": ""},
            # Relative links (files in the repository) become links to them on GitHub.
            {"pattern": r"\]\((?!https?://|mailto:|#)([^)\s]+)\)", "replacement": rf"]({REPO_URL}/blob/main/\1)"},
        ],
    },
)
pyproject.add_override(
    "tool.pytest.ini_options",
    {
        "testpaths": ["test"],
        "addopts": "-q -ra --strict-markers",
        "markers": ["slow: builds a wheel or runs the pipeline end to end"],
    },
)

pyproject.add_override(
    "tool.ruff",
    {
        "line-length": 120,
        "target-version": "py310",
        "extend-exclude": ["cdk.out", ".tools", "*.md"],
        # E501: the formatter keeps code within the limit; long strings and docstrings stay readable as they are.
        "lint": {"select": ["E", "F", "W", "I", "B"], "ignore": ["E501"]},
    },
)

pyproject.add_override(
    "tool.mypy",
    # The library and the bundled handler are typed; third-party packages without stubs are taken as Any.
    {"files": ["src/shipment_pipeline_constructs", "lambda/shipment_processor"], "ignore_missing_imports": True},
)

project.gitignore.exclude("cdk.out/", ".tools/", "reports/", "*.whl")

for key, value in QUIET_JSII.items():
    project.tasks.add_environment(key, value)

project.add_task("docs", description="Regenerate API.md from docstrings", exec="python tools/api_docs.py")
project.test_task.exec("pytest")

MAKEFILE = r"""
# The two commands a newcomer needs (see README.md):
#   make demo   installs everything, then runs the demo
#   make test   installs everything, then runs the full test suite (CI runs this)
.DEFAULT_GOAL := help
SHELL := /bin/bash
{jsii_exports}
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

test-oldest: setup ## the construct tests against the oldest supported aws-cdk-lib ({cdk_floor})
	@$(RUN) --with "aws-cdk-lib=={cdk_floor}" pytest test --ignore=test/e2e --ignore=test/bench --ignore=test/test_wheel.py

bench: setup ## run the benchmarks in bench/
	@$(RUN) python bench/handler_bench.py

clean: ## remove build output and local environments
	rm -rf .venv .tools cdk.out dist reports
"""
jsii_exports = "\n".join(f"export {key} := {value}" for key, value in QUIET_JSII.items())
TextFile(
    project,
    "Makefile",
    lines=MAKEFILE.replace("{jsii_exports}", jsii_exports).replace("{cdk_floor}", CDK_FLOOR).strip("\n").splitlines(),
)

project.synth()
