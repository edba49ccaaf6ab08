"""A DynamoDB outage in the middle of a run: nothing lost, nothing stored twice, every event stored or explained."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from shipment_pipeline_constructs.local import FaultInjector, LocalPipeline, generate_load

pytestmark = pytest.mark.slow  # runs the emulator

LOAD = 300
OUTAGE_SECONDS = 20.0
# 1 s: sending is paced by the consumer (at most 30 messages wait), so on an idle machine the 300 events are
# still arriving then; at 3 s a fast run had stored everything before the outage began.
OUTAGE_AFTER_SECONDS = 1.0


def test_an_outage_shorter_than_the_receive_budget_loses_nothing_and_explains_every_dead_letter(
    template_path: Path,
) -> None:
    """What this proves: every DynamoDB write of the handler (events, error records, settling deletes) fails
    for 20 s while events keep arriving; the messages received in that window are retried across it (their
    receives fail, SQS hands them out again) and are stored, or quarantined with a record, once DynamoDB is
    back. The local visibility timeout is chosen so the outage holds at most half of a message's
    ``maxReceiveCount`` receives, as in AWS, where the budget (5 x 360 s) far outlasts a 20 s outage; so no
    message may end in the DLQ for want of receives, and any that did would have to be explained.
    """
    # GIVEN 300 events (10% duplicates, 5% invalid) and DynamoDB down from 1 s to 21 s after the start
    load = generate_load(LOAD, duplicate_rate=0.1, invalid_rate=0.05, seed=909)
    faults = FaultInjector(outage_seconds=OUTAGE_SECONDS, outage_after_seconds=OUTAGE_AFTER_SECONDS)

    with LocalPipeline(template_path, faults=faults) as pipeline:
        # WHEN the load goes through and the queue drains
        pipeline.send(load.entries)
        assert pipeline.drain(timeout=240)
        report = pipeline.report()
        items = pipeline.scan(pipeline.events_table)
        records = pipeline.scan(pipeline.errors_table)
        deliveries = pipeline.mapping.ledger.deliveries
        visibility_timeout = pipeline.visibility_timeout
        max_receive_count = pipeline.max_receive_count

    # THEN the outage really failed writes, and messages were handed out again across it
    assert faults.outage_failures > 0
    assert math.floor(OUTAGE_SECONDS / visibility_timeout) + 1 <= max_receive_count // 2
    retried_across = [d for d in deliveries.values() if d.receives >= 2]
    assert len(retried_across) >= 10, "the outage caught too few messages to prove anything"
    assert report["elapsed_seconds"] > OUTAGE_AFTER_SECONDS + OUTAGE_SECONDS

    # AND nothing is lost or unexplained: every valid event stored once, every invalid one quarantined
    assert (report["sent"], report["matched"], report["unaccounted"], report["dlq_unexplained"]) == (LOAD, LOAD, 0, 0)
    assert (report["stored"], report["duplicates"], report["quarantined"]) == (
        load.unique,
        load.duplicates,
        load.invalid,
    )
    assert report["exhausted"] == 0 and report["dlq"] == report["dlq_detail"]["quarantine_copies"] == load.invalid
    stored_ids = [item["shipment_id"]["S"] for item in items]
    assert len(stored_ids) == len(set(stored_ids)) == load.unique and set(stored_ids) == load.valid_ids
    # AND the only error records are the quarantines: no message came near its last receive
    assert sorted(record["disposition"]["S"] for record in records) == ["quarantined"] * load.invalid
