"""The tracking team's own processing step: derive the route and region, redact the signature, enforce one rule.

The pipeline calls ``enrich(event)`` once per event that passed the contract
(fields, status list, JSON Schema), before the write, and stores what it
returns. It may add, change or drop attributes; the stored key
(``shipment_id``, ``event_timestamp``) always comes from ``trackingNumber``
and ``occurredAt``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shipment_processor import HookEvent, RejectEvent

#: Sales region of each destination country. A country missing here is a bug in this table: the KeyError
#: makes the pipeline retry the event and then dead-letter it with an error record naming the KeyError.
REGION_OF_COUNTRY = {
    "US": "NA",
    "CA": "NA",
    "MX": "NA",
    "DE": "EU",
    "FR": "EU",
    "NL": "EU",
    "GB": "EU",
    "JP": "APAC",
    "AU": "APAC",
}


def enrich(event: HookEvent) -> Mapping[str, Any]:
    """The attributes to store for one tracking event."""
    data = dict(event.detail["event_data"])  # a copy: the event itself is read-only
    if event.event_type == "DELIVERED" and "signed_by" not in data:
        raise RejectEvent("a DELIVERED event must say who signed for the parcel (event_data.signed_by)")
    signed_by = data.pop("signed_by", None)
    if signed_by is not None:
        # Only the initials are kept: the full name is personal data the table does not need.
        data["signed_by_initials"] = "".join(part[0].upper() for part in signed_by.split())
    origin, destination = data["origin"]["country"], data["destination"]["country"]
    return {
        **event.detail,
        "event_data": data,
        "route": f"{origin}-{destination}",
        "region": REGION_OF_COUNTRY[destination],
        "international": origin != destination,
    }
