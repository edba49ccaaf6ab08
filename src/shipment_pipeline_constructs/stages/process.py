"""Process stage: the bundled handler, its role, its log group and the SQS event source mapping."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from .. import defaults
from ..contract import EventContract
from ..handler_asset import ASSET_EXCLUDES, function_code_dir
from ..naming import ResourceNames
from ..options import ProcessorOptions
from ..shape import ENV, PARTS
from .buffer import BufferResources, grant_consume_messages, grant_send_message
from .deploy import create_live_alias
from .encryption import add_to_key_policy, cloudwatch_logs_encrypts_log_group
from .store import StoreResources, grant_delete_item, grant_put_item


@dataclass(frozen=True)
class ProcessResources:
    """The processor and what runs it.

    Attributes:
        function: The bundled processor function.
        role: Its execution role.
        log_group: Its log group.
        event_source_mapping: The SQS event source mapping that invokes it.
        live_alias: The alias ``live`` the mapping invokes (``None`` unless ``ProcessorOptions.deployment`` is set).
    """

    function: lambda_.Function
    role: iam.Role
    log_group: logs.LogGroup
    event_source_mapping: lambda_.EventSourceMapping
    live_alias: lambda_.Alias | None = None


@dataclass(frozen=True)
class VpcPlacement:
    """Where in a user's VPC the function runs, and whether to add the endpoints it calls.

    The SQS event source mapping needs nothing in the VPC: Lambda's poller
    reads the queue and invokes the function outside it, and Lambda delivers
    logs and X-Ray segments itself. Only the handler's own calls leave from
    the VPC: DynamoDB PutItem/DeleteItem and SQS SendMessage (to the quarantine queue).
    """

    vpc: ec2.IVpc
    subnets: ec2.SubnetSelection | None = None
    security_groups: Sequence[ec2.ISecurityGroup] | None = None
    endpoints: bool = True


def create_processor(
    scope: Construct,
    *,
    queue: sqs.IQueue,
    options: ProcessorOptions,
    names: ResourceNames | None,
    placement: VpcPlacement | None = None,
    encryption_key: kms.IKey | None = None,
    contract: EventContract | None = None,
) -> ProcessResources:
    """Create the function and connect it to the queue (inside ``placement``'s VPC when given).

    The role is the construct's own, without AWS managed policies: the
    function may write only to its own log group and consume ``queue``;
    :func:`connect_processor_to_store` gives it its configuration and the
    permissions to write where that says.
    """
    role = iam.Role(
        scope,
        PARTS["role"].construct_id,
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description="Shipment event processor: write its logs, consume its queue, write its tables",
    )
    # Created here, not by Lambda: a log group Lambda creates never expires.
    log_group = logs.LogGroup(
        scope,
        PARTS["log_group"].construct_id,
        log_group_name=names.log_group if names else None,
        retention=options.log_retention,
        removal_policy=RemovalPolicy.DESTROY,
        encryption_key=encryption_key,
    )
    if encryption_key is not None:
        add_to_key_policy(
            log_group,
            encryption_key,
            cloudwatch_logs_encrypts_log_group(log_group, log_group_name=names.log_group if names else None),
        )
    log_group.grant_write(role)
    function = lambda_.Function(
        scope,
        PARTS["function"].construct_id,
        function_name=names.function if names else None,
        description="Validates shipment events and stores each once in DynamoDB",
        # The bundled handler, plus the contract and the record hook when there are any (see handler_asset).
        code=lambda_.Code.from_asset(str(function_code_dir(contract, options.record_hook)), exclude=ASSET_EXCLUDES),
        handler=defaults.HANDLER,
        runtime=latest_python_runtime(),
        architecture=options.architecture,
        memory_size=options.memory_size_mib,
        timeout=Duration.seconds(options.timeout_seconds),
        reserved_concurrent_executions=options.reserved_concurrency,
        tracing=lambda_.Tracing.ACTIVE if options.tracing else lambda_.Tracing.DISABLED,
        logging_format=lambda_.LoggingFormat.JSON,
        log_group=log_group,
        role=role,
        vpc=placement.vpc if placement else None,
        vpc_subnets=placement.subnets if placement else None,
        security_groups=list(placement.security_groups) if placement and placement.security_groups else None,
    )
    if placement:
        _attach_to_vpc(scope, function, role, placement)
    grant_consume_messages(queue, role)
    # Safe deploys: the mapping invokes the alias CodeDeploy shifts (stages/deploy.py), not $LATEST.
    live_alias = create_live_alias(scope, function) if options.deployment is not None else None
    mapping = lambda_.EventSourceMapping(
        scope,
        PARTS["event_source"].construct_id,
        target=live_alias or function,
        enabled=options.enabled,
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
    return ProcessResources(
        function=function, role=role, log_group=log_group, event_source_mapping=mapping, live_alias=live_alias
    )


def latest_python_runtime() -> lambda_.Runtime:
    """The newest Python runtime this aws-cdk-lib knows.

    ``Runtime.determine_latest_python_runtime`` trails behind (it picks what
    every region had when the library was released); security reviews and
    cdk-nag (AwsSolutions-L1, Serverless-LambdaLatestVersion) ask for the
    newest of the family, and a new aws-cdk-lib only lists a runtime once
    Lambda has released it.
    """
    pythons = [runtime for runtime in lambda_.Runtime.ALL if runtime.family == lambda_.RuntimeFamily.PYTHON]
    return max(pythons, key=lambda runtime: tuple(int(part) for part in runtime.name.removeprefix("python").split(".")))


def _attach_to_vpc(scope: Construct, function: lambda_.Function, role: iam.Role, placement: VpcPlacement) -> None:
    # The construct's own role gets no managed policies from the L2: Lambda needs
    # the EC2 network-interface actions to place the function in the VPC. Not
    # AWSLambdaVPCAccessExecutionRole: it also allows writing to every log group.
    role.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name("service-role/AWSLambdaENIManagementAccess"))
    if not placement.endpoints:
        return
    ec2.GatewayVpcEndpoint(
        scope,
        PARTS["dynamodb_endpoint"].construct_id,
        vpc=placement.vpc,
        service=ec2.GatewayVpcEndpointAwsService.DYNAMODB,
        subnets=[placement.subnets] if placement.subnets else None,
    )
    sqs_endpoint = ec2.InterfaceVpcEndpoint(
        scope,
        PARTS["sqs_endpoint"].construct_id,
        vpc=placement.vpc,
        service=ec2.InterfaceVpcEndpointAwsService.SQS,
        subnets=placement.subnets,
        # Private DNS points every SQS client in the VPC at this endpoint, so
        # the whole VPC must reach it (open: HTTPS from the VPC's CIDR), not only
        # the function, or other SQS users in the VPC would time out.
        private_dns_enabled=True,
        open=True,
    )
    sqs_endpoint.connections.allow_default_port_from(
        function, "the shipment processor sends quarantined messages to its quarantine queue"
    )


def handler_environment(
    *,
    events_table_name: str,
    errors_table_name: str,
    quarantine_queue_url: str,
    ttl_days: int,
    max_receive_count: int,
    metrics_namespace: str,
    pipeline_name: str,
    on_conflict: str,
) -> dict[str, str]:
    """The environment the bundled handler reads: its whole configuration.

    The names come from :data:`~shipment_pipeline_constructs.shape.ENV`;
    ``lambda/shipment_processor/config.py`` reads these (and ``DEAD_LETTER_QUEUE_URL``
    only in their absence, for a function configured before the quarantine queue
    existed), and ``test/test_handler_contract.py`` keeps the two in step.
    """
    return {
        ENV.events_table_name: events_table_name,
        ENV.errors_table_name: errors_table_name,
        ENV.quarantine_queue_url: quarantine_queue_url,
        ENV.ttl_days: str(ttl_days),
        ENV.max_receive_count: str(max_receive_count),
        ENV.metrics_namespace: metrics_namespace,
        ENV.pipeline_name: pipeline_name,
        ENV.on_conflict: on_conflict,
    }


def connect_processor_to_store(
    process: ProcessResources,
    *,
    store: StoreResources,
    buffer: BufferResources,
    ttl_days: int,
    max_receive_count: int,
    metrics_namespace: str,
    pipeline_name: str,
    on_conflict: str,
) -> None:
    """Give the handler its configuration (:func:`handler_environment`) and allow exactly what it does.

    The handler makes conditional puts on both tables, deletes error records
    it wrote itself, and sends quarantined messages to the quarantine queue;
    the role may do that and no more. It sends nothing to the DLQ: SQS moves
    messages there itself, through the source queue's redrive policy.
    """
    environment = handler_environment(
        events_table_name=store.table.table_name,
        errors_table_name=store.errors_table.table_name,
        quarantine_queue_url=buffer.quarantine_queue.queue_url,
        ttl_days=ttl_days,
        max_receive_count=max_receive_count,
        metrics_namespace=metrics_namespace,
        pipeline_name=pipeline_name,
        on_conflict=on_conflict,
    )
    for name, value in environment.items():
        process.function.add_environment(name, value)
    grant_put_item(store.table, process.role)
    grant_put_item(store.errors_table, process.role)
    # Before a message's last receive the handler writes an error record saying the invocation
    # failed, so a message SQS dead-letters after a crash is explained; once the message is stored
    # (or found a duplicate) it deletes that record again. Errors table only: events are never deleted.
    grant_delete_item(store.errors_table, process.role)
    grant_send_message(buffer.quarantine_queue, process.role)
