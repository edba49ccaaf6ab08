"""Unit tests for parsing and validation (``shipment_processor.events``, pure functions, table-driven)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from shipment_processor.events import (
    MAX_SHIPMENT_ID_BYTES,
    Reason,
    Rejection,
    ShipmentEvent,
    parse_event,
)

from .shipment_factories import body, detail, envelope, nested_object


def number_body(literal: str) -> str:
    """The seed's sample with ``event_data`` ``{"n": <literal>}``, the number written exactly as given."""
    return body(detail(event_data={"n": 0})).replace('"n": 0', f'"n": {literal}')


def test_seed_sample_parses_to_canonical_event() -> None:
    # GIVEN the seed's sample event as EventBridge delivers it
    message = body()

    # WHEN it is parsed
    event = parse_event(message)

    # THEN every field is kept and the timestamp is canonical
    assert event == ShipmentEvent(
        shipment_id="SHP-12345",
        event_timestamp="2025-10-13T10:30:00.000000000Z",
        event_type="created",
        event_data={"origin": "NYC", "destination": "LAX", "carrier": "FedEx"},
        event_id="6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        source="shipment.service",
        detail_type="shipment.created",
        replay_name=None,
    )


@pytest.mark.parametrize(
    ("description", "message", "expected"),
    [
        (
            "replayed envelope keeps its replay name",
            body(**{"replay-name": "fix-2025-10"}),
            {"replay_name": "fix-2025-10"},
        ),
        ("event_data absent", body(detail(event_data=...)), {"event_data": None}),
        ("event_data null counts as absent", body(detail(event_data=None)), {"event_data": None}),
        ("empty event_data object", body(detail(event_data={})), {"event_data": {}}),
        (
            "unicode identifiers",
            body(detail(shipment_id="SHP-東京-Ω", event_type="zugestellt ✓")),
            {"shipment_id": "SHP-東京-Ω"},
        ),
        (
            "unicode escapes",
            '{"id":"e","source":"s","detail-type":"d","detail":{"shipment_id":"SHP-\\u00e9",'
            '"event_timestamp":"2025-10-13T10:30:00Z","event_type":"t"}}',
            {"shipment_id": "SHP-é"},
        ),
        ("inner spaces are fine", body(detail(shipment_id="SHP 1")), {"shipment_id": "SHP 1"}),
        ("extra envelope and detail fields are ignored", body(detail(note="x"), account="123", extra=[1]), {}),
        (
            "numbers kept exactly",
            '{"id":"e","source":"s","detail-type":"d","detail":{"shipment_id":"S",'
            '"event_timestamp":"2025-10-13T10:30:00Z","event_type":"t","event_data":{"w":0.1,"big":12345678901234567890123456789012345678}}}',
            {"event_data": {"w": Decimal("0.1"), "big": 12345678901234567890123456789012345678}},
        ),
        (
            "38 significant digits",
            number_body("1.234567890123456789012345678901234567"),
            {"event_data": {"n": Decimal("1.234567890123456789012345678901234567")}},
        ),
        (
            "trailing zeros do not count as digits",
            number_body("1.50000000000000000000000000000000000000000"),
            {"event_data": {"n": Decimal("1.50000000000000000000000000000000000000000")}},
        ),
        ("smallest magnitude", number_body("1e-130"), {}),
        ("largest magnitude", number_body("9.9e125"), {}),
        ("empty strings are fine in event_data", body(detail(event_data={"note": ""})), {"event_data": {"note": ""}}),
        ("nesting to 16 levels", body(detail(event_data=nested_object(16))), {}),
        ("id at its limit", body(detail(shipment_id="S" * MAX_SHIPMENT_ID_BYTES)), {}),
    ],
)
def test_valid_bodies(description: str, message: str, expected: dict[str, object]) -> None:
    # GIVEN a valid but unusual body  WHEN it is parsed
    event = parse_event(message)

    # THEN it is an event with the expected fields
    assert isinstance(event, ShipmentEvent), f"{description}: {event}"
    for name, value in expected.items():
        assert getattr(event, name) == value, description


