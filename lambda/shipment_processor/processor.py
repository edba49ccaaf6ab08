"""Process one SQS batch: every record ends as exactly one :class:`Outcome`.

Per record:

* valid and new: written (``stored``); valid and already there with the same
  content fingerprint (or an item stored before fingerprints existed):
  ``duplicate``, a success, never an overwrite (first write wins);
* valid, but a different event is stored under its key: ``conflict``. The
  stored event is kept; an error record ``conflict`` holds both fingerprints
  and this body, and with ``ON_CONFLICT=quarantine`` the body also goes to
  the dead-letter queue. Acknowledged either way;
* can never succeed (bad body, or DynamoDB refuses the item): ``quarantined``
  at once: an error record saying why, then the body goes to the dead-letter
  queue unchanged, and the record is reported as a success so SQS deletes it
  from the source queue without burning retries or delaying its neighbours;
* valid, but the contract's record hook raised ``RejectEvent``:
  ``quarantined`` with the hook's reason (``rejected_by_hook``);
* failed for a reason that may pass (throttling, timeouts, 5xx, a bug,
  a failed quarantine, a record hook that raised or returned what cannot be
  stored): ``retried``, reported in ``batchItemFailures`` so SQS
  redelivers only that record. When this was the last receive SQS allows
  (``ApproximateReceiveCount >= MAX_RECEIVE_COUNT``), an error record is
  written too, if there is time for it (see Deadline): SQS is about to move
  the message to the dead-letter queue, and a message that ends there should
  have a record saying why (else a log line says it).

Last receive: before any record of a batch is attempted, every record on its
last allowed receive gets an error record ``invocation_failed_on_last_receive``
(:data:`INVOCATION_FAILED_ON_LAST_RECEIVE`). It is settled when the record's
outcome is known: replaced (same key) by the quarantine, conflict,
``retries_exhausted`` or ``deadline_exceeded`` record, or, when the event is
stored or a duplicate, deleted once every record of the batch has its outcome
(a crash before that fails the whole batch, and then even a stored record's
message reaches the dead-letter queue, where the opening record explains
it). If the invocation dies first (a timeout, running out of memory, a
crash), SQS moves the message to the dead-letter queue and the record written
beforehand says why. Cost: one extra write per last-receive record, two when
it is then stored; nothing on other receives. Not covered: a crash during
the final deletes (the message then has no record), and an init failure (the
handler never runs).

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
from .contract import DEFAULT, Contract
from .dynamodb_limits import DYNAMODB_MAX_ITEM_BYTES, ITEM_SIZE_MARGIN_BYTES, MAX_ITEM_BYTES, item_bytes
from .events import Reason, Rejection, ShipmentEvent, parse_event
from .fingerprint import FINGERPRINT_ATTRIBUTE, content_fingerprint
from .items import error_item, error_key, event_item
from .store import ATTEMPT_SECONDS, WORST_CASE_CALL_SECONDS, Failure, RecordWriter, classify_failure, error_code
from .timestamps import NANOS_PER_SECOND, format_instant

__all__ = [
    "DEADLINE_EXCEEDED",
    "ERROR_RECORD_MARGIN_MS",
    "INVOCATION_FAILED_ON_LAST_RECEIVE",
    "START_MARGIN_MS",
    "STORED_CONTENT_ATTRIBUTE",
    "BatchProcessor",
    "BatchResult",
    "Outcome",
]

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
#: ``error_type`` of the record written before a last receive is attempted;
#: it stays only if the invocation ends before the record is settled.
INVOCATION_FAILED_ON_LAST_RECEIVE = "invocation_failed_on_last_receive"
#: Error-record attribute holding the stored event's fingerprint in a conflict
#: (the rejected event's is in ``content_sha256``).
STORED_CONTENT_ATTRIBUTE = "stored_content_sha256"


class Outcome(str, enum.Enum):
    """What happened to one record; the values are the EMF metric names."""

    STORED = "Stored"
    DUPLICATE = "Duplicates"
    QUARANTINED = "Quarantined"
    RETRIED = "Retried"
    CONFLICT = "Conflicts"


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
    #: The parsed body, once parsed (early on a last receive, for its record).
    parsed: ShipmentEvent | Rejection | None = None
    #: An error record was written before this last receive was attempted.
    opened: bool = False
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
        store: RecordWriter,
        config: Config,
        executor: Executor | None,
        clock: Callable[[], int] = time.time_ns,
        contract: Contract = DEFAULT,
    ) -> None:
        self._store = store
        self._contract = contract
        self._ttl_seconds = config.ttl_seconds
        self._max_receive_count = config.max_receive_count
        self._quarantine_conflicts = config.on_conflict == "quarantine"
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
        last_receives = [message for message in messages if message.receive_count >= self._max_receive_count]
        if last_receives:
            self._each(self._open_last_receive, last_receives, batch)
        outcomes = self._each(self._process_one, messages, batch)
        # Settled last: a crash before this point fails the whole batch, and then even a stored
        # record's message goes to the dead-letter queue, where its opening record explains it.
        settled = [
            message
            for message, outcome in zip(messages, outcomes, strict=True)
            if message.opened and outcome in (Outcome.STORED, Outcome.DUPLICATE)
        ]
        if settled:
            self._each(self._settle, settled, batch)
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

    def _each(
        self, work: Callable[[_Message, _BatchClock], Any], messages: list[_Message], batch: _BatchClock
    ) -> list[Any]:
        """Run ``work`` on every message, concurrently when there is an executor and more than one message."""
        if self._executor is None or len(messages) < 2:
            return [work(message, batch) for message in messages]
        return list(self._executor.map(work, messages, [batch] * len(messages)))

    def _open_last_receive(self, message: _Message, batch: _BatchClock) -> None:
        """Write the record that explains this message if the invocation dies before settling it; never raise."""
        if batch.deadline is not None and not batch.deadline.allows_error_record():
            logger.error(
                "no time left to write the error record before a last receive",
                extra=_log_fields(message, remaining_ms=int(batch.deadline.remaining_ms())),
            )
            return
        try:
            self._parse(message)
            self._store.put_error_record(
                self._error_item(
                    message,
                    batch,
                    "retries_exhausted",
                    INVOCATION_FAILED_ON_LAST_RECEIVE,
                    "the invocation ended before this message's last allowed receive was settled (a function "
                    "timeout, running out of memory, a crash, or no time left to record the outcome); SQS moves "
                    "it to the dead-letter queue",
                )
            )
            message.opened = True
        except Exception:
            # The attempt goes ahead: it may well store the event. Only a crash
            # of this very invocation would now leave the message unexplained.
            logger.exception("could not write the error record before a last receive", extra=_log_fields(message))

    def _process_one(self, message: _Message, batch: _BatchClock) -> Outcome:
        try:
            if batch.deadline is not None and not batch.deadline.allows_record():
                return self._defer(message, batch, batch.deadline)
            return self._store_event(message, batch)
        except Exception as error:  # a bug must cost this record a retry, not the batch
            return self._retry(message, batch, error)

    def _settle(self, message: _Message, batch: _BatchClock) -> None:
        """Delete the opening record of a last receive that ended well, if there is time; never raise."""
        if batch.deadline is not None and not batch.deadline.allows_error_record():
            logger.warning(
                "no time left to delete the error record of a last receive that was stored; it wrongly reports "
                f"{INVOCATION_FAILED_ON_LAST_RECEIVE}",
                extra=_log_fields(message, remaining_ms=int(batch.deadline.remaining_ms())),
            )
            return
        try:
            self._store.delete_error_record(error_key(message_id=message.message_id, recorded_at=batch.received_at))
        except Exception:
            logger.exception(
                "could not delete the error record of a last receive that was stored; it wrongly reports "
                f"{INVOCATION_FAILED_ON_LAST_RECEIVE}",
                extra=_log_fields(message),
            )

    def _parse(self, message: _Message) -> ShipmentEvent | Rejection:
        if message.parsed is None:
            message.parsed = parse_event(message.body, self._contract)
            message.shipment_id = message.parsed.shipment_id
            message.event_id = message.parsed.event_id
        return message.parsed

    def _defer(self, message: _Message, batch: _BatchClock, deadline: _Deadline) -> Outcome:
        """Retry a record without attempting it; on its last receive, leave an error record saying so."""
        message.deferred = True
        if message.receive_count >= self._max_receive_count:
            left = deadline.remaining_ms()
            self._parse(message)  # pure and quick: the error record gets its shipment id
            self._record_retries_exhausted(
                message,
                batch,
                DEADLINE_EXCEEDED,
                f"not attempted: {left:.0f} ms of the invocation were left when its turn came, "
                f"not more than the {deadline.start_margin_ms:.0f} ms needed to start a record",
            )
        return Outcome.RETRIED

    def _store_event(self, message: _Message, batch: _BatchClock) -> Outcome:
        parsed = self._parse(message)
        if isinstance(parsed, Rejection):
            return self._quarantine(message, batch, parsed.reason, parsed.message)
        # Taken before the hook: what the hook adds never turns a redelivery into a conflict.
        fingerprint = content_fingerprint(parsed)
        attributes = None
        hook = self._contract.hook
        if hook is not None:
            try:
                attributes = hook.apply(parsed)
            except hook.RejectEvent as rejection:  # the class, via the runner: no hook, no hook module loaded
                return self._quarantine(
                    message,
                    batch,
                    Reason.REJECTED_BY_HOOK,
                    f"the record hook {hook.spec} rejected the event: {rejection.reason}",
                )
            except Exception as error:  # the event is valid: a fixed hook may store it on a later receive
                return self._retry(message, batch, error, cause=f"the record hook {hook.spec} failed: ")
        item = event_item(
            parsed,
            received_at=batch.received_at,
            expires_at=batch.expires_at,
            content_sha256=fingerprint,
            attributes=attributes,
        )
        size = item_bytes(item)
        if size > MAX_ITEM_BYTES:
            too_large = (
                f"the stored item would be {size} bytes by DynamoDB's item-size rules, over the limit of "
                f"{MAX_ITEM_BYTES} (DynamoDB's {DYNAMODB_MAX_ITEM_BYTES} less a {ITEM_SIZE_MARGIN_BYTES}-byte margin)"
            )
            return self._quarantine(message, batch, Reason.TOO_LARGE, too_large)
        try:
            existing = self._store.put_event(item)
        except Exception as error:
            if classify_failure(error) is Failure.REJECTED:
                return self._quarantine(message, batch, Reason.REJECTED_BY_STORE, f"DynamoDB refused the item: {error}")
            return self._retry(message, batch, error)
        if existing is None:
            return Outcome.STORED
        # An item stored before fingerprints existed has none: a duplicate, as it was counted then.
        stored_fingerprint = existing.get(FINGERPRINT_ATTRIBUTE, {}).get("S")
        if stored_fingerprint is None or stored_fingerprint == fingerprint:
            return Outcome.DUPLICATE
        return self._conflict(message, batch, parsed, fingerprint, stored_fingerprint)

    def _conflict(
        self, message: _Message, batch: _BatchClock, event: ShipmentEvent, fingerprint: str, stored_fingerprint: str
    ) -> Outcome:
        """Record (and with ``ON_CONFLICT=quarantine`` also dead-letter) a different event under a stored key."""
        where = "it is in the dead-letter queue" if self._quarantine_conflicts else "it is kept only in this record"
        why = (
            f"a different event is already stored under shipment_id {event.shipment_id!r} and event_timestamp "
            f"{event.event_timestamp} (stored content_sha256 {stored_fingerprint}, this event's {fingerprint}); "
            f"the stored event is kept and this one is not written: {where}"
        )
        record = self._error_item(
            message,
            batch,
            "quarantined" if self._quarantine_conflicts else "recorded",
            Reason.CONFLICT.value,
            why,
            extra={
                FINGERPRINT_ATTRIBUTE: fingerprint,
                STORED_CONTENT_ATTRIBUTE: stored_fingerprint,
                "event_timestamp": event.event_timestamp,
            },
        )
        try:
            self._store.put_error_record(record)
            if self._quarantine_conflicts:
                self._dead_letter(message, Reason.CONFLICT, record)
        except Exception as error:
            return self._retry(message, batch, error, cause="could not record a conflict: ")
        logger.warning(
            "record conflicts with a stored event",
            extra=_log_fields(
                message,
                event_timestamp=event.event_timestamp,
                content_sha256=fingerprint,
                stored_content_sha256=stored_fingerprint,
                on_conflict="quarantine" if self._quarantine_conflicts else "record",
            ),
        )
        return Outcome.CONFLICT

    def _dead_letter(self, message: _Message, reason: Reason, record: Mapping[str, Any]) -> None:
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

    def _quarantine(self, message: _Message, batch: _BatchClock, reason: Reason, why: str) -> Outcome:
        record = self._error_item(message, batch, "quarantined", reason.value, why)
        try:
            self._store.put_error_record(record)
            self._dead_letter(message, reason, record)
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
        self,
        message: _Message,
        batch: _BatchClock,
        disposition: str,
        error_type: str,
        error_message: str,
        extra: dict[str, str] | None = None,
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
            extra=extra,
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
