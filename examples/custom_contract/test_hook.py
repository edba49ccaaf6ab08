"""The tracking team's tests of its hook: the real processor, the deployed contract, no AWS.

cd examples/custom_contract && python -m pytest test_hook.py
"""

import copy
import sys
from pathlib import Path
from typing import Any

from shipment_pipeline_constructs.testing import run_batch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tracking_contract import CONTRACT, HOOK  # noqa: E402

EVENT: dict[str, Any] = {
    "trackingNumber": "1Z999AA10123456784",
    "occurredAt": "2025-10-13T12:30:00+02:00",
    "status": "DELIVERED",
    "event_data": {
        "weight_kg": 2.5,
        "origin": {"country": "US", "postal_code": "10001"},
        "destination": {"country": "DE", "postal_code": "10115"},
        "carrier": "UPS",
        "signed_by": "Jane Q Doe",
    },
}


def event(**data: Any) -> dict[str, Any]:
    """The event above with some ``event_data`` fields replaced (``None`` removes one)."""
    changed = copy.deepcopy(EVENT)
    for name, value in data.items():
        if value is None:
            changed["event_data"].pop(name)
        else:
            changed["event_data"][name] = value
    return changed


def test_the_hook_stores_the_route_and_region_and_only_the_signatures_initials():
    result = run_batch([event()], contract=CONTRACT, record_hook=HOOK)
    assert result.outcomes == ["stored"]
    (item,) = result.items
    assert (item["shipment_id"], item["event_timestamp"]) == ("1Z999AA10123456784", "2025-10-13T10:30:00.000000000Z")
    assert (item["route"], item["region"], item["international"]) == ("US-DE", "EU", True)
    assert item["event_data"]["signed_by_initials"] == "JQD"
    assert "signed_by" not in item["event_data"]


def test_a_delivered_event_without_a_signature_is_quarantined_with_the_hooks_reason():
    result = run_batch([event(signed_by=None)], contract=CONTRACT, record_hook=HOOK)
    assert result.outcomes == ["quarantined"]
    (record,) = result.error_records
    assert record["error_type"] == "rejected_by_hook"
    assert "must say who signed for the parcel" in record["error_message"]


def test_a_country_missing_from_the_region_table_is_retried_then_recorded_with_the_keyerror():
    unknown = event(destination={"country": "ZZ", "postal_code": "1"})
    assert run_batch([unknown], contract=CONTRACT, record_hook=HOOK).outcomes == ["retried"]
    last = run_batch([unknown], contract=CONTRACT, record_hook=HOOK, receive_count=5)
    (record,) = last.error_records
    assert record["error_type"] == "KeyError" and "'ZZ'" in record["error_message"]


def test_the_contract_refuses_what_the_schema_does_not_allow_before_the_hook_runs():
    result = run_batch([event(weight_kg=0)], contract=CONTRACT, record_hook=HOOK)
    assert result.outcomes == ["quarantined"]
    assert result.error_records[0]["error_message"].endswith("$.event_data.weight_kg: must be > 0")


def test_the_same_event_in_another_utc_offset_is_a_duplicate_although_the_hook_ran_twice():
    later = copy.deepcopy(EVENT)
    later["occurredAt"] = "2025-10-13T10:30:00Z"
    result = run_batch([EVENT, later], contract=CONTRACT, record_hook=HOOK)
    assert result.outcomes == ["stored", "duplicate"]
