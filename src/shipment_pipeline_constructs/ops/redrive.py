"""Look into a dead-letter queue and move its messages back to the source queue.

Redrive uses SQS's own message-move task (``StartMessageMoveTask``) where the
service supports it; where it does not (the local emulator, or the
EventBridge target DLQ, which is not any queue's redrive target) it falls
back to receive -> send -> delete:

Nothing is lost if the fallback is interrupted, at any point:

- a message is deleted from the DLQ only after ``SendMessageBatch`` reported
  *its own* entry as sent; a failed entry is never deleted;
- a received message that was not yet sent stays in the DLQ, invisible for
  ``visibility_timeout_seconds`` and then visible again (on a clean stop,
  such as Ctrl-C, it is released at once);
- an interruption between send and delete leaves the message in both
  queues: a duplicate, which the processor's conditional write stores once.

A message counts as moved only once it was both sent and deleted from the
DLQ; one sent but not deleted is reported in ``failed`` (a later redrive
sends a duplicate). Copies keep their body and message attributes except the
processor's quarantine attributes (``error_id``, ``quarantine_reason``,
``source_message_id``), which describe the old failure: a copy that fails
again gets a record of its own. Sends are batched under SQS's 10-entry and
256 KiB-per-call limits; a message too large on its own is sent alone, so
only it fails.

It moves at most the number of messages the DLQ held when it started, so
messages the processor quarantines again while the redrive runs are not
picked up in a loop.
"""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from .aws import error_code
from .batching import size_limited_batches
from .errors import find_error_record_for_message, find_error_records_by_message_id, get_error_record
from .progress import Progress

#: How much earlier than a message's first send its error record may be stamped (the handler's clock is not SQS's).
CLOCK_SKEW = datetime.timedelta(minutes=5)
NATIVE = "message-move-task"
FALLBACK = "receive-send-delete"
_UNSUPPORTED_CODES = {"NotImplemented", "InvalidAction", "UnknownOperation", "UnsupportedOperation"}
_FINISHED = {"COMPLETED", "CANCELLED", "FAILED"}
_ATTRIBUTE_FIELDS = ("DataType", "StringValue", "BinaryValue")
#: Attributes the processor puts on a message it quarantines (``lambda/shipment_processor/processor.py``):
#: they describe that failure, so a redriven copy does not carry them.
QUARANTINE_ATTRIBUTES = frozenset({"error_id", "quarantine_reason", "source_message_id"})
#: SendMessageBatch: at most 10 entries and 256 KiB (all bodies and attributes) per call.
MAX_ENTRIES_PER_SEND = 10
MAX_BYTES_PER_SEND = 256 * 1024
_TOO_LONG_CODES = {"BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong", "MessageTooLong"}


@dataclass
class RedriveResult:
    """What a redrive did (or, with ``dry_run``, would do). ``method`` is :data:`NATIVE` or :data:`FALLBACK`."""

    method: str
    dry_run: bool = False
    moved: int = 0
    to_move: int | None = None
    failed: list[dict[str, str]] = field(default_factory=list)
    task_status: str | None = None
    task_handle: str | None = None
    failure_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """For ``--json``."""
        return asdict(self)


def approximate_depth(sqs: Any, queue_url: str) -> int:
    """Messages in a queue, visible or not (SQS's approximate counts)."""
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes.get("ApproximateNumberOfMessages", 0)) + int(
        attributes.get("ApproximateNumberOfMessagesNotVisible", 0)
    )


