"""Ingest stage: the event bus, the rule that selects shipment events, and the archive.

The rule's target (the buffer's queue, with the target DLQ) is wired by
:func:`connect_rule_to_queue` once the buffer exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ..naming import ResourceNames
from ..options import IngestOptions
from ..shape import PARTS


@dataclass(frozen=True)
class IngestResources:
    """What the ingest stage created (or was given).

    Attributes:
        event_bus: The bus shipment events arrive on (created, or the one given).
        rule: The rule that selects shipment events; its target is the buffer's queue.
        archive: The archive of selected events (``None`` when turned off).
    """

    event_bus: events.IEventBus
    rule: events.Rule
    archive: events.Archive | None


def create_ingest(
    scope: Construct,
    *,
    event_bus: events.IEventBus | None,
    options: IngestOptions,
    names: ResourceNames | None,
) -> IngestResources:
    """Create the bus (unless one is given), the rule that selects shipment events, and their archive.

    A bus of its own gives shipment traffic its own permissions, rules and archive.
    """
    bus = event_bus or events.EventBus(
        scope, PARTS["event_bus"].construct_id, event_bus_name=names.event_bus if names else None
    )
    pattern = options.resolved_event_pattern()
    rule = events.Rule(
        scope,
        PARTS["rule"].construct_id,
        event_bus=bus,
        rule_name=names.rule if names else None,
        description="Forwards shipment events to the processing queue",
        event_pattern=pattern,
    )
    archive = None
    if options.archive:
        archive = events.Archive(
            scope,
            PARTS["archive"].construct_id,
            source_event_bus=bus,
            event_pattern=pattern,
            archive_name=names.archive if names else None,
            description="Shipment events kept for replay",
            retention=Duration.days(options.archive_retention_days),
        )
    return IngestResources(event_bus=bus, rule=rule, archive=archive)


def connect_rule_to_queue(
    rule: events.Rule, *, queue: sqs.IQueue, target_dead_letter_queue: sqs.IQueue, options: IngestOptions
) -> None:
    """Make ``queue`` the rule's target, with an explicit retry policy and a target DLQ.

    Without a target DLQ EventBridge drops an event after its retries; with
    one, an undeliverable event (queue policy or key policy broken) is kept.
    """
    rule.add_target(
        targets.SqsQueue(
            queue,
            dead_letter_queue=target_dead_letter_queue,
            retry_attempts=options.target_retry_attempts,
            max_event_age=Duration.hours(options.target_max_event_age_hours),
        )
    )
