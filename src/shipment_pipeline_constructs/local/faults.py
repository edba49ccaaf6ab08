"""Injected faults: transient DynamoDB failures, a DynamoDB outage and whole-invocation crashes.

Transient failures
    A hook on the handler's own DynamoDB client raises a
    ``ThrottlingException``-shaped ``ClientError`` (HTTP 400) from
    ``PutItem`` calls on the events table, before the request is sent. It
    stands for a throttle that outlasted the client's own retries (the hook
    runs outside botocore's retry loop). Only event writes fail: the
    promise under test is that a valid event is stored exactly once.

Outage
    From ``outage_after_seconds`` after the pipeline started, for
    ``outage_seconds``, every DynamoDB write of the handler (``PutItem`` and
    ``DeleteItem``, on both tables) fails with a ``ServiceUnavailable``
    ``ClientError`` (HTTP 503): DynamoDB is down, error records included.
    A message whose receives all fall inside the outage cannot be recorded
    anywhere, so an outage only ends with every message explained when it is
    shorter than the receive budget (``maxReceiveCount`` receives, one
    visibility timeout apart); :func:`visibility_timeout_for_outage` picks a
    local visibility timeout that keeps it so.

Batch latency
    Every invocation takes ``batch_latency_seconds`` longer, as a slower
    handler or a slower table would: the capacity model's validation runs a
    known consumer against it and measures the backlog.

Crashes
    The whole invocation fails, as on a function timeout or an
    out-of-memory kill, at one of two points of the handler's run:
    ``"before"`` it attempts any record (only the error records it writes
    first, for records on their last receive, are written) or ``"after"``
    its writes, before it settles those records (the deletes of the records
    of last receives that were stored are lost). Both are enforced on the
    handler's DynamoDB client, by recognising the batch's own calls (its
    message ids in error records, its envelope ids in event items), so the
    handler runs unchanged; the poller then fails the invocation and SQS
    gets the whole batch back. Not injected: a failure before the handler
    runs at all (an init failure, an invocation throttle), which the
    handler cannot record (see the handler's README, "Last receive").
"""

from __future__ import annotations

import contextlib
import json
import math
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types_boto3_dynamodb import DynamoDBClient

__all__ = ["FaultInjector", "InjectedCrash", "visibility_timeout_for_outage"]

#: ``error_type`` of the record the handler writes before a last receive is attempted (its processor module).
_OPENING_RECORD_TYPE = "invocation_failed_on_last_receive"
_HOOK_ID = "local-fault-injection"
_CRASH_HOOK_ID = "local-crash-injection"


class InjectedCrash(RuntimeError):
    """The simulated failure of a whole invocation."""


