"""An event contract's JSON Schema, checked and turned into a standalone validator module for the function's asset.

The bundled processor has no runtime dependencies, so it cannot load a JSON
Schema library. At synth time this module generates plain Python from the
schema with ``fastjsonschema`` (``compile_to_code``) and makes it standalone:
the one import of ``fastjsonschema`` in the generated code is replaced by a
copy of its exception classes, with fastjsonschema's BSD licence kept in the
file's header. The processor imports the result once at init.

Dialect: JSON Schema draft-07. ``fastjsonschema`` implements drafts 04, 06
and 07, not 2019-09 or 2020-12, and ignores keywords it does not know; so a
schema declaring a later dialect, or using a later keyword (``prefixItems``,
``unevaluatedProperties``, ``dependentRequired`` ...), is refused rather than
enforced partly. A schema without ``$schema`` is read as draft-07.

No aws_cdk import: the CLI and the test harness use it too.
"""

from __future__ import annotations

import ast
import difflib
import re
import sys
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

__all__ = [
    "DRAFT_07",
    "SUPPORTED_FORMATS",
    "SchemaError",
    "generate_validator_module",
    "schema_problems",
]

#: The ``$schema`` URI of the one dialect the processor validates.
DRAFT_07 = "http://json-schema.org/draft-07/schema#"
_DRAFT_07_SPELLINGS = frozenset(
    {DRAFT_07, DRAFT_07.rstrip("#"), DRAFT_07.replace("http:", "https:"), DRAFT_07.replace("http:", "https:")[:-1]}
)

#: ``format`` values the generated validator checks (fastjsonschema's draft-07 set); any other
#: format would be ignored silently, so it is refused.
SUPPORTED_FORMATS = (
    "date",
    "date-time",
    "email",
    "hostname",
    "idn-email",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "iri",
    "iri-reference",
    "json-pointer",
    "regex",
    "relative-json-pointer",
    "time",
    "uri",
    "uri-reference",
    "uri-template",
)

#: Keywords of later drafts that draft-07 ignores, and what to write instead.
_LATER_KEYWORDS = {
    "prefixItems": 'use "items": [schema, ...] (draft-07 tuple validation)',
    "unevaluatedProperties": 'use "additionalProperties"',
    "unevaluatedItems": 'use "additionalItems"',
    "dependentRequired": 'use "dependencies": {"name": ["other", ...]}',
    "dependentSchemas": 'use "dependencies": {"name": {schema}}',
    "minContains": "draft-07 has no equivalent",
    "maxContains": "draft-07 has no equivalent",
    "$anchor": 'use "$ref" with a JSON pointer ("#/definitions/name")',
    "$dynamicRef": "draft-07 has no equivalent",
    "$dynamicAnchor": "draft-07 has no equivalent",
    "$recursiveRef": "draft-07 has no equivalent",
    "$recursiveAnchor": "draft-07 has no equivalent",
    "$vocabulary": "draft-07 has no equivalent",
}
#: Every draft-07 keyword: what the validator checks, and the annotations it may ignore.
_DRAFT_07_KEYWORDS = frozenset(
    {
        "$schema", "$id", "$ref", "$comment", "$defs", "definitions", "title", "description", "default",
        "examples", "readOnly", "writeOnly", "contentEncoding", "contentMediaType", "type", "enum", "const",
        "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength",
        "pattern", "format", "items", "additionalItems", "maxItems", "minItems", "uniqueItems", "contains",
        "maxProperties", "minProperties", "required", "properties", "patternProperties", "additionalProperties",
        "dependencies", "propertyNames", "if", "then", "else", "allOf", "anyOf", "oneOf", "not",
    }
)  # fmt: skip
_TYPES = frozenset({"array", "boolean", "integer", "null", "number", "object", "string"})
_NUMBER_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
_COUNT_KEYWORDS = ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties")
_SCHEMA_KEYWORDS = (
    "additionalItems",
    "additionalProperties",
    "contains",
    "propertyNames",
    "not",
    "if",
    "then",
    "else",
)
_SCHEMA_MAP_KEYWORDS = ("properties", "patternProperties", "definitions", "$defs")
_SCHEMA_LIST_KEYWORDS = ("allOf", "anyOf", "oneOf")

_FASTJSONSCHEMA_IMPORT = "from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException\n"

_FASTJSONSCHEMA_LICENCE = """\
Copyright (c) 2018, Michal Horejsek
All rights reserved.

Redistribution and use in source and binary forms, with or without modification,
are permitted provided that the following conditions are met:

  Redistributions of source code must retain the above copyright notice, this
  list of conditions and the following disclaimer.

  Redistributions in binary form must reproduce the above copyright notice, this
  list of conditions and the following disclaimer in the documentation and/or
  other materials provided with the distribution.

  Neither the name of the {organization} nor the names of its
  contributors may be used to endorse or promote products derived from
  this software without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND
ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED
WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE FOR
ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES
(INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES;
LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON
ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT
(INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS
SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
"""

