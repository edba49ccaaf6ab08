"""The ShipmentEventPipeline L3 construct: ingest -> buffer -> process -> store, observed.

``__init__`` validates the props, builds each stage once in the order events
flow (:mod:`.stages`, then :mod:`.observe`), wires them together, and
acknowledges the library's documented compliance exceptions (:mod:`.compliance`).
"""

from __future__ import annotations

import typing
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Names, Token
from aws_cdk import aws_backup as backup
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_eventschemas as eventschemas
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from . import defaults
from .compliance import acknowledge_pipeline_findings
from .contract import EventContract
from .naming import MAX_SUFFIX_LENGTH, SUFFIX_PATTERN, ResourceNames
from .observe.metrics import processor_metric
from .observe.notifications import collect_email_problems
from .observe.routing import AlarmRouting, collect_routing_problems
from .observe.stage import create_observability
from .observe.thresholds import AlarmThresholds
from .options import IngestOptions, ProcessorOptions, QueueOptions, StorageOptions
from .stages.buffer import create_queues
from .stages.deploy import ROLLBACK_ALARM_IDS, create_deployment_group
from .stages.guardrails import StackScopeRecorder, apply_role_guardrails, collect_role_path_problems
from .stages.ingest import connect_rule_to_queue, create_ingest
from .stages.process import VpcPlacement, connect_processor_to_store, create_processor
from .stages.schema import publish_event_schema
from .stages.store import create_store
from .validation import Problems, check_all


