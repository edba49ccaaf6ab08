"""The construct's ``metric_*`` helpers and the metric factory, which takes resources, not the construct."""

from __future__ import annotations

import pytest
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs

from shipment_pipeline_constructs.observe import PipelineMetricFactory

QUEUE = {"Fn::GetAtt": ["PipelineQueueC13966F5", "QueueName"]}
DLQ = {"Fn::GetAtt": ["PipelineDeadLetterQueueF08023D6", "QueueName"]}
FUNCTION = {"Ref": "PipelineProcessorD7E2B244"}


def identity(stack: Stack, metric) -> tuple:
    """(namespace, metric name, resolved dimensions, statistic, period in seconds)."""
    return (
        metric.namespace,
        metric.metric_name,
        stack.resolve(metric.dimensions),
        metric.statistic,
        metric.period.to_seconds(),
    )


@pytest.mark.parametrize(
    ("helper", "expected"),
    [
        ("metric_queue_backlog", ("AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": QUEUE}, "Maximum")),
        ("metric_oldest_message_age", ("AWS/SQS", "ApproximateAgeOfOldestMessage", {"QueueName": QUEUE}, "Maximum")),
        (
            "metric_dead_letter_messages",
            ("AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": DLQ}, "Maximum"),
        ),
        ("metric_function_errors", ("AWS/Lambda", "Errors", {"FunctionName": FUNCTION}, "Sum")),
    ],
)
def test_metric_helpers_describe_the_pipelines_own_resources(default_pipeline, helper, expected):
    stack, pipeline, _ = default_pipeline
    assert identity(stack, getattr(pipeline, helper)()) == (*expected, 300)


def test_metric_helpers_pass_props_through(default_pipeline):
    stack, pipeline, _ = default_pipeline
    metric = pipeline.metric_function_errors(period=Duration.minutes(1), statistic="Maximum")
    assert (metric.statistic, metric.period.to_seconds()) == ("Maximum", 60)


@pytest.mark.parametrize("name", ["Received", "Stored", "Duplicates", "Quarantined", "Retried"])
def test_metric_processor_reads_the_processors_count_under_its_namespace_and_pipeline(default_pipeline, name):
    stack, pipeline, _ = default_pipeline
    metric = pipeline.metric_processor(name)
    assert identity(stack, metric) == ("ShipmentPipeline", name, {"Pipeline": "shipment-events-test"}, "Sum", 300)


def test_metric_processor_takes_a_statistic_and_period(default_pipeline):
    metric = default_pipeline[1].metric_processor("Stored", statistic="SampleCount", period=Duration.minutes(1))
    assert (metric.statistic, metric.period.to_seconds()) == ("SampleCount", 60)


def test_metric_processor_accepts_conflicts(default_pipeline):
    assert default_pipeline[1].metric_processor("Conflicts").metric_name == "Conflicts"


def test_metric_processor_rejects_names_the_processor_never_publishes(default_pipeline):
    with pytest.raises(ValueError, match="metric_name must be one of Received, Stored, Duplicates, Quarantined, "):
        default_pipeline[1].metric_processor("Stord")


@pytest.fixture(scope="module")
def imported():
    """A factory over imported resources: no pipeline, no synthesis."""
    stack = Stack(App(), "Imported", env={"account": "111111111111", "region": "eu-west-1"})
    arn = "arn:aws:sqs:eu-west-1:111111111111:"
    factory = PipelineMetricFactory(
        event_bus=events.EventBus.from_event_bus_name(stack, "Bus", "orders"),
        rule=events.Rule.from_event_rule_arn(stack, "Rule", "arn:aws:events:eu-west-1:111111111111:rule/orders/r"),
        queue=sqs.Queue.from_queue_arn(stack, "Queue", arn + "q"),
        dead_letter_queue=sqs.Queue.from_queue_arn(stack, "Dlq", arn + "dlq"),
        quarantine_queue=sqs.Queue.from_queue_arn(stack, "Quarantine", arn + "quarantine"),
        target_dead_letter_queue=sqs.Queue.from_queue_arn(stack, "TargetDlq", arn + "target-dlq"),
        function=lambda_.Function.from_function_arn(
            stack, "Function", "arn:aws:lambda:eu-west-1:111111111111:function:processor"
        ),
        events_table=dynamodb.Table.from_table_name(stack, "Events", "events"),
        errors_table=dynamodb.Table.from_table_name(stack, "Errors", "errors"),
        namespace="Acme/Shipments",
        pipeline_name="orders",
    )
    return stack, factory


def test_factory_needs_only_the_resources_it_describes(imported):
    # GIVEN imported resources and names, no ShipmentEventPipeline  THEN  every family of metric resolves
    stack, factory = imported
    assert identity(stack, factory.visible_messages())[:3] == (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        {"QueueName": "q"},
    )
    assert stack.resolve(factory.dead_letter_messages().dimensions) == {"QueueName": "dlq"}
    assert stack.resolve(factory.quarantine_messages().dimensions) == {"QueueName": "quarantine"}
    assert stack.resolve(factory.target_dead_letter_messages().dimensions) == {"QueueName": "target-dlq"}
    assert stack.resolve(factory.function_errors().dimensions) == {"FunctionName": "processor"}
    assert [label for label, _ in factory.tables()] == ["events", "errors"]
    assert identity(stack, factory.processor("Quarantined", Duration.minutes(1))) == (
        "Acme/Shipments",
        "Quarantined",
        {"Pipeline": "orders"},
        "Sum",
        60,
    )


def test_factory_rejects_unknown_processor_metrics(imported):
    with pytest.raises(ValueError, match="got 'Stord'"):
        imported[1].processor("Stord")