# fastjsonschema's exception classes (fastjsonschema/exceptions.py), copied so the module needs no import of it.
_VENDORED_EXCEPTIONS = '''import re as _re

SPLIT_RE = _re.compile(r"[\\.\\[\\]]+")


class JsonSchemaException(ValueError):
    """Base exception of the validator (fastjsonschema's ``JsonSchemaException``)."""


class JsonSchemaValueException(JsonSchemaException):
    """Raised by :func:`validate`: ``message``, ``value``, ``name``, ``path``, ``definition``, ``rule``, ``rule_definition``."""

    def __init__(self, message, value=None, name=None, definition=None, rule=None):
        super().__init__(message)
        self.message = message
        self.value = value
        self.name = name
        self.definition = definition
        self.rule = rule

    @property
    def path(self):
        return [item for item in SPLIT_RE.split(self.name or "") if item != ""]

    @property
    def rule_definition(self):
        if not self.rule or not self.definition:
            return None
        return self.definition.get(self.rule)


class JsonSchemaValuesException(JsonSchemaException):
    """Several :class:`JsonSchemaValueException` at once (unused with fast failing, kept for the generated code)."""

    def __init__(self, errors):
        self.message = "; ".join(error.message for error in errors)
        super().__init__(self.message)
        self.errors = errors
'''


class SchemaError(ValueError):
    """A detail schema that cannot be used; the message lists every problem (:func:`schema_problems`)."""


def schema_problems(schema: Any) -> list[str]:
    """Every reason ``schema`` cannot be an event contract's detail schema; empty when it can.

    Covered: not an object schema, a dialect other than draft-07, a malformed
    keyword value (a type name, a number, a regular expression ...), a
    keyword of a later draft that draft-07 would ignore, a keyword draft-07
    does not know (a typo such as ``requried``; annotations of your own start
    with ``x-``), a ``format`` the
    validator does not check, a remote or unresolvable ``$ref``, and anything
    ``fastjsonschema`` itself refuses. Each problem names where it is
    (``$.properties.weight_kg.minimum``) and how to fix it.

    Example::

        schema_problems({"$schema": "https://json-schema.org/draft/2020-12/schema"})
        # ['$schema: JSON Schema 2020-12 is not supported; ...']
    """
    if not isinstance(schema, Mapping):
        return [f"the detail schema must be a JSON object, got {type(schema).__name__}"]
    problems: list[str] = []
    dialect = schema.get("$schema")
    if dialect is not None and dialect not in _DRAFT_07_SPELLINGS:
        named = "2020-12" if "2020-12" in str(dialect) else "2019-09" if "2019-09" in str(dialect) else str(dialect)
        problems.append(
            f"$schema: JSON Schema {named} is not supported; the processor validates draft-07 (fastjsonschema "
            f"implements drafts 04, 06 and 07): rewrite the schema for draft-07 and set $schema to {DRAFT_07}"
        )
    declared = schema.get("type")
    if declared is not None and "object" not in (declared if isinstance(declared, list) else [declared]):
        problems.append(f"$.type: an event's detail is an object, but the schema's type is {declared!r}")
    problems += _walk(schema, "$", schema)
    if not problems:
        try:
            _compile(schema)
        except Exception as error:  # fastjsonschema raises its own and plain Python errors for bad schemas
            problems.append(f"the schema cannot be compiled: {type(error).__name__}: {error}")
    return problems


