"""One in-memory stand-in for :class:`shipment_processor.store.Store`, for the processor's unit and property tests.

It keeps DynamoDB's semantics where the processor depends on them: a
conditional put that keeps the first write and hands back the stored item
(``ReturnValuesOnConditionCheckFailure=ALL_OLD``), error records keyed as the
errors table keys them (a put with the same key replaces, a delete removes),
and a dead-letter queue that keeps every copy. Each call can take fake time on
a :class:`~.shipment_factories.FakeClock` and can fail, by shipment id
(``throttled``) or by a fault drawn per call from ``faults``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from botocore.exceptions import ClientError, ReadTimeoutError

from .shipment_factories import FakeClock

#: How long one call takes, in fake milliseconds: (operation, item or body) -> ms.
Latency = Callable[[str, Any], float]


def client_error(code: str, status: int = 400) -> ClientError:
    """A botocore ``ClientError`` as DynamoDB returns it."""
    return ClientError({"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "PutItem")  # type: ignore[typeddict-item]  # botocore-stubs want every ResponseMetadata key; botocore needs none


class InvocationDied(BaseException):
    """Stands in for a whole-invocation failure (timeout, out of memory): nothing in the handler catches it."""


#: Faults by name: what a call raises when the fault is drawn.
FAULTS: dict[str, Callable[[], BaseException]] = {
    "throttled": lambda: client_error("ThrottlingException"),
    "timeout": lambda: ReadTimeoutError(endpoint_url="https://dynamodb"),
    "bug": lambda: KeyError("bug"),
    "refused": lambda: client_error("ValidationException"),
    "died": InvocationDied,
}


def _no_latency(operation: str, item: Any) -> float:
    return 0


class MemoryStore:
    """An in-memory Store that records every call it gets (``calls``: (operation, shipment or message id))."""

    def __init__(
        self,
        clock: FakeClock | None = None,
        latency: Latency = _no_latency,
        faults: Iterator[str | None] | None = None,
    ) -> None:
        self.clock = clock
        self.latency = latency
        self.calls: list[tuple[str, str]] = []
        self.events: dict[tuple[str, str], Mapping[str, Any]] = {}
        self.error_records: dict[tuple[str, str], Mapping[str, Any]] = {}
        self.dead_letters: list[tuple[str, dict[str, str]]] = []
        self.throttled: set[str] = set()  # shipment ids whose event writes fail
        self.refused_event_ids: set[str] = set()  # events DynamoDB refused (the "refused" fault)
        self._faults = faults
        self._lock = threading.Lock()

    @property
    def errors(self) -> list[Mapping[str, Any]]:
        """The error records the table holds now, in the order their keys were first written."""
        with self._lock:
            return list(self.error_records.values())

    @property
    def dead_letter_bodies(self) -> list[str]:
        """The bodies sent to the dead-letter queue, in order."""
        return [body for body, _ in self.dead_letters]

    def _call(self, operation: str, subject: str, item: Any) -> None:
        with self._lock:
            self.calls.append((operation, subject))
            fault = next(self._faults) if self._faults is not None else None
        if self.clock is not None:
            self.clock.advance(self.latency(operation, item))
        if fault is not None:
            raise FAULTS[fault]()

    def put_event(self, item: Mapping[str, Any]) -> Mapping[str, Any] | None:
        shipment_id = item["shipment_id"]["S"]
        try:
            self._call("put_event", shipment_id, item)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ValidationException":
                self.refused_event_ids.add(item["event_id"]["S"])
            raise
        if shipment_id in self.throttled:
            raise client_error("ThrottlingException")
        key = (shipment_id, item["event_timestamp"]["S"])
        with self._lock:
            if key in self.events:
                return self.events[key]
            self.events[key] = item
            return None

    def put_error_record(self, item: Mapping[str, Any]) -> None:
        self._call("put_error_record", item["message_id"]["S"], item)
        with self._lock:
            self.error_records[(item["error_date"]["S"], item["error_id"]["S"])] = item

    def delete_error_record(self, key: Mapping[str, Any]) -> None:
        message_id = key["error_id"]["S"].split("#", 1)[1]
        self._call("delete_error_record", message_id, key)
        with self._lock:
            self.error_records.pop((key["error_date"]["S"], key["error_id"]["S"]), None)

    def send_to_dead_letter_queue(self, body: str, attributes: Mapping[str, str]) -> None:
        self._call("send_to_dead_letter_queue", attributes["source_message_id"], body)
        with self._lock:
            self.dead_letters.append((body, dict(attributes)))
