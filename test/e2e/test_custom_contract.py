"""``examples/custom_contract`` end to end on the local emulator: its own fields, types, schema and hook.

The six cases of its ``events.jsonl`` (valid, the same instant at +02:00,
schema-invalid, unknown status, rejected by the hook, crashing the hook) and
300 generated events in the example's contract, through the very asset the
template names; then the operator commands (``send``, ``errors``, ``dlq
inspect``) against the same emulator.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shipment_pipeline_constructs.app_runner import synthesize
from shipment_pipeline_constructs.cli import main
from shipment_pipeline_constructs.local import LocalPipeline, find_template
from shipment_pipeline_constructs.local.load import generate_load, read_entries
from shipment_pipeline_constructs.local.template import load_pipeline
from shipment_pipeline_constructs.ops.contract import AssetContract
from shipment_pipeline_constructs.shape import ALARM_IDS

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "custom_contract"
EVENTS = EXAMPLE / "events.jsonl"
SEED = 11

pytestmark = pytest.mark.slow  # synthesizes an example app and runs the emulator


@pytest.fixture(scope="module")
def cdk_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("custom-contract-cdk.out")
    synthesize(EXAMPLE, out, {"environmentSuffix": "dev"})
    return out


@pytest.fixture(scope="module")
def template_path(cdk_out: Path) -> Path:
    return find_template(app_dir=EXAMPLE, cdk_out=cdk_out, suffix="dev")


@pytest.fixture(scope="module")
def run(template_path: Path) -> Iterator[dict[str, Any]]:
    """The example's six cases and 300 generated events, drained; the pipeline stays up for the CLI tests."""
    contract = AssetContract.of_pipeline(load_pipeline(template_path)).contract
    load = generate_load(300, duplicate_rate=0.1, invalid_rate=0.05, seed=SEED, contract=contract)
    with LocalPipeline(template_path) as pipeline:
        pipeline.send(read_entries(EVENTS) + load.entries)
        assert pipeline.drain(timeout=180)
        yield {"pipeline": pipeline, "load": load, "report": pipeline.report()}


def test_every_event_is_accounted_for_with_exact_counts(run):
    report, load = run["report"], run["load"]
    assert load.unique > 200 and load.duplicates > 10 and load.invalid > 5  # the seed gives each case
    assert {key: report[key] for key in ("sent", "matched", "stored", "duplicates", "quarantined", "exhausted")} == {
        "sent": 306,
        "matched": 306,
        "stored": load.unique + 1,  # the file's valid event
        "duplicates": load.duplicates + 1,  # its copy at +02:00
        "quarantined": load.invalid + 3,  # schema-invalid, unknown status, rejected by the hook
        "exhausted": 1,  # the hook's KeyError, retried until SQS dead-lettered it
    }
    assert (report["unaccounted"], report["dlq_unexplained"], report["missing_permissions"]) == (0, 0, [])


def test_error_records_name_the_json_path_the_status_the_hooks_reason_and_its_exception(run):
    records = run["pipeline"].scan(run["pipeline"].errors_table)
    by_shipment = {
        r["shipment_id"]["S"]: r for r in records if r.get("shipment_id", {}).get("S", "").startswith("1ZFILE")
    }
    schema = by_shipment["1ZFILE000000000003"]
    assert (schema["error_type"]["S"], schema["disposition"]["S"]) == ("schema_violation", "quarantined")
    assert "$.event_data.weight_kg: must be > 0" in schema["error_message"]["S"]
    status = by_shipment["1ZFILE000000000004"]
    assert status["error_type"]["S"] == "unknown_event_type"
    assert "'LOST_IN_SPACE'" in status["error_message"]["S"]
    rejected = by_shipment["1ZFILE000000000005"]
    assert rejected["error_type"]["S"] == "rejected_by_hook"
    assert "must say who signed for the parcel" in rejected["error_message"]["S"]
    crashed = by_shipment["1ZFILE000000000006"]
    assert crashed["disposition"]["S"] == "retries_exhausted"
    assert "KeyError" in json.dumps(crashed) and "'ZZ'" in crashed["error_message"]["S"]


