"""API.md documents the whole public API, found by introspection, and matches its generator."""

from __future__ import annotations

import dataclasses
import inspect
import re
import subprocess
import sys

import pytest
from stacks import REPO

import shipment_pipeline_constructs as package

API_MD = (REPO / "API.md").read_text()
ROW = re.compile(r"^\| `(?P<name>\w+)` \| `(?P<type>[^`]*)` \| (?P<default>`[^`]*`|required) \| (?P<doc>.*) \|$", re.M)
PUBLIC = [getattr(package, name) for name in package.__all__]
CLASSES = [obj for obj in PUBLIC if inspect.isclass(obj)]


def section(name: str) -> str:
    """The text of API.md under ``## name``, up to the next object."""
    match = re.search(rf"^## {re.escape(name)}\n(.*?)(?=^## |\Z)", API_MD, re.M | re.S)
    assert match, f"API.md has no section for {name}: run `make docs`"
    return match.group(1)


def rows(name: str) -> dict[str, re.Match[str]]:
    """The prop/field table rows of one object, by name."""
    return {row["name"]: row for row in ROW.finditer(section(name))}


def public_props(cls: type) -> dict[str, inspect.Parameter | dataclasses.Field]:
    """What a user passes to the class: a dataclass's init fields, else keyword parameters after the scope and id."""
    if dataclasses.is_dataclass(cls):
        return {field.name: field for field in dataclasses.fields(cls) if field.init}
    parameters = list(inspect.signature(cls.__dict__["__init__"]).parameters.values())  # its own, as written
    return {p.name: p for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY}


def test_every_exported_name_has_a_section():
    for name in package.__all__:
        assert section(name).strip()


@pytest.mark.parametrize("cls", [c for c in CLASSES if public_props(c)], ids=lambda c: c.__name__)
def test_every_prop_has_a_row_with_type_default_and_description(cls):
    documented = rows(cls.__name__)
    for name, prop in public_props(cls).items():
        assert name in documented, f"API.md: {cls.__name__}.{name} has no row"
        row = documented[name]
        assert row["type"], f"{cls.__name__}.{name}: no type"
        assert row["doc"].strip(), f"{cls.__name__}.{name}: no description (document it in the docstring)"
        default = prop.default
        if isinstance(prop, dataclasses.Field) and prop.default_factory is not dataclasses.MISSING:
            default = prop.default_factory()
        if default in (dataclasses.MISSING, inspect.Parameter.empty):
            assert row["default"] == "required", f"{cls.__name__}.{name} has no default"
        elif default is None or isinstance(default, (bool, int, float, str)):
            # The generator reads source expressions (defaults.X, 6 * 60); the value shown must be the real one.
            assert row["default"] == f"`{default!r}`", f"{cls.__name__}.{name}: shows {row['default']}, is {default!r}"
        else:
            assert row["default"] != "required", f"{cls.__name__}.{name} has a default"


def test_the_prop_count_is_every_prop():
    expected = sum(len(public_props(cls)) for cls in CLASSES)
    documented = sum(len(set(rows(cls.__name__)) & set(public_props(cls))) for cls in CLASSES)
    assert documented == expected
    assert expected >= 60  # the construct's 19 props and the option groups' fields


def test_methods_are_rendered_as_users_call_them():
    assert "(cls" not in API_MD and "(self" not in API_MD
    assert "#### `@classmethod for_events_per_day(events_per_day: int) -> ScalingProfile`" in API_MD
    # No Sphinx cross-reference roles: markdown readers would see them raw.
    assert not re.search(r":(class|func|meth|attr|mod|obj|exc):`", API_MD)


def test_committed_api_md_is_what_the_docstrings_give():
    result = subprocess.run(
        [sys.executable, "tools/api_docs.py", "--check"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
