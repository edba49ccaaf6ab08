"""Quarantine and exhausted retries end in different queues, through the real SQS redrive (moto).

The construct gives the handler ``QUARANTINE_QUEUE_URL`` and no DLQ URL: the
handler's copies of refused events go to the quarantine queue, and only SQS's
redrive policy puts messages in the DLQ, after ``maxReceiveCount`` receives.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from shipment_processor.config import Config, load
from shipment_processor.processor import BatchProcessor
from shipment_processor.store import MAX_CONCURRENT_WRITES, Store, create_clients
from tables import create_errors_table, create_events_table

from .shipment_factories import ENVIRONMENT, FIXED_NOW_NS, body, detail, fail_calls

# Receives before SQS moves a message to the DLQ (the construct's default is 5; 2 keeps the test short).
MAX_RECEIVES = 2


class Queues:
    """A source queue redriving to its DLQ, a quarantine queue, and a processor configured as the construct does."""

    def __init__(self, sqs: Any, dynamodb: Any, executor: ThreadPoolExecutor) -> None:
        self.sqs, self.dynamodb = sqs, dynamodb
        self.dlq = sqs.create_queue(QueueName="shipment-events-dlq-test")["QueueUrl"]
        self.quarantine = sqs.create_queue(QueueName="shipment-events-quarantine-test")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=self.dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.source = sqs.create_queue(
            QueueName="shipment-events-test",
            Attributes={
                "VisibilityTimeout": "0",
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVES}),
            },
        )["QueueUrl"]
        environ = {**ENVIRONMENT, "QUARANTINE_QUEUE_URL": self.quarantine}  # what the construct sets: no DLQ URL
        self.config: Config = load(environ)
        create_events_table(dynamodb, self.config.events_table_name)
        create_errors_table(dynamodb, self.config.errors_table_name)
        self.processor = BatchProcessor(
            store=Store(dynamodb=dynamodb, sqs=sqs, config=self.config),
            config=self.config,
            executor=executor,
            clock=lambda: FIXED_NOW_NS,
        )

    def poll_once(self) -> int:
        """What Lambda's poller does: receive a batch, invoke, delete what the handler did not report failed."""
        messages = self.sqs.receive_message(
            QueueUrl=self.source, MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            return 0
        records = [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m["Attributes"],
                "messageAttributes": {},
                "eventSource": "aws:sqs",
            }
            for m in messages
        ]
        failed = {item["itemIdentifier"] for item in self.processor.process(records).response()["batchItemFailures"]}
        for m in messages:
            if m["MessageId"] not in failed:
                self.sqs.delete_message(QueueUrl=self.source, ReceiptHandle=m["ReceiptHandle"])
        return len(messages)

    def bodies(self, url: str) -> list[str]:
        messages = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        return [m["Body"] for m in messages]


@pytest.fixture
def queues(aws_environment: None, botocore_session: Any) -> Iterator[Queues]:
    dynamodb, sqs = create_clients(botocore_session)
    with ThreadPoolExecutor(max_workers=MAX_CONCURRENT_WRITES) as executor:
        yield Queues(sqs, dynamodb, executor)


def test_a_quarantined_event_lands_in_the_quarantine_queue_and_an_exhausted_one_in_the_dlq(queues: Queues) -> None:
    # GIVEN an invalid event and a valid one whose every write fails (DynamoDB throttles it)
    invalid = body(detail(event_timestamp="yesterday"))
    failing = body(detail(shipment_id="SHIP-FAILS"))
    fail_calls(
        queues.dynamodb,
        "PutItem",
        "ProvisionedThroughputExceededException",
        when=lambda request: (
            request.get("Item", {}).get("shipment_id", {}).get("S") == "SHIP-FAILS"
            and "event_timestamp" in request.get("Item", {})
        ),
    )
    for message in (invalid, failing):
        queues.sqs.send_message(QueueUrl=queues.source, MessageBody=message)

    # WHEN the poller runs until the source queue is empty (SQS redrives on the receive after the last allowed)
    for _ in range(MAX_RECEIVES + 2):
        queues.poll_once()

    # THEN the refused event is in the quarantine queue only, and the exhausted one in the DLQ only
    assert queues.bodies(queues.quarantine) == [invalid]
    assert queues.bodies(queues.dlq) == [failing]
    assert queues.bodies(queues.source) == []


def test_a_conflict_with_on_conflict_quarantine_lands_in_the_quarantine_queue(
    aws_environment: None, botocore_session: Any
) -> None:
    # GIVEN the construct's environment with on_conflict="quarantine"
    dynamodb, sqs = create_clients(botocore_session)
    with ThreadPoolExecutor(max_workers=MAX_CONCURRENT_WRITES) as executor:
        queues = Queues(sqs, dynamodb, executor)
        config = load({**ENVIRONMENT, "QUARANTINE_QUEUE_URL": queues.quarantine, "ON_CONFLICT": "quarantine"})
        queues.processor = BatchProcessor(
            store=Store(dynamodb=dynamodb, sqs=sqs, config=config),
            config=config,
            executor=executor,
            clock=lambda: FIXED_NOW_NS,
        )
        # WHEN two events claim one key with different content
        first = body(detail(shipment_id="SHIP-1", event_type="picked_up"))
        second = body(detail(shipment_id="SHIP-1", event_type="in_transit"))
        for message in (first, second):
            queues.sqs.send_message(QueueUrl=queues.source, MessageBody=message)
            queues.poll_once()

        # THEN the later one is in the quarantine queue, and nothing in the DLQ
        assert queues.bodies(queues.quarantine) == [second]
        assert queues.bodies(queues.dlq) == []
