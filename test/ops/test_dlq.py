"""``dlq inspect`` / ``dlq redrive``: error records joined in, native move with fallback, nothing lost on interruption."""

from __future__ import annotations

import datetime
import json
import time
from typing import Any

import pytest

from shipment_pipeline_constructs.ops.redrive import FALLBACK, MAX_BYTES_PER_SEND, NATIVE, redrive, send_entry_size

from .conftest import SUFFIX, MotoPipeline, run_cli
from .test_errors import NOW, put_record


def fill_dlq(pipeline: MotoPipeline, count: int) -> list[str]:
    """``count`` distinct bodies in the DLQ, sent in batches."""
    bodies = [json.dumps({"detail": {"shipment_id": f"SHP-{i}"}, "n": i}) for i in range(count)]
    for start in range(0, count, 10):
        pipeline.sqs.send_message_batch(
            QueueUrl=pipeline.dlq_url,
            Entries=[{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies[start : start + 10])],
        )
    return bodies


def test_inspect_joins_each_message_with_its_error_record(moto_pipeline: MotoPipeline, capsys) -> None:
    # GIVEN a quarantined message (carries error_id) and one SQS moved after max receives (found by message id)
    record = put_record(moto_pipeline, at=NOW, message_id="quarantined-1", error_type="invalid_json", shipment_id=None)
    moto_pipeline.sqs.send_message(
        QueueUrl=moto_pipeline.dlq_url,
        MessageBody="{not json",
        MessageAttributes={"error_id": {"DataType": "String", "StringValue": record["error_id"]["S"]}},
    )
    moved_id = moto_pipeline.sqs.send_message(
        QueueUrl=moto_pipeline.dlq_url, MessageBody=json.dumps({"detail": {"shipment_id": "SHP-7"}})
    )["MessageId"]
    put_record(
        moto_pipeline,
        at=NOW,
        message_id=moved_id,
        error_type="ProvisionedThroughputExceededException",
        shipment_id="SHP-7",
    )
    # WHEN inspected
    code, out, _ = run_cli(capsys, "dlq", "inspect", "--suffix", SUFFIX, "--json")
    # THEN both error records are found and the messages stay in the DLQ, visible
    assert code == 0
    types = sorted(message["error_record"]["error_type"] for message in json.loads(out))
    assert types == ["ProvisionedThroughputExceededException", "invalid_json"]
    assert len(moto_pipeline.bodies(moto_pipeline.dlq_url)) == 2
    code, out, _ = run_cli(capsys, "dlq", "inspect", "--suffix", SUFFIX)
    assert "error record" in out and "invalid_json" in out


def test_redrive_falls_back_when_message_move_is_not_implemented(moto_pipeline: MotoPipeline, capsys) -> None:
    bodies = fill_dlq(moto_pipeline, 23)
    code, out, _ = run_cli(capsys, "dlq", "redrive", "--suffix", SUFFIX, "--json")
    result = json.loads(out)
    assert code == 0
    assert (result["method"], result["moved"], result["to_move"], result["failed"]) == (FALLBACK, 23, 23, [])
    assert sorted(moto_pipeline.bodies(moto_pipeline.queue_url)) == sorted(bodies)
    assert moto_pipeline.depth(moto_pipeline.dlq_url) == 0


def test_dry_run_moves_nothing(moto_pipeline: MotoPipeline, capsys) -> None:
    fill_dlq(moto_pipeline, 4)
    code, out, _ = run_cli(capsys, "dlq", "redrive", "--suffix", SUFFIX, "--dry-run")
    assert code == 0
    assert out.startswith("dry run: would move about 4 message(s)")
    assert moto_pipeline.depth(moto_pipeline.dlq_url) == 4 and moto_pipeline.depth(moto_pipeline.queue_url) == 0


