"""Process one SQS batch: every record ends as exactly one :class:`Outcome`.

Per record:

* valid and new: written (``stored``); valid and already there: ``duplicate``,
  a success, never an overwrite (first write wins);
* can never succeed (bad body, or DynamoDB refuses the item): ``quarantined``
  at once: an error record saying why, then the body goes to the dead-letter
  queue unchanged, and the record is reported as a success so SQS deletes it
  from the source queue without burning retries or delaying its neighbours;
* failed for a reason that may pass (throttling, timeouts, 5xx, a bug,
  a failed quarantine): ``retried``, reported in ``batchItemFailures`` so SQS
  redelivers only that record. When this was the last receive SQS allows
  (``ApproximateReceiveCount >= MAX_RECEIVE_COUNT``), an error record is
  written too, if there is time for it (see Deadline): SQS is about to move
  the message to the dead-letter queue, and a message that ends there should
  have a record saying why (else a log line says it).

Nothing is deleted that was not stored or kept: a record whose error record
or dead-letter copy cannot be written is retried, never acknowledged.
Exceptions never leave :meth:`BatchProcessor.process` for a bad or failing
record; one record's bug costs only that record.

Deadline: given the invocation's remaining time (the Lambda context's
``get_remaining_time_in_millis``), a record is started only while more than
a margin is left: :data:`START_MARGIN_MS`, the longest one client call can
take, capped at half the time left when the batch starts. A record not
started is *deferred*: ``retried`` without a call, with a
``deadline_exceeded`` error record on its last receive. Records already
started finish (their calls are bounded by the client's timeouts, and a
write started in time ends before the function's timeout even if every
attempt times out), so each outcome is known; a function timeout would fail
the whole batch and raise every record's receive count. An error record of a
retried record is optional (the record is retried either way) and is only
written while more than :data:`ERROR_RECORD_MARGIN_MS` is left. Without a
remaining-time function there is no deadline.

Records are written concurrently (see :mod:`shipment_processor.store`);
a batch of one is written inline, without a thread hop.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

from .config import Config
from .events import NANOS_PER_SECOND, Reason, Rejection, format_instant, parse_event
from .items import error_item, event_item
from .store import ATTEMPT_SECONDS, WORST_CASE_CALL_SECONDS, Failure, Store, classify_failure, error_code

__all__ = ["DEADLINE_EXCEEDED", "ERROR_RECORD_MARGIN_MS", "START_MARGIN_MS", "BatchProcessor", "BatchResult", "Outcome"]

logger = logging.getLogger(__name__)

#: A record is started only while more than this is left of the invocation
#: (at most half the time left when the batch starts): the longest one client
#: call can take (every attempt timing out, plus backoff), so a write started
#: in time ends before the function times out even if DynamoDB stops answering.
START_MARGIN_MS = WORST_CASE_CALL_SECONDS * 1000
#: An error record of a retried record is written only while more than this
#: is left (at most a quarter of the time left when the batch starts): one
#: attempt's connect and read timeouts.
ERROR_RECORD_MARGIN_MS = ATTEMPT_SECONDS * 1000
#: ``error_type`` of the error record of a record deferred on its last receive.
DEADLINE_EXCEEDED = "deadline_exceeded"


class Outcome(str, enum.Enum):
    """What happened to one record; the values are the EMF metric names."""

    STORED = "Stored"
    DUPLICATE = "Duplicates"
    QUARANTINED = "Quarantined"
    RETRIED = "Retried"


@dataclasses.dataclass(frozen=True, slots=True)
class BatchResult:
    """The outcome of each record of a batch, in record order."""

    message_ids: tuple[str, ...]
    outcomes: tuple[Outcome, ...]

    def counts(self) -> dict[str, int]:
        """Per-batch counts keyed by EMF metric name (``Received`` plus one per outcome)."""
        counts = {"Received": len(self.outcomes)} | {outcome.value: 0 for outcome in Outcome}
        for outcome in self.outcomes:
            counts[outcome.value] += 1
        return counts

    def response(self) -> dict[str, list[dict[str, str]]]:
        """The partial batch response Lambda expects: the retried records' message ids."""
        return {
            "batchItemFailures": [
                {"itemIdentifier": message_id}
                for message_id, outcome in zip(self.message_ids, self.outcomes, strict=True)
                if outcome is Outcome.RETRIED
            ]
        }