def generate_validator_module(schema: Mapping[str, Any]) -> str:
    """The source of a standalone module with ``validate(data)`` for ``schema``; raise :class:`SchemaError` if unusable.

    The module imports only the standard library; ``validate`` raises its
    ``JsonSchemaValueException`` (attributes as fastjsonschema's) on the first
    violation and never fills in ``default`` values, so the stored detail is
    what the producer sent. Numbers in the schema's numeric rules become
    ``Decimal`` so that they compare exactly with the processor's parsed
    numbers (``0.1`` in a schema means the decimal 0.1, not a binary float).
    The output is deterministic (same schema, same text), so the asset hash
    is stable.

    Example::

        Path("asset/shipment_contract_validator.py").write_text(generate_validator_module(schema))
    """
    problems = schema_problems(schema)
    if problems:
        raise SchemaError("the detail schema cannot be used: " + "; ".join(problems))
    import fastjsonschema

    code = _compile(schema)
    if _FASTJSONSCHEMA_IMPORT not in code:
        raise RuntimeError(
            f"fastjsonschema {fastjsonschema.VERSION} generated code without the import this library replaces "
            f"({_FASTJSONSCHEMA_IMPORT.strip()!r}); pin fastjsonschema to a version this release supports"
        )
    licence = "".join(f"#   {line}".rstrip() + "\n" for line in _FASTJSONSCHEMA_LICENCE.splitlines())
    header = (
        "# Generated by shipment-pipeline-constructs at synth from the event contract's detail schema\n"
        f"# (JSON Schema draft-07) with fastjsonschema {fastjsonschema.VERSION}. Do not edit: it is regenerated.\n"
        "#\n"
        "# The validation code and the exception classes below come from fastjsonschema, whose licence follows:\n"
        "#\n"
        f"{licence}"
        '"""Validator of an event contract\'s detail: ``validate(data)`` raises ``JsonSchemaValueException``."""\n'
        "# ruff: noqa\n"
        "# mypy: ignore-errors\n"
    )
    body = code.replace(_FASTJSONSCHEMA_IMPORT, _VENDORED_EXCEPTIONS, 1)
    source = header + body
    imported = sorted(_top_level_imports(source) - set(sys.stdlib_module_names))
    if imported:
        raise RuntimeError(f"the generated validator imports {', '.join(imported)}, outside the standard library")
    return source


def _compile(schema: Mapping[str, Any]) -> str:
    import fastjsonschema

    # No defaults filled in: the stored detail stays what the producer sent, and its fingerprint with it.
    return str(fastjsonschema.compile_to_code(_exact_numbers(dict(schema)), use_default=False))


class _DecimalLiteral(Decimal):
    """A ``Decimal`` that fastjsonschema writes into the generated code as ``Decimal('0.1')``, not as ``0.1``.

    fastjsonschema formats a rule's number with ``str`` (``if data < 0.1:``); the processor's numbers are
    ``Decimal``, and ``Decimal("0.1") < 0.1`` is true (the float is 0.1000000000000000055...).
    """

    def __str__(self) -> str:
        return f"Decimal({Decimal.__str__(self)!r})"

    def __format__(self, spec: str, context: Any = None) -> str:
        return self.__str__() if not spec else Decimal.__format__(self, spec, context)

    __repr__ = __str__


def _exact_numbers(schema: Any, keyword: str | None = None) -> Any:
    """The schema with every float in a numeric rule, ``enum`` or ``const`` as the decimal it is written as."""
    if isinstance(schema, float) and keyword in (*_NUMBER_KEYWORDS, "enum", "const"):
        return _DecimalLiteral(repr(schema))
    if isinstance(schema, dict):
        return {
            key: _exact_numbers(value, key if keyword not in ("enum", "const") else keyword)
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_exact_numbers(value, keyword) for value in schema]
    return schema


