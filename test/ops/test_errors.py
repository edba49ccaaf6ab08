"""``errors``: error records written in the handler's own format, queried by time, shipment and type."""

from __future__ import annotations

import datetime
import json
from typing import Any

from shipment_processor.items import error_item
from shipment_processor.timestamps import format_instant

from shipment_pipeline_constructs.ops.errors import find_error_record_for_message, query_error_records

from .conftest import SUFFIX, MotoPipeline, run_cli

UTC = datetime.timezone.utc
NOW = datetime.datetime.now(UTC).replace(microsecond=0)


def put_record(
    pipeline: MotoPipeline,
    *,
    at: datetime.datetime,
    message_id: str,
    error_type: str,
    shipment_id: str | None,
    disposition: str = "quarantined",
    raw_body: str = "{}",
    extra: dict[str, str] | None = None,
) -> dict:
    """One error record, built by the handler's ``error_item``."""
    item = error_item(
        message_id=message_id,
        recorded_at=format_instant(int(at.timestamp()) * 1_000_000_000),
        expires_at=int(at.timestamp()) + 86_400,
        disposition=disposition,
        error_type=error_type,
        error_message=f"{error_type} in {message_id}",
        raw_body=raw_body,
        receive_count=1,
        shipment_id=shipment_id,
        extra=extra,
    )
    pipeline.dynamodb.put_item(TableName=pipeline.names.errors_table, Item=item)
    return item


def put_error_records(pipeline: MotoPipeline) -> None:
    """Four records: now, 1 h ago, 30 h ago (yesterday's partition), 3 days ago."""
    put_record(pipeline, at=NOW, message_id="m-now", error_type="invalid_json", shipment_id=None)
    put_record(
        pipeline,
        at=NOW - datetime.timedelta(hours=1),
        message_id="m-1h",
        error_type="missing_field",
        shipment_id="SHP-1",
    )
    put_record(
        pipeline,
        at=NOW - datetime.timedelta(hours=30),
        message_id="m-30h",
        error_type="missing_field",
        shipment_id="SHP-1",
    )
    put_record(
        pipeline,
        at=NOW - datetime.timedelta(days=3),
        message_id="m-3d",
        error_type="invalid_timestamp",
        shipment_id="SHP-2",
    )


def test_time_range_spans_day_partitions_newest_first(moto_pipeline: MotoPipeline) -> None:
    put_error_records(moto_pipeline)
    found = query_error_records(
        moto_pipeline.dynamodb,
        moto_pipeline.names.errors_table,
        since=NOW - datetime.timedelta(hours=48),
        until=NOW + datetime.timedelta(seconds=1),
    )
    assert [record["message_id"] for record in found] == ["m-now", "m-1h", "m-30h"]


def test_filters_by_shipment_and_type_and_limit(moto_pipeline: MotoPipeline) -> None:
    put_error_records(moto_pipeline)
    table, dynamodb = moto_pipeline.names.errors_table, moto_pipeline.dynamodb
    week: dict[str, Any] = {"since": NOW - datetime.timedelta(days=7), "until": NOW + datetime.timedelta(seconds=1)}
    by_shipment = [r["message_id"] for r in query_error_records(dynamodb, table, shipment_id="SHP-1", **week)]
    by_type = [r["message_id"] for r in query_error_records(dynamodb, table, error_type="missing_field", **week)]
    limited = [r["message_id"] for r in query_error_records(dynamodb, table, limit=2, **week)]
    assert by_shipment == ["m-1h", "m-30h"]
    assert by_type == ["m-1h", "m-30h"]
    assert limited == ["m-now", "m-1h"]


def test_cli_table_and_json_lines(moto_pipeline: MotoPipeline, capsys) -> None:
    put_error_records(moto_pipeline)
    # 26h: the records are placed relative to NOW (taken at import), so a slow run cannot push "1h ago" out
    code, out, _ = run_cli(capsys, "errors", "--suffix", SUFFIX, "--since", "26h")
    assert code == 0
    header, *rows = out.strip().splitlines()
    assert header.split() == [
        "recorded_at",
        "disposition",
        "error_type",
        "shipment_id",
        "message_id",
        "receive_count",
        "error_message",
    ]
    assert len(rows) == 2 and "m-now" in rows[0]
    code, out, _ = run_cli(
        capsys, "errors", "--suffix", SUFFIX, "--since", "7d", "--type", "invalid_timestamp", "--json"
    )
    (line,) = out.strip().splitlines()
    record = json.loads(line)
    assert (record["shipment_id"], record["error_type"], record["receive_count"]) == ("SHP-2", "invalid_timestamp", 1)