@dataclasses.dataclass(slots=True)
class _Message:
    """One record's facts, filled in as they become known (for logs and error records)."""

    message_id: str
    body: str
    receive_count: int
    shipment_id: str | None = None
    event_id: str | None = None
    #: Not started: too little time was left when its turn came.
    deferred: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class _Deadline:
    """The invocation's remaining time and the margins derived from it when the batch starts."""

    remaining_ms: Callable[[], float]
    start_margin_ms: float
    error_record_margin_ms: float

    @classmethod
    def starting_now(cls, remaining_ms: Callable[[], float]) -> _Deadline:
        # The caps keep short function timeouts (the construct allows 1 s) usable:
        # with the full margins, a function of 24 s or less would start nothing,
        # and every message would end in the dead-letter queue.
        left = remaining_ms()
        return cls(remaining_ms, min(START_MARGIN_MS, left / 2), min(ERROR_RECORD_MARGIN_MS, left / 4))

    def allows_record(self) -> bool:
        """Whether a record may still be started."""
        return self.remaining_ms() > self.start_margin_ms

    def allows_error_record(self) -> bool:
        """Whether an optional error record may still be written."""
        return self.remaining_ms() > self.error_record_margin_ms


@dataclasses.dataclass(frozen=True, slots=True)
class _BatchClock:
    """One clock reading per batch (every item and error record of a batch shares it), and its deadline if any."""

    received_at: str
    expires_at: int
    deadline: _Deadline | None = None


