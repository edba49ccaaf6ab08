"""Small builders for e2e tests: entries and item lookups."""

from __future__ import annotations

import json
from typing import Any

SOURCE = "shipment.service"


def entry(
    shipment_id: str, timestamp: str = "2025-10-13T10:30:00Z", *, source: str = SOURCE, **detail: Any
) -> dict[str, Any]:
    """One PutEvents entry carrying a shipment event."""
    body = {"shipment_id": shipment_id, "event_timestamp": timestamp, "event_type": "created", **detail}
    return {"Source": source, "DetailType": "shipment.created", "Detail": json.dumps(body)}


def by_message(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Error records keyed by SQS message id (one record per message in these tests)."""
    return {record["message_id"]["S"]: record for record in records}
