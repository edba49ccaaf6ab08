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
from ..contract import EventContract
from ..ops.send import entries_from_file
from ..ops.send import put_events as _put_events

if TYPE_CHECKING:
    from types_boto3_events import EventBridgeClient

__all__ = ["ContractEvents", "GeneratedLoad", "SendResult", "generate_load", "put_events", "read_entries"]

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
    count: int,
    *,
    duplicate_rate: float = 0.0,
    invalid_rate: float = 0.0,
    seed: int | None = None,
    contract: EventContract | None = None,
) -> GeneratedLoad:
    """``count`` generated entries, some of them duplicates and some invalid.

    About ``duplicate_rate`` of them resend an earlier event (exactly, or the same instant written with a
    +02:00 offset), about ``invalid_rate`` are invalid, the rest are distinct valid events. With a custom
    ``contract`` the events are written in its shape (see :class:`ContractEvents`).
    """
    if count < 0 or not 0 <= duplicate_rate < 1 or not 0 <= invalid_rate < 1 or duplicate_rate + invalid_rate >= 1:
        raise ValueError("count must be >= 0 and the duplicate and invalid rates in [0, 1) with a sum below 1")
    if contract is not None and not contract.is_default:
        return ContractEvents(contract).generate(
            count, duplicate_rate=duplicate_rate, invalid_rate=invalid_rate, seed=seed
        )
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


#: Characters of a generated id that make it unique: 8 for the run, 6 for the event's index.
_UNIQUE_TAIL = 14
#: A type no contract lists (the generator's unknown-type event).
_UNKNOWN_TYPE = "NOT_A_LISTED_TYPE"


class ContractEvents:
    """Generated events in a custom contract's shape.

    Each event starts from the first of the ``detail_schema``'s ``examples``
    (JSON Schema's own keyword for a valid instance; without one, the
    default contract's ``event_data``), then gets its own id, instant and
    type at the contract's field paths: the id keeps the example id's
    beginning and ends in 14 unique characters (8 for the run, 6 for the
    index, upper-case hexadecimal and digits, so an id pattern such as
    ``^1Z[0-9A-Z]{16}$`` still holds), the instant is a UTC timestamp, the
    type one of ``event_types``. Invalid events miss the id field, carry a
    timestamp without an offset, or (with ``event_types``) an unlisted type.
    """

    def __init__(self, contract: EventContract) -> None:
        self.contract = contract
        examples = (contract.schema_document() or {}).get("examples") or []
        self.example: dict[str, Any] = (
            json.loads(json.dumps(examples[0], default=str)) if examples and isinstance(examples[0], dict) else {}
        )
        self.types = tuple(contract.event_types or _EVENT_TYPES)

    def generate(
        self, count: int, *, duplicate_rate: float, invalid_rate: float, seed: int | None = None
    ) -> GeneratedLoad:
        """As :func:`generate_load`, in this contract's shape."""
        rng = random.Random(seed)
        run = f"{rng.getrandbits(32):08X}"
        entries: list[dict[str, Any]] = []
        valid: list[dict[str, Any]] = []
        ids: set[str] = set()
        duplicates = invalid = 0
        for index in range(count):
            draw = rng.random()
            if valid and draw < duplicate_rate:
                detail = rng.choice(valid)
                if rng.random() < 0.5:
                    detail = json.loads(json.dumps(detail))
                    instant = datetime.datetime.fromisoformat(
                        _get(detail, self.contract.timestamp_field).replace("Z", "+00:00")
                    )
                    offset = datetime.timezone(datetime.timedelta(hours=2))
                    _set(detail, self.contract.timestamp_field, instant.astimezone(offset).isoformat())
                entries.append(self._entry(detail))
                duplicates += 1
            elif draw < duplicate_rate + invalid_rate:
                detail = self.detail(rng, run, index)
                rng.choice(self._breakers())(detail)
                entries.append(self._entry(detail))
                invalid += 1
            else:
                detail = self.detail(rng, run, index)
                valid.append(detail)
                ids.add(_get(detail, self.contract.id_field))
                entries.append(self._entry(detail))
        return GeneratedLoad(entries=entries, valid_ids=frozenset(ids), duplicates=duplicates, invalid=invalid)

    def detail(self, rng: random.Random, run: str, index: int) -> dict[str, Any]:
        """One valid ``detail``: the example with its own id, instant and type."""
        detail = (
            json.loads(json.dumps(self.example))
            if self.example
            else {"event_data": _detail(rng, run, index)["event_data"]}
        )
        example_id = _get(self.example, self.contract.id_field) if self.example else None
        prefix = (
            example_id[:-_UNIQUE_TAIL] if isinstance(example_id, str) and len(example_id) >= _UNIQUE_TAIL else "SHP-"
        )
        _set(detail, self.contract.id_field, f"{prefix}{run}{index:06d}")
        _set(
            detail,
            self.contract.timestamp_field,
            (_START + datetime.timedelta(seconds=index)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        _set(detail, self.contract.type_field, rng.choice(self.types))
        return detail

    def _breakers(self) -> list[Any]:
        breakers = [
            lambda detail: _delete(detail, self.contract.id_field),
            lambda detail: _set(
                detail, self.contract.timestamp_field, _get(detail, self.contract.timestamp_field)[:-1]
            ),
        ]
        if self.contract.event_types is not None:
            breakers.append(lambda detail: _set(detail, self.contract.type_field, _UNKNOWN_TYPE))
        return breakers

    def _entry(self, detail: dict[str, Any]) -> dict[str, Any]:
        kind = _get(detail, self.contract.type_field)
        return {"Source": SOURCE, "DetailType": f"shipment.{kind or 'unknown'}", "Detail": json.dumps(detail)}


def _get(detail: dict[str, Any], path: str) -> Any:
    node: Any = detail
    for name in path.split("."):
        if not isinstance(node, dict) or name not in node:
            return None
        node = node[name]
    return node


def _set(detail: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    node = detail
    for name in parents:
        node = node.setdefault(name, {})
    node[leaf] = value


def _delete(detail: dict[str, Any], path: str) -> None:
    *parents, leaf = path.split(".")
    node: Any = detail
    for name in parents:
        node = node.get(name, {})
    node.pop(leaf, None)