class BatchProcessor:
    """Validates and stores SQS records; see the module docstring for the rules.

    Example::

        processor = BatchProcessor(store=store, config=config, executor=ThreadPoolExecutor(10))
        processor.process(event["Records"]).response()
    """

    def __init__(
        self,
        *,
        store: Store,
        config: Config,
        executor: Executor | None,
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        self._store = store
        self._ttl_seconds = config.ttl_seconds
        self._max_receive_count = config.max_receive_count
        self._executor = executor
        self._clock = clock

    def process(
        self, records: Sequence[Mapping[str, Any]], *, remaining_ms: Callable[[], float] | None = None
    ) -> BatchResult:
        """Process every record; raise only if ``records`` is not an SQS batch at all.

        ``remaining_ms`` returns the milliseconds left in the invocation
        (Lambda's ``context.get_remaining_time_in_millis``); records that
        cannot be started in time are deferred (see the module docstring).
        Without it there is no deadline.

        A record without a ``messageId`` could not be reported as a failure
        (an empty ``itemIdentifier`` fails the whole batch), so such an event
        is refused as a whole with ``ValueError`` and Lambda retries it.
        """
        messages = [_message(record) for record in records]
        now = self._clock()
        batch = _BatchClock(
            received_at=format_instant(now),
            expires_at=now // NANOS_PER_SECOND + self._ttl_seconds,
            deadline=None if remaining_ms is None else _Deadline.starting_now(remaining_ms),
        )
        if self._executor is None or len(messages) < 2:
            outcomes = [self._process_one(message, batch) for message in messages]
        else:
            outcomes = list(self._executor.map(self._process_one, messages, [batch] * len(messages)))
        deferred = sum(message.deferred for message in messages)
        if deferred and batch.deadline is not None:
            logger.warning(
                "records deferred: too little time left in the invocation to start them; SQS will retry them",
                extra={
                    "deferred": deferred,
                    "remaining_ms": int(batch.deadline.remaining_ms()),
                    "margin_ms": int(batch.deadline.start_margin_ms),
                },
            )
        return BatchResult(tuple(message.message_id for message in messages), tuple(outcomes))

    def _process_one(self, message: _Message, batch: _BatchClock) -> Outcome:
        try:
            if batch.deadline is not None and not batch.deadline.allows_record():
                return self._defer(message, batch, batch.deadline)
            return self._store_event(message, batch)
        except Exception as error:  # a bug must cost this record a retry, not the batch
            return self._retry(message, batch, error)

    def _defer(self, message: _Message, batch: _BatchClock, deadline: _Deadline) -> Outcome:
        """Retry a record without attempting it; on its last receive, leave an error record saying so."""
        message.deferred = True
        if message.receive_count >= self._max_receive_count:
            left = deadline.remaining_ms()
            parsed = parse_event(message.body)  # pure and quick: the error record gets its shipment id
            message.shipment_id = parsed.shipment_id
            message.event_id = parsed.event_id
            self._record_retries_exhausted(
                message,
                batch,
                DEADLINE_EXCEEDED,
                f"not attempted: {left:.0f} ms of the invocation were left when its turn came, "
                f"not more than the {deadline.start_margin_ms:.0f} ms needed to start a record",
            )
        return Outcome.RETRIED

    def _store_event(self, message: _Message, batch: _BatchClock) -> Outcome:
        parsed = parse_event(message.body)
        message.shipment_id = parsed.shipment_id
        message.event_id = parsed.event_id
        if isinstance(parsed, Rejection):
            return self._quarantine(message, batch, parsed.reason, parsed.message)
        item = event_item(parsed, received_at=batch.received_at, expires_at=batch.expires_at)
        try:
            stored = self._store.put_event(item)
        except Exception as error:
            if classify_failure(error) is Failure.REJECTED:
                return self._quarantine(message, batch, Reason.REJECTED_BY_STORE, f"DynamoDB refused the item: {error}")
            return self._retry(message, batch, error)
        return Outcome.STORED if stored else Outcome.DUPLICATE

    def _quarantine(self, message: _Message, batch: _BatchClock, reason: Reason, why: str) -> Outcome:
        record = self._error_item(message, batch, "quarantined", reason.value, why)
        try:
            self._store.put_error_record(record)
            # SQS cannot carry an empty body; the error record alone documents it.
            if message.body:
                self._store.send_to_dead_letter_queue(
                    message.body,
                    {
                        "quarantine_reason": reason.value,
                        "source_message_id": message.message_id,
                        "error_id": record["error_id"]["S"],
                    },
                )
        except Exception as error:
            return self._retry(message, batch, error, cause=f"could not quarantine ({reason.value}: {why}): ")
        logger.warning(
            "record quarantined",
            extra=_log_fields(message, reason=reason.value, error_message=why),
        )
        return Outcome.QUARANTINED

    def _retry(self, message: _Message, batch: _BatchClock, error: Exception, *, cause: str = "") -> Outcome:
        failure = classify_failure(error)
        code = error_code(error)
        last_receive = message.receive_count >= self._max_receive_count
        logger.log(
            logging.ERROR if failure is Failure.UNEXPECTED else logging.WARNING,
            "record failed; SQS will retry it",
            exc_info=error if failure is Failure.UNEXPECTED else None,
            extra=_log_fields(
                message,
                failure=failure.value,
                error_code=code,
                error_message=f"{cause}{error}",
                last_receive=last_receive,
            ),
        )
        if last_receive:
            self._record_retries_exhausted(message, batch, code, f"{cause}{code}: {error}")
        return Outcome.RETRIED

    def _record_retries_exhausted(self, message: _Message, batch: _BatchClock, error_type: str, why: str) -> None:
        """Write the error record of a message SQS is about to dead-letter, if there is time; never raise."""
        if batch.deadline is not None and not batch.deadline.allows_error_record():
            logger.error(
                "no time left to write the error record of a message leaving for the dead-letter queue",
                extra=_log_fields(
                    message,
                    error_type=error_type,
                    error_message=why,
                    remaining_ms=int(batch.deadline.remaining_ms()),
                ),
            )
            return
        try:
            self._store.put_error_record(self._error_item(message, batch, "retries_exhausted", error_type, why))
        except Exception:
            logger.exception(
                "could not write the error record of a message leaving for the dead-letter queue",
                extra=_log_fields(message),
            )

    def _error_item(
        self, message: _Message, batch: _BatchClock, disposition: str, error_type: str, error_message: str
    ) -> dict[str, dict[str, Any]]:
        return error_item(
            message_id=message.message_id,
            recorded_at=batch.received_at,
            expires_at=batch.expires_at,
            disposition=disposition,
            error_type=error_type,
            error_message=error_message,
            raw_body=message.body,
            receive_count=message.receive_count,
            shipment_id=message.shipment_id,
            event_id=message.event_id,
        )


def _message(record: Mapping[str, Any]) -> _Message:
    message_id = record.get("messageId")
    if type(message_id) is not str or not message_id:
        raise ValueError("not an SQS batch: a record has no messageId")
    body = record.get("body")
    try:
        receive_count = int(record.get("attributes", {}).get("ApproximateReceiveCount", 1))
    except (AttributeError, TypeError, ValueError):
        # Unknown count: assume it is not the last receive (the record is
        # retried either way; only the extra error record depends on it).
        receive_count = 1
    return _Message(message_id=message_id, body=body if type(body) is str else "", receive_count=receive_count)


def _log_fields(message: _Message, **fields: Any) -> dict[str, Any]:
    return {
        "message_id": message.message_id,
        "shipment_id": message.shipment_id,
        "receive_count": message.receive_count,
        **fields,
    }
