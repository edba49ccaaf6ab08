"""Invalid props fail at construction, with every problem listed and named.

No synthesis here: validation runs before any resource is created.
"""

from __future__ import annotations

import pytest
from aws_cdk import App, CfnParameter, Stack
from aws_cdk import aws_dynamodb as dynamodb

from shipment_pipeline_constructs import (
    IngestOptions,
    PipelineValidationError,
    ProcessorOptions,
    ProvisionedCapacity,
    QueueOptions,
    ShipmentEventPipeline,
    StorageOptions,
)


def problems_of(**props) -> list[str]:
    stack = Stack(App(), "Validation")
    with pytest.raises(PipelineValidationError) as raised:
        ShipmentEventPipeline(stack, "Pipeline", **props)
    return raised.value.problems


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        (
            {"processor": ProcessorOptions(batch_size=0)},
            "processor.batch_size must be between 1 and 10000, got 0",
        ),
        (
            {"processor": ProcessorOptions(batch_size=100)},
            "processor.batch_size 100 > 10 needs processor.max_batching_window_seconds >= 1 "
            "(an SQS event source mapping rule)",
        ),
        (
            {"processor": ProcessorOptions(timeout_seconds=901)},
            "processor.timeout_seconds must be between 1 and 900 s, got 901",
        ),
        (
            {"processor": ProcessorOptions(max_concurrency=1)},
            "processor.max_concurrency must be between 2 and 1000, got 1",
        ),
        (
            {"processor": ProcessorOptions(max_concurrency=10, reserved_concurrency=5)},
            "processor.reserved_concurrency (5) must be >= processor.max_concurrency (10): otherwise Lambda "
            "throttles the poller and throttled messages count towards max_receive_count",
        ),
        (
            {"processor": ProcessorOptions(memory_size_mib=64)},
            "processor.memory_size_mib must be between 128 and 10240 MiB, got 64",
        ),
        (
            {"processor": ProcessorOptions(max_batching_window_seconds=301)},
            "processor.max_batching_window_seconds must be between 0 and 300 s, got 301",
        ),
        (
            {"processor": ProcessorOptions(metrics_namespace="AWS/Lambda")},
            "processor.metrics_namespace must not start with 'AWS/', got 'AWS/Lambda'",
        ),
        (
            {"queues": QueueOptions(retention_days=0)},
            "queues.retention_days must be between 1 and 14 days, got 0",
        ),
        (
            {"queues": QueueOptions(retention_days=10, dead_letter_retention_days=4)},
            "queues.dead_letter_retention_days (4) must be >= queues.retention_days (10): a standard queue keeps "
            "the original enqueue time, so a shorter DLQ retention deletes messages as they arrive",
        ),
        (
            {"queues": QueueOptions(max_receive_count=0)},
            "queues.max_receive_count must be between 1 and 1000, got 0",
        ),
        ({"ttl_days": 0}, "ttl_days must be >= 1 days, got 0"),
        ({"ttl_days": -5}, "ttl_days must be >= 1 days, got -5"),
        (
            {"ingest": IngestOptions(target_retry_attempts=186)},
            "ingest.target_retry_attempts must be between 0 and 185, got 186",
        ),
        (
            {"ingest": IngestOptions(target_max_event_age_hours=0)},
            "ingest.target_max_event_age_hours must be between 1 and 24 hours, got 0",
        ),
        (
            {"ingest": IngestOptions(archive_retention_days=0)},
            "ingest.archive_retention_days must be >= 1 days, got 0",
        ),
        (
            {"storage": StorageOptions(provisioned=ProvisionedCapacity(min_write_units=50, max_write_units=10))},
            "storage.provisioned.max_write_units (10) must be >= min_write_units (50)",
        ),
        (
            {"storage": StorageOptions(provisioned=ProvisionedCapacity(target_utilization_percent=95))},
            "storage.provisioned.target_utilization_percent must be between 20 and 90 %, got 95",
        ),
        (
            {"environment_suffix": "Prod_1"},
            "environment_suffix must be 1-32 lower-case letters, digits or inner hyphens (it ends every "
            "resource name), got 'Prod_1'",
        ),
        (
            {"environment_suffix": "x" * 33},
            f"environment_suffix must be 1-32 lower-case letters, digits or inner hyphens (it ends every "
            f"resource name), got '{'x' * 33}'",
        ),
        (
            {"processor": ProcessorOptions(batch_size="10")},
            "processor.batch_size must be a number, got '10'",
        ),
    ],
)
def test_each_bad_prop_is_named_with_its_value_and_allowed_range(props, expected):
    # GIVEN one invalid prop  WHEN the construct is created  THEN exactly that problem is reported
    assert problems_of(**props) == [expected]


def test_existing_table_with_table_options_is_rejected():
    stack = Stack(App(), "Validation")
    table = dynamodb.Table.from_table_name(stack, "Existing", "team-table")
    with pytest.raises(PipelineValidationError) as raised:
        ShipmentEventPipeline(stack, "Pipeline", table=table, storage=StorageOptions(point_in_time_recovery=False))
    assert raised.value.problems == [
        "storage configures the events table this construct would create, but table= gives an existing one: "
        "drop storage= (configure your own table), or drop table="
    ]


def test_every_problem_is_reported_in_one_error():
    # GIVEN three independent mistakes
    problems = problems_of(
        ttl_days=0,
        queues=QueueOptions(max_receive_count=0),
        processor=ProcessorOptions(batch_size=0, max_concurrency=1),
    )
    # THEN all four are listed, and the message shows each on its own line
    assert len(problems) == 4
    stack = Stack(App(), "Validation")
    with pytest.raises(PipelineValidationError, match=r"4 invalid prop\(s\):\n  - ttl_days"):
        ShipmentEventPipeline(
            stack,
            "P",
            ttl_days=0,
            queues=QueueOptions(max_receive_count=0),
            processor=ProcessorOptions(batch_size=0, max_concurrency=1),
        )


def test_invalid_props_create_no_resources():
    stack = Stack(App(), "Validation")
    with pytest.raises(PipelineValidationError):
        ShipmentEventPipeline(stack, "Pipeline", ttl_days=0)
    assert stack.node.find_child("Pipeline").node.children == []


def test_unresolved_tokens_are_left_for_deploy_time():
    # GIVEN values only CloudFormation knows  THEN  validation does not guess about them
    stack = Stack(App(), "Tokens")
    ttl = CfnParameter(stack, "TtlDays", type="Number").value_as_number
    concurrency = CfnParameter(stack, "Concurrency", type="Number").value_as_number
    pipeline = ShipmentEventPipeline(
        stack, "Pipeline", ttl_days=ttl, processor=ProcessorOptions(max_concurrency=concurrency, reserved_concurrency=2)
    )
    assert pipeline.function is not None
