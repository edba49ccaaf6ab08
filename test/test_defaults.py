"""Every default of ShipmentEventPipeline, asserted in the synthesized template.

One synthesis (the session's default pipeline) serves the whole module.
"""

from __future__ import annotations

import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Match

DAY = 86_400


def props_at(synthesized, attribute: str) -> dict:
    """Template properties of the pipeline's resource ``attribute`` (e.g. ``"queue"``)."""
    stack, pipeline, template = synthesized
    logical_id = stack.get_logical_id(getattr(pipeline, attribute).node.default_child)
    return template.to_json()["Resources"][logical_id]["Properties"]


def test_bus_is_named_after_the_suffix(default_template):
    # GIVEN the default pipeline with suffix "test"  THEN  the bus is named shipment-events-<suffix>
    default_template.has_resource_properties("AWS::Events::EventBus", {"Name": "shipment-events-test"})


def test_rule_matches_the_shipment_source_and_targets_the_queue_with_retry_policy_and_dlq(default_template):
    default_template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {"source": ["shipment.service"]},
            "EventBusName": Match.any_value(),
            "Targets": [
                Match.object_like(
                    {
                        "Arn": {"Fn::GetAtt": [Match.string_like_regexp("^PipelineQueue[0-9A-F]{8}$"), "Arn"]},
                        "RetryPolicy": {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 24 * 3600},
                        "DeadLetterConfig": {
                            "Arn": {
                                "Fn::GetAtt": [
                                    Match.string_like_regexp("^PipelineTargetDeadLetterQueue[0-9A-F]{8}$"),
                                    "Arn",
                                ]
                            }
                        },
                    }
                )
            ],
        },
    )


def test_archive_keeps_matched_events_for_seven_days(default_template):
    default_template.has_resource_properties(
        "AWS::Events::Archive",
        {"RetentionDays": 7, "EventPattern": {"source": ["shipment.service"]}, "ArchiveName": "shipment-events-test"},
    )


def test_queue_retention_visibility_and_redrive(default_pipeline):
    queue = props_at(default_pipeline, "queue")
    assert queue["QueueName"] == "shipment-events-test"
    assert queue["MessageRetentionPeriod"] == 4 * DAY
    # 6 x the 60 s function timeout, derived rather than set by hand
    assert queue["VisibilityTimeout"] == 6 * 60
    assert queue["RedrivePolicy"]["maxReceiveCount"] == 5
    assert queue["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0].startswith("PipelineDeadLetterQueue")


@pytest.mark.parametrize("attribute", ["queue", "dead_letter_queue", "quarantine_queue", "target_dead_letter_queue"])
def test_every_queue_is_encrypted_with_sqs_managed_keys(default_pipeline, attribute):
    assert props_at(default_pipeline, attribute)["SqsManagedSseEnabled"] is True


@pytest.mark.parametrize("attribute", ["dead_letter_queue", "quarantine_queue", "target_dead_letter_queue"])
def test_dead_letter_queues_keep_messages_fourteen_days(default_pipeline, attribute):
    assert props_at(default_pipeline, attribute)["MessageRetentionPeriod"] == 14 * DAY


def test_every_queue_denies_requests_without_tls(default_template):
    policies = default_template.find_resources("AWS::SQS::QueuePolicy")
    assert len(policies) == 4
    for policy in policies.values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
        )


def test_function_runtime_architecture_memory_timeout_tracing_and_logging(default_pipeline):
    stack = default_pipeline[0]
    function = props_at(default_pipeline, "function")
    # The newest Python runtime aws-cdk-lib lists (what cdk-nag's AwsSolutions-L1 asks for).
    pythons = [r.name for r in lambda_.Runtime.ALL if r.family == lambda_.RuntimeFamily.PYTHON]
    assert function["Runtime"] == max(pythons, key=lambda name: [int(n) for n in name[len("python") :].split(".")])
    assert function["Handler"] == "shipment_processor.app.handler"
    assert function["Architectures"] == ["arm64"]
    assert function["MemorySize"] == 512
    assert function["Timeout"] == 60
    assert function["TracingConfig"] == {"Mode": "Active"}
    assert function["LoggingConfig"]["LogFormat"] == "JSON"
    assert function["LoggingConfig"]["LogGroup"] == {
        "Ref": stack.get_logical_id(default_pipeline[1].log_group.node.default_child)
    }
    assert "ReservedConcurrentExecutions" not in function