def test_target_dlq_redrive_and_max_messages(moto_pipeline: MotoPipeline, capsys) -> None:
    for i in range(5):
        moto_pipeline.sqs.send_message(QueueUrl=moto_pipeline.target_dlq_url, MessageBody=f"event-{i}")
    code, out, _ = run_cli(capsys, "dlq", "redrive", "--suffix", SUFFIX, "--target", "--max-messages", "3")
    assert code == 0
    assert out.startswith("moved 3 of 3 message(s)") and FALLBACK in out
    assert moto_pipeline.depth(moto_pipeline.queue_url) == 3
    assert moto_pipeline.depth(moto_pipeline.target_dlq_url) == 2


class _Interrupting:
    """An SQS client that raises KeyboardInterrupt on the n-th call of one operation."""

    def __init__(self, sqs: Any, operation: str, on_call: int) -> None:
        self._sqs, self._operation, self._on_call, self._calls = sqs, operation, on_call, 0

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._sqs, name)
        if name != self._operation:
            return method

        def interrupted(**kwargs: Any) -> Any:
            self._calls += 1
            if self._calls == self._on_call:
                raise KeyboardInterrupt
            return method(**kwargs)

        return interrupted


@pytest.mark.parametrize("operation", ["send_message_batch", "delete_message_batch", "receive_message"])
def test_interrupted_redrive_loses_nothing_and_can_be_resumed(moto_pipeline: MotoPipeline, operation: str) -> None:
    # GIVEN 25 messages in the DLQ
    bodies = fill_dlq(moto_pipeline, 25)
    sqs = moto_pipeline.sqs
    # WHEN a redrive is interrupted in its second batch
    with pytest.raises(KeyboardInterrupt):
        redrive(
            _Interrupting(sqs, operation, 2),
            source_url=moto_pipeline.dlq_url,
            destination_url=moto_pipeline.queue_url,
            try_native=False,
            visibility_timeout_seconds=1,
        )
    # THEN every body is in one queue or the other; only a batch sent but not deleted is in both
    sent_not_deleted = 10 if operation == "delete_message_batch" else 0
    assert (
        moto_pipeline.depth(moto_pipeline.queue_url) + moto_pipeline.depth(moto_pipeline.dlq_url)
        == 25 + sent_not_deleted
    )
    if sent_not_deleted:
        time.sleep(1.1)  # their visibility timeout: they are back in the DLQ
    assert set(moto_pipeline.bodies(moto_pipeline.queue_url)) | set(moto_pipeline.bodies(moto_pipeline.dlq_url)) == set(
        bodies
    )
    # AND a second redrive finishes the job: duplicates at worst, never a loss
    redrive(sqs, source_url=moto_pipeline.dlq_url, destination_url=moto_pipeline.queue_url, try_native=False)
    assert moto_pipeline.depth(moto_pipeline.dlq_url) == 0
    in_source = moto_pipeline.bodies(moto_pipeline.queue_url)
    assert set(in_source) == set(bodies) and len(in_source) == 25 + sent_not_deleted


class _PartialSend:
    """SendMessageBatch that reports its first entry as failed."""

    def __init__(self, sqs: Any) -> None:
        self._sqs = sqs

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sqs, name)

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        response = self._sqs.send_message_batch(QueueUrl=QueueUrl, Entries=Entries[1:])
        response.setdefault("Failed", []).append(
            {"Id": Entries[0]["Id"], "Code": "KMS.DisabledException", "SenderFault": True, "Message": "key disabled"}
        )
        return response


def test_a_failed_send_is_never_deleted(moto_pipeline: MotoPipeline) -> None:
    bodies = fill_dlq(moto_pipeline, 3)
    result = redrive(
        _PartialSend(moto_pipeline.sqs),
        source_url=moto_pipeline.dlq_url,
        destination_url=moto_pipeline.queue_url,
        try_native=False,
    )
    assert result.moved == 2
    assert [failure["error_code"] for failure in result.failed] == ["KMS.DisabledException"]
    (left,) = moto_pipeline.bodies(moto_pipeline.dlq_url)
    assert sorted([left, *moto_pipeline.bodies(moto_pipeline.queue_url)]) == sorted(bodies)


