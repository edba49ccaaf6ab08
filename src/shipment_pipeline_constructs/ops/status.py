"""One screen of pipeline health: backlog, oldest message, DLQs, alarms, recent error records.

Healthy means: every alarm the pipeline should have exists and none is in
``ALARM``, both dead-letter queues empty, the oldest message younger than
``max_oldest_age_seconds`` and more than a day away from the queue's retention
(:mod:`.consumption`, which also says whether consumption is paused). Alarms are looked up by exact name
(:attr:`PipelineResources.alarms`: from the stack's template, or the names the
construct gives them), never by prefix: a prefix misses alarms CloudFormation
named, and ``shipment-events-prod`` would also match ``shipment-events-prod-eu-*``. :attr:`Status.problems`
says what is wrong, so ``shipment-pipeline status`` can gate a script. Each alarm's severity and runbook
link are read back from its description (:func:`shape.parse_alarm_description`), so an alarm in ALARM
says how urgent it is and where its runbook is.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from .. import defaults, shape
from .consumption import ConsumptionStatus, read_consumption
from .errors import query_error_records
from .resources import PipelineResources

if TYPE_CHECKING:
    from types_boto3_cloudwatch import CloudWatchClient
    from types_boto3_sqs import SQSClient
    from types_boto3_sqs.literals import QueueAttributeFilterType

    from .aws import Connection

#: An oldest message older than this makes the pipeline unhealthy by default (the OldestMessageAge alarm's default).
DEFAULT_MAX_OLDEST_AGE_SECONDS = defaults.OLDEST_MESSAGE_AGE_SECONDS
RECENT_ERRORS = 5
#: DescribeAlarms takes at most this many names per call.
MAX_ALARM_NAMES_PER_CALL = 100
_QUEUE_ATTRIBUTES: list[QueueAttributeFilterType] = [
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
]


@dataclass
class QueueDepth:
    """Messages in one queue: waiting, being processed (in flight), delayed."""

    name: str
    visible: int
    in_flight: int
    delayed: int

    @property
    def total(self) -> int:
        """All messages the queue holds."""
        return self.visible + self.in_flight + self.delayed


@dataclass
class Status:
    """Everything ``status`` shows; ``problems`` is empty when healthy."""

    queue: QueueDepth
    dead_letter_queue: QueueDepth
    target_dead_letter_queue: QueueDepth | None
    oldest_message_age_seconds: float | None
    #: Each alarm found: ``name``, ``state``, ``reason``, ``severity`` and ``runbook`` (``None`` when its
    #: description does not say, e.g. an alarm the construct did not create).
    alarms: list[dict[str, str | None]] = field(default_factory=list)
    #: Alarm names the pipeline should have; ``None`` when unknown (not checked), empty when deployed with alarms off.
    expected_alarms: list[str] | None = None
    missing_alarms: list[str] = field(default_factory=list)
    recent_errors: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: Whether the event source mapping consumes, and the oldest message's time left before retention expires it.
    consumption: ConsumptionStatus | None = None

    @property
    def healthy(self) -> bool:
        """True when nothing needs an operator."""
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        """For ``--json``."""
        consumption = {"consumption": self.consumption.to_dict()} if self.consumption is not None else {}
        return {**asdict(self), "healthy": self.healthy, **consumption}


def collect_status(
    clients: Connection,
    resources: PipelineResources,
    *,
    max_oldest_age_seconds: float = DEFAULT_MAX_OLDEST_AGE_SECONDS,
    now: datetime.datetime | None = None,
) -> Status:
    """Read the pipeline's state; ``clients`` is a :class:`~.aws.Connection` (anything with ``client(name)``)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    sqs = clients.client("sqs")
    queue_name = resources.require("queue")
    queue = _depth(sqs, queue_name)
    dead_letter_queue = _depth(sqs, resources.require("dead_letter_queue"))
    target = _depth(sqs, resources.target_dead_letter_queue) if resources.target_dead_letter_queue else None
    oldest = _oldest_message_age(clients.client("cloudwatch"), queue_name.rsplit("/", 1)[-1], now)
    expected = list(resources.alarms) if resources.alarms is not None else None
    alarms, missing = _alarms(clients.client("cloudwatch"), expected or [])
    recent: list[dict[str, Any]] = []
    if resources.errors_table:
        recent = list(
            query_error_records(
                clients.client("dynamodb"),
                resources.errors_table,
                since=now - datetime.timedelta(days=1),
                until=now,
                limit=RECENT_ERRORS,
            )
        )
    status = Status(queue, dead_letter_queue, target, oldest, alarms, expected, missing, recent)
    status.consumption = read_consumption(clients, resources, oldest_message_age_seconds=oldest)
    status.problems = _problems(status, max_oldest_age_seconds) + status.consumption.problems()
    return status


