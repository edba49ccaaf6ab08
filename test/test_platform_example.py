"""The example with every guardrail on really has each of them in its template."""

from __future__ import annotations

import json

import pytest
from stacks import synth_example

pytestmark = pytest.mark.slow  # synthesizes an example app

EXAMPLE = "platform_guardrails"


@pytest.fixture(scope="module")
def resources() -> dict:
    _, assembly = synth_example(EXAMPLE)
    (stack,) = assembly.stacks
    return stack.template["Resources"]


def of_type(resources: dict, type_name: str) -> dict:
    return {logical_id: r for logical_id, r in resources.items() if r["Type"] == type_name}


def refers_to(value, logical_id: str) -> bool:
    return logical_id in json.dumps(value)


def test_the_key_encrypts_queues_tables_bus_archive_and_logs(resources):
    # No alarm topic here: every severity goes to the team's own topics (the keyed topic: test_encryption.py).
    assert of_type(resources, "AWS::SNS::Topic") == {}
    (key_id,) = of_type(resources, "AWS::KMS::Key")
    encrypted = {
        "AWS::SQS::Queue": "KmsMasterKeyId",
        "AWS::DynamoDB::Table": "SSESpecification",
        "AWS::Events::EventBus": "KmsKeyIdentifier",
        "AWS::Events::Archive": "KmsKeyIdentifier",
        "AWS::Logs::LogGroup": "KmsKeyId",
    }
    unkeyed = [
        logical_id
        for type_name, prop in encrypted.items()
        for logical_id, resource in of_type(resources, type_name).items()
        if not refers_to(resource["Properties"].get(prop), key_id)
    ]
    # The rule target's DLQ keeps SSE-SQS, so it can still catch what a key policy made undeliverable.
    assert [logical_id for logical_id in unkeyed if "TargetDeadLetterQueue" not in logical_id] == []
    for type_name in encrypted:
        assert of_type(resources, type_name), f"the example has no {type_name}"


def test_producers_in_the_accounts_and_the_organization_may_put_events(resources):
    statements = [
        policy["Properties"]["Statement"] for policy in of_type(resources, "AWS::Events::EventBusPolicy").values()
    ]
    assert len(statements) == 2
    principals = json.dumps([s["Principal"] for s in statements])
    assert "111111111111" in principals and "222222222222" in principals
    assert any(
        s.get("Condition", {}).get("StringEquals", {}).get("aws:PrincipalOrgID") == "o-a1b2c3d4e5" for s in statements
    )
    for statement in statements:
        assert statement["Action"] == "events:PutEvents"
        assert statement["Condition"]["ForAllValues:StringEquals"] == {"events:source": ["shipment.service"]}


def test_every_role_has_the_boundary_and_the_path(resources):
    roles = of_type(resources, "AWS::IAM::Role")
    assert len(roles) >= 2  # the processor's and CodeDeploy's
    for logical_id, role in roles.items():
        assert "workload-boundary" in json.dumps(role["Properties"]["PermissionsBoundary"]), logical_id
        assert role["Properties"]["Path"] == "/workloads/shipments/", logical_id


def test_the_events_table_streams_new_images(resources):
    streams = [
        table["Properties"].get("StreamSpecification") for table in of_type(resources, "AWS::DynamoDB::Table").values()
    ]
    assert {"StreamViewType": "NEW_IMAGE"} in streams


def test_alarms_are_routed_by_severity_and_pipeline_unhealthy_pages(resources):
    alarms = of_type(resources, "AWS::CloudWatch::Alarm")
    (composite,) = of_type(resources, "AWS::CloudWatch::CompositeAlarm").values()
    assert "oncall-pager" in json.dumps(composite["Properties"]["AlarmActions"])
    targets = {
        alarm["Properties"]["AlarmDescription"].split(":")[0]: json.dumps(alarm["Properties"]["AlarmActions"])
        for alarm in alarms.values()
    }
    assert {severity for severity in targets} == {"CRITICAL", "WARNING"}
    for alarm in alarms.values():
        actions = json.dumps(alarm["Properties"]["AlarmActions"])
        expected = (
            "oncall-pager" if alarm["Properties"]["AlarmDescription"].startswith("CRITICAL") else "oncall-tickets"
        )
        assert expected in actions


def test_deploys_go_through_a_canary_on_the_live_alias(resources):
    ((alias_id, alias),) = of_type(resources, "AWS::Lambda::Alias").items()
    assert alias["Properties"]["Name"] == "live"
    (group,) = of_type(resources, "AWS::CodeDeploy::DeploymentGroup").values()
    assert group["Properties"]["DeploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent15Minutes"
    assert group["Properties"]["AlarmConfiguration"]["Enabled"] is True
    (mapping,) = of_type(resources, "AWS::Lambda::EventSourceMapping").values()
    assert refers_to(mapping["Properties"]["FunctionName"], alias_id) or ":live" in json.dumps(
        mapping["Properties"]["FunctionName"]
    )
