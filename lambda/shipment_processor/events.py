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
    One instant is one stored sort key whatever UTC offset or fraction
    length the producer wrote: see :mod:`shipment_processor.timestamps`.

Duplicated keys
    A JSON object that holds one key twice (``{"shipment_id": "A",
    "shipment_id": "B"}``) is rejected wherever it occurs in the body: which
    value the producer meant cannot be known, and a plain ``json.loads``
    would silently keep the last one. The message names the key and where it
    is (``detail.event_data.dims``).

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
    exactly, never through a binary float. The size of the whole item is
    checked once it is built (:mod:`shipment_processor.dynamodb_limits`).
"""

from __future__ import annotations

import dataclasses
import enum
import json
from decimal import Decimal
from typing import Any

from .dynamodb_limits import MAX_NUMBER_DIGITS, MAX_NUMBER_EXPONENT, MIN_NUMBER_EXPONENT, utf8_length
from .timestamps import canonical_timestamp

__all__ = [
    "MAX_ENVELOPE_FIELD_BYTES",
    "MAX_EVENT_DATA_DEPTH",
    "MAX_EVENT_TYPE_BYTES",
    "MAX_SHIPMENT_ID_BYTES",
    "Reason",
    "Rejection",
    "ShipmentEvent",
    "parse_event",
]

MAX_SHIPMENT_ID_BYTES = 256
MAX_EVENT_TYPE_BYTES = 128
MAX_ENVELOPE_FIELD_BYTES = 256
#: Half of DynamoDB's 32 levels: ample for event data, and bounds the checks' recursion.
MAX_EVENT_DATA_DEPTH = 16

_MESSAGE_VALUE_CHARS = 80


class Reason(str, enum.Enum):
    """Why a message was rejected or recorded; stored as ``error_type`` on its error record."""

    EMPTY_BODY = "empty_body"
    INVALID_JSON = "invalid_json"
    #: A JSON object in the body holds one key twice.
    DUPLICATE_KEY = "duplicate_key"
    NOT_AN_ENVELOPE = "not_an_envelope"
    MISSING_FIELD = "missing_field"
    INVALID_FIELD = "invalid_field"
    INVALID_TIMESTAMP = "invalid_timestamp"
    INVALID_EVENT_DATA = "invalid_event_data"
    TOO_LARGE = "too_large"
    #: DynamoDB refused the item (ValidationException) although it passed
    #: the checks here; set by the processor, not by :func:`parse_event`.
    REJECTED_BY_STORE = "rejected_by_store"
    #: Another event is stored under the same key with different content;
    #: set by the processor, not by :func:`parse_event`.
    CONFLICT = "conflict"


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


class _DuplicatedKeys(dict):  # type: ignore[type-arg]
    """A parsed JSON object that held a key more than once (the first such key in ``duplicated``)."""

    duplicated: str


class _ObjectsWithKeys:
    """``json.loads``' object hook that builds each object and remembers those with a key written twice.

    Which of two values a repeated key means cannot be known, so the caller rejects the event (at any depth).
    """

    def __init__(self) -> None:
        self.duplicated: list[_DuplicatedKeys] = []

    def build(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        built = dict(pairs)
        if len(built) == len(pairs):
            return built
        marked = _DuplicatedKeys(built)
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                marked.duplicated = key
                break
            seen.add(key)
        self.duplicated.append(marked)
        return marked


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
    objects = _ObjectsWithKeys()

    try:
        envelope = json.loads(
            body, parse_float=Decimal, parse_constant=_reject_constant, object_pairs_hook=objects.build
        )
    except RecursionError:
        return Rejection(Reason.INVALID_JSON, "body is not valid JSON: nested too deeply to parse")
    except ValueError as error:
        return Rejection(Reason.INVALID_JSON, f"body is not valid JSON: {_clip(str(error))}")
    if objects.duplicated:
        return _duplicated_keys(envelope, len(objects.duplicated))
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
    if event_data is not None:
        try:
            if type(event_data) is not dict:
                raise _Invalid(Reason.INVALID_EVENT_DATA, f"must be an object, got {_json_type(event_data)}")
            _check_document(event_data, 1)
        except _Invalid as problem:
            problems.append(_Invalid(problem.reason, problem.describe("event_data")))

    # Without problems every required field is a string; the second half of
    # the condition only tells the type checker so.
    if problems or not (shipment_id and event_timestamp and event_type and event_id and source and detail_type):
        return _reject(problems, shipment_id, event_id)
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


def _duplicated_keys(envelope: Any, count: int) -> Rejection:
    """Name the first object (in document order) that held a key twice, by its path from the body's root."""
    found = _find_duplicated(envelope, "")
    assert found is not None  # the parser marked at least one object in this very value
    path, marked = found
    where = (
        f"detail{path[len('.detail') :]}" if path.startswith(".detail") else f"the body{path}" if path else "the body"
    )
    others = f" ({count - 1} more object(s) with a duplicated key)" if count > 1 else ""
    message = (
        f"{where} has the key {_clip(marked.duplicated)!r} more than once; which value was meant cannot be known,"
        f" so the event is not stored{others}"
    )
    # Shipment id and event id only when they are themselves unambiguous.
    detail = envelope.get("detail") if type(envelope) in (dict, _DuplicatedKeys) else None
    shipment_id = detail.get("shipment_id") if type(detail) is dict else None
    event_id = envelope.get("id") if type(envelope) is dict else None
    return Rejection(
        Reason.DUPLICATE_KEY,
        message,
        shipment_id=shipment_id if type(shipment_id) is str and shipment_id else None,
        event_id=event_id if type(event_id) is str and event_id else None,
    )


