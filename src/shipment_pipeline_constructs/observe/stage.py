"""Observe stage: alarms, their routing, their topic and the dashboard of one pipeline, wired together.

It reads the other stages' resources (their frozen ``*Resources`` records),
never the construct that holds them, so it can run as soon as they exist.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from ..naming import ResourceNames
from ..options import ProcessorOptions
from ..shape import ALARMS_SCOPE, CRITICAL, PIPELINE_UNHEALTHY
from ..stages.buffer import BufferResources
from ..stages.ingest import IngestResources
from ..stages.process import ProcessResources
from ..stages.store import StoreResources
from .alarms import create_alarms, create_unhealthy_alarm
from .dashboard import create_dashboard
from .metrics import PipelineMetricFactory
from .notifications import create_alarm_topic, subscribe
from .routing import (
    AlarmRouting,
    enabled_alarm_ids,
    needs_alarm_topic,
    notify_by_severity,
    resolved_runbook_links,
    resolved_severities,
)
from .thresholds import AlarmThresholds


@dataclass(frozen=True)
class ObserveResources:
    """What the observe stage created (or was given).

    Attributes:
        alarms: The enabled alarms by id.
        alarm_topic: The alarm topic: the one given or created (``None`` when no alarm notifies it).
        email_subscriptions: The subscriptions of ``alarm_emails`` to the topic.
        dashboard: The dashboard (``None`` when turned off).
        severities: Each enabled alarm's severity (``critical`` or ``warning``), by id.
        runbook_links: Each enabled alarm's runbook link, by id (``PipelineUnhealthy`` included).
        critical_alarms: The enabled critical alarms, in catalogue order: what a deployment
            should roll back on.
        unhealthy_alarm: The composite alarm ``PipelineUnhealthy``, in ALARM while any critical
            alarm is (``None`` when no critical alarm is on).
    """

    alarms: Mapping[str, cloudwatch.Alarm]
    alarm_topic: sns.ITopic | None
    email_subscriptions: Sequence[sns.Subscription]
    dashboard: cloudwatch.Dashboard | None
    severities: Mapping[str, str] = field(default_factory=dict)
    runbook_links: Mapping[str, str] = field(default_factory=dict)
    critical_alarms: Sequence[cloudwatch.Alarm] = ()
    unhealthy_alarm: cloudwatch.CompositeAlarm | None = None


def create_observability(
    scope: Construct,
    *,
    ingest: IngestResources,
    buffer: BufferResources,
    process: ProcessResources,
    store: StoreResources,
    processor: ProcessorOptions,
    pipeline_name: str,
    names: ResourceNames | None,
    thresholds: AlarmThresholds,
    alarm_topic: sns.ITopic | None,
    alarm_emails: Sequence[str],
    dashboard: bool,
    encryption_key: kms.IKey | None = None,
    routing: AlarmRouting | None = None,
) -> ObserveResources:
    """Create the enabled alarms and ``PipelineUnhealthy`` (under ``Alarms/``), route them, lay out the dashboard.

    No alarm for the topic, no topic: a topic nobody publishes to would only
    cost a key. ``pipeline_name`` is the processor metrics' dimension;
    ``names`` (``None`` when CloudFormation chooses names) gives alarms, topic
    and dashboard their physical names. ``routing`` (validated with the other
    props) says where each severity goes; ``None`` sends every alarm to the topic.
    """
    metrics = PipelineMetricFactory(
        event_bus=ingest.event_bus,
        rule=ingest.rule,
        queue=buffer.queue,
        dead_letter_queue=buffer.dead_letter_queue,
        quarantine_queue=buffer.quarantine_queue,
        target_dead_letter_queue=buffer.target_dead_letter_queue,
        function=process.function,
        events_table=store.table,
        errors_table=store.errors_table,
        namespace=processor.metrics_namespace,
        pipeline_name=pipeline_name,
    )
    name = names.pipeline if names else None
    enabled = enabled_alarm_ids(thresholds)
    severities = resolved_severities(enabled, routing)
    links = resolved_runbook_links(enabled, routing)
    alarms_scope = Construct(scope, ALARMS_SCOPE)
    alarms = create_alarms(
        alarms_scope,
        metrics=metrics,
        thresholds=thresholds,
        name_prefix=name,
        severities=severities,
        runbook_links=links,
    )
    critical = [alarm for alarm_id, alarm in alarms.items() if severities[alarm_id] == CRITICAL]
    unhealthy = (
        create_unhealthy_alarm(
            alarms_scope, critical_alarms=critical, name_prefix=name, runbook_link=links[PIPELINE_UNHEALTHY]
        )
        if critical
        else None
    )
    routed: dict[str, cloudwatch.AlarmBase] = {**alarms, **({PIPELINE_UNHEALTHY: unhealthy} if unhealthy else {})}
    routed_severities = {**severities, PIPELINE_UNHEALTHY: CRITICAL}
    topic = alarm_topic
    email_subscriptions: list[sns.Subscription] = []
    if alarms and needs_alarm_topic(severities, routing):
        topic = topic or create_alarm_topic(
            scope, topic_name=f"{name}-alarms" if name else None, encryption_key=encryption_key
        )
        email_subscriptions = subscribe(topic, alarm_emails)
    notify_by_severity(routed, routed_severities, routing, topic)
    board = None
    if dashboard:
        board = create_dashboard(
            scope,
            metrics=metrics,
            alarms=alarms,
            severities=severities,
            unhealthy_alarm=unhealthy,
            dashboard_name=name,
            title=f"Shipment pipeline {pipeline_name}",
            max_concurrency=processor.max_concurrency,
        )
    return ObserveResources(
        alarms=alarms,
        alarm_topic=topic,
        email_subscriptions=email_subscriptions,
        dashboard=board,
        severities=severities,
        runbook_links=links,
        critical_alarms=tuple(critical),
        unhealthy_alarm=unhealthy,
    )
