"""The package's layers, as its file tree shows them, enforced on the source (an AST walk over ``src/``).

- The construct (``pipeline``, ``stages``, ``observe``, ``options``,
  ``compliance``, ``scaling``) imports none of the operator tooling.
- The tooling (``ops``, ``cli``, ``local``, ``capacity``, ``app_runner``,
  ``template_reader``, ``testing``) loads neither aws-cdk-lib (``aws_cdk``,
  ``constructs``) nor a construct module when it is imported: a command
  that needs CDK imports it inside the function that runs it.
- Only the package's ``__init__`` imports ``pipeline``.
- No import cycle among the package's modules, counting every import:
  ``if TYPE_CHECKING:`` blocks and function bodies included.

The shared modules (``shape``, ``defaults``, ``naming``, ``sizing``,
``validation``, ``handler_asset``, ``jsii_env``, ``schema_codegen``) may be read by both sides.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = "shipment_pipeline_constructs"
SOURCE = Path(__file__).resolve().parents[1] / "src" / PACKAGE

CONSTRUCT = ("pipeline", "stages", "observe", "options", "compliance", "scaling")
TOOLING = ("ops", "cli", "local", "capacity", "app_runner", "template_reader", "testing")
CDK = ("aws_cdk", "constructs")


@dataclass(frozen=True)
class Import:
    """One import statement's target: a module of the package, or an external top-level package."""

    importer: str
    target: str
    line: int
    #: Runs when the importer is imported: at module level (class bodies included), not under TYPE_CHECKING.
    at_import: bool


def module_files(root: Path = SOURCE, package: str = PACKAGE) -> dict[str, Path]:
    """Dotted module name -> file, for every module and package ``__init__`` under ``root``."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join((package, *parts))] = path
    return modules


def imports_of(name: str, path: Path, modules: Iterable[str]) -> Iterator[Import]:
    """Every import in the module ``name``, resolved to absolute module names."""
    known = set(modules)
    is_package = path.name == "__init__.py"

    def resolve(node: ast.ImportFrom) -> list[str]:
        if node.level:
            base = name.split(".") if is_package else name.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            origin = ".".join([*base, *([node.module] if node.module else [])])
        else:
            origin = node.module or ""
        # ``from pkg import sub`` imports the submodule; ``from mod import name`` imports mod.
        return [f"{origin}.{alias.name}" if f"{origin}.{alias.name}" in known else origin for alias in node.names]

    def visit(node: ast.AST, at_import: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield Import(name, alias.name, child.lineno, at_import)
            elif isinstance(child, ast.ImportFrom):
                for target in resolve(child):
                    yield Import(name, target, child.lineno, at_import)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                yield from visit(child, False)
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for statement in child.body:
                    yield from visit(ast.Module(body=[statement], type_ignores=[]), False)
                for statement in child.orelse:
                    yield from visit(ast.Module(body=[statement], type_ignores=[]), at_import)
            else:
                yield from visit(child, at_import)

    yield from visit(ast.parse(path.read_text(), filename=str(path)), True)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def side(module: str, package: str = PACKAGE) -> str:
    """``construct``, ``tooling`` or ``shared``, from the module's first name below the package."""
    first = module[len(package) + 1 :].split(".", maxsplit=1)[0] if module != package else ""
    if first in CONSTRUCT:
        return "construct"
    if first in TOOLING:
        return "tooling"
    return "shared"


