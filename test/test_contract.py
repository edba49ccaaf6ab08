"""The event contract props: their checks, the function asset that carries them, the published schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from stacks import EXAMPLES, synth

from shipment_pipeline_constructs import (
    EventContract,
    PipelineValidationError,
    ProcessorOptions,
    RecordHook,
    ShipmentEventPipeline,
)
from shipment_pipeline_constructs.contract import CONTRACT_FILE, VALIDATOR_MODULE
from shipment_pipeline_constructs.event_schema import event_schema
from shipment_pipeline_constructs.handler_asset import (
    ASSET_EXCLUDES,
    asset_files,
    function_code_dir,
    handler_source_dir,
    staged_asset_dir,
)
from shipment_pipeline_constructs.schema_draft4 import DRAFT4_URI, draft4_problems, to_draft4
from shipment_pipeline_constructs.validation import Problems

EXAMPLE = EXAMPLES / "custom_contract"
HOOK_FILE = EXAMPLE / "hooks" / "enrich.py"
SCHEMA = json.loads((EXAMPLE / "schemas" / "shipment-detail.schema.json").read_text())
CUSTOM = EventContract(
    id_field="trackingNumber",
    timestamp_field="occurredAt",
    type_field="status",
    event_types=["LABEL_CREATED", "DELIVERED"],
    detail_schema=SCHEMA,
)


def problems_of(value: EventContract | RecordHook) -> list[str]:
    problems = Problems()
    value.collect_problems(problems)
    return problems._messages


# -- the contract's own checks --------------------------------------------------------------------


def test_the_default_contract_is_the_processors_own_and_has_no_problem():
    assert EventContract().is_default
    assert not EventContract(event_types=["created"]).is_default
    assert EventContract(publish_schema=True).is_default  # publishing changes nothing in the function
    assert problems_of(EventContract()) == []
    assert problems_of(CUSTOM) == []


@pytest.mark.parametrize(
    ("contract", "expected"),
    [
        (
            EventContract(id_field="shipment..id"),
            "contract.id_field must be a field name in detail or a dotted path of non-empty names "
            "(e.g. 'shipment.id'), got 'shipment..id'",
        ),
        (
            EventContract(type_field=""),
            "contract.type_field must be a field name in detail or a dotted path of non-empty names "
            "(e.g. 'shipment.id'), got ''",
        ),
        (
            EventContract(id_field="shipment", type_field="shipment.kind"),
            "contract.id_field ('shipment') and contract.type_field ('shipment.kind') must be different fields, "
            "neither inside the other",
        ),
        (
            EventContract(event_types=[]),
            "contract.event_types must list at least one type, got an empty list: give the types, or None for any",
        ),
        (EventContract(event_types=["a", " "]), "contract.event_types must hold non-empty strings, got [' ']"),
        (EventContract(event_types=["a", "b", "a"]), "contract.event_types lists 'a' more than once"),
    ],
)
def test_each_bad_contract_field_is_named_with_its_value(contract, expected):
    assert problems_of(contract) == [expected]


def test_a_schema_the_validator_cannot_use_is_a_synth_time_problem_of_the_contract():
    found = problems_of(EventContract(detail_schema={"$schema": "https://json-schema.org/draft/2020-12/schema"}))
    assert found and all(problem.startswith("contract.detail_schema: ") for problem in found)
    assert "2020-12" in found[0]


def test_a_published_schema_must_have_an_exact_draft_04_form():
    schema = {"type": "object", "properties": {"tags": {"type": "array", "contains": {"const": "fragile"}}}}
    found = problems_of(EventContract(detail_schema=schema, publish_schema=True))
    assert found == [
        "contract.detail_schema cannot be published as JSONSchemaDraft4 (publish_schema=True): 'contains' at "
        "$.properties.tags: draft-04 has no 'contains' (an array holding at least one matching item)"
    ]
    assert problems_of(EventContract(detail_schema=schema)) == []  # unpublished, draft-07 is all it needs


# -- the record hook's checks ----------------------------------------------------------------------


def test_the_examples_hook_has_no_problem_and_ships_under_its_file_name():
    hook = RecordHook.from_file(HOOK_FILE, "enrich:enrich")
    assert (hook.module, hook.function, hook.top_level) == ("enrich", "enrich", "enrich")
    assert problems_of(hook) == []


def _package(tmp_path: Path) -> Path:
    package = tmp_path / "tracking_hooks"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "shipping.py").write_text("def redact(event):\n    return dict(event.detail)\n")
    return package


@pytest.mark.parametrize(
    ("path", "entry_point", "expected"),
    [
        ("no/such/hook.py", "hook:run", "processor.record_hook.path 'no/such/hook.py' does not exist"),
        (str(HOOK_FILE), "enrich", "processor.record_hook.entry_point must be 'module:function'"),
        (str(HOOK_FILE), "enrich:not-a-name", "processor.record_hook.entry_point's function must be a Python"),
        (
            str(HOOK_FILE),
            "hooks.enrich:enrich",
            "processor.record_hook.entry_point names module 'hooks.enrich', but",
        ),
        (str(HOOK_FILE), "enrich:missing", "defines no top-level 'missing' (entry point 'enrich:missing')"),
    ],
)
def test_each_bad_hook_is_named_with_the_fix(path, entry_point, expected):
    (found,) = problems_of(RecordHook.from_file(path, entry_point))
    assert found.startswith(expected) or expected in found


def test_a_hook_package_is_addressed_by_its_folder_name(tmp_path):
    package = _package(tmp_path)
    assert problems_of(RecordHook.from_file(package, "tracking_hooks.shipping:redact")) == []
    (found,) = problems_of(RecordHook.from_file(package, "tracking_hooks.other:redact"))
    assert found == f"processor.record_hook: module 'tracking_hooks.other' is not in {str(package)!r}"


@pytest.mark.parametrize("name", ["shipment_processor", "shipment_contract_validator", "json", "botocore"])
def test_a_hook_may_not_shadow_a_module_the_processor_imports(tmp_path, name):
    hook = tmp_path / f"{name}.py"
    hook.write_text("def run(event):\n    return {}\n")
    (found,) = problems_of(RecordHook.from_file(hook, f"{name}:run"))
    assert found.startswith(f"processor.record_hook module {name!r} would shadow the module of that name")


def test_a_hook_that_does_not_compile_fails_at_synth(tmp_path):
    hook = tmp_path / "broken.py"
    hook.write_text("def run(event):\n    return {\n")
    (found,) = problems_of(RecordHook.from_file(hook, "broken:run"))
    assert found.startswith(f"processor.record_hook: {hook} cannot be compiled: ")


def test_the_construct_lists_contract_and_hook_problems_with_the_others(stack_factory):
    with pytest.raises(PipelineValidationError) as raised:
        ShipmentEventPipeline(
            stack_factory(),
            "Pipeline",
            ttl_days=0,
            processor=ProcessorOptions(record_hook=RecordHook.from_file("nope.py", "nope:run")),
            contract=EventContract(event_types=[], detail_schema="not a schema"),  # type: ignore[arg-type]
        )
    assert raised.value.problems == [
        "contract.detail_schema must be a dict (a JSON object) or None, got 'not a schema'",
        "ttl_days must be >= 1 days, got 0",
        "processor.record_hook.path 'nope.py' does not exist (a relative path is read from the app's folder)",
        "contract.event_types must list at least one type, got an empty list: give the types, or None for any",
    ]


@pytest.fixture
def stack_factory():
    from aws_cdk import App, Stack

    return lambda: Stack(App(), "Invalid")


# -- the function asset ----------------------------------------------------------------------------


def test_the_default_contract_without_a_hook_ships_the_handler_folder_itself():
    assert function_code_dir() == handler_source_dir()
    assert function_code_dir(EventContract(publish_schema=True)) == handler_source_dir()
    _, _, default = synth()
    _, _, published = synth(contract=EventContract())
    assert _code(default) == _code(published)  # the same asset hash as a pipeline without the prop
    # ...which is the hash of the bundled handler's folder itself, as aws-cdk-lib fingerprints it.
    from aws_cdk import FileSystem

    handler_hash = FileSystem.fingerprint(str(handler_source_dir()), exclude=ASSET_EXCLUDES)
    assert _code(default)["S3Key"] == f"{handler_hash}.zip"


def test_a_custom_contract_stages_the_handler_the_contract_the_validator_and_the_hook(tmp_path):
    hook = RecordHook.from_file(HOOK_FILE, "enrich:enrich")
    files = asset_files(CUSTOM, hook)
    handler = {name for name in files if name.startswith("shipment_processor/")}
    assert handler == {
        f"shipment_processor/{p.name}" for p in (handler_source_dir() / "shipment_processor").glob("*.py")
    }
    assert set(files) - handler == {CONTRACT_FILE, f"{VALIDATOR_MODULE}.py", "enrich.py"}
    assert json.loads(files[CONTRACT_FILE]) == {
        "format": 1,
        "id_field": "trackingNumber",
        "timestamp_field": "occurredAt",
        "type_field": "status",
        "event_types": ["LABEL_CREATED", "DELIVERED"],
        "detail_schema": SCHEMA,
        "validator_module": VALIDATOR_MODULE,
        "record_hook": "enrich:enrich",
    }
    assert files["enrich.py"] == HOOK_FILE.read_bytes()
    # Staged twice (two synths): one folder, the same bytes, so one asset hash.
    first, second = staged_asset_dir(files, tmp_path), staged_asset_dir(asset_files(CUSTOM, hook), tmp_path)
    assert first == second
    assert {p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file()} == set(files)


def test_a_hook_package_is_staged_whole_without_caches(tmp_path):
    package = _package(tmp_path)
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "shipping.cpython-311.pyc").write_bytes(b"\0")
    files = asset_files(EventContract(), RecordHook.from_file(package, "tracking_hooks.shipping:redact"))
    assert {name for name in files if name.startswith("tracking_hooks/")} == {
        "tracking_hooks/__init__.py",
        "tracking_hooks/shipping.py",
    }
    assert json.loads(files[CONTRACT_FILE])["record_hook"] == "tracking_hooks.shipping:redact"


def test_the_template_names_one_asset_per_contract():
    _, _, default = synth()
    _, _, custom = synth(contract=CUSTOM)
    _, _, again = synth(contract=EventContract(**{**CUSTOM.__dict__}))
    assert _code(default) != _code(custom)
    assert _code(custom) == _code(again)


def _code(template: Any) -> dict[str, Any]:
    (function,) = template.find_resources("AWS::Lambda::Function").values()
    return dict(function["Properties"]["Code"])


# -- the published schema -------------------------------------------------------------------------


def test_publish_schema_creates_a_registry_and_a_draft_04_schema_of_the_whole_event():
    _, pipeline, template = synth(contract=EventContract(**{**CUSTOM.__dict__, "publish_schema": True}))
    template.has_resource_properties("AWS::EventSchemas::Registry", {"RegistryName": "shipment-events-dev"})
    (schema,) = template.find_resources("AWS::EventSchemas::Schema").values()
    properties = schema["Properties"]
    assert (properties["Type"], properties["SchemaName"]) == ("JSONSchemaDraft4", "ShipmentEvent")
    assert properties["RegistryName"] == {
        "Fn::GetAtt": [_logical_id(template, "AWS::EventSchemas::Registry"), "RegistryName"]
    }
    assert pipeline.event_schema is not None and pipeline.schema_registry is not None
    content = json.loads(properties["Content"])
    assert content["$schema"] == DRAFT4_URI
    jsonschema.Draft4Validator.check_schema(content)
    # The published form accepts and refuses what the draft-07 form does.
    draft7 = event_schema(CUSTOM, sources=["shipment.service"])
    for event in _example_events():
        assert _valid(jsonschema.Draft4Validator, content, event) == _valid(jsonschema.Draft7Validator, draft7, event)


def test_without_publish_schema_no_registry_is_created():
    _, pipeline, template = synth(contract=CUSTOM)
    assert template.find_resources("AWS::EventSchemas::Registry") == {}
    assert pipeline.schema_registry is None and pipeline.event_schema is None


def _logical_id(template: Any, resource_type: str) -> str:
    (logical_id,) = template.find_resources(resource_type)
    return logical_id


def _example_events() -> list[dict[str, Any]]:
    events = []
    for line in (EXAMPLE / "events.jsonl").read_text().splitlines():
        entry = json.loads(line)
        events.append(
            {"source": entry["Source"], "detail-type": entry["DetailType"], "detail": json.loads(entry["Detail"])}
        )
    return events


def _valid(validator: Any, schema: dict[str, Any], event: dict[str, Any]) -> bool:
    return not list(validator(schema, format_checker=jsonschema.FormatChecker()).iter_errors(event))


# -- draft-07 to draft-04 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("draft7", "draft4"),
    [
        ({"exclusiveMinimum": 0}, {"minimum": 0, "exclusiveMinimum": True}),
        ({"exclusiveMinimum": 0, "minimum": 5}, {"minimum": 5}),
        ({"exclusiveMinimum": 5, "minimum": 0}, {"minimum": 5, "exclusiveMinimum": True}),
        ({"exclusiveMaximum": 10, "maximum": 10}, {"maximum": 10, "exclusiveMaximum": True}),
        ({"maximum": 3, "exclusiveMaximum": True}, {"maximum": 3, "exclusiveMaximum": True}),
        ({"const": "a"}, {"enum": ["a"]}),
        ({"const": 1, "enum": [1, 2]}, {"enum": [1]}),
        ({"const": 3, "enum": [1, 2]}, {"not": {}}),
        ({"properties": {"a": True, "b": False}}, {"properties": {"a": {}, "b": {"not": {}}}}),
        ({"$id": "https://example.com/s", "required": []}, {"id": "https://example.com/s"}),
        (
            {"additionalProperties": False, "items": [{"const": 1}]},
            {"additionalProperties": False, "items": [{"enum": [1]}]},
        ),
    ],
)
def test_what_draft_04_can_express_converts_exactly(draft7, draft4):
    assert to_draft4(draft7) == {**draft4, "$schema": DRAFT4_URI}


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        (
            {"contains": {}},
            ["'contains' at $: draft-04 has no 'contains' (an array holding at least one matching item)"],
        ),
        (
            {"properties": {"m": {"propertyNames": {"maxLength": 3}}}},
            ["'propertyNames' at $.properties.m: draft-04 has no 'propertyNames' (a schema for an object's keys)"],
        ),
        (
            {"allOf": [{"if": {}, "then": {}}]},
            [
                "'if' at $.allOf[0]: draft-04 has no 'if'/'then'/'else'",
                "'then' at $.allOf[0]: draft-04 has no 'if'/'then'/'else'",
            ],
        ),
        (
            {"definitions": {"d": {"format": "date"}}},
            [
                "'format' at $.definitions.d: draft-04 does not define format 'date' (its formats: date-time, email, "
                "hostname, ipv4, ipv6, uri); a draft-04 validator would not check it"
            ],
        ),
        ({"items": {"format": "date-time"}}, []),
    ],
)
def test_what_draft_04_cannot_express_is_named_with_its_path(schema, expected):
    assert draft4_problems(schema) == expected
    if expected:
        with pytest.raises(ValueError, match="draft-04"):
            to_draft4(schema)


def test_the_examples_own_hook_tests_pass_as_its_team_runs_them():
    # The example's test_hook.py is run the way its README says, from its folder, with the real processor.
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "test_hook.py", "-p", "no:cacheprovider"],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 passed" in result.stdout
