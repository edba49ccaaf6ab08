"""A custom event contract: field paths, allowed types, schema errors as path + rule, what is stored, idempotency."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shipment_processor.contract import DEFAULT, Contract, ContractError, load_contract
from shipment_processor.events import Reason, Rejection, ShipmentEvent, parse_event
from shipment_processor.fingerprint import content_fingerprint
from shipment_processor.items import event_item
from shipment_processor.processor import Outcome

from .contract_files import TEAM_FIELDS, TEAM_SCHEMA, TEAM_TYPES, processor_for, stage_contract, team_detail
from .memory_store import MemoryStore
from .shipment_factories import ENVIRONMENT, FIXED_NOW_NS, body, detail, envelope, record

LAMBDA_DIR = Path(__file__).resolve().parents[2] / "lambda"

RECEIVED_AT = "2025-10-13T10:30:00.000000000Z"
EXPIRES_AT = str(FIXED_NOW_NS // 10**9 + 90 * 86_400)


@pytest.fixture
def team(tmp_path: Path) -> Contract:
    """The example team's contract: nested id, own names, allowed types, a schema with nested rules."""
    return stage_contract(tmp_path, TEAM_FIELDS, schema=TEAM_SCHEMA, event_types=TEAM_TYPES)


def rejection(text: str, contract: Contract) -> Rejection:
    parsed = parse_event(text, contract)
    assert isinstance(parsed, Rejection), parsed
    return parsed


# --- the default contract ----------------------------------------------------


def test_without_a_contract_file_the_function_serves_the_default_contract(tmp_path: Path) -> None:
    assert load_contract(tmp_path) is DEFAULT
    assert DEFAULT.original_shape


def test_a_contract_file_spelling_the_defaults_stores_byte_identical_items(tmp_path: Path) -> None:
    # GIVEN a contract file that names the default fields (a hookless default never gets one; this pins the rule)
    spelled = stage_contract(
        tmp_path, {"id_field": "shipment_id", "timestamp_field": "event_timestamp", "type_field": "event_type"}
    )
    message = body(detail(extra_field="ignored as before"), **{"replay-name": "r1"})

    # WHEN the same body is parsed and shaped under it and under no contract
    items = []
    for contract in (DEFAULT, spelled):
        event = parse_event(message, contract)
        assert isinstance(event, ShipmentEvent)
        items.append(
            event_item(
                event, received_at=RECEIVED_AT, expires_at=int(EXPIRES_AT), content_sha256=content_fingerprint(event)
            )
        )

    # THEN the items are the same bytes, with today's attributes only (the unknown detail field is not stored)
    assert json.dumps(items[0]) == json.dumps(items[1])
    assert sorted(items[0]) == sorted(
        [
            "shipment_id",
            "event_timestamp",
            "event_type",
            "event_data",
            "event_id",
            "source",
            "detail_type",
            "replay_name",
            "received_at",
            "expires_at",
            "content_sha256",
        ]
    )


# --- field paths, types ------------------------------------------------------


def test_a_custom_contract_stores_the_key_from_its_fields_and_the_whole_detail(team: Contract) -> None:
    # GIVEN the team's event, its instant written at +02:00
    store = MemoryStore()
    message = body(team_detail(note="fragile"))

    # WHEN it is processed
    result = processor_for(team, store).process([record(message)])

    # THEN the key attributes keep their names, filled from shipment.id and occurredAt (canonical), and every
    # top-level field of detail is an attribute of its own, verbatim; the processor's attributes follow
    assert result.outcomes == (Outcome.STORED,)
    (item,) = store.events.values()
    assert item == {
        "shipment_id": {"S": "TN-1"},
        "event_timestamp": {"S": "2025-10-13T10:30:00.000000000Z"},
        "shipment": {"M": {"id": {"S": "TN-1"}}},
        "occurredAt": {"S": "2025-10-13T12:30:00+02:00"},
        "status": {"S": "created"},
        "event_data": {"M": {"weight_kg": {"N": "2.5"}, "carrier": {"S": "DHL"}}},
        "note": {"S": "fragile"},
        "event_id": {"S": "6a7e8feb-b491-4cf7-a9f1-bf3703467718"},
        "source": {"S": "shipment.service"},
        "detail_type": {"S": "shipment.created"},
        "received_at": {"S": RECEIVED_AT},
        "expires_at": {"N": EXPIRES_AT},
        "content_sha256": {"S": content_fingerprint(parse_event(message, team))},  # type: ignore[arg-type]
    }


