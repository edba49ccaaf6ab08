"""Query the errors table: error records by time range, shipment id and error type.

Key design (written by the handler, see ``lambda/shipment_processor/items.py``):
partition ``error_date`` (UTC day), sort ``error_id`` =
``<recorded_at>#<SQS message id>`` with ``recorded_at`` in a fixed-width UTC
form, so a time range within a day is a key range. The ``by-shipment``
index (partition ``shipment_id``, same sort key) finds one shipment's
records. An error type is a filter, applied after the key range is read.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from .. import defaults
from .times import canonical, days_between

_deserializer = TypeDeserializer()

#: ``error_type`` of a conflict record, and its two fingerprints (the handler's ``processor`` and ``fingerprint``).
CONFLICT = "conflict"
FINGERPRINT = "content_sha256"
STORED_FINGERPRINT = "stored_content_sha256"

#: DynamoDB's limit on the operands of one ``IN`` comparison.
_MAX_IN_OPERANDS = 100

#: Columns of the table view, in order.
COLUMNS = ("recorded_at", "disposition", "error_type", "shipment_id", "message_id", "receive_count", "error_message")


def query_error_records(
    dynamodb: Any,
    table: str,
    *,
    since: datetime.datetime,
    until: datetime.datetime,
    shipment_id: str | None = None,
    error_type: str | None = None,
    limit: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Error records recorded in ``[since, until)``, newest first, as plain dicts."""
    key_range = {":low": canonical(since), ":high": canonical(until)}
    base: dict[str, Any] = {"TableName": table, "ScanIndexForward": False}
    if error_type:
        base["FilterExpression"] = "error_type = :type"
        key_range[":type"] = error_type
    if shipment_id:
        requests = [
            {
                **base,
                "IndexName": defaults.ERRORS_BY_SHIPMENT_INDEX,
                "KeyConditionExpression": "shipment_id = :partition AND error_id BETWEEN :low AND :high",
                "ExpressionAttributeValues": _values({**key_range, ":partition": shipment_id}),
            }
        ]
    else:
        requests = [
            {
                **base,
                "KeyConditionExpression": "error_date = :partition AND error_id BETWEEN :low AND :high",
                "ExpressionAttributeValues": _values({**key_range, ":partition": day}),
            }
            for day in days_between(since, until)
        ]
    returned = 0
    for request in requests:
        for page in dynamodb.get_paginator("query").paginate(**request):
            for item in page["Items"]:
                yield plain(item)
                returned += 1
                if limit is not None and returned >= limit:
                    return


def get_error_record(dynamodb: Any, table: str, error_id: str) -> dict[str, Any] | None:
    """The error record with this ``error_id`` (its day is the id's first 10 characters), or ``None``."""
    key = {"error_date": {"S": error_id[:10]}, "error_id": {"S": error_id}}
    item = dynamodb.get_item(TableName=table, Key=key).get("Item")
    return plain(item) if item else None


def find_error_record_for_message(
    dynamodb: Any, table: str, message_id: str, shipment_id: str | None
) -> dict[str, Any] | None:
    """The newest error record of one SQS message, found through its shipment's index partition.

    The filter applies after each page is read, so a page may hold no match while a later one does:
    pages are followed (``LastEvaluatedKey``) until a match or the end of the partition.
    """
    if not shipment_id:
        return None
    request: dict[str, Any] = {
        "TableName": table,
        "IndexName": defaults.ERRORS_BY_SHIPMENT_INDEX,
        "KeyConditionExpression": "shipment_id = :shipment",
        "FilterExpression": "message_id = :message",
        "ExpressionAttributeValues": _values({":shipment": shipment_id, ":message": message_id}),
        "ScanIndexForward": False,
    }
    while True:
        response = dynamodb.query(**request)
        items = response.get("Items", [])
        if items:
            return plain(items[0])
        if not response.get("LastEvaluatedKey"):
            return None
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def find_error_records_by_message_id(
    dynamodb: Any, table: str, message_ids: list[str], *, since: datetime.datetime, until: datetime.datetime
) -> dict[str, dict[str, Any]]:
    """The newest error record of each of ``message_ids`` recorded in ``[since, until]``, by message id.

    For messages SQS moved to a dead-letter queue itself: they keep their
    message id, and their record was written at one of their receives, so
    between their first send (``since``, less a margin for clock skew) and
    now. Reads each day's partition over that key range once for all the
    ids (a filter of at most 100 ids per query, DynamoDB's limit for ``IN``):
    the cost is the records of those days, not a read per message.
    """
    found: dict[str, dict[str, Any]] = {}
    wanted = sorted(set(message_ids))
    for start in range(0, len(wanted), _MAX_IN_OPERANDS):
        chunk = wanted[start : start + _MAX_IN_OPERANDS]
        names = {f":m{index}": message_id for index, message_id in enumerate(chunk)}
        for day in days_between(since, until):
            request = {
                "TableName": table,
                "KeyConditionExpression": "error_date = :day AND error_id BETWEEN :low AND :high",
                "FilterExpression": f"message_id IN ({', '.join(names)})",
                "ExpressionAttributeValues": _values(
                    {":day": day, ":low": canonical(since), ":high": canonical(until) + "~", **names}
                ),
            }
            for page in dynamodb.get_paginator("query").paginate(**request):
                for item in page["Items"]:
                    record = plain(item)
                    known = found.get(record["message_id"])
                    if known is None or str(record["error_id"]) > str(known["error_id"]):
                        found[record["message_id"]] = record
    return found


def plain(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as plain Python values (numbers as int or float)."""
    record = {name: _deserializer.deserialize(value) for name, value in item.items()}
    return {name: _number(value) for name, value in record.items()}


def format_table(records: list[dict[str, Any]], *, message_width: int = 60) -> str:
    """Records as an aligned text table, one line each."""
    rows = [[_cell(record.get(column), message_width) for column in COLUMNS] for record in records]
    widths = [max([len(column), *(len(row[i]) for row in rows)]) for i, column in enumerate(COLUMNS)]
    lines = ["  ".join(column.ljust(width) for column, width in zip(COLUMNS, widths, strict=True)).rstrip()]
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join(lines)


def format_conflicts(records: list[dict[str, Any]], *, body_chars: int = 500) -> str:
    """The conflict records among ``records``, each with both fingerprints and the rejected body ("" if none).

    A conflict is a different event under a stored (shipment, instant) key:
    the stored event was kept, the rejected one is only in its record (and,
    with ``on_conflict="quarantine"``, in the dead-letter queue).
    """
    blocks = []
    for record in records:
        if record.get("error_type") != CONFLICT:
            continue
        body = str(record.get("raw_body", ""))
        cut = "..." if len(body) > body_chars or record.get("raw_body_truncated") else ""
        blocks.append(
            "\n".join(
                [
                    f"conflict {record.get('recorded_at')}: shipment {record.get('shipment_id')} at "
                    f"{record.get('event_timestamp')} (message {record.get('message_id')}, {record.get('disposition')})",
                    f"    stored event, kept:    content_sha256 {record.get(STORED_FINGERPRINT)}",
                    f"    this event, rejected:  content_sha256 {record.get(FINGERPRINT)}",
                    f"    rejected body: {body[:body_chars]}{cut}",
                ]
            )
        )
    return "\n".join(blocks)


def _values(values: dict[str, str]) -> dict[str, dict[str, str]]:
    return {name: {"S": value} for name, value in values.items()}


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _cell(value: Any, width: int) -> str:
    text = "" if value is None else str(value).replace("\n", " ")
    return text if len(text) <= width else text[: width - 3] + "..."