class ShipmentEventPipeline(Construct):
    """A production shipment event pipeline in one construct.

    EventBridge bus and rule -> SQS queue (with DLQ) -> the bundled Python
    processor -> DynamoDB, with an archive for replay. Defaults follow the
    reference design (30,000 events a day) and, where they differ, AWS
    guidance; every group of settings is a typed, validated dataclass, and
    every resource is a public attribute.

    Example::

        from aws_cdk import App, Stack
        from shipment_pipeline_constructs import ProcessorOptions, ShipmentEventPipeline

        app = App()
        stack = Stack(app, "Shipments")
        pipeline = ShipmentEventPipeline(
            stack, "Pipeline",
            environment_suffix="prod",
            processor=ProcessorOptions(max_concurrency=10),
        )

    Args:
        scope: Parent construct.
        construct_id: Construct id. The ids of the resources below it are
            stable (tests pin them) so upgrades never replace a table or queue.
        environment_suffix: Suffix of every physical name, e.g. ``prod`` gives
            bus and table ``shipment-events-prod``. Lower-case letters, digits
            and hyphens, at most 32 characters. Default: ``"dev"``.
        physical_names: Derive physical names from the suffix. ``False``
            leaves naming to CloudFormation (several pipelines per account
            and region). Default: ``True``.
        event_bus: An existing bus to take shipment events from. The construct
            does not change its resource policy (``ingest.producer_accounts``
            and ``ingest.producer_organization_id`` are then not applied, with a
            warning). Default: a new bus ``shipment-events-{suffix}``.
        table: An existing events table (partition key ``shipment_id``, sort
            key ``event_timestamp``, both strings; TTL on ``expires_at``).
            Of ``storage``, only ``on_conflict`` can be combined with it. Default: a new table.
        encryption_key: Customer managed KMS key for the data at rest: the
            source queue, its DLQ and the quarantine queue, both tables, the
            bus the construct creates and the archive, the function's log
            group, and the alarm topic the construct creates (which then gets
            no key of its own). The target DLQ keeps SQS-managed keys, so it
            still catches events if the key cannot be used. The key's policy
            gets one statement per service that uses the key on its own behalf
            (EventBridge for the queue, the bus and the archive, CloudWatch
            Logs, CloudWatch alarms), each limited to this pipeline's resources
            or this account (but EventBridge's ``kms:DescribeKey``, metadata
            only, which EventBridge documents without a condition); the processor's role may use the key only through
            SQS and DynamoDB (``kms:ViaService``). An imported key's policy
            cannot be changed from here: the construct warns, and its owner
            adds the statements listed in the documentation's "Encryption"
            section. Default: none (SQS-managed queue keys, DynamoDB's AWS
            owned key, the bus's and the logs' service keys, the alarm
            topic's own key), which needs no key policy and adds no KMS requests.
        ttl_days: Days a stored event or error record lives before DynamoDB's
            TTL deletes it, counted from when the processor stored it. Default: ``90``.
        ingest: Rule, target retry policy and archive. Default: ``IngestOptions()``.
        queues: Queue retention and redrive. Default: ``QueueOptions()``.
        processor: Function and event source mapping. Default: ``ProcessorOptions()``.
        storage: The events table the construct creates, and how conflicting events are handled.
            Default: ``StorageOptions()``.
        alarms: Thresholds of the built-in alarms; a field set to ``None``
            turns that alarm off, ``AlarmThresholds.disabled()`` turns all off.
            Default: ``AlarmThresholds()`` (every alarm on, listed on the documentation's "Dashboard and alarms" page).
        alarm_topic: An existing topic every alarm notifies (with ``alarm_routing``,
            the alarms of a severity it leaves at ``None``). Default: a new
            topic ``shipment-events-{suffix}-alarms``, encrypted with its own
            rotating KMS key and refusing requests without TLS (none when no alarm notifies it).
        alarm_emails: Addresses to subscribe to the alarm topic (each confirms
            by mail). Default: none.
        dashboard: Create the CloudWatch dashboard ``shipment-events-{suffix}``,
            laid out along the data flow. Default: ``True``.
        vpc: Run the function in this VPC. Default: ``None`` (outside any VPC:
            it calls only AWS APIs). The SQS event source mapping needs nothing
            in the VPC; the function needs DynamoDB and SQS, see ``vpc_endpoints``.
        vpc_subnets: Subnets of ``vpc`` for the function. Default: the VPC's
            private subnets (Lambda's default).
        security_groups: Security groups of the function. Default: one new
            group allowing all outbound traffic.
        vpc_endpoints: With ``vpc``, add a DynamoDB gateway endpoint and an SQS
            interface endpoint (private DNS, reachable over HTTPS from the VPC)
            in ``vpc_subnets``. Turn off when the VPC already has them or
            routes through a NAT gateway. Default: ``True``.
        backup_plan: Add the tables to a new AWS Backup plan (daily backups
            kept 35 days, in a vault of its own), on top of point-in-time
            recovery. Default: ``False``.
        permissions_boundary: A managed policy set as the permissions boundary
            of every IAM role the construct causes: the processor's role, AWS
            Backup's role (``backup_plan``), and any role aws-cdk-lib adds for
            the construct's resources, also at stack scope. It replaces a
            boundary set on those roles by ``iam.PermissionsBoundary.of(stack)``.
            Default: ``None`` (no boundary, unless your app sets one).
        role_path: The IAM path of those same roles: ``/`` or a path that
            starts and ends with ``/`` (at most 512 printable ASCII
            characters). A role's path cannot change in place: changing it
            replaces the roles (they hold no data). Default: ``None`` (IAM's ``/``).
        alarm_routing: Each alarm's severity (``critical``: data at risk or not
            flowing; ``warning``: degraded) and runbook link, and where each severity
            notifies (topics or any CloudWatch alarm action); the composite alarm
            ``PipelineUnhealthy`` goes with the critical ones. A severity left at
            ``None`` keeps notifying the alarm topic, where ``alarm_emails`` subscribe;
            routing every severity elsewhere while giving ``alarm_topic`` or
            ``alarm_emails`` is an error. Default: ``None`` (every alarm notifies the
            alarm topic; default severities; runbook links to the documentation site).
        contract: What the processor accepts: where the shipment id, the
            event's instant and its type are in ``detail``, the allowed types,
            a JSON Schema for ``detail``, and whether to publish the event's
            schema to an EventBridge schema registry (:class:`EventContract`).
            Default: ``None`` (``EventContract()``: ``shipment_id``,
            ``event_timestamp``, ``event_type``, any type, no schema).

    Raises:
        PipelineValidationError: when any prop is invalid; lists every problem.
    """

    ingest_options: IngestOptions
    """The ingest settings in effect."""
    queue_options: QueueOptions
    """The queue settings in effect."""
    processor_options: ProcessorOptions
    """The processor settings in effect."""
    storage_options: StorageOptions
    """The table settings in effect."""
    names: ResourceNames
    """Names derived from the suffix (the physical names, unless ``physical_names`` is off)."""
    pipeline_name: str
    """The ``Pipeline`` dimension of the processor's metrics: ``shipment-events-{suffix}``, or unique to this
    construct when ``physical_names`` is off."""
    event_bus: events.IEventBus
    """The bus the pipeline takes shipment events from."""
    rule: events.Rule
    """The rule that forwards matching events to :attr:`queue`."""
    archive: events.Archive | None
    """The archive of matched events (``None`` when disabled)."""
    queue: sqs.Queue
    """The source queue the processor consumes."""
    dead_letter_queue: sqs.Queue
    """Messages that failed ``max_receive_count`` times (their retries ran out)."""
    quarantine_queue: sqs.Queue
    """Copies of the events the processor quarantined (invalid, or in conflict with a stored event)."""
    target_dead_letter_queue: sqs.Queue
    """Events the rule could not deliver to :attr:`queue`."""
    function: lambda_.Function
    """The bundled processor function."""
    role: iam.Role
    """The processor's execution role."""
    log_group: logs.LogGroup
    """The processor's log group (JSON logs, with retention)."""
    event_source_mapping: lambda_.EventSourceMapping
    """The SQS event source mapping (maximum concurrency, partial batch responses)."""
    table: dynamodb.ITable
    """The table of shipment events (created, or the one given)."""
    errors_table: dynamodb.Table
    """The table of error records (why a message was quarantined or dead-lettered)."""
    backup_plan: backup.BackupPlan | None
    """The AWS Backup plan of the tables (``None`` unless ``backup_plan=True``)."""
    alarms: Mapping[str, cloudwatch.Alarm]
    """The enabled alarms by name (``QueueBacklog``, ``DeadLetterMessages``...): add your own actions to them."""
    alarm_topic: sns.ITopic | None
    """The topic the alarms notify (``None`` when no alarm does: every alarm off, or every severity routed)."""
    dashboard: cloudwatch.Dashboard | None
    """The pipeline's dashboard (``None`` when ``dashboard=False``)."""
    table_stream_arn: str | None
    """The ARN of the events table's stream (``None`` without one: see ``StorageOptions.stream``)."""
    alarm_severities: Mapping[str, str]
    """Each enabled alarm's severity, ``critical`` or ``warning``, by name."""
    critical_alarms: Sequence[cloudwatch.Alarm]
    """The enabled critical alarms (data at risk or not flowing), e.g. to roll a deployment back on."""
    unhealthy_alarm: cloudwatch.CompositeAlarm | None
    """``PipelineUnhealthy``: in ALARM while any critical alarm is, the one alarm to page on (``None`` when no
    critical alarm is on)."""
    live_alias: lambda_.Alias | None
    """The alias ``live`` the event source mapping invokes (``None`` unless ``processor.deployment`` is set)."""
    deployment_group: codedeploy.LambdaDeploymentGroup | None
    """The CodeDeploy deployment group that shifts :attr:`live_alias` (``None`` unless ``processor.deployment``)."""
    contract: EventContract
    """The event contract in effect."""
    schema_registry: eventschemas.CfnRegistry | None
    """The schema registry holding the event's schema (``None`` unless ``EventContract(publish_schema=True)``)."""
    event_schema: eventschemas.CfnSchema | None
    """The event's ``JSONSchemaDraft4`` schema in :attr:`schema_registry` (``None`` unless published)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        environment_suffix: str = defaults.ENVIRONMENT_SUFFIX,
        physical_names: bool = True,
        event_bus: events.IEventBus | None = None,
        table: dynamodb.ITable | None = None,
        encryption_key: kms.IKey | None = None,
        ttl_days: int = defaults.EVENT_TTL_DAYS,
        ingest: IngestOptions | None = None,
        queues: QueueOptions | None = None,
        processor: ProcessorOptions | None = None,
        storage: StorageOptions | None = None,
        alarms: AlarmThresholds | None = None,
        alarm_topic: sns.ITopic | None = None,
        alarm_emails: Sequence[str] = (),
        dashboard: bool = True,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
        vpc_endpoints: bool = True,
        backup_plan: bool = False,
        permissions_boundary: iam.IManagedPolicy | None = None,
        role_path: str | None = None,
        alarm_routing: AlarmRouting | None = None,
        contract: EventContract | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        # Every prop is checked (types first) before any value is derived from it or given to aws-cdk-lib.
        _validate(
            environment_suffix=environment_suffix,
            physical_names=physical_names,
            event_bus=event_bus,
            table=table,
            encryption_key=encryption_key,
            ttl_days=ttl_days,
            ingest=ingest,
            queues=queues,
            processor=processor,
            storage=storage,  # as given: it is an error next to an existing table
            alarms=alarms,
            alarm_topic=alarm_topic,
            alarm_emails=alarm_emails,
            dashboard=dashboard,
            vpc=vpc,
            vpc_subnets=vpc_subnets,
            security_groups=security_groups,
            vpc_endpoints=vpc_endpoints,
            backup_plan=backup_plan,
            permissions_boundary=permissions_boundary,
            role_path=role_path,
            alarm_routing=alarm_routing,
            contract=contract,
        )
        # From here on, what aws-cdk-lib adds at stack scope for the pipeline's resources gets the guardrails too.
        stack_scope = StackScopeRecorder(self)
        ingest = ingest if ingest is not None else IngestOptions()
        queues = queues if queues is not None else QueueOptions()
        processor = processor if processor is not None else ProcessorOptions()
        alarms = (alarms if alarms is not None else AlarmThresholds()).fitted_to(
            visibility_timeout_seconds=processor.visibility_timeout_seconds,
            # A retention from a CloudFormation parameter is unknown here: the near-expiry default then stays.
            retention_seconds=None if Token.is_unresolved(queues.retention_days) else queues.retention_days * 86_400,
        )
        self.ingest_options, self.queue_options, self.processor_options = ingest, queues, processor
        self.contract = contract = contract if contract is not None else EventContract()
        self.storage_options = storage = storage or StorageOptions()
        self.names = ResourceNames(environment_suffix)
        physical = self.names if physical_names else None
        self.pipeline_name = (
            self.names.pipeline
            if physical_names
            # Unique per construct path, so pipelines sharing a suffix never share metrics or alarms.
            else Names.unique_resource_name(self, max_length=64, separator="-")
        )

        # Each stage once, in the order events flow.
        ingest_stage = create_ingest(
            self, event_bus=event_bus, options=ingest, names=physical, encryption_key=encryption_key
        )
        # What producers may send, published beside the bus when the contract asks for it.
        published = (
            publish_event_schema(self, contract=contract, event_pattern=ingest.resolved_event_pattern(), names=physical)
            if contract.publish_schema
            else None
        )
        buffer_stage = create_queues(
            self, options=queues, processor=processor, encryption_key=encryption_key, names=physical
        )
        process_stage = create_processor(
            self,
            queue=buffer_stage.queue,
            options=processor,
            names=physical,
            contract=contract,
            placement=(
                VpcPlacement(vpc=vpc, subnets=vpc_subnets, security_groups=security_groups, endpoints=vpc_endpoints)
                if vpc
                else None
            ),
            encryption_key=encryption_key,
        )
        store_stage = create_store(
            self,
            existing_table=table,
            options=storage,
            backup_plan=backup_plan,
            names=physical,
            encryption_key=encryption_key,
        )
        observe_stage = create_observability(
            self,
            ingest=ingest_stage,
            buffer=buffer_stage,
            process=process_stage,
            store=store_stage,
            processor=processor,
            pipeline_name=self.pipeline_name,
            names=physical,
            thresholds=alarms,
            alarm_topic=alarm_topic,
            alarm_emails=alarm_emails,
            dashboard=dashboard,
            encryption_key=encryption_key,
            routing=alarm_routing,
        )

        # Wired: the rule delivers to the queue; the processor learns where to write and may write there.
        connect_rule_to_queue(
            ingest_stage.rule,
            queue=buffer_stage.queue,
            target_dead_letter_queue=buffer_stage.target_dead_letter_queue,
            options=ingest,
            bus_name=ingest_stage.bus_name,
            rule_name=physical.rule if physical else None,
        )
        connect_processor_to_store(
            process_stage,
            store=store_stage,
            buffer=buffer_stage,
            ttl_days=ttl_days,
            max_receive_count=queues.max_receive_count,
            metrics_namespace=processor.metrics_namespace,
            pipeline_name=self.pipeline_name,
            on_conflict=storage.on_conflict,
        )

        # Safe deploys: CodeDeploy shifts the alias, rolled back by the alarms a new version can trip.
        deploy_stage = (
            create_deployment_group(
                self,
                alias=process_stage.live_alias,
                config=processor.deployment,
                rollback_alarms=[
                    observe_stage.alarms[alarm_id]
                    for alarm_id in ROLLBACK_ALARM_IDS
                    if alarm_id in observe_stage.alarms
                ],
            )
            if processor.deployment is not None and process_stage.live_alias is not None
            else None
        )

        # The library's own, documented exceptions, now that every resource and grant exists.
        acknowledge_pipeline_findings(
            buffer=buffer_stage,
            process=process_stage,
            store=store_stage,
            processor=processor,
            storage=storage,
            physical_names=physical_names,
            names_from_parameter=Token.is_unresolved(environment_suffix),
            email_subscriptions=observe_stage.email_subscriptions,
            encrypted=encryption_key is not None,
            deployment_group=deploy_stage.deployment_group if deploy_stage else None,
        )
        apply_role_guardrails(
            [self, *stack_scope.added()], permissions_boundary=permissions_boundary, role_path=role_path
        )

        self.event_bus = ingest_stage.event_bus
        self.rule = ingest_stage.rule
        self.archive = ingest_stage.archive
        self.queue = buffer_stage.queue
        self.dead_letter_queue = buffer_stage.dead_letter_queue
        self.quarantine_queue = buffer_stage.quarantine_queue
        self.target_dead_letter_queue = buffer_stage.target_dead_letter_queue
        self.function = process_stage.function
        self.role = process_stage.role
        self.log_group = process_stage.log_group
        self.event_source_mapping = process_stage.event_source_mapping
        self.table = store_stage.table
        self.errors_table = store_stage.errors_table
        self.backup_plan = store_stage.backup_plan
        self.alarms = observe_stage.alarms
        self.alarm_topic = observe_stage.alarm_topic
        self.dashboard = observe_stage.dashboard
        self.schema_registry = published.registry if published else None
        self.event_schema = published.schema if published else None
        self.table_stream_arn = store_stage.table.table_stream_arn
        self.alarm_severities = observe_stage.severities
        self.critical_alarms = observe_stage.critical_alarms
        self.unhealthy_alarm = observe_stage.unhealthy_alarm
        self.live_alias = process_stage.live_alias
        self.deployment_group = deploy_stage.deployment_group if deploy_stage else None

    def grant_put_events(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow a producer to put events on :attr:`event_bus`."""
        return self.event_bus.grant_put_events_to(grantee)

    def grant_stream_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow a consumer to read the events table's stream (what a DynamoDB event source needs).

        ``dynamodb:DescribeStream``, ``GetRecords`` and ``GetShardIterator`` on
        the stream, ``dynamodb:ListStreams`` (which supports no resource-level
        permissions, so on ``*``), and decrypt with the table's key if it has a
        customer managed one.

        Raises:
            ValueError: when the table has no stream (set ``StorageOptions(stream=...)``).
        """
        if self.table_stream_arn is None:
            raise ValueError(
                "grant_stream_read: the events table has no stream. Set storage=StorageOptions(stream="
                "dynamodb.StreamViewType.NEW_IMAGE) (or another view type) on the pipeline; an existing table "
                "needs its stream ARN given when you import it (Table.from_table_attributes(table_stream_arn=...))"
            )
        return self.table.grant_stream_read(grantee)

    def metric_queue_backlog(self, **props) -> cloudwatch.Metric:
        """Messages waiting in the source queue (``ApproximateNumberOfMessagesVisible``)."""
        return self.queue.metric_approximate_number_of_messages_visible(**props)

    def metric_oldest_message_age(self, **props) -> cloudwatch.Metric:
        """Age in seconds of the oldest message in the source queue."""
        return self.queue.metric_approximate_age_of_oldest_message(**props)

    def metric_dead_letter_messages(self, **props) -> cloudwatch.Metric:
        """Messages in the source queue's DLQ (retries exhausted)."""
        return self.dead_letter_queue.metric_approximate_number_of_messages_visible(**props)

    def metric_quarantine_messages(self, **props) -> cloudwatch.Metric:
        """Quarantined events waiting in the quarantine queue."""
        return self.quarantine_queue.metric_approximate_number_of_messages_visible(**props)

    def metric_function_errors(self, **props) -> cloudwatch.Metric:
        """Invocations of the processor that failed as a whole."""
        return self.function.metric_errors(**props)

    def metric_processor(self, metric_name: str, **props) -> cloudwatch.Metric:
        """One of the processor's own counts.

        ``Received``, ``Stored``, ``Duplicates``, ``Quarantined``, ``Retried`` or ``Conflicts``.

        Sum unless ``statistic`` is given, under the namespace
        ``processor.metrics_namespace`` and the dimension ``Pipeline`` =
        :attr:`pipeline_name`.

        Raises:
            ValueError: for any other name (the metric would never report).
        """
        return processor_metric(
            metric_name,
            namespace=self.processor_options.metrics_namespace,
            pipeline_name=self.pipeline_name,
            **props,
        )


