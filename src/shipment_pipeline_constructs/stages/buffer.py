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

from aws_cdk import Annotations, Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ..naming import ResourceNames
from ..options import ProcessorOptions, QueueOptions
from ..shape import PARTS
from . import encryption


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


def eventbridge_target_view(
    rule: events.Rule, queue: sqs.Queue, *, bus_name: str | None, rule_name: str | None
) -> sqs.IQueue:
    """The queue to hand to the rule's ``SqsQueue`` target: ``queue`` itself, or with a key, a view without it.

    For a queue with a KMS key, aws-cdk's ``SqsQueue`` target would grant
    EventBridge ``kms:ReEncrypt*`` and ``kms:GenerateDataKey*`` (wildcards it
    never uses) and limit its queue policy to ``aws:SourceAccount``. Instead,
    EventBridge gets the two key actions SQS asks a sender for
    (:func:`.encryption.eventbridge_sends_to_queue`) and a queue policy for
    this rule alone, and the target gets a view of the queue without the key.
    """
    key = queue.encryption_master_key
    if key is None:
        return queue
    queue.add_to_resource_policy(
        iam.PolicyStatement(
            principals=[iam.ServicePrincipal(encryption.EVENTS_PRINCIPAL)],
            # What aws-cdk's SqsQueue target allows a rule (grant_send_messages), for this rule only.
            actions=["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
            resources=[queue.queue_arn],
            conditions={"ArnEquals": {"aws:SourceArn": rule.rule_arn}},
        )
    )
    encryption.add_to_key_policy(
        queue, key, encryption.eventbridge_sends_to_queue(queue, bus_name=bus_name, rule_name=rule_name)
    )
    # The view's account and region are tokens of the queue's ARN, which the rule would report as a
    # possible cross-environment target: it is this stack's own queue.
    Annotations.of(rule).acknowledge_warning(
        "@aws-cdk/aws-events:ruleUnresolvedEnvironment", "the target is a view of a queue in the rule's own stack"
    )
    return sqs.Queue.from_queue_attributes(rule, "TargetQueue", queue_arn=queue.queue_arn)


def grant_consume_messages(queue: sqs.IQueue, grantee: iam.IGrantable) -> None:
    """Allow what Lambda's poller does with the function's role: receive, delete and hide messages of ``queue``.

    The actions of ``Queue.grant_consume_messages``; with a KMS key, ``kms:Decrypt``
    only through SQS (``kms:ViaService``), where the L2 grants it without condition.
    """
    iam.Grant.add_to_principal(
        grantee=grantee,
        actions=[
            "sqs:ReceiveMessage",
            "sqs:ChangeMessageVisibility",
            "sqs:GetQueueUrl",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
        ],
        resource_arns=[queue.queue_arn],
    )
    if queue.encryption_master_key is not None:
        encryption.grant_key_via_service(queue.encryption_master_key, grantee, service="sqs", actions=["kms:Decrypt"])


def grant_send_message(queue: sqs.IQueue, grantee: iam.IGrantable) -> iam.Grant:
    """Allow ``sqs:SendMessage`` on ``queue``, and what SSE-KMS needs for it.

    ``Queue.grant_send_messages`` also grants ``kms:ReEncrypt*`` and
    ``kms:GenerateDataKey*``: wildcard actions a sender never uses. SQS asks
    a producer for ``kms:GenerateDataKey`` and ``kms:Decrypt`` only, granted
    through SQS alone (``kms:ViaService``).
    """
    grant = iam.Grant.add_to_principal(grantee=grantee, actions=["sqs:SendMessage"], resource_arns=[queue.queue_arn])
    if queue.encryption_master_key is not None:
        encryption.grant_key_via_service(
            queue.encryption_master_key, grantee, service="sqs", actions=["kms:GenerateDataKey", "kms:Decrypt"]
        )
    return grant
