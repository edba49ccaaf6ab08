"""A local SQS event source mapping that behaves like Lambda's.

Per the template's ``AWS::Lambda::EventSourceMapping``: batches of up to
``BatchSize`` records gathered for at most ``MaximumBatchingWindowInSeconds``,
at most ``ScalingConfig.MaximumConcurrency`` invocations at a time (one
worker thread each), Lambda-shaped SQS events (``messageId``,
``receiptHandle``, ``body``, ``attributes.ApproximateReceiveCount``, ...)
and, with ``ReportBatchItemFailures``, a partial batch response: only the
successful records are deleted, and a response naming an unknown or empty
``itemIdentifier`` fails the whole batch, as in Lambda. A failed invocation
(an exception) deletes nothing.

Records that are not deleted reappear after the visibility timeout and SQS
(moto's real redrive) moves a message to the dead-letter queue on the
receive after ``maxReceiveCount``. The local run passes a shorter
visibility timeout on each receive so retries take seconds, not minutes
(see :class:`~shipment_pipeline_constructs.local.runner.LocalPipeline`).

Like Lambda's, the mapping consumes only while it is enabled: ``enabled``
(the mapping's ``Enabled`` in the emulator's Lambda API, which
``shipment-pipeline pause`` and ``resume`` switch) is read at most every
``state_check_seconds``; while it is off the workers receive nothing and
running batches finish, and when it is on again they drain the backlog. A
change takes effect within ``state_check_seconds`` and one long poll (1 s).

The workers take turns calling ReceiveMessage (invocations still run
concurrently): moto's receive is not safe against a concurrent redrive (two
receives moving the same message to the DLQ fail one request with a 500,
and the messages that request had already marked as received count a
receive nobody saw). Lambda's pollers receive in parallel; the order of
receives is all this changes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from .emulator import REGION
from .faults import FaultInjector, InjectedCrash

__all__ = ["LocalEventSourceMapping", "MessageLedger"]

_MAX_RECEIVE = 10  # SQS's limit per ReceiveMessage


@dataclasses.dataclass
class _Delivery:
    body: str
    receives: int = 0
    last_result: str = ""  # "ok", "failed" (batch item failure) or "crashed" (whole invocation)


class MessageLedger:
    """Every message the mapping received: body, receive count and how its last invocation ended."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.deliveries: dict[str, _Delivery] = {}
        self.invocations = 0
        self.crashed_invocations = 0
        self.batch_item_failures = 0

    def received(self, messages: list[dict[str, Any]]) -> None:
        """Count an invocation and one receive for each message in its batch."""
        with self._lock:
            self.invocations += 1
            for message in messages:
                delivery = self.deliveries.setdefault(message["MessageId"], _Delivery(body=message["Body"]))
                delivery.receives += 1

    def ended(self, results: dict[str, str]) -> None:
        """Record how each message of a finished invocation ended."""
        with self._lock:
            if "crashed" in results.values():
                self.crashed_invocations += 1
            for message_id, result in results.items():
                self.deliveries[message_id].last_result = result
                self.batch_item_failures += result == "failed"

    @property
    def retries(self) -> int:
        """Deliveries after the first: records SQS handed out again."""
        with self._lock:
            return sum(delivery.receives - 1 for delivery in self.deliveries.values())


