"""Observe stage: alarms, their topic and the dashboard of one pipeline, wired together."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping, Optional, Sequence

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sns as sns
from constructs import Construct

from .alarms import create_alarms
from .dashboard import create_dashboard
from .metrics import PipelineMetricFactory
from .notifications import create_alarm_topic, notify
from .thresholds import AlarmThresholds

if TYPE_CHECKING:
    from ..pipeline import ShipmentEventPipeline


@dataclass(frozen=True)
class ObserveResources:
    """What the observe stage created (or was given)."""

    alarms: Mapping[str, cloudwatch.Alarm]
    alarm_topic: Optional[sns.ITopic]
    email_subscriptions: Sequence[sns.Subscription]
    dashboard: Optional[cloudwatch.Dashboard]


def create_observability(
    pipeline: "ShipmentEventPipeline",
    *,
    thresholds: AlarmThresholds,
    alarm_topic: Optional[sns.ITopic],
    alarm_emails: Sequence[str],
    dashboard: bool,
    physical_names: bool,
) -> ObserveResources:
    """Create the enabled alarms (under ``Alarms/``), route them to one topic, and lay out the dashboard.

    No alarm, no topic: a topic nobody publishes to would only cost a key.
    """
    metrics = PipelineMetricFactory(pipeline)
    name = pipeline.names.pipeline if physical_names else None
    alarms = create_alarms(Construct(pipeline, "Alarms"), metrics=metrics, thresholds=thresholds, name_prefix=name)
    topic = alarm_topic
    email_subscriptions: list[sns.Subscription] = []
    if alarms:
        topic = topic or create_alarm_topic(pipeline, topic_name=f"{name}-alarms" if name else None)
        email_subscriptions = notify(alarms, topic, alarm_emails)
    board = None
    if dashboard:
        board = create_dashboard(
            pipeline,
            metrics=metrics,
            alarms=alarms,
            dashboard_name=name,
            title=f"Shipment pipeline {pipeline.pipeline_name}",
            max_concurrency=pipeline.processor_options.max_concurrency,
        )
    return ObserveResources(alarms=alarms, alarm_topic=topic, email_subscriptions=email_subscriptions, dashboard=board)
