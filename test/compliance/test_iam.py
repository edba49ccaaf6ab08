"""Least privilege: no wildcard actions anywhere, and a resource wildcard only where AWS has no resource-level permission."""

from __future__ import annotations

import pytest
from test_cdk_nag import in_vpc, with_key  # noqa: F401  (shared session fixtures)

# AWS offers no resource-level permissions for these (Service Authorization Reference).
NO_RESOURCE_LEVEL_PERMISSIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def statements(template) -> list[dict]:
    """Every statement of every identity policy the template creates (key and resource policies aside)."""
    found = []
    for resource in template.to_json()["Resources"].values():
        props = resource.get("Properties", {})
        documents = []
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents.append(props["PolicyDocument"])
        if resource["Type"] == "AWS::IAM::Role":
            documents += [policy["PolicyDocument"] for policy in props.get("Policies", [])]
        for document in documents:
            found += document["Statement"]
    return found


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


@pytest.fixture(params=["default", "with_key", "in_vpc"])
def template(request, default_template, with_key, in_vpc):  # noqa: F811
    return {"default": default_template, "with_key": with_key[2], "in_vpc": in_vpc[2]}[request.param]


def test_no_action_wildcards(template):
    actions = [action for statement in statements(template) for action in as_list(statement["Action"])]
    assert actions and not [action for action in actions if "*" in action]


def test_resource_wildcard_only_for_actions_without_resource_level_permissions(template):
    for statement in statements(template):
        if "*" in as_list(statement["Resource"]):
            assert set(as_list(statement["Action"])) <= NO_RESOURCE_LEVEL_PERMISSIONS, statement


def test_processor_writes_only_to_the_tables_themselves(default_pipeline):
    stack, pipeline, template = default_pipeline
    put_item = [s for s in statements(template) if as_list(s["Action"]) == ["dynamodb:PutItem"]]
    resources = sorted(str(resource) for statement in put_item for resource in as_list(statement["Resource"]))
    assert resources == sorted(
        str({"Fn::GetAtt": [stack.get_logical_id(table.node.default_child), "Arn"]})
        for table in (pipeline.table, pipeline.errors_table)
    )


def test_processor_deletes_only_error_records(default_pipeline):
    # The handler deletes the error record it wrote before a last receive once the event is stored: the errors
    # table only, never the events table, and no other delete-like action anywhere.
    stack, pipeline, template = default_pipeline
    deletes = [
        s for s in statements(template) if any("Delete" in a for a in as_list(s["Action"]) if a.startswith("dynamodb:"))
    ]
    assert [(as_list(s["Action"]), as_list(s["Resource"])) for s in deletes] == [
        (
            ["dynamodb:DeleteItem"],
            [{"Fn::GetAtt": [stack.get_logical_id(pipeline.errors_table.node.default_child), "Arn"]}],
        )
    ]


@pytest.mark.parametrize("variant", ["default", "with_key"])
def test_processor_sends_only_to_the_quarantine_queue(variant, default_pipeline, with_key):  # noqa: F811
    # Quarantined copies go to the quarantine queue; the DLQ is filled by SQS's redrive alone, so nobody may send there.
    stack, pipeline, template = {"default": default_pipeline, "with_key": with_key}[variant]
    sends = [s for s in statements(template) if any(a.startswith("sqs:Send") for a in as_list(s["Action"]))]
    assert [(as_list(s["Action"]), as_list(s["Resource"])) for s in sends] == [
        (
            ["sqs:SendMessage"],
            [{"Fn::GetAtt": [stack.get_logical_id(pipeline.quarantine_queue.node.default_child), "Arn"]}],
        )
    ]


def test_the_role_uses_a_customer_key_only_through_sqs_and_dynamodb_with_named_actions(with_key):  # noqa: F811
    # GIVEN encryption_key  THEN  every KMS statement of the role names the key and the one service it goes through
    stack, _, template = with_key
    key_arn = {"Fn::GetAtt": [stack.get_logical_id(stack.node.find_child("Key").node.default_child), "Arn"]}
    kms_statements = [s for s in statements(template) if any(a.startswith("kms:") for a in as_list(s["Action"]))]
    assert [s["Resource"] for s in kms_statements] == [key_arn] * len(kms_statements)
    by_service: dict[str, set[str]] = {}
    for statement in kms_statements:
        via = statement["Condition"]["StringEquals"]["kms:ViaService"]
        by_service.setdefault(via, set()).update(as_list(statement["Action"]))
    assert by_service == {
        # consume the source queue (Decrypt) and send to the quarantine queue (GenerateDataKey, Decrypt)
        "sqs.eu-west-1.amazonaws.com": {"kms:Decrypt", "kms:GenerateDataKey"},
        "dynamodb.eu-west-1.amazonaws.com": {"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"},
    }


def key_policy_statements(template) -> list[dict]:
    """Every statement of every KMS key policy, except KMS's default account-root administration statement."""
    found = []
    for resource in template.to_json()["Resources"].values():
        if resource["Type"] == "AWS::KMS::Key":
            found += [
                statement
                for statement in resource["Properties"]["KeyPolicy"]["Statement"]
                if not (statement["Action"] == "kms:*" and "AWS" in statement.get("Principal", {}))
            ]
    return found


@pytest.mark.parametrize("variant", ["default", "with_key"])
def test_key_policies_let_services_use_keys_for_this_account_only(variant, default_template, with_key):  # noqa: F811
    # GIVEN the alarm topic's key (default) and a customer key for the queues (with_key)
    template = {"default": default_template, "with_key": with_key[2]}[variant]
    service_statements = [s for s in key_policy_statements(template) if "Service" in s.get("Principal", {})]
    assert service_statements and {s["Effect"] for s in service_statements} == {"Allow"}
    for statement in service_statements:
        # THEN each names its actions (no wildcards) ...
        assert not [action for action in as_list(statement["Action"]) if "*" in action], statement
        # ... and is limited to this account or to this pipeline's resources, except EventBridge's DescribeKey
        # (metadata only; the EventBridge user guide gives it no condition: it carries no encryption context)
        if as_list(statement["Action"]) != ["kms:DescribeKey"]:
            conditions = {key for operator in statement["Condition"].values() for key in operator}
            assert conditions & {
                "aws:SourceAccount",
                "aws:SourceArn",
                "kms:EncryptionContext:aws:events:event-bus:arn",
                "kms:EncryptionContext:aws:logs:arn",
            }, statement


def test_function_in_a_vpc_gets_only_the_network_interface_policy(in_vpc):  # noqa: F811
    # GIVEN vpc=  THEN  the role's only managed policy is ENI management (not the VPC policy that writes any log group)
    stack, pipeline, template = in_vpc
    role = template.to_json()["Resources"][stack.get_logical_id(pipeline.role.node.default_child)]
    (arn,) = role["Properties"]["ManagedPolicyArns"]
    assert arn["Fn::Join"][1][-1] == ":iam::aws:policy/service-role/AWSLambdaENIManagementAccess"


def test_sqs_endpoint_admits_https_from_the_whole_vpc(in_vpc):  # noqa: F811
    # private DNS sends every SQS client in the VPC to the endpoint: admitting only the function would cut them off
    template = in_vpc[2]
    groups = template.find_resources("AWS::EC2::SecurityGroup")
    endpoint_groups = [g for path, g in groups.items() if "SqsEndpoint" in path]
    assert endpoint_groups
    ingress = endpoint_groups[0]["Properties"].get("SecurityGroupIngress", [])
    assert any(rule.get("FromPort") == 443 and "CidrIp" in rule for rule in ingress), ingress
