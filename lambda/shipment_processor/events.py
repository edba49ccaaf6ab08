"""Parse and validate one SQS message body: a :class:`ShipmentEvent`, or a :class:`Rejection` saying why not.

Pure functions only (no I/O, no clock), so every rule here is driven by a
table of inputs in the unit tests.

What a valid body looks like
    The EventBridge envelope that the pipeline's rule delivers to SQS: a JSON
    object with non-empty strings ``id``, ``source`` and ``detail-type`` and an
    object ``detail`` holding ``shipment_id``, ``event_timestamp``,
    ``event_type`` and, optionally, ``event_data`` (an object; ``null`` counts
    as absent). Other envelope fields (``time``, ``resources``, ...) and other
    ``detail`` fields are ignored. A replayed event carries ``replay-name``,
    which is kept on the stored item when present.

Canonical ``event_timestamp``
    Producers may write one instant several ways (``10:30:00Z``,
    ``12:30:00+02:00``, ``10:30:00.000Z``). The stored sort key is one fixed
    width UTC form, ``YYYY-MM-DDTHH:MM:SS.fffffffffZ``: always nine fractional
    digits, so one instant is one item and the lexicographic order of the
    sort key is chronological order (variable-length fractions would sort
    ``.5Z`` after ``.25Z`` but also ``10:30:00Z`` after ``10:30:00.5Z``).
    Nanoseconds are the precision because they hold every common producer's
    timestamp (JavaScript milliseconds, Python microseconds, Go and Java
    nanoseconds) without rounding; rounding would merge distinct events into
    one "duplicate". Accepted input is RFC 3339: date, ``T``, time with
    seconds, 0-9 fractional digits, then ``Z`` or a ``+HH:MM``/``+HHMM``
    offset. A timestamp without a time zone is ambiguous and is rejected, as
    are leap seconds (``:60``), dates that do not exist, more than nine
    fractional digits and instants outside years 0001-9999 once in UTC.

Limits (all in UTF-8 bytes)
    ``shipment_id`` <= 256 (DynamoDB allows 2048 for a partition key; 256 is
    ample for an identifier and keeps the error index key small),
    ``event_type`` <= 128, envelope strings <= 256. Identifiers must be
    printable with no leading or trailing whitespace: ``" SHP-1"`` and
    ``"SHP-1"`` would otherwise be two shipments. ``event_data`` nests at
    most 16 levels (DynamoDB allows 32), its map keys are non-empty, numbers
    have at most 38 significant digits and a magnitude DynamoDB can hold
    (1E-130 to below 1E126); ``NaN``/``Infinity`` are not JSON and are
    rejected. Numbers are parsed as ``int``/``Decimal`` so they are stored
    exactly, never through a binary float. The whole item, estimated with
    DynamoDB's sizing rules, must stay under :data:`MAX_ITEM_BYTES`, below
    DynamoDB's 400 KB item limit.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import re
from decimal import Decimal
from typing import Any

__all__ = [
    "MAX_ENVELOPE_FIELD_BYTES",
    "MAX_EVENT_DATA_DEPTH",
    "MAX_EVENT_TYPE_BYTES",
    "MAX_ITEM_BYTES",
    "MAX_NUMBER_DIGITS",
    "MAX_SHIPMENT_ID_BYTES",
    "NANOS_PER_SECOND",
    "Reason",
    "Rejection",
    "ShipmentEvent",
    "canonical_timestamp",
    "format_instant",
    "parse_event",
]

MAX_SHIPMENT_ID_BYTES = 256
MAX_EVENT_TYPE_BYTES = 128
MAX_ENVELOPE_FIELD_BYTES = 256
MAX_EVENT_DATA_DEPTH = 16
MAX_NUMBER_DIGITS = 38
#: DynamoDB's limit is 400 KB (409,600 bytes); the margin covers the
#: "approximately" in DynamoDB's number-size rule.
MAX_ITEM_BYTES = 400_000

_MIN_NUMBER_EXPONENT = -130
_MAX_NUMBER_EXPONENT = 125
# Upper bound of one number's stored size: 1 byte per two significant digits
# plus one.
_NUMBER_BYTES = MAX_NUMBER_DIGITS // 2 + 2
# Attribute names plus the fixed-width values every event item carries
# (canonical timestamps, received_at, expires_at).
_ITEM_OVERHEAD_BYTES = 256
_MESSAGE_VALUE_CHARS = 80

_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(?:[Zz]|([+-])(\d{2}):?(\d{2}))",
    re.ASCII,
)
_EPOCH = datetime.datetime(1970, 1, 1)
#: Unit of the clock the processor reads (``time.time_ns``).
NANOS_PER_SECOND = 1_000_000_000


class Reason(str, enum.Enum):
    """Why a message was rejected; stored as ``error_type`` on its error record."""

    EMPTY_BODY = "empty_body"
    INVALID_JSON = "invalid_json"
    NOT_AN_ENVELOPE = "not_an_envelope"
    MISSING_FIELD = "missing_field"
    INVALID_FIELD = "invalid_field"
    INVALID_TIMESTAMP = "invalid_timestamp"
    INVALID_EVENT_DATA = "invalid_event_data"
    TOO_LARGE = "too_large"
    #: DynamoDB refused the item (ValidationException) although it passed
    #: the checks here; set by the processor, not by :func:`parse_event`.
    REJECTED_BY_STORE = "rejected_by_store"


@dataclasses.dataclass(frozen=True, slots=True)
class ShipmentEvent:
    """One valid shipment event, with ``event_timestamp`` in canonical form.

    ``event_data`` holds parsed JSON (``dict``/``list``/``str``/``int``/
    ``Decimal``/``bool``/``None``) already checked against DynamoDB's limits.
    """

    shipment_id: str
    event_timestamp: str
    event_type: str
    event_data: dict[str, Any] | None
    event_id: str
    source: str
    detail_type: str
    replay_name: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class Rejection:
    """A body that can never be stored: the first problem's reason and every problem's message.

    ``shipment_id`` and ``event_id`` are set when they were themselves valid,
    so the error record can be found by shipment.
    """

    reason: Reason
    message: str
    shipment_id: str | None = None
    event_id: str | None = None


class _Invalid(Exception):
    """One problem found while checking a value; ``path`` grows as it propagates outwards."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.path: list[str] = []

    def describe(self, root: str) -> str:
        return f"{root}{''.join(reversed(self.path))}: {self.message}"


def parse_event(body: str) -> ShipmentEvent | Rejection:
    """Validate one SQS message body and return the event it carries, or why it was rejected.

    Example::

        parse_event('{"id": "e1", "source": "shipment.service", "detail-type": "shipment.created",'
                    ' "detail": {"shipment_id": "SHP-1", "event_timestamp": "2025-10-13T12:30:00+02:00",'
                    ' "event_type": "created"}}').event_timestamp
        # '2025-10-13T10:30:00.000000000Z'
    """
    if not body or body.isspace():
        return Rejection(Reason.EMPTY_BODY, "message body is empty")
    try:
        envelope = json.loads(body, parse_float=Decimal, parse_constant=_reject_constant)
    except RecursionError:
        return Rejection(Reason.INVALID_JSON, "body is not valid JSON: nested too deeply to parse")
    except ValueError as error:
        return Rejection(Reason.INVALID_JSON, f"body is not valid JSON: {_clip(str(error))}")
    if type(envelope) is not dict:
        return Rejection(
            Reason.NOT_AN_ENVELOPE,
            f"body is a JSON {_json_type(envelope)}, expected an EventBridge envelope object",
        )

    problems: list[_Invalid] = []
    event_id = _text(envelope, "id", MAX_ENVELOPE_FIELD_BYTES, problems)
    source = _text(envelope, "source", MAX_ENVELOPE_FIELD_BYTES, problems)
    detail_type = _text(envelope, "detail-type", MAX_ENVELOPE_FIELD_BYTES, problems)
    replay_name = _text(envelope, "replay-name", MAX_ENVELOPE_FIELD_BYTES, problems, required=False)
    detail = envelope.get("detail")
    if detail is None:
        problems.append(_Invalid(Reason.MISSING_FIELD, "detail is missing"))
        return _reject(problems, None, event_id)
    if type(detail) is not dict:
        problems.append(_Invalid(Reason.NOT_AN_ENVELOPE, f"detail must be an object, got {_json_type(detail)}"))
        return _reject(problems, None, event_id)

    shipment_id = _text(detail, "shipment_id", MAX_SHIPMENT_ID_BYTES, problems)
    event_type = _text(detail, "event_type", MAX_EVENT_TYPE_BYTES, problems)
    event_timestamp = _timestamp(detail.get("event_timestamp"), problems)
    event_data = detail.get("event_data")
    data_bytes = 0
    if event_data is not None:
        try:
            if type(event_data) is not dict:
                raise _Invalid(Reason.INVALID_EVENT_DATA, f"must be an object, got {_json_type(event_data)}")
            data_bytes = _document_bytes(event_data, 1)
        except _Invalid as problem:
            problems.append(_Invalid(problem.reason, problem.describe("event_data")))

    # Without problems every required field is a string; the second half of
    # the condition only tells the type checker so.
    if problems or not (shipment_id and event_timestamp and event_type and event_id and source and detail_type):
        return _reject(problems, shipment_id, event_id)
    strings = (shipment_id, event_type, event_id, source, detail_type, replay_name or "")
    item_bytes = _ITEM_OVERHEAD_BYTES + data_bytes + sum(_utf8_length(value) for value in strings)
    if item_bytes > MAX_ITEM_BYTES:
        too_large = f"the stored item would be about {item_bytes} bytes, the limit is {MAX_ITEM_BYTES}"
        return _reject([_Invalid(Reason.TOO_LARGE, too_large)], shipment_id, event_id)
    return ShipmentEvent(
        shipment_id=shipment_id,
        event_timestamp=event_timestamp,
        event_type=event_type,
        event_data=event_data,
        event_id=event_id,
        source=source,
        detail_type=detail_type,
        replay_name=replay_name,
    )