def test_messages_requarantined_during_the_redrive_are_not_looped(moto_pipeline: MotoPipeline) -> None:
    # GIVEN a processor that sends every redriven message straight back to the DLQ
    fill_dlq(moto_pipeline, 5)

    class Requarantining(_PartialSend):
        def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
            self._sqs.send_message_batch(QueueUrl=moto_pipeline.dlq_url, Entries=Entries)
            return self._sqs.send_message_batch(QueueUrl=QueueUrl, Entries=Entries)

    result = redrive(
        Requarantining(moto_pipeline.sqs),
        source_url=moto_pipeline.dlq_url,
        destination_url=moto_pipeline.queue_url,
        try_native=False,
    )
    # THEN the redrive stops after the 5 messages the DLQ held when it started
    assert result.moved == 5
    assert moto_pipeline.depth(moto_pipeline.dlq_url) == 5


class _NativeSqs:
    """An SQS that supports message-move tasks: RUNNING once, then COMPLETED."""

    started: dict[str, Any] | None

    def __init__(self, sqs: Any) -> None:
        self._sqs, self.polls, self.started = sqs, 0, None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sqs, name)

    def start_message_move_task(self, **request: Any) -> dict[str, str]:
        self.started = request
        return {"TaskHandle": "handle-1"}

    def list_message_move_tasks(self, **_: Any) -> dict[str, Any]:
        self.polls += 1
        status = "RUNNING" if self.polls == 1 else "COMPLETED"
        return {
            "Results": [
                {
                    "Status": status,
                    "ApproximateNumberOfMessagesMoved": 4 * (self.polls - 1),
                    "ApproximateNumberOfMessagesToMove": 4,
                }
            ]
        }


def test_native_message_move_task_is_used_where_supported(moto_pipeline: MotoPipeline) -> None:
    fill_dlq(moto_pipeline, 4)
    sqs = _NativeSqs(moto_pipeline.sqs)
    result = redrive(
        sqs,
        source_url=moto_pipeline.dlq_url,
        destination_url=moto_pipeline.queue_url,
        max_per_second=50,
        sleep=lambda _: None,
    )
    assert (result.method, result.moved, result.task_status, result.task_handle) == (NATIVE, 4, "COMPLETED", "handle-1")
    assert sqs.started is not None
    assert sqs.started["SourceArn"].endswith(f":shipment-events-dlq-{SUFFIX}")
    assert sqs.started["DestinationArn"].endswith(f":shipment-events-{SUFFIX}")
    assert sqs.started["MaxNumberOfMessagesPerSecond"] == 50


class _ServerErrorSqs(_NativeSqs):
    """An endpoint that answers StartMessageMoveTask with HTTP 500, as the moto server does."""

    def start_message_move_task(self, **request: Any) -> dict[str, str]:
        from botocore.exceptions import ClientError

        raise ClientError(
            {"Error": {"Code": "500", "Message": "Internal Server Error"}, "ResponseMetadata": {"HTTPStatusCode": 500}},  # type: ignore[typeddict-item]  # botocore-stubs want every ResponseMetadata key; botocore needs none
            "StartMessageMoveTask",
        )


def test_a_server_error_from_the_native_task_falls_back(moto_pipeline: MotoPipeline) -> None:
    fill_dlq(moto_pipeline, 3)
    result = redrive(
        _ServerErrorSqs(moto_pipeline.sqs), source_url=moto_pipeline.dlq_url, destination_url=moto_pipeline.queue_url
    )
    assert (result.method, result.moved) == (FALLBACK, 3)


