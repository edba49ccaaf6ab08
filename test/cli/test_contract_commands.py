"""``schema`` and ``validate``: a producer team's CI checks its events against a synthesized pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from shipment_pipeline_constructs.app_runner import synthesize
from shipment_pipeline_constructs.cli import main

REPO = Path(__file__).resolve().parents[2]
CUSTOM = REPO / "examples" / "custom_contract"
BASIC = REPO / "examples" / "basic"

pytestmark = pytest.mark.slow  # synthesizes example apps


@pytest.fixture(scope="module")
def custom_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("custom-cdk.out")
    synthesize(CUSTOM, out, {"environmentSuffix": "dev"})
    return out


@pytest.fixture(scope="module")
def basic_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("basic-cdk.out")
    synthesize(BASIC, out, {"environmentSuffix": "dev"})
    return out


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_validate_prints_one_line_per_invalid_event_with_the_processors_reason(custom_out, capsys):
    code, out, err = run(capsys, "validate", "--cdk-out", str(custom_out), str(CUSTOM / "events.jsonl"))
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        "line 3: schema_violation: $.event_data.weight_kg: must be > 0",
        "line 4: unknown_event_type: status 'LOST_IN_SPACE' is not an allowed event type; the contract allows "
        "LABEL_CREATED, PICKED_UP, IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERED, EXCEPTION",
        "6 event(s) checked, 2 invalid",
    ]


def test_validate_takes_whole_events_too_and_exits_0_when_all_are_valid(custom_out, tmp_path, capsys):
    entry = json.loads((CUSTOM / "events.jsonl").read_text().splitlines()[0])
    event = {"source": entry["Source"], "detail-type": entry["DetailType"], "detail": json.loads(entry["Detail"])}
    path = tmp_path / "ok.jsonl"
    path.write_text(json.dumps(entry) + "\n\n" + json.dumps(event) + "\n")
    assert run(capsys, "validate", "--cdk-out", str(custom_out), str(path)) == (
        0,
        "2 event(s) checked, 0 invalid\n",
        "",
    )


def test_validate_names_lines_that_no_pipeline_could_take(custom_out, tmp_path, capsys):
    entry = json.loads((CUSTOM / "events.jsonl").read_text().splitlines()[0])
    lines = [
        "{not json",
        json.dumps([1, 2]),
        json.dumps({"id": "x"}),
        json.dumps({**entry, "Detail": "[1]"}),
        json.dumps({**entry, "Source": "orders.service"}),
    ]
    path = tmp_path / "odd.jsonl"
    path.write_text("\n".join(lines) + "\n")
    code, out, _ = run(capsys, "validate", "--cdk-out", str(custom_out), str(path))
    assert code == 1
    found = out.splitlines()
    assert found[0].startswith("line 1: not JSON (")
    assert found[1:] == [
        "line 2: a JSON list, not an event object",
        "line 3: neither a PutEvents entry (Source, DetailType, Detail) nor an event (source, detail-type, detail)",
        "line 4: Detail must be a JSON object, got a JSON list; PutEvents refuses it",
        "line 5: source 'orders.service' is not matched by the pipeline's rule ('shipment.service')",
        "5 event(s) checked, 5 invalid",
    ]


def test_validate_with_the_default_contract_uses_the_bundled_processors_rules(basic_out, tmp_path, capsys):
    path = tmp_path / "events.jsonl"
    good = {"shipment_id": "SHP-1", "event_timestamp": "2025-10-13T10:30:00+02:00", "event_type": "created"}
    path.write_text(
        "\n".join(
            json.dumps({"Source": "shipment.service", "DetailType": "shipment.created", "Detail": json.dumps(d)})
            for d in (good, {**good, "event_timestamp": "2025-10-13T10:30:00"})
        )
        + "\n"
    )
    code, out, _ = run(capsys, "validate", "--cdk-out", str(basic_out), str(path))
    assert code == 1
    assert out.splitlines()[0].startswith("line 2: invalid_timestamp: ")
    assert out.splitlines()[-1] == "2 event(s) checked, 1 invalid"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["validate", "no-such.jsonl"], "argument FILE.jsonl: no such file: no-such.jsonl"),
        (
            ["validate", "--app", ".", "--cdk-out", ".", "x.jsonl"],
            "argument --cdk-out: not allowed with argument --app",
        ),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and message in err


def test_an_empty_file_or_an_assembly_without_a_pipeline_is_one_error_line(tmp_path, basic_out, capsys):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    assert run(capsys, "validate", "--cdk-out", str(basic_out), str(empty)) == (
        2,
        "",
        f"error: {empty} holds no events (one JSON object a line)\n",
    )
    code, _, err = run(capsys, "schema", "--cdk-out", str(tmp_path))
    assert code == 2 and err.startswith("error: --cdk-out: ") and len(err.splitlines()) == 1


def test_schema_prints_the_envelope_and_the_contracts_detail_as_draft_07(custom_out, capsys):
    code, out, err = run(capsys, "schema", "--cdk-out", str(custom_out))
    assert (code, err) == (0, "")
    schema = json.loads(out)
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["properties"]["source"] == {"type": "string", "enum": ["shipment.service"]}
    fields, detail_schema = schema["properties"]["detail"]["allOf"]
    assert fields["required"] == ["trackingNumber", "occurredAt", "status"]
    assert detail_schema["properties"]["event_data"]["properties"]["weight_kg"]["exclusiveMinimum"] == 0
    # The printed schema and the processor agree on the example's events (its hook aside).
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    verdicts = []
    for line in (CUSTOM / "events.jsonl").read_text().splitlines():
        entry = json.loads(line)
        event = {"source": entry["Source"], "detail-type": entry["DetailType"], "detail": json.loads(entry["Detail"])}
        verdicts.append(validator.is_valid(event))
    assert verdicts == [True, True, False, False, True, True]


def test_schema_of_the_default_contract_describes_the_bundled_processors_fields(basic_out, capsys):
    code, out, _ = run(capsys, "schema", "--cdk-out", str(basic_out))
    detail = json.loads(out)["properties"]["detail"]
    assert code == 0
    assert detail["required"] == ["shipment_id", "event_timestamp", "event_type"]
    assert detail["properties"]["event_timestamp"] == {"type": "string", "format": "date-time"}
