"""Render API.md from the package's docstrings (griffe reads the source; nothing is imported).

Usage: ``python tools/api_docs.py`` writes API.md (``make docs``); ``--check`` exits 1 when the
committed API.md differs from what the docstrings give, without writing anything.

Every name in ``shipment_pipeline_constructs.__all__`` is documented, in that order. Each dataclass gets
one row per constructor field and the construct one row per prop, with type, default and the
description from the docstring's ``Attributes:`` / ``Args:`` section. ``test/docs/test_api_reference.py``
checks that by introspection.
"""

from __future__ import annotations

import ast
import re
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import griffe

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "shipment_pipeline_constructs"
OUTPUT = REPO / "API.md"
HEADER = (
    "# API reference\n\n"
    f"Generated from the docstrings of `{PACKAGE}` by `tools/api_docs.py` (`make docs`); "
    "edit the docstrings, not this file. The same reference, with search, is on the "
    "[documentation site](https://shipment-pipeline.github.io/shipment-pipeline-constructs/api/).\n"
)
SPHINX_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|mod|obj|data|exc|const):`~?([^`]+)`")
LITERAL_BLOCK = re.compile(r"^(?P<lead>[^\n]*?)(?P<colons>::)\n\n(?P<body>(?:(?: {4}[^\n]*)?\n)+)", re.M)


def load() -> griffe.Module:
    """The package as griffe reads it from ``src/`` (dataclass ``__init__`` signatures included)."""
    package = griffe.load(PACKAGE, search_paths=[str(REPO / "src")], docstring_parser="google")
    assert isinstance(package, griffe.Module)
    return package


def exported_names(package: griffe.Module) -> list[str]:
    """``__all__``, in its order."""
    return [str(name) for name in package.exports or []]


def render() -> str:
    """The whole API.md text."""
    package = load()
    names = exported_names(package)
    parts = [HEADER, "## Contents\n", *[f"- [`{name}`](#{name.lower()})" for name in names], ""]
    for name in names:
        parts.append(_render_object(package, package[name].final_target, names))
    return "\n".join(parts).rstrip() + "\n"


def _render_object(package: griffe.Module, obj: Any, exported: list[str]) -> str:
    lines = [f"## {obj.name}\n", f"`{obj.path}`\n"]
    if not obj.is_class:
        returns = f" -> {obj.returns}" if obj.returns else ""
        lines.append(f"```python\n{obj.name}({_parameters(package, obj)}){returns}\n```\n")
        lines += _render_docstring(package, obj, exported)
        return "\n".join(lines)

    init = obj.all_members.get("__init__")
    if init is not None and init.is_function:
        lines.append(f"```python\n{_signature(obj.name, _parameters(package, init))}\n```\n")
    is_dataclass = "dataclass" in obj.labels
    lines += _render_docstring(package, obj, exported)

    # A dataclass documents its fields under Attributes; a construct its props under Args (class or __init__).
    descriptions = _section_items(obj, "attributes" if is_dataclass else "parameters") | _section_items(
        init, "parameters"
    )
    props = _props(package, obj, init) if init is not None else []
    if props:
        is_construct = any(str(base).split(".")[-1] == "Construct" for base in obj.bases)
        lines.append("### Fields\n" if is_dataclass else "### Props\n" if is_construct else "### Parameters\n")
        lines.append("| name | type | default | description |\n| --- | --- | --- | --- |")
        for name, annotation, default in props:
            shown = _cell(f"`{default}`") if default is not None else "required"
            lines.append(
                f"| `{name}` | {_cell(f'`{annotation}`')} | {shown} | "
                f"{_cell(_text(descriptions.get(name, ''), exported))} |"
            )
        lines.append("")

    field_names = {name for name, _, _ in props}
    attributes = _attributes(obj, field_names)
    if attributes:
        lines.append("### Attributes\n")
        lines += [
            f"- `{name}`" + (f" (`{annotation}`)" if annotation else "") + f": {_text(doc, exported)}"
            for name, annotation, doc in attributes
        ]
        lines.append("")

    methods = [
        member
        for name, member in obj.members.items()
        if member.is_function and not name.startswith("_") and "property" not in member.labels
    ]
    if methods:
        lines.append("### Methods\n")
        for method in methods:
            kind = next((f"@{label} " for label in ("classmethod", "staticmethod") if label in method.labels), "")
            returns = f" -> {str(method.returns).strip(chr(39))}" if method.returns else ""
            lines.append(f"#### `{kind}{method.name}({_parameters(package, method)}){returns}`\n")
            lines += _render_docstring(package, method, exported)
    return "\n".join(lines)


def _signature(name: str, parameters: str) -> str:
    """``Name(a, b)``, or one parameter a line when that is too long to read."""
    if len(name) + len(parameters) < 100:
        return f"{name}({parameters})"
    return f"{name}(\n" + "".join(f"    {p},\n" for p in _split_parameters(parameters)) + ")"


def _split_parameters(parameters: str) -> list[str]:
    """Split at the commas outside brackets and quotes."""
    parts, depth, quote, current = [], 0, "", ""
    for char in parameters:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        current += char
    return [*parts, current.strip()] if current.strip() else parts


def _props(package: griffe.Module, cls: Any, init: Any) -> list[tuple[str, str, str | None]]:
    """``(name, type, default or None)`` for every keyword a user can pass to the class."""
    rows = []
    for parameter in init.parameters:
        if parameter.name in ("self", "cls") or parameter.kind.value.startswith("variadic"):
            continue
        if "dataclass" not in cls.labels and parameter.name in ("scope", "construct_id"):
            continue  # every construct's first two arguments, not props
        default = _value(package, parameter.default) if parameter.default is not None else None
        rows.append((parameter.name, str(parameter.annotation or ""), default))
    return rows


def _attributes(cls: Any, exclude: set[str]) -> list[tuple[str, str, str]]:
    """Public attributes and properties: ``(name, type, first paragraph of the docs)``."""
    documented = _section_items(cls, "attributes")
    rows: dict[str, tuple[str, str, str]] = {}
    for name, member in cls.members.items():
        if name.startswith("_") or name in exclude or "class-attribute" in member.labels and not member.docstring:
            continue
        if member.is_attribute and (member.docstring or name in documented):
            doc = member.docstring.value if member.docstring else documented[name]
            rows[name] = (name, str(member.annotation or ""), _first_paragraph(doc))
        elif member.is_function and "property" in member.labels:
            rows[name] = (
                name,
                str(member.returns or ""),
                _first_paragraph(member.docstring.value if member.docstring else ""),
            )
    for name, doc in documented.items():
        if name not in rows and name not in exclude:
            rows[name] = (name, "", _first_paragraph(doc))
    return list(rows.values())


def _section_items(obj: Any, kind: str) -> dict[str, str]:
    if obj is None or not obj.docstring:
        return {}
    items: dict[str, str] = {}
    for section in obj.docstring.parse("google"):
        if section.kind.value == kind:
            items |= {item.name: item.description for item in section.value}
    return items


def _parameters(package: griffe.Module, function: Any) -> str:
    rendered, star_done = [], False
    for parameter in function.parameters:
        if parameter.name in ("self", "cls"):
            continue
        if parameter.kind.value == "keyword-only" and not star_done:
            rendered.append("*")
            star_done = True
        text = parameter.name
        if parameter.annotation is not None:
            text += f": {parameter.annotation}"
        if parameter.default is not None:
            text += f" = {_value(package, parameter.default)}"
        if parameter.kind.value == "variadic keyword":
            text = f"**{parameter.name}"
        elif parameter.kind.value == "variadic positional":
            text = f"*{parameter.name}"
            star_done = True
        rendered.append(text)
    return ", ".join(rendered)


def shown_default(package: griffe.Module, expression: Any) -> str:
    """A default as API.md shows it (``defaults.X`` folded to its value); shared with the docs site."""
    return _value(package, expression)


def _value(package: griffe.Module, expression: Any) -> str:
    """Show every ``defaults.X`` as the number it stands for (``30 * EVENTS_PER_MINUTE`` becomes ``630``)."""
    return re.sub(r"\bdefaults\.([A-Z0-9_]+)", lambda match: _constant(package, match[1]), str(expression))


def _constant(package: griffe.Module, name: str) -> str:
    text = str(package["defaults"][name].value)
    # Constants defined from other constants: substitute, then fold plain arithmetic.
    members = package["defaults"].members
    text = re.sub(
        r"\b([A-Z][A-Z0-9_]+)\b", lambda match: _constant(package, match[1]) if match[1] in members else match[0], text
    )
    try:
        return repr(_fold(ast.parse(text, mode="eval").body))
    except ValueError:
        return text


def _fold(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
        left, right = _fold(node.left), _fold(node.right)
        return {ast.Add: left + right, ast.Sub: left - right, ast.Mult: left * right}[type(node.op)]
    raise ValueError("not plain arithmetic")


def _render_docstring(package: griffe.Module, obj: Any, exported: list[str]) -> list[str]:
    if not obj.docstring:
        return []
    lines = []
    for section in obj.docstring.parse("google"):
        kind = section.kind.value
        if kind == "text":
            lines.append(_text(section.value.strip(), exported) + "\n")
        elif kind == "parameters" and obj.is_function and obj.name != "__init__":
            lines.append("| parameter | type | description |\n| --- | --- | --- |")
            lines += [
                f"| `{p.name}` | {_cell(_code(p.annotation))} | {_cell(_text(p.description, exported))} |"
                for p in section.value
            ]
            lines.append("")
        elif kind == "raises":
            lines += [f"**Raises** `{r.annotation}`: {_text(r.description, exported)}\n" for r in section.value]
        elif kind == "returns":
            lines += [f"**Returns**: {_text(r.description, exported)}\n" for r in section.value]
        elif kind == "examples":
            for item_kind, text in section.value:
                lines.append(f"```python\n{text}\n```\n" if item_kind.value == "examples" else text + "\n")
        # Not here: "attributes" (a dataclass's fields table, or the Attributes list) and a class's
        # "parameters" (its Props table).
    return lines


def _text(text: str, exported: list[str]) -> str:
    """Docstring text as API.md markdown: exported names link to their section."""
    return markdown_text(text, lambda name: f"[`{name}`](#{name.lower()})" if name in exported else None)


def markdown_text(text: str, link: Callable[[str], str | None]) -> str:
    """Markdown from docstring text: Sphinx roles become code (``link(name)`` where it gives one), ``::`` blocks fences.

    Shared with the docs site's griffe extension (``docs/hooks/griffe_docstrings.py``).
    """

    def role(match: re.Match[str]) -> str:
        target = match[1].split(".")[-1].removesuffix("()")
        return link(target) or f"`{target}`"

    def literal_block(match: re.Match[str]) -> str:
        lead = match["lead"].rstrip()
        lead = lead if lead.endswith(":") or not lead else lead + ":"
        body = textwrap.dedent(match["body"]).strip("\n")
        return f"{lead}\n\n```python\n{body}\n```\n\n"  # a blank line, so a section may follow

    return LITERAL_BLOCK.sub(literal_block, SPHINX_ROLE.sub(role, text + "\n")).rstrip("\n")


def _first_paragraph(text: str) -> str:
    return text.split("\n\n", maxsplit=1)[0].replace("\n", " ")


def _code(annotation: object) -> str:
    return f"`{annotation or ''}`"


def _cell(text: str) -> str:
    # GFM splits a table row at every "|", inside code spans too (``int | None``): escape them all.
    return text.replace("\n", " ").replace("|", "\\|")


def main(argv: list[str]) -> int:
    """Write API.md, or with ``--check`` report whether the committed file is stale."""
    text = render()
    if "--check" in argv:
        if not OUTPUT.exists() or OUTPUT.read_text() != text:
            print("API.md is stale: run `make docs` and commit the result", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
