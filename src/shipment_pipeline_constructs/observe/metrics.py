"""Metric factory: every metric the dashboard shows and the alarms watch, built in one place.

Each method returns a metric with its namespace, dimensions and statistic
settled, named after what it measures; the period is the caller's choice
(the dashboard's 5 minutes, or an alarm's own period). Labels are the
dashboard's business, so alarms render as plain metrics. Nothing here
creates resources.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from aws_cdk import Duration, Fn
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_sqs as sqs

from .. import defaults

if TYPE_CHECKING:
    from ..pipeline import ShipmentEventPipeline

DEFAULT_PERIOD = Duration.minutes(defaults.ALARM_PERIOD_MINUTES)
EVENTS_NAMESPACE = "AWS/Events"
SUM = "Sum"
MAXIMUM = "Maximum"
# The processor writes with PutItem only, so the table metrics look at that operation.
WRITE_OPERATION = "PutItem"
PROCESSOR_METRIC_NAMES = ("Received", "Stored", "Duplicates", "Quarantined", "Retried")


class PipelineMetricFactory:
    """Builds the metrics of one :class:`~shipment_pipeline_constructs.ShipmentEventPipeline`.

    Args:
        pipeline: The pipeline whose resources the metrics describe.
    """

    def __init__(self, pipeline: "ShipmentEventPipeline") -> None:
        self._pipeline = pipeline

    # EventBridge -----------------------------------------------------------

    def _rule_metric(self, metric_name: str, period: Duration) -> cloudwatch.Metric:
        # Rules on a custom bus report under EventBusName + RuleName; rules on
        # the default bus under RuleName alone (EventBridge user guide, eb-monitoring).
        bus_name = self._pipeline.event_bus.event_bus_name
        rule_name = self._pipeline.rule.rule_name
        if bus_name == "default":
            dimensions = {"RuleName": rule_name}
        else:
            # A custom-bus rule's Ref (CDK's rule_name) is "<bus>|<rule>"
            # (cloudformation-coverage-roadmap issue 1131); the metric wants the rule part.
            dimensions = {"EventBusName": bus_name, "RuleName": Fn.select(1, Fn.split("|", rule_name))}
        return cloudwatch.Metric(
            namespace=EVENTS_NAMESPACE,
            metric_name=metric_name,
            dimensions_map=dimensions,
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
        return _visible(self._pipeline.target_dead_letter_queue, period)

    # SQS -------------------------------------------------------------------

    def visible_messages(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Messages waiting in the source queue (``ApproximateNumberOfMessagesVisible``, maximum)."""
        return _visible(self._pipeline.queue, period)

    def in_flight_messages(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Messages received by the processor and not yet deleted (``ApproximateNumberOfMessagesNotVisible``, maximum)."""
        return self._pipeline.queue.metric_approximate_number_of_messages_not_visible(statistic=MAXIMUM, period=period)

    def oldest_message_age_seconds(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Age of the oldest message in the source queue, seconds (``ApproximateAgeOfOldestMessage``, maximum)."""
        return self._pipeline.queue.metric_approximate_age_of_oldest_message(statistic=MAXIMUM, period=period)

    def sent_messages(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Messages EventBridge put on the source queue (``NumberOfMessagesSent``, sum)."""
        return self._pipeline.queue.metric_number_of_messages_sent(statistic=SUM, period=period)

    def received_messages(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Messages the poller received, retries included (``NumberOfMessagesReceived``, sum)."""
        return self._pipeline.queue.metric_number_of_messages_received(statistic=SUM, period=period)

    def deleted_messages(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Messages processed and deleted (``NumberOfMessagesDeleted``, sum)."""
        return self._pipeline.queue.metric_number_of_messages_deleted(statistic=SUM, period=period)

    def dead_letter_messages(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Messages in the source queue's DLQ: failed too often, or quarantined (visible messages, maximum)."""
        return _visible(self._pipeline.dead_letter_queue, period)

    # Lambda ----------------------------------------------------------------

    def function_invocations(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Invocations of the processor (``Invocations``, sum)."""
        return self._pipeline.function.metric_invocations(statistic=SUM, period=period)

    def function_errors(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Invocations that failed as a whole; partial batch failures are not errors (``Errors``, sum)."""
        return self._pipeline.function.metric_errors(statistic=SUM, period=period)

    def function_throttles(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Invocations Lambda refused for lack of concurrency (``Throttles``, sum)."""
        return self._pipeline.function.metric_throttles(statistic=SUM, period=period)

    def function_duration_ms(self, percentile: str, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Run time of one invocation in milliseconds at a percentile such as ``"p50"`` (``Duration``)."""
        return self._pipeline.function.metric_duration(statistic=percentile, period=period)

    def function_concurrent_executions(self, period: Duration = DEFAULT_PERIOD) -> cloudwatch.Metric:
        """Instances of the processor running at once (``ConcurrentExecutions``, maximum)."""
        return self._pipeline.function.metric("ConcurrentExecutions", statistic=MAXIMUM, period=period)

    # DynamoDB --------------------------------------------------------------

    def tables(self) -> Sequence[tuple[str, dynamodb.ITable]]:
        """The tables the processor writes, with a short label each."""
        return (("events", self._pipeline.table), ("errors", self._pipeline.errors_table))

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
        """One of the processor's counts (sum): ``Received``, ``Stored``, ``Duplicates``, ``Quarantined``, ``Retried``."""
        return self._pipeline.metric_processor(metric_name, period=period)


def _visible(queue: sqs.IQueue, period: Duration) -> cloudwatch.Metric:
    return queue.metric_approximate_number_of_messages_visible(statistic=MAXIMUM, period=period)


def _table_metric(table: dynamodb.ITable, metric_name: str, statistic: str, period: Duration) -> cloudwatch.Metric:
    return table.metric(
        metric_name,
        dimensions_map={"TableName": table.table_name, "Operation": WRITE_OPERATION},
        statistic=statistic,
        period=period,
    )
