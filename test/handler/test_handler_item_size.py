"""Item size by DynamoDB's documented rules ("DynamoDB item sizes and formats"), and the limit at its boundary."""

from __future__ import annotations

import json

import pytest
from shipment_processor.dynamodb_limits import (
    DYNAMODB_MAX_ITEM_BYTES,
    ITEM_SIZE_MARGIN_BYTES,
    MAX_ITEM_BYTES,
    attribute_value_bytes,
    item_bytes,
    number_bytes,
)
from shipment_processor.events import Reason, ShipmentEvent, parse_event
from shipment_processor.fingerprint import content_fingerprint
from shipment_processor.items import event_item
from shipment_processor.processor import BatchProcessor, Outcome

from .memory_store import MemoryStore
from .shipment_factories import CONFIG, FIXED_NOW_NS, Pipeline, body, detail, record


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 2),  # 1 significant digit: ceil(1/2) + 1
        ("12", 2),
        ("123", 3),
        ("-123", 3),  # the sign is not a digit
        ("100", 2),  # trailing zeros trimmed
        ("0.00100", 2),  # leading and trailing zeros trimmed
        ("123.45", 4),  # 5 digits: 3 + 1
        ("1.5E+7", 2),  # the exponent is not a digit
        ("1e-130", 2),
        ("0", 1),  # no significant digit
        ("12345678901234567890123456789012345678", 20),  # 38 digits: 19 + 1
    ],
)
def test_number_size(text: str, expected: int) -> None:
    # GIVEN / WHEN / THEN a number is 1 byte per two significant digits, rounded up, plus 1
    assert number_bytes(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"S": "abc"}, 3),
        ({"S": "é€😀"}, 2 + 3 + 4),  # UTF-8 bytes, not characters
        ({"S": ""}, 0),
        ({"B": b"\x00\x01\x02"}, 3),  # raw bytes, not base64
        ({"BOOL": False}, 1),
        ({"NULL": True}, 1),
        ({"L": []}, 3),  # empty list: the 3-byte overhead only
        ({"M": {}}, 3),
        ({"L": [{"N": "1"}, {"S": "ab"}]}, 3 + (1 + 2) + (1 + 2)),  # 1 byte per element plus its size
        ({"M": {"ab": {"N": "1"}, "ü": {"BOOL": True}}}, 3 + (1 + 2 + 2) + (1 + 2 + 1)),  # names count as UTF-8
        ({"M": {"a": {"L": [{"NULL": True}]}}}, 3 + (1 + 1 + (3 + 1 + 1))),  # nested containers
        ({"SS": ["a", "bc"]}, 3),
        ({"NS": ["1", "123"]}, 2 + 3),
    ],
)
def test_attribute_value_size(value: dict, expected: int) -> None:
    # GIVEN / WHEN / THEN each type follows the documented rule
    assert attribute_value_bytes(value) == expected


def test_item_size_counts_every_attribute_name() -> None:
    # GIVEN / WHEN / THEN an item is its names' UTF-8 lengths plus its values' sizes
    assert item_bytes({"id": {"S": "SHP-1"}, "readings": {"L": [{"N": "1"}, {"N": "22"}]}}) == 2 + 5 + 8 + (3 + 3 + 3)


def test_the_limit_is_dynamodbs_less_a_small_stated_margin() -> None:
    # GIVEN / WHEN / THEN 400 KB less 1 KiB for the approximate number rule
    assert (DYNAMODB_MAX_ITEM_BYTES, ITEM_SIZE_MARGIN_BYTES, MAX_ITEM_BYTES) == (409_600, 1_024, 408_576)


def _item_size_of(message: str) -> int:
    """The size of the item the processor would write for ``message`` (same clock, same fingerprint)."""
    event = parse_event(message)
    assert isinstance(event, ShipmentEvent)
    expires_at = FIXED_NOW_NS // 10**9 + CONFIG.ttl_seconds
    item = event_item(
        event,
        received_at="2025-10-13T10:30:00.000000000Z",
        expires_at=expires_at,
        content_sha256=content_fingerprint(event),
    )
    return item_bytes(item)


def _with_size(target: int) -> str:
    """A valid body whose item is exactly ``target`` bytes by the documented rules (a string grows it byte by byte)."""
    base = body(detail(event_data={"blob": ""}))
    message = body(detail(event_data={"blob": "x" * (target - _item_size_of(base))}))
    assert _item_size_of(message) == target
    return message


@pytest.mark.parametrize(
    ("size", "expected"), [(MAX_ITEM_BYTES, Outcome.STORED), (MAX_ITEM_BYTES + 1, Outcome.QUARANTINED)]
)
def test_items_at_the_boundary(size: int, expected: Outcome) -> None:
    # GIVEN an event whose item is exactly at the limit, or one byte over it
    store = MemoryStore()
    processor = BatchProcessor(store=store, config=CONFIG, executor=None, clock=lambda: FIXED_NOW_NS)

    # WHEN it is processed
    result = processor.process([record(_with_size(size))])

    # THEN the one at the limit is written; the one over it is quarantined as too large, with its size
    assert result.outcomes == (expected,)
    if expected is Outcome.QUARANTINED:
        (error,) = store.errors
        assert error["error_type"] == {"S": Reason.TOO_LARGE.value}
        assert f"would be {size} bytes" in error["error_message"]["S"]
        assert f"limit of {MAX_ITEM_BYTES}" in error["error_message"]["S"]
    else:
        assert len(store.events) == 1 and store.errors == []


def test_twenty_thousand_small_numbers_are_stored(pipeline: Pipeline) -> None:
    # GIVEN a 60 KB body of 20,000 one-digit numbers (3 bytes each in a list: about 60 KB as an item)
    message = body(detail(event_data={"readings": [1] * 20_000}))
    assert len(message) < 70_000
    assert _item_size_of(message) < 70_000

    # WHEN it is processed against moto
    result = pipeline.process([record(message)])

    # THEN it is stored, whole
    assert result.outcomes == (Outcome.STORED,)
    (item,) = pipeline.events()
    assert len(item["event_data"]["M"]["readings"]["L"]) == 20_000


def test_many_large_numbers_are_charged_by_their_digits() -> None:
    # GIVEN 20,000 numbers of 38 significant digits: 20 bytes each, plus 1 per element
    readings = [int("1" * 38)] * 20_000
    message = body(detail(event_data={"readings": readings}))

    # WHEN / THEN the item is sized by digits, 21 bytes a number, not by its JSON text
    assert _item_size_of(message) - _item_size_of(body(detail(event_data={"readings": []}))) == 20_000 * 21
    assert json.loads(message)["detail"]["event_data"]["readings"][0] == int("1" * 38)
