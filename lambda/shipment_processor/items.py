"""Shape events and error records into DynamoDB items (low-level attribute values).

Pure functions. Items are built directly in the wire format
(``{"S": ...}``, ``{"N": ...}``, ``{"M": ...}``) so the hot path needs
neither ``boto3.resource`` nor ``TypeSerializer``.

Events table item (key ``shipment_id`` / ``event_timestamp``)
    ``shipment_id``, ``event_timestamp`` (canonical UTC, see
    :mod:`shipment_processor.events`), ``event_type``, ``event_data`` (a map
    with the event's own types, only when the event has data), ``event_id``
    (the EventBridge id), ``source``, ``detail_type``, ``replay_name`` (only
    for replayed events), ``received_at``, ``expires_at`` and
    ``content_sha256`` (the content fingerprint, see
    :mod:`shipment_processor.fingerprint`).

    Under a custom contract (or with a record hook), ``event_type`` and
    ``event_data`` give way to the stored attributes: each top-level field of
    the validated ``detail`` (or of the hook's result) becomes an attribute of
    the same name with its own DynamoDB type, verbatim (the contract's
    timestamp field as the producer wrote it). The key attributes keep their
    names, filled from the contract's id and timestamp fields, the timestamp
    in canonical form; the processor's attributes (``event_id`` ...
    ``content_sha256``) are the same as above.

Errors table item (key ``error_date`` / ``error_id``)
    A separate table, so error records never show up in queries of shipment
    events. ``error_date`` is the UTC day the record was written
    (``YYYY-MM-DD``) and ``error_id`` is ``<recorded_at>#<SQS message id>``:
    one day's partition is a time-ordered query. A record is written when a
    message is quarantined, when it conflicts with a stored event, and on its
    last allowed receive (before the attempt, then settled: see
    :mod:`shipment_processor.processor`); earlier failures are only logged.
    Every record carries the SQS ``message_id``, so a message in a
    dead-letter queue can be joined to the record that explains it. ``shipment_id`` is only set
    when it was valid, which makes the ``by-shipment`` index sparse. The raw
    body is kept up to :data:`MAX_RAW_BODY_BYTES`; the whole message is in the
    dead-letter queue.

Retention
    ``expires_at`` is the moment the pipeline received the message plus the
    TTL, not the event's own timestamp plus the TTL: an archive replay of an
    old event would otherwise be written already expired (and DynamoDB TTL
    would delete it within hours). The alternative, counting from
    ``event_timestamp``, would keep retention aligned with business time but
    silently drop replays older than the TTL.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .events import ShipmentEvent
from .fingerprint import FINGERPRINT_ATTRIBUTE

__all__ = ["MAX_RAW_BODY_BYTES", "error_item", "error_key", "event_item", "to_attribute_value"]

#: How much of a failed message's body an error record keeps. 64 KiB keeps
#: one error record well under DynamoDB's item limit and its write cost low.
MAX_RAW_BODY_BYTES = 65_536


def event_item(
    event: ShipmentEvent,
    *,
    received_at: str,
    expires_at: int,
    content_sha256: str,
    attributes: Mapping[str, Any] | None = None,
) -> dict[str, dict[str, Any]]:
    """Return the events-table item for ``event``.

    ``received_at`` is a canonical timestamp; ``expires_at`` is epoch seconds;
    ``content_sha256`` is :func:`~shipment_processor.fingerprint.content_fingerprint` of ``event``;
    ``attributes`` (a record hook's result) replaces what ``event`` would store besides the key.
    """
    fields = attributes if attributes is not None else event.detail
    if fields is not None:
        return _contract_item(event, fields, received_at, expires_at, content_sha256)
    item: dict[str, dict[str, Any]] = {
        "shipment_id": {"S": event.shipment_id},
        "event_timestamp": {"S": event.event_timestamp},
        "event_type": {"S": event.event_type},
        "event_id": {"S": event.event_id},
        "source": {"S": event.source},
        "detail_type": {"S": event.detail_type},
        "received_at": {"S": received_at},
        "expires_at": {"N": str(expires_at)},
        FINGERPRINT_ATTRIBUTE: {"S": content_sha256},
    }
    if event.event_data is not None:
        item["event_data"] = to_attribute_value(event.event_data)
    if event.replay_name is not None:
        item["replay_name"] = {"S": event.replay_name}
    return item


def _contract_item(
    event: ShipmentEvent, fields: Mapping[str, Any], received_at: str, expires_at: int, content_sha256: str
) -> dict[str, dict[str, Any]]:
    item: dict[str, dict[str, Any]] = {
        "shipment_id": {"S": event.shipment_id},
        "event_timestamp": {"S": event.event_timestamp},
    }
    for name, value in fields.items():
        if name not in item:  # the key's own field holds the key (the timestamp in canonical form)
            item[name] = to_attribute_value(value)
    item["event_id"] = {"S": event.event_id}
    item["source"] = {"S": event.source}
    item["detail_type"] = {"S": event.detail_type}
    item["received_at"] = {"S": received_at}
    item["expires_at"] = {"N": str(expires_at)}
    item[FINGERPRINT_ATTRIBUTE] = {"S": content_sha256}
    if event.replay_name is not None:
        item["replay_name"] = {"S": event.replay_name}
    return item


def error_item(
    *,
    message_id: str,
    recorded_at: str,
    expires_at: int,
    disposition: str,
    error_type: str,
    error_message: str,
    raw_body: str,
    receive_count: int,
    shipment_id: str | None = None,
    event_id: str | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, dict[str, Any]]:
    """Return the errors-table item for one failed message.

    ``disposition`` says where the message went (``quarantined``: sent to the
    dead-letter queue by the handler; ``retries_exhausted``: its last allowed
    receive failed, or the invocation ended before it was settled, so SQS
    moves it there; ``recorded``: acknowledged, kept only in this record);
    ``error_type`` is a :class:`~shipment_processor.events.Reason` value or an
    error code. ``extra`` adds string attributes (a conflict's fingerprints).
    """
    body, body_bytes, truncated = _truncate_utf8(raw_body, MAX_RAW_BODY_BYTES)
    item: dict[str, dict[str, Any]] = {
        **error_key(message_id=message_id, recorded_at=recorded_at),
        "recorded_at": {"S": recorded_at},
        "message_id": {"S": message_id},
        "disposition": {"S": disposition},
        "error_type": {"S": _safe_text(error_type)},
        "error_message": {"S": _safe_text(error_message)},
        "raw_body": {"S": body},
        "raw_body_bytes": {"N": str(body_bytes)},
        "raw_body_truncated": {"BOOL": truncated},
        "receive_count": {"N": str(receive_count)},
        "expires_at": {"N": str(expires_at)},
    }
    if shipment_id is not None:
        item["shipment_id"] = {"S": shipment_id}
    if event_id is not None:
        item["event_id"] = {"S": event_id}
    for name, value in (extra or {}).items():
        item[name] = {"S": value}
    return item


def error_key(*, message_id: str, recorded_at: str) -> dict[str, dict[str, str]]:
    """The errors-table key of the record of ``message_id`` written at ``recorded_at`` (a canonical timestamp)."""
    return {"error_date": {"S": recorded_at[:10]}, "error_id": {"S": f"{recorded_at}#{message_id}"}}


def to_attribute_value(value: Any) -> dict[str, Any]:
    """Convert one parsed and validated JSON value to a DynamoDB attribute value.

    Example::

        to_attribute_value({"weight": Decimal("1.50"), "fragile": True})
        # {"M": {"weight": {"N": "1.50"}, "fragile": {"BOOL": True}}}
    """
    kind = type(value)
    if kind is str:
        return {"S": value}
    if kind is dict:
        return {"M": {key: to_attribute_value(element) for key, element in value.items()}}
    if kind is list:
        return {"L": [to_attribute_value(element) for element in value]}
    # Exact type checks, not isinstance: bool is a subclass of int, and True
    # must not become {"N": "True"}.
    if kind is bool:
        return {"BOOL": value}
    if kind is int or kind is Decimal:
        return {"N": str(value)}
    if value is None:
        return {"NULL": True}
    raise TypeError(f"{kind.__name__} is not a JSON value")


def _truncate_utf8(text: str, max_bytes: int) -> tuple[str, int, bool]:
    """Return (the longest prefix of ``text`` within ``max_bytes``, its full size, whether it was cut)."""
    # SQS bodies are valid Unicode; "replace" keeps a stray surrogate from
    # making the error record itself unwritable.
    encoded = text.encode("utf-8", "replace")
    if len(encoded) <= max_bytes:
        return (text if text.isascii() else encoded.decode("utf-8")), len(encoded), False
    # "ignore" drops a multi-byte character cut in half at the end.
    return encoded[:max_bytes].decode("utf-8", "ignore"), len(encoded), True


def _safe_text(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
