"""The record hook: enrich and redact, RejectEvent, crashes retried then recorded, the key kept, limits, init."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from shipment_processor.contract import Contract, ContractError
from shipment_processor.processor import Outcome

from .contract_files import TEAM_FIELDS, TEAM_SCHEMA, processor_for, stage_contract, team_detail
from .memory_store import MemoryStore
from .shipment_factories import ENVIRONMENT, body, detail, record

LAMBDA_DIR = Path(__file__).resolve().parents[2] / "lambda"

ENRICH = """
    from shipment_processor import HookEvent, RejectEvent

    def hook(event: HookEvent) -> dict:
        data = dict(event.detail["event_data"])
        data.pop("carrier")  # redact
        return {**event.detail, "event_data": data, "region": "EU", "weight_lb": float(data["weight_kg"]) * 2}
"""


def hooked(tmp_path: Path, source: str) -> Contract:
    """The team's contract with the hook ``source``."""
    return stage_contract(tmp_path, TEAM_FIELDS, schema=TEAM_SCHEMA, hook_source=source)


def test_a_hook_enriches_and_redacts_what_is_stored(tmp_path: Path) -> None:
    store = MemoryStore()
    result = processor_for(hooked(tmp_path, ENRICH), store).process([record(body(team_detail()))])

    assert result.outcomes == (Outcome.STORED,)
    (item,) = store.events.values()
    assert item["region"] == {"S": "EU"}
    assert item["weight_lb"] == {"N": "5.0"}  # a float is stored as the shortest decimal that reads back as it
    assert item["event_data"] == {"M": {"weight_kg": {"N": "2.5"}}}  # the carrier is gone
    assert item["shipment_id"] == {"S": "TN-1"} and item["event_timestamp"] == {"S": "2025-10-13T10:30:00.000000000Z"}


def test_a_hook_on_the_default_contract_sees_the_four_fields_and_shapes_the_item(tmp_path: Path) -> None:
    contract = stage_contract(
        tmp_path,
        hook_source="""
            def hook(event):
                assert set(event.detail) == {"shipment_id", "event_timestamp", "event_type", "event_data"}
                return {"event_type": event.event_type.upper(), "source_region": "us"}
        """,
    )
    store = MemoryStore()
    assert processor_for(contract, store).process([record(body())]).outcomes == (Outcome.STORED,)
    (item,) = store.events.values()
    assert item["event_type"] == {"S": "CREATED"} and item["source_region"] == {"S": "us"}
    assert "event_data" not in item  # the hook did not return it


def test_the_hook_gets_a_read_only_event(tmp_path: Path) -> None:
    contract = hooked(
        tmp_path,
        """
            def hook(event):
                event.detail["status"] = "changed"
        """,
    )
    store = MemoryStore()
    result = processor_for(contract, store).process([record(body(team_detail()), receive_count=5)])
    assert result.outcomes == (Outcome.RETRIED,)
    (error,) = store.errors
    assert error["error_type"] == {"S": "TypeError"}


def test_reject_event_quarantines_with_the_hooks_reason(tmp_path: Path) -> None:
    contract = hooked(
        tmp_path,
        """
            from shipment_processor import RejectEvent

            def hook(event):
                raise RejectEvent(f"shipments to {event.detail['shipment']['id']} are embargoed")
        """,
    )
    store = MemoryStore()
    message = body(team_detail())
    result = processor_for(contract, store).process([record(message)])

    assert result.outcomes == (Outcome.QUARANTINED,)
    (error,) = store.errors
    assert error["error_type"] == {"S": "rejected_by_hook"}
    assert error["error_message"]["S"].endswith("rejected the event: shipments to TN-1 are embargoed")
    assert error["disposition"] == {"S": "quarantined"}
    assert store.dead_letter_bodies == [message]
    assert store.events == {}


CRASH = """
    def hook(event):
        return {"weight": event.detail["event_data"]["volume"]}
"""


