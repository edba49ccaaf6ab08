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


def test_quarantine_sends_with_a_customer_key_use_named_kms_actions(with_key):  # noqa: F811
    kms_actions = {a for s in statements(with_key[2]) for a in as_list(s["Action"]) if a.startswith("kms:")}
    assert kms_actions == {"kms:Decrypt", "kms:GenerateDataKey"}


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


# aws-cdk's SqsQueue target grants EventBridge encrypt/decrypt on a queue's key itself, with its
# own wildcards (kms:ReEncrypt*, kms:GenerateDataKey*); the construct cannot narrow that statement,
# so it adds a deny that keeps it to this account.
CDK_TARGET_GRANT = {"kms:Decrypt", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"}


@pytest.mark.parametrize("variant", ["default", "with_key"])
def test_key_policies_let_services_use_keys_for_this_account_only(variant, default_template, with_key):  # noqa: F811
    # GIVEN the alarm topic's key (default) and a customer key for the queues (with_key)
    template = {"default": default_template, "with_key": with_key[2]}[variant]
    service_statements = [s for s in key_policy_statements(template) if "Service" in s.get("Principal", {})]
    allows = [s for s in service_statements if s["Effect"] == "Allow"]
    guarded = {
        s["Principal"]["Service"]
        for s in service_statements
        if s["Effect"] == "Deny" and "aws:SourceAccount" in s.get("Condition", {}).get("StringNotEquals", {})
    }
    assert allows
    for statement in allows:
        # THEN each grant is limited to this account, by its own condition or by a deny for other accounts
        own_condition = "aws:SourceAccount" in statement.get("Condition", {}).get("StringEquals", {})
        assert own_condition or statement["Principal"]["Service"] in guarded, statement
        # AND names its actions, except the statement aws-cdk's SqsQueue target writes
        wildcards = [action for action in as_list(statement["Action"]) if "*" in action]
        assert not wildcards or set(as_list(statement["Action"])) == CDK_TARGET_GRANT, statement


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