def inspect_messages(
    sqs: Any,
    dynamodb: Any,
    *,
    queue_url: str,
    errors_table: str | None,
    max_messages: int = 10,
    visibility_timeout_seconds: int = 30,
) -> list[dict[str, Any]]:
    """Up to ``max_messages`` DLQ messages, each with the error record that explains it; they stay in the queue.

    Each is received (hidden for ``visibility_timeout_seconds`` so no message
    is shown twice) and then made visible again. The record is found by the
    message's ``error_id`` attribute (the processor's own copies), through the
    shipment's index, or else by the message's id in the errors table's days
    from its first send to now (a message SQS moved after its last receive
    keeps its id). ``explained`` is ``False`` when none exists.
    """
    messages: list[dict[str, Any]] = []
    try:
        while len(messages) < max_messages:
            batch = _receive(sqs, queue_url, min(10, max_messages - len(messages)), visibility_timeout_seconds)
            if not batch:
                break
            messages += batch
    finally:
        _release(sqs, queue_url, messages)
    described = [_describe(dynamodb, errors_table, message) for message in messages]
    missing = [message for message in described if message["error_record"] is None]
    if errors_table and missing:
        sent = [message["sent_at"] for message in missing if message["sent_at"]]
        now = datetime.datetime.now(datetime.timezone.utc)
        since = min(map(datetime.datetime.fromisoformat, sent), default=now) - CLOCK_SKEW
        found = find_error_records_by_message_id(
            dynamodb, errors_table, [message["message_id"] for message in missing], since=since, until=now
        )
        for message in missing:
            message["error_record"] = found.get(message["message_id"])
    for message in described:
        message["explained"] = message["error_record"] is not None
    return described


def redrive(
    sqs: Any,
    *,
    source_url: str,
    destination_url: str,
    max_messages: int | None = None,
    try_native: bool = True,
    max_per_second: int | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    visibility_timeout_seconds: int = 60,
    poll_seconds: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
) -> RedriveResult:
    """Move messages from ``source_url`` (a DLQ) to ``destination_url``; see the module doc for the guarantees.

    ``max_messages`` limits the fallback (the native task always moves the
    whole queue, so a limit implies the fallback).
    """
    progress = progress or Progress(None, "", enabled=False)
    depth = approximate_depth(sqs, source_url)
    limit = depth if max_messages is None else min(depth, max_messages)
    if dry_run:
        # The native task is tried first; the fallback runs where it is not supported.
        return RedriveResult(
            method=NATIVE if try_native and max_messages is None else FALLBACK, to_move=limit, dry_run=True
        )
    if limit == 0:
        return RedriveResult(method=NATIVE if try_native else FALLBACK, to_move=0)
    if try_native and max_messages is None:
        result = _native_move(sqs, source_url, destination_url, max_per_second, progress, poll_seconds, sleep)
        if result is not None:
            return result
    return _receive_send_delete(sqs, source_url, destination_url, limit, progress, visibility_timeout_seconds)


def _native_move(
    sqs: Any,
    source_url: str,
    destination_url: str,
    max_per_second: int | None,
    progress: Progress,
    poll_seconds: float,
    sleep: Callable[[float], None],
) -> RedriveResult | None:
    """Run a message-move task to completion; ``None`` when the service does not support it."""
    source_arn, destination_arn = (_queue_arn(sqs, url) for url in (source_url, destination_url))
    request: dict[str, Any] = {"SourceArn": source_arn, "DestinationArn": destination_arn}
    if max_per_second:
        request["MaxNumberOfMessagesPerSecond"] = max_per_second
    try:
        handle = sqs.start_message_move_task(**request)["TaskHandle"]
    except NotImplementedError:  # moto in-process
        return None
    except ClientError as error:
        # Unsupported (the emulator answers 500) or failing on the service's side: the fallback is
        # just as safe, only slower. Refusals (access, wrong queue) are raised.
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        if error_code(error) in _UNSUPPORTED_CODES or status >= 500:
            return None
        raise
    while True:
        tasks = sqs.list_message_move_tasks(SourceArn=source_arn, MaxResults=1).get("Results", [])
        task = tasks[0] if tasks else {}
        moved = int(task.get("ApproximateNumberOfMessagesMoved", 0))
        to_move = task.get("ApproximateNumberOfMessagesToMove")
        progress.update(moved, to_move)
        if task.get("Status") in _FINISHED:
            progress.close()
            return RedriveResult(
                method=NATIVE,
                moved=moved,
                to_move=to_move,
                task_status=task["Status"],
                task_handle=handle,
                failure_reason=task.get("FailureReason"),
            )
        sleep(poll_seconds)


