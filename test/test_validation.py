"""Invalid props fail at construction, with every problem listed and named.

No synthesis here: validation runs before any resource is created.
"""

from __future__ import annotations

import decimal
import enum
import math

import pytest
from aws_cdk import App, CfnParameter, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk.assertions import Template

from shipment_pipeline_constructs import (
    AlarmThreshold,
    AlarmThresholds,
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
            {"processor": ProcessorOptions(batch_size="10")},  # type: ignore[arg-type]  # wrong on purpose
            "processor.batch_size must be a whole number (int), got '10'",
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
        "storage.point_in_time_recovery configure the events table this construct would create, but table= "
        "gives an existing one: drop them (configure your own table; only storage.on_conflict applies to an "
        "existing table), or drop table="
    ]


def test_existing_table_takes_the_conflict_policy_and_the_handler_gets_it():
    # GIVEN an existing table and storage= that sets only on_conflict  THEN it is accepted and reaches the handler
    stack = Stack(App(), "Validation")
    table = dynamodb.Table.from_table_name(stack, "Existing", "team-table")
    pipeline = ShipmentEventPipeline(stack, "Pipeline", table=table, storage=StorageOptions(on_conflict="quarantine"))
    resources = Template.from_stack(stack).to_json()["Resources"]
    function = resources[stack.get_logical_id(pipeline.function.node.default_child)]
    assert function["Properties"]["Environment"]["Variables"]["ON_CONFLICT"] == "quarantine"


