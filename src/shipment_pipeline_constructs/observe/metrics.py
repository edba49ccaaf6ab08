"""Metric factory: every metric the dashboard shows and the alarms watch, built in one place.

Each method returns a metric with its namespace, dimensions and statistic
settled, named after what it measures; the period is the caller's choice
(the dashboard's 5 minutes, or an alarm's own period). Labels are the
dashboard's business, so alarms render as plain metrics. Nothing here
creates resources, and the factory takes the resources it describes, not
the construct that owns them (as cdk-monitoring-constructs'
``SqsQueueMetricFactory`` takes an ``IQueue``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from aws_cdk import Duration, Fn
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs

from .. import defaults
from ..shape import METRIC_DIMENSION, PROCESSOR_METRICS

DEFAULT_PERIOD = Duration.minutes(defaults.ALARM_PERIOD_MINUTES)
EVENTS_NAMESPACE = "AWS/Events"
SUM = "Sum"
MAXIMUM = "Maximum"
# The processor writes with PutItem only, so the table metrics look at that operation.
WRITE_OPERATION = "PutItem"


def processor_metric(metric_name: str, *, namespace: str, pipeline_name: str, **props: Any) -> cloudwatch.Metric:
    """One of the bundled processor's counts (sum unless ``statistic`` says otherwise).

    Args:
        metric_name: One of :data:`~shipment_pipeline_constructs.shape.PROCESSOR_METRICS`.
        namespace: The processor's ``metrics_namespace``.
        pipeline_name: The value of the metric's one dimension (the function's ``PIPELINE_NAME``).
        props: Further ``cloudwatch.Metric`` props (``period``, ``label``...).

    Raises:
        ValueError: for any other name (the metric would never report).
    """
    if metric_name not in PROCESSOR_METRICS:
        raise ValueError(f"metric_name must be one of {', '.join(PROCESSOR_METRICS)}, got {metric_name!r}")
    return cloudwatch.Metric(
        namespace=namespace,
        metric_name=metric_name,
        dimensions_map={METRIC_DIMENSION: pipeline_name},
        statistic=props.pop("statistic", SUM),
        **props,
    )


class PipelineMetricFactory:
    """Builds the metrics of one pipeline's resources.

    Args:
        event_bus: The bus the rule listens on.
        rule: The rule that forwards shipment events to ``queue``.
        queue: The source queue.
        dead_letter_queue: The source queue's DLQ.
        quarantine_queue: The queue of quarantined events.
        target_dead_letter_queue: The rule target's DLQ.
        function: The processor.
        events_table: The table of shipment events.
        errors_table: The table of error records.
        namespace: The namespace of the processor's own metrics.
        pipeline_name: The ``Pipeline`` dimension of the processor's own metrics.
    """

    def __init__(
        self,
        *,
        event_bus: events.IEventBus,
        rule: events.IRule,
        queue: sqs.IQueue,
        dead_letter_queue: sqs.IQueue,
        quarantine_queue: sqs.IQueue,
        target_dead_letter_queue: sqs.IQueue,
        function: lambda_.IFunction,
        events_table: dynamodb.ITable,
        errors_table: dynamodb.ITable,
        namespace: str,
        pipeline_name: str,
    ) -> None:
        self._event_bus = event_bus
        self._rule = rule
        self._queue = queue
        self._dead_letter_queue = dead_letter_queue
        self._quarantine_queue = quarantine_queue
        self._target_dead_letter_queue = target_dead_letter_queue
        self._function = function
        self._tables: tuple[tuple[str, dynamodb.ITable], ...] = (("events", events_table), ("errors", errors_table))
        self._namespace = namespace
        self._pipeline_name = pipeline_name

    # EventBridge -----------------------------------------------------------

    @cached_property
    def _rule_dimensions(self) -> dict[str, str]:
        # Rules on a custom bus report under EventBusName + RuleName; rules on
        # the default bus under RuleName alone (EventBridge user guide, eb-monitoring).
        # Worked out once: each part is a request to jsii, and four metrics share them.
        bus_name = self._event_bus.event_bus_name
        rule_name = self._rule.rule_name
        if bus_name == "default":
            return {"RuleName": rule_name}
        # A custom-bus rule's Ref (CDK's rule_name) is "<bus>|<rule>"
        # (cloudformation-coverage-roadmap issue 1131); the metric wants the rule part.
        return {"EventBusName": bus_name, "RuleName": Fn.select(1, Fn.split("|", rule_name))}

    def _rule_metric(self, metric_name: str, period: Duration) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace=EVENTS_NAMESPACE,
            metric_name=metric_name,
            dimensions_map=self._rule_dimensions,
            statistic=SUM,
            period=period,
        )

    def matched_events(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Events on the bus that matched the pipeline's rule (``MatchedEvents``, sum)."""
        return self._rule_metric("MatchedEvents", period)

    def target_invocations(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Deliveries of matched events to the queue, failed or not (``Invocations``, sum)."""
        return self._rule_metric("Invocations", period)

    def failed_invocations(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Events EventBridge gave up delivering after all retries (``FailedInvocations``, sum)."""
        return self._rule_metric("FailedInvocations", period)

    def target_dead_letter_messages(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Undeliverable events waiting in the target DLQ (visible messages, maximum)."""
        return _visible(self._target_dead_letter_queue, period)

    # SQS -------------------------------------------------------------------

    def visible_messages(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Messages waiting in the source queue (``ApproximateNumberOfMessagesVisible``, maximum)."""
        return _visible(self._queue, period)

    def in_flight_messages(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Messages received by the processor and not yet deleted (``ApproximateNumberOfMessagesNotVisible``, maximum)."""
        return self._queue.metric_approximate_number_of_messages_not_visible(statistic=MAXIMUM, period=period)

    def oldest_message_age_seconds(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Age of the oldest message in the source queue, seconds (``ApproximateAgeOfOldestMessage``, maximum)."""
        return self._queue.metric_approximate_age_of_oldest_message(statistic=MAXIMUM, period=period)

    def sent_messages(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Messages EventBridge put on the source queue (``NumberOfMessagesSent``, sum)."""
        return self._queue.metric_number_of_messages_sent(statistic=SUM, period=period)

    def received_messages(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Messages the poller received, retries included (``NumberOfMessagesReceived``, sum)."""
        return self._queue.metric_number_of_messages_received(statistic=SUM, period=period)

    def deleted_messages(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Messages processed and deleted (``NumberOfMessagesDeleted``, sum)."""
        return self._queue.metric_number_of_messages_deleted(statistic=SUM, period=period)

    def dead_letter_messages(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Messages in the source queue's DLQ: their retries ran out (visible messages, maximum)."""
        return _visible(self._dead_letter_queue, period)

    def quarantine_messages(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Quarantined events waiting for a person: invalid, or in conflict (visible messages, maximum)."""
        return _visible(self._quarantine_queue, period)

    # Lambda ----------------------------------------------------------------

    def function_invocations(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Invocations of the processor (``Invocations``, sum)."""
        return self._function.metric_invocations(statistic=SUM, period=period)

    def function_errors(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Invocations that failed as a whole; partial batch failures are not errors (``Errors``, sum)."""
        return self._function.metric_errors(statistic=SUM, period=period)

    def function_throttles(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Invocations Lambda refused for lack of concurrency (``Throttles``, sum)."""
        return self._function.metric_throttles(statistic=SUM, period=period)

    def function_duration_ms(self, percentile: str, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Run time of one invocation in milliseconds at a percentile such as ``"p50"`` (``Duration``)."""
        return self._function.metric_duration(statistic=percentile, period=period)

    def function_concurrent_executions(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Instances of the processor running at once (``ConcurrentExecutions``, maximum)."""
        return self._function.metric("ConcurrentExecutions", statistic=MAXIMUM, period=period)

    # DynamoDB --------------------------------------------------------------

    def tables(self) -> Sequence[tuple[str, dynamodb.ITable]]:
        """The tables the processor writes, with a short label each."""
        return self._tables

    def consumed_write_units(self, table: dynamodb.ITable, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Write capacity units a table consumed (``ConsumedWriteCapacityUnits``, sum)."""
        return table.metric_consumed_write_capacity_units(statistic=SUM, period=period)

    def throttled_writes(self, table: dynamodb.ITable, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """PutItem requests a table throttled (``ThrottledRequests``, operation ``PutItem``, sum)."""
        return _table_metric(table, "ThrottledRequests", SUM, period)

    def system_errors(self, table: dynamodb.ITable, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """PutItem requests that failed inside DynamoDB (``SystemErrors``, operation ``PutItem``, sum)."""
        return _table_metric(table, "SystemErrors", SUM, period)

    def write_latency_ms(self, table: dynamodb.ITable, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Milliseconds a successful PutItem took (``SuccessfulRequestLatency``, operation ``PutItem``, average)."""
        return _table_metric(table, "SuccessfulRequestLatency", "Average", period)

    def all_throttled_writes(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.MathExpression:
        """Throttled PutItem requests of both tables together, for one alarm."""
        metrics = {label: self.throttled_writes(table, period) for label, table in self.tables()}
        return cloudwatch.MathExpression(
            expression=" + ".join(metrics),
            using_metrics=metrics,
            period=period,
            label="Throttled writes (both tables)",
        )

    # The processor's own EMF metrics ------------------------------------------

    def processor(self, metric_name: str, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """One of the processor's counts (sum), named in :data:`~shipment_pipeline_constructs.shape.PROCESSOR_METRICS`.

        Raises:
            ValueError: for any other name.
        """
        return processor_metric(
            metric_name, namespace=self._namespace, pipeline_name=self._pipeline_name, period=period
        )


def _visible(queue: sqs.IQueue, period: Duration) -> cloudwatch.Metric:
    return queue.metric_approximate_number_of_messages_visible(statistic=MAXIMUM, period=period)


def _table_metric(table: dynamodb.ITable, metric_name: str, statistic: str, period: Duration) -> cloudwatch.Metric:
    return table.metric(
        metric_name,
        dimensions_map={"TableName": table.table_name, "Operation": WRITE_OPERATION},
        statistic=statistic,
        period=period,
    )
