"""Buffer stage: the source queue, its dead-letter queue, the quarantine queue and the EventBridge target DLQ.

Every queue is encrypted at rest and refuses requests that do not use TLS.
The source queue, its DLQ and the quarantine queue use the given KMS key, or
SQS-managed keys; the target DLQ always uses SQS-managed keys so that it can
still catch events when a key policy keeps EventBridge from the main queue.

The DLQ holds only messages whose retries ran out (something is broken: page);
the quarantine queue holds the copies of events the processor refused (invalid,
or in conflict with a stored event: a producer's mistake, for a person to look
at). Kept apart, each has its own alarm and severity.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Annotations, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ..naming import ResourceNames
from ..options import ProcessorOptions, QueueOptions
from ..shape import PARTS


@dataclass(frozen=True)
class BufferResources:
    """The four queues of the pipeline.

    Attributes:
        queue: The source queue the processor consumes.
        dead_letter_queue: The source queue's DLQ: messages that failed ``max_receive_count`` times.
        quarantine_queue: Copies of the events the processor quarantined (invalid, or in conflict).
        target_dead_letter_queue: The rule target's DLQ: events EventBridge could not deliver.
    """

    queue: sqs.Queue
    dead_letter_queue: sqs.Queue
    quarantine_queue: sqs.Queue
    target_dead_letter_queue: sqs.Queue


def create_queues(
    scope: Construct,
    *,
    options: QueueOptions,
    processor: ProcessorOptions,
    encryption_key: kms.IKey | None,
    names: ResourceNames | None,
) -> BufferResources:
    """Create the source queue (redriving to its DLQ), the quarantine queue and the target DLQ."""
    dead_letter_queue = _queue(
        scope,
        PARTS["dead_letter_queue"].construct_id,
        name=names.dead_letter_queue if names else None,
        retention_days=options.dead_letter_retention_days,
        encryption_key=encryption_key,
    )
    queue = _queue(
        scope,
        PARTS["queue"].construct_id,
        name=names.queue if names else None,
        retention_days=options.retention_days,
        encryption_key=encryption_key,
        visibility_timeout=Duration.seconds(processor.visibility_timeout_seconds),
        dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letter_queue, max_receive_count=options.max_receive_count),
    )
    # A holding queue like the DLQ: same retention and encryption; nothing consumes it automatically.
    quarantine_queue = _queue(
        scope,
        PARTS["quarantine_queue"].construct_id,
        name=names.quarantine_queue if names else None,
        retention_days=options.dead_letter_retention_days,
        encryption_key=encryption_key,
    )
    target_dead_letter_queue = _queue(
        scope,
        PARTS["target_dead_letter_queue"].construct_id,
        name=names.target_dead_letter_queue if names else None,
        retention_days=options.dead_letter_retention_days,
        # Always SQS-managed: this queue catches events EventBridge could not
        # deliver, which includes a key policy that does not let it use the key.
        encryption_key=None,
    )
    if encryption_key is not None:
        _limit_eventbridge_to_this_account(scope, encryption_key)
    return BufferResources(
        queue=queue,
        dead_letter_queue=dead_letter_queue,
        quarantine_queue=quarantine_queue,
        target_dead_letter_queue=target_dead_letter_queue,
    )


def _queue(
    scope: Construct,
    construct_id: str,
    *,
    name: str | None,
    retention_days: int,
    encryption_key: kms.IKey | None,
    visibility_timeout: Duration | None = None,
    dead_letter_queue: sqs.DeadLetterQueue | None = None,
) -> sqs.Queue:
    return sqs.Queue(
        scope,
        construct_id,
        queue_name=name,
        retention_period=Duration.days(retention_days),
        visibility_timeout=visibility_timeout,
        dead_letter_queue=dead_letter_queue,
        encryption=sqs.QueueEncryption.KMS if encryption_key else sqs.QueueEncryption.SQS_MANAGED,
        encryption_master_key=encryption_key,
        enforce_ssl=True,
    )


# Every KMS action that uses a key's material, named (no wildcards).
KMS_DATA_ACTIONS = [
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
]


def _limit_eventbridge_to_this_account(scope: Construct, key: kms.IKey) -> None:
    """Keep EventBridge's use of the key to this account's rules.

    EventBridge must encrypt with the key to send to a KMS-encrypted queue (aws-cdk
    issue 33169); CDK's ``SqsQueue`` target adds that grant to the key policy
    itself (``grantEncryptDecrypt``, without conditions). This deny limits it to
    rules of this account (confused deputy). The rule's ARN would be tighter, but
    key -> queue -> rule -> key would be a dependency cycle.
    """
    statement = iam.PolicyStatement(
        sid="DenyEventBridgeForOtherAccounts",
        effect=iam.Effect.DENY,
        principals=[iam.ServicePrincipal("events.amazonaws.com")],
        actions=KMS_DATA_ACTIONS,
        resources=["*"],  # in a key policy, "*" means this key
        conditions={"StringNotEquals": {"aws:SourceAccount": Stack.of(scope).account}},
    )
    if not key.add_to_resource_policy(statement).statement_added:
        Annotations.of(scope).add_warning_v2(
            "shipment-pipeline:imported-key-policy",
            "encryption_key is imported, so its key policy cannot be changed here: allow "
            "events.amazonaws.com kms:Decrypt and kms:GenerateDataKey on it, or EventBridge "
            "cannot deliver to the queue and every event lands in the target DLQ.",
        )


def grant_send_message(queue: sqs.IQueue, grantee: iam.IGrantable) -> iam.Grant:
    """Allow ``sqs:SendMessage`` on ``queue``, and what SSE-KMS needs for it.

    ``Queue.grant_send_messages`` also grants ``kms:ReEncrypt*`` and
    ``kms:GenerateDataKey*``: wildcard actions a sender never uses. SQS asks
    a producer for ``kms:GenerateDataKey`` and ``kms:Decrypt`` only.
    """
    grant = iam.Grant.add_to_principal(grantee=grantee, actions=["sqs:SendMessage"], resource_arns=[queue.queue_arn])
    if queue.encryption_master_key is not None:
        queue.encryption_master_key.grant(grantee, "kms:GenerateDataKey", "kms:Decrypt")
    return grant
