"""Process stage: the bundled handler, its role, its log group and the SQS event source mapping."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from .. import defaults
from ..handler_asset import ASSET_EXCLUDES, handler_source_dir
from ..naming import ResourceNames
from ..options import ProcessorOptions


@dataclass(frozen=True)
class ProcessResources:
    """The processor and what runs it."""

    function: lambda_.Function
    role: iam.Role
    log_group: logs.LogGroup
    event_source_mapping: lambda_.EventSourceMapping


def create_processor(
    scope: Construct,
    *,
    queue: sqs.IQueue,
    options: ProcessorOptions,
    environment: Mapping[str, str],
    names: Optional[ResourceNames],
) -> ProcessResources:
    """Create the function and connect it to the queue.

    The role is the construct's own, without AWS managed policies: the
    function may write only to its own log group, and each stage grants it
    exactly what it needs.
    """
    role = iam.Role(
        scope,
        "ProcessorRole",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description="Shipment event processor: write its logs, consume its queue, write its tables",
    )
    # Created here, not by Lambda: a log group Lambda creates never expires.
    log_group = logs.LogGroup(
        scope,
        "ProcessorLogGroup",
        log_group_name=names.log_group if names else None,
        retention=options.log_retention,
        removal_policy=RemovalPolicy.DESTROY,
    )
    log_group.grant_write(role)
    function = lambda_.Function(
        scope,
        "Processor",
        function_name=names.function if names else None,
        description="Validates shipment events and stores each once in DynamoDB",
        code=lambda_.Code.from_asset(str(handler_source_dir()), exclude=ASSET_EXCLUDES),
        handler=defaults.HANDLER,
        runtime=lambda_.Runtime.determine_latest_python_runtime(scope),
        architecture=options.architecture,
        memory_size=options.memory_size_mib,
        timeout=Duration.seconds(options.timeout_seconds),
        reserved_concurrent_executions=options.reserved_concurrency,
        tracing=lambda_.Tracing.ACTIVE if options.tracing else lambda_.Tracing.DISABLED,
        logging_format=lambda_.LoggingFormat.JSON,
        log_group=log_group,
        role=role,
        environment=dict(environment),
    )
    queue.grant_consume_messages(role)
    mapping = lambda_.EventSourceMapping(
        scope,
        "QueueEventSource",
        target=function,
        event_source_arn=queue.queue_arn,
        batch_size=options.batch_size,
        max_batching_window=(
            Duration.seconds(options.max_batching_window_seconds) if options.max_batching_window_seconds else None
        ),
        max_concurrency=options.max_concurrency,
        # Only the failed records of a batch return to the queue.
        report_batch_item_failures=True,
    )
    mapping.node.add_dependency(role)
    return ProcessResources(function=function, role=role, log_group=log_group, event_source_mapping=mapping)



def handler_environment(
    *,
    events_table_name: str,
    errors_table_name: str,
    dead_letter_queue_url: str,
    ttl_days: int,
    max_receive_count: int,
    metrics_namespace: str,
    pipeline_name: str,
) -> dict[str, str]:
    """The environment the bundled handler reads: its whole configuration.

    ``lambda/shipment_processor/config.py`` reads exactly these names;
    ``test/test_handler_contract.py`` keeps the two in step.
    """
    return {
        "EVENTS_TABLE_NAME": events_table_name,
        "ERRORS_TABLE_NAME": errors_table_name,
        "DEAD_LETTER_QUEUE_URL": dead_letter_queue_url,
        "TTL_DAYS": str(ttl_days),
        "MAX_RECEIVE_COUNT": str(max_receive_count),
        "METRICS_NAMESPACE": metrics_namespace,
        "PIPELINE_NAME": pipeline_name,
    }