@pytest.mark.parametrize(
    ("description", "message", "reason", "in_message"),
    [
        ("empty body", "", Reason.EMPTY_BODY, "empty"),
        ("whitespace body", " \n\t", Reason.EMPTY_BODY, "empty"),
        ("not JSON", "shipment SHP-1 created", Reason.INVALID_JSON, "not valid JSON"),
        ("truncated JSON", body()[:-5], Reason.INVALID_JSON, "not valid JSON"),
        (
            "NaN is not JSON",
            number_body("NaN"),
            Reason.INVALID_JSON,
            "NaN",
        ),
        (
            "Infinity is not JSON",
            number_body("-Infinity"),
            Reason.INVALID_JSON,
            "Infinity",
        ),
        ("nesting beyond the parser", "[" * 100_000, Reason.INVALID_JSON, "nested too deeply"),
        ("integer beyond Python's digit limit", '{"n": ' + "9" * 5000 + "}", Reason.INVALID_JSON, "not valid JSON"),
        ("JSON array", json.dumps([envelope()]), Reason.NOT_AN_ENVELOPE, "array"),
        ("JSON string", json.dumps(body()), Reason.NOT_AN_ENVELOPE, "string"),
        ("JSON number", "42", Reason.NOT_AN_ENVELOPE, "number"),
        ("JSON null", "null", Reason.NOT_AN_ENVELOPE, "null"),
        ("missing detail", body(detail=...), Reason.MISSING_FIELD, "detail is missing"),
        ("detail is a string", body(detail=json.dumps(detail())), Reason.NOT_AN_ENVELOPE, "detail must be an object"),
        ("bare detail without envelope", json.dumps(detail()), Reason.MISSING_FIELD, "detail is missing"),
        ("missing id", body(id=...), Reason.MISSING_FIELD, "id is missing"),
        ("missing source", body(source=...), Reason.MISSING_FIELD, "source is missing"),
        ("numeric detail-type", body(**{"detail-type": 7}), Reason.INVALID_FIELD, "detail-type must be a string"),
        (
            "replay-name not a string",
            body(**{"replay-name": ["r"]}),
            Reason.INVALID_FIELD,
            "replay-name must be a string",
        ),
        ("missing shipment_id", body(detail(shipment_id=...)), Reason.MISSING_FIELD, "shipment_id is missing"),
        (
            "numeric shipment_id",
            body(detail(shipment_id=12345)),
            Reason.INVALID_FIELD,
            "shipment_id must be a string, got number",
        ),
        ("boolean shipment_id", body(detail(shipment_id=True)), Reason.INVALID_FIELD, "got boolean"),
        ("empty shipment_id", body(detail(shipment_id="")), Reason.INVALID_FIELD, "must not be empty"),
        ("padded shipment_id", body(detail(shipment_id=" SHP-1")), Reason.INVALID_FIELD, "whitespace"),
        ("control character in shipment_id", body(detail(shipment_id="SHP\n1")), Reason.INVALID_FIELD, "control"),
        ("unpaired surrogate in shipment_id", body(detail(shipment_id="SHP-\ud800")), Reason.INVALID_FIELD, "control"),
        (
            "huge shipment_id",
            body(detail(shipment_id="S" * (MAX_SHIPMENT_ID_BYTES + 1))),
            Reason.TOO_LARGE,
            "limit is 256",
        ),
        (
            "multi-byte shipment_id over the byte limit",
            body(detail(shipment_id="é" * 129)),
            Reason.TOO_LARGE,
            "258 bytes",
        ),
        ("missing event_type", body(detail(event_type=...)), Reason.MISSING_FIELD, "event_type is missing"),
        ("object event_type", body(detail(event_type={"a": 1})), Reason.INVALID_FIELD, "got object"),
        ("huge event_type", body(detail(event_type="t" * 129)), Reason.TOO_LARGE, "event_type is 129 bytes"),
        ("missing timestamp", body(detail(event_timestamp=...)), Reason.MISSING_FIELD, "event_timestamp is missing"),
        (
            "epoch-number timestamp",
            body(detail(event_timestamp=1760351400)),
            Reason.INVALID_TIMESTAMP,
            "must be a string",
        ),
        (
            "timestamp without zone",
            body(detail(event_timestamp="2025-10-13T10:30:00")),
            Reason.INVALID_TIMESTAMP,
            "time zone",
        ),
        (
            "event_data array",
            body(detail(event_data=[1, 2])),
            Reason.INVALID_EVENT_DATA,
            "must be an object, got array",
        ),
        ("event_data string", body(detail(event_data="{}")), Reason.INVALID_EVENT_DATA, "got string"),
        (
            "empty key in event_data",
            body(detail(event_data={"a": {"": 1}})),
            Reason.INVALID_EVENT_DATA,
            "event_data['a']: has an empty key",
        ),
        (
            "unpaired surrogate in event_data",
            body(detail(event_data={"a": ["\udc00"]})),
            Reason.INVALID_EVENT_DATA,
            "event_data['a'][0]: holds an unpaired",
        ),
        (
            "too deep event_data",
            body(detail(event_data=nested_object(17))),
            Reason.INVALID_EVENT_DATA,
            "deeper than 16",
        ),
        (
            "39 significant digits",
            number_body("1.23456789012345678901234567890123456789"),
            Reason.INVALID_EVENT_DATA,
            "39 significant digits",
        ),
        (
            "39-digit integer",
            body(detail(event_data={"n": 123456789012345678901234567890123456789})),
            Reason.INVALID_EVENT_DATA,
            "beyond",
        ),
        (
            "too small a number",
            number_body("1e-131"),
            Reason.INVALID_EVENT_DATA,
            "outside",
        ),
        (
            "too large a number",
            number_body("1e126"),
            Reason.INVALID_EVENT_DATA,
            "outside",
        ),
    ],
)
def test_rejected_bodies(description: str, message: str, reason: Reason, in_message: str) -> None:
    # GIVEN a body that can never be stored  WHEN it is parsed
    rejection = parse_event(message)

    # THEN it is rejected with the expected reason and an explanation
    assert isinstance(rejection, Rejection), description
    assert rejection.reason is reason, f"{description}: {rejection}"
    assert in_message in rejection.message, f"{description}: {rejection.message}"


