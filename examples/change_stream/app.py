"""Change data capture: the events table's stream feeds a downstream audit consumer.

    cd examples/change_stream && cdk synth -c environmentSuffix=prod

or, without the CDK CLI: ``CDK_OUTDIR=cdk.out python examples/change_stream/app.py``.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Acknowledgment, App, CfnOutput, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from shipment_pipeline_constructs import ShipmentEventPipeline, StorageOptions, latest_python_runtime
from shipment_pipeline_constructs.compliance import skip_checkov_check

CONSUMER_SOURCE = Path(__file__).resolve().parent / "consumer"


class ChangeStreamStack(Stack):
    """The pipeline with the events table's stream on, and a consumer of that stream."""

    def __init__(self, scope: Construct, construct_id: str, *, environment_suffix: str) -> None:
        super().__init__(scope, construct_id, description="Shipment event pipeline with a change stream consumer")
        pipeline = ShipmentEventPipeline(
            self,
            "Pipeline",
            environment_suffix=environment_suffix,
            # NEW_IMAGE: each stored event as written, which is all an audit trail needs.
            storage=StorageOptions(stream=dynamodb.StreamViewType.NEW_IMAGE),
        )
        consumer = AuditConsumer(self, "AuditConsumer", pipeline=pipeline, environment_suffix=environment_suffix)

        CfnOutput(self, "EventBusName", value=pipeline.event_bus.event_bus_name)
        CfnOutput(self, "TableStreamArn", value=pipeline.table_stream_arn or "")
        CfnOutput(self, "ConsumerFunctionName", value=consumer.function.function_name)
        CfnOutput(self, "ConsumerFailuresQueueUrl", value=consumer.failures.queue_url)


class AuditConsumer(Construct):
    """A function reading the events table's stream, with its own role, log group and on-failure queue.

    Attributes:
        function: The consumer function.
        failures: Where Lambda describes batches that failed every retry (to read them again from the stream).
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, pipeline: ShipmentEventPipeline, environment_suffix: str
    ) -> None:
        super().__init__(scope, construct_id)
        name = f"shipment-events-audit-{environment_suffix}"
        role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        # Named where Lambda would look, so tools that expect /aws/lambda/<function> (cfn-lint WS1004) find it.
        log_group = logs.LogGroup(
            self,
            "LogGroup",
            log_group_name=f"/aws/lambda/{name}",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.DESTROY,
        )
        log_group.grant_write(role)
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=name,
            description="Writes an audit line for every shipment event the pipeline stores",
            runtime=latest_python_runtime(),
            architecture=lambda_.Architecture.ARM_64,
            handler="audit_consumer.handler",
            code=lambda_.Code.from_asset(str(CONSUMER_SOURCE)),
            role=role,
            log_group=log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            tracing=lambda_.Tracing.ACTIVE,
            memory_size=256,
            timeout=Duration.seconds(30),
        )
        # A stream's records are kept 24 hours: a batch that fails every retry is described here
        # (shard, sequence numbers) so it can be read again, instead of being skipped silently.
        self.failures = sqs.Queue(
            self,
            "Failures",
            queue_name=f"shipment-events-audit-failures-{environment_suffix}",
            retention_period=Duration.days(14),
            enforce_ssl=True,
        )
        pipeline.grant_stream_read(role)
        self.function.add_event_source(
            sources.DynamoEventSource(
                pipeline.table,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=100,
                retry_attempts=5,
                bisect_batch_on_error=True,
                report_batch_item_failures=True,
                on_failure=sources.SqsDlq(self.failures),
                # Stored events only: TTL expiry and other removals never reach the function.
                filters=[lambda_.FilterCriteria.filter({"eventName": lambda_.FilterRule.is_equal("INSERT")})],
            )
        )
        _acknowledge(self.function, role, log_group, self.failures)


def _acknowledge(function: lambda_.Function, role: iam.Role, log_group: logs.LogGroup, failures: sqs.Queue) -> None:
    """The consumer's own compliance exceptions, each with its reason (cdk-nag's acknowledgments)."""
    invoked_by_stream = (
        "Invoked synchronously by its DynamoDB stream event source mapping, whose on-failure destination is the "
        "Failures queue; a function DLQ applies to asynchronous invocations only."
    )
    for construct, rule_id, reason in (
        (function, "Serverless-LambdaDLQ", invoked_by_stream),
        (function, "NIST.800.53.R5-LambdaDLQ", invoked_by_stream),
        (
            function,
            "NIST.800.53.R5-LambdaInsideVPC",
            "Reads only the DynamoDB Streams API and writes logs, over TLS with IAM authentication.",
        ),
        (
            function,
            "NIST.800.53.R5-LambdaConcurrency",
            "A stream event source invokes one batch per shard at a time (parallelization factor 1), so the "
            "table's shard count bounds the concurrency.",
        ),
        (log_group, "NIST.800.53.R5-CloudWatchLogGroupEncrypted", "Encrypted by CloudWatch Logs; holds no secrets."),
        (role, "NIST.800.53.R5-IAMNoInlinePolicy", "Permissions that belong to this role alone (one-to-one)."),
        (
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "dynamodb:ListStreams and X-Ray's PutTraceSegments/PutTelemetryRecords support no resource-level "
            "permissions; every other statement names the stream, the queue or the log group.",
        ),
        (
            failures,
            "AwsSolutions-SQS3",
            "This queue is the stream event source's on-failure destination, the last stop of failed batches.",
        ),
        (
            failures,
            "Serverless-SQSRedrivePolicy",
            "This queue is the stream event source's on-failure destination, the last stop of failed batches.",
        ),
    ):
        Validations.of(construct).acknowledge(Acknowledgment(id=rule_id, reason=reason))
    # cfn-lint W3005: CDK's Function repeats, in DependsOn, the dependency on its role that its GetAtt implies.
    function.node.default_child.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W3005"]}})
    # cfn-lint ES6000 (a queue without a redrive policy): the on-failure destination is itself the last stop.
    failures.node.default_child.add_metadata("cfn-lint", {"config": {"ignore_checks": ["ES6000"]}})
    # The same exceptions for checkov, which reads them from each resource's template metadata.
    for construct, check_id, reason in (
        (function, "CKV_AWS_116", invoked_by_stream),
        (
            function,
            "CKV_AWS_117",
            "Reads only the DynamoDB Streams API and writes logs, over TLS with IAM authentication.",
        ),
        (
            function,
            "CKV_AWS_115",
            "A stream event source invokes one batch per shard at a time (parallelization factor 1), so the "
            "table's shard count bounds the concurrency.",
        ),
        (log_group, "CKV_AWS_158", "Encrypted by CloudWatch Logs; holds no secrets."),
        (
            failures,
            "CKV_AWS_27",
            "Encrypted at rest with SSE-SQS (the queue's default), which this check does not recognise; it holds "
            "shard ids and sequence numbers, not the events.",
        ),
    ):
        skip_checkov_check(construct, check_id, reason)


def build_app(app: App | None = None) -> App:
    """Build the example app; tests call this instead of running the file."""
    app = app or App()
    suffix = app.node.try_get_context("environmentSuffix") or "dev"
    ChangeStreamStack(app, f"ShipmentPipelineChangeStream-{suffix}", environment_suffix=suffix)
    return app


if __name__ == "__main__":
    build_app().synth()