@pytest.mark.parametrize(
    ("detail_fields", "reason", "message"),
    [
        pytest.param(team_detail(shipment=...), Reason.MISSING_FIELD, "shipment.id is missing", id="path-missing"),
        pytest.param(team_detail(shipment="TN-1"), Reason.MISSING_FIELD, "shipment.id is missing", id="not-an-object"),
        pytest.param(
            team_detail(shipment={"id": 7}), Reason.INVALID_FIELD, "shipment.id must be a string, got number", id="type"
        ),
        pytest.param(
            team_detail(shipment={"id": " TN-1"}),
            Reason.INVALID_FIELD,
            "shipment.id ' TN-1' has control characters or leading/trailing whitespace",
            id="whitespace",
        ),
        pytest.param(
            team_detail(occurredAt="2025-10-13T10:30:00"),
            Reason.INVALID_TIMESTAMP,
            "occurredAt '2025-10-13T10:30:00' is not an RFC 3339 timestamp",
            id="no-zone",
        ),
        pytest.param(team_detail(status=...), Reason.MISSING_FIELD, "status is missing", id="type-missing"),
    ],
)
def test_the_contract_fields_follow_the_default_fields_rules(
    tmp_path: Path, detail_fields: dict[str, Any], reason: Reason, message: str
) -> None:
    contract = stage_contract(tmp_path, TEAM_FIELDS)
    rejected = rejection(body(detail_fields), contract)
    assert rejected.reason is reason
    assert rejected.message.startswith(message)


def test_a_type_outside_the_contracts_list_is_quarantined_naming_the_value_and_the_allowed_set(team: Contract) -> None:
    store = MemoryStore()
    result = processor_for(team, store).process([record(body(team_detail(status="teleported")))])

    assert result.outcomes == (Outcome.QUARANTINED,)
    (error,) = store.errors
    assert error["error_type"] == {"S": "unknown_event_type"}
    assert error["error_message"] == {
        "S": "status 'teleported' is not an allowed event type; the contract allows created, in_transit, delivered"
    }
    assert error["shipment_id"] == {"S": "TN-1"}
    assert len(store.dead_letters) == 1


# --- the schema --------------------------------------------------------------


@pytest.mark.parametrize(
    ("detail_fields", "message"),
    [
        pytest.param(team_detail(event_data={"weight_kg": -1}), "$.event_data.weight_kg: must be >= 0", id="minimum"),
        pytest.param(
            team_detail(event_data={"carrier": "Pigeon"}),
            '$.event_data.carrier: must be one of ["DHL", "UPS"]',
            id="enum",
        ),
        pytest.param(
            team_detail(event_data={"weight_kg": 1, "colour": "red"}),
            '$.event_data: has "colour", which the schema does not allow',
            id="additional",
        ),
        pytest.param(team_detail(event_data="heavy"), "$.event_data: must be object, got string", id="type"),
        pytest.param(
            team_detail(occurredAt="2025-10-13T10:30:00Z", event_data={"weight_kg": "2"}),
            "$.event_data.weight_kg: must be number, got string",
            id="nested-type",
        ),
    ],
)
def test_a_schema_violation_names_the_json_path_and_the_rule(
    team: Contract, detail_fields: dict[str, Any], message: str
) -> None:
    rejected = rejection(body(detail_fields), team)
    assert (rejected.reason, rejected.message) == (Reason.SCHEMA_VIOLATION, message)
    # never a Python repr
    assert "{'" not in rejected.message and "Decimal(" not in rejected.message


def test_a_missing_required_property_is_named(team: Contract) -> None:
    rejected = rejection(body(team_detail(shipment={"ref": "x"})), team)
    assert rejected.reason is Reason.MISSING_FIELD  # the contract's own field is checked first
    assert rejected.message == 'shipment.id is missing; $.shipment: missing required property "id"'


def test_a_schema_violation_is_quarantined_with_an_error_record_and_a_queue_copy(team: Contract) -> None:
    store = MemoryStore()
    message = body(team_detail(event_data={"weight_kg": -1}))
    result = processor_for(team, store).process([record(message)])
    assert result.outcomes == (Outcome.QUARANTINED,)
    (error,) = store.errors
    assert (error["error_type"], error["error_message"], error["disposition"]) == (
        {"S": "schema_violation"},
        {"S": "$.event_data.weight_kg: must be >= 0"},
        {"S": "quarantined"},
    )
    assert store.dead_letter_bodies == [message]
    assert store.dead_letters[0][1]["quarantine_reason"] == "schema_violation"


