"""The invocation deadline: records that cannot be started in time are retried untouched, nothing else changes.

Time is a :class:`FakeClock` that only the fake store advances (a slow call is
a call that moves the clock), so nothing sleeps and every run is the same.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from shipment_processor.processor import (
    DEADLINE_EXCEEDED,
    ERROR_RECORD_MARGIN_MS,
    INVOCATION_FAILED_ON_LAST_RECEIVE,
    START_MARGIN_MS,
    BatchProcessor,
    BatchResult,
    Outcome,
)
from shipment_processor.store import ATTEMPT_SECONDS, WORST_CASE_CALL_SECONDS

from .log_fields import log_fields
from .memory_store import Latency, MemoryStore
from .shipment_factories import CONFIG, FIXED_NOW_NS, FakeClock, FakeContext, body, detail, record

TIMEOUT_MS = 60_000  # the construct's default function timeout


def _processor(store: MemoryStore, executor: Any = None) -> BatchProcessor:
    return BatchProcessor(store=store, config=CONFIG, executor=executor, clock=lambda: FIXED_NOW_NS)


def _events(*shipment_ids: str, receive_count: int = 1) -> list[dict[str, Any]]:
    return [record(body(detail(shipment_id=s)), receive_count=receive_count) for s in shipment_ids]


def _first_write_takes(milliseconds: float) -> Latency:
    """A store whose first event write takes ``milliseconds`` and every other call no time."""
    first = threading.Event()

    def latency(operation: str, item: Any) -> float:
        if operation == "put_event" and not first.is_set():
            first.set()
            return milliseconds
        return 0

    return latency


def _failures(result: BatchResult) -> list[str]:
    return [failure["itemIdentifier"] for failure in result.response()["batchItemFailures"]]


def test_margins_follow_from_the_client_configuration() -> None:
    # GIVEN / WHEN / THEN a record starts only with a worst-case call's time left (3 x (2 s + 5 s) + 1 s + 2 s
    # of backoff), and an optional error record only with one attempt's timeouts left
    assert (WORST_CASE_CALL_SECONDS, ATTEMPT_SECONDS) == (24, 7)
    assert (START_MARGIN_MS, ERROR_RECORD_MARGIN_MS) == (24_000, 7_000)


def test_without_a_context_there_is_no_deadline() -> None:
    # GIVEN a store whose every call takes longer than any function timeout
    clock = FakeClock()
    store = MemoryStore(clock, lambda operation, item: 10 * TIMEOUT_MS)

    # WHEN a batch is processed without a remaining-time function (tests, the benchmark)
    result = _processor(store).process(_events("SHP-1", "SHP-2", "SHP-3"))

    # THEN every record is attempted and stored
    assert result.outcomes == (Outcome.STORED,) * 3
    assert len(store.events) == 3


def test_with_plenty_of_time_nothing_changes(caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN a mixed batch: new, duplicate, invalid, and a write failing on its last receive
    def batch() -> list[dict[str, Any]]:
        return [
            *_events("SHP-1", "SHP-1"),
            record("{not json"),
            *_events("SHP-THROTTLED", receive_count=5),
        ]

    def run(with_context: bool) -> tuple[BatchResult, MemoryStore]:
        clock = FakeClock()
        store = MemoryStore(clock, lambda operation, item: 50)  # every call 50 ms
        store.throttled.add("SHP-THROTTLED")
        context = FakeContext(clock, TIMEOUT_MS)
        remaining = context.get_remaining_time_in_millis if with_context else None
        return _processor(store).process(batch(), remaining_ms=remaining), store

    # WHEN it is processed with a full function timeout ahead, and without any deadline
    with caplog.at_level(logging.INFO):
        (with_deadline, store), (without, reference) = run(True), run(False)

    # THEN the outcomes and every write are the same, and nothing is deferred
    expected = (Outcome.STORED, Outcome.DUPLICATE, Outcome.QUARANTINED, Outcome.RETRIED)
    assert with_deadline.outcomes == without.outcomes == expected
    assert [operation for operation, _ in store.calls] == [operation for operation, _ in reference.calls]
    assert sorted(e["error_type"]["S"] for e in store.errors) == ["ThrottlingException", "invalid_json"]
    assert len(store.dead_letters) == 1
    assert not [r for r in caplog.records if r.getMessage().startswith("records deferred")]


def test_records_not_started_in_time_are_retried_untouched(caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN a 60 s invocation whose first write takes 40 s, leaving 20 s: less than the 24 s margin
    clock = FakeClock()
    store = MemoryStore(clock, _first_write_takes(40_000))
    records = [*_events("SHP-1", "SHP-2", "SHP-3"), record("{not json")]
    context = FakeContext(clock, TIMEOUT_MS)

    # WHEN the batch is processed (one record after the other)
    with caplog.at_level(logging.INFO):
        result = _processor(store).process(records, remaining_ms=context.get_remaining_time_in_millis)

    # THEN the record written in time is stored; the others are retried without a single call
    assert result.outcomes == (Outcome.STORED, Outcome.RETRIED, Outcome.RETRIED, Outcome.RETRIED)
    assert _failures(result) == [r["messageId"] for r in records[1:]]
    assert store.calls == [("put_event", "SHP-1")]
    assert store.errors == [] and store.dead_letters == []  # not their last receive; the bad one waits its turn
    assert result.counts() == {
        "Received": 4,
        "Stored": 1,
        "Duplicates": 0,
        "Quarantined": 0,
        "Retried": 3,
        "Conflicts": 0,
    }

    # AND one line says how many were deferred and how much time was left; no per-record failure lines
    (line,) = [r for r in caplog.records if r.getMessage().startswith("records deferred")]
    assert log_fields(line, "deferred", "remaining_ms", "margin_ms") == (3, 20_000, START_MARGIN_MS)
    assert line.levelno == logging.WARNING
    assert not [r for r in caplog.records if r.getMessage() == "record failed; SQS will retry it"]


def test_writes_in_flight_at_the_deadline_are_waited_for() -> None:
    # GIVEN two writers, and the two first writes both in flight when the clock jumps to 10 s left
    clock = FakeClock()
    # The barrier's action runs once both writes have started, before either may finish.
    both_in_flight = threading.Barrier(2, action=lambda: clock.advance(TIMEOUT_MS - 10_000), timeout=10)

    def latency(operation: str, item: Any) -> float:
        if item["shipment_id"]["S"] in ("SHP-1", "SHP-2"):
            both_in_flight.wait()
        return 0

    store = MemoryStore(clock, latency)
    records = _events("SHP-1", "SHP-2", "SHP-3", "SHP-4")
    context = FakeContext(clock, TIMEOUT_MS)

    # WHEN the batch is processed on the writer pool
    with ThreadPoolExecutor(max_workers=2) as executor:
        result = _processor(store, executor).process(records, remaining_ms=context.get_remaining_time_in_millis)

    # THEN both writes in flight finished and count as stored; the two not started are retried
    assert result.outcomes == (Outcome.STORED, Outcome.STORED, Outcome.RETRIED, Outcome.RETRIED)
    assert sorted(shipment for shipment, _ in store.events) == ["SHP-1", "SHP-2"]
    assert _failures(result) == [records[2]["messageId"], records[3]["messageId"]]
    assert sorted(store.calls) == [("put_event", "SHP-1"), ("put_event", "SHP-2")]


def test_a_deferred_record_on_its_last_receive_gets_a_deadline_exceeded_record() -> None:
    # GIVEN 20 s left after the first write (above the 7 s an error record needs), and the next two
    # records deferred: one on its last receive, one not
    clock = FakeClock()
    store = MemoryStore(clock, _first_write_takes(40_000))
    first, last, not_last = [*_events("SHP-1"), *_events("SHP-2", receive_count=5), *_events("SHP-3")]
    context = FakeContext(clock, TIMEOUT_MS)

    # WHEN the batch is processed
    result = _processor(store).process([first, last, not_last], remaining_ms=context.get_remaining_time_in_millis)

    # THEN both are retried, and only the one SQS will dead-letter has an error record, saying why
    assert result.outcomes == (Outcome.STORED, Outcome.RETRIED, Outcome.RETRIED)
    assert _failures(result) == [last["messageId"], not_last["messageId"]]
    (error,) = store.errors
    assert error["message_id"] == {"S": last["messageId"]}
    assert error["disposition"] == {"S": "retries_exhausted"}
    assert error["error_type"] == {"S": DEADLINE_EXCEEDED}
    assert error["error_message"]["S"].startswith("not attempted: 20000 ms of the invocation were left")
    assert error["shipment_id"] == {"S": "SHP-2"}  # queryable by shipment like any other record
    assert error["receive_count"] == {"N": "5"}
    assert ("put_event", "SHP-2") not in store.calls
    # (the record opened before the batch was replaced by this one: same key)
    assert [operation for operation, subject in store.calls if subject == last["messageId"]] == [
        "put_error_record",
        "put_error_record",
    ]


def test_without_time_for_it_the_error_record_is_logged_and_the_opening_record_explains(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN the first write leaves 5 s: too little for a record, and for an error record (7 s)
    clock = FakeClock()
    store = MemoryStore(clock, _first_write_takes(TIMEOUT_MS - 5_000))
    first, last = [*_events("SHP-1"), *_events("SHP-2", receive_count=5)]
    context = FakeContext(clock, TIMEOUT_MS)

    # WHEN the batch is processed
    with caplog.at_level(logging.INFO):
        result = _processor(store).process([first, last], remaining_ms=context.get_remaining_time_in_millis)

    # THEN the last-receive record is still retried (never acknowledged), no late error record is attempted,
    # and a log line names the message instead
    assert result.outcomes == (Outcome.STORED, Outcome.RETRIED)
    assert store.calls == [("put_error_record", last["messageId"]), ("put_event", "SHP-1")]
    (line,) = [r for r in caplog.records if r.getMessage().startswith("no time left to write the error record")]
    assert log_fields(line, "message_id", "error_type", "remaining_ms") == (last["messageId"], DEADLINE_EXCEEDED, 5_000)

    # AND the record written before the batch (with a full minute left) explains its dead-letter copy
    (error,) = store.errors
    assert error["message_id"] == {"S": last["messageId"]}
    assert (error["disposition"]["S"], error["error_type"]["S"]) == (
        "retries_exhausted",
        INVOCATION_FAILED_ON_LAST_RECEIVE,
    )


def test_a_failed_write_on_its_last_receive_skips_its_late_error_record_when_time_is_short() -> None:
    # GIVEN a write on its last receive that is throttled after using all but 5 s of the invocation
    clock = FakeClock()
    store = MemoryStore(clock, _first_write_takes(TIMEOUT_MS - 5_000))
    store.throttled.add("SHP-1")
    (last,) = _events("SHP-1", receive_count=5)
    context = FakeContext(clock, TIMEOUT_MS)

    # WHEN it is processed
    result = _processor(store).process([last], remaining_ms=context.get_remaining_time_in_millis)

    # THEN it is retried as always, without the error record that could outlast the function;
    # the record written before the attempt stays and explains it
    assert result.outcomes == (Outcome.RETRIED,)
    assert [operation for operation, _ in store.calls] == ["put_error_record", "put_event"]
    assert [e["error_type"]["S"] for e in store.errors] == [INVOCATION_FAILED_ON_LAST_RECEIVE]


def test_a_record_started_in_time_finishes_its_quarantine() -> None:
    # GIVEN a first write that leaves 25 s (just above the margin), then a bad message whose
    # error record write takes 20 s, leaving 5 s for its dead-letter copy
    clock = FakeClock()
    slow = {"put_event": 35_000, "put_error_record": 20_000}
    store = MemoryStore(clock, lambda operation, item: slow.get(operation, 0))
    records = [*_events("SHP-1"), record("{not json")]
    context = FakeContext(clock, TIMEOUT_MS)

    # WHEN the batch is processed
    result = _processor(store).process(records, remaining_ms=context.get_remaining_time_in_millis)

    # THEN the quarantine it started completes (error record and copy) and is acknowledged
    assert result.outcomes == (Outcome.STORED, Outcome.QUARANTINED)
    assert [operation for operation, _ in store.calls] == ["put_event", "put_error_record", "send_to_dead_letter_queue"]
    assert store.dead_letter_bodies == ["{not json"]


@pytest.mark.parametrize("timeout_ms", [1_000, 3_000, 10_000])
def test_short_function_timeouts_still_make_progress(timeout_ms: int) -> None:
    # GIVEN a function timeout below the 24 s margin (the construct allows 1 s) and a healthy store
    clock = FakeClock()
    store = MemoryStore(clock, lambda operation, item: 5)
    context = FakeContext(clock, timeout_ms)

    # WHEN a batch is processed
    result = _processor(store).process(
        _events("SHP-1", "SHP-2", "SHP-3"), remaining_ms=context.get_remaining_time_in_millis
    )

    # THEN the margin is capped at half the time left, so records are written rather than deferred forever
    assert result.outcomes == (Outcome.STORED,) * 3


def test_with_no_time_left_nothing_is_attempted() -> None:
    # GIVEN an invocation with nothing left, and a batch with a bad message and a last receive
    clock = FakeClock()
    context = FakeContext(clock, 0)
    store = MemoryStore(clock)
    records = [*_events("SHP-1"), record("{not json"), *_events("SHP-2", receive_count=5)]

    # WHEN it is processed
    result = _processor(store).process(records, remaining_ms=context.get_remaining_time_in_millis)

    # THEN every record is retried and no call is made at all
    assert result.outcomes == (Outcome.RETRIED,) * 3
    assert _failures(result) == [r["messageId"] for r in records]
    assert store.calls == []