def test_cli_rejects_a_bad_time(moto_pipeline: MotoPipeline, capsys) -> None:
    code, _, err = run_cli(capsys, "errors", "--suffix", SUFFIX, "--since", "yesterday")
    assert code == 2
    assert "use now, 30m, 2h, 7d or ISO 8601" in err


class _OneItemPages:
    """A DynamoDB client whose Query pages hold one item each (as a 1 MB page would, on a large partition)."""

    def __init__(self, dynamodb: object) -> None:
        self._dynamodb = dynamodb
        self.pages = 0

    def query(self, **request: object) -> dict:
        self.pages += 1
        return self._dynamodb.query(**request, Limit=1)  # type: ignore[attr-defined]


def test_finding_a_messages_record_follows_query_pages(moto_pipeline: MotoPipeline) -> None:
    # GIVEN a shipment with newer records of other messages before the one asked for (newest first)
    for hours, message_id in ((3, "m-wanted"), (2, "m-other-1"), (1, "m-other-2")):
        put_record(
            moto_pipeline,
            at=NOW - datetime.timedelta(hours=hours),
            message_id=message_id,
            error_type="missing_field",
            shipment_id="SHP-P",
        )
    dynamodb = _OneItemPages(moto_pipeline.dynamodb)
    # WHEN looked up with one item per page  THEN the filter's empty pages are followed to the match
    record = find_error_record_for_message(dynamodb, moto_pipeline.names.errors_table, "m-wanted", "SHP-P")
    assert record is not None and record["message_id"] == "m-wanted"
    assert dynamodb.pages == 3
    assert find_error_record_for_message(dynamodb, moto_pipeline.names.errors_table, "m-none", "SHP-P") is None


def test_cli_shows_a_conflict_with_both_fingerprints_and_the_rejected_body(moto_pipeline: MotoPipeline, capsys) -> None:
    # GIVEN a conflict record as the handler writes it, and an ordinary record
    from shipment_processor.events import Reason
    from shipment_processor.fingerprint import FINGERPRINT_ATTRIBUTE
    from shipment_processor.processor import STORED_CONTENT_ATTRIBUTE

    rejected = json.dumps({"detail": {"shipment_id": "SHP-C", "event_type": "in_transit"}})
    put_record(
        moto_pipeline,
        at=NOW,
        message_id="m-conflict",
        error_type=Reason.CONFLICT.value,
        shipment_id="SHP-C",
        disposition="recorded",
        raw_body=rejected,
        extra={
            FINGERPRINT_ATTRIBUTE: "a" * 64,
            STORED_CONTENT_ATTRIBUTE: "b" * 64,
            "event_timestamp": "2025-10-13T10:30:00.000000000Z",
        },
    )
    put_record(moto_pipeline, at=NOW, message_id="m-other", error_type="invalid_json", shipment_id=None)
    # WHEN listed as a table
    code, out, _ = run_cli(capsys, "errors", "--suffix", SUFFIX, "--since", "1h")
    # THEN the conflict is shown again below the table, with both fingerprints and the rejected body, whole
    assert code == 0
    table, conflicts = out.split("\n\n")
    assert len(table.splitlines()) == 3
    assert conflicts.splitlines() == [
        f"conflict {format_instant(int(NOW.timestamp()) * 1_000_000_000)}: shipment SHP-C at "
        "2025-10-13T10:30:00.000000000Z (message m-conflict, recorded)",
        f"    stored event, kept:    content_sha256 {'b' * 64}",
        f"    this event, rejected:  content_sha256 {'a' * 64}",
        f"    rejected body: {rejected}",
    ]
    # AND the JSON lines carry the same fields for scripts
    code, out, _ = run_cli(capsys, "errors", "--suffix", SUFFIX, "--since", "1h", "--type", "conflict", "--json")
    (record,) = map(json.loads, out.strip().splitlines())
    assert (record["content_sha256"], record["stored_content_sha256"], record["raw_body"]) == (
        "a" * 64,
        "b" * 64,
        rejected,
    )
