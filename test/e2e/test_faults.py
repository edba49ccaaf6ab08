"""Under injected faults the pipeline loses nothing and explains every dead letter: 2,000 events, throttles, crashes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shipment_pipeline_constructs.local import FaultInjector, LocalPipeline, generate_load

from .helpers import by_message, entry

pytestmark = pytest.mark.slow  # synthesizes an example app or runs the emulator

LOAD = 2_000


def test_every_valid_event_is_stored_once_under_throttles_and_crashes(template_path: Path) -> None:
    # GIVEN 2,000 events (10% duplicates, 5% invalid), 20% of event writes throttled, 5% of invocations crashing
    load = generate_load(LOAD, duplicate_rate=0.1, invalid_rate=0.05, seed=2026)
    faults = FaultInjector(transient_failure_rate=0.2, crash_rate=0.05, seed=2026)

    with LocalPipeline(template_path, faults=faults) as pipeline:
        # WHEN the load goes through and the queue drains
        pipeline.send(load.entries)
        assert pipeline.drain(timeout=240)
        report = pipeline.report()
        items = pipeline.scan(pipeline.events_table)
        records = pipeline.scan(pipeline.errors_table)
        dlq = pipeline.peek(pipeline.dead_letter_queue_url)
        deliveries = pipeline.mapping.ledger.deliveries
        max_receive_count = pipeline.max_receive_count

    # THEN the faults really happened
    assert faults.injected_failures > 0.1 * LOAD and faults.crashes > 0 and report["retried"] > 0
    # AND nothing is unaccounted: every matched message is stored, a duplicate, quarantined or exhausted
    assert (report["sent"], report["matched"], report["unaccounted"]) == (LOAD, LOAD, 0)
    outcomes = ("stored", "duplicates", "conflicts", "quarantined", "exhausted")
    assert sum(report[outcome] for outcome in outcomes) == LOAD and report["conflicts"] == 0

    # AND every valid event is stored exactly once, unless each of its messages exhausted its receives
    stored_ids = [item["shipment_id"]["S"] for item in items]
    assert len(stored_ids) == len(set(stored_ids))
    valid_ids = load.valid_ids
    redriven = {m["MessageId"] for m in dlq if "source_message_id" not in m.get("MessageAttributes", {})}
    missing = valid_ids - set(stored_ids)
    for shipment_id in missing:
        messages = [m for m, d in deliveries.items() if json.loads(d.body)["detail"].get("shipment_id") == shipment_id]
        assert messages and set(messages) <= redriven, f"{shipment_id} is neither stored nor in the DLQ"
    assert len(set(stored_ids)) == load.unique - len(missing)
    assert set(stored_ids) <= valid_ids

    # AND the DLQ holds only quarantined messages and messages that exhausted max_receive_count, each explained
    records_of: dict[str, set[str]] = {}
    for record in records:
        records_of.setdefault(record["message_id"]["S"], set()).add(record["disposition"]["S"])
    for message in dlq:
        source = message.get("MessageAttributes", {}).get("source_message_id", {}).get("StringValue")
        if source:
            assert "quarantined" in records_of[source]
        else:
            delivery = deliveries[message["MessageId"]]
            assert delivery.receives == max_receive_count
            # A crash on the last receive too: the record written before the attempt explains it.
            assert "retries_exhausted" in records_of.get(message["MessageId"], ())
    assert report["dlq_unexplained"] == 0
    assert report["quarantined"] == load.invalid
    assert set(by_message(records)) <= set(deliveries)


class _EveryInvocationCrashes(FaultInjector):
    """Every invocation dies at ``point``: the handler's last-receive records are all that can explain the DLQ."""

    def __init__(self, point: str) -> None:
        super().__init__()
        self.point = point

    def crash_point(self) -> str:
        self.crashes += 1
        return self.point


@pytest.mark.parametrize("point", ["before", "after"])
def test_a_crash_on_the_last_receive_leaves_the_record_written_before_the_attempt(
    template_path: Path, point: str
) -> None:
    # GIVEN invocations that always die: before any record is attempted, or after the writes, before settling
    faults = _EveryInvocationCrashes(point)
    with LocalPipeline(template_path, faults=faults) as pipeline:
        # WHEN three events go through until SQS gives up on them
        pipeline.send([entry(f"SHP-CRASH-{n}") for n in range(3)])
        assert pipeline.drain(timeout=90)
        report = pipeline.report()
        items = pipeline.scan(pipeline.events_table)
        records = pipeline.scan(pipeline.errors_table)
        dlq = pipeline.peek(pipeline.dead_letter_queue_url)

    # THEN each message is in the DLQ, explained by the record its last receive opened
    assert len(dlq) == 3 and report["dlq_unexplained"] == 0 and report["unaccounted"] == 0
    assert {r["message_id"]["S"] for r in records} == {m["MessageId"] for m in dlq}
    assert {(r["error_type"]["S"], r["disposition"]["S"]) for r in records} == {
        ("invocation_failed_on_last_receive", "retries_exhausted")
    }
    # AND a crash before the attempt wrote no event; one after the writes stored each event once
    assert len(items) == (0 if point == "before" else 3)
