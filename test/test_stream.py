"""The events table's change stream: the option, the attribute, the grant, and the example's consumer."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template
from stacks import EXAMPLES, build_stack, synth
from test_iam_guardrails import CONFIGURATIONS

from shipment_pipeline_constructs import IngestOptions, PipelineValidationError, ShipmentEventPipeline, StorageOptions
from shipment_pipeline_constructs.compliance import cfn_lint_findings, unacknowledged_findings

NEW_IMAGE = dynamodb.StreamViewType.NEW_IMAGE


@pytest.fixture(scope="module")
def with_stream():
    return synth(environment_suffix="test", storage=StorageOptions(stream=NEW_IMAGE))


def events_table(stack_pipeline_template) -> tuple[str, dict]:
    stack, pipeline, template = stack_pipeline_template
    logical_id = stack.get_logical_id(pipeline.table.node.default_child)
    return logical_id, template.to_json()["Resources"][logical_id]


def test_the_stream_is_the_only_change_to_the_events_table(default_pipeline, with_stream):
    # Same logical ID and name, and StreamSpecification updates a table in place: on or off, never a replacement.
    default_id, default_table = events_table(default_pipeline)
    stream_id, stream_table = events_table(with_stream)
    assert stream_id == default_id
    assert stream_table["Properties"].pop("StreamSpecification") == {"StreamViewType": "NEW_IMAGE"}
    assert stream_table == default_table


def test_the_errors_table_gets_no_stream(with_stream):
    stack, pipeline, template = with_stream
    errors = template.to_json()["Resources"][stack.get_logical_id(pipeline.errors_table.node.default_child)]
    assert "StreamSpecification" not in errors["Properties"]


def test_table_stream_arn_is_the_tables_stream_or_none(default_pipeline, with_stream):
    stack, pipeline, _ = with_stream
    assert stack.resolve(pipeline.table_stream_arn) == {
        "Fn::GetAtt": [stack.get_logical_id(pipeline.table.node.default_child), "StreamArn"]
    }
    assert default_pipeline[1].table_stream_arn is None


def _consumer_of_the_stream(stack: Stack) -> ShipmentEventPipeline:
    pipeline = ShipmentEventPipeline(
        stack, "Pipeline", environment_suffix="consumer", storage=StorageOptions(stream=NEW_IMAGE)
    )
    pipeline.grant_stream_read(iam.Role(stack, "Consumer", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com")))
    return pipeline


def test_grant_stream_read_allows_reading_this_stream_and_listing_streams():
    stack, pipeline, template = build_stack("stream-consumer", _consumer_of_the_stream)
    consumer = stack.get_logical_id(stack.node.find_child("Consumer").node.default_child)
    (policy,) = [
        policy["Properties"]
        for policy in template.find_resources("AWS::IAM::Policy").values()
        if policy["Properties"]["Roles"] == [{"Ref": consumer}]
    ]
    assert policy["PolicyDocument"]["Statement"] == [
        # ListStreams supports no resource-level permissions (Service Authorization Reference, DynamoDB).
        {"Action": "dynamodb:ListStreams", "Effect": "Allow", "Resource": "*"},
        {
            "Action": ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [stack.get_logical_id(pipeline.table.node.default_child), "StreamArn"]},
        },
    ]


def test_grant_stream_read_without_a_stream_says_how_to_turn_it_on(default_pipeline):
    stack, pipeline, _ = default_pipeline
    role = iam.Role(Stack(App(), "Elsewhere"), "Consumer", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    with pytest.raises(ValueError, match=r"the events table has no stream\. Set storage=StorageOptions\(stream="):
        pipeline.grant_stream_read(role)


def test_an_existing_table_with_the_stream_option_is_a_validation_problem_listed_with_the_others():
    with pytest.raises(PipelineValidationError) as raised:
        stack = Stack(App(), "Existing")
        ShipmentEventPipeline(
            stack,
            "Pipeline",
            table=dynamodb.Table.from_table_name(stack, "Team", "team-shipments"),
            storage=StorageOptions(stream=NEW_IMAGE),
            ttl_days=0,
        )
    assert raised.value.problems == [
        "ttl_days must be >= 1 days, got 0",
        "storage.stream configure the events table this construct would create, but table= gives an existing "
        "one: drop them (configure your own table; only storage.on_conflict applies to an existing table), "
        "or drop table=",
    ]


def test_an_existing_tables_own_stream_is_exposed_and_granted():
    stack = Stack(App(), "ExistingStream", env={"account": "111111111111", "region": "eu-west-1"})
    arn = "arn:aws:dynamodb:eu-west-1:111111111111:table/team-shipments/stream/2026-01-01T00:00:00.000"
    pipeline = ShipmentEventPipeline(
        stack,
        "Pipeline",
        table=dynamodb.Table.from_table_attributes(stack, "Team", table_name="team-shipments", table_stream_arn=arn),
    )
    assert pipeline.table_stream_arn == arn
    role = iam.Role(stack, "Consumer", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    pipeline.grant_stream_read(role)
    statements = [
        statement
        for policy in Template.from_stack(stack).find_resources("AWS::IAM::Policy").values()
        if policy["Properties"]["Roles"] == [{"Ref": stack.get_logical_id(role.node.default_child)}]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert {
        "Action": ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
        "Effect": "Allow",
        "Resource": arn,
    } in statements


def test_the_stream_configuration_has_no_unacknowledged_findings(with_stream):
    assert [str(finding) for finding in unacknowledged_findings(with_stream[0])] == []


def _consumer_module():
    path = EXAMPLES / "change_stream" / "consumer" / "audit_consumer.py"
    spec = importlib.util.spec_from_file_location("audit_consumer", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _record(sequence: str, image: dict) -> dict:
    return {"eventName": "INSERT", "dynamodb": {"SequenceNumber": sequence, "NewImage": image}}


def test_the_examples_consumer_writes_one_audit_line_per_stored_event(capsys):
    # GIVEN two stream records of stored events
    image = {"shipment_id": {"S": "S-1"}, "event_timestamp": {"S": "2026-12-01T10:00:00Z"}, "attempt": {"N": "2"}}
    # WHEN the consumer handles them
    result = _consumer_module().handler({"Records": [_record("1", image), _record("2", image)]}, None)
    # THEN it reports no failure and prints one line each, with the item's attributes
    assert result == {"batchItemFailures": []}
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (
        lines
        == [
            {
                "audit": "shipment-event-stored",
                "shipment_id": "S-1",
                "event_timestamp": "2026-12-01T10:00:00Z",
                "attempt": "2",
            }
        ]
        * 2
    )


def test_the_examples_consumer_reports_the_first_failed_record_so_lambda_retries_from_it():
    records = [
        _record("1", {"shipment_id": {"S": "S-1"}}),
        {"eventName": "INSERT", "dynamodb": {"SequenceNumber": "2"}},
    ]
    assert _consumer_module().handler({"Records": records}, None) == {"batchItemFailures": [{"itemIdentifier": "2"}]}


@pytest.mark.slow  # runs cfn-lint (seconds per template)
def test_cfn_lint_finds_nothing_in_the_stream_producer_and_guardrail_configurations(tmp_path, with_stream):
    templates = {
        "stream": with_stream[2],
        "producers": synth(
            environment_suffix="lint",
            ingest=IngestOptions(
                event_pattern=events.EventPattern(source=["acme.shipping"]),
                producer_accounts=["222222222222"],
                producer_organization_id="o-a1b2c3d4e5",
            ),
        )[2],
        **{
            f"guarded-{name}": build_stack(f"guardrails-{name}", build)[2]
            for name, (build, _) in CONFIGURATIONS.items()
        },
    }
    findings = {}
    for name, template in templates.items():
        path = tmp_path / f"{name}.template.json"
        path.write_text(json.dumps(template.to_json()))
        findings[name] = cfn_lint_findings(Path(path))
    assert findings == {name: [] for name in templates}
