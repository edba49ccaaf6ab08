"""Injected faults: transient DynamoDB failures and whole-invocation crashes, each at a rate.

Transient failures
    A hook on the handler's own DynamoDB client raises a
    ``ThrottlingException``-shaped ``ClientError`` (HTTP 400) from
    ``PutItem`` calls on the events table, before the request is sent. It
    stands for a throttle that outlasted the client's own retries (the hook
    runs outside botocore's retry loop). Only event writes fail: the
    promise under test is that a valid event is stored exactly once; error
    record writes and dead-letter sends stay reliable so that every message
    that ends in the DLQ can be checked for its error record.

Batch latency
    Every invocation takes ``batch_latency_seconds`` longer, as a slower
    handler or a slower table would: the capacity model's validation runs a
    known consumer against it and measures the backlog.

Crashes
    The whole invocation fails, as on a timeout or an out-of-memory kill:
    half of the crashes happen before the handler runs, half after it has
    done its work (so its writes happened but SQS gets the whole batch
    back, which exercises idempotency).
"""

from __future__ import annotations

import random
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Optional

if TYPE_CHECKING:
    from types_boto3_dynamodb import DynamoDBClient

__all__ = ["FaultInjector", "InjectedCrash"]


class InjectedCrash(RuntimeError):
    """The simulated failure of a whole invocation."""


class FaultInjector:
    """Decides, at the given rates, which calls and invocations fail; counts what it injected.

    Example::

        faults = FaultInjector(transient_failure_rate=0.2, crash_rate=0.05, seed=7)
        uninstall = faults.install(dynamodb_client, table_name="shipment-events-dev")
    """

    def __init__(
        self,
        *,
        transient_failure_rate: float = 0.0,
        crash_rate: float = 0.0,
        batch_latency_seconds: float = 0.0,
        seed: Optional[int] = None,
    ) -> None:
        for name, rate in (("transient_failure_rate", transient_failure_rate), ("crash_rate", crash_rate)):
            if not 0.0 <= rate < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {rate}")
        if not 0.0 <= batch_latency_seconds < 900:
            raise ValueError(f"batch_latency_seconds must be in [0, 900), got {batch_latency_seconds}")
        self.batch_latency_seconds = batch_latency_seconds
        self.transient_failure_rate = transient_failure_rate
        self.crash_rate = crash_rate
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.injected_failures = 0
        self.crashes = 0

    def _draw(self, rate: float) -> bool:
        if rate <= 0.0:
            return False
        with self._lock:
            return self._random.random() < rate

    def install(self, dynamodb_client: DynamoDBClient, *, table_name: str) -> Callable[[], None]:
        """Fail ``PutItem`` on ``table_name`` at the transient failure rate; returns the function that removes the hook."""
        from botocore.exceptions import ClientError

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

        event_name = "before-parameter-build.dynamodb.PutItem"
        dynamodb_client.meta.events.register(event_name, maybe_throttle, unique_id="local-fault-injection")
        return lambda: dynamodb_client.meta.events.unregister(event_name, unique_id="local-fault-injection")

    def delay_batch(self) -> None:
        """Hold the calling invocation for the injected batch latency."""
        if self.batch_latency_seconds:
            time.sleep(self.batch_latency_seconds)

    def crash_point(self) -> Optional[str]:
        """``None`` (no crash), ``"before"`` or ``"after"`` the handler runs."""
        if not self._draw(self.crash_rate):
            return None
        with self._lock:
            self.crashes += 1
            return "before" if self._random.random() < 0.5 else "after"