def _receive_send_delete(
    sqs: Any, source_url: str, destination_url: str, limit: int, progress: Progress, visibility_timeout_seconds: int
) -> RedriveResult:
    result = RedriveResult(method=FALLBACK, to_move=limit)
    progress.update(0, limit)
    while result.moved + len(result.failed) < limit:
        received = _receive(
            sqs, source_url, min(10, limit - result.moved - len(result.failed)), visibility_timeout_seconds
        )
        if not received:
            break
        sent: set[str] = set()
        try:
            sent = _send(sqs, destination_url, received, result)
            # Only now may a message leave the DLQ: its copy is in the source queue.
            deleted = _delete(
                sqs, source_url, [message for message in received if message["MessageId"] in sent], result
            )
        finally:
            # Whatever was not sent goes back to the DLQ now, also on Ctrl-C.
            _release(sqs, source_url, [message for message in received if message["MessageId"] not in sent])
        # Moved means sent and gone from the DLQ; a failed delete is in result.failed instead.
        result.moved += len(deleted)
        progress.update(result.moved)
    progress.close()
    return result


def _receive(sqs: Any, queue_url: str, count: int, visibility_timeout_seconds: int) -> list[dict[str, Any]]:
    return sqs.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=count,
        VisibilityTimeout=visibility_timeout_seconds,
        WaitTimeSeconds=1,
        MessageAttributeNames=["All"],
        AttributeNames=["All"],
    ).get("Messages", [])


def _send(sqs: Any, queue_url: str, messages: list[dict[str, Any]], result: RedriveResult) -> set[str]:
    """Send copies (body and attributes, without the quarantine ones); return the ids SQS confirmed one by one.

    Calls stay under SendMessageBatch's entry and byte limits, which reject the whole call.
    """
    entries = [
        {"Id": str(index), "MessageBody": message["Body"], "MessageAttributes": _attributes(message)}
        for index, message in enumerate(messages)
    ]
    by_entry = {entry["Id"]: message for entry, message in zip(entries, messages, strict=True)}
    sent: set[str] = set()
    for _, batch in size_limited_batches(
        entries, send_entry_size, max_entries=MAX_ENTRIES_PER_SEND, max_bytes=MAX_BYTES_PER_SEND
    ):
        try:
            response = sqs.send_message_batch(QueueUrl=queue_url, Entries=batch)
        except ClientError as error:
            if error_code(error) not in _TOO_LONG_CODES:
                raise
            # Only a message too large on its own gets here (it was sent alone): it stays in the DLQ.
            message_text = error.response.get("Error", {}).get("Message", "")
            response = {
                "Failed": [{"Id": entry["Id"], "Code": error_code(error), "Message": message_text} for entry in batch]
            }
        for failure in response.get("Failed", []):
            message = by_entry[failure["Id"]]
            result.failed.append(
                {
                    "message_id": message["MessageId"],
                    "step": "send",
                    "error_code": failure.get("Code", ""),
                    "error_message": failure.get("Message", ""),
                }
            )
        sent |= {by_entry[success["Id"]]["MessageId"] for success in response.get("Successful", [])}
    return sent


def send_entry_size(entry: dict[str, Any]) -> int:
    """Bytes a SendMessageBatch entry counts against the call's limit: body, and each attribute's name, type and value."""
    size = len(entry["MessageBody"].encode())
    for name, attribute in entry.get("MessageAttributes", {}).items():
        size += len(name.encode()) + len(str(attribute.get("DataType", "")).encode())
        if "StringValue" in attribute:
            size += len(str(attribute["StringValue"]).encode())
        if "BinaryValue" in attribute:
            value = attribute["BinaryValue"]
            size += len(value) if isinstance(value, (bytes, bytearray)) else len(str(value).encode())
    return size


def _delete(sqs: Any, queue_url: str, messages: list[dict[str, Any]], result: RedriveResult) -> set[str]:
    """Delete sent messages from the DLQ; return the ids SQS confirmed deleted."""
    if not messages:
        return set()
    by_entry = {str(index): message for index, message in enumerate(messages)}
    response = sqs.delete_message_batch(
        QueueUrl=queue_url,
        Entries=[{"Id": entry_id, "ReceiptHandle": message["ReceiptHandle"]} for entry_id, message in by_entry.items()],
    )
    for failure in response.get("Failed", []):
        # Sent but still in the DLQ: it comes back there and a later redrive sends a duplicate.
        result.failed.append(
            {
                "message_id": by_entry[failure["Id"]]["MessageId"],
                "step": "delete (already sent: a later redrive sends a duplicate)",
                "error_code": failure.get("Code", ""),
                "error_message": failure.get("Message", ""),
            }
        )
    return {by_entry[success["Id"]]["MessageId"] for success in response.get("Successful", [])}