_ENVELOPE_HEAD = '{"id": "e-1", "source": "shipment.service", "detail-type": "shipment.created", '


@pytest.mark.parametrize(
    ("message", "where", "key"),
    [
        (
            _ENVELOPE_HEAD + '"detail": {"shipment_id": "A", "shipment_id": "B", "event_timestamp": '
            '"2025-10-13T10:30:00Z", "event_type": "created"}}',
            "detail",
            "shipment_id",
        ),
        (
            _ENVELOPE_HEAD + '"detail": {"shipment_id": "A", "event_timestamp": "2025-10-13T10:30:00Z", '
            '"event_type": "created", "event_data": {"dims": {"w": 1, "h": 2, "w": 3}}}}',
            "detail.event_data.dims",
            "w",
        ),
        (
            _ENVELOPE_HEAD + '"detail": {"shipment_id": "A", "event_timestamp": "2025-10-13T10:30:00Z", '
            '"event_type": "created", "event_data": {"items": [{"sku": "x"}, {"sku": "y", "sku": "z"}]}}}',
            "detail.event_data.items[1]",
            "sku",
        ),
        (
            _ENVELOPE_HEAD + '"detail": {"shipment_id": "A", "event_timestamp": "2025-10-13T10:30:00Z", '
            '"event_type": "created", "event_data": {"odd key": {"k": 1, "k": 1}}}}',
            "detail.event_data['odd key']",
            "k",
        ),
        (
            '{"id": "e-1", "id": "e-2", "source": "s", "detail-type": "d", "detail": {}}',
            "the body",
            "id",
        ),
    ],
)
def test_a_duplicated_key_anywhere_in_the_body_is_rejected_naming_key_and_path(
    message: str, where: str, key: str
) -> None:
    # GIVEN a body where one object holds a key twice (even with equal values)  WHEN it is parsed
    rejection = parse_event(message)

    # THEN it is rejected as ambiguous, naming the key and where it is
    assert isinstance(rejection, Rejection)
    assert rejection.reason is Reason.DUPLICATE_KEY
    assert rejection.message.startswith(f"{where} has the key {key!r} more than once")


def test_a_duplicated_key_keeps_only_the_unambiguous_ids() -> None:
    # GIVEN a duplicated key inside event_data  WHEN it is parsed
    rejection = parse_event(
        _ENVELOPE_HEAD + '"detail": {"shipment_id": "A", "event_timestamp": "2025-10-13T10:30:00Z", '
        '"event_type": "created", "event_data": {"a": 1, "a": 2}}}'
    )

    # THEN the error record can still be found by shipment and event id, which were not duplicated
    assert isinstance(rejection, Rejection)
    assert (rejection.shipment_id, rejection.event_id) == ("A", "e-1")


def test_several_objects_with_duplicated_keys_are_counted() -> None:
    # GIVEN two objects with a duplicated key  WHEN / THEN the first is named and the other counted
    rejection = parse_event('{"a": {"x": 1, "x": 2}, "b": {"y": 1, "y": 2}}')
    assert isinstance(rejection, Rejection)
    assert rejection.message.startswith("the body.a has the key 'x' more than once")
    assert "(1 more object(s) with a duplicated key)" in rejection.message


def test_rejection_lists_every_problem_and_keeps_a_valid_shipment_id() -> None:
    # GIVEN a body with a valid shipment id and three bad fields
    message = body(detail(event_timestamp="yesterday", event_type="", event_data=[]), source=...)

    # WHEN it is parsed
    rejection = parse_event(message)

    # THEN the first problem gives the reason, every problem is described, and the ids are kept
    assert isinstance(rejection, Rejection)
    assert rejection.reason is Reason.MISSING_FIELD
    for problem in ("source is missing", "event_type must not be empty", "event_timestamp 'yesterday'", "event_data"):
        assert problem in rejection.message
    assert rejection.shipment_id == "SHP-12345"
    assert rejection.event_id == "6a7e8feb-b491-4cf7-a9f1-bf3703467718"


def test_rejection_message_stays_short_for_huge_values() -> None:
    # GIVEN a megabyte-long bad timestamp  WHEN it is parsed
    rejection = parse_event(body(detail(event_timestamp="9" * 1_000_000)))

    # THEN the explanation quotes only the start of it
    assert isinstance(rejection, Rejection)
    assert len(rejection.message) < 500
