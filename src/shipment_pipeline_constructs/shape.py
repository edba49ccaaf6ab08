"""The construct's shape, written once: construct ids, template paths, alarm names, metric and variable names.

Everything that reads or writes a pipeline by name uses this module: the
stages and ``observe`` when they create resources, the operator commands,
the local runner and the cost model when they find those resources in a
synthesized template, and the tests that tie the bundled handler's
environment and metric names to the construct's. It imports nothing from
aws-cdk-lib, so the operator tooling can read it without starting jsii.

Construct ids decide CloudFormation logical IDs: renaming one replaces the
resource on the next deploy (for a table or queue, with its data). They are
public contract, pinned by ``test/test_logical_ids.py``.
"""

from __future__ import annotations

import re
from dataclasses import astuple, dataclass

__all__ = [
    "ALARMS_SCOPE",
    "ALARM_DEFAULTS",
    "ALARM_ID",
    "ALARM_IDS",
    "ALARM_NAME_PROPERTY",
    "ALARM_RESOURCE_TYPE",
    "BACKUP_SELECTION_ID",
    "COMPOSITE_ALARM_RESOURCE_TYPE",
    "CRITICAL",
    "ENV",
    "ERRORS_BY_SHIPMENT_INDEX",
    "ERRORS_PARTITION_KEY",
    "ERRORS_SORT_KEY",
    "EVENTS_PARTITION_KEY",
    "EVENTS_SORT_KEY",
    "PARTS",
    "PIPELINE_UNHEALTHY",
    "PROCESSOR_METRIC",
    "PROCESSOR_METRICS",
    "METRIC_DIMENSION",
    "SEVERITIES",
    "TABLE_TTL_ATTRIBUTE",
    "WARNING",
    "AlarmDefault",
    "AlarmIds",
    "HandlerEnvironment",
    "Part",
    "ProcessorMetricNames",
    "alarm_description",
    "alarm_name",
    "alarm_path_suffix",
    "kebab",
    "parse_alarm_description",
    "runbook_anchor",
    "runbook_link",
]


@dataclass(frozen=True)
class Part:
    """One resource of the pipeline, as it appears in a synthesized template.

    Attributes:
        construct_id: The id the construct gives it (the first path element below the pipeline).
        path_suffix: The end of its ``aws:cdk:path`` metadata, e.g. ``/Queue/Resource``.
        resource_type: Its CloudFormation type.
        name_property: The template property that holds its literal physical name, if it has one.
    """

    construct_id: str
    path_suffix: str
    resource_type: str
    name_property: str | None = None


def _part(construct_id: str, resource_type: str, name_property: str | None = None, child: str = "Resource") -> Part:
    return Part(construct_id, f"/{construct_id}/{child}", resource_type, name_property)


