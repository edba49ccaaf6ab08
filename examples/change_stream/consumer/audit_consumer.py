"""A downstream consumer of the events table's stream: one audit line per stored shipment event.

The event source mapping passes only INSERT records (a stored event is written once; TTL expiry and
other removals are filtered out before the function is invoked). A record that fails is reported by
its sequence number, so Lambda retries from there and, after its retries, sends the batch's
description to the on-failure queue.
"""

from __future__ import annotations

import json
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

_deserializer = TypeDeserializer()


def handler(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    """Print one JSON audit line per new stored event; report the first failure by sequence number."""
    for record in event["Records"]:
        try:
            image = record["dynamodb"]["NewImage"]
            stored = {name: _deserializer.deserialize(value) for name, value in image.items()}
            print(json.dumps({"audit": "shipment-event-stored", **stored}, default=str))
        except Exception:  # noqa: BLE001  (any failure: retry from this record on)
            return {"batchItemFailures": [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]}
    return {"batchItemFailures": []}
