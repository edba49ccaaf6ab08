"""The detail schema's checks and the standalone validator module generated from it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from shipment_pipeline_constructs.schema_codegen import (
    DRAFT_07,
    SchemaError,
    generate_validator_module,
    schema_problems,
)

SCHEMA: dict[str, Any] = {
    "$schema": DRAFT_07,
    "type": "object",
    "required": ["trackingNumber"],
    "definitions": {"weight": {"type": "number", "minimum": 0}},
    "properties": {
        "trackingNumber": {"type": "string", "pattern": "^TN-[0-9]+$"},
        "occurredAt": {"type": "string", "format": "date-time"},
        "event_data": {
            "type": "object",
            "properties": {
                "weight_kg": {"$ref": "#/definitions/weight"},
                "tags": {"type": "array", "uniqueItems": True},
            },
            "additionalProperties": False,
        },
    },
}


def test_a_usable_draft_07_schema_has_no_problems() -> None:
    assert schema_problems(SCHEMA) == []
    assert schema_problems({"properties": {"a": {"type": ["string", "null"]}}}) == []  # no $schema: draft-07
    assert schema_problems({"title": "t", "x-owner": "team-a", "properties": {"prefixItems": {"type": "string"}}}) == []


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        pytest.param(
            {"$schema": "https://json-schema.org/draft/2020-12/schema"},
            "$schema: JSON Schema 2020-12 is not supported; the processor validates draft-07",
            id="2020-12",
        ),
        pytest.param(
            {"prefixItems": [{"type": "string"}]},
            '$.prefixItems: a JSON Schema 2019-09/2020-12 keyword that draft-07 ignores; use "items": [schema, ...]',
            id="later-keyword",
        ),
        pytest.param(
            {"properties": {"a": {"$ref": "https://schemas.example.com/weight.json"}}},
            "$.properties.a.$ref: 'https://schemas.example.com/weight.json' is a remote reference",
            id="remote-ref",
        ),
        pytest.param(
            {"properties": {"a": {"$ref": "#/definitions/missing"}}},
            "$.properties.a.$ref: '#/definitions/missing' does not point into the schema",
            id="dangling-ref",
        ),
        pytest.param(
            {"properties": {"id": {"format": "uuid"}}},
            "$.properties.id.format: 'uuid' is not a format the validator checks (it would be ignored)",
            id="unknown-format",
        ),
        pytest.param(
            {"properties": {"a": {"type": "string"}}, "requried": ["a"]},
            "$: 'requried' is not a draft-07 keyword, so nothing would check it; did you mean 'required'?",
            id="typo",
        ),
        pytest.param({"properties": {"a": {"type": "strnig"}}}, "$.properties.a.type: ['strnig'] is not", id="type"),
        pytest.param({"properties": {"a": {"minimum": "0"}}}, "$.properties.a.minimum: must be a number", id="number"),
        pytest.param(
            {"properties": {"a": {"pattern": "("}}}, "$.properties.a.pattern: '(' is not a regular", id="regex"
        ),
        pytest.param({"required": "a"}, "$.required: must be an array of distinct property names", id="required"),
        pytest.param({"properties": [1]}, "$.properties: must be an object of schemas", id="properties"),
        pytest.param({"type": "array"}, "$.type: an event's detail is an object", id="not-an-object"),
        pytest.param(["not", "a", "schema"], "the detail schema must be a JSON object, got list", id="not-a-mapping"),
    ],
)
def test_every_unusable_schema_is_named_with_its_problem(schema: Any, problem: str) -> None:
    problems = schema_problems(schema)
    assert any(found.startswith(problem) for found in problems), problems


def test_every_problem_is_listed_not_only_the_first() -> None:
    problems = schema_problems(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "properties": {"a": {"format": "uuid"}, "b": {"$ref": "other.json"}},
        }
    )
    assert [problem.split(":")[0] for problem in problems] == [
        "$schema",
        "$.properties.a.format",
        "$.properties.b.$ref",
    ]


def test_generating_from_an_unusable_schema_raises_with_every_problem() -> None:
    with pytest.raises(SchemaError, match=r"the detail schema cannot be used: \$schema: .*; \$\.properties\.a\.format"):
        generate_validator_module(
            {"$schema": "https://json-schema.org/draft/2020-12/schema", "properties": {"a": {"format": "uuid"}}}
        )


def test_the_generated_module_is_deterministic_and_keeps_fastjsonschemas_licence() -> None:
    source = generate_validator_module(SCHEMA)
    assert source == generate_validator_module(json.loads(json.dumps(SCHEMA)))
    assert "Copyright (c) 2018, Michal Horejsek" in source
    assert "THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS" in source
    assert "import fastjsonschema" not in source and "from fastjsonschema import" not in source


# Runs in an isolated interpreter whose sys.path holds only the standard library and the module's folder.
_ISOLATED = r"""
import json, sys
sys.path = [sys.argv[1]] + [entry for entry in sys.path if "site-packages" not in entry]
try:
    import fastjsonschema
    raise SystemExit("fastjsonschema is importable: the check proves nothing")
except ImportError:
    pass
from decimal import Decimal
# What the interpreter loaded at start-up (a site's sitecustomize, say) is not the module's doing.
at_start = set(sys.modules)
import shipment_contract_validator as validator
results = []
for data in json.loads(sys.argv[2], parse_float=Decimal):
    try:
        validator.validate(data)
        results.append("valid")
    except validator.JsonSchemaValueException as error:
        results.append([error.name, error.rule, error.path, error.rule_definition])
loaded = sorted(
    name for name in set(sys.modules) - at_start if name.split(".")[0] not in sys.stdlib_module_names
)
print(json.dumps({"results": results, "non_stdlib": loaded}, default=str))
"""


def test_the_generated_module_runs_with_the_standard_library_alone(tmp_path: Path) -> None:
    # GIVEN the module generated from a schema with a $ref, a format, a pattern and nested rules
    (tmp_path / "shipment_contract_validator.py").write_text(generate_validator_module(SCHEMA))
    cases = [
        {"trackingNumber": "TN-1", "occurredAt": "2025-10-13T10:30:00Z", "event_data": {"weight_kg": 0.5}},
        {"trackingNumber": "TN-1", "event_data": {"weight_kg": -1}},
        {"trackingNumber": "X-1"},
        {"trackingNumber": "TN-1", "event_data": {"colour": "red"}},
    ]

    # WHEN it validates in `python -I` with fastjsonschema off the path
    run = subprocess.run(
        [sys.executable, "-I", "-c", _ISOLATED, str(tmp_path), json.dumps(cases)],
        capture_output=True,
        text=True,
        check=False,
    )

    # THEN it imports nothing outside the standard library and raises its own exception, with fastjsonschema's attributes
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["non_stdlib"] == ["shipment_contract_validator"]
    assert report["results"] == [
        "valid",
        ["data.event_data.weight_kg", "minimum", ["data", "event_data", "weight_kg"], 0],
        ["data.trackingNumber", "pattern", ["data", "trackingNumber"], "^TN-[0-9]+$"],
        ["data.event_data", "additionalProperties", ["data", "event_data"], False],
    ]


def test_the_generated_module_does_not_fill_in_defaults(tmp_path: Path) -> None:
    source = generate_validator_module({"properties": {"priority": {"type": "string", "default": "normal"}}})
    namespace: dict[str, Any] = {}
    exec(compile(source, "shipment_contract_validator.py", "exec"), namespace)  # noqa: S102  # our own generated code
    detail: dict[str, Any] = {}
    namespace["validate"](detail)
    assert detail == {}  # the stored detail (and its fingerprint) stay what the producer sent