#: Role (the pipeline's attribute name) -> the resource that plays it.
PARTS: dict[str, Part] = {
    "event_bus": _part("EventBus", "AWS::Events::EventBus", "Name"),
    "rule": _part("Rule", "AWS::Events::Rule", "Name"),
    # events.Archive wraps its CfnArchive in a child called "Archive", not "Resource".
    "archive": _part("Archive", "AWS::Events::Archive", "ArchiveName", child="Archive"),
    "queue": _part("Queue", "AWS::SQS::Queue", "QueueName"),
    "dead_letter_queue": _part("DeadLetterQueue", "AWS::SQS::Queue", "QueueName"),
    "target_dead_letter_queue": _part("TargetDeadLetterQueue", "AWS::SQS::Queue", "QueueName"),
    "quarantine_queue": _part("QuarantineQueue", "AWS::SQS::Queue", "QueueName"),
    "role": _part("ProcessorRole", "AWS::IAM::Role", "RoleName"),
    "log_group": _part("ProcessorLogGroup", "AWS::Logs::LogGroup", "LogGroupName"),
    "function": _part("Processor", "AWS::Lambda::Function", "FunctionName"),
    "event_source": _part("QueueEventSource", "AWS::Lambda::EventSourceMapping"),
    "dynamodb_endpoint": _part("DynamoDbEndpoint", "AWS::EC2::VPCEndpoint"),
    "sqs_endpoint": _part("SqsEndpoint", "AWS::EC2::VPCEndpoint"),
    "events_table": _part("EventsTable", "AWS::DynamoDB::Table", "TableName"),
    "errors_table": _part("ErrorsTable", "AWS::DynamoDB::Table", "TableName"),
    "backup_plan": _part("BackupPlan", "AWS::Backup::BackupPlan"),
    "alarm_topic_key": _part("AlarmTopicKey", "AWS::KMS::Key"),
    "alarm_topic": _part("AlarmTopic", "AWS::SNS::Topic", "TopicName"),
    "dashboard": _part("Dashboard", "AWS::CloudWatch::Dashboard", "DashboardName"),
    # Only with ProcessorOptions(deployment=...): the alias the event source mapping invokes, and what shifts it.
    "live_alias": _part("ProcessorLiveAlias", "AWS::Lambda::Alias"),
    "deployment_group": _part("ProcessorDeployment", "AWS::CodeDeploy::DeploymentGroup"),
    # L1 resources, created straight under the pipeline: no "Resource" child.
    "schema_registry": Part("SchemaRegistry", "/SchemaRegistry", "AWS::EventSchemas::Registry", "RegistryName"),
    "event_schema": Part("EventSchema", "/EventSchema", "AWS::EventSchemas::Schema", "SchemaName"),
}

#: The id of the backup plan's selection of tables (``<pipeline>/BackupPlan/Tables``).
BACKUP_SELECTION_ID = "Tables"

#: The construct that holds every alarm (``<pipeline>/Alarms/<AlarmId>``).
ALARMS_SCOPE = "Alarms"

#: The CloudFormation type of every alarm, and its property that holds a literal physical name.
ALARM_RESOURCE_TYPE = "AWS::CloudWatch::Alarm"
ALARM_NAME_PROPERTY = "AlarmName"


@dataclass(frozen=True)
class AlarmIds:
    """The built-in alarms, in catalogue order.

    Each is the key of ``ShipmentEventPipeline.alarms``, the construct id below
    :data:`ALARMS_SCOPE`, and (in kebab case) the end of the alarm's physical name.
    """

    queue_backlog: str = "QueueBacklog"
    oldest_message_age: str = "OldestMessageAge"
    messages_near_expiry: str = "MessagesNearExpiry"
    dead_letter_messages: str = "DeadLetterMessages"
    quarantine_messages: str = "QuarantineMessages"
    target_dead_letter_messages: str = "TargetDeadLetterMessages"
    function_errors: str = "FunctionErrors"
    function_throttles: str = "FunctionThrottles"
    failed_invocations: str = "FailedInvocations"
    table_throttles: str = "TableThrottles"
    quarantined_events: str = "QuarantinedEvents"
    conflicts: str = "Conflicts"


#: The built-in alarms' ids by name (``ALARM_ID.queue_backlog == "QueueBacklog"``).
ALARM_ID = AlarmIds()
#: The built-in alarms' ids, in catalogue order.
ALARM_IDS: tuple[str, ...] = astuple(ALARM_ID)

#: Severity of an alarm that means data is at risk or not flowing: page someone.
CRITICAL = "critical"
#: Severity of an alarm that means the pipeline is degraded but keeps every event: look during working hours.
WARNING = "warning"
#: Every severity, most urgent first (the dashboard's and ``status``'s order).
SEVERITIES: tuple[str, ...] = (CRITICAL, WARNING)

#: The composite alarm in ALARM while any critical alarm is (``<pipeline>/Alarms/PipelineUnhealthy``).
PIPELINE_UNHEALTHY = "PipelineUnhealthy"
#: Its CloudFormation type.
COMPOSITE_ALARM_RESOURCE_TYPE = "AWS::CloudWatch::CompositeAlarm"