def import_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (or a module importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in graph.get(node, ()):
            if successor not in index:
                connect(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return cycles


def loaded_at_import(module: str, graph: Mapping[str, Iterable[str]]) -> set[str]:
    """Everything importing ``module`` executes: its import-time imports, transitively, with their parent packages."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        parts = current.split(".")
        todo += [".".join(parts[:end]) for end in range(1, len(parts))]  # parent packages run first
        todo += list(graph.get(current, ()))
    return seen


MODULES = module_files()
IMPORTS = [found for name, path in MODULES.items() for found in imports_of(name, path, MODULES)]
INTERNAL = [found for found in IMPORTS if found.target.split(".")[0] == PACKAGE]
ALL_EDGES: dict[str, set[str]] = {name: set() for name in MODULES}
RUNTIME_EDGES: dict[str, set[str]] = {name: set() for name in MODULES}
for _found in IMPORTS:
    ALL_EDGES[_found.importer].add(_found.target)
    if _found.at_import:
        RUNTIME_EDGES[_found.importer].add(_found.target)


def _where(found: Import) -> str:
    return f"{found.importer} (line {found.line}) imports {found.target}"


# -- the checker itself -----------------------------------------------------------------------


def test_the_walker_resolves_relative_imports_and_sees_guarded_and_local_ones(tmp_path: Path) -> None:
    # GIVEN a small package with a relative import, a TYPE_CHECKING import and a function-local import
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("from . import leaf\n")
    (package / "sub" / "leaf.py").write_text(
        "from typing import TYPE_CHECKING\nfrom .. import top\nif TYPE_CHECKING:\n    from ..top import Thing\n"
    )
    (package / "top.py").write_text("def run():\n    from .sub.leaf import x\n    import aws_cdk\n")
    modules = module_files(package, "pkg")
    found = {
        (item.importer, item.target, item.at_import)
        for name, path in modules.items()
        for item in imports_of(name, path, modules)
    }
    # THEN each import resolves to its absolute module, and only the module-level one runs at import
    assert found >= {
        ("pkg.sub", "pkg.sub.leaf", True),
        ("pkg.sub.leaf", "pkg.top", True),
        ("pkg.sub.leaf", "pkg.top", False),
        ("pkg.top", "pkg.sub.leaf", False),
        ("pkg.top", "aws_cdk", False),
    }
    graph = {"pkg.top": {"pkg.sub.leaf"}, "pkg.sub.leaf": {"pkg.top"}, "pkg.sub": {"pkg.sub.leaf"}}
    assert import_cycles(graph) == [["pkg.sub.leaf", "pkg.top"]]
    assert loaded_at_import("pkg.sub.leaf", {"pkg.sub.leaf": {"pkg.top"}}) == {
        "pkg",
        "pkg.sub",
        "pkg.sub.leaf",
        "pkg.top",
    }


def test_the_tooling_side_holds_every_command_and_the_capacity_planner() -> None:
    # The rules below are parametrized by side(): a module left off TOOLING would be checked by none of them.
    tooling = {name for name in MODULES if side(name) == "tooling"}
    capacity = {name for name in MODULES if name.startswith(f"{PACKAGE}.capacity")}
    assert len(capacity) > 1 and capacity <= tooling
    assert {f"{PACKAGE}.cli.plan", f"{PACKAGE}.cli.cost", f"{PACKAGE}.template_reader", f"{PACKAGE}.testing"} <= tooling


# -- the rules --------------------------------------------------------------------------------


def test_the_construct_imports_no_tooling() -> None:
    offending = [
        _where(found) for found in INTERNAL if side(found.importer) == "construct" and side(found.target) == "tooling"
    ]
    assert offending == []


@pytest.mark.parametrize("module", sorted(name for name in MODULES if side(name) == "tooling"))
def test_importing_the_tooling_loads_no_aws_cdk_and_no_construct_module(module: str) -> None:
    loaded = loaded_at_import(module, RUNTIME_EDGES)
    construct = sorted(name for name in loaded if side(name) == "construct")
    cdk = sorted(
        _where(found)
        for found in IMPORTS
        if found.at_import and found.importer in loaded and found.target.split(".")[0] in CDK
    )
    assert (construct, cdk) == ([], [])


@pytest.mark.parametrize(
    "importers",
    [
        pytest.param("tooling and shared"),
        pytest.param("construct"),
    ],
)
def test_only_the_package_init_imports_pipeline(importers: str) -> None:
    offending = [
        _where(found)
        for found in INTERNAL
        if found.target == f"{PACKAGE}.pipeline"
        and found.importer != PACKAGE
        and (side(found.importer) == "construct") == (importers == "construct")
    ]
    assert offending == []


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param("touching the tooling or shared modules"),
        pytest.param("among construct modules"),
    ],
)
def test_no_import_cycle(kind: str) -> None:
    # Every import counts here, TYPE_CHECKING and function-local ones included: a cycle hidden behind
    # TYPE_CHECKING still means neither module can be read, tested or moved without the other.
    cycles = import_cycles(ALL_EDGES)
    construct_only = [cycle for cycle in cycles if all(side(name) == "construct" or name == PACKAGE for name in cycle)]
    assert (
        construct_only if kind == "among construct modules" else [c for c in cycles if c not in construct_only]
    ) == []


def test_the_cli_starts_without_aws_cdk() -> None:
    # GIVEN a fresh interpreter  WHEN it imports the CLI and builds its parser
    code = (
        "import json, sys\n"
        "import shipment_pipeline_constructs.cli as cli\n"
        "cli.build_parser()\n"
        "print(json.dumps(sorted(name for name in sys.modules if name.split('.')[0] in ('aws_cdk', 'constructs', 'jsii'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # THEN neither aws-cdk-lib nor jsii was loaded
    assert json.loads(result.stdout) == []


def test_every_public_name_is_importable_from_the_package() -> None:
    import shipment_pipeline_constructs as package

    assert sorted(package.__all__) == [
        "AlarmRouting",
        "AlarmThreshold",
        "AlarmThresholds",
        "EventContract",
        "IngestOptions",
        "PipelineValidationError",
        "Problems",
        "ProcessorOptions",
        "ProvisionedCapacity",
        "QueueOptions",
        "RecordHook",
        "ResourceNames",
        "ScalingProfile",
        "ShipmentEventPipeline",
        "StorageOptions",
        "latest_python_runtime",
    ]
    for name in package.__all__:
        value = getattr(package, name)
        assert getattr(value, "__name__", name) == name, name