def test_schema_numbers_compare_as_decimals(tmp_path: Path) -> None:
    # 0.1 in the schema is the decimal 0.1: the event's 0.1 (parsed exactly) is not below it
    contract = stage_contract(
        tmp_path,
        TEAM_FIELDS,
        schema={"properties": {"event_data": {"properties": {"weight_kg": {"minimum": 0.1, "multipleOf": 0.1}}}}},
    )
    assert isinstance(parse_event(body(team_detail(event_data={"weight_kg": 0.1})), contract), ShipmentEvent)
    assert isinstance(parse_event(body(team_detail(event_data={"weight_kg": 0.3})), contract), ShipmentEvent)
    assert rejection(body(team_detail(event_data={"weight_kg": 0.35})), contract).message == (
        "$.event_data.weight_kg: must be a multiple of 0.1"
    )


# --- what a custom detail may hold -------------------------------------------


@pytest.mark.parametrize("name", ["source", "received_at", "content_sha256", "shipment_id", "event_timestamp"])
def test_a_detail_field_named_like_a_processor_attribute_is_refused(tmp_path: Path, name: str) -> None:
    contract = stage_contract(tmp_path, TEAM_FIELDS)
    rejected = rejection(body(team_detail(**{name: "x"})), contract)
    assert rejected.reason is Reason.RESERVED_FIELD
    assert f"{name!r}" in rejected.message


def test_the_key_fields_own_names_are_not_reserved(tmp_path: Path) -> None:
    # GIVEN a contract whose id field is shipment_id (only the timestamp and type differ from the default)
    contract = stage_contract(tmp_path, {"id_field": "shipment_id", "timestamp_field": "at", "type_field": "kind"})
    event = parse_event(body({"shipment_id": "S-1", "at": "2025-10-13T10:30:00Z", "kind": "k"}), contract)
    assert isinstance(event, ShipmentEvent) and event.shipment_id == "S-1"


def test_a_detail_dynamodb_cannot_store_is_refused_with_its_path(tmp_path: Path) -> None:
    contract = stage_contract(tmp_path, TEAM_FIELDS)
    rejected = rejection(body(team_detail(extra={"": 1})), contract)
    assert rejected.reason is Reason.INVALID_DETAIL
    assert rejected.message.startswith("detail['extra']: has an empty key")


# --- idempotency under a custom contract -------------------------------------


def test_the_same_event_in_another_utc_offset_is_a_duplicate_and_a_different_one_a_conflict(team: Contract) -> None:
    store = MemoryStore()
    processor = processor_for(team, store)
    first = body(team_detail())
    same_instant = body(team_detail(occurredAt="2025-10-13T10:30:00.000Z"), id="another-delivery-id")
    different = body(team_detail(event_data={"weight_kg": 3, "carrier": "DHL"}), id="third")

    result = processor.process([record(first), record(same_instant), record(different)])

    assert result.outcomes == (Outcome.STORED, Outcome.DUPLICATE, Outcome.CONFLICT)
    assert len(store.events) == 1
    (conflict,) = store.errors
    assert conflict["error_type"] == {"S": "conflict"}


def test_a_contract_file_the_processor_cannot_use_fails_init_naming_every_problem(tmp_path: Path) -> None:
    (tmp_path / "shipment_contract.json").write_text(
        json.dumps({"format": 2, "id_field": "a..b", "detail_schema": {}, "colour": 1})
    )
    with pytest.raises(ContractError) as raised:
        load_contract(tmp_path)
    assert str(raised.value) == (
        "shipment_contract.json: unknown key 'colour'; format is 2; this processor reads format 1 (the construct"
        " that wrote the file is newer or older than the bundled processor); detail_schema is set but"
        " validator_module is not; the construct generates that module"
    )


def test_a_bad_field_path_fails_init(tmp_path: Path) -> None:
    (tmp_path / "shipment_contract.json").write_text(json.dumps({"format": 1, "id_field": "a..b"}))
    with pytest.raises(ContractError, match=r"id_field 'a\.\.b' is not a field name or dotted path"):
        load_contract(tmp_path)