def test_the_stored_item_is_keyed_by_the_contracts_fields_and_holds_what_the_hook_returned(run):
    items = {item["shipment_id"]["S"]: item for item in run["pipeline"].scan(run["pipeline"].events_table)}
    item = items["1ZFILE000000000001"]
    assert item["event_timestamp"] == {"S": "2025-10-14T08:00:00.000000000Z"}
    assert item["trackingNumber"] == {"S": "1ZFILE000000000001"}
    # As the copy that was written first sent it (the two may be processed concurrently).
    assert item["occurredAt"] in ({"S": "2025-10-14T08:00:00Z"}, {"S": "2025-10-14T10:00:00+02:00"})
    assert item["status"] == {"S": "IN_TRANSIT"}
    assert (item["route"], item["region"], item["international"]) == ({"S": "US-DE"}, {"S": "EU"}, {"BOOL": True})
    assert item["event_data"]["M"]["weight_kg"] == {"N": "2.5"}
    generated = [i for key, i in items.items() if not key.startswith("1ZFILE")]
    assert len(generated) == run["load"].unique
    assert all(
        "signed_by" not in i["event_data"]["M"] and "signed_by_initials" in i["event_data"]["M"] for i in generated
    )


def _cli(capsys: pytest.CaptureFixture[str], pipeline: LocalPipeline, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--suffix", "dev", "--endpoint-url", pipeline.endpoint_url, "--region", "us-east-1"])
    out, err = capsys.readouterr()
    return code, out, err


def test_send_refuses_what_the_pipeline_would_quarantine_and_sends_in_the_contracts_shape(run, cdk_out, capsys):
    pipeline = run["pipeline"]
    received = len(pipeline.mapping.ledger.deliveries)
    code, out, err = _cli(capsys, pipeline, "send", "--file", str(EVENTS), "--cdk-out", str(cdk_out))
    assert code == 1 and out == ""
    assert err.splitlines() == [
        "entry 2: schema_violation: $.event_data.weight_kg: must be > 0",
        "entry 3: unknown_event_type: status 'LOST_IN_SPACE' is not an allowed event type; the contract allows "
        "LABEL_CREATED, PICKED_UP, IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERED, EXCEPTION",
        "error: nothing sent: 2 of 6 event(s) would be quarantined by the pipeline; fix them, or pass "
        "--no-validate to send anyway",
    ]
    stored_before = len(pipeline.scan(pipeline.events_table))
    code, out, _ = _cli(capsys, pipeline, "send", "--count", "3", "--cdk-out", str(cdk_out))
    assert (code, out) == (0, "sent 3 of 3 event(s) to shipment-events-dev\n")
    assert pipeline.drain(timeout=60)
    assert len(pipeline.mapping.ledger.deliveries) == received + 3
    assert len(pipeline.scan(pipeline.events_table)) == stored_before + 3


def test_errors_and_dlq_inspect_read_a_custom_contracts_records(run, capsys):
    pipeline = run["pipeline"]
    code, out, _ = _cli(capsys, pipeline, "errors", "--since", "1h", "--json", "--limit", "1000")
    assert code == 0
    types = Counter(json.loads(line)["error_type"] for line in out.splitlines())
    assert types["schema_violation"] >= 1 and types["rejected_by_hook"] == 1 and types["unknown_event_type"] >= 1
    code, out, _ = _cli(capsys, pipeline, "dlq", "inspect", "--json")
    assert code == 0
    assert "1ZFILE000000000006" in out


def test_the_cost_model_reads_a_custom_contracts_template(template_path, capsys):
    code = main(["cost", "--events-per-day", "30000", "--template", str(template_path)])
    out, _ = capsys.readouterr()
    assert code == 0
    assert f"configuration from {template_path}: 1 dashboard(s), {len(ALARM_IDS)} alarm(s)" in out
