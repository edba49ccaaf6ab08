"""Events to send: a ``{"Entries": [...]}`` file, JSON lines of entries, or a generated load; and PutEvents.

Files are read and sent by :mod:`shipment_pipeline_constructs.ops.send`
(the ``send`` command's code); this module adds the generated load with
duplicates and invalid events, and the retargeting below.

Every entry goes to the local pipeline's bus: an ``EventBusName`` in a file
(the sample event names ``shipment-events-prod``) is replaced, and counted,
so a sample written for one environment runs against any synthesized suffix.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import random
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import defaults
from ..ops.send import entries_from_file
from ..ops.send import put_events as _put_events

if TYPE_CHECKING:
    from types_boto3_events import EventBridgeClient

__all__ = ["GeneratedLoad", "SendResult", "generate_load", "put_events", "read_entries"]

SOURCE = defaults.EVENT_SOURCE
_EVENT_TYPES = ("created", "picked_up", "in_transit", "delivered")
_CITIES = ("NYC", "LAX", "ORD", "SEA", "MIA", "DFW")
_CARRIERS = ("FedEx", "UPS", "DHL", "USPS")
_START = datetime.datetime(2025, 10, 13, 10, 30, tzinfo=datetime.timezone.utc)
#: Ways to make an event the handler must quarantine (the envelope stays valid JSON, so PutEvents accepts it).
_INVALID = {
    "missing_shipment_id": lambda detail: detail.pop("shipment_id"),
    "timestamp_without_zone": lambda detail: detail.update(event_timestamp=detail["event_timestamp"][:-1]),
    "event_data_not_an_object": lambda detail: detail.update(event_data=["not", "an", "object"]),
}


@dataclasses.dataclass(frozen=True)
class GeneratedLoad:
    """A generated burst and what it holds: distinct valid events (``valid_ids``: their shipment ids), duplicates, invalid ones."""

    entries: list[dict[str, Any]]
    valid_ids: frozenset[str]
    duplicates: int
    invalid: int

    @property
    def unique(self) -> int:
        """Distinct valid events."""
        return len(self.valid_ids)


@dataclasses.dataclass(frozen=True)
class SendResult:
    """What PutEvents accepted: ``sent`` entries, ``failed`` entries (with their error codes), ``retargeted`` bus names."""

    sent: int
    failed: list[dict[str, Any]]
    retargeted: int


def read_entries(path: Path) -> list[dict[str, Any]]:
    """PutEvents entries from ``{"Entries": [...]}`` (like ``examples/basic/sample-event.json``), a JSON list or JSON lines."""
    return entries_from_file(Path(path), "")


def generate_load(
    count: int, *, duplicate_rate: float = 0.0, invalid_rate: float = 0.0, seed: int | None = None
) -> GeneratedLoad:
    """``count`` generated entries, some of them duplicates and some invalid.

    About ``duplicate_rate`` of them resend an earlier event (exactly, or the same instant written with a
    +02:00 offset), about ``invalid_rate`` are invalid, the rest are distinct valid events.
    """
    if count < 0 or not 0 <= duplicate_rate < 1 or not 0 <= invalid_rate < 1 or duplicate_rate + invalid_rate >= 1:
        raise ValueError("count must be >= 0 and the duplicate and invalid rates in [0, 1) with a sum below 1")
    rng = random.Random(seed)
    run = f"{rng.getrandbits(32):08x}"
    entries: list[dict[str, Any]] = []
    valid: list[dict[str, Any]] = []
    duplicates = invalid = 0
    for index in range(count):
        draw = rng.random()
        if valid and draw < duplicate_rate:
            original = json.loads(rng.choice(valid)["Detail"])
            if rng.random() < 0.5:
                instant = datetime.datetime.fromisoformat(original["event_timestamp"].replace("Z", "+00:00"))
                offset = datetime.timezone(datetime.timedelta(hours=2))
                original["event_timestamp"] = instant.astimezone(offset).isoformat()
            entries.append(_entry(original))
            duplicates += 1
        elif draw < duplicate_rate + invalid_rate:
            detail = _detail(rng, run, index)
            rng.choice(list(_INVALID.values()))(detail)
            entries.append(_entry(detail))
            invalid += 1
        else:
            entry = _entry(_detail(rng, run, index))
            valid.append(entry)
            entries.append(entry)
    valid_ids = frozenset(json.loads(entry["Detail"])["shipment_id"] for entry in valid)
    return GeneratedLoad(entries=entries, valid_ids=valid_ids, duplicates=duplicates, invalid=invalid)


def put_events(events_client: EventBridgeClient, entries: list[dict[str, Any]], *, bus_name: str) -> SendResult:
    """PutEvents (in calls of at most 10 entries) on ``bus_name``, whatever bus the entries name."""
    retargeted = sum(1 for entry in entries if entry.get("EventBusName") not in (None, "", bus_name))
    result = _put_events(events_client, [dict(entry, EventBusName=bus_name) for entry in entries])
    return SendResult(sent=result.sent, failed=result.failed, retargeted=retargeted)


def _detail(rng: random.Random, run: str, index: int) -> dict[str, Any]:
    origin, destination = rng.sample(_CITIES, 2)
    return {
        "shipment_id": f"SHP-{run}-{index:06d}",
        "event_timestamp": (_START + datetime.timedelta(seconds=index)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "event_type": rng.choice(_EVENT_TYPES),
        "event_data": {"origin": origin, "destination": destination, "carrier": rng.choice(_CARRIERS)},
    }


def _entry(detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "Source": SOURCE,
        "DetailType": f"shipment.{detail.get('event_type', 'unknown')}",
        "Detail": json.dumps(detail),
    }
