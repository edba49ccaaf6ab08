"""A team composes the pipeline into its own stack, with its existing bus, topic and key, and its own producer.

    cd examples/existing_resources && cdk synth -c environmentSuffix=prod \
        -c eventBusName=orders-bus -c alarmTopicArn=arn:aws:sns:eu-west-1:111111111111:team-alarms

or, without the CDK CLI: ``CDK_OUTDIR=cdk.out python examples/existing_resources/app.py``.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, App, CfnOutput, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from shipment_pipeline_constructs import ShipmentEventPipeline, latest_python_runtime
from shipment_pipeline_constructs.compliance import skip_checkov_check

PRODUCER_NAME_PREFIX = "orders-shipment-producer"
# The team's producer: puts one shipment event on the bus per invocation.
PRODUCER_CODE = """
import json, os
import boto3

events = boto3.client("events")


def handler(event, context):
    response = events.put_events(Entries=[{
        "Source": "shipment.service",
        "DetailType": "shipment.created",
        "Detail": json.dumps(event),
        "EventBusName": os.environ["EVENT_BUS_NAME"],
    }])
    if response["FailedEntryCount"]:
        raise RuntimeError(response["Entries"])
    return response["Entries"][0]["EventId"]
"""


class OrdersStack(Stack):
    """The orders team's stack: its key, the shared bus and topic, the pipeline, and its producer."""

    def __init__(
        self, scope: Construct, construct_id: str, *, environment_suffix: str, event_bus_name: str, alarm_topic_arn: str
    ) -> None:
        super().__init__(scope, construct_id, description="Orders team: shipment pipeline on the shared bus")
        # Existing resources the team already has. The bus and topic live elsewhere (imported);
        # the key is the team's own, in this stack, so the pipeline can add EventBridge to its policy.
        # (An imported key works too, but then its policy must allow events.amazonaws.com by hand.)
        bus = events.EventBus.from_event_bus_name(self, "SharedBus", event_bus_name)
        topic = sns.Topic.from_topic_arn(self, "TeamAlarms", alarm_topic_arn)
        key = kms.Key(self, "TeamKey", alias=f"alias/orders-team-{environment_suffix}", enable_key_rotation=True)

        pipeline = ShipmentEventPipeline(
            self,
            "Shipments",
            environment_suffix=environment_suffix,
            event_bus=bus,
            encryption_key=key,
            alarm_topic=topic,
        )
        producer = _producer(self, name=f"{PRODUCER_NAME_PREFIX}-{environment_suffix}", bus_name=event_bus_name)
        pipeline.grant_put_events(producer)

        CfnOutput(self, "QueueUrl", value=pipeline.queue.queue_url)
        CfnOutput(self, "DeadLetterQueueUrl", value=pipeline.dead_letter_queue.queue_url)
        CfnOutput(self, "ErrorsTableName", value=pipeline.errors_table.table_name)
        CfnOutput(self, "ProducerFunctionName", value=producer.function_name)


def _producer(scope: Construct, *, name: str, bus_name: str) -> lambda_.Function:
    """A small, compliant producer: own role, log group with retention, tracing, capped concurrency."""
    role = iam.Role(scope, "ProducerRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    # Named where Lambda would look, so tools that expect /aws/lambda/<function> (cfn-lint WS1004) find it.
    log_group = logs.LogGroup(
        scope,
        "ProducerLogGroup",
        log_group_name=f"/aws/lambda/{name}",
        retention=logs.RetentionDays.ONE_MONTH,
        removal_policy=RemovalPolicy.DESTROY,
    )
    log_group.grant_write(role)
    producer = lambda_.Function(
        scope,
        "Producer",
        function_name=name,
        description="Puts shipment events on the shared bus",
        runtime=latest_python_runtime(),
        architecture=lambda_.Architecture.ARM_64,
        handler="index.handler",
        code=lambda_.Code.from_inline(PRODUCER_CODE),
        role=role,
        log_group=log_group,
        logging_format=lambda_.LoggingFormat.JSON,
        tracing=lambda_.Tracing.ACTIVE,
        memory_size=256,
        timeout=Duration.seconds(10),
        reserved_concurrent_executions=5,
        environment={"EVENT_BUS_NAME": bus_name},
    )
    # The team's own compliance exceptions, each with its reason (cdk-nag's acknowledgments).
    for construct, rule_id, reason in (
        (producer, "Serverless-LambdaDLQ", "Invoked synchronously by the orders service, which sees every error."),
        (producer, "NIST.800.53.R5-LambdaDLQ", "Invoked synchronously by the orders service, which sees every error."),
        (
            producer,
            "NIST.800.53.R5-LambdaInsideVPC",
            "Calls only the EventBridge API, over TLS with IAM authentication.",
        ),
        (log_group, "NIST.800.53.R5-CloudWatchLogGroupEncrypted", "Encrypted by CloudWatch Logs; holds no secrets."),
        (role, "NIST.800.53.R5-IAMNoInlinePolicy", "Permissions that belong to this role alone (one-to-one)."),
        (
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray's PutTraceSegments/PutTelemetryRecords have no resource-level permissions.",
        ),
    ):
        Validations.of(construct).acknowledge(Acknowledgment(id=rule_id, reason=reason))
    # cfn-lint W3005: CDK's Function repeats, in DependsOn, the dependency on its role that its GetAtt implies.
    producer.node.default_child.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W3005"]}})
    # The same exceptions for checkov, which reads them from each resource's template metadata.
    for construct, check_id, reason in (
        (producer, "CKV_AWS_116", "Invoked synchronously by the orders service, which sees every error."),
        (producer, "CKV_AWS_117", "Calls only the EventBridge API, over TLS with IAM authentication."),
        (producer, "CKV_AWS_173", "Its one environment variable is the bus name, not a secret."),
        (log_group, "CKV_AWS_158", "Encrypted by CloudWatch Logs; holds no secrets."),
    ):
        skip_checkov_check(construct, check_id, reason)
    return producer


def build_app(app: App | None = None) -> App:
    """Build the example app; tests call this instead of running the file."""
    app = app or App()
    suffix = app.node.try_get_context("environmentSuffix") or "dev"
    OrdersStack(
        app,
        f"OrdersShipments-{suffix}",
        environment_suffix=suffix,
        event_bus_name=app.node.try_get_context("eventBusName") or "orders-bus",
        alarm_topic_arn=app.node.try_get_context("alarmTopicArn") or "arn:aws:sns:eu-west-1:111111111111:team-alarms",
    )
    return app


if __name__ == "__main__":
    build_app().synth()
