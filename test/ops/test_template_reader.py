"""The template reader: pipelines split by construct path, roles, names, alarms in catalogue order, shape fallback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shipment_pipeline_constructs import shape
from shipment_pipeline_constructs.template_reader import StackTemplate, TemplateError


def _resource(kind: str, path: str = "", **properties: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {"Type": kind, "Properties": properties}
    if path:
        resource["Metadata"] = {"aws:cdk:path": path}
    return resource


def _two_pipelines() -> dict[str, Any]:
    return {
        "Resources": {
            "QueueA": _resource("AWS::SQS::Queue", "S/Orders/Queue/Resource", QueueName="orders"),
            "DlqA": _resource("AWS::SQS::Queue", "S/Orders/DeadLetterQueue/Resource", QueueName="orders-dlq"),
            "RuleA": _resource("AWS::Events::Rule", "S/Orders/Rule/Resource", Name="orders-rule"),
            "FnA": _resource(
                "AWS::Lambda::Function",
                "S/Orders/Processor/Resource",
                Environment={"Variables": {shape.ENV.pipeline_name: "orders-pipeline"}},
            ),
            # Listed out of catalogue order: the reader sorts them.
            "AlarmDlqA": _resource(
                shape.ALARM_RESOURCE_TYPE, "S/Orders/Alarms/DeadLetterMessages/Resource", AlarmName="orders-dlq-alarm"
            ),
            "AlarmBacklogA": _resource(shape.ALARM_RESOURCE_TYPE, "S/Orders/Alarms/QueueBacklog/Resource"),
            "QueueB": _resource("AWS::SQS::Queue", "S/Returns/Queue/Resource"),
            # A stray look-alike: a rule in another construct, with no queue beside it.
            "OtherRule": _resource("AWS::Events::Rule", "S/Audit/Rule/Resource"),
        }
    }


def test_a_stack_splits_into_its_pipelines_by_construct_path() -> None:
    stack = StackTemplate.parse(_two_pipelines())
    assert [pipeline.construct_path for pipeline in stack.candidates()] == ["S/Orders", "S/Returns", "S/Audit"]
    assert [pipeline.construct_path for pipeline in stack.pipelines()] == ["S/Orders", "S/Returns"]
    orders = stack.pipeline("Orders")
    assert (orders.logical_id("queue"), orders.logical_id("dead_letter_queue"), orders.logical_id("rule")) == (
        "QueueA",
        "DlqA",
        "RuleA",
    )
    assert orders.logical_id("archive") is None and orders.properties("archive") == {}
    assert orders.properties("queue") == {"QueueName": "orders"}
    assert orders.pipeline_name() == "orders-pipeline"
    assert orders.missing(["queue", "event_source"]) == ["event_source"]


def test_names_come_from_physical_ids_then_literal_names() -> None:
    orders = StackTemplate.parse(_two_pipelines()).pipeline("S/Orders")
    # Before a deploy: the literal names; the alarm without one stands in with its logical id.
    assert orders.name("queue") == "orders"
    assert orders.alarm_names() == ("AlarmBacklogA", "orders-dlq-alarm")
    # Deployed: CloudFormation's physical ids win; a rule on a custom bus is reported as "bus|rule".
    deployed = {"QueueA": "https://sqs/orders", "RuleA": "bus|orders-rule-x", "AlarmBacklogA": "orders-backlog"}
    assert orders.name("queue", deployed) == "https://sqs/orders"
    assert orders.name("rule", deployed) == "orders-rule-x"
    assert orders.alarm_names(deployed) == ("orders-backlog", "orders-dlq-alarm")
    assert orders.name("event_bus") is None


def test_choosing_one_pipeline_says_which_exist_or_what_is_missing() -> None:
    stack = StackTemplate.parse(_two_pipelines())
    with pytest.raises(TemplateError, match=r"^MyStack holds 2 pipelines \(S/Orders, S/Returns\): pick one"):
        stack.pipeline(source="MyStack")
    with pytest.raises(
        TemplateError, match=r"no ShipmentEventPipeline found under Nope in the template .*/Queue/Resource"
    ):
        stack.pipeline("Nope")
    assert not StackTemplate.parse({"Resources": {"Q": _resource("AWS::SQS::Queue")}}).has_path_metadata


def test_without_path_metadata_roles_are_found_by_type_and_shape() -> None:
    # GIVEN a template deployed with --path-metadata false, with a look-alike of each role before the real one
    template = {
        "Resources": {
            "OtherFn": _resource("AWS::Lambda::Function"),
            "Fn": _resource(
                "AWS::Lambda::Function", Environment={"Variables": {shape.ENV.events_table_name: {"Ref": "Table"}}}
            ),
            "OtherTable": _resource("AWS::DynamoDB::Table", KeySchema=[{"AttributeName": "id"}]),
            "Table": _resource(
                "AWS::DynamoDB::Table",
                KeySchema=[{"AttributeName": "shipment_id"}, {"AttributeName": "event_timestamp"}],
            ),
            "Dlq": _resource("AWS::SQS::Queue"),
            "Queue": _resource("AWS::SQS::Queue", RedrivePolicy={"maxReceiveCount": 5}),
            "Mapping": _resource("AWS::Lambda::EventSourceMapping"),
        }
    }
    pipeline = StackTemplate.parse(template).pipeline_by_shape()
    assert {role: pipeline.logical_id(role) for role in ("function", "events_table", "queue", "event_source")} == {
        "function": "Fn",
        "events_table": "Table",
        "queue": "Queue",
        "event_source": "Mapping",
    }
    assert pipeline.logical_id("archive") is None


@pytest.mark.slow
def test_a_synthesized_template_has_every_role_and_alarm(tmp_path: Path) -> None:
    from stacks import synth_example

    # GIVEN examples/basic synthesized as `cdk synth` does it (with construct paths), written to a file
    _, assembly = synth_example("basic")
    (stack_artifact,) = assembly.stacks
    path = tmp_path / "stack.template.json"
    path.write_text(json.dumps(stack_artifact.template))
    # WHEN it is read  THEN every role but the opt-in ones, and every alarm, is found with its resource type
    stack = StackTemplate.load(path)
    (pipeline,) = stack.pipelines()
    # A VPC placement, backups, safe deploys.
    opt_in = [
        "dynamodb_endpoint",
        "sqs_endpoint",
        "backup_plan",
        "live_alias",
        "deployment_group",
        "schema_registry",
        "event_schema",
    ]
    assert pipeline.missing(shape.PARTS) == opt_in
    for role, part in shape.PARTS.items():
        if role not in opt_in:
            assert pipeline.resource(role)["Type"] == part.resource_type, role
    assert len(pipeline.alarm_logical_ids) == len(shape.ALARM_IDS) == stack.count(shape.ALARM_RESOURCE_TYPE)
    assert pipeline.path == path
