"""Ingest stage: event bus, the rule that forwards shipment events, its DLQ, and the archive."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ..naming import ResourceNames
from ..options import IngestOptions


@dataclass(frozen=True)
class IngestResources:
    """What the ingest stage created (or was given)."""

    event_bus: events.IEventBus
    rule: events.Rule
    archive: Optional[events.Archive]


def create_event_bus(scope: Construct, names: Optional[ResourceNames]) -> events.EventBus:
    """A custom bus, so shipment traffic has its own permissions, rules and archive."""
    return events.EventBus(scope, "EventBus", event_bus_name=names.event_bus if names else None)


def connect_bus_to_queue(
    scope: Construct,
    *,
    event_bus: events.IEventBus,
    queue: sqs.IQueue,
    target_dead_letter_queue: sqs.IQueue,
    options: IngestOptions,
    names: Optional[ResourceNames],
) -> IngestResources:
    """Route matching events to the queue with an explicit retry policy, and archive them.

    Without a target DLQ EventBridge drops an event after its retries; with
    one, an undeliverable event (queue policy or key policy broken) is kept.
    """
    pattern = options.resolved_event_pattern()
    rule = events.Rule(
        scope,
        "Rule",
        event_bus=event_bus,
        rule_name=names.rule if names else None,
        description="Forwards shipment events to the processing queue",
        event_pattern=pattern,
        targets=[
            targets.SqsQueue(
                queue,
                dead_letter_queue=target_dead_letter_queue,
                retry_attempts=options.target_retry_attempts,
                max_event_age=Duration.hours(options.target_max_event_age_hours),
            )
        ],
    )
    archive = None
    if options.archive:
        archive = events.Archive(
            scope,
            "Archive",
            source_event_bus=event_bus,
            event_pattern=pattern,
            archive_name=names.archive if names else None,
            description="Shipment events kept for replay",
            retention=Duration.days(options.archive_retention_days),
        )
    return IngestResources(event_bus=event_bus, rule=rule, archive=archive)
