"""The tracking team's own processing step: derive the route and region, redact the signature, enforce one rule.

The pipeline calls ``enrich(detail)`` once per event that passed the contract
(fields, status list, JSON Schema), before the write, and stores what it
returns. It may add, change or drop fields; the stored key (``shipment_id``,
``event_timestamp``) always comes from ``trackingNumber`` and ``occurredAt``.
"""

from __future__ import annotations

from typing import Any

from shipment_processor import RejectEvent

#: Sales region of each country the team ships from or to. A country missing here is a bug in this table:
#: the KeyError makes the pipeline retry the event and then dead-letter it with an error record saying so.
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


def enrich(detail: dict[str, Any]) -> dict[str, Any]:
    """The attributes to store for one tracking event."""
    data = dict(detail["event_data"])
    if detail["status"] == "DELIVERED" and "signed_by" not in data:
        raise RejectEvent("a DELIVERED event must say who signed for the parcel (event_data.signed_by)")
    origin, destination = data["origin"]["country"], data["destination"]["country"]
    signed_by = data.pop("signed_by", None)
    if signed_by is not None:
        # Only the initials are kept: the full name is personal data the table does not need.
        data["signed_by_initials"] = "".join(part[0].upper() for part in signed_by.split() if part)
    return {
        **detail,
        "event_data": data,
        "route": f"{origin}-{destination}",
        "region": REGION_OF_COUNTRY[destination],
        "international": origin != destination,
    }
