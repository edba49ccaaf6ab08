"""Scaling profiles: which profile a load gets, how explicit props win, and what each puts in the template."""

from __future__ import annotations

import dataclasses
import json

import pytest
from aws_cdk import aws_lambda as lambda_
from stacks import synth

from shipment_pipeline_constructs import (
    AlarmThreshold,
    AlarmThresholds,
    ProcessorOptions,
    ProvisionedCapacity,
    ScalingProfile,
    StorageOptions,
)
from shipment_pipeline_constructs.ops.cost import PipelineConfig

from .conftest import run_cli


@pytest.mark.parametrize(
    ("events_per_day", "name"),
    [
        (1, "small"),
        (30_000, "small"),
        (30_001, "medium"),
        (300_000, "medium"),
        (300_001, "large"),
        (10_000_000, "large"),
    ],
)
def test_for_events_per_day_picks_the_smallest_sufficient_profile(events_per_day: int, name: str) -> None:
    assert ScalingProfile.for_events_per_day(events_per_day).name == name


def test_named_profiles_by_name_or_load() -> None:
    assert ScalingProfile.named("30k") is ScalingProfile.SMALL
    assert ScalingProfile.named("MEDIUM") is ScalingProfile.MEDIUM
    assert ScalingProfile.named("3m") is ScalingProfile.LARGE
    with pytest.raises(ValueError, match=r"choose one of small \(30k\), medium \(300k\), large \(3m\)"):
        ScalingProfile.named("xl")


def test_explicit_props_override_the_profile() -> None:
    profile = ScalingProfile.LARGE
    # keyword overrides win, and fields the profile does not size keep their defaults
    options = profile.processor_options(max_concurrency=80, memory_size_mib=1024)
    assert (options.max_concurrency, options.batch_size, options.memory_size_mib, options.timeout_seconds) == (
        80,
        100,
        1024,
        60,
    )
    # a base with explicit values wins over the profile too
    base = ProcessorOptions(batch_size=20, max_batching_window_seconds=1, architecture=lambda_.Architecture.X86_64)
    options = profile.processor_options(base)
    assert (options.batch_size, options.max_batching_window_seconds, options.max_concurrency) == (20, 1, 50)
    assert options.architecture.name == "x86_64"
    own = ProvisionedCapacity(min_write_units=10, max_write_units=20)
    assert profile.storage_options(StorageOptions(provisioned=own)).provisioned == own
    assert profile.storage_options(point_in_time_recovery=False).point_in_time_recovery is False
    props = profile.pipeline_props(environment_suffix="big", alarms=AlarmThresholds(function_errors=None))
    assert props["environment_suffix"] == "big" and props["processor"].batch_size == 100
    assert props["alarms"].function_errors is None
    assert props["alarms"].queue_backlog_messages == AlarmThreshold(63_000, evaluation_periods=3)
    assert props["alarms"].quarantined_events == AlarmThreshold(500)


def test_small_profile_is_the_construct_default(default_template) -> None:
    # The defaults are sized for 30,000 events a day: the small profile changes nothing.
    small = ScalingProfile.SMALL
    assert small.processor_options() == ProcessorOptions()
    assert small.storage_options() == StorageOptions()
    assert small.alarm_thresholds() == AlarmThresholds()
    default_template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping", {"BatchSize": 10, "ScalingConfig": {"MaximumConcurrency": 5}}
    )


def test_medium_profile_template() -> None:
    _, _, template = synth(environment_suffix="medium", **ScalingProfile.MEDIUM.pipeline_props())
    template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {"BatchSize": 10, "MaximumBatchingWindowInSeconds": 1, "ScalingConfig": {"MaximumConcurrency": 20}},
    )
    template.has_resource_properties(
        "AWS::DynamoDB::Table", {"TableName": "shipment-events-medium", "BillingMode": "PAY_PER_REQUEST"}
    )
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 0)
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm", {"AlarmName": "shipment-events-medium-queue-backlog", "Threshold": 6300}
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm", {"AlarmName": "shipment-events-medium-quarantined-events", "Threshold": 50}
    )


def test_large_profile_template_and_its_cost_configuration() -> None:
    _, _, template = synth(environment_suffix="large", **ScalingProfile.LARGE.pipeline_props())
    template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {"BatchSize": 100, "MaximumBatchingWindowInSeconds": 2, "ScalingConfig": {"MaximumConcurrency": 50}},
    )
    # On demand: a 10x peak needs ~351 write units/s at once, faster than auto scaling grows a provisioned table.
    template.has_resource_properties(
        "AWS::DynamoDB::Table", {"TableName": "shipment-events-large", "BillingMode": "PAY_PER_REQUEST"}
    )
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 0)
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalingPolicy", 0)
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm", {"AlarmName": "shipment-events-large-queue-backlog", "Threshold": 63000}
    )
    # The cost model reads the same settings back from the template.
    config = PipelineConfig.from_template(template.to_json())
    assert (config.batch_size, config.max_batching_window_seconds, config.provisioned) == (100, 2, None)


def test_template_and_options_give_the_same_cost_configuration(default_template) -> None:
    from_template = PipelineConfig.from_template(default_template.to_json())
    from_options = PipelineConfig.from_options()
    assert dataclasses.replace(from_template, source="") == dataclasses.replace(from_options, source="")
    assert (from_template.dashboards, from_template.alarms, from_template.kms_keys) == (1, 12, 1)
    assert from_template.composite_alarms == 1  # PipelineUnhealthy


def test_cost_of_a_synthesized_template_file(default_template, tmp_path, capsys) -> None:
    path = tmp_path / "Stack.template.json"
    path.write_text(json.dumps(default_template.to_json()))
    code, out, _ = run_cli(capsys, "cost", "--events-per-day", "30000", "--template", str(path), "--json")
    assert code == 0
    assert json.loads(out)["config"]["source"] == str(path)


def test_each_profile_holds_the_figures_of_its_sizing() -> None:
    from shipment_pipeline_constructs import sizing

    assert [profile.name for profile in ScalingProfile.all()] == [figures.name for figures in sizing.SIZINGS]
    for profile, figures in zip(ScalingProfile.all(), sizing.SIZINGS, strict=True):
        assert ScalingProfile.from_sizing(figures) == profile
        capacity = profile.provisioned
        assert (None if capacity is None else dataclasses.astuple(capacity)) == (
            None
            if figures.provisioned is None
            else (
                figures.provisioned.min_read_units,
                figures.provisioned.max_read_units,
                figures.provisioned.min_write_units,
                figures.provisioned.max_write_units,
                figures.provisioned.target_utilization_percent,
            )
        )
