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


def test_dlq_sends_with_a_customer_key_use_named_kms_actions(with_key):  # noqa: F811
    kms_actions = {a for s in statements(with_key[2]) for a in as_list(s["Action"]) if a.startswith("kms:")}
    assert kms_actions == {"kms:Decrypt", "kms:GenerateDataKey"}