@dataclass(frozen=True)
class AlarmDefault:
    """What a built-in alarm is unless the user says otherwise.

    Attributes:
        threshold_field: The ``AlarmThresholds`` field that sets it and turns it off.
        severity: :data:`CRITICAL` or :data:`WARNING`.
        severity_reason: Why that severity (shown on the documentation's "Dashboard and alarms" page).
    """

    threshold_field: str
    severity: str
    severity_reason: str


# Critical: an event is not stored, or not flowing, and needs someone now. Warning: the pipeline is slower or a
# producer is wrong, but every event is still held somewhere for days: it can wait for working hours.
#: Each built-in alarm's threshold field and default severity, by alarm id, in catalogue order.
ALARM_DEFAULTS: dict[str, AlarmDefault] = {
    ALARM_ID.queue_backlog: AlarmDefault(
        "queue_backlog_messages",
        WARNING,
        "events are late, not lost: the source queue keeps them for days (4 by default); a backlog that turns "
        "into failures raises FunctionErrors or DeadLetterMessages",
    ),
    ALARM_ID.oldest_message_age: AlarmDefault(
        "oldest_message_age_seconds",
        WARNING,
        "a message waiting 15 minutes (the default) is late, days before the queue's retention would expire it",
    ),
    ALARM_ID.messages_near_expiry: AlarmDefault(
        "oldest_message_near_expiry_seconds",
        CRITICAL,
        "the oldest message is a day from the queue's retention: events start to be deleted unread unless "
        "consumption resumes",
    ),
    ALARM_ID.dead_letter_messages: AlarmDefault(
        "dead_letter_messages",
        CRITICAL,
        "each message is an event that failed its last receive and was not stored",
    ),
    ALARM_ID.quarantine_messages: AlarmDefault(
        "quarantine_messages",
        WARNING,
        "the processor is healthy and kept a copy of each refused event for 14 days: a person decides, not a pager",
    ),
    ALARM_ID.target_dead_letter_messages: AlarmDefault(
        "target_dead_letter_messages",
        CRITICAL,
        "each event there never reached the queue: events are not flowing into the pipeline",
    ),
    ALARM_ID.function_errors: AlarmDefault(
        "function_errors",
        CRITICAL,
        "whole batches fail for 10 of 15 minutes: nothing is stored, and every message heads for the DLQ",
    ),
    ALARM_ID.function_throttles: AlarmDefault(
        "function_throttles",
        WARNING,
        "throttled messages return to the queue and are retried; only those that run out of receives are lost, "
        "and DeadLetterMessages pages for them",
    ),
    ALARM_ID.failed_invocations: AlarmDefault(
        "failed_invocations",
        CRITICAL,
        "EventBridge gave up on an event after all its retries: events are not flowing into the queue",
    ),
    ALARM_ID.table_throttles: AlarmDefault(
        "table_throttled_requests",
        WARNING,
        "throttled writes are retried; only a write still throttled on its last receive is lost, "
        "and DeadLetterMessages pages for it",
    ),
    ALARM_ID.quarantined_events: AlarmDefault(
        "quarantined_events",
        WARNING,
        "a producer sends malformed events; each is kept in the quarantine queue: the producer's team fixes it",
    ),
    ALARM_ID.conflicts: AlarmDefault(
        "conflicts",
        WARNING,
        "the first write was kept and the other has an error record (and a quarantined copy with "
        'on_conflict="quarantine"): a person decides which is right',
    ),
}


@dataclass(frozen=True)
class ProcessorMetricNames:
    """The counts the bundled processor publishes (CloudWatch EMF, one document per batch), in dashboard order."""

    received: str = "Received"
    stored: str = "Stored"
    duplicates: str = "Duplicates"
    quarantined: str = "Quarantined"
    retried: str = "Retried"
    conflicts: str = "Conflicts"


#: The processor's metric names by field (``PROCESSOR_METRIC.quarantined == "Quarantined"``).
PROCESSOR_METRIC = ProcessorMetricNames()
#: The processor's metric names, in dashboard order.
PROCESSOR_METRICS: tuple[str, ...] = astuple(PROCESSOR_METRIC)
#: The one dimension of every processor metric; its value is the pipeline's name (``PIPELINE_NAME``).
METRIC_DIMENSION = "Pipeline"


