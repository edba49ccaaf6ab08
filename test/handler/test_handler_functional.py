"""Functional tests against moto: conditional writes, duplicates, quarantine, transient failures, last receive."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from botocore.exceptions import ReadTimeoutError
from shipment_processor.processor import Outcome

from .log_fields import log_fields
from .shipment_factories import FIXED_NOW_NS, Pipeline, body, detail, event_of, fail_calls, record

RECEIVED_AT = "2025-10-13T10:30:00.000000000Z"
EXPIRES_AT = str(FIXED_NOW_NS // 10**9 + 90 * 86_400)


def _event_body(shipment_id: str, **fields: object) -> str:
    return body(detail(shipment_id=shipment_id, **fields))


def test_valid_event_is_stored_with_its_fields(pipeline: Pipeline) -> None:
    # GIVEN the seed's sample event  WHEN it is processed
    result = pipeline.process([record(body())])

    # THEN one item holds it, typed, with received time and TTL counted from receipt
    assert result.outcomes == (Outcome.STORED,)
    assert result.response() == {"batchItemFailures": []}
    (item,) = pipeline.events()
    assert item["shipment_id"] == {"S": "SHP-12345"}
    assert item["event_timestamp"] == {"S": "2025-10-13T10:30:00.000000000Z"}
    assert item["event_data"] == {"M": {"origin": {"S": "NYC"}, "destination": {"S": "LAX"}, "carrier": {"S": "FedEx"}}}
    assert item["received_at"] == {"S": RECEIVED_AT}
    assert item["expires_at"] == {"N": EXPIRES_AT}
    assert pipeline.errors() == [] and pipeline.dead_letters() == []


def test_replay_of_an_old_event_is_not_written_already_expired(pipeline: Pipeline) -> None:
    # GIVEN an archive replay of an event from two years ago
    old = body(detail(event_timestamp="2023-10-13T10:30:00Z"), **{"replay-name": "backfill"})

    # WHEN it is processed
    pipeline.process([record(old)])

    # THEN its TTL counts from receipt, not from the event's own time
    (item,) = pipeline.events()
    assert item["expires_at"] == {"N": EXPIRES_AT}
    assert item["replay_name"] == {"S": "backfill"}


def test_one_instant_written_two_ways_is_one_item(pipeline: Pipeline) -> None:
    # GIVEN one instant in UTC and in +02:00 with milliseconds  WHEN both are processed in separate batches
    first = pipeline.process([record(_event_body("SHP-1", event_timestamp="2025-10-13T10:30:00Z"))])
    second = pipeline.process([record(_event_body("SHP-1", event_timestamp="2025-10-13T12:30:00.000+02:00"))])

    # THEN there is one item
    assert (first.outcomes, second.outcomes) == ((Outcome.STORED,), (Outcome.DUPLICATE,))
    assert len(pipeline.events()) == 1


def test_duplicates_within_one_batch(pipeline: Pipeline) -> None:
    # GIVEN a batch in which the same event arrives three times between two others
    # (sequential: moto's conditional put is not atomic across threads, DynamoDB's is)
    records = [record(_event_body(shipment)) for shipment in ("SHP-1", "SHP-2", "SHP-2", "SHP-3", "SHP-2")]

    # WHEN it is processed
    result = pipeline.sequential().process(records)

    # THEN one of the three is stored and two are duplicates
    assert result.outcomes == (
        Outcome.STORED,
        Outcome.STORED,
        Outcome.DUPLICATE,
        Outcome.STORED,
        Outcome.DUPLICATE,
    )
    assert len(pipeline.events()) == 3


@pytest.mark.parametrize(
    ("message", "error_type", "shipment_id"),
    [
        ("{not json", "invalid_json", None),
        (body(detail=...), "missing_field", None),
        (body(detail(event_timestamp="2025-10-13T10:30:00")), "invalid_timestamp", "SHP-12345"),
        (
            body(detail(event_data={"weight_kg": 1})).replace('"weight_kg": 1', '"weight_kg": 1, "weight_kg": 2'),
            "duplicate_key",
            "SHP-12345",
        ),
    ],
)
def test_invalid_message_is_quarantined_at_once(
    pipeline: Pipeline, caplog: pytest.LogCaptureFixture, message: str, error_type: str, shipment_id: str | None
) -> None:
    # GIVEN a bad message next to a good one, on its first receive
    bad, good = record(message), record(_event_body("SHP-OK"))

    # WHEN the batch is processed
    with caplog.at_level(logging.INFO):
        result = pipeline.process([bad, good])

    # THEN the good one is stored, and the bad one is not retried
    assert result.outcomes == (Outcome.QUARANTINED, Outcome.STORED)
    assert result.response() == {"batchItemFailures": []}

    # AND an error record says why, keeps the body, and sits in the day partition
    (error,) = pipeline.errors()
    assert error["error_date"] == {"S": "2025-10-13"}
    assert error["error_id"] == {"S": f"{RECEIVED_AT}#{bad['messageId']}"}
    assert error["disposition"] == {"S": "quarantined"}
    assert error["error_type"] == {"S": error_type}
    assert error["error_message"]["S"]
    assert error["raw_body"] == {"S": message}
    assert error["receive_count"] == {"N": "1"}
    assert error["expires_at"] == {"N": EXPIRES_AT}
    assert error.get("shipment_id") == ({"S": shipment_id} if shipment_id else None)

    # AND the message itself, unchanged, is in the dead-letter queue with why
    (dead_letter,) = pipeline.dead_letters()
    assert dead_letter["Body"] == message
    attributes = {name: value["StringValue"] for name, value in dead_letter["MessageAttributes"].items()}
    assert attributes == {
        "quarantine_reason": error_type,
        "source_message_id": bad["messageId"],
        "error_id": error["error_id"]["S"],
    }

    # AND one log line names the message and the shipment
    (line,) = [r for r in caplog.records if r.getMessage() == "record quarantined"]
    assert log_fields(line, "message_id", "shipment_id", "reason") == (bad["messageId"], shipment_id, error_type)


def test_error_records_are_queryable_by_day_and_by_shipment(pipeline: Pipeline) -> None:
    # GIVEN two bad messages, one whose shipment id is known
    pipeline.process([record(_event_body("SHP-9", event_type="")), record("garbage")])

    # WHEN the day partition and the shipment index are queried
    by_day = pipeline.dynamodb.query(
        TableName=pipeline.config.errors_table_name,
        KeyConditionExpression="error_date = :day",
        ExpressionAttributeValues={":day": {"S": "2025-10-13"}},
    )["Items"]
    by_shipment = pipeline.dynamodb.query(
        TableName=pipeline.config.errors_table_name,
        IndexName="by-shipment",
        KeyConditionExpression="shipment_id = :id",
        ExpressionAttributeValues={":id": {"S": "SHP-9"}},
    )["Items"]

    # THEN the day holds both, the index only the one with a shipment id, and no event was written
    assert len(by_day) == 2
    assert [item["error_type"]["S"] for item in by_shipment] == ["invalid_field"]
    assert pipeline.events() == []


def test_empty_body_is_quarantined_without_a_dead_letter_copy(pipeline: Pipeline) -> None:
    # GIVEN an empty body (SQS could not carry it back)  WHEN it is processed
    result = pipeline.process([record("")])

    # THEN the error record alone documents it
    assert result.outcomes == (Outcome.QUARANTINED,)
    assert [e["error_type"]["S"] for e in pipeline.errors()] == ["empty_body"]
    assert pipeline.dead_letters() == []


@pytest.mark.parametrize(
    "error",
    [
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "InternalServerError",
        ReadTimeoutError(endpoint_url="u"),
    ],
    ids=str,
)
def test_transient_failure_retries_only_that_record(
    pipeline: Pipeline, caplog: pytest.LogCaptureFixture, error: object
) -> None:
    # GIVEN writes of SHP-2 fail transiently
    fail_calls(pipeline.dynamodb, "PutItem", error, when=event_of("SHP-2"))  # type: ignore[arg-type]
    records = [record(_event_body(f"SHP-{n}")) for n in (1, 2, 3)]

    # WHEN a batch with SHP-1..3 is processed (not the last receive)
    with caplog.at_level(logging.INFO):
        result = pipeline.process(records)

    # THEN only SHP-2 is reported for retry; the others are stored; no error record yet
    assert result.outcomes == (Outcome.STORED, Outcome.RETRIED, Outcome.STORED)
    assert result.response() == {"batchItemFailures": [{"itemIdentifier": records[1]["messageId"]}]}
    assert sorted(item["shipment_id"]["S"] for item in pipeline.events()) == ["SHP-1", "SHP-3"]
    assert pipeline.errors() == [] and pipeline.dead_letters() == []
    (line,) = [r for r in caplog.records if r.getMessage() == "record failed; SQS will retry it"]
    assert log_fields(line, "message_id", "shipment_id", "failure") == (records[1]["messageId"], "SHP-2", "transient")


def test_last_receive_failure_writes_an_error_record_and_still_fails(pipeline: Pipeline) -> None:
    # GIVEN SHP-2 is throttled on the receive SQS allows last (MAX_RECEIVE_COUNT = 5)
    fail_calls(pipeline.dynamodb, "PutItem", "ThrottlingException", when=event_of("SHP-2"))
    last = record(_event_body("SHP-2"), receive_count=5)

    # WHEN it is processed
    result = pipeline.process([last, record(_event_body("SHP-1"))])

    # THEN it is still reported (SQS moves it to the dead-letter queue itself) and a record says why
    assert result.response() == {"batchItemFailures": [{"itemIdentifier": last["messageId"]}]}
    (error,) = pipeline.errors()
    assert error["disposition"] == {"S": "retries_exhausted"}
    assert error["error_type"] == {"S": "ThrottlingException"}
    assert "ThrottlingException" in error["error_message"]["S"]
    assert error["shipment_id"] == {"S": "SHP-2"}
    assert error["receive_count"] == {"N": "5"}
    assert pipeline.dead_letters() == []  # SQS's redrive moves it, not the handler


def test_unexpected_bug_in_one_record_costs_only_that_record(
    pipeline: Pipeline, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN writing SHP-2 hits a bug
    fail_calls(pipeline.dynamodb, "PutItem", RuntimeError("boom"), when=event_of("SHP-2"))

    # WHEN a batch of three is processed
    with caplog.at_level(logging.INFO):
        result = pipeline.process([record(_event_body(f"SHP-{n}")) for n in (1, 2, 3)])

    # THEN the other two are stored, the bug is logged with its traceback, and SHP-2 is retried
    assert result.outcomes == (Outcome.STORED, Outcome.RETRIED, Outcome.STORED)
    (line,) = [r for r in caplog.records if r.getMessage() == "record failed; SQS will retry it"]
    assert line.levelno == logging.ERROR and line.exc_info and log_fields(line, "failure") == ("unexpected",)


def test_item_refused_by_dynamodb_is_quarantined(pipeline: Pipeline) -> None:
    # GIVEN DynamoDB refuses SHP-2's item although it passed validation
    fail_calls(pipeline.dynamodb, "PutItem", "ValidationException", when=event_of("SHP-2"))
    refused = record(_event_body("SHP-2"))

    # WHEN it is processed
    result = pipeline.process([refused])

    # THEN it is quarantined like any permanently invalid message
    assert result.outcomes == (Outcome.QUARANTINED,)
    (error,) = [e for e in pipeline.errors() if e["message_id"]["S"] == refused["messageId"]]
    assert error["error_type"] == {"S": "rejected_by_store"}
    assert "DynamoDB refused the item" in error["error_message"]["S"]
    assert [m["Body"] for m in pipeline.dead_letters()] == [refused["body"]]


def test_failed_dead_letter_send_keeps_the_message_in_the_queue(pipeline: Pipeline) -> None:
    # GIVEN the dead-letter queue is unavailable
    fail_calls(pipeline.sqs, "SendMessage", "ServiceUnavailable")
    bad = record("{not json")

    # WHEN a bad message is processed
    result = pipeline.process([bad])

    # THEN it is retried rather than deleted (its error record is written, the copy is not)
    assert result.response() == {"batchItemFailures": [{"itemIdentifier": bad["messageId"]}]}
    assert [e["disposition"]["S"] for e in pipeline.errors()] == ["quarantined"]


def test_failed_error_record_write_keeps_the_message_and_sends_no_copy(pipeline: Pipeline) -> None:
    # GIVEN the errors table is throttled
    fail_calls(
        pipeline.dynamodb,
        "PutItem",
        "ProvisionedThroughputExceededException",
        when=lambda request: request.get("TableName") == pipeline.config.errors_table_name,
    )
    bad = record("{not json")

    # WHEN a bad message is processed
    result = pipeline.process([bad])

    # THEN it is retried, and nothing went to the dead-letter queue
    assert result.response() == {"batchItemFailures": [{"itemIdentifier": bad["messageId"]}]}
    assert pipeline.dead_letters() == []


def test_failed_quarantine_on_the_last_receive_still_leaves_a_record(pipeline: Pipeline) -> None:
    # GIVEN the dead-letter queue is unavailable and a bad message is on its last receive
    fail_calls(pipeline.sqs, "SendMessage", "ServiceUnavailable")
    bad = record("{not json", receive_count=5)

    # WHEN it is processed
    result = pipeline.process([bad])

    # THEN it is retried (SQS redrives it) and a retries_exhausted record explains both failures
    assert result.outcomes == (Outcome.RETRIED,)
    exhausted = [e for e in pipeline.errors() if e["disposition"]["S"] == "retries_exhausted"]
    assert len(exhausted) == 1
    assert "could not quarantine (invalid_json" in exhausted[0]["error_message"]["S"]


# --- the last receive: a record is written before the attempt, then settled ----------------------


def _calls(client: Any) -> list[str]:
    """Every operation ``client`` sends from now on, in order."""
    sent: list[str] = []
    client.meta.events.register("before-call.*.*", lambda model, **_: sent.append(model.name))
    return sent


def test_a_last_receive_that_is_stored_leaves_no_record(pipeline: Pipeline) -> None:
    # GIVEN a valid event on its last receive
    calls = _calls(pipeline.dynamodb)

    # WHEN it is processed
    result = pipeline.process([record(_event_body("SHP-1"), receive_count=5)])

    # THEN it is stored, and the record written before the attempt was deleted after it: two extra writes
    assert result.outcomes == (Outcome.STORED,)
    assert calls == ["PutItem", "PutItem", "DeleteItem"]
    assert pipeline.errors() == []


def test_a_last_receive_that_is_quarantined_has_one_record(pipeline: Pipeline) -> None:
    # GIVEN an invalid message on its last receive  WHEN it is processed
    bad = record("{not json", receive_count=5)
    calls = _calls(pipeline.dynamodb)
    result = pipeline.process([bad])

    # THEN the quarantine record replaced the one written before the attempt (same key): one extra write
    assert result.outcomes == (Outcome.QUARANTINED,)
    assert calls == ["PutItem", "PutItem"]
    (error,) = pipeline.errors()
    assert (error["disposition"]["S"], error["error_type"]["S"]) == ("quarantined", "invalid_json")


class _InvocationDied(BaseException):
    """A function timeout or out-of-memory: nothing in the handler catches it."""


def test_an_invocation_that_dies_on_a_last_receive_leaves_a_record_findable_by_message_id(pipeline: Pipeline) -> None:
    # GIVEN a batch with a record on its last receive and one not, and the invocation dying at the event writes
    def die(params: dict[str, Any], **_: Any) -> None:
        if b"event_timestamp" in (params.get("body") or b"") and b"error_id" not in params["body"]:
            raise _InvocationDied

    pipeline.dynamodb.meta.events.register("before-call.dynamodb.PutItem", die)
    last, not_last = record(_event_body("SHP-1"), receive_count=5), record(_event_body("SHP-2"))

    # WHEN the batch is processed (sequentially), and the invocation dies
    with pytest.raises(_InvocationDied):
        pipeline.sequential().process([last, not_last])

    # THEN Lambda fails the batch and SQS dead-letters the last receive, which has a record saying why,
    # found by its SQS message id; the other is retried by SQS and needs none
    (error,) = pipeline.errors()
    assert error["message_id"] == {"S": last["messageId"]}
    assert error["error_id"] == {"S": f"{RECEIVED_AT}#{last['messageId']}"}
    assert (error["disposition"]["S"], error["error_type"]["S"]) == (
        "retries_exhausted",
        "invocation_failed_on_last_receive",
    )
    assert error["shipment_id"] == {"S": "SHP-1"}
    assert error["raw_body"] == {"S": last["body"]}
    assert "invocation ended before" in error["error_message"]["S"]