def _find_duplicated(value: Any, path: str) -> tuple[str, _DuplicatedKeys] | None:
    if type(value) is _DuplicatedKeys:
        return path, value
    children = value.items() if isinstance(value, dict) else enumerate(value) if type(value) is list else ()
    for key, element in children:
        if isinstance(element, (dict, list)):
            if type(key) is int:
                step = f"{path}[{key}]"
            else:
                step = f"{path}.{key}" if str(key).isidentifier() else f"{path}[{key!r}]"
            found = _find_duplicated(element, step)
            if found is not None:
                return found
    return None


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
    size = utf8_length(value)
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


def _check_document(value: Any, depth: int) -> None:
    """Check one parsed JSON value against what DynamoDB can store (nesting, empty keys, numbers, UTF-8)."""
    kind = type(value)
    if kind is str:
        _check_utf8(value)
    elif kind is dict or kind is list:
        if depth > MAX_EVENT_DATA_DEPTH:
            raise _Invalid(Reason.INVALID_EVENT_DATA, f"nests deeper than {MAX_EVENT_DATA_DEPTH} levels")
        if kind is dict:
            _check_map(value, depth)
        else:
            _check_list(value, depth)
    elif kind is int:
        _check_integer(value)
    elif kind is Decimal:
        _check_decimal(value)
    elif kind is not bool and value is not None:
        raise _Invalid(Reason.INVALID_EVENT_DATA, f"holds a {kind.__name__}, which is not JSON")


def _check_map(value: dict[str, Any], depth: int) -> None:
    for key, element in value.items():
        if not key:
            raise _Invalid(Reason.INVALID_EVENT_DATA, "has an empty key; DynamoDB map keys must not be empty")
        try:
            _check_utf8(key)
            _check_document(element, depth + 1)
        except _Invalid as problem:
            problem.path.append(f"[{_clip(key)!r}]")
            raise


def _check_list(value: list[Any], depth: int) -> None:
    for index, element in enumerate(value):
        try:
            _check_document(element, depth + 1)
        except _Invalid as problem:
            problem.path.append(f"[{index}]")
            raise


def _check_integer(value: int) -> None:
    # Every integer under 38 digits fits; only look closer at the rare big ones.
    if -(10**MAX_NUMBER_DIGITS) < value < 10**MAX_NUMBER_DIGITS:
        return
    digits = str(abs(value))
    if len(digits.rstrip("0")) > MAX_NUMBER_DIGITS or len(digits) - 1 > MAX_NUMBER_EXPONENT:
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
    if not MIN_NUMBER_EXPONENT <= value.adjusted() <= MAX_NUMBER_EXPONENT:
        raise _Invalid(
            Reason.INVALID_EVENT_DATA, f"number {_clip(str(value))} is outside DynamoDB's range 1E-130 to 1E126"
        )


def _check_utf8(text: str) -> None:
    try:
        utf8_length(text)
    except UnicodeEncodeError:
        raise _Invalid(Reason.INVALID_EVENT_DATA, "holds an unpaired surrogate, which is not valid UTF-8") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "object"
    return {list: "array", str: "string", bool: "boolean", int: "number", Decimal: "number"}.get(
        type(value), type(value).__name__
    )


def _clip(text: str) -> str:
    return text if len(text) <= _MESSAGE_VALUE_CHARS else text[:_MESSAGE_VALUE_CHARS] + "..."