def test_log_group_is_created_with_thirty_days_retention(default_template):
    default_template.has_resource_properties(
        "AWS::Logs::LogGroup",
        {"LogGroupName": "/aws/lambda/shipment-event-processor-test", "RetentionInDays": 30},
    )


def test_event_source_mapping_caps_concurrency_and_reports_partial_failures(default_template):
    default_template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "BatchSize": 10,
            "ScalingConfig": {"MaximumConcurrency": 5},
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "MaximumBatchingWindowInSeconds": Match.absent(),
        },
    )


def test_events_table_keys_billing_ttl_pitr_and_retention(default_template):
    default_template.has_resource(
        "AWS::DynamoDB::Table",
        {
            "Properties": Match.object_like(
                {
                    "TableName": "shipment-events-test",
                    "KeySchema": [
                        {"AttributeName": "shipment_id", "KeyType": "HASH"},
                        {"AttributeName": "event_timestamp", "KeyType": "RANGE"},
                    ],
                    "BillingMode": "PAY_PER_REQUEST",
                    "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
                    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                    "DeletionProtectionEnabled": True,
                }
            ),
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_errors_table_is_separate_time_ordered_and_indexed_by_shipment(default_pipeline):
    errors = props_at(default_pipeline, "errors_table")
    assert errors["TableName"] == "shipment-event-errors-test"
    assert [k["AttributeName"] for k in errors["KeySchema"]] == ["error_date", "error_id"]
    (index,) = errors["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "by-shipment"
    assert [k["AttributeName"] for k in index["KeySchema"]] == ["shipment_id", "error_id"]
    assert errors["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


def test_handler_environment_carries_its_whole_configuration(default_pipeline):
    stack, pipeline, _ = default_pipeline
    env = props_at(default_pipeline, "function")["Environment"]["Variables"]
    assert env["TTL_DAYS"] == "90"
    assert env["MAX_RECEIVE_COUNT"] == "5"
    assert env["METRICS_NAMESPACE"] == "ShipmentPipeline"
    assert env["PIPELINE_NAME"] == "shipment-events-test"
    assert env["ON_CONFLICT"] == "record"  # first write wins, the conflict is recorded
    assert env["EVENTS_TABLE_NAME"] == {"Ref": stack.get_logical_id(pipeline.table.node.default_child)}
    assert env["ERRORS_TABLE_NAME"] == {"Ref": stack.get_logical_id(pipeline.errors_table.node.default_child)}
    # Quarantined copies go to their own queue; the DLQ only receives what SQS redrives there.
    assert env["QUARANTINE_QUEUE_URL"] == {"Ref": stack.get_logical_id(pipeline.quarantine_queue.node.default_child)}
    assert "DEAD_LETTER_QUEUE_URL" not in env


def test_quarantine_queue_is_named_after_the_suffix_and_has_no_redrive(default_pipeline):
    quarantine = props_at(default_pipeline, "quarantine_queue")
    assert quarantine["QueueName"] == "shipment-events-quarantine-test"
    assert "RedrivePolicy" not in quarantine  # a terminal holding queue, like the DLQ


def test_no_backup_plan_and_no_vpc_by_default(default_pipeline):
    # PITR already restores any second of 35 days; the function calls only AWS APIs
    stack, pipeline, template = default_pipeline
    template.resource_count_is("AWS::Backup::BackupPlan", 0)
    assert pipeline.backup_plan is None
    assert "VpcConfig" not in props_at(default_pipeline, "function")
    template.resource_count_is("AWS::EC2::VPCEndpoint", 0)