class LocalEventSourceMapping:
    """Polls ``queue_url`` with ``max_concurrency`` worker threads and invokes ``invoke`` per batch.

    Example::

        mapping = LocalEventSourceMapping(sqs=sqs, queue_url=url, queue_arn=arn, invoke=function.invoke,
                                          batch_size=10, max_concurrency=5, visibility_timeout=1)
        mapping.start(); ...; mapping.stop()
    """

    def __init__(
        self,
        *,
        sqs: Any,
        queue_url: str,
        queue_arn: str,
        invoke: Callable[[dict[str, Any]], Any],
        batch_size: int = 10,
        batching_window_seconds: float = 0.0,
        max_concurrency: int = 5,
        visibility_timeout: int = 1,
        report_batch_item_failures: bool = True,
        faults: FaultInjector | None = None,
        enabled: Callable[[], bool] | None = None,
        state_check_seconds: float = 0.5,
    ) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._queue_arn = queue_arn
        self._invoke = invoke
        self.batch_size = batch_size
        self.batching_window_seconds = batching_window_seconds
        self.max_concurrency = max_concurrency
        self.visibility_timeout = visibility_timeout
        self.report_batch_item_failures = report_batch_item_failures
        self._faults = faults or FaultInjector()
        self.ledger = MessageLedger()
        self._stop = threading.Event()
        self._receive_lock = threading.Lock()
        self._busy = 0
        self._busy_lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.errors: list[BaseException] = []
        self._enabled = _CachedState(enabled or (lambda: True), state_check_seconds)
        self.state_check_seconds = state_check_seconds

    @property
    def busy(self) -> int:
        """Invocations in progress."""
        return self._busy

    @property
    def enabled(self) -> bool:
        """Whether the mapping consumes (as last read from ``enabled``)."""
        return self._enabled()

    def start(self) -> None:
        """Start one polling thread per unit of maximum concurrency."""
        for index in range(self.max_concurrency):
            thread = threading.Thread(target=self._work, name=f"local-esm-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop polling and wait for the running batches to finish."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads.clear()

    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                if not self._enabled():
                    self._stop.wait(self.state_check_seconds)
                    continue
                messages = self._gather()
                if messages:
                    self._process(messages)
            except Exception as error:  # the emulator went away, or a bug here: stop this worker, report it
                if not self._stop.is_set():
                    self.errors.append(error)
                return

    def _gather(self) -> list[dict[str, Any]]:
        """One batch: up to ``batch_size`` messages, waiting at most the batching window once one has arrived."""
        messages: list[dict[str, Any]] = []
        deadline: float | None = None
        while len(messages) < self.batch_size and not self._stop.is_set():
            with self._receive_lock:
                # Checked under the lock, just before receiving: workers wait their turn for seconds.
                if self._stop.is_set() or (not messages and not self._enabled()):
                    break
                response = self._sqs.receive_message(
                    QueueUrl=self._queue_url,
                    MaxNumberOfMessages=min(_MAX_RECEIVE, self.batch_size - len(messages)),
                    WaitTimeSeconds=0 if messages else 1,
                    VisibilityTimeout=self.visibility_timeout,
                    MessageSystemAttributeNames=["All"],
                    MessageAttributeNames=["All"],
                )
            received = response.get("Messages", [])
            if received:
                with self._busy_lock:
                    self._busy += not messages
                messages += received
                deadline = deadline or time.monotonic() + self.batching_window_seconds
            if messages and (not received or (deadline is not None and time.monotonic() >= deadline)):
                break
        return messages

    def _process(self, messages: list[dict[str, Any]]) -> None:
        self.ledger.received(messages)
        try:
            with self._kept_invisible(messages):
                results = self._invoke_batch(messages)
            succeeded = [message for message in messages if results[message["MessageId"]] == "ok"]
            for start in range(0, len(succeeded), _MAX_RECEIVE):
                chunk = succeeded[start : start + _MAX_RECEIVE]
                self._sqs.delete_message_batch(
                    QueueUrl=self._queue_url,
                    Entries=[{"Id": str(index), "ReceiptHandle": m["ReceiptHandle"]} for index, m in enumerate(chunk)],
                )
            self.ledger.ended(results)
        finally:
            with self._busy_lock:
                self._busy -= 1

    @contextlib.contextmanager
    def _kept_invisible(self, messages: list[dict[str, Any]]) -> Iterator[None]:
        """Extend the batch's visibility while the invocation runs.

        In AWS the visibility timeout is at least 6 x the function timeout, so a
        running batch never reappears; locally it is compressed to seconds, so a
        slow invocation (a loaded machine) is kept invisible by this heartbeat
        instead. When the invocation ends, failed messages reappear within one
        visibility timeout, as configured.
        """
        done = threading.Event()
        entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]

        def beat() -> None:
            while not done.wait(self.visibility_timeout / 2):
                try:
                    # Not under the receive lock: a worker long-polls while holding it, longer than a beat.
                    for start in range(0, len(entries), _MAX_RECEIVE):
                        self._sqs.change_message_visibility_batch(
                            QueueUrl=self._queue_url,
                            Entries=[
                                {**entry, "VisibilityTimeout": self.visibility_timeout}
                                for entry in entries[start : start + _MAX_RECEIVE]
                            ],
                        )
                except Exception as error:  # the emulator is gone (shutdown): nothing left to keep invisible
                    if not self._stop.is_set():
                        self.errors.append(error)
                    return

        heartbeat = threading.Thread(target=beat, name="local-esm-heartbeat", daemon=True)
        heartbeat.start()
        try:
            yield
        finally:
            done.set()
            heartbeat.join()

    def _invoke_batch(self, messages: list[dict[str, Any]]) -> dict[str, str]:
        ids = [message["MessageId"] for message in messages]
        self._faults.delay_batch()
        crash = self._faults.crash_point()
        try:
            # The handler runs either way; the injector cuts its calls short at the crash point.
            with self._faults.crashing(crash, messages):
                response = self._invoke(self._event(messages))
            if crash:
                raise InjectedCrash(f"injected crash {crash} the handler's writes")
        except Exception:
            # Lambda returns the whole batch to the queue: nothing is deleted.
            return dict.fromkeys(ids, "crashed")
        failed = _batch_item_failures(response, ids) if self.report_batch_item_failures else set()
        return {message_id: "failed" if message_id in failed else "ok" for message_id in ids}

    def _event(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        return {"Records": [_record(message, self._queue_arn) for message in messages]}


class _CachedState:
    """``read()``, called at most once per ``seconds`` however many workers ask (it is an API call)."""

    def __init__(self, read: Callable[[], bool], seconds: float) -> None:
        self._read, self._seconds = read, seconds
        self._lock = threading.Lock()
        self._value = True
        self._read_at: float | None = None

    def __call__(self) -> bool:
        with self._lock:
            now = time.monotonic()
            if self._read_at is None or now - self._read_at >= self._seconds:
                self._value, self._read_at = self._read(), now
            return self._value


def _batch_item_failures(response: Any, ids: list[str]) -> set[str]:
    """The failed message ids; every id when the response is malformed (Lambda then fails the whole batch)."""
    if response is None:
        return set()
    failures = response.get("batchItemFailures") if isinstance(response, dict) else None
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return set(ids)
    identifiers = [failure.get("itemIdentifier") if isinstance(failure, dict) else None for failure in failures]
    known = [identifier for identifier in identifiers if isinstance(identifier, str) and identifier in ids]
    if len(known) != len(identifiers):
        return set(ids)
    return set(known)


def _record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    attributes = message.get("Attributes", {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {
            name: attributes[name]
            for name in ("ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp")
            if name in attributes
        },
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value["DataType"],
            }
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }
