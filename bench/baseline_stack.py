"""The default pipeline's resources, written by hand with plain L2 constructs: the synthesis baseline.

``synth_bench.py`` times this against ``ShipmentEventPipeline(stack, "P")``.
It creates the same 29 resources as the construct's defaults (bus, rule with
an SQS target and a target DLQ, archive, three TLS-only queues, the function
from the same asset with its role, log group and event source mapping, two
tables, nine alarms, an encrypted alarm topic and a dashboard with the same
rows), the way a team would write them without the library: no validation,
no option groups, no compliance acknowledgments, no metric factory.

    python bench/baseline_stack.py   # synthesizes once and prints the resource count
"""

from __future__ import annotations

from shipment_pipeline_constructs.handler_asset import ASSET_EXCLUDES, handler_source_dir
from shipment_pipeline_constructs.jsii_env import quiet_jsii

quiet_jsii()  # before aws_cdk starts jsii: the same environment the construct runs in

from aws_cdk import App, Duration, RemovalPolicy, Stack  # noqa: E402
from aws_cdk import aws_cloudwatch as cloudwatch  # noqa: E402
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions  # noqa: E402
from aws_cdk import aws_dynamodb as dynamodb  # noqa: E402
from aws_cdk import aws_events as events  # noqa: E402
from aws_cdk import aws_events_targets as targets  # noqa: E402
from aws_cdk import aws_iam as iam  # noqa: E402
from aws_cdk import aws_kms as kms  # noqa: E402
from aws_cdk import aws_lambda as lambda_  # noqa: E402
from aws_cdk import aws_logs as logs  # noqa: E402
from aws_cdk import aws_sns as sns  # noqa: E402
from aws_cdk import aws_sqs as sqs  # noqa: E402

SUFFIX = "dev"
PERIOD = Duration.minutes(5)


def build(stack: Stack) -> None:
    """Add the pipeline's resources to ``stack``."""
    bus = events.EventBus(stack, "EventBus", event_bus_name=f"shipment-events-{SUFFIX}")
    dlq = _queue(stack, "DeadLetterQueue", f"shipment-events-dlq-{SUFFIX}", 14)
    queue = _queue(
        stack,
        "Queue",
        f"shipment-events-{SUFFIX}",
        4,
        visibility_timeout=Duration.seconds(360),
        dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=5),
    )
    target_dlq = _queue(stack, "TargetDeadLetterQueue", f"shipment-events-target-dlq-{SUFFIX}", 14)
    pattern = events.EventPattern(source=["shipment.service"])
    rule = events.Rule(
        stack,
        "Rule",
        event_bus=bus,
        rule_name=f"shipment-events-to-queue-{SUFFIX}",
        event_pattern=pattern,
        targets=[
            targets.SqsQueue(queue, dead_letter_queue=target_dlq, retry_attempts=185, max_event_age=Duration.hours(24))
        ],
    )
    events.Archive(
        stack,
        "Archive",
        source_event_bus=bus,
        event_pattern=pattern,
        archive_name=f"shipment-events-{SUFFIX}",
        retention=Duration.days(7),
    )

    role = iam.Role(stack, "ProcessorRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    log_group = logs.LogGroup(
        stack,
        "ProcessorLogGroup",
        log_group_name=f"/aws/lambda/shipment-event-processor-{SUFFIX}",
        retention=logs.RetentionDays.ONE_MONTH,
        removal_policy=RemovalPolicy.DESTROY,
    )
    log_group.grant_write(role)
    table = _table(stack, "EventsTable", f"shipment-events-{SUFFIX}", "shipment_id", "event_timestamp")
    errors = _table(stack, "ErrorsTable", f"shipment-event-errors-{SUFFIX}", "error_date", "error_id")
    errors.add_global_secondary_index(
        index_name="by-shipment",
        partition_key=dynamodb.Attribute(name="shipment_id", type=dynamodb.AttributeType.STRING),
        sort_key=dynamodb.Attribute(name="error_id", type=dynamodb.AttributeType.STRING),
    )
    function = lambda_.Function(
        stack,
        "Processor",
        function_name=f"shipment-event-processor-{SUFFIX}",
        code=lambda_.Code.from_asset(str(handler_source_dir()), exclude=ASSET_EXCLUDES),
        handler="shipment_processor.app.handler",
        runtime=lambda_.Runtime.PYTHON_3_13,
        architecture=lambda_.Architecture.ARM_64,
        memory_size=512,
        timeout=Duration.seconds(60),
        tracing=lambda_.Tracing.ACTIVE,
        logging_format=lambda_.LoggingFormat.JSON,
        log_group=log_group,
        role=role,
        environment={
            "EVENTS_TABLE_NAME": table.table_name,
            "ERRORS_TABLE_NAME": errors.table_name,
            "DEAD_LETTER_QUEUE_URL": dlq.queue_url,
            "TTL_DAYS": "90",
            "MAX_RECEIVE_COUNT": "5",
            "METRICS_NAMESPACE": "ShipmentPipeline",
            "PIPELINE_NAME": f"shipment-events-{SUFFIX}",
        },
    )
    queue.grant_consume_messages(role)
    lambda_.EventSourceMapping(
        stack,
        "QueueEventSource",
        target=function,
        event_source_arn=queue.queue_arn,
        batch_size=10,
        max_concurrency=5,
        report_batch_item_failures=True,
    )
    table.grant(role, "dynamodb:PutItem")
    errors.grant(role, "dynamodb:PutItem")
    dlq.grant_send_messages(role)

    key = kms.Key(stack, "AlarmTopicKey", enable_key_rotation=True, removal_policy=RemovalPolicy.DESTROY)
    key.grant_encrypt_decrypt(iam.ServicePrincipal("cloudwatch.amazonaws.com"))
    topic = sns.Topic(
        stack, "AlarmTopic", topic_name=f"shipment-events-{SUFFIX}-alarms", master_key=key, enforce_ssl=True
    )
    _alarms_and_dashboard(stack, bus, rule, queue, dlq, target_dlq, function, [table, errors], topic)


def _queue(stack: Stack, construct_id: str, name: str, retention_days: int, **props) -> sqs.Queue:
    return sqs.Queue(
        stack,
        construct_id,
        queue_name=name,
        retention_period=Duration.days(retention_days),
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        **props,
    )


def _table(stack: Stack, construct_id: str, name: str, partition: str, sort: str) -> dynamodb.Table:
    return dynamodb.Table(
        stack,
        construct_id,
        table_name=name,
        partition_key=dynamodb.Attribute(name=partition, type=dynamodb.AttributeType.STRING),
        sort_key=dynamodb.Attribute(name=sort, type=dynamodb.AttributeType.STRING),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        time_to_live_attribute="expires_at",
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        removal_policy=RemovalPolicy.RETAIN,
        deletion_protection=True,
    )


def _alarms_and_dashboard(stack, bus, rule, queue, dlq, target_dlq, function, tables, topic) -> None:
    def rule_metric(name: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/Events",
            metric_name=name,
            dimensions_map={"EventBusName": bus.event_bus_name, "RuleName": rule.rule_name},
            statistic="Sum",
            period=PERIOD,
        )

    def emf(name: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="ShipmentPipeline",
            metric_name=name,
            dimensions_map={"Pipeline": f"shipment-events-{SUFFIX}"},
            statistic="Sum",
            period=PERIOD,
        )

    def throttles(table: dynamodb.Table) -> cloudwatch.Metric:
        return table.metric(
            "ThrottledRequests",
            dimensions_map={"TableName": table.table_name, "Operation": "PutItem"},
            statistic="Sum",
            period=PERIOD,
        )

    visible = {"statistic": "Maximum", "period": PERIOD}
    watched = {
        "QueueBacklog": (queue.metric_approximate_number_of_messages_visible(**visible), 630),
        "OldestMessageAge": (queue.metric_approximate_age_of_oldest_message(**visible), 900),
        "DeadLetterMessages": (dlq.metric_approximate_number_of_messages_visible(**visible), 1),
        "TargetDeadLetterMessages": (target_dlq.metric_approximate_number_of_messages_visible(**visible), 1),
        "FunctionErrors": (function.metric_errors(statistic="Sum", period=PERIOD), 1),
        "FunctionThrottles": (function.metric_throttles(statistic="Sum", period=PERIOD), 1),
        "FailedInvocations": (rule_metric("FailedInvocations"), 1),
        "TableThrottles": (
            cloudwatch.MathExpression(
                expression="events + errors",
                using_metrics={"events": throttles(tables[0]), "errors": throttles(tables[1])},
                period=PERIOD,
            ),
            1,
        ),
        "QuarantinedEvents": (emf("Quarantined"), 5),
    }
    action = cloudwatch_actions.SnsAction(topic)
    alarms = []
    for name, (metric, threshold) in watched.items():
        alarm = cloudwatch.Alarm(
            stack,
            name,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)
        alarms.append(alarm)

    def graph(title: str, metrics: list, width: int) -> cloudwatch.GraphWidget:
        return cloudwatch.GraphWidget(title=title, left=metrics, width=width, height=6)

    dashboard = cloudwatch.Dashboard(stack, "Dashboard", dashboard_name=f"shipment-events-{SUFFIX}")
    dashboard.add_widgets(cloudwatch.TextWidget(markdown="# Shipment pipeline", width=24, height=2))
    dashboard.add_widgets(
        graph("Ingest", [rule_metric("MatchedEvents"), rule_metric("Invocations")], 8),
        graph("Failed deliveries", [rule_metric("FailedInvocations")], 8),
        graph("Target DLQ", [target_dlq.metric_approximate_number_of_messages_visible(**visible)], 8),
    )
    dashboard.add_widgets(
        graph(
            "Queue",
            [
                queue.metric_approximate_number_of_messages_visible(**visible),
                queue.metric_approximate_number_of_messages_not_visible(**visible),
            ],
            6,
        ),
        graph("Oldest message", [queue.metric_approximate_age_of_oldest_message(**visible)], 6),
        graph(
            "Traffic",
            [
                queue.metric_number_of_messages_sent(period=PERIOD),
                queue.metric_number_of_messages_received(period=PERIOD),
                queue.metric_number_of_messages_deleted(period=PERIOD),
            ],
            6,
        ),
        graph("DLQ", [dlq.metric_approximate_number_of_messages_visible(**visible)], 6),
    )
    dashboard.add_widgets(
        graph(
            "Processor",
            [
                function.metric_invocations(period=PERIOD),
                function.metric_errors(period=PERIOD),
                function.metric_throttles(period=PERIOD),
            ],
            8,
        ),
        graph("Duration", [function.metric_duration(statistic=p, period=PERIOD) for p in ("p50", "p99")], 8),
        graph("Concurrency", [function.metric("ConcurrentExecutions", statistic="Maximum", period=PERIOD)], 8),
    )
    dashboard.add_widgets(
        graph("Write units", [t.metric_consumed_write_capacity_units(period=PERIOD) for t in tables], 6),
        graph("Throttled writes", [throttles(t) for t in tables], 6),
        graph("System errors", [t.metric("SystemErrors", period=PERIOD) for t in tables], 6),
        graph("Write latency", [t.metric("SuccessfulRequestLatency", period=PERIOD) for t in tables], 6),
    )
    dashboard.add_widgets(
        graph("Outcomes", [emf(n) for n in ("Received", "Stored", "Duplicates", "Quarantined", "Retried")], 24)
    )
    dashboard.add_widgets(cloudwatch.AlarmStatusWidget(alarms=alarms, width=24, height=3))


if __name__ == "__main__":
    app = App()
    stack = Stack(app, "S")
    build(stack)
    template = app.synth().get_stack_by_name("S").template
    print(len(template["Resources"]), "resources")
