"""A draft-07 JSON Schema rewritten as draft-04, exactly, or the reasons it cannot be.

The EventBridge Schema Registry takes ``JSONSchemaDraft4`` (or OpenAPI 3).
A contract's ``detail_schema`` is draft-07; most of it is draft-04 as it is,
and a few draft-06/07 spellings have an exact draft-04 equivalent:

* numeric ``exclusiveMinimum: n`` -> ``minimum: n, exclusiveMinimum: true``
  (with a ``minimum`` as well, the stricter bound of the two), the same for maximum;
* ``const: v`` -> ``enum: [v]`` (intersected with an ``enum`` next to it);
* a boolean schema ``true`` -> ``{}``, ``false`` -> ``{"not": {}}``;
* ``$id`` -> ``id``; an empty ``required`` (draft-04 wants at least one name) is left out.

``contains``, ``propertyNames``, ``if``/``then``/``else`` and a ``format``
draft-04 does not define have no equivalent: a draft-04 validator would
ignore them and accept more than the processor does, so they are reported
(:func:`draft4_problems`), each with the keyword and its JSON path, never
dropped silently. Pure functions, no aws-cdk-lib.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["DRAFT4_URI", "draft4_problems", "to_draft4"]

DRAFT4_URI = "http://json-schema.org/draft-04/schema#"

#: Keywords with no draft-04 equivalent, and why.
_UNSUPPORTED = {
    "contains": "draft-04 has no 'contains' (an array holding at least one matching item)",
    "propertyNames": "draft-04 has no 'propertyNames' (a schema for an object's keys)",
    "if": "draft-04 has no 'if'/'then'/'else'",
    "then": "draft-04 has no 'if'/'then'/'else'",
    "else": "draft-04 has no 'if'/'then'/'else'",
}
#: The formats draft-04 defines; a validator ignores any other, so a draft-07 format beyond these would be lost.
_DRAFT4_FORMATS = frozenset({"date-time", "email", "hostname", "ipv4", "ipv6", "uri"})
#: Keywords whose value is one schema, an object of schemas or a list of schemas.
_ONE_SCHEMA = ("additionalProperties", "additionalItems", "not", "contains", "propertyNames", "if", "then", "else")
_SCHEMA_MAPS = ("properties", "patternProperties", "definitions")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")


def draft4_problems(schema: Any) -> list[str]:
    """Every keyword of ``schema`` that draft-04 cannot express, as ``'KEYWORD' at $.PATH: why``."""
    problems: list[str] = []
    _walk(schema, "$", lambda node, path: problems.extend(_node_problems(node, path)))
    return problems


def to_draft4(schema: Any) -> Any:
    """``schema`` (draft-07) as draft-04; call it only when :func:`draft4_problems` is empty.

    Raises ``ValueError`` naming the first keyword that has no draft-04 equivalent.
    """
    problems = draft4_problems(schema)
    if problems:
        raise ValueError(problems[0])
    converted = _convert(schema)
    if isinstance(converted, dict):
        converted["$schema"] = DRAFT4_URI
    return converted


def _node_problems(node: Mapping[str, Any], path: str) -> list[str]:
    found = [f"{keyword!r} at {path}: {why}" for keyword, why in _UNSUPPORTED.items() if keyword in node]
    fmt = node.get("format")
    if isinstance(fmt, str) and fmt not in _DRAFT4_FORMATS:
        found.append(
            f"'format' at {path}: draft-04 does not define format {fmt!r} (its formats: "
            f"{', '.join(sorted(_DRAFT4_FORMATS))}); a draft-04 validator would not check it"
        )
    return found


def _walk(schema: Any, path: str, visit: Callable[[Mapping[str, Any], str], None]) -> None:
    if not isinstance(schema, Mapping):
        return
    visit(schema, path)
    for keyword in _ONE_SCHEMA:
        if keyword in schema:
            _walk(schema[keyword], f"{path}.{keyword}", visit)
    for keyword in _SCHEMA_MAPS:
        for name, sub in (schema.get(keyword) or {}).items():
            _walk(sub, f"{path}.{keyword}.{name}", visit)
    for keyword in _SCHEMA_LISTS:
        for index, sub in enumerate(schema.get(keyword) or []):
            _walk(sub, f"{path}.{keyword}[{index}]", visit)
    items = schema.get("items")
    if isinstance(items, list):
        for index, sub in enumerate(items):
            _walk(sub, f"{path}.items[{index}]", visit)
    elif items is not None:
        _walk(items, f"{path}.items", visit)
    for name, dependency in (schema.get("dependencies") or {}).items():
        if isinstance(dependency, (Mapping, bool)):
            _walk(dependency, f"{path}.dependencies.{name}", visit)


def _convert(schema: Any) -> Any:
    if schema is True:
        return {}
    if schema is False:
        return {"not": {}}
    if not isinstance(schema, Mapping):
        return schema
    out: dict[str, Any] = {}
    for keyword, value in schema.items():
        if keyword in _ONE_SCHEMA:
            out[keyword] = value if isinstance(value, bool) and keyword.startswith("additional") else _convert(value)
        elif keyword in _SCHEMA_MAPS:
            out[keyword] = {name: _convert(sub) for name, sub in value.items()}
        elif keyword in _SCHEMA_LISTS:
            out[keyword] = [_convert(sub) for sub in value]
        elif keyword == "items":
            out[keyword] = [_convert(sub) for sub in value] if isinstance(value, list) else _convert(value)
        elif keyword == "dependencies":
            out[keyword] = {
                name: _convert(dep) if isinstance(dep, (Mapping, bool)) else dep for name, dep in value.items()
            }
        elif keyword == "$id":
            out["id"] = value
        elif keyword == "required" and value == []:
            continue
        elif keyword not in ("const", "exclusiveMinimum", "exclusiveMaximum", "minimum", "maximum", "enum"):
            out[keyword] = value
    _convert_bounds(schema, out)
    _convert_const(schema, out)
    return out


def _convert_bounds(schema: Mapping[str, Any], out: dict[str, Any]) -> None:
    for inclusive, exclusive, lower in (("minimum", "exclusiveMinimum", True), ("maximum", "exclusiveMaximum", False)):
        bound, strict = schema.get(inclusive), schema.get(exclusive)
        if bound is not None:
            out[inclusive] = bound
        if isinstance(strict, bool):  # already draft-04's spelling
            out[exclusive] = strict
        elif _number(strict):
            # x >= bound and x > strict: the inclusive bound alone when it is the stricter one, else strict.
            inclusive_wins = bound is not None and _number(bound) and (bound > strict if lower else bound < strict)
            if not inclusive_wins:
                out[inclusive], out[exclusive] = strict, True


def _convert_const(schema: Mapping[str, Any], out: dict[str, Any]) -> None:
    if "const" in schema:
        value = schema["const"]
        allowed = schema.get("enum")
        out["enum"] = [value] if allowed is None or any(_same(value, other) for other in allowed) else []
        if not out["enum"]:
            out.pop("enum")
            out["not"] = {}  # const and enum disagree: nothing is valid, as in the original
    elif "enum" in schema:
        out["enum"] = schema["enum"]


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _same(first: Any, second: Any) -> bool:
    # JSON Schema equality: 1 and 1.0 are equal, True and 1 are not.
    if isinstance(first, bool) or isinstance(second, bool):
        return type(first) is type(second) and first == second
    return bool(first == second)
