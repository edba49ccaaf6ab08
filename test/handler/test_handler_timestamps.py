"""Unit tests for RFC 3339 parsing and the canonical timestamp (``shipment_processor.timestamps``, pure)."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from shipment_processor.timestamps import canonical_timestamp, canonical_timestamp_or_none, format_instant


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("2025-10-13T10:30:00Z", "2025-10-13T10:30:00.000000000Z"),
        ("2025-10-13t10:30:00z", "2025-10-13T10:30:00.000000000Z"),
        ("2025-10-13T12:30:00+02:00", "2025-10-13T10:30:00.000000000Z"),
        ("2025-10-13T12:30:00+0200", "2025-10-13T10:30:00.000000000Z"),
        ("2025-10-13T05:00:00-05:30", "2025-10-13T10:30:00.000000000Z"),
        ("2025-10-13T10:30:00-00:00", "2025-10-13T10:30:00.000000000Z"),
        ("2025-10-13T10:30:00.5Z", "2025-10-13T10:30:00.500000000Z"),
        ("2025-10-13T10:30:00.123Z", "2025-10-13T10:30:00.123000000Z"),
        ("2025-10-13T10:30:00.123456Z", "2025-10-13T10:30:00.123456000Z"),
        ("2025-10-13T10:30:00.123456789Z", "2025-10-13T10:30:00.123456789Z"),
        ("2025-10-14T01:00:00.25+14:30", "2025-10-13T10:30:00.250000000Z"),
        ("2024-02-29T23:59:59-01:00", "2024-03-01T00:59:59.000000000Z"),
        ("2025-12-31T23:30:00-01:00", "2026-01-01T00:30:00.000000000Z"),
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000000000Z"),
        ("9999-12-31T23:59:59.999999999Z", "9999-12-31T23:59:59.999999999Z"),
    ],
)
def test_canonical_timestamp(written: str, canonical: str) -> None:
    # GIVEN / WHEN / THEN one instant, however written, has one canonical form
    assert canonical_timestamp(written) == canonical


@pytest.mark.parametrize(
    "written",
    [
        "2025-10-13T10:30:00",  # no time zone: ambiguous
        "2025-10-13",  # no time
        "2025-10-13T10:30Z",  # no seconds
        "2025-10-13 10:30:00Z",  # space instead of T
        "20251013T103000Z",  # ISO 8601 basic format
        "2025-10-13T10:30:00.Z",  # empty fraction
        "2025-10-13T10:30:00.1234567891Z",  # finer than nanoseconds
        "2025-10-13T10:30:00,5Z",  # comma decimal sign
        "2025-10-13T10:30:60Z",  # leap second
        "2025-02-29T10:30:00Z",  # not a leap year
        "2025-13-01T10:30:00Z",
        "2025-10-13T24:00:00Z",
        "2025-10-13T10:30:00+24:00",
        "2025-10-13T10:30:00+02:60",
        "2025-10-13T10:30:00+2:00",
        "0001-01-01T00:30:00+01:00",  # before year 1 in UTC
        "9999-12-31T23:30:00-01:00",  # after year 9999 in UTC
        "+2025-10-13T10:30:00Z",
        "２０２５-10-13T10:30:00Z",  # noqa: RUF001 - full-width digits
        "2025-10-13T10:30:00Z ",
        "",
    ],
)
def test_invalid_timestamps(written: str) -> None:
    # GIVEN a string that is not an RFC 3339 instant  WHEN canonicalised  THEN ValueError
    with pytest.raises(ValueError):
        canonical_timestamp(written)


_instants = st.datetimes(
    min_value=datetime.datetime(1, 1, 2),
    max_value=datetime.datetime(9999, 12, 30),
    timezones=st.just(datetime.timezone.utc),
)
_offsets = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59)
_fractions = st.integers(min_value=0, max_value=999_999_999)


def _written(instant: datetime.datetime, nanoseconds: int, offset_minutes: int, digits: int) -> str:
    """``instant`` (whole seconds) plus ``nanoseconds``, written in a zone ``offset_minutes`` east of UTC."""
    local = instant.replace(microsecond=0).astimezone(datetime.timezone(datetime.timedelta(minutes=offset_minutes)))
    fraction = f"{nanoseconds:09d}"[:digits]
    sign = "+" if offset_minutes >= 0 else "-"
    hours, minutes = divmod(abs(offset_minutes), 60)
    return f"{local.replace(tzinfo=None).isoformat()}{'.' + fraction if digits else ''}{sign}{hours:02d}:{minutes:02d}"


@given(_instants, _fractions, _offsets, _offsets, st.integers(min_value=0, max_value=9))
def test_one_instant_written_two_ways_is_one_key(
    instant: datetime.datetime, nanoseconds: int, first_offset: int, second_offset: int, digits: int
) -> None:
    # GIVEN one instant written in two time zones  WHEN both are canonicalised
    precision = int(f"{nanoseconds:09d}"[:digits].ljust(9, "0"))

    # THEN the keys are equal, and equal to the UTC form
    first = canonical_timestamp(_written(instant, nanoseconds, first_offset, digits))
    second = canonical_timestamp(_written(instant, nanoseconds, second_offset, digits))
    assert first == second == format_instant(int(instant.replace(microsecond=0).timestamp()) * 10**9 + precision)


@given(st.lists(st.tuples(_instants, _fractions, _offsets, st.integers(0, 9)), min_size=2, max_size=8))
def test_sort_key_order_is_chronological(stamps: list[tuple[datetime.datetime, int, int, int]]) -> None:
    # GIVEN instants written with any precision and any zone
    written = [_written(instant, nanos, offset, digits) for instant, nanos, offset, digits in stamps]

    # WHEN they are canonicalised and sorted as strings
    keys = [canonical_timestamp(text) for text in written]

    # THEN string order is time order
    truth = [
        (int(instant.replace(microsecond=0).timestamp()), int(f"{nanos:09d}"[:digits].ljust(9, "0")))
        for instant, nanos, _, digits in stamps
    ]
    assert [key for _, key in sorted(zip(truth, keys, strict=True))] == sorted(keys)


def test_format_instant_is_the_canonical_form() -> None:
    # GIVEN / WHEN / THEN the clock's form matches the sort key's form
    assert format_instant(1_760_351_400_123_456_789) == "2025-10-13T10:30:00.123456789Z"
    assert format_instant(0) == "1970-01-01T00:00:00.000000000Z"


@pytest.mark.parametrize(
    "text", ["", "SHP-1", "2025-10-13", "2025-10-13T10:30:00", "2025-13-01T00:00:00Z", "x" * 30, "20251013T103000Z"]
)
def test_canonical_timestamp_or_none_is_none_for_anything_else(text: str) -> None:
    # GIVEN text that is not an RFC 3339 timestamp  WHEN / THEN it has no canonical form, and nothing raises
    assert canonical_timestamp_or_none(text) is None


def test_canonical_timestamp_or_none_agrees_with_canonical_timestamp() -> None:
    # GIVEN / WHEN / THEN a valid timestamp gets the same canonical form either way
    assert canonical_timestamp_or_none("2025-10-13T12:30:00+02:00") == canonical_timestamp("2025-10-13T10:30:00Z")