def test_progress_bar_draws_on_a_terminal_only() -> None:
    import io

    from shipment_pipeline_constructs.ops.progress import Progress

    stream = io.StringIO()
    bar = Progress(20, "messages moved", stream=stream, enabled=True)
    bar.update(5)
    bar.close()
    assert stream.getvalue() == "\r[#######.......................] 5/20 messages moved\033[K\n"
    quiet = io.StringIO()  # not a tty: scripts get no bar
    Progress(20, "x", stream=quiet).update(5)
    assert quiet.getvalue() == ""


def _quarantine_attributes(error_id: str) -> dict[str, dict[str, str]]:
    """The attributes the processor puts on a message it quarantines (see ``processor.py``)."""
    values = {"quarantine_reason": "invalid_json", "source_message_id": "original-1", "error_id": error_id}
    return {name: {"DataType": "String", "StringValue": value} for name, value in values.items()}


def test_redrive_strips_the_quarantine_attributes_and_keeps_the_others(moto_pipeline: MotoPipeline) -> None:
    # GIVEN a quarantined message: the processor's three attributes, and one of the producer's
    attributes = {
        **_quarantine_attributes("2025-01-01T00:00:00.000000000Z#original-1"),
        "trace": {"DataType": "String", "StringValue": "abc"},
    }
    moto_pipeline.sqs.send_message(QueueUrl=moto_pipeline.dlq_url, MessageBody="{}", MessageAttributes=attributes)
    # WHEN redriven (the fallback copies the message)
    result = redrive(
        moto_pipeline.sqs, source_url=moto_pipeline.dlq_url, destination_url=moto_pipeline.queue_url, try_native=False
    )
    # THEN the copy no longer points at the old failure's record, and keeps the producer's attribute
    assert result.moved == 1
    (copy,) = moto_pipeline.sqs.receive_message(QueueUrl=moto_pipeline.queue_url, MessageAttributeNames=["All"])[
        "Messages"
    ]
    assert {name: value["StringValue"] for name, value in copy["MessageAttributes"].items()} == {"trace": "abc"}


def test_inspect_prefers_the_messages_own_newer_record_over_a_stale_error_id(
    moto_pipeline: MotoPipeline, capsys
) -> None:
    # GIVEN a message that was quarantined once (old record), redriven with its error_id (by an older
    # version), and then exhausted its retries: the handler recorded it again under its new message id
    old = put_record(
        moto_pipeline,
        at=NOW - datetime.timedelta(hours=2),
        message_id="original-1",
        error_type="invalid_json",
        shipment_id="SHP-1",
    )
    body = json.dumps({"detail": {"shipment_id": "SHP-1"}})
    message_id = moto_pipeline.sqs.send_message(
        QueueUrl=moto_pipeline.dlq_url, MessageBody=body, MessageAttributes=_quarantine_attributes(old["error_id"]["S"])
    )["MessageId"]
    put_record(
        moto_pipeline,
        at=NOW,
        message_id=message_id,
        error_type="ProvisionedThroughputExceededException",
        shipment_id="SHP-1",
    )
    # WHEN inspected  THEN the message's own, newest record is shown
    code, out, _ = run_cli(capsys, "dlq", "inspect", "--suffix", SUFFIX, "--json")
    (message,) = json.loads(out)
    assert code == 0
    assert message["error_record"]["message_id"] == message_id
    assert message["error_record"]["error_type"] == "ProvisionedThroughputExceededException"


class _PartialDelete(_PartialSend):
    """DeleteMessageBatch that reports its first entry as failed (the message stays in the DLQ)."""

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        return self._sqs.send_message_batch(QueueUrl=QueueUrl, Entries=Entries)

    def delete_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        response = self._sqs.delete_message_batch(QueueUrl=QueueUrl, Entries=Entries[1:])
        response.setdefault("Failed", []).append(
            {"Id": Entries[0]["Id"], "Code": "ReceiptHandleIsInvalid", "SenderFault": True, "Message": "gone"}
        )
        return response


