"""Pause and resume consumption: the event source mapping's ``Enabled``, and what waits while it is off.

Pausing disables the SQS event source mapping (UpdateEventSourceMapping
``Enabled=false``): Lambda stops polling, and events keep arriving and wait
in the queue, for at most its retention period. Resuming enables it again
and the backlog drains at the mapping's maximum concurrency. Lambda applies
the change asynchronously (``Disabling`` then ``Disabled``, ``Enabling``
then ``Enabled``): :func:`set_consumption` polls until the mapping reports
the new state, or says it has not settled yet.

The mapping is the one in the stack's template (``--stack``), the one named
by ``--event-source-mapping``, or else the one mapping that reads the
pipeline's source queue (of ``--function``, when given).

:func:`read_consumption` gives ``status`` whether consumption is paused and
how long the oldest message has before the queue's retention expires it.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from .aws import OperationError, explain
from .resources import PipelineResources

if TYPE_CHECKING:
    from types_boto3_lambda import LambdaClient
    from types_boto3_sqs import SQSClient

    from .aws import Connection

ENABLED, DISABLED, ENABLING, DISABLING = "Enabled", "Disabled", "Enabling", "Disabling"
#: Lambda usually applies Enabled within seconds; past this the command reports the state it saw.
DEFAULT_TIMEOUT_SECONDS = 60.0
DEFAULT_POLL_SECONDS = 2.0
#: Under this much time before the oldest message would expire, ``status`` warns.
EXPIRY_WARNING_SECONDS = 24 * 60 * 60
#: The state a mapping is in while Lambda applies the wanted one.
_ON_THE_WAY = {ENABLED: ENABLING, DISABLED: DISABLING}


@dataclass(frozen=True)
class MappingState:
    """One event source mapping as Lambda reports it."""

    uuid: str
    state: str
    function_arn: str
    event_source_arn: str

    @classmethod
    def from_response(cls, response: Any) -> MappingState:
        """From a GetEventSourceMapping / UpdateEventSourceMapping response or a ListEventSourceMappings entry."""
        return cls(
            uuid=response["UUID"],
            state=response.get("State", ""),
            function_arn=response.get("FunctionArn", ""),
            event_source_arn=response.get("EventSourceArn", ""),
        )

    @property
    def paused(self) -> bool:
        """True when consumption is off or turning off."""
        return self.state in (DISABLED, DISABLING)

    @property
    def target(self) -> str:
        """The function (and qualifier, e.g. ``processor:live``) it invokes."""
        return ":".join(self.function_arn.split(":")[6:]) or self.function_arn


@dataclass(frozen=True)
class ConsumptionChange:
    """What :func:`set_consumption` did: the mapping before and after, and whether it reached the wanted state."""

    wanted: str
    before: MappingState
    after: MappingState
    waited_seconds: float

    @property
    def changed(self) -> bool:
        """False when the mapping was already in the wanted state (nothing was updated)."""
        return self.before.state != self.wanted

    @property
    def settled(self) -> bool:
        """True when Lambda reports the wanted state."""
        return self.after.state == self.wanted

    def to_dict(self) -> dict[str, Any]:
        """For ``--json``."""
        return {
            "event_source_mapping": self.after.uuid,
            "function": self.after.target,
            "wanted": self.wanted,
            "before": self.before.state,
            "state": self.after.state,
            "changed": self.changed,
            "settled": self.settled,
            "waited_seconds": round(self.waited_seconds, 1),
        }


def find_mapping(clients: Connection, resources: PipelineResources) -> MappingState:
    """The pipeline's event source mapping (see the module docstring for how it is found)."""
    lambda_client = clients.client("lambda")
    if resources.event_source:
        return MappingState.from_response(lambda_client.get_event_source_mapping(UUID=resources.event_source))
    sqs = clients.client("sqs")
    queue_url = PipelineResources.queue_url(sqs, resources.require("queue"))
    queue_arn = _queue_arn(sqs, queue_url)
    mappings = _mappings_of_queue(lambda_client, queue_arn)
    if resources.function:
        mappings = [
            mapping
            for mapping in mappings
            if _function_name(mapping.function_arn) == _function_name(resources.function)
        ]
    queue_name = queue_url.rsplit("/", 1)[-1]
    if not mappings:
        of_function = f" for function {resources.function}" if resources.function else ""
        raise OperationError(
            f"no event source mapping reads queue {queue_name}{of_function} (region {sqs.meta.region_name}): "
            "check --region and --stack/--suffix, or name it with --event-source-mapping UUID"
        )
    if len(mappings) > 1:
        listing = ", ".join(f"{mapping.uuid} ({mapping.target})" for mapping in mappings)
        raise OperationError(
            f"{len(mappings)} event source mappings read queue {queue_name}: {listing}; "
            "pick one with --event-source-mapping UUID or --function"
        )
    return mappings[0]


