"""``ProcessorOptions(enabled=...)`` and ``ProcessorOptions(deployment=...)`` in the template.

Off by default: the mapping is enabled and invokes the function itself, with no
alias, version or CodeDeploy resource. With a deployment config the function
publishes versions behind the alias ``live``, the mapping invokes the alias and a
deployment group shifts it, rolling back on the processor's alarms.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_codedeploy as codedeploy
from stacks import build_stack, synth

from shipment_pipeline_constructs import (
    AlarmThresholds,
    PipelineValidationError,
    ProcessorOptions,
    ShipmentEventPipeline,
    shape,
)
from shipment_pipeline_constructs.compliance import cfn_lint_findings, unacknowledged_findings
from shipment_pipeline_constructs.stages.deploy import ROLLBACK_ALARM_IDS

CANARY = "CodeDeployDefault.LambdaCanary10Percent5Minutes"
DEPLOYMENT_TYPES = ("AWS::Lambda::Alias", "AWS::Lambda::Version", "AWS::CodeDeploy::DeploymentGroup")


def _with_deployment(stack: Stack) -> ShipmentEventPipeline:
    return ShipmentEventPipeline(
        stack,
        "Pipeline",
        environment_suffix="canary",
        processor=ProcessorOptions(deployment=codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES),
    )


def _with_deployment_and_no_alarms(stack: Stack) -> ShipmentEventPipeline:
    return ShipmentEventPipeline(
        stack,
        "Pipeline",
        environment_suffix="linear",
        alarms=AlarmThresholds.disabled(),
        processor=ProcessorOptions(deployment=codedeploy.LambdaDeploymentConfig.LINEAR_10_PERCENT_EVERY_1_MINUTE),
    )


@pytest.fixture(scope="module")
def deployed():
    return build_stack("deployment-canary", _with_deployment)


def _only(template, resource_type: str) -> tuple[str, dict]:
    (found,) = template.find_resources(resource_type).items()
    return found


def test_by_default_the_mapping_is_enabled_and_invokes_the_function_without_alias(default_pipeline) -> None:
    stack, pipeline, template = default_pipeline
    for resource_type in (*DEPLOYMENT_TYPES, "AWS::CodeDeploy::Application"):
        template.resource_count_is(resource_type, 0)
    _, mapping = _only(template, "AWS::Lambda::EventSourceMapping")
    function_id = stack.get_logical_id(pipeline.function.node.default_child)
    assert mapping["Properties"]["Enabled"] is True
    assert mapping["Properties"]["FunctionName"] == {"Ref": function_id}
    assert (pipeline.live_alias, pipeline.deployment_group) == (None, None)


def test_enabled_false_deploys_the_pipeline_paused() -> None:
    _, _, template = synth(environment_suffix="paused", processor=ProcessorOptions(enabled=False))
    template.has_resource_properties("AWS::Lambda::EventSourceMapping", {"Enabled": False})


def test_deployment_publishes_versions_behind_the_alias_live_that_the_mapping_invokes(deployed) -> None:
    stack, pipeline, template = deployed
    function_id = stack.get_logical_id(pipeline.function.node.default_child)
    version_id, version = _only(template, "AWS::Lambda::Version")
    alias_id, alias = _only(template, "AWS::Lambda::Alias")
    assert version["Properties"] == {"FunctionName": {"Ref": function_id}}
    assert alias["Properties"]["Name"] == "live"
    assert alias["Properties"]["FunctionName"] == {"Ref": function_id}
    assert alias["Properties"]["FunctionVersion"] == {"Fn::GetAtt": [version_id, "Version"]}
    # The mapping invokes the alias: <function name>:live, taken from the alias's ARN.
    _, mapping = _only(template, "AWS::Lambda::EventSourceMapping")
    assert mapping["Properties"]["FunctionName"] == {
        "Fn::Join": ["", [{"Fn::Select": [6, {"Fn::Split": [":", {"Ref": alias_id}]}]}, ":live"]]
    }
    assert pipeline.live_alias is not None and pipeline.live_alias.alias_name == "live"
    # CodeDeploy, not CloudFormation, moves the alias to a new version.
    group_id = stack.get_logical_id(pipeline.deployment_group.node.default_child)
    application_id, _ = _only(template, "AWS::CodeDeploy::Application")
    assert alias["UpdatePolicy"] == {
        "CodeDeployLambdaAliasUpdate": {
            "ApplicationName": {"Ref": application_id},
            "DeploymentGroupName": {"Ref": group_id},
        }
    }


def test_the_deployment_group_shifts_by_the_config_and_rolls_back_on_the_processors_alarms(deployed) -> None:
    stack, pipeline, template = deployed
    _, group = _only(template, "AWS::CodeDeploy::DeploymentGroup")
    alarm_refs = [
        {"Name": {"Ref": stack.get_logical_id(pipeline.alarms[a].node.default_child)}} for a in ROLLBACK_ALARM_IDS
    ]
    assert ROLLBACK_ALARM_IDS == ("FunctionErrors", "QuarantinedEvents", "Conflicts")
    assert group["Properties"]["DeploymentConfigName"] == CANARY
    assert group["Properties"]["AlarmConfiguration"] == {"Alarms": alarm_refs, "Enabled": True}
    assert group["Properties"]["AutoRollbackConfiguration"] == {
        "Enabled": True,
        "Events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST", "DEPLOYMENT_STOP_ON_ALARM"],
    }
    assert group["Properties"]["DeploymentStyle"] == {
        "DeploymentOption": "WITH_TRAFFIC_CONTROL",
        "DeploymentType": "BLUE_GREEN",
    }
    template.has_resource_properties("AWS::CodeDeploy::Application", {"ComputePlatform": "Lambda"})


def test_the_codedeploy_role_is_codedeploys_limited_policy_assumed_by_codedeploy_only(deployed) -> None:
    stack, pipeline, template = deployed
    role = pipeline.deployment_group.role.node.default_child
    properties = template.to_json()["Resources"][stack.get_logical_id(role)]["Properties"]
    assert properties["AssumeRolePolicyDocument"]["Statement"] == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "codedeploy.amazonaws.com"}}
    ]
    assert properties["ManagedPolicyArns"] == [
        {
            "Fn::Join": [
                "",
                ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited"],
            ]
        }
    ]
    # No inline policy with a wildcard action anywhere in the stack.
    for policy in template.find_resources("AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert not [action for action in actions if "*" in action], statement


def test_without_alarms_the_deployment_still_shifts_gradually_and_rolls_back_on_failure() -> None:
    _, _, template = build_stack("deployment-no-alarms", _with_deployment_and_no_alarms)
    _, group = _only(template, "AWS::CodeDeploy::DeploymentGroup")
    assert group["Properties"]["DeploymentConfigName"] == "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"
    assert "AlarmConfiguration" not in group["Properties"]
    assert group["Properties"]["AutoRollbackConfiguration"] == {
        "Enabled": True,
        "Events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST"],
    }


def test_deployment_keeps_every_logical_id_of_the_default_pipeline(default_template, deployed) -> None:
    # The same resources (the suffix differs, not the ids), plus only what safe deploys add.
    default = default_template.to_json()["Resources"]
    with_deployment = deployed[2].to_json()["Resources"]
    assert set(default) <= set(with_deployment)
    added = {with_deployment[logical_id]["Type"] for logical_id in set(with_deployment) - set(default)}
    assert added == {*DEPLOYMENT_TYPES, "AWS::CodeDeploy::Application", "AWS::IAM::Role"}


def test_deployment_has_no_unacknowledged_cdk_nag_findings(deployed) -> None:
    assert [str(finding) for finding in unacknowledged_findings(deployed[0])] == []


@pytest.mark.slow  # runs cfn-lint (seconds to start)
def test_deployment_has_no_cfn_lint_findings(deployed, tmp_path: Path) -> None:
    path = tmp_path / "deployment.template.json"
    path.write_text(json.dumps(deployed[2].to_json()))
    assert cfn_lint_findings(path) == []


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (ProcessorOptions(enabled="no"), "processor.enabled must be True or False, got 'no'"),  # type: ignore[arg-type]
        (ProcessorOptions(enabled=0), "processor.enabled must be True or False, got 0"),  # type: ignore[arg-type]
        (
            ProcessorOptions(deployment="CANARY_10_PERCENT_5_MINUTES"),  # type: ignore[arg-type]
            "processor.deployment must be an ILambdaDeploymentConfig or None, got 'CANARY_10_PERCENT_5_MINUTES'",
        ),
    ],
)
def test_wrong_types_are_named(options, expected) -> None:
    with pytest.raises(PipelineValidationError) as raised:
        ShipmentEventPipeline(Stack(App(), "Validation"), "Pipeline", processor=options)
    assert raised.value.problems == [expected]


def test_a_deployment_config_for_another_platform_is_refused() -> None:
    with pytest.raises(PipelineValidationError) as raised:
        ShipmentEventPipeline(
            Stack(App(), "Validation"),
            "Pipeline",
            processor=ProcessorOptions(deployment=codedeploy.ServerDeploymentConfig.ALL_AT_ONCE),  # type: ignore[arg-type]
        )
    assert raised.value.problems == [
        "processor.deployment must be a deployment config for Lambda (e.g. "
        "LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES), got 'CodeDeployDefault.AllAtOnce', a config for "
        "another compute platform"
    ]


def test_the_alias_and_deployment_group_are_where_the_template_reader_looks(deployed) -> None:
    _, pipeline, _ = deployed
    for role, construct in (("live_alias", pipeline.live_alias), ("deployment_group", pipeline.deployment_group)):
        child = construct.node.default_child
        assert child.node.path.endswith(shape.PARTS[role].path_suffix), role
        assert child.cfn_resource_type == shape.PARTS[role].resource_type