def canonical_timestamp(text: str) -> str:
    """Return the canonical UTC form of an RFC 3339 timestamp; raise ``ValueError`` saying why not.

    Example::

        canonical_timestamp("2025-10-13T12:30:00.5+02:00")  # '2025-10-13T10:30:00.500000000Z'
    """
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        raise ValueError(
            f"{_clip(text)!r} is not an RFC 3339 timestamp with seconds and a time zone,"
            " e.g. 2025-10-13T10:30:00Z or 2025-10-13T12:30:00.123+02:00"
        )
    year, month, day, hour, minute, second, fraction, sign, offset_hours, offset_minutes = match.groups()
    try:
        instant = datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
    except ValueError as error:
        raise ValueError(f"{text!r} is not a real date and time ({error})") from None
    if sign is not None:
        if int(offset_hours) > 23 or int(offset_minutes) > 59:
            raise ValueError(f"{text!r} has an impossible UTC offset")
        offset = datetime.timedelta(hours=int(offset_hours), minutes=int(offset_minutes))
        try:
            instant = instant - offset if sign == "+" else instant + offset
        except OverflowError:
            raise ValueError(f"{text!r} falls outside years 0001-9999 in UTC") from None
    return f"{instant.isoformat()}.{(fraction or '').ljust(9, '0')}Z"


def format_instant(epoch_nanoseconds: int) -> str:
    """Format a Unix time in nanoseconds in the canonical timestamp form (for ``received_at`` and error ids)."""
    seconds, nanoseconds = divmod(epoch_nanoseconds, NANOS_PER_SECOND)
    return f"{(_EPOCH + datetime.timedelta(seconds=seconds)).isoformat()}.{nanoseconds:09d}Z"


def _reject(problems: list[_Invalid], shipment_id: str | None, event_id: str | None) -> Rejection:
    return Rejection(
        reason=problems[0].reason,
        message="; ".join(problem.message for problem in problems),
        shipment_id=shipment_id,
        event_id=event_id,
    )


def _text(
    container: dict[str, Any], name: str, max_bytes: int, problems: list[_Invalid], *, required: bool = True
) -> str | None:
    """Return ``container[name]`` if it is a valid identifier-like string, else record why and return None."""
    value = container.get(name)
    if value is None:
        if required:
            problems.append(_Invalid(Reason.MISSING_FIELD, f"{name} is missing"))
        return None
    if type(value) is not str:
        problems.append(_Invalid(Reason.INVALID_FIELD, f"{name} must be a string, got {_json_type(value)}"))
        return None
    if not value:
        problems.append(_Invalid(Reason.INVALID_FIELD, f"{name} must not be empty"))
        return None
    # isprintable() is False for control characters and for unpaired
    # surrogates, which UTF-8 (and so DynamoDB) cannot carry.
    if not value.isprintable() or value != value.strip():
        problems.append(
            _Invalid(
                Reason.INVALID_FIELD,
                f"{name} {_clip(value)!r} has control characters or leading/trailing whitespace",
            )
        )
        return None
    size = _utf8_length(value)
    if size > max_bytes:
        problems.append(_Invalid(Reason.TOO_LARGE, f"{name} is {size} bytes, the limit is {max_bytes}"))
        return None
    return value


