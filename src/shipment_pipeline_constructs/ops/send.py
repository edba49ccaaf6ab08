"""Put shipment events on the bus: the sample event, a file of entries, or generated events.

PutEvents takes at most 10 entries and 256 KB per call and reports failures
per entry (the call itself succeeds): :func:`put_events` batches and
collects every failed entry with its error code.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .. import defaults
from .aws import OperationError
from .batching import size_limited_batches

if TYPE_CHECKING:
    from types_boto3_events import EventBridgeClient
    from types_boto3_events.type_defs import PutEventsRequestEntryTypeDef

DETAIL_TYPE = "shipment.created"
MAX_ENTRIES_PER_CALL = 10
MAX_BYTES_PER_CALL = 256 * 1024
#: EventBridge's limit on one entry (Source, DetailType, Detail and Resources in UTF-8).
MAX_ENTRY_BYTES = 256 * 1024
_EVENT_TYPES = ("created", "picked_up", "in_transit", "out_for_delivery", "delivered")


@dataclass
class SendResult:
    """How many entries went out and which failed (index in the input, code, message)."""

    sent: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """For ``--json``."""
        return {"sent": self.sent, "failed_count": len(self.failed), "failed": self.failed}


def sample_entry(event_bus: str) -> dict[str, Any]:
    """The sample event (``SHP-12345`` created, NYC -> LAX by FedEx), the same as ``examples/basic/sample-event.json``."""
    detail = {
        "shipment_id": "SHP-12345",
        "event_timestamp": "2025-10-13T10:30:00Z",
        "event_type": "created",
        "event_data": {"origin": "NYC", "destination": "LAX", "carrier": "FedEx"},
    }
    return _entry(event_bus, detail, DETAIL_TYPE)


def generated_entries(
    event_bus: str, count: int, *, invalid: int = 0, now: datetime.datetime | None = None
) -> list[dict[str, Any]]:
    """``count`` distinct valid events, then ``invalid`` events without ``event_timestamp`` (they land in the DLQ)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    run = uuid.uuid4().hex[:8]
    entries = []
    for index in range(count):
        event_type = _EVENT_TYPES[index % len(_EVENT_TYPES)]
        detail = {
            "shipment_id": f"SHP-{run}-{index // len(_EVENT_TYPES):06d}",
            "event_timestamp": (now + datetime.timedelta(milliseconds=index)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "event_type": event_type,
            "event_data": {"origin": "NYC", "destination": "LAX", "carrier": "FedEx"},
        }
        entries.append(_entry(event_bus, detail, f"shipment.{event_type}"))
    for index in range(invalid):
        detail = {"shipment_id": f"SHP-{run}-invalid-{index:04d}", "event_type": "created"}
        entries.append(_entry(event_bus, detail, DETAIL_TYPE))
    return entries


def entries_from_file(path: Path, event_bus: str) -> list[dict[str, Any]]:
    """Entries from a file in ``aws events put-events`` form (``{"Entries": [...]}``), a JSON list, or JSON lines.

    JSON lines hold one entry per line (a file of one line is one entry). Entries without
    ``EventBusName`` go to ``event_bus``; a ``Detail`` given as an object is serialized.

    Raises:
        OperationError: naming the file, and the line or entry, when the file cannot be read, is not
            UTF-8 JSON or JSON lines, holds no entry, holds something other than entry objects, or
            holds an entry larger than EventBridge takes (256 KB).
    """
    located = [(f"{path} {where}", entry) for where, entry in _located_entries(path)]
    if not located:
        raise OperationError(f"{path} holds no entries: nothing to send")
    result = []
    for where, given in located:
        if not isinstance(given, dict):
            raise OperationError(f"{where}: an entry must be a JSON object (a PutEvents entry), got {given!r:.60}")
        entry = {"EventBusName": event_bus, **given}
        if not isinstance(entry.get("Detail"), str):
            entry["Detail"] = json.dumps(entry.get("Detail", {}))
        size = _entry_size(entry)
        if size > MAX_ENTRY_BYTES:
            raise OperationError(
                f"{where}: the entry is {size} bytes; EventBridge takes at most {MAX_ENTRY_BYTES} bytes "
                "(256 KB) per entry"
            )
        result.append(entry)
    return result


def _located_entries(path: Path) -> list[tuple[str, Any]]:
    """The file's entries, each with where it is (``line 3`` or ``entry 3``, counted from 1)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise OperationError(f"cannot read {path}: {error.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise OperationError(
            f"{path} is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}): "
            'pass {"Entries": [...]}, a JSON list of entries, or one entry per line'
        ) from None
    try:
        loaded: Any = json.loads(text)
    except json.JSONDecodeError as whole_error:
        return _json_lines(path, text, whole_error)
    if isinstance(loaded, dict) and "Entries" in loaded:
        loaded = loaded["Entries"]
        if not isinstance(loaded, list):
            raise OperationError(f'{path}: "Entries" must be a JSON list of entries')
    if isinstance(loaded, list):
        return [(f"entry {number}", entry) for number, entry in enumerate(loaded, 1)]
    if isinstance(loaded, dict):  # JSON lines of exactly one line
        return [("line 1", loaded)]
    raise OperationError(f'{path} must hold {{"Entries": [...]}}, a JSON list of entries, or one entry per line')


def _json_lines(path: Path, text: str, whole_error: json.JSONDecodeError) -> list[tuple[str, Any]]:
    lines = [(number, line) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    entries = []
    for number, line in lines:
        try:
            entries.append((f"line {number}", json.loads(line)))
        except json.JSONDecodeError as error:
            if not entries:  # not even the first line is JSON: the file is one (broken) JSON document
                raise OperationError(
                    f"{path} is neither JSON nor JSON lines: line {whole_error.lineno}, column "
                    f"{whole_error.colno}: {whole_error.msg}"
                ) from None
            raise OperationError(f"{path} line {number} is not JSON (column {error.colno}: {error.msg})") from None
    return entries


def put_events(events: EventBridgeClient, entries: list[dict[str, Any]]) -> SendResult:
    """Send ``entries`` in calls of at most 10 entries / 256 KB; collect failed entries."""
    result = SendResult()
    for offset, batch in _batches(entries):
        # Entries are checked where they are read (entries_from_file) or built (_entry), not by their static type.
        response = events.put_events(Entries=cast("list[PutEventsRequestEntryTypeDef]", batch))
        for index, outcome in enumerate(response["Entries"]):
            if "ErrorCode" in outcome:
                result.failed.append(
                    {
                        "index": offset + index,
                        "error_code": outcome["ErrorCode"],
                        "error_message": outcome.get("ErrorMessage", ""),
                        "entry": batch[index],
                    }
                )
            else:
                result.sent += 1
    return result


def _entry(event_bus: str, detail: dict[str, Any], detail_type: str) -> dict[str, Any]:
    return {
        "Source": defaults.EVENT_SOURCE,
        "DetailType": detail_type,
        "Detail": json.dumps(detail),
        "EventBusName": event_bus,
    }


def _batches(entries: Iterable[dict[str, Any]]) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    return size_limited_batches(entries, _entry_size, max_entries=MAX_ENTRIES_PER_CALL, max_bytes=MAX_BYTES_PER_CALL)


def _entry_size(entry: dict[str, Any]) -> int:
    # EventBridge's documented entry size: Source, DetailType, Detail and resources in UTF-8 (+14 with a Time).
    size = sum(len(str(entry.get(key, "")).encode()) for key in ("Source", "DetailType", "Detail"))
    size += sum(len(resource.encode()) for resource in entry.get("Resources", []))
    return size + (14 if "Time" in entry else 0)
