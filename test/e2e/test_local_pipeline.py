"""The pipeline's promises, end to end: the synthesized template and the bundled handler on the local emulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shipment_pipeline_constructs.cli import main
from shipment_pipeline_constructs.local import LocalPipeline, read_entries

from .helpers import by_message, entry

pytestmark = pytest.mark.slow  # synthesizes an example app or runs the emulator

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "basic" / "sample-event.json"
REPORT_KEYS = {
    "sent",
    "matched",
    "stored",
    "duplicates",
    "conflicts",
    "dlq_unexplained",
    "quarantined",
    "retried",
    "dlq",
    "target_dlq",
    "unaccounted",
    "events_per_second",
}


def test_sample_event_is_stored_as_exactly_one_item(pipeline: LocalPipeline) -> None:
    # GIVEN examples/basic/sample-event.json (it names the prod bus; the runner sends it to the local one)
    entries = read_entries(SAMPLE)

    # WHEN it is put on the bus and the queue drains
    sent = pipeline.send(entries)
    assert pipeline.drain(timeout=30)

    # THEN exactly one item holds it, with the canonical timestamp and its data
    items = pipeline.scan(pipeline.events_table)
    assert sent.sent == 1 and sent.retargeted == 1
    assert len(items) == 1
    item = items[0]
    assert item["shipment_id"] == {"S": "SHP-12345"}
    assert item["event_timestamp"] == {"S": "2025-10-13T10:30:00.000000000Z"}
    assert item["event_type"] == {"S": "created"}
    assert item["source"] == {"S": "shipment.service"}
    assert item["detail_type"] == {"S": "shipment.created"}
    assert item["event_data"] == {"M": {"origin": {"S": "NYC"}, "destination": {"S": "LAX"}, "carrier": {"S": "FedEx"}}}
    assert int(item["expires_at"]["N"]) > 0 and "replay_name" not in item
    report = pipeline.report()
    assert REPORT_KEYS <= report.keys()
    assert (report["sent"], report["matched"], report["stored"], report["unaccounted"]) == (1, 1, 1, 0)


def test_duplicates_and_one_instant_in_two_time_zones_are_stored_once(pipeline: LocalPipeline) -> None:
    # GIVEN one event sent three times, then the same instant written as +02:00 and with milliseconds
    same = entry("SHP-DUP-1", "2025-10-13T10:30:00Z")
    entries = [
        same,
        same,
        same,
        entry("SHP-DUP-1", "2025-10-13T12:30:00+02:00"),
        entry("SHP-DUP-1", "2025-10-13T10:30:00.000Z"),
    ]

    # WHEN they go through the pipeline
    pipeline.send(entries)
    assert pipeline.drain(timeout=30)

    # THEN one item exists and the four others are counted as duplicates
    items = pipeline.scan(pipeline.events_table)
    assert [(i["shipment_id"]["S"], i["event_timestamp"]["S"]) for i in items] == [
        ("SHP-DUP-1", "2025-10-13T10:30:00.000000000Z")
    ]
    report = pipeline.report()
    assert (report["matched"], report["stored"], report["duplicates"], report["unaccounted"]) == (5, 1, 4, 0)


def test_a_different_event_under_a_stored_key_is_a_conflict_with_a_record(pipeline: LocalPipeline) -> None:
    # GIVEN an event, then a different one (another type and data) under the same shipment id and instant,
    # then a redelivery of the first written with another UTC offset
    first = entry("SHP-CONFLICT-1", "2025-10-13T10:30:00Z", event_data={"hub": "NYC"})
    other = entry("SHP-CONFLICT-1", "2025-10-13T10:30:00Z", event_data={"hub": "LAX"})
    other["Detail"] = other["Detail"].replace('"created"', '"in_transit"')
    same_again = entry("SHP-CONFLICT-1", "2025-10-13T12:30:00+02:00", event_data={"hub": "NYC"})

    # WHEN they go through the pipeline one after the other
    for one in (first, other, same_again):
        pipeline.send([one])
        assert pipeline.drain(timeout=30)

    # THEN the first is stored and kept, the redelivery is a duplicate, the different event a recorded conflict
    (item,) = pipeline.scan(pipeline.events_table)
    assert item["event_type"] == {"S": "created"}
    report = pipeline.report()
    assert (report["stored"], report["duplicates"], report["conflicts"], report["unaccounted"]) == (1, 1, 1, 0)
    (record,) = pipeline.scan(pipeline.errors_table)
    assert (record["error_type"], record["disposition"]) == ({"S": "conflict"}, {"S": "recorded"})
    assert record["stored_content_sha256"] == item["content_sha256"] != record["content_sha256"]
    assert '"in_transit"' in record["raw_body"]["S"]
    assert (report["dlq"], report["dlq_unexplained"]) == (0, 0)


def test_invalid_events_are_quarantined_at_once_and_valid_neighbours_stored(pipeline: LocalPipeline) -> None:
    # GIVEN valid and invalid events interleaved, so batches mix them
    valid = [entry(f"SHP-OK-{n}") for n in range(12)]
    invalid = [
        entry("SHP-BAD-TZ", "2025-10-13T10:30:00"),  # no time zone
        entry("SHP-BAD-DATA", event_data=["not", "an", "object"]),
        {
            "Source": "shipment.service",
            "DetailType": "shipment.created",
            "Detail": json.dumps({"event_type": "created"}),
        },
    ]
    entries = valid[:4] + invalid[:1] + valid[4:8] + invalid[1:] + valid[8:]

    # WHEN they go through the pipeline
    pipeline.send(entries)
    assert pipeline.drain(timeout=30)

    # THEN every valid event is stored, every invalid one was received once, quarantined with a reason,
    # and its message is kept in the quarantine queue (body unchanged) for redrive
    report = pipeline.report()
    assert (report["stored"], report["quarantined"], report["retried"], report["unaccounted"]) == (12, 3, 0, 0)
    deliveries = pipeline.mapping.ledger.deliveries
    quarantined_ids = {m for m, d in deliveries.items() if "SHP-OK" not in d.body}
    assert all(deliveries[m].receives == 1 for m in quarantined_ids)
    records = by_message(pipeline.scan(pipeline.errors_table))
    assert set(records) == quarantined_ids
    assert {r["disposition"]["S"] for r in records.values()} == {"quarantined"}
    assert {r["error_type"]["S"] for r in records.values()} == {
        "invalid_timestamp",
        "invalid_event_data",
        "missing_field",
    }
    assert all(r["error_message"]["S"] for r in records.values())
    quarantine = pipeline.peek(pipeline.quarantine_queue_url)
    assert {m["MessageAttributes"]["source_message_id"]["StringValue"] for m in quarantine} == quarantined_ids
    assert {m["Body"] for m in quarantine} == {deliveries[m].body for m in quarantined_ids}
    assert len(pipeline.peek(pipeline.quarantine_queue_url)) == 3  # peeking leaves them there
    # and the DLQ, which pages, holds none of them: nothing exhausted its retries
    assert pipeline.peek(pipeline.dead_letter_queue_url) == []


def test_events_from_another_source_are_not_matched(pipeline: LocalPipeline) -> None:
    # GIVEN well-formed shipment events from other sources, and one from the pipeline's source
    entries = [
        entry("SHP-OTHER-1", source="billing.service"),
        entry("SHP-OTHER-2", source="shipment.service.test"),
        entry("SHP-MINE-1"),
    ]

    # WHEN they are put on the pipeline's bus
    sent = pipeline.send(entries)
    assert pipeline.drain(timeout=30)

    # THEN only the pipeline's own source reaches the queue and the table
    report = pipeline.report()
    assert (sent.sent, report["matched"], report["stored"]) == (3, 1, 1)
    assert [i["shipment_id"]["S"] for i in pipeline.scan(pipeline.events_table)] == ["SHP-MINE-1"]


def test_archive_replay_of_processed_events_stores_nothing_new(pipeline: LocalPipeline) -> None:
    # GIVEN processed events
    pipeline.send([entry(f"SHP-REPLAY-{n}") for n in range(15)])
    assert pipeline.drain(timeout=30)
    before = pipeline.scan(pipeline.events_table)

    # WHEN the archive is replayed onto the bus
    pipeline.replay_archive()
    assert pipeline.drain(timeout=30)

    # THEN every replayed event arrived again, marked as a replay, and nothing was written
    after = pipeline.scan(pipeline.events_table)
    assert sorted(map(json.dumps, after)) == sorted(map(json.dumps, before))
    report = pipeline.report()
    assert (report["matched"], report["stored"], report["duplicates"], report["unaccounted"]) == (30, 15, 15, 0)
    replayed = [d.body for d in pipeline.mapping.ledger.deliveries.values() if '"replay-name"' in d.body]
    assert len(replayed) == 15


def test_poison_message_reaches_the_dlq_after_exactly_max_receive_count_receives(pipeline: LocalPipeline) -> None:
    # GIVEN a message whose write always fails transiently, among healthy neighbours
    from botocore.exceptions import ClientError

    def always_throttled(params: dict, **_: object) -> None:
        poisoned = params.get("Item", {}).get("shipment_id") == {"S": "SHP-POISON"}
        if poisoned and params.get("TableName") == pipeline.events_table:
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "poison"}}, "PutItem")

    for client in pipeline.function.botocore_clients():
        client.meta.events.register("before-parameter-build.dynamodb.PutItem", always_throttled)

    # WHEN it is sent with its neighbours
    pipeline.send([entry("SHP-NEIGHBOUR-1"), entry("SHP-POISON"), entry("SHP-NEIGHBOUR-2")])
    assert pipeline.drain(timeout=60)

    # THEN it was received exactly max_receive_count times, then SQS moved it to the DLQ, with an error record
    (poison_id,) = [m for m, d in pipeline.mapping.ledger.deliveries.items() if "SHP-POISON" in d.body]
    assert pipeline.max_receive_count == 5
    assert pipeline.mapping.ledger.deliveries[poison_id].receives == pipeline.max_receive_count
    dlq = pipeline.peek(pipeline.dead_letter_queue_url)
    assert [m["MessageId"] for m in dlq] == [poison_id]
    assert dlq[0]["Attributes"]["ApproximateReceiveCount"] == str(pipeline.max_receive_count + 1)  # +1: the peek
    (record,) = pipeline.scan(pipeline.errors_table)
    assert record["message_id"] == {"S": poison_id}
    assert record["disposition"] == {"S": "retries_exhausted"}
    assert record["receive_count"] == {"N": str(pipeline.max_receive_count)}
    report = pipeline.report()
    assert (report["stored"], report["exhausted"], report["retried"], report["unaccounted"]) == (2, 1, 4, 0)
    assert (report["dlq"], report["dlq_unexplained"]) == (1, 0)


def test_cli_runs_the_sample_and_writes_the_report(cdk_out: Path, tmp_path: Path, capsys) -> None:
    # GIVEN an existing cloud assembly and the sample event
    report_file = tmp_path / "local-run.json"

    # WHEN the local command runs
    code = main(["local", "--cdk-out", str(cdk_out), "--events", str(SAMPLE), "--report", str(report_file)])

    # THEN it succeeds, prints a summary and writes the report and the function's logs
    assert code == 0
    report = json.loads(report_file.read_text())
    assert REPORT_KEYS <= report.keys()
    assert (report["sent"], report["stored"], report["unaccounted"], report["missing_permissions"]) == (1, 1, 0, [])
    assert "unaccounted: 0" in capsys.readouterr().out
    assert report_file.with_suffix(".function.jsonl").read_text()
