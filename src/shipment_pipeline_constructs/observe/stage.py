"""Observe stage: alarms, their topic and the dashboard of one pipeline, wired together.

It reads the other stages' resources (their frozen ``*Resources`` records),
never the construct that holds them, so it can run as soon as they exist.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from ..naming import ResourceNames
from ..options import ProcessorOptions
from ..shape import ALARMS_SCOPE
from ..stages.buffer import BufferResources
from ..stages.ingest import IngestResources
from ..stages.process import ProcessResources
from ..stages.store import StoreResources
from .alarms import create_alarms
from .dashboard import create_dashboard
from .metrics import PipelineMetricFactory
from .notifications import create_alarm_topic, notify
from .thresholds import AlarmThresholds


@dataclass(frozen=True)
class ObserveResources:
    """What the observe stage created (or was given).

    Attributes:
        alarms: The enabled alarms by id.
        alarm_topic: The topic every alarm notifies (``None`` when every alarm is off).
        email_subscriptions: The subscriptions of ``alarm_emails`` to the topic.
        dashboard: The dashboard (``None`` when turned off).
    """

    alarms: Mapping[str, cloudwatch.Alarm]
    alarm_topic: sns.ITopic | None
    email_subscriptions: Sequence[sns.Subscription]
    dashboard: cloudwatch.Dashboard | None


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
) -> ObserveResources:
    """Create the enabled alarms (under ``Alarms/``), route them to one topic, and lay out the dashboard.

    No alarm, no topic: a topic nobody publishes to would only cost a key.
    ``pipeline_name`` is the processor metrics' dimension; ``names`` (``None``
    when CloudFormation chooses names) gives alarms, topic and dashboard
    their physical names.
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
    alarms = create_alarms(Construct(scope, ALARMS_SCOPE), metrics=metrics, thresholds=thresholds, name_prefix=name)
    topic = alarm_topic
    email_subscriptions: list[sns.Subscription] = []
    if alarms:
        topic = topic or create_alarm_topic(
            scope, topic_name=f"{name}-alarms" if name else None, encryption_key=encryption_key
        )
        email_subscriptions = notify(alarms, topic, alarm_emails)
    board = None
    if dashboard:
        board = create_dashboard(
            scope,
            metrics=metrics,
            alarms=alarms,
            dashboard_name=name,
            title=f"Shipment pipeline {pipeline_name}",
            max_concurrency=processor.max_concurrency,
        )
    return ObserveResources(alarms=alarms, alarm_topic=topic, email_subscriptions=email_subscriptions, dashboard=board)
