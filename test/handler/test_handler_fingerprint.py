"""The content fingerprint: invariant under what does not change an event, different when the event differs."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from shipment_processor.events import ShipmentEvent, parse_event
from shipment_processor.fingerprint import canonical_json, content_fingerprint

from .shipment_factories import body, detail


def _event(message: str) -> ShipmentEvent:
    event = parse_event(message)
    assert isinstance(event, ShipmentEvent), event
    return event


def _fingerprint(message: str) -> str:
    return content_fingerprint(_event(message))


def _written(instant: datetime.datetime, offset_minutes: int) -> str:
    """``instant`` (UTC) written in RFC 3339 at the given UTC offset."""
    zone = datetime.timezone(datetime.timedelta(minutes=offset_minutes))
    return instant.astimezone(zone).isoformat()


def _shuffled(value: Any, order: list[int]) -> Any:
    """``value`` with the keys of every object in another order (rotated by the next number in ``order``)."""
    if isinstance(value, dict):
        keys = list(value)
        turn = order[0] % len(keys) if keys and order else 0
        return {key: _shuffled(value[key], order[1:]) for key in keys[turn:] + keys[:turn]}
    if isinstance(value, list):
        return [_shuffled(element, order) for element in value]
    return value


_instants = st.datetimes(
    min_value=datetime.datetime(1900, 1, 2), max_value=datetime.datetime(2100, 1, 1), timezones=st.just(datetime.UTC)
).map(lambda instant: instant.replace(microsecond=0))
_offsets = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59)
_keys = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=6)
_scalars = st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.text(max_size=12)
_data = st.dictionaries(
    _keys,
    st.recursive(
        _scalars,
        lambda children: st.lists(children, max_size=3) | st.dictionaries(_keys, children, max_size=3),
        max_leaves=8,
    ),
    max_size=5,
)


@given(
    instant=_instants,
    first_offset=_offsets,
    second_offset=_offsets,
    data=_data,
    order=st.lists(st.integers(0, 10), max_size=6),
)
def test_fingerprint_is_invariant_under_utc_offset_and_key_order(
    instant: datetime.datetime, first_offset: int, second_offset: int, data: dict[str, Any], order: list[int]
) -> None:
    # GIVEN one event whose instant appears as event_timestamp and inside its data, written at one offset,
    # and the same event written at another offset, with every object's keys in another order and a new
    # envelope (id, time, source, detail-type, replay name)
    def written(offset: int, event_data: dict[str, Any], **envelope: Any) -> str:
        stamp = _written(instant, offset)
        fields = detail(event_timestamp=stamp, event_type="picked_up", event_data={**event_data, "at": stamp})
        return body(fields, **envelope)

    first = written(first_offset, data)
    second = written(
        second_offset,
        _shuffled(data, order),
        id="another-id",
        time="2030-01-01T00:00:00Z",
        source="shipment.replayer",
        **{"detail-type": "shipment.replayed", "replay-name": "backfill"},
    )

    # WHEN / THEN both have one fingerprint
    assert _fingerprint(first) == _fingerprint(second)


@given(data=_data, other=_data, first_type=st.sampled_from(["a", "b"]), second_type=st.sampled_from(["a", "b"]))
def test_fingerprint_differs_when_type_or_data_differ(
    data: dict[str, Any], other: dict[str, Any], first_type: str, second_type: str
) -> None:
    # GIVEN two events under one key whose type or data differ (as JSON values, numbers by value)
    assume(first_type != second_type or json.dumps(data, sort_keys=True) != json.dumps(other, sort_keys=True))
    first = body(detail(event_type=first_type, event_data=data))
    second = body(detail(event_type=second_type, event_data=other))

    # WHEN / THEN their fingerprints differ
    assert _fingerprint(first) != _fingerprint(second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("10", "10.0"),
        ("10", "1E+1"),
        ("10", "1e1"),
        ("1.50", "1.5"),
        ("0", "-0"),
        ("0", "0.000"),
        ("-7", "-7.0"),
        ("12345678901234567890123456789012345678", "12345678901234567890123456789012345678.0"),
    ],
)
def test_numbers_compare_by_value(first: str, second: str) -> None:
    # GIVEN / WHEN / THEN one number written two ways is one fingerprint (DynamoDB stores them alike)
    def message(literal: str) -> str:
        return body(detail(event_data={"n": 0})).replace('"n": 0', f'"n": {literal}')

    assert _fingerprint(message(first)) == _fingerprint(message(second))


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("12345678901234567890123456789012345678", "12345678901234567890123456789012345677"),
        ("1", '"1"'),
        ("true", "1"),
        ("null", '"null"'),
        ("[1, 2]", "[2, 1]"),
        ('{"a": 1}', '[["a", 1]]'),
    ],
)
def test_values_that_differ_are_not_confused(first: str, second: str) -> None:
    # GIVEN / WHEN / THEN a number is not rounded, and no two JSON types share a canonical form
    def message(literal: str) -> str:
        return body(detail(event_data={"n": 0})).replace('"n": 0', f'"n": {literal}')

    assert _fingerprint(message(first)) != _fingerprint(message(second))


def test_absent_and_null_data_are_one_event_and_empty_data_another() -> None:
    # GIVEN / WHEN / THEN event_data null counts as absent (as it is stored), {} does not
    data: tuple[Any, ...] = (..., None, {})
    absent, null, empty = (body(detail(event_data=value)) for value in data)
    assert _fingerprint(absent) == _fingerprint(null) != _fingerprint(empty)


def test_canonical_json_is_sorted_compact_json_with_canonical_instants() -> None:
    # GIVEN an event with an instant and numbers in its data
    event = _event(
        body(
            detail(
                event_timestamp="2025-10-13T12:30:00+02:00",
                event_data={"z": [1.50, 100], "seen": "2025-10-13T12:30:00+02:00", "é": "ü"},
            )
        )
    )

    # WHEN / THEN the canonical text is valid JSON, keys sorted, ASCII, instants and numbers canonical
    text = canonical_json(event)
    assert text == (
        '{"event_data":{"seen":"2025-10-13T10:30:00.000000000Z","z":[1.5,1E+2],"\\u00e9":"\\u00fc"},'
        '"event_timestamp":"2025-10-13T10:30:00.000000000Z","event_type":"created","shipment_id":"SHP-12345"}'
    )
    assert json.loads(text, parse_float=Decimal)["event_data"]["z"] == [Decimal("1.5"), Decimal("1E+2")]


def test_a_float_is_refused_rather_than_hashed_inexactly() -> None:
    # GIVEN an event built by hand with a binary float (the parser never makes one)
    event = ShipmentEvent("S", "2025-10-13T10:30:00.000000000Z", "t", {"w": 0.1}, "e", "s", "d", None)

    # WHEN / THEN it cannot be fingerprinted
    with pytest.raises(TypeError, match="float"):
        content_fingerprint(event)