def _top_level_imports(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def _walk(schema: Any, where: str, root: Mapping[str, Any]) -> list[str]:  # noqa: C901, PLR0912  # one branch per kind of subschema container
    """The problems of one (sub)schema at ``where`` and of every schema inside it."""
    if isinstance(schema, bool):
        return []
    if not isinstance(schema, Mapping):
        return [f"{where}: must be a schema (an object or a boolean), got {_json_type(schema)}"]
    problems = list(_keyword_problems(schema, where, root))
    for keyword in _SCHEMA_KEYWORDS:
        if keyword in schema:
            problems += _walk(schema[keyword], f"{where}.{keyword}", root)
    for keyword in _SCHEMA_MAP_KEYWORDS:
        members = schema.get(keyword)
        if members is None:
            continue
        if not isinstance(members, Mapping):
            problems.append(f"{where}.{keyword}: must be an object of schemas, got {_json_type(members)}")
            continue
        for name, member in members.items():
            if keyword == "patternProperties":
                problems += _regex_problems(name, f"{where}.{keyword}[{name!r}] (the pattern)")
            problems += _walk(member, f"{where}.{keyword}{_step(name)}", root)
    for keyword in _SCHEMA_LIST_KEYWORDS:
        members = schema.get(keyword)
        if members is None:
            continue
        if not isinstance(members, list) or not members:
            problems.append(f"{where}.{keyword}: must be a non-empty array of schemas")
            continue
        for index, member in enumerate(members):
            problems += _walk(member, f"{where}.{keyword}[{index}]", root)
    items = schema.get("items")
    if isinstance(items, list):
        for index, member in enumerate(items):
            problems += _walk(member, f"{where}.items[{index}]", root)
    elif items is not None:
        problems += _walk(items, f"{where}.items", root)
    dependencies = schema.get("dependencies")
    if isinstance(dependencies, Mapping):
        for name, member in dependencies.items():
            if isinstance(member, list):
                if not all(isinstance(other, str) for other in member):
                    problems.append(f"{where}.dependencies{_step(name)}: must be an array of property names")
            else:
                problems += _walk(member, f"{where}.dependencies{_step(name)}", root)
    elif dependencies is not None:
        problems.append(f"{where}.dependencies: must be an object")
    return problems


def _keyword_problems(schema: Mapping[str, Any], where: str, root: Mapping[str, Any]) -> Iterator[str]:  # noqa: C901, PLR0912  # one check per keyword
    for keyword in schema:
        if keyword in _LATER_KEYWORDS:
            yield (
                f"{where}.{keyword}: a JSON Schema 2019-09/2020-12 keyword that draft-07 ignores; "
                f"{_LATER_KEYWORDS[keyword]}"
            )
        elif keyword not in _DRAFT_07_KEYWORDS and not str(keyword).startswith("x-"):
            close = difflib.get_close_matches(str(keyword), _DRAFT_07_KEYWORDS, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            yield (
                f"{where}: {keyword!r} is not a draft-07 keyword, so nothing would check it; {hint}"
                "(an annotation of your own must start with x-)"
            )
    reference = schema.get("$ref")
    if reference is not None:
        yield from _reference_problems(reference, f"{where}.$ref", root)
    declared = schema.get("type")
    if declared is not None:
        names = declared if isinstance(declared, list) else [declared]
        unknown = [name for name in names if name not in _TYPES]
        if unknown or not names:
            yield f"{where}.type: {unknown or declared!r} is not a JSON Schema type; use {', '.join(sorted(_TYPES))}"
    for keyword in _NUMBER_KEYWORDS:
        value = schema.get(keyword)
        if keyword in schema and (isinstance(value, bool) or not isinstance(value, (int, float))):
            yield f"{where}.{keyword}: must be a number, got {_json_type(value)}"
        elif keyword == "multipleOf" and value is not None and value <= 0:
            yield f"{where}.multipleOf: must be greater than 0"
    for keyword in _COUNT_KEYWORDS:
        value = schema.get(keyword)
        if keyword in schema and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            yield f"{where}.{keyword}: must be a whole number >= 0, got {value!r}"
    if "pattern" in schema:
        pattern = schema["pattern"]
        if isinstance(pattern, str):
            yield from _regex_problems(pattern, f"{where}.pattern")
        else:
            yield f"{where}.pattern: must be a string, got {_json_type(pattern)}"
    if "format" in schema and schema["format"] not in SUPPORTED_FORMATS:
        yield (
            f"{where}.format: {schema['format']!r} is not a format the validator checks (it would be ignored); "
            f"use one of {', '.join(SUPPORTED_FORMATS)}, or a pattern"
        )
    required = schema.get("required")
    if required is not None and (
        not isinstance(required, list)
        or not all(isinstance(name, str) for name in required)
        or len(set(required)) != len(required)
    ):
        yield f"{where}.required: must be an array of distinct property names"
    enum = schema.get("enum")
    if enum is not None and (not isinstance(enum, list) or not enum):
        yield f"{where}.enum: must be a non-empty array"
    if "uniqueItems" in schema and not isinstance(schema["uniqueItems"], bool):
        yield f"{where}.uniqueItems: must be true or false"


def _reference_problems(reference: Any, where: str, root: Mapping[str, Any]) -> Iterator[str]:
    if not isinstance(reference, str):
        yield f"{where}: must be a string"
        return
    if not reference.startswith("#"):
        yield (
            f"{where}: {reference!r} is a remote reference; the schema is compiled at synth without network "
            "access, so copy the referenced schema into definitions and refer to it as #/definitions/<name>"
        )
        return
    target: Any = root
    for escaped in reference[1:].lstrip("/").split("/") if reference not in ("#", "#/") else ():
        token = escaped.replace("~1", "/").replace("~0", "~")
        if isinstance(target, Mapping) and token in target:
            target = target[token]
        elif isinstance(target, list) and token.isdigit() and int(token) < len(target):
            target = target[int(token)]
        else:
            yield f"{where}: {reference!r} does not point into the schema (no {token!r} there)"
            return


def _regex_problems(pattern: str, where: str) -> Iterator[str]:
    try:
        re.compile(pattern)
    except re.error as error:
        yield f"{where}: {pattern!r} is not a regular expression Python's re module accepts ({error})"


def _step(name: str) -> str:
    return f".{name}" if name.isidentifier() else f"[{name!r}]"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float, Decimal)):
        return "number"
    names: dict[type, str] = {str: "string", list: "array", dict: "object"}
    return names.get(type(value), type(value).__name__)