def format_status(status: Status, resources: PipelineResources) -> str:
    """The one-screen text view."""
    lines = [f"pipeline {resources.pipeline_name or '(unknown name)'}: {'HEALTHY' if status.healthy else 'UNHEALTHY'}"]
    lines += [f"  ! {problem}" for problem in status.problems]
    age = "no data" if status.oldest_message_age_seconds is None else f"{status.oldest_message_age_seconds:.0f} s"
    lines.append("queues")
    lines.append(
        f"  source      {status.queue.visible} waiting, {status.queue.in_flight} in flight, "
        f"{status.queue.delayed} delayed; oldest message {age}"
    )
    lines.append(f"  DLQ         {status.dead_letter_queue.total} messages")
    if status.target_dead_letter_queue is not None:
        lines.append(
            f"  target DLQ  {status.target_dead_letter_queue.total} messages (events EventBridge could not deliver)"
        )
    if status.consumption is not None:
        lines += status.consumption.lines()
    if status.expected_alarms is None:
        lines.append("alarms  not checked (names unknown)")
    elif not status.expected_alarms:
        lines.append("alarms  off (the pipeline was deployed without alarms)")
    else:
        lines.append(f"alarms  {len(status.alarms)} of {len(status.expected_alarms)} found")
    lines += [_alarm_line(alarm) for alarm in status.alarms]
    lines += [f"  {'NOT FOUND':<17} {name}" for name in status.missing_alarms]
    lines.append("recent error records (last 24 h)" + ("" if status.recent_errors else "  none"))
    for record in status.recent_errors:
        lines.append(
            f"  {record.get('recorded_at', '')}  {record.get('disposition', '')}  {record.get('error_type', '')}  "
            f"{record.get('shipment_id', '-')}  {str(record.get('error_message', ''))[:60]}"
        )
    return "\n".join(lines)


def _alarm_line(alarm: dict[str, str | None]) -> str:
    """``  ALARM  <name>  critical, runbook <link>``: severity and runbook only where an operator must act."""
    line = f"  {alarm['state']:<17} {alarm['name']}"
    if alarm["state"] != "ALARM":
        return line
    if alarm["severity"] is None:
        return f"{line}  (severity and runbook unknown: not in its description)"
    return f"{line}  {alarm['severity']}, runbook {alarm['runbook']}"


def _depth(sqs: SQSClient, name_or_url: str) -> QueueDepth:
    url = PipelineResources.queue_url(sqs, name_or_url)
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=_QUEUE_ATTRIBUTES)["Attributes"]
    return QueueDepth(
        name=url.rsplit("/", 1)[-1],
        visible=int(attributes.get("ApproximateNumberOfMessages", 0)),
        in_flight=int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
        delayed=int(attributes.get("ApproximateNumberOfMessagesDelayed", 0)),
    )


def _oldest_message_age(cloudwatch: CloudWatchClient, queue_name: str, now: datetime.datetime) -> float | None:
    # SQS reports this only as a CloudWatch metric (1-minute resolution, a few minutes late).
    response = cloudwatch.get_metric_statistics(
        Namespace="AWS/SQS",
        MetricName="ApproximateAgeOfOldestMessage",
        Dimensions=[{"Name": "QueueName", "Value": queue_name}],
        StartTime=now - datetime.timedelta(minutes=15),
        EndTime=now,
        Period=60,
        Statistics=["Maximum"],
    )
    datapoints = sorted(response.get("Datapoints", []), key=lambda point: point["Timestamp"])
    return float(datapoints[-1]["Maximum"]) if datapoints else None


def _alarms(cloudwatch: CloudWatchClient, names: list[str]) -> tuple[list[dict[str, str | None]], list[str]]:
    """The alarms with exactly these names (in the given order), and the names not found."""
    found: dict[str, dict[str, str | None]] = {}
    for start in range(0, len(names), MAX_ALARM_NAMES_PER_CALL):
        pages = cloudwatch.get_paginator("describe_alarms").paginate(
            AlarmNames=names[start : start + MAX_ALARM_NAMES_PER_CALL], AlarmTypes=["MetricAlarm", "CompositeAlarm"]
        )
        for page in pages:
            for alarm in [*page.get("MetricAlarms", []), *page.get("CompositeAlarms", [])]:
                severity, runbook = shape.parse_alarm_description(alarm.get("AlarmDescription"))
                found[alarm["AlarmName"]] = {
                    "name": alarm["AlarmName"],
                    "state": alarm["StateValue"],
                    "reason": alarm.get("StateReason", ""),
                    "severity": severity,
                    "runbook": runbook,
                }
    return [found[name] for name in names if name in found], [name for name in names if name not in found]


def _problems(status: Status, max_oldest_age_seconds: float) -> list[str]:
    firing = [alarm for alarm in status.alarms if alarm["state"] == "ALARM"]
    # Critical first: the line an operator reads first is the one to act on first.
    firing.sort(key=lambda alarm: alarm["severity"] != shape.CRITICAL)
    problems = [
        f"alarm {alarm['name']} is in ALARM"
        + (f" ({alarm['severity']}: runbook {alarm['runbook']})" if alarm["severity"] else "")
        for alarm in firing
    ]
    if status.expected_alarms is None:
        problems.append(
            "alarms not checked: their names are unknown; pass --stack or --suffix, name them with --alarm, "
            "or pass --no-alarms if the pipeline has none"
        )
    elif status.missing_alarms:
        problems.append(
            f"{len(status.missing_alarms)} of the pipeline's {len(status.expected_alarms)} alarm(s) not found "
            f"({', '.join(status.missing_alarms)}): not deployed, or named by CloudFormation "
            "(physical_names=False)? --stack finds them whatever their names; --alarm names them exactly"
        )
    if status.dead_letter_queue.total:
        problems.append(
            f"{status.dead_letter_queue.total} message(s) in the DLQ: `shipment-pipeline dlq inspect`, fix, then `dlq redrive`"
        )
    if status.target_dead_letter_queue is not None and status.target_dead_letter_queue.total:
        problems.append(
            f"{status.target_dead_letter_queue.total} event(s) EventBridge could not deliver (target DLQ): check the "
            "queue's policy and KMS key policy, then `shipment-pipeline dlq redrive --target`"
        )
    age = status.oldest_message_age_seconds
    if age is not None and age > max_oldest_age_seconds:
        problems.append(
            f"oldest message is {age:.0f} s old (limit {max_oldest_age_seconds:.0f} s): the processor is behind or failing"
        )
    return problems