def _release(sqs: Any, queue_url: str, messages: list[dict[str, Any]]) -> None:
    for start in range(0, len(messages), 10):
        try:
            sqs.change_message_visibility_batch(
                QueueUrl=queue_url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"], "VisibilityTimeout": 0}
                    for index, message in enumerate(messages[start : start + 10])
                ],
            )
        except Exception:  # noqa: BLE001 - best effort: the visibility timeout releases them anyway
            return


def _attributes(message: dict[str, Any]) -> dict[str, Any]:
    return {
        name: {key: value for key, value in attribute.items() if key in _ATTRIBUTE_FIELDS}
        for name, attribute in message.get("MessageAttributes", {}).items()
        if name not in QUARANTINE_ATTRIBUTES
    }


def _queue_arn(sqs: Any, queue_url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _describe(dynamodb: Any, errors_table: str | None, message: dict[str, Any]) -> dict[str, Any]:
    attributes = {name: value.get("StringValue") for name, value in message.get("MessageAttributes", {}).items()}
    system = message.get("Attributes", {})
    envelope = _json_object(message.get("Body", ""))
    detail: dict[str, Any] = envelope["detail"] if isinstance(envelope.get("detail"), dict) else {}
    shipment_id = detail.get("shipment_id") if isinstance(detail.get("shipment_id"), str) else None
    record = None
    if errors_table:
        # Moved by SQS after max receives, the message keeps the id the handler recorded: its own record is
        # the newest word on it. A quarantined copy (new id) points at its record with error_id; a message
        # redriven by an older version may still carry an old error_id: the newer record wins.
        candidates = [find_error_record_for_message(dynamodb, errors_table, message["MessageId"], shipment_id)]
        if attributes.get("error_id"):
            candidates.append(get_error_record(dynamodb, errors_table, attributes["error_id"]))
        found = [candidate for candidate in candidates if candidate]
        # error_id is "<recorded_at>#<message id>" with a fixed-width time: newest sorts last.
        record = max(found, key=lambda candidate: str(candidate.get("error_id", ""))) if found else None
    return {
        "message_id": message["MessageId"],
        "sent_at": _epoch_ms_to_iso(system.get("SentTimestamp"), timespec="milliseconds"),
        "receive_count": int(system.get("ApproximateReceiveCount", 0)),
        "shipment_id": shipment_id,
        "detail_type": envelope.get("detail-type"),
        "attributes": attributes,
        "error_record": record,
        "body": message.get("Body", ""),
    }


def format_inspection(messages: list[dict[str, Any]], *, body_chars: int = 200, queue_depth: int | None = None) -> str:
    """The text view of :func:`inspect_messages`: each message with its reason, then how many have none."""
    if not messages:
        return "the queue is empty"
    lines = []
    for message in messages:
        record = message["error_record"] or {}
        lines.append(
            f"{message['message_id']}  sent {message['sent_at']}  receives {message['receive_count']}  "
            f"shipment {message['shipment_id'] or '-'}"
        )
        for name, value in sorted(message["attributes"].items()):
            lines.append(f"    {name}: {value}")
        if record:
            lines.append(
                f"    reason: {record.get('error_type')} ({record.get('disposition')}), "
                f"recorded {record.get('recorded_at')} at receive {record.get('receive_count')}"
            )
            lines.append(f"      {record.get('error_message')}")
            lines.append(f"      error record: {record.get('error_date')} / {record.get('error_id')}")
        else:
            lines.append("    reason: UNEXPLAINED: no error record for this message (see the function's log)")
        body = message["body"]
        lines.append(f"    body: {body[:body_chars]}{'...' if len(body) > body_chars else ''}")
    unexplained = sum(1 for message in messages if message["error_record"] is None)
    of = f" of about {queue_depth}" if queue_depth is not None and queue_depth > len(messages) else ""
    lines.append(f"{len(messages)}{of} message(s) shown; {unexplained} unexplained")
    return "\n".join(lines)


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _epoch_ms_to_iso(value: str | None, *, timespec: str = "seconds") -> str | None:
    if not value:
        return None
    return datetime.datetime.fromtimestamp(int(value) / 1000, datetime.timezone.utc).isoformat(timespec=timespec)
