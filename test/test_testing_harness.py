"""The hook test harness: events through the real bundled processor, with a contract and a hook, in memory."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path
from typing import Any

import pytest

from shipment_pipeline_constructs.testing import InMemoryStore, run_batch


@dataclasses.dataclass(frozen=True)
class Contract:
    """The fields the harness reads from an ``EventContract``."""

    id_field: str = "shipment_id"
    timestamp_field: str = "event_timestamp"
    type_field: str = "event_type"
    event_types: tuple[str, ...] | None = None
    detail_schema: dict[str, Any] | None = None


@dataclasses.dataclass(frozen=True)
class Hook:
    """The fields the harness reads from a ``RecordHook``."""

    path: str
    entry_point: str


TEAM = Contract(
    id_field="trackingNumber",
    timestamp_field="occurredAt",
    type_field="status",
    event_types=("created", "delivered"),
    detail_schema={"properties": {"weight_kg": {"type": "number", "minimum": 0}}},
)


@pytest.fixture
def hook(tmp_path: Path) -> Hook:
    source = tmp_path / "harness_team_hooks.py"
    source.write_text(
        textwrap.dedent(
            """
            from shipment_processor import RejectEvent

            def enrich(event):
                if event.detail.get("test"):
                    raise RejectEvent("test events are not stored")
                if event.detail.get("crash"):
                    raise RuntimeError("lookup service down")
                return {**event.detail, "region": event.detail["origin"][:2]}
            """
        )
    )
    return Hook(path=str(source), entry_point="harness_team_hooks:enrich")


def team_event(number: int, **fields: Any) -> dict[str, Any]:
    return {
        "trackingNumber": f"TN-{number}",
        "occurredAt": "2025-10-13T12:30:00+02:00",
        "status": "created",
        "origin": "DE-BER",
        **fields,
    }


def test_the_harness_runs_the_contract_and_the_hook_and_returns_outcomes_items_and_records(hook: Hook) -> None:
    result = run_batch(
        [
            team_event(1),
            team_event(2, test=True),
            team_event(3, status="lost"),
            team_event(4, weight_kg=-1),
            "not json",
        ],
        contract=TEAM,
        record_hook=hook,
    )

    assert result.outcomes == ["stored", "quarantined", "quarantined", "quarantined", "quarantined"]
    stored = result.events[0].item
    assert stored is not None
    assert {name: stored[name] for name in ("shipment_id", "event_timestamp", "occurredAt", "region")} == {
        "shipment_id": "TN-1",
        "event_timestamp": "2025-10-13T10:30:00.000000000Z",
        "occurredAt": "2025-10-13T12:30:00+02:00",
        "region": "DE",
    }
    reasons = [event.error["error_type"] if event.error else None for event in result.events]
    assert reasons == [None, "rejected_by_hook", "unknown_event_type", "schema_violation", "invalid_json"]
    assert result.events[3].error is not None
    assert result.events[3].error["error_message"] == "$.weight_kg: must be >= 0"
    assert len(result.items) == 1 and len(result.quarantined_bodies) == 4


def test_a_crashing_hook_is_retried_and_recorded_on_the_last_receive(hook: Hook) -> None:
    first = run_batch([team_event(1, crash=True)], contract=TEAM, record_hook=hook)
    assert first.outcomes == ["retried"] and first.batch_item_failures == [first.events[0].message_id]
    assert first.error_records == []

    last = run_batch([team_event(1, crash=True)], contract=TEAM, record_hook=hook, receive_count=5)
    (record,) = last.error_records
    assert (record["error_type"], record["disposition"]) == ("RuntimeError", "retries_exhausted")
    assert record["error_message"].endswith("failed: RuntimeError: lookup service down")


def test_a_store_shared_between_runs_shows_duplicates_and_conflicts(hook: Hook) -> None:
    store = InMemoryStore()
    run_batch([team_event(1)], contract=TEAM, record_hook=hook, store=store)
    again = run_batch(
        [team_event(1, occurredAt="2025-10-13T10:30:00Z"), team_event(1, origin="FR-PAR")],
        contract=TEAM,
        record_hook=hook,
        store=store,
    )
    assert again.outcomes == ["duplicate", "conflict"]
    assert again.events[1].item is not None and again.events[1].item["region"] == "DE"  # the first write's item


def test_the_default_contract_without_a_hook_stores_todays_item() -> None:
    result = run_batch([{"shipment_id": "SHP-1", "event_timestamp": "2025-10-13T10:30:00Z", "event_type": "created"}])
    assert result.outcomes == ["stored"]
    assert sorted(result.items[0]) == [
        "content_sha256",
        "detail_type",
        "event_id",
        "event_timestamp",
        "event_type",
        "expires_at",
        "received_at",
        "shipment_id",
        "source",
    ]


def test_a_hook_that_does_not_import_fails_as_the_function_init_would(tmp_path: Path) -> None:
    (tmp_path / "harness_broken_hook.py").write_text("import not_installed_anywhere\n")
    with pytest.raises(ValueError, match=r"the record hook module 'harness_broken_hook' could not be imported"):
        run_batch([], record_hook="harness_broken_hook:enrich", hook_path=tmp_path)


class DocumentedContract:
    """A contract that writes its own ``shipment_contract.json`` document, as ``EventContract.to_document`` does."""

    def to_document(self) -> dict[str, Any]:
        return {
            "format": 1,
            "id_field": "ref",
            "timestamp_field": "at",
            "type_field": "kind",
            "event_types": ["a"],
            "detail_schema": {"properties": {"n": {"type": "integer"}}},
            "validator_module": "shipment_contract_validator",
            "record_hook": None,
        }


def test_a_contract_that_writes_its_own_document_is_loaded_from_it() -> None:
    result = run_batch(
        [
            {"ref": "R-1", "at": "2025-10-13T10:30:00Z", "kind": "a", "n": 1},
            {"ref": "R-2", "at": "2025-10-13T10:30:00Z", "kind": "b"},
            {"ref": "R-3", "at": "2025-10-13T10:30:00Z", "kind": "a", "n": "one"},
        ],
        contract=DocumentedContract(),
    )
    assert result.outcomes == ["stored", "quarantined", "quarantined"]
    assert [event.error["error_type"] for event in result.events[1:] if event.error] == [
        "unknown_event_type",
        "schema_violation",
    ]
