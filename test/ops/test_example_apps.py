"""The example apps that compose the construct with scaling profiles: what differs between their stacks."""

from __future__ import annotations

import pytest
from stacks import synth_example

from shipment_pipeline_constructs import shape

pytestmark = pytest.mark.slow  # synthesizes an example app or runs the emulator


def resources_of(stack, kind: str) -> list[dict]:
    return [
        resource.get("Properties", {}) for resource in stack.template["Resources"].values() if resource["Type"] == kind
    ]


def test_multi_env_builds_dev_and_prod_with_different_sizes_and_alarms() -> None:
    # The context the compliance tests use too: one synthesis for both.
    _, assembly = synth_example("multi_env")
    stacks = {stack.stack_name: stack for stack in assembly.stacks}
    assert set(stacks) == {"ShipmentPipeline-dev", "ShipmentPipeline-prod"}
    dev, prod = stacks["ShipmentPipeline-dev"], stacks["ShipmentPipeline-prod"]
    (dev_mapping,), (prod_mapping,) = (
        resources_of(dev, "AWS::Lambda::EventSourceMapping"),
        resources_of(prod, "AWS::Lambda::EventSourceMapping"),
    )
    assert dev_mapping["ScalingConfig"]["MaximumConcurrency"] == 5
    assert prod_mapping["ScalingConfig"]["MaximumConcurrency"] == 20
    assert resources_of(dev, "AWS::CloudWatch::Alarm") == [] and resources_of(dev, "AWS::SNS::Topic") == []
    assert len(resources_of(prod, "AWS::CloudWatch::Alarm")) == len(shape.ALARM_IDS)  # every alarm on
    assert len(resources_of(prod, "AWS::SNS::Topic")) == 1  # e-mail subscriptions with -c oncallEmail=...
    (dev_archive,) = resources_of(dev, "AWS::Events::Archive")
    assert dev_archive["RetentionDays"] == 1


def test_high_throughput_uses_the_large_profile_with_an_explicit_memory_size() -> None:
    _, assembly = synth_example("high_throughput")
    (stack,) = assembly.stacks
    (mapping,) = resources_of(stack, "AWS::Lambda::EventSourceMapping")
    assert (
        mapping["BatchSize"],
        mapping["MaximumBatchingWindowInSeconds"],
        mapping["ScalingConfig"]["MaximumConcurrency"],
    ) == (100, 2, 50)
    (function,) = [
        f
        for f in resources_of(stack, "AWS::Lambda::Function")
        if "EVENTS_TABLE_NAME" in f.get("Environment", {}).get("Variables", {})
    ]
    assert function["MemorySize"] == 1024
    # The large profile keeps the events table on demand: no provisioned capacity, no auto scaling.
    (events_table,) = [t for t in resources_of(stack, "AWS::DynamoDB::Table") if "shipment-events-" in t["TableName"]]
    assert events_table["BillingMode"] == "PAY_PER_REQUEST" and "ProvisionedThroughput" not in events_table
    assert resources_of(stack, "AWS::ApplicationAutoScaling::ScalableTarget") == []


def test_existing_resources_uses_the_teams_bus_topic_and_key_and_grants_its_producer() -> None:
    _, assembly = synth_example("existing_resources")
    (stack,) = assembly.stacks
    types = [resource["Type"] for resource in stack.template["Resources"].values()]
    # No bus and no topic of the pipeline's own: the shared ones are used.
    assert "AWS::Events::EventBus" not in types and "AWS::SNS::Topic" not in types
    (rule,) = resources_of(stack, "AWS::Events::Rule")
    assert rule["EventBusName"] == "orders-bus"
    alarm_actions = {
        str(action) for alarm in resources_of(stack, "AWS::CloudWatch::Alarm") for action in alarm["AlarmActions"]
    }
    assert alarm_actions == {"arn:aws:sns:eu-west-1:111111111111:team-alarms"}
    queues_with_key = [q for q in resources_of(stack, "AWS::SQS::Queue") if "KmsMasterKeyId" in q]
    assert len(queues_with_key) == 3  # the queue, its DLQ and the quarantine queue; the target DLQ stays SSE-SQS
    statements = [
        s for policy in resources_of(stack, "AWS::IAM::Policy") for s in policy["PolicyDocument"]["Statement"]
    ]
    assert any(s["Action"] == "events:PutEvents" for s in statements)


def test_vpc_puts_the_function_in_the_isolated_subnets_with_endpoints() -> None:
    _, assembly = synth_example("vpc")
    (stack,) = assembly.stacks
    (function,) = [f for f in resources_of(stack, "AWS::Lambda::Function") if "VpcConfig" in f]
    assert function["VpcConfig"]["SubnetIds"] == ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
    assert sorted(e["VpcEndpointType"] for e in resources_of(stack, "AWS::EC2::VPCEndpoint")) == [
        "Gateway",
        "Interface",
    ]