def _validate(**props: Any) -> None:
    """Raise :class:`PipelineValidationError` listing every problem of the construct's props.

    ``props`` holds every keyword prop of :class:`ShipmentEventPipeline`, by name: each is first checked
    against its declared type (so a prop added later cannot skip the check), then for its allowed range.
    """
    problems = Problems()
    check_all(problems, props, _declared_prop_types())
    suffix = props["environment_suffix"]
    if not problems.mistyped("environment_suffix") and not Token.is_unresolved(suffix):
        if not (len(suffix) <= MAX_SUFFIX_LENGTH and SUFFIX_PATTERN.fullmatch(suffix)):
            problems.add(
                f"environment_suffix must be 1-{MAX_SUFFIX_LENGTH} lower-case letters, digits or inner hyphens "
                f"(it ends every resource name), got {suffix!r}"
            )
    problems.check_range("ttl_days", props["ttl_days"], 1, unit="days")
    storage = props["storage"]
    if props["table"] is not None and isinstance(storage, StorageOptions) and not problems.mistyped("storage"):
        table_settings = storage.table_settings()
        if table_settings:
            problems.add(
                f"storage.{', storage.'.join(table_settings)} configure the events table this construct would "
                "create, but table= gives an existing one: drop them (configure your own table; only "
                "storage.on_conflict applies to an existing table), or drop table="
            )
    for group in ("ingest", "queues", "processor", "storage", "alarms"):
        if props[group] is not None and not problems.mistyped(group):
            props[group].collect_problems(problems)
    collect_email_problems(props["alarm_emails"], problems)
    collect_role_path_problems(props["role_path"], problems)
    collect_routing_problems(
        problems,
        props["alarm_routing"],
        alarms=props["alarms"],
        alarm_topic=props["alarm_topic"],
        alarm_emails=props["alarm_emails"],
    )
    if props["contract"] is not None and not problems.mistyped("contract"):
        props["contract"].collect_problems(problems)
    if props["vpc"] is None:
        for prop in ("vpc_subnets", "security_groups"):
            if props[prop] is not None:
                problems.add(
                    f"{prop} places the function in a VPC, but vpc= is not set: pass vpc= as well, or drop {prop}="
                )
    problems.raise_if_any()


def _declared_prop_types() -> dict[str, Any]:
    """The construct's keyword props and their declared types, from its signature."""
    hints = typing.get_type_hints(ShipmentEventPipeline.__init__)
    return {name: hint for name, hint in hints.items() if name not in ("scope", "construct_id", "return")}