def test_a_crashing_hook_is_retried_then_recorded_with_its_type_and_message_on_the_last_receive(
    tmp_path: Path,
) -> None:
    contract = hooked(tmp_path, CRASH)
    store = MemoryStore()
    processor = processor_for(contract, store)
    message = body(team_detail())

    # WHEN the record fails on an early receive  THEN it is retried with no error record
    early = processor.process([record(message, receive_count=1, message_id="m-1")])
    assert early.outcomes == (Outcome.RETRIED,)
    assert early.response() == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert store.errors == [] and store.dead_letters == []

    # WHEN it fails on its last receive  THEN the record SQS is about to dead-letter names the exception
    last = processor.process([record(message, receive_count=5, message_id="m-1")])
    assert last.outcomes == (Outcome.RETRIED,)
    (error,) = store.errors
    assert error["disposition"] == {"S": "retries_exhausted"}
    assert error["error_type"] == {"S": "KeyError"}
    assert error["error_message"] == {"S": f"the record hook {contract.record_hook} failed: KeyError: 'volume'"}
    assert error["shipment_id"] == {"S": "TN-1"}
    assert store.dead_letters == []  # SQS moves it to the DLQ, not the handler


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        pytest.param(
            '{**event.detail, "shipment": {"id": "OTHER"}}',
            "changed shipment.id from 'TN-1' to 'OTHER'; the key comes from it, and a hook cannot change the key",
            id="id-field",
        ),
        pytest.param(
            '{**event.detail, "occurredAt": "2025-10-14T00:00:00Z"}',
            "changed occurredAt from '2025-10-13T12:30:00+02:00' to '2025-10-14T00:00:00Z'",
            id="timestamp-field",
        ),
        pytest.param(
            '{**event.detail, "shipment_id": "OTHER"}',
            "returned shipment_id 'OTHER', but the event's key is 'TN-1'; a hook cannot change the key",
            id="key-attribute",
        ),
        pytest.param(
            '{"received_at": "now"}', "returned 'received_at', attribute(s) the processor writes", id="reserved"
        ),
        pytest.param(
            '{"nan": float("nan")}', "the hook's result['nan'] holds nan, which DynamoDB cannot store", id="nan"
        ),
        pytest.param('{"tags": {"a", "b"}}', "holds a set, which is not JSON", id="set"),
        pytest.param('{"m": {"": 1}}', "has an empty key", id="empty-key"),
        pytest.param('["not", "a", "mapping"]', "returned list; it must return a mapping", id="not-a-mapping"),
    ],
)
def test_a_hook_result_that_changes_the_key_or_cannot_be_stored_is_a_hook_failure(
    tmp_path: Path, returned: str, message: str
) -> None:
    contract = hooked(tmp_path, f"def hook(event):\n    return {returned}\n")
    store = MemoryStore()
    result = processor_for(contract, store).process([record(body(team_detail()), receive_count=5)])

    assert result.outcomes == (Outcome.RETRIED,)
    assert store.events == {}
    (error,) = store.errors
    assert error["error_type"] == {"S": "HookResultError"}
    assert message in error["error_message"]["S"]


def test_returning_the_key_unchanged_is_allowed(tmp_path: Path) -> None:
    contract = hooked(
        tmp_path,
        """
            def hook(event):
                return {**event.detail, "shipment_id": event.shipment_id, "event_timestamp": event.event_timestamp}
        """,
    )
    store = MemoryStore()
    assert processor_for(contract, store).process([record(body(team_detail()))]).outcomes == (Outcome.STORED,)


def test_an_item_the_hook_makes_too_large_is_quarantined(tmp_path: Path) -> None:
    contract = hooked(tmp_path, 'def hook(event):\n    return {**event.detail, "blob": "x" * 500_000}\n')
    store = MemoryStore()
    assert processor_for(contract, store).process([record(body(team_detail()))]).outcomes == (Outcome.QUARANTINED,)
    assert store.errors[0]["error_type"] == {"S": "too_large"}


# --- idempotency with a hook ---------------------------------------------------


CHANGING = """
    import itertools

    _calls = itertools.count()

    def hook(event):
        return {**event.detail, "enriched_at": f"call-{next(_calls)}"}
"""


