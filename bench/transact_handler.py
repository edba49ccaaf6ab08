"""The rejected alternative, measured for comparison: one ``TransactWriteItems`` per batch.

Same parsing and item shaping as the bundled handler; the writes differ.
All puts of a batch go in one transaction, each with the first-write-wins
condition. A duplicate cancels the whole transaction
(``TransactionCanceledException`` with a ``ConditionalCheckFailed`` reason
for that item), so the transaction is sent again without the duplicates:
two round trips for any batch holding one. DynamoDB bills transactional
writes at 2 write units per item. Valid input only (the benchmark's);
everything else is out of scope here. Reads ``TRANSACT_TABLE_NAME`` and
``TTL_DAYS``.
"""

from __future__ import annotations

import os
import time
from typing import Any

from botocore.exceptions import ClientError
from shipment_processor.events import ShipmentEvent, parse_event
from shipment_processor.fingerprint import content_fingerprint
from shipment_processor.items import event_item
from shipment_processor.store import create_clients
from shipment_processor.timestamps import format_instant

TABLE_NAME = os.environ["TRANSACT_TABLE_NAME"]
TTL_SECONDS = int(os.environ["TTL_DAYS"]) * 86_400
dynamodb, _ = create_clients()


def handler(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    """Write the batch's valid events in one transaction, minus duplicates on a cancellation."""
    now = time.time_ns()
    received_at, expires_at = format_instant(now), now // 1_000_000_000 + TTL_SECONDS
    pending: dict[str, dict[str, Any]] = {}
    failures: list[str] = []
    for record in event["Records"]:
        parsed = parse_event(record["body"])
        if isinstance(parsed, ShipmentEvent):
            pending[record["messageId"]] = event_item(
                parsed, received_at=received_at, expires_at=expires_at, content_sha256=content_fingerprint(parsed)
            )
        else:
            failures.append(record["messageId"])
    # Each pass either succeeds or removes at least one duplicate, so this ends.
    while pending:
        ids = list(pending)
        try:
            dynamodb.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": TABLE_NAME,
                            "Item": pending[message_id],
                            "ConditionExpression": "attribute_not_exists(shipment_id)",
                        }
                    }
                    for message_id in ids
                ]
            )
            break
        except ClientError as error:
            reasons = error.response.get("CancellationReasons") or []
            duplicates = [m for m, r in zip(ids, reasons, strict=True) if r.get("Code") == "ConditionalCheckFailed"]
            if not duplicates:
                failures.extend(ids)
                break
            for message_id in duplicates:
                del pending[message_id]
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failures]}