def _timestamp(value: Any, problems: list[_Invalid]) -> str | None:
    if value is None:
        problems.append(_Invalid(Reason.MISSING_FIELD, "event_timestamp is missing"))
        return None
    if type(value) is not str:
        problems.append(
            _Invalid(Reason.INVALID_TIMESTAMP, f"event_timestamp must be a string, got {_json_type(value)}")
        )
        return None
    try:
        return canonical_timestamp(value)
    except ValueError as error:
        problems.append(_Invalid(Reason.INVALID_TIMESTAMP, f"event_timestamp {error}"))
        return None


def _document_bytes(value: Any, depth: int) -> int:
    """Check one parsed JSON value against DynamoDB's rules and return its estimated stored size.

    Sizes follow DynamoDB's item-size rules: strings count their UTF-8 bytes,
    maps and lists 3 bytes plus 1 per element, booleans and null 1 byte.
    """
    kind = type(value)
    if kind is str:
        return _utf8_length(value)
    if kind is dict or kind is list:
        if depth > MAX_EVENT_DATA_DEPTH:
            raise _Invalid(Reason.INVALID_EVENT_DATA, f"nests deeper than {MAX_EVENT_DATA_DEPTH} levels")
        size = 3
        if kind is dict:
            for key, element in value.items():
                if not key:
                    raise _Invalid(Reason.INVALID_EVENT_DATA, "has an empty key; DynamoDB map keys must not be empty")
                try:
                    size += 1 + _utf8_length(key) + _document_bytes(element, depth + 1)
                except _Invalid as problem:
                    problem.path.append(f"[{_clip(key)!r}]")
                    raise
        else:
            for index, element in enumerate(value):
                try:
                    size += 1 + _document_bytes(element, depth + 1)
                except _Invalid as problem:
                    problem.path.append(f"[{index}]")
                    raise
        return size
    if kind is bool or value is None:
        return 1
    if kind is int:
        _check_integer(value)
        return _NUMBER_BYTES
    if kind is Decimal:
        _check_decimal(value)
        return _NUMBER_BYTES
    raise _Invalid(Reason.INVALID_EVENT_DATA, f"holds a {kind.__name__}, which is not JSON")


def _check_integer(value: int) -> None:
    # Every integer under 38 digits fits; only look closer at the rare big ones.
    if -(10**MAX_NUMBER_DIGITS) < value < 10**MAX_NUMBER_DIGITS:
        return
    digits = str(abs(value))
    if len(digits.rstrip("0")) > MAX_NUMBER_DIGITS or len(digits) - 1 > _MAX_NUMBER_EXPONENT:
        raise _Invalid(
            Reason.INVALID_EVENT_DATA, f"number {_clip(digits)} is beyond DynamoDB's number range or precision"
        )


def _check_decimal(value: Decimal) -> None:
    digits = value.as_tuple().digits
    significant = len(digits)
    while significant and digits[significant - 1] == 0:
        significant -= 1
    if significant > MAX_NUMBER_DIGITS:
        raise _Invalid(
            Reason.INVALID_EVENT_DATA,
            f"number {_clip(str(value))} has {significant} significant digits,"
            f" DynamoDB stores at most {MAX_NUMBER_DIGITS}",
        )
    # Checked for zero too: "0E+500" is zero, but not a number DynamoDB parses.
    if not _MIN_NUMBER_EXPONENT <= value.adjusted() <= _MAX_NUMBER_EXPONENT:
        raise _Invalid(
            Reason.INVALID_EVENT_DATA, f"number {_clip(str(value))} is outside DynamoDB's range 1E-130 to 1E126"
        )


def _utf8_length(text: str) -> int:
    # isascii() is O(1) in CPython, so the common case costs no encoding.
    if text.isascii():
        return len(text)
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise _Invalid(Reason.INVALID_EVENT_DATA, "holds an unpaired surrogate, which is not valid UTF-8") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", Decimal: "number"}.get(
        type(value), type(value).__name__
    )


def _clip(text: str) -> str:
    return text if len(text) <= _MESSAGE_VALUE_CHARS else text[:_MESSAGE_VALUE_CHARS] + "..."
