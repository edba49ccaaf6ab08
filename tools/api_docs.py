"""Render API.md from the package's docstrings (griffe reads the source; nothing is imported).

Usage: ``python tools/api_docs.py`` (write API.md) or ``--check`` (exit 1 when stale).
Every name in ``shipment_pipeline_constructs.__all__`` is documented, in that order.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import griffe

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "shipment_pipeline_constructs"
OUTPUT = REPO / "API.md"
HEADER = (
    "# API reference\n\n"
    f"Generated from the docstrings of `{PACKAGE}` by `tools/api_docs.py` (`make docs`); "
    "edit the docstrings, not this file.\n"
)


def render() -> str:
    """The whole API.md text."""
    package = griffe.load(PACKAGE, search_paths=[str(REPO / "src")], docstring_parser="google")
    names = list(package.exports or [])
    parts = [HEADER, "## Contents\n", *[f"- [`{name}`](#{name.lower()})" for name in names], ""]
    for name in names:
        parts.append(_render_object(package, package[name].final_target))
    return "\n".join(parts).rstrip() + "\n"


def _render_object(package: griffe.Module, obj: griffe.Object) -> str:
    lines = [f"## {obj.name}\n", f"`{obj.path}`\n"]
    if obj.is_class:
        init = obj.members.get("__init__")
        fields = _dataclass_fields(package, obj)
        if fields:
            signature = ", ".join(f"{n}={default}" if default else n for n, _, default, _ in fields)
            lines.append(f"```python\n{obj.name}({signature})\n```\n")
        elif init is not None and init.is_function:
            lines.append(f"```python\n{obj.name}({_parameters(package, init)})\n```\n")
        lines += _render_docstring(package, obj, fields)
        attributes = [
            m for n, m in obj.members.items() if m.is_attribute and not n.startswith("_") and m.docstring and not fields
        ]
        properties = [
            m for n, m in obj.members.items() if m.is_function and "property" in m.labels and not n.startswith("_")
        ]
        if attributes or properties:
            lines.append("### Attributes\n")
            lines += [
                f"- `{m.name}`" + (f" (`{m.annotation}`)" if m.annotation else "") + f": {_first_paragraph(m)}"
                for m in attributes
            ]
            lines += [f"- `{m.name}` (`{m.returns}`): {_first_paragraph(m)}" for m in properties]
            lines.append("")
        methods = [
            m for n, m in obj.members.items() if m.is_function and not n.startswith("_") and "property" not in m.labels
        ]
        if methods:
            lines.append("### Methods\n")
            for method in methods:
                returns = f" -> {method.returns}" if method.returns else ""
                lines.append(f"#### `{method.name}({_parameters(package, method)}){returns}`\n")
                lines += _render_docstring(package, method, [])
    else:
        lines += _render_docstring(package, obj, [])
    return "\n".join(lines)


def _dataclass_fields(package, cls) -> list[tuple[str, str, str, str]]:
    if "dataclass" not in cls.labels:
        return []
    docs = {}
    if cls.docstring:
        for section in cls.docstring.parse("google"):
            if section.kind.value == "attributes":
                docs = {item.name: item.description for item in section.value}
    return [
        (
            name,
            str(member.annotation),
            _value(package, member.value) if member.value is not None else "",
            docs.get(name, ""),
        )
        for name, member in cls.members.items()
        if member.is_attribute
        and member.annotation is not None
        and not name.startswith("_")
        and "class-attribute" not in member.labels  # ClassVar constants are not constructor fields
    ]


def _parameters(package, function) -> str:
    rendered, star_done = [], False
    for parameter in function.parameters:
        if parameter.name == "self":
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
        rendered.append(text)
    return ", ".join(rendered)


def _value(package, expression) -> str:
    """Show every ``defaults.X`` as the number it stands for (``30 * EVENTS_PER_MINUTE`` becomes ``630``)."""
    return re.sub(r"\bdefaults\.([A-Z0-9_]+)", lambda match: _constant(package, match[1]), str(expression))


def _constant(package, name: str) -> str:
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


def _render_docstring(package, obj, fields) -> list[str]:
    if not obj.docstring:
        return []
    lines = []
    for section in obj.docstring.parse("google"):
        kind = section.kind.value
        if kind == "text":
            lines.append(section.value.strip() + "\n")
        elif kind == "parameters":
            lines.append("| parameter | type | description |\n| --- | --- | --- |")
            lines += [f"| `{p.name}` | `{p.annotation or ''}` | {_cell(p.description)} |" for p in section.value]
            lines.append("")
        elif kind == "attributes" and fields:
            lines.append("| field | type | default | description |\n| --- | --- | --- | --- |")
            lines += [f"| `{n}` | `{a}` | {f'`{d}`' if d else 'required'} | {_cell(doc)} |" for n, a, d, doc in fields]
            lines.append("")
        elif kind == "raises":
            lines += [f"**Raises** `{r.annotation}`: {r.description}\n" for r in section.value]
        elif kind == "returns":
            lines += [f"**Returns**: {r.description}\n" for r in section.value]
        elif kind == "examples":
            for item_kind, text in section.value:
                lines.append(f"```python\n{text}\n```\n" if item_kind.value == "examples" else text + "\n")
    return lines


def _first_paragraph(obj) -> str:
    return obj.docstring.value.split("\n\n")[0].replace("\n", " ") if obj.docstring else ""


def _cell(text: str) -> str:
    return text.replace("\n", " ").replace("|", "\\|")


def main(argv: list[str]) -> int:
    """Write API.md, or with ``--check`` report whether it is stale."""
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
