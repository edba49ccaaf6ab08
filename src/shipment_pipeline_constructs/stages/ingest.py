"""Ingest stage: the event bus, the rule that selects shipment events, and the archive.

The bus the construct creates may also take events from producers in other
accounts (:func:`allow_producers`). The rule's target (the buffer's queue, with the target DLQ) is wired by
:func:`connect_rule_to_queue` once the buffer exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Annotations, Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ..naming import ResourceNames
from ..options import IngestOptions
from ..shape import PARTS
from . import encryption
from .buffer import eventbridge_target_view

#: Statement ids of the bus's resource policy (CDK prefixes them with ``cdk-``).
PRODUCER_ACCOUNTS_SID = "ShipmentProducerAccounts"
PRODUCER_ORGANIZATION_SID = "ShipmentProducerOrganization"
#: The id of the warning given when producers are asked for on a bus the construct does not own.
EXISTING_BUS_WARNING_ID = "shipment-pipeline:producersOnExistingBus"


@dataclass(frozen=True)
class IngestResources:
    """What the ingest stage created (or was given).

    Attributes:
        event_bus: The bus shipment events arrive on (created, or the one given).
        rule: The rule that selects shipment events; its target is the buffer's queue.
        archive: The archive of selected events (``None`` when turned off).
        bus_name: The bus's name as a value that refers to no resource (for key policy conditions), else ``None``.
    """

    event_bus: events.IEventBus
    rule: events.Rule
    archive: events.Archive | None
    bus_name: str | None = None


def create_ingest(
    scope: Construct,
    *,
    event_bus: events.IEventBus | None,
    options: IngestOptions,
    names: ResourceNames | None,
    encryption_key: kms.IKey | None = None,
) -> IngestResources:
    """Create the bus (unless one is given), the rule that selects shipment events, and their archive.

    A bus of its own gives shipment traffic its own permissions, rules and archive.
    With ``encryption_key``, the bus the construct creates and the archive are encrypted with it.
    """
    bus = event_bus or events.EventBus(
        scope, PARTS["event_bus"].construct_id, event_bus_name=names.event_bus if names else None
    )
    bus_name = _literal_bus_name(bus, created=event_bus is None)
    if options.has_producers:
        if event_bus is None and isinstance(bus, events.EventBus):  # the bus created just above
            allow_producers(bus, options)
        else:
            # The policy of a bus the construct was given belongs to the bus's owner (it may hold other
            # statements, or live in another stack): changing it from here would fight that owner.
            Annotations.of(scope).add_warning_v2(
                EXISTING_BUS_WARNING_ID,
                "ingest.producer_accounts and ingest.producer_organization_id are not applied to an existing "
                "event_bus: the construct leaves its resource policy to its owner. Allow events:PutEvents for "
                f"the sources {options.producer_sources()} on that bus yourself.",
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
    if encryption_key is not None:
        _encrypt(scope, encryption_key, bus=bus, created=event_bus is None, archive=archive, bus_name=bus_name)
    return IngestResources(event_bus=bus, rule=rule, archive=archive, bus_name=bus_name)


def _literal_bus_name(bus: events.IEventBus, *, created: bool) -> str | None:
    """The bus's name as a value that refers to no resource (for key policy conditions), when there is one.

    A created bus's name is its physical name, which aws-cdk-lib sets to the
    construct's unique id when none is given; its ``event_bus_name`` attribute
    would be a reference to the bus, which the key's policy cannot hold (the bus
    refers to the key). An existing bus's name counts only when it is a literal.
    """
    if created:
        return bus.node.default_child.name  # type: ignore[union-attr]
    return encryption.literal_name(bus.event_bus_name)


def _encrypt(
    scope: Construct,
    key: kms.IKey,
    *,
    bus: events.IEventBus,
    created: bool,
    archive: events.Archive | None,
    bus_name: str | None,
) -> None:
    """Give the key to the created bus and to the archive, each on its CloudFormation resource.

    Through the L1s: ``EventBus(kms_key=)`` adds a statement allowing ``kms:DescribeKey`` only
    under an encryption context, which DescribeKey never carries, and ``Archive(kms_key=)``
    grants ``kms:ReEncrypt*``; :mod:`.encryption` writes the statements the EventBridge user guide documents.
    """
    if not created and archive is None:
        return  # a bus someone else owns: its encryption is theirs
    statements = [encryption.eventbridge_checks_key()]
    # An existing bus's ARN is the imported value (it may be in another account); a created bus's is built from its name.
    bus_arn = (
        Stack.of(scope).format_arn(service="events", resource="event-bus", resource_name=bus_name)
        if created
        else bus.event_bus_arn
    )
    if created:
        bus.node.default_child.kms_key_identifier = key.key_arn  # type: ignore[union-attr]
        statements.append(encryption.eventbridge_encrypts_bus(bus_arn))
    if archive is not None:
        archive.node.default_child.kms_key_identifier = key.key_arn  # type: ignore[union-attr]
        statements.append(encryption.eventbridge_encrypts_archive(bus_arn))
    encryption.add_to_key_policy(scope, key, *statements)


def allow_producers(bus: events.EventBus, options: IngestOptions) -> None:
    """Let the producer accounts and organization of ``options`` put events on ``bus``, for the rule's sources only.

    One statement for the listed accounts, one for the organization
    (``aws:PrincipalOrgID``). Each allows ``events:PutEvents`` on this bus
    alone, and only when every entry's ``source`` is one the rule takes
    (``ForAllValues:StringEquals`` on ``events:source``, as EventBridge's
    cross-account example does, with a ``Null`` check so a request without
    the key is not allowed by the empty set). Events with other sources are
    refused at PutEvents, instead of landing on the bus unmatched.
    """
    source_conditions = {
        "ForAllValues:StringEquals": {"events:source": options.producer_sources()},
        "Null": {"events:source": "false"},
    }
    grants: list[tuple[str, list[iam.IPrincipal]]] = []
    if options.producer_accounts:
        grants.append((PRODUCER_ACCOUNTS_SID, [iam.AccountPrincipal(a) for a in options.producer_accounts]))
    if options.producer_organization_id is not None:
        grants.append((PRODUCER_ORGANIZATION_SID, [iam.OrganizationPrincipal(options.producer_organization_id)]))
    for sid, principals in grants:
        bus.add_to_resource_policy(
            iam.PolicyStatement(
                sid=sid,
                principals=principals,
                actions=["events:PutEvents"],
                resources=[bus.event_bus_arn],
                conditions=source_conditions,
            )
        )


def connect_rule_to_queue(
    rule: events.Rule,
    *,
    queue: sqs.Queue,
    target_dead_letter_queue: sqs.IQueue,
    options: IngestOptions,
    bus_name: str | None = None,
    rule_name: str | None = None,
) -> None:
    """Make ``queue`` the rule's target, with an explicit retry policy and a target DLQ.

    Without a target DLQ EventBridge drops an event after its retries; with
    one, an undeliverable event (queue policy or key policy broken) is kept.
    ``bus_name`` and ``rule_name`` (when known at synthesis) narrow the key
    policy statement of a queue with a KMS key to this rule.
    """
    rule.add_target(
        targets.SqsQueue(
            eventbridge_target_view(rule, queue, bus_name=bus_name, rule_name=rule_name),
            dead_letter_queue=target_dead_letter_queue,
            retry_attempts=options.target_retry_attempts,
            max_event_age=Duration.hours(options.target_max_event_age_hours),
        )
    )
