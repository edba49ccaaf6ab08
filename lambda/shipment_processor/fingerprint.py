"""The content fingerprint of an event: what makes two deliveries "the same event" (pure).

Stored on every event item as ``content_sha256``. When a write finds its key
taken, the processor compares fingerprints: equal is a duplicate (a
redelivery, a retry, an archive replay, or the same event sent again with
another UTC offset); different is a conflict, a different event under an
existing key.

What it covers
    The canonical event, and nothing of the envelope: ``shipment_id``,
    ``event_type``, ``event_timestamp`` in canonical form and ``event_data``.
    The EventBridge ``id``, ``time``, ``source``, ``detail-type`` and
    ``replay-name`` differ between deliveries of one event (a replay gets a
    new id; a producer's retry may too), so they are left out.

Canonical JSON (what is hashed, SHA-256 over its UTF-8 bytes, hex)
    One object with those four keys (``event_data`` left out when absent or
    ``null``), keys sorted at every level, no whitespace, strings escaped as
    ``json.dumps`` does with ``ensure_ascii``. Two rules make equal content
    one text:

    * Timestamps: every string in ``event_data`` that is an RFC 3339
      timestamp is written in canonical UTC form, as ``event_timestamp`` is,
      so the event's instant (and any other instant in its data) matches
      whatever offset the producer wrote it with.
    * Numbers compare by value, as DynamoDB compares them: ``10``, ``10.0``,
      ``1E+1`` and ``10.00`` are one number, written as the normalized decimal
      (``1E+1``); ``-0`` is ``0``. Numbers arrive as ``int`` or ``Decimal``
      (the parser never makes a binary ``float``, which could not be compared
      digit for digit); a ``float`` is refused with ``TypeError`` rather than
      hashed through an inexact value.

Under a custom contract
    The whole validated ``detail`` (which holds the key's fields), by the same
    two rules: so a redelivery in another UTC offset is still a duplicate. A
    record hook's result is not covered: the fingerprint is taken before the
    hook runs, so a hook that adds a changing value (a lookup, the time)
    never makes a redelivery a conflict.

Changing these rules changes fingerprints, and every event stored before the
change would then look like a conflict: a new rule needs a new attribute name.
"""

from __future__ import annotations

import decimal
import hashlib
from decimal import Decimal
from json.encoder import encode_basestring_ascii
from typing import Any

from .dynamodb_limits import MAX_NUMBER_DIGITS
from .events import ShipmentEvent
from .timestamps import canonical_timestamp_or_none

__all__ = ["FINGERPRINT_ATTRIBUTE", "canonical_json", "content_fingerprint"]

#: The event item's attribute that holds the fingerprint (hex SHA-256).
FINGERPRINT_ATTRIBUTE = "content_sha256"

# Precision above the 38 digits a valid number has, so normalizing never rounds.
_NUMBERS = decimal.Context(prec=MAX_NUMBER_DIGITS + 2, Emin=-999_999, Emax=999_999)


def content_fingerprint(event: ShipmentEvent) -> str:
    """Hex SHA-256 of :func:`canonical_json` of ``event``.

    Example::

        content_fingerprint(parse_event(body))  # '3f2a...' (64 hex digits)
    """
    return hashlib.sha256(canonical_json(event).encode("ascii")).hexdigest()


def canonical_json(event: ShipmentEvent) -> str:
    """The canonical JSON text the fingerprint is taken over (see the module docstring)."""
    if event.detail is not None:
        written: list[str] = []
        _write(event.detail, written)
        return "".join(written)
    parts = ['{"event_data":']
    if event.event_data is not None:
        _write(event.event_data, parts)
        parts.append(',"event_timestamp":')
    else:
        parts[0] = '{"event_timestamp":'
    parts += [
        encode_basestring_ascii(event.event_timestamp),
        ',"event_type":',
        encode_basestring_ascii(event.event_type),
        ',"shipment_id":',
        encode_basestring_ascii(event.shipment_id),
        "}",
    ]
    return "".join(parts)


def _write(value: Any, parts: list[str]) -> None:
    kind = type(value)
    if kind is str:
        parts.append(encode_basestring_ascii(canonical_timestamp_or_none(value) or value))
    elif kind is dict:
        parts.append("{")
        for index, key in enumerate(sorted(value)):
            if index:
                parts.append(",")
            parts.append(encode_basestring_ascii(key))
            parts.append(":")
            _write(value[key], parts)
        parts.append("}")
    elif kind is list:
        parts.append("[")
        for index, element in enumerate(value):
            if index:
                parts.append(",")
            _write(element, parts)
        parts.append("]")
    elif kind is bool:
        parts.append("true" if value else "false")
    elif value is None:
        parts.append("null")
    elif kind is int or kind is Decimal:
        parts.append(_number(value))
    else:
        raise TypeError(f"{kind.__name__} cannot be fingerprinted; numbers must be int or Decimal")


def _number(value: int | Decimal) -> str:
    # Fast path: an int with no trailing zero is already its normalized form.
    if type(value) is int and value % 10:
        return str(value)
    if not value:
        return "0"
    return str(_NUMBERS.normalize(Decimal(value)))
