"""Read the emulator's state without changing it: messages waiting in a queue, a queue's messages, a table's items."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types_boto3_dynamodb import DynamoDBClient
    from types_boto3_sqs import SQSClient
    from types_boto3_sqs.literals import QueueAttributeFilterType

__all__ = ["peek", "queued", "scan"]

_QUEUED_ATTRIBUTES: tuple[QueueAttributeFilterType, ...] = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)


def queued(sqs: SQSClient, queue_url: str) -> int:
    """Messages in ``queue_url``: visible, in flight (or waiting to reappear) and delayed."""
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=list(_QUEUED_ATTRIBUTES))["Attributes"]
    return sum(int(value) for value in attributes.values())


def scan(dynamodb: DynamoDBClient, table: str) -> list[dict[str, Any]]:
    """Every item of ``table`` (low-level attribute values)."""
    paginator = dynamodb.get_paginator("scan")
    return [item for page in paginator.paginate(TableName=table, ConsistentRead=True) for item in page["Items"]]


def peek(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """Every message in ``queue_url``, left in the queue (received, then made visible again)."""
    messages: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=60,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not batch:
            break
        messages += batch
    for message in messages:
        sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    return messages
