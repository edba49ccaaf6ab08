"""Fixtures for the operator CLI's tests: one pipeline's resources, built in moto (in-process), by suffix.

Resources are created from :class:`ResourceNames` the way the construct
names them, so ``--suffix ops`` finds them (alarms included, in state OK);
the errors table has the handler's key schema and ``by-shipment`` index.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import fake_aws
import pytest
from tables import create_errors_table

from shipment_pipeline_constructs import ResourceNames, shape
from shipment_pipeline_constructs.cli import main
from shipment_pipeline_constructs.defaults import RUNBOOK_URL
from shipment_pipeline_constructs.ops.resources import alarm_names

# Error records are built with the handler's own function (fake_aws puts it on
# sys.path), so a change of its attribute names breaks these tests rather than
# the CLI in production.
SUFFIX = "ops"


# The shared fake-AWS fixtures, registered for this folder.
aws_env = fake_aws.aws_env
aws_environment = fake_aws.aws_environment
REGION = fake_aws.REGION


@dataclass
class MotoPipeline:
    """Clients and names of the pipeline built in moto."""

    names: ResourceNames
    sqs: Any
    events: Any
    dynamodb: Any
    cloudwatch: Any
    queue_url: str
    dlq_url: str
    target_dlq_url: str
    rule_arn: str

    def depth(self, url: str) -> int:
        """Messages in a queue, visible or not."""
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def bodies(self, url: str) -> list[str]:
        """Every body in a queue (received, then made visible again)."""
        found, handles = [], []
        while True:
            messages = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30).get(
                "Messages", []
            )
            if not messages:
                break
            found += [message["Body"] for message in messages]
            handles += [message["ReceiptHandle"] for message in messages]
        for handle in handles:
            self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
        return found


@pytest.fixture
def moto_pipeline(aws_environment: None) -> Iterator[MotoPipeline]:
    """The pipeline's bus, rule, archive, queues and tables in a fresh moto account."""
    yield build_pipeline(ResourceNames(SUFFIX))


def build_pipeline(names: ResourceNames) -> MotoPipeline:
    """Create the resources the construct would, under ``names``."""
    sqs = boto3.client("sqs", region_name=REGION)
    events = boto3.client("events", region_name=REGION)
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dlq_url = sqs.create_queue(QueueName=names.dead_letter_queue)["QueueUrl"]
    dlq_arn = _arn(sqs, dlq_url)
    queue_url = sqs.create_queue(
        QueueName=names.queue,
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5})},
    )["QueueUrl"]
    target_dlq_url = sqs.create_queue(QueueName=names.target_dead_letter_queue)["QueueUrl"]
    bus_arn = events.create_event_bus(Name=names.event_bus)["EventBusArn"]
    pattern = json.dumps({"source": ["shipment.service"]})
    rule_arn = events.put_rule(Name=names.rule, EventBusName=names.event_bus, EventPattern=pattern)["RuleArn"]
    events.put_targets(
        Rule=names.rule, EventBusName=names.event_bus, Targets=[{"Id": "queue", "Arn": _arn(sqs, queue_url)}]
    )
    events.create_archive(ArchiveName=names.archive, EventSourceArn=bus_arn, EventPattern=pattern)
    create_errors_table(dynamodb, names.errors_table)
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    # Described like the construct's: severity first, runbook link last (what `status` reads back).
    for alarm_id, alarm in zip(shape.ALARM_IDS, alarm_names(names.pipeline), strict=True):
        severity = shape.ALARM_DEFAULTS[alarm_id].severity
        link = shape.runbook_link(RUNBOOK_URL, alarm_id)
        put_alarm(cloudwatch, alarm, "OK", shape.alarm_description(severity, "What it means.", link))
    return MotoPipeline(
        names=names,
        sqs=sqs,
        events=events,
        dynamodb=dynamodb,
        cloudwatch=cloudwatch,
        queue_url=queue_url,
        dlq_url=dlq_url,
        target_dlq_url=target_dlq_url,
        rule_arn=rule_arn,
    )


def put_alarm(cloudwatch: Any, name: str, state: str, description: str | None = None) -> None:
    """A metric alarm named ``name``, set to ``state``, with ``description`` (the construct's format) if given."""
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        **({"AlarmDescription": description} if description else {}),
        MetricName="m",
        Namespace="n",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason="test")


def _arn(sqs: Any, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def run_cli(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    """Run ``shipment-pipeline argv``; returns (exit code, stdout, stderr)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err
