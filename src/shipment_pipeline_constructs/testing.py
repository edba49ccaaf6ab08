"""Test a record hook and an event contract without AWS: events through the real bundled processor, in memory.

:func:`run_batch` loads the processor that ships in the function's asset,
writes the contract as the construct writes it (``shipment_contract.json``
and the validator generated from the schema), imports the hook the way the
function does at init, and processes the events as one SQS batch against an
in-memory events table, errors table and quarantine queue. What it returns
is what the deployed function would have done: each event's outcome, the
items stored, the error records and the quarantined bodies.

Example (pytest)::

    from shipment_pipeline_constructs.contract import EventContract, RecordHook
    from shipment_pipeline_constructs.testing import run_batch

    CONTRACT = EventContract(id_field="trackingNumber", timestamp_field="occurredAt", type_field="status",
                             event_types=["created", "delivered"])
    HOOK = RecordHook.from_file("hooks/shipment_hooks.py", "shipment_hooks:enrich")

    def test_the_hook_adds_the_region_and_rejects_test_events():
        result = run_batch(
            [{"trackingNumber": "TN-1", "occurredAt": "2025-10-13T12:30:00+02:00", "status": "created",
              "origin": "DE-BER"},
             {"trackingNumber": "TN-2", "occurredAt": "2025-10-13T10:30:00Z", "status": "created", "test": True}],
            contract=CONTRACT,
            record_hook=HOOK,
        )
        assert result.outcomes == ["stored", "quarantined"]
        assert result.items[0]["region"] == "DE"
        assert result.error_records[0]["error_type"] == "rejected_by_hook"

Events are ``detail`` objects (wrapped in an EventBridge envelope with a
fresh id; a ``Decimal`` is written as the float nearest to it, so pass a raw
body to send exact digits), whole envelopes (a mapping with ``detail`` and ``source``), or raw
message bodies (a ``str``, e.g. to test invalid JSON). Pass the same
:class:`InMemoryStore` to several calls to test redeliveries and conflicts,
and ``receive_count`` to test a last receive (a hook that raises is then
given an error record, as SQS moves the message to the dead-letter queue).

No aws_cdk import: the harness runs in a plain pytest session.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import sys
import tempfile
import threading
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from .handler_asset import handler_source_dir
from .schema_codegen import generate_validator_module

__all__ = ["EventResult", "InMemoryStore", "RunResult", "run_batch"]

#: The validator module's name in the asset (the construct writes the same one).
VALIDATOR_MODULE = "shipment_contract_validator"
#: The default ``MAX_RECEIVE_COUNT`` of the harness: a record is on its last receive at this count.
MAX_RECEIVE_COUNT = 5

_OUTCOME_NAMES = {
    "Stored": "stored",
    "Duplicates": "duplicate",
    "Quarantined": "quarantined",
    "Retried": "retried",
    "Conflicts": "conflict",
}
_ids = itertools.count(1)


class InMemoryStore:
    """The events table, errors table and quarantine queue in memory, with DynamoDB's first-write-wins put.

    ``events`` maps ``(shipment_id, event_timestamp)`` to the stored item (wire format); ``error_records`` and
    ``quarantined`` (``(body, attributes)``) keep every record and copy.
    """

    def __init__(self) -> None:
        self.events: dict[tuple[str, str], Mapping[str, Any]] = {}
        self.error_records: dict[tuple[str, str], Mapping[str, Any]] = {}
        self.quarantined: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()

    def put_event(self, item: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """Store ``item`` unless its key is taken; return the stored item if it is (as DynamoDB's ALL_OLD)."""
        key = (item["shipment_id"]["S"], item["event_timestamp"]["S"])
        with self._lock:
            if key in self.events:
                return self.events[key]
            self.events[key] = item
        return None

    def put_error_record(self, item: Mapping[str, Any]) -> None:
        """Store one error record (a record with the same key is replaced)."""
        with self._lock:
            self.error_records[(item["error_date"]["S"], item["error_id"]["S"])] = item

    def delete_error_record(self, key: Mapping[str, Any]) -> None:
        """Delete one error record by its key."""
        with self._lock:
            self.error_records.pop((key["error_date"]["S"], key["error_id"]["S"]), None)

    def send_to_dead_letter_queue(self, body: str, attributes: Mapping[str, str]) -> None:
        """Keep a quarantined copy of a message."""
        with self._lock:
            self.quarantined.append((body, dict(attributes)))


@dataclasses.dataclass(frozen=True)
class EventResult:
    """What happened to one event: ``outcome`` is ``stored``, ``duplicate``, ``conflict``, ``quarantined`` or ``retried``.

    ``item`` is the event's stored item (plain Python values; also set for a
    duplicate or conflict: the item already stored under its key), ``error``
    its error record from this run, if any (``error_type``, ``error_message``,
    ``disposition`` ...).
    """

    message_id: str
    outcome: str
    item: dict[str, Any] | None
    error: dict[str, Any] | None


@dataclasses.dataclass(frozen=True)
class RunResult:
    """The batch's results, in event order, and what the store holds afterwards (plain Python values)."""

    events: list[EventResult]
    items: list[dict[str, Any]]
    error_records: list[dict[str, Any]]
    quarantined_bodies: list[str]
    #: The message ids the function would report in ``batchItemFailures`` (SQS retries them).
    batch_item_failures: list[str]

    @property
    def outcomes(self) -> list[str]:
        """Each event's outcome, in order."""
        return [event.outcome for event in self.events]


def run_batch(
    events: Iterable[Mapping[str, Any] | str],
    *,
    contract: Any = None,
    record_hook: Any = None,
    hook_path: str | Path | None = None,
    store: InMemoryStore | None = None,
    receive_count: int = 1,
    max_receive_count: int = MAX_RECEIVE_COUNT,
    on_conflict: str = "record",
) -> RunResult:
    """Process ``events`` as one SQS batch through the bundled processor with ``contract`` and ``record_hook``.

    ``contract`` is an ``EventContract`` (or any object with its fields:
    ``id_field``, ``timestamp_field``, ``type_field``, ``event_types``,
    ``detail_schema``), or ``None`` for the default contract.
    ``record_hook`` is a ``RecordHook`` (its module's folder goes on
    ``sys.path``), or ``"module:function"`` as the function imports it with
    ``hook_path``, the folder holding that module (by default the module must
    already be importable). A hook that fails to
    import raises the processor's ``ContractError``, as the function's init
    would fail. See the module docstring for an example.
    """
    _processor_on_path()
    from shipment_processor.config import Config
    from shipment_processor.contract import load_contract
    from shipment_processor.processor import BatchProcessor

    hook_spec = record_hook
    if record_hook is not None and not isinstance(record_hook, str):  # a RecordHook: its file or package folder
        hook_spec = record_hook.entry_point
        hook_path = Path(record_hook.path).resolve().parent
    if hook_path is not None and str(hook_path) not in sys.path:
        sys.path.insert(0, str(hook_path))
    store = store if store is not None else InMemoryStore()
    with tempfile.TemporaryDirectory(prefix="shipment-contract-") as asset_root:
        _write_contract(Path(asset_root), contract, hook_spec)
        loaded = load_contract(asset_root)
    config = Config(
        events_table_name="events",
        errors_table_name="errors",
        dead_letter_queue_url="",
        quarantine_queue_url="memory://quarantine",
        ttl_days=90,
        max_receive_count=max_receive_count,
        metrics_namespace="Harness",
        pipeline_name="harness",
        on_conflict=on_conflict,
    )
    processor = BatchProcessor(store=store, config=config, executor=None, contract=loaded)
    records = [_record(event, receive_count) for event in events]
    errors_before = set(store.error_records)
    result = processor.process(records)
    new_errors = {
        record["message_id"]["S"]: record for key, record in store.error_records.items() if key not in errors_before
    }
    outcomes = []
    for record, outcome in zip(records, result.outcomes, strict=True):
        item = _stored_item(store, record["body"], loaded)
        error = new_errors.get(record["messageId"])
        outcomes.append(
            EventResult(
                message_id=record["messageId"],
                outcome=_OUTCOME_NAMES[outcome.value],
                item=None if item is None else plain_item(item),
                error=None if error is None else plain_item(error),
            )
        )
    return RunResult(
        events=outcomes,
        items=[plain_item(item) for item in store.events.values()],
        error_records=[plain_item(item) for item in store.error_records.values()],
        quarantined_bodies=[body for body, _ in store.quarantined],
        batch_item_failures=[failure["itemIdentifier"] for failure in result.response()["batchItemFailures"]],
    )


def plain_item(item: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """A wire-format DynamoDB item (``{"name": {"S": "..."}}``) as plain Python values (numbers as ``int``/``Decimal``)."""
    return {name: _plain(value) for name, value in item.items()}


def _plain(value: Mapping[str, Any]) -> Any:
    ((kind, content),) = value.items()
    if kind in {"S", "B"}:
        return content
    if kind == "N":
        return int(content) if content.lstrip("-").isdigit() else Decimal(content)
    if kind == "BOOL":
        return content
    if kind == "NULL":
        return None
    if kind == "M":
        return {key: _plain(element) for key, element in content.items()}
    if kind == "L":
        return [_plain(element) for element in content]
    raise ValueError(f"{kind!r} is not an attribute type the processor writes")


def _processor_on_path() -> None:
    source = str(handler_source_dir())
    if source not in sys.path:
        sys.path.insert(0, source)


def _write_contract(root: Path, contract: Any, record_hook: str | None) -> None:
    """Write what the construct stages at the asset root; nothing for the default contract without a hook."""
    if contract is None and record_hook is None:
        return
    if hasattr(contract, "to_document"):  # an EventContract writes its own file, as it does for the construct
        document = contract.to_document()
        document["record_hook"] = record_hook
        _write_files(root, document)
        return
    schema = getattr(contract, "detail_schema", None)
    event_types = getattr(contract, "event_types", None)
    document = {
        "format": 1,
        "id_field": getattr(contract, "id_field", "shipment_id"),
        "timestamp_field": getattr(contract, "timestamp_field", "event_timestamp"),
        "type_field": getattr(contract, "type_field", "event_type"),
        "event_types": None if event_types is None else list(event_types),
        "detail_schema": schema,
        "validator_module": VALIDATOR_MODULE if schema is not None else None,
        "record_hook": record_hook,
    }
    _write_files(root, document)


def _write_files(root: Path, document: dict[str, Any]) -> None:
    (root / "shipment_contract.json").write_text(json.dumps(document))
    if document.get("detail_schema") is not None:
        (root / f"{document['validator_module']}.py").write_text(generate_validator_module(document["detail_schema"]))


def _record(event: Mapping[str, Any] | str, receive_count: int) -> dict[str, Any]:
    if isinstance(event, str):
        body = event
    elif "detail" in event and "source" in event:
        body = json.dumps(event, default=str)
    else:
        body = json.dumps(
            {
                "version": "0",
                "id": f"harness-{next(_ids):06d}",
                "detail-type": "harness.event",
                "source": "harness",
                "time": "2025-10-13T10:30:00Z",
                "detail": event,
            },
            default=_json_number,
        )
    return {
        "messageId": f"msg-{next(_ids):06d}",
        "body": body,
        "attributes": {"ApproximateReceiveCount": str(receive_count)},
    }


def _json_number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _stored_item(store: InMemoryStore, body: str, contract: Any) -> Mapping[str, Any] | None:
    """The item stored under the key ``body`` maps to (via the processor's own parser), if any."""
    from shipment_processor.events import ShipmentEvent, parse_event

    parsed = parse_event(body, contract)
    if not isinstance(parsed, ShipmentEvent):
        return None
    return store.events.get((parsed.shipment_id, parsed.event_timestamp))