def test_a_failed_delete_is_reported_and_not_counted_as_moved(moto_pipeline: MotoPipeline) -> None:
    fill_dlq(moto_pipeline, 3)
    result = redrive(
        _PartialDelete(moto_pipeline.sqs),
        source_url=moto_pipeline.dlq_url,
        destination_url=moto_pipeline.queue_url,
        try_native=False,
    )
    # THEN the message sent but still in the DLQ is a failure, not a move
    assert result.moved == 2
    assert [failure["step"].split(" ")[0] for failure in result.failed] == ["delete"]
    assert moto_pipeline.depth(moto_pipeline.dlq_url) == 1 and moto_pipeline.depth(moto_pipeline.queue_url) == 3


class _SizeLimitedSqs(_PartialSend):
    """SendMessageBatch that rejects a whole call over 256 KiB, as SQS does, and records each call's size."""

    def __init__(self, sqs: Any) -> None:
        super().__init__(sqs)
        self.calls: list[int] = []

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        from botocore.exceptions import ClientError

        size = sum(send_entry_size(entry) for entry in Entries)
        self.calls.append(len(Entries))
        if size > MAX_BYTES_PER_SEND:
            raise ClientError(
                {"Error": {"Code": "AWS.SimpleQueueService.BatchRequestTooLong", "Message": "too long"}},
                "SendMessageBatch",
            )
        return self._sqs.send_message_batch(QueueUrl=QueueUrl, Entries=Entries)


def test_redrive_splits_sends_under_the_batch_size_limit(moto_pipeline: MotoPipeline) -> None:
    # GIVEN ten 100 KB messages (about 1 MB together: four times SendMessageBatch's limit)
    bodies = [json.dumps({"n": i, "pad": "x" * 100_000}) for i in range(10)]
    for body in bodies:
        moto_pipeline.sqs.send_message(
            QueueUrl=moto_pipeline.dlq_url,
            MessageBody=body,
            MessageAttributes={"trace": {"DataType": "String", "StringValue": "t" * 1000}},
        )
    sqs = _SizeLimitedSqs(moto_pipeline.sqs)
    result = redrive(sqs, source_url=moto_pipeline.dlq_url, destination_url=moto_pipeline.queue_url, try_native=False)
    # THEN every message moved, in calls of two (three would exceed 256 KiB)
    assert (result.moved, result.failed) == (10, [])
    assert max(sqs.calls) == 2
    assert sorted(moto_pipeline.bodies(moto_pipeline.queue_url)) == sorted(bodies)


def test_an_oversize_message_is_sent_alone_and_only_it_fails(moto_pipeline: MotoPipeline) -> None:
    # GIVEN two small messages and one over 256 KiB on its own (SQS queues may take up to 1 MiB)
    moto_pipeline.sqs.send_message(QueueUrl=moto_pipeline.dlq_url, MessageBody="small-1")
    moto_pipeline.sqs.send_message(QueueUrl=moto_pipeline.dlq_url, MessageBody="x" * (300 * 1024))
    moto_pipeline.sqs.send_message(QueueUrl=moto_pipeline.dlq_url, MessageBody="small-2")
    sqs = _SizeLimitedSqs(moto_pipeline.sqs)
    result = redrive(sqs, source_url=moto_pipeline.dlq_url, destination_url=moto_pipeline.queue_url, try_native=False)
    # THEN the small ones moved; the big one failed alone and stays in the DLQ
    assert result.moved == 2
    assert [failure["error_code"] for failure in result.failed] == ["AWS.SimpleQueueService.BatchRequestTooLong"]
    assert sorted(moto_pipeline.bodies(moto_pipeline.queue_url)) == ["small-1", "small-2"]
    assert moto_pipeline.depth(moto_pipeline.dlq_url) == 1