# --- properties --------------------------------------------------------------

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-(10**6), max_value=10**6),
    st.text(alphabet=st.characters(blacklist_characters='_\\"', blacklist_categories=["Cs"]), max_size=12),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(min_size=1, max_size=6), inner, max_size=3),
    max_leaves=12,
)
_extra_fields = st.dictionaries(st.sampled_from(["note", "route", "dims", "tags", "count"]), _values, max_size=5)
_offsets = st.sampled_from(["Z", "+00:00", "+02:00", "-05:30"])


def _written_at(offset: str) -> str:
    """2025-10-13T10:30:00Z written with ``offset``."""
    if offset in ("Z", "+00:00"):
        return f"2025-10-13T10:30:00{offset}"
    sign, hours, minutes = offset[0], int(offset[1:3]), int(offset[4:6])
    total = (10 * 60 + 30) + (hours * 60 + minutes) * (1 if sign == "+" else -1)
    return f"2025-10-13T{total // 60:02d}:{total % 60:02d}:00{offset}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extra=_extra_fields, first=_offsets, second=_offsets, data=st.data())
def test_any_detail_is_stored_verbatim_and_its_redelivery_is_a_duplicate(
    team_fields: Contract, extra: dict[str, Any], first: str, second: str, data: st.DataObject
) -> None:
    # GIVEN any storable extra fields, and the same event again with its instant in another offset and its
    # keys in another order
    detail_fields = team_detail(occurredAt=_written_at(first), **extra)
    reordered = dict(data.draw(st.permutations(list(detail_fields.items()))))
    reordered["occurredAt"] = _written_at(second)
    store = MemoryStore()

    # WHEN both are processed
    result = processor_for(team_fields, store).process(
        [record(_exact_body(detail_fields)), record(_exact_body(reordered))]
    )

    # THEN the first is stored with every field verbatim and the second is a duplicate
    assert result.outcomes == (Outcome.STORED, Outcome.DUPLICATE)
    (item,) = store.events.values()
    for name, value in detail_fields.items():
        assert item[name] == _wire(value)


@pytest.fixture
def team_fields(tmp_path: Path) -> Contract:
    """The team's field names without a schema (so any extra field is allowed)."""
    return stage_contract(tmp_path, TEAM_FIELDS)


def _exact_body(detail_fields: dict[str, Any]) -> str:
    """A body with the detail's decimals written digit for digit."""
    text = json.dumps(envelope(detail_fields), default=lambda value: f"__decimal__{value}__")
    return text.replace('"__decimal__', "").replace('__"', "")


def _wire(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"BOOL": value}
    if value is None:
        return {"NULL": True}
    if isinstance(value, (int, float, Decimal)):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, list):
        return {"L": [_wire(element) for element in value]}
    return {"M": {key: _wire(element) for key, element in value.items()}}


def test_a_default_function_loads_no_contract_machinery_at_init() -> None:
    # GIVEN the bundled asset without a contract file  WHEN Lambda imports the handler in a fresh interpreter
    code = (
        "import sys, json; import shipment_processor.app; "
        "print(json.dumps(sorted(name for name in sys.modules if name.startswith('shipment_processor'))))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=LAMBDA_DIR,
        env=os.environ
        | ENVIRONMENT
        | {"QUARANTINE_QUEUE_URL": "https://sqs.example/q", "AWS_DEFAULT_REGION": "us-east-1"},
        capture_output=True,
        text=True,
        check=True,
    )
    # THEN neither the hook runtime nor the schema error formatting is imported: one module more than before
    # contracts existed (contract), and no file is read but the package's own
    loaded = json.loads(run.stdout)
    assert "shipment_processor.contract" in loaded
    assert not {"shipment_processor.hook", "shipment_processor.schema_errors"} & set(loaded)


def test_adding_event_types_to_the_default_fields_keeps_items_and_fingerprints_of_four_field_events(
    tmp_path: Path,
) -> None:
    # GIVEN the default fields with an allowed type list (which stores the whole detail from now on)
    typed = stage_contract(tmp_path, event_types=["created"])
    message = body(detail(event_timestamp="2025-10-13T12:30:00.5+02:00"))
    items = []
    for contract in (DEFAULT, typed):
        event = parse_event(message, contract)
        assert isinstance(event, ShipmentEvent)
        items.append(
            event_item(
                event, received_at=RECEIVED_AT, expires_at=int(EXPIRES_AT), content_sha256=content_fingerprint(event)
            )
        )
    # THEN an event with only the four default fields is stored the same, under the same fingerprint
    assert items[0] == items[1]