def test_a_redelivery_is_a_duplicate_even_when_the_hook_adds_a_changing_field(tmp_path: Path) -> None:
    store = MemoryStore()
    processor = processor_for(hooked(tmp_path, CHANGING), store)
    message = body(team_detail())

    first = processor.process([record(message)])
    again = processor.process([record(message), record(body(team_detail(occurredAt="2025-10-13T10:30:00Z")))])

    assert first.outcomes == (Outcome.STORED,)
    assert again.outcomes == (Outcome.DUPLICATE, Outcome.DUPLICATE)
    (item,) = store.events.values()
    assert item["enriched_at"] == {"S": "call-0"}  # first write wins
    assert store.errors == []


def test_a_different_event_under_a_stored_key_is_a_conflict_with_a_hook(tmp_path: Path) -> None:
    store = MemoryStore()
    processor = processor_for(hooked(tmp_path, CHANGING), store)
    processor.process([record(body(team_detail()))])
    result = processor.process([record(body(team_detail(status="delivered")))])
    assert result.outcomes == (Outcome.CONFLICT,)
    assert store.errors[0]["error_type"] == {"S": "conflict"}


# --- init --------------------------------------------------------------------------


def test_a_hook_module_that_fails_to_import_fails_init_naming_the_module(tmp_path: Path) -> None:
    with pytest.raises(ContractError) as raised:
        stage_contract(tmp_path, hook_source="import not_installed_anywhere\n\ndef hook(event):\n    return {}\n")
    assert "the record hook module 'contract_test_hook_" in str(raised.value)
    assert "could not be imported: ModuleNotFoundError: No module named 'not_installed_anywhere'" in str(raised.value)


def test_a_missing_hook_function_fails_init(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match=r"has no function 'hook'"):
        stage_contract(tmp_path, hook_source="def other(event):\n    return {}\n")


def test_the_hook_module_is_imported_once_at_init(tmp_path: Path) -> None:
    counter = tmp_path / "imports.txt"
    contract = stage_contract(
        tmp_path / "asset",
        hook_source=f"""
            with open({str(counter)!r}, "a") as file:
                file.write("imported\\n")

            def hook(event):
                return dict(event.detail)
        """,
    )
    processor = processor_for(contract, MemoryStore())
    processor.process([record(body(detail(shipment_id=f"S-{index}"))) for index in range(3)])
    processor.process([record(body(detail(shipment_id="S-9")))])
    assert counter.read_text() == "imported\n"


def test_a_contract_file_names_the_hook_as_the_construct_writes_it(tmp_path: Path) -> None:
    contract = stage_contract(tmp_path, hook_source=CRASH)
    document = json.loads((tmp_path / "shipment_contract.json").read_text())
    assert document["record_hook"] == contract.record_hook and contract.hook is not None


def test_the_function_fails_init_naming_the_hook_module_that_does_not_import(tmp_path: Path) -> None:
    # GIVEN a function asset staged as the construct stages it: the processor, a contract file and a broken hook
    asset = tmp_path / "asset"
    shutil.copytree(LAMBDA_DIR, asset, ignore=shutil.ignore_patterns("__pycache__", "*.md"))
    (asset / "broken_hook.py").write_text("import not_installed_anywhere\n")
    (asset / "shipment_contract.json").write_text(json.dumps({"format": 1, "record_hook": "broken_hook:enrich"}))

    # WHEN Lambda initialises the function (imports the handler module)
    run = subprocess.run(
        [sys.executable, "-c", "import shipment_processor.app"],
        cwd=asset,
        env=os.environ
        | ENVIRONMENT
        | {"QUARANTINE_QUEUE_URL": "https://sqs.example/q", "AWS_DEFAULT_REGION": "us-east-1"},
        capture_output=True,
        text=True,
        check=False,
    )

    # THEN init fails, and the last line of the traceback names the module and why
    assert run.returncode != 0
    assert run.stderr.strip().splitlines()[-1] == (
        "shipment_processor.contract.ContractError: the record hook module 'broken_hook' could not be imported: "
        "ModuleNotFoundError: No module named 'not_installed_anywhere'"
    )
