"""Replay archived events for a time window through this pipeline's rule only.

A replay sends archived events back to the bus they came from; without a
filter every rule of that bus (other teams' consumers too) would receive
them again, so the replay names the pipeline's rule in
``Destination.FilterArns``. Replays are unordered and may deliver an event
again: the processor's conditional write keeps one item per event.
"""

from __future__ import annotations

import datetime
import re
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .aws import OperationError
from .progress import Progress
from .resources import PipelineResources

if TYPE_CHECKING:
    from types_boto3_events import EventBridgeClient
    from types_boto3_events.type_defs import DescribeReplayResponseTypeDef

FINISHED_STATES = {"COMPLETED", "CANCELLED", "FAILED"}
_NAME_LIMIT = 64
_NAME_CHARACTERS = re.compile(r"[^.\-_A-Za-z0-9]")


def replay_name(pipeline_name: str | None, now: datetime.datetime) -> str:
    """A unique replay name: ``<pipeline>-<UTC time>``, within EventBridge's 64 characters."""
    stamp = now.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S")
    prefix = _NAME_CHARACTERS.sub("-", pipeline_name or "shipment-events")[: _NAME_LIMIT - len(stamp) - 1]
    return f"{prefix}-{stamp}"


def start_replay(
    events: EventBridgeClient,
    resources: PipelineResources,
    *,
    start: datetime.datetime,
    end: datetime.datetime,
    name: str | None = None,
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    """Start replaying ``[start, end)`` from the pipeline's archive to its rule; returns the request sent."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    end = min(end, now)
    if start >= end:
        raise OperationError(
            f"the replay window is empty: --start {start.isoformat()} must be before --end {end.isoformat()}"
        )
    archive = events.describe_archive(ArchiveName=resources.require("archive"))
    rule_arn = events.describe_rule(Name=resources.require("rule"), EventBusName=resources.require("event_bus"))["Arn"]
    request: dict[str, Any] = {
        "ReplayName": name or replay_name(resources.pipeline_name, now),
        "Description": f"shipment-pipeline replay of {start.isoformat()} - {end.isoformat()}",
        "EventSourceArn": archive["ArchiveArn"],
        "EventStartTime": start,
        "EventEndTime": end,
        "Destination": {"Arn": archive["EventSourceArn"], "FilterArns": [rule_arn]},
    }
    events.start_replay(**request)
    return request


def wait_for_replay(
    events: EventBridgeClient,
    name: str,
    *,
    progress: Progress | None = None,
    poll_seconds: float = 5.0,
    timeout_seconds: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> DescribeReplayResponseTypeDef:
    """Poll ``DescribeReplay`` until the replay finishes; progress is how far into the window it has replayed."""
    progress = progress or Progress(None, "", enabled=False)
    deadline = None if timeout_seconds is None else clock() + timeout_seconds
    while True:
        replay = events.describe_replay(ReplayName=name)
        window = (replay["EventEndTime"] - replay["EventStartTime"]).total_seconds()
        last = replay.get("EventLastReplayedTime")
        done = (last - replay["EventStartTime"]).total_seconds() if last else 0
        progress.update(min(done, window), window, label=f"s of the window replayed ({replay['State']})")
        if replay["State"] in FINISHED_STATES:
            progress.close()
            return replay
        if deadline is not None and clock() >= deadline:
            progress.close()
            raise OperationError(
                f"replay {name} still {replay['State']} after {timeout_seconds:.0f} s; it goes on in AWS: "
                f"`aws events describe-replay --replay-name {name}` follows it"
            )
        sleep(poll_seconds)


def replay_summary(replay: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a ``DescribeReplay`` response worth printing, JSON-ready."""
    summary = {}
    for key in (
        "ReplayName",
        "State",
        "StateReason",
        "EventStartTime",
        "EventEndTime",
        "EventLastReplayedTime",
        "ReplayStartTime",
        "ReplayEndTime",
    ):
        value = replay.get(key)
        if value is not None:
            summary[key] = value.isoformat() if isinstance(value, datetime.datetime) else value
    return summary