@dataclass(frozen=True)
class HandlerEnvironment:
    """The names of the environment variables the bundled handler reads: its whole configuration.

    The construct sets all of them but ``dead_letter_queue_url``, which the handler reads only when
    ``quarantine_queue_url`` is absent (a function configured before the quarantine queue existed).
    """

    events_table_name: str = "EVENTS_TABLE_NAME"
    errors_table_name: str = "ERRORS_TABLE_NAME"
    quarantine_queue_url: str = "QUARANTINE_QUEUE_URL"
    dead_letter_queue_url: str = "DEAD_LETTER_QUEUE_URL"
    ttl_days: str = "TTL_DAYS"
    max_receive_count: str = "MAX_RECEIVE_COUNT"
    metrics_namespace: str = "METRICS_NAMESPACE"
    pipeline_name: str = "PIPELINE_NAME"
    on_conflict: str = "ON_CONFLICT"


#: The handler's environment variable names (``ENV.events_table_name == "EVENTS_TABLE_NAME"``).
ENV = HandlerEnvironment()

# The tables' key names: the construct creates the tables with them, the handler writes items with them,
# and the operator commands query with them. Changing one replaces the table.
#: Partition key of the events table (and of the errors table's by-shipment index).
EVENTS_PARTITION_KEY = "shipment_id"
#: Sort key of the events table.
EVENTS_SORT_KEY = "event_timestamp"
#: Partition key of the errors table: the UTC day of the error.
ERRORS_PARTITION_KEY = "error_date"
#: Sort key of the errors table (and of its by-shipment index): a time-ordered id.
ERRORS_SORT_KEY = "error_id"
#: The errors table's sparse index by shipment id.
ERRORS_BY_SHIPMENT_INDEX = "by-shipment"
#: The attribute DynamoDB's TTL reads on both tables (epoch seconds).
TABLE_TTL_ATTRIBUTE = "expires_at"


def kebab(name: str) -> str:
    """``QueueBacklog`` -> ``queue-backlog``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def alarm_name(pipeline_name: str, alarm_id: str) -> str:
    """The physical name the construct gives an alarm: ``<pipeline>-queue-backlog``."""
    return f"{pipeline_name}-{kebab(alarm_id)}"


def alarm_path_suffix(alarm_id: str) -> str:
    """The end of an alarm's ``aws:cdk:path``: ``/Alarms/QueueBacklog/Resource``."""
    return f"/{ALARMS_SCOPE}/{alarm_id}/Resource"


def runbook_anchor(alarm_id: str) -> str:
    """The anchor of an alarm's section in the runbook: ``QueueBacklog`` -> ``queue-backlog``."""
    return kebab(alarm_id)


def runbook_link(base_url: str, alarm_id: str) -> str:
    """The runbook link of an alarm: ``<base_url>#queue-backlog``."""
    return f"{base_url}#{runbook_anchor(alarm_id)}"


#: What separates an alarm's text from its runbook link in its description.
RUNBOOK_SEPARATOR = " Runbook: "
_DESCRIPTION = re.compile(r"(?P<severity>[A-Z]+): .*" + RUNBOOK_SEPARATOR + r"(?P<runbook>\S+)", re.S)


def alarm_description(severity: str, text: str, runbook: str) -> str:
    """An alarm's description: ``CRITICAL: <what it means and what to do> Runbook: <link>``.

    The severity comes first so it leads the notification's subject line of
    thought; the link comes last so it is easy to find. ``status`` reads both
    back with :func:`parse_alarm_description`.
    """
    return f"{severity.upper()}: {text}{RUNBOOK_SEPARATOR}{runbook}"


def parse_alarm_description(description: str | None) -> tuple[str | None, str | None]:
    """``(severity, runbook link)`` of a description written by :func:`alarm_description`; ``(None, None)`` otherwise."""
    match = _DESCRIPTION.fullmatch((description or "").strip())
    if not match or match["severity"].lower() not in SEVERITIES:
        return None, None
    return match["severity"].lower(), match["runbook"]
