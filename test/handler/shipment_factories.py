"""Builders for the handler tests: EventBridge envelopes, SQS records, and failure injection into botocore clients."""

from __future__ import annotations

import dataclasses
import itertools
import json
import threading
from collections.abc import Callable
from typing import Any

from botocore.awsrequest import AWSResponse, HTTPHeaders
from shipment_processor.config import Config
from shipment_processor.processor import BatchProcessor, BatchResult
from shipment_processor.store import Store

#: 2025-10-13T10:30:00Z, the seed's sample instant, as the processor's clock.
FIXED_NOW_NS = 1_760_351_400 * 1_000_000_000
#: What the construct sets, less DEAD_LETTER_QUEUE_URL (known once the queue exists).
ENVIRONMENT = {
    "EVENTS_TABLE_NAME": "shipment-events-test",
    "ERRORS_TABLE_NAME": "shipment-errors-test",
    "TTL_DAYS": "90",
    "MAX_RECEIVE_COUNT": "5",
    "METRICS_NAMESPACE": "ShipmentPipelineTest",
    "PIPELINE_NAME": "test",
    "ON_CONFLICT": "record",
}

_message_numbers = itertools.count(1)

#: A configuration for processors built directly in tests (no environment needed).
CONFIG = Config(
    events_table_name="events",
    errors_table_name="errors",
    dead_letter_queue_url="https://sqs.example/dlq",
    ttl_days=90,
    max_receive_count=5,
    metrics_namespace="Test",
    pipeline_name="test",
)


class FakeClock:
    """Milliseconds that pass only when a test (or a fake store) says so: deadlines without sleeping."""

    def __init__(self) -> None:
        self._now_ms = 0.0
        self._lock = threading.Lock()

    @property
    def now_ms(self) -> float:
        with self._lock:
            return self._now_ms

    def advance(self, milliseconds: float) -> None:
        with self._lock:
            self._now_ms += milliseconds


class FakeContext:
    """The part of Lambda's context the handler reads, on a :class:`FakeClock`: ``timeout_ms`` from now."""

    def __init__(self, clock: FakeClock, timeout_ms: float) -> None:
        self._clock = clock
        self._deadline_ms = clock.now_ms + timeout_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self._deadline_ms - self._clock.now_ms))


def detail(**overrides: Any) -> dict[str, Any]:
    """The seed's sample ``detail``, with ``overrides`` applied (a value of ``...`` removes the field)."""
    fields: dict[str, Any] = {
        "shipment_id": "SHP-12345",
        "event_timestamp": "2025-10-13T10:30:00Z",
        "event_type": "created",
        "event_data": {"origin": "NYC", "destination": "LAX", "carrier": "FedEx"},
    }
    fields.update(overrides)
    return {name: value for name, value in fields.items() if value is not ...}


def envelope(detail_fields: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    """An EventBridge envelope as the rule delivers it to SQS, around ``detail_fields``."""
    fields: dict[str, Any] = {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "shipment.created",
        "source": "shipment.service",
        "time": "2025-10-13T10:30:01Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail() if detail_fields is None else detail_fields,
    }
    fields.update(overrides)
    return {name: value for name, value in fields.items() if value is not ...}


def body(detail_fields: dict[str, Any] | None = None, /, **overrides: Any) -> str:
    """A JSON message body holding ``envelope(detail_fields, **overrides)``."""
    return json.dumps(envelope(detail_fields, **overrides))


def nested_object(levels: int) -> dict[str, Any]:
    """An object with ``levels`` levels of objects, counting itself (as event_data, it is level 1)."""
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(levels - 1):
        value = {"child": value}
    return value


def record(message_body: str, *, receive_count: int = 1, message_id: str | None = None) -> dict[str, Any]:
    """One SQS record as Lambda's event source mapping delivers it."""
    return {
        "messageId": message_id or f"msg-{next(_message_numbers):06d}",
        "receiptHandle": "handle",
        "body": message_body,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": "1760351400000",
            "SenderId": "AIDAEXAMPLE",
            "ApproximateFirstReceiveTimestamp": "1760351400001",
        },
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:shipment-events",
        "awsRegion": "us-east-1",
    }


def fail_calls(
    client: Any, operation: str, error: Exception | str, *, when: Callable[[dict[str, Any]], bool] = lambda _: True
) -> None:
    """Make ``client.<operation>`` fail for requests whose JSON body satisfies ``when``.

    ``error`` is an exception to raise (a timeout, a bug) or an AWS error code
    to answer with (HTTP 400, or 500 for ``InternalServerError``). The hook
    runs before botocore sends anything, so moto never sees the call.
    """

    def hook(params: dict[str, Any], **_: Any) -> Any:
        if not when(_request_body(params)):
            return None
        if isinstance(error, Exception):
            raise error
        status = 500 if error == "InternalServerError" else 400
        return (
            AWSResponse(url="https://injected.invalid", status_code=status, headers=HTTPHeaders(), raw=None),
            {"Error": {"Code": error, "Message": f"injected {error}"}, "ResponseMetadata": {"HTTPStatusCode": status}},
        )

    client.meta.events.register(f"before-call.{client.meta.service_model.service_id.hyphenize()}.{operation}", hook)


def event_of(shipment_id: str) -> Callable[[dict[str, Any]], bool]:
    """A ``when`` for :func:`fail_calls`: the request writes an event (not an error record) of this shipment."""

    def matches(request: dict[str, Any]) -> bool:
        item = request.get("Item", {})
        return "event_timestamp" in item and item.get("shipment_id", {}).get("S") == shipment_id

    return matches


def _request_body(params: dict[str, Any]) -> dict[str, Any]:
    raw = params.get("body") or b"{}"
    if isinstance(raw, dict):  # query protocol (older SQS) sends a form dict
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return {}


@dataclasses.dataclass
class Pipeline:
    """moto-backed tables and queue, the clients the handler uses, and a processor wired to them."""

    config: Config
    dynamodb: Any
    sqs: Any
    processor: BatchProcessor

    def process(self, records: list[dict[str, Any]]) -> BatchResult:
        """Run one batch through the processor."""
        return self.processor.process(records)

    def sequential(self) -> BatchProcessor:
        """A processor on the same store without the thread pool.

        For duplicates within a batch: moto's conditional put is not atomic
        across threads (DynamoDB's is).
        """
        return BatchProcessor(
            store=Store(dynamodb=self.dynamodb, sqs=self.sqs, config=self.config),
            config=self.config,
            executor=None,
            clock=lambda: FIXED_NOW_NS,
        )

    def events(self) -> list[dict[str, Any]]:
        """Every item in the events table."""
        return self.dynamodb.scan(TableName=self.config.events_table_name)["Items"]

    def errors(self) -> list[dict[str, Any]]:
        """Every item in the errors table."""
        return self.dynamodb.scan(TableName=self.config.errors_table_name)["Items"]

    def dead_letters(self) -> list[dict[str, Any]]:
        """Every message in the dead-letter queue, with its message attributes."""
        response = self.sqs.receive_message(
            QueueUrl=self.config.dead_letter_queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        )
        return response.get("Messages", [])
