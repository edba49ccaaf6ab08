"""Events through a running local pipeline: paced sends, waiting for the queue to drain, archive replays."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .load import SendResult, put_events
from .poller import LocalEventSourceMapping
from .state import queued

if TYPE_CHECKING:
    from types_boto3_events import EventBridgeClient
    from types_boto3_sqs import SQSClient

__all__ = ["Progress", "replay_archive", "send_paced", "wait_until_drained"]

#: ``progress(received, queued)``: messages the poller received so far, messages waiting in the queue.
Progress = Callable[[int, int], None]

#: Entries per PutEvents round between two looks at the queue's depth.
SEND_CHUNK = 20


def send_paced(
    *,
    events: EventBridgeClient,
    sqs: SQSClient,
    queue_url: str,
    bus_name: str,
    mapping: LocalEventSourceMapping,
    entries: list[dict[str, Any]],
    max_queued: int,
    progress: Progress | None = None,
) -> SendResult:
    """PutEvents ``entries`` on ``bus_name``, pausing while more than ``max_queued`` messages wait in the queue.

    moto's SQS scans every message of a queue on each send and receive, so a
    deep queue makes the emulator (not the pipeline) quadratic; the pause
    keeps the local queue shallow.
    """
    results = []
    for start in range(0, len(entries), SEND_CHUNK):
        while (waiting := queued(sqs, queue_url)) > max_queued:
            time.sleep(0.05)
        if progress:
            progress(len(mapping.ledger.deliveries), waiting)
        results.append(put_events(events, entries[start : start + SEND_CHUNK], bus_name=bus_name))
    return SendResult(
        sent=sum(r.sent for r in results),
        failed=[failure for r in results for failure in r.failed],
        retargeted=sum(r.retargeted for r in results),
    )


def wait_until_drained(
    *,
    sqs: SQSClient,
    queue_url: str,
    mapping: LocalEventSourceMapping,
    timeout: float,
    progress: Progress | None = None,
) -> bool:
    """Wait until the queue is empty and no invocation runs (``False`` after ``timeout`` seconds).

    Raises ``RuntimeError`` when every poller worker has stopped on an error.
    """
    deadline = time.monotonic() + timeout
    while True:
        waiting = queued(sqs, queue_url)
        if progress:
            progress(len(mapping.ledger.deliveries), waiting)
        if waiting == 0 and mapping.busy == 0:
            return True
        if mapping.errors and len(mapping.errors) >= mapping.max_concurrency:
            raise RuntimeError(f"every local poller stopped; first error: {mapping.errors[0]!r}")
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1 if waiting else 0.05)


def replay_archive(events: EventBridgeClient, *, archive_name: str, bus_name: str, name: str) -> None:
    """Replay everything the archive holds onto the bus (moto replays synchronously)."""
    archive_arn = events.describe_archive(ArchiveName=archive_name)["ArchiveArn"]
    bus_arn = events.describe_event_bus(Name=bus_name)["Arn"]
    now = datetime.datetime.now(datetime.timezone.utc)
    events.start_replay(
        ReplayName=name,
        EventSourceArn=archive_arn,
        EventStartTime=now - datetime.timedelta(days=1),
        EventEndTime=now,
        Destination={"Arn": bus_arn},
    )