def test_size_limited_batches_keeps_order_and_puts_an_oversize_entry_alone() -> None:
    from shipment_pipeline_constructs.ops.batching import size_limited_batches

    sizes = [10, 10, 500, 10, 10, 10]
    batches = list(size_limited_batches(sizes, lambda size: size, max_entries=2, max_bytes=100))
    assert batches == [(0, [10, 10]), (2, [500]), (3, [10, 10]), (5, [10])]


def test_inspect_explains_every_message_and_counts_the_unexplained(moto_pipeline: MotoPipeline, capsys) -> None:
    # GIVEN three messages SQS moved itself (no attributes): one whose body names no shipment, explained only by
    # its message id (the record written before its last receive); one with a shipment; one with no record at all
    orphan_body, known_body = "{not json", json.dumps({"detail": {"shipment_id": "SHP-9"}})
    ids = [
        moto_pipeline.sqs.send_message(QueueUrl=moto_pipeline.dlq_url, MessageBody=body)["MessageId"]
        for body in (orphan_body, known_body, json.dumps({"detail": {"shipment_id": "SHP-NONE"}}))
    ]
    # (records are written at a receive, so after the send: not at the module's NOW, which a long session leaves
    # minutes behind, before the window the look-up reads)
    received = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    put_record(
        moto_pipeline,
        at=received,
        message_id=ids[0],
        error_type="invocation_failed_on_last_receive",
        shipment_id=None,
        disposition="retries_exhausted",
    )
    put_record(moto_pipeline, at=received, message_id=ids[1], error_type="ThrottlingException", shipment_id="SHP-9")
    # AND a record of another message in the same day, which must not be taken for theirs
    put_record(moto_pipeline, at=received, message_id="someone-else", error_type="invalid_json", shipment_id=None)

    # WHEN inspected
    code, out, _ = run_cli(capsys, "dlq", "inspect", "--suffix", SUFFIX, "--json")

    # THEN each message has its own reason, and the one without a record is marked unexplained
    assert code == 0
    by_id = {message["message_id"]: message for message in json.loads(out)}
    assert by_id[ids[0]]["error_record"]["error_type"] == "invocation_failed_on_last_receive"
    assert by_id[ids[1]]["error_record"]["error_type"] == "ThrottlingException"
    assert by_id[ids[2]]["error_record"] is None
    assert [by_id[i]["explained"] for i in ids] == [True, True, False]
    code, out, _ = run_cli(capsys, "dlq", "inspect", "--suffix", SUFFIX)
    assert out.count("reason: UNEXPLAINED") == 1
    assert "reason: invocation_failed_on_last_receive (retries_exhausted), recorded " in out
    assert out.strip().splitlines()[-1] == "3 message(s) shown; 1 unexplained"


def test_records_are_found_by_message_id_across_day_partitions_in_one_pass(moto_pipeline: MotoPipeline) -> None:
    from shipment_pipeline_constructs.ops.errors import find_error_records_by_message_id

    # GIVEN records of one message on two days (the newer wins), one of another message, one older than the range
    for hours, message_id, error_type in (
        (30, "m-1", "ThrottlingException"),
        (1, "m-1", "invocation_failed_on_last_receive"),
        (2, "m-2", "missing_field"),
        (80, "m-3", "missing_field"),
    ):
        put_record(
            moto_pipeline,
            at=NOW - datetime.timedelta(hours=hours),
            message_id=message_id,
            error_type=error_type,
            shipment_id=None,
        )
    # WHEN looked up for messages first sent two days ago
    found = find_error_records_by_message_id(
        moto_pipeline.dynamodb,
        moto_pipeline.names.errors_table,
        ["m-1", "m-2", "m-3", "m-unknown"],
        since=NOW - datetime.timedelta(hours=48),
        until=NOW,
    )
    # THEN each message's newest record in the range is found, and nothing else
    assert {message_id: record["error_type"] for message_id, record in found.items()} == {
        "m-1": "invocation_failed_on_last_receive",
        "m-2": "missing_field",
    }
