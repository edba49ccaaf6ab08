"""Alarm factory: one CloudWatch alarm per enabled :class:`AlarmThresholds` field.

:data:`ALARM_DEFINITIONS` is the whole catalogue: which metric each alarm
watches, what it means for an operator, and how it treats missing data. The
thresholds come from :class:`AlarmThresholds`; each alarm's severity and
runbook link (in its description) and its actions come from :mod:`.routing`.
:func:`create_unhealthy_alarm` adds the composite ``PipelineUnhealthy``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from ..shape import (
    ALARM_DEFAULTS,
    ALARM_ID,
    CRITICAL,
    PIPELINE_UNHEALTHY,
    PROCESSOR_METRIC,
    alarm_description,
    alarm_name,
)
from .metrics import PipelineMetricFactory
from .thresholds import AlarmThresholds

MissingData = cloudwatch.TreatMissingData


@dataclass(frozen=True)
class AlarmDefinition:
    """One alarm of the catalogue.

    Attributes:
        name: Key in :attr:`ShipmentEventPipeline.alarms`, construct id, and
            (in kebab case) the end of the alarm's name; one of
            :data:`~shipment_pipeline_constructs.shape.ALARM_IDS`.
        description: What the alarm means and where to look first; shown in
            the alarm and in the notification, after its severity and before its runbook link.
        treat_missing_data: What CloudWatch assumes when the metric reports nothing.
        missing_data_reason: Why that choice (documented on the documentation's "Dashboard and alarms" page).
        metric: Builds the watched metric for a period.
    """

    name: str
    description: str
    treat_missing_data: cloudwatch.TreatMissingData
    missing_data_reason: str
    metric: Callable[[PipelineMetricFactory, Duration], cloudwatch.IMetric]

    @property
    def threshold_field(self) -> str:
        """The :class:`AlarmThresholds` field that sets and enables it (from :data:`~shipment_pipeline_constructs.shape.ALARM_DEFAULTS`)."""
        return ALARM_DEFAULTS[self.name].threshold_field

    @property
    def default_severity(self) -> str:
        """``critical`` or ``warning`` unless :class:`AlarmRouting` says otherwise (from ``shape.ALARM_DEFAULTS``)."""
        return ALARM_DEFAULTS[self.name].severity


# SQS stops reporting for a queue without activity for about six hours. A DLQ
# holding messages that nobody touches goes quiet while still full: IGNORE
# keeps the alarm in ALARM until data says otherwise, instead of flapping to OK.
_DLQ_MISSING = "a quiet queue stops reporting while messages still sit in it: keep the last state"
# Lambda, EventBridge and the EMF metrics only report when something happened.
_COUNT_MISSING = "the metric reports only when something happened: no data means none happened"

ALARM_DEFINITIONS: tuple[AlarmDefinition, ...] = (
    AlarmDefinition(
        ALARM_ID.queue_backlog,
        "Shipment events are piling up in the source queue: the processor is not keeping up. "
        "Check the processor's errors and throttles and DynamoDB throttling.",
        MissingData.NOT_BREACHING,
        "an idle queue may report nothing; no data is no backlog",
        lambda metrics, period: metrics.visible_messages(period),
    ),
    AlarmDefinition(
        ALARM_ID.oldest_message_age,
        "A shipment event has waited too long in the source queue: messages are being retried or not consumed. "
        "Check the processor's errors and logs.",
        MissingData.NOT_BREACHING,
        "an idle queue may report nothing; no data is no waiting message",
        lambda metrics, period: metrics.oldest_message_age_seconds(period),
    ),
    AlarmDefinition(
        ALARM_ID.messages_near_expiry,
        "The oldest shipment event in the source queue is a day from the queue's retention: SQS will soon "
        "delete events unread. Resume consumption now (`shipment-pipeline status` says whether it is paused), "
        "and fix what keeps the processor from consuming.",
        MissingData.IGNORE,
        "SQS stops reporting a queue without any request for about six hours, while messages still age in it: "
        "keep the last state",
        lambda metrics, period: metrics.oldest_message_age_seconds(period),
    ),
    AlarmDefinition(
        ALARM_ID.dead_letter_messages,
        "Messages are in the dead-letter queue: valid-looking events failed every retry (DynamoDB "
        "errors, throttling, timeouts, crashes) and were not stored. `shipment-pipeline dlq inspect` shows "
        "each one's error record; fix the cause, then `shipment-pipeline dlq redrive`.",
        MissingData.IGNORE,
        _DLQ_MISSING,
        lambda metrics, period: metrics.dead_letter_messages(period),
    ),
    AlarmDefinition(
        ALARM_ID.quarantine_messages,
        "Events are in the quarantine queue: the processor refused them as invalid, or as in "
        "conflict with a stored event, and kept a copy for a person to decide. The pipeline itself is "
        "healthy. `shipment-pipeline dlq inspect --quarantine` shows why; have the producer resend corrected "
        "events, or, if they were refused wrongly, fix the processor and `dlq redrive --quarantine`.",
        MissingData.IGNORE,
        _DLQ_MISSING,
        lambda metrics, period: metrics.quarantine_messages(period),
    ),
    AlarmDefinition(
        ALARM_ID.target_dead_letter_messages,
        "EventBridge could not deliver events to the source queue and put them in the target DLQ. "
        "Check the queue policy and, with a customer managed key, the key policy.",
        MissingData.IGNORE,
        _DLQ_MISSING,
        lambda metrics, period: metrics.target_dead_letter_messages(period),
    ),
    AlarmDefinition(
        ALARM_ID.function_errors,
        "Processor invocations are failing as a whole (not single records): check its logs and X-Ray traces.",
        MissingData.NOT_BREACHING,
        _COUNT_MISSING,
        lambda metrics, period: metrics.function_errors(period),
    ),
    AlarmDefinition(
        ALARM_ID.function_throttles,
        "Lambda is throttling the processor: account concurrency is exhausted or reserved concurrency is "
        "below the event source mapping's maximum concurrency.",
        MissingData.NOT_BREACHING,
        _COUNT_MISSING,
        lambda metrics, period: metrics.function_throttles(period),
    ),
    AlarmDefinition(
        ALARM_ID.failed_invocations,
        "EventBridge gave up delivering shipment events to the source queue. Check the target DLQ and the "
        "queue and key policies.",
        MissingData.NOT_BREACHING,
        "EventBridge sends FailedInvocations only when it is not zero",
        lambda metrics, period: metrics.failed_invocations(period),
    ),
    AlarmDefinition(
        ALARM_ID.table_throttles,
        "DynamoDB is throttling the processor's writes: a table limit, or provisioned capacity too low.",
        MissingData.NOT_BREACHING,
        _COUNT_MISSING,
        lambda metrics, period: metrics.all_throttled_writes(period),
    ),
    AlarmDefinition(
        ALARM_ID.quarantined_events,
        "The processor is quarantining invalid shipment events: a producer sends malformed events. "
        "The errors table says why each was rejected.",
        MissingData.NOT_BREACHING,
        _COUNT_MISSING,
        lambda metrics, period: metrics.processor(PROCESSOR_METRIC.quarantined, period),
    ),
    AlarmDefinition(
        ALARM_ID.conflicts,
        "The processor received a shipment event that conflicts with a stored one (same shipment and "
        "timestamp, different content): two producers disagree and the first write was kept. "
        "`shipment-pipeline errors --type conflict` shows both versions; a person must decide which is right.",
        MissingData.NOT_BREACHING,
        _COUNT_MISSING,
        lambda metrics, period: metrics.processor(PROCESSOR_METRIC.conflicts, period),
    ),
)


def create_alarms(
    scope: Construct,
    *,
    metrics: PipelineMetricFactory,
    thresholds: AlarmThresholds,
    name_prefix: str | None,
    severities: Mapping[str, str],
    runbook_links: Mapping[str, str],
) -> dict[str, cloudwatch.Alarm]:
    """Create the enabled alarms under ``scope``; returns them by :attr:`AlarmDefinition.name`.

    ``name_prefix`` (the pipeline's name) gives alarms readable physical
    names such as ``shipment-events-prod-queue-backlog``; ``None`` leaves
    naming to CloudFormation. Each alarm's description starts with its
    severity and ends with its runbook link (``severities`` and
    ``runbook_links`` hold one for every enabled alarm).
    """
    alarms: dict[str, cloudwatch.Alarm] = {}
    periods: dict[int, Duration] = {}  # one Duration per length: each is a request to jsii
    for definition in ALARM_DEFINITIONS:
        threshold = getattr(thresholds, definition.threshold_field)
        if threshold is None:
            continue
        if threshold.period_minutes not in periods:
            periods[threshold.period_minutes] = Duration.minutes(threshold.period_minutes)
        alarms[definition.name] = cloudwatch.Alarm(
            scope,
            definition.name,
            alarm_name=alarm_name(name_prefix, definition.name) if name_prefix else None,
            alarm_description=alarm_description(
                severities[definition.name], definition.description, runbook_links[definition.name]
            ),
            metric=definition.metric(metrics, periods[threshold.period_minutes]),
            threshold=threshold.value,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=threshold.evaluation_periods,
            datapoints_to_alarm=threshold.datapoints_to_alarm,
            treat_missing_data=definition.treat_missing_data,
        )
    return alarms


#: What the composite alarm means: the one alarm to page on.
UNHEALTHY_DESCRIPTION = (
    "The shipment pipeline is unhealthy: at least one critical alarm is in ALARM, so events are not being "
    "stored or not reaching the pipeline. The alarm's reason names the critical alarm that fired; its own "
    "description and runbook section say what to do. `shipment-pipeline status` shows every alarm in ALARM."
)


def create_unhealthy_alarm(
    scope: Construct,
    *,
    critical_alarms: Sequence[cloudwatch.IAlarm],
    name_prefix: str | None,
    runbook_link: str,
) -> cloudwatch.CompositeAlarm:
    """The composite alarm ``PipelineUnhealthy``: in ALARM while any of ``critical_alarms`` is.

    One alarm to page on: however many critical alarms fire together (a broken
    queue policy raises both ``FailedInvocations`` and ``TargetDeadLetterMessages``),
    the pager hears once, and again when all have cleared.
    """
    return cloudwatch.CompositeAlarm(
        scope,
        PIPELINE_UNHEALTHY,
        composite_alarm_name=alarm_name(name_prefix, PIPELINE_UNHEALTHY) if name_prefix else None,
        alarm_description=alarm_description(CRITICAL, UNHEALTHY_DESCRIPTION, runbook_link),
        alarm_rule=cloudwatch.AlarmRule.any_of(
            *(cloudwatch.AlarmRule.from_alarm(alarm, cloudwatch.AlarmState.ALARM) for alarm in critical_alarms)
        ),
    )
