"""Every prop can be overridden: two synthesized stacks cover them all."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match
from stacks import build_stack, existing_resources_pipeline, tuned_pipeline

from shipment_pipeline_constructs import ShipmentEventPipeline

DAY = 86_400


@pytest.fixture(scope="module")
def tuned():
    return tuned_pipeline()


@pytest.fixture(scope="module")
def existing():
    return existing_resources_pipeline()


def props(synthesized, attribute):
    stack, pipeline, template = synthesized
    return template.to_json()["Resources"][stack.get_logical_id(getattr(pipeline, attribute).node.default_child)][
        "Properties"
    ]


def test_tuned_ingest(tuned):
    template = tuned[2]
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {"source": ["acme.shipping"], "detail-type": ["shipment.created"]},
            "Targets": [
                Match.object_like({"RetryPolicy": {"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 7200}})
            ],
        },
    )
    template.resource_count_is("AWS::Events::Archive", 0)
    assert tuned[1].archive is None


def test_tuned_queues(tuned):
    queue = props(tuned, "queue")
    assert queue["MessageRetentionPeriod"] == 2 * DAY
    assert queue["RedrivePolicy"]["maxReceiveCount"] == 3
    assert queue["VisibilityTimeout"] == 6 * 30  # follows the function timeout
    assert props(tuned, "dead_letter_queue")["MessageRetentionPeriod"] == 7 * DAY
    assert props(tuned, "queue")["QueueName"] == "shipment-events-prod"


def test_tuned_processor(tuned):
    function = props(tuned, "function")
    assert function["MemorySize"] == 1024
    assert function["Timeout"] == 30
    assert function["Architectures"] == ["x86_64"]
    assert function["ReservedConcurrentExecutions"] == 25
    assert "TracingConfig" not in function or function["TracingConfig"]["Mode"] == "PassThrough"
    assert function["Environment"]["Variables"]["TTL_DAYS"] == "30"
    assert function["Environment"]["Variables"]["MAX_RECEIVE_COUNT"] == "3"
    assert function["Environment"]["Variables"]["METRICS_NAMESPACE"] == "Acme/Shipments"
    mapping = props(tuned, "event_source_mapping")
    assert mapping["BatchSize"] == 50
    assert mapping["MaximumBatchingWindowInSeconds"] == 5
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 20}
    assert props(tuned, "log_group")["RetentionInDays"] == 14


def test_tuned_storage_is_provisioned_with_auto_scaling(tuned):
    template = tuned[2]
    table = props(tuned, "table")
    assert "BillingMode" not in table  # CloudFormation's default: PROVISIONED
    assert table["ProvisionedThroughput"] == {"ReadCapacityUnits": 2, "WriteCapacityUnits": 10}
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": False}
    assert table["DeletionProtectionEnabled"] is False
    targets = template.find_resources("AWS::ApplicationAutoScaling::ScalableTarget")
    bounds = sorted(
        (t["Properties"]["ScalableDimension"], t["Properties"]["MinCapacity"], t["Properties"]["MaxCapacity"])
        for t in targets.values()
    )
    assert bounds == [
        ("dynamodb:table:ReadCapacityUnits", 2, 20),
        ("dynamodb:table:WriteCapacityUnits", 10, 200),
    ]
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {"TargetTrackingScalingPolicyConfiguration": Match.object_like({"TargetValue": 70})},
    )
    template.has_resource("AWS::DynamoDB::Table", {"DeletionPolicy": "Delete"})


def test_existing_bus_and_table_are_used_not_created(existing):
    stack, pipeline, template = existing
    template.resource_count_is("AWS::Events::EventBus", 0)
    template.resource_count_is("AWS::DynamoDB::Table", 1)  # only the errors table
    template.has_resource_properties("AWS::Events::Rule", {"EventBusName": "team-bus"})
    template.has_resource_properties("AWS::Events::Archive", {"RetentionDays": 30})
    env = props(existing, "function")["Environment"]["Variables"]
    assert env["EVENTS_TABLE_NAME"] == "team-shipments"
    assert pipeline.table.table_name == "team-shipments"


def test_processor_may_only_put_items_on_the_existing_table(existing):
    template = existing[2]
    rendered = json.dumps(template.find_resources("AWS::IAM::Policy"))
    assert "table/team-shipments" in rendered
    for forbidden in ("dynamodb:Scan", "dynamodb:*", '"*"'):
        assert forbidden not in rendered.replace('"Resource": "*"', "")
    # The one delete the handler makes is of its own error records, in the errors table the construct created.
    statements = [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    on_team_table = [s for s in statements if "table/team-shipments" in json.dumps(s["Resource"])]
    assert [s["Action"] for s in on_team_table] == ["dynamodb:PutItem"]
    deletes = [s for s in statements if "dynamodb:DeleteItem" in json.dumps(s["Action"])]
    assert [(s["Action"], s["Resource"]) for s in deletes] == [
        (
            "dynamodb:DeleteItem",
            {"Fn::GetAtt": [existing[0].get_logical_id(existing[1].errors_table.node.default_child), "Arn"]},
        )
    ]


def test_kms_key_encrypts_source_queue_and_dlq_and_lets_eventbridge_use_it(existing):
    stack, pipeline, template = existing
    key_id = stack.get_logical_id(pipeline.node.scope.node.find_child("TeamKey").node.default_child)
    for attribute in ("queue", "dead_letter_queue", "quarantine_queue"):
        assert props(existing, attribute)["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    # the target DLQ stays SQS-managed so it can catch events a broken key policy bounces
    assert props(existing, "target_dead_letter_queue")["SqsManagedSseEnabled"] is True
    statements = template.find_resources("AWS::KMS::Key")[key_id]["Properties"]["KeyPolicy"]["Statement"]
    (to_queue,) = [s for s in statements if s.get("Sid") == "EventBridgeSendsToTheQueue"]
    # EventBridge may use the key to send to the queue, with the two actions SQS asks a sender for ...
    assert to_queue["Action"] == ["kms:GenerateDataKey", "kms:Decrypt"]
    assert to_queue["Principal"] == {"Service": "events.amazonaws.com"}
    # ... only for rules of this account on the team's bus (the rule's name is CloudFormation's: any rule of the bus)
    assert to_queue["Condition"]["StringEquals"] == {"aws:SourceAccount": "111111111111"}
    assert json.dumps(to_queue["Condition"]["ArnLike"]["aws:SourceArn"]).endswith(
        ':events:eu-west-1:111111111111:rule/team-bus/*"]]}'
    )
    # and nothing is granted to EventBridge that a deny must take back
    assert not [s for s in statements if s["Effect"] == "Deny"]


def test_physical_names_can_be_left_to_cloudformation(existing):
    for attribute in ("queue", "dead_letter_queue", "target_dead_letter_queue"):
        assert "QueueName" not in props(existing, attribute)
    assert "FunctionName" not in props(existing, "function")
    assert "TableName" not in props(existing, "errors_table")


def _two_unnamed_pipelines(stack):
    ShipmentEventPipeline(stack, "Orders", physical_names=False)
    return ShipmentEventPipeline(stack, "Returns", physical_names=False)


def test_pipelines_without_physical_names_never_share_metrics():
    # GIVEN two pipelines with the same (default) suffix and CloudFormation-chosen names
    stack, returns, template = build_stack("two-unnamed-pipelines", _two_unnamed_pipelines)
    orders = stack.node.find_child("Orders")
    # THEN each function reports under its own Pipeline dimension, and each pipeline's metrics read it
    names = sorted(
        function["Properties"]["Environment"]["Variables"]["PIPELINE_NAME"]
        for function in template.find_resources("AWS::Lambda::Function").values()
    )
    assert names == sorted([orders.pipeline_name, returns.pipeline_name])
    assert orders.pipeline_name != returns.pipeline_name
    assert returns.metric_processor("Stored").dimensions == {"Pipeline": returns.pipeline_name}