def test_on_conflict_must_be_record_or_quarantine_and_is_reported_with_the_other_problems():
    assert problems_of(ttl_days=0, storage=StorageOptions(on_conflict="overwrite")) == [
        "storage.on_conflict must be one of 'record', 'quarantine', got 'overwrite'",
        "ttl_days must be >= 1 days, got 0",
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


class _Level(enum.IntEnum):
    FIVE = 5


# One case per class of wrong value: each must end in the one PipelineValidationError, with this exact
# message, before any value is derived from it or handed to aws-cdk-lib.
@pytest.mark.parametrize(
    ("props", "expected"),
    [
        # a float where a whole number is meant (the template would carry it, and the deploy fail)
        (
            {"processor": ProcessorOptions(batch_size=2.5)},  # type: ignore[arg-type]  # wrong on purpose
            "processor.batch_size must be a whole number (int), got 2.5",
        ),
        (
            {"processor": ProcessorOptions(memory_size_mib=512.5)},  # type: ignore[arg-type]  # wrong on purpose
            "processor.memory_size_mib must be a whole number (int), got 512.5",
        ),
        (
            {"queues": QueueOptions(max_receive_count=2.0)},  # type: ignore[arg-type]  # wrong on purpose
            "queues.max_receive_count must be a whole number (int), got 2.0 (a float: pass int(value))",
        ),
        # None where a value is required (it used to drop the setting: no ScalingConfig, 128 MB, TTL_DAYS="None")
        (
            {"processor": ProcessorOptions(max_concurrency=None)},  # type: ignore[arg-type]  # wrong on purpose
            "processor.max_concurrency must be a whole number (int), got None",
        ),
        (
            {"processor": ProcessorOptions(memory_size_mib=None)},  # type: ignore[arg-type]  # wrong on purpose
            "processor.memory_size_mib must be a whole number (int), got None",
        ),
        ({"ttl_days": None}, "ttl_days must be a whole number (int), got None"),
        # NaN and infinity (they used to kill the jsii process)
        ({"ttl_days": math.nan}, "ttl_days must be a whole number (int), got nan"),
        (
            {"alarms": AlarmThresholds(dead_letter_messages=AlarmThreshold(math.nan))},
            "alarms.dead_letter_messages.value must be a finite number, got nan",
        ),
        (
            {"alarms": AlarmThresholds(dead_letter_messages=AlarmThreshold(math.inf))},
            "alarms.dead_letter_messages.value must be a finite number, got inf",
        ),
        ({"ttl_days": -math.inf}, "ttl_days must be a whole number (int), got -inf"),
        # bool is not an int, and an int is not a bool
        ({"ttl_days": True}, "ttl_days must be a whole number (int), got True"),
        ({"physical_names": 1}, "physical_names must be True or False, got 1"),
        # Decimal and int subclasses are refused on purpose: jsii cannot pass them on
        (
            {"ttl_days": decimal.Decimal(90)},
            "ttl_days must be a whole number (int), got Decimal('90') (a Decimal: pass int(value))",
        ),
        (
            {"ttl_days": _Level.FIVE},
            "ttl_days must be a whole number (int), got <_Level.FIVE: 5> (a _Level: pass int(value))",
        ),
        # a whole number JavaScript cannot hold exactly
        (
            {"storage": StorageOptions(provisioned=ProvisionedCapacity(max_read_units=2**53))},
            "storage.provisioned.max_read_units must be between -9007199254740991 and 9007199254740991 (the whole "
            "numbers JavaScript, which runs aws-cdk-lib, holds exactly), got 9007199254740992",
        ),
        # wrong types, named before anything is derived from them
        (
            {"processor": ProcessorOptions(timeout_seconds="60")},  # type: ignore[arg-type]  # wrong on purpose
            "processor.timeout_seconds must be a whole number (int), got '60'",
        ),
        ({"processor": {}}, "processor must be a ProcessorOptions or None, got {}"),
        ({"alarms": "x"}, "alarms must be an AlarmThresholds or None, got 'x'"),
        ({"alarm_emails": None}, "alarm_emails must be a list of strings, got None"),
        ({"ingest": ProcessorOptions()}, "ingest must be an IngestOptions or None, got a ProcessorOptions"),
        (
            {"storage": StorageOptions(provisioned={"min_read_units": 5})},  # type: ignore[arg-type]  # wrong on purpose
            "storage.provisioned must be a ProvisionedCapacity or None, got {'min_read_units': 5}",
        ),
        (
            {"processor": ProcessorOptions(architecture="arm64")},  # type: ignore[arg-type]  # wrong on purpose
            "processor.architecture must be an Architecture, got 'arm64'",
        ),
        ({"event_bus": "shipment-events-prod"}, "event_bus must be an IEventBus or None, got 'shipment-events-prod'"),
        # strings are matched whole: `$` would accept a trailing newline
        (
            {"environment_suffix": "dev\n"},
            "environment_suffix must be 1-32 lower-case letters, digits or inner hyphens (it ends every "
            "resource name), got 'dev\\n'",
        ),
        ({"alarm_emails": ["ops@example.com\n"]}, "alarm_emails: 'ops@example.com\\n' is not an e-mail address"),
        # one subscription per address (a second would also crash jsii: two constructs with one id)
        (
            {"alarm_emails": ["ops@example.com", "ops@example.com"]},
            "alarm_emails: 'ops@example.com' is listed more than once: list each address once",
        ),
        (
            {"processor": ProcessorOptions(metrics_namespace="Shipments\n")},
            "processor.metrics_namespace must be 1-255 letters, digits, spaces or . - _ / # : (CloudWatch's rule), "
            "got 'Shipments\\n'",
        ),
        # an empty pattern matches nothing; CDK itself would only say so at synth
        (
            {"ingest": IngestOptions(event_pattern=events.EventPattern())},
            "ingest.event_pattern must match on at least one field (EventBridge refuses an empty pattern), got "
            "EventPattern(): give e.g. source=[...], or leave event_pattern out for the default source = "
            "['shipment.service']",
        ),
    ],
)
def test_each_class_of_wrong_value_is_named_exactly(props, expected):
    assert problems_of(**props) == [expected]


def test_a_wrong_type_is_reported_once_and_ranges_of_other_fields_still_are():
    # GIVEN a float batch size next to an out-of-range concurrency and a reserved concurrency below it
    problems = problems_of(processor=ProcessorOptions(batch_size=12.5, max_concurrency=1, reserved_concurrency=1.5))
    # THEN the types come first, each once; the range of the well-typed field is still checked;
    # no cross-field rule compares a value whose type is wrong
    assert problems == [
        "processor.batch_size must be a whole number (int), got 12.5",
        "processor.reserved_concurrency must be a whole number (int) or None, got 1.5",
        "processor.max_concurrency must be between 2 and 1000, got 1",
    ]


def test_tokens_of_every_type_are_left_for_deploy_time():
    # GIVEN a suffix, an address and a namespace that only CloudFormation knows
    stack = Stack(App(), "Tokens")
    pipeline = ShipmentEventPipeline(
        stack,
        "Pipeline",
        environment_suffix=CfnParameter(stack, "Suffix").value_as_string,
        alarm_emails=[CfnParameter(stack, "Email").value_as_string],
        processor=ProcessorOptions(metrics_namespace=CfnParameter(stack, "Namespace").value_as_string),
    )
    # THEN nothing is refused
    assert pipeline.queue is not None


def test_validation_refuses_to_run_without_every_prop_of_the_construct():
    # The construct's signature lists the props validation checks: a prop the construct forgot to pass
    # to validation stops every construction at once, instead of going unchecked.
    from shipment_pipeline_constructs.pipeline import _declared_prop_types, _validate

    declared = _declared_prop_types()
    assert {"environment_suffix", "ttl_days", "processor", "alarm_emails", "backup_plan"} <= set(declared)
    with pytest.raises(TypeError, match="validation was not given backup_plan"):
        _validate(**{name: None for name in declared if name != "backup_plan"})
