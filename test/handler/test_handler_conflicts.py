"""Functional tests against moto: a different event under a stored key is a conflict, never a silent duplicate.

A redelivery, an archive replay or the same event written with another UTC
offset is a duplicate (same content fingerprint); a different type or data
under the same (shipment_id, event_timestamp) is recorded as a conflict, and
with ``ON_CONFLICT=quarantine`` also copied to the dead-letter queue.
"""

from __future__ import annotations

import dataclasses

import pytest
from shipment_processor.processor import BatchProcessor, Outcome
from shipment_processor.store import Store

from .shipment_factories import FIXED_NOW_NS, Pipeline, body, detail, fail_calls, record

FIRST = body(detail(event_type="picked_up", event_data={"hub": "NYC", "weight_kg": 1.5}))


def _quarantining(pipeline: Pipeline) -> BatchProcessor:
    config = dataclasses.replace(pipeline.config, on_conflict="quarantine")
    return BatchProcessor(
        store=Store(dynamodb=pipeline.dynamodb, sqs=pipeline.sqs, config=config),
        config=config,
        executor=None,
        clock=lambda: FIXED_NOW_NS,
    )


@pytest.mark.parametrize(
    "again",
    [
        pytest.param(FIRST, id="redelivery"),
        pytest.param(
            body(
                detail(
                    event_type="picked_up",
                    event_timestamp="2025-10-13T12:30:00.000+02:00",
                    event_data={"weight_kg": 1.50, "hub": "NYC"},
                ),
                id="another-envelope-id",
                time="2025-10-14T00:00:00Z",
                **{"replay-name": "backfill"},
            ),
            id="replay-with-another-offset-and-key-order",
        ),
    ],
)
def test_the_same_event_again_is_a_duplicate(pipeline: Pipeline, again: str) -> None:
    # GIVEN an event already stored
    pipeline.process([record(FIRST)])

    # WHEN the same event arrives again (redelivered, or replayed with another id, offset and key order)
    result = pipeline.process([record(again)])

    # THEN it is a duplicate: acknowledged, nothing recorded, the stored item untouched
    assert result.outcomes == (Outcome.DUPLICATE,)
    assert result.response() == {"batchItemFailures": []}
    assert pipeline.errors() == [] and pipeline.dead_letters() == []
    (item,) = pipeline.events()
    assert len(item["content_sha256"]["S"]) == 64


@pytest.mark.parametrize(
    "different",
    [
        pytest.param(body(detail(event_type="in_transit", event_data={"hub": "NYC", "weight_kg": 1.5})), id="type"),
        pytest.param(body(detail(event_type="picked_up", event_data={"hub": "LAX", "weight_kg": 1.5})), id="data"),
        pytest.param(body(detail(event_type="picked_up", event_data={"hub": "NYC"})), id="data-field-missing"),
        pytest.param(body(detail(event_type="picked_up", event_data=...)), id="no-data"),
    ],
)
def test_a_different_event_under_a_stored_key_is_a_recorded_conflict(pipeline: Pipeline, different: str) -> None:
    # GIVEN an event already stored
    pipeline.process([record(FIRST)])
    (stored,) = pipeline.events()

    # WHEN a different event arrives under the same shipment_id and event_timestamp
    conflicting = record(different)
    result = pipeline.process([conflicting])

    # THEN it is a conflict, acknowledged (ON_CONFLICT=record): the first write is kept ...
    assert result.outcomes == (Outcome.CONFLICT,)
    assert result.counts()["Conflicts"] == 1
    assert result.response() == {"batchItemFailures": []}
    assert pipeline.events() == [stored]

    # ... and an error record holds both fingerprints and the rejected body; no dead-letter copy
    (error,) = pipeline.errors()
    assert error["error_type"] == {"S": "conflict"}
    assert error["disposition"] == {"S": "recorded"}
    assert error["message_id"] == {"S": conflicting["messageId"]}
    assert error["shipment_id"] == {"S": "SHP-12345"}
    assert error["event_timestamp"] == {"S": "2025-10-13T10:30:00.000000000Z"}
    assert error["stored_content_sha256"] == stored["content_sha256"]
    assert error["content_sha256"]["S"] != stored["content_sha256"]["S"]
    assert error["raw_body"] == {"S": different}
    assert "the stored event is kept" in error["error_message"]["S"]
    assert pipeline.dead_letters() == []


def test_with_on_conflict_quarantine_the_later_event_also_goes_to_the_dead_letter_queue(pipeline: Pipeline) -> None:
    # GIVEN an event stored, and a processor configured with ON_CONFLICT=quarantine
    pipeline.process([record(FIRST)])
    different = body(detail(event_type="in_transit"))

    # WHEN a different event arrives under the same key
    conflicting = record(different)
    result = _quarantining(pipeline).process([conflicting])

    # THEN it is a conflict, its record says quarantined, and its body is in the dead-letter queue, named
    assert result.outcomes == (Outcome.CONFLICT,)
    (error,) = pipeline.errors()
    assert (error["error_type"]["S"], error["disposition"]["S"]) == ("conflict", "quarantined")
    (copy,) = pipeline.dead_letters()
    assert copy["Body"] == different
    attributes = {name: value["StringValue"] for name, value in copy["MessageAttributes"].items()}
    assert attributes == {
        "quarantine_reason": "conflict",
        "source_message_id": conflicting["messageId"],
        "error_id": error["error_id"]["S"],
    }
    assert pipeline.events()[0]["event_type"] == {"S": "picked_up"}


def test_an_item_stored_before_fingerprints_counts_as_a_duplicate(pipeline: Pipeline) -> None:
    # GIVEN an item written before the content fingerprint existed (no content_sha256)
    pipeline.process([record(FIRST)])
    (item,) = pipeline.events()
    del item["content_sha256"]
    pipeline.dynamodb.put_item(TableName=pipeline.config.events_table_name, Item=item)

    # WHEN a different event arrives under its key
    result = pipeline.process([record(body(detail(event_type="in_transit")))])

    # THEN there is nothing to compare: it counts as a duplicate, as it did when the item was written
    assert result.outcomes == (Outcome.DUPLICATE,)
    assert pipeline.errors() == []


def test_a_conflict_that_cannot_be_recorded_is_retried_not_dropped(pipeline: Pipeline) -> None:
    # GIVEN an event stored, and the errors table failing
    pipeline.process([record(FIRST)])
    fail_calls(
        pipeline.dynamodb, "PutItem", "InternalServerError", when=lambda request: "error_id" in request.get("Item", {})
    )

    # WHEN a conflicting event arrives
    conflicting = record(body(detail(event_type="in_transit")))
    result = pipeline.process([conflicting])

    # THEN it is retried (SQS redelivers it), never acknowledged unrecorded
    assert result.outcomes == (Outcome.RETRIED,)
    assert result.response() == {"batchItemFailures": [{"itemIdentifier": conflicting["messageId"]}]}


def test_conflicts_and_duplicates_in_one_batch(pipeline: Pipeline) -> None:
    # GIVEN a stored event, then a batch with a redelivery, a conflict and a new event
    pipeline.process([record(FIRST)])
    batch = [record(FIRST), record(body(detail(event_type="cancelled"))), record(body(detail(shipment_id="SHP-2")))]

    # WHEN the batch is processed
    result = pipeline.process(batch)

    # THEN each gets its own outcome, and only the conflict is recorded
    assert result.outcomes == (Outcome.DUPLICATE, Outcome.CONFLICT, Outcome.STORED)
    assert [e["message_id"]["S"] for e in pipeline.errors()] == [batch[1]["messageId"]]