def set_consumption(
    clients: Connection,
    resources: PipelineResources,
    *,
    enabled: bool,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> ConsumptionChange:
    """Enable or disable the pipeline's event source mapping, then poll until Lambda reports the new state.

    Already in that state: nothing is updated. Already on its way there
    (``Disabling`` when pausing): only polled, as Lambda refuses updates to a
    mapping in transition. Not settled within
    ``timeout_seconds``: the change is returned with the state last seen
    (``settled`` is False); Lambda carries on applying it.
    """
    wanted = ENABLED if enabled else DISABLED
    before = find_mapping(clients, resources)
    if before.state == wanted:
        return ConsumptionChange(wanted, before, before, 0.0)
    lambda_client = clients.client("lambda")
    started = clock()
    if before.state == _ON_THE_WAY[wanted]:
        after = before
    else:
        after = MappingState.from_response(lambda_client.update_event_source_mapping(UUID=before.uuid, Enabled=enabled))
    while after.state != wanted and clock() - started < timeout_seconds:
        sleep(min(poll_seconds, max(0.0, timeout_seconds - (clock() - started))))
        after = MappingState.from_response(lambda_client.get_event_source_mapping(UUID=before.uuid))
    return ConsumptionChange(wanted, before, after, clock() - started)


def format_change(change: ConsumptionChange, *, queue: str | None = None) -> str:
    """One line saying what the mapping does now."""
    verb = "consumption resumed" if change.wanted == ENABLED else "consumption paused"
    mapping = f"event source mapping {change.after.uuid} ({queue + ' -> ' if queue else ''}{change.after.target})"
    if not change.changed:
        already = "already resumed" if change.wanted == ENABLED else "already paused"
        return f"{already}: {mapping} is {change.after.state}; nothing changed"
    if change.settled:
        return f"{verb}: {mapping} is {change.after.state} (after {change.waited_seconds:.0f} s)"
    return (
        f"not settled: {mapping} is still {change.after.state} after {change.waited_seconds:.0f} s "
        f"(asked for {change.wanted}); Lambda is applying it: check with `shipment-pipeline status`"
    )


@dataclass
class ConsumptionStatus:
    """What ``status`` shows about consumption.

    Attributes:
        state: The mapping's state (``Enabled``, ``Disabled``...); ``None`` when not found or not readable.
        event_source_mapping: Its UUID, when found.
        note: Why the state is unknown, when it is.
        retention_seconds: The source queue's retention period.
        oldest_message_age_seconds: Age of the oldest message (``None``: no data).
    """

    state: str | None
    event_source_mapping: str | None
    note: str
    retention_seconds: int
    oldest_message_age_seconds: float | None

    @property
    def paused(self) -> bool:
        """True when the mapping is off or turning off."""
        return self.state in (DISABLED, DISABLING)

    @property
    def seconds_until_expiry(self) -> float | None:
        """Time before the oldest message would be deleted by the queue's retention (``None``: no data)."""
        if self.oldest_message_age_seconds is None:
            return None
        return max(0.0, self.retention_seconds - self.oldest_message_age_seconds)

    def lines(self) -> list[str]:
        """The text lines of ``status`` (under its queues)."""
        if self.state is None:
            state = f"unknown ({self.note})"
        elif self.paused:
            state = (
                f"PAUSED (event source mapping {self.state}): messages wait in the queue; `shipment-pipeline resume`"
            )
        else:
            state = f"running (event source mapping {self.state})"
        lines = [f"consumption {state}"]
        left = self.seconds_until_expiry
        retention = _duration(self.retention_seconds)
        if left is None:
            lines.append(f"  retention   {retention}; oldest message age: no data")
        else:
            lines.append(f"  retention   {retention}; the oldest message expires in {_duration(left)}")
        return lines

    def problems(self) -> list[str]:
        """Messages about to expire: less than a day before the queue's retention deletes the oldest."""
        left = self.seconds_until_expiry
        if left is None or left >= EXPIRY_WARNING_SECONDS:
            return []
        why = (
            "consumption is paused: `shipment-pipeline resume`" if self.paused else "the processor is behind or failing"
        )
        return [
            f"the oldest message expires in {_duration(left)} (queue retention {_duration(self.retention_seconds)}): "
            f"{why}, or it is lost"
        ]

    def to_dict(self) -> dict[str, Any]:
        """For ``--json``."""
        return {**asdict(self), "paused": self.paused, "seconds_until_expiry": self.seconds_until_expiry}


def read_consumption(
    clients: Connection, resources: PipelineResources, *, oldest_message_age_seconds: float | None
) -> ConsumptionStatus:
    """The mapping's state (unknown rather than an error when it cannot be read) and the queue's retention."""
    sqs = clients.client("sqs")
    queue_url = PipelineResources.queue_url(sqs, resources.require("queue"))
    retention = int(
        sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["MessageRetentionPeriod"])["Attributes"][
            "MessageRetentionPeriod"
        ]
    )
    state: str | None = None
    uuid: str | None = None
    note = ""
    try:
        mapping = find_mapping(clients, resources)
        state, uuid = mapping.state, mapping.uuid
    except (OperationError, ClientError, BotoCoreError) as error:
        # status shows what it can: a missing lambda:ListEventSourceMappings permission must not hide the queues.
        note = str(explain(error, clients))
    return ConsumptionStatus(state, uuid, note, retention, oldest_message_age_seconds)


def _queue_arn(sqs: SQSClient, queue_url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _mappings_of_queue(lambda_client: LambdaClient, queue_arn: str) -> list[MappingState]:
    found = []
    for page in lambda_client.get_paginator("list_event_source_mappings").paginate(EventSourceArn=queue_arn):
        found += [MappingState.from_response(entry) for entry in page.get("EventSourceMappings", [])]
    return found


def _function_name(name_or_arn: str) -> str:
    """``processor`` from ``processor``, ``processor:live`` or its (qualified) ARN."""
    if name_or_arn.startswith("arn:"):
        return name_or_arn.split(":")[6]
    return name_or_arn.split(":", maxsplit=1)[0]


def _duration(seconds: float) -> str:
    """``3 d 4 h``, ``5 h 12 min``, ``42 min`` or ``30 s``."""
    delta = datetime.timedelta(seconds=int(seconds))
    days, hours, minutes = delta.days, delta.seconds // 3600, delta.seconds % 3600 // 60
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{int(seconds)} s"