class FaultInjector:
    """Decides, at the given rates, which calls and invocations fail; counts what it injected.

    Example::

        faults = FaultInjector(transient_failure_rate=0.2, crash_rate=0.05, outage_seconds=20, seed=7)
        uninstall = faults.install(dynamodb_client, table_name="shipment-events-dev",
                                   errors_table_name="shipment-errors-dev")
    """

    def __init__(
        self,
        *,
        transient_failure_rate: float = 0.0,
        crash_rate: float = 0.0,
        batch_latency_seconds: float = 0.0,
        outage_seconds: float = 0.0,
        outage_after_seconds: float = 0.0,
        seed: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        for name, rate in (("transient_failure_rate", transient_failure_rate), ("crash_rate", crash_rate)):
            if not 0.0 <= rate < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {rate}")
        if not 0.0 <= batch_latency_seconds < 900:
            raise ValueError(f"batch_latency_seconds must be in [0, 900), got {batch_latency_seconds}")
        self.batch_latency_seconds = batch_latency_seconds
        for name, seconds in (("outage_seconds", outage_seconds), ("outage_after_seconds", outage_after_seconds)):
            if not (math.isfinite(seconds) and seconds >= 0):
                raise ValueError(f"{name} must be a finite number of seconds >= 0, got {seconds}")
        self.transient_failure_rate = transient_failure_rate
        self.crash_rate = crash_rate
        self.outage_seconds = outage_seconds
        self.outage_after_seconds = outage_after_seconds
        self._clock = clock
        self._origin: float | None = None
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._crashing: dict[int, tuple[str, frozenset[str], frozenset[str]]] = {}
        self.injected_failures = 0
        self.outage_failures = 0
        self.crashes = 0

    def _draw(self, rate: float) -> bool:
        if rate <= 0.0:
            return False
        with self._lock:
            return self._random.random() < rate

    def start(self) -> None:
        """Start the outage clock (the first :meth:`install` does it; later calls keep the first start)."""
        if self._origin is None:
            self._origin = self._clock()

    def in_outage(self) -> bool:
        """Whether DynamoDB is down now."""
        if self.outage_seconds <= 0 or self._origin is None:
            return False
        elapsed = self._clock() - self._origin
        return self.outage_after_seconds <= elapsed < self.outage_after_seconds + self.outage_seconds

    def install(
        self, dynamodb_client: DynamoDBClient, *, table_name: str, errors_table_name: str | None = None
    ) -> Callable[[], None]:
        """Hook the faults into ``dynamodb_client``; returns the function that removes the hooks.

        ``table_name`` is the events table (throttled at the transient failure
        rate); ``errors_table_name`` lets a crash recognise the batch's error records.
        """
        from botocore.exceptions import ClientError

        self.start()

        def maybe_throttle(params: dict[str, Any], **_: Any) -> None:
            if params.get("TableName") == table_name and self._draw(self.transient_failure_rate):
                with self._lock:
                    self.injected_failures += 1
                raise ClientError(
                    {
                        "Error": {
                            "Code": "ThrottlingException",
                            "Message": "Rate of requests exceeds the allowed throughput (injected)",
                        },
                        "ResponseMetadata": {"HTTPStatusCode": 400},  # type: ignore[typeddict-item]  # botocore-stubs want every ResponseMetadata key; botocore needs none
                    },
                    "PutItem",
                )

        def crash_or_outage(params: dict[str, Any], model: Any = None, **_: Any) -> None:
            operation = getattr(model, "name", "")
            if operation not in ("PutItem", "DeleteItem"):
                return
            if self._belongs_to_crashed_invocation(operation, params, table_name, errors_table_name):
                raise InjectedCrash(f"injected crash: this invocation is dead, its {operation} never happens")
            if self.in_outage():
                with self._lock:
                    self.outage_failures += 1
                raise ClientError(
                    {
                        "Error": {"Code": "ServiceUnavailable", "Message": "DynamoDB is unavailable (injected)"},
                        "ResponseMetadata": {"HTTPStatusCode": 503},  # type: ignore[typeddict-item]  # botocore-stubs want every ResponseMetadata key; botocore needs none
                    },
                    operation,
                )

        events = dynamodb_client.meta.events
        events.register("before-parameter-build.dynamodb.PutItem", maybe_throttle, unique_id=_HOOK_ID)
        events.register("before-parameter-build.dynamodb", crash_or_outage, unique_id=_CRASH_HOOK_ID)

        def uninstall() -> None:
            events.unregister("before-parameter-build.dynamodb.PutItem", unique_id=_HOOK_ID)
            events.unregister("before-parameter-build.dynamodb", unique_id=_CRASH_HOOK_ID)

        return uninstall

    def delay_batch(self) -> None:
        """Hold the calling invocation for the injected batch latency."""
        if self.batch_latency_seconds:
            time.sleep(self.batch_latency_seconds)

    def crash_point(self) -> str | None:
        """``None`` (no crash), ``"before"`` the handler attempts any record or ``"after"`` its writes."""
        if not self._draw(self.crash_rate):
            return None
        with self._lock:
            self.crashes += 1
            return "before" if self._random.random() < 0.5 else "after"

    @contextlib.contextmanager
    def crashing(self, point: str | None, messages: list[dict[str, Any]]) -> Iterator[None]:
        """While the block runs the handler on ``messages``, make its calls end at the crash ``point`` (see module doc)."""
        if point is None:
            yield
            return
        message_ids = frozenset(message["MessageId"] for message in messages)
        envelope_ids = frozenset(filter(None, (_envelope_id(message.get("Body", "")) for message in messages)))
        token = object()
        with self._lock:
            self._crashing[id(token)] = (point, message_ids, envelope_ids)
        try:
            yield
        finally:
            with self._lock:
                del self._crashing[id(token)]

    def _belongs_to_crashed_invocation(
        self, operation: str, params: dict[str, Any], events_table: str, errors_table: str | None
    ) -> bool:
        with self._lock:
            crashing = list(self._crashing.values())
        if not crashing:
            return False
        table = params.get("TableName")
        item = params.get("Item", {})
        for point, message_ids, envelope_ids in crashing:
            if table == errors_table and operation == "DeleteItem":
                # Settling a last receive: the last thing the handler does, lost at either point.
                if str(params.get("Key", {}).get("error_id", {}).get("S", "")).rpartition("#")[2] in message_ids:
                    return True
            elif point == "before" and table == errors_table:
                opening = item.get("error_type", {}).get("S") == _OPENING_RECORD_TYPE
                if item.get("message_id", {}).get("S") in message_ids and not opening:
                    return True
            elif point == "before" and table == events_table:
                if item.get("event_id", {}).get("S") in envelope_ids:
                    return True
        return False


def visibility_timeout_for_outage(outage_seconds: float, max_receive_count: int) -> int:
    """A local visibility timeout (whole seconds, at least 1) with which a message outlives an outage.

    Receives of a message come at least one visibility timeout apart, so an
    outage of ``L`` seconds holds at most ``floor(L / T) + 1`` of them; ``T =
    floor(L / k) + 1`` keeps that to ``k``, half of ``max_receive_count``
    (rounded down, at least 1), leaving the other receives for other
    failures. In AWS the budget is ``maxReceiveCount`` x the queue's
    visibility timeout (30 minutes with the defaults); the local default of
    1 s would let a 20 s outage exhaust every message it catches.
    """
    if outage_seconds <= 0:
        return 1
    return math.floor(outage_seconds / max(1, max_receive_count // 2)) + 1


def _envelope_id(body: str) -> str | None:
    try:
        envelope = json.loads(body)
    except ValueError:
        return None
    value = envelope.get("id") if isinstance(envelope, dict) else None
    return value if isinstance(value, str) else None
