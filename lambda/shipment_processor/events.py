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

    That is the default contract. A custom one
    (:mod:`shipment_processor.contract`) names other fields for the id, the
    timestamp and the type (dotted paths allowed), may restrict the types and
    add a JSON Schema for ``detail``, and keeps the whole ``detail``.

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

from .contract import DEFAULT, KEY_ATTRIBUTES, PROCESSOR_ATTRIBUTES, Contract
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
    "reserved_fields",
    "storage_problem",
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
    #: The type field holds a value outside the contract's ``event_types``.
    UNKNOWN_EVENT_TYPE = "unknown_event_type"
    #: ``detail`` breaks the contract's JSON Schema.
    SCHEMA_VIOLATION = "schema_violation"
    #: A custom contract's ``detail`` holds a value DynamoDB cannot store (the counterpart of ``invalid_event_data``).
    INVALID_DETAIL = "invalid_detail"
    #: A custom contract's ``detail`` has a top-level field named like an attribute the processor writes.
    RESERVED_FIELD = "reserved_field"
    #: The record hook raised ``RejectEvent``; set by the processor, not by :func:`parse_event`.
    REJECTED_BY_HOOK = "rejected_by_hook"
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
    Under a custom contract (:class:`~shipment_processor.contract.Contract`)
    ``shipment_id``, ``event_timestamp`` and ``event_type`` are read from the
    contract's fields, ``event_data`` is ``None`` and ``detail`` holds the
    whole validated ``detail``, which is what is stored; under the default
    contract ``detail`` is ``None``.
    """

    shipment_id: str
    event_timestamp: str
    event_type: str
    event_data: dict[str, Any] | None
    event_id: str
    source: str
    detail_type: str
    replay_name: str | None
    detail: dict[str, Any] | None = None


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


def parse_event(body: str, contract: Contract = DEFAULT) -> ShipmentEvent | Rejection:
    """Validate one SQS message body under ``contract`` and return the event it carries, or why it was rejected.

    Example::

        parse_event('{"id": "e1", "source": "shipment.service", "detail-type": "shipment.created",'
                    ' "detail": {"shipment_id": "SHP-1", "event_timestamp": "2025-10-13T12:30:00+02:00",'
                    ' "event_type": "created"}}').event_timestamp
        # '2025-10-13T10:30:00.000000000Z'

    Under a custom contract the id, timestamp and type are read from the
    contract's fields (dotted paths allowed) with the same rules as the
    default ones, the type must be one of ``event_types`` when given,
    ``detail`` must satisfy the contract's schema (a violation is reported as
    ``$.event_data.weight_kg: must be >= 0``), and the whole ``detail`` must
    be storable: within DynamoDB's limits and with no top-level field named
    like an attribute the processor writes (``source``, ``received_at``, ...).
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
        return _duplicated_keys(envelope, len(objects.duplicated), contract)
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
    if not contract.original_shape:
        return _custom_event(detail, contract, problems, event_id, source, detail_type, replay_name)

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


def _custom_event(
    detail: dict[str, Any],
    contract: Contract,
    problems: list[_Invalid],
    event_id: str | None,
    source: str | None,
    detail_type: str | None,
    replay_name: str | None,
) -> ShipmentEvent | Rejection:
    """The custom-contract half of :func:`parse_event`: fields at the contract's paths, types, schema, storability."""
    shipment_id = _text_value(_at(detail, contract.id_path), contract.id_field, MAX_SHIPMENT_ID_BYTES, problems)
    event_type = _text_value(_at(detail, contract.type_path), contract.type_field, MAX_EVENT_TYPE_BYTES, problems)
    event_timestamp = _timestamp(_at(detail, contract.timestamp_path), problems, contract.timestamp_field)
    if event_type is not None and contract.event_types is not None and event_type not in contract.event_types:
        problems.append(
            _Invalid(
                Reason.UNKNOWN_EVENT_TYPE,
                f"{contract.type_field} {_clip(event_type)!r} is not an allowed event type;"
                f" the contract allows {', '.join(contract.event_types)}",
            )
        )
    if contract.check_detail is not None:
        violation = contract.check_detail(detail)
        if violation is not None:
            problems.append(_Invalid(Reason.SCHEMA_VIOLATION, violation))
    reserved = reserved_fields(detail, contract)
    if reserved:
        problems.append(
            _Invalid(
                Reason.RESERVED_FIELD,
                f"detail has the top-level field(s) {', '.join(map(repr, reserved))}, named like attributes"
                " the processor writes on the stored item; rename them in the producer's events",
            )
        )
    try:
        _check_document(detail, 0)
    except _Invalid as problem:
        problems.append(
            _Invalid(
                Reason.INVALID_DETAIL if problem.reason is Reason.INVALID_EVENT_DATA else problem.reason,
                problem.describe("detail"),
            )
        )
    if problems or not (shipment_id and event_timestamp and event_type and event_id and source and detail_type):
        return _reject(problems, shipment_id, event_id)
    return ShipmentEvent(
        shipment_id=shipment_id,
        event_timestamp=event_timestamp,
        event_type=event_type,
        event_data=None,
        event_id=event_id,
        source=source,
        detail_type=detail_type,
        replay_name=replay_name,
        detail=detail,
    )


def reserved_fields(detail: dict[str, Any], contract: Contract) -> list[str]:
    """Top-level names of ``detail`` that would overwrite an attribute the processor writes on the item.

    The key attributes count unless they are the contract's own id or timestamp field (then they hold the key).
    """
    own = (contract.id_field, contract.timestamp_field)
    return [name for name in detail if name in PROCESSOR_ATTRIBUTES or (name in KEY_ATTRIBUTES and name not in own)]


def storage_problem(value: Any, name: str) -> str | None:
    """Why DynamoDB could not store ``value`` (nesting, empty keys, numbers, UTF-8, types), or ``None``.

    ``name`` starts the message: ``storage_problem({"a": {"": 1}}, "result")`` is ``"result['a']: has an empty key; ..."``.
    """
    try:
        _check_document(value, 0)
    except _Invalid as problem:
        return problem.describe(name)
    return None


def _at(detail: dict[str, Any], path: tuple[str, ...]) -> Any:
    """The value at a field path in ``detail``; ``None`` when a step is missing or not an object."""
    value: Any = detail
    for step in path:
        if type(value) is not dict:
            return None
        value = value.get(step)
    return value


def _duplicated_keys(envelope: Any, count: int, contract: Contract) -> Rejection:
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
    shipment_id = _at(detail, contract.id_path) if type(detail) is dict else None
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
    return _text_value(container.get(name), name, max_bytes, problems, required=required)


def _text_value(
    value: Any, name: str, max_bytes: int, problems: list[_Invalid], *, required: bool = True
) -> str | None:
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


def _timestamp(value: Any, problems: list[_Invalid], name: str = "event_timestamp") -> str | None:
    if value is None:
        problems.append(_Invalid(Reason.MISSING_FIELD, f"{name} is missing"))
        return None
    if type(value) is not str:
        problems.append(_Invalid(Reason.INVALID_TIMESTAMP, f"{name} must be a string, got {_json_type(value)}"))
        return None
    try:
        return canonical_timestamp(value)
    except ValueError as error:
        problems.append(_Invalid(Reason.INVALID_TIMESTAMP, f"{name} {error}"))
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
